//! The nightly rollup, run by an EventBridge schedule (template.yaml: 02:00 UTC). The event itself
//! carries nothing the run needs; the invocation's deadline decides when it stops.

use hearken::rollup_job::{self, RollupReport};
use hearken::{App, Result};
use std::time::{Duration, Instant};

/// Time left for finishing the day in hand and returning before Lambda's own limit.
const MARGIN: Duration = Duration::from_secs(60);

/// Rolls up what is marked, stopping `MARGIN` before `deadline_ms` (Unix ms; Lambda's context).
pub async fn handle(app: &App, _event: serde_json::Value, deadline_ms: u64) -> Result<RollupReport> {
    let now_ms = hearken::time::Timestamp::now().unix_millis().max(0) as u64;
    let left = Duration::from_millis(deadline_ms.saturating_sub(now_ms)).saturating_sub(MARGIN);
    let report = rollup_job::run(app, rollup_job::today(), Instant::now() + left).await?;
    tracing::info!(
        days = report.days,
        responses_read = report.responses_read,
        remarked = report.remarked,
        stopped_early = report.stopped_early,
        "rollup finished"
    );
    Ok(report)
}
