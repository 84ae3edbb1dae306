//! `/api/v1/keys` and `/api/v1/keys/{keyId}`: list, create (owner FULL keys only), read, change and
//! delete an account's named keys.

use hearken::access::{authorize, Need};
use hearken::api_keys::{changes_from_json, new_key_from_json, KeyView};
use hearken::http::{data, deleted, json, json_body, optional_query, path_param, query_number};
use hearken::ops::api_keys;
use hearken::plans::Action;
use hearken::time::Timestamp;
use hearken::{App, Result};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;

/// A page of keys and the cursor of the next one (`null` on the last page).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Page {
    data: Vec<KeyView>,
    next_cursor: Option<String>,
}

pub async fn list(app: &App, req: &Request) -> Result<Response<Body>> {
    let access = authorize(app, req, Need { action: Action::ReadAccount, project: None }).await?;
    let limit = query_number(req, "limit", 25, 1, 100)?;
    let after = optional_query(req, "cursor");
    let (found, next_cursor) = api_keys::list(app, &access, limit as i32, after.as_deref()).await?;
    Ok(json(StatusCode::OK, &Page { data: found.iter().map(KeyView::of).collect(), next_cursor }))
}

pub async fn create(app: &App, req: &Request) -> Result<Response<Body>> {
    let access = authorize(app, req, Need { action: Action::ManageKeys, project: None }).await?;
    let request = new_key_from_json(json_body(req)?, access.account.plan, Timestamp::now())?;
    let (secret, record) = api_keys::create(app, &access, request).await?;
    let mut view = KeyView::of(&record);
    view.key = Some(secret.expose().to_owned());
    Ok(data(StatusCode::CREATED, view))
}

pub async fn get(app: &App, req: &Request) -> Result<Response<Body>> {
    let access = authorize(app, req, Need { action: Action::ReadAccount, project: None }).await?;
    let record = api_keys::get(app, &access, &path_param(req, "keyId")?).await?;
    Ok(data(StatusCode::OK, KeyView::of(&record)))
}

pub async fn update(app: &App, req: &Request) -> Result<Response<Body>> {
    let access = authorize(app, req, Need { action: Action::ManageKeys, project: None }).await?;
    let changes = changes_from_json(json_body(req)?, access.account.plan)?;
    let record = api_keys::change(app, &access, &path_param(req, "keyId")?, &changes).await?;
    Ok(data(StatusCode::OK, KeyView::of(&record)))
}

pub async fn delete(app: &App, req: &Request) -> Result<Response<Body>> {
    let access = authorize(app, req, Need { action: Action::ManageKeys, project: None }).await?;
    Ok(deleted(api_keys::remove(app, &access, &path_param(req, "keyId")?).await?))
}
