//! Batch reads and writes on one table, sent again for what DynamoDB leaves unprocessed (it does
//! when a partition is busy) after a backoff, within the request's budget.

use aws_sdk_dynamodb::types::{KeysAndAttributes, WriteRequest};

use super::backoff::backoff;
use super::{Built, Item};
use crate::request_scope::{db_call, may_start_write, operations_fit};
use crate::{App, Error, Result};

/// Writes up to 25 requests with BatchWriteItem until none is left unprocessed. Each send is a
/// write, so it starts only while the request's budget lets a write start.
pub(crate) async fn write_unprocessed(app: &App, table: &str, mut requests: Vec<WriteRequest>) -> Result<()> {
    let mut attempt = 0u32;
    while !requests.is_empty() {
        if !may_start_write() {
            return Err(Error::Unavailable("no time left in the request to start a write".into()));
        }
        let out = db_call(app.db.batch_write_item().request_items(table, requests).send()).await?;
        requests = out.unprocessed_items.and_then(|mut left| left.remove(table)).unwrap_or_default();
        if !requests.is_empty() {
            attempt += 1;
            backoff(attempt).await;
        }
    }
    Ok(())
}

/// Reads up to 100 items by key with BatchGetItem, strongly consistent, until no key is left
/// unprocessed; a key that does not exist reads nothing. Keys left over are asked again only
/// while another read fits in the request's budget.
pub(crate) async fn get_unprocessed(app: &App, table: &str, mut keys: Vec<Item>) -> Result<Vec<Item>> {
    let mut items = vec![];
    let mut attempt = 0u32;
    while !keys.is_empty() {
        if attempt > 0 {
            backoff(attempt).await;
            if !operations_fit(1) {
                return Err(Error::Unavailable("no time left in the request to read the rest of a batch".into()));
            }
        }
        let request = KeysAndAttributes::builder().set_keys(Some(keys)).consistent_read(true).built()?;
        let out = db_call(app.db.batch_get_item().request_items(table, request).send()).await?;
        items.extend(out.responses.and_then(|mut found| found.remove(table)).unwrap_or_default());
        keys = out.unprocessed_keys.and_then(|mut left| left.remove(table)).map(|k| k.keys).unwrap_or_default();
        attempt += 1;
    }
    Ok(items)
}
