//! `GET /api/v1/surveys/{surveyId}/feedback`: a survey's responses, newest first, with every
//! answer; cursor pagination and the filters `since`, `maxRating`, `lowRated` and `ref`.

use super::{plan_too_low, PAGE_DEFAULT, PAGE_MAX};
use hearken::access::{authorize_owned, Addressed};
use hearken::analytics::DateOrDateTime;
use hearken::http::{json, optional_query, path_param, query_number, Surface};
use hearken::ids::SurveyId;
use hearken::openapi::{error_example, ErrorBody};
use hearken::ops::{surveys, SURVEY_NOT_FOUND};
use hearken::plans::Action;
use hearken::store::responses::ResponseFilters;
use hearken::surveys::{RespondentRef, ResponseView, REF_RULE};
use hearken::time::Timestamp;
use hearken::{App, Error, Result};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

/// A page of responses and the cursor of the next one (`null` on the last page).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ResponsePage {
    /// Newest first.
    data: Vec<ResponseView>,
    /// The `cursor` of the next page; `null` on the last page.
    #[schema(required = true)]
    next_cursor: Option<String>,
}

/// The query of `GET /api/v1/surveys/{surveyId}/feedback`, as documented (read by [`list`] and
/// [`filters`]).
#[derive(IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
#[allow(dead_code)]
pub(crate) struct ResponseQuery {
    /// Responses per page.
    #[param(minimum = 1, maximum = 100, default = 25)]
    limit: Option<u64>,
    /// Where the page starts: the `nextCursor` of the page before, with the same filters (a
    /// tampered or foreign cursor, or one of other filters, is a 400).
    cursor: Option<String>,
    /// Only responses created at or after this instant (a date: from its first millisecond, UTC).
    #[param(value_type = Option<DateOrDateTime>, inline)]
    since: Option<String>,
    /// Only responses rated at most this; unrated responses are left out.
    #[param(minimum = 1, maximum = 5)]
    max_rating: Option<u8>,
    /// `true`: only low-rated responses (rated below the survey's threshold when they came);
    /// `false`: no filter.
    #[param(default = false)]
    low_rated: Option<bool>,
    /// Only the responses of this respondent reference (the `ref` of the survey link they came
    /// from): exactly equal, case and all.
    #[param(rename = "ref", value_type = Option<RespondentRef>)]
    reference: Option<String>,
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
    let respondent = match optional_query(req, "ref") {
        None => None,
        Some(text) => Some(
            RespondentRef::parse(&text)
                .ok_or_else(|| Error::bad_request(format!("Query parameter 'ref' must be {REF_RULE}")))?,
        ),
    };
    Ok(ResponseFilters { since_ms, max_rating, low_rated, respondent })
}

/// List a survey's responses
///
/// Newest first, with every answer (in question order, unanswered questions left out), a page at
/// a time.
#[utoipa::path(get, path = "/api/v1/surveys/{surveyId}/feedback", tag = "Surveys", operation_id = "listSurveyResponses",
    params(("surveyId" = SurveyId, Path, description = "The survey's id"), ResponseQuery),
    responses(
        (status = 200, description = "A page of responses", body = ResponsePage),
        (status = 403, description = "The account's plan is below BUSINESS, the key is an INGEST or a project (`mbk_`) key, \
            or the caller's IP is outside the key's list", body = ErrorBody,
            example = json!(error_example(&plan_too_low(), Surface::RateMind))),
        (status = 404, description = "No such survey in this account, or it is filed to a project the key may not address",
            body = ErrorBody, example = json!(error_example(&SURVEY_NOT_FOUND, Surface::RateMind))),
    ))]
pub async fn list(app: &App, req: &Request) -> Result<Response<Body>> {
    let raw = path_param(req, "surveyId")?;
    let (access, owned) = authorize_owned(app, req, Action::ReadSurveys, Addressed::Survey(&raw)).await?;
    let limit = query_number(req, "limit", PAGE_DEFAULT, 1, PAGE_MAX)? as usize;
    let filters = filters(req)?;
    // The access check read the survey: only one the key may see has its partition read.
    let survey = owned.survey().ok_or(SURVEY_NOT_FOUND)?;
    let after = optional_query(req, "cursor");
    let (found, next_cursor) = surveys::responses(app, &access, &survey, &filters, limit, after.as_deref()).await?;
    let data = found.into_iter().map(|response| ResponseView::of(response, &survey.survey)).collect();
    Ok(json(StatusCode::OK, &ResponsePage { data, next_cursor }))
}
