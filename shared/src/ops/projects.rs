//! Miniback projects: listed (within the key's projects), created, changed, deleted.

use super::{raced, ATTEMPTS, PROJECT_NOT_FOUND};
use crate::access::{Access, ApiKey, Family, KeyRecord, NewKey, Role, UseCase};
use crate::http::Slice;
use crate::ids::{AccountId, ProjectId};
use crate::projects::{ProjectInput, ProjectView};
use crate::store::projects::{self as stored, Project};
use crate::store::{Changed, ProjectStatus};
use crate::time::Timestamp;
use crate::{slug, App, Error, Result};

/// A new project's row: its slug derived from the name when none is given.
pub fn new_project(account: &AccountId, name: &str, slug: Option<String>, allowed_domains: Vec<String>) -> Project {
    let now = Timestamp::now();
    Project {
        id: ProjectId::generate(),
        account_id: account.clone(),
        slug: slug.unwrap_or_else(|| slug::derive(name)),
        name: name.to_owned(),
        status: ProjectStatus::Active,
        created_at: now,
        updated_at: now,
        allowed_domains,
        key_id: None,
        key_digest: None,
    }
}

/// A new project key for `project` (`mbk_…`, member, FULL; account-wide as the reference's keys
/// are): its secret (shown once) and its record.
pub fn new_project_key(project: &Project) -> (ApiKey, KeyRecord) {
    NewKey {
        family: Family::Project,
        account_id: project.account_id.clone(),
        project_id: Some(project.id.clone()),
        name: format!("Project key: {}", project.name),
        role: Role::Member,
        use_case: UseCase::Full,
    }
    .issue()
}

/// The slice of the account's projects the key may see, and how many it may see.
pub async fn list(app: &App, access: &Access, slice: Slice) -> Result<(Vec<ProjectView>, u64)> {
    let all = stored::list(app, &access.account.id).await?;
    let visible: Vec<&Project> = all.iter().filter(|p| access.key.allows_project(p.id.as_str())).collect();
    let total = visible.len() as u64;
    let page = visible.into_iter().skip(slice.offset as usize).take(slice.limit as usize).map(ProjectView::from);
    Ok((page.collect(), total))
}

/// Creates a project (no key yet). A key limited to some projects may not: it could not reach
/// the project it made, and would use up the plan's projects.
pub async fn create(app: &App, access: &Access, input: impl FnOnce() -> Result<ProjectInput>) -> Result<ProjectView> {
    // The refusal comes before the body is read, so a limited key learns nothing from how its
    // body would have been judged (and its call is given back).
    if access.key.project_limit().is_some() {
        let refusal = Error::Forbidden(
            "This API key is limited to some projects, so it cannot create projects; use a key without a project limit"
                .to_owned(),
        );
        return Err(access.refuse(app, refusal).await);
    }
    let input = input()?;
    let name = input.require_name()?.to_owned();
    let project = new_project(&access.account.id, &name, input.slug, input.allowed_domains.unwrap_or_default());
    stored::create(app, &project, None).await?;
    Ok(ProjectView::from(&project))
}

/// Applies the given fields to the project (as the access check read it); a change raced by
/// another reads the project again.
pub async fn update(app: &App, access: &Access, first: Project, input: &ProjectInput) -> Result<ProjectView> {
    let mut before = first;
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            before = stored::get(app, &access.account.id, &before.id).await?.ok_or(PROJECT_NOT_FOUND)?.0;
        }
        let after = Project {
            name: input.name.clone().unwrap_or_else(|| before.name.clone()),
            slug: input.slug.clone().unwrap_or_else(|| before.slug.clone()),
            allowed_domains: input.allowed_domains.clone().unwrap_or_else(|| before.allowed_domains.clone()),
            updated_at: Timestamp::now(),
            ..before.clone()
        };
        match stored::update(app, &before, &after).await? {
            Changed::Done(()) => return Ok(ProjectView::from(&after)),
            Changed::Raced | Changed::ProjectGone => continue,
        }
    }
    Err(raced("The project changed while it was being updated"))
}

/// Deletes the caller's project (proven the caller's by the access check); its feedback is removed
/// in the background.
pub async fn remove(app: &App, access: &Access, project: &Project) -> Result<ProjectId> {
    stored::delete(app, &access.account.id, &project.id).await?.ok_or(PROJECT_NOT_FOUND)?;
    Ok(project.id.clone())
}
