//! The library's one error type. Every failure a request can meet is a variant here; the single
//! mapping to an HTTP response lives in `http::error_response`.

use crate::plans::Plan;
use crate::time::Timestamp;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

/// Shorthand used across the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a presented key was refused. Each reason has its own message; which status and text it
/// gets depends on the API surface (see `http::error_response`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Malformed or unknown: indistinguishable on purpose.
    Unknown,
    /// Deleted (through the API, or with its project).
    Deleted,
    /// A project key replaced by a newer one.
    Regenerated,
    /// The key's account no longer exists.
    AccountGone,
    /// The key is disabled.
    Disabled,
    /// The key's expiry has passed.
    Expired,
    /// The caller's source IP is not in the key's allow list.
    IpNotAllowed,
    /// The project addressed is not one the key may use.
    ProjectNotAllowed,
}

/// Every error the library reports.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("API key is required. Provide it via 'x-api-key' header or 'api_key' query parameter.")]
    MissingKey,
    #[error("API key refused: {0:?}")]
    KeyRefused(Refusal),
    #[error("{method} requests are available on paid plans only. FREE plan users can only POST feedback. Upgrade to STARTER or PRO for full API access.")]
    PaidPlansOnly { method: String },
    #[error("This endpoint needs the {needed} plan; this account is on the {current} plan.")]
    PlanTooLow { needed: Plan, current: Plan },
    #[error("{0}")]
    Forbidden(String),
    #[error("Project limit reached. Upgrade your plan to create more projects.")]
    ProjectLimit,
    #[error("Monthly call limit reached: the {plan} plan allows {limit} calls per month. It resets at {}.", resets.to_iso())]
    MonthlyQuota { plan: Plan, limit: u64, resets: Timestamp },
    #[error(
        "Rate limit exceeded: {per} allows {limit} requests per minute. The window resets at {reset} (Unix seconds)."
    )]
    RateLimited { per: &'static str, limit: u32, reset: i64 },
    #[error("{0}")]
    NotFound(&'static str),
    #[error("{0}")]
    BadRequest(String),
    #[error("Request body is too large: the limit is {limit} bytes.")]
    PayloadTooLarge { limit: usize },
    #[error("Unsupported content type: send {0}")]
    UnsupportedMediaType(&'static str),
    #[error("{0}")]
    Conflict(String),
    #[error("Not found")]
    NoRoute,
    #[error("Method not allowed")]
    MethodNotAllowed { allow: Vec<String> },
    /// Throttling or an outage of the storage: the client may retry; nothing was half-written.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// A bug or an unexpected state: logged in full, shown as "Internal server error".
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// A 400 with the given message.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Error::BadRequest(message.into())
    }

    /// A 500 whose details go to the log only.
    pub fn internal(details: impl std::fmt::Display) -> Self {
        Error::Internal(details.to_string())
    }
}

/// DynamoDB error codes that mean "try again shortly", not "this request is wrong".
const RETRYABLE_CODES: [&str; 7] = [
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
    "TransactionConflictException",
    "TransactionInProgressException",
];

impl<E, R> From<SdkError<E, R>> for Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    fn from(err: SdkError<E, R>) -> Self {
        let details = DisplayErrorContext(&err).to_string();
        match &err {
            // A response cut off on its way (the connection dropped mid-answer) is as passing as
            // a timeout; the SDK retries it too, and when its retries run out it lands here.
            SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
                Error::Unavailable(details)
            }
            _ if err.code().is_some_and(|code| RETRYABLE_CODES.contains(&code)) => Error::Unavailable(details),
            _ if cancelled_by_contention(&err) => Error::Unavailable(details),
            _ => Error::Internal(details),
        }
    }
}

/// A transaction cancelled only because other writes held its items or DynamoDB throttled it
/// (the cancellation reasons are listed in the message): retryable, not a bug.
fn cancelled_by_contention(err: &impl ProvideErrorMetadata) -> bool {
    err.code() == Some("TransactionCanceledException")
        && err.message().is_some_and(|m| {
            (m.contains("TransactionConflict") || m.contains("Throttling")) && !m.contains("ConditionalCheckFailed")
        })
}

impl From<serde_dynamo::Error> for Error {
    fn from(err: serde_dynamo::Error) -> Self {
        Error::Internal(format!("stored item does not match its type: {err}"))
    }
}
