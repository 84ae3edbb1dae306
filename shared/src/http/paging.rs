//! The Miniback reference's general rule for lists: "endpoints that return multiple items support
//! `limit`, `offset`, `hasMore`". One reading of the parameters and one answer shape for every list
//! that follows it.

use super::{json, query_number, NO_LIMIT};
use crate::{Error, Result};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

/// Deepest `offset` served: skipping costs a read of every skipped item.
pub const MAX_OFFSET: u64 = 10_000;

/// Which slice of a list a request asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slice {
    pub limit: u64,
    pub offset: u64,
}

impl Slice {
    /// `limit` (default 50; the documents give it a maximum of 100, so larger values are served as
    /// 100) and `offset` (0 to [`MAX_OFFSET`]); a malformed one is a 400 naming it.
    pub fn of(req: &Request) -> Result<Slice> {
        let limit = query_number(req, "limit", 50, 1, NO_LIMIT)?.min(100);
        let offset = query_number(req, "offset", 0, 0, MAX_OFFSET)?;
        Ok(Slice { limit, offset })
    }

    /// `{"data": [...], "pagination": {total, limit, offset, hasMore}}` for the items of this slice.
    pub fn page<T: Serialize>(self, data: Vec<T>, total: u64) -> Response<Body> {
        let has_more = self.offset.saturating_add(data.len() as u64) < total;
        let pagination = Pagination { total, limit: self.limit, offset: self.offset, has_more };
        json(StatusCode::OK, &Page { data, pagination })
    }
}

/// A list answer: one slice of the items and where it lies.
#[derive(Serialize, ToSchema)]
pub struct Page<T> {
    pub data: Vec<T>,
    pub pagination: Pagination,
}

/// Where a slice lies in the whole list.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Pagination {
    /// Items in the whole list.
    pub total: u64,
    /// Items asked for (at most 100).
    pub limit: u64,
    /// Items skipped.
    pub offset: u64,
    /// Whether items lie beyond this slice.
    pub has_more: bool,
}

/// The query of a list that follows the general rule, as documented (read by [`Slice::of`]).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct SliceQuery {
    /// Items per answer; values above 100 are served as 100.
    #[param(minimum = 1, default = 50)]
    limit: Option<u64>,
    /// Items to skip.
    #[param(minimum = 0, maximum = 10_000, default = 0)]
    offset: Option<u64>,
}

/// Which slice of a list a page-numbered route (`GET /api/feedback`) is asked for: `page` and
/// `pageSize` (its own style) or `limit` and `offset` (the general rule); `pagination` answers in
/// both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub offset: u64,
    pub limit: u64,
}

impl Window {
    pub fn of(req: &Request) -> Result<Window> {
        let given = |name| super::optional_query(req, name).is_some();
        let (paged, sliced) = (given("page") || given("pageSize"), given("limit") || given("offset"));
        if paged && sliced {
            return Err(Error::bad_request("Use either 'page' and 'pageSize' or 'limit' and 'offset', not both"));
        }
        if sliced {
            let Slice { limit, offset } = Slice::of(req)?;
            return Ok(Window { offset, limit });
        }
        let page = query_number(req, "page", 1, 1, NO_LIMIT)?;
        // The documents give `pageSize` a maximum of 100: larger values are served as 100.
        let page_size = query_number(req, "pageSize", 10, 1, NO_LIMIT)?.min(100);
        match (page - 1).checked_mul(page_size) {
            Some(skip) if skip <= MAX_OFFSET => Ok(Window { offset: skip, limit: page_size }),
            _ => Err(Error::bad_request(format!(
                "Query parameter 'page' is too deep: at most {MAX_OFFSET} items can be skipped; narrow the filters (e.g. start/end)"
            ))),
        }
    }

    /// `{"data": [...], "pagination": {page, pageSize, total, totalPages, limit, offset, hasMore}}`.
    /// With an offset that is not a multiple of the limit, `page` is the page the first item falls on.
    pub fn page<T: Serialize>(self, data: Vec<T>, total: u64) -> Response<Body> {
        let pagination = PagePagination {
            page: self.offset / self.limit + 1,
            page_size: self.limit,
            total,
            total_pages: total.div_ceil(self.limit),
            limit: self.limit,
            offset: self.offset,
            has_more: self.offset.saturating_add(self.limit) < total,
        };
        json(StatusCode::OK, &Numbered { data, pagination })
    }
}

/// A page-numbered list answer.
#[derive(Serialize, ToSchema)]
pub struct Numbered<T> {
    pub data: Vec<T>,
    pub pagination: PagePagination,
}

/// Where a page lies, in both styles.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PagePagination {
    /// The page the first item falls on (from 1).
    pub page: u64,
    pub page_size: u64,
    pub total: u64,
    pub total_pages: u64,
    pub limit: u64,
    pub offset: u64,
    pub has_more: bool,
}

/// The query of a page-numbered list, as documented (read by [`Window::of`]): `page` and
/// `pageSize`, or `limit` and `offset`, not both.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code, non_snake_case)]
pub struct WindowQuery {
    /// Page number, from 1 (at most 10,000 items can be skipped).
    #[param(minimum = 1, default = 1)]
    page: Option<u64>,
    /// Items per page; values above 100 are served as 100.
    #[param(minimum = 1, default = 10)]
    pageSize: Option<u64>,
    /// Items per answer (instead of `pageSize`); values above 100 are served as 100.
    #[param(minimum = 1)]
    limit: Option<u64>,
    /// Items to skip (instead of `page`).
    #[param(minimum = 0, maximum = 10_000)]
    offset: Option<u64>,
}
