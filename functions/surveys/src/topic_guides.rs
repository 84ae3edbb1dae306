//! `/api/v1/surveys/{surveyId}/topic-guides`: the owner's own topics on a survey (each a name and a
//! few example answers), listed, made, read, changed, deleted. Every change re-derives the
//! survey's topics within a minute. Reading takes a key that may read surveys; changing, a FULL
//! key (owner or member).

use super::plan_too_low;
use hearken::access::{authorize_owned, Addressed};
use hearken::http::{data, deleted, json_body, path_param, Data, Deleted, Surface};
use hearken::ids::{SurveyId, TopicGuideId};
use hearken::openapi::{error_example, ErrorBody};
use hearken::ops::topic_guides::{self, TOPIC_GUIDE_NOT_FOUND};
use hearken::ops::SURVEY_NOT_FOUND;
use hearken::plans::Action;
use hearken::store::surveys::SurveyItem;
use hearken::surveys::{guide_changes_from_json, new_guide_from_json, NewTopicGuide, TopicGuide, TopicGuideEdit};
use hearken::time::Timestamp;
use hearken::{App, Error, Result};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;

/// The survey in the path, if the key may `action` it (its account's, filed where the key reaches).
async fn survey(app: &App, req: &Request, action: Action) -> Result<SurveyItem> {
    let raw = path_param(req, "surveyId")?;
    let (_, owned) = authorize_owned(app, req, action, Addressed::Survey(&raw)).await?;
    owned.survey().ok_or(SURVEY_NOT_FOUND)
}

/// The 400 of a create body without examples, as the parser words it (for the document).
fn missing_examples() -> Error {
    new_guide_from_json(json!({"name": "delivery time"}), Timestamp::now()).expect_err("examples are required")
}

/// The 409 of a name another guide has, as the API words it (for the document).
fn name_taken() -> Error {
    Error::Conflict("name: another topic guide of this survey has this name".to_owned())
}

/// List a survey's topic guides
///
/// Every guide of the survey (at most 20), oldest first.
#[utoipa::path(get, path = "/api/v1/surveys/{surveyId}/topic-guides", tag = "Topics", operation_id = "listTopicGuides",
    params(("surveyId" = SurveyId, Path, description = "The survey's id")),
    responses(
        (status = 200, description = "The survey's guides", body = Data<Vec<TopicGuide>>),
        (status = 403, description = "The account's plan is below BUSINESS, the key is an INGEST or a project (`mbk_`) key, \
            or the caller's IP is outside the key's list", body = ErrorBody,
            example = json!(error_example(&plan_too_low(), Surface::RateMind))),
        (status = 404, description = "No such survey in this account, or it is filed to a project the key may not address",
            body = ErrorBody, example = json!(error_example(&SURVEY_NOT_FOUND, Surface::RateMind))),
    ))]
pub async fn list(app: &App, req: &Request) -> Result<Response<Body>> {
    let survey = survey(app, req, Action::ReadSurveys).await?;
    Ok(data(StatusCode::OK, topic_guides::list(app, &survey).await?))
}

/// Create a topic guide
///
/// A topic that always exists under its name: responses like its examples are given it, by the
/// same rule as discovered topics, from the re-derivation this starts (within a minute). Discovered
/// topics fill what the guides do not cover and never take a guide's name.
#[utoipa::path(post, path = "/api/v1/surveys/{surveyId}/topic-guides", tag = "Topics", operation_id = "createTopicGuide",
    params(("surveyId" = SurveyId, Path, description = "The survey's id")),
    request_body = NewTopicGuide,
    responses(
        (status = 201, description = "The new guide", body = Data<TopicGuide>),
        (status = 400, description = "The body breaks a rule (the text names the field and the rule)", body = ErrorBody,
            example = json!(error_example(&missing_examples(), Surface::RateMind))),
        (status = 403, description = "The account's plan is below BUSINESS, the key is a READ_ONLY, INGEST or project \
            (`mbk_`) key, or the caller's IP is outside the key's list", body = ErrorBody,
            example = json!(error_example(&plan_too_low(), Surface::RateMind))),
        (status = 404, description = "No such survey in this account, or it is filed to a project the key may not address",
            body = ErrorBody, example = json!(error_example(&SURVEY_NOT_FOUND, Surface::RateMind))),
        (status = 409, description = "Another guide of the survey has the name (whatever its case), or the survey has 20 guides",
            body = ErrorBody, example = json!(error_example(&name_taken(), Surface::RateMind))),
    ))]
pub async fn create(app: &App, req: &Request) -> Result<Response<Body>> {
    let survey = survey(app, req, Action::ManageSurveys).await?;
    let guide = new_guide_from_json(json_body(req)?, Timestamp::now())?;
    let created = topic_guides::create(app, &survey, guide).await?;
    Ok(data(StatusCode::CREATED, created))
}

/// Get a topic guide
#[utoipa::path(get, path = "/api/v1/surveys/{surveyId}/topic-guides/{guideId}", tag = "Topics", operation_id = "getTopicGuide",
    params(
        ("surveyId" = SurveyId, Path, description = "The survey's id"),
        ("guideId" = TopicGuideId, Path, description = "The guide's id"),
    ),
    responses(
        (status = 200, description = "The guide", body = Data<TopicGuide>),
        (status = 403, description = "The account's plan is below BUSINESS, the key is an INGEST or a project (`mbk_`) key, \
            or the caller's IP is outside the key's list", body = ErrorBody,
            example = json!(error_example(&plan_too_low(), Surface::RateMind))),
        (status = 404, description = "No such survey in this account, or no such guide on it", body = ErrorBody,
            example = json!(error_example(&TOPIC_GUIDE_NOT_FOUND, Surface::RateMind))),
    ))]
pub async fn get(app: &App, req: &Request) -> Result<Response<Body>> {
    let survey = survey(app, req, Action::ReadSurveys).await?;
    let guide = topic_guides::get(app, &survey, &path_param(req, "guideId")?).await?;
    Ok(data(StatusCode::OK, guide))
}

/// Change a topic guide
///
/// Only the fields given change; `examples` replaces the whole list. The survey's responses are
/// re-assigned within a minute.
#[utoipa::path(patch, path = "/api/v1/surveys/{surveyId}/topic-guides/{guideId}", tag = "Topics",
    operation_id = "updateTopicGuide",
    params(
        ("surveyId" = SurveyId, Path, description = "The survey's id"),
        ("guideId" = TopicGuideId, Path, description = "The guide's id"),
    ),
    request_body = TopicGuideEdit,
    responses(
        (status = 200, description = "The guide as changed", body = Data<TopicGuide>),
        (status = 400, description = "The body breaks a rule (the text names the field and the rule)", body = ErrorBody),
        (status = 403, description = "The account's plan is below BUSINESS, the key is a READ_ONLY, INGEST or project \
            (`mbk_`) key, or the caller's IP is outside the key's list", body = ErrorBody,
            example = json!(error_example(&plan_too_low(), Surface::RateMind))),
        (status = 404, description = "No such survey in this account, or no such guide on it", body = ErrorBody,
            example = json!(error_example(&TOPIC_GUIDE_NOT_FOUND, Surface::RateMind))),
        (status = 409, description = "Another guide of the survey has the name (whatever its case)", body = ErrorBody,
            example = json!(error_example(&name_taken(), Surface::RateMind))),
    ))]
pub async fn update(app: &App, req: &Request) -> Result<Response<Body>> {
    let survey = survey(app, req, Action::ManageSurveys).await?;
    let changes = guide_changes_from_json(json_body(req)?)?;
    let guide = topic_guides::update(app, &survey, &path_param(req, "guideId")?, &changes).await?;
    Ok(data(StatusCode::OK, guide))
}

/// Delete a topic guide
///
/// Its topic leaves the survey's topics and responses at the re-derivation this starts (within a
/// minute); discovered topics may then cover what it did.
#[utoipa::path(delete, path = "/api/v1/surveys/{surveyId}/topic-guides/{guideId}", tag = "Topics",
    operation_id = "deleteTopicGuide",
    params(
        ("surveyId" = SurveyId, Path, description = "The survey's id"),
        ("guideId" = TopicGuideId, Path, description = "The guide's id"),
    ),
    responses(
        (status = 200, description = "Deleted", body = Data<Deleted<TopicGuideId>>),
        (status = 403, description = "The account's plan is below BUSINESS, the key is a READ_ONLY, INGEST or project \
            (`mbk_`) key, or the caller's IP is outside the key's list", body = ErrorBody,
            example = json!(error_example(&plan_too_low(), Surface::RateMind))),
        (status = 404, description = "No such survey in this account, or no such guide on it", body = ErrorBody,
            example = json!(error_example(&TOPIC_GUIDE_NOT_FOUND, Surface::RateMind))),
    ))]
pub async fn delete(app: &App, req: &Request) -> Result<Response<Body>> {
    let survey = survey(app, req, Action::ManageSurveys).await?;
    let raw = path_param(req, "guideId")?;
    topic_guides::delete(app, &survey, &raw).await?;
    Ok(deleted(raw))
}
