//! What every route's entry in the OpenAPI document shares, so the function crates' route
//! attributes only say what is particular to them: the error body and its examples (rendered by
//! the one error mapping from real [`Error`] values, never typed out), the three key forms, and
//! the answers and headers every keyed or public route can give. The docs function merges the
//! function crates' documents and passes them through [`finish`].

use crate::access::key_source::{HEADER, QUERY};
use crate::error::{Error, Refusal};
use crate::http::{status_and_message, Surface, BODY_LIMIT};
use crate::plans::Plan;
use crate::time::Timestamp;
use serde::Serialize;
use serde_json::{json, Value};
use utoipa::openapi::example::ExampleBuilder;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Operation, ParameterIn, PathItem};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{
    Components, ContentBuilder, InfoBuilder, ObjectBuilder, OpenApi, Ref, RefOr, Response, ResponseBuilder, Type,
};
use utoipa::{PartialSchema, ToSchema};

/// Every error answer: `{"error": "<text>"}` (SPEC §4's texts word for word).
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong, for a person to read.
    pub error: String,
}

/// `$edit`'s schema: `$fields`' with `minProperties: 1`, for a PATCH body that must give at least
/// one field (utoipa 5.5's `min_properties` attribute writes `maxProperties` instead).
#[macro_export]
macro_rules! at_least_one_field {
    ($edit:ident, $fields:ty) => {
        impl utoipa::PartialSchema for $edit {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                let mut schema = <$fields as utoipa::PartialSchema>::schema();
                if let utoipa::openapi::RefOr::T(utoipa::openapi::schema::Schema::Object(object)) = &mut schema {
                    object.min_properties = Some(1);
                }
                schema
            }
        }

        impl utoipa::ToSchema for $edit {
            fn schemas(schemas: &mut Vec<(String, utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>)>) {
                <$fields as utoipa::ToSchema>::schemas(schemas);
            }
        }
    };
}

/// The body `err` is answered with on `surface`, for a route attribute's `example`.
pub fn error_example(err: &Error, surface: Surface) -> Value {
    json!({ "error": status_and_message(err, surface).1 })
}

/// The security scheme names, in the order a key is looked for.
pub const KEY_SCHEMES: [&str; 3] = ["apiKeyHeader", "apiKeyQuery", "bearer"];

/// Finishes the merged document: title, key schemes, and on every operation the answers and
/// headers that any route of its kind can give.
pub fn finish(mut doc: OpenApi) -> OpenApi {
    doc.info =
        InfoBuilder::new().title("Hearken").version(env!("CARGO_PKG_VERSION")).description(Some(DESCRIPTION)).build();
    let components = doc.components.get_or_insert_with(Components::new);
    components.schemas.insert("ErrorBody".into(), ErrorBody::schema());
    let schemes = [
        SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(HEADER, "The key in a header."))),
        SecurityScheme::ApiKey(ApiKey::Query(ApiKeyValue::with_description(
            QUERY,
            "The key in the query string (kept out of the logs; prefer the header).",
        ))),
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some("`Authorization: Bearer <key>`."))
                .build(),
        ),
    ];
    for (name, scheme) in KEY_SCHEMES.into_iter().zip(schemes) {
        components.security_schemes.insert(name.into(), scheme);
    }
    // Any one of the three forms will do.
    doc.security = Some(KEY_SCHEMES.iter().map(|name| SecurityRequirement::new(*name, Vec::<String>::new())).collect());

    for (path, item) in doc.paths.paths.iter_mut() {
        let surface = Surface::of(path);
        for operation in operations(item) {
            complete(operation, surface);
        }
    }
    doc
}

/// The document as JSON. Every optional query parameter is marked `allowEmptyValue`: the API
/// reads `?status=` as no `status` at all (as browsers' forms send empty fields), and utoipa has
/// no field for that keyword.
pub fn to_json(doc: &OpenApi) -> serde_json::Result<String> {
    let mut value = serde_json::to_value(doc)?;
    if let Some(paths) = value.get_mut("paths").and_then(Value::as_object_mut) {
        let operations = paths.values_mut().filter_map(Value::as_object_mut).flat_map(|item| item.values_mut());
        let parameters = operations.filter_map(|op| op.get_mut("parameters")).filter_map(Value::as_array_mut).flatten();
        for parameter in parameters.filter_map(Value::as_object_mut) {
            if parameter.get("in") == Some(&json!("query")) && parameter.get("required") != Some(&json!(true)) {
                parameter.insert("allowEmptyValue".into(), json!(true));
            }
        }
    }
    add_links(&mut value);
    add_webhooks(&mut value);
    serde_json::to_string(&value)
}

/// The events Hearken sends to webhook endpoints (OpenAPI 3.1 `webhooks`): each a POST of
/// `{"type", "timestamp", "data"}` with the Standard Webhooks headers; `data` has the shape the API
/// returns for the same thing. A 2xx answer is success; `410 Gone` disables the endpoint.
fn add_webhooks(value: &mut Value) {
    let header = |name: &str, description: &str| json!({"name": name, "in": "header", "required": true, "description": description, "schema": {"type": "string"}});
    let headers = json!([
        header("webhook-id", "The delivery's id (`dlv_…`), the same on every attempt: deduplicate on it"),
        header("webhook-timestamp", "Unix seconds when this attempt was signed"),
        header(
            "webhook-signature",
            "`v1,<base64 HMAC-SHA256 of \"<id>.<timestamp>.<body>\">` with the endpoint's secret"
        ),
    ]);
    let with =
        |schema: &str, extra: Value| json!({"allOf": [{"$ref": format!("#/components/schemas/{schema}")}, extra]});
    let project = json!({"type": "object", "required": ["projectId"], "properties": {"projectId": {"type": "string"}}});
    let survey = json!({"type": "object", "required": ["surveyId"], "properties": {"surveyId": {"type": "string"}}});
    let ping =
        json!({"type": "object", "properties": {"webhookId": {"type": "string"}, "message": {"type": "string"}}});
    let events = [
        (
            "feedback.created",
            "Feedback stored (API, widget, or filed from a survey response)",
            with("FeedbackView", project.clone()),
        ),
        ("feedback.updated", "Feedback's status changed", with("FeedbackView", project)),
        ("response.created", "A survey response stored, with its respondent", with("ResponseView", survey.clone())),
        (
            "response.topics",
            "A survey response's topics, once found (and whenever they change)",
            with("ResponseView", survey),
        ),
        ("ping", "Sent by POST /api/v1/webhooks/{webhookId}/test", ping),
    ];
    let mut webhooks = serde_json::Map::new();
    for (name, summary, data) in events {
        let body = json!({
            "type": "object",
            "required": ["type", "timestamp", "data"],
            "properties": {
                "type": {"type": "string", "const": name},
                "timestamp": {"type": "string", "format": "date-time"},
                "data": data,
            },
        });
        let operation = json!({"post": {
            "summary": summary,
            "operationId": format!("webhook_{}", name.replace('.', "_")),
            "tags": ["Webhooks"],
            "parameters": headers,
            "requestBody": {"required": true, "content": {"application/json": {"schema": body}}},
            "responses": {
                "2XX": {"description": "Received: the delivery is done"},
                "410": {"description": "Gone: the endpoint is disabled at once"},
                "default": {"description": "Any other answer, or none within 10 s: retried after 5 s, 1 min, 10 min, 1 h, 6 h, 12 h and 12 h"},
            },
        }});
        webhooks.insert(name.to_owned(), operation);
    }
    if let Some(doc) = value.as_object_mut() {
        doc.insert("webhooks".to_owned(), Value::Object(webhooks));
    }
}

/// What a created (or changed) resource leads to: OpenAPI `links` from an answer's `data.id` to
/// the operations that take that id, so clients and tools (schemathesis' stateful runs) can walk
/// create → get → update → delete. (operation, status, the parameter its id fills, the targets.)
const LINKS: &[(&str, &str, &str, &[&str])] = &[
    (
        "createProject",
        "201",
        "projectId",
        &[
            "getProject",
            "updateProject",
            "deleteProject",
            "getProjectKey",
            "createProjectKey",
            "createFeedback",
            "listProjectFeedback",
            "submitWidgetFeedback",
        ],
    ),
    ("updateProject", "200", "projectId", &["getProject", "deleteProject"]),
    ("createFeedback", "201", "id", &["getFeedback", "updateFeedback", "deleteFeedback"]),
    ("submitWidgetFeedback", "201", "id", &["getFeedback", "updateFeedback", "deleteFeedback"]),
    ("updateFeedback", "200", "id", &["getFeedback", "deleteFeedback"]),
    ("createKey", "201", "keyId", &["getKey", "updateKey", "deleteKey"]),
    (
        "createWebhook",
        "201",
        "webhookId",
        &[
            "getWebhook",
            "updateWebhook",
            "deleteWebhook",
            "rotateWebhookSecret",
            "testWebhook",
            "listWebhookDeliveries",
        ],
    ),
    ("updateWebhook", "200", "webhookId", &["getWebhook", "deleteWebhook", "listWebhookDeliveries"]),
    ("updateKey", "200", "keyId", &["getKey", "deleteKey"]),
    (
        "createSurvey",
        "201",
        "surveyId",
        &[
            "getSurvey",
            "updateSurvey",
            "listSurveyResponses",
            "getSurveyAnalytics",
            "listSurveyTopics",
            "showSurveyPage",
            "submitSurveyResponse",
        ],
    ),
    ("updateSurvey", "200", "surveyId", &["getSurvey", "submitSurveyResponse", "listSurveyResponses"]),
];

fn add_links(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else { return };
    for operation in paths.values_mut().filter_map(Value::as_object_mut).flat_map(|item| item.values_mut()) {
        let id = operation.get("operationId").and_then(Value::as_str).unwrap_or_default().to_owned();
        for (_, status, parameter, targets) in LINKS.iter().filter(|(from, ..)| *from == id) {
            if let Some(response) =
                operation.pointer_mut(&format!("/responses/{status}")).and_then(Value::as_object_mut)
            {
                let links = targets
                    .iter()
                    .map(|target| {
                        let link =
                            json!({"operationId": target, "parameters": {*parameter: "$response.body#/data/id"}});
                        ((*target).to_owned(), link)
                    })
                    .collect();
                response.insert("links".into(), Value::Object(links));
            }
        }
    }
}

const DESCRIPTION: &str = "Feedback and surveys over HTTPS: the Miniback feedback API (`/api/...`), the RateMind \
surveys API (`/api/v1/...`) and the public survey page (`/s/...`). Every keyed route takes the key in the \
`x-api-key` header, the `api_key` query parameter or `Authorization: Bearer`. Every answer carries \
`Server-Timing` (the DynamoDB work it cost) and keyed answers carry `X-RateLimit-Limit`, \
`X-RateLimit-Remaining` and `X-RateLimit-Reset`; 429 and 503 answers say when to retry in `Retry-After`.";

fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [&mut item.get, &mut item.post, &mut item.put, &mut item.patch, &mut item.delete]
        .into_iter()
        .filter_map(Option::as_mut)
}

/// A route declared `security(())` needs no key.
fn is_public(operation: &Operation) -> bool {
    operation.security.as_ref().is_some_and(|list| list.iter().any(|r| *r == SecurityRequirement::default()))
}

/// Adds the answers any route of this kind can give (unless the route documents that status
/// itself), then the headers every answer carries.
fn complete(operation: &mut Operation, surface: Surface) {
    let keyed = !is_public(operation);
    let has_body = operation.request_body.is_some();
    let has_path_params = operation
        .parameters
        .iter()
        .flatten()
        .any(|p| matches!(p.parameter_in, utoipa::openapi::path::ParameterIn::Path));
    let has_query = operation.parameters.iter().flatten().any(|p| matches!(p.parameter_in, ParameterIn::Query));
    let mut common: Vec<(u16, &str, Vec<Error>)> = Vec::new();
    // A malformed id in a path answers 404, like an unknown one; only bodies and queries give 400s.
    if has_body || has_query {
        let example = if has_body {
            serde_json::from_str::<Value>("{")
                .err()
                .map_or_else(|| Error::bad_request("Malformed JSON in request body"), crate::http::malformed_json)
        } else {
            Error::bad_request("Query parameter 'limit' must be a whole number from 1 to 100")
        };
        common.push((400, "The request is malformed; the text names what to fix.", vec![example]));
    }
    if keyed {
        common.push((
            401,
            "No key, or a key that cannot be used (unknown, disabled, expired, deleted).",
            refusals(surface, 401),
        ));
        common.push((403, "The key may not do this (its projects, its source IP).", refusals(surface, 403)));
    }
    if has_path_params {
        common.push((404, "Nothing with this id belongs to the caller.", vec![Error::NotFound("Not found")]));
    }
    if has_body {
        common.push((413, "The body is larger than the limit.", vec![Error::PayloadTooLarge { limit: BODY_LIMIT }]));
    }
    // A public route that is limited (the widget, the page's posts) documents its own 429.
    if keyed {
        common.push((
            429,
            "Too many requests: the key's or the account's rate limit, or the plan's monthly calls. `Retry-After` says when to retry.",
            vec![
                Error::RateLimited { per: "this key", limit: 60, reset: 1_767_225_600 },
                Error::MonthlyQuota { plan: Plan::Free, limit: 1_000, resets: example_time() },
            ],
        ));
    }
    common.push((500, "A fault on our side; the details go to the log only.", vec![Error::internal("hidden")]));
    common.push((
        503,
        "Storage is briefly unavailable or slow; nothing was half-written. Retry after `Retry-After` seconds.",
        vec![Error::Unavailable("hidden".into())],
    ));

    let responses = &mut operation.responses.responses;
    for (status, description, errors) in common {
        let key = status.to_string();
        if errors.is_empty() || responses.contains_key(&key) {
            continue;
        }
        responses.insert(key, RefOr::T(error_response(description, &errors, surface)));
    }
    for (status, response) in responses.iter_mut() {
        if let RefOr::T(response) = response {
            add_headers(response, status, keyed);
        }
    }
}

/// A fixed time for examples (the document is the same every time it is made).
fn example_time() -> Timestamp {
    Timestamp::from_millis(1_767_225_600_000).unwrap_or_else(Timestamp::now)
}

/// The refusals of a presented key that answer `status` on `surface`, as errors.
fn refusals(surface: Surface, status: u16) -> Vec<Error> {
    let mut errors = vec![Error::MissingKey];
    errors.extend(
        [
            Refusal::Unknown,
            Refusal::Deleted,
            Refusal::Regenerated,
            Refusal::Disabled,
            Refusal::Expired,
            Refusal::IpNotAllowed,
            Refusal::ProjectNotAllowed,
        ]
        .map(Error::KeyRefused),
    );
    // The FREE plan's sentence (SPEC §4) on the Miniback routes it applies to; a route that needs
    // BUSINESS documents that 403 itself.
    if surface == Surface::Miniback {
        errors.push(Error::PaidPlansOnly { method: "GET".into() });
    }
    errors.retain(|err| status_and_message(err, surface).0.as_u16() == status);
    errors
}

/// An error answer whose examples are what the one error mapping renders for `errors`.
fn error_response(description: &str, errors: &[Error], surface: Surface) -> Response {
    let mut content = ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody")));
    let mut seen = Vec::new();
    for err in errors {
        let example = error_example(err, surface);
        if seen.contains(&example) {
            continue;
        }
        let name = format!("{err:?}").split(['(', ' ', '{']).next().unwrap_or("error").to_owned();
        let name = if seen.is_empty() { name } else { format!("{name}{}", seen.len()) };
        content = content.examples_from_iter([(name, ExampleBuilder::new().value(Some(example.clone())).build())]);
        seen.push(example);
    }
    ResponseBuilder::new().description(description).content("application/json", content.build()).build()
}

/// The headers an answer carries: `Server-Timing` on all, the rate-limit trio once a key was
/// checked, `Retry-After` where the client should wait.
fn add_headers(response: &mut Response, status: &str, keyed: bool) {
    let header = |description: &str, kind: Type| {
        HeaderBuilder::new().schema(ObjectBuilder::new().schema_type(kind)).description(Some(description)).build()
    };
    let headers = &mut response.headers;
    headers.insert(
        "Server-Timing".into(),
        header("The DynamoDB work this answer cost: `db;dur=<ms>;desc=\"calls=<N> rounds=<M>\"`.", Type::String),
    );
    if keyed {
        headers.insert("X-RateLimit-Limit".into(), header("Requests allowed per minute for this key.", Type::Integer));
        headers.insert("X-RateLimit-Remaining".into(), header("Requests left in the current minute.", Type::Integer));
        headers
            .insert("X-RateLimit-Reset".into(), header("When the minute window resets (Unix seconds).", Type::Integer));
    }
    if status == "429" || status == "503" {
        headers.insert("Retry-After".into(), header("Seconds to wait before retrying.", Type::Integer));
    }
}
