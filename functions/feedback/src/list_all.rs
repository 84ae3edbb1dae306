//! `GET /api/feedback`: feedback across the caller's projects, with every documented filter and
//! both paging styles.

use hearken::access::{authorize, authorize_owned, Addressed, Need};
use hearken::feedback::{Source, Status};
use hearken::http::{optional_query, Numbered, Surface, Window, WindowQuery};
use hearken::ids::ProjectId;
use hearken::openapi::{error_example, ErrorBody};
use hearken::ops::feedback_list::{list_across, Listed, Named};
use hearken::ops::PROJECT_NOT_FOUND;
use hearken::plans::Action;
use hearken::store::feedback::Filters;
use hearken::time::{Timestamp, QUERY_YEARS};
use hearken::{App, Error, Result};
use lambda_http::{Body, Request, RequestExt, Response};
use serde_json::Value;
use utoipa::openapi::schema::{AnyOfBuilder, KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::RefOr;
use utoipa::{IntoParams, PartialSchema, ToSchema};

/// Longest search text, in characters.
const MAX_SEARCH_CHARS: usize = 200;

/// The filters of the query, as the OpenAPI document shows them ([`filters`] and [`slug`] read
/// them).
#[derive(IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
#[allow(dead_code)]
pub(crate) struct FeedbackFilters {
    /// Only this project's feedback, by id (`projectSlug` is then ignored).
    project: Option<ProjectId>,
    /// Only this project's feedback, by slug.
    #[param(pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 64)]
    project_slug: Option<String>,
    /// Only feedback with this status.
    #[param(inline)]
    status: Option<Status>,
    /// Only feedback that arrived this way.
    #[param(inline)]
    source: Option<Source>,
    /// Only feedback whose message contains this text, ignoring case (surrounding spaces are
    /// trimmed; at most 200 characters).
    #[param(max_length = 200)]
    search: Option<String>,
    /// Only feedback created at or after this instant: a date (`2025-01-31`, from its start, UTC) or
    /// an RFC 3339 datetime (`2025-01-31T12:00:00Z`), in the years 2000 to 9999 (UTC). Not after `end`.
    #[param(value_type = Option<QueryBound>, inline)]
    start: Option<String>,
    /// Only feedback created at or before this instant: a date (`2025-01-31`, the whole day, UTC) or
    /// an RFC 3339 datetime, in the years 2000 to 9999 (UTC).
    #[param(value_type = Option<QueryBound>, inline)]
    end: Option<String>,
}

// The parameter attributes take only literals: they must stay the limits the readers apply.
const _: () = assert!(
    MAX_SEARCH_CHARS == 200
        && hearken::slug::MAX_LEN == 64
        && *QUERY_YEARS.start() == 2000
        && *QUERY_YEARS.end() == 9999
);

/// `start` and `end` in the document: a date or an RFC 3339 datetime ([`Timestamp::parse_bound`])
/// whose year is one of [`QUERY_YEARS`].
pub(crate) struct QueryBound;

impl PartialSchema for QueryBound {
    fn schema() -> RefOr<Schema> {
        const YEAR: &str = "^(2[0-9]{3}|[3-9][0-9]{3})-";
        let string = |format| {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(format)))
                .pattern(Some(YEAR))
        };
        AnyOfBuilder::new()
            .item(string(KnownFormat::Date))
            .item(string(KnownFormat::DateTime))
            .examples(["2025-01-31", "2025-01-31T12:00:00Z"])
            .into()
    }
}

impl ToSchema for QueryBound {}

/// List feedback across projects
///
/// Newest first, across the projects the key may see, with every filter combinable. Paged with
/// `page` and `pageSize`, or with `limit` and `offset` (not both); at most 10,000 items can be
/// skipped, so `(page - 1) × pageSize` may not pass 10,000.
#[utoipa::path(get, path = "/api/feedback", tag = "Feedback", operation_id = "listFeedback",
    params(FeedbackFilters, WindowQuery),
    responses(
        (status = 200, description = "A page of feedback, each item with its `projectId`", body = Numbered<Listed>),
        (status = 400, description = "A query parameter is malformed, or the parameters contradict each other; the text names it",
            body = ErrorBody,
            examples(
                ("Status" = (value = json!(refused(&[("status", "DONE")])))),
                ("Dates" = (value = json!(refused(&[("start", "2025-02-01"), ("end", "2025-01-01")])))),
                ("Paging styles" = (value = json!(refused(&[("page", "2"), ("limit", "20")])))),
                ("Too deep" = (value = json!(refused(&[("page", "2000"), ("pageSize", "10")])))),
            )),
        (status = 404, description = "No project with this id or slug in this account", body = ErrorBody,
            example = json!(error_example(&PROJECT_NOT_FOUND, Surface::Miniback))),
    ))]
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

/// What the query readers answer `query`, for the document's examples (the real texts).
fn refused(query: &[(&str, &str)]) -> Value {
    let pairs = query.iter().map(|(name, value)| (name.to_string(), value.to_string()));
    let req = Request::default().with_query_string_parameters(pairs.collect::<std::collections::HashMap<_, _>>());
    let read = filters(&req).and(Window::of(&req)).and(slug(&req));
    let err = read.err().unwrap_or_else(|| Error::internal("the example query was accepted"));
    error_example(&err, Surface::Miniback)
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
    let search = optional_query(req, "search");
    // Counted as given: lower-casing may change the count (`İ` becomes two characters).
    if search.as_ref().is_some_and(|text| text.chars().count() > MAX_SEARCH_CHARS) {
        return Err(Error::bad_request(format!(
            "Query parameter 'search' must be at most {MAX_SEARCH_CHARS} characters"
        )));
    }
    let search = search.map(|text| text.to_lowercase());
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
