//! The nightly rollup: for every survey day that has responses (or topic changes) its rollup does
//! not hold yet, count the day whole from its responses, write the rollup item whole, and clear the
//! day's mark — unless the day was marked again meanwhile, which leaves it for the next run.
//!
//! It finds its work with a Query per `pendingRollups` partition, never a Scan; it only ever
//! writes whole items, so running it twice, or again after a crash half-way, gives the same items;
//! and it stops cleanly before its deadline, leaving what is left marked for the next run.

use crate::analytics::DayRollup;
use crate::ids::SurveyId;
use crate::store::survey_days::{self, PENDING_SHARDS};
use crate::time::Timestamp;
use crate::{App, Result};
use chrono::NaiveDate;
use futures::stream::{self, StreamExt, TryStreamExt};
use serde::Serialize;
use std::time::Instant;

/// Days rolled up at once.
const PARALLEL_DAYS: usize = 8;

/// What one run did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RollupReport {
    /// Days whose rollup was written.
    pub days: u64,
    /// Responses read to write them.
    pub responses_read: u64,
    /// Days marked again while they were being counted (left for the next run).
    pub remarked: u64,
    /// Whether the run stopped at its deadline with work left.
    pub stopped_early: bool,
}

/// Rolls up every finished day (before `today`) that is marked, until `deadline`.
pub async fn run(app: &App, today: NaiveDate, deadline: Instant) -> Result<RollupReport> {
    let mut report = RollupReport::default();
    for shard in 0..PENDING_SHARDS {
        let mut start = None;
        loop {
            if Instant::now() >= deadline {
                report.stopped_early = true;
                return Ok(report);
            }
            let (marks, next) = survey_days::pending_page(app, shard, today, start).await?;
            let done: Vec<Option<(u64, bool)>> = stream::iter(marks)
                .map(|(survey, day)| async move {
                    if Instant::now() >= deadline {
                        return Ok(None);
                    }
                    roll_day(app, &survey, day).await.map(Some)
                })
                .buffer_unordered(PARALLEL_DAYS)
                .try_collect()
                .await?;
            for outcome in &done {
                match outcome {
                    Some((read, true)) => {
                        report.days += 1;
                        report.responses_read += read;
                    }
                    Some((read, false)) => {
                        report.days += 1;
                        report.responses_read += read;
                        report.remarked += 1;
                    }
                    None => report.stopped_early = true,
                }
            }
            if report.stopped_early {
                return Ok(report);
            }
            start = next;
            if start.is_none() {
                break;
            }
        }
    }
    Ok(report)
}

/// Rolls up one day: (responses read, whether its mark was cleared).
pub async fn roll_day(app: &App, survey: &SurveyId, day: NaiveDate) -> Result<(u64, bool)> {
    // The mark is read before the responses: anything written after this read moves the mark, so
    // clearing it below fails and the day is counted again next time.
    let Some(marks) = survey_days::mark_count(app, survey, day).await? else { return Ok((0, true)) };
    let responses = survey_days::responses_of_days(app, survey, day, day).await?.remove(&day).unwrap_or_default();
    let totals = DayRollup::of(&responses);
    survey_days::put_rollup(app, survey, day, totals).await?;
    let cleared = survey_days::clear_mark(app, survey, day, marks).await?;
    Ok((responses.len() as u64, cleared))
}

/// Today (UTC): the first day a run leaves alone.
pub fn today() -> NaiveDate {
    Timestamp::now().date()
}
