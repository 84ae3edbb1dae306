//! Miniback feedback items. Each lives in its own partition (pk = its id, so a read by id is one
//! strongly consistent GetItem); the sparse attributes `projectId`, `projectStatus`, `accountId`,
//! `accountStatus`, `accountSource` put it in the indexes that serve each list, newest first.
//! Every write moves the project's and the account's counters in the same transaction.

use super::counters::{account_counts_id, Deltas};
use super::{get_as, s, write_unprocessed, Built, Changed, Pages, ProjectStatus, Transaction, TxError};
use crate::feedback::{FeedbackView, NewFeedback, Source, Status};
use crate::ids::{AccountId, FeedbackId, ProjectId};
use crate::request_scope::db_call;
use crate::time::Timestamp;
use crate::{App, Result};
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, Select, Update};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The sort key of a feedback item (its partition holds only itself).
const FEEDBACK_SK: &str = "feedback";

/// Items asked of one Query (DynamoDB also stops at 1 MB).
const QUERY_BATCH: u64 = 1000;

/// The write that moves the project's counters in every feedback write: its condition fails when
/// the project is gone (or not the account's, or being deleted).
pub(crate) const PROJECT_COUNTERS: &str = "project counters";

/// A feedback item as stored.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FeedbackItem {
    pub pk: String,
    pub sk: String,
    #[serde(flatten)]
    pub view: FeedbackView,
    pub project_id: ProjectId,
    pub account_id: AccountId,
    pub project_status: String,
    pub account_status: String,
    pub account_source: String,
    /// The message in lower case, for case-insensitive search.
    pub search_text: String,
}

impl FeedbackItem {
    /// A new item, with every index attribute derived from its fields.
    pub fn new(account: &AccountId, project: &ProjectId, input: NewFeedback, source: Source) -> FeedbackItem {
        let id = FeedbackId::generate();
        let now = Timestamp::now();
        let search_text = input.message.to_lowercase();
        let view = FeedbackView {
            id,
            message: input.message,
            context: input.context,
            status: Status::New,
            source,
            created_at: now,
            updated_at: now,
        };
        let mut item = FeedbackItem {
            pk: view.id.to_string(),
            sk: FEEDBACK_SK.to_owned(),
            view,
            project_id: project.clone(),
            account_id: account.clone(),
            project_status: String::new(),
            account_status: String::new(),
            account_source: format!("{account}#{}", source.as_str()),
            search_text,
        };
        item.set_status(Status::New, now);
        item
    }

    fn set_status(&mut self, status: Status, at: Timestamp) {
        self.view.status = status;
        self.view.updated_at = at;
        self.project_status = format!("{}#{}", self.project_id, status.as_str());
        self.account_status = format!("{}#{}", self.account_id, status.as_str());
    }
}

/// The counter updates of a feedback write: the project (which must still be the account's and
/// active) and the account's counts item.
fn counter_updates(
    app: &App,
    item: &FeedbackItem,
    deltas: &Deltas,
    updated_at: Option<Timestamp>,
) -> Result<Transaction> {
    let mut condition = "attribute_exists(id) AND accountId = :account AND #state = :active".to_owned();
    let mut project =
        deltas.apply(Update::builder().table_name(&app.tables.projects).key("id", s(item.project_id.as_str())), None);
    if let Some(at) = updated_at {
        condition.push_str(" AND updatedAt = :kept_at");
        project = project.expression_attribute_values(":kept_at", s(at.to_iso()));
    }
    let project = project
        .condition_expression(condition)
        .expression_attribute_names("#state", "status")
        .expression_attribute_values(":account", s(item.account_id.as_str()))
        .expression_attribute_values(":active", s(ProjectStatus::Active.as_str()));
    let account = deltas.apply(
        Update::builder().table_name(&app.tables.projects).key("id", s(account_counts_id(&item.account_id))),
        None,
    );
    Ok(Transaction::new().update(PROJECT_COUNTERS, project.built()?).update("account counters", account.built()?))
}

/// The writes that store new feedback: the project's counters, the account's counters and the
/// item. One transaction must carry all three.
pub(crate) fn create_writes(app: &App, item: &FeedbackItem) -> Result<Transaction> {
    create_writes_as_of(app, item, None)
}

/// [`create_writes`] for a project kept in memory as it was at `updated_at` (its settings decided
/// the request): the project's counters also require it unchanged since, so a project changed
/// meanwhile fails the write as a deleted one does, and the caller reads it again.
pub(crate) fn create_writes_as_of(
    app: &App,
    item: &FeedbackItem,
    updated_at: Option<Timestamp>,
) -> Result<Transaction> {
    let put = Put::builder()
        .table_name(&app.tables.feedback)
        .set_item(Some(serde_dynamo::to_item(item)?))
        .condition_expression("attribute_not_exists(pk)")
        .built()?;
    let counters = counter_updates(app, item, &Deltas::added(item.view.status, item.view.source), updated_at)?;
    Ok(counters.put("feedback item", put))
}

/// Stores new feedback and moves the counters in one transaction: all stand or fall together.
/// `None` when the project does not exist (any more) for this account.
pub async fn create(app: &App, item: &FeedbackItem) -> Result<Option<()>> {
    match create_writes(app, item)?.send(app).await {
        Ok(()) => Ok(Some(())),
        Err(err) if err.failed(PROJECT_COUNTERS) => Ok(None),
        Err(err) => Err(err.into()),
    }
}

/// Reads feedback of the account by id (strongly consistent); another account's reads as missing.
pub async fn get(app: &App, account: &AccountId, id: &FeedbackId) -> Result<Option<FeedbackItem>> {
    let request = app
        .db
        .get_item()
        .table_name(&app.tables.feedback)
        .key("pk", s(id.as_str()))
        .key("sk", s(FEEDBACK_SK))
        .consistent_read(true);
    let item: Option<FeedbackItem> = get_as(request).await?;
    Ok(item.filter(|item| item.account_id == *account))
}

/// Changes the status of `item` (as read) and moves the counters, in one transaction.
pub async fn set_status(app: &App, item: &FeedbackItem, status: Status) -> Result<Changed<FeedbackItem>> {
    let mut updated = item.clone();
    updated.set_status(status, Timestamp::now());
    let write = Update::builder()
        .table_name(&app.tables.feedback)
        .key("pk", s(item.pk.clone()))
        .key("sk", s(item.sk.clone()))
        .update_expression("SET #status = :new, projectStatus = :ps, accountStatus = :as, updatedAt = :at")
        .condition_expression("attribute_exists(pk) AND #status = :old")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":new", s(status.as_str()))
        .expression_attribute_values(":old", s(item.view.status.as_str()))
        .expression_attribute_values(":ps", s(updated.project_status.clone()))
        .expression_attribute_values(":as", s(updated.account_status.clone()))
        .expression_attribute_values(":at", s(updated.view.updated_at.to_iso()))
        .built()?;
    let counters = counter_updates(app, item, &Deltas::moved(item.view.status, status, item.view.source), None)?;
    conditional(counters.update("feedback item", write).send(app).await, updated)
}

/// Deletes `item` (as read) and takes it off the counters, in one transaction.
pub async fn delete(app: &App, item: &FeedbackItem) -> Result<Changed<()>> {
    let delete = Delete::builder()
        .table_name(&app.tables.feedback)
        .key("pk", s(item.pk.clone()))
        .key("sk", s(item.sk.clone()))
        .condition_expression("attribute_exists(pk) AND #status = :old")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":old", s(item.view.status.as_str()))
        .built()?;
    let counters = counter_updates(app, item, &Deltas::removed(item.view.status, item.view.source), None)?;
    conditional(counters.delete("feedback item", delete).send(app).await, ())
}

/// What a change of an existing item found.
fn conditional<T>(result: Result<(), TxError>, value: T) -> Result<Changed<T>> {
    match result {
        Ok(()) => Ok(Changed::Done(value)),
        Err(err) if err.failed(PROJECT_COUNTERS) => Ok(Changed::ProjectGone),
        Err(err) if err.any_failed() => Ok(Changed::Raced),
        Err(err) => Err(err.into()),
    }
}

/// Which feedback a list covers.
#[derive(Clone, Debug)]
pub enum Scope {
    /// One project (checked to be the account's by the caller).
    Project(ProjectId),
    /// Some projects of an account (a key limited to them).
    Projects(AccountId, Vec<ProjectId>),
    /// The whole account, less projects whose feedback is being removed.
    Account(AccountId, Vec<ProjectId>),
}

impl Scope {
    /// A key limited to projects none of which exist any more covers nothing.
    fn is_empty(&self) -> bool {
        matches!(self, Scope::Projects(_, projects) if projects.is_empty())
    }
}

/// A list's filters (SPEC §3 `GET /api/feedback`).
#[derive(Clone, Debug, Default)]
pub struct Filters {
    pub status: Option<Status>,
    pub source: Option<Source>,
    /// Lower-case text the message must contain.
    pub search: Option<String>,
    /// Inclusive creation-time bounds, Unix milliseconds.
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
}

impl Filters {
    /// Whether a total can come from counters (otherwise matching items are counted).
    pub fn counted_by_counters(&self) -> bool {
        self.search.is_none() && self.from_ms.is_none() && self.to_ms.is_none()
    }
}

/// A Query over the index that serves a scope and filters, with every filter the index does not
/// cover as a FilterExpression.
struct ListQuery<'a> {
    app: &'a App,
    index: &'static str,
    key_name: &'static str,
    key_value: String,
    filters: Vec<String>,
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
}

impl<'a> ListQuery<'a> {
    fn new(app: &'a App, scope: &Scope, filters: &Filters) -> ListQuery<'a> {
        let (index, key_name, key_value, source_in_key) = match (scope, filters.status, filters.source) {
            (Scope::Project(p), Some(status), _) => {
                ("byProjectStatus", "projectStatus", format!("{p}#{}", status.as_str()), false)
            }
            (Scope::Project(p), None, _) => ("byProject", "projectId", p.to_string(), false),
            (Scope::Projects(a, _) | Scope::Account(a, _), Some(status), _) => {
                ("byAccountStatus", "accountStatus", format!("{a}#{}", status.as_str()), false)
            }
            (Scope::Projects(a, _) | Scope::Account(a, _), None, Some(source)) => {
                ("byAccountSource", "accountSource", format!("{a}#{}", source.as_str()), true)
            }
            (Scope::Projects(a, _) | Scope::Account(a, _), None, None) => {
                ("byAccount", "accountId", a.to_string(), false)
            }
        };
        let mut query = ListQuery {
            app,
            index,
            key_name,
            key_value,
            filters: vec![],
            names: HashMap::new(),
            values: HashMap::new(),
        };
        if let (Some(source), false) = (filters.source, source_in_key) {
            query.filter("#source = :source", &[("#source", "source")], vec![(":source", s(source.as_str()))]);
        }
        if let Some(text) = &filters.search {
            query.filter("contains(searchText, :search)", &[], vec![(":search", s(text.clone()))]);
        }
        match scope {
            Scope::Projects(_, projects) => query.project_filter(projects, false),
            Scope::Account(_, deleting) if !deleting.is_empty() => query.project_filter(deleting, true),
            _ => {}
        }
        query
    }

    fn filter(&mut self, expression: &str, names: &[(&str, &str)], values: Vec<(&str, AttributeValue)>) {
        self.filters.push(expression.to_owned());
        self.names.extend(names.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        self.values.extend(values.into_iter().map(|(k, v)| (k.to_owned(), v)));
    }

    /// `projectId` among (or, `exclude`, not among) `projects`. DynamoDB takes at most 100 values
    /// in one `IN`, so longer lists are split into several.
    fn project_filter(&mut self, projects: &[ProjectId], exclude: bool) {
        let placeholders: Vec<String> = (0..projects.len()).map(|i| format!(":p{i}")).collect();
        let clauses: Vec<String> =
            placeholders.chunks(100).map(|chunk| format!("projectId IN ({})", chunk.join(", "))).collect();
        let expression = match exclude {
            true => format!("NOT ({})", clauses.join(" OR ")),
            false => format!("({})", clauses.join(" OR ")),
        };
        let values = placeholders.iter().zip(projects).map(|(k, p)| (k.as_str(), s(p.as_str()))).collect();
        self.filter(&expression, &[], values);
    }

    fn build(&self, filters: &Filters) -> QueryFluentBuilder {
        let mut key = "#k = :k".to_owned();
        let mut query = self
            .app
            .db
            .query()
            .table_name(&self.app.tables.feedback)
            .index_name(self.index)
            .expression_attribute_names("#k", self.key_name)
            .expression_attribute_values(":k", s(self.key_value.clone()))
            .scan_index_forward(false);
        if filters.from_ms.is_some() || filters.to_ms.is_some() {
            key.push_str(" AND id BETWEEN :lo AND :hi");
            let lo = FeedbackId::bound_at(filters.from_ms.unwrap_or(0), false);
            // UUIDv7 keeps 48 bits of milliseconds; a range that ends before it starts is empty
            // (DynamoDB refuses a BETWEEN whose bounds are reversed).
            let hi = FeedbackId::bound_at(filters.to_ms.unwrap_or((1i64 << 48) - 1), true).max(lo.clone());
            query = query.expression_attribute_values(":lo", s(lo)).expression_attribute_values(":hi", s(hi));
        }
        query = query.key_condition_expression(key);
        if !self.filters.is_empty() {
            query = query.filter_expression(self.filters.join(" AND "));
        }
        for (name, attribute) in &self.names {
            query = query.expression_attribute_names(name, attribute);
        }
        for (name, value) in &self.values {
            query = query.expression_attribute_values(name, value.clone());
        }
        query
    }
}

/// A page of feedback in a scope, newest first: skips `skip` matching items, returns up to
/// `limit`. Without a filter, each Query asks for exactly what is still needed (COUNT queries
/// skip, reading but not transferring items). With a filter, DynamoDB's `Limit` caps the items
/// *evaluated*, not the matches, so filtered queries evaluate 1,000 at a time: skipping keeps only
/// the keys of the matches and restarts right after the last skipped one.
pub async fn list(app: &App, scope: &Scope, filters: &Filters, skip: u64, limit: u64) -> Result<Vec<FeedbackItem>> {
    if scope.is_empty() {
        return Ok(vec![]);
    }
    let query = ListQuery::new(app, scope, filters);
    let filtered = !query.filters.is_empty();
    let mut pages = Pages::default();
    let mut skipped = 0u64;
    while skipped < skip {
        let request = if filtered {
            let keys = format!("pk, sk, id, {}", query.key_name);
            query.build(filters).projection_expression(keys).limit(QUERY_BATCH as i32)
        } else {
            let batch = (skip - skipped).min(QUERY_BATCH) as i32;
            query.build(filters).select(Select::Count).limit(batch)
        };
        let Some(out) = pages.next(request).await? else { return Ok(vec![]) };
        let matched = out.count.max(0) as u64;
        if filtered && skipped + matched >= skip {
            // The last skipped match is where the page starts.
            let items = out.items.unwrap_or_default();
            let Some(last) = items.get((skip - skipped) as usize - 1) else { return Ok(vec![]) };
            pages = Pages::from(Some(last.clone()));
            break;
        }
        skipped += matched;
    }
    let mut page = Vec::with_capacity(limit as usize);
    while (page.len() as u64) < limit {
        let batch = if filtered { QUERY_BATCH } else { (limit - page.len() as u64).min(QUERY_BATCH) } as i32;
        let Some(out) = pages.next(query.build(filters).limit(batch)).await? else { break };
        for item in out.items.unwrap_or_default().into_iter().take((limit - page.len() as u64) as usize) {
            page.push(serde_dynamo::from_item(item)?);
        }
    }
    Ok(page)
}

/// Counts the matching items of a scope (for filters no counter covers: search and dates).
/// Reads every item in the scope's index range.
pub async fn count(app: &App, scope: &Scope, filters: &Filters) -> Result<u64> {
    if scope.is_empty() {
        return Ok(0);
    }
    let query = ListQuery::new(app, scope, filters);
    let mut pages = Pages::default();
    let mut total = 0u64;
    while let Some(out) = pages.next(query.build(filters).select(Select::Count)).await? {
        total += out.count.max(0) as u64;
    }
    Ok(total)
}

/// A page of a project's feedback for `GET /api/projects/{projectId}/feedback` (offset paging).
pub async fn list_for_project(
    app: &App,
    project: &ProjectId,
    status: Option<Status>,
    offset: u64,
    limit: u64,
) -> Result<Vec<FeedbackView>> {
    let filters = Filters { status, ..Filters::default() };
    let page = list(app, &Scope::Project(project.clone()), &filters, offset, limit).await?;
    Ok(page.into_iter().map(|item| item.view).collect())
}

/// The ids of a project's feedback, a page at a time (for the background removal of a deleted
/// project): up to `limit` keys, oldest first.
pub async fn keys_of_project(app: &App, project: &ProjectId, limit: i32) -> Result<Vec<(String, String)>> {
    let call = app
        .db
        .query()
        .table_name(&app.tables.feedback)
        .index_name("byProject")
        .key_condition_expression("projectId = :p")
        .expression_attribute_values(":p", s(project.as_str()))
        .projection_expression("pk, sk")
        .limit(limit)
        .send();
    let out = db_call(call).await?;
    let keys = out
        .items
        .unwrap_or_default()
        .into_iter()
        .filter_map(|item| Some((item.get("pk")?.as_s().ok()?.clone(), item.get("sk")?.as_s().ok()?.clone())));
    Ok(keys.collect())
}

/// Deletes up to 25 feedback items by key, retrying what DynamoDB leaves unprocessed.
pub async fn delete_batch(app: &App, keys: &[(String, String)]) -> Result<()> {
    use aws_sdk_dynamodb::types::{DeleteRequest, WriteRequest};
    let requests = keys
        .iter()
        .map(|(pk, sk)| {
            let delete = DeleteRequest::builder().key("pk", s(pk.clone())).key("sk", s(sk.clone())).built()?;
            Ok(WriteRequest::builder().delete_request(delete).build())
        })
        .collect::<Result<_>>()?;
    write_unprocessed(app, &app.tables.feedback, requests).await
}
