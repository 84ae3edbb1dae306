//! The keys table: key items by digest, listed per account through the `byAccount` index.

use super::feedback::Changed;
use super::{s, Item};
use crate::access::KeyRecord;
use crate::ids::{AccountId, KeyId};
use crate::keys::KeyChanges;
use crate::request_scope::db_call;
use crate::time::Timestamp;
use crate::{App, Error, Result};
use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem, Update};
use serde::{Deserialize, Serialize};

/// How long a revoked key's tombstone stays (so it is refused with its own message), before
/// DynamoDB's TTL removes it and the key reads as unknown.
const TOMBSTONE_DAYS: i64 = 90;

/// Why a key stopped working.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Revocation {
    /// Deleted through the API, or with its project.
    Deleted,
    /// A project key replaced by a new one.
    Regenerated,
}

/// What takes a revoked key's place under its digest: no account, no id (so no list shows it).
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Tombstone {
    digest: String,
    revoked_at: Timestamp,
    reason: Revocation,
    purge_at: i64,
}

/// What the keys table holds for a digest.
#[derive(Debug)]
pub enum Lookup {
    Live(Box<KeyRecord>),
    Revoked(Revocation),
    Missing,
}

/// Reads a key by the digest of its secret, strongly consistent so a revocation holds at once.
pub async fn lookup(app: &App, digest: &str) -> Result<Lookup> {
    let call = app.db.get_item().table_name(&app.tables.keys).key("digest", s(digest)).consistent_read(true).send();
    match db_call(call).await?.item {
        None => Ok(Lookup::Missing),
        Some(item) if item.contains_key("revokedAt") => {
            Ok(Lookup::Revoked(serde_dynamo::from_item::<_, Tombstone>(item)?.reason))
        }
        Some(item) => Ok(Lookup::Live(Box::new(serde_dynamo::from_item(item)?))),
    }
}

/// A live key by digest (`None` for a missing or revoked one).
pub async fn get_by_digest(app: &App, digest: &str) -> Result<Option<KeyRecord>> {
    Ok(match lookup(app, digest).await? {
        Lookup::Live(record) => Some(*record),
        _ => None,
    })
}

/// The id of a key's pointer item: the table is keyed by digest, and this item (`target`: the
/// digest) lets `/api/v1/keys/{keyId}` find a key with strongly consistent reads.
fn pointer_id(id: &KeyId) -> String {
    format!("id#{id}")
}

/// The answer when a change would leave the account without an enabled owner key.
pub const LAST_OWNER_KEY: &str =
    "This is the account's last enabled owner key; create another owner key before disabling or deleting it";

/// Whether a key counts among the account's enabled owner keys.
fn counts_as_owner(record: &KeyRecord) -> bool {
    record.family == crate::access::Family::Account && record.role == crate::access::Role::Owner && record.enabled
}

/// The write that moves the account's count of enabled owner keys; taking one away holds only
/// while another is left.
fn owner_count(app: &App, account: &AccountId, delta: i64) -> Result<TransactWriteItem> {
    let mut update = Update::builder()
        .table_name(&app.tables.accounts)
        .key("id", s(account.as_str()))
        .update_expression("ADD ownerKeys :delta")
        .expression_attribute_values(":delta", super::n(delta));
    update = match delta < 0 {
        true => update.condition_expression("ownerKeys > :one").expression_attribute_values(":one", super::n(1)),
        false => update.condition_expression("attribute_exists(id)"),
    };
    Ok(TransactWriteItem::builder().update(update.build().map_err(Error::internal)?).build())
}

/// The writes that store a new key: the key and its id pointer (for one transaction).
pub fn store_new(app: &App, record: &KeyRecord) -> Result<Vec<TransactWriteItem>> {
    let key = Put::builder()
        .table_name(&app.tables.keys)
        .set_item(Some(serde_dynamo::to_item(record)?))
        .condition_expression("attribute_not_exists(digest)");
    let pointer = Put::builder()
        .table_name(&app.tables.keys)
        .item("digest", s(pointer_id(&record.id)))
        .item("target", s(record.digest.clone()))
        .condition_expression("attribute_not_exists(digest)");
    Ok(vec![
        TransactWriteItem::builder().put(key.build().map_err(Error::internal)?).build(),
        TransactWriteItem::builder().put(pointer.build().map_err(Error::internal)?).build(),
    ])
}

/// The writes that revoke a key: its tombstone replaces it (with no account or id, so no list
/// shows it) and its id pointer goes (for one transaction). `only_if_account`: the key must still
/// be that account's live key.
pub fn revocation(
    app: &App,
    digest: &str,
    id: Option<&KeyId>,
    reason: Revocation,
    only_if_account: Option<&AccountId>,
) -> Result<Vec<TransactWriteItem>> {
    let now = Timestamp::now();
    let purge_at = now.unix_seconds() + TOMBSTONE_DAYS * 86_400;
    let tombstone = Tombstone { digest: digest.to_owned(), revoked_at: now, reason, purge_at };
    let mut put = Put::builder().table_name(&app.tables.keys).set_item(Some(serde_dynamo::to_item(&tombstone)?));
    if let Some(account) = only_if_account {
        put = put
            .condition_expression("attribute_exists(digest) AND accountId = :account")
            .expression_attribute_values(":account", s(account.as_str()));
    }
    let mut writes = vec![TransactWriteItem::builder().put(put.build().map_err(Error::internal)?).build()];
    if let Some(id) = id {
        let pointer = Delete::builder().table_name(&app.tables.keys).key("digest", s(pointer_id(id)));
        writes.push(TransactWriteItem::builder().delete(pointer.build().map_err(Error::internal)?).build());
    }
    Ok(writes)
}

/// Records when a key was last used. Only on a live key: a key deleted meanwhile (now a
/// tombstone, with no account) must not come back as a stub.
pub async fn touch_last_used(app: &App, digest: &str, at: Timestamp) -> Result<()> {
    let call = app
        .db
        .update_item()
        .table_name(&app.tables.keys)
        .key("digest", s(digest))
        .update_expression("SET lastUsedAt = :at")
        .condition_expression("attribute_exists(accountId)")
        .expression_attribute_values(":at", s(at.to_iso()))
        .send();
    match db_call(call).await {
        Ok(_) => Ok(()),
        Err(err) if super::failed_condition(&err) => Ok(()),
        Err(err) => Err(err.into()),
    }
}

/// A page of the account's keys, newest first (a Query on the `byAccount` index), and the key to
/// continue from.
pub async fn list(
    app: &App,
    account: &AccountId,
    limit: i32,
    start: Option<Item>,
) -> Result<(Vec<KeyRecord>, Option<Item>)> {
    let call = app
        .db
        .query()
        .table_name(&app.tables.keys)
        .index_name("byAccount")
        .key_condition_expression("accountId = :a")
        .expression_attribute_values(":a", s(account.as_str()))
        .scan_index_forward(false)
        .limit(limit)
        .set_exclusive_start_key(start)
        .send();
    let out = db_call(call).await?;
    let keys = out.items.unwrap_or_default().into_iter().map(serde_dynamo::from_item).collect::<Result<_, _>>()?;
    Ok((keys, out.last_evaluated_key))
}

/// Every key of the account (for rules over all of them, such as "the last owner key").
pub async fn all(app: &App, account: &AccountId) -> Result<Vec<KeyRecord>> {
    let mut keys = vec![];
    let mut start = None;
    loop {
        let (page, next) = list(app, account, 100, start).await?;
        keys.extend(page);
        match next {
            Some(next) => start = Some(next),
            None => return Ok(keys),
        }
    }
}

/// A key of the account by its id (through its pointer item, strongly consistent); another
/// account's reads as missing.
pub async fn find(app: &App, account: &AccountId, id: &KeyId) -> Result<Option<KeyRecord>> {
    let call =
        app.db.get_item().table_name(&app.tables.keys).key("digest", s(pointer_id(id))).consistent_read(true).send();
    let target = db_call(call).await?.item.and_then(|item| item.get("target")?.as_s().ok().cloned());
    let Some(digest) = target else { return Ok(None) };
    Ok(get_by_digest(app, &digest).await?.filter(|record| record.account_id == *account))
}

/// Stores a new key with its id pointer (and counts it when it is an enabled owner key).
pub async fn put_new(app: &App, record: &KeyRecord) -> Result<()> {
    let mut writes = store_new(app, record)?;
    if counts_as_owner(record) {
        writes.push(owner_count(app, &record.account_id, 1)?);
    }
    super::transact(app, writes).await?;
    Ok(())
}

/// Applies `changes` to a stored key, field by field (a concurrent change of other fields stands),
/// moving the account's owner-key count in the same transaction when an owner key is disabled or
/// enabled. `Raced` when the key was deleted, or enabled or disabled, meanwhile; 409 when it would
/// disable the account's last enabled owner key.
pub async fn save(app: &App, record: &KeyRecord, changes: &KeyChanges) -> Result<Changed<()>> {
    let mut after = record.clone();
    changes.apply_to(&mut after);
    let item: Item = serde_dynamo::to_item(&after)?;
    let given = [
        ("name", changes.name.is_some()),
        ("description", changes.description.is_some()),
        ("allowedIps", changes.allowed_ips.is_some()),
        ("allowedProjects", changes.allowed_projects.is_some()),
        ("rateLimitPerMinute", changes.rate_limit_per_minute.is_some()),
        ("enabled", changes.enabled.is_some()),
    ];
    let (mut set, mut remove, mut names, mut values) = (vec![], vec![], vec![], vec![]);
    for (i, (field, _)) in given.iter().filter(|(_, given)| *given).enumerate() {
        names.push((format!("#f{i}"), field.to_string()));
        match item.get(*field) {
            Some(value) => {
                set.push(format!("#f{i} = :f{i}"));
                values.push((format!(":f{i}"), value.clone()));
            }
            None => remove.push(format!("#f{i}")),
        }
    }
    if names.is_empty() {
        return Ok(Changed::Done(()));
    }
    let mut expression = String::new();
    if !set.is_empty() {
        expression.push_str(&format!("SET {}", set.join(", ")));
    }
    if !remove.is_empty() {
        expression.push_str(&format!(" REMOVE {}", remove.join(", ")));
    }
    let mut update = Update::builder()
        .table_name(&app.tables.keys)
        .key("digest", s(record.digest.clone()))
        .update_expression(expression.trim())
        // The owner count below assumes the key is as read: enabled or not.
        .condition_expression("attribute_exists(digest) AND accountId = :account AND enabled = :was_enabled")
        .expression_attribute_values(":account", s(record.account_id.as_str()))
        .expression_attribute_values(":was_enabled", AttributeValue::Bool(record.enabled));
    for (name, field) in names {
        update = update.expression_attribute_names(name, field);
    }
    for (name, value) in values {
        update = update.expression_attribute_values(name, value);
    }
    let mut writes = vec![TransactWriteItem::builder().update(update.build().map_err(Error::internal)?).build()];
    let delta = i64::from(counts_as_owner(&after)) - i64::from(counts_as_owner(record));
    if delta != 0 {
        writes.push(owner_count(app, &record.account_id, delta)?);
    }
    match super::transact(app, writes).await {
        Ok(_) => Ok(Changed::Done(())),
        Err(err) => match super::failed_conditions(&err).as_deref() {
            Some([true, ..]) => Ok(Changed::Raced),
            Some([_, true]) => Err(Error::Conflict(LAST_OWNER_KEY.to_owned())),
            _ => Err(err.into()),
        },
    }
}

/// Deletes a key: its tombstone takes its place, so from the next request on it is refused as
/// deleted. `Raced` when it was revoked meanwhile; 409 when it is the account's last enabled owner
/// key (the count and the deletion are one transaction, so two deletions at once cannot both pass).
pub async fn delete(app: &App, record: &KeyRecord) -> Result<Changed<()>> {
    let mut writes = revocation(app, &record.digest, Some(&record.id), Revocation::Deleted, Some(&record.account_id))?;
    if counts_as_owner(record) {
        writes.push(owner_count(app, &record.account_id, -1)?);
    }
    let owner_write = writes.len() - 1;
    match super::transact(app, writes).await {
        Ok(_) => Ok(Changed::Done(())),
        Err(err) => match super::failed_conditions(&err) {
            Some(failed) if failed[0] => Ok(Changed::Raced),
            Some(failed) if counts_as_owner(record) && failed[owner_write] => {
                Err(Error::Conflict(LAST_OWNER_KEY.to_owned()))
            }
            _ => Err(err.into()),
        },
    }
}
