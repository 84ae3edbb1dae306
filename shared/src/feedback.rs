//! Miniback feedback as the API sees it: its statuses and sources, the validation of a new piece
//! of feedback (SPEC §4's texts), and the wire shape it is shown in.

use crate::ids::FeedbackId;
use crate::time::Timestamp;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Longest message accepted, in characters.
pub const MESSAGE_MAX_CHARS: usize = 10_000;
/// Largest `context` accepted, as compact JSON.
pub const CONTEXT_MAX_BYTES: usize = 16 * 1024;

/// Where feedback is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    New,
    Reviewed,
    Resolved,
}

impl Status {
    /// Every status, in order.
    pub const ALL: [Status; 3] = [Status::New, Status::Reviewed, Status::Resolved];

    /// `NEW`, `REVIEWED`, `RESOLVED`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "NEW",
            Status::Reviewed => "REVIEWED",
            Status::Resolved => "RESOLVED",
        }
    }

    /// Parses a status (exact, upper case); 400 naming the valid values otherwise.
    pub fn parse(text: &str) -> Result<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == text).ok_or_else(|| {
            Error::bad_request(format!("Invalid status '{text}'. Valid values: NEW, REVIEWED, RESOLVED"))
        })
    }
}

/// How feedback arrived.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Source {
    Widget,
    Api,
    Survey,
}

impl Source {
    /// Every source.
    pub const ALL: [Source; 3] = [Source::Widget, Source::Api, Source::Survey];

    /// `WIDGET`, `API`, `SURVEY`.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Widget => "WIDGET",
            Source::Api => "API",
            Source::Survey => "SURVEY",
        }
    }

    /// Parses a source (exact, upper case); 400 naming the valid values otherwise.
    pub fn parse(text: &str) -> Result<Source> {
        Source::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| Error::bad_request(format!("Invalid source '{text}'. Valid values: WIDGET, API, SURVEY")))
    }
}

/// The body of `PUT /api/feedback/{id}`: `{"status": …}`, validated.
pub fn status_from_json(body: Value) -> Result<Status> {
    match body.get("status") {
        Some(Value::String(text)) => Status::parse(text),
        Some(other) => {
            Err(Error::bad_request(format!("Invalid status {other}. Valid values: NEW, REVIEWED, RESOLVED")))
        }
        None => Err(Error::bad_request("Status is required. Valid values: NEW, REVIEWED, RESOLVED")),
    }
}

/// A validated new piece of feedback.
#[derive(Clone, Debug, PartialEq)]
pub struct NewFeedback {
    pub message: String,
    pub context: Option<serde_json::Map<String, Value>>,
}

impl NewFeedback {
    /// Validates a request body: `message` a string of 1 to 10,000 characters, `context` absent,
    /// null or an object of at most 16 KiB; other fields are ignored.
    pub fn from_json(body: Value) -> Result<NewFeedback> {
        const MESSAGE_REQUIRED: &str = "Message is required and must be a string";
        let Value::Object(mut fields) = body else {
            return Err(Error::bad_request(MESSAGE_REQUIRED));
        };
        let message = match fields.remove("message") {
            Some(Value::String(text)) if !text.trim().is_empty() => text,
            _ => return Err(Error::bad_request(MESSAGE_REQUIRED)),
        };
        if message.chars().count() > MESSAGE_MAX_CHARS {
            return Err(Error::bad_request(format!("Message must be at most {MESSAGE_MAX_CHARS} characters")));
        }
        let context = match fields.remove("context") {
            None | Some(Value::Null) => None,
            Some(Value::Object(map)) => {
                let size = serde_json::to_vec(&map).map(|bytes| bytes.len()).unwrap_or(usize::MAX);
                if size > CONTEXT_MAX_BYTES {
                    return Err(Error::bad_request(format!(
                        "Context must be at most {} KiB of JSON",
                        CONTEXT_MAX_BYTES / 1024
                    )));
                }
                Some(map)
            }
            Some(_) => return Err(Error::bad_request("Context must be a JSON object")),
        };
        Ok(NewFeedback { message, context })
    }
}

/// Feedback as the API returns it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct FeedbackView {
    pub id: FeedbackId,
    pub message: String,
    /// Always an object in answers (`{}` when none was sent), so a client's `item.context.url` is
    /// `undefined`, never a TypeError.
    #[serde(default, serialize_with = "context_object")]
    pub context: Option<serde_json::Map<String, Value>>,
    pub status: Status,
    pub source: Source,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn context_object<S: serde::Serializer>(
    context: &Option<serde_json::Map<String, Value>>,
    serializer: S,
) -> std::result::Result<S::Ok, S::Error> {
    match context {
        Some(map) => map.serialize(serializer),
        None => serde_json::Map::new().serialize(serializer),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn error_of(body: Value) -> String {
        NewFeedback::from_json(body).unwrap_err().to_string()
    }

    #[test]
    fn message_is_required_and_must_be_a_string() {
        for body in [
            json!({}),
            json!({"message": 5}),
            json!({"message": ""}),
            json!({"message": "  "}),
            json!(null),
            json!([1]),
        ] {
            assert_eq!(error_of(body), "Message is required and must be a string");
        }
    }

    #[test]
    fn message_is_at_most_ten_thousand_characters() {
        assert!(NewFeedback::from_json(json!({"message": "é".repeat(10_000)})).is_ok());
        assert_eq!(error_of(json!({"message": "a".repeat(10_001)})), "Message must be at most 10000 characters");
    }

    #[test]
    fn context_must_be_a_small_object() {
        assert_eq!(error_of(json!({"message": "m", "context": "x"})), "Context must be a JSON object");
        let big = json!({"message": "m", "context": {"blob": "x".repeat(17_000)}});
        assert_eq!(error_of(big), "Context must be at most 16 KiB of JSON");
        let ok = NewFeedback::from_json(json!({"message": "m", "context": {"url": "u"}, "extra": 1})).unwrap();
        assert_eq!(ok.context.unwrap()["url"], "u");
    }

    #[test]
    fn statuses_parse_exactly() {
        assert_eq!(Status::parse("NEW").unwrap(), Status::New);
        assert_eq!(
            Status::parse("done").unwrap_err().to_string(),
            "Invalid status 'done'. Valid values: NEW, REVIEWED, RESOLVED"
        );
    }
}
