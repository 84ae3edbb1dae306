//! The one place that knows DynamoDB: items, keys, conditions and transactions. Every call goes
//! through `request_scope::db_call`, so `Server-Timing` counts all of them.

pub mod accounts;
pub mod counters;
pub mod feedback;
pub mod keys;
pub mod plan_conditions;
pub mod projects;
pub mod quota;
pub mod response_topics;
pub mod responses;
pub mod survey_days;
pub mod surveys;
pub mod topic_guides;
pub mod usage;
pub mod webhooks;

// The toolkit every module above writes its requests with.
mod backoff;
mod batch;
mod built;
mod get;
mod pages;
mod transaction;

pub(crate) use batch::{get_unprocessed, write_unprocessed};
pub(crate) use built::Built;
pub(crate) use get::{get_as, get_item, get_with_item};
pub(crate) use pages::{all_items, Pages};
pub use transaction::transact;
pub(crate) use transaction::{update_alone, Transaction, TxError};

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::AttributeValue;
use std::collections::HashMap;

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
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
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
/// `None` when the transaction failed for another reason. A `Transaction` names them instead.
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
