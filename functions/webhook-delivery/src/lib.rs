//! The webhook delivery function. From the feedback table's stream it makes the events'
//! deliveries (`ops::webhook_events::dispatch`); from the webhooks table's stream it attempts each
//! delivery that became due (new, or re-queued by a retry); every minute it sweeps the deliveries
//! whose retry is due. Attempts go out over HTTPS to the very address the URL's host was checked to
//! resolve to, with a 10 s timeout and no redirects.

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_lambda_events::streams::DynamoDbEventResponse;
use hearken::ids::{DeliveryId, WebhookId};
use hearken::ops::webhook_events::{self, Change, Request, Swept, ATTEMPT_TIMEOUT};
use hearken::{App, Result};

/// Deliveries a sweep attempts at most (the next sweep takes the rest).
const SWEEP_LIMIT: i32 = 200;

/// Handles a batch of either stream; answers the records that failed (by sequence number), for
/// Lambda to retry a bounded number of times before the failure queue. The rest of the batch is
/// processed: when the batch's events cannot be made together, each record's are made on its own,
/// so only the records that fail alone are reported. Making a record's deliveries again is
/// harmless (their ids derive from the record), and an attempt claims its delivery first.
pub async fn handle(app: &App, event: Event) -> Result<DynamoDbEventResponse> {
    let (mut changes, mut due) = (vec![], vec![]);
    for record in event.records {
        // Told apart by their keys: a delivery lives under its endpoint (`whk_…`); everything
        // else comes from the feedback table.
        if key_starts(&record, WebhookId::PREFIX) {
            if let Some((endpoint, id)) = due_delivery(&record) {
                due.push((endpoint, id, record.change.sequence_number.clone()));
            }
        } else {
            changes.push(record);
        }
    }
    let mut failed = vec![];
    if !changes.is_empty() {
        if let Err(err) = make_deliveries(app, changes.to_vec()).await {
            tracing::warn!(error = %err, "the batch's deliveries failed together; making them record by record");
            for record in changes {
                if let Err(err) = make_deliveries(app, vec![record.clone()]).await {
                    let (event_id, keys) = (&record.event_id, &record.change.keys);
                    tracing::error!(%event_id, ?keys, error = %err, "a stream record failed; reported for retry, then the failure queue");
                    failed.push(record.change.sequence_number);
                }
            }
        }
    }
    let attempts = due.iter().map(|(endpoint, id, _)| webhook_events::attempt(app, &send, endpoint, id));
    for (outcome, (endpoint, id, sequence)) in futures::future::join_all(attempts).await.into_iter().zip(due) {
        if let Err(err) = outcome {
            tracing::error!(%endpoint, delivery = %id, error = %err, "a due delivery's attempt failed; reported for retry, then the failure queue");
            failed.push(sequence);
        }
    }
    Ok(hearken::stream_batch::reporting(failed))
}

/// Makes the deliveries of the events that feedback-table records make.
async fn make_deliveries(app: &App, records: Vec<EventRecord>) -> Result<()> {
    let events = webhook_events::events_of(app, records.into_iter().map(change_of).collect()).await?;
    webhook_events::dispatch(app, events).await?;
    Ok(())
}

/// Attempts the deliveries that are due.
pub async fn sweep(app: &App) -> Result<Swept> {
    webhook_events::sweep(app, &send, SWEEP_LIMIT).await
}

/// Whether the record's partition key starts with `prefix`.
fn key_starts(record: &EventRecord, prefix: &str) -> bool {
    matches!(record.change.keys.get("pk"), Some(serde_dynamo::AttributeValue::S(pk)) if pk.starts_with(prefix))
}

fn change_of(record: EventRecord) -> Change {
    let non_empty = |item: serde_dynamo::Item| (!item.is_empty()).then_some(item);
    Change {
        name: record.event_name,
        id: record.event_id,
        at_ms: record.change.approximate_creation_date_time.timestamp_millis(),
        new: non_empty(record.change.new_image),
        old: non_empty(record.change.old_image),
    }
}

/// The delivery a webhooks-table record makes due now, if it does.
fn due_delivery(record: &EventRecord) -> Option<(WebhookId, DeliveryId)> {
    let image = &record.change.new_image;
    let text = |name: &str| match image.get(name) {
        Some(serde_dynamo::AttributeValue::S(text)) => Some(text.as_str()),
        _ => None,
    };
    if text("due") != Some("due") {
        return None;
    }
    Some((WebhookId::parse(text("pk")?)?, DeliveryId::parse(text("sk")?)?))
}

/// Sends one attempt: HTTPS (or HTTP to loopback on the local stack) to the checked address.
fn send(request: Request) -> futures::future::BoxFuture<'static, std::result::Result<u16, String>> {
    Box::pin(attempt_http(request))
}

async fn attempt_http(request: Request) -> std::result::Result<u16, String> {
    let url = reqwest::Url::parse(&request.url).map_err(|e| e.to_string())?;
    let host = url.host_str().unwrap_or_default().to_owned();
    let client = reqwest::Client::builder()
        .resolve(&host, request.address)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(ATTEMPT_TIMEOUT)
        .build()
        .map_err(|e| e.to_string())?;
    let mut call = client.post(url).body(request.body);
    for (name, value) in request.headers {
        call = call.header(name, value);
    }
    match call.send().await {
        Ok(answer) => Ok(answer.status().as_u16()),
        Err(err) if err.is_timeout() => Err("The endpoint did not answer within 10 s".to_owned()),
        Err(err) if err.is_connect() => Err("Could not connect to the endpoint".to_owned()),
        Err(_) => Err("The request to the endpoint failed".to_owned()),
    }
}
