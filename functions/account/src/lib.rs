//! The RateMind account and its keys: `GET /api/v1/account`, `/api/v1/keys` and
//! `/api/v1/keys/{keyId}`. Thin: parse, call the library, shape the response.

mod examples;
mod keys;

use hearken::access::quota::Usage;
use hearken::access::{authorize, Need};
use hearken::http::{data, route_key, serve, Data};
use hearken::ids::AccountId;
use hearken::openapi::ErrorBody;
use hearken::plans::{Action, Plan};
use hearken::time::Timestamp;
use hearken::{App, Error, Result};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use utoipa::ToSchema;

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
#[openapi(paths(account, keys::list, keys::create, keys::get, keys::update, keys::delete))]
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
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct AccountView {
    id: AccountId,
    name: String,
    plan: Plan,
    created_at: Timestamp,
    /// This calendar month's calls (UTC), against the plan's monthly limit.
    usage: Usage,
}

/// Get the account
///
/// Its name, plan and this month's usage (`limit` and `remaining` are `null` on plans without a
/// monthly limit). Any account key (`sk_live_…`) of a STARTER or higher plan, READ_ONLY keys
/// included; a FREE account's key is answered 401.
#[utoipa::path(get, path = "/api/v1/account", tag = "Account", operation_id = "getAccount",
    responses(
        (status = 200, description = "The account", body = Data<AccountView>),
        (status = 403, description = "The key is a project (`mbk_`) or an INGEST key, or the caller's IP is outside \
            the key's list", body = ErrorBody, examples(
                ("ProjectKey" = (value = json!(examples::project_key_refused(Action::ReadAccount)))),
                ("Ingest" = (value = json!(examples::ingest_refused(Action::ReadAccount)))),
                ("IpNotAllowed" = (value = json!(examples::ip_refused()))),
            )),
    ))]
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
