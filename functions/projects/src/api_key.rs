//! `GET` and `POST /api/projects/{projectId}/api-key`: the project's `mbk_` key. GET shows its
//! metadata, never the secret; POST generates a new key (the old one, if any, fails from the very
//! next request) and shows the secret once, in its answer.
//!
//! Making a key is managing keys: an account key must be an owner FULL key (a member key gets the
//! same 403 as on `/api/v1/keys`), while the project's own `mbk_` key may regenerate itself, as
//! the Miniback reference shows. The new key never has more reach than the key that made it: it
//! takes over that key's expiry, IP list, per-minute limit and project limit.

use super::{addressed, authorize_on, read, ATTEMPTS};
use hearken::access::key_source::presented_key;
use hearken::access::{ApiKey, Family, KeyRecord, NewKey, Role, UseCase};
use hearken::api_keys::bound_project_key;
use hearken::http::{data, json_body};
use hearken::ids::KeyId;
use hearken::plans::Action;
use hearken::store::Changed;
use hearken::store::{keys, projects};
use hearken::time::Timestamp;
use hearken::{App, Error, Result};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use serde_json::Value;

/// A key as shown after its creation.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct KeyView {
    id: KeyId,
    prefix: String,
    /// `account` (the reference's behaviour: the key acts for its account on `/api`) or `project`.
    scope: Option<&'static str>,
    created_at: Timestamp,
    last_used_at: Option<Timestamp>,
    /// The secret: only in the answer that creates it.
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<String>,
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

const NO_KEY: Error =
    Error::NotFound("This project has no API key yet. Create one with POST /api/projects/{projectId}/api-key.");

pub async fn get(app: &App, req: &Request) -> Result<Response<Body>> {
    let (_, project, _) = addressed(app, req, Action::Read).await?;
    let digest = project.key_digest.ok_or(NO_KEY)?;
    let record = keys::get_by_digest(app, &digest).await?.ok_or(NO_KEY)?;
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

pub async fn create(app: &App, req: &Request) -> Result<Response<Body>> {
    let (access, id) = authorize_on(app, req, action_for(req)).await?;
    if access.key.family == Family::Project && access.key.project_id.as_ref() != Some(&id) {
        // Regenerating revokes the project's live key: a project key does that only to itself.
        let refusal = Error::Forbidden(
            "A project key (mbk_) regenerates only its own project's key; use an owner key (sk_live_) for other projects"
                .to_owned(),
        );
        return Err(access.refuse(app, refusal).await);
    }
    let bound = project_scoped(req)?;
    for _ in 0..ATTEMPTS {
        let (project, _) = read(app, &access, &id).await?;
        let (secret, mut record) = NewKey {
            family: Family::Project,
            account_id: access.account.id.clone(),
            project_id: Some(project.id.clone()),
            name: format!("Project key: {}", project.name),
            role: Role::Member,
            use_case: UseCase::Full,
        }
        .issue();
        if bound {
            record.account_wide = false;
        }
        bound_project_key(&access.key, &mut record);
        match projects::replace_key(app, &project, &record).await? {
            Changed::Done(()) => {
                return Ok(data(StatusCode::CREATED, KeyView::of(&record, Some(secret.expose().to_owned()))))
            }
            Changed::Raced | Changed::ProjectGone => continue,
        }
    }
    Err(Error::Conflict("The project's key changed while a new one was being made; please retry".to_owned()))
}
