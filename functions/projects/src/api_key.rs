//! `GET` and `POST /api/projects/{projectId}/api-key`: the project's `mbk_` key. GET shows its
//! metadata, never the secret; POST generates a new key (the old one, if any, fails from the very
//! next request) and shows the secret once, in its answer.

use super::{addressed, authorize_on, read, ATTEMPTS};
use hearken::access::{Family, KeyRecord, NewKey, Role, UseCase};
use hearken::http::data;
use hearken::ids::KeyId;
use hearken::plans::Action;
use hearken::store::feedback::Changed;
use hearken::store::{keys, projects};
use hearken::time::Timestamp;
use hearken::{App, Error, Result};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;

/// A key as shown after its creation.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct KeyView {
    id: KeyId,
    prefix: String,
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

pub async fn create(app: &App, req: &Request) -> Result<Response<Body>> {
    let (access, id) = authorize_on(app, req, Action::Write).await?;
    for _ in 0..ATTEMPTS {
        let (project, _) = read(app, &access, &id).await?;
        let (secret, record) = NewKey {
            family: Family::Project,
            account_id: access.account.id.clone(),
            project_id: Some(project.id.clone()),
            name: format!("Project key: {}", project.name),
            role: Role::Member,
            use_case: UseCase::Full,
        }
        .issue();
        match projects::replace_key(app, &project, &record).await? {
            Changed::Done(()) => {
                return Ok(data(StatusCode::CREATED, KeyView::of(&record, Some(secret.expose().to_owned()))))
            }
            Changed::Raced | Changed::ProjectGone => continue,
        }
    }
    Err(Error::Conflict("The project's key changed while a new one was being made; please retry".to_owned()))
}
