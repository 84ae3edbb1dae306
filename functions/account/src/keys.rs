//! `/api/v1/keys` and `/api/v1/keys/{keyId}`: list, create (owner FULL keys only), read, change and
//! delete an account's named keys.

use crate::examples;
use hearken::access::{authorize, Need};
use hearken::api_keys::{changes_from_json, new_key_from_json, ApiKeyChanges, KeyView, NewApiKey};
use hearken::http::{data, deleted, json, json_body, optional_query, path_param, query_number, Data, Deleted};
use hearken::ids::KeyId;
use hearken::openapi::ErrorBody;
use hearken::ops::api_keys;
use hearken::plans::Action;
use hearken::time::Timestamp;
use hearken::{App, Result};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

/// Keys per page when `limit` is not given.
pub(crate) const PAGE_DEFAULT: u64 = 25;
/// Most keys per page.
pub(crate) const PAGE_MAX: u64 = 100;

// The parameter attributes take only literals: they must stay the bounds `list` applies.
const _: () = assert!(PAGE_DEFAULT == 25 && PAGE_MAX == 100);

/// A page of keys and the cursor of the next one (`null` on the last page).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct KeyPage {
    /// Newest first.
    data: Vec<KeyView>,
    /// The `cursor` of the next page; `null` on the last page.
    #[schema(required = true)]
    next_cursor: Option<String>,
}

/// The query of `GET /api/v1/keys`, as documented (read by [`list`]).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub(crate) struct KeyListQuery {
    /// Keys per page.
    #[param(minimum = 1, maximum = 100, default = 25)]
    limit: Option<u64>,
    /// Where the page starts: the `nextCursor` of the page before (a tampered or foreign cursor
    /// is a 400).
    cursor: Option<String>,
}

/// List keys
///
/// The account's keys, its projects' `mbk_` keys included, newest first, a page at a time; never
/// a secret. Any account key (`sk_live_…`) of a STARTER or higher plan, READ_ONLY keys included; a
/// FREE account's key is answered 401.
#[utoipa::path(get, path = "/api/v1/keys", tag = "Keys", operation_id = "listKeys",
    params(KeyListQuery),
    responses(
        (status = 200, description = "A page of keys", body = KeyPage),
        (status = 400, description = "`limit` is not a whole number from 1 to 100, or `cursor` is not the `nextCursor` \
            of this list", body = ErrorBody, examples(
                ("Limit" = (value = json!(examples::limit_out_of_range()))),
                ("Cursor" = (value = json!(examples::bad_cursor()))),
            )),
        (status = 403, description = "The key is a project (`mbk_`) or an INGEST key, or the caller's IP is outside \
            the key's list", body = ErrorBody, examples(
                ("ProjectKey" = (value = json!(examples::project_key_refused(Action::ReadAccount)))),
                ("Ingest" = (value = json!(examples::ingest_refused(Action::ReadAccount)))),
                ("IpNotAllowed" = (value = json!(examples::ip_refused()))),
            )),
    ))]
pub async fn list(app: &App, req: &Request) -> Result<Response<Body>> {
    let access = authorize(app, req, Need { action: Action::ReadAccount, project: None }).await?;
    let limit = query_number(req, "limit", PAGE_DEFAULT, 1, PAGE_MAX)?;
    let after = optional_query(req, "cursor");
    let (found, next_cursor) = api_keys::list(app, &access, limit as i32, after.as_deref()).await?;
    Ok(json(StatusCode::OK, &KeyPage { data: found.iter().map(KeyView::of).collect(), next_cursor }))
}

/// Create a key
///
/// An account key (`sk_live_…`); its secret is in `key`, in this answer only. Needs an owner FULL
/// account key. The new key never reaches more than the key that creates it: it takes over that
/// key's expiry (or the earlier of the two), IP list, project list and per-minute limit when it
/// asks for none, and asking for more than that key has is a 403 naming the field.
#[utoipa::path(post, path = "/api/v1/keys", tag = "Keys", operation_id = "createKey",
    request_body = NewApiKey,
    responses(
        (status = 201, description = "The new key, with its secret in `key`", body = Data<KeyView>),
        (status = 400, description = "The body is not a JSON object or breaks a rule (the text names the field and \
            the rule), or `allowedProjects` names a project that is not this account's", body = ErrorBody, examples(
                ("NameRequired" = (value = json!(examples::name_required()))),
                ("RateLimitAbovePlan" = (value = json!(examples::rate_limit_above_plan()))),
            )),
        (status = 403, description = "The key is a member, READ_ONLY, INGEST or project (`mbk_`) key, the new key \
            would reach more than the creating key (the text names the field), or the caller's IP is outside the \
            key's list", body = ErrorBody, examples(
                ("Member" = (value = json!(examples::member_refused()))),
                ("ReadOnly" = (value = json!(examples::read_only_refused()))),
                ("ProjectKey" = (value = json!(examples::project_key_refused(Action::ManageKeys)))),
                ("Wider" = (value = json!(examples::wider_on_create()))),
                ("IpNotAllowed" = (value = json!(examples::ip_refused()))),
            )),
    ))]
pub async fn create(app: &App, req: &Request) -> Result<Response<Body>> {
    let access = authorize(app, req, Need { action: Action::ManageKeys, project: None }).await?;
    let request = new_key_from_json(json_body(req)?, access.account.plan, Timestamp::now())?;
    let (secret, record) = api_keys::create(app, &access, request).await?;
    let mut view = KeyView::of(&record);
    view.key = Some(secret.expose().to_owned());
    Ok(data(StatusCode::CREATED, view))
}

/// Get a key
///
/// Never its secret. Any account key (`sk_live_…`) of a STARTER or higher plan.
#[utoipa::path(get, path = "/api/v1/keys/{keyId}", tag = "Keys", operation_id = "getKey",
    params(("keyId" = KeyId, Path, description = "The key's id")),
    responses(
        (status = 200, description = "The key", body = Data<KeyView>),
        (status = 403, description = "The key is a project (`mbk_`) or an INGEST key, or the caller's IP is outside \
            the key's list", body = ErrorBody, examples(
                ("ProjectKey" = (value = json!(examples::project_key_refused(Action::ReadAccount)))),
                ("Ingest" = (value = json!(examples::ingest_refused(Action::ReadAccount)))),
                ("IpNotAllowed" = (value = json!(examples::ip_refused()))),
            )),
        (status = 404, description = "No such key in this account", body = ErrorBody,
            example = json!(examples::key_not_found())),
    ))]
pub async fn get(app: &App, req: &Request) -> Result<Response<Body>> {
    let access = authorize(app, req, Need { action: Action::ReadAccount, project: None }).await?;
    let record = api_keys::get(app, &access, &path_param(req, "keyId")?).await?;
    Ok(data(StatusCode::OK, KeyView::of(&record)))
}

/// Change a key
///
/// Only the fields given change; `useCase` and `expiresAt` are fixed at creation, and any field
/// that is not changeable is a 400 naming it. Needs an owner FULL account key that reaches at
/// least as far as the key it changes, before and after the change; it cannot lift on any key a
/// restriction it has itself.
#[utoipa::path(patch, path = "/api/v1/keys/{keyId}", tag = "Keys", operation_id = "updateKey",
    params(("keyId" = KeyId, Path, description = "The key's id")),
    request_body = ApiKeyChanges,
    responses(
        (status = 200, description = "The key as changed", body = Data<KeyView>),
        (status = 400, description = "The body is not a JSON object, names a field that cannot be changed or breaks a \
            rule (the text names the field and the rule), or `allowedProjects` names a project that is not this \
            account's",
            body = ErrorBody, examples(
                ("FixedAtCreation" = (value = json!(examples::fixed_field()))),
                ("NotChangeable" = (value = json!(examples::unknown_field()))),
            )),
        (status = 403, description = "The key is a member, READ_ONLY, INGEST or project (`mbk_`) key, the change would \
            lift a restriction the changing key has itself, the key to change reaches more than the changing key, or \
            the caller's IP is outside the key's list", body = ErrorBody, examples(
                ("Member" = (value = json!(examples::member_refused()))),
                ("ReadOnly" = (value = json!(examples::read_only_refused()))),
                ("ProjectKey" = (value = json!(examples::project_key_refused(Action::ManageKeys)))),
                ("Wider" = (value = json!(examples::wider_on_change()))),
                ("ReachesMore" = (value = json!(examples::cannot_manage()))),
                ("IpNotAllowed" = (value = json!(examples::ip_refused()))),
            )),
        (status = 404, description = "No such key in this account", body = ErrorBody,
            example = json!(examples::key_not_found())),
        (status = 409, description = "The change would leave the account without an enabled owner FULL key with no \
            expiry, or the key kept changing meanwhile (retry)", body = ErrorBody,
            example = json!(examples::last_owner_key())),
    ))]
pub async fn update(app: &App, req: &Request) -> Result<Response<Body>> {
    let access = authorize(app, req, Need { action: Action::ManageKeys, project: None }).await?;
    let changes = changes_from_json(json_body(req)?, access.account.plan)?;
    let record = api_keys::change(app, &access, &path_param(req, "keyId")?, &changes).await?;
    Ok(data(StatusCode::OK, KeyView::of(&record)))
}

/// Delete a key
///
/// It is refused (401) from the next request on. Needs an owner FULL account key that reaches at
/// least as far as the key it deletes.
#[utoipa::path(delete, path = "/api/v1/keys/{keyId}", tag = "Keys", operation_id = "deleteKey",
    params(("keyId" = KeyId, Path, description = "The key's id")),
    responses(
        (status = 200, description = "Deleted", body = Data<Deleted<KeyId>>),
        (status = 403, description = "The key is a member, READ_ONLY, INGEST or project (`mbk_`) key, the key to \
            delete reaches more than the deleting key, or the caller's IP is outside the key's list",
            body = ErrorBody, examples(
                ("Member" = (value = json!(examples::member_refused()))),
                ("ReadOnly" = (value = json!(examples::read_only_refused()))),
                ("ProjectKey" = (value = json!(examples::project_key_refused(Action::ManageKeys)))),
                ("ReachesMore" = (value = json!(examples::cannot_manage()))),
                ("IpNotAllowed" = (value = json!(examples::ip_refused()))),
            )),
        (status = 404, description = "No such key in this account", body = ErrorBody,
            example = json!(examples::key_not_found())),
        (status = 409, description = "It is the account's last enabled owner FULL key with no expiry, or it kept \
            changing meanwhile (retry)", body = ErrorBody, example = json!(examples::last_owner_key())),
    ))]
pub async fn delete(app: &App, req: &Request) -> Result<Response<Body>> {
    let access = authorize(app, req, Need { action: Action::ManageKeys, project: None }).await?;
    Ok(deleted(api_keys::remove(app, &access, &path_param(req, "keyId")?).await?))
}
