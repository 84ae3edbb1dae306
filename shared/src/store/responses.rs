//! Survey responses in the feedback table, in their survey's partition (pk = `srv_…`, sk =
//! `rsp_…`, time-ordered), so a survey's responses read newest first as one key range. Low-rated
//! responses also carry `lowRatedSurvey`, which puts them in the sparse `lowRated` index: polling
//! for new low-rated feedback is a key range too. A response carries no `projectId` or `accountId`,
//! so no Miniback list shows it; its filed copy (source SURVEY) is a feedback item of its own. A
//! response from a link with a respondent reference carries it as `respondent.ref`.

use super::feedback::{create_writes, FeedbackItem, PROJECT_COUNTERS};
use super::surveys::{key_of, SurveyItem};
use super::{get_item, n, s, Built, Item, Pages, Transaction, TxError};
use crate::ids::ResponseId;
use crate::surveys::{RespondentRef, SurveyResponse, SurveyStatus};
use crate::{App, Result};
use aws_sdk_dynamodb::types::{Put, Update};
use serde::{Deserialize, Serialize};

/// Items a filtered Query evaluates at a time (DynamoDB's `Limit` caps evaluated items, not
/// matches).
const FILTERED_BATCH: i32 = 1000;

/// The key attributes of a page position in the survey's partition, and in the `lowRated` index.
pub const PARTITION_KEY: [&str; 2] = ["pk", "sk"];
pub const LOW_RATED_KEY: [&str; 4] = ["pk", "sk", "lowRatedSurvey", "id"];

/// A response as stored.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResponseItem {
    pub pk: String,
    pub sk: String,
    #[serde(flatten)]
    pub response: SurveyResponse,
    /// The survey id, on low-rated responses only (the `lowRated` index's key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub low_rated_survey: Option<String>,
}

impl ResponseItem {
    /// The item of a new response.
    pub fn new(response: SurveyResponse) -> ResponseItem {
        ResponseItem {
            pk: response.survey_id.to_string(),
            sk: response.id.to_string(),
            low_rated_survey: response.low_rated.then(|| response.survey_id.to_string()),
            response,
        }
    }
}

/// What storing a response found.
#[derive(Debug, PartialEq, Eq)]
pub enum Submitted {
    Stored,
    /// The survey stopped accepting responses or its questions changed since it was read: read
    /// it again.
    SurveyChanged,
    /// The survey's project is gone: store the response without filing it.
    ProjectGone,
}

/// The write that counts a response on its survey: its condition fails when the survey stopped
/// accepting responses or its questions changed.
const SURVEY_COUNT: &str = "survey's response count";

/// Stores a response, counts it on its survey (on the condition that the survey is still
/// accepting responses with the questions it was checked against), marks its day for the rollup
/// and, with `filed`, files it in the survey's project with that project's counters — all in one
/// transaction.
pub async fn submit(
    app: &App,
    survey: &SurveyItem,
    item: &ResponseItem,
    filed: Option<&FeedbackItem>,
) -> Result<Submitted> {
    match submit_writes(app, survey, item, filed, false)?.send(app).await {
        Ok(()) => Ok(Submitted::Stored),
        Err(err) => refused(err),
    }
}

/// What a failed [`submit_writes`] transaction means.
pub(crate) fn refused(err: TxError) -> Result<Submitted> {
    match err {
        err if err.failed(SURVEY_COUNT) => Ok(Submitted::SurveyChanged),
        err if err.failed(PROJECT_COUNTERS) => Ok(Submitted::ProjectGone),
        err => Err(err.into()),
    }
}

/// The writes of [`submit`], for one transaction. `as_kept`: the survey was kept in memory, so the
/// count also requires it unchanged since (`updatedAt`, which every change of a survey moves).
pub(crate) fn submit_writes(
    app: &App,
    survey: &SurveyItem,
    item: &ResponseItem,
    filed: Option<&FeedbackItem>,
    as_kept: bool,
) -> Result<Transaction> {
    let mut condition = "attribute_exists(pk) AND #status = :active AND questionsVersion = :version".to_owned();
    if as_kept {
        condition.push_str(" AND updatedAt = :kept_at");
    }
    let mut count = Update::builder()
        .table_name(&app.tables.surveys)
        .key("pk", s(survey.pk.clone()))
        .key("sk", s(survey.sk.clone()))
        .update_expression("ADD responseCount :one")
        .condition_expression(condition)
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":one", n(1))
        .expression_attribute_values(":active", s(SurveyStatus::Active.as_str()))
        .expression_attribute_values(":version", n(survey.questions_version));
    if as_kept {
        count = count.expression_attribute_values(":kept_at", s(survey.survey.updated_at.to_iso()));
    }
    let count = count.built()?;
    let put = Put::builder()
        .table_name(&app.tables.feedback)
        .set_item(Some(serde_dynamo::to_item(item)?))
        .condition_expression("attribute_not_exists(pk)")
        .built()?;
    let mark = super::survey_days::mark_write(app, &item.response.survey_id, item.response.created_at.date())?;
    let mut writes = Transaction::new().update(SURVEY_COUNT, count).put("response", put).writes("day mark", [mark]);
    if let Some(feedback) = filed {
        writes = writes.append(create_writes(app, feedback)?);
    }
    Ok(writes)
}

/// Whether a response is stored (after a write whose outcome is unknown: a timeout).
pub async fn exists(app: &App, item: &ResponseItem) -> Result<bool> {
    let request = app
        .db
        .get_item()
        .table_name(&app.tables.feedback)
        .key("pk", s(item.pk.clone()))
        .key("sk", s(item.sk.clone()))
        .projection_expression("pk")
        .consistent_read(true);
    Ok(get_item(request).await?.is_some())
}

/// Which responses a list shows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResponseFilters {
    /// Created at or after, Unix milliseconds.
    pub since_ms: Option<i64>,
    /// Rating at most this (unrated responses left out).
    pub max_rating: Option<u8>,
    /// Low-rated only.
    pub low_rated: bool,
    /// This respondent's only (`respondent.ref` equal to it).
    pub respondent: Option<RespondentRef>,
}

impl ResponseFilters {
    /// The attributes of a page position for these filters.
    pub fn position_key(&self) -> &'static [&'static str] {
        if self.low_rated {
            &LOW_RATED_KEY
        } else {
            &PARTITION_KEY
        }
    }
}

/// 400 unless a cursor's position lies inside the range the Query will read: DynamoDB answers a
/// start key outside the key condition with a ValidationException, which must not become a 500.
fn check_position(key: &Item, survey: &str, filters: &ResponseFilters, lo: &str, hi: &str) -> Result<()> {
    let text = |name: &str| key.get(name).and_then(|v| v.as_s().ok()).map(String::as_str);
    let sk = text("sk").unwrap_or_default();
    let inside = (lo..=hi).contains(&sk);
    let index_agrees = !filters.low_rated || (text("id") == Some(sk) && text("lowRatedSurvey") == Some(survey));
    if inside && index_agrees {
        Ok(())
    } else {
        Err(crate::cursor::invalid())
    }
}

/// A page of a survey's responses, newest first, and the position after it (`None` on the last
/// page). `since` and `lowRated` are key ranges (O(page) items read); `maxRating` and `ref` are a
/// filter over that range, read 1,000 evaluated items at a time until the page fills.
pub async fn list(
    app: &App,
    survey: &str,
    filters: &ResponseFilters,
    limit: usize,
    start: Option<Item>,
) -> Result<(Vec<SurveyResponse>, Option<Item>)> {
    let lo = ResponseId::bound_at(filters.since_ms.unwrap_or(0), false);
    // UUIDv7 keeps 48 bits of milliseconds: the largest time an id can carry.
    let hi = ResponseId::bound_at((1i64 << 48) - 1, true).max(lo.clone());
    if let Some(key) = &start {
        check_position(key, survey, filters, &lo, &hi)?;
    }
    let mut found: Vec<Item> = Vec::with_capacity(limit + 1);
    let mut pages = Pages::from(start);
    loop {
        let mut query = app.db.query().scan_index_forward(false);
        query = if filters.low_rated {
            query
                .table_name(&app.tables.feedback)
                .index_name("lowRated")
                .key_condition_expression("lowRatedSurvey = :s AND id BETWEEN :lo AND :hi")
        } else {
            query.table_name(&app.tables.feedback).key_condition_expression("pk = :s AND sk BETWEEN :lo AND :hi")
        };
        // Everything but the stored vectors (kilobytes a response, for the topics function only).
        query = query
            .projection_expression(
                "pk, sk, id, surveyId, createdAt, answers, rating, lowRated, #complete, topics, lowRatedSurvey, \
                 respondent",
            )
            .expression_attribute_names("#complete", "complete")
            .expression_attribute_values(":s", s(survey))
            .expression_attribute_values(":lo", s(lo.clone()))
            .expression_attribute_values(":hi", s(hi.clone()));
        let mut conditions = vec![];
        if let Some(max) = filters.max_rating {
            conditions.push("rating <= :max");
            query = query.expression_attribute_values(":max", n(max));
        }
        if let Some(reference) = &filters.respondent {
            // `#ref`: a name DynamoDB reserves would make the expression invalid.
            conditions.push("respondent.#ref = :ref");
            query = query
                .expression_attribute_names("#ref", "ref")
                .expression_attribute_values(":ref", s(reference.as_str()));
        }
        query = if conditions.is_empty() {
            query.limit((limit + 1 - found.len()) as i32)
        } else {
            query.filter_expression(conditions.join(" AND ")).limit(FILTERED_BATCH)
        };
        let Some(out) = pages.next(query).await? else { break };
        found.extend(out.items.unwrap_or_default().into_iter().take(limit + 1 - found.len()));
        if found.len() > limit {
            break;
        }
    }
    let next = (found.len() > limit).then(|| key_of(&found[limit - 1], filters.position_key()));
    found.truncate(limit);
    let responses = found.into_iter().map(|item| Ok(serde_dynamo::from_item::<_, ResponseItem>(item)?.response));
    Ok((responses.collect::<Result<_>>()?, next))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn position(sk: &str, low_rated_survey: Option<&str>) -> Item {
        let mut key: Item = [("pk".to_owned(), s("srv_1")), ("sk".to_owned(), s(sk))].into_iter().collect();
        if let Some(survey) = low_rated_survey {
            key.insert("id".to_owned(), s(sk));
            key.insert("lowRatedSurvey".to_owned(), s(survey));
        }
        key
    }

    #[test]
    fn a_cursor_position_outside_the_range_read_is_refused_not_queried() {
        let all = ResponseFilters { since_ms: None, max_rating: None, low_rated: false, respondent: None };
        let low = ResponseFilters { low_rated: true, ..all.clone() };
        let (lo, hi) = (ResponseId::bound_at(1_000, false), ResponseId::bound_at(2_000, true));
        let inside = ResponseId::bound_at(1_500, false);
        assert!(check_position(&position(&inside, None), "srv_1", &all, &lo, &hi).is_ok());
        assert!(check_position(&position(&inside, Some("srv_1")), "srv_1", &low, &lo, &hi).is_ok());
        let before = ResponseId::bound_at(999, true);
        assert!(check_position(&position(&before, None), "srv_1", &all, &lo, &hi).is_err(), "before since");
        assert!(check_position(&position("zzz", None), "srv_1", &all, &lo, &hi).is_err(), "not an id");
        assert!(check_position(&position(&inside, Some("srv_2")), "srv_1", &low, &lo, &hi).is_err(), "other survey");
        assert!(check_position(&position(&inside, None), "srv_1", &low, &lo, &hi).is_err(), "not an index key");
    }
}
