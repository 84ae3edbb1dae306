//! The topics function. For each new survey response (an INSERT on the feedback table's stream) it
//! embeds the response's text answers, keeps the vectors on the response, and gives it the topics
//! of its survey's topic set. While a survey is young or has grown by a quarter since, the set is
//! re-derived at once from the survey's recent responses (so a new survey has topics within
//! seconds); every night it is re-derived for surveys that got responses. A re-derivation
//! re-assigns the responses it read; every change of a response's topics marks its day, so
//! `/topics` (rollups + live days) and `/feedback` always show the same assignment. A change of the
//! owner's steering (a topic guide made, changed or deleted, or `discoverTopics` switched: the
//! survey's steering item on the same stream) re-derives the survey's set at once.

mod model;

use aws_lambda_events::event::dynamodb::Event;
use aws_lambda_events::streams::DynamoDbEventResponse;
use hearken::ids::SurveyId;
use hearken::ops::topics::{self, NightlyReport};
use hearken::store::responses::ResponseItem;
use hearken::store::topic_guides;
use hearken::stream_batch;
use hearken::{App, Error, Result};
use std::collections::BTreeMap;

pub use model::{model, Model};

/// Handles one stream batch: new responses, grouped by survey; answers the records that failed
/// (by sequence number). Processing is idempotent (a response's topics are set, not added), so
/// Lambda may hand a record in again. A record that fails (a passing outage, or its image does not
/// decode, or its survey's processing fails for good) is logged with its keys and reported, with
/// the other records of its survey; the rest of the batch is processed. Lambda retries from the
/// first reported record a bounded number of times, then sends the batch's coordinates to the
/// failure queue and moves on; the nightly re-derivation assigns topics to what was left over.
pub async fn handle(app: &App, event: Event) -> Result<DynamoDbEventResponse> {
    let mut by_survey: BTreeMap<String, (Vec<ResponseItem>, Vec<Sequence>)> = BTreeMap::new();
    let mut steered: BTreeMap<SurveyId, Vec<Sequence>> = BTreeMap::new();
    let mut failed: Vec<Sequence> = vec![];
    for record in event.records {
        let sequence = record.change.sequence_number.clone();
        let keys = &record.change.keys;
        let key = |name: &str| match keys.get(name) {
            Some(serde_dynamo::AttributeValue::S(text)) => text.as_str(),
            _ => "",
        };
        // The owner changed the survey's guides or `discoverTopics`: derive its topics again.
        if let Some(survey) = topic_guides::steered_survey(key("pk"), key("sk")) {
            if record.event_name != "REMOVE" {
                steered.entry(survey).or_default().push(sequence);
            }
            continue;
        }
        if record.event_name != "INSERT" {
            continue;
        }
        let is_response = |name: &str, prefix: &str| {
            keys.get(name).is_some_and(|v| matches!(v, serde_dynamo::AttributeValue::S(s) if s.starts_with(prefix)))
        };
        // Miniback feedback shares the table; only survey responses have topics.
        if !(is_response("pk", "srv_") && is_response("sk", "rsp_")) {
            continue;
        }
        match serde_dynamo::from_item::<_, ResponseItem>(record.change.new_image) {
            Ok(item) => {
                let group = by_survey.entry(item.pk.clone()).or_default();
                group.0.push(item);
                group.1.push(sequence);
            }
            Err(err) => {
                let (event_id, keys, err) = (&record.event_id, &record.change.keys, Error::from(err));
                tracing::error!(%event_id, ?keys, error = %err, "a stream record failed; reported for retry, then the failure queue");
                failed.push(sequence);
            }
        }
    }
    if by_survey.is_empty() && steered.is_empty() {
        return Ok(stream_batch::reporting(failed));
    }
    // A model that does not load is the deployment's to fix: the whole batch waits for it.
    let model = model()?;
    for (survey, (responses, sequences)) in by_survey {
        let Some(survey) = SurveyId::parse(&survey) else { continue };
        // Boxed: the topic steps' future is deep, and the runtime's would nest it again.
        if let Err(err) = Box::pin(topics::process_new(app, &model, &survey, responses)).await {
            tracing::error!(%survey, error = %err, "a survey's new responses failed; reported for retry, then the failure queue");
            failed.extend(sequences);
        }
    }
    for (survey, sequences) in steered {
        if let Err(err) = Box::pin(topics::rederive(app, &model, &survey)).await {
            tracing::error!(%survey, error = %err, "a steered survey failed; reported for retry, then the failure queue");
            failed.extend(sequences);
        }
    }
    Ok(stream_batch::reporting(failed))
}

/// A stream record's sequence number: how a batch response names it.
type Sequence = Option<String>;

/// The nightly re-derivation of every survey that got responses, until `deadline_ms` (Unix ms).
pub async fn nightly(app: &App, deadline_ms: u64) -> Result<NightlyReport> {
    Box::pin(topics::nightly(app, &model()?, deadline_ms)).await
}
