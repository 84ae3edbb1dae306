//! The public widget: `POST /api/widget/{projectId}/feedback`, no key. Accepted only from the
//! project's `allowedDomains` (any origin when empty), limited per client IP, stored with source
//! WIDGET, and not counted against the account's monthly API quota.

use hearken::access::rate_limit::read_beside_client_window;
use hearken::feedback::{NewFeedback, Source};
use hearken::http::{browser_facing, data, json_body, path_param, route_key, serve, source_ip};
use hearken::ids::ProjectId;
use hearken::ops::{feedback, PROJECT_NOT_FOUND};
use hearken::plans::WIDGET_PER_IP_PER_MINUTE;
use hearken::projects::origin_allowed;
use hearken::store::projects;
use hearken::{App, Error, Result};
use lambda_http::http::{header, StatusCode};
use lambda_http::{Body, Request, Response};

const SUBMIT: &str = "POST /api/widget/{projectId}/feedback";

/// The routes of template.yaml this function serves.
pub const ROUTES: &[&str] = &[SUBMIT];

/// The widget answers only JSON to scripts on other sites: a browser that renders an answer
/// anyway may load, run, post or frame nothing.
pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

/// This function's routes in the OpenAPI document (the docs function merges every function's).
#[derive(utoipa::OpenApi)]
#[openapi(paths())]
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

async fn submit(app: &App, req: &Request) -> Result<Response<Body>> {
    let project = ProjectId::parse(&path_param(req, "projectId")?).ok_or(PROJECT_NOT_FOUND)?;
    let limit = WIDGET_PER_IP_PER_MINUTE;
    let read = projects::get_public(app, &project);
    let (window, found) = read_beside_client_window(app, "widget", source_ip(req), limit, read).await?;
    if window.exceeds(limit) {
        return Err(Error::RateLimited { per: "the widget, per client IP address,", limit, reset: window.reset() });
    }
    let (project, _) = found?.ok_or(PROJECT_NOT_FOUND)?;
    let origin = req.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok());
    if !origin_allowed(&project.allowed_domains, origin) {
        return Err(Error::Forbidden("This origin is not allowed to send feedback to this project".to_owned()));
    }
    let input = NewFeedback::from_json(json_body(req)?)?;
    let created = feedback::submit(app, &project.account_id, &project.id, input, Source::Widget).await?;
    Ok(data(StatusCode::CREATED, created))
}
