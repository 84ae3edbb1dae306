//! The usage table: short-lived counters, one item per fixed one-minute window, swept by TTL.

use super::{n, number, s};
use crate::request_scope::db_call;
use crate::{App, Error, Result};

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
