//! A survey's topic guides, in the feedback table beside its responses (`pk` the survey's id):
//! each guide (`sk` its id), each guide's claim on its name (`sk` `tgname#` and the name in lower
//! case, so two guides of a survey never share a name whatever its case), and the survey's
//! steering item (`sk` `steering`), which counts the guides (at most [`GUIDES_MAX`], in the same
//! transaction as each create and delete) and carries a revision that every change of the guides,
//! or of the survey's `discoverTopics`, moves. The topics function follows the steering item on
//! this table's stream (the stream it already reads for new responses) and re-derives the
//! survey's topics at each revision.
//!
//! The topics function keeps each guide's embedded examples on the guide item (`vectors`), so a
//! re-derivation does not embed them again; a change of the guide replaces the item, dropping them.

use super::{all_items, get_as, n, s, Built, Changed, Item, Transaction};
use crate::ids::{AccountId, SurveyId, TopicGuideId};
use crate::request_scope::db_call;
use crate::store::surveys::SURVEY_SK;
use crate::surveys::{TopicGuide, GUIDES_MAX};
use crate::{App, Result};
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Delete, Put, Update};
use serde::Serialize;

/// The sort key of a survey's steering item.
pub const STEERING_SK: &str = "steering";
/// The attribute of a guide item that holds its embedded examples.
const VECTORS: &str = "vectors";
/// What an API read of a guide takes (not its vectors: up to 20 × 5 KB).
const GUIDE_FIELDS: &str = "id, #name, examples, createdAt, updatedAt";

const GUIDE: &str = "guide";
const CLAIM: &str = "name claim";
const OLD_CLAIM: &str = "old name claim";
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
    /// The survey is gone.
    SurveyGone,
}

fn name_claim_sk(guide: &TopicGuide) -> String {
    format!("tgname#{}", guide.name_key())
}

/// A Put of the guide's item (replacing any vectors kept on it).
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
        .item("sk", s(name_claim_sk(guide)))
        .item("guideId", s(guide.id.as_str()))
        .condition_expression("attribute_not_exists(pk)")
        .built()
}

fn delete_claim(app: &App, survey: &SurveyId, guide: &TopicGuide) -> Result<Delete> {
    Delete::builder()
        .table_name(&app.tables.feedback)
        .key("pk", s(survey.as_str()))
        .key("sk", s(name_claim_sk(guide)))
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

/// The survey item still exists and is the account's (it was read, and proved the caller's, by
/// the access check; this keeps a write from outliving it).
fn survey_check(app: &App, account: &AccountId, survey: &SurveyId) -> Result<ConditionCheck> {
    ConditionCheck::builder()
        .table_name(&app.tables.surveys)
        .key("pk", s(survey.as_str()))
        .key("sk", s(SURVEY_SK))
        .condition_expression("attribute_exists(pk) AND accountId = :account")
        .expression_attribute_values(":account", s(account.as_str()))
        .built()
}

/// Stores a new guide of the account's survey, with its name claim, counted on the steering item.
pub async fn create(app: &App, account: &AccountId, survey: &SurveyId, guide: &TopicGuide) -> Result<Option<Refused>> {
    let put = put_guide(app, survey, guide)?.condition_expression("attribute_not_exists(pk)").built()?;
    let writes = Transaction::new()
        .check(SURVEY, survey_check(app, account, survey)?)
        .put(GUIDE, put)
        .put(CLAIM, put_claim(app, survey, guide)?)
        .update(COUNT, steer(app, survey, 1)?);
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

fn query_guides(app: &App, survey: &SurveyId) -> aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder {
    app.db
        .query()
        .table_name(&app.tables.feedback)
        .key_condition_expression("pk = :survey AND begins_with(sk, :prefix)")
        .expression_attribute_values(":survey", s(survey.as_str()))
        .expression_attribute_values(":prefix", s(TopicGuideId::PREFIX))
        .consistent_read(true)
}

/// Every guide of the survey (at most [`GUIDES_MAX`]), oldest first.
pub async fn list(app: &App, survey: &SurveyId) -> Result<Vec<TopicGuide>> {
    let query =
        query_guides(app, survey).projection_expression(GUIDE_FIELDS).expression_attribute_names("#name", "name");
    let items = all_items(query).await?;
    Ok(items.into_iter().map(serde_dynamo::from_item).collect::<Result<_, _>>()?)
}

/// A guide as the topics function reads it: with its examples' vectors, once it has kept them.
pub struct GuideWithVectors {
    pub guide: TopicGuide,
    /// One entry per example, in order.
    pub vectors: Option<Vec<Vec<u8>>>,
}

/// Every guide of the survey with the vectors kept on it, oldest first.
pub async fn with_vectors(app: &App, survey: &SurveyId) -> Result<Vec<GuideWithVectors>> {
    let items = all_items(query_guides(app, survey)).await?;
    items.into_iter().map(guide_with_vectors).collect()
}

fn guide_with_vectors(mut item: Item) -> Result<GuideWithVectors> {
    let vectors = item.remove(VECTORS).and_then(|v| {
        v.as_l().ok().map(|list| list.iter().filter_map(|b| b.as_b().ok().map(|b| b.as_ref().to_vec())).collect())
    });
    Ok(GuideWithVectors { guide: serde_dynamo::from_item(item)?, vectors })
}

/// Keeps a guide's embedded examples on it, if it is still as it was read (`updatedAt`).
pub async fn keep_vectors(app: &App, survey: &SurveyId, guide: &TopicGuide, vectors: Vec<Vec<u8>>) -> Result<()> {
    let list = AttributeValue::L(vectors.into_iter().map(|v| AttributeValue::B(Blob::new(v))).collect());
    let call = app
        .db
        .update_item()
        .table_name(&app.tables.feedback)
        .key("pk", s(survey.as_str()))
        .key("sk", s(guide.id.as_str()))
        .update_expression("SET #vectors = :vectors")
        .condition_expression("updatedAt = :seen")
        .expression_attribute_names("#vectors", VECTORS)
        .expression_attribute_values(":vectors", list)
        .expression_attribute_values(":seen", s(guide.updated_at.to_iso()))
        .send();
    match db_call(call).await {
        Ok(_) => Ok(()),
        // Changed meanwhile: the change's own re-derivation embeds the new examples.
        Err(err) if super::failed_condition(&err) => Ok(()),
        Err(err) => Err(err.into()),
    }
}

/// Replaces a guide with `after`, if it is still as `before` was read (`updatedAt`), moving its
/// name claim when the name changes.
pub async fn save(
    app: &App,
    survey: &SurveyId,
    before: &TopicGuide,
    after: &TopicGuide,
) -> Result<Changed<Option<Refused>>> {
    let put = put_guide(app, survey, after)?
        .condition_expression("updatedAt = :seen")
        .expression_attribute_values(":seen", s(before.updated_at.to_iso()))
        .built()?;
    let mut writes = Transaction::new().put(GUIDE, put).update(COUNT, steer(app, survey, 0)?);
    if before.name_key() != after.name_key() {
        writes =
            writes.put(CLAIM, put_claim(app, survey, after)?).delete(OLD_CLAIM, delete_claim(app, survey, before)?);
    }
    match writes.send(app).await {
        Ok(()) => Ok(Changed::Done(None)),
        Err(err) if err.failed(GUIDE) => Ok(Changed::Raced),
        Err(err) if err.failed(CLAIM) => Ok(Changed::Done(Some(Refused::NameTaken))),
        Err(err) => Err(err.into()),
    }
}

/// Deletes a guide, its name claim and its count; `false` when it was already gone.
pub async fn delete(app: &App, survey: &SurveyId, guide: &TopicGuide) -> Result<bool> {
    let delete = Delete::builder()
        .table_name(&app.tables.feedback)
        .key("pk", s(survey.as_str()))
        .key("sk", s(guide.id.as_str()))
        .condition_expression("attribute_exists(pk)")
        .built()?;
    let writes = Transaction::new()
        .delete(GUIDE, delete)
        .delete(CLAIM, delete_claim(app, survey, guide)?)
        .update(COUNT, steer(app, survey, -1)?);
    match writes.send(app).await {
        Ok(()) => Ok(true),
        Err(err) if err.failed(GUIDE) => Ok(false),
        Err(err) => Err(err.into()),
    }
}

/// Whether a stream record's keys are a steering item's (its survey's id if so).
pub fn steered_survey(pk: &str, sk: &str) -> Option<SurveyId> {
    (sk == STEERING_SK).then(|| SurveyId::parse(pk)).flatten()
}
