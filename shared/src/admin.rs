//! Bootstrap and break-glass operations without a dashboard: create an account with its owner
//! key, create a project with its `mbk_` key, change a plan; create, list, disable and delete an
//! account's keys and rotate a project's key (the way back in when no working owner key is left);
//! the one-off migrations of the keys table. Used by the `hearken-admin` CLI and by tests.

use crate::access::{ApiKey, Family, KeyRecord, NewKey, Role, UseCase};
use crate::api_keys::{KeyChanges, KeyView, NAME_MAX_CHARS};
use crate::ids::{AccountId, KeyId, ProjectId};
use crate::ops::projects::{new_project, new_project_key};
use crate::ops::KEY_NOT_FOUND;
use crate::plans::Plan;
use crate::store::accounts::{self, Account};
use crate::store::keys::{self, OwnerRecount, PointerMigration};
use crate::store::projects::{self, Project};
use crate::store::Changed;
use crate::time::Timestamp;
use crate::{slug, App, Error, Result};

/// Creates an account and its first owner key (`sk_live_…`, FULL), together or not at all.
pub async fn create_account(app: &App, name: &str, plan: Plan) -> Result<(Account, ApiKey)> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::bad_request("Account name is required"));
    }
    let account = Account {
        id: AccountId::generate(),
        name: name.to_owned(),
        plan,
        created_at: Timestamp::now(),
        project_count: 0,
        owner_keys: 1,
    };
    let (secret, key) = NewKey {
        family: Family::Account,
        account_id: account.id.clone(),
        project_id: None,
        name: "Owner key".to_owned(),
        role: Role::Owner,
        use_case: UseCase::Full,
    }
    .issue();
    let key = KeyRecord { plan_hint: Some(plan), ..key };
    accounts::create(app, &account, &key).await?;
    Ok((account, secret))
}

/// Creates a project (slug derived from the name when absent) and its `mbk_` key.
pub async fn create_project(
    app: &App,
    account: &AccountId,
    name: &str,
    slug: Option<&str>,
) -> Result<(Project, ApiKey)> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::bad_request("Project name is required"));
    }
    let slug = match slug {
        Some(given) => slug::validate(given)?,
        None => slug::derive(name),
    };
    // The same rows the API makes, with the project's key made in the same transaction.
    let mut project = new_project(account, name, Some(slug), vec![]);
    let (secret, mut key) = new_project_key(&project);
    key.plan_hint = accounts::get(app, account).await?.map(|(account, _)| account.plan);
    (project.key_id, project.key_digest) = (Some(key.id.clone()), Some(key.digest.clone()));
    projects::create(app, &project, Some(&key)).await?;
    Ok((project, secret))
}

/// Changes an account's plan.
pub async fn set_plan(app: &App, account: &AccountId, plan: Plan) -> Result<()> {
    accounts::set_plan(app, account, plan).await
}

/// Sets the calls already counted this month (tests and support: "this account has N left").
pub async fn set_calls_this_month(app: &App, account: &AccountId, calls: u64) -> Result<()> {
    crate::store::quota::set_calls(app, account, &Timestamp::now().month_key(), calls).await
}

const ACCOUNT_NOT_FOUND: Error = Error::NotFound("Account not found");
/// A change that keeps meeting concurrent changes gives up after this many tries.
const ATTEMPTS: usize = 3;

async fn existing_account(app: &App, account: &AccountId) -> Result<()> {
    accounts::get(app, account).await?.map(|_| ()).ok_or(ACCOUNT_NOT_FOUND)
}

/// Creates an account key (`sk_live_…`, FULL, no restriction) with the given role: the way back in
/// for an account that has no working owner key. The secret is returned once, here.
pub async fn create_key(app: &App, account: &AccountId, name: &str, role: Role) -> Result<(KeyRecord, ApiKey)> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > NAME_MAX_CHARS {
        return Err(Error::bad_request(format!("Key name must be 1 to {NAME_MAX_CHARS} characters")));
    }
    existing_account(app, account).await?;
    let (secret, record) = NewKey {
        family: Family::Account,
        account_id: account.clone(),
        project_id: None,
        name: name.to_owned(),
        role,
        use_case: UseCase::Full,
    }
    .issue();
    keys::put_new(app, &record).await?;
    Ok((record, secret))
}

/// Every key of the account (project keys included), as the API shows them: never a secret or a
/// digest.
pub async fn list_keys(app: &App, account: &AccountId) -> Result<Vec<KeyView>> {
    existing_account(app, account).await?;
    Ok(keys::all(app, account).await?.iter().map(KeyView::of).collect())
}

/// Disables a key of the account. The last-owner guard holds here as on the API (409): create an
/// owner key first.
pub async fn disable_key(app: &App, account: &AccountId, id: &KeyId) -> Result<KeyView> {
    let changes = KeyChanges { enabled: Some(false), ..KeyChanges::default() };
    for _ in 0..ATTEMPTS {
        let mut record = keys::get(app, account, id).await?.ok_or(KEY_NOT_FOUND)?;
        if let Changed::Done(()) = keys::save(app, &record, &changes).await? {
            changes.apply_to(&mut record);
            return Ok(KeyView::of(&record));
        }
    }
    Err(Error::Conflict("The key kept changing while it was being disabled; please retry".to_owned()))
}

/// Narrows (or widens) a key of the account, project keys included: `changes` is a body as
/// `PATCH /api/v1/keys/{keyId}` takes it (`allowedProjects`, `allowedIps`, `rateLimitPerMinute`,
/// …), checked by the same rules; named projects must be the account's.
pub async fn restrict_key(app: &App, account: &AccountId, id: &KeyId, changes: serde_json::Value) -> Result<KeyView> {
    let (found, _) = accounts::get(app, account).await?.ok_or(ACCOUNT_NOT_FOUND)?;
    let changes = crate::api_keys::changes_from_json(changes, found.plan)?;
    for project in changes.allowed_projects.iter().flatten() {
        if projects::get(app, account, project).await?.is_none() {
            return Err(Error::bad_request(format!("allowedProjects: {project} is not a project of this account")));
        }
    }
    for _ in 0..ATTEMPTS {
        let mut record = keys::get(app, account, id).await?.ok_or(KEY_NOT_FOUND)?;
        if let Changed::Done(()) = keys::save(app, &record, &changes).await? {
            changes.apply_to(&mut record);
            return Ok(KeyView::of(&record));
        }
    }
    Err(Error::Conflict("The key kept changing while it was being changed; please retry".to_owned()))
}

/// Deletes a key of the account (refused from the next request on, as deleted). The last-owner
/// guard holds here as on the API (409): create an owner key first.
pub async fn delete_key(app: &App, account: &AccountId, id: &KeyId) -> Result<()> {
    for _ in 0..ATTEMPTS {
        let record = keys::get(app, account, id).await?.ok_or(KEY_NOT_FOUND)?;
        if let Changed::Done(()) = keys::delete(app, &record).await? {
            return Ok(());
        }
    }
    Err(Error::Conflict("The key kept changing while it was being deleted; please retry".to_owned()))
}

/// Gives a project a new `mbk_` key, whatever the account's plan (FREE included); the old key is
/// refused from the next request on, as regenerated. The new key is made as `create-project`
/// makes one: FULL, no restriction.
pub async fn rotate_project_key(app: &App, id: &ProjectId) -> Result<(Project, ApiKey)> {
    for _ in 0..ATTEMPTS {
        let (project, _) = projects::get_public(app, id).await?.ok_or(Error::NotFound("Project not found"))?;
        let (secret, record) = new_project_key(&project);
        if let Changed::Done(()) = projects::replace_key(app, &project, &record).await? {
            let project = Project { key_id: Some(record.id), key_digest: Some(record.digest), ..project };
            return Ok((project, secret));
        }
    }
    Err(Error::Conflict("The project's key kept changing while a new one was being made; please retry".to_owned()))
}

/// Rewrites the keys table's id pointers of earlier versions (see `store::keys::migrate_pointers`):
/// resumable and idempotent.
pub async fn migrate_key_pointers(app: &App) -> Result<PointerMigration> {
    keys::migrate_pointers(app).await
}

/// Recounts every account's owner keys under the current rule (see
/// `store::keys::recount_owner_keys`).
pub async fn recount_owner_keys(app: &App) -> Result<OwnerRecount> {
    keys::recount_owner_keys(app).await
}
