//! `/api/v1/surveys` and `/api/v1/surveys/{surveyId}`: list, create, read, change.

use crate::SURVEY_NOT_FOUND;
use hearken::access::{authorize, authorize_owned, Access, Addressed, Need};
use hearken::error::Refusal;
use hearken::http::{data, json, json_body, optional_query, path_param, public_base, query_number};
use hearken::ids::ProjectId;
use hearken::plans::Action;
use hearken::store::projects;
use hearken::store::surveys::{self as stored, SurveyItem, Updated, LIST_KEY};
use hearken::surveys::{changes_from_json, new_survey_from_json, SurveyView};
use hearken::time::Timestamp;
use hearken::{cursor, App, Error, Result};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;

/// A page of surveys and the cursor of the next one (`null` on the last page).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Page<'a> {
    data: Vec<SurveyView<'a>>,
    next_cursor: Option<String>,
}

pub async fn list(app: &App, req: &Request) -> Result<Response<Body>> {
    let access = authorize(app, req, Need { action: Action::ReadSurveys, project: None }).await?;
    let limit = query_number(req, "limit", 25, 1, 100)? as usize;
    let account = access.account.id.as_str();
    let start = optional_query(req, "cursor")
        .map(|c| cursor::decode(&c, "surveys", account, ("accountId", account), &LIST_KEY))
        .transpose()?;
    let visible = access.key.project_limit();
    let (surveys, next) = stored::list(app, &access.account.id, visible.as_deref(), limit, start).await?;
    let base = public_base(req);
    let page = Page {
        data: surveys.iter().map(|survey| SurveyView::of(survey, &base)).collect(),
        next_cursor: next.map(|key| cursor::encode("surveys", account, &key)),
    };
    Ok(json(StatusCode::OK, &page))
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

pub async fn create(app: &App, req: &Request) -> Result<Response<Body>> {
    let access = authorize(app, req, Need { action: Action::ManageSurveys, project: None }).await?;
    let survey = new_survey_from_json(json_body(req)?, Timestamp::now())?;
    check_key_reaches(app, &access, survey.project_id.as_ref()).await?;
    let item = SurveyItem::new(&access.account.id, survey);
    if stored::create(app, &item).await?.is_none() {
        let project = item.survey.project_id.as_ref().expect("only a project can be missing");
        return Err(not_a_project(project));
    }
    Ok(data(StatusCode::CREATED, SurveyView::of(&item.survey, &public_base(req))))
}

/// Authorises `action` on the survey in the path and hands it back, if the key may see it (its
/// account's, and filed to no project or to one the key may reach).
async fn addressed(app: &App, req: &Request, action: Action) -> Result<(Access, SurveyItem)> {
    let raw = path_param(req, "surveyId")?;
    let (access, owned) = authorize_owned(app, req, action, Addressed::Survey(&raw)).await?;
    Ok((access, owned.survey().ok_or(SURVEY_NOT_FOUND)?))
}

pub async fn get(app: &App, req: &Request) -> Result<Response<Body>> {
    let (_, item) = addressed(app, req, Action::ReadSurveys).await?;
    Ok(data(StatusCode::OK, SurveyView::of(&item.survey, &public_base(req))))
}

/// Why questions stay as they are once customers have answered them.
const QUESTIONS_FIXED: &str = "questions cannot be changed once a survey has responses; create a new survey instead";

pub async fn update(app: &App, req: &Request) -> Result<Response<Body>> {
    let (access, item) = addressed(app, req, Action::ManageSurveys).await?;
    let body = json_body(req)?;
    let changes = changes_from_json(body, &item.survey.questions)?;
    check_key_reaches(app, &access, changes.project_id.as_ref().and_then(Option::as_ref)).await?;
    if changes.questions.is_some() && item.survey.response_count > 0 {
        return Err(Error::bad_request(QUESTIONS_FIXED));
    }
    match stored::update(app, &item, &changes).await? {
        Updated::Done(survey) => Ok(data(StatusCode::OK, SurveyView::of(&survey, &public_base(req)))),
        Updated::HasResponses => Err(Error::bad_request(QUESTIONS_FIXED)),
        Updated::ProjectGone => {
            Err(not_a_project(changes.project_id.as_ref().and_then(Option::as_ref).expect("a project was named")))
        }
        Updated::Gone => Err(SURVEY_NOT_FOUND),
    }
}
