//! Days of a survey in the surveys table, in the survey's partition:
//! - `day#2026-11-30`: the day's rollup, computed whole from its responses and written whole;
//! - `day#2026-11-30#pending`: the day's mark — it has responses (or topic changes) that its
//!   rollup does not hold yet. Every response moves it in its own transaction, and the mark
//!   carries the sparse keys of the `pendingRollups` index, so the nightly rollup finds its work
//!   with a Query, never a Scan.
//!
//! A day without a mark is final: its rollup item (or, without one, zero). A day with a mark —
//! today, or a day the rollup has not reached — is counted live from its responses. Both sort
//! under `day#`, so one Query reads a range's rollups and marks together: O(days).

use super::responses::ResponseItem;
use super::{failed_condition, get_item, n, number, s, update_alone, Built, Item, Pages};
use crate::analytics::{DateRange, DayRollup, ResponseFacts};
use crate::ids::{ResponseId, SurveyId};
use crate::request_scope::db_call;
use crate::time::Timestamp;
use crate::{App, Result};
use aws_sdk_dynamodb::types::{TransactWriteItem, Update};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Partitions of the `pendingRollups` index (spreads the marks' writes; the rollup reads each).
pub const PENDING_SHARDS: u32 = 4;

fn rollup_sk(day: NaiveDate) -> String {
    format!("day#{day}")
}

fn mark_sk(day: NaiveDate) -> String {
    format!("day#{day}#pending")
}

/// The index partition a survey's marks go to.
fn shard_of(survey: &SurveyId) -> String {
    let hash = survey.as_str().bytes().fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    format!("pending#{}", hash % PENDING_SHARDS)
}

/// The update that marks `day` of `survey` as not rolled up: a counter moves, so a rollup that
/// read the mark before can tell that the day changed since.
fn mark_update(app: &App, survey: &SurveyId, day: NaiveDate) -> Result<Update> {
    Update::builder()
        .table_name(&app.tables.surveys)
        .key("pk", s(survey.as_str()))
        .key("sk", s(mark_sk(day)))
        .update_expression("SET pendingShard = :shard, pendingDay = :day ADD marks :one")
        .expression_attribute_values(":shard", s(shard_of(survey)))
        .expression_attribute_values(":day", s(format!("{day}#{survey}")))
        .expression_attribute_values(":one", n(1))
        .built()
}

/// The mark of a day, as one write of a transaction (a response's).
pub fn mark_write(app: &App, survey: &SurveyId, day: NaiveDate) -> Result<TransactWriteItem> {
    Ok(TransactWriteItem::builder().update(mark_update(app, survey, day)?).build())
}

/// Marks a day on its own (after a response's topics changed).
pub async fn mark(app: &App, survey: &SurveyId, day: NaiveDate) -> Result<()> {
    let update = mark_update(app, survey, day)?;
    let call = update_alone(app, &update).send();
    db_call(call).await?;
    Ok(())
}

/// A rollup item.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RollupItem {
    pk: String,
    sk: String,
    date: NaiveDate,
    #[serde(flatten)]
    totals: DayRollup,
    computed_at: Timestamp,
}

/// What a range's day items say: the final days' rollups, and the days that must be counted live.
#[derive(Debug, Default)]
pub struct Days {
    pub rolled_up: HashMap<NaiveDate, DayRollup>,
    pub live: Vec<NaiveDate>,
}

/// Reads the rollups and marks of a range in one Query (a page per ~1 MB; a year of rollups
/// with many topics may take two).
pub async fn days(app: &App, survey: &SurveyId, range: DateRange) -> Result<Days> {
    let mut found = Days::default();
    let query = app
        .db
        .query()
        .table_name(&app.tables.surveys)
        .key_condition_expression("pk = :s AND sk BETWEEN :lo AND :hi")
        .expression_attribute_values(":s", s(survey.as_str()))
        .expression_attribute_values(":lo", s(rollup_sk(range.from)))
        .expression_attribute_values(":hi", s(format!("{}#~", rollup_sk(range.to))));
    let mut pages = Pages::default();
    while let Some(out) = pages.next(query.clone()).await? {
        for item in out.items.unwrap_or_default() {
            let sk = item.get("sk").and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
            if let Some(day) = sk.strip_prefix("day#").and_then(|rest| rest.strip_suffix("#pending")) {
                found.live.extend(NaiveDate::parse_from_str(day, "%Y-%m-%d").ok());
            } else {
                let rollup: RollupItem = serde_dynamo::from_item(item)?;
                found.rolled_up.insert(rollup.date, rollup.totals);
            }
        }
    }
    // A marked day's rollup (if any) is out of date.
    for day in &found.live {
        found.rolled_up.remove(day);
    }
    found.live.sort();
    Ok(found)
}

/// The facts of every response of `survey` made on the days `from..=to`, by day: a key range of
/// the survey's partition, read in 1 MB pages, strongly consistent.
pub async fn responses_of_days(
    app: &App,
    survey: &SurveyId,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<HashMap<NaiveDate, Vec<ResponseFacts>>> {
    let lo = ResponseId::bound_at(Timestamp::start_of(from).unix_millis(), false);
    let hi = ResponseId::bound_at(Timestamp::start_of(to + chrono::Duration::days(1)).unix_millis() - 1, true);
    let mut by_day: HashMap<NaiveDate, Vec<ResponseFacts>> = HashMap::new();
    let query = app
        .db
        .query()
        .table_name(&app.tables.feedback)
        .key_condition_expression("pk = :s AND sk BETWEEN :lo AND :hi")
        .expression_attribute_values(":s", s(survey.as_str()))
        .expression_attribute_values(":lo", s(lo))
        .expression_attribute_values(":hi", s(hi))
        .projection_expression("sk, rating, #complete, lowRated, topics")
        .expression_attribute_names("#complete", "complete")
        .consistent_read(true);
    let mut pages = Pages::default();
    while let Some(out) = pages.next(query.clone()).await? {
        for item in out.items.unwrap_or_default() {
            let id = item.get("sk").and_then(|v| v.as_s().ok()).and_then(|sk| ResponseId::parse(sk));
            let Some(day) = id.and_then(|id| id.unix_ms()).and_then(Timestamp::from_millis).map(|t| t.date()) else {
                continue;
            };
            by_day.entry(day).or_default().push(serde_dynamo::from_item(item)?);
        }
    }
    Ok(by_day)
}

/// The days of a range, each from its rollup or counted live: what `/analytics` and `/topics`
/// read. Live days are read one Query per day, several at once, so a long stretch not rolled up
/// yet costs parallel reads instead of one long chain of pages.
pub async fn range_totals(app: &App, survey: &SurveyId, range: DateRange) -> Result<HashMap<NaiveDate, DayRollup>> {
    use futures::stream::{self, StreamExt, TryStreamExt};
    let days = days(app, survey, range).await?;
    let mut totals = days.rolled_up;
    let live: Vec<HashMap<NaiveDate, Vec<ResponseFacts>>> = stream::iter(days.live)
        .map(|day| responses_of_days(app, survey, day, day))
        .buffer_unordered(LIVE_DAYS_AT_ONCE)
        .try_collect()
        .await?;
    for by_day in live {
        for (day, responses) in by_day {
            totals.insert(day, DayRollup::of(&responses));
        }
    }
    Ok(totals)
}

/// Live days read at once.
const LIVE_DAYS_AT_ONCE: usize = 16;

/// One page of marks of finished days (before `today`) in one index partition.
pub async fn pending_page(
    app: &App,
    shard: u32,
    today: NaiveDate,
    start: Option<Item>,
) -> Result<(Vec<(SurveyId, NaiveDate)>, Option<Item>)> {
    let call = app
        .db
        .query()
        .table_name(&app.tables.surveys)
        .index_name("pendingRollups")
        .key_condition_expression("pendingShard = :shard AND pendingDay < :today")
        .expression_attribute_values(":shard", s(format!("pending#{shard}")))
        .expression_attribute_values(":today", s(today.to_string()))
        .limit(100)
        .set_exclusive_start_key(start)
        .send();
    let out = db_call(call).await?;
    let marks = out
        .items
        .unwrap_or_default()
        .iter()
        .filter_map(|item| {
            let (day, survey) = item.get("pendingDay")?.as_s().ok()?.split_once('#')?;
            Some((SurveyId::parse(survey)?, NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()?))
        })
        .collect();
    Ok((marks, out.last_evaluated_key))
}

/// The mark counter of a day (`None`: not marked).
pub async fn mark_count(app: &App, survey: &SurveyId, day: NaiveDate) -> Result<Option<i64>> {
    let request = app
        .db
        .get_item()
        .table_name(&app.tables.surveys)
        .key("pk", s(survey.as_str()))
        .key("sk", s(mark_sk(day)))
        .consistent_read(true);
    Ok(get_item(request).await?.map(|item| number(&item, "marks").unwrap_or(0)))
}

/// Writes a day's rollup whole (a rerun writes the same item).
pub async fn put_rollup(app: &App, survey: &SurveyId, day: NaiveDate, totals: DayRollup) -> Result<()> {
    let item =
        RollupItem { pk: survey.to_string(), sk: rollup_sk(day), date: day, totals, computed_at: Timestamp::now() };
    let call = app.db.put_item().table_name(&app.tables.surveys).set_item(Some(serde_dynamo::to_item(&item)?)).send();
    db_call(call).await?;
    Ok(())
}

/// Removes a day's mark if nothing marked it again since it read `marks` (true), else leaves it
/// for the next run (false).
pub async fn clear_mark(app: &App, survey: &SurveyId, day: NaiveDate, marks: i64) -> Result<bool> {
    let call = app
        .db
        .delete_item()
        .table_name(&app.tables.surveys)
        .key("pk", s(survey.as_str()))
        .key("sk", s(mark_sk(day)))
        .condition_expression("marks = :seen")
        .expression_attribute_values(":seen", n(marks))
        .send();
    match db_call(call).await {
        Ok(_) => Ok(true),
        Err(err) if failed_condition(&err) => Ok(false),
        Err(err) => Err(err.into()),
    }
}

/// The day a stored response belongs to.
pub fn day_of(item: &ResponseItem) -> NaiveDate {
    item.response.created_at.date()
}
