//! The RateMind surveys API: `/api/v1/surveys`, `/api/v1/surveys/{surveyId}` and the survey's
//! responses, `/api/v1/surveys/{surveyId}/feedback`. BUSINESS plan, account keys. Thin: parse,
//! call the library, shape the response.

mod responses;
mod surveys;

use hearken::http::{route_key, serve};
use hearken::{App, Error};
use lambda_http::{Body, Request, Response};

const LIST: &str = "GET /api/v1/surveys";
const CREATE: &str = "POST /api/v1/surveys";
const GET: &str = "GET /api/v1/surveys/{surveyId}";
const UPDATE: &str = "PATCH /api/v1/surveys/{surveyId}";
const RESPONSES: &str = "GET /api/v1/surveys/{surveyId}/feedback";

/// The routes of template.yaml this function serves.
pub const ROUTES: &[&str] = &[LIST, CREATE, GET, UPDATE, RESPONSES];

/// This function's routes in the OpenAPI document (the docs function merges every function's).
#[derive(utoipa::OpenApi)]
#[openapi(paths())]
pub struct ApiDoc;

/// Handles one API Gateway request.
pub async fn handle(app: &App, req: Request) -> Response<Body> {
    serve(req, |req| async move {
        match route_key(&req) {
            Some(LIST) => surveys::list(app, &req).await,
            Some(CREATE) => surveys::create(app, &req).await,
            Some(GET) => surveys::get(app, &req).await,
            Some(UPDATE) => surveys::update(app, &req).await,
            Some(RESPONSES) => responses::list(app, &req).await,
            _ => Err(Error::NoRoute),
        }
    })
    .await
}
