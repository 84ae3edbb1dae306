//! The one place that knows DynamoDB: items, keys, conditions and transactions. Every call goes
//! through `request_scope::db_call`, so `Server-Timing` counts all of them.

pub mod accounts;
pub mod feedback;
pub mod keys;
pub mod plan_conditions;
pub mod projects;
pub mod usage;

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::AttributeValue;
use std::collections::HashMap;

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
                .then(|| {
                    reasons
                        .iter()
                        .map(|r| r.code() == Some("ConditionalCheckFailed"))
                        .collect()
                })
        }
        _ => None,
    }
}
