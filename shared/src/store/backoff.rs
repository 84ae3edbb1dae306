//! The pause between two tries of a request DynamoDB turned back (a contended transaction, a
//! batch's unprocessed items).

use std::time::Duration;

/// The longest pause between two tries.
const MAX_BACKOFF_MS: u64 = 200;

/// Waits before another try after `attempt` (from 1) tries were turned back: a random pause
/// (full jitter, so a burst spreads out instead of colliding again) below a ceiling that doubles
/// from 20 ms up to [`MAX_BACKOFF_MS`].
pub(super) async fn backoff(attempt: u32) {
    let ceiling = (10u64 << attempt.min(5)).min(MAX_BACKOFF_MS);
    let random = u64::from_le_bytes(uuid::Uuid::new_v4().as_bytes()[..8].try_into().expect("8 bytes"));
    tokio::time::sleep(Duration::from_millis(5 + random % ceiling)).await;
}
