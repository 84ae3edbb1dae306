//! The wrapper every handler runs in: it gathers the request's DynamoDB timing and rate-limit
//! state, turns an error into its response, adds `Server-Timing`, `X-RateLimit-*` and
//! `X-Content-Type-Options: nosniff`, and logs one line per request (path only: a key in the query
//! string never reaches the log).

use super::errors::error_response;
use crate::request_scope::RequestScope;
use crate::{Error, Result};
use lambda_http::http::{header, HeaderValue};
use lambda_http::{Body, Request, Response};
use std::future::Future;

/// Which API a path belongs to; refusals are worded per API (SPEC §4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Surface {
    /// `/api/...` (Miniback).
    Miniback,
    /// `/api/v1/...` (RateMind).
    RateMind,
    /// Everything else: public pages and documents.
    Public,
}

impl Surface {
    /// The surface of a request path.
    pub fn of(path: &str) -> Surface {
        if path.starts_with("/api/v1/") || path == "/api/v1" {
            Surface::RateMind
        } else if path.starts_with("/api/") {
            Surface::Miniback
        } else {
            Surface::Public
        }
    }
}

/// Runs `handler` for `req` and finishes its response.
pub async fn serve<F, Fut>(req: Request, handler: F) -> Response<Body>
where
    F: FnOnce(Request) -> Fut,
    Fut: Future<Output = Result<Response<Body>>>,
{
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let surface = Surface::of(&path);
    // Answer 503 (SPEC §4's shape, with Retry-After) before Lambda's own timeout cuts the request
    // off with a bare gateway error.
    // Boxed: a route's future nests the access check, the use case and the store, too deep for
    // the compiler to lay out inline in the Lambda runtime's own future.
    let handled = Box::pin(handler(req));
    let bounded = async move {
        tokio::time::timeout(crate::request_scope::budget().deadline, handled)
            .await
            .unwrap_or_else(|_| Err(Error::Unavailable("deadline passed".into())))
    };
    let (result, scope) = RequestScope::run(bounded).await;
    scope.finish_deferred().await;

    let mut response = match result {
        Ok(response) => response,
        Err(err) => {
            log_error(&err, method.as_str(), &path);
            error_response(&err, surface)
        }
    };
    let usage = scope.db_usage();
    let headers = response.headers_mut();
    // No browser may read an answer as anything but its declared type (a JSON error that echoes
    // input must never be sniffed into HTML or script).
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if let Ok(value) = HeaderValue::from_str(&usage.server_timing()) {
        headers.insert("server-timing", value);
    }
    if let Some(rate) = scope.rate_headers() {
        headers.insert("x-ratelimit-limit", HeaderValue::from(rate.limit));
        headers.insert("x-ratelimit-remaining", HeaderValue::from(rate.remaining));
        headers.insert("x-ratelimit-reset", HeaderValue::from(rate.reset));
    }
    tracing::info!(%method, %path, status = response.status().as_u16(), db_calls = usage.calls, db_rounds = usage.rounds, "request");
    response
}

fn log_error(err: &Error, method: &str, path: &str) {
    match err {
        Error::Internal(details) => {
            tracing::error!(%method, %path, error = %details, "internal error")
        }
        Error::Unavailable(details) => {
            tracing::warn!(%method, %path, error = %details, "storage unavailable")
        }
        _ => {}
    }
}
