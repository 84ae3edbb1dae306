//! Topic guides: an owner's own topics on a survey, each a name and a few example answers. A guide
//! is a topic that always exists under its name; responses are assigned to it by the same rule as
//! to discovered topics (the topics function, `hearken-topics`). Here: the guide as stored and
//! answered, and the validation of a create or change body (each 400 names the field).

use crate::ids::TopicGuideId;
use crate::time::Timestamp;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

/// Longest guide name, in characters.
pub const GUIDE_NAME_MAX_CHARS: usize = 100;
/// Most examples of one guide.
pub const GUIDE_EXAMPLES_MAX: usize = 20;
/// Longest example, in characters.
pub const GUIDE_EXAMPLE_MAX_CHARS: usize = 1_000;
/// Most guides on one survey: as many as the topics a survey shows.
pub const GUIDES_MAX: usize = 20;

const FIELDS: [&str; 2] = ["name", "examples"];

/// A topic guide.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TopicGuide {
    pub id: TopicGuideId,
    /// The topic's name, as the survey's topics and responses show it (unique on the survey,
    /// whatever the case).
    pub name: String,
    /// Answers that are about this topic, in the customers' words.
    pub examples: Vec<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl TopicGuide {
    /// The name as its uniqueness is judged: two names differing only in case are the same.
    pub fn name_key(&self) -> String {
        self.name.to_lowercase()
    }
}

/// The fields a change gives, each `None` when not given.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GuideChanges {
    pub name: Option<String>,
    pub examples: Option<Vec<String>>,
}

impl GuideChanges {
    pub fn apply_to(&self, guide: &mut TopicGuide) {
        if let Some(name) = &self.name {
            guide.name = name.clone();
        }
        if let Some(examples) = &self.examples {
            guide.examples = examples.clone();
        }
    }
}

/// Parses a create body into a new guide (id and timestamps given here).
pub fn new_guide_from_json(body: Value, now: Timestamp) -> Result<TopicGuide> {
    let fields = object(body)?;
    for required in FIELDS {
        if !fields.contains_key(required) {
            return Err(Error::bad_request(format!("{required} is required")));
        }
    }
    let changes = changes_of(fields)?;
    let mut guide = TopicGuide {
        id: TopicGuideId::generate(),
        name: String::new(),
        examples: vec![],
        created_at: now,
        updated_at: now,
    };
    changes.apply_to(&mut guide);
    Ok(guide)
}

/// Parses a PATCH body: at least one field.
pub fn guide_changes_from_json(body: Value) -> Result<GuideChanges> {
    let fields = object(body)?;
    if fields.is_empty() {
        return Err(Error::bad_request(format!("Nothing to change: give {}", FIELDS.join(" or "))));
    }
    changes_of(fields)
}

fn object(body: Value) -> Result<Map<String, Value>> {
    match body {
        Value::Object(fields) => Ok(fields),
        _ => Err(Error::bad_request("Request body must be a JSON object")),
    }
}

fn changes_of(mut fields: Map<String, Value>) -> Result<GuideChanges> {
    if let Some(unknown) = fields.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(Error::bad_request(format!("Unknown field '{unknown}'; a topic guide has {}", FIELDS.join(", "))));
    }
    let name = fields.remove("name").map(name).transpose()?;
    let examples = fields.remove("examples").map(examples).transpose()?;
    Ok(GuideChanges { name, examples })
}

fn name(value: Value) -> Result<String> {
    if value.as_str().is_some_and(|text| text.chars().any(char::is_control)) {
        return Err(Error::bad_request("name must not contain control characters"));
    }
    match value {
        Value::String(text) if (1..=GUIDE_NAME_MAX_CHARS).contains(&text.trim().chars().count()) => {
            Ok(text.trim().to_owned())
        }
        _ => Err(Error::bad_request(format!("name must be a string of 1 to {GUIDE_NAME_MAX_CHARS} characters"))),
    }
}

fn examples(value: Value) -> Result<Vec<String>> {
    let rule = || {
        format!(
            "examples must be a list of 1 to {GUIDE_EXAMPLES_MAX} texts of 1 to {GUIDE_EXAMPLE_MAX_CHARS} characters"
        )
    };
    let Value::Array(entries) = value else { return Err(Error::bad_request(rule())) };
    if entries.is_empty() || entries.len() > GUIDE_EXAMPLES_MAX {
        return Err(Error::bad_request(format!("{} (got {})", rule(), entries.len())));
    }
    entries
        .into_iter()
        .enumerate()
        .map(|(i, entry)| match entry {
            // Line breaks and tabs are an answer's own; other control characters are not text.
            Value::String(text) if text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) => {
                Err(Error::bad_request(format!("examples[{i}] must not contain control characters")))
            }
            Value::String(text) if (1..=GUIDE_EXAMPLE_MAX_CHARS).contains(&text.trim().chars().count()) => {
                Ok(text.trim().to_owned())
            }
            _ => Err(Error::bad_request(format!(
                "examples[{i}] must be a string of 1 to {GUIDE_EXAMPLE_MAX_CHARS} characters"
            ))),
        })
        .collect()
}

/// The body of `POST /api/v1/surveys/{surveyId}/topic-guides`, as the OpenAPI document shows it
/// ([`new_guide_from_json`] reads it). Unknown fields are refused.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code)]
pub struct NewTopicGuide {
    /// The topic's name (trimmed), unique on the survey whatever the case.
    #[schema(pattern = r"\S", min_length = 1, max_length = 100)]
    name: String,
    /// Answers that are about this topic (each trimmed).
    #[schema(min_items = 1, max_items = 20, pattern = r"\S", min_length = 1, max_length = 1000)]
    examples: Vec<String>,
}

/// The body of `PATCH /api/v1/surveys/{surveyId}/topic-guides/{guideId}` ([`guide_changes_from_json`]
/// reads it): only the fields given change, at least one. Unknown fields are refused.
pub struct TopicGuideEdit;

crate::at_least_one_field!(TopicGuideEdit, TopicGuideEditFields);

/// The fields of [`TopicGuideEdit`].
#[derive(ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code)]
struct TopicGuideEditFields {
    /// The topic's new name (trimmed), unique on the survey whatever the case.
    #[schema(pattern = r"\S", nullable = false, min_length = 1, max_length = 100)]
    name: Option<String>,
    /// The whole new list of examples (each trimmed).
    #[schema(nullable = false, min_items = 1, max_items = 20, pattern = r"\S", min_length = 1, max_length = 1000)]
    examples: Option<Vec<String>>,
}

// The schema attributes take only literals: they must stay the limits the parser applies.
const _: () = assert!(GUIDE_NAME_MAX_CHARS == 100 && GUIDE_EXAMPLES_MAX == 20 && GUIDE_EXAMPLE_MAX_CHARS == 1000);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn error(result: Result<impl std::fmt::Debug>) -> String {
        match result.expect_err("refused") {
            Error::BadRequest(text) => text,
            other => panic!("not a 400: {other:?}"),
        }
    }

    #[test]
    fn a_guide_is_a_name_and_examples_trimmed() {
        let guide =
            new_guide_from_json(json!({"name": " Delivery time ", "examples": [" late again "]}), Timestamp::now())
                .unwrap();
        assert_eq!(guide.name, "Delivery time");
        assert_eq!(guide.examples, vec!["late again"]);
        assert_eq!(guide.name_key(), "delivery time");
        assert!(guide.id.as_str().starts_with("tg_"));
    }

    #[test]
    fn each_rule_names_its_field() {
        let now = Timestamp::now();
        assert_eq!(error(new_guide_from_json(json!({"examples": ["x"]}), now)), "name is required");
        assert_eq!(error(new_guide_from_json(json!({"name": "x"}), now)), "examples is required");
        assert!(error(new_guide_from_json(json!({"name": "  ", "examples": ["x"]}), now)).starts_with("name must be"));
        let long = "x".repeat(101);
        assert!(error(new_guide_from_json(json!({"name": long, "examples": ["x"]}), now)).starts_with("name must be"));
        assert!(error(new_guide_from_json(json!({"name": "x", "examples": []}), now)).starts_with("examples must be"));
        let many: Vec<&str> = vec!["x"; 21];
        assert!(error(new_guide_from_json(json!({"name": "x", "examples": many}), now)).ends_with("(got 21)"));
        let long = "x".repeat(1001);
        assert!(
            error(new_guide_from_json(json!({"name": "x", "examples": ["ok", long]}), now)).starts_with("examples[1]")
        );
        assert!(error(new_guide_from_json(json!({"name": "x", "examples": ["ok", 3]}), now)).starts_with("examples[1]"));
        assert_eq!(
            error(new_guide_from_json(json!({"name": "a\u{7}b", "examples": ["x"]}), now)),
            "name must not contain control characters"
        );
        assert_eq!(
            error(new_guide_from_json(json!({"name": "x", "examples": ["ok\nfine", "a\u{0}"]}), now)),
            "examples[1] must not contain control characters"
        );
        assert!(error(new_guide_from_json(json!({"name": "x", "examples": ["x"], "exemples": []}), now))
            .starts_with("Unknown field 'exemples'"));
        assert_eq!(error(guide_changes_from_json(json!({}))), "Nothing to change: give name or examples");
        assert_eq!(error(guide_changes_from_json(json!([]))), "Request body must be a JSON object");
    }

    #[test]
    fn the_longest_allowed_values_pass() {
        let examples: Vec<String> = vec!["é".repeat(1000); 20];
        let guide =
            new_guide_from_json(json!({"name": "é".repeat(100), "examples": examples}), Timestamp::now()).unwrap();
        assert_eq!(guide.examples.len(), 20);
    }
}
