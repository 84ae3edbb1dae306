//! The API's own description, with no key: `GET /openapi.json` (OpenAPI 3.1, made from the
//! function crates' route attributes and the library's types) and Swagger UI at `/swagger`, its
//! files inside this binary. Reads no table.

use hearken::http::{browser_facing, route_key, serve};
use hearken::{Error, Result};
use lambda_http::http::{header, StatusCode};
use lambda_http::{Body, Request, Response};
use std::sync::{Arc, OnceLock};
use utoipa::openapi::OpenApi;
use utoipa_swagger_ui::Config;

const DOCUMENT: &str = "GET /openapi.json";
const SWAGGER: &str = "GET /swagger";
const SWAGGER_FILES: &str = "GET /swagger/{proxy+}";

/// The routes of template.yaml this function serves.
pub const ROUTES: &[&str] = &[DOCUMENT, SWAGGER, SWAGGER_FILES];

/// Swagger UI's own scripts and styles only; it fetches the document and tries requests on this
/// origin, and shows inline SVG and data-URL images.
const SWAGGER_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
img-src 'self' data:; connect-src 'self'; font-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// This function's own routes in the document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(openapi_json, swagger, swagger_file))]
struct ApiDoc;

/// The whole document: every function's routes, finished by the library (key schemes, the
/// answers and headers every route shares).
pub fn document() -> OpenApi {
    let mut doc = ApiDoc::openapi_doc();
    for part in [
        hearken_projects::ApiDoc::openapi_doc(),
        hearken_feedback::ApiDoc::openapi_doc(),
        hearken_widget::ApiDoc::openapi_doc(),
        hearken_account::ApiDoc::openapi_doc(),
        hearken_surveys::ApiDoc::openapi_doc(),
        hearken_survey_page::ApiDoc::openapi_doc(),
        hearken_analytics::ApiDoc::openapi_doc(),
        hearken_webhooks::ApiDoc::openapi_doc(),
    ] {
        doc.merge(part);
    }
    hearken::openapi::finish(doc)
}

/// `utoipa::OpenApi::openapi` under a name that does not clash with the module `openapi`.
trait OpenApiDoc {
    fn openapi_doc() -> OpenApi;
}

impl<T: utoipa::OpenApi> OpenApiDoc for T {
    fn openapi_doc() -> OpenApi {
        T::openapi()
    }
}

/// The document as served, made once per container (a failure to write it is a bug: a 500 whose
/// details go to the log).
fn document_json() -> Result<&'static str> {
    static JSON: OnceLock<String> = OnceLock::new();
    if let Some(json) = JSON.get() {
        return Ok(json);
    }
    let json = hearken::openapi::to_json(&document()).map_err(Error::internal)?;
    Ok(JSON.get_or_init(|| json))
}

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
    let mut response = Response::new(Body::Text(document_json()?.to_owned()));
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
            (String = "image/png"), (String = "text/plain"))),
        (status = 404, description = "No such file", body = hearken::openapi::ErrorBody),
    ))]
fn swagger_file(req: &Request) -> Result<Response<Body>> {
    static CONFIG: OnceLock<Arc<Config<'static>>> = OnceLock::new();
    // Relative to /swagger/index.html, so it works under any base path. No online validator: on
    // any host but localhost Swagger UI would load a badge from validator.swagger.io, sending it
    // the document's URL (the policy refuses it and a broken image shows).
    let config = CONFIG.get_or_init(|| {
        Arc::new(
            Config::new(["../openapi.json"])
                .try_it_out_enabled(true)
                .persist_authorization(false)
                .validator_url("none"),
        )
    });
    let path = hearken::http::path_param(req, "proxy")?;
    let file = utoipa_swagger_ui::serve(&path, config.clone())
        .map_err(Error::internal)?
        .ok_or(Error::NotFound("No such file"))?;
    let mut response = Response::new(Body::Binary(file.bytes.into_owned()));
    if let Ok(value) = header::HeaderValue::from_str(&file.content_type) {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    response.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("public, max-age=3600"));
    Ok(browser_facing(response, SWAGGER_CSP))
}
