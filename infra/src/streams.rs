//! A local stand-in for Lambda's DynamoDB event source mapping: for every function that
//! template.yaml subscribes to a table's stream, poll that stream in DynamoDB Local and call the
//! function's handler in-process with the event Lambda would send. As Lambda does with
//! `ReportBatchItemFailures`: the records before the first one the handler reports are done; the
//! shard is read again from that record (or from the batch's start when the whole batch failed)
//! up to [`RETRIES`] times, then the record (or the batch) is given up — logged and kept in
//! [`given_up`], the local failure queue — and the shard moves on past it.

use crate::registry::{self, StreamHandler};
use crate::tables::local_name;
use crate::template::Template;
use aws_sdk_dynamodbstreams::types::{Record, ShardIteratorType};
use aws_sdk_dynamodbstreams::Client as StreamsClient;
use hearken::App;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::Duration;

/// How often an idle stream is polled.
const POLL: Duration = Duration::from_millis(100);
/// Records per batch (the template's `BatchSize` for the cleanup is 10; any size works here).
const BATCH: i32 = 100;
/// Retries of a failing record before it is given up. Deployed, `MaximumRetryAttempts` is 5 (with
/// the batch bisected between); locally fewer, so a poison record holds a test's shard for
/// seconds rather than a minute.
pub const RETRIES: u32 = 3;
/// The pause before a retry, times the attempt: a passing failure (DynamoDB Local busy on a
/// loaded machine) gets a few seconds to clear before its record is given up.
const RETRY_PAUSE: Duration = Duration::from_millis(500);

/// The local failure queue: every (table, sequence number) given up, for tests to look at.
static GIVEN_UP: std::sync::Mutex<Vec<(String, String)>> = std::sync::Mutex::new(Vec::new());

/// The sequence numbers of the records of `table` (its local name) that were given up.
pub fn given_up(table: &str) -> Vec<String> {
    let given_up = GIVEN_UP.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    given_up.iter().filter(|(t, _)| t == table).map(|(_, sequence)| sequence.clone()).collect()
}

/// A streams client for the same endpoint as the tables (DynamoDB Local serves both).
pub async fn client() -> StreamsClient {
    client_for(&crate::stack::sdk_config().await)
}

/// A streams client with the same configuration (credentials, so the same DynamoDB Local database)
/// as a DynamoDB client made from `config`.
pub fn client_for(config: &aws_config::SdkConfig) -> StreamsClient {
    let mut config = aws_sdk_dynamodbstreams::config::Builder::from(config);
    if let Ok(endpoint) = std::env::var("AWS_ENDPOINT_URL_DYNAMODB") {
        config = config.endpoint_url(endpoint);
    }
    StreamsClient::from_conf(config.build())
}

/// Starts one poller per (function, stream) of the template, for tables under `prefix`.
pub async fn start(app: App, template: &Template, prefix: &str) -> Result<(), String> {
    start_some(app, client().await, template, prefix, |_| true).await
}

/// Like [`start`], for the functions whose binary `keep` accepts (a test that writes what a
/// consumer would otherwise overwrite leaves that consumer out).
pub async fn start_some(
    app: App,
    streams: StreamsClient,
    template: &Template,
    prefix: &str,
    keep: impl Fn(&str) -> bool,
) -> Result<(), String> {
    let consumers = registry::stream_consumers();
    for function in template.functions.iter().filter(|f| keep(&f.binary)) {
        for table in &function.streams {
            let consumer = consumers
                .iter()
                .find(|c| c.binary == function.binary)
                .ok_or_else(|| format!("no stream handler for binary {}", function.binary))?;
            let table_name = local_name(prefix, table);
            tokio::spawn(poll(app.clone(), streams.clone(), table_name, consumer.handler));
        }
    }
    Ok(())
}

async fn poll(app: App, streams: StreamsClient, table: String, handler: StreamHandler) {
    let arn = loop {
        match app.db.describe_table().table_name(&table).send().await {
            Ok(out) => {
                if let Some(arn) = out.table().and_then(|t| t.latest_stream_arn()) {
                    break arn.to_owned();
                }
            }
            Err(err) if is_gone(&err) => return,
            Err(_) => {}
        }
        tokio::time::sleep(POLL).await;
    };
    // Where each shard is read up to: the last sequence number handed to the handler.
    let mut shards: HashMap<String, Shard> = HashMap::new();
    loop {
        match streams.describe_stream().stream_arn(&arn).send().await {
            Ok(out) => {
                for shard in out.stream_description().map(|d| d.shards()).unwrap_or_default() {
                    if let Some(id) = shard.shard_id() {
                        shards.entry(id.to_owned()).or_default();
                    }
                }
            }
            // The table (and so the stream) was deleted: the test or the stack is over.
            Err(_) if !table_exists(&app, &table).await => return,
            Err(_) => {}
        }
        let mut idle = true;
        for (id, shard) in shards.iter_mut().filter(|(_, shard)| !shard.closed) {
            if shard.iterator.is_none() {
                // DynamoDB Local invalidates an iterator taken while its shard was empty, so one
                // is taken afresh whenever the last read failed, from where the handler left off.
                let request = streams.get_shard_iterator().stream_arn(&arn).shard_id(id);
                let request = match &shard.last_sequence {
                    Some(sequence) => {
                        request.shard_iterator_type(ShardIteratorType::AfterSequenceNumber).sequence_number(sequence)
                    }
                    None => request.shard_iterator_type(ShardIteratorType::TrimHorizon),
                };
                shard.iterator = request.send().await.ok().and_then(|o| o.shard_iterator().map(str::to_owned));
            }
            let Some(current) = shard.iterator.clone() else { continue };
            let Ok(out) = streams.get_records().shard_iterator(&current).limit(BATCH).send().await else {
                shard.iterator = None;
                continue;
            };
            let records = out.records();
            if !records.is_empty() {
                idle = false;
                let sequences: Vec<Option<String>> =
                    records.iter().map(|r| r.dynamodb().and_then(|c| c.sequence_number()).map(str::to_owned)).collect();
                let outcome = match serde_json::from_value(event_of(records, &arn)) {
                    Ok(event) => handler(app.clone(), event).await,
                    Err(err) => {
                        tracing::error!(error = %err, "could not build a stream event");
                        Ok(Default::default())
                    }
                };
                // Where the batch failed: the first reported record, or its start when the whole
                // batch failed (or a reported identifier is not in the batch, as Lambda takes it).
                let failed_at = match outcome {
                    Ok(response) => {
                        let reported: Vec<Option<usize>> = response
                            .batch_item_failures
                            .iter()
                            .map(|f| sequences.iter().position(|s| s.is_some() && *s == f.item_identifier))
                            .collect();
                        if reported.iter().any(Option::is_none) {
                            Some(0)
                        } else {
                            reported.into_iter().flatten().min()
                        }
                    }
                    Err(err) => {
                        tracing::warn!(table = %table, error = %err, "stream handler failed the whole batch");
                        Some(0)
                    }
                };
                if let Some(at) = failed_at {
                    // Done up to the failed record; it is read again, unless its retries are spent.
                    if at > 0 {
                        shard.last_sequence = sequences[at - 1].clone();
                    }
                    let failed = sequences[at].clone().unwrap_or_default();
                    let attempts = if shard.failing.as_ref().map(|(s, _)| s) == Some(&failed) {
                        shard.failing.as_ref().map_or(1, |(_, n)| n + 1)
                    } else {
                        1
                    };
                    if attempts <= RETRIES {
                        tracing::warn!(table = %table, sequence = %failed, attempts, "a stream record failed; retrying from it");
                        shard.failing = Some((failed, attempts));
                        tokio::time::sleep(RETRY_PAUSE * attempts).await;
                    } else {
                        tracing::error!(table = %table, sequence = %failed, "a stream record failed every retry; given up (the failure queue)");
                        GIVEN_UP
                            .lock()
                            .unwrap_or_else(|poisoned| poisoned.into_inner())
                            .push((table.clone(), failed.clone()));
                        shard.failing = None;
                        shard.last_sequence = Some(failed);
                    }
                    shard.iterator = None;
                    continue;
                }
                shard.failing = None;
                shard.last_sequence = sequences.last().cloned().flatten();
            }
            match out.next_shard_iterator() {
                Some(next) => shard.iterator = Some(next.to_owned()),
                None => shard.closed = true,
            }
        }
        if idle {
            tokio::time::sleep(POLL).await;
        }
    }
}

/// How far a shard has been read.
#[derive(Default)]
struct Shard {
    iterator: Option<String>,
    last_sequence: Option<String>,
    /// The record the shard is retrying, and how many times it has failed.
    failing: Option<(String, u32)>,
    closed: bool,
}

async fn table_exists(app: &App, table: &str) -> bool {
    !matches!(app.db.describe_table().table_name(table).send().await, Err(ref err) if is_gone(err))
}

fn is_gone<E: aws_sdk_dynamodb::error::ProvideErrorMetadata, R>(err: &aws_sdk_dynamodb::error::SdkError<E, R>) -> bool {
    err.as_service_error().and_then(|e| e.code()) == Some("ResourceNotFoundException")
}

/// The Lambda event for a batch of stream records (the shape of `events/project-removed.json`).
pub fn event_of(records: &[Record], arn: &str) -> Value {
    let records: Vec<Value> = records
        .iter()
        .map(|record| {
            let change = record.dynamodb();
            let image = |map: Option<&HashMap<String, aws_sdk_dynamodbstreams::types::AttributeValue>>| {
                map.map(|m| serde_json::to_value(serde_dynamo::Item::from(m.clone())).unwrap_or(Value::Null)).unwrap_or(Value::Null)
            };
            json!({
                "eventID": record.event_id(),
                "eventName": record.event_name().map(|n| n.as_str()),
                "eventVersion": record.event_version(),
                "eventSource": "aws:dynamodb",
                "awsRegion": record.aws_region().unwrap_or("local"),
                "eventSourceARN": arn,
                "dynamodb": {
                    "ApproximateCreationDateTime": change.and_then(|c| c.approximate_creation_date_time()).map(|t| t.secs()),
                    "Keys": image(change.and_then(|c| c.keys.as_ref())),
                    "NewImage": image(change.and_then(|c| c.new_image.as_ref())),
                    "OldImage": image(change.and_then(|c| c.old_image.as_ref())),
                    "SequenceNumber": change.and_then(|c| c.sequence_number()),
                    "SizeBytes": change.and_then(|c| c.size_bytes()).unwrap_or(0),
                    "StreamViewType": change.and_then(|c| c.stream_view_type()).map(|v| v.as_str()),
                },
            })
        })
        .collect();
    json!({ "Records": records })
}
