//! RateMind surveys as the API sees them: a survey and its questions, the validation of a create
//! or change body, and the validation of a customer's answers against the questions.

mod answers;
mod input;
mod respondent;
mod response;
mod topic_guides;

pub use answers::{AnswerError, AnswerValue, Answers, Given, SubmittedAnswer, SubmittedAnswers, SubmittedForm};
pub use input::{
    changes_from_json, new_survey_from_json, NewQuestion, NewSurvey, QuestionEdit, SurveyChanges, SurveyEdit,
};
pub use respondent::{Respondent, RespondentRef, REF_FIELD, REF_MAX_CHARS, REF_RULE};
pub use response::{filed_feedback, AnswerView, Answered, QuestionType, ResponseView, SurveyResponse};
pub use topic_guides::{
    guide_changes_from_json, new_guide_from_json, GuideChanges, NewTopicGuide, TopicGuide, TopicGuideEdit, GUIDES_MAX,
    GUIDE_EXAMPLES_MAX, GUIDE_EXAMPLE_MAX_CHARS, GUIDE_NAME_MAX_CHARS,
};

use crate::ids::{ProjectId, QuestionId, SurveyId};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Longest survey name, in characters.
pub const NAME_MAX_CHARS: usize = 200;
/// Longest welcome or thank-you message, in characters.
pub const MESSAGE_MAX_CHARS: usize = 2_000;
/// Longest question text, in characters.
pub const QUESTION_MAX_CHARS: usize = 500;
/// Most questions in a survey.
pub const QUESTIONS_MAX: usize = 20;
/// A TEXT question's `maxLength` when none is given, and the largest allowed.
pub const TEXT_DEFAULT_MAX: u32 = 2_000;
pub const TEXT_LIMIT_MAX: u32 = 10_000;
/// How many options a CHOICE question has, and the longest option.
pub const OPTIONS_MIN: usize = 2;
pub const OPTIONS_MAX: usize = 10;
pub const OPTION_MAX_CHARS: usize = 200;
/// The thank-you message of a survey that sets none.
pub const DEFAULT_THANK_YOU: &str = "Thank you for your feedback!";

/// Where a survey is in its life; only `ACTIVE` takes responses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum SurveyStatus {
    Draft,
    Active,
    Paused,
    Closed,
}

impl SurveyStatus {
    /// Every status.
    pub const ALL: [SurveyStatus; 4] =
        [SurveyStatus::Draft, SurveyStatus::Active, SurveyStatus::Paused, SurveyStatus::Closed];

    /// `DRAFT`, `ACTIVE`, `PAUSED`, `CLOSED`.
    pub fn as_str(self) -> &'static str {
        match self {
            SurveyStatus::Draft => "DRAFT",
            SurveyStatus::Active => "ACTIVE",
            SurveyStatus::Paused => "PAUSED",
            SurveyStatus::Closed => "CLOSED",
        }
    }
}

/// What a question asks for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "UPPERCASE")]
pub enum QuestionKind {
    /// A whole number from 1 to 5.
    Rating,
    /// Free text of at most `maxLength` characters.
    Text {
        /// The longest answer, in characters.
        #[serde(rename = "maxLength")]
        #[schema(minimum = 1, maximum = 10_000)]
        max_length: u32,
    },
    /// One of `options`, or several when `multiple`.
    Choice {
        /// What a customer picks from, in the order shown.
        #[schema(min_items = 2, max_items = 10)]
        options: Vec<String>,
        /// Whether several options may be picked (the answer is then a list).
        multiple: bool,
    },
}

impl QuestionKind {
    /// `RATING`, `TEXT`, `CHOICE`.
    pub fn as_str(&self) -> &'static str {
        match self {
            QuestionKind::Rating => "RATING",
            QuestionKind::Text { .. } => "TEXT",
            QuestionKind::Choice { .. } => "CHOICE",
        }
    }
}

/// One question of a survey.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Question {
    pub id: QuestionId,
    #[serde(flatten)]
    pub kind: QuestionKind,
    /// What the question asks.
    pub text: String,
    /// Whether a response must answer it.
    pub required: bool,
}

/// A survey: what the API shows (with `publicUrl` added per request) and what is stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Survey {
    pub id: SurveyId,
    pub name: String,
    /// Shown above the questions (empty: none).
    pub welcome_message: String,
    /// Shown once a response is stored.
    pub thank_you_message: String,
    /// A response rated below it is low-rated.
    #[schema(minimum = 1, maximum = 5)]
    pub threshold: u8,
    pub status: SurveyStatus,
    /// The project its responses are also filed in as feedback (`null`: none).
    #[schema(required = true)]
    pub project_id: Option<ProjectId>,
    /// In the order shown; the first RATING question gives a response its rating.
    pub questions: Vec<Question>,
    /// Whether topics are discovered from the responses beside the owner's topic guides; `false`
    /// keeps only the guides.
    #[serde(default = "discover_by_default")]
    pub discover_topics: bool,
    /// Responses stored so far.
    pub response_count: u64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Surveys stored before the setting existed discover topics.
fn discover_by_default() -> bool {
    true
}

impl Survey {
    /// The question that gives a response its rating: the first RATING question, if any.
    pub fn rating_question(&self) -> Option<&Question> {
        self.questions.iter().find(|q| q.kind == QuestionKind::Rating)
    }

    /// Whether a rating is low for this survey (below its threshold).
    pub fn is_low(&self, rating: u8) -> bool {
        rating < self.threshold
    }
}

/// A survey as the API answers it: the survey and the link customers answer it at.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SurveyView<'a> {
    #[serde(flatten)]
    #[schema(value_type = Survey)]
    pub survey: &'a Survey,
    /// The public page customers answer the survey at (`GET /s/{surveyId}`).
    #[schema(format = "uri")]
    pub public_url: String,
}

impl<'a> SurveyView<'a> {
    /// The view of a survey, its public page under `base` (`https://host`).
    pub fn of(survey: &'a Survey, base: &str) -> SurveyView<'a> {
        SurveyView { survey, public_url: format!("{base}/s/{}", survey.id) }
    }
}
