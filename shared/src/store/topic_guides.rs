//! A survey's topic guides, in the feedback table beside its responses (`pk` the survey's id):
//! each guide (`sk` its id), each guide's claim on its name (`sk` `tgname#` and the name in lower
//! case, holding the guide's id, so two guides of a survey never share a name whatever its case),
//! each guide's embedded examples (`sk` `tgvec#` and the guide's id, written by the topics
//! function), and the survey's steering item (`sk` `steering`), which counts the guides (at most
//! [`GUIDES_MAX`], in the same transaction as each create and delete) and carries a revision that
//! every change of the guides, or of the survey's `discoverTopics`, moves. The topics function
//! follows the steering item on this table's stream (the stream it already reads for new
//! responses) and re-derives the survey's topics at each revision.
//!
//! Every write is conditional on the guide being as it was read (`updatedAt`) and on the survey
//! still being the account's and filed where it was read (the access check judged the key on
//! that), and a claim is removed only by the guide that holds it.

use super::{all_items, get_as, n, s, surveys, Built, Changed, Item, Transaction};
use crate::ids::{SurveyId, TopicGuideId};
use crate::request_scope::db_call;
use crate::store::surveys::SurveyItem;
use crate::surveys::{TopicGuide, GUIDES_MAX};
use crate::time::Timestamp;
use crate::{App, Result};
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, Update};
use serde::Serialize;

/// The sort key of a survey's steering item.
pub const STEERING_SK: &str = "steering";
/// What an API read of a guide takes (the key attributes are not part of the answer).
const GUIDE_FIELDS: &str = "id, #name, examples, createdAt, updatedAt";

const GUIDE: &str = "guide";
const CLAIM: &str = "name claim";
const OLD_CLAIM: &str = "old name claim";
const VECTORS: &str = "vectors";
const COUNT: &str = "survey's guide count";
const SURVEY: &str = "survey";

/// A guide as stored.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GuideItem<'a> {
    pk: &'a str,
    sk: &'a str,
    #[serde(flatten)]
    guide: &'a TopicGuide,
}

/// Why a guide was not stored.
#[derive(Debug, PartialEq)]
pub enum Refused {
    /// Another guide of the survey has the name (whatever its case).
    NameTaken,
    /// The survey has [`GUIDES_MAX`] guides.
    Full,
    /// The survey is gone, or no longer filed where the key was judged on it.
    SurveyGone,
}

fn claim_sk(guide: &TopicGuide) -> String {
    format!("tgname#{}", guide.name_key())
}

fn vectors_sk(guide: &TopicGuideId) -> String {
    format!("tgvec#{guide}")
}

/// A Put of the guide's item.
fn put_guide(
    app: &App,
    survey: &SurveyId,
    guide: &TopicGuide,
) -> Result<aws_sdk_dynamodb::types::builders::PutBuilder> {
    let item = GuideItem { pk: survey.as_str(), sk: guide.id.as_str(), guide };
    Ok(Put::builder().table_name(&app.tables.feedback).set_item(Some(serde_dynamo::to_item(&item)?)))
}

fn put_claim(app: &App, survey: &SurveyId, guide: &TopicGuide) -> Result<Put> {
    Put::builder()
        .table_name(&app.tables.feedback)
        .item("pk", s(survey.as_str()))
        .item("sk", s(claim_sk(guide)))
        .item("guideId", s(guide.id.as_str()))
        .condition_expression("attribute_not_exists(pk)")
        .built()
}

/// Removes the guide's claim on its name, only while it is this guide's (a claim another guide
/// took meanwhile stays; the transaction then fails and is read again).
fn delete_claim(app: &App, survey: &SurveyId, guide: &TopicGuide) -> Result<Delete> {
    Delete::builder()
        .table_name(&app.tables.feedback)
        .key("pk", s(survey.as_str()))
        .key("sk", s(claim_sk(guide)))
        .condition_expression("guideId = :guide")
        .expression_attribute_values(":guide", s(guide.id.as_str()))
        .built()
}

/// Moves the survey's steering revision (and its guide count by `guides`): the topics function
/// re-derives the survey's topics when it sees the change.
pub fn steer(app: &App, survey: &SurveyId, guides: i64) -> Result<Update> {
    let mut update = Update::builder()
        .table_name(&app.tables.feedback)
        .key("pk", s(survey.as_str()))
        .key("sk", s(STEERING_SK))
        .expression_attribute_values(":one", n(1));
    update = if guides > 0 {
        update
            .update_expression("ADD rev :one, guides :one")
            .condition_expression("attribute_not_exists(guides) OR guides < :max")
            .expression_attribute_values(":max", n(GUIDES_MAX))
    } else if guides < 0 {
        update.update_expression("ADD rev :one, guides :minus").expression_attribute_values(":minus", n(guides))
    } else {
        update.update_expression("ADD rev :one")
    };
    update.built()
}

/// Stores a new guide of the survey (as the access check read it), with its name claim, counted
/// on the steering item.
pub async fn create(app: &App, survey: &SurveyItem, guide: &TopicGuide) -> Result<Option<Refused>> {
    let id = &survey.survey.id;
    let put = put_guide(app, id, guide)?.condition_expression("attribute_not_exists(pk)").built()?;
    let writes = Transaction::new()
        .check(SURVEY, surveys::unchanged_filing(app, survey)?)
        .put(GUIDE, put)
        .put(CLAIM, put_claim(app, id, guide)?)
        .update(COUNT, steer(app, id, 1)?);
    match writes.send(app).await {
        Ok(()) => Ok(None),
        Err(err) if err.failed(SURVEY) => Ok(Some(Refused::SurveyGone)),
        Err(err) if err.failed(CLAIM) => Ok(Some(Refused::NameTaken)),
        Err(err) if err.failed(COUNT) => Ok(Some(Refused::Full)),
        Err(err) => Err(err.into()),
    }
}

/// The survey's guide `id` (strongly consistent); a guide of another survey reads as missing.
pub async fn get(app: &App, survey: &SurveyId, id: &TopicGuideId) -> Result<Option<TopicGuide>> {
    let request = app
        .db
        .get_item()
        .table_name(&app.tables.feedback)
        .key("pk", s(survey.as_str()))
        .key("sk", s(id.as_str()))
        .projection_expression(GUIDE_FIELDS)
        .expression_attribute_names("#name", "name")
        .consistent_read(true);
    get_as(request).await
}

/// The items of the survey's partition whose sort key starts with `prefix` (strongly consistent).
async fn items_under(app: &App, survey: &SurveyId, prefix: &str) -> Result<Vec<Item>> {
    let query = app
        .db
        .query()
        .table_name(&app.tables.feedback)
        .key_condition_expression("pk = :survey AND begins_with(sk, :prefix)")
        .expression_attribute_values(":survey", s(survey.as_str()))
        .expression_attribute_values(":prefix", s(prefix))
        .consistent_read(true);
    all_items(query).await
}

/// Every guide of the survey (at most [`GUIDES_MAX`]), oldest first.
pub async fn list(app: &App, survey: &SurveyId) -> Result<Vec<TopicGuide>> {
    let items = items_under(app, survey, TopicGuideId::PREFIX).await?;
    Ok(items.into_iter().map(serde_dynamo::from_item).collect::<Result<_, _>>()?)
}

/// A guide as the topics function reads it: with its examples' vectors, when they were kept for
/// the guide as it is now.
pub struct GuideWithVectors {
    pub guide: TopicGuide,
    /// One entry per example, in order.
    pub vectors: Option<Vec<Vec<u8>>>,
}

/// Every guide of the survey with the vectors kept for it, oldest first.
pub async fn with_vectors(app: &App, survey: &SurveyId) -> Result<Vec<GuideWithVectors>> {
    let (guides, mut kept) = (list(app, survey).await?, items_under(app, survey, "tgvec#").await?);
    let mut found = Vec::with_capacity(guides.len());
    for guide in guides {
        let sk = vectors_sk(&guide.id);
        let item = kept.iter_mut().find(|item| item.get("sk").and_then(|v| v.as_s().ok()) == Some(&sk));
        // Kept for the examples the guide has now: stamped with its `updatedAt`.
        let current = item
            .filter(|item| item.get("guideUpdatedAt").and_then(|v| v.as_s().ok()) == Some(&guide.updated_at.to_iso()));
        let vectors = current.and_then(|item| item.remove(VECTORS)).and_then(|v| {
            v.as_l().ok().map(|list| list.iter().filter_map(|b| b.as_b().ok().map(|b| b.as_ref().to_vec())).collect())
        });
        found.push(GuideWithVectors { guide, vectors });
    }
    Ok(found)
}

/// Keeps a guide's embedded examples for the next derivation, stamped with the guide's
/// `updatedAt` (vectors of an older version of the guide are never used).
pub async fn keep_vectors(app: &App, survey: &SurveyId, guide: &TopicGuide, vectors: Vec<Vec<u8>>) -> Result<()> {
    let list = AttributeValue::L(vectors.into_iter().map(|v| AttributeValue::B(Blob::new(v))).collect());
    let call = app
        .db
        .put_item()
        .table_name(&app.tables.feedback)
        .item("pk", s(survey.as_str()))
        .item("sk", s(vectors_sk(&guide.id)))
        .item("guideUpdatedAt", s(guide.updated_at.to_iso()))
        .item(VECTORS, list)
        .send();
    db_call(call).await?;
    Ok(())
}

/// Replaces a guide with `after`, if it is still as `before` was read (`updatedAt`) and the survey
/// still filed where it was read, moving its name claim when the name changes.
pub async fn save(
    app: &App,
    survey: &SurveyItem,
    before: &TopicGuide,
    after: &TopicGuide,
) -> Result<Changed<Option<Refused>>> {
    let id = &survey.survey.id;
    let put = put_guide(app, id, after)?
        .condition_expression("updatedAt = :seen")
        .expression_attribute_values(":seen", s(before.updated_at.to_iso()))
        .built()?;
    let mut writes = Transaction::new()
        .check(SURVEY, surveys::unchanged_filing(app, survey)?)
        .put(GUIDE, put)
        .update(COUNT, steer(app, id, 0)?);
    if before.name_key() != after.name_key() {
        writes = writes.put(CLAIM, put_claim(app, id, after)?).delete(OLD_CLAIM, delete_claim(app, id, before)?);
    }
    match writes.send(app).await {
        Ok(()) => Ok(Changed::Done(None)),
        Err(err) if err.failed(SURVEY) => Ok(Changed::Done(Some(Refused::SurveyGone))),
        Err(err) if err.failed(GUIDE) || err.failed(OLD_CLAIM) => Ok(Changed::Raced),
        Err(err) if err.failed(CLAIM) => Ok(Changed::Done(Some(Refused::NameTaken))),
        Err(err) => Err(err.into()),
    }
}

/// Deletes a guide as it was read (`updatedAt`), its name claim, its kept vectors and its count.
pub async fn delete(app: &App, survey: &SurveyItem, guide: &TopicGuide) -> Result<Changed<Option<Refused>>> {
    let id = &survey.survey.id;
    let delete = Delete::builder()
        .table_name(&app.tables.feedback)
        .key("pk", s(id.as_str()))
        .key("sk", s(guide.id.as_str()))
        .condition_expression("updatedAt = :seen")
        .expression_attribute_values(":seen", s(guide.updated_at.to_iso()))
        .built()?;
    let vectors = Delete::builder()
        .table_name(&app.tables.feedback)
        .key("pk", s(id.as_str()))
        .key("sk", s(vectors_sk(&guide.id)))
        .built()?;
    let writes = Transaction::new()
        .check(SURVEY, surveys::unchanged_filing(app, survey)?)
        .delete(GUIDE, delete)
        .delete(CLAIM, delete_claim(app, id, guide)?)
        .delete(VECTORS, vectors)
        .update(COUNT, steer(app, id, -1)?);
    match writes.send(app).await {
        Ok(()) => Ok(Changed::Done(None)),
        Err(err) if err.failed(SURVEY) => Ok(Changed::Done(Some(Refused::SurveyGone))),
        Err(err) if err.failed(GUIDE) || err.failed(CLAIM) => Ok(Changed::Raced),
        Err(err) => Err(err.into()),
    }
}

/// Whether a stream record's keys are a steering item's (its survey's id if so).
pub fn steered_survey(pk: &str, sk: &str) -> Option<SurveyId> {
    (sk == STEERING_SK).then(|| SurveyId::parse(pk)).flatten()
}

/// A guide's `updatedAt` for a change of it: now, and strictly later than before, so the next
/// change's condition tells the two apart.
pub fn next_version(before: &TopicGuide) -> Timestamp {
    let later = Timestamp::from_millis(before.updated_at.unix_millis() + 1).unwrap_or(before.updated_at);
    Timestamp::now().max(later)
}
