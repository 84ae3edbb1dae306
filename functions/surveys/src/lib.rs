//! The RateMind surveys API: `/api/v1/surveys`, `/api/v1/surveys/{surveyId}`, the survey's
//! responses, `/api/v1/surveys/{surveyId}/feedback`, and its topic guides,
//! `/api/v1/surveys/{surveyId}/topic-guides`. BUSINESS plan, account keys. Thin: parse, call the
//! library, shape the response.

mod responses;
mod surveys;
mod topic_guides;

use hearken::http::{route_key, serve};
use hearken::plans::{Action, Plan};
use hearken::{App, Error};
use lambda_http::{Body, Request, Response};

const LIST: &str = "GET /api/v1/surveys";
const CREATE: &str = "POST /api/v1/surveys";
const GET: &str = "GET /api/v1/surveys/{surveyId}";
const UPDATE: &str = "PATCH /api/v1/surveys/{surveyId}";
const RESPONSES: &str = "GET /api/v1/surveys/{surveyId}/feedback";
const GUIDES: &str = "GET /api/v1/surveys/{surveyId}/topic-guides";
const GUIDE_CREATE: &str = "POST /api/v1/surveys/{surveyId}/topic-guides";
const GUIDE: &str = "GET /api/v1/surveys/{surveyId}/topic-guides/{guideId}";
const GUIDE_UPDATE: &str = "PATCH /api/v1/surveys/{surveyId}/topic-guides/{guideId}";
const GUIDE_DELETE: &str = "DELETE /api/v1/surveys/{surveyId}/topic-guides/{guideId}";

/// The routes of template.yaml this function serves.
pub const ROUTES: &[&str] =
    &[LIST, CREATE, GET, UPDATE, RESPONSES, GUIDES, GUIDE_CREATE, GUIDE, GUIDE_UPDATE, GUIDE_DELETE];

/// This function's routes in the OpenAPI document (the docs function merges every function's).
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    surveys::list,
    surveys::create,
    surveys::get,
    surveys::update,
    responses::list,
    topic_guides::list,
    topic_guides::create,
    topic_guides::get,
    topic_guides::update,
    topic_guides::delete,
))]
pub struct ApiDoc;

/// A page of a list: `limit` when none is given, and the most one page holds.
const PAGE_DEFAULT: u64 = 25;
const PAGE_MAX: u64 = 100;
// The query documents (`#[param]` takes literals only) must stay what the routes read.
const _: () = assert!(PAGE_DEFAULT == 25 && PAGE_MAX == 100);

/// The 403 of any surveys route on a plan below BUSINESS, as the access check words it.
fn plan_too_low() -> Error {
    Error::PlanTooLow { needed: Plan::cheapest_allowing(Action::ReadSurveys), current: Plan::Pro }
}

/// Handles one API Gateway request.
pub async fn handle(app: &App, req: Request) -> Response<Body> {
    serve(req, |req| async move {
        match route_key(&req) {
            Some(LIST) => surveys::list(app, &req).await,
            Some(CREATE) => surveys::create(app, &req).await,
            Some(GET) => surveys::get(app, &req).await,
            Some(UPDATE) => surveys::update(app, &req).await,
            Some(RESPONSES) => responses::list(app, &req).await,
            Some(GUIDES) => topic_guides::list(app, &req).await,
            Some(GUIDE_CREATE) => topic_guides::create(app, &req).await,
            Some(GUIDE) => topic_guides::get(app, &req).await,
            Some(GUIDE_UPDATE) => topic_guides::update(app, &req).await,
            Some(GUIDE_DELETE) => topic_guides::delete(app, &req).await,
            _ => Err(Error::NoRoute),
        }
    })
    .await
}
