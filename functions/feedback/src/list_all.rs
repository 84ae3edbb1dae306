//! `GET /api/feedback`: feedback across the caller's projects, with every documented filter and
//! page-number paging. Totals come from counters for project, status and source; `search` and
//! dates count the matching items instead (see the README for what each costs).

use super::PROJECT_NOT_FOUND;
use hearken::access::{authorize, authorize_owned, Access, Addressed, Need};
use hearken::error::Refusal;
use hearken::feedback::{FeedbackView, Source, Status};
use hearken::http::{json, optional_query, query_number, Slice, MAX_OFFSET};
use hearken::ids::ProjectId;
use hearken::plans::Action;
use hearken::store::counters::total;
use hearken::store::feedback::{self as stored, Filters, Scope};
use hearken::store::projects::{self, Project};
use hearken::store::Item;
use hearken::time::Timestamp;
use hearken::{App, Error, Result};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;

/// Longest search text, in characters.
const MAX_SEARCH_CHARS: usize = 200;

pub async fn list(app: &App, req: &Request) -> Result<Response<Body>> {
    // A project named by id is checked against the key before anything is counted.
    // The project named by id is read in the access check, so only the caller's is ever paged.
    let named = optional_query(req, "project");
    let (access, owned) = match named.as_deref() {
        Some(raw) => {
            let (access, owned) = authorize_owned(app, req, Action::Read, Addressed::Project(raw)).await?;
            (access, Some(owned.project().ok_or(PROJECT_NOT_FOUND)?))
        }
        None => (authorize(app, req, Need { action: Action::Read, project: None }).await?, None),
    };
    let account = &access.account.id;
    let filters = filters(req)?;
    let window = Window::of(req)?;
    let (skip, page_size) = (window.offset, window.limit);
    // Boxed: the page and the count are large futures, and several arms below hold one.
    let fetch = |scope: Scope| {
        let filters = filters.clone();
        Box::pin(async move {
            let (items, count) = tokio::join!(stored::list(app, &scope, &filters, skip, page_size), async {
                match filters.counted_by_counters() {
                    true => Ok(None),
                    false => stored::count(app, &scope, &filters).await.map(Some),
                }
            });
            Ok::<_, Error>((items?, count?))
        })
    };
    // The scope's counters are read in the same round as the page wherever the page does not
    // depend on them (a named project, the whole account); a key limited to projects needs to
    // know which of them still exist first.
    let (counters, (items, counted)) = match planned_scope(app, req, &access, owned).await? {
        Planned::Owned(owned) => {
            let (project, item) = *owned;
            (vec![item], fetch(Scope::Project(project.id)).await?)
        }
        Planned::Project(project) => {
            let (found, fetched) =
                tokio::join!(projects::get(app, account, &project), fetch(Scope::Project(project.clone())));
            let (_, item) = found?.ok_or(PROJECT_NOT_FOUND)?;
            (vec![item], fetched?)
        }
        Planned::Only(project) => {
            let (found, fetched) =
                tokio::join!(projects::get(app, account, &project), fetch(Scope::Project(project.clone())));
            match found? {
                Some((_, item)) => (vec![item], fetched?),
                None => (vec![], (vec![], Some(0))),
            }
        }
        Planned::Limited(limited) => {
            let reads = limited.iter().map(|project| projects::get(app, account, project));
            let found: Vec<_> = futures::future::try_join_all(reads).await?.into_iter().flatten().collect();
            let live = found.iter().map(|(project, _)| project.id.clone()).collect();
            (found.into_iter().map(|(_, item)| item).collect(), fetch(Scope::Projects(account.clone(), live)).await?)
        }
        Planned::Account => {
            let (counts, fetched) =
                tokio::join!(projects::account_counts(app, account), fetch(Scope::Account(account.clone(), vec![])));
            let counts = counts?;
            // Rare: a deleted project's feedback is still being removed; leave it out.
            let deleting = projects::deleting_in(&counts);
            let fetched = match deleting.is_empty() {
                true => fetched?,
                false => fetch(Scope::Account(account.clone(), deleting)).await?,
            };
            (vec![counts], fetched)
        }
    };
    let total =
        counted.unwrap_or_else(|| counters.iter().map(|item| total(item, filters.status, filters.source)).sum());
    let data = items.into_iter().map(|item| Listed { feedback: item.view, project_id: item.project_id }).collect();
    Ok(json(StatusCode::OK, &Page { data, pagination: window.pagination(total) }))
}

/// Which slice of the list a request asks for: `page`/`pageSize` (this route's own style) or
/// `limit`/`offset` (the reference's general rule); both are answered in `pagination`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Window {
    offset: u64,
    limit: u64,
}

impl Window {
    fn of(req: &Request) -> Result<Window> {
        let paged = optional_query(req, "page").is_some() || optional_query(req, "pageSize").is_some();
        let sliced = optional_query(req, "limit").is_some() || optional_query(req, "offset").is_some();
        if paged && sliced {
            return Err(Error::bad_request("Use either 'page' and 'pageSize' or 'limit' and 'offset', not both"));
        }
        if sliced {
            let Slice { limit, offset } = Slice::of(req)?;
            return Ok(Window { offset, limit });
        }
        let page = query_number(req, "page", 1, 1, u64::MAX)?;
        // The documents give `pageSize` a maximum of 100: larger values are served as 100.
        let page_size = query_number(req, "pageSize", 10, 1, u64::MAX)?.min(100);
        match (page - 1).checked_mul(page_size) {
            Some(skip) if skip <= MAX_OFFSET => Ok(Window { offset: skip, limit: page_size }),
            _ => Err(Error::bad_request(format!(
                "Query parameter 'page' is too deep: at most {MAX_OFFSET} items can be skipped; narrow the filters (e.g. start/end)"
            ))),
        }
    }

    /// Both styles at once. With an offset that is not a multiple of the limit, `page` is the page
    /// the first item falls on.
    fn pagination(self, total: u64) -> Pagination {
        Pagination {
            page: self.offset / self.limit + 1,
            page_size: self.limit,
            total,
            total_pages: total.div_ceil(self.limit),
            limit: self.limit,
            offset: self.offset,
            has_more: self.offset.saturating_add(self.limit) < total,
        }
    }
}

/// The filters of the query string, validated.
fn filters(req: &Request) -> Result<Filters> {
    let status = optional_query(req, "status").map(|s| Status::parse(&s)).transpose()?;
    let source = optional_query(req, "source").map(|s| Source::parse(&s)).transpose()?;
    let search = optional_query(req, "search").map(|text| text.to_lowercase());
    if search.as_ref().is_some_and(|text| text.chars().count() > MAX_SEARCH_CHARS) {
        return Err(Error::bad_request(format!(
            "Query parameter 'search' must be at most {MAX_SEARCH_CHARS} characters"
        )));
    }
    let bound = |name: &str, end_of_day: bool| -> Result<Option<Timestamp>> {
        optional_query(req, name)
            .map(|text| {
                Timestamp::parse_bound(&text, end_of_day).ok_or_else(|| {
                    Error::bad_request(format!(
                        "Query parameter '{name}' must be an ISO 8601 date (2025-01-31) or datetime (2025-01-31T12:00:00Z)"
                    ))
                })
            })
            .transpose()
    };
    let (start, end) = (bound("start", false)?, bound("end", true)?);
    if let (Some(start), Some(end)) = (start, end) {
        if start > end {
            return Err(Error::bad_request("Query parameter 'start' must not be after 'end'"));
        }
    }
    Ok(Filters { status, source, search, from_ms: start.map(|t| t.unix_millis()), to_ms: end.map(|t| t.unix_millis()) })
}

/// What the list covers, as far as the request and the key say.
enum Planned {
    /// The project named by id, read (and proven the caller's) by the access check.
    Owned(Box<(Project, Item)>),
    /// One project named by slug: the slug claim is the account's own, so the project it names
    /// is too, and its item can be read beside the page.
    Project(ProjectId),
    /// The one project a limited key may address (gone: an empty list, not a 404).
    Only(ProjectId),
    /// The projects a limited key may address.
    Limited(Vec<ProjectId>),
    /// The whole account.
    Account,
}

async fn planned_scope(app: &App, req: &Request, access: &Access, owned: Option<(Project, Item)>) -> Result<Planned> {
    if let Some(owned) = owned {
        return Ok(Planned::Owned(Box::new(owned)));
    }
    let named = match optional_query(req, "projectSlug") {
        Some(slug) => {
            // A slug that could never have been made names no project (and is never looked up).
            let slug = hearken::slug::validate(&slug).map_err(|_| {
                Error::bad_request("Query parameter 'projectSlug' must be a slug: lowercase letters, digits and single dashes, at most 64")
            })?;
            let id = projects::id_by_slug(app, &access.account.id, &slug).await?.ok_or(PROJECT_NOT_FOUND)?.to_string();
            if !access.key.allows_project(&id) {
                // Known only after the slug was read: give the call back, as for any refusal.
                return Err(access.refuse(app, Error::KeyRefused(Refusal::ProjectNotAllowed)).await);
            }
            Some(id)
        }
        None => None,
    };
    if let Some(raw) = named {
        if !access.key.allows_project(&raw) {
            return Err(Error::KeyRefused(Refusal::ProjectNotAllowed));
        }
        return Ok(Planned::Project(ProjectId::parse(&raw).ok_or(PROJECT_NOT_FOUND)?));
    }
    Ok(match access.key.project_limit() {
        // One project (a project key, or an account key limited to one): its own index.
        Some(limited) if limited.len() == 1 => Planned::Only(limited.into_iter().next().expect("one")),
        Some(limited) => Planned::Limited(limited),
        None => Planned::Account,
    })
}

/// A list item: the feedback and the project it belongs to.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Listed {
    #[serde(flatten)]
    feedback: FeedbackView,
    project_id: ProjectId,
}

/// The documented list shape: `data` and `pagination {page, pageSize, total, totalPages}`, with
/// the general rule's `limit`, `offset` and `hasMore` beside them.
#[derive(Serialize)]
struct Page {
    data: Vec<Listed>,
    pagination: Pagination,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Pagination {
    page: u64,
    page_size: u64,
    total: u64,
    total_pages: u64,
    limit: u64,
    offset: u64,
    has_more: bool,
}
