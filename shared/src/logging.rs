//! Logging for the functions: Lambda's level and format controls, except that the runtime crates
//! never log below INFO — at DEBUG/TRACE they print whole events, headers and query strings
//! included, and an API key must never reach a log.

use lambda_http::tracing::subscriber::filter::{EnvFilter, LevelFilter};
use std::str::FromStr;

/// Crates that log raw events at DEBUG/TRACE.
const EVENT_LOGGERS: [&str; 3] = ["lambda_runtime", "lambda_runtime_api_client", "lambda_http"];

/// Installs the global subscriber: level from `AWS_LAMBDA_LOG_LEVEL` or `RUST_LOG` (default
/// INFO), JSON when `AWS_LAMBDA_LOG_FORMAT=JSON`.
pub fn init() {
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL").or_else(|_| std::env::var("RUST_LOG")).unwrap_or_default();
    let level = LevelFilter::from_str(&level).unwrap_or(LevelFilter::INFO);
    let mut filter = EnvFilter::builder().with_default_directive(level.into()).parse_lossy("");
    for target in EVENT_LOGGERS {
        if let Ok(directive) = format!("{target}=info").parse() {
            filter = filter.add_directive(directive);
        }
    }
    let builder = lambda_http::tracing::subscriber::fmt().with_target(false).without_time().with_env_filter(filter);
    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    // A second init (tests, the local gateway) keeps the first subscriber.
    let _ = if json { builder.json().try_init() } else { builder.try_init() };
}
