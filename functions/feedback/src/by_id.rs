//! `GET`, `PUT` and `DELETE /api/feedback/{id}`.

use hearken::access::{authorize, Need};
use hearken::feedback::{refusal_example, status_from_json, FeedbackView, StatusChange};
use hearken::http::{data, deleted, json_body, path_param, Data, Deleted, Surface};
use hearken::ids::FeedbackId;
use hearken::openapi::{error_example, ErrorBody};
use hearken::ops::feedback::{self, WithProject};
use hearken::ops::FEEDBACK_NOT_FOUND;
use hearken::plans::Action;
use hearken::{App, Result};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;

/// Get one piece of feedback
///
/// With the project it belongs to.
#[utoipa::path(get, path = "/api/feedback/{id}", tag = "Feedback", operation_id = "getFeedback",
    params(("id" = FeedbackId, Path, description = "The feedback's id")),
    responses(
        (status = 200, description = "The feedback and its project", body = Data<WithProject>),
        (status = 404, description = "No such feedback in this account (or outside the key's projects)",
            body = ErrorBody, example = json!(error_example(&FEEDBACK_NOT_FOUND, Surface::Miniback))),
    ))]
pub async fn get(app: &App, req: &Request) -> Result<Response<Body>> {
    let access = authorize(app, req, Need { action: Action::Read, project: None }).await?;
    let found = feedback::read(app, &access, &path_param(req, "id")?).await?;
    Ok(data(StatusCode::OK, found))
}

/// Change the status of feedback
///
/// `updatedAt` moves, and so do the project's and the account's counts per status.
#[utoipa::path(put, path = "/api/feedback/{id}", tag = "Feedback", operation_id = "updateFeedback",
    params(("id" = FeedbackId, Path, description = "The feedback's id")),
    request_body = StatusChange,
    responses(
        (status = 200, description = "The feedback as changed", body = Data<FeedbackView>),
        (status = 400, description = "The body has no valid status (or is not JSON)", body = ErrorBody,
            examples(
                ("Missing" = (value = json!(refusal_example(status_from_json(json!({})), Surface::Miniback)))),
                ("Invalid" = (value = json!(refusal_example(
                    status_from_json(json!({"status": "DONE"})), Surface::Miniback)))),
            )),
        (status = 404, description = "No such feedback in this account (or outside the key's projects)",
            body = ErrorBody, example = json!(error_example(&FEEDBACK_NOT_FOUND, Surface::Miniback))),
        (status = 409, description = "The feedback kept changing meanwhile; retry", body = ErrorBody),
    ))]
pub async fn update(app: &App, req: &Request) -> Result<Response<Body>> {
    let access = authorize(app, req, Need { action: Action::Write, project: None }).await?;
    let status = status_from_json(json_body(req)?)?;
    let updated = feedback::change_status(app, &access, &path_param(req, "id")?, status).await?;
    Ok(data(StatusCode::OK, updated))
}

/// Delete feedback
///
/// It leaves the project's and the account's counts.
#[utoipa::path(delete, path = "/api/feedback/{id}", tag = "Feedback", operation_id = "deleteFeedback",
    params(("id" = FeedbackId, Path, description = "The feedback's id")),
    responses(
        (status = 200, description = "Deleted", body = Data<Deleted<FeedbackId>>),
        (status = 404, description = "No such feedback in this account (or outside the key's projects)",
            body = ErrorBody, example = json!(error_example(&FEEDBACK_NOT_FOUND, Surface::Miniback))),
        (status = 409, description = "The feedback kept changing meanwhile; retry", body = ErrorBody),
    ))]
pub async fn delete(app: &App, req: &Request) -> Result<Response<Body>> {
    let access = authorize(app, req, Need { action: Action::Write, project: None }).await?;
    let id = feedback::remove(app, &access, &path_param(req, "id")?).await?;
    Ok(deleted(id))
}
