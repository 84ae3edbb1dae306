//! `/api/v1/keys` and `/api/v1/keys/{keyId}`: list (never a secret; cursors hold a key id, never a
//! digest), create (owner FULL keys only; the secret once; never more reach than the creating key),
//! read, change (use case and expiry are fixed; restrictions stay within the changing key's own)
//! and delete (refused from the very next request).
use hearken::access::{authorize, Access, Family, KeyRecord, Need, NewKey};
use hearken::api_keys::{
    bound_by_creator, changes_from_json, check_change_within, check_manages, new_key_from_json, KeyChanges, KeyView,
};
use hearken::http::{data, deleted, json, json_body, optional_query, path_param, query_number};
use hearken::ids::KeyId;
use hearken::plans::Action;
use hearken::store::Changed;
use hearken::store::{keys, projects, s, Item};
use hearken::time::Timestamp;
use hearken::{cursor, App, Error, Result};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;

const KEY_NOT_FOUND: Error = Error::NotFound("API key not found");
/// A change that keeps meeting concurrent changes of the same key gives up after this many tries.
const ATTEMPTS: usize = 3;

/// The 409 of a change that kept meeting concurrent changes of the same key.
fn raced() -> Error {
    Error::Conflict("The API key changed while this request was changing it; please retry".to_owned())
}

/// A page of keys and the cursor of the next one (`null` on the last page).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Page {
    data: Vec<KeyView>,
    next_cursor: Option<String>,
}

pub async fn list(app: &App, req: &Request) -> Result<Response<Body>> {
    let access = authorize(app, req, Need { action: Action::ReadAccount, project: None }).await?;
    let account = access.account.id.as_str();
    let limit = query_number(req, "limit", 25, 1, 100)?;
    let after = optional_query(req, "cursor").map(|c| position(&c, account)).transpose()?;
    let (found, next) = keys::list(app, &access.account.id, limit as i32, after.as_ref()).await?;
    let next_cursor = next.map(|id| {
        let position: Item = [("accountId".to_owned(), s(account)), ("id".to_owned(), s(id.as_str()))].into();
        cursor::encode("keys", account, &position)
    });
    Ok(json(StatusCode::OK, &Page { data: found.iter().map(KeyView::of).collect(), next_cursor }))
}

/// The key id a cursor continues after: the cursor holds the account and that id only (never a
/// digest), bound to this list and account by the cursor module's checks.
fn position(text: &str, account: &str) -> Result<KeyId> {
    let position = cursor::decode(text, "keys", account, ("accountId", account), &["accountId", "id"])?;
    position.get("id").and_then(|id| id.as_s().ok()).and_then(|id| KeyId::parse(id)).ok_or_else(cursor::invalid)
}

pub async fn create(app: &App, req: &Request) -> Result<Response<Body>> {
    let access = authorize(app, req, Need { action: Action::ManageKeys, project: None }).await?;
    let mut request = new_key_from_json(json_body(req)?, access.account.plan, Timestamp::now())?;
    let asked = request.changes.clone();
    // Never more reach than the creating key: its expiry, IPs, projects and limit bound the new
    // key's (and are taken over when the request names none).
    bound_by_creator(&access.key, &mut request)?;
    check_projects(app, &access, &asked).await?;
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
    request.changes.apply_to(&mut record);
    keys::put_new(app, &record).await?;
    let mut view = KeyView::of(&record);
    view.key = Some(secret.expose().to_owned());
    Ok(data(StatusCode::CREATED, view))
}

/// The key in the path, if it is one of the caller's account.
async fn addressed(app: &App, req: &Request, access: &Access) -> Result<KeyRecord> {
    let id = KeyId::parse(&path_param(req, "keyId")?).ok_or(KEY_NOT_FOUND)?;
    keys::get(app, &access.account.id, &id).await?.ok_or(KEY_NOT_FOUND)
}

pub async fn get(app: &App, req: &Request) -> Result<Response<Body>> {
    let access = authorize(app, req, Need { action: Action::ReadAccount, project: None }).await?;
    let record = addressed(app, req, &access).await?;
    Ok(data(StatusCode::OK, KeyView::of(&record)))
}

pub async fn update(app: &App, req: &Request) -> Result<Response<Body>> {
    let access = authorize(app, req, Need { action: Action::ManageKeys, project: None }).await?;
    let changes = changes_from_json(json_body(req)?, access.account.plan)?;
    // A key cannot lift, on any key, restrictions it has itself.
    check_change_within(&access.key, &changes)?;
    let mut record = addressed(app, req, &access).await?;
    check_projects(app, &access, &changes).await?;
    for _ in 0..ATTEMPTS {
        if let Err(refusal) = check_manages_now_and_after(&access, &record, &changes) {
            return Err(access.refuse(app, refusal).await);
        }
        match keys::save(app, &record, &changes).await? {
            Changed::Done(()) => {
                changes.apply_to(&mut record);
                return Ok(data(StatusCode::OK, KeyView::of(&record)));
            }
            // Changed meanwhile (or gone: then 404): read it again.
            Changed::Raced | Changed::ProjectGone => record = addressed(app, req, &access).await?,
        }
    }
    Err(raced())
}

pub async fn delete(app: &App, req: &Request) -> Result<Response<Body>> {
    let access = authorize(app, req, Need { action: Action::ManageKeys, project: None }).await?;
    let mut record = addressed(app, req, &access).await?;
    for _ in 0..ATTEMPTS {
        if let Err(refusal) = check_manages(&access.key, &record) {
            return Err(access.refuse(app, refusal).await);
        }
        match keys::delete(app, &record).await? {
            Changed::Done(()) => return Ok(deleted(record.id)),
            Changed::Raced | Changed::ProjectGone => record = addressed(app, req, &access).await?,
        }
    }
    Err(raced())
}

/// The caller manages the key as it is and as the change would leave it.
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
