//! The one place that knows DynamoDB: items, keys, conditions and transactions. Every call goes
//! through `request_scope::db_call`, so `Server-Timing` counts all of them.

pub mod accounts;
pub mod counters;
pub mod feedback;
pub mod keys;
pub mod plan_conditions;
pub mod projects;
pub mod responses;
pub mod rollups;
pub mod surveys;
pub mod topics;
pub mod usage;

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::{TransactWriteItemsError, TransactWriteItemsOutput};
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};
use std::collections::HashMap;
use std::time::Duration;

use crate::request_scope::db_call;
use crate::App;

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

/// Attempts a transaction gets when another transaction holds one of its items.
const TRANSACTION_ATTEMPTS: u32 = 6;

/// Runs a write transaction. DynamoDB cancels a transaction outright when a concurrent one holds
/// one of its items (reason `TransactionConflict`), which is routine for counters under parallel
/// writes, so those are retried with a short jittered backoff; any other failure returns at once.
/// Every attempt carries the same client request token, so an attempt that timed out on the wire
/// but committed is not applied twice by the next one (DynamoDB answers it as already done).
pub async fn transact(
    app: &App,
    items: Vec<TransactWriteItem>,
) -> Result<TransactWriteItemsOutput, SdkError<TransactWriteItemsError, aws_sdk_dynamodb::config::http::HttpResponse>> {
    let token = uuid::Uuid::new_v4().to_string();
    let mut attempt = 1;
    loop {
        let call = app.db.transact_write_items().set_transact_items(Some(items.clone())).client_request_token(&token);
        let result = db_call(call.send()).await;
        match result {
            Err(err) if attempt < TRANSACTION_ATTEMPTS && conflicted(&err) => {
                let jitter = u64::from(
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .unwrap_or_default()
                        .subsec_nanos()
                        % 50,
                );
                tokio::time::sleep(Duration::from_millis(10 * 2u64.pow(attempt) + jitter)).await;
                attempt += 1;
            }
            other => return other,
        }
    }
}

fn conflicted<R>(err: &SdkError<TransactWriteItemsError, R>) -> bool {
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
