//! `GET /api/v1/surveys/{surveyId}/feedback`: a survey's responses, newest first, with every
//! answer; cursor pagination and the filters `since`, `maxRating` and `lowRated`.

use hearken::access::{authorize_owned, Addressed};
use hearken::http::{json, optional_query, path_param, query_number};
use hearken::ops::{surveys, SURVEY_NOT_FOUND};
use hearken::plans::Action;
use hearken::store::responses::ResponseFilters;
use hearken::surveys::ResponseView;
use hearken::time::Timestamp;
use hearken::{App, Error, Result};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;

/// A page of responses and the cursor of the next one (`null` on the last page).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Page {
    data: Vec<ResponseView>,
    next_cursor: Option<String>,
}

fn filters(req: &Request) -> Result<ResponseFilters> {
    let since_ms = match optional_query(req, "since") {
        None => None,
        Some(text) => Some(
            Timestamp::parse_bound(&text, false)
                .ok_or_else(|| {
                    Error::bad_request(
                        "Query parameter 'since' must be an ISO 8601 datetime, e.g. 2026-12-01T09:00:00Z",
                    )
                })?
                .unix_millis(),
        ),
    };
    let max_rating = match optional_query(req, "maxRating") {
        None => None,
        Some(_) => Some(query_number(req, "maxRating", 5, 1, 5)? as u8),
    };
    let low_rated = match optional_query(req, "lowRated").as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(Error::bad_request("Query parameter 'lowRated' must be true or false")),
    };
    Ok(ResponseFilters { since_ms, max_rating, low_rated })
}

pub async fn list(app: &App, req: &Request) -> Result<Response<Body>> {
    let raw = path_param(req, "surveyId")?;
    let (access, owned) = authorize_owned(app, req, Action::ReadSurveys, Addressed::Survey(&raw)).await?;
    let limit = query_number(req, "limit", 25, 1, 100)? as usize;
    let filters = filters(req)?;
    // The access check read the survey: only one the key may see has its partition read.
    let survey = owned.survey().ok_or(SURVEY_NOT_FOUND)?;
    let after = optional_query(req, "cursor");
    let (found, next_cursor) = surveys::responses(app, &access, &survey, &filters, limit, after.as_deref()).await?;
    let data = found.into_iter().map(|response| ResponseView::of(response, &survey.survey)).collect();
    Ok(json(StatusCode::OK, &Page { data, next_cursor }))
}
