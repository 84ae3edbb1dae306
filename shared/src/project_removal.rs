//! The background half of deleting a project: removing its feedback. The DELETE itself removes the
//! project at once (every route stops seeing it); this runs from the projects table's stream,
//! deletes the feedback a page at a time, and can stop anywhere: run again, it picks up what is
//! left, so a crash half-way loses nothing and, once retried, leaves nothing behind.

use crate::ids::{AccountId, ProjectId};
use crate::store::{feedback, projects};
use crate::{App, Result};
use futures::stream::{self, TryStreamExt};

/// Keys fetched per round.
const PAGE: i32 = 500;
/// The index may not yet show feedback written just before the DELETE: after a first empty pass
/// the removal waits this long and looks once more before it declares the project clean.
const SETTLE: std::time::Duration = std::time::Duration::from_secs(3);
/// Batch deletes in flight at once.
const PARALLEL_BATCHES: usize = 8;

/// Deletes every feedback item of a deleted project; returns how many deletions it sent (an index
/// may show a just-deleted item once more, and deleting it again is harmless).
pub async fn remove_project_feedback(app: &App, account: &AccountId, project: &ProjectId) -> Result<u64> {
    let mut removed = 0u64;
    let mut settled = false;
    loop {
        let keys = feedback::keys_of_project(app, project, PAGE).await?;
        if keys.is_empty() {
            if settled {
                break;
            }
            tokio::time::sleep(SETTLE).await;
            settled = true;
            continue;
        }
        settled = false;
        removed += keys.len() as u64;
        stream::iter(keys.chunks(25).map(Ok))
            .try_for_each_concurrent(PARALLEL_BATCHES, |batch| feedback::delete_batch(app, batch))
            .await?;
    }
    projects::removal_finished(app, account, project).await?;
    tracing::info!(%project, removed, "removed the feedback of a deleted project");
    Ok(removed)
}
