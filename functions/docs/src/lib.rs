//! The API's own description, with no key: `GET /openapi.json` (OpenAPI 3.1, made from the
//! function crates' route attributes and the library's types) and Swagger UI at `/swagger`, its
//! files inside this binary. Reads no table.

use hearken::http::{browser_facing, route_key, serve};
use hearken::{Error, Result};
use lambda_http::http::{header, StatusCode};
use lambda_http::{Body, Request, Response};

const DOCUMENT: &str = "GET /openapi.json";
const SWAGGER: &str = "GET /swagger";
const SWAGGER_FILES: &str = "GET /swagger/{proxy+}";

/// The routes of template.yaml this function serves.
pub const ROUTES: &[&str] = &[DOCUMENT, SWAGGER, SWAGGER_FILES];

/// Swagger UI's own scripts and styles only; it fetches the document and tries requests on this
/// origin, and shows inline SVG and data-URL images.
const SWAGGER_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
img-src 'self' data:; connect-src 'self'; font-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// This function's own routes; the whole document is put together by the local stack's
/// `hearken-openapi` (infra/src/openapi.rs) from every function's `ApiDoc`.
#[derive(utoipa::OpenApi)]
#[openapi(paths(openapi_json, swagger, swagger_file))]
pub struct ApiDoc;

/// The document as served, written ahead of time by `make openapi` and checked in: a test fails
/// while it differs from what the routes' attributes make. Served as it is, it costs this function
/// no work on its first request and no code of the other functions.
const DOCUMENT_JSON: &str = include_str!("../openapi.json");

/// Handles one API Gateway request.
pub async fn handle(req: Request) -> Response<Body> {
    serve(req, |req| async move {
        match route_key(&req) {
            Some(DOCUMENT) => openapi_json(),
            Some(SWAGGER) => Ok(swagger()),
            Some(SWAGGER_FILES) => swagger_file(&req),
            _ => Err(Error::NoRoute),
        }
    })
    .await
}

/// The OpenAPI document
///
/// OpenAPI 3.1, for generating clients and checking answers.
#[utoipa::path(get, path = "/openapi.json", tag = "Docs", operation_id = "getOpenApi", security(()),
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json")))]
fn openapi_json() -> Result<Response<Body>> {
    let mut response = Response::new(Body::Text(DOCUMENT_JSON.to_owned()));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/json"));
    // Any site's tools may read it (API Gateway's CORS setting says the same when deployed).
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, header::HeaderValue::from_static("*"));
    headers.insert(header::CACHE_CONTROL, header::HeaderValue::from_static("public, max-age=300"));
    Ok(response)
}

/// Swagger UI
///
/// Sends the browser to the UI's page under `/swagger/` (relative, so it works under any base path).
#[utoipa::path(get, path = "/swagger", tag = "Docs", operation_id = "getSwagger", security(()),
    responses((status = 302, description = "To `/swagger/index.html`")))]
fn swagger() -> Response<Body> {
    let mut response = Response::new(Body::Empty);
    *response.status_mut() = StatusCode::FOUND;
    response.headers_mut().insert(header::LOCATION, header::HeaderValue::from_static("swagger/index.html"));
    response
}

/// Swagger UI's files
#[utoipa::path(get, path = "/swagger/{file}", tag = "Docs", operation_id = "getSwaggerFile", security(()),
    params(("file" = String, Path, description = "A file of Swagger UI, e.g. `index.html`")),
    responses(
        (status = 200, description = "The file, typed by its extension", content(
            (String = "text/html"), (String = "text/css"), (String = "text/javascript"),
            (String = "image/png"))),
        (status = 404, description = "No such file", body = hearken::openapi::ErrorBody),
    ))]
fn swagger_file(req: &Request) -> Result<Response<Body>> {
    let path = hearken::http::path_param(req, "proxy")?;
    let (bytes, content_type) = swagger_ui_file(&path).ok_or(Error::NotFound("No such file"))?;
    let mut response = Response::new(Body::Binary(bytes.to_vec()));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, header::HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, header::HeaderValue::from_static("public, max-age=3600"));
    Ok(browser_facing(response, SWAGGER_CSP))
}

/// Swagger UI's files by name, with their types: what build.rs took from the vendored archive, and
/// our settings.
fn swagger_ui_file(name: &str) -> Option<(&'static [u8], &'static str)> {
    macro_rules! vendored {
        ($file:literal) => {
            include_bytes!(concat!(env!("OUT_DIR"), "/", $file)).as_slice()
        };
    }
    const HTML: &str = "text/html";
    const CSS: &str = "text/css";
    const JS: &str = "text/javascript";
    const PNG: &str = "image/png";
    Some(match name {
        "" | "index.html" => (vendored!("index.html"), HTML),
        "index.css" => (vendored!("index.css"), CSS),
        "swagger-ui.css" => (vendored!("swagger-ui.css"), CSS),
        "swagger-ui-bundle.js" => (vendored!("swagger-ui-bundle.js"), JS),
        "swagger-ui-standalone-preset.js" => (vendored!("swagger-ui-standalone-preset.js"), JS),
        "swagger-initializer.js" => (include_bytes!("../swagger/swagger-initializer.js").as_slice(), JS),
        "favicon-32x32.png" => (vendored!("favicon-32x32.png"), PNG),
        "favicon-16x16.png" => (vendored!("favicon-16x16.png"), PNG),
        _ => return None,
    })
}
