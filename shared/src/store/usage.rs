//! The usage table: short-lived counters, one item per fixed one-minute window, swept by TTL.

use super::{get_item, n, number, s, Built, Item};
use crate::request_scope::db_call;
use crate::{App, Error, Result};
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure, Update};

/// How long a window item outlives its minute before DynamoDB's TTL may remove it.
const KEEP_SECONDS: i64 = 120;

/// Counts one hit in the fixed window `[start, start + 60)` of `subject` (a key id, later a client
/// IP) — the item `<subject>#<start>` — and
/// returns the window's count including this hit.
pub async fn hit_minute_window(app: &App, subject: &str, window_start: i64) -> Result<u64> {
    let call = app
        .db
        .update_item()
        .table_name(&app.tables.usage)
        .key("pk", s(format!("{subject}#{window_start}")))
        .update_expression("ADD hits :one SET expiresAt = :expires")
        .expression_attribute_values(":one", n(1))
        .expression_attribute_values(":expires", n(window_start + 60 + KEEP_SECONDS))
        .return_values(aws_sdk_dynamodb::types::ReturnValue::UpdatedNew)
        .send();
    let out = db_call(call).await?;
    let hits = out.attributes.as_ref().and_then(|item| number(item, "hits"));
    hits.map(|h| h.max(0) as u64).ok_or_else(|| Error::internal("window update returned no count"))
}

/// The key of the window item of `subject` starting at `window_start`.
fn window_key(subject: &str, window_start: i64) -> AttributeValue {
    s(format!("{subject}#{window_start}"))
}

/// The write that counts one request in a window inside a transaction, on the condition that the
/// window has room (`hits < limit`), so a request past the limit writes nothing at all. It marks
/// the window with the request's `token`, which tells [`read_window`] whether its read saw this
/// request. On failure the transaction hands back the window as it was (its count and reset).
pub fn window_write(app: &App, subject: &str, window_start: i64, limit: u32, token: &str) -> Result<Update> {
    Update::builder()
        .table_name(&app.tables.usage)
        .key("pk", window_key(subject, window_start))
        .update_expression("ADD hits :one SET expiresAt = :expires, lastRequest = :token")
        .condition_expression("attribute_not_exists(hits) OR hits < :limit")
        .expression_attribute_values(":one", n(1))
        .expression_attribute_values(":expires", n(window_start + 60 + KEEP_SECONDS))
        .expression_attribute_values(":token", s(token))
        .expression_attribute_values(":limit", n(limit))
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .built()
}

/// A window as a read saw it: its count, and whether the request marked `token` was already in it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SeenWindow {
    pub hits: u64,
    pub includes_own: bool,
}

/// Reads a window (strongly consistent), beside the transaction that counts a request in it.
pub async fn read_window(app: &App, subject: &str, window_start: i64, token: &str) -> Result<SeenWindow> {
    let request = app
        .db
        .get_item()
        .table_name(&app.tables.usage)
        .key("pk", window_key(subject, window_start))
        .consistent_read(true);
    let item = get_item(request).await?.unwrap_or_default();
    Ok(seen(&item, token))
}

/// What a window item (read, or handed back by a failed condition) says; `{}` for none.
pub fn seen(item: &Item, token: &str) -> SeenWindow {
    let hits = number(item, "hits").unwrap_or(0).max(0) as u64;
    let includes_own = item.get("lastRequest").and_then(|v| v.as_s().ok()).is_some_and(|last| last == token);
    SeenWindow { hits, includes_own }
}
