//! A local stand-in for API Gateway's HTTP API: it serves the routes of template.yaml on a local
//! port and calls each route's function in-process with the payload 2.0 event API Gateway would
//! send (route key, raw path and query, path parameters, headers, cookies, source IP), then answers
//! CORS the way the template's `CorsConfiguration` tells API Gateway to.

use crate::registry::{self, Handler};
use crate::template::Template;
use base64::Engine;
use hearken::http::{error_response, Surface};
use hearken::{App, Error};
use hearken_template::{Resolved, RouteTable, DEFAULT_ROUTE};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderValue, ORIGIN};
use hyper::{Request, Response};
use percent_encoding::percent_decode_str;
use serde_json::{json, Value};
use serde_yaml::Value as Yaml;
use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

/// API Gateway's own payload limit (10 MB); the functions apply their smaller limits themselves.
const GATEWAY_BODY_LIMIT: usize = 10 * 1024 * 1024;

/// The routes of a template, bound to their in-process handlers.
/// Requests handled at once; the rest wait their turn, as over a Lambda's concurrency limit.
const MAX_RUNNING: usize = 16;

pub struct Gateway {
    /// Invocations running at once, like a Lambda function's reserved concurrency: DynamoDB Local
    /// applies transactions one at a time, and hundreds in flight only time out on its item locks.
    running: tokio::sync::Semaphore,
    app: App,
    table: RouteTable,
    handlers: HashMap<String, Handler>,
    cors: Option<Yaml>,
}

impl Gateway {
    /// Binds every route of the template to its function's handler; fails if a route's function
    /// has no handler in [`registry::functions`] or the function does not declare the route.
    pub fn new(app: App, template: &Template) -> Result<Gateway, String> {
        let functions = registry::functions();
        let mut handlers = HashMap::new();
        for (route, function) in template.routes() {
            let known = functions
                .iter()
                .find(|f| f.binary == function.binary)
                .ok_or_else(|| format!("no handler for binary {}", function.binary))?;
            let key = route.key();
            if !known.routes.contains(&key.as_str()) {
                return Err(format!("function {} does not handle route {key}", function.binary));
            }
            handlers.insert(key, known.handler);
        }
        let table = RouteTable::new(template.routes().map(|(route, _)| route));
        Ok(Gateway {
            running: tokio::sync::Semaphore::new(MAX_RUNNING),
            app,
            table,
            handlers,
            cors: template.cors.clone(),
        })
    }

    /// Serves requests from `listener` until the task is dropped.
    pub async fn serve(self: Arc<Self>, listener: TcpListener) {
        loop {
            let Ok((stream, peer)) = listener.accept().await else {
                continue;
            };
            let gateway = self.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req| {
                    let gateway = gateway.clone();
                    async move { Ok::<_, Infallible>(gateway.call(req, peer).await) }
                });
                let io = hyper_util::rt::TokioIo::new(stream);
                let _ = hyper::server::conn::http1::Builder::new().serve_connection(io, service).await;
            });
        }
    }

    /// Answers one HTTP request.
    pub async fn call(&self, req: Request<Incoming>, peer: SocketAddr) -> Response<Full<Bytes>> {
        let origin = req.headers().get(ORIGIN).cloned();
        let _permit = self.running.acquire().await.expect("the semaphore is never closed");
        let mut response = self.dispatch(req, peer).await;
        if let (Some(_), Some(cors)) = (origin, &self.cors) {
            add_cors_response_headers(response.headers_mut(), cors);
        }
        response
    }

    async fn dispatch(&self, req: Request<Incoming>, peer: SocketAddr) -> Response<Full<Bytes>> {
        let path = req.uri().path().to_owned();
        let surface = Surface::of(&path);
        if req.method() == hyper::Method::OPTIONS {
            if let Some(cors) = &self.cors {
                return preflight(cors);
            }
        }
        // Whatever no route matches goes to the `$default` route, as API Gateway sends it.
        let (key, params) = match self.table.resolve(req.method().as_str(), &path) {
            Resolved::Route { key, params } => (key.to_owned(), params),
            _ => (DEFAULT_ROUTE.to_owned(), BTreeMap::new()),
        };
        let Some(handler) = self.handlers.get(&key) else {
            return convert(error_response(&Error::NoRoute, surface));
        };
        let event = match event_for(req, peer, &key, params).await {
            Ok(event) => event,
            Err(error) => return convert(error_response(&error, surface)),
        };
        let request = match lambda_http::request::from_str(&event.to_string()) {
            Ok(request) => request,
            Err(err) => return convert(error_response(&Error::internal(format!("bad event: {err}")), surface)),
        };
        convert(handler(self.app.clone(), request).await)
    }
}

/// Starts a gateway on `127.0.0.1:port` (0 picks a free port) and returns its address.
pub async fn start(app: App, template: &Template, port: u16) -> Result<SocketAddr, String> {
    // DynamoDB Local's pace, not Lambda's: see `stack::sdk_config`.
    // Two local operations (28 s each, `stack::sdk_config`) fit before the deadline with room for
    // a burst's retries.
    hearken::request_scope::set_local_budget(hearken::request_scope::Budget {
        deadline: std::time::Duration::from_secs(90),
        operation: std::time::Duration::from_secs(28),
    });
    let gateway = Arc::new(Gateway::new(app, template)?);
    let listener =
        TcpListener::bind(("127.0.0.1", port)).await.map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e}"))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    tokio::spawn(gateway.serve(listener));
    Ok(address)
}

fn decode(text: &str) -> String {
    percent_decode_str(text).decode_utf8_lossy().into_owned()
}

/// The payload 2.0 event API Gateway sends for this request.
async fn event_for(
    req: Request<Incoming>,
    peer: SocketAddr,
    route_key: &str,
    params: BTreeMap<String, String>,
) -> Result<Value, Error> {
    let (parts, body) = req.into_parts();
    let body = Limited::new(body, GATEWAY_BODY_LIMIT)
        .collect()
        .await
        .map_err(|_| Error::PayloadTooLarge { limit: GATEWAY_BODY_LIMIT })?
        .to_bytes();
    let mut headers: BTreeMap<String, String> = BTreeMap::new();
    let mut cookies: Vec<String> = vec![];
    for (name, value) in &parts.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        if name == hyper::header::COOKIE {
            cookies.extend(value.split(';').map(|c| c.trim().to_owned()).filter(|c| !c.is_empty()));
            continue;
        }
        headers.entry(name.as_str().to_owned()).and_modify(|v| *v = format!("{v},{value}")).or_insert(value);
    }
    // API Gateway tells the function the scheme the client used; here it is always plain HTTP.
    headers.insert("x-forwarded-proto".to_owned(), "http".to_owned());
    let raw_query = parts.uri.query().unwrap_or_default().to_owned();
    let mut query: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in url_pairs(&raw_query) {
        query.entry(name).and_modify(|v| *v = format!("{v},{value}")).or_insert(value);
    }
    let (body, base64) = match std::str::from_utf8(&body) {
        _ if body.is_empty() => (Value::Null, false),
        Ok(text) => (Value::String(text.to_owned()), false),
        Err(_) => (Value::String(base64::engine::general_purpose::STANDARD.encode(&body)), true),
    };
    let now = chrono::Utc::now();
    let path = parts.uri.path().to_owned();
    Ok(json!({
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": raw_query,
        "cookies": if cookies.is_empty() { Value::Null } else { json!(cookies) },
        "headers": headers,
        "queryStringParameters": if query.is_empty() { Value::Null } else { json!(query) },
        "pathParameters": if params.is_empty() { Value::Null } else { json!(params) },
        "requestContext": {
            "accountId": "local",
            "apiId": "local",
            "domainName": parts.headers.get(hyper::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost"),
            "domainPrefix": "local",
            "http": {
                "method": parts.method.as_str(),
                "path": path,
                "protocol": format!("{:?}", parts.version),
                "sourceIp": peer.ip().to_canonical().to_string(),
                "userAgent": parts.headers.get(hyper::header::USER_AGENT).and_then(|h| h.to_str().ok()).unwrap_or_default(),
            },
            "requestId": uuid::Uuid::new_v4().to_string(),
            "routeKey": route_key,
            "stage": "$default",
            "time": now.format("%d/%b/%Y:%H:%M:%S %z").to_string(),
            "timeEpoch": now.timestamp_millis(),
        },
        "body": body,
        "isBase64Encoded": base64,
    }))
}

fn url_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(&name.replace('+', " ")), decode(&value.replace('+', " ")))
        })
        .collect()
}

fn convert(response: lambda_http::Response<lambda_http::Body>) -> Response<Full<Bytes>> {
    let (parts, body) = response.into_parts();
    let bytes = match body {
        lambda_http::Body::Empty => Bytes::new(),
        lambda_http::Body::Text(text) => Bytes::from(text),
        lambda_http::Body::Binary(bytes) => Bytes::from(bytes),
        _ => Bytes::new(),
    };
    Response::from_parts(parts, Full::new(bytes))
}

fn list(cors: &Yaml, field: &str) -> String {
    cors.get(field)
        .and_then(Yaml::as_sequence)
        .map(|items| items.iter().filter_map(Yaml::as_str).collect::<Vec<_>>().join(","))
        .unwrap_or_default()
}

fn preflight(cors: &Yaml) -> Response<Full<Bytes>> {
    let mut response = Response::builder().status(204).body(Full::new(Bytes::new())).expect("static response");
    let headers = response.headers_mut();
    for (name, field) in [
        ("access-control-allow-origin", "AllowOrigins"),
        ("access-control-allow-methods", "AllowMethods"),
        ("access-control-allow-headers", "AllowHeaders"),
    ] {
        if let Ok(value) = HeaderValue::from_str(&list(cors, field)) {
            headers.insert(name, value);
        }
    }
    if let Some(age) = cors.get("MaxAge").and_then(Yaml::as_u64) {
        headers.insert("access-control-max-age", HeaderValue::from(age));
    }
    response
}

fn add_cors_response_headers(headers: &mut hyper::HeaderMap, cors: &Yaml) {
    for (name, field) in
        [("access-control-allow-origin", "AllowOrigins"), ("access-control-expose-headers", "ExposeHeaders")]
    {
        if let Ok(value) = HeaderValue::from_str(&list(cors, field)) {
            headers.insert(name, value);
        }
    }
}
