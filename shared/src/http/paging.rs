//! The Miniback reference's general rule for lists: "endpoints that return multiple items support
//! `limit`, `offset`, `hasMore`". One reading of the parameters and one answer shape for every list
//! that follows it.

use super::{json, query_number};
use crate::Result;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;

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
        let limit = query_number(req, "limit", 50, 1, u64::MAX)?.min(100);
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

#[derive(Serialize)]
struct Page<T> {
    data: Vec<T>,
    pagination: Pagination,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Pagination {
    total: u64,
    limit: u64,
    offset: u64,
    has_more: bool,
}
