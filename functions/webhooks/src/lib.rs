//! An account's webhook endpoints: `/api/v1/webhooks` (list, create), `/api/v1/webhooks/{webhookId}`
//! (read, change, delete), its `rotate-secret` and `test`, and its deliveries log with `retry`.
//! Owner FULL account keys of a plan with the full API. Thin: parse, call the library, shape the
//! response.

use hearken::access::{authorize, Need};
use hearken::http::{data, deleted, json, json_body, optional_query, path_param, query_number, route_key, serve};
use hearken::http::{Data, Deleted};
use hearken::ids::{DeliveryId, WebhookId};
use hearken::openapi::ErrorBody;
use hearken::ops::webhooks::{self, DELIVERY_NOT_FOUND, WEBHOOK_NOT_FOUND};
use hearken::plans::Action;
use hearken::store::webhooks::{Delivery, DeliveryState};
use hearken::time::Timestamp;
use hearken::webhooks::{fields_from_json, EndpointView, EventType};
use hearken::{App, Error, Result};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

const LIST: &str = "GET /api/v1/webhooks";
const CREATE: &str = "POST /api/v1/webhooks";
const GET: &str = "GET /api/v1/webhooks/{webhookId}";
const UPDATE: &str = "PATCH /api/v1/webhooks/{webhookId}";
const DELETE: &str = "DELETE /api/v1/webhooks/{webhookId}";
const ROTATE: &str = "POST /api/v1/webhooks/{webhookId}/rotate-secret";
const TEST: &str = "POST /api/v1/webhooks/{webhookId}/test";
const DELIVERIES: &str = "GET /api/v1/webhooks/{webhookId}/deliveries";
const RETRY: &str = "POST /api/v1/webhooks/{webhookId}/deliveries/{deliveryId}/retry";

/// The routes of template.yaml this function serves.
pub const ROUTES: &[&str] = &[LIST, CREATE, GET, UPDATE, DELETE, ROTATE, TEST, DELIVERIES, RETRY];

/// Deliveries per page when `limit` is not given, and at most.
const PAGE_DEFAULT: u64 = 25;
const PAGE_MAX: u64 = 100;
// The parameter attributes take only literals: they must stay the bounds `deliveries` applies.
const _: () = assert!(PAGE_DEFAULT == 25 && PAGE_MAX == 100);

/// This function's routes in the OpenAPI document (the docs function merges every function's).
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, create, get, update, delete, rotate_secret, test, deliveries, retry))]
pub struct ApiDoc;

/// Handles one API Gateway request.
pub async fn handle(app: &App, req: Request) -> Response<Body> {
    serve(req, |req| async move {
        match route_key(&req) {
            Some(LIST) => list(app, &req).await,
            Some(CREATE) => create(app, &req).await,
            Some(GET) => get(app, &req).await,
            Some(UPDATE) => update(app, &req).await,
            Some(DELETE) => delete(app, &req).await,
            Some(ROTATE) => rotate_secret(app, &req).await,
            Some(TEST) => test(app, &req).await,
            Some(DELIVERIES) => deliveries(app, &req).await,
            Some(RETRY) => retry(app, &req).await,
            _ => Err(Error::NoRoute),
        }
    })
    .await
}

const NEED: Need<'static> = Need { action: Action::ManageWebhooks, project: None };

/// What a create or a change takes (every field optional on a change; `url` required on a create).
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct WebhookInput {
    /// Where deliveries go: `https://…`, at most 2,048 characters, no user name or password; a URL
    /// whose host resolves to a loopback, private, link-local or metadata address is refused.
    #[schema(example = "https://hooks.example.com/hearken")]
    url: String,
    /// The events it receives; all of them when absent.
    events: Option<Vec<EventType>>,
    /// Only events about this project (feedback of it, responses of surveys filed to it).
    project_id: Option<hearken::ids::ProjectId>,
    /// Only events about this survey's responses.
    survey_id: Option<hearken::ids::SurveyId>,
    /// Default `true`. Enabling an endpoint the service disabled clears `disabledReason`.
    enabled: Option<bool>,
    /// At most 500 characters.
    description: Option<String>,
}

/// A delivery as the log shows it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryView {
    /// Also the `webhook-id` header of every attempt.
    id: DeliveryId,
    event: EventType,
    state: DeliveryState,
    /// Attempts made so far.
    attempts: u32,
    /// The HTTP status of the last attempt; `null` when none answered.
    #[schema(required = true)]
    last_status: Option<u16>,
    /// Why the last attempt failed; `null` when it did not.
    #[schema(required = true)]
    last_error: Option<String>,
    #[schema(required = true)]
    last_attempt_at: Option<Timestamp>,
    /// When the next attempt is due; `null` once delivered or failed for good.
    #[schema(required = true)]
    next_attempt_at: Option<Timestamp>,
    created_at: Timestamp,
}

impl DeliveryView {
    fn of(delivery: &Delivery) -> DeliveryView {
        DeliveryView {
            id: delivery.sk.clone(),
            event: delivery.event,
            state: delivery.state,
            attempts: delivery.attempts,
            last_status: delivery.last_status,
            last_error: delivery.last_error.clone(),
            last_attempt_at: delivery.last_attempt_at,
            next_attempt_at: delivery.next_attempt_at.and_then(Timestamp::from_millis),
            created_at: delivery.created_at,
        }
    }
}

/// A page of deliveries and the cursor of the next one.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryPage {
    /// Newest first.
    data: Vec<DeliveryView>,
    /// The `cursor` of the next page; `null` on the last page.
    #[schema(required = true)]
    next_cursor: Option<String>,
}

/// The query of the deliveries log.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct DeliveryQuery {
    /// Deliveries per page.
    #[param(minimum = 1, maximum = 100, default = 25)]
    limit: Option<u64>,
    /// Where the page starts: the `nextCursor` of the page before.
    cursor: Option<String>,
}

/// List webhooks
///
/// The account's endpoints, oldest first (at most 20); never their secrets.
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "Webhooks", operation_id = "listWebhooks",
    responses((status = 200, description = "Every endpoint of the account", body = Data<Vec<EndpointView>>)))]
pub async fn list(app: &App, req: &Request) -> Result<Response<Body>> {
    let access = authorize(app, req, NEED).await?;
    let found = webhooks::list(app, &access).await?;
    Ok(data(StatusCode::OK, found.iter().map(EndpointView::of).collect::<Vec<_>>()))
}

/// Create a webhook
///
/// Its signing secret (`whsec_…`) is in `secret`, in this answer only. Deliveries are signed per
/// the Standard Webhooks specification (`webhook-id`, `webhook-timestamp`, `webhook-signature`).
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "Webhooks", operation_id = "createWebhook",
    request_body = WebhookInput,
    responses(
        (status = 201, description = "The endpoint, with its secret", body = Data<EndpointView>),
        (status = 400, description = "A field breaks a rule (the text names it), or the URL is not https or \
            resolves to an address that is not public", body = ErrorBody,
            example = json!({"error": "url must be an absolute https:// URL of at most 2048 characters"})),
        (status = 404, description = "`projectId` or `surveyId` is not one of the account's", body = ErrorBody),
        (status = 409, description = "The account has 20 endpoints already", body = ErrorBody),
    ))]
pub async fn create(app: &App, req: &Request) -> Result<Response<Body>> {
    let access = authorize(app, req, NEED).await?;
    let fields = fields_from_json(json_body(req)?, true)?;
    let endpoint = webhooks::create(app, &access, fields).await?;
    Ok(data(StatusCode::CREATED, EndpointView::with_secret(&endpoint)))
}

/// Get a webhook
///
/// `disabledReason` says why the service disabled it (410 Gone, or 3 days of failures).
#[utoipa::path(get, path = "/api/v1/webhooks/{webhookId}", tag = "Webhooks", operation_id = "getWebhook",
    params(("webhookId" = WebhookId, Path, description = "The endpoint's id")),
    responses(
        (status = 200, description = "The endpoint", body = Data<EndpointView>),
        (status = 404, description = "No such endpoint in this account", body = ErrorBody,
            example = json!({"error": "Webhook not found"})),
    ))]
pub async fn get(app: &App, req: &Request) -> Result<Response<Body>> {
    let access = authorize(app, req, NEED).await?;
    let endpoint = webhooks::get(app, &access, &path_param(req, "webhookId")?).await?;
    Ok(data(StatusCode::OK, EndpointView::of(&endpoint)))
}

/// Change a webhook
///
/// Only the fields given change; `null` clears `projectId`, `surveyId` or `description`.
#[utoipa::path(patch, path = "/api/v1/webhooks/{webhookId}", tag = "Webhooks", operation_id = "updateWebhook",
    params(("webhookId" = WebhookId, Path, description = "The endpoint's id")),
    request_body = WebhookInput,
    responses(
        (status = 200, description = "The endpoint as it is now", body = Data<EndpointView>),
        (status = 400, description = "A field breaks a rule (the text names it)", body = ErrorBody),
        (status = 404, description = "No such endpoint (or project, or survey) in this account", body = ErrorBody),
    ))]
pub async fn update(app: &App, req: &Request) -> Result<Response<Body>> {
    let access = authorize(app, req, NEED).await?;
    let raw = path_param(req, "webhookId")?;
    let fields = fields_from_json(json_body(req)?, false)?;
    let endpoint = webhooks::update(app, &access, &raw, fields).await?;
    Ok(data(StatusCode::OK, EndpointView::of(&endpoint)))
}

/// Delete a webhook
///
/// Nothing more is made for it or sent to it.
#[utoipa::path(delete, path = "/api/v1/webhooks/{webhookId}", tag = "Webhooks", operation_id = "deleteWebhook",
    params(("webhookId" = WebhookId, Path, description = "The endpoint's id")),
    responses(
        (status = 200, description = "Deleted", body = Data<Deleted<WebhookId>>),
        (status = 404, description = "No such endpoint in this account", body = ErrorBody),
    ))]
pub async fn delete(app: &App, req: &Request) -> Result<Response<Body>> {
    let access = authorize(app, req, NEED).await?;
    let id = webhooks::delete(app, &access, &path_param(req, "webhookId")?).await?;
    Ok(deleted(id))
}

/// Rotate a webhook's secret
///
/// Deliveries from now on are signed with the new secret, shown in `secret` in this answer only.
#[utoipa::path(post, path = "/api/v1/webhooks/{webhookId}/rotate-secret", tag = "Webhooks",
    operation_id = "rotateWebhookSecret",
    params(("webhookId" = WebhookId, Path, description = "The endpoint's id")),
    responses(
        (status = 200, description = "The endpoint, with its new secret", body = Data<EndpointView>),
        (status = 404, description = "No such endpoint in this account", body = ErrorBody),
    ))]
pub async fn rotate_secret(app: &App, req: &Request) -> Result<Response<Body>> {
    let access = authorize(app, req, NEED).await?;
    let endpoint = webhooks::rotate_secret(app, &access, &path_param(req, "webhookId")?).await?;
    Ok(data(StatusCode::OK, EndpointView::with_secret(&endpoint)))
}

/// Send a test event
///
/// Queues a `ping` delivery, sent at once like any other; its outcome shows in the deliveries log.
#[utoipa::path(post, path = "/api/v1/webhooks/{webhookId}/test", tag = "Webhooks", operation_id = "testWebhook",
    params(("webhookId" = WebhookId, Path, description = "The endpoint's id")),
    responses(
        (status = 202, description = "The ping's delivery, queued", body = Data<DeliveryView>),
        (status = 404, description = "No such endpoint in this account", body = ErrorBody),
    ))]
pub async fn test(app: &App, req: &Request) -> Result<Response<Body>> {
    let access = authorize(app, req, NEED).await?;
    let delivery = webhooks::test(app, &access, &path_param(req, "webhookId")?).await?;
    Ok(data(StatusCode::ACCEPTED, DeliveryView::of(&delivery)))
}

/// List a webhook's deliveries
///
/// Newest first, kept 30 days: each event sent, its attempts, the last status or error, and when
/// the next attempt is due. Retries follow 5 s, 1 min, 10 min, 1 h, 6 h, 12 h, 12 h.
#[utoipa::path(get, path = "/api/v1/webhooks/{webhookId}/deliveries", tag = "Webhooks",
    operation_id = "listWebhookDeliveries",
    params(("webhookId" = WebhookId, Path, description = "The endpoint's id"), DeliveryQuery),
    responses(
        (status = 200, description = "A page of deliveries", body = DeliveryPage),
        (status = 400, description = "`limit` is out of range, or `cursor` is not this list's", body = ErrorBody),
        (status = 404, description = "No such endpoint in this account", body = ErrorBody),
    ))]
pub async fn deliveries(app: &App, req: &Request) -> Result<Response<Body>> {
    let access = authorize(app, req, NEED).await?;
    let raw = path_param(req, "webhookId")?;
    let limit = query_number(req, "limit", PAGE_DEFAULT, 1, PAGE_MAX)?;
    let after = optional_query(req, "cursor");
    let (page, next_cursor) = webhooks::deliveries(app, &access, &raw, limit as i32, after.as_deref()).await?;
    Ok(json(StatusCode::OK, &DeliveryPage { data: page.iter().map(DeliveryView::of).collect(), next_cursor }))
}

/// Retry a delivery
///
/// Makes it due now (its attempts go on counting); the endpoint must be enabled.
#[utoipa::path(post, path = "/api/v1/webhooks/{webhookId}/deliveries/{deliveryId}/retry", tag = "Webhooks",
    operation_id = "retryWebhookDelivery",
    params(
        ("webhookId" = WebhookId, Path, description = "The endpoint's id"),
        ("deliveryId" = DeliveryId, Path, description = "The delivery's id"),
    ),
    responses(
        (status = 202, description = "The delivery, due now", body = Data<DeliveryView>),
        (status = 404, description = "No such endpoint in this account, or no such delivery of it", body = ErrorBody),
        (status = 409, description = "The endpoint is disabled", body = ErrorBody),
    ))]
pub async fn retry(app: &App, req: &Request) -> Result<Response<Body>> {
    let access = authorize(app, req, NEED).await?;
    let (raw, delivery) = (path_param(req, "webhookId")?, path_param(req, "deliveryId")?);
    let delivery = webhooks::retry(app, &access, &raw, &delivery).await?;
    Ok(data(StatusCode::ACCEPTED, DeliveryView::of(&delivery)))
}

// The 404 texts the documents show are the library's.
const _: (Error, Error) = (WEBHOOK_NOT_FOUND, DELIVERY_NOT_FOUND);
