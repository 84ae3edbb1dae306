//! `GET` and `POST /api/projects/{projectId}/feedback`, as the Miniback reference shows them.

use super::PROJECT_NOT_FOUND;
use hearken::access::{authorize, authorize_owned, Addressed, Need};
use hearken::feedback::{NewFeedback, Source, Status};
use hearken::http::{data, json_body, optional_query, path_param, Slice};
use hearken::ids::ProjectId;
use hearken::plans::Action;
use hearken::store::counters::total;
use hearken::store::feedback::{self as stored, FeedbackItem};
use hearken::{App, Result};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};

/// The project in the path. The access check sees it as given; afterwards a malformed id is
/// answered like a project that does not exist.
fn parse_project(raw: &str) -> Result<ProjectId> {
    ProjectId::parse(raw).ok_or(PROJECT_NOT_FOUND)
}

pub async fn create(app: &App, req: &Request) -> Result<Response<Body>> {
    let raw = path_param(req, "projectId")?;
    let access = authorize(app, req, Need { action: Action::SubmitFeedback, project: Some(&raw) }).await?;
    let project = parse_project(&raw)?;
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
