//! The one place that knows DynamoDB: items, keys, conditions and transactions. Every call goes
//! through `request_scope::db_call`, so `Server-Timing` counts all of them.

pub mod accounts;
pub mod counters;
pub mod feedback;
pub mod keys;
pub mod plan_conditions;
pub mod projects;
pub mod response_topics;
pub mod responses;
pub mod survey_days;
pub mod surveys;
pub mod usage;

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::{TransactWriteItemsError, TransactWriteItemsOutput};
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};
use std::collections::HashMap;
use std::time::Duration;

use crate::request_scope::{db_call, may_start_write, operations_fit};
use crate::App;

/// What a conditional change found.
#[derive(Debug)]
pub enum Changed<T> {
    Done(T),
    /// The project is gone (its feedback is being removed): answer as if the feedback were.
    ProjectGone,
    /// The item changed or vanished since it was read: read again and retry.
    Raced,
}

/// Where a project is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ProjectStatus {
    /// Shown by every route, takes feedback.
    Active,
    /// Its DELETE is under way: no route shows it, and no feedback write (which requires
    /// `ACTIVE`) can move its counters any more.
    Deleting,
}

impl ProjectStatus {
    /// As stored and as conditions compare it.
    pub fn as_str(self) -> &'static str {
        match self {
            ProjectStatus::Active => "ACTIVE",
            ProjectStatus::Deleting => "DELETING",
        }
    }
}

/// A DynamoDB item.
pub type Item = HashMap<String, AttributeValue>;

/// A string attribute.
pub fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

/// A number attribute.
pub fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// Reads a number attribute of an item.
pub fn number(item: &Item, name: &str) -> Option<i64> {
    item.get(name)?.as_n().ok()?.parse().ok()
}

/// Whether a single-item write failed its condition.
pub fn failed_condition<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> bool {
    err.as_service_error().and_then(|e| e.code()) == Some("ConditionalCheckFailedException")
}

/// For a transaction cancelled by conditions: which of its items failed theirs, in order.
/// `None` when the transaction failed for another reason.
pub fn failed_conditions<R>(err: &SdkError<TransactWriteItemsError, R>) -> Option<Vec<bool>> {
    match err.as_service_error()? {
        TransactWriteItemsError::TransactionCanceledException(cancel) => {
            let reasons = cancel.cancellation_reasons();
            reasons
                .iter()
                .any(|r| r.code() == Some("ConditionalCheckFailed"))
                .then(|| reasons.iter().map(|r| r.code() == Some("ConditionalCheckFailed")).collect())
        }
        _ => None,
    }
}

/// The longest pause between two tries.
const MAX_BACKOFF_MS: u64 = 200;

/// Runs a write transaction. DynamoDB cancels a transaction outright when a concurrent one holds
/// one of its items (reason `TransactionConflict`), which is routine for counters under parallel
/// writes (a burst of responses to one survey), so those are retried with a randomised backoff
/// (full jitter, so a burst spreads out instead of colliding again) for as long as the request's
/// budget lets a write start (`request_scope::may_start_write`: the last attempt and a read-back
/// still fit before the deadline); any other failure returns at once. A write that may not start
/// at all is not sent, and answers as a timeout (503): nothing was written. Every attempt carries
/// the same client request token, so an attempt whose outcome is unknown (it timed out, or the
/// connection failed) is replayed with it while one more call fits before the deadline: DynamoDB
/// applies a token once and answers a replay of an applied one as done, so a committed write is
/// answered as committed instead of 503.
pub async fn transact(
    app: &App,
    items: Vec<TransactWriteItem>,
) -> Result<TransactWriteItemsOutput, SdkError<TransactWriteItemsError, aws_sdk_dynamodb::config::http::HttpResponse>> {
    let token = uuid::Uuid::new_v4().to_string();
    let mut attempt = 0u32;
    let mut outcome_unknown = false;
    loop {
        // A replay only finds out what an earlier attempt did; a fresh attempt needs room for
        // itself and a read-back.
        let fits = if outcome_unknown { operations_fit(1) } else { may_start_write() };
        if !fits {
            return Err(SdkError::timeout_error("no time left in the request to start a write"));
        }
        let call = app.db.transact_write_items().set_transact_items(Some(items.clone())).client_request_token(&token);
        let result = db_call(call.send()).await;
        match result {
            Err(err) if conflicted(&err) => {
                attempt += 1;
                let ceiling = (10u64 << attempt.min(5)).min(MAX_BACKOFF_MS);
                let random = u64::from_le_bytes(uuid::Uuid::new_v4().as_bytes()[..8].try_into().expect("8 bytes"));
                tokio::time::sleep(Duration::from_millis(5 + random % ceiling)).await;
            }
            Err(SdkError::TimeoutError(_) | SdkError::DispatchFailure(_)) if operations_fit(1) => {
                outcome_unknown = true;
            }
            other => return other,
        }
    }
}

fn conflicted<R>(err: &SdkError<TransactWriteItemsError, R>) -> bool {
    // DynamoDB Local's own form of contention: it queues transactions on item locks and gives up
    // after a while ("…too long waiting for a lock. This request will succeed in actual DynamoDB").
    if err.code() == Some("InternalServerError") && err.message().is_some_and(|m| m.contains("waiting for a lock")) {
        return true;
    }
    match err.as_service_error() {
        // The same token is still being applied (an earlier attempt that timed out): wait for it.
        Some(TransactWriteItemsError::TransactionInProgressException(_)) => true,
        Some(TransactWriteItemsError::TransactionCanceledException(cancel)) => {
            let reasons = cancel.cancellation_reasons();
            reasons.iter().any(|r| r.code() == Some("TransactionConflict"))
                && !reasons.iter().any(|r| r.code() == Some("ConditionalCheckFailed"))
        }
        _ => false,
    }
}
