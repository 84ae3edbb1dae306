//! One response to a survey's public page: stored in one transaction with the survey's response
//! count and, when the survey names a project, the copy filed in that project's feedback.

use super::ATTEMPTS;
use crate::access::rate_limit::{read_beside_client_window, ClientWindow, CLIENT_WINDOW};
use crate::feedback::Source;
use crate::ids::ResponseId;
use crate::ids::SurveyId;
use crate::store::feedback::FeedbackItem;
use crate::store::responses::{self, ResponseItem, Submitted};
use crate::store::surveys::{self, SurveyItem};
use crate::store::Transaction;
use crate::surveys::{filed_feedback, Answered, SurveyStatus};
use crate::{App, Error, Result};
use std::net::IpAddr;

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
/// posted answers into checked ones (with the respondent, when the link named one) against the
/// survey as it stands, or into the caller's refusal;
/// a survey changed meanwhile is read again and the answers checked against it again.
pub async fn submit_response<R>(
    app: &App,
    mut survey: SurveyItem,
    check: impl Fn(&SurveyItem) -> Result<std::result::Result<Answered, R>>,
) -> Result<Submission<R>> {
    for _ in 0..ATTEMPTS {
        let answered = match check(&survey)? {
            Ok(answered) => answered,
            Err(refusal) => return Ok(Submission::Rejected(refusal)),
        };
        let (item, filed) = response_items(&survey, answered);
        let id = item.response.id.clone();
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

/// What became of a post to a survey's public page.
pub enum PagePost<R> {
    /// The client IP's window is full until `reset` (Unix seconds).
    Limited { reset: i64 },
    /// No such survey.
    NotFound,
    /// Caught as a bot's (`is_bot`): nothing stored, and the post is answered as if it were.
    Dropped(SurveyItem),
    /// Submitted: stored, refused, or the survey was not accepting responses.
    Submitted(Submission<R>),
}

/// One post to a survey's public page, counted in the client IP's window. A warm container keeps
/// the active surveys it serves, so a post is one transaction — the window, the survey's response
/// count (on the condition that the survey is unchanged since it was kept), the response, its day
/// mark and its filed copy — in one round. A survey not kept, or changed since, is read first (two
/// rounds). `parse` reads the post, `is_bot` spots a bot's, and `check` turns it into answers
/// (and respondent) against the survey, or into the caller's refusal.
pub async fn post_to_page<P, R>(
    app: &App,
    id: &SurveyId,
    ip: Option<IpAddr>,
    parse: impl FnOnce() -> Result<P>,
    is_bot: impl Fn(&P) -> bool,
    check: impl Fn(&SurveyItem, &P) -> Result<std::result::Result<Answered, R>>,
) -> Result<PagePost<R>> {
    let limit = app.settings.survey_responses_per_ip_per_minute;
    let window = ClientWindow::new("survey", ip, limit);
    if window.known_full(app) {
        window.full(app);
        return Ok(PagePost::Limited { reset: window.reset() });
    }
    let Some(survey) = app.known.survey(id.as_str()) else {
        return read_first(app, id, &window, parse, is_bot, check).await;
    };
    // Only a write can prove the kept survey current: a post that writes nothing (a body that
    // breaks a rule, a bot's, wrong answers) is answered from the stored survey, read beside the
    // count of the window — the same one round.
    let post = match parse() {
        Ok(post) => post,
        Err(refusal) => return read_first(app, id, &window, || Err(refusal), is_bot, check).await,
    };
    let answered = match (is_bot(&post), check(&survey, &post)) {
        (false, Ok(Ok(answered))) => answered,
        _ => return read_first(app, id, &window, || Ok(post), is_bot, check).await,
    };
    let (item, filed) = response_items(&survey, answered);
    let writes = Transaction::new().update(CLIENT_WINDOW, window.write(app)?).append(responses::submit_writes(
        app,
        &survey,
        &item,
        filed.as_ref(),
        true,
    )?);
    let (sent, seen) = tokio::join!(writes.send(app), window.read(app));
    let outcome = match sent {
        Ok(()) => Submitted::Stored,
        Err(err) if err.failed(CLIENT_WINDOW) => {
            window.full(app);
            return Ok(PagePost::Limited { reset: window.reset() });
        }
        Err(err) => match responses::refused(err) {
            Err(Error::Unavailable(details)) => match responses::exists(app, &item).await {
                Ok(true) => Submitted::Stored,
                _ => return Err(Error::Unavailable(details)),
            },
            other => other?,
        },
    };
    match outcome {
        Submitted::Stored => {
            window.counted(seen.unwrap_or_else(|err| {
                tracing::warn!(error = %err, "could not read the client's window");
                Default::default()
            }));
            Ok(PagePost::Submitted(Submission::Stored(item.response.id, survey)))
        }
        // Changed, closed or deleted since it was kept (or its project is gone): the stored survey
        // decides, as for a survey not kept.
        Submitted::SurveyChanged | Submitted::ProjectGone => {
            app.known.forget_survey(id.as_str());
            read_first(app, id, &window, || Ok(post), is_bot, check).await
        }
    }
}

/// A post to a survey not kept: the survey is read beside the count of the client's window, then
/// the response stored ([`submit_response`]); an active survey is kept for the next post.
async fn read_first<P, R>(
    app: &App,
    id: &SurveyId,
    window: &ClientWindow,
    parse: impl FnOnce() -> Result<P>,
    is_bot: impl Fn(&P) -> bool,
    check: impl Fn(&SurveyItem, &P) -> Result<std::result::Result<Answered, R>>,
) -> Result<PagePost<R>> {
    let limit = app.settings.survey_responses_per_ip_per_minute;
    let read = surveys::get_public(app, id);
    let (counted, found) = read_beside_client_window(app, "survey", window.ip(), limit, read).await?;
    if counted.exceeds(limit) {
        return Ok(PagePost::Limited { reset: counted.reset() });
    }
    let Some(survey) = found? else { return Ok(PagePost::NotFound) };
    let post = parse()?;
    if survey.survey.status != SurveyStatus::Active {
        return Ok(PagePost::Submitted(Submission::NotAccepting(survey)));
    }
    if is_bot(&post) {
        return Ok(PagePost::Dropped(survey));
    }
    let submitted = submit_response(app, survey, |survey| check(survey, &post)).await?;
    // Kept once a response was stored to it (as it stood then): a post that stores nothing does
    // not fill the memory.
    if let Submission::Stored(_, survey) = &submitted {
        app.known.keep_survey(survey.clone());
    }
    Ok(PagePost::Submitted(submitted))
}

/// The response item and, when the survey names a project, its filed copy.
fn response_items(survey: &SurveyItem, answered: Answered) -> (ResponseItem, Option<FeedbackItem>) {
    let item = ResponseItem::new(survey.survey.response(answered.answers).by(answered.respondent));
    let filed = survey.survey.project_id.as_ref().map(|project| {
        let copy = filed_feedback(&survey.survey, &item.response);
        FeedbackItem::new(&survey.account_id, project, copy, Source::Survey)
    });
    (item, filed)
}
