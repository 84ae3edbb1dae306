//! Projects: one item per project, carrying its feedback counters (so list totals need no count
//! of items), plus one "slug claim" item per slug so slugs stay unique per account.

use super::plan_conditions::under_plan_limit;
use super::{failed_conditions, n, s, Item};
use crate::access::KeyRecord;
use crate::feedback::{Source, Status};
use crate::ids::{AccountId, KeyId, ProjectId};
use crate::request_scope::db_call;
use crate::time::Timestamp;
use crate::{App, Error, Result};
use aws_sdk_dynamodb::types::{Put, TransactWriteItem, Update};
use serde::{Deserialize, Serialize};

/// A project item.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Project {
    pub id: ProjectId,
    pub account_id: AccountId,
    pub name: String,
    pub slug: String,
    pub status: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Origins the public widget accepts; empty means any.
    #[serde(default)]
    pub allowed_domains: Vec<String>,
    /// The project's live `mbk_` key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<KeyId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_digest: Option<String>,
}

/// A project's status while it exists.
pub const ACTIVE: &str = "ACTIVE";

/// The counter attribute of all feedback of a project.
pub const COUNT_TOTAL: &str = "count#total";

/// The counter attribute of a status.
pub fn count_of_status(status: Status) -> String {
    format!("count#status#{}", status.as_str())
}

/// The counter attribute of a source.
pub fn count_of_source(source: Source) -> String {
    format!("count#source#{}", source.as_str())
}

/// A counter of a project item (0 when never written).
pub fn counter(item: &Item, attribute: &str) -> u64 {
    super::number(item, attribute).unwrap_or(0).max(0) as u64
}

fn slug_claim_id(account: &AccountId, slug: &str) -> String {
    format!("slug#{account}#{slug}")
}

/// Reads a project of the account (strongly consistent). A project of another account reads as
/// missing, exactly like one that does not exist.
pub async fn get(app: &App, account: &AccountId, id: &ProjectId) -> Result<Option<(Project, Item)>> {
    let out = db_call(
        app.db.get_item().table_name(&app.tables.projects).key("id", s(id.as_str())).consistent_read(true).send(),
    )
    .await?;
    let Some(item) = out.item else {
        return Ok(None);
    };
    let project: Project = serde_dynamo::from_item(item.clone())?;
    Ok((project.account_id == *account && project.status == ACTIVE).then_some((project, item)))
}

/// Creates a project with its slug claim and its first `mbk_` key, in one transaction that also
/// counts it against the plan's project limit. Errors: `NotFound` (no account), `ProjectLimit`,
/// `Conflict` (slug taken).
pub async fn create(app: &App, project: &Project, key: &KeyRecord) -> Result<()> {
    let limit = under_plan_limit("#projects", |plan| plan.limits().projects, "projects");
    let mut count = Update::builder()
        .table_name(&app.tables.accounts)
        .key("id", s(project.account_id.as_str()))
        .update_expression("ADD #projects :one")
        .condition_expression(format!("attribute_exists(id) AND {}", limit.expression))
        .expression_attribute_names("#projects", "projectCount")
        .expression_attribute_names("#plan", "plan")
        .expression_attribute_values(":one", n(1));
    for (name, value) in limit.values {
        count = count.expression_attribute_values(name, value);
    }
    let put_project = Put::builder()
        .table_name(&app.tables.projects)
        .set_item(Some(serde_dynamo::to_item(project)?))
        .condition_expression("attribute_not_exists(id)");
    let claim = Put::builder()
        .table_name(&app.tables.projects)
        .item("id", s(slug_claim_id(&project.account_id, &project.slug)))
        .item("projectId", s(project.id.as_str()))
        .condition_expression("attribute_not_exists(id)");
    let put_key = Put::builder()
        .table_name(&app.tables.keys)
        .set_item(Some(serde_dynamo::to_item(key)?))
        .condition_expression("attribute_not_exists(digest)");
    let items = vec![
        TransactWriteItem::builder().update(count.build().map_err(Error::internal)?).build(),
        TransactWriteItem::builder().put(put_project.build().map_err(Error::internal)?).build(),
        TransactWriteItem::builder().put(claim.build().map_err(Error::internal)?).build(),
        TransactWriteItem::builder().put(put_key.build().map_err(Error::internal)?).build(),
    ];
    match crate::store::transact(app, items).await {
        Ok(_) => Ok(()),
        Err(err) => match failed_conditions(&err).as_deref() {
            Some([true, ..]) => match super::accounts::get(app, &project.account_id).await? {
                None => Err(Error::NotFound("Account not found")),
                Some(_) => Err(Error::ProjectLimit),
            },
            Some([_, _, true, ..]) => {
                Err(Error::Conflict(format!("A project with the slug '{}' already exists", project.slug)))
            }
            _ => Err(err.into()),
        },
    }
}
