//! `GET`, `PUT` and `DELETE /api/feedback/{id}`.

use super::FEEDBACK_NOT_FOUND;
use hearken::access::{authorize, Access, Need};
use hearken::feedback::{status_from_json, FeedbackView};
use hearken::http::{data, deleted, json_body, path_param};
use hearken::ids::{FeedbackId, ProjectId};
use hearken::plans::Action;
use hearken::store::feedback::{self as stored, FeedbackItem};
use hearken::store::projects;
use hearken::store::Changed;
use hearken::{App, Error, Result};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;

/// A change that keeps racing with others gives up after this many reads.
const ATTEMPTS: usize = 3;

/// Feedback with the project it belongs to, as `GET /api/feedback/{id}` shows it.
#[derive(Serialize)]
struct WithProject {
    #[serde(flatten)]
    feedback: FeedbackView,
    project: ProjectRef,
}

#[derive(Serialize)]
struct ProjectRef {
    id: ProjectId,
    name: String,
    slug: String,
}

/// The feedback in the path, if it is the caller's and within the key's projects.
async fn find(app: &App, req: &Request, access: &Access) -> Result<FeedbackItem> {
    let id = FeedbackId::parse(&path_param(req, "id")?).ok_or(FEEDBACK_NOT_FOUND)?;
    let item = stored::get(app, &access.account.id, &id).await?.ok_or(FEEDBACK_NOT_FOUND)?;
    if !access.key.allows_project(item.project_id.as_str()) {
        return Err(FEEDBACK_NOT_FOUND);
    }
    Ok(item)
}

pub async fn get(app: &App, req: &Request) -> Result<Response<Body>> {
    let access = authorize(app, req, Need { action: Action::Read, project: None }).await?;
    let item = find(app, req, &access).await?;
    // Feedback of a project being deleted is gone for every route, as the project is.
    let (project, _) = projects::get(app, &access.account.id, &item.project_id).await?.ok_or(FEEDBACK_NOT_FOUND)?;
    let project = ProjectRef { id: project.id, name: project.name, slug: project.slug };
    Ok(data(StatusCode::OK, WithProject { feedback: item.view, project }))
}

pub async fn update(app: &App, req: &Request) -> Result<Response<Body>> {
    let access = authorize(app, req, Need { action: Action::Write, project: None }).await?;
    let status = status_from_json(json_body(req)?)?;
    for _ in 0..ATTEMPTS {
        let item = find(app, req, &access).await?;
        match stored::set_status(app, &item, status).await? {
            Changed::Done(updated) => return Ok(data(StatusCode::OK, &updated.view)),
            Changed::ProjectGone => return Err(FEEDBACK_NOT_FOUND),
            Changed::Raced => continue,
        }
    }
    Err(Error::Conflict("The feedback changed while it was being updated; please retry".to_owned()))
}

pub async fn delete(app: &App, req: &Request) -> Result<Response<Body>> {
    let access = authorize(app, req, Need { action: Action::Write, project: None }).await?;
    for _ in 0..ATTEMPTS {
        let item = find(app, req, &access).await?;
        match stored::delete(app, &item).await? {
            Changed::Done(()) => return Ok(deleted(item.view.id)),
            Changed::ProjectGone => return Err(FEEDBACK_NOT_FOUND),
            Changed::Raced => continue,
        }
    }
    Err(Error::Conflict("The feedback changed while it was being deleted; please retry".to_owned()))
}
