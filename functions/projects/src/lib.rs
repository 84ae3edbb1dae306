//! Miniback projects (`/api/projects`, `/api/projects/{projectId}`) and a project's API key
//! (`/api/projects/{projectId}/api-key`). Thin: parse, call the library, shape the response.

mod api_key;

use hearken::access::{authorize, authorize_owned, Access, Addressed, Need};
use hearken::http::{data, deleted, json_body, path_param, route_key, serve, Slice};
use hearken::ids::ProjectId;
use hearken::plans::Action;
use hearken::projects::{ProjectInput, ProjectView};
use hearken::store::projects::{self, Project};
use hearken::store::Changed;
use hearken::store::Item;
use hearken::store::ProjectStatus;
use hearken::time::Timestamp;
use hearken::{slug, App, Error, Result};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};

const LIST: &str = "GET /api/projects";
const CREATE: &str = "POST /api/projects";
const GET: &str = "GET /api/projects/{projectId}";
const UPDATE: &str = "PUT /api/projects/{projectId}";
const DELETE: &str = "DELETE /api/projects/{projectId}";
const KEY_GET: &str = "GET /api/projects/{projectId}/api-key";
const KEY_CREATE: &str = "POST /api/projects/{projectId}/api-key";

/// The routes of template.yaml this function serves.
pub const ROUTES: &[&str] = &[LIST, CREATE, GET, UPDATE, DELETE, KEY_GET, KEY_CREATE];

/// A project that does not exist, or belongs to another account (SPEC §1: both answer alike).
const PROJECT_NOT_FOUND: Error = Error::NotFound("Project not found");
/// A change that keeps racing with others gives up after this many reads.
const ATTEMPTS: usize = 3;

/// Handles one API Gateway request.
pub async fn handle(app: &App, req: Request) -> Response<Body> {
    serve(req, |req| async move {
        match route_key(&req) {
            Some(LIST) => list(app, &req).await,
            Some(CREATE) => create(app, &req).await,
            Some(GET) => get(app, &req).await,
            Some(UPDATE) => update(app, &req).await,
            Some(DELETE) => delete(app, &req).await,
            Some(KEY_GET) => api_key::get(app, &req).await,
            Some(KEY_CREATE) => api_key::create(app, &req).await,
            _ => Err(Error::NoRoute),
        }
    })
    .await
}

/// Authorises `action` on the project in the path; a malformed id then answers like a missing one.
async fn authorize_on(app: &App, req: &Request, action: Action) -> Result<(Access, ProjectId)> {
    let raw = path_param(req, "projectId")?;
    let access = authorize(app, req, Need { action, project: Some(&raw) }).await?;
    Ok((access, ProjectId::parse(&raw).ok_or(PROJECT_NOT_FOUND)?))
}

/// Reads the caller's project (404 when missing or foreign).
async fn read(app: &App, access: &Access, id: &ProjectId) -> Result<(Project, Item)> {
    projects::get(app, &access.account.id, id).await?.ok_or(PROJECT_NOT_FOUND)
}

/// Authorises `action` on the project in the path and reads it in the same round (the read is
/// the ownership proof: a foreign project answers as an unknown one).
async fn addressed(app: &App, req: &Request, action: Action) -> Result<(Access, Project, Item)> {
    let raw = path_param(req, "projectId")?;
    let (access, owned) = authorize_owned(app, req, action, Addressed::Project(&raw)).await?;
    let (project, item) = owned.project().ok_or(PROJECT_NOT_FOUND)?;
    Ok((access, project, item))
}

async fn list(app: &App, req: &Request) -> Result<Response<Body>> {
    let access = authorize(app, req, Need { action: Action::Read, project: None }).await?;
    let slice = Slice::of(req)?;
    let all = projects::list(app, &access.account.id).await?;
    let visible: Vec<&Project> = all.iter().filter(|p| access.key.allows_project(p.id.as_str())).collect();
    let total = visible.len() as u64;
    let page = visible.into_iter().skip(slice.offset as usize).take(slice.limit as usize).map(ProjectView::from);
    Ok(slice.page(page.collect(), total))
}

async fn create(app: &App, req: &Request) -> Result<Response<Body>> {
    let access = authorize(app, req, Need { action: Action::Write, project: None }).await?;
    if access.key.project_limit().is_some() {
        // It could not reach the project it made, and would use up the plan's projects.
        let refusal = Error::Forbidden(
            "This API key is limited to some projects, so it cannot create projects; use a key without a project limit"
                .to_owned(),
        );
        return Err(access.refuse(app, refusal).await);
    }
    let input = ProjectInput::from_json(json_body(req)?)?;
    let name = input.require_name()?.to_owned();
    let now = Timestamp::now();
    let project = Project {
        id: ProjectId::generate(),
        account_id: access.account.id.clone(),
        slug: input.slug.unwrap_or_else(|| slug::derive(&name)),
        name,
        status: ProjectStatus::Active,
        created_at: now,
        updated_at: now,
        allowed_domains: input.allowed_domains.unwrap_or_default(),
        key_id: None,
        key_digest: None,
    };
    projects::create(app, &project, None).await?;
    Ok(data(StatusCode::CREATED, ProjectView::from(&project)))
}

async fn get(app: &App, req: &Request) -> Result<Response<Body>> {
    let (_, project, _) = addressed(app, req, Action::Read).await?;
    Ok(data(StatusCode::OK, ProjectView::from(&project)))
}

async fn update(app: &App, req: &Request) -> Result<Response<Body>> {
    let (access, first, _) = addressed(app, req, Action::Write).await?;
    let input = ProjectInput::from_json(json_body(req)?)?;
    let mut read_again = None;
    for _ in 0..ATTEMPTS {
        // The access check read the project; a raced change reads it again.
        let before = match read_again.take() {
            Some(id) => read(app, &access, &id).await?.0,
            None => first.clone(),
        };
        let after = Project {
            name: input.name.clone().unwrap_or_else(|| before.name.clone()),
            slug: input.slug.clone().unwrap_or_else(|| before.slug.clone()),
            allowed_domains: input.allowed_domains.clone().unwrap_or_else(|| before.allowed_domains.clone()),
            updated_at: Timestamp::now(),
            ..before.clone()
        };
        match projects::update(app, &before, &after).await? {
            Changed::Done(()) => return Ok(data(StatusCode::OK, ProjectView::from(&after))),
            Changed::Raced | Changed::ProjectGone => read_again = Some(before.id.clone()),
        }
    }
    Err(Error::Conflict("The project changed while it was being updated; please retry".to_owned()))
}

async fn delete(app: &App, req: &Request) -> Result<Response<Body>> {
    let raw = path_param(req, "projectId")?;
    let (access, owned) = authorize_owned(app, req, Action::Write, Addressed::ProjectForRemoval(&raw)).await?;
    // Only the caller's project is ever written to (its conditions still guard against races).
    let (project, _) = owned.project().ok_or(PROJECT_NOT_FOUND)?;
    projects::delete(app, &access.account.id, &project.id).await?.ok_or(PROJECT_NOT_FOUND)?;
    Ok(deleted(project.id))
}
