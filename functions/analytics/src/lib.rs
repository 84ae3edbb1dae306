//! Survey analytics and topics: `GET /api/v1/surveys/{surveyId}/analytics` and `/topics`.
//! Finished days come from their nightly rollups, the rest (today, and any day not rolled up yet)
//! is counted live, so the answer is never a day stale and costs O(days), not O(responses).

use hearken::access::{authorize_owned, Addressed};
use hearken::analytics::{AnalyticsView, DateRange, TopicView};
use hearken::http::{data, optional_query, path_param, query_number, route_key, serve};
use hearken::plans::Action;
use hearken::store::survey_days;
use hearken::time::Timestamp;
use hearken::{App, Error, Result};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};

const ANALYTICS: &str = "GET /api/v1/surveys/{surveyId}/analytics";
const TOPICS: &str = "GET /api/v1/surveys/{surveyId}/topics";

/// The routes of template.yaml this function serves.
pub const ROUTES: &[&str] = &[ANALYTICS, TOPICS];

const SURVEY_NOT_FOUND: Error = Error::NotFound("Survey not found");

/// This function's routes in the OpenAPI document (the docs function merges every function's).
#[derive(utoipa::OpenApi)]
#[openapi(paths())]
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

async fn analytics(app: &App, req: &Request) -> Result<Response<Body>> {
    let (range, days) = survey_days(app, req).await?;
    Ok(data(StatusCode::OK, AnalyticsView::of(range, &days)))
}

async fn topics(app: &App, req: &Request) -> Result<Response<Body>> {
    let (range, days) = survey_days(app, req).await?;
    let limit = query_number(req, "limit", 20, 1, 100)? as usize;
    Ok(data(StatusCode::OK, TopicView::top(range, &days, limit)))
}
