//! The projects table: one item per project (with its feedback counters), one "slug claim" item
//! per slug (`slug#<account>#<slug>`) so slugs stay unique per account, and one counts item per
//! account (`counts#<account>`: the account's feedback counters, and the projects whose feedback
//! is being removed in the background).

use super::counters::{account_counts_id, AddClause, Deltas};
use super::keys::Revocation;
use super::plan_conditions::under_plan_limit;
use super::{
    all_items, get_item, get_unprocessed, get_with_item, n, s, Built, Changed, Item, ProjectStatus, Transaction,
};
use crate::access::KeyRecord;
use crate::ids::{AccountId, KeyId, ProjectId};
use crate::request_scope::db_call;
use crate::time::Timestamp;
use crate::{App, Error, Result};
use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, Update};
use serde::{Deserialize, Serialize};

/// A project item.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Project {
    pub id: ProjectId,
    pub account_id: AccountId,
    pub name: String,
    pub slug: String,
    pub status: ProjectStatus,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Hosts the public widget accepts feedback from; empty means any.
    #[serde(default)]
    pub allowed_domains: Vec<String>,
    /// The project's live `mbk_` key, if one was generated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<KeyId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_digest: Option<String>,
}

fn slug_claim_id(account: &AccountId, slug: &str) -> String {
    format!("slug#{account}#{slug}")
}

/// The labels of a project's writes whose failed conditions mean something.
const PROJECT: &str = "project";
const SLUG_CLAIM: &str = "slug claim";
const PROJECT_COUNT: &str = "account's project count";

fn slug_taken(slug: &str) -> Error {
    Error::Conflict(format!("A project with the slug '{slug}' already exists"))
}

/// Reads a project of the account (strongly consistent). A project of another account reads as
/// missing, exactly like one that does not exist.
pub async fn get(app: &App, account: &AccountId, id: &ProjectId) -> Result<Option<(Project, Item)>> {
    Ok(get_public(app, id).await?.filter(|(project, _)| project.account_id == *account))
}

/// Reads an active project whatever its account (for the public widget), strongly consistent.
pub async fn get_public(app: &App, id: &ProjectId) -> Result<Option<(Project, Item)>> {
    Ok(read(app, id).await?.filter(|(project, _)| project.status == ProjectStatus::Active))
}

/// Reads a project of the account that is active or being deleted (a DELETE cut short between its
/// two steps is finished by the next one); another account's reads as missing.
pub async fn get_for_removal(app: &App, account: &AccountId, id: &ProjectId) -> Result<Option<(Project, Item)>> {
    Ok(read(app, id).await?.filter(|(project, _)| project.account_id == *account))
}

async fn read(app: &App, id: &ProjectId) -> Result<Option<(Project, Item)>> {
    get_with_item(app.db.get_item().table_name(&app.tables.projects).key("id", s(id.as_str())).consistent_read(true))
        .await
}

/// Every project of the account, newest first. The `byAccount` index finds them (slug claims and
/// counts items carry no `accountId`, so they are not in it); because an index lags a write by a
/// moment, the projects it names are then read from the table itself, strongly consistent, so a
/// project deleted a moment ago is never listed.
pub async fn list(app: &App, account: &AccountId) -> Result<Vec<Project>> {
    let query = app
        .db
        .query()
        .table_name(&app.tables.projects)
        .index_name("byAccount")
        .key_condition_expression("accountId = :a")
        .expression_attribute_values(":a", s(account.as_str()))
        .projection_expression("id")
        .scan_index_forward(false);
    let ids: Vec<String> =
        all_items(query).await?.iter().filter_map(|item| item.get("id")?.as_s().ok().cloned()).collect();
    let mut live: Vec<Project> = vec![];
    for chunk in ids.chunks(100) {
        let keys = chunk.iter().map(|id| [("id".to_owned(), s(id.clone()))].into_iter().collect()).collect();
        for item in get_unprocessed(app, &app.tables.projects, keys).await? {
            let project: Project = serde_dynamo::from_item(item)?;
            if project.account_id == *account && project.status == ProjectStatus::Active {
                live.push(project);
            }
        }
    }
    live.sort_by(|a, b| b.id.cmp(&a.id));
    Ok(live)
}

/// The project that holds a slug in the account, if any.
pub async fn id_by_slug(app: &App, account: &AccountId, slug: &str) -> Result<Option<ProjectId>> {
    let request = app
        .db
        .get_item()
        .table_name(&app.tables.projects)
        .key("id", s(slug_claim_id(account, slug)))
        .consistent_read(true);
    let item = get_item(request).await?;
    Ok(item.and_then(|i| i.get("projectId")?.as_s().ok().and_then(|p| ProjectId::parse(p))))
}

/// The account's counts item: feedback counters and the projects being removed.
pub async fn account_counts(app: &App, account: &AccountId) -> Result<Item> {
    let request = app
        .db
        .get_item()
        .table_name(&app.tables.projects)
        .key("id", s(account_counts_id(account)))
        .consistent_read(true);
    Ok(get_item(request).await?.unwrap_or_default())
}

/// The projects of a counts item whose feedback is still being removed.
pub fn deleting_in(counts: &Item) -> Vec<ProjectId> {
    let Some(AttributeValue::Ss(ids)) = counts.get("deleting") else { return vec![] };
    ids.iter().filter_map(|id| ProjectId::parse(id)).collect()
}

/// Every (account, project) that a counts item lists as being removed: the nightly sweep's work.
/// A Scan of the projects table (projects, slug claims and one counts item per account) keeping
/// only the items being removed from; once a night.
pub async fn all_deleting(app: &App) -> Result<Vec<(AccountId, ProjectId)>> {
    let scan = app
        .db
        .scan()
        .table_name(&app.tables.projects)
        .filter_expression("attribute_exists(deleting)")
        .projection_expression("id, deleting");
    let mut listed = vec![];
    for item in all_items(scan).await? {
        let id = item.get("id").and_then(|id| id.as_s().ok());
        let account = id.and_then(|id| id.split_once('#')).and_then(|(_, account)| AccountId::parse(account));
        // Only counts items carry `deleting`; the round trip makes sure this is one.
        let Some(account) = account.filter(|account| id == Some(&account_counts_id(account))) else { continue };
        listed.extend(deleting_in(&item).into_iter().map(|project| (account.clone(), project)));
    }
    Ok(listed)
}

/// Creates a project with its slug claim (and, when given, its first `mbk_` key) in one
/// transaction that also counts it against the plan's project limit. Errors: `NotFound` (no
/// account), `ProjectLimit`, `Conflict` (slug taken).
pub async fn create(app: &App, project: &Project, key: Option<&KeyRecord>) -> Result<()> {
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
    let mut writes = Transaction::new()
        .update(PROJECT_COUNT, count.built()?)
        .put(PROJECT, put_project.built()?)
        .put(SLUG_CLAIM, claim(app, project)?);
    if let Some(key) = key {
        writes = writes.writes("new key", super::keys::store_new(app, key)?);
    }
    match writes.send(app).await {
        Ok(()) => Ok(()),
        Err(err) if err.failed(PROJECT_COUNT) => match super::accounts::get(app, &project.account_id).await? {
            None => Err(Error::NotFound("Account not found")),
            Some(_) => Err(Error::ProjectLimit),
        },
        Err(err) if err.failed(SLUG_CLAIM) => Err(slug_taken(&project.slug)),
        Err(err) => Err(err.into()),
    }
}

fn claim(app: &App, project: &Project) -> Result<Put> {
    Put::builder()
        .table_name(&app.tables.projects)
        .item("id", s(slug_claim_id(&project.account_id, &project.slug)))
        .item("projectId", s(project.id.as_str()))
        .condition_expression("attribute_not_exists(id)")
        .built()
}

/// Saves a changed project (`before` as read, `after` as it should be): name, slug and allowed
/// domains. A slug change moves the slug claim in the same transaction (409 when taken).
pub async fn update(app: &App, before: &Project, after: &Project) -> Result<Changed<()>> {
    let write = Update::builder()
        .table_name(&app.tables.projects)
        .key("id", s(before.id.as_str()))
        .update_expression("SET #name = :name, slug = :slug, allowedDomains = :domains, updatedAt = :at")
        .condition_expression("attribute_exists(id) AND #status = :active AND slug = :old_slug")
        .expression_attribute_names("#name", "name")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":name", s(after.name.clone()))
        .expression_attribute_values(":slug", s(after.slug.clone()))
        .expression_attribute_values(
            ":domains",
            AttributeValue::L(after.allowed_domains.iter().map(|d| s(d.clone())).collect()),
        )
        .expression_attribute_values(":at", s(after.updated_at.to_iso()))
        .expression_attribute_values(":active", s(ProjectStatus::Active.as_str()))
        .expression_attribute_values(":old_slug", s(before.slug.clone()));
    let mut writes = Transaction::new().update(PROJECT, write.built()?);
    if before.slug != after.slug {
        let old_claim = Delete::builder()
            .table_name(&app.tables.projects)
            .key("id", s(slug_claim_id(&before.account_id, &before.slug)))
            .built()?;
        writes = writes.delete("old slug claim", old_claim).put(SLUG_CLAIM, claim(app, after)?);
    }
    match writes.send(app).await {
        Ok(()) => Ok(Changed::Done(())),
        Err(err) if err.failed(PROJECT) => Ok(Changed::Raced),
        Err(err) if err.failed(SLUG_CLAIM) => Err(slug_taken(&after.slug)),
        Err(err) => Err(err.into()),
    }
}

/// Deletes a project of the account in two steps, so a busy project cannot starve its DELETE:
/// (1) it is marked DELETING — from then on it is gone from every route and its counters are
/// frozen; (2) one transaction removes the project, its slug claim, its key, its place in the
/// plan's project count and its feedback from the account's counters, and marks it for the
/// background removal of its feedback (driven by the table's stream). A DELETE cut short between
/// the two steps is finished by the next one. `None` when there is no such project.
pub async fn delete(app: &App, account: &AccountId, id: &ProjectId) -> Result<Option<()>> {
    // The mark and the removal both need to fit: a mark left alone hides the project until the
    // next DELETE finishes it, so it is not started without room for both.
    if !crate::request_scope::operations_fit(3) {
        return Err(Error::Unavailable("no time left in the request to start a write".into()));
    }
    let mark = app
        .db
        .update_item()
        .table_name(&app.tables.projects)
        .key("id", s(id.as_str()))
        .update_expression("SET #status = :deleting")
        .condition_expression("attribute_exists(id) AND accountId = :account AND #status IN (:active, :deleting)")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":deleting", s(ProjectStatus::Deleting.as_str()))
        .expression_attribute_values(":active", s(ProjectStatus::Active.as_str()))
        .expression_attribute_values(":account", s(account.as_str()))
        .return_values(aws_sdk_dynamodb::types::ReturnValue::AllNew)
        .send();
    let item = match db_call(mark).await {
        Ok(out) => out.attributes.unwrap_or_default(),
        Err(err) if super::failed_condition(&err) => return Ok(None),
        Err(err) => return Err(err.into()),
    };
    let project: Project = serde_dynamo::from_item(item.clone())?;
    let remove = Delete::builder()
        .table_name(&app.tables.projects)
        .key("id", s(project.id.as_str()))
        .condition_expression("#status = :deleting")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":deleting", s(ProjectStatus::Deleting.as_str()));
    let claim = Delete::builder()
        .table_name(&app.tables.projects)
        .key("id", s(slug_claim_id(&project.account_id, &project.slug)));
    let count = Update::builder()
        .table_name(&app.tables.accounts)
        .key("id", s(project.account_id.as_str()))
        .update_expression("ADD projectCount :minus_one")
        .expression_attribute_values(":minus_one", n(-1));
    let AddClause { expression: subtract, names, values } = Deltas::negation_of(&item).add_clause("cnt");
    let mut counts = Update::builder()
        .table_name(&app.tables.projects)
        .key("id", s(account_counts_id(&project.account_id)))
        .update_expression(format!("{subtract}, deleting :project"))
        .expression_attribute_values(":project", AttributeValue::Ss(vec![project.id.to_string()]));
    for (name, attribute) in names {
        counts = counts.expression_attribute_names(name, attribute);
    }
    for (name, value) in values {
        counts = counts.expression_attribute_values(name, value);
    }
    let mut writes = Transaction::new()
        .delete(PROJECT, remove.built()?)
        .delete(SLUG_CLAIM, claim.built()?)
        .update(PROJECT_COUNT, count.built()?)
        .update("account counters", counts.built()?);
    if let Some(digest) = &project.key_digest {
        let revoked = super::keys::revocation_in(
            app,
            &project.account_id,
            digest,
            project.key_id.as_ref(),
            Revocation::Deleted,
            false,
        )?;
        writes = writes.writes("revoked key", revoked);
    }
    match writes.send(app).await {
        Ok(()) => Ok(Some(())),
        // A concurrent DELETE finished it first.
        Err(err) if err.failed(PROJECT) => Ok(Some(())),
        Err(err) => Err(err.into()),
    }
}

/// Marks the background removal of a project's feedback as finished.
pub async fn removal_finished(app: &App, account: &AccountId, project: &ProjectId) -> Result<()> {
    let call = app
        .db
        .update_item()
        .table_name(&app.tables.projects)
        .key("id", s(account_counts_id(account)))
        .update_expression("DELETE deleting :project")
        .expression_attribute_values(":project", AttributeValue::Ss(vec![project.to_string()]))
        .send();
    db_call(call).await?;
    Ok(())
}

/// Replaces the project's `mbk_` key: the new key is stored, the old one revoked and the project
/// pointed at the new one, together — the old key fails from the very next request.
/// `Raced` when the project or its key changed since `project` was read.
pub async fn replace_key(app: &App, project: &Project, key: &KeyRecord) -> Result<Changed<()>> {
    let mut point = Update::builder()
        .table_name(&app.tables.projects)
        .key("id", s(project.id.as_str()))
        .update_expression("SET keyId = :id, keyDigest = :digest")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":id", s(key.id.as_str()))
        .expression_attribute_values(":digest", s(key.digest.clone()))
        .expression_attribute_values(":active", s(ProjectStatus::Active.as_str()));
    point = match &project.key_digest {
        Some(old) => point
            .condition_expression("attribute_exists(id) AND #status = :active AND keyDigest = :old")
            .expression_attribute_values(":old", s(old.clone())),
        None => {
            point.condition_expression("attribute_exists(id) AND #status = :active AND attribute_not_exists(keyDigest)")
        }
    };
    let mut writes =
        Transaction::new().update(PROJECT, point.built()?).writes("new key", super::keys::store_new(app, key)?);
    if let Some(old) = &project.key_digest {
        let revoked = super::keys::revocation_in(
            app,
            &project.account_id,
            old,
            project.key_id.as_ref(),
            Revocation::Regenerated,
            false,
        )?;
        writes = writes.writes("revoked key", revoked);
    }
    match writes.send(app).await {
        Ok(()) => Ok(Changed::Done(())),
        Err(err) if err.failed(PROJECT) => Ok(Changed::Raced),
        Err(err) => Err(err.into()),
    }
}
