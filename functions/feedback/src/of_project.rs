//! `GET` and `POST /api/projects/{projectId}/feedback`, as the Miniback reference shows them.

use hearken::access::{authorize_owned, Addressed};
use hearken::feedback::{NewFeedback, Source, Status};
use hearken::http::{data, json_body, optional_query, path_param, Slice};
use hearken::ops::{feedback, PROJECT_NOT_FOUND};
use hearken::plans::Action;
use hearken::{App, Result};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};

pub async fn create(app: &App, req: &Request) -> Result<Response<Body>> {
    let raw = path_param(req, "projectId")?;
    // The project is read beside the quota: only the caller's is ever written to.
    let (access, owned) = authorize_owned(app, req, Action::SubmitFeedback, Addressed::Project(&raw)).await?;
    let (project, _) = owned.project().ok_or(PROJECT_NOT_FOUND)?;
    let input = NewFeedback::from_json(json_body(req)?)?;
    let created = feedback::submit(app, &access.account.id, &project.id, input, Source::Api).await?;
    Ok(data(StatusCode::CREATED, created))
}

pub async fn list(app: &App, req: &Request) -> Result<Response<Body>> {
    let raw = path_param(req, "projectId")?;
    let (_, owned) = authorize_owned(app, req, Action::Read, Addressed::Project(&raw)).await?;
    let status = optional_query(req, "status").map(|s| Status::parse(&s)).transpose()?;
    let slice = Slice::of(req)?;
    // The access check read the project (ownership and totals); only the caller's is paged.
    let (project, counters) = owned.project().ok_or(PROJECT_NOT_FOUND)?;
    let (page, total) = feedback::list_of_project(app, &project, &counters, status, slice).await?;
    Ok(slice.page(page, total))
}
