//! From table changes to webhook deliveries, and from deliveries to attempts. The delivery
//! function hands in the feedback table's stream records ([`events_of`] → [`dispatch`]: one
//! delivery per event and endpoint that wants it, under an id derived from the stream record, so a
//! record processed twice makes one delivery), the webhooks table's (a delivery due now →
//! [`attempt`]) and the minute schedule ([`sweep`]: every pending delivery that is due). An attempt
//! claims its delivery first (a lease), so the stream and the sweeper never send one twice at once;
//! its `webhook-id` is the delivery's id on every attempt.

use crate::feedback::FeedbackView;
use crate::ids::{AccountId, DeliveryId, SurveyId, WebhookId};
use crate::store::feedback::FeedbackItem;
use crate::store::responses::ResponseItem;
use crate::store::surveys;
use crate::store::webhooks::{self as stored, Delivery, DeliveryState};
use crate::surveys::ResponseView;
use crate::time::Timestamp;
use crate::webhooks::retry::{pause_after, DISABLE_AFTER};
use crate::webhooks::signing::Secret;
use crate::webhooks::{target, Event, EventType};
use crate::{App, Result};
use futures::future::BoxFuture;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

/// One attempt's request: where (the address the URL's host was checked to resolve to), what, and
/// the signature headers.
#[derive(Clone, Debug)]
pub struct Request {
    pub url: String,
    pub address: SocketAddr,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
}

/// How long a receiver has to answer.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// Sends a request, answering the receiver's status or why there was none. The delivery function
/// gives an HTTPS client that connects to `address` only and follows no redirect.
pub type Send = dyn Fn(Request) -> BoxFuture<'static, std::result::Result<u16, String>> + Sync;

/// A change of a table item, as a stream record carries it.
pub struct Change {
    /// `INSERT`, `MODIFY` or `REMOVE`.
    pub name: String,
    /// The stream record's id: what makes a delivery's id.
    pub id: String,
    /// When the change was made (the record's approximate time, Unix ms).
    pub at_ms: i64,
    pub new: Option<serde_dynamo::Item>,
    pub old: Option<serde_dynamo::Item>,
}

fn text<'a>(item: &'a serde_dynamo::Item, name: &str) -> Option<&'a str> {
    match item.get(name)? {
        serde_dynamo::AttributeValue::S(text) => Some(text),
        _ => None,
    }
}

/// The events the feedback table's changes make: feedback created or moved to another status,
/// responses created or given (other) topics. Items that do not read are logged and passed over.
pub async fn events_of(app: &App, changes: Vec<Change>) -> Result<Vec<Event>> {
    let mut events = vec![];
    let mut surveys_read: BTreeMap<String, Option<surveys::SurveyItem>> = BTreeMap::new();
    for change in changes {
        let Some(new) = change.new.as_ref() else { continue };
        let at = Timestamp::from_millis(change.at_ms).unwrap_or_else(Timestamp::now);
        let (pk, sk) = (text(new, "pk").unwrap_or_default(), text(new, "sk").unwrap_or_default());
        if sk == "feedback" {
            let Ok(item) = serde_dynamo::from_item::<_, FeedbackItem>(new.clone()) else {
                tracing::error!(record = %change.id, "passed over a feedback item that does not read");
                continue;
            };
            let before =
                change.old.as_ref().and_then(|old| serde_dynamo::from_item::<_, FeedbackItem>(old.clone()).ok());
            let kind = match (change.name.as_str(), before) {
                ("INSERT", _) => EventType::FeedbackCreated,
                ("MODIFY", Some(before)) if before.view.status != item.view.status => EventType::FeedbackUpdated,
                _ => continue,
            };
            events.push(Event {
                kind,
                account: item.account_id.clone(),
                at,
                project: Some(item.project_id.clone()),
                survey: None,
                data: feedback_data(&item.view, &item),
                source: change.id.clone(),
            });
        } else if pk.starts_with(SurveyId::PREFIX) && sk.starts_with("rsp_") {
            let Ok(item) = serde_dynamo::from_item::<_, ResponseItem>(new.clone()) else {
                tracing::error!(record = %change.id, "passed over a response item that does not read");
                continue;
            };
            let before =
                change.old.as_ref().and_then(|old| serde_dynamo::from_item::<_, ResponseItem>(old.clone()).ok());
            let kind = match (change.name.as_str(), before) {
                ("INSERT", _) => EventType::ResponseCreated,
                ("MODIFY", Some(before))
                    if item.response.topics.is_some() && before.response.topics != item.response.topics =>
                {
                    EventType::ResponseTopics
                }
                _ => continue,
            };
            let survey_id = item.response.survey_id.clone();
            if !surveys_read.contains_key(survey_id.as_str()) {
                let survey = surveys::get_public(app, &survey_id).await?;
                surveys_read.insert(survey_id.to_string(), survey);
            }
            // A survey deleted since has no account to tell.
            let Some(Some(survey)) = surveys_read.get(survey_id.as_str()) else { continue };
            let mut data = serde_json::to_value(ResponseView::of(item.response.clone(), &survey.survey))
                .map_err(crate::Error::internal)?;
            if let Value::Object(fields) = &mut data {
                fields.insert("surveyId".to_owned(), json!(survey_id));
            }
            events.push(Event {
                kind,
                account: survey.account_id.clone(),
                at,
                project: survey.survey.project_id.clone(),
                survey: Some(survey_id),
                data,
                source: change.id.clone(),
            });
        }
    }
    Ok(events)
}

/// Feedback as `GET /api/feedback/{id}` shows it, with the id of its project.
fn feedback_data(view: &FeedbackView, item: &FeedbackItem) -> Value {
    let mut data = serde_json::to_value(view).unwrap_or(Value::Null);
    if let Value::Object(fields) = &mut data {
        fields.insert("projectId".to_owned(), json!(item.project_id));
    }
    data
}

/// Makes one delivery per event and endpoint of its account that wants it.
pub async fn dispatch(app: &App, events: Vec<Event>) -> Result<usize> {
    let mut by_account: BTreeMap<String, (AccountId, Vec<Event>)> = BTreeMap::new();
    for event in events {
        by_account.entry(event.account.to_string()).or_insert_with(|| (event.account.clone(), vec![])).1.push(event);
    }
    let mut made = 0;
    for (account, events) in by_account.into_values() {
        let endpoints = stored::list(app, &account).await?;
        for event in &events {
            for endpoint in endpoints.iter().filter(|endpoint| endpoint.wants(event)) {
                let seed = format!("{}/{}", event.source, endpoint.sk);
                let id = DeliveryId::derived(event.at.unix_millis(), seed.as_bytes());
                stored::put_delivery(app, &Delivery::new(endpoint, id, event.kind, event.payload())).await?;
                made += 1;
            }
        }
    }
    Ok(made)
}

/// What an attempt came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attempted {
    /// Another attempt holds the delivery, or it is not due (any more).
    Skipped,
    Delivered,
    /// Failed; tried again later.
    Retrying,
    /// Failed for good (retries spent, 410 Gone, the endpoint disabled or deleted).
    Failed,
}

/// Attempts a delivery that is due, and records how it went on the delivery and its endpoint.
pub async fn attempt(app: &App, send: &Send, endpoint: &WebhookId, id: &DeliveryId) -> Result<Attempted> {
    let now = Timestamp::now();
    let Some(mut delivery) = stored::claim(app, endpoint, id, now.unix_millis()).await? else {
        return Ok(Attempted::Skipped);
    };
    let Some(endpoint) = stored::get(app, &delivery.account_id, endpoint).await? else {
        return give_up(app, delivery, "The webhook was deleted").await;
    };
    if !endpoint.enabled {
        return give_up(app, delivery, "The webhook is disabled").await;
    }
    let allow_loopback = app.settings.webhooks_allow_loopback;
    let timestamp = now.unix_seconds();
    let outcome = match target::parse(&endpoint.url, allow_loopback) {
        Err(refused) => Err(refused.to_string()),
        Ok(target) => match target::resolve(&target, allow_loopback).await {
            Err(refused) => Err(refused.to_string()),
            Ok(address) => {
                let secret = Secret::parse(&endpoint.secret).unwrap_or_else(Secret::generate);
                let headers = vec![
                    ("content-type", "application/json".to_owned()),
                    ("user-agent", "Hearken-Webhooks/1".to_owned()),
                    ("webhook-id", delivery.sk.to_string()),
                    ("webhook-timestamp", timestamp.to_string()),
                    ("webhook-signature", secret.sign(delivery.sk.as_str(), timestamp, &delivery.payload)),
                ];
                let request = Request { url: target.url, address, headers, body: delivery.payload.clone() };
                send(request).await
            }
        },
    };
    delivery.attempts += 1;
    delivery.last_attempt_at = Some(now);
    delivery.lease_until = 0;
    let (status, error) = match &outcome {
        Ok(status) => (Some(*status), None),
        Err(error) => (None, Some(error.chars().take(300).collect::<String>())),
    };
    delivery.last_status = status;
    delivery.last_error = error
        .clone()
        .or_else(|| status.filter(|s| !(200..300).contains(s)).map(|s| format!("The endpoint answered HTTP {s}")));
    let attempted = match status {
        Some(200..=299) => {
            delivery.state = DeliveryState::Delivered;
            stored::record_health(app, &endpoint, true, None).await?;
            Attempted::Delivered
        }
        Some(410) => {
            delivery.state = DeliveryState::Failed;
            stored::record_health(app, &endpoint, false, Some("The endpoint answered 410 Gone")).await?;
            Attempted::Failed
        }
        _ => {
            let failing_for = endpoint.failing_since.map(|since| now.unix_millis() - since.unix_millis());
            let disable = failing_for.is_some_and(|ms| ms >= DISABLE_AFTER.as_millis() as i64);
            let reason = disable.then_some("Every delivery failed for 3 days");
            stored::record_health(app, &endpoint, false, reason).await?;
            match pause_after(delivery.attempts, fastrand::f64()) {
                Some(pause) if !disable => {
                    delivery.next_attempt_at = Some(now.unix_millis() + pause.as_millis() as i64);
                    Attempted::Retrying
                }
                _ => {
                    delivery.state = DeliveryState::Failed;
                    Attempted::Failed
                }
            }
        }
    };
    if delivery.state != DeliveryState::Pending {
        delivery.next_attempt_at = None;
        delivery.due = None;
    }
    stored::record_attempt(app, &delivery).await?;
    Ok(attempted)
}

async fn give_up(app: &App, mut delivery: Delivery, why: &str) -> Result<Attempted> {
    delivery.state = DeliveryState::Failed;
    delivery.last_error = Some(why.to_owned());
    delivery.next_attempt_at = None;
    delivery.due = None;
    delivery.lease_until = 0;
    stored::record_attempt(app, &delivery).await?;
    Ok(Attempted::Failed)
}

/// What a sweep did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Swept {
    pub due: usize,
    pub delivered: usize,
    pub retrying: usize,
    pub failed: usize,
}

/// Attempts every pending delivery that is due (up to `limit` a sweep), a few at a time.
pub async fn sweep(app: &App, send: &Send, limit: i32) -> Result<Swept> {
    use futures::stream::{self, StreamExt};
    let due = stored::due(app, Timestamp::now().unix_millis(), limit).await?;
    let mut swept = Swept { due: due.len(), ..Swept::default() };
    // Made into a list first: a stream that held the closure would not be `Send` (a known limit of
    // the compiler with closures that return futures).
    let attempts: Vec<_> = due.iter().map(|(endpoint, id)| attempt(app, send, endpoint, id)).collect();
    let outcomes: Vec<Result<Attempted>> = stream::iter(attempts).buffer_unordered(10).collect().await;
    for outcome in outcomes {
        match outcome? {
            Attempted::Delivered => swept.delivered += 1,
            Attempted::Retrying => swept.retrying += 1,
            Attempted::Failed => swept.failed += 1,
            Attempted::Skipped => {}
        }
    }
    Ok(swept)
}
