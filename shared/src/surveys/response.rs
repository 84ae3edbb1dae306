//! A customer's response: what is stored, how the API lists it, and the copy filed in the survey's
//! project as Miniback feedback.

use super::{AnswerValue, Answers, Respondent, Survey};
use crate::feedback::{NewFeedback, MESSAGE_MAX_CHARS};
use crate::ids::{QuestionId, ResponseId, SurveyId};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A stored response.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SurveyResponse {
    pub id: ResponseId,
    pub survey_id: SurveyId,
    pub created_at: Timestamp,
    pub answers: Answers,
    /// The answer to the survey's first RATING question.
    pub rating: Option<u8>,
    /// Rated below the survey's threshold as it was when the response came.
    pub low_rated: bool,
    /// Every question answered, optional ones too.
    pub complete: bool,
    /// `None` until the topics function has read the response.
    pub topics: Option<Vec<String>>,
    /// Who answered, when the survey link carried a `ref`; responses stored before references
    /// existed have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub respondent: Option<Respondent>,
}

/// What a post gave, checked against the survey: the answers, and who gave them when the survey
/// link said.
#[derive(Clone, Debug, PartialEq)]
pub struct Answered {
    pub answers: Answers,
    pub respondent: Option<Respondent>,
}

impl SurveyResponse {
    /// The response, from the respondent the survey link named (`None`: no one).
    pub fn by(self, respondent: Option<Respondent>) -> SurveyResponse {
        SurveyResponse { respondent, ..self }
    }
}

impl Survey {
    /// A new response with these (checked) answers.
    pub fn response(&self, answers: Answers) -> SurveyResponse {
        self.response_at(answers, Timestamp::now())
    }

    /// A response with these answers made at `at` (its id sorts at the same millisecond, so its
    /// day is the same whichever is read).
    pub fn response_at(&self, answers: Answers, at: Timestamp) -> SurveyResponse {
        let rating = self.rating_of(&answers);
        SurveyResponse {
            id: ResponseId::generate_at(at.unix_millis()),
            survey_id: self.id.clone(),
            created_at: at,
            rating,
            low_rated: rating.is_some_and(|r| self.is_low(r)),
            complete: self.is_complete(&answers),
            answers,
            topics: None,
            respondent: None,
        }
    }
}

/// One answer as `/feedback` lists it.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AnswerView {
    #[schema(value_type = QuestionId)]
    pub question_id: String,
    /// The question's type, which decides the shape of `value`.
    #[serde(rename = "type")]
    #[schema(value_type = QuestionType)]
    pub kind: &'static str,
    /// The question's text.
    pub question: String,
    /// A number for RATING, a string for TEXT and single CHOICE, a list for multiple CHOICE.
    pub value: AnswerValue,
}

/// A question's type, as an answer names it (what `QuestionKind::as_str` gives).
#[derive(ToSchema)]
#[schema(rename_all = "UPPERCASE")]
#[allow(dead_code)]
pub enum QuestionType {
    Rating,
    Text,
    Choice,
}

/// A response as `GET /api/v1/surveys/{surveyId}/feedback` lists it.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResponseView {
    pub id: ResponseId,
    pub created_at: Timestamp,
    /// The answer to the survey's first RATING question; `null` when it has none or it was not
    /// answered.
    #[schema(required = true, minimum = 1, maximum = 5)]
    pub rating: Option<u8>,
    /// Rated below the survey's threshold as it was when the response came.
    pub low_rated: bool,
    /// Every question answered, optional ones too.
    pub complete: bool,
    /// In question order; unanswered questions left out.
    pub answers: Vec<AnswerView>,
    /// The topics the response mentions (the names `/topics` counts); `null` until the topics
    /// function has read it.
    #[schema(required = true)]
    pub topics: Option<Vec<String>>,
    /// Who answered: the `ref` the survey link carried (`/s/{surveyId}?ref=…`, or `ref` in a JSON
    /// post); `null` when it carried none.
    #[schema(required = true)]
    pub respondent: Option<Respondent>,
}

impl ResponseView {
    /// The view of a response of `survey`.
    pub fn of(response: SurveyResponse, survey: &Survey) -> ResponseView {
        let answers = survey
            .questions
            .iter()
            .filter_map(|q| {
                let value = response.answers.get(q.id.as_str())?.clone();
                Some(AnswerView {
                    question_id: q.id.to_string(),
                    kind: q.kind.as_str(),
                    question: q.text.clone(),
                    value,
                })
            })
            .collect();
        ResponseView {
            id: response.id,
            created_at: response.created_at,
            rating: response.rating,
            low_rated: response.low_rated,
            complete: response.complete,
            answers,
            topics: response.topics,
            respondent: response.respondent,
        }
    }
}

/// The Miniback feedback a response is filed as in the survey's project: the text answers as the
/// message (the rating when there is none, else the choices), and where it came from as context
/// (`respondentRef` only when the link carried one, so copies without one keep the context they
/// always had).
pub fn filed_feedback(survey: &Survey, response: &SurveyResponse) -> NewFeedback {
    let answer = |q: &super::Question| response.answers.get(q.id.as_str());
    let texts: Vec<&str> = survey
        .questions
        .iter()
        .filter(|q| matches!(q.kind, super::QuestionKind::Text { .. }))
        .filter_map(|q| match answer(q) {
            Some(AnswerValue::Text(text)) => Some(text.as_str()),
            _ => None,
        })
        .collect();
    let choices: Vec<String> = survey
        .questions
        .iter()
        .filter(|q| matches!(q.kind, super::QuestionKind::Choice { .. }))
        .filter_map(|q| match answer(q)? {
            AnswerValue::Text(one) => Some(format!("{}: {one}", q.text)),
            AnswerValue::List(many) => Some(format!("{}: {}", q.text, many.join(", "))),
            AnswerValue::Number(_) => None,
        })
        .collect();
    let message = if !texts.is_empty() {
        texts.join("\n\n")
    } else if let Some(rating) = response.rating {
        format!("Rating: {rating}/5")
    } else if !choices.is_empty() {
        choices.join("\n")
    } else {
        "(a survey response with no answers)".to_owned()
    };
    let message: String = message.chars().take(MESSAGE_MAX_CHARS).collect();
    let mut context = serde_json::json!({
        "surveyId": survey.id,
        "responseId": response.id,
        "rating": response.rating,
    });
    if let Some(respondent) = &response.respondent {
        context["respondentRef"] = serde_json::json!(respondent.reference);
    }
    NewFeedback { message, context: context.as_object().cloned() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::surveys::{new_survey_from_json, RespondentRef};
    use serde_json::json;

    fn survey() -> Survey {
        new_survey_from_json(json!({"name": "s", "questions": [{"type": "RATING", "text": "Rate"}]}), Timestamp::now())
            .unwrap()
    }

    fn rated(survey: &Survey, rating: u8) -> Answers {
        survey.check_json(Some(&json!({ survey.questions[0].id.to_string(): rating }))).unwrap()
    }

    #[test]
    fn the_filed_copy_carries_the_respondent_ref_only_when_there_is_one() {
        let survey = survey();
        let anonymous = survey.response(rated(&survey, 4));
        let context = filed_feedback(&survey, &anonymous).context.unwrap();
        let keys: std::collections::BTreeSet<&str> = context.keys().map(String::as_str).collect();
        assert_eq!(keys, ["rating", "responseId", "surveyId"].into());
        let crm = Respondent { reference: RespondentRef::parse("crm:42").unwrap() };
        let known = survey.response(rated(&survey, 4)).by(Some(crm));
        let context = filed_feedback(&survey, &known).context.unwrap();
        assert_eq!(context["respondentRef"], json!("crm:42"));
    }

    #[test]
    fn a_response_without_a_respondent_stores_no_respondent_and_old_items_read_as_none() {
        let survey = survey();
        let response = survey.response(rated(&survey, 2));
        let stored = serde_json::to_value(&response).unwrap();
        assert!(stored.get("respondent").is_none(), "{stored}");
        assert_eq!(serde_json::from_value::<SurveyResponse>(stored).unwrap().respondent, None);
        let crm = Respondent { reference: RespondentRef::parse("crm:42").unwrap() };
        let stored = serde_json::to_value(response.by(Some(crm.clone()))).unwrap();
        assert_eq!(stored["respondent"], json!({"ref": "crm:42"}));
        assert_eq!(serde_json::from_value::<SurveyResponse>(stored).unwrap().respondent, Some(crm));
    }
}
