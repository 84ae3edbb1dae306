//! Validating the body of `POST /api/v1/surveys` and of a PATCH: every field, each 400 naming the
//! field and the rule. Unknown fields are refused, so a typo never passes silently.

use super::*;
use crate::{Error, Result};
use serde_json::{Map, Value};
use std::collections::{BTreeSet, HashSet};

const SURVEY_FIELDS: [&str; 8] =
    ["name", "welcomeMessage", "thankYouMessage", "threshold", "status", "projectId", "questions", "discoverTopics"];

/// The changeable fields of a survey, each `None` when not given.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SurveyChanges {
    pub name: Option<String>,
    pub welcome_message: Option<String>,
    pub thank_you_message: Option<String>,
    pub threshold: Option<u8>,
    pub status: Option<SurveyStatus>,
    pub project_id: Option<Option<ProjectId>>,
    pub questions: Option<Vec<Question>>,
    pub discover_topics: Option<bool>,
}

impl SurveyChanges {
    /// Applies the changes to a survey (not its `updatedAt`).
    pub fn apply_to(&self, survey: &mut Survey) {
        if let Some(name) = &self.name {
            survey.name = name.clone();
        }
        if let Some(text) = &self.welcome_message {
            survey.welcome_message = text.clone();
        }
        if let Some(text) = &self.thank_you_message {
            survey.thank_you_message = text.clone();
        }
        if let Some(threshold) = self.threshold {
            survey.threshold = threshold;
        }
        if let Some(status) = self.status {
            survey.status = status;
        }
        if let Some(project) = &self.project_id {
            survey.project_id = project.clone();
        }
        if let Some(questions) = &self.questions {
            survey.questions = questions.clone();
        }
        if let Some(discover) = self.discover_topics {
            survey.discover_topics = discover;
        }
    }
}

/// Parses a create body into a new survey (id and timestamps given here).
pub fn new_survey_from_json(body: Value, now: Timestamp) -> Result<Survey> {
    let fields = object(body)?;
    if !fields.contains_key("name") {
        return Err(Error::bad_request("name is required"));
    }
    if !fields.contains_key("questions") {
        return Err(Error::bad_request(format!("questions is required: a list of 1 to {QUESTIONS_MAX} questions")));
    }
    let changes = changes_of(fields, &[])?;
    let mut survey = Survey {
        id: SurveyId::generate(),
        name: String::new(),
        welcome_message: String::new(),
        thank_you_message: DEFAULT_THANK_YOU.to_owned(),
        threshold: 3,
        status: SurveyStatus::Active,
        project_id: None,
        questions: vec![],
        discover_topics: true,
        response_count: 0,
        created_at: now,
        updated_at: now,
    };
    changes.apply_to(&mut survey);
    Ok(survey)
}

/// Parses a PATCH body; `existing` are the survey's questions (a question sent back with its id
/// keeps it).
pub fn changes_from_json(body: Value, existing: &[Question]) -> Result<SurveyChanges> {
    let fields = object(body)?;
    if fields.is_empty() {
        return Err(Error::bad_request(format!("Nothing to change: give one of {}", SURVEY_FIELDS.join(", "))));
    }
    changes_of(fields, existing)
}

fn object(body: Value) -> Result<Map<String, Value>> {
    match body {
        Value::Object(fields) => Ok(fields),
        _ => Err(Error::bad_request("Request body must be a JSON object")),
    }
}

fn changes_of(mut fields: Map<String, Value>, existing: &[Question]) -> Result<SurveyChanges> {
    if let Some(unknown) = fields.keys().find(|k| !SURVEY_FIELDS.contains(&k.as_str())) {
        return Err(Error::bad_request(format!(
            "Unknown field '{unknown}'; a survey has {}",
            SURVEY_FIELDS.join(", ")
        )));
    }
    let name = fields.remove("name").map(|v| text(v, "name", 1, NAME_MAX_CHARS)).transpose()?;
    let welcome_message =
        fields.remove("welcomeMessage").map(|v| optional_text(v, "welcomeMessage", MESSAGE_MAX_CHARS)).transpose()?;
    let thank_you_message = fields
        .remove("thankYouMessage")
        .map(|v| optional_text(v, "thankYouMessage", MESSAGE_MAX_CHARS))
        .transpose()?
        .map(|text| if text.is_empty() { DEFAULT_THANK_YOU.to_owned() } else { text });
    let threshold = match fields.remove("threshold") {
        None => None,
        Some(value) => match crate::http::whole_number(&value) {
            Some(n @ 1..=5) => Some(n as u8),
            _ => return Err(Error::bad_request("threshold must be a whole number from 1 to 5")),
        },
    };
    let status = match fields.remove("status") {
        None => None,
        Some(value) => Some(
            SurveyStatus::ALL
                .into_iter()
                .find(|s| value.as_str() == Some(s.as_str()))
                .ok_or_else(|| Error::bad_request("status must be DRAFT, ACTIVE, PAUSED or CLOSED"))?,
        ),
    };
    let project_id = match fields.remove("projectId") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(value) => Some(Some(
            value
                .as_str()
                .and_then(ProjectId::parse)
                .ok_or_else(|| Error::bad_request(format!("projectId: {value} is not a project id (proj_…)")))?,
        )),
    };
    let questions = fields.remove("questions").map(|v| questions(v, existing)).transpose()?;
    let discover_topics = match fields.remove("discoverTopics") {
        None => None,
        Some(Value::Bool(discover)) => Some(discover),
        Some(_) => return Err(Error::bad_request("discoverTopics must be true or false")),
    };
    Ok(SurveyChanges {
        name,
        welcome_message,
        thank_you_message,
        threshold,
        status,
        project_id,
        questions,
        discover_topics,
    })
}

/// The body of `POST /api/v1/surveys`, as the OpenAPI document shows it ([`new_survey_from_json`]
/// reads it; the fuzzing in CI holds the two to each other). Unknown fields are refused.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code)]
pub struct NewSurvey {
    /// The survey's name (surrounding spaces are trimmed).
    #[schema(pattern = r"\S", min_length = 1, max_length = 200)]
    name: String,
    /// Shown above the questions (trimmed); `null` or absent: none.
    #[schema(max_length = 2000)]
    welcome_message: Option<String>,
    /// Shown once a response is stored (trimmed); empty, `null` or absent: `Thank you for your
    /// feedback!`.
    #[schema(max_length = 2000)]
    thank_you_message: Option<String>,
    /// A response rated below it is low-rated.
    #[schema(nullable = false, minimum = 1, maximum = 5, default = 3)]
    threshold: Option<u8>,
    /// Only an `ACTIVE` survey takes responses.
    #[schema(nullable = false, default = "ACTIVE")]
    status: Option<SurveyStatus>,
    /// A project of the account, one the key may address: each response is also filed in its
    /// feedback. `null` or absent: none.
    project_id: Option<ProjectId>,
    /// The questions, in the order shown.
    #[schema(min_items = 1, max_items = 20)]
    questions: Vec<NewQuestion>,
    /// Whether topics are discovered from the responses beside the owner's topic guides; `false`
    /// keeps only the guides.
    #[schema(nullable = false, default = true)]
    discover_topics: Option<bool>,
}

/// The body of `PATCH /api/v1/surveys/{surveyId}` ([`changes_from_json`] reads it): only the
/// fields given change, at least one. Unknown fields are refused.
pub struct SurveyEdit;

crate::at_least_one_field!(SurveyEdit, SurveyEditFields);

/// The body of `PATCH /api/v1/surveys/{surveyId}` ([`changes_from_json`] reads it): only the
/// fields given change, at least one. Unknown fields are refused.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code)]
struct SurveyEditFields {
    /// The survey's name (surrounding spaces are trimmed).
    #[schema(pattern = r"\S", nullable = false, min_length = 1, max_length = 200)]
    name: Option<String>,
    /// Shown above the questions (trimmed); `null` or empty: none.
    #[schema(max_length = 2000)]
    welcome_message: Option<String>,
    /// Shown once a response is stored (trimmed); `null` or empty: `Thank you for your feedback!`.
    #[schema(max_length = 2000)]
    thank_you_message: Option<String>,
    /// A response rated below it is low-rated, from now on (a stored response keeps its flag).
    #[schema(nullable = false, minimum = 1, maximum = 5)]
    threshold: Option<u8>,
    /// Only an `ACTIVE` survey takes responses.
    #[schema(nullable = false)]
    status: Option<SurveyStatus>,
    /// A project of the account, one the key may address, to file responses in; `null`: none.
    project_id: Option<ProjectId>,
    /// The whole new list of questions, in the order shown; only while the survey has no
    /// response (then a 400). A question sent back with its `id` keeps it.
    #[schema(nullable = false, min_items = 1, max_items = 20)]
    questions: Option<Vec<QuestionEdit>>,
    /// Whether topics are discovered from the responses beside the owner's topic guides; `false`
    /// keeps only the guides. A change re-assigns the survey's responses within a minute.
    #[schema(nullable = false)]
    discover_topics: Option<bool>,
}

/// The two question shapes of the OpenAPI document: `$name` with `$($id)*` as its extra fields.
/// Each kind (`type`) has its own fields; any other field is refused.
macro_rules! question_body {
    ($(#[$doc:meta])* $name:ident { $($id:tt)* }) => {
        $(#[$doc])*
        #[derive(ToSchema)]
        #[serde(tag = "type", rename_all = "UPPERCASE")]
        #[allow(dead_code)]
        pub enum $name {
            /// A rating: a whole number from 1 to 5. The survey's first RATING question gives
            /// each response its rating.
            #[serde(deny_unknown_fields)]
            Rating {
                $($id)*
                /// What the question asks (trimmed).
                #[schema(pattern = r"\S", min_length = 1, max_length = 500)]
                text: String,
                /// Whether a response must answer it (`null`: `false`).
                #[schema(default = false)]
                required: Option<bool>,
            },
            /// Free text.
            #[serde(deny_unknown_fields, rename_all = "camelCase")]
            Text {
                $($id)*
                /// What the question asks (trimmed).
                #[schema(pattern = r"\S", min_length = 1, max_length = 500)]
                text: String,
                /// Whether a response must answer it (`null`: `false`).
                #[schema(default = false)]
                required: Option<bool>,
                /// The longest answer, in characters (`null`: 2,000).
                #[schema(minimum = 1, maximum = 10_000, default = 2000)]
                max_length: Option<u32>,
            },
            /// One of the options, or several when `multiple`.
            #[serde(deny_unknown_fields)]
            Choice {
                $($id)*
                /// What the question asks (trimmed).
                #[schema(pattern = r"\S", min_length = 1, max_length = 500)]
                text: String,
                /// Whether a response must answer it (`null`: `false`).
                #[schema(default = false)]
                required: Option<bool>,
                /// What a customer picks from, in the order shown: distinct once trimmed.
                #[schema(min_items = 2, max_items = 10, pattern = r"\S", min_length = 1, max_length = 200)]
                options: BTreeSet<String>,
                /// Whether a customer may pick several options (`null`: `false`).
                #[schema(default = false)]
                multiple: Option<bool>,
            },
        }
    };
}

question_body!(
    /// A question of a new survey; the server gives it its `id`.
    NewQuestion {}
);

question_body!(
    /// A question of a survey's new list of questions.
    QuestionEdit {
        /// The id of one of this survey's questions, to keep it (each id once); `null` or
        /// absent: a new question.
        id: Option<QuestionId>,
    }
);

// The schema attributes take only literals: they must stay the limits the parser applies.
const _: () = assert!(
    NAME_MAX_CHARS == 200
        && MESSAGE_MAX_CHARS == 2000
        && QUESTION_MAX_CHARS == 500
        && QUESTIONS_MAX == 20
        && TEXT_DEFAULT_MAX == 2000
        && TEXT_LIMIT_MAX == 10_000
        && OPTIONS_MIN == 2
        && OPTIONS_MAX == 10
        && OPTION_MAX_CHARS == 200
);

/// A string of `min..=max` characters, trimmed.
fn text(value: Value, field: &str, min: usize, max: usize) -> Result<String> {
    match value {
        Value::String(text) if (min..=max).contains(&text.trim().chars().count()) => Ok(text.trim().to_owned()),
        _ => Err(Error::bad_request(format!("{field} must be a string of {min} to {max} characters"))),
    }
}

/// A string of at most `max` characters; `null` reads as empty.
fn optional_text(value: Value, field: &str, max: usize) -> Result<String> {
    match value {
        Value::Null => Ok(String::new()),
        Value::String(text) if text.trim().chars().count() <= max => Ok(text.trim().to_owned()),
        _ => Err(Error::bad_request(format!("{field} must be a string of at most {max} characters"))),
    }
}

fn questions(value: Value, existing: &[Question]) -> Result<Vec<Question>> {
    let Value::Array(entries) = value else {
        return Err(Error::bad_request(format!("questions must be a list of 1 to {QUESTIONS_MAX} questions")));
    };
    if entries.is_empty() || entries.len() > QUESTIONS_MAX {
        return Err(Error::bad_request(format!(
            "questions must be a list of 1 to {QUESTIONS_MAX} questions (got {})",
            entries.len()
        )));
    }
    let mut seen = HashSet::new();
    let parsed = entries
        .into_iter()
        .enumerate()
        .map(|(i, entry)| question(entry, &format!("questions[{i}]"), existing))
        .collect::<Result<Vec<_>>>()?;
    if let Some((i, q)) = parsed.iter().enumerate().find(|(_, q)| !seen.insert(q.id.clone())) {
        return Err(Error::bad_request(format!("questions[{i}].id: {} appears twice", q.id)));
    }
    Ok(parsed)
}

const QUESTION_FIELDS: [&str; 7] = ["id", "type", "text", "required", "maxLength", "options", "multiple"];

fn question(entry: Value, at: &str, existing: &[Question]) -> Result<Question> {
    let Value::Object(mut fields) = entry else {
        return Err(Error::bad_request(format!("{at} must be an object with type and text")));
    };
    if let Some(unknown) = fields.keys().find(|k| !QUESTION_FIELDS.contains(&k.as_str())) {
        return Err(Error::bad_request(format!(
            "{at}.{unknown}: unknown field; a question has {}",
            QUESTION_FIELDS.join(", ")
        )));
    }
    let id = match fields.remove("id") {
        None | Some(Value::Null) => QuestionId::generate(),
        Some(value) => existing
            .iter()
            .map(|q| &q.id)
            .find(|id| value.as_str() == Some(id.as_str()))
            .cloned()
            .ok_or_else(|| {
                Error::bad_request(format!(
                    "{at}.id: {value} is not a question of this survey (ids are given by the server; leave id out for a new question)"
                ))
            })?,
    };
    let kind_name = fields.remove("type");
    let text = text(fields.remove("text").unwrap_or(Value::Null), &format!("{at}.text"), 1, QUESTION_MAX_CHARS)?;
    let required = match fields.remove("required") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(flag)) => flag,
        Some(_) => return Err(Error::bad_request(format!("{at}.required must be true or false"))),
    };
    let only_for =
        |field: &str, kind: &str| Error::bad_request(format!("{at}.{field}: only {kind} questions have {field}"));
    let kind = match kind_name.as_ref().and_then(Value::as_str) {
        Some("RATING") => {
            if let Some(field) = ["maxLength", "options", "multiple"].into_iter().find(|f| fields.contains_key(*f)) {
                return Err(only_for(field, if field == "maxLength" { "TEXT" } else { "CHOICE" }));
            }
            QuestionKind::Rating
        }
        Some("TEXT") => {
            if let Some(field) = ["options", "multiple"].into_iter().find(|f| fields.contains_key(*f)) {
                return Err(only_for(field, "CHOICE"));
            }
            let max_length = match fields.remove("maxLength") {
                None | Some(Value::Null) => TEXT_DEFAULT_MAX,
                Some(value) => match crate::http::whole_number(&value) {
                    Some(n) if (1..=u64::from(TEXT_LIMIT_MAX)).contains(&n) => n as u32,
                    _ => {
                        return Err(Error::bad_request(format!(
                            "{at}.maxLength must be a whole number from 1 to {TEXT_LIMIT_MAX}"
                        )))
                    }
                },
            };
            QuestionKind::Text { max_length }
        }
        Some("CHOICE") => {
            if fields.contains_key("maxLength") {
                return Err(only_for("maxLength", "TEXT"));
            }
            let multiple = match fields.remove("multiple") {
                None | Some(Value::Null) => false,
                Some(Value::Bool(flag)) => flag,
                Some(_) => return Err(Error::bad_request(format!("{at}.multiple must be true or false"))),
            };
            QuestionKind::Choice { options: options(fields.remove("options"), at)?, multiple }
        }
        _ => return Err(Error::bad_request(format!("{at}.type must be RATING, TEXT or CHOICE"))),
    };
    Ok(Question { id, kind, text, required })
}

fn options(value: Option<Value>, at: &str) -> Result<Vec<String>> {
    let rule = || {
        Error::bad_request(format!(
            "{at}.options must be a list of {OPTIONS_MIN} to {OPTIONS_MAX} distinct strings of 1 to {OPTION_MAX_CHARS} characters"
        ))
    };
    let Some(Value::Array(entries)) = value else { return Err(rule()) };
    if !(OPTIONS_MIN..=OPTIONS_MAX).contains(&entries.len()) {
        return Err(rule());
    }
    let mut seen = HashSet::new();
    let mut options = Vec::with_capacity(entries.len());
    for entry in entries {
        let Value::String(option) = entry else { return Err(rule()) };
        let option = option.trim().to_owned();
        if option.is_empty() || option.chars().count() > OPTION_MAX_CHARS {
            return Err(rule());
        }
        if !seen.insert(option.clone()) {
            return Err(Error::bad_request(format!(
                "{at}.options: '{option}' appears twice; options must be distinct"
            )));
        }
        options.push(option);
    }
    Ok(options)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn now() -> Timestamp {
        Timestamp::parse("2026-01-01T00:00:00Z").unwrap()
    }

    fn rating() -> Value {
        json!({"type": "RATING", "text": "How was it?"})
    }

    #[test]
    fn a_create_body_takes_defaults() {
        let survey = new_survey_from_json(json!({"name": " Checkout ", "questions": [rating()]}), now()).unwrap();
        assert_eq!(survey.name, "Checkout");
        assert_eq!((survey.threshold, survey.status), (3, SurveyStatus::Active));
        assert_eq!(survey.thank_you_message, DEFAULT_THANK_YOU);
        assert_eq!(survey.questions[0].kind, QuestionKind::Rating);
        assert!(!survey.questions[0].required);
        assert!(survey.questions[0].id.as_str().starts_with("q_"));
    }

    #[test]
    fn every_field_is_validated_by_name() {
        let q = rating();
        let cases = [
            (json!([]), "Request body must be a JSON object"),
            (json!({"questions": [q]}), "name is required"),
            (json!({"name": "s"}), "questions is required"),
            (json!({"name": "", "questions": [q]}), "name must be"),
            (json!({"name": "s", "questions": []}), "questions must be a list of 1 to 20"),
            (json!({"name": "s", "questions": vec![q.clone(); 21]}), "questions must be a list of 1 to 20"),
            (json!({"name": "s", "questions": [q], "threshold": 0}), "threshold must be"),
            (json!({"name": "s", "questions": [q], "threshold": 2.5}), "threshold must be"),
            (json!({"name": "s", "questions": [q], "status": "OPEN"}), "status must be"),
            (json!({"name": "s", "questions": [q], "projectId": "p1"}), "projectId:"),
            (json!({"name": "s", "questions": [q], "welcomeMessage": 5}), "welcomeMessage must be"),
            (json!({"name": "s", "questions": [q], "colour": "red"}), "Unknown field 'colour'"),
            (json!({"name": "s", "questions": [{"text": "x"}]}), "questions[0].type must be"),
            (json!({"name": "s", "questions": [{"type": "RATING"}]}), "questions[0].text must be"),
            (
                json!({"name": "s", "questions": [q, {"type": "RATING", "text": "x", "options": ["a", "b"]}]}),
                "questions[1].options: only CHOICE",
            ),
            (
                json!({"name": "s", "questions": [{"type": "TEXT", "text": "x", "multiple": true}]}),
                "questions[0].multiple: only CHOICE",
            ),
            (
                json!({"name": "s", "questions": [{"type": "TEXT", "text": "x", "maxLength": 0}]}),
                "questions[0].maxLength must be",
            ),
            (
                json!({"name": "s", "questions": [{"type": "TEXT", "text": "x", "maxLength": 10001}]}),
                "questions[0].maxLength must be",
            ),
            (json!({"name": "s", "questions": [{"type": "CHOICE", "text": "x"}]}), "questions[0].options must be"),
            (
                json!({"name": "s", "questions": [{"type": "CHOICE", "text": "x", "options": ["a"]}]}),
                "questions[0].options must be",
            ),
            (
                json!({"name": "s", "questions": [{"type": "CHOICE", "text": "x", "options": ["a", "a "]}]}),
                "questions[0].options: 'a' appears twice",
            ),
            (
                json!({"name": "s", "questions": [{"type": "CHOICE", "text": "x", "options": ["a", "b"], "multiple": "yes"}]}),
                "questions[0].multiple must be",
            ),
            (
                json!({"name": "s", "questions": [{"type": "RATING", "text": "x", "required": 1}]}),
                "questions[0].required must be",
            ),
            (
                json!({"name": "s", "questions": [{"type": "RATING", "text": "x", "hint": 1}]}),
                "questions[0].hint: unknown field",
            ),
            (json!({"name": "s", "questions": [{"type": "RATING", "text": "x", "id": "q_1"}]}), "questions[0].id:"),
        ];
        for (body, expected) in cases {
            let error = new_survey_from_json(body.clone(), now()).unwrap_err().to_string();
            assert!(error.starts_with(expected), "{body}: {error}");
        }
    }

    #[test]
    fn a_question_sent_back_with_its_id_keeps_it() {
        let survey = new_survey_from_json(json!({"name": "s", "questions": [rating()]}), now()).unwrap();
        let id = survey.questions[0].id.clone();
        let body = json!({"questions": [{"id": id, "type": "RATING", "text": "Again?"}, rating()]});
        let changes = changes_from_json(body, &survey.questions).unwrap();
        let questions = changes.questions.unwrap();
        assert_eq!(questions[0].id, id);
        assert_ne!(questions[1].id, id);
        let twice = json!({"questions": [{"id": id, "type": "RATING", "text": "a"}, {"id": id, "type": "RATING", "text": "b"}]});
        assert!(changes_from_json(twice, &survey.questions).unwrap_err().to_string().contains("appears twice"));
        assert!(changes_from_json(json!({}), &[]).unwrap_err().to_string().starts_with("Nothing to change"));
    }
}
