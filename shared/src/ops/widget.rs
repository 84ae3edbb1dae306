//! The public widget's submission. A warm container keeps the projects the widget posts to, so a
//! post is one transaction — the client's minute window, the project's counters (on the condition
//! that the project is still active and unchanged since it was kept) and the feedback — in one
//! round. A cold container, or a project changed since it was kept, reads the project first (two
//! rounds), as every post did before.

use super::feedback::submit as submit_read;
use crate::access::rate_limit::{read_beside_client_window, ClientWindow, CLIENT_WINDOW};
use crate::feedback::{FeedbackView, NewFeedback, Source};
use crate::ids::ProjectId;
use crate::plans::WIDGET_PER_IP_PER_MINUTE;
use crate::projects::origin_allowed;
use crate::store::feedback::{self as stored, FeedbackItem, PROJECT_COUNTERS};
use crate::store::projects;
use crate::store::Transaction;
use crate::{App, Error, Result};
use std::net::IpAddr;

/// What became of a widget post.
pub enum WidgetSubmission {
    Stored(FeedbackView),
    /// No such active project.
    NoProject,
    /// The request's origin is not among the project's allowed domains.
    OriginRefused,
    /// The client IP's window is full until `reset` (Unix seconds).
    Limited {
        reset: i64,
    },
}

/// Stores a widget post to project `id` from `origin` and `ip`; `parse` reads the body once the
/// project, the origin and the client's window allow it.
pub async fn submit(
    app: &App,
    id: &ProjectId,
    origin: Option<&str>,
    ip: Option<IpAddr>,
    parse: impl FnOnce() -> Result<NewFeedback>,
) -> Result<WidgetSubmission> {
    let window = ClientWindow::new("widget", ip, WIDGET_PER_IP_PER_MINUTE);
    if window.known_full(app) {
        window.full(app);
        return Ok(WidgetSubmission::Limited { reset: window.reset() });
    }
    // A kept project that refuses the origin is read again: only the stored one refuses.
    let kept = app.known.project(id.as_str()).filter(|project| origin_allowed(&project.allowed_domains, origin));
    let Some(project) = kept else { return read_first(app, id, origin, &window, parse).await };
    let input = match parse() {
        Ok(input) => input,
        // Nothing to write: the stored project answers (404 once deleted), read beside the count.
        Err(refusal) => return read_first(app, id, origin, &window, || Err(refusal)).await,
    };
    let item = FeedbackItem::new(&project.account_id, &project.id, input.clone(), Source::Widget);
    let writes = Transaction::new().update(CLIENT_WINDOW, window.write(app)?).append(stored::create_writes_as_of(
        app,
        &item,
        Some(project.updated_at),
    )?);
    let (sent, seen) = tokio::join!(writes.send(app), window.read(app));
    match sent {
        Ok(()) => {
            window.counted(seen.unwrap_or_else(|err| {
                tracing::warn!(error = %err, "could not read the client's window");
                Default::default()
            }));
            Ok(WidgetSubmission::Stored(item.view))
        }
        Err(err) if err.failed(CLIENT_WINDOW) => {
            window.full(app);
            Ok(WidgetSubmission::Limited { reset: window.reset() })
        }
        Err(err) if err.failed(PROJECT_COUNTERS) => {
            // Deleted or changed since it was kept: the stored project decides.
            app.known.forget_project(id.as_str());
            read_first(app, id, origin, &window, || Ok(input)).await
        }
        Err(err) => match Error::from(err) {
            // Unknown outcome: found stored, it was; else the client may retry.
            Error::Unavailable(details) => match stored::get(app, &item.account_id, &item.view.id).await {
                Ok(Some(_)) => Ok(WidgetSubmission::Stored(item.view)),
                _ => Err(Error::Unavailable(details)),
            },
            other => Err(other),
        },
    }
}

/// The post of a project not kept: the project is read beside the count of the client's window,
/// then the feedback written (two rounds); the project is kept for the next post.
async fn read_first(
    app: &App,
    id: &ProjectId,
    origin: Option<&str>,
    window: &ClientWindow,
    parse: impl FnOnce() -> Result<NewFeedback>,
) -> Result<WidgetSubmission> {
    let limit = WIDGET_PER_IP_PER_MINUTE;
    let read = projects::get_public(app, id);
    let (counted, found) = read_beside_client_window(app, "widget", window.ip(), limit, read).await?;
    if counted.exceeds(limit) {
        return Ok(WidgetSubmission::Limited { reset: counted.reset() });
    }
    let Some((project, _)) = found? else { return Ok(WidgetSubmission::NoProject) };
    if !origin_allowed(&project.allowed_domains, origin) {
        return Ok(WidgetSubmission::OriginRefused);
    }
    let stored = submit_read(app, &project.account_id, &project.id, parse()?, Source::Widget).await?;
    // Kept once a post was stored to it: a post that stores nothing does not fill the memory.
    app.known.keep_project(project);
    Ok(WidgetSubmission::Stored(stored))
}
