//! Miniback projects (`/api/projects`, `/api/projects/{projectId}`) and a project's API key
//! (`/api/projects/{projectId}/api-key`). Thin: parse, call the library, shape the response.

mod api_key;

use hearken::access::{authorize, authorize_owned, Access, Addressed, Need};
use hearken::http::{
    data, deleted, json_body, path_param, route_key, serve, Data, Deleted, Page, Slice, SliceQuery, Surface,
};
use hearken::ids::ProjectId;
use hearken::openapi::{error_example, ErrorBody};
use hearken::ops::{projects, PROJECT_NOT_FOUND};
use hearken::plans::Action;
use hearken::projects::{NewProject, ProjectChanges, ProjectInput, ProjectView};
use hearken::store::projects::Project;
use hearken::{App, Error, Result};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};

const LIST: &str = "GET /api/projects";
const CREATE: &str = "POST /api/projects";
const GET: &str = "GET /api/projects/{projectId}";
const UPDATE: &str = "PUT /api/projects/{projectId}";
const DELETE: &str = "DELETE /api/projects/{projectId}";
const KEY_GET: &str = "GET /api/projects/{projectId}/api-key";
const KEY_CREATE: &str = "POST /api/projects/{projectId}/api-key";

/// The routes of template.yaml this function serves.
pub const ROUTES: &[&str] = &[LIST, CREATE, GET, UPDATE, DELETE, KEY_GET, KEY_CREATE];

/// This function's routes in the OpenAPI document (the docs function merges every function's).
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, create, get, update, delete, api_key::get, api_key::create))]
pub struct ApiDoc;

/// Handles one API Gateway request.
pub async fn handle(app: &App, req: Request) -> Response<Body> {
    serve(req, |req| async move {
        match route_key(&req) {
            Some(LIST) => list(app, &req).await,
            Some(CREATE) => create(app, &req).await,
            Some(GET) => get(app, &req).await,
            Some(UPDATE) => update(app, &req).await,
            Some(DELETE) => delete(app, &req).await,
            Some(KEY_GET) => api_key::get(app, &req).await,
            Some(KEY_CREATE) => api_key::create(app, &req).await,
            _ => Err(Error::NoRoute),
        }
    })
    .await
}

/// Authorises `action` on the project in the path and reads it in the same round (the read is
/// the ownership proof: a foreign project answers as an unknown one).
async fn addressed(app: &App, req: &Request, action: Action, removal: bool) -> Result<(Access, Project)> {
    let raw = path_param(req, "projectId")?;
    let addressed = if removal { Addressed::ProjectForRemoval(&raw) } else { Addressed::Project(&raw) };
    let (access, owned) = authorize_owned(app, req, action, addressed).await?;
    let (project, _) = owned.project().ok_or(PROJECT_NOT_FOUND)?;
    Ok((access, project))
}

/// List projects
///
/// The account's projects the key may see, oldest first.
#[utoipa::path(get, path = "/api/projects", tag = "Projects", operation_id = "listProjects",
    params(SliceQuery),
    responses((status = 200, description = "A slice of the projects", body = Page<ProjectView>)))]
async fn list(app: &App, req: &Request) -> Result<Response<Body>> {
    let access = authorize(app, req, Need { action: Action::Read, project: None }).await?;
    let slice = Slice::of(req)?;
    let (page, total) = projects::list(app, &access, slice).await?;
    Ok(slice.page(page, total))
}

/// Create a project
///
/// Needs a key without a project limit; the plan caps how many projects an account has.
#[utoipa::path(post, path = "/api/projects", tag = "Projects", operation_id = "createProject",
    request_body = NewProject,
    responses(
        (status = 201, description = "The new project", body = Data<ProjectView>),
        (status = 403, description = "The plan's project limit is reached, or the key is limited to some projects",
            body = ErrorBody, example = json!(error_example(&Error::ProjectLimit, Surface::Miniback))),
        (status = 409, description = "The slug is taken in this account", body = ErrorBody),
    ))]
async fn create(app: &App, req: &Request) -> Result<Response<Body>> {
    let access = authorize(app, req, Need { action: Action::Write, project: None }).await?;
    let input = || ProjectInput::from_json(json_body(req)?);
    Ok(data(StatusCode::CREATED, projects::create(app, &access, input).await?))
}

/// Get a project
#[utoipa::path(get, path = "/api/projects/{projectId}", tag = "Projects", operation_id = "getProject",
    params(("projectId" = ProjectId, Path, description = "The project's id")),
    responses(
        (status = 200, description = "The project", body = Data<ProjectView>),
        (status = 404, description = "No such project in this account", body = ErrorBody,
            example = json!(error_example(&PROJECT_NOT_FOUND, Surface::Miniback))),
    ))]
async fn get(app: &App, req: &Request) -> Result<Response<Body>> {
    let (_, project) = addressed(app, req, Action::Read, false).await?;
    Ok(data(StatusCode::OK, ProjectView::from(&project)))
}

/// Update a project
///
/// Only the fields given change.
#[utoipa::path(put, path = "/api/projects/{projectId}", tag = "Projects", operation_id = "updateProject",
    params(("projectId" = ProjectId, Path, description = "The project's id")),
    request_body = ProjectChanges,
    responses(
        (status = 200, description = "The project as changed", body = Data<ProjectView>),
        (status = 404, description = "No such project in this account", body = ErrorBody,
            example = json!(error_example(&PROJECT_NOT_FOUND, Surface::Miniback))),
        (status = 409, description = "The slug is taken, or the project changed meanwhile", body = ErrorBody),
    ))]
async fn update(app: &App, req: &Request) -> Result<Response<Body>> {
    let (access, project) = addressed(app, req, Action::Write, false).await?;
    let input = ProjectInput::from_json(json_body(req)?)?;
    Ok(data(StatusCode::OK, projects::update(app, &access, project, &input).await?))
}

/// Delete a project
///
/// Its feedback and its key go with it (the feedback in the background).
#[utoipa::path(delete, path = "/api/projects/{projectId}", tag = "Projects", operation_id = "deleteProject",
    params(("projectId" = ProjectId, Path, description = "The project's id")),
    responses(
        (status = 200, description = "Deleted", body = Data<Deleted<ProjectId>>),
        (status = 404, description = "No such project in this account", body = ErrorBody,
            example = json!(error_example(&PROJECT_NOT_FOUND, Surface::Miniback))),
    ))]
async fn delete(app: &App, req: &Request) -> Result<Response<Body>> {
    // Only the caller's project is ever written to (its conditions still guard against races).
    let (access, project) = addressed(app, req, Action::Write, true).await?;
    Ok(deleted(projects::remove(app, &access, &project).await?))
}
