//! Time: days counted back from today (UTC), instants within a day, and staying clear of midnight.

use chrono::NaiveDate;
use hearken::rollup_job;
use hearken::time::Timestamp;
use std::time::{Duration, Instant};

pub const DAY_MS: i64 = 86_400_000;

/// Waits past midnight (UTC) when it is near, so that "today" stays one day for a whole test.
pub async fn away_from_midnight() {
    let left = DAY_MS - Timestamp::now().unix_millis().rem_euclid(DAY_MS);
    if left < 180_000 {
        tokio::time::sleep(Duration::from_millis(left as u64 + 1_000)).await;
    }
}

/// Today (UTC), once clear of midnight.
pub async fn today() -> NaiveDate {
    away_from_midnight().await;
    rollup_job::today()
}

pub fn days_before(day: NaiveDate, days: i64) -> NaiveDate {
    day - chrono::Duration::days(days)
}

/// `ms` milliseconds into `day`.
pub fn at(day: NaiveDate, ms: i64) -> Timestamp {
    Timestamp::from_millis(Timestamp::start_of(day).unix_millis() + ms).expect("a valid instant")
}

/// A deadline the rollup never reaches in a test.
pub fn far() -> Instant {
    Instant::now() + Duration::from_secs(600)
}
