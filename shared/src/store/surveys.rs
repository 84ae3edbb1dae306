//! Surveys in the surveys table: one item per survey (pk = its id, sk = `survey`), listed per
//! account through the `byAccount` index. The item also counts the survey's responses (moved in
//! the same transaction as each response) and versions its questions, so a response is never
//! stored against questions that changed under it.

use super::{failed_condition, get_as, s, update_alone, Built, Item, Pages, Transaction};
use crate::ids::{AccountId, ProjectId, SurveyId};
use crate::request_scope::db_call;
use crate::surveys::{Survey, SurveyChanges};
use crate::time::Timestamp;
use crate::{App, Error, Result};
use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Put, ReturnValue, Update};
use serde::{Deserialize, Serialize};

/// The sort key of a survey item (rollups and topics share its partition under other keys).
pub const SURVEY_SK: &str = "survey";

/// The key attributes of a `byAccount` page position.
pub const LIST_KEY: [&str; 4] = ["accountId", "id", "pk", "sk"];

/// A survey as stored.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SurveyItem {
    pub pk: String,
    pub sk: String,
    pub account_id: AccountId,
    /// Moves each time the questions are replaced; a response is written on the condition that
    /// it has not moved since the questions were read.
    pub questions_version: u32,
    #[serde(flatten)]
    pub survey: Survey,
}

impl SurveyItem {
    /// The item of a new survey.
    pub fn new(account: &AccountId, survey: Survey) -> SurveyItem {
        SurveyItem {
            pk: survey.id.to_string(),
            sk: SURVEY_SK.to_owned(),
            account_id: account.clone(),
            questions_version: 0,
            survey,
        }
    }
}

/// The labels of a survey's writes whose failed conditions mean something.
const SURVEY: &str = "survey";
const PROJECT_CHECK: &str = "project check";
const STEERING: &str = "topic steering";

/// The condition that a survey is still the account's and filed where it was read, with its
/// values: the key that changes it (or its topic guides) was judged on that project, so a survey
/// moved meanwhile answers as gone to the change.
fn filed_as_read(before: &SurveyItem) -> (String, Vec<(String, AttributeValue)>) {
    let mut condition = "attribute_exists(pk) AND accountId = :account".to_owned();
    let mut values = vec![(":account".to_owned(), s(before.account_id.as_str()))];
    match &before.survey.project_id {
        Some(project) => {
            condition.push_str(" AND projectId = :seenProject");
            values.push((":seenProject".into(), s(project.as_str())));
        }
        None => {
            condition.push_str(" AND (attribute_not_exists(projectId) OR attribute_type(projectId, :nullType))");
            values.push((":nullType".into(), s("NULL")));
        }
    }
    (condition, values)
}

/// A check, for a transaction about the survey (its topic guides), that it is still the account's
/// and filed where it was read.
pub fn unchanged_filing(app: &App, before: &SurveyItem) -> Result<ConditionCheck> {
    let (condition, values) = filed_as_read(before);
    let mut check = ConditionCheck::builder()
        .table_name(&app.tables.surveys)
        .key("pk", s(before.pk.clone()))
        .key("sk", s(before.sk.clone()))
        .condition_expression(condition);
    for (placeholder, value) in values {
        check = check.expression_attribute_values(placeholder, value);
    }
    check.built()
}

/// A condition that the project exists, is the account's and is not being deleted.
fn project_check(app: &App, account: &AccountId, project: &ProjectId) -> Result<ConditionCheck> {
    ConditionCheck::builder()
        .table_name(&app.tables.projects)
        .key("id", s(project.as_str()))
        .condition_expression("attribute_exists(id) AND accountId = :account AND #state = :active")
        .expression_attribute_names("#state", "status")
        .expression_attribute_values(":account", s(account.as_str()))
        .expression_attribute_values(":active", s(super::ProjectStatus::Active.as_str()))
        .built()
}

/// Stores a new survey; with a project, on the condition that the project is the account's and
/// active (`None` otherwise).
pub async fn create(app: &App, item: &SurveyItem) -> Result<Option<()>> {
    let put = Put::builder()
        .table_name(&app.tables.surveys)
        .set_item(Some(serde_dynamo::to_item(item)?))
        .condition_expression("attribute_not_exists(pk)")
        .built()?;
    let mut writes = Transaction::new().put(SURVEY, put);
    if let Some(project) = &item.survey.project_id {
        writes = writes.check(PROJECT_CHECK, project_check(app, &item.account_id, project)?);
    }
    match writes.send(app).await {
        Ok(()) => Ok(Some(())),
        Err(err) if err.failed(PROJECT_CHECK) => Ok(None),
        Err(err) => Err(err.into()),
    }
}

/// A survey by id, whoever owns it (the public page), strongly consistent.
pub async fn get_public(app: &App, id: &SurveyId) -> Result<Option<SurveyItem>> {
    let request = app
        .db
        .get_item()
        .table_name(&app.tables.surveys)
        .key("pk", s(id.as_str()))
        .key("sk", s(SURVEY_SK))
        .consistent_read(true);
    get_as(request).await
}

/// A survey of the account by id; another account's reads as missing.
pub async fn get(app: &App, account: &AccountId, id: &SurveyId) -> Result<Option<SurveyItem>> {
    Ok(get_public(app, id).await?.filter(|item| item.account_id == *account))
}

/// A page of the account's surveys, newest first, and the position after it (`None` on the last
/// page). Asks for one more than the page, so the last page never leads to an empty one.
/// `visible`: a key limited to projects sees only surveys filed to none of them or to one of
/// those; the filter drops the others, so the query goes on until the page is full.
pub async fn list(
    app: &App,
    account: &AccountId,
    visible: Option<&[ProjectId]>,
    limit: usize,
    start: Option<Item>,
) -> Result<(Vec<Survey>, Option<Item>)> {
    let mut query = app
        .db
        .query()
        .table_name(&app.tables.surveys)
        .index_name("byAccount")
        .key_condition_expression("accountId = :a")
        .expression_attribute_values(":a", s(account.as_str()))
        .scan_index_forward(false)
        .limit(limit as i32 + 1);
    if let Some(projects) = visible {
        let names: Vec<String> = (0..projects.len()).map(|i| format!(":p{i}")).collect();
        let allowed = match names.is_empty() {
            true => String::new(),
            false => format!(" OR projectId IN ({})", names.join(", ")),
        };
        // A survey with no project stores `projectId` as null (or, older items, not at all).
        query = query
            .filter_expression(format!("attribute_not_exists(projectId) OR attribute_type(projectId, :null){allowed}"))
            .expression_attribute_values(":null", s("NULL"));
        for (name, project) in names.into_iter().zip(projects) {
            query = query.expression_attribute_values(name, s(project.as_str()));
        }
    }
    let mut items = vec![];
    let mut pages = Pages::from(start);
    while let Some(output) = pages.next(query.clone()).await? {
        items.extend(output.items.unwrap_or_default());
        if items.len() > limit {
            break;
        }
    }
    let next = (items.len() > limit).then(|| key_of(&items[limit - 1], &LIST_KEY));
    items.truncate(limit);
    let surveys = items.into_iter().map(|item| Ok(serde_dynamo::from_item::<_, SurveyItem>(item)?.survey));
    Ok((surveys.collect::<Result<_>>()?, next))
}

/// The named key attributes of an item: a page position.
pub fn key_of(item: &Item, names: &[&str]) -> Item {
    names.iter().filter_map(|name| Some((name.to_string(), item.get(*name)?.clone()))).collect()
}

/// What a change of a survey found.
#[derive(Debug)]
pub enum Updated {
    Done(Box<Survey>),
    /// The questions cannot change: the survey has responses.
    HasResponses,
    /// The project named is not the account's, or is being deleted.
    ProjectGone,
    /// The survey is gone.
    Gone,
    /// `discoverTopics` was switched meanwhile.
    Raced,
}

/// Changes the fields given. Only what changes is written (the response counter moves under
/// it); replacing the questions is conditional on there being no response yet.
pub async fn update(app: &App, before: &SurveyItem, changes: &SurveyChanges) -> Result<Updated> {
    let mut sets = vec!["updatedAt = :now".to_owned()];
    let mut values: Vec<(String, AttributeValue)> = vec![(":now".into(), s(Timestamp::now().to_iso()))];
    let mut set = |attribute: &str, value: AttributeValue| {
        let placeholder = format!(":{attribute}");
        sets.push(format!("#{attribute} = {placeholder}"));
        values.push((placeholder, value));
    };
    if let Some(name) = &changes.name {
        set("name", attribute(name)?);
    }
    if let Some(text) = &changes.welcome_message {
        set("welcomeMessage", attribute(text)?);
    }
    if let Some(text) = &changes.thank_you_message {
        set("thankYouMessage", attribute(text)?);
    }
    if let Some(threshold) = &changes.threshold {
        set("threshold", attribute(threshold)?);
    }
    if let Some(status) = &changes.status {
        set("status", attribute(status)?);
    }
    if let Some(project) = &changes.project_id {
        set("projectId", attribute(project)?);
    }
    if let Some(discover) = changes.discover_topics {
        set("discoverTopics", AttributeValue::Bool(discover));
    }
    if let Some(questions) = &changes.questions {
        set("questions", attribute(questions)?);
    }
    let (mut condition, filing) = filed_as_read(before);
    values.extend(filing);
    if changes.questions.is_some() {
        sets.push("questionsVersion = questionsVersion + :one".to_owned());
        values.push((":one".into(), super::n(1)));
        values.push((":zero".into(), super::n(0)));
        condition.push_str(" AND responseCount = :zero");
    }
    // A switch of `discoverTopics` is judged on the value read (it decides whether the topics are
    // derived again): a concurrent switch makes this change read again.
    if changes.discover_topics.is_some() {
        condition.push_str(" AND (discoverTopics = :seenDiscover OR attribute_not_exists(discoverTopics))");
        values.push((":seenDiscover".into(), AttributeValue::Bool(before.survey.discover_topics)));
    }
    let names: Vec<String> =
        sets.iter().filter_map(|clause| clause.strip_prefix('#')?.split(' ').next()).map(str::to_owned).collect();
    let mut update = Update::builder()
        .table_name(&app.tables.surveys)
        .key("pk", s(before.pk.clone()))
        .key("sk", s(before.sk.clone()))
        .update_expression(format!("SET {}", sets.join(", ")))
        .condition_expression(condition);
    for name in &names {
        update = update.expression_attribute_names(format!("#{name}"), name);
    }
    for (placeholder, value) in values {
        update = update.expression_attribute_values(placeholder, value);
    }
    let update = update.built()?;

    // A change of `discoverTopics` moves the survey's steering revision in the same transaction:
    // the topics function re-derives its topics when it sees it.
    let steer = changes.discover_topics.is_some_and(|discover| discover != before.survey.discover_topics);
    let project = changes.project_id.as_ref().and_then(Option::as_ref);
    let failed = if project.is_some() || steer {
        let mut writes = Transaction::new().update(SURVEY, update);
        if let Some(project) = project {
            writes = writes.check(PROJECT_CHECK, project_check(app, &before.account_id, project)?);
        }
        if steer {
            writes = writes.update(STEERING, super::topic_guides::steer(app, &before.survey.id, 0)?);
        }
        match writes.send(app).await {
            Ok(()) => None,
            Err(err) if err.failed(PROJECT_CHECK) && !err.failed(SURVEY) => return Ok(Updated::ProjectGone),
            Err(err) if err.any_failed() => Some(()),
            Err(err) => return Err(err.into()),
        }
    } else {
        if !crate::request_scope::may_start_write() {
            return Err(Error::Unavailable("no time left in the request to start a write".into()));
        }
        let call = update_alone(app, &update).return_values(ReturnValue::AllNew).send();
        match db_call(call).await {
            Ok(out) => {
                let item: SurveyItem = serde_dynamo::from_item(out.attributes.unwrap_or_default())?;
                return Ok(Updated::Done(Box::new(item.survey)));
            }
            Err(err) if failed_condition(&err) => Some(()),
            Err(err) => return Err(err.into()),
        }
    };
    // Read again to tell why (or, after a transaction, to answer the survey as it now is).
    let now = get(app, &before.account_id, &before.survey.id).await?;
    Ok(match (failed, now) {
        (_, None) => Updated::Gone,
        (Some(()), Some(item)) if item.survey.response_count > 0 && changes.questions.is_some() => {
            Updated::HasResponses
        }
        (Some(()), Some(item)) if item.survey.discover_topics != before.survey.discover_topics => Updated::Raced,
        (Some(()), Some(_)) => Updated::Gone,
        (None, Some(item)) => Updated::Done(Box::new(item.survey)),
    })
}

/// A field's value as an attribute.
fn attribute<T: Serialize>(value: &T) -> Result<AttributeValue> {
    Ok(serde_dynamo::to_attribute_value(value)?)
}
