//! `GET /api/feedback`: feedback across the caller's projects, with every documented filter and
//! both paging styles.

use hearken::access::{authorize, authorize_owned, Addressed, Need};
use hearken::feedback::{Source, Status};
use hearken::http::{optional_query, Window};
use hearken::ops::feedback_list::{list_across, Named};
use hearken::ops::PROJECT_NOT_FOUND;
use hearken::plans::Action;
use hearken::store::feedback::Filters;
use hearken::time::Timestamp;
use hearken::{App, Error, Result};
use lambda_http::{Body, Request, Response};

/// Longest search text, in characters.
const MAX_SEARCH_CHARS: usize = 200;

pub async fn list(app: &App, req: &Request) -> Result<Response<Body>> {
    // The project named by id is read in the access check, so only the caller's is ever paged.
    let (access, owned) = match optional_query(req, "project") {
        Some(raw) => {
            let (access, owned) = authorize_owned(app, req, Action::Read, Addressed::Project(&raw)).await?;
            (access, Some(owned.project().ok_or(PROJECT_NOT_FOUND)?))
        }
        None => (authorize(app, req, Need { action: Action::Read, project: None }).await?, None),
    };
    let filters = filters(req)?;
    let window = Window::of(req)?;
    let named = match owned {
        Some(owned) => Named::Owned(Box::new(owned)),
        None => slug(req)?.map_or(Named::None, Named::Slug),
    };
    let (page, total) = list_across(app, &access, named, &filters, window.offset, window.limit).await?;
    Ok(window.page(page, total))
}

/// `projectSlug`: a slug that could never have been made names no project (and is never looked up).
fn slug(req: &Request) -> Result<Option<String>> {
    let Some(slug) = optional_query(req, "projectSlug") else { return Ok(None) };
    let slug = hearken::slug::validate(&slug).map_err(|_| {
        Error::bad_request(
            "Query parameter 'projectSlug' must be a slug: lowercase letters, digits and single dashes, at most 64",
        )
    })?;
    Ok(Some(slug))
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
