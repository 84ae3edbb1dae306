//! The RateMind account and its keys: `GET /api/v1/account`, `/api/v1/keys` and
//! `/api/v1/keys/{keyId}`. Thin: parse, call the library, shape the response.

mod keys;

use hearken::access::quota::Usage;
use hearken::access::{authorize, Need};
use hearken::http::{data, route_key, serve};
use hearken::ids::AccountId;
use hearken::plans::{Action, Plan};
use hearken::time::Timestamp;
use hearken::{App, Error, Result};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;

const ACCOUNT: &str = "GET /api/v1/account";
const KEYS_LIST: &str = "GET /api/v1/keys";
const KEYS_CREATE: &str = "POST /api/v1/keys";
const KEY_GET: &str = "GET /api/v1/keys/{keyId}";
const KEY_UPDATE: &str = "PATCH /api/v1/keys/{keyId}";
const KEY_DELETE: &str = "DELETE /api/v1/keys/{keyId}";

/// The routes of template.yaml this function serves.
pub const ROUTES: &[&str] = &[ACCOUNT, KEYS_LIST, KEYS_CREATE, KEY_GET, KEY_UPDATE, KEY_DELETE];

/// This function's routes in the OpenAPI document (the docs function merges every function's).
#[derive(utoipa::OpenApi)]
#[openapi(paths())]
pub struct ApiDoc;

/// Handles one API Gateway request.
pub async fn handle(app: &App, req: Request) -> Response<Body> {
    serve(req, |req| async move {
        match route_key(&req) {
            Some(ACCOUNT) => account(app, &req).await,
            Some(KEYS_LIST) => keys::list(app, &req).await,
            Some(KEYS_CREATE) => keys::create(app, &req).await,
            Some(KEY_GET) => keys::get(app, &req).await,
            Some(KEY_UPDATE) => keys::update(app, &req).await,
            Some(KEY_DELETE) => keys::delete(app, &req).await,
            _ => Err(Error::NoRoute),
        }
    })
    .await
}

/// The account as `GET /api/v1/account` shows it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AccountView {
    id: AccountId,
    name: String,
    plan: Plan,
    created_at: Timestamp,
    usage: Usage,
}

async fn account(app: &App, req: &Request) -> Result<Response<Body>> {
    let access = authorize(app, req, Need { action: Action::ReadAccount, project: None }).await?;
    let account = access.account;
    let limit = account.plan.limits().calls_per_month;
    let calls = access.calls_this_month;
    let usage = Usage {
        calls,
        limit,
        remaining: limit.map(|l| l.saturating_sub(calls)),
        resets_at: Timestamp::now().next_month_start(),
    };
    let view =
        AccountView { id: account.id, name: account.name, plan: account.plan, created_at: account.created_at, usage };
    Ok(data(StatusCode::OK, view))
}
