//! Miniback feedback as the API sees it: its statuses and sources, the validation of a new piece
//! of feedback (SPEC §4's texts), and the wire shape it is shown in.

use crate::ids::FeedbackId;
use crate::time::Timestamp;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::openapi::schema::{AnyOfBuilder, ArrayBuilder, ObjectBuilder, Schema, SchemaType, Type};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

/// Longest message accepted, in characters.
pub const MESSAGE_MAX_CHARS: usize = 10_000;
/// Largest `context` accepted, as compact JSON.
pub const CONTEXT_MAX_BYTES: usize = 16 * 1024;

/// Where feedback is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
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
                if let Some(problem) = unstorable(&map, 1) {
                    return Err(Error::bad_request(format!("Context {problem}")));
                }
                Some(map)
            }
            Some(_) => return Err(Error::bad_request("Context must be a JSON object")),
        };
        Ok(NewFeedback { message, context })
    }
}

/// Deepest nesting of `context` (DynamoDB stores at most 32 levels of maps and lists).
pub const CONTEXT_MAX_DEPTH: usize = 32;
/// The numbers DynamoDB stores besides zero: magnitudes from this (inclusive)…
const NUMBER_MIN_MAGNITUDE: f64 = 1e-130;
/// …to this (exclusive).
const NUMBER_MAX_MAGNITUDE: f64 = 1e126;

// The OpenAPI document's view of what [`NewFeedback::from_json`] reads (the fuzzing in CI holds
// the two to each other); its doc comments are the document's text.
/// New feedback. Fields other than these are ignored.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct FeedbackSubmission {
    /// The feedback: at least one character that is not a space, at most 10,000 characters.
    #[schema(
        pattern = r"\S",
        min_length = 1,
        max_length = 10_000,
        example = "The checkout button does nothing on Safari"
    )]
    message: String,
    /// Optional: anything the sender knows about where the feedback came from (page, user,
    /// browser…), shown back in `context`. `null` is the same as absent.
    context: Option<FeedbackContext>,
}

// The schema attributes take only literals: they must stay the limits the parser applies.
const _: () = assert!(MESSAGE_MAX_CHARS == 10_000 && CONTEXT_MAX_BYTES == 16 * 1024 && CONTEXT_MAX_DEPTH == 32);

/// `context` as the OpenAPI document shows it: a JSON object DynamoDB can store (see
/// [`NewFeedback::from_json`] and [`unstorable`]). The limits a schema cannot state (its size, its
/// depth) are in its description.
pub struct FeedbackContext;

impl PartialSchema for FeedbackContext {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some(format!(
                "A JSON object of at most {} KiB (as compact JSON), nested at most {CONTEXT_MAX_DEPTH} levels deep \
                 (the object itself is level 1); field names are not empty, and numbers are zero or between \
                 {NUMBER_MIN_MAGNITUDE:e} and {NUMBER_MAX_MAGNITUDE:e} in size (what DynamoDB stores).",
                CONTEXT_MAX_BYTES / 1024
            )))
            .property_names(Some(ObjectBuilder::new().schema_type(Type::String).min_length(Some(1))))
            .additional_properties(Some(Ref::from_schema_name(ContextValue::name())))
            .examples([
                serde_json::json!({"url": "https://example.com/checkout", "userId": "u_42", "browser": "Safari 17"}),
            ])
            .into()
    }
}

impl ToSchema for FeedbackContext {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((ContextValue::name().into(), ContextValue::schema()));
    }
}

/// A value inside `context`: text, true/false, null, a number DynamoDB stores, a list of values
/// or an object like `context` itself.
pub struct ContextValue;

impl PartialSchema for ContextValue {
    fn schema() -> RefOr<Schema> {
        let number = || ObjectBuilder::new().schema_type(Type::Number);
        AnyOfBuilder::new()
            .description(Some("A value in `context`: text, true, false, null, a number, a list or an object."))
            .item(ObjectBuilder::new().schema_type(SchemaType::from_iter([Type::String, Type::Boolean, Type::Null])))
            .item(number().enum_values(Some([0])))
            .item(number().minimum(Some(NUMBER_MIN_MAGNITUDE)).exclusive_maximum(Some(NUMBER_MAX_MAGNITUDE)))
            .item(number().maximum(Some(-NUMBER_MIN_MAGNITUDE)).exclusive_minimum(Some(-NUMBER_MAX_MAGNITUDE)))
            .item(ArrayBuilder::new().items(Ref::from_schema_name(ContextValue::name())))
            .item(Ref::from_schema_name(FeedbackContext::name()))
            .into()
    }
}

impl ToSchema for ContextValue {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((FeedbackContext::name().into(), FeedbackContext::schema()));
    }
}

// The OpenAPI document's view of what [`status_from_json`] reads.
/// A status change. Fields other than `status` are ignored.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct StatusChange {
    /// The new status.
    status: Status,
}

/// The answer a parser's refusal gets (`NewFeedback::from_json(json!({}))`…), for the OpenAPI
/// document's examples: the real texts, never typed out twice.
pub fn refusal_example<T>(parsed: Result<T>, surface: crate::http::Surface) -> Value {
    let err = parsed.err().unwrap_or_else(|| Error::internal("the example input was accepted"));
    crate::openapi::error_example(&err, surface)
}

/// What in a context DynamoDB could not store, as the end of a sentence starting "Context".
fn unstorable(map: &serde_json::Map<String, Value>, depth: usize) -> Option<String> {
    unstorable_value(&Value::Object(map.clone()), depth)
}

/// `depth`: the nesting level of `value` (the context itself is level 1).
fn unstorable_value(value: &Value, depth: usize) -> Option<String> {
    let too_deep = || Some(format!("must be nested at most {CONTEXT_MAX_DEPTH} levels deep"));
    match value {
        Value::Object(_) | Value::Array(_) if depth > CONTEXT_MAX_DEPTH => too_deep(),
        Value::Object(map) => map.iter().find_map(|(name, value)| match name.is_empty() {
            true => Some("field names must not be empty".to_owned()),
            false => unstorable_value(value, depth + 1),
        }),
        Value::Array(items) => items.iter().find_map(|item| unstorable_value(item, depth + 1)),
        // DynamoDB numbers: magnitude 1e-130 to below 1e126 (or zero).
        Value::Number(number) => match number.as_f64() {
            Some(x) if x == 0.0 || (NUMBER_MIN_MAGNITUDE..NUMBER_MAX_MAGNITUDE).contains(&x.abs()) => None,
            _ => Some("numbers must be zero or between 1e-130 and 1e126 in size".to_owned()),
        },
        _ => None,
    }
}

/// Feedback as the API returns it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FeedbackView {
    pub id: FeedbackId,
    pub message: String,
    /// Always an object in answers (`{}` when none was sent), so a client's `item.context.url` is
    /// `undefined`, never a TypeError.
    #[serde(default, serialize_with = "context_object")]
    #[schema(value_type = Object, required = true)]
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
        let deep = (0..40).fold(json!("x"), |inner, _| json!({ "a": inner }));
        assert!(error_of(json!({"message": "m", "context": deep})).contains("nested at most 32"));
        assert!(error_of(json!({"message": "m", "context": {"": 1}})).contains("names must not be empty"));
        for number in [json!(1e200), json!(1e-200), json!(-1e130)] {
            let body = json!({"message": "m", "context": {"n": number}});
            assert!(error_of(body).contains("between 1e-130 and 1e126"), "{number}");
        }
        let fine = json!({"message": "m", "context": {"n": 0, "m": -2.5, "big": u64::MAX, "list": [{"x": 1e125}]}});
        assert!(NewFeedback::from_json(fine).is_ok());
        let ok = NewFeedback::from_json(json!({"message": "m", "context": {"url": "u"}, "extra": 1})).unwrap();
        assert_eq!(ok.context.unwrap()["url"], "u");
    }

    #[test]
    fn the_documents_examples_are_what_the_parser_does() {
        use crate::http::Surface;
        let example = &FeedbackContext::schema();
        let utoipa::openapi::RefOr::T(Schema::Object(object)) = example else { panic!("an object schema") };
        let body = json!({"message": "m", "context": object.examples[0].clone()});
        assert!(NewFeedback::from_json(body).is_ok());
        let refused = refusal_example(NewFeedback::from_json(json!({})), Surface::Miniback);
        assert_eq!(refused, json!({"error": "Message is required and must be a string"}));
        let accepted = refusal_example(NewFeedback::from_json(json!({"message": "m"})), Surface::Miniback);
        assert_eq!(accepted, json!({"error": "Internal server error"}), "an accepted example shows as a fault");
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
