//! Survey analytics and topics: `GET /api/v1/surveys/{surveyId}/analytics` and `/topics`.
//! Finished days come from their nightly rollups, the rest (today, and any day not rolled up yet)
//! is counted live, so the answer is never a day stale and costs O(days), not O(responses).

use hearken::access::{authorize_owned, Addressed};
use hearken::analytics::{AnalyticsView, DateRange, RangeQuery, TopicView};
use hearken::http::{data, optional_query, path_param, query_number, route_key, serve, Data, Surface};
use hearken::ids::SurveyId;
use hearken::openapi::{error_example, ErrorBody};
use hearken::plans::{Action, Plan};
use hearken::store::survey_days;
use hearken::time::Timestamp;
use hearken::{App, Error, Result};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use utoipa::IntoParams;

const ANALYTICS: &str = "GET /api/v1/surveys/{surveyId}/analytics";
const TOPICS: &str = "GET /api/v1/surveys/{surveyId}/topics";

/// The routes of template.yaml this function serves.
pub const ROUTES: &[&str] = &[ANALYTICS, TOPICS];

const SURVEY_NOT_FOUND: Error = Error::NotFound("Survey not found");

/// This function's routes in the OpenAPI document (the docs function merges every function's).
#[derive(utoipa::OpenApi)]
#[openapi(paths(analytics, topics))]
pub struct ApiDoc;

/// Handles one API Gateway request.
pub async fn handle(app: &App, req: Request) -> Response<Body> {
    serve(req, |req| async move {
        match route_key(&req) {
            Some(ANALYTICS) => analytics(app, &req).await,
            Some(TOPICS) => topics(app, &req).await,
            _ => Err(Error::NoRoute),
        }
    })
    .await
}

/// The caller's survey and the days of the requested range. The access check reads the survey;
/// the range's day items are read only when the key may see it.
async fn survey_days(
    app: &App,
    req: &Request,
) -> Result<(DateRange, std::collections::HashMap<chrono::NaiveDate, hearken::analytics::DayRollup>)> {
    let raw = path_param(req, "surveyId")?;
    let (_, owned) = authorize_owned(app, req, Action::ReadSurveys, Addressed::Survey(&raw)).await?;
    let range = DateRange::from_query(
        optional_query(req, "from").as_deref(),
        optional_query(req, "to").as_deref(),
        Timestamp::now().date(),
    )?;
    let survey = owned.survey().ok_or(SURVEY_NOT_FOUND)?;
    let days = survey_days::range_totals(app, &survey.survey.id, range).await?;
    Ok((range, days))
}

/// The 403 of a plan below BUSINESS, as the access check words it (for the document).
fn plan_too_low() -> Error {
    Error::PlanTooLow { needed: Plan::cheapest_allowing(Action::ReadSurveys), current: Plan::Pro }
}

/// The 400 of a range that runs backwards, as the parser words it (for the document).
fn backwards_range() -> Error {
    let today = Timestamp::now().date();
    DateRange::from_query(Some("2026-11-30"), Some("2026-11-01"), today).expect_err("a backwards range is refused")
}

/// Survey analytics
///
/// Over a range of UTC days: the response count, completions and completion rate, the average
/// rating, low-rated responses, the rating distribution and a daily trend. Finished days come
/// from their nightly rollups, the rest is counted live, so the answer is never a day stale.
#[utoipa::path(get, path = "/api/v1/surveys/{surveyId}/analytics", tag = "Analytics", operation_id = "getSurveyAnalytics",
    params(("surveyId" = SurveyId, Path, description = "The survey's id"), RangeQuery),
    responses(
        (status = 200, description = "The survey's analytics over the range", body = Data<AnalyticsView>),
        (status = 400, description = "A malformed `from` or `to` (or outside the years 2000 to 9999), `from` after `to`, \
            or a range over 366 days", body = ErrorBody,
            example = json!(error_example(&backwards_range(), Surface::RateMind))),
        (status = 403, description = "The account's plan is below BUSINESS, the key is an INGEST or a project (`mbk_`) key, \
            or the caller's IP is outside the key's list", body = ErrorBody,
            example = json!(error_example(&plan_too_low(), Surface::RateMind))),
        (status = 404, description = "No such survey in this account, or it is filed to a project the key may not address",
            body = ErrorBody, example = json!(error_example(&SURVEY_NOT_FOUND, Surface::RateMind))),
    ))]
async fn analytics(app: &App, req: &Request) -> Result<Response<Body>> {
    let (range, days) = survey_days(app, req).await?;
    Ok(data(StatusCode::OK, AnalyticsView::of(range, &days)))
}

/// `limit` of `/topics` when none is given, and the most it may be.
const TOPICS_DEFAULT: u64 = 20;
const TOPICS_MAX: u64 = 100;
// The query document (`#[param]` takes literals only) must stay what the route reads.
const _: () = assert!(TOPICS_DEFAULT == 20 && TOPICS_MAX == 100);

/// The query of `/topics` beside its range, as documented (read by [`topics`]).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct TopicsQuery {
    /// The most topics answered.
    #[param(minimum = 1, maximum = 100, default = 20)]
    limit: Option<u64>,
}

/// Survey topics
///
/// What the range's responses talk about: each topic with the responses that mention it, their
/// average rating and their share of the range's responses, most mentioned first (then by name).
#[utoipa::path(get, path = "/api/v1/surveys/{surveyId}/topics", tag = "Analytics", operation_id = "listSurveyTopics",
    params(("surveyId" = SurveyId, Path, description = "The survey's id"), RangeQuery, TopicsQuery),
    responses(
        (status = 200, description = "The range's topics", body = Data<Vec<TopicView>>),
        (status = 400, description = "A malformed `from`, `to` or `limit`, `from` after `to`, or a range over 366 days",
            body = ErrorBody, example = json!(error_example(&backwards_range(), Surface::RateMind))),
        (status = 403, description = "The account's plan is below BUSINESS, the key is an INGEST or a project (`mbk_`) key, \
            or the caller's IP is outside the key's list", body = ErrorBody,
            example = json!(error_example(&plan_too_low(), Surface::RateMind))),
        (status = 404, description = "No such survey in this account, or it is filed to a project the key may not address",
            body = ErrorBody, example = json!(error_example(&SURVEY_NOT_FOUND, Surface::RateMind))),
    ))]
async fn topics(app: &App, req: &Request) -> Result<Response<Body>> {
    let (range, days) = survey_days(app, req).await?;
    let limit = query_number(req, "limit", TOPICS_DEFAULT, 1, TOPICS_MAX)? as usize;
    Ok(data(StatusCode::OK, TopicView::top(range, &days, limit)))
}
