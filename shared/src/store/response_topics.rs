//! What the topics function keeps: a survey's topic set (surveys table, sk `topics`, stored as
//! the opaque bytes the topics crate writes), each response's vectors and topics (on the response
//! item). Changing a response's topics also marks its day, so its rollup is counted again and
//! `/topics` always agrees with `/feedback`.

use super::responses::ResponseItem;
use super::{get_item, n, number, s, Item, Pages};
use crate::analytics::ResponseFacts;
use crate::ids::SurveyId;
use crate::request_scope::db_call;
use crate::time::Timestamp;
use crate::{App, Result};
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;

const TOPICS_SK: &str = "topics";

/// A survey's stored topic set.
#[derive(Clone, Debug)]
pub struct StoredSet {
    pub bytes: Vec<u8>,
    /// The survey's response count when the set was derived.
    pub derived_from: u64,
    pub derived_at: Timestamp,
}

/// The survey's topic set, if one was derived.
pub async fn get_set(app: &App, survey: &SurveyId) -> Result<Option<StoredSet>> {
    let request = app
        .db
        .get_item()
        .table_name(&app.tables.surveys)
        .key("pk", s(survey.as_str()))
        .key("sk", s(TOPICS_SK))
        .consistent_read(true);
    let Some(item) = get_item(request).await? else { return Ok(None) };
    let bytes = item.get("set").and_then(|v| v.as_b().ok()).map(|b| b.as_ref().to_vec()).unwrap_or_default();
    let derived_at = item
        .get("derivedAt")
        .and_then(|v| v.as_s().ok())
        .and_then(|t| Timestamp::parse(t))
        .unwrap_or_else(Timestamp::now);
    Ok(Some(StoredSet { bytes, derived_from: number(&item, "derivedFrom").unwrap_or(0).max(0) as u64, derived_at }))
}

/// Stores a survey's topic set whole.
pub async fn put_set(app: &App, survey: &SurveyId, bytes: Vec<u8>, derived_from: u64) -> Result<()> {
    let call = app
        .db
        .put_item()
        .table_name(&app.tables.surveys)
        .item("pk", s(survey.as_str()))
        .item("sk", s(TOPICS_SK))
        .item("set", AttributeValue::B(Blob::new(bytes)))
        .item("derivedFrom", n(derived_from))
        .item("derivedAt", s(Timestamp::now().to_iso()))
        .send();
    db_call(call).await?;
    Ok(())
}

/// A response as topic discovery reads it.
#[derive(Clone, Debug)]
pub struct Processed {
    pub item: ResponseItem,
    /// The vectors the topics function stored, if it has seen the response.
    pub vectors: Option<Vec<u8>>,
}

/// Reads a response item (with its vectors) from its raw attributes.
pub fn processed_from(mut item: Item) -> Result<Processed> {
    let vectors = item.remove("vectors").and_then(|v| v.as_b().ok().map(|b| b.as_ref().to_vec()));
    Ok(Processed { item: serde_dynamo::from_item(item)?, vectors })
}

/// The survey's most recent responses (up to `limit`), newest first, with their vectors.
pub async fn recent(app: &App, survey: &SurveyId, limit: usize) -> Result<Vec<Processed>> {
    let mut found = vec![];
    let mut pages = Pages::default();
    while found.len() < limit {
        let query = app
            .db
            .query()
            .table_name(&app.tables.feedback)
            .key_condition_expression("pk = :s AND begins_with(sk, :rsp)")
            .expression_attribute_values(":s", s(survey.as_str()))
            .expression_attribute_values(":rsp", s("rsp_"))
            .scan_index_forward(false)
            // The vectors just written for the responses that triggered this read must be seen.
            .consistent_read(true)
            .limit((limit - found.len()).min(500) as i32);
        let Some(out) = pages.next(query).await? else { break };
        for item in out.items.unwrap_or_default() {
            found.push(processed_from(item)?);
        }
    }
    Ok(found)
}

/// Sets a response's topics (and, when given, its vectors). The caller marks the response's day
/// before and after a batch of these ([`super::survey_days::mark`]), so a rollup that counted the day
/// in between counts it again — one mark write per day and batch instead of one per response,
/// which would contend with the responses' own transactions on the same item.
pub async fn set_topics(app: &App, item: &ResponseItem, topics: &[String], vectors: Option<Vec<u8>>) -> Result<()> {
    let mut update = app
        .db
        .update_item()
        .table_name(&app.tables.feedback)
        .key("pk", s(item.pk.clone()))
        .key("sk", s(item.sk.clone()))
        .condition_expression("attribute_exists(pk)")
        .expression_attribute_values(":t", AttributeValue::L(topics.iter().map(|t| s(t.clone())).collect()));
    update = match vectors {
        Some(bytes) => update
            .update_expression("SET topics = :t, vectors = :v")
            .expression_attribute_values(":v", AttributeValue::B(Blob::new(bytes))),
        None => update.update_expression("SET topics = :t"),
    };
    db_call(update.send()).await?;
    Ok(())
}

/// Marks every day of these responses once (see [`set_topics`]).
pub async fn mark_days(app: &App, items: &[&ResponseItem]) -> Result<()> {
    let mut days: Vec<(SurveyId, chrono::NaiveDate)> =
        items.iter().map(|i| (i.response.survey_id.clone(), i.response.created_at.date())).collect();
    days.sort();
    days.dedup();
    for (survey, day) in days {
        super::survey_days::mark(app, &survey, day).await?;
    }
    Ok(())
}

/// Keeps a response's vectors without giving it topics yet (its topics stay `null` until the
/// re-derivation that is about to run assigns them).
pub async fn set_vectors(app: &App, item: &ResponseItem, vectors: Vec<u8>) -> Result<()> {
    let call = app
        .db
        .update_item()
        .table_name(&app.tables.feedback)
        .key("pk", s(item.pk.clone()))
        .key("sk", s(item.sk.clone()))
        .update_expression("SET vectors = :v")
        .condition_expression("attribute_exists(pk)")
        .expression_attribute_values(":v", AttributeValue::B(Blob::new(vectors)))
        .send();
    db_call(call).await?;
    Ok(())
}

impl Processed {
    /// What a day's totals need from it.
    pub fn facts(&self) -> ResponseFacts {
        let r = &self.item.response;
        ResponseFacts { rating: r.rating, complete: r.complete, low_rated: r.low_rated, topics: r.topics.clone() }
    }
}
