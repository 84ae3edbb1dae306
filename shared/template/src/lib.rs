//! template.yaml is the single source of truth for routes and tables. This crate reads it, for
//! the local stack (gateway, tables, streams) and for the deployed fallback function (which
//! answers 404 and 405 for the routes the HTTP API does not have).

pub mod routes;
pub mod template;

pub use routes::{Resolved, RouteTable};
pub use template::{Function, Route, Table, Template, DEFAULT_ROUTE};
