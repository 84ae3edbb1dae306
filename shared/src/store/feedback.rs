//! Miniback feedback items. Each lives in its own partition (pk = sk = its id); the sparse
//! attributes `projectId`, `projectStatus`, `accountId`, `accountStatus`, `accountSource` put it in
//! the indexes that serve each list, newest first.

use super::projects::{count_of_source, count_of_status, COUNT_TOTAL};
use super::{failed_conditions, n, s};
use crate::feedback::{FeedbackView, NewFeedback, Source, Status};
use crate::ids::{AccountId, FeedbackId, ProjectId};
use crate::request_scope::db_call;
use crate::time::Timestamp;
use crate::{App, Error, Result};
use aws_sdk_dynamodb::types::{Put, Select, TransactWriteItem, Update};
use serde::{Deserialize, Serialize};

/// The sort key of a feedback item (its partition holds only itself).
const FEEDBACK_SK: &str = "feedback";

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
}

impl FeedbackItem {
    /// A new item, with every index attribute derived from its fields.
    pub fn new(account: &AccountId, project: &ProjectId, input: NewFeedback, source: Source) -> FeedbackItem {
        let id = FeedbackId::generate();
        let now = Timestamp::now();
        let status = Status::New;
        FeedbackItem {
            pk: id.to_string(),
            sk: FEEDBACK_SK.to_owned(),
            view: FeedbackView {
                id,
                message: input.message,
                context: input.context,
                status,
                source,
                created_at: now,
                updated_at: now,
            },
            project_id: project.clone(),
            account_id: account.clone(),
            project_status: format!("{project}#{}", status.as_str()),
            account_status: format!("{account}#{}", status.as_str()),
            account_source: format!("{account}#{}", source.as_str()),
        }
    }
}

/// Stores new feedback and moves the project's counters in one transaction: both stand or fall
/// together. `None` when the project does not exist for this account.
pub async fn create(app: &App, item: &FeedbackItem) -> Result<Option<()>> {
    let counters = Update::builder()
        .table_name(&app.tables.projects)
        .key("id", s(item.project_id.as_str()))
        .update_expression("ADD #total :one, #status :one, #source :one")
        .condition_expression("attribute_exists(id) AND accountId = :account AND #state = :active")
        .expression_attribute_names("#total", COUNT_TOTAL)
        .expression_attribute_names("#status", count_of_status(item.view.status))
        .expression_attribute_names("#source", count_of_source(item.view.source))
        .expression_attribute_names("#state", "status")
        .expression_attribute_values(":one", n(1))
        .expression_attribute_values(":account", s(item.account_id.as_str()))
        .expression_attribute_values(":active", s(super::projects::ACTIVE))
        .build()
        .map_err(Error::internal)?;
    let put = Put::builder()
        .table_name(&app.tables.feedback)
        .set_item(Some(serde_dynamo::to_item(item)?))
        .condition_expression("attribute_not_exists(pk)")
        .build()
        .map_err(Error::internal)?;
    let items =
        vec![TransactWriteItem::builder().update(counters).build(), TransactWriteItem::builder().put(put).build()];
    match crate::store::transact(app, items).await {
        Ok(_) => Ok(Some(())),
        Err(err) if matches!(failed_conditions(&err).as_deref(), Some([true, ..])) => Ok(None),
        Err(err) => Err(err.into()),
    }
}

/// A page of a project's feedback, newest first, optionally of one status: skips `offset` items
/// and returns up to `limit`. Skipping uses COUNT queries, which move past items without
/// transferring them (they are still read: offset paging costs O(offset + limit) reads).
pub async fn list_for_project(
    app: &App,
    project: &ProjectId,
    status: Option<Status>,
    offset: u64,
    limit: u64,
) -> Result<Vec<FeedbackView>> {
    let (index, key_name, key_value) = match status {
        Some(status) => ("byProjectStatus", "projectStatus", format!("{project}#{}", status.as_str())),
        None => ("byProject", "projectId", project.to_string()),
    };
    let query = || {
        app.db
            .query()
            .table_name(&app.tables.feedback)
            .index_name(index)
            .key_condition_expression("#k = :v")
            .expression_attribute_names("#k", key_name)
            .expression_attribute_values(":v", s(key_value.clone()))
            .scan_index_forward(false)
    };
    let mut start = None;
    let mut skipped = 0u64;
    while skipped < offset {
        let batch = (offset - skipped).min(QUERY_BATCH) as i32;
        let out = db_call(query().select(Select::Count).limit(batch).set_exclusive_start_key(start).send()).await?;
        skipped += out.count.max(0) as u64;
        start = out.last_evaluated_key;
        if start.is_none() {
            return Ok(vec![]);
        }
    }
    let mut page: Vec<FeedbackView> = Vec::with_capacity(limit as usize);
    loop {
        let batch = (limit - page.len() as u64).min(QUERY_BATCH) as i32;
        let out = db_call(query().limit(batch).set_exclusive_start_key(start).send()).await?;
        for item in out.items.unwrap_or_default() {
            page.push(serde_dynamo::from_item::<_, FeedbackItem>(item)?.view);
        }
        start = out.last_evaluated_key;
        if page.len() as u64 >= limit || start.is_none() {
            return Ok(page);
        }
    }
}

/// Items asked of one Query (DynamoDB also stops at 1 MB).
const QUERY_BATCH: u64 = 1000;
