//! `/api/v1/surveys` and `/api/v1/surveys/{surveyId}`: list, create, read, change.

use hearken::access::{authorize, authorize_owned, Access, Addressed, Need};
use hearken::http::{data, json, json_body, optional_query, path_param, public_base, query_number};
use hearken::ops::{surveys, SURVEY_NOT_FOUND};
use hearken::plans::Action;
use hearken::store::surveys::SurveyItem;
use hearken::surveys::{changes_from_json, new_survey_from_json, SurveyView};
use hearken::time::Timestamp;
use hearken::{App, Result};
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
    let (found, next_cursor) = surveys::list(app, &access, limit, optional_query(req, "cursor").as_deref()).await?;
    let base = public_base(req);
    let data = found.iter().map(|survey| SurveyView::of(survey, &base)).collect();
    Ok(json(StatusCode::OK, &Page { data, next_cursor }))
}

pub async fn create(app: &App, req: &Request) -> Result<Response<Body>> {
    let access = authorize(app, req, Need { action: Action::ManageSurveys, project: None }).await?;
    let survey = new_survey_from_json(json_body(req)?, Timestamp::now())?;
    let created = surveys::create(app, &access, survey).await?;
    Ok(data(StatusCode::CREATED, SurveyView::of(&created, &public_base(req))))
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

pub async fn update(app: &App, req: &Request) -> Result<Response<Body>> {
    let (access, item) = addressed(app, req, Action::ManageSurveys).await?;
    let changes = changes_from_json(json_body(req)?, &item.survey.questions)?;
    let updated = surveys::update(app, &access, &item, &changes).await?;
    Ok(data(StatusCode::OK, SurveyView::of(&updated, &public_base(req))))
}
