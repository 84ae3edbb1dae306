//! The one mapping from [`Error`] to an HTTP response: status, `{"error": …}` text (word for word
//! where SPEC §4 fixes it) and `Retry-After`. A 500 never shows its details; they go to the log.

use super::response::json;
use super::serve::Surface;
use crate::error::{Error, Refusal};
use crate::time::Timestamp;
use lambda_http::http::{header, HeaderValue, StatusCode};
use lambda_http::{Body, Response};

/// The response for an error, on the given API surface.
pub fn error_response(err: &Error, surface: Surface) -> Response<Body> {
    let (status, message) = status_and_message(err, surface);
    let mut response = json(status, &serde_json::json!({ "error": message }));
    if let Some(seconds) = retry_after(err) {
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
    }
    if let Error::MethodNotAllowed { allow } = err {
        if let Ok(value) = HeaderValue::from_str(&allow.join(", ")) {
            response.headers_mut().insert(header::ALLOW, value);
        }
    }
    response
}

pub(crate) fn status_and_message(err: &Error, surface: Surface) -> (StatusCode, String) {
    use StatusCode as S;
    let status = match err {
        Error::KeyRefused(refusal) => return refusal_answer(*refusal, surface),
        Error::MissingKey | Error::PaidPlansOnly { .. } => S::UNAUTHORIZED,
        Error::PlanTooLow { .. } | Error::Forbidden(_) | Error::ProjectLimit => S::FORBIDDEN,
        Error::MonthlyQuota { .. } | Error::RateLimited { .. } => S::TOO_MANY_REQUESTS,
        Error::NotFound(_) | Error::NoRoute => S::NOT_FOUND,
        Error::BadRequest(_) => S::BAD_REQUEST,
        Error::PayloadTooLarge { .. } => S::PAYLOAD_TOO_LARGE,
        Error::Conflict(_) => S::CONFLICT,
        Error::UnsupportedMediaType(_) => S::UNSUPPORTED_MEDIA_TYPE,
        Error::MethodNotAllowed { .. } => S::METHOD_NOT_ALLOWED,
        Error::Unavailable(_) => {
            return (S::SERVICE_UNAVAILABLE, "Service temporarily unavailable, please retry shortly".to_owned())
        }
        Error::Internal(_) => return (S::INTERNAL_SERVER_ERROR, "Internal server error".to_owned()),
    };
    (status, err.to_string())
}

/// A refused key: the Miniback surface answers with its documented texts, the RateMind surface
/// with `401 Invalid API key`; the key's own state is 401, a restriction 403.
fn refusal_answer(refusal: Refusal, surface: Surface) -> (StatusCode, String) {
    const MINIBACK_INVALID: &str = "Invalid API key or project not found";
    let (status, message) = match (refusal, surface) {
        (Refusal::Unknown | Refusal::AccountGone | Refusal::ProjectNotAllowed, Surface::Miniback) => {
            (StatusCode::FORBIDDEN, MINIBACK_INVALID)
        }
        (Refusal::Unknown | Refusal::AccountGone, _) => (StatusCode::UNAUTHORIZED, "Invalid API key"),
        (Refusal::ProjectNotAllowed, _) => {
            (StatusCode::FORBIDDEN, "This API key is not allowed to access this project")
        }
        (Refusal::Disabled, _) => (StatusCode::UNAUTHORIZED, "This API key is disabled"),
        (Refusal::Deleted, _) => (StatusCode::UNAUTHORIZED, "This API key has been deleted"),
        (Refusal::Regenerated, _) => {
            (StatusCode::UNAUTHORIZED, "This API key was regenerated: use the project's new key")
        }
        (Refusal::Expired, _) => (StatusCode::UNAUTHORIZED, "This API key has expired"),
        (Refusal::IpNotAllowed, _) => (StatusCode::FORBIDDEN, "This API key is not allowed from this IP address"),
    };
    (status, message.to_owned())
}

fn retry_after(err: &Error) -> Option<i64> {
    let now = Timestamp::now().unix_seconds();
    match err {
        Error::MonthlyQuota { resets, .. } => Some(resets.unix_seconds() - now),
        Error::RateLimited { reset, .. } => Some(reset - now),
        Error::Unavailable(_) => Some(1),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(response: &Response<Body>) -> serde_json::Value {
        serde_json::from_slice(response.body().as_ref()).unwrap()
    }

    #[test]
    fn internal_errors_never_leak() {
        let response = error_response(&Error::internal("table hearken-Keys is missing"), Surface::Miniback);
        assert_eq!(response.status(), 500);
        assert_eq!(body(&response), serde_json::json!({"error": "Internal server error"}));
    }

    #[test]
    fn storage_outages_answer_503_with_retry_after() {
        let response = error_response(&Error::Unavailable("throttled".into()), Surface::RateMind);
        assert_eq!(response.status(), 503);
        assert_eq!(response.headers()[header::RETRY_AFTER], "1");
    }

    #[test]
    fn unknown_keys_answer_per_surface() {
        let miniback = error_response(&Error::KeyRefused(Refusal::Unknown), Surface::Miniback);
        assert_eq!(
            (miniback.status(), body(&miniback)["error"].clone()),
            (StatusCode::FORBIDDEN, "Invalid API key or project not found".into())
        );
        let ratemind = error_response(&Error::KeyRefused(Refusal::Unknown), Surface::RateMind);
        assert_eq!(
            (ratemind.status(), body(&ratemind)["error"].clone()),
            (StatusCode::UNAUTHORIZED, "Invalid API key".into())
        );
    }

    #[test]
    fn free_plan_sentence_names_the_method() {
        let response = error_response(&Error::PaidPlansOnly { method: "GET".into() }, Surface::Miniback);
        assert_eq!(response.status(), 401);
        assert_eq!(
            body(&response)["error"],
            "GET requests are available on paid plans only. FREE plan users can only POST feedback. Upgrade to STARTER or PRO for full API access."
        );
    }

    #[test]
    fn rate_limits_say_when_they_reset() {
        let reset = Timestamp::now().unix_seconds() + 30;
        let response = error_response(&Error::RateLimited { per: "this key", limit: 10, reset }, Surface::RateMind);
        assert_eq!(response.status(), 429);
        let wait: i64 = response.headers()[header::RETRY_AFTER].to_str().unwrap().parse().unwrap();
        assert!((29..=30).contains(&wait));
        assert!(body(&response)["error"].as_str().unwrap().contains("10 requests per minute"));
    }
}
