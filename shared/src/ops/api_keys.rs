//! The account's named keys (`/api/v1/keys`): listed (never a secret; cursors hold a key id, never
//! a digest), created (the secret once; never more reach than the creating key), read, changed
//! (restrictions stay within the changing key's own) and deleted (refused from the next request).

use super::{raced, ATTEMPTS, KEY_NOT_FOUND};
use crate::access::{Access, ApiKey, Family, KeyRecord, NewKey};
use crate::api_keys::{bound_by_creator, check_change_within, check_manages, KeyChanges, NewKeyRequest};
use crate::cursor;
use crate::ids::KeyId;
use crate::store::{keys, projects, s, Changed, Item};
use crate::{App, Error, Result};

/// A page of the account's keys and the cursor of the next one. The cursor holds the account and
/// a key id only, bound to this list and account by the cursor module's checks.
pub async fn list(
    app: &App,
    access: &Access,
    limit: i32,
    after: Option<&str>,
) -> Result<(Vec<KeyRecord>, Option<String>)> {
    let account = access.account.id.as_str();
    let after = after.map(|text| position(text, account)).transpose()?;
    let (found, next) = keys::list(app, &access.account.id, limit, after.as_ref()).await?;
    let next_cursor = next.map(|id| {
        let position: Item = [("accountId".to_owned(), s(account)), ("id".to_owned(), s(id.as_str()))].into();
        cursor::encode("keys", account, &position)
    });
    Ok((found, next_cursor))
}

fn position(text: &str, account: &str) -> Result<KeyId> {
    let position = cursor::decode(text, "keys", account, ("accountId", account), &["accountId", "id"])?;
    position.get("id").and_then(|id| id.as_s().ok()).and_then(|id| KeyId::parse(id)).ok_or_else(cursor::invalid)
}

/// Creates an account key. Its expiry, IPs, projects and limit are bounded by the creating key's
/// (and taken over when the request names none).
pub async fn create(app: &App, access: &Access, mut request: NewKeyRequest) -> Result<(ApiKey, KeyRecord)> {
    let asked = request.changes.clone();
    bound_by_creator(&access.key, &mut request)?;
    check_projects(app, access, &asked).await?;
    let (secret, mut record) = NewKey {
        family: Family::Account,
        account_id: access.account.id.clone(),
        project_id: None,
        name: request.name.clone(),
        role: request.role,
        use_case: request.use_case,
    }
    .issue();
    record.expires_at = request.expires_at;
    record.plan_hint = Some(access.account.plan);
    request.changes.apply_to(&mut record);
    keys::put_new(app, &record).await?;
    Ok((secret, record))
}

/// The key `raw` names, if it is one of the caller's account.
pub async fn get(app: &App, access: &Access, raw: &str) -> Result<KeyRecord> {
    let id = KeyId::parse(raw).ok_or(KEY_NOT_FOUND)?;
    keys::get(app, &access.account.id, &id).await?.ok_or(KEY_NOT_FOUND)
}

/// Changes a key. A key cannot lift, on any key, restrictions it has itself, and manages only keys
/// it covers both as they are and as the change would leave them.
pub async fn change(app: &App, access: &Access, raw: &str, changes: &KeyChanges) -> Result<KeyRecord> {
    check_change_within(&access.key, changes)?;
    let mut record = get(app, access, raw).await?;
    check_projects(app, access, changes).await?;
    for _ in 0..ATTEMPTS {
        if let Err(refusal) = check_manages_now_and_after(access, &record, changes) {
            return Err(access.refuse(app, refusal).await);
        }
        match keys::save(app, &record, changes).await? {
            Changed::Done(()) => {
                changes.apply_to(&mut record);
                return Ok(record);
            }
            // Changed meanwhile (or gone: then 404): read it again.
            Changed::Raced | Changed::ProjectGone => record = get(app, access, raw).await?,
        }
    }
    Err(raced("The API key changed while this request was changing it"))
}

/// Deletes a key the caller manages.
pub async fn remove(app: &App, access: &Access, raw: &str) -> Result<KeyId> {
    let mut record = get(app, access, raw).await?;
    for _ in 0..ATTEMPTS {
        if let Err(refusal) = check_manages(&access.key, &record) {
            return Err(access.refuse(app, refusal).await);
        }
        match keys::delete(app, &record).await? {
            Changed::Done(()) => return Ok(record.id),
            Changed::Raced | Changed::ProjectGone => record = get(app, access, raw).await?,
        }
    }
    Err(raced("The API key changed while this request was changing it"))
}

fn check_manages_now_and_after(access: &Access, record: &KeyRecord, changes: &KeyChanges) -> Result<()> {
    check_manages(&access.key, record)?;
    let mut after = record.clone();
    changes.apply_to(&mut after);
    check_manages(&access.key, &after)
}

/// `allowedProjects` may only name projects of the caller's account.
async fn check_projects(app: &App, access: &Access, changes: &KeyChanges) -> Result<()> {
    let Some(wanted) = &changes.allowed_projects else { return Ok(()) };
    let reads = wanted.iter().map(|id| projects::get(app, &access.account.id, id));
    let found = futures::future::try_join_all(reads).await?;
    match wanted.iter().zip(found).find(|(_, found)| found.is_none()) {
        Some((missing, _)) => {
            Err(Error::bad_request(format!("allowedProjects: {missing} is not a project of this account")))
        }
        None => Ok(()),
    }
}
