//! Write transactions: [`transact`] sends one (retrying contention, replaying an unknown outcome),
//! and [`Transaction`] labels its writes so a cancellation names the writes whose conditions
//! failed instead of their positions.

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::{TransactWriteItemsError, TransactWriteItemsOutput};
use aws_sdk_dynamodb::types::{ConditionCheck, Delete, Put, TransactWriteItem, Update};

use super::backoff::backoff;
use super::{failed_conditions, Item};
use crate::request_scope::{db_call, may_start_write, operations_fit};
use crate::{App, Error};

/// Runs a write transaction. DynamoDB cancels a transaction outright when a concurrent one holds
/// one of its items (reason `TransactionConflict`), which is routine for counters under parallel
/// writes (a burst of responses to one survey), so those are retried with a randomised backoff
/// (full jitter, so a burst spreads out instead of colliding again) for as long as the request's
/// budget lets a write start (`request_scope::may_start_write`: the last attempt and a read-back
/// still fit before the deadline); any other failure returns at once. A write that may not start
/// at all is not sent, and answers as a timeout (503): nothing was written. Every attempt carries
/// the same client request token, so an attempt whose outcome is unknown (it timed out, the
/// connection failed, or its answer was cut off) is replayed with it, after a pause, while one
/// more call fits before the deadline: DynamoDB applies a token once and answers a replay of an
/// applied one as done, so a committed write is answered as committed instead of 503. (The pause
/// matters when DynamoDB cannot be reached at all: once the SDK's retry quota is spent, each
/// replay fails at once.)
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
                backoff(attempt).await;
            }
            Err(SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_))
                if operations_fit(1) =>
            {
                outcome_unknown = true;
                attempt += 1;
                backoff(attempt).await;
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

/// A write transaction whose writes carry labels (what each write is, e.g. "project counters"),
/// sent through [`transact`].
#[derive(Clone, Default)]
pub(crate) struct Transaction {
    writes: Vec<(&'static str, TransactWriteItem)>,
}

impl Transaction {
    pub fn new() -> Transaction {
        Transaction::default()
    }

    pub fn put(self, label: &'static str, put: Put) -> Transaction {
        self.write(label, TransactWriteItem::builder().put(put).build())
    }

    pub fn update(self, label: &'static str, update: Update) -> Transaction {
        self.write(label, TransactWriteItem::builder().update(update).build())
    }

    pub fn delete(self, label: &'static str, delete: Delete) -> Transaction {
        self.write(label, TransactWriteItem::builder().delete(delete).build())
    }

    pub fn check(self, label: &'static str, check: ConditionCheck) -> Transaction {
        self.write(label, TransactWriteItem::builder().condition_check(check).build())
    }

    /// Writes made ready elsewhere (as `keys::store_new` makes them), all under one label.
    pub fn writes(mut self, label: &'static str, items: impl IntoIterator<Item = TransactWriteItem>) -> Transaction {
        self.writes.extend(items.into_iter().map(|item| (label, item)));
        self
    }

    /// Whether there are no writes.
    pub fn is_empty(&self) -> bool {
        self.writes.is_empty()
    }

    /// The writes of `other` after these, with their labels.
    pub fn append(mut self, other: Transaction) -> Transaction {
        self.writes.extend(other.writes);
        self
    }

    fn write(mut self, label: &'static str, item: TransactWriteItem) -> Transaction {
        self.writes.push((label, item));
        self
    }

    /// Sends the transaction with [`transact`]'s retries.
    pub async fn send(self, app: &App) -> Result<(), TxError> {
        let (labels, items): (Vec<&'static str>, Vec<TransactWriteItem>) = self.writes.into_iter().unzip();
        let err = match transact(app, items).await {
            Ok(_) => return Ok(()),
            Err(err) => err,
        };
        let failed = failed_conditions(&err).map(|failed| failed_labels(&labels, &failed)).unwrap_or_default();
        let handed_back = handed_back(&labels, &err);
        Err(TxError { failed, handed_back, error: err.into() })
    }
}

/// The labels of the writes that failed their conditions. DynamoDB gives one cancellation reason
/// per write, in the transaction's order.
fn failed_labels(labels: &[&'static str], failed: &[bool]) -> Vec<&'static str> {
    labels.iter().zip(failed).filter(|(_, failed)| **failed).map(|(label, _)| *label).collect()
}

/// The items handed back by writes that failed their conditions and asked for them
/// (`ReturnValuesOnConditionCheckFailure`), by label.
fn handed_back<R>(labels: &[&'static str], err: &SdkError<TransactWriteItemsError, R>) -> Vec<(&'static str, Item)> {
    let Some(TransactWriteItemsError::TransactionCanceledException(cancel)) = err.as_service_error() else {
        return vec![];
    };
    let reasons = cancel.cancellation_reasons().iter();
    labels.iter().zip(reasons).filter_map(|(label, reason)| Some((*label, reason.item()?.clone()))).collect()
}

/// Why a transaction did not commit.
#[derive(Debug)]
pub(crate) struct TxError {
    /// The labels of the writes that failed their conditions (empty when it failed otherwise).
    failed: Vec<&'static str>,
    /// What the failed writes that asked for it found in place of what they expected.
    handed_back: Vec<(&'static str, Item)>,
    /// The error the store reports when the caller makes nothing else of the failure.
    error: Error,
}

impl TxError {
    /// Whether the write labelled `label` failed its condition.
    pub fn failed(&self, label: &str) -> bool {
        self.failed.contains(&label)
    }

    /// Whether any write failed its condition.
    pub fn any_failed(&self) -> bool {
        !self.failed.is_empty()
    }

    /// The item the write labelled `label` found when it failed its condition, if it asked for it
    /// (`None` too when there was no item at all).
    pub fn handed_back(&self, label: &str) -> Option<&Item> {
        self.handed_back.iter().find(|(l, _)| *l == label).map(|(_, item)| item)
    }
}

impl From<TxError> for Error {
    fn from(err: TxError) -> Error {
        err.error
    }
}

/// An `Update` built for a transaction, as a request of its own (UpdateItem), for a write that is
/// sometimes alone and sometimes part of a transaction.
pub(crate) fn update_alone(
    app: &App,
    update: &Update,
) -> aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder {
    app.db
        .update_item()
        .table_name(update.table_name())
        .set_key(Some(update.key().clone()))
        .update_expression(update.update_expression())
        .set_condition_expression(update.condition_expression().map(str::to_owned))
        .set_expression_attribute_names(update.expression_attribute_names().cloned())
        .set_expression_attribute_values(update.expression_attribute_values().cloned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cancellation_names_every_write_that_failed_its_condition() {
        let labels = ["survey's response count", "response", "day mark", "project counters"];
        let error = |failed: &[bool]| TxError {
            failed: failed_labels(&labels, failed),
            handed_back: vec![],
            error: Error::internal("x"),
        };
        let gone = error(&[false, false, false, true]);
        assert!(gone.failed("project counters") && !gone.failed("survey's response count") && gone.any_failed());
        let both = error(&[true, false, false, true]);
        assert!(both.failed("survey's response count") && both.failed("project counters"));
        assert!(!error(&[]).any_failed(), "a transaction that failed otherwise names no write");
    }
}
