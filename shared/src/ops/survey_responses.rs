//! One response to a survey's public page: stored in one transaction with the survey's response
//! count and, when the survey names a project, the copy filed in that project's feedback.

use super::ATTEMPTS;
use crate::feedback::Source;
use crate::ids::ResponseId;
use crate::store::feedback::FeedbackItem;
use crate::store::responses::{self, ResponseItem, Submitted};
use crate::store::surveys::{self, SurveyItem};
use crate::surveys::{filed_feedback, Answers, SurveyStatus};
use crate::{App, Error, Result};

/// What became of a response.
pub enum Submission<R> {
    /// Kept, under this id; with the survey as it was when it was kept.
    Stored(ResponseId, SurveyItem),
    /// The survey is gone.
    SurveyGone,
    /// The survey stopped taking responses meanwhile (as it is now).
    NotAccepting(SurveyItem),
    /// The answers were refused, in the shape the caller's check gave.
    Rejected(R),
}

/// Stores a response to `survey` (read and found accepting by the caller). `check` turns the
/// posted answers into checked ones against the survey as it stands, or into the caller's refusal;
/// a survey changed meanwhile is read again and the answers checked against it again.
pub async fn submit_response<R>(
    app: &App,
    mut survey: SurveyItem,
    check: impl Fn(&SurveyItem) -> Result<std::result::Result<Answers, R>>,
) -> Result<Submission<R>> {
    for _ in 0..ATTEMPTS {
        let answers = match check(&survey)? {
            Ok(answers) => answers,
            Err(refusal) => return Ok(Submission::Rejected(refusal)),
        };
        let item = ResponseItem::new(survey.survey.response(answers));
        let id = item.response.id.clone();
        let filed = survey.survey.project_id.as_ref().map(|project| {
            let copy = filed_feedback(&survey.survey, &item.response);
            FeedbackItem::new(&survey.account_id, project, copy, Source::Survey)
        });
        let mut outcome = store(app, &survey, &item, filed.as_ref()).await?;
        if outcome == Submitted::ProjectGone {
            // The team deleted the project since: the customer's answer still counts.
            outcome = store(app, &survey, &item, None).await?;
        }
        match outcome {
            Submitted::Stored => return Ok(Submission::Stored(id, survey)),
            Submitted::ProjectGone => return Err(Error::internal("project condition failed without a project")),
            Submitted::SurveyChanged => {
                survey = match surveys::get_public(app, &survey.survey.id).await? {
                    None => return Ok(Submission::SurveyGone),
                    Some(now) if now.survey.status != SurveyStatus::Active => return Ok(Submission::NotAccepting(now)),
                    Some(now) => now,
                };
            }
        }
    }
    Err(Error::Unavailable("the survey kept changing while a response was stored".into()))
}

/// Stores the response; when the write's outcome is unknown (it timed out), reads whether it
/// landed, so a customer is never told to retry an answer that was kept.
async fn store(app: &App, survey: &SurveyItem, item: &ResponseItem, filed: Option<&FeedbackItem>) -> Result<Submitted> {
    match responses::submit(app, survey, item, filed).await {
        Err(Error::Unavailable(details)) => match responses::exists(app, item).await {
            Ok(true) => Ok(Submitted::Stored),
            _ => Err(Error::Unavailable(details)),
        },
        other => other,
    }
}
