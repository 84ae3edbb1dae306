//! `GET` and `POST /api/projects/{projectId}/feedback`, as the Miniback reference shows them.

use hearken::access::{authorize_owned, Addressed};
use hearken::feedback::{refusal_example, FeedbackSubmission, FeedbackView, NewFeedback, Status};
use hearken::http::{data, json_body, optional_query, path_param, Data, Page, Slice, SliceQuery, Surface};
use hearken::ids::ProjectId;
use hearken::openapi::{error_example, ErrorBody};
use hearken::ops::{feedback, PROJECT_NOT_FOUND};
use hearken::plans::Action;
use hearken::{App, Result};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;

/// Send feedback to a project
///
/// Stored with status `NEW` and source `API`. Open to every plan, FREE included, and to `INGEST`
/// keys; counts against the account's monthly calls.
#[utoipa::path(post, path = "/api/projects/{projectId}/feedback", tag = "Feedback", operation_id = "createFeedback",
    params(("projectId" = ProjectId, Path, description = "The project's id")),
    request_body = FeedbackSubmission,
    responses(
        (status = 201, description = "The stored feedback", body = Data<FeedbackView>),
        (status = 400, description = "The body breaks a rule (or is not JSON); the text names it", body = ErrorBody,
            examples(
                ("Message" = (value = json!(refusal_example(NewFeedback::from_json(json!({})), Surface::Miniback)))),
                ("Long message" = (value = json!(refusal_example(
                    NewFeedback::from_json(json!({"message": "x".repeat(10_001)})), Surface::Miniback)))),
                ("Context" = (value = json!(refusal_example(
                    NewFeedback::from_json(json!({"message": "m", "context": "x"})), Surface::Miniback)))),
            )),
        (status = 404, description = "No such project in this account", body = ErrorBody,
            example = json!(error_example(&PROJECT_NOT_FOUND, Surface::Miniback))),
    ))]
pub async fn create(app: &App, req: &Request) -> Result<Response<Body>> {
    let raw = path_param(req, "projectId")?;
    // One transaction: the key's checks, the quota and the write; the project enters it only once
    // proven the caller's (kept from an earlier read, or read first), so no other account's project
    // is ever written to.
    let parse = || NewFeedback::from_json(json_body(req)?);
    let created = feedback::submit_with_key(app, req, &raw, parse).await?;
    Ok(data(StatusCode::CREATED, created))
}

/// List a project's feedback
///
/// Newest first. Each item's `context` carries `timestamp`: the sender's own when it gave one,
/// else when the feedback was received.
#[utoipa::path(get, path = "/api/projects/{projectId}/feedback", tag = "Feedback", operation_id = "listProjectFeedback",
    params(
        ("projectId" = ProjectId, Path, description = "The project's id"),
        ("status" = inline(Option<Status>), Query, description = "Only feedback with this status"),
        SliceQuery,
    ),
    responses(
        (status = 200, description = "A slice of the project's feedback", body = Page<FeedbackView>),
        (status = 400, description = "A query parameter is malformed; the text names it", body = ErrorBody,
            example = json!(refusal_example(Status::parse("DONE"), Surface::Miniback))),
        (status = 404, description = "No such project in this account", body = ErrorBody,
            example = json!(error_example(&PROJECT_NOT_FOUND, Surface::Miniback))),
    ))]
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
