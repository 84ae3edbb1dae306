//! `/api/v1/surveys` and `/api/v1/surveys/{surveyId}`: list, create, read, change.

use super::{plan_too_low, PAGE_DEFAULT, PAGE_MAX};
use hearken::access::{authorize, authorize_owned, Access, Addressed, Need};
use hearken::error::Refusal;
use hearken::http::{data, json, json_body, optional_query, path_param, public_base, query_number, Data, Surface};
use hearken::ids::SurveyId;
use hearken::openapi::{error_example, ErrorBody};
use hearken::ops::{surveys, SURVEY_NOT_FOUND};
use hearken::plans::Action;
use hearken::store::surveys::SurveyItem;
use hearken::surveys::{changes_from_json, new_survey_from_json, NewSurvey, SurveyEdit, SurveyView};
use hearken::time::Timestamp;
use hearken::{App, Error, Result};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

/// A page of surveys and the cursor of the next one (`null` on the last page).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SurveyPage<'a> {
    /// Newest first.
    data: Vec<SurveyView<'a>>,
    /// The `cursor` of the next page; `null` on the last page.
    #[schema(required = true)]
    next_cursor: Option<String>,
}

/// The query of `GET /api/v1/surveys`, as documented (read by [`list`]).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub(crate) struct SurveyListQuery {
    /// Surveys per page.
    #[param(minimum = 1, maximum = 100, default = 25)]
    limit: Option<u64>,
    /// Where the page starts: the `nextCursor` of the page before (a tampered or foreign cursor
    /// is a 400).
    cursor: Option<String>,
}

/// List surveys
///
/// The account's surveys the key may see (a key limited to some projects sees the surveys filed
/// to none or to one of them), newest first, a page at a time.
#[utoipa::path(get, path = "/api/v1/surveys", tag = "Surveys", operation_id = "listSurveys",
    params(SurveyListQuery),
    responses(
        (status = 200, description = "A page of surveys", body = SurveyPage),
        (status = 403, description = "The account's plan is below BUSINESS, the key is an INGEST or a project (`mbk_`) key, \
            or the caller's IP is outside the key's list", body = ErrorBody,
            example = json!(error_example(&plan_too_low(), Surface::RateMind))),
    ))]
pub async fn list(app: &App, req: &Request) -> Result<Response<Body>> {
    let access = authorize(app, req, Need { action: Action::ReadSurveys, project: None }).await?;
    let limit = query_number(req, "limit", PAGE_DEFAULT, 1, PAGE_MAX)? as usize;
    let (found, next_cursor) = surveys::list(app, &access, limit, optional_query(req, "cursor").as_deref()).await?;
    let base = public_base(req);
    let data = found.iter().map(|survey| SurveyView::of(survey, &base)).collect();
    Ok(json(StatusCode::OK, &SurveyPage { data, next_cursor }))
}

/// The 400 of a create body without questions, as the parser words it (for the document).
fn missing_questions() -> Error {
    new_survey_from_json(json!({"name": "After delivery"}), Timestamp::now()).expect_err("questions are required")
}

/// Create a survey
///
/// With its questions, in one call. Each question gets its `id` from the server; the survey's
/// `publicUrl` is the page customers answer it at.
#[utoipa::path(post, path = "/api/v1/surveys", tag = "Surveys", operation_id = "createSurvey",
    request_body = NewSurvey,
    responses(
        (status = 201, description = "The new survey", body = Data<SurveyView>),
        (status = 400, description = "The body breaks a rule (the text names the field and the rule), \
            or `projectId` is not a project of this account", body = ErrorBody,
            example = json!(error_example(&missing_questions(), Surface::RateMind))),
        (status = 403, description = "The account's plan is below BUSINESS, the key is a READ_ONLY, INGEST or project \
            (`mbk_`) key, the key may not address `projectId`, or the caller's IP is outside the key's list",
            body = ErrorBody, examples(
                ("PlanTooLow" = (value = json!(error_example(&plan_too_low(), Surface::RateMind)))),
                ("ProjectNotAllowed" = (value = json!(error_example(
                    &Error::KeyRefused(Refusal::ProjectNotAllowed), Surface::RateMind)))),
            )),
    ))]
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

/// Get a survey
///
/// With its questions.
#[utoipa::path(get, path = "/api/v1/surveys/{surveyId}", tag = "Surveys", operation_id = "getSurvey",
    params(("surveyId" = SurveyId, Path, description = "The survey's id")),
    responses(
        (status = 200, description = "The survey", body = Data<SurveyView>),
        (status = 403, description = "The account's plan is below BUSINESS, the key is an INGEST or a project (`mbk_`) key, \
            or the caller's IP is outside the key's list", body = ErrorBody,
            example = json!(error_example(&plan_too_low(), Surface::RateMind))),
        (status = 404, description = "No such survey in this account, or it is filed to a project the key may not address",
            body = ErrorBody, example = json!(error_example(&SURVEY_NOT_FOUND, Surface::RateMind))),
    ))]
pub async fn get(app: &App, req: &Request) -> Result<Response<Body>> {
    let (_, item) = addressed(app, req, Action::ReadSurveys).await?;
    Ok(data(StatusCode::OK, SurveyView::of(&item.survey, &public_base(req))))
}

/// The 400 of an empty change, as the parser words it (for the document).
fn nothing_to_change() -> Error {
    changes_from_json(json!({}), &[]).expect_err("an empty change is refused")
}

/// Change a survey
///
/// Only the fields given change. `questions` replaces the whole list, and only while the survey
/// has no response; a question sent back with its `id` keeps it.
#[utoipa::path(patch, path = "/api/v1/surveys/{surveyId}", tag = "Surveys", operation_id = "updateSurvey",
    params(("surveyId" = SurveyId, Path, description = "The survey's id")),
    request_body = SurveyEdit,
    responses(
        (status = 200, description = "The survey as changed", body = Data<SurveyView>),
        (status = 400, description = "The body breaks a rule (the text names the field and the rule), `projectId` is not \
            a project of this account, an `id` is not one of this survey's questions, or `questions` is given once the \
            survey has responses", body = ErrorBody,
            example = json!(error_example(&nothing_to_change(), Surface::RateMind))),
        (status = 403, description = "The account's plan is below BUSINESS, the key is a READ_ONLY, INGEST or project \
            (`mbk_`) key, the key may not address `projectId`, or the caller's IP is outside the key's list",
            body = ErrorBody, examples(
                ("PlanTooLow" = (value = json!(error_example(&plan_too_low(), Surface::RateMind)))),
                ("ProjectNotAllowed" = (value = json!(error_example(
                    &Error::KeyRefused(Refusal::ProjectNotAllowed), Surface::RateMind)))),
            )),
        (status = 404, description = "No such survey in this account, or it is filed to a project the key may not address",
            body = ErrorBody, example = json!(error_example(&SURVEY_NOT_FOUND, Surface::RateMind))),
        (status = 409, description = "`discoverTopics` was switched by another change meanwhile: read the survey and retry",
            body = ErrorBody),
    ))]
pub async fn update(app: &App, req: &Request) -> Result<Response<Body>> {
    let (access, item) = addressed(app, req, Action::ManageSurveys).await?;
    let changes = changes_from_json(json_body(req)?, &item.survey.questions)?;
    let updated = surveys::update(app, &access, &item, &changes).await?;
    Ok(data(StatusCode::OK, SurveyView::of(&updated, &public_base(req))))
}
