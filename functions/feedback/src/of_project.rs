//! `GET` and `POST /api/projects/{projectId}/feedback`, as the Miniback reference shows them.

use super::PROJECT_NOT_FOUND;
use hearken::access::{authorize_owned, Addressed};
use hearken::feedback::{NewFeedback, Source, Status};
use hearken::http::{data, json_body, optional_query, path_param, Slice};
use hearken::plans::Action;
use hearken::store::counters::total;
use hearken::store::feedback::{self as stored, FeedbackItem};
use hearken::{App, Result};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};

pub async fn create(app: &App, req: &Request) -> Result<Response<Body>> {
    let raw = path_param(req, "projectId")?;
    // The project is read beside the quota: only the caller's is ever written to (the write's
    // condition still guards against a project deleted meanwhile).
    let (access, owned) = authorize_owned(app, req, Action::SubmitFeedback, Addressed::Project(&raw)).await?;
    let (project, _) = owned.project().ok_or(PROJECT_NOT_FOUND)?;
    let project = project.id;
    let input = NewFeedback::from_json(json_body(req)?)?;
    let item = FeedbackItem::new(&access.account.id, &project, input, Source::Api);
    stored::create(app, &item).await?.ok_or(PROJECT_NOT_FOUND)?;
    Ok(data(StatusCode::CREATED, &item.view))
}

pub async fn list(app: &App, req: &Request) -> Result<Response<Body>> {
    let raw = path_param(req, "projectId")?;
    let (_, owned) = authorize_owned(app, req, Action::Read, Addressed::Project(&raw)).await?;
    let status = optional_query(req, "status").map(|s| Status::parse(&s)).transpose()?;
    let slice = Slice::of(req)?;

    // The access check read the project (ownership and totals); only the caller's is paged.
    let (project, item) = owned.project().ok_or(PROJECT_NOT_FOUND)?;
    let mut page = stored::list_for_project(app, &project.id, status, slice.offset, slice.limit).await?;
    // The reference's list shows `context.timestamp`: when the sender gave none, it is when the
    // feedback was received.
    for feedback in &mut page {
        let received = feedback.created_at.to_iso();
        feedback.context.get_or_insert_with(Default::default).entry("timestamp").or_insert(received.into());
    }
    let total = total(&item, status, None);
    Ok(slice.page(page, total))
}
