//! The webhooks table: an account's endpoints (`pk` the account, `sk` the endpoint's id) and each
//! endpoint's deliveries (`pk` the endpoint's id, `sk` the delivery's id, newest last). A pending
//! delivery carries `due` and `nextAttemptAt`, the sparse keys of the `due` index the sweeper reads;
//! every delivery is purged 30 days after it was made (TTL `purgeAt`). The account item counts its
//! endpoints (`webhookCount`) in the same transaction as each create and delete, so the limit holds
//! under concurrent creates.

use super::{get_as, n, s, Built, Changed, Item, Transaction};
use crate::ids::{AccountId, DeliveryId, WebhookId};
use crate::request_scope::db_call;
use crate::time::Timestamp;
use crate::webhooks::{Endpoint, EventType, MAX_ENDPOINTS};
use crate::{App, Error, Result};
use aws_sdk_dynamodb::types::{Delete, Put, Update};
use serde::{Deserialize, Serialize};

/// How long a delivery is kept.
const KEEP_SECONDS: i64 = 30 * 86_400;
/// The one partition of the `due` index.
const DUE: &str = "due";
/// How long an attempt holds its delivery (two attempts of one delivery never overlap).
pub const LEASE_MS: i64 = 30_000;

const ENDPOINT: &str = "endpoint";
const COUNT: &str = "account's webhook count";

/// Where a delivery is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum DeliveryState {
    /// Waiting for its first or next attempt.
    Pending,
    /// A 2xx answer came.
    Delivered,
    /// Given up: the retries ran out, or the endpoint is gone or disabled.
    Failed,
}

/// A delivery as stored.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    pub pk: WebhookId,
    pub sk: DeliveryId,
    pub account_id: AccountId,
    pub event: EventType,
    /// The exact body every attempt sends.
    pub payload: String,
    pub created_at: Timestamp,
    pub state: DeliveryState,
    pub attempts: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_attempt_at: Option<Timestamp>,
    /// Unix ms of the next attempt, while pending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<String>,
    #[serde(default)]
    pub lease_until: i64,
    pub purge_at: i64,
}

impl Delivery {
    /// A new delivery of `payload` to `endpoint`, due now.
    pub fn new(endpoint: &Endpoint, id: DeliveryId, event: EventType, payload: String) -> Delivery {
        let now = Timestamp::now();
        Delivery {
            pk: endpoint.sk.clone(),
            sk: id,
            account_id: endpoint.pk.clone(),
            event,
            payload,
            created_at: now,
            state: DeliveryState::Pending,
            attempts: 0,
            last_status: None,
            last_error: None,
            last_attempt_at: None,
            next_attempt_at: Some(now.unix_millis()),
            due: Some(DUE.to_owned()),
            lease_until: 0,
            purge_at: now.unix_seconds() + KEEP_SECONDS,
        }
    }
}

/// Stores a new endpoint, counting it on the account; 409 past [`MAX_ENDPOINTS`].
pub async fn create(app: &App, endpoint: &Endpoint) -> Result<()> {
    let put = Put::builder()
        .table_name(&app.tables.webhooks)
        .set_item(Some(serde_dynamo::to_item(endpoint)?))
        .condition_expression("attribute_not_exists(pk)")
        .built()?;
    let count = Update::builder()
        .table_name(&app.tables.accounts)
        .key("id", s(endpoint.pk.as_str()))
        .update_expression("ADD webhookCount :one")
        .condition_expression("attribute_exists(id) AND (attribute_not_exists(webhookCount) OR webhookCount < :max)")
        .expression_attribute_values(":one", n(1))
        .expression_attribute_values(":max", n(MAX_ENDPOINTS))
        .built()?;
    match Transaction::new().update(COUNT, count).put(ENDPOINT, put).send(app).await {
        Ok(()) => Ok(()),
        Err(err) if err.failed(COUNT) => {
            Err(Error::Conflict(format!("An account has at most {MAX_ENDPOINTS} webhook endpoints; delete one first")))
        }
        Err(err) => Err(err.into()),
    }
}

/// The account's endpoint `id` (strongly consistent); another account's reads as missing, at the
/// same cost (its key holds the caller's account).
pub async fn get(app: &App, account: &AccountId, id: &WebhookId) -> Result<Option<Endpoint>> {
    let request = app
        .db
        .get_item()
        .table_name(&app.tables.webhooks)
        .key("pk", s(account.as_str()))
        .key("sk", s(id.as_str()))
        .consistent_read(true);
    get_as(request).await
}

/// Every endpoint of the account (at most [`MAX_ENDPOINTS`]: one page), oldest first.
pub async fn list(app: &App, account: &AccountId) -> Result<Vec<Endpoint>> {
    let query = app
        .db
        .query()
        .table_name(&app.tables.webhooks)
        .key_condition_expression("pk = :account AND begins_with(sk, :prefix)")
        .expression_attribute_values(":account", s(account.as_str()))
        .expression_attribute_values(":prefix", s(WebhookId::PREFIX))
        .consistent_read(true);
    let out = db_call(query.send()).await?;
    Ok(out.items.unwrap_or_default().into_iter().map(serde_dynamo::from_item).collect::<Result<_, _>>()?)
}

/// Replaces a stored endpoint with `after`, on the condition that it is still as `before` was read
/// (`updatedAt`): `Raced` otherwise.
pub async fn save(app: &App, before: &Endpoint, after: &Endpoint) -> Result<Changed<()>> {
    let call = app
        .db
        .put_item()
        .table_name(&app.tables.webhooks)
        .set_item(Some(serde_dynamo::to_item(after)?))
        .condition_expression("updatedAt = :seen")
        .expression_attribute_values(":seen", s(before.updated_at.to_iso()))
        .send();
    match db_call(call).await {
        Ok(_) => Ok(Changed::Done(())),
        Err(err) if super::failed_condition(&err) => Ok(Changed::Raced),
        Err(err) => Err(err.into()),
    }
}

/// Deletes an endpoint and uncounts it; `false` when it was already gone. Its deliveries stay
/// until their TTL (the deliveries log of a deleted endpoint is unreachable through the API).
pub async fn delete(app: &App, endpoint: &Endpoint) -> Result<bool> {
    let delete = Delete::builder()
        .table_name(&app.tables.webhooks)
        .key("pk", s(endpoint.pk.as_str()))
        .key("sk", s(endpoint.sk.as_str()))
        .condition_expression("attribute_exists(pk)")
        .built()?;
    let count = Update::builder()
        .table_name(&app.tables.accounts)
        .key("id", s(endpoint.pk.as_str()))
        .update_expression("ADD webhookCount :minus_one")
        .expression_attribute_values(":minus_one", n(-1))
        .built()?;
    match Transaction::new().delete(ENDPOINT, delete).update(COUNT, count).send(app).await {
        Ok(()) => Ok(true),
        Err(err) if err.failed(ENDPOINT) => Ok(false),
        Err(err) => Err(err.into()),
    }
}

/// Records how the endpoint's deliveries go: `Ok` clears `failingSince`; a failure sets it if it
/// is not set; `disable` turns the endpoint off with the reason. Only on an endpoint that exists.
pub async fn record_health(app: &App, endpoint: &Endpoint, ok: bool, disable: Option<&str>) -> Result<()> {
    let now = Timestamp::now();
    let mut call = app
        .db
        .update_item()
        .table_name(&app.tables.webhooks)
        .key("pk", s(endpoint.pk.as_str()))
        .key("sk", s(endpoint.sk.as_str()))
        .condition_expression("attribute_exists(pk)");
    call = match (ok, disable) {
        (_, Some(reason)) => call
            .update_expression("SET enabled = :off, disabledReason = :reason, updatedAt = :now")
            .expression_attribute_values(":off", aws_sdk_dynamodb::types::AttributeValue::Bool(false))
            .expression_attribute_values(":reason", s(reason))
            .expression_attribute_values(":now", s(now.to_iso())),
        (true, None) => call.update_expression("REMOVE failingSince"),
        (false, None) => call
            .update_expression("SET failingSince = if_not_exists(failingSince, :now)")
            .expression_attribute_values(":now", s(now.to_iso())),
    };
    match db_call(call.send()).await {
        Ok(_) => Ok(()),
        Err(err) if super::failed_condition(&err) => Ok(()),
        Err(err) => Err(err.into()),
    }
}

/// Stores a new delivery; one already stored under the same id (a stream record processed twice)
/// is left as it is.
pub async fn put_delivery(app: &App, delivery: &Delivery) -> Result<()> {
    let call = app
        .db
        .put_item()
        .table_name(&app.tables.webhooks)
        .set_item(Some(serde_dynamo::to_item(delivery)?))
        .condition_expression("attribute_not_exists(pk)")
        .send();
    match db_call(call).await {
        Ok(_) => Ok(()),
        Err(err) if super::failed_condition(&err) => Ok(()),
        Err(err) => Err(err.into()),
    }
}

/// A delivery of the endpoint (strongly consistent).
pub async fn get_delivery(app: &App, endpoint: &WebhookId, id: &DeliveryId) -> Result<Option<Delivery>> {
    let request = app
        .db
        .get_item()
        .table_name(&app.tables.webhooks)
        .key("pk", s(endpoint.as_str()))
        .key("sk", s(id.as_str()))
        .consistent_read(true);
    get_as(request).await
}

/// A page of the endpoint's deliveries, newest first, after the delivery `after`; and the id to
/// continue after when there is more.
pub async fn deliveries(
    app: &App,
    endpoint: &WebhookId,
    limit: i32,
    after: Option<&DeliveryId>,
) -> Result<(Vec<Delivery>, Option<DeliveryId>)> {
    let query = app
        .db
        .query()
        .table_name(&app.tables.webhooks)
        .expression_attribute_values(":endpoint", s(endpoint.as_str()))
        .scan_index_forward(false)
        .consistent_read(true)
        .limit(limit.saturating_add(1));
    // Delivery ids sort by time, and every one sorts below the endpoint's other items (none).
    let query = match after {
        Some(after) => query
            .key_condition_expression("pk = :endpoint AND sk < :after")
            .expression_attribute_values(":after", s(after.as_str())),
        None => query
            .key_condition_expression("pk = :endpoint AND begins_with(sk, :prefix)")
            .expression_attribute_values(":prefix", s(DeliveryId::PREFIX)),
    };
    let out = db_call(query.send()).await?;
    let mut page: Vec<Delivery> =
        out.items.unwrap_or_default().into_iter().map(serde_dynamo::from_item).collect::<Result<_, _>>()?;
    let more = page.len() > limit.max(0) as usize;
    page.truncate(limit.max(0) as usize);
    let next = if more { page.last().map(|d| d.sk.clone()) } else { None };
    Ok((page, next))
}

/// Takes a pending delivery for one attempt: it must be pending, due by `now_ms` and not held by
/// another attempt. `None` when another attempt has it, it is not due, or it is no longer pending.
pub async fn claim(app: &App, endpoint: &WebhookId, id: &DeliveryId, now_ms: i64) -> Result<Option<Delivery>> {
    let call = app
        .db
        .update_item()
        .table_name(&app.tables.webhooks)
        .key("pk", s(endpoint.as_str()))
        .key("sk", s(id.as_str()))
        .update_expression("SET leaseUntil = :until")
        .condition_expression("#state = :pending AND nextAttemptAt <= :now AND leaseUntil < :now")
        .expression_attribute_names("#state", "state")
        .expression_attribute_values(":pending", s("PENDING"))
        .expression_attribute_values(":now", n(now_ms))
        .expression_attribute_values(":until", n(now_ms + LEASE_MS))
        .return_values(aws_sdk_dynamodb::types::ReturnValue::AllNew)
        .send();
    match db_call(call).await {
        Ok(out) => Ok(Some(serde_dynamo::from_item(out.attributes.unwrap_or_default())?)),
        Err(err) if super::failed_condition(&err) => Ok(None),
        Err(err) => Err(err.into()),
    }
}

/// Records an attempt's outcome on a claimed delivery: delivered, failed for good, or pending
/// again at `next_ms`.
pub async fn record_attempt(app: &App, delivery: &Delivery) -> Result<()> {
    let call = app
        .db
        .put_item()
        .table_name(&app.tables.webhooks)
        .set_item(Some(serde_dynamo::to_item(delivery)?))
        .condition_expression("attribute_exists(pk)")
        .send();
    match db_call(call).await {
        Ok(_) => Ok(()),
        // Purged meanwhile: nothing to record.
        Err(err) if super::failed_condition(&err) => Ok(()),
        Err(err) => Err(err.into()),
    }
}

/// Makes a delivery pending and due now (a retry asked through the API), keeping its attempts.
pub async fn retry_now(app: &App, delivery: &Delivery) -> Result<Delivery> {
    let now = Timestamp::now();
    let again = Delivery {
        state: DeliveryState::Pending,
        next_attempt_at: Some(now.unix_millis()),
        due: Some(DUE.to_owned()),
        lease_until: 0,
        ..delivery.clone()
    };
    record_attempt(app, &again).await?;
    Ok(again)
}

/// Pending deliveries due by `now_ms`, oldest due first (the `due` index), at most `limit`.
pub async fn due(app: &App, now_ms: i64, limit: i32) -> Result<Vec<(WebhookId, DeliveryId)>> {
    let query = app
        .db
        .query()
        .table_name(&app.tables.webhooks)
        .index_name("due")
        .key_condition_expression("due = :due AND nextAttemptAt <= :now")
        .expression_attribute_values(":due", s(DUE))
        .expression_attribute_values(":now", n(now_ms))
        .limit(limit);
    let out = db_call(query.send()).await?;
    let mut found = vec![];
    for item in out.items.unwrap_or_default() {
        let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
        if let (Some(endpoint), Some(id)) = (text("pk").and_then(|t| WebhookId::parse(&t)), text("sk")) {
            if let Some(id) = DeliveryId::parse(&id) {
                found.push((endpoint, id));
            }
        }
    }
    Ok(found)
}

/// An item of the table, read as an endpoint when it is one.
pub fn endpoint_of(item: &Item) -> Option<Endpoint> {
    let sk = item.get("sk")?.as_s().ok()?;
    sk.starts_with(WebhookId::PREFIX).then(|| serde_dynamo::from_item(item.clone()).ok()).flatten()
}
