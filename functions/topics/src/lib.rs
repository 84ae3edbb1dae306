//! The topics function. For each new survey response (an INSERT on the feedback table's stream) it
//! embeds the response's text answers, keeps the vectors on the response, and gives it the topics
//! of its survey's topic set. While a survey is young or has grown by a quarter since, the set is
//! re-derived at once from the survey's recent responses (so a new survey has topics within
//! seconds); every night it is re-derived for surveys that got responses. A re-derivation
//! re-assigns the responses it read; every change of a response's topics marks its day, so
//! `/topics` (rollups + live days) and `/feedback` always show the same assignment.

mod survey;

use aws_lambda_events::event::dynamodb::Event;
use hearken::ids::SurveyId;
use hearken::store::responses::ResponseItem;
use hearken::store::survey_days::{self, PENDING_SHARDS};
use hearken::{App, Error, Result};
use hearken_topics::Embedder;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

pub use survey::{process_new, rederive};

static EMBEDDER: OnceLock<Embedder> = OnceLock::new();

/// The model, loaded once per process (`HEARKEN_MODEL_DIR`, or the directory `infra/model.sh
/// fetch` fills).
pub fn embedder() -> Result<&'static Embedder> {
    if let Some(embedder) = EMBEDDER.get() {
        return Ok(embedder);
    }
    let dir = hearken_topics::default_model_dir();
    let loaded = Embedder::load(&dir).map_err(|e| {
        Error::internal(format!("cannot load the topics model from {} (run infra/model.sh fetch): {e}", dir.display()))
    })?;
    Ok(EMBEDDER.get_or_init(|| loaded))
}

/// Handles one stream batch: new responses, grouped by survey. An error makes Lambda retry the
/// batch; processing is idempotent (a response's topics are set, not added).
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
        let item: ResponseItem = serde_dynamo::from_item(record.change.new_image)?;
        by_survey.entry(item.pk.clone()).or_default().push(item);
    }
    for (survey, responses) in by_survey {
        if let Some(survey) = SurveyId::parse(&survey) {
            process_new(app, &survey, responses).await?;
        }
    }
    Ok(())
}

/// What a nightly run did.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NightlyReport {
    pub surveys: u64,
    pub stopped_early: bool,
}

/// The nightly re-derivation: every survey with a marked day (new responses since its last
/// rollup) gets its topic set derived again, until `deadline_ms` (Unix ms) is near.
pub async fn nightly(app: &App, deadline_ms: u64) -> Result<NightlyReport> {
    let margin_ms = 120_000;
    let mut report = NightlyReport::default();
    let tomorrow = hearken::rollup_job::today() + chrono::Duration::days(1);
    let mut done: Vec<SurveyId> = vec![];
    for shard in 0..PENDING_SHARDS {
        let mut start = None;
        loop {
            let (marks, next) = survey_days::pending_page(app, shard, tomorrow, start).await?;
            for (survey, _) in marks {
                if done.contains(&survey) {
                    continue;
                }
                if hearken::time::Timestamp::now().unix_millis().max(0) as u64 + margin_ms > deadline_ms {
                    report.stopped_early = true;
                    return Ok(report);
                }
                rederive(app, &survey).await?;
                done.push(survey);
                report.surveys += 1;
            }
            start = next;
            if start.is_none() {
                break;
            }
        }
    }
    Ok(report)
}
