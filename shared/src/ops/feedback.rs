//! Miniback feedback, one item at a time: submitted (API, widget, survey copy), read with its
//! project, its status changed, deleted.

use super::{raced, ATTEMPTS, FEEDBACK_NOT_FOUND, PROJECT_NOT_FOUND};
use crate::access::{gate, Access, Gate, Need, Sent};
use crate::feedback::{FeedbackView, NewFeedback, Source, Status};
use crate::http::Slice;
use crate::ids::{AccountId, FeedbackId, ProjectId};
use crate::plans::Action;
use crate::store::counters::total;
use crate::store::feedback::{self as stored, FeedbackItem};
use crate::store::projects::{self, Project};
use crate::store::{Changed, Item};
use crate::{App, Error, Result};
use serde::Serialize;

/// Stores new feedback in a project the caller was proven to own (or, for the widget, an active
/// project): the write's condition still guards against the project being deleted meanwhile.
/// When the write's outcome is unknown (it timed out, or its answer was lost on the way), reads
/// whether it landed, so a client is never told to retry feedback that was kept (and so never
/// stores it twice); the request's budget keeps room for that read.
pub async fn submit(
    app: &App,
    account: &AccountId,
    project: &ProjectId,
    input: NewFeedback,
    source: Source,
) -> Result<FeedbackView> {
    let item = FeedbackItem::new(account, project, input, source);
    match stored::create(app, &item).await {
        Ok(created) => created.ok_or(PROJECT_NOT_FOUND)?,
        Err(Error::Unavailable(details)) => match stored::get(app, account, &item.view.id).await {
            Ok(Some(_)) => {}
            _ => return Err(Error::Unavailable(details)),
        },
        Err(err) => return Err(err),
    }
    Ok(item.view)
}

/// Stores feedback sent with a key to the project `raw` names: the key's checks, the account's
/// quota, the key's minute window and the write in one transaction (`access::gate`). A project
/// enters that transaction only once it is proven the caller's: kept in memory from an earlier read
/// that found it the account's (the write's condition still requires it the account's and active),
/// or read now — so a foreign id costs exactly the read an unknown one costs, and no write of
/// another account's item is ever attempted. `parse` reads the body once the key is known to be
/// good. A write whose outcome stayed unknown is looked for, as in [`submit`].
pub async fn submit_with_key(
    app: &App,
    req: &lambda_http::Request,
    raw: &str,
    parse: impl FnOnce() -> Result<NewFeedback>,
) -> Result<FeedbackView> {
    let mut gate = gate(app, req, Need { action: Action::SubmitFeedback, project: Some(raw) }).await?;
    let (input, project) = match (parse(), ProjectId::parse(raw)) {
        (Ok(input), Some(project)) => (input, project),
        (Err(refusal), _) => return Err(counted(&mut gate, refusal).await),
        (_, None) => return Err(counted(&mut gate, PROJECT_NOT_FOUND).await),
    };
    let account = gate.key().account_id.clone();
    let proven = app.known.project(project.as_str()).is_some_and(|kept| kept.account_id == account);
    if !proven {
        match projects::get(app, &account, &project).await? {
            Some((found, _)) => app.known.keep_project(found),
            None => return Err(counted(&mut gate, PROJECT_NOT_FOUND).await),
        }
    }
    let item = FeedbackItem::new(&account, &project, input, Source::Api);
    match gate.send(stored::create_writes(app, &item)?).await {
        Ok(Sent::Done) => Ok(item.view),
        Ok(Sent::Refused(err)) if err.failed(stored::PROJECT_COUNTERS) => {
            // Deleted since it was proven: the next request reads it again.
            app.known.forget_project(project.as_str());
            Err(PROJECT_NOT_FOUND)
        }
        Ok(Sent::Refused(err)) => Err(err.into()),
        Err(Error::Unavailable(details)) => match stored::get(app, &item.account_id, &item.view.id).await {
            Ok(Some(_)) => Ok(item.view),
            _ => Err(Error::Unavailable(details)),
        },
        Err(err) => Err(err),
    }
}

/// A refusal the route decides without writing: the call is counted first, and a refusal of the
/// key, plan or limits comes before the route's own.
async fn counted(gate: &mut Gate<'_>, refusal: Error) -> Error {
    match gate.count().await {
        Ok(()) => refusal,
        Err(err) => err,
    }
}

/// A page of one project's feedback (read by the access check, with its counters), and its total.
/// The reference's list shows `context.timestamp`: when the sender gave none, it is when the
/// feedback was received.
pub async fn list_of_project(
    app: &App,
    project: &Project,
    counters: &Item,
    status: Option<Status>,
    slice: Slice,
) -> Result<(Vec<FeedbackView>, u64)> {
    let mut page = stored::list_for_project(app, &project.id, status, slice.offset, slice.limit).await?;
    for feedback in &mut page {
        let received = feedback.created_at.to_iso();
        feedback.context.get_or_insert_with(Default::default).entry("timestamp").or_insert(received.into());
    }
    Ok((page, total(counters, status, None)))
}

/// Feedback with the project it belongs to, as `GET /api/feedback/{id}` shows it.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = FeedbackWithProject)]
pub struct WithProject {
    #[serde(flatten)]
    pub feedback: FeedbackView,
    pub project: ProjectRef,
}

/// The project a piece of feedback belongs to.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ProjectRef {
    pub id: ProjectId,
    pub name: String,
    pub slug: String,
}

/// The feedback `raw` names, if it is the caller's and within the key's projects.
async fn find(app: &App, access: &Access, raw: &str) -> Result<FeedbackItem> {
    let id = FeedbackId::parse(raw).ok_or(FEEDBACK_NOT_FOUND)?;
    let item = stored::get(app, &access.account.id, &id).await?.ok_or(FEEDBACK_NOT_FOUND)?;
    if !access.key.allows_project(item.project_id.as_str()) {
        return Err(FEEDBACK_NOT_FOUND);
    }
    Ok(item)
}

/// Reads feedback and its project. Feedback of a project being deleted is gone for every route,
/// as the project is.
pub async fn read(app: &App, access: &Access, raw: &str) -> Result<WithProject> {
    let item = find(app, access, raw).await?;
    let (project, _) = projects::get(app, &access.account.id, &item.project_id).await?.ok_or(FEEDBACK_NOT_FOUND)?;
    let project = ProjectRef { id: project.id, name: project.name, slug: project.slug };
    Ok(WithProject { feedback: item.view, project })
}

/// Sets the status (and moves the counters); a change raced by another is read again and retried.
pub async fn change_status(app: &App, access: &Access, raw: &str, status: Status) -> Result<FeedbackView> {
    for _ in 0..ATTEMPTS {
        let item = find(app, access, raw).await?;
        match stored::set_status(app, &item, status).await? {
            Changed::Done(updated) => return Ok(updated.view),
            Changed::ProjectGone => return Err(FEEDBACK_NOT_FOUND),
            Changed::Raced => continue,
        }
    }
    Err(raced("The feedback changed while it was being updated"))
}

/// Deletes feedback (and moves the counters); a delete raced by a change is read again and retried.
pub async fn remove(app: &App, access: &Access, raw: &str) -> Result<FeedbackId> {
    for _ in 0..ATTEMPTS {
        let item = find(app, access, raw).await?;
        match stored::delete(app, &item).await? {
            Changed::Done(()) => return Ok(item.view.id),
            Changed::ProjectGone => return Err(FEEDBACK_NOT_FOUND),
            Changed::Raced => continue,
        }
    }
    Err(raced("The feedback changed while it was being deleted"))
}
