//! The public widget: `POST /api/widget/{projectId}/feedback`, no key. Accepted only from the
//! project's `allowedDomains` (any origin when empty), limited per client IP, stored with source
//! WIDGET, and not counted against the account's monthly API quota.

use hearken::feedback::{refusal_example, FeedbackSubmission, FeedbackView, NewFeedback};
use hearken::http::{browser_facing, data, json_body, path_param, route_key, serve, source_ip, Data, Surface};
use hearken::ids::ProjectId;
use hearken::openapi::{error_example, ErrorBody};
use hearken::ops::widget::{self, WidgetSubmission};
use hearken::ops::PROJECT_NOT_FOUND;
use hearken::plans::WIDGET_PER_IP_PER_MINUTE;
use hearken::{App, Error, Result};
use lambda_http::http::{header, StatusCode};
use lambda_http::{Body, Request, Response};
use serde_json::json;

const SUBMIT: &str = "POST /api/widget/{projectId}/feedback";

/// The routes of template.yaml this function serves.
pub const ROUTES: &[&str] = &[SUBMIT];

/// The widget answers only JSON to scripts on other sites: a browser that renders an answer
/// anyway may load, run, post or frame nothing.
pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

/// This function's routes in the OpenAPI document (the docs function merges every function's).
#[derive(utoipa::OpenApi)]
#[openapi(paths(submit))]
pub struct ApiDoc;

/// Handles one API Gateway request.
pub async fn handle(app: &App, req: Request) -> Response<Body> {
    let response = serve(req, |req| async move {
        match route_key(&req) {
            Some(SUBMIT) => submit(app, &req).await,
            _ => Err(Error::NoRoute),
        }
    })
    .await;
    browser_facing(response, CONTENT_SECURITY_POLICY)
}

// The route's description states the per-IP limit in words: it must stay the one applied.
const _: () = assert!(WIDGET_PER_IP_PER_MINUTE == 10);

/// The refusal of an origin outside the project's `allowedDomains`.
fn origin_refused() -> Error {
    Error::Forbidden("This origin is not allowed to send feedback to this project".to_owned())
}

/// The refusal of a client IP past its per-minute limit; `reset` in Unix seconds.
fn ip_limited(reset: i64) -> Error {
    Error::RateLimited { per: "the widget, per client IP address,", limit: WIDGET_PER_IP_PER_MINUTE, reset }
}

/// Send feedback from a website
///
/// No key: a page posts its visitors' feedback straight from the browser. Stored with status `NEW`
/// and source `WIDGET`, counted in the project's totals but not against the account's monthly
/// calls. When the project has `allowedDomains`, the request's `Origin` must be one of them; each
/// client IP may send 10 a minute.
#[utoipa::path(post, path = "/api/widget/{projectId}/feedback", tag = "Widget", operation_id = "submitWidgetFeedback",
    security(()),
    params(
        ("projectId" = ProjectId, Path, description = "The project's id"),
        ("Origin" = Option<String>, Header, nullable = false,
            description = "The page's origin, as browsers send it (`https://example.com`): checked against the project's `allowedDomains` when it has any"),
    ),
    request_body = FeedbackSubmission,
    responses(
        (status = 201, description = "The stored feedback", body = Data<FeedbackView>),
        (status = 400, description = "The body breaks a rule (or is not JSON); the text names it", body = ErrorBody,
            examples(
                ("Message" = (value = json!(refusal_example(NewFeedback::from_json(json!({})), Surface::Miniback)))),
                ("Long message" = (value = json!(refusal_example(
                    NewFeedback::from_json(json!({"message": "x".repeat(10_001)})), Surface::Miniback)))),
                ("Context" = (value = json!(refusal_example(
                    NewFeedback::from_json(json!({"message": "m", "context": "x"})), Surface::Miniback)))),
            )),
        (status = 403, description = "The request's origin is not in the project's `allowedDomains`", body = ErrorBody,
            example = json!(error_example(&origin_refused(), Surface::Miniback))),
        (status = 404, description = "No such active project", body = ErrorBody,
            example = json!(error_example(&PROJECT_NOT_FOUND, Surface::Miniback))),
        (status = 429, description = "This client IP sent its 10 requests this minute; `Retry-After` says when to retry",
            body = ErrorBody, example = json!(error_example(&ip_limited(1_767_225_600), Surface::Miniback))),
    ))]
async fn submit(app: &App, req: &Request) -> Result<Response<Body>> {
    let project = ProjectId::parse(&path_param(req, "projectId")?).ok_or(PROJECT_NOT_FOUND)?;
    let origin = req.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let parse = || NewFeedback::from_json(json_body(req)?);
    match widget::submit(app, &project, origin, source_ip(req), parse).await? {
        WidgetSubmission::Stored(created) => Ok(data(StatusCode::CREATED, created)),
        WidgetSubmission::NoProject => Err(PROJECT_NOT_FOUND),
        WidgetSubmission::OriginRefused => Err(origin_refused()),
        WidgetSubmission::Limited { reset } => Err(ip_limited(reset)),
    }
}
