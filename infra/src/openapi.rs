//! The whole OpenAPI document: every function's routes, finished by the library (key schemes, the
//! answers and headers every route shares). The docs function serves it as written by
//! `make openapi` (functions/docs/openapi.json); a test keeps that file equal to this.

use utoipa::openapi::OpenApi;

/// Where the docs function reads the document from at build time.
pub const CHECKED_IN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../functions/docs/openapi.json");

/// The document, from the route attributes and types of every function crate.
pub fn document() -> OpenApi {
    let mut doc = <hearken_docs::ApiDoc as utoipa::OpenApi>::openapi();
    for part in [
        <hearken_projects::ApiDoc as utoipa::OpenApi>::openapi(),
        <hearken_feedback::ApiDoc as utoipa::OpenApi>::openapi(),
        <hearken_widget::ApiDoc as utoipa::OpenApi>::openapi(),
        <hearken_account::ApiDoc as utoipa::OpenApi>::openapi(),
        <hearken_surveys::ApiDoc as utoipa::OpenApi>::openapi(),
        <hearken_survey_page::ApiDoc as utoipa::OpenApi>::openapi(),
        <hearken_analytics::ApiDoc as utoipa::OpenApi>::openapi(),
        <hearken_webhooks::ApiDoc as utoipa::OpenApi>::openapi(),
    ] {
        doc.merge(part);
    }
    hearken::openapi::finish(doc)
}

/// The document as the docs function serves it.
pub fn document_json() -> String {
    hearken::openapi::to_json(&document()).expect("the OpenAPI document serializes")
}
