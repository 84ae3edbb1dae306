//! The HTTP API's `$default` route: API Gateway sends it whatever no route matches, and it answers
//! SPEC §4's JSON — 404 for an unknown path, 405 with `Allow` for a known path and the wrong
//! method — from the routes of template.yaml, built in.

use hearken::http::{route_key, serve};
use hearken::{App, Error, Result};
use hearken_template::{Resolved, RouteTable, Template, DEFAULT_ROUTE};
use lambda_http::{Body, Request, RequestExt, Response};
use std::sync::OnceLock;

/// The routes of template.yaml this function serves.
pub const ROUTES: &[&str] = &[DEFAULT_ROUTE];

fn table() -> &'static RouteTable {
    static TABLE: OnceLock<RouteTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        let template = Template::load_default().expect("the built-in template.yaml parses");
        RouteTable::new(template.routes().map(|(route, _)| route))
    })
}

/// Handles one API Gateway request.
pub async fn handle(_app: &App, req: Request) -> Response<Body> {
    serve(req, |req| async move { answer(&req) }).await
}

fn answer(req: &Request) -> Result<Response<Body>> {
    if route_key(req) != Some(DEFAULT_ROUTE) {
        return Err(Error::NoRoute);
    }
    match table().resolve(req.method().as_str(), req.raw_http_path()) {
        Resolved::MethodNotAllowed(allow) => Err(Error::MethodNotAllowed { allow }),
        // A route that exists is never sent here; answer as API Gateway would for a stray one.
        Resolved::Route { .. } | Resolved::NotFound => Err(Error::NoRoute),
    }
}
