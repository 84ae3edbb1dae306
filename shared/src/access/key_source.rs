//! Where a request carries its key: `x-api-key` (any case), `Authorization: Bearer …`, or the
//! `api_key` query parameter — in that order of preference.

use lambda_http::{Request, RequestExt};

/// The header a key is looked for first.
pub const HEADER: &str = "x-api-key";
/// The query parameter a key is looked for last.
pub const QUERY: &str = "api_key";

/// The key as presented, if any (not yet checked).
pub fn presented_key(req: &Request) -> Option<String> {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    if let Some(key) = header(HEADER).filter(|k| !k.is_empty()) {
        return Some(key.to_owned());
    }
    if let Some(auth) = header("authorization") {
        let mut parts = auth.splitn(2, ' ');
        if let (Some(scheme), Some(token)) = (parts.next(), parts.next()) {
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() {
                return Some(token.trim().to_owned());
            }
        }
    }
    req.query_string_parameters_ref().and_then(|q| q.first(QUERY)).filter(|k| !k.is_empty()).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn request(headers: &[(&str, &str)], query: &[(&str, &str)]) -> Request {
        let mut builder = lambda_http::http::Request::builder().uri("https://example.com/api/projects");
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let query: HashMap<String, String> = query.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        builder.body(lambda_http::Body::Empty).unwrap().with_query_string_parameters(query)
    }

    #[test]
    fn reads_x_api_key_in_any_case() {
        assert_eq!(presented_key(&request(&[("X-API-KEY", "k1")], &[])).as_deref(), Some("k1"));
        assert_eq!(presented_key(&request(&[("x-api-key", "k2")], &[])).as_deref(), Some("k2"));
    }

    #[test]
    fn reads_bearer_tokens() {
        assert_eq!(presented_key(&request(&[("Authorization", "Bearer k3")], &[])).as_deref(), Some("k3"));
        assert_eq!(presented_key(&request(&[("Authorization", "bearer k4")], &[])).as_deref(), Some("k4"));
        assert_eq!(presented_key(&request(&[("Authorization", "Basic abc")], &[])), None);
    }

    #[test]
    fn reads_the_api_key_query_parameter() {
        assert_eq!(presented_key(&request(&[], &[("api_key", "k5")])).as_deref(), Some("k5"));
        assert_eq!(presented_key(&request(&[], &[])), None);
    }
}
