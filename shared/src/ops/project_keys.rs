//! A project's `mbk_` key (`/api/projects/{projectId}/api-key`): shown without its secret, or
//! generated anew (the old one fails from the very next request) with the secret shown once.

use super::projects::new_project_key;
use super::{raced, ATTEMPTS, PROJECT_NOT_FOUND};
use crate::access::{Access, ApiKey, Family, KeyRecord};
use crate::api_keys::bound_project_key;
use crate::ids::ProjectId;
use crate::store::projects::{self, Project};
use crate::store::{keys, Changed};
use crate::{App, Error, Result};

const NO_KEY: Error =
    Error::NotFound("This project has no API key yet. Create one with POST /api/projects/{projectId}/api-key.");

/// The project's live key, if it has one.
pub async fn key_of(app: &App, project: &Project) -> Result<KeyRecord> {
    let digest = project.key_digest.as_deref().ok_or(NO_KEY)?;
    keys::get_by_digest(app, digest).await?.ok_or(NO_KEY)
}

/// Replaces the project's key with a new one that never has more reach than the key making it
/// (its expiry, IP list, per-minute limit and project limit are taken over); `bound` makes it a
/// key for its project only. A project key regenerates only its own project's key.
pub async fn rotate_key(app: &App, access: &Access, id: &ProjectId, bound: bool) -> Result<(ApiKey, KeyRecord)> {
    if access.key.family == Family::Project && access.key.project_id.as_ref() != Some(id) {
        // Regenerating revokes the project's live key: a project key does that only to itself.
        let refusal = Error::Forbidden(
            "A project key (mbk_) regenerates only its own project's key; use an owner key (sk_live_) for other projects"
                .to_owned(),
        );
        return Err(access.refuse(app, refusal).await);
    }
    for _ in 0..ATTEMPTS {
        let (project, _) = projects::get(app, &access.account.id, id).await?.ok_or(PROJECT_NOT_FOUND)?;
        let (secret, mut record) = new_project_key(&project);
        record.plan_hint = Some(access.account.plan);
        if bound {
            record.account_wide = false;
        }
        bound_project_key(&access.key, &mut record);
        match projects::replace_key(app, &project, &record).await? {
            Changed::Done(()) => return Ok((secret, record)),
            Changed::Raced | Changed::ProjectGone => continue,
        }
    }
    Err(raced("The project's key changed while a new one was being made"))
}
