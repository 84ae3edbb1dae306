//! `GET` and `POST /api/projects/{projectId}/api-key`: the project's `mbk_` key. GET shows its
//! metadata, never the secret; POST generates a new key (the old one, if any, fails from the very
//! next request) and shows the secret once, in its answer.
//!
//! Making a key is managing keys: an account key must be an owner FULL key (a member key gets the
//! same 403 as on `/api/v1/keys`), while the project's own `mbk_` key may regenerate itself, as
//! the Miniback reference shows. The new key never has more reach than the key that made it: it
//! takes over that key's expiry, IP list, per-minute limit and project limit.

use super::addressed;
use hearken::access::key_source::presented_key;
use hearken::access::{authorize, ApiKey, Family, KeyRecord, Need};
use hearken::api_keys::KeyScope;
use hearken::http::{data, json_body, path_param, Data, Surface};
use hearken::ids::{KeyId, ProjectId};
use hearken::openapi::{error_example, ErrorBody};
use hearken::ops::{project_keys, PROJECT_NOT_FOUND};
use hearken::plans::Action;
use hearken::time::Timestamp;
use hearken::{App, Error, Result};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// A project's key as shown: never its secret, except in the answer that creates it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = ProjectKeyView)]
pub(crate) struct KeyView {
    id: KeyId,
    prefix: String,
    /// `account` (the reference's behaviour: the key acts for its account on `/api`) or `project`.
    #[schema(value_type = Option<KeyScope>, required = true)]
    scope: Option<&'static str>,
    created_at: Timestamp,
    last_used_at: Option<Timestamp>,
    /// The secret: only in the answer that creates it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    key: Option<String>,
}

/// The optional body of `POST …/api-key`, as the OpenAPI document shows it ([`project_scoped`]
/// reads it).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(crate) struct NewProjectKey {
    /// `account` (default) or `project` (the key reaches only this project).
    #[schema(nullable = false)]
    scope: Option<KeyScope>,
}

impl KeyView {
    fn of(record: &KeyRecord, secret: Option<String>) -> KeyView {
        KeyView {
            id: record.id.clone(),
            prefix: record.display_prefix.clone(),
            scope: record.scope(),
            created_at: record.created_at,
            last_used_at: record.last_used_at,
            key: secret,
        }
    }
}

/// Show the project's key
///
/// Its id, prefix and use; never the secret.
#[utoipa::path(get, path = "/api/projects/{projectId}/api-key", tag = "Projects", operation_id = "getProjectKey",
    params(("projectId" = ProjectId, Path, description = "The project's id")),
    responses(
        (status = 200, description = "The key's metadata", body = Data<KeyView>),
        (status = 404, description = "No such project in this account, or it has no key", body = ErrorBody,
            example = json!(error_example(&PROJECT_NOT_FOUND, Surface::Miniback))),
    ))]
pub async fn get(app: &App, req: &Request) -> Result<Response<Body>> {
    let (_, project) = addressed(app, req, Action::Read, false).await?;
    let record = project_keys::key_of(app, &project).await?;
    Ok(data(StatusCode::OK, KeyView::of(&record, None)))
}

/// What making a project key asks of the presented key, told from its prefix alone (the access
/// check then reads the key): an account key must be allowed to manage keys (owner, FULL), so a
/// member key is refused before anything is counted or written; a project key needs only to
/// write to its own project (the access check holds it to that project).
fn action_for(req: &Request) -> Action {
    match presented_key(req).and_then(|text| ApiKey::parse(&text)).map(|key| key.family()) {
        Some(Family::Project) => Action::Write,
        _ => Action::ManageKeys,
    }
}

/// The optional body of `POST …/api-key`: `{"scope": "account" | "project"}` (default account,
/// as the reference's keys behave). `true` when the key is to be bound to its project.
fn project_scoped(req: &Request) -> Result<bool> {
    let body = json_body(req)?;
    let scope = match &body {
        Value::Null => None,
        Value::Object(fields) => fields.get("scope").filter(|v| !v.is_null()),
        _ => return Err(Error::bad_request("Request body must be a JSON object")),
    };
    match scope.map(|v| v.as_str()) {
        None | Some(Some("account")) => Ok(false),
        Some(Some("project")) => Ok(true),
        Some(_) => Err(Error::bad_request("scope must be 'account' or 'project'")),
    }
}

/// Generate the project's key
///
/// Replaces the project's key (the old one fails from the next request) and shows the secret,
/// once. Needs an owner's FULL account key, or the project's own key.
#[utoipa::path(post, path = "/api/projects/{projectId}/api-key", tag = "Projects", operation_id = "createProjectKey",
    params(("projectId" = ProjectId, Path, description = "The project's id")),
    request_body(content = Option<NewProjectKey>, description = "Optional: what the key acts for"),
    responses(
        (status = 201, description = "The new key, with its secret in `key`", body = Data<KeyView>),
        (status = 404, description = "No such project in this account", body = ErrorBody,
            example = json!(error_example(&PROJECT_NOT_FOUND, Surface::Miniback))),
    ))]
pub async fn create(app: &App, req: &Request) -> Result<Response<Body>> {
    let raw = path_param(req, "projectId")?;
    let access = authorize(app, req, Need { action: action_for(req), project: Some(&raw) }).await?;
    // A malformed id answers like a missing one.
    let id = ProjectId::parse(&raw).ok_or(PROJECT_NOT_FOUND)?;
    let bound = project_scoped(req)?;
    let (secret, record) = project_keys::rotate_key(app, &access, &id, bound).await?;
    Ok(data(StatusCode::CREATED, KeyView::of(&record, Some(secret.expose().to_owned()))))
}
