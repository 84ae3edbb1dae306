//! Checking a customer's answers against a survey's questions, from the page's form or from a
//! script's JSON: required questions answered, ratings 1–5, choices among the options, texts within
//! their length, no unknown questions. An empty answer counts as no answer.

use super::{Question, QuestionKind, RespondentRef, Survey};
use crate::ids::QuestionId;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// One stored answer: a rating, a text or single choice, or several choices. Which it is follows
/// from its question's type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum AnswerValue {
    /// A RATING answer, 1 to 5.
    #[schema(value_type = RatingNumber)]
    Number(u8),
    /// A TEXT answer, or the option picked for a single CHOICE question.
    Text(String),
    /// The options picked for a multiple CHOICE question, in the options' order.
    List(Vec<String>),
}

/// The JSON body of `POST /s/{surveyId}`, as the OpenAPI document shows it: a customer's answers
/// ([`Survey::check_json`] reads `answers`, [`super::Respondent::from_json`] reads `ref`; other fields are
/// ignored), or a bot's post caught by
/// the honeypot field `website`, which is answered as if stored and dropped whatever else it holds.
#[derive(ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum SubmittedAnswers {
    Answers(AnswersPost),
    Caught(HoneypotPost),
}

/// A customer's answers.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct AnswersPost {
    /// The answers by question id (`q_…`, from the survey's `questions`): every required question
    /// answered, no other ids. `null`, an empty text or an empty list is no answer.
    answers: BTreeMap<QuestionId, SubmittedAnswer>,
    /// A respondent reference, stored with the response: the survey owner's own id for the
    /// customer (e.g. a CRM contact id). Leave it out (or `null`) for none; one that breaks the
    /// rule is a 400 naming `ref`.
    #[serde(rename = "ref")]
    reference: Option<RespondentRef>,
    /// The honeypot for bots: leave it out (or `null`, `""`, `false`).
    #[schema(schema_with = honeypot_empty)]
    website: Option<Value>,
}

/// A post whose honeypot field is filled: answered `201` as if stored, and dropped.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct HoneypotPost {
    /// Anything but `null`, `""` or `false`.
    #[schema(schema_with = honeypot_filled)]
    website: Value,
}

/// The values of `website` that leave a JSON post to its answers (what `caught_by_honeypot` of
/// the survey page lets through).
fn honeypot_empty() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, SchemaType};
    ObjectBuilder::new()
        .schema_type(SchemaType::AnyValue)
        .enum_values(Some([Value::Null, Value::from(""), Value::from(false)]))
        .description(Some("The honeypot for bots: leave it out (or `null`, `\"\"`, `false`)."))
        .build()
}

/// Every other value of `website`: the post is a bot's.
fn honeypot_filled() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{AnyOfBuilder, ObjectBuilder, SchemaType, Type};
    AnyOfBuilder::new()
        .item(ObjectBuilder::new().schema_type(Type::String).min_length(Some(1)))
        .item(ObjectBuilder::new().schema_type(Type::Boolean).enum_values(Some([true])))
        .item(ObjectBuilder::new().schema_type(SchemaType::from_iter([Type::Number, Type::Array, Type::Object])))
        .description(Some("The honeypot, filled: anything but `null`, `\"\"` or `false`."))
        .into()
}

/// One answer in a JSON post, as its question's type asks.
#[derive(ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum SubmittedAnswer {
    /// A RATING question's answer: a whole number from 1 to 5.
    #[schema(value_type = RatingNumber)]
    Rating(u8),
    /// A TEXT question's answer (at most its `maxLength` characters once trimmed), or a single
    /// CHOICE question's option (exactly as listed).
    Text(String),
    /// A multiple CHOICE question's options (each exactly as listed).
    Choices(Vec<String>),
    /// No answer.
    Unanswered,
}

/// A rating as the OpenAPI document shows it: a whole number from 1 to 5.
pub struct RatingNumber;

impl utoipa::PartialSchema for RatingNumber {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(1)).maximum(Some(5)).into()
    }
}

impl ToSchema for RatingNumber {}

/// The page's own form post, as the OpenAPI document shows it (see [`SubmittedFormFields`]).
pub struct SubmittedForm;

/// [`SubmittedFormFields`]' schema with the field names a post may use: question ids, the
/// respondent reference and the honeypot (any other field is refused).
impl utoipa::PartialSchema for SubmittedForm {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
        use utoipa::openapi::RefOr;
        let mut schema = SubmittedFormFields::schema();
        if let RefOr::T(Schema::Object(object)) = &mut schema {
            let names =
                ObjectBuilder::new().schema_type(Type::String).pattern(Some("^(q_[0-9A-Za-z]{22}|ref|website)$"));
            object.property_names = Some(Box::new(names.into()));
        }
        schema
    }
}

impl ToSchema for SubmittedForm {
    fn schemas(schemas: &mut Vec<(String, utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>)>) {
        SubmittedFormFields::schemas(schemas);
    }
}

/// The page's own form post to `POST /s/{surveyId}` (`application/x-www-form-urlencoded`):
/// one field per question, named by its id (`q_…`) — a rating `1` to `5`, a text, or an
/// option exactly as listed (a multiple CHOICE question's field repeats, once per option
/// picked). An empty field is no answer; a field no question has is refused.
#[derive(ToSchema)]
#[allow(dead_code)]
struct SubmittedFormFields {
    /// The respondent reference of the page's link (`?ref=`), which the page keeps in a hidden
    /// field: stored with the response when it keeps to the rule (1 to 128 characters of
    /// `A-Z a-z 0-9 . _ : @ -`), left out otherwise.
    #[serde(rename = "ref")]
    #[schema(nullable = false)]
    reference: Option<String>,
    /// A honeypot for bots: leave it empty. A post that fills it is answered as if stored, and
    /// dropped.
    #[schema(nullable = false)]
    website: Option<String>,
    #[serde(flatten)]
    #[schema(inline)]
    answers: BTreeMap<QuestionId, FormField>,
}

/// One form field: its value, or its values when it repeats.
#[derive(ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum FormField {
    One(String),
    Several(Vec<String>),
}

/// A response's answers by question id (answered questions only).
pub type Answers = BTreeMap<String, AnswerValue>;

/// What a customer sent for one question.
#[derive(Clone, Copy, Debug)]
pub enum Given<'a> {
    /// A JSON value (`null` is no answer).
    Json(&'a Value),
    /// The form's values for the field (checkboxes repeat it).
    Form(&'a [&'a str]),
}

/// A wrong answer: the question it belongs to (none for a field no question has) and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnswerError {
    pub question: Option<String>,
    pub message: String,
}

impl std::fmt::Display for AnswerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.question {
            Some(id) => write!(f, "{id}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl Survey {
    /// Checks `{"answers": {...}}`'s object; the first wrong answer, in question order.
    pub fn check_json(&self, answers: Option<&Value>) -> Result<Answers, AnswerError> {
        let Some(Value::Object(given)) = answers else {
            return Err(AnswerError {
                question: None,
                message: "answers is required: an object from question id to answer".to_owned(),
            });
        };
        if let Some(unknown) = given.keys().find(|id| !self.questions.iter().any(|q| q.id.as_str() == *id)) {
            return Err(AnswerError {
                question: Some(unknown.clone()),
                message: "no such question in this survey".to_owned(),
            });
        }
        let mut checked = Answers::new();
        for question in &self.questions {
            let value = given.get(question.id.as_str()).filter(|v| !v.is_null());
            if let Some(answer) = check(question, value.map(Given::Json))? {
                checked.insert(question.id.to_string(), answer);
            }
        }
        Ok(checked)
    }

    /// Checks a form post (`name=value` pairs, the honeypot already taken out); every wrong
    /// answer, so the page can show each at its field.
    pub fn check_form(&self, pairs: &[(String, String)]) -> Result<Answers, Vec<AnswerError>> {
        let mut errors = vec![];
        if let Some((unknown, _)) = pairs.iter().find(|(name, _)| !self.questions.iter().any(|q| q.id.as_str() == name))
        {
            errors.push(AnswerError {
                question: None,
                message: format!(
                    "The form sent a field this survey does not have ({unknown}); please reload the page."
                ),
            });
        }
        let mut checked = Answers::new();
        for question in &self.questions {
            let values: Vec<&str> =
                pairs.iter().filter(|(name, _)| name == question.id.as_str()).map(|(_, v)| v.as_str()).collect();
            let given = (!values.is_empty()).then_some(Given::Form(&values));
            match check(question, given) {
                Ok(Some(answer)) => {
                    checked.insert(question.id.to_string(), answer);
                }
                Ok(None) => {}
                Err(err) => errors.push(err),
            }
        }
        if errors.is_empty() {
            Ok(checked)
        } else {
            Err(errors)
        }
    }

    /// The response's rating: its answer to the survey's first RATING question.
    pub fn rating_of(&self, answers: &Answers) -> Option<u8> {
        match answers.get(self.rating_question()?.id.as_str()) {
            Some(AnswerValue::Number(n)) => Some(*n),
            _ => None,
        }
    }

    /// The free-text answers, one per line in question order: what topics are found in.
    pub fn text_of(&self, answers: &Answers) -> String {
        let texts = self.questions.iter().filter(|q| matches!(q.kind, QuestionKind::Text { .. }));
        let texts = texts.filter_map(|q| match answers.get(q.id.as_str()) {
            Some(AnswerValue::Text(text)) => Some(text.as_str()),
            _ => None,
        });
        texts.collect::<Vec<_>>().join("\n")
    }

    /// Whether every question, optional ones too, has an answer.
    pub fn is_complete(&self, answers: &Answers) -> bool {
        self.questions.iter().all(|q| answers.contains_key(q.id.as_str()))
    }
}

/// One question's answer (`None`: not answered), or why it is wrong.
fn check(question: &Question, given: Option<Given>) -> Result<Option<AnswerValue>, AnswerError> {
    let wrong = |message: String| AnswerError { question: Some(question.id.to_string()), message };
    let answer = match given {
        None => None,
        Some(given) => value(&question.kind, given).map_err(wrong)?,
    };
    if answer.is_none() && question.required {
        return Err(wrong("this question is required".to_owned()));
    }
    Ok(answer)
}

fn value(kind: &QuestionKind, given: Given) -> Result<Option<AnswerValue>, String> {
    match kind {
        QuestionKind::Rating => {
            const RULE: &str = "a rating must be a whole number from 1 to 5";
            let number = match given {
                Given::Json(value) => crate::http::whole_number(value),
                Given::Form([]) | Given::Form([""]) => return Ok(None),
                Given::Form([text]) => text.trim().parse().ok(),
                Given::Form(_) => None,
            };
            match number {
                Some(n @ 1..=5) => Ok(Some(AnswerValue::Number(n as u8))),
                _ => Err(RULE.to_owned()),
            }
        }
        QuestionKind::Text { max_length } => {
            let text = match given {
                Given::Json(Value::String(text)) => text.as_str(),
                Given::Form([text]) => text,
                _ => return Err("the answer must be text".to_owned()),
            };
            let length = text.trim().chars().count();
            if length > *max_length as usize {
                return Err(format!("the answer must be at most {max_length} characters (it has {length})"));
            }
            Ok((length > 0).then(|| AnswerValue::Text(text.trim().to_owned())))
        }
        QuestionKind::Choice { options, multiple } => {
            let picked: Vec<&str> = match given {
                Given::Json(Value::String(text)) => vec![text.as_str()],
                Given::Json(Value::Array(items)) if *multiple => items
                    .iter()
                    .map(|v| v.as_str().ok_or("each choice must be one of the options as text"))
                    .collect::<Result<_, _>>()?,
                Given::Json(_) if *multiple => return Err("the answer must be a list of the options".to_owned()),
                Given::Json(_) => return Err("the answer must be one of the options, as text".to_owned()),
                Given::Form(values) => values.iter().copied().filter(|v| !v.is_empty()).collect(),
            };
            if let Some(stranger) = picked.iter().find(|p| !options.iter().any(|o| o == *p)) {
                return Err(format!("'{stranger}' is not one of the options"));
            }
            if *multiple {
                // In the options' order, each once.
                let chosen: Vec<String> = options.iter().filter(|o| picked.contains(&o.as_str())).cloned().collect();
                Ok((!chosen.is_empty()).then_some(AnswerValue::List(chosen)))
            } else {
                match picked.as_slice() {
                    [] => Ok(None),
                    [one] => Ok(Some(AnswerValue::Text((*one).to_owned()))),
                    _ => Err("choose one option".to_owned()),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::surveys::new_survey_from_json;
    use crate::time::Timestamp;
    use serde_json::json;

    fn survey() -> Survey {
        new_survey_from_json(
            json!({"name": "s", "questions": [
                {"type": "RATING", "text": "Rate", "required": true},
                {"type": "TEXT", "text": "Why?", "maxLength": 5},
                {"type": "CHOICE", "text": "One", "options": ["a", "b"]},
                {"type": "CHOICE", "text": "Many", "options": ["x", "y", "z"], "multiple": true}
            ]}),
            Timestamp::now(),
        )
        .unwrap()
    }

    fn ids(survey: &Survey) -> Vec<String> {
        survey.questions.iter().map(|q| q.id.to_string()).collect()
    }

    #[test]
    fn json_answers_are_checked_in_question_order() {
        let s = survey();
        let q = ids(&s);
        let good = json!({q[0].clone(): 4, q[1].clone(): " ok ", q[2].clone(): "b", q[3].clone(): ["z", "x"]});
        let answers = s.check_json(Some(&good)).unwrap();
        assert_eq!(answers[&q[1]], AnswerValue::Text("ok".into()));
        assert_eq!(answers[&q[3]], AnswerValue::List(vec!["x".into(), "z".into()]));
        assert_eq!((s.rating_of(&answers), s.is_complete(&answers)), (Some(4), true));

        let cases = [
            (json!({}), format!("{}: this question is required", q[0])),
            (json!({q[0].clone(): 6}), format!("{}: a rating must be", q[0])),
            (json!({q[0].clone(): 3.5}), format!("{}: a rating must be", q[0])),
            (json!({q[0].clone(): "4"}), format!("{}: a rating must be", q[0])),
            (json!({q[0].clone(): 4, q[1].clone(): "toolong"}), format!("{}: the answer must be at most 5", q[1])),
            (json!({q[0].clone(): 4, q[2].clone(): "c"}), format!("{}: 'c' is not one of the options", q[2])),
            (json!({q[0].clone(): 4, q[2].clone(): ["a", "b"]}), format!("{}: the answer must be one of", q[2])),
            (json!({q[0].clone(): 4, "q_nope": 1}), "q_nope: no such question".to_owned()),
        ];
        for (body, expected) in cases {
            let error = s.check_json(Some(&body)).unwrap_err().to_string();
            assert!(error.starts_with(&expected), "{body}: {error}");
        }
        assert!(s.check_json(Some(&json!([]))).unwrap_err().to_string().starts_with("answers is required"));
    }

    #[test]
    fn empty_answers_count_as_unanswered() {
        let s = survey();
        let q = ids(&s);
        let answers = s.check_json(Some(&json!({q[0].clone(): 1, q[1].clone(): "  ", q[3].clone(): []}))).unwrap();
        assert_eq!(answers.len(), 1);
        assert!(!s.is_complete(&answers));
    }

    #[test]
    fn form_posts_report_every_wrong_field() {
        let s = survey();
        let q = ids(&s);
        let pairs = vec![
            (q[1].clone(), "far too long".to_owned()),
            (q[2].clone(), "a".to_owned()),
            (q[2].clone(), "b".to_owned()),
        ];
        let errors = s.check_form(&pairs).unwrap_err();
        let at: Vec<_> = errors.iter().map(|e| e.question.clone().unwrap()).collect();
        assert_eq!(at, vec![q[0].clone(), q[1].clone(), q[2].clone()]);
        let pairs =
            vec![(q[0].clone(), "2".to_owned()), (q[3].clone(), "y".to_owned()), (q[3].clone(), "x".to_owned())];
        let answers = s.check_form(&pairs).unwrap();
        assert_eq!(answers[&q[3]], AnswerValue::List(vec!["x".into(), "y".into()]));
    }
}
