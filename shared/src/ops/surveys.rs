//! RateMind surveys: listed (within the key's projects), created, changed; a survey's responses
//! listed. Cursors are made and read here, bound to the account (and for responses to the survey
//! and its filters), so a cursor never opens another list.

use super::SURVEY_NOT_FOUND;
use crate::access::Access;
use crate::cursor;
use crate::error::Refusal;
use crate::ids::ProjectId;
use crate::store::projects;
use crate::store::responses::{self, ResponseFilters};
use crate::store::surveys::{self as stored, SurveyItem, Updated, LIST_KEY};
use crate::surveys::{Survey, SurveyChanges, SurveyResponse};
use crate::{App, Error, Result};

/// Why questions stay as they are once customers have answered them.
const QUESTIONS_FIXED: &str = "questions cannot be changed once a survey has responses; create a new survey instead";

/// A page of the surveys the key may see and the cursor of the next one.
pub async fn list(
    app: &App,
    access: &Access,
    limit: usize,
    after: Option<&str>,
) -> Result<(Vec<Survey>, Option<String>)> {
    let account = access.account.id.as_str();
    let start = after.map(|c| cursor::decode(c, "surveys", account, ("accountId", account), &LIST_KEY)).transpose()?;
    let visible = access.key.project_limit();
    let (surveys, next) = stored::list(app, &access.account.id, visible.as_deref(), limit, start).await?;
    Ok((surveys, next.map(|key| cursor::encode("surveys", account, &key))))
}

/// A project named by a survey must be one the key may address (its own restrictions first) and
/// one of the account's: it is read before the survey's write names it, so another account's
/// project item is never written against (the write's condition still guards against a project
/// deleted meanwhile).
async fn check_key_reaches(app: &App, access: &Access, project: Option<&ProjectId>) -> Result<()> {
    let Some(project) = project else { return Ok(()) };
    if !access.key.allows_project(project.as_str()) {
        return Err(Error::KeyRefused(Refusal::ProjectNotAllowed));
    }
    match projects::get(app, &access.account.id, project).await? {
        Some(_) => Ok(()),
        None => Err(not_a_project(project)),
    }
}

fn not_a_project(project: &ProjectId) -> Error {
    Error::bad_request(format!("projectId: {project} is not a project of this account"))
}

/// Creates a survey (checked from its body) for the caller's account.
pub async fn create(app: &App, access: &Access, survey: Survey) -> Result<Survey> {
    check_key_reaches(app, access, survey.project_id.as_ref()).await?;
    let item = SurveyItem::new(&access.account.id, survey);
    if stored::create(app, &item).await?.is_none() {
        let project = item.survey.project_id.as_ref().expect("only a project can be missing");
        return Err(not_a_project(project));
    }
    Ok(item.survey)
}

/// Changes a survey the access check read (and proved the caller's); its questions stay fixed
/// once it has responses.
pub async fn update(app: &App, access: &Access, item: &SurveyItem, changes: &SurveyChanges) -> Result<Survey> {
    let named = changes.project_id.as_ref().and_then(Option::as_ref);
    check_key_reaches(app, access, named).await?;
    if changes.questions.is_some() && item.survey.response_count > 0 {
        return Err(Error::bad_request(QUESTIONS_FIXED));
    }
    match stored::update(app, item, changes).await? {
        Updated::Done(survey) => Ok(*survey),
        Updated::HasResponses => Err(Error::bad_request(QUESTIONS_FIXED)),
        Updated::ProjectGone => Err(not_a_project(named.expect("a project was named"))),
        Updated::Gone => Err(SURVEY_NOT_FOUND),
        Updated::Raced => Err(super::raced("The survey's discoverTopics changed while it was being updated")),
    }
}

/// A page of a survey's responses (the survey read, and proven the caller's, by the access check)
/// and the cursor of the next one. The cursor is bound to the survey and the filters; its key must
/// sit in the survey's own partition, so it can never open another survey's responses.
pub async fn responses(
    app: &App,
    access: &Access,
    survey: &SurveyItem,
    filters: &ResponseFilters,
    limit: usize,
    after: Option<&str>,
) -> Result<(Vec<SurveyResponse>, Option<String>)> {
    let id = &survey.survey.id;
    let mut scope = format!(
        "{}|{id}|since={:?}|max={:?}|low={}",
        access.account.id, filters.since_ms, filters.max_rating, filters.low_rated
    );
    // Only when filtered by respondent, so cursors given out before the filter existed still
    // work; a reference holds no `|`, so it cannot pass for another part of the scope.
    if let Some(reference) = &filters.respondent {
        scope.push_str(&format!("|ref={reference}"));
    }
    let start = after
        .map(|c| cursor::decode(c, "responses", &scope, ("pk", id.as_str()), filters.position_key()))
        .transpose()?;
    let (found, next) = responses::list(app, id.as_str(), filters, limit, start).await?;
    Ok((found, next.map(|key| cursor::encode("responses", &scope, &key))))
}
