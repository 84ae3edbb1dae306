//! The nightly sweep: finishes every project removal left half-done. A DELETE lists the project
//! on its account's counts item (`deleting`) in the same transaction that removes it, and only a
//! finished removal takes it off; so a removal whose stream record went to the failure queue (or
//! expired from the stream) is still listed there, and is finished here. No stream record is
//! needed: the listing says which account and project.

use hearken::project_removal::remove_project_feedback;
use hearken::store::projects::all_deleting;
use hearken::time::Timestamp;
use hearken::{App, Result};
use serde::Serialize;

/// The sweep stops starting removals this long before its deadline (one can take a while).
const MARGIN_MS: u64 = 120_000;

/// What a sweep did.
#[derive(Debug, Default, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Swept {
    /// Removals finished.
    pub finished: u64,
    /// Removals that failed (logged; tried again next night).
    pub failed: u64,
    /// Whether the deadline came first (the next run goes on).
    pub cut_short: bool,
}

/// Finishes the removal of every project still listed as being removed, until `deadline_ms`
/// (Unix ms, as Lambda's context gives it).
pub async fn finish_unfinished(app: &App, deadline_ms: u64) -> Result<Swept> {
    let mut swept = Swept::default();
    for (account, project) in all_deleting(app).await? {
        if Timestamp::now().unix_millis().max(0) as u64 + MARGIN_MS > deadline_ms {
            swept.cut_short = true;
            break;
        }
        match remove_project_feedback(app, &account, &project).await {
            Ok(_) => swept.finished += 1,
            Err(err) => {
                swept.failed += 1;
                tracing::error!(%account, %project, error = %err, "could not finish a project's removal; next night tries again");
            }
        }
    }
    tracing::info!(?swept, "finished the project removals left half-done");
    Ok(swept)
}
