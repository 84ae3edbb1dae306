//! The keys table: key items by digest, listed per account through the `byAccount` index, and one
//! pointer item per key (`id#<accountId>#<keyId>`) to find a key by its id.

use super::{all_items, get_item, s, Built, Changed, Item, Pages, Transaction};
use crate::access::KeyRecord;
use crate::api_keys::KeyChanges;
use crate::ids::{AccountId, KeyId};
use crate::plans::Plan;
use crate::request_scope::db_call;
use crate::time::Timestamp;
use crate::{App, Error, Result};
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Delete, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The labels of a key's writes whose failed conditions mean something: the key item (it changed
/// or went meanwhile) and the account's owner-key count (it would drop to zero).
const KEY: &str = "key";
const OWNER_COUNT: &str = "owner key count";

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
    let request = app.db.get_item().table_name(&app.tables.keys).key("digest", s(digest)).consistent_read(true);
    lookup_of(get_item(request).await?)
}

/// A live key by digest (`None` for a missing or revoked one).
pub async fn get_by_digest(app: &App, digest: &str) -> Result<Option<KeyRecord>> {
    Ok(match lookup(app, digest).await? {
        Lookup::Live(record) => Some(*record),
        _ => None,
    })
}

/// The id of a key's pointer item: the table is keyed by digest, and this item (`target`: the
/// digest) lets `/api/v1/keys/{keyId}` find a key with strongly consistent reads. The account is
/// part of it, so another account's key id reads an empty item, exactly as an unknown id does:
/// one read, nothing of the other account touched.
fn pointer_id(account: &AccountId, id: &KeyId) -> String {
    format!("id#{account}#{id}")
}

/// The pointer id of earlier versions (`id#<keyId>`), which [`migrate_pointers`] rewrites.
fn legacy_pointer_id(id: &KeyId) -> String {
    format!("id#{id}")
}

/// What every pointer item's id starts with.
const POINTER_PREFIX: &str = "id#";

/// The answer when a change would leave the account without an owner key that [`counts_as_owner`].
pub const LAST_OWNER_KEY: &str = "This is the account's last enabled owner key that can manage keys (role owner, useCase FULL, no expiry); create another such owner key before disabling or deleting it";

/// Whether a key counts among the account's owner keys (the account item's `ownerKeys`), the keys
/// the last-owner guard keeps at least one of so the account can always manage its keys: a key
/// that may manage keys (account family, role owner, use case FULL), enabled, with no expiry and
/// with no IP list that admits nobody.
///
/// A key with an `expiresAt` is not counted on purpose: it stops working on its own, with no
/// request the guard could refuse, so counting it would let the account delete or disable its last
/// lasting owner key and then be locked out when the expiring one lapses. A key limited to some
/// IPs does count: it works from those. The properties that decide this are fixed at creation
/// (family, role, use case, expiry) or changed only through [`save`] and [`delete`] (enabled, the
/// IP list), which move the count in the same transaction.
pub fn counts_as_owner(record: &KeyRecord) -> bool {
    record.can_manage_keys() && record.enabled && record.expires_at.is_none() && !record.ip_list_admits_nobody()
}

/// The condition that the stored key still has the properties [`counts_as_owner`] read from
/// `record` (enabled and, where it matters, the IP list), so a count moved alongside a write stays
/// right under concurrent changes. Names `:was_enabled` and, when needed, `:was_ips` / `:no_ips`.
fn as_read(record: &KeyRecord) -> (String, Vec<(&'static str, AttributeValue)>) {
    let mut condition = "enabled = :was_enabled".to_owned();
    let mut values = vec![(":was_enabled", AttributeValue::Bool(record.enabled))];
    if record.can_manage_keys() && record.expires_at.is_none() {
        if record.allowed_ips.is_empty() {
            condition.push_str(" AND (attribute_not_exists(allowedIps) OR size(allowedIps) = :no_ips)");
            values.push((":no_ips", super::n(0)));
        } else {
            condition.push_str(" AND allowedIps = :was_ips");
            let ips = record.allowed_ips.iter().map(|ip| s(ip.clone())).collect();
            values.push((":was_ips", AttributeValue::L(ips)));
        }
    }
    (condition, values)
}

/// The write that moves the account's count of enabled owner keys; taking one away holds only
/// while another is left.
fn owner_count(app: &App, account: &AccountId, delta: i64) -> Result<Update> {
    let mut update = Update::builder()
        .table_name(&app.tables.accounts)
        .key("id", s(account.as_str()))
        .update_expression("ADD ownerKeys :delta")
        .expression_attribute_values(":delta", super::n(delta));
    update = match delta < 0 {
        true => update.condition_expression("ownerKeys > :one").expression_attribute_values(":one", super::n(1)),
        false => update.condition_expression("attribute_exists(id)"),
    };
    update.built()
}

/// The writes that store a new key: the key and its id pointer (for one transaction).
pub fn store_new(app: &App, record: &KeyRecord) -> Result<Vec<TransactWriteItem>> {
    let key = Put::builder()
        .table_name(&app.tables.keys)
        .set_item(Some(serde_dynamo::to_item(record)?))
        .condition_expression("attribute_not_exists(digest)");
    let pointer = Put::builder()
        .table_name(&app.tables.keys)
        .item("digest", s(pointer_id(&record.account_id, &record.id)))
        .item("target", s(record.digest.clone()))
        .condition_expression("attribute_not_exists(digest)");
    Ok(vec![
        TransactWriteItem::builder().put(key.built()?).build(),
        TransactWriteItem::builder().put(pointer.built()?).build(),
    ])
}

/// The writes that revoke a key of `account`: its tombstone replaces it (with no account or id,
/// so no list shows it) and its id pointer goes (for one transaction). `only_if_live`: the key
/// must still be the account's live key (the first write's condition).
pub fn revocation_in(
    app: &App,
    account: &AccountId,
    digest: &str,
    id: Option<&KeyId>,
    reason: Revocation,
    only_if_live: bool,
) -> Result<Vec<TransactWriteItem>> {
    let condition = only_if_live.then(|| ("accountId = :account".to_owned(), vec![(":account", s(account.as_str()))]));
    let mut writes = vec![TransactWriteItem::builder().put(tombstone(app, digest, reason, condition)?).build()];
    if let Some(id) = id {
        writes.push(TransactWriteItem::builder().delete(delete_pointer(app, pointer_id(account, id))?).build());
    }
    Ok(writes)
}

/// The put of a revoked key's tombstone; `condition` (with its values) on the item it replaces.
fn tombstone(
    app: &App,
    digest: &str,
    reason: Revocation,
    condition: Option<(String, Vec<(&str, AttributeValue)>)>,
) -> Result<Put> {
    let now = Timestamp::now();
    let purge_at = now.unix_seconds() + TOMBSTONE_DAYS * 86_400;
    let tombstone = Tombstone { digest: digest.to_owned(), revoked_at: now, reason, purge_at };
    let mut put = Put::builder().table_name(&app.tables.keys).set_item(Some(serde_dynamo::to_item(&tombstone)?));
    if let Some((condition, values)) = condition {
        put = put.condition_expression(format!("attribute_exists(digest) AND {condition}"));
        for (name, value) in values {
            put = put.expression_attribute_values(name, value);
        }
    }
    put.built()
}

fn delete_pointer(app: &App, pointer: String) -> Result<Delete> {
    Delete::builder().table_name(&app.tables.keys).key("digest", s(pointer)).built()
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

/// The check, inside a request's transaction, that a key kept in memory is still stored as it was
/// kept: live, the account's, at the same version (`rev`; items written before versions existed
/// have none and count as version 0). On failure the transaction hands back what the digest holds
/// now (the key at its new version, or its tombstone; nothing when it is gone).
pub fn unchanged_check(app: &App, record: &KeyRecord) -> Result<ConditionCheck> {
    let same_version = match record.rev {
        0 => "(attribute_not_exists(#rev) OR #rev = :rev)",
        _ => "#rev = :rev",
    };
    ConditionCheck::builder()
        .table_name(&app.tables.keys)
        .key("digest", s(record.digest.clone()))
        .condition_expression(format!("accountId = :account AND {same_version}"))
        .expression_attribute_names("#rev", "rev")
        .expression_attribute_values(":account", s(record.account_id.as_str()))
        .expression_attribute_values(":rev", super::n(record.rev))
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .built()
}

/// What a digest holds, from an item read or handed back by a failed check (`None`: nothing).
pub fn lookup_of(item: Option<Item>) -> Result<Lookup> {
    Ok(match item {
        None => Lookup::Missing,
        Some(item) if item.contains_key("revokedAt") => {
            Lookup::Revoked(serde_dynamo::from_item::<_, Tombstone>(item)?.reason)
        }
        Some(item) => Lookup::Live(Box::new(serde_dynamo::from_item(item)?)),
    })
}

/// Records the account's plan on a live key as a hint for cold containers (see
/// `KeyRecord::plan_hint`); not a change of the key, so its version stays.
pub async fn hint_plan(app: &App, digest: &str, plan: Plan) -> Result<()> {
    let call = app
        .db
        .update_item()
        .table_name(&app.tables.keys)
        .key("digest", s(digest))
        .update_expression("SET planHint = :plan")
        .condition_expression("attribute_exists(accountId)")
        .expression_attribute_values(":plan", s(plan.as_str()))
        .send();
    match db_call(call).await {
        Ok(_) => Ok(()),
        Err(err) if super::failed_condition(&err) => Ok(()),
        Err(err) => Err(err.into()),
    }
}

/// A page of the account's keys, newest first (a Query on the `byAccount` index), starting after
/// the key `after` (ids sort by creation time), and the id to continue after when there is more
/// (one item more is read to know; `None` on the last page). The position is a key id of the
/// account, never another key's digest.
pub async fn list(
    app: &App,
    account: &AccountId,
    limit: i32,
    after: Option<&KeyId>,
) -> Result<(Vec<KeyRecord>, Option<KeyId>)> {
    let mut query = app
        .db
        .query()
        .table_name(&app.tables.keys)
        .index_name("byAccount")
        .key_condition_expression("accountId = :a")
        .expression_attribute_values(":a", s(account.as_str()))
        .scan_index_forward(false)
        .limit(limit.saturating_add(1));
    if let Some(after) = after {
        query = query
            .key_condition_expression("accountId = :a AND id < :after")
            .expression_attribute_values(":after", s(after.as_str()));
    }
    let out = db_call(query.send()).await?;
    let mut keys: Vec<KeyRecord> =
        out.items.unwrap_or_default().into_iter().map(serde_dynamo::from_item).collect::<Result<_, _>>()?;
    let more = keys.len() > limit.max(0) as usize;
    keys.truncate(limit.max(0) as usize);
    let next = if more { keys.last().map(|key| key.id.clone()) } else { None };
    Ok((keys, next))
}

/// Every key of the account (for rules over all of them, such as "the last owner key").
pub async fn all(app: &App, account: &AccountId) -> Result<Vec<KeyRecord>> {
    let mut keys = vec![];
    let mut after = None;
    loop {
        let (page, next) = list(app, account, 100, after.as_ref()).await?;
        keys.extend(page);
        match next {
            Some(next) => after = Some(next),
            None => return Ok(keys),
        }
    }
}

/// A key of the account by its id, through its pointer item (strongly consistent). Another
/// account's id reads an empty pointer, as an unknown id does: one read either way.
pub async fn get(app: &App, account: &AccountId, id: &KeyId) -> Result<Option<KeyRecord>> {
    let pointer = pointer_id(account, id);
    let request = app.db.get_item().table_name(&app.tables.keys).key("digest", s(pointer)).consistent_read(true);
    let target = get_item(request).await?.and_then(|item| item.get("target")?.as_s().ok().cloned());
    let Some(digest) = target else { return Ok(None) };
    Ok(get_by_digest(app, &digest).await?.filter(|record| record.account_id == *account && record.id == *id))
}

/// Stores a new key with its id pointer (and counts it when it is an enabled owner key).
pub async fn put_new(app: &App, record: &KeyRecord) -> Result<()> {
    let mut writes = Transaction::new().writes("new key", store_new(app, record)?);
    if counts_as_owner(record) {
        writes = writes.update(OWNER_COUNT, owner_count(app, &record.account_id, 1)?);
    }
    Ok(writes.send(app).await?)
}

/// Applies `changes` to a stored key, field by field (a concurrent change of other fields stands),
/// moving the account's owner-key count in the same transaction when the key starts or stops
/// counting ([`counts_as_owner`]: enabled, or an IP list that admits nobody replaced). `Raced`
/// when the key was deleted, or what decides its count changed, meanwhile (read it again and
/// retry); 409 when it would take the account's last counted owner key out of the count.
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
    // A new version: functions that keep the key in memory see it changed at their next write.
    expression.push_str(" ADD #rev :rev_one");
    // The owner count below assumes the key is as read.
    let (unchanged, was) = as_read(record);
    let mut update = Update::builder()
        .table_name(&app.tables.keys)
        .key("digest", s(record.digest.clone()))
        .update_expression(expression.trim())
        .condition_expression(format!("attribute_exists(digest) AND accountId = :account AND {unchanged}"))
        .expression_attribute_names("#rev", "rev")
        .expression_attribute_values(":rev_one", super::n(1))
        .expression_attribute_values(":account", s(record.account_id.as_str()));
    for (name, value) in was {
        update = update.expression_attribute_values(name, value);
    }
    for (name, field) in names {
        update = update.expression_attribute_names(name, field);
    }
    for (name, value) in values {
        update = update.expression_attribute_values(name, value);
    }
    let mut writes = Transaction::new().update(KEY, update.built()?);
    let delta = i64::from(counts_as_owner(&after)) - i64::from(counts_as_owner(record));
    if delta != 0 {
        writes = writes.update(OWNER_COUNT, owner_count(app, &record.account_id, delta)?);
    }
    match writes.send(app).await {
        Ok(()) => Ok(Changed::Done(())),
        Err(err) if err.failed(KEY) => Ok(Changed::Raced),
        Err(err) if err.failed(OWNER_COUNT) => Err(Error::Conflict(LAST_OWNER_KEY.to_owned())),
        Err(err) => Err(err.into()),
    }
}

/// Deletes a key: its tombstone takes its place, so from the next request on it is refused as
/// deleted. `Raced` when it was revoked, or what decides its owner count changed, meanwhile; 409
/// when it is the account's last counted owner key (the count and the deletion are one
/// transaction, so two deletions at once cannot both pass).
pub async fn delete(app: &App, record: &KeyRecord) -> Result<Changed<()>> {
    let (unchanged, was) = as_read(record);
    let mut values = vec![(":account", s(record.account_id.as_str()))];
    values.extend(was);
    let condition = Some((format!("accountId = :account AND {unchanged}"), values));
    let mut writes = Transaction::new()
        .put(KEY, tombstone(app, &record.digest, Revocation::Deleted, condition)?)
        .delete("key pointer", delete_pointer(app, pointer_id(&record.account_id, &record.id))?);
    if counts_as_owner(record) {
        writes = writes.update(OWNER_COUNT, owner_count(app, &record.account_id, -1)?);
    }
    match writes.send(app).await {
        Ok(()) => Ok(Changed::Done(())),
        Err(err) if err.failed(KEY) => Ok(Changed::Raced),
        Err(err) if err.failed(OWNER_COUNT) => Err(Error::Conflict(LAST_OWNER_KEY.to_owned())),
        Err(err) => Err(err.into()),
    }
}

/// What [`migrate_pointers`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PointerMigration {
    /// Pointers of the earlier format (`id#<keyId>`) rewritten as `id#<accountId>#<keyId>`.
    pub migrated: u64,
    /// Pointers (of either format) left behind by a revoked or missing key, removed.
    pub stale: u64,
}

/// Rewrites the pointer items of earlier versions (`id#<keyId>`) in the current format
/// (`id#<accountId>#<keyId>`): for each, one transaction writes the new pointer, deletes the old
/// one and checks the key is still that account's live key, so a crash leaves each pointer either
/// migrated or not, and a second run finds nothing left to do (resumable and idempotent). Pointers
/// whose key was revoked or is missing are removed. A Scan of the keys table: an admin task, run
/// once after deploying the version that reads the new pointers.
pub async fn migrate_pointers(app: &App) -> Result<PointerMigration> {
    let mut report = PointerMigration::default();
    let scan = app
        .db
        .scan()
        .table_name(&app.tables.keys)
        .filter_expression("begins_with(digest, :pointer)")
        .expression_attribute_values(":pointer", s(POINTER_PREFIX))
        .consistent_read(true);
    let mut pages = Pages::default();
    while let Some(out) = pages.next(scan.clone()).await? {
        for item in out.items.unwrap_or_default() {
            let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
            let (Some(pointer), Some(target)) = (text("digest"), text("target")) else { continue };
            match migrate_pointer(app, &pointer, &target).await? {
                Some(true) => report.migrated += 1,
                Some(false) => report.stale += 1,
                None => {}
            }
        }
    }
    Ok(report)
}

/// Migrates one pointer item: `Some(true)` rewritten, `Some(false)` removed as stale, `None` left
/// as it is (current and live, or changed meanwhile: a later run looks again).
async fn migrate_pointer(app: &App, pointer: &str, target: &str) -> Result<Option<bool>> {
    let legacy = !pointer[POINTER_PREFIX.len()..].contains('#');
    let live = get_by_digest(app, target).await?;
    // The old pointer goes only while it still points where it was read pointing.
    let still = Delete::builder()
        .table_name(&app.tables.keys)
        .key("digest", s(pointer))
        .condition_expression("target = :target")
        .expression_attribute_values(":target", s(target))
        .built()?;
    let writes = Transaction::new().delete("old pointer", still);
    let (writes, migrated) = match live {
        Some(record) if pointer == pointer_id(&record.account_id, &record.id) => return Ok(None),
        Some(record) if legacy && pointer == legacy_pointer_id(&record.id) => {
            let put = Put::builder()
                .table_name(&app.tables.keys)
                .item("digest", s(pointer_id(&record.account_id, &record.id)))
                .item("target", s(target))
                .condition_expression("attribute_not_exists(digest) OR target = :target")
                .expression_attribute_values(":target", s(target));
            let check = ConditionCheck::builder()
                .table_name(&app.tables.keys)
                .key("digest", s(target))
                .condition_expression("accountId = :account AND id = :id")
                .expression_attribute_values(":account", s(record.account_id.as_str()))
                .expression_attribute_values(":id", s(record.id.as_str()));
            (writes.put("new pointer", put.built()?).check(KEY, check.built()?), true)
        }
        // Revoked, missing, or a digest that holds another key: nothing to point at.
        _ => (writes, false),
    };
    match writes.send(app).await {
        Ok(()) => Ok(Some(migrated)),
        Err(err) if err.any_failed() => Ok(None),
        Err(err) => Err(err.into()),
    }
}

/// What [`recount_owner_keys`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct OwnerRecount {
    /// Accounts looked at.
    pub accounts: u64,
    /// Accounts whose `ownerKeys` was set to the number of keys that [`counts_as_owner`].
    pub corrected: u64,
    /// Accounts whose keys changed while they were counted: run it again.
    pub raced: u64,
}

/// Sets every account's `ownerKeys` to the number of its keys that [`counts_as_owner`] (for
/// counts kept under an earlier rule, which also counted READ_ONLY, INGEST and expiring owner
/// keys). Two consistent Scans (keys, then accounts); each account is set only if its count did
/// not move since it was read (else it is reported as raced), so running it again is harmless.
pub async fn recount_owner_keys(app: &App) -> Result<OwnerRecount> {
    let mut counted: HashMap<String, u64> = HashMap::new();
    for item in scan_all(app, &app.tables.keys).await? {
        // Keys only: pointers and tombstones carry no account.
        if !item.contains_key("accountId") || item.contains_key("revokedAt") {
            continue;
        }
        let record: KeyRecord = serde_dynamo::from_item(item)?;
        if counts_as_owner(&record) {
            *counted.entry(record.account_id.to_string()).or_default() += 1;
        }
    }
    let mut report = OwnerRecount::default();
    for item in scan_all(app, &app.tables.accounts).await? {
        let Some(id) = item.get("id").and_then(|v| v.as_s().ok()).filter(|id| AccountId::parse(id).is_some()) else {
            continue;
        };
        report.accounts += 1;
        let stored = super::number(&item, "ownerKeys");
        let wanted = counted.get(id).copied().unwrap_or(0);
        if stored == Some(wanted as i64) {
            continue;
        }
        let mut update = app
            .db
            .update_item()
            .table_name(&app.tables.accounts)
            .key("id", s(id.as_str()))
            .update_expression("SET ownerKeys = :wanted")
            .expression_attribute_values(":wanted", super::n(wanted));
        update = match stored {
            Some(old) => {
                update.condition_expression("ownerKeys = :old").expression_attribute_values(":old", super::n(old))
            }
            None => update.condition_expression("attribute_exists(id) AND attribute_not_exists(ownerKeys)"),
        };
        match db_call(update.send()).await {
            Ok(_) => report.corrected += 1,
            Err(err) if super::failed_condition(&err) => report.raced += 1,
            Err(err) => return Err(err.into()),
        }
    }
    Ok(report)
}

/// Every item of a table (consistent Scan, page by page).
async fn scan_all(app: &App, table: &str) -> Result<Vec<Item>> {
    all_items(app.db.scan().table_name(table).consistent_read(true)).await
}
