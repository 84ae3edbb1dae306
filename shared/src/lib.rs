//! Hearken's library: everything the Lambda functions share. The functions stay thin: they parse a
//! request, call in here, and shape the response.

pub mod access;
pub mod admin;
pub mod analytics;
pub mod api_keys;
pub mod app;
pub mod base62;
pub mod config;
pub mod cursor;
pub mod error;
pub mod feedback;
pub mod http;
pub mod ids;
pub mod known;
pub mod logging;
pub mod openapi;
pub mod ops;
pub mod plans;
pub mod project_removal;
pub mod projects;
pub mod request_scope;
pub mod rollup_job;
pub mod slug;
pub mod store;
pub mod stream_batch;
pub mod surveys;
pub mod time;
pub mod webhooks;

pub use app::App;
pub use error::{Error, Result};
