//! A survey's topics: new responses embedded and assigned, the set re-derived when it is due, and
//! the nightly re-derivation — the topics twin of [`crate::rollup_job`]. The model itself (the
//! embedding network and the clustering) lives in the `hearken-topics` crate, which the topics
//! function alone links: it reaches these steps through [`TopicModel`], so no other function
//! carries the model's code.

use crate::ids::SurveyId;
use crate::store::response_topics::{self as stored, Processed, StoredSet};
use crate::store::responses::ResponseItem;
use crate::store::survey_days::{self, PENDING_SHARDS};
use crate::store::surveys;
use crate::store::topic_guides;
use crate::surveys::{Survey, TopicGuide};
use crate::time::Timestamp;
use crate::{App, Error, Result};
use futures::stream::{self, StreamExt, TryStreamExt};
use serde::Serialize;
use std::sync::Arc;

/// What the topic steps need of a model: vectors for texts, a set derived from samples, and the
/// topics a set gives one response.
pub trait TopicModel: Send + Sync + 'static {
    type Set: Send + Sync + 'static;
    type Vectors: Send + Sync + 'static;

    /// Vectors of each (non-empty) text, in order.
    fn embed(&self, texts: &[&str]) -> Result<Vec<Self::Vectors>>;
    /// A set derived from `samples` (oldest first: text, rating, vectors), keeping the names of
    /// `previous` topics that did not change: the owner's `guides` first, each under its name,
    /// then, when `discover`, the topics found in what the guides do not cover.
    fn derive(
        &self,
        samples: &[(&str, Option<u8>, &Self::Vectors)],
        previous: Option<&Self::Set>,
        guides: &[GuideSample<'_, Self::Vectors>],
        discover: bool,
    ) -> Self::Set;
    /// The topics `set` gives a response.
    fn assign(&self, set: &Self::Set, text: &str, vectors: &Self::Vectors) -> Vec<String>;
    /// How many topics a set has (for the log).
    fn topic_count(&self, set: &Self::Set) -> usize;
    fn set_to_bytes(&self, set: &Self::Set) -> Result<Vec<u8>>;
    /// `None` for a set of an older format (derived again).
    fn set_from_bytes(&self, bytes: &[u8]) -> Option<Self::Set>;
    fn vectors_to_bytes(&self, vectors: &Self::Vectors) -> Vec<u8>;
    fn vectors_from_bytes(&self, bytes: &[u8]) -> Option<Self::Vectors>;
}

/// An owner's topic guide as a derivation takes it: its name, and its examples with their vectors.
pub struct GuideSample<'a, V> {
    pub name: &'a str,
    pub examples: Vec<(&'a str, &'a V)>,
}

/// Responses a derivation reads (the most recent): keeps it to seconds and bounded memory
/// however large the survey; older responses keep the topics they have.
const DERIVE_SAMPLE: usize = 2_000;

/// Responses re-assigned at once after a derivation.
const PARALLEL_WRITES: usize = 8;

/// Whether a survey with `total` responses should have its set derived again now: when it has
/// none, or has grown by a quarter (at least 3 responses) since the last derivation.
fn due(set: Option<&StoredSet>, total: u64) -> bool {
    match set {
        None => total > 0,
        Some(set) => total >= set.derived_from + (set.derived_from / 4).max(3),
    }
}

/// CPU work off the async threads (other requests share them locally).
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(work).await.map_err(Error::internal)
}

/// Embeds, assigns and stores the topics of a survey's new responses; re-derives the set when due.
pub async fn process_new<M: TopicModel>(
    app: &App,
    model: &Arc<M>,
    survey: &SurveyId,
    responses: Vec<ResponseItem>,
) -> Result<()> {
    let (item, stored) = tokio::join!(surveys::get_public(app, survey), stored::get_set(app, survey));
    let (Some(item), stored) = (item?, stored?) else { return Ok(()) };
    let texts: Vec<String> = responses.iter().map(|r| item.survey.text_of(&r.response.answers)).collect();
    let (embedding, to_embed) = (Arc::clone(model), texts.clone());
    let vectors = blocking(move || {
        let present: Vec<&str> = to_embed.iter().map(String::as_str).filter(|t| !t.trim().is_empty()).collect();
        embedding.embed(&present)
    })
    .await??;
    let mut vectors = vectors.into_iter();
    let set = stored.as_ref().and_then(|s| model.set_from_bytes(&s.bytes));
    let derive = due(stored.as_ref(), item.survey.response_count);
    let all: Vec<&ResponseItem> = responses.iter().collect();
    stored::mark_days(app, &all).await?;
    for (response, text) in responses.iter().zip(&texts) {
        if text.trim().is_empty() {
            stored::set_topics(app, response, &[], None).await?;
            continue;
        }
        let v = vectors.next().ok_or_else(|| Error::internal("fewer vectors than texts"))?;
        if derive {
            // Topics come from the new set, below: until then the response shows `null`
            // ("not processed yet"), never a name the new set is about to replace.
            stored::set_vectors(app, response, model.vectors_to_bytes(&v)).await?;
        } else {
            let assigned = set.as_ref().map(|s| model.assign(s, text, &v)).unwrap_or_default();
            stored::set_topics(app, response, &assigned, Some(model.vectors_to_bytes(&v))).await?;
        }
    }
    stored::mark_days(app, &all).await?;
    if derive {
        rederive_with(app, model, &item.survey, set).await?;
    }
    Ok(())
}

/// Derives a survey's topic set again (keeping the names of topics that did not change) and
/// re-assigns the responses it was derived from.
pub async fn rederive<M: TopicModel>(app: &App, model: &Arc<M>, survey: &SurveyId) -> Result<()> {
    let (item, stored) = tokio::join!(surveys::get_public(app, survey), stored::get_set(app, survey));
    let (Some(item), stored) = (item?, stored?) else { return Ok(()) };
    let previous = stored.as_ref().and_then(|s| model.set_from_bytes(&s.bytes));
    rederive_with(app, model, &item.survey, previous).await
}

async fn rederive_with<M: TopicModel>(
    app: &App,
    model: &Arc<M>,
    survey: &Survey,
    previous: Option<M::Set>,
) -> Result<()> {
    let mut recent = stored::recent(app, &survey.id, DERIVE_SAMPLE).await?;
    // Derivation reads its samples oldest first.
    recent.reverse();
    // What the set is derived from: every response but those the function has not reached yet
    // (no vectors and no topics: later in the stream). Counting the survey's responses instead
    // would let a set derived from the first few of a burst stand for the whole burst.
    let unreached = recent.iter().filter(|p| p.vectors.is_none() && p.item.response.topics.is_none()).count() as u64;
    let total = survey.response_count.max(recent.len() as u64).saturating_sub(unreached);
    let rows: Vec<(Processed, String, M::Vectors)> = recent
        .into_iter()
        .filter_map(|p| {
            let vectors = model.vectors_from_bytes(p.vectors.as_deref()?)?;
            let text = survey.text_of(&p.item.response.answers);
            Some((p, text, vectors))
        })
        .collect();
    let guides = guide_vectors(app, model, &survey.id).await?;
    let (deriving, discover) = (Arc::clone(model), survey.discover_topics);
    let (set, rows) = blocking(move || {
        let samples: Vec<(&str, Option<u8>, &M::Vectors)> =
            rows.iter().map(|(p, text, vectors)| (text.as_str(), p.item.response.rating, vectors)).collect();
        let guides: Vec<GuideSample<'_, M::Vectors>> = guides
            .iter()
            .map(|(guide, vectors)| GuideSample {
                name: &guide.name,
                examples: guide.examples.iter().map(String::as_str).zip(vectors).collect(),
            })
            .collect();
        let set = deriving.derive(&samples, previous.as_ref(), &guides, discover);
        (set, rows)
    })
    .await?;
    stored::put_set(app, &survey.id, model.set_to_bytes(&set)?, total).await?;
    // Responses that already show topics are changed first and responses still showing `null`
    // last, so once none is `null` the whole assignment is in place.
    let changes: Vec<(ResponseItem, Vec<String>)> = rows
        .iter()
        .map(|(p, text, vectors)| (p.item.clone(), model.assign(&set, text, vectors)))
        .filter(|(item, assigned)| item.response.topics.as_deref() != Some(assigned.as_slice()))
        .collect();
    let (pending, shown): (Vec<_>, Vec<_>) = changes.into_iter().partition(|(item, _)| item.response.topics.is_none());
    let changed: Vec<&ResponseItem> = shown.iter().chain(&pending).map(|(item, _)| item).collect();
    stored::mark_days(app, &changed).await?;
    let after: Vec<ResponseItem> = changed.into_iter().cloned().collect();
    for batch in [shown, pending] {
        stream::iter(batch)
            .map(|(item, assigned)| async move { stored::set_topics(app, &item, &assigned, None).await })
            .buffer_unordered(PARALLEL_WRITES)
            .try_collect::<Vec<()>>()
            .await?;
    }
    stored::mark_days(app, &after.iter().collect::<Vec<_>>()).await?;
    let topics = model.topic_count(&set);
    tracing::info!(survey = %survey.id, responses = rows.len(), topics, "topics derived");
    Ok(())
}

/// The survey's topic guides with their examples' vectors: those kept on each guide, or, for a
/// guide new or changed since, embedded now and kept for the next derivation.
async fn guide_vectors<M: TopicModel>(
    app: &App,
    model: &Arc<M>,
    survey: &SurveyId,
) -> Result<Vec<(TopicGuide, Vec<M::Vectors>)>> {
    let mut guides = Vec::new();
    for stored in topic_guides::with_vectors(app, survey).await? {
        let kept: Option<Vec<M::Vectors>> = stored
            .vectors
            .filter(|kept| kept.len() == stored.guide.examples.len())
            .and_then(|kept| kept.iter().map(|bytes| model.vectors_from_bytes(bytes)).collect());
        let vectors = match kept {
            Some(vectors) => vectors,
            None => {
                let (embedding, examples) = (Arc::clone(model), stored.guide.examples.clone());
                let vectors =
                    blocking(move || embedding.embed(&examples.iter().map(String::as_str).collect::<Vec<_>>()))
                        .await??;
                let bytes = vectors.iter().map(|v| model.vectors_to_bytes(v)).collect();
                topic_guides::keep_vectors(app, survey, &stored.guide, bytes).await?;
                vectors
            }
        };
        guides.push((stored.guide, vectors));
    }
    Ok(guides)
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
pub async fn nightly<M: TopicModel>(app: &App, model: &Arc<M>, deadline_ms: u64) -> Result<NightlyReport> {
    let margin_ms = 120_000;
    let mut report = NightlyReport::default();
    let tomorrow = crate::rollup_job::today() + chrono::Duration::days(1);
    let mut done: Vec<SurveyId> = vec![];
    for shard in 0..PENDING_SHARDS {
        let mut start = None;
        loop {
            let (marks, next) = survey_days::pending_page(app, shard, tomorrow, start).await?;
            for (survey, _) in marks {
                if done.contains(&survey) {
                    continue;
                }
                if Timestamp::now().unix_millis().max(0) as u64 + margin_ms > deadline_ms {
                    report.stopped_early = true;
                    return Ok(report);
                }
                rederive(app, model, &survey).await?;
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
