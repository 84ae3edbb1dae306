//! Miniback feedback: a project's feedback (`/api/projects/{projectId}/feedback`) and feedback
//! across projects (`/api/feedback`, `/api/feedback/{id}`). Thin: parse, call the library, shape.

mod by_id;
mod list_all;
mod of_project;

use hearken::http::{route_key, serve};
use hearken::{App, Error};
use lambda_http::{Body, Request, Response};

const PROJECT_LIST: &str = "GET /api/projects/{projectId}/feedback";
const PROJECT_CREATE: &str = "POST /api/projects/{projectId}/feedback";
const LIST: &str = "GET /api/feedback";
const GET: &str = "GET /api/feedback/{id}";
const UPDATE: &str = "PUT /api/feedback/{id}";
const DELETE: &str = "DELETE /api/feedback/{id}";

/// The routes of template.yaml this function serves.
pub const ROUTES: &[&str] = &[PROJECT_LIST, PROJECT_CREATE, LIST, GET, UPDATE, DELETE];

/// This function's routes in the OpenAPI document (the docs function merges every function's).
#[derive(utoipa::OpenApi)]
#[openapi(paths(of_project::list, of_project::create, list_all::list, by_id::get, by_id::update, by_id::delete))]
pub struct ApiDoc;

/// Handles one API Gateway request.
pub async fn handle(app: &App, req: Request) -> Response<Body> {
    serve(req, |req| async move {
        match route_key(&req) {
            Some(PROJECT_LIST) => of_project::list(app, &req).await,
            Some(PROJECT_CREATE) => of_project::create(app, &req).await,
            Some(LIST) => list_all::list(app, &req).await,
            Some(GET) => by_id::get(app, &req).await,
            Some(UPDATE) => by_id::update(app, &req).await,
            Some(DELETE) => by_id::delete(app, &req).await,
            _ => Err(Error::NoRoute),
        }
    })
    .await
}
