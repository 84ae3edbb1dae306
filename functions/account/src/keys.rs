//! `/api/v1/keys` and `/api/v1/keys/{keyId}`: list (never a secret), create (owner keys only; the
//! secret once), read, change (use case and expiry are fixed) and delete (refused from the very
//! next request).

use hearken::access::{authorize, Access, Family, KeyRecord, Need, NewKey};
use hearken::http::{data, deleted, json, json_body, optional_query, path_param, query_number};
use hearken::ids::KeyId;
use hearken::keys::{changes_from_json, new_key_from_json, KeyChanges, KeyView};
use hearken::plans::Action;
use hearken::store::feedback::Changed;
use hearken::store::{keys, projects};
use hearken::time::Timestamp;
use hearken::{cursor, App, Error, Result};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;

const KEY_NOT_FOUND: Error = Error::NotFound("API key not found");

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
    let start = optional_query(req, "cursor")
        .map(|c| cursor::decode(&c, "keys", account, ("accountId", account), &["accountId", "id", "digest"]))
        .transpose()?;
    let (found, next) = keys::list(app, &access.account.id, limit as i32, start).await?;
    let next_cursor = next.map(|key| cursor::encode("keys", account, &key));
    Ok(json(StatusCode::OK, &Page { data: found.iter().map(KeyView::of).collect(), next_cursor }))
}

pub async fn create(app: &App, req: &Request) -> Result<Response<Body>> {
    let access = authorize(app, req, Need { action: Action::ManageKeys, project: None }).await?;
    let request = new_key_from_json(json_body(req)?, access.account.plan, Timestamp::now())?;
    check_projects(app, &access, &request.changes).await?;
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
    keys::find(app, &access.account.id, &id).await?.ok_or(KEY_NOT_FOUND)
}

pub async fn get(app: &App, req: &Request) -> Result<Response<Body>> {
    let access = authorize(app, req, Need { action: Action::ReadAccount, project: None }).await?;
    let record = addressed(app, req, &access).await?;
    Ok(data(StatusCode::OK, KeyView::of(&record)))
}

pub async fn update(app: &App, req: &Request) -> Result<Response<Body>> {
    let access = authorize(app, req, Need { action: Action::ManageKeys, project: None }).await?;
    let changes = changes_from_json(json_body(req)?, access.account.plan)?;
    let record = addressed(app, req, &access).await?;
    check_projects(app, &access, &changes).await?;
    match keys::save(app, &record, &changes).await? {
        Changed::Done(()) => {
            let mut after = record.clone();
            changes.apply_to(&mut after);
            Ok(data(StatusCode::OK, KeyView::of(&after)))
        }
        Changed::Raced | Changed::ProjectGone => Err(KEY_NOT_FOUND),
    }
}

pub async fn delete(app: &App, req: &Request) -> Result<Response<Body>> {
    let access = authorize(app, req, Need { action: Action::ManageKeys, project: None }).await?;
    let record = addressed(app, req, &access).await?;
    match keys::delete(app, &record).await? {
        Changed::Done(()) => Ok(deleted(record.id)),
        Changed::Raced | Changed::ProjectGone => Err(KEY_NOT_FOUND),
    }
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
