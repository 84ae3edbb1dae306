//! Building JSON responses.

use lambda_http::http::{header, StatusCode};
use lambda_http::{Body, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// `{"data": …}`: the success envelope of the documents.
#[derive(Serialize, ToSchema)]
pub struct Data<T> {
    pub data: T,
}

/// What every DELETE answers inside its envelope.
#[derive(Serialize, ToSchema)]
pub struct Deleted<T> {
    pub id: T,
    /// Always `true`.
    pub deleted: bool,
}

/// A JSON response with the given status, marked `nosniff` (also when it is made outside
/// `serve`, as the local gateway's own errors are).
pub fn json(status: StatusCode, body: &impl Serialize) -> Response<Body> {
    let text = serde_json::to_string(body).expect("response types serialise");
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .body(Body::Text(text))
        .expect("static headers are valid")
}

/// `{"data": …}`, the success envelope of the documents (fields keep their declared order).
pub fn data(status: StatusCode, value: impl Serialize) -> Response<Body> {
    json(status, &Data { data: value })
}

/// What every DELETE answers: `200 {"data": {"id", "deleted": true}}`. Not 204: the documents'
/// clients parse every answer as JSON, which fails on an empty body.
pub fn deleted(id: impl Serialize) -> Response<Body> {
    data(StatusCode::OK, Deleted { id, deleted: true })
}

/// An HTML page with the given status.
pub fn html(status: StatusCode, page: String) -> Response<Body> {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
        .body(Body::Text(page))
        .expect("static headers are valid")
}

/// Adds what every answer a browser may render needs, after [`super::serve`] (so its error answers
/// get them too): the route's `Content-Security-Policy`, no framing by another site (`X-Frame-Options`
/// for older browsers), no type sniffing, and no `Referer` to the sites a page links to.
pub fn browser_facing(mut response: Response<Body>, content_security_policy: &'static str) -> Response<Body> {
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, content_security_policy),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
    ] {
        headers.insert(name, header::HeaderValue::from_static(value));
    }
    response
}
