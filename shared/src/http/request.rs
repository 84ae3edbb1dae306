//! Reading a request: path parameters, query parameters, the JSON body and the caller's address,
//! with the 400/413 errors of SPEC §4.

use crate::{Error, Result};
use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};
use std::net::IpAddr;

/// The largest request body accepted (64 KiB); larger bodies answer 413.
pub const BODY_LIMIT: usize = 64 * 1024;

/// The body as form fields (`application/x-www-form-urlencoded`, names may repeat): 413 over
/// [`BODY_LIMIT`].
pub fn form_body(req: &Request) -> Result<Vec<(String, String)>> {
    let bytes = req.body().as_ref();
    if bytes.len() > BODY_LIMIT {
        return Err(Error::PayloadTooLarge { limit: BODY_LIMIT });
    }
    Ok(form_urlencoded::parse(bytes).into_owned().collect())
}

/// The media type of the body (`application/json`), lower case, without parameters.
pub fn content_type(req: &Request) -> Option<String> {
    let value = req.headers().get(lambda_http::http::header::CONTENT_TYPE)?.to_str().ok()?;
    Some(value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase())
}

/// `https://<host>`: where this API is reached, as the client reached it (API Gateway sets
/// `X-Forwarded-Proto`; the local gateway says `http`).
pub fn public_base(req: &Request) -> String {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let host = header("host")
        .or_else(|| match req.request_context_ref()? {
            RequestContext::ApiGatewayV2(context) => context.domain_name.clone(),
            #[allow(unreachable_patterns)]
            _ => None,
        })
        .unwrap_or_else(|| "localhost".to_owned());
    let scheme =
        header("x-forwarded-proto").filter(|p| p == "http" || p == "https").unwrap_or_else(|| "https".to_owned());
    format!("{scheme}://{host}")
}

/// A path parameter that the route guarantees (`{projectId}`…).
pub fn path_param(req: &Request, name: &str) -> Result<String> {
    req.path_parameters_ref()
        .and_then(|params| params.first(name))
        .map(str::to_owned)
        .ok_or_else(|| Error::internal(format!("route has no path parameter {name}")))
}

/// A query parameter, if present and not empty.
pub fn optional_query(req: &Request, name: &str) -> Option<String> {
    req.query_string_parameters_ref()
        .and_then(|q| q.first(name))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// The largest whole number a query parameter may carry: the largest signed 64-bit integer, the
/// `int64` of the OpenAPI document (and what most clients can hold).
pub const NO_LIMIT: u64 = i64::MAX as u64;

/// A whole-number query parameter: `default` when absent, 400 when it is not a whole number in
/// `min..=max` (pass [`NO_LIMIT`] for no upper bound of its own).
pub fn query_number(req: &Request, name: &str, default: u64, min: u64, max: u64) -> Result<u64> {
    let Some(text) = optional_query(req, name) else { return Ok(default) };
    let max = max.min(NO_LIMIT);
    match text.parse::<u64>() {
        Ok(value) if (min..=max).contains(&value) => Ok(value),
        _ if max == NO_LIMIT => {
            Err(Error::bad_request(format!("Query parameter '{name}' must be a whole number of at least {min}")))
        }
        _ => Err(Error::bad_request(format!("Query parameter '{name}' must be a whole number from {min} to {max}"))),
    }
}

/// A JSON number that is a whole number, however it is written: `3` and `3.0` alike (JSON Schema's
/// `integer`, which the OpenAPI document promises). Exact up to 2^53, as far as a float is.
pub fn whole_number(value: &serde_json::Value) -> Option<u64> {
    const EXACT: f64 = 9_007_199_254_740_992.0;
    value
        .as_u64()
        .or_else(|| value.as_f64().filter(|f| f.fract() == 0.0 && (0.0..=EXACT).contains(f)).map(|f| f as u64))
}

/// The 400 for a body that is not JSON.
pub(crate) fn malformed_json(err: serde_json::Error) -> Error {
    Error::bad_request(format!("Malformed JSON in request body: {err}"))
}

/// The body parsed as JSON: 413 over [`BODY_LIMIT`], 400 when it is not valid JSON.
/// An empty body reads as JSON `null`, so the caller's own validation names what is missing.
pub fn json_body(req: &Request) -> Result<serde_json::Value> {
    let bytes = req.body().as_ref();
    if bytes.len() > BODY_LIMIT {
        return Err(Error::PayloadTooLarge { limit: BODY_LIMIT });
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(serde_json::Value::Null);
    }
    serde_json::from_slice(bytes).map_err(malformed_json)
}

/// The caller's address, from API Gateway's request context (never from a forwarded-for header,
/// which the caller controls).
pub fn source_ip(req: &Request) -> Option<IpAddr> {
    match req.request_context_ref()? {
        RequestContext::ApiGatewayV2(context) => context.http.source_ip.as_deref()?.parse().ok(),
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

/// The route API Gateway matched (`POST /api/projects/{projectId}/feedback`), from the request
/// context: what a function dispatches on.
pub fn route_key(req: &Request) -> Option<&str> {
    match req.request_context_ref()? {
        RequestContext::ApiGatewayV2(context) => context.route_key.as_deref(),
        #[allow(unreachable_patterns)]
        _ => None,
    }
}
