//! HTTP helpers shared by every function: reading requests (path, query, body, source IP),
//! building JSON responses, the one mapping from [`crate::Error`] to a response, and [`serve`],
//! the wrapper every handler runs in.

mod errors;
mod paging;
mod request;
mod response;
mod serve;

pub use errors::error_response;
pub(crate) use errors::status_and_message;
pub use paging::{Numbered, Page, PagePagination, Pagination, Slice, SliceQuery, Window, WindowQuery, MAX_OFFSET};
pub(crate) use request::malformed_json;
pub use request::{
    content_type, form_body, json_body, optional_query, path_param, public_base, query_number, route_key, source_ip,
    whole_number, BODY_LIMIT, NO_LIMIT,
};
pub use response::{browser_facing, data, deleted, html, json, Data, Deleted};
pub use serve::{serve, Surface};
