//! Survey analytics and topics: `GET /api/v1/surveys/{surveyId}/analytics` and `/topics`.
//! Finished days come from their nightly rollups, the rest (today, and any day not rolled up yet)
//! is counted live, so the answer is never a day stale and costs O(days), not O(responses).

use hearken::access::{authorize, Need};
use hearken::analytics::{AnalyticsView, DateRange, TopicView};
use hearken::http::{data, optional_query, path_param, query_number, route_key, serve};
use hearken::ids::SurveyId;
use hearken::plans::Action;
use hearken::store::{rollups, surveys};
use hearken::time::Timestamp;
use hearken::{App, Error, Result};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};

const ANALYTICS: &str = "GET /api/v1/surveys/{surveyId}/analytics";
const TOPICS: &str = "GET /api/v1/surveys/{surveyId}/topics";

/// The routes of template.yaml this function serves.
pub const ROUTES: &[&str] = &[ANALYTICS, TOPICS];

const SURVEY_NOT_FOUND: Error = Error::NotFound("Survey not found");

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

/// The caller's survey and the days of the requested range. The survey and the range's day items
/// are read in one round; the range is shown only if the survey is the caller's.
async fn survey_days(
    app: &App,
    req: &Request,
) -> Result<(DateRange, std::collections::HashMap<chrono::NaiveDate, hearken::analytics::DayRollup>)> {
    let access = authorize(app, req, Need { action: Action::ReadSurveys, project: None }).await?;
    let range = DateRange::from_query(
        optional_query(req, "from").as_deref(),
        optional_query(req, "to").as_deref(),
        Timestamp::now().date(),
    )?;
    let id = SurveyId::parse(&path_param(req, "surveyId")?).ok_or(SURVEY_NOT_FOUND)?;
    let (survey, days) =
        tokio::join!(surveys::find(app, &access.account.id, &id), rollups::range_totals(app, &id, range));
    survey?.ok_or(SURVEY_NOT_FOUND)?;
    Ok((range, days?))
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
