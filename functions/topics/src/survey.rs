//! One survey's topics: embedding new responses, assigning them, and re-deriving the set.

use crate::embedder;
use futures::stream::{self, StreamExt, TryStreamExt};
use hearken::ids::SurveyId;
use hearken::store::responses::ResponseItem;
use hearken::store::{response_topics, surveys};
use hearken::surveys::Survey;
use hearken::{App, Error, Result};
use hearken_topics::{derive_topics_with_previous, ResponseVectors, Sample, TopicSet, TOPIC_SET_FORMAT};

/// Responses a derivation reads (the most recent): keeps it to seconds and bounded memory
/// however large the survey; older responses keep the topics they have.
const DERIVE_SAMPLE: usize = 2_000;

/// Responses re-assigned at once after a derivation.
const PARALLEL_WRITES: usize = 8;

/// Whether a survey with `total` responses should have its set derived again now: when it has
/// none, or has grown by a quarter (at least 3 responses) since the last derivation.
fn due(set: Option<&response_topics::StoredSet>, total: u64) -> bool {
    match set {
        None => total > 0,
        Some(set) => total >= set.derived_from + (set.derived_from / 4).max(3),
    }
}

fn read_set(stored: Option<&response_topics::StoredSet>) -> Option<TopicSet> {
    let set: TopicSet = serde_json::from_slice(&stored?.bytes).ok()?;
    (set.format == TOPIC_SET_FORMAT).then_some(set)
}

/// CPU work off the async threads (other requests share them locally).
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(work).await.map_err(Error::internal)
}

/// Embeds, assigns and stores the topics of a survey's new responses; re-derives the set when due.
pub async fn process_new(app: &App, survey: &SurveyId, responses: Vec<ResponseItem>) -> Result<()> {
    let (item, stored) = tokio::join!(surveys::get_public(app, survey), response_topics::get_set(app, survey));
    let (Some(item), stored) = (item?, stored?) else { return Ok(()) };
    let texts: Vec<String> = responses.iter().map(|r| item.survey.text_of(&r.response.answers)).collect();
    let embedder = embedder()?;
    let to_embed = texts.clone();
    let vectors = blocking(move || {
        let present: Vec<&str> = to_embed.iter().map(String::as_str).filter(|t| !t.trim().is_empty()).collect();
        embedder.response_vectors_batch(&present)
    })
    .await?
    .map_err(Error::internal)?;
    let mut vectors = vectors.into_iter();
    let set = read_set(stored.as_ref());
    let derive = due(stored.as_ref(), item.survey.response_count);
    let all: Vec<&ResponseItem> = responses.iter().collect();
    response_topics::mark_days(app, &all).await?;
    for (response, text) in responses.iter().zip(&texts) {
        if text.trim().is_empty() {
            response_topics::set_topics(app, response, &[], None).await?;
            continue;
        }
        let v = vectors.next().ok_or_else(|| Error::internal("fewer vectors than texts"))?;
        if derive {
            // Topics come from the new set, below: until then the response shows `null`
            // ("not processed yet"), never a name the new set is about to replace.
            response_topics::set_vectors(app, response, v.to_bytes()).await?;
        } else {
            let assigned = set.as_ref().map(|s| s.assign(text, &v)).unwrap_or_default();
            response_topics::set_topics(app, response, &assigned, Some(v.to_bytes())).await?;
        }
    }
    response_topics::mark_days(app, &all).await?;
    if derive {
        rederive_with(app, &item.survey, set).await?;
    }
    Ok(())
}

/// Derives a survey's topic set again (keeping the names of topics that did not change) and
/// re-assigns the responses it was derived from.
pub async fn rederive(app: &App, survey: &SurveyId) -> Result<()> {
    let (item, stored) = tokio::join!(surveys::get_public(app, survey), response_topics::get_set(app, survey));
    let (Some(item), stored) = (item?, stored?) else { return Ok(()) };
    rederive_with(app, &item.survey, read_set(stored.as_ref())).await
}

async fn rederive_with(app: &App, survey: &Survey, previous: Option<TopicSet>) -> Result<()> {
    let mut recent = response_topics::recent(app, &survey.id, DERIVE_SAMPLE).await?;
    // Derivation reads its samples oldest first.
    recent.reverse();
    // What the set is derived from: every response but those the function has not reached yet
    // (no vectors and no topics: later in the stream). Counting the survey's responses instead
    // would let a set derived from the first few of a burst stand for the whole burst.
    let unreached = recent.iter().filter(|p| p.vectors.is_none() && p.item.response.topics.is_none()).count() as u64;
    let total = survey.response_count.max(recent.len() as u64).saturating_sub(unreached);
    let rows: Vec<(response_topics::Processed, String, ResponseVectors)> = recent
        .into_iter()
        .filter_map(|p| {
            let vectors = ResponseVectors::from_bytes(p.vectors.as_deref()?).ok()?;
            let text = survey.text_of(&p.item.response.answers);
            Some((p, text, vectors))
        })
        .collect();
    // The model also picks each new topic's name among its frequent phrases.
    let embedder = embedder()?;
    let (set, rows) = blocking(move || {
        let samples: Vec<Sample> =
            rows.iter().map(|(p, text, vectors)| Sample { text, rating: p.item.response.rating, vectors }).collect();
        let set = derive_topics_with_previous(&samples, previous.as_ref(), Some(embedder));
        (set, rows)
    })
    .await?;
    let bytes = serde_json::to_vec(&set).map_err(Error::internal)?;
    response_topics::put_set(app, &survey.id, bytes, total).await?;
    // Responses that already show topics are changed first and responses still showing `null`
    // last, so once none is `null` the whole assignment is in place.
    let changes: Vec<(ResponseItem, Vec<String>)> = rows
        .iter()
        .map(|(p, text, vectors)| (p.item.clone(), set.assign(text, vectors)))
        .filter(|(item, assigned)| item.response.topics.as_deref() != Some(assigned.as_slice()))
        .collect();
    let (pending, shown): (Vec<_>, Vec<_>) = changes.into_iter().partition(|(item, _)| item.response.topics.is_none());
    let changed: Vec<&ResponseItem> = shown.iter().chain(&pending).map(|(item, _)| item).collect();
    response_topics::mark_days(app, &changed).await?;
    let after: Vec<ResponseItem> = changed.into_iter().cloned().collect();
    for batch in [shown, pending] {
        stream::iter(batch)
            .map(|(item, assigned)| async move { response_topics::set_topics(app, &item, &assigned, None).await })
            .buffer_unordered(PARALLEL_WRITES)
            .try_collect::<Vec<()>>()
            .await?;
    }
    response_topics::mark_days(app, &after.iter().collect::<Vec<_>>()).await?;
    tracing::info!(survey = %survey.id, responses = rows.len(), topics = set.topics.len(), "topics derived");
    Ok(())
}
