//! The topics function. For each new survey response (an INSERT on the feedback table's stream) it
//! embeds the response's text answers, keeps the vectors on the response, and gives it the topics
//! of its survey's topic set. While a survey is young or has grown by a quarter since, the set is
//! re-derived at once from the survey's recent responses (so a new survey has topics within
//! seconds); every night it is re-derived for surveys that got responses. A re-derivation
//! re-assigns the responses it read; every change of a response's topics marks its day, so
//! `/topics` (rollups + live days) and `/feedback` always show the same assignment.

mod model;

use aws_lambda_events::event::dynamodb::Event;
use hearken::ids::SurveyId;
use hearken::ops::topics::{self, NightlyReport};
use hearken::store::responses::ResponseItem;
use hearken::{App, Error, Result};
use std::collections::BTreeMap;

pub use model::{model, Model};

/// Handles one stream batch: new responses, grouped by survey. A passing error (throttling, an
/// outage, a timeout) makes Lambda retry the batch; processing is idempotent (a response's topics
/// are set, not added). A record that no retry can help (its image does not decode, or its
/// survey's processing fails for a reason that is not passing) is logged with its keys and passed
/// over: retried, it would hold back every response behind it in its shard until the stream drops
/// them all (after 24 hours); the nightly re-derivation assigns topics to what was passed over.
pub async fn handle(app: &App, event: Event) -> Result<()> {
    let mut by_survey: BTreeMap<String, Vec<ResponseItem>> = BTreeMap::new();
    for record in event.records {
        if record.event_name != "INSERT" {
            continue;
        }
        let keys = &record.change.keys;
        let is_response = |name: &str, prefix: &str| {
            keys.get(name).is_some_and(|v| matches!(v, serde_dynamo::AttributeValue::S(s) if s.starts_with(prefix)))
        };
        // Miniback feedback shares the table; only survey responses have topics.
        if !(is_response("pk", "srv_") && is_response("sk", "rsp_")) {
            continue;
        }
        match serde_dynamo::from_item::<_, ResponseItem>(record.change.new_image) {
            Ok(item) => by_survey.entry(item.pk.clone()).or_default().push(item),
            Err(err) => {
                let (event_id, keys, err) = (&record.event_id, &record.change.keys, Error::from(err));
                tracing::error!(%event_id, ?keys, error = %err, "passed over a stream record that no retry can process");
            }
        }
    }
    if by_survey.is_empty() {
        return Ok(());
    }
    // A model that does not load is the deployment's to fix: the batch waits for it.
    let model = model()?;
    for (survey, responses) in by_survey {
        let Some(survey) = SurveyId::parse(&survey) else { continue };
        // Boxed: the topic steps' future is deep, and the runtime's would nest it again.
        match Box::pin(topics::process_new(app, &model, &survey, responses)).await {
            Ok(()) => {}
            Err(err @ Error::Unavailable(_)) => return Err(err),
            Err(err) => {
                tracing::error!(%survey, error = %err, "passed over a survey's new responses that no retry can process")
            }
        }
    }
    Ok(())
}

/// The nightly re-derivation of every survey that got responses, until `deadline_ms` (Unix ms).
pub async fn nightly(app: &App, deadline_ms: u64) -> Result<NightlyReport> {
    Box::pin(topics::nightly(app, &model()?, deadline_ms)).await
}
