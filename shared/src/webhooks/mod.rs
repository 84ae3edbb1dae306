//! Webhooks: an account's endpoints, the events they subscribe to, and what is sent to them.
//! Events are made from the feedback table's stream (never on the request path), kept as
//! deliveries in the webhooks table, signed per the Standard Webhooks specification and retried
//! for more than a day (`retry`); where they may go is checked against SSRF (`target`).

pub mod retry;
pub mod signing;
pub mod target;

use crate::error::Error;
use crate::ids::{AccountId, ProjectId, SurveyId, WebhookId};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Endpoints an account may have.
pub const MAX_ENDPOINTS: u64 = 20;
/// Longest description.
pub const DESCRIPTION_MAX_CHARS: usize = 500;

/// What happened, as the `type` of a payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub enum EventType {
    /// Feedback stored: sent through the API, the widget, or filed from a survey response.
    #[serde(rename = "feedback.created")]
    FeedbackCreated,
    /// Feedback's status changed.
    #[serde(rename = "feedback.updated")]
    FeedbackUpdated,
    /// A survey response stored.
    #[serde(rename = "response.created")]
    ResponseCreated,
    /// A survey response's topics, once the topics function has them (and each time they change).
    #[serde(rename = "response.topics")]
    ResponseTopics,
    /// Sent by `POST /api/v1/webhooks/{id}/test` only.
    #[serde(rename = "ping")]
    Ping,
}

impl EventType {
    /// The events an endpoint may subscribe to.
    pub const SUBSCRIBABLE: [EventType; 4] =
        [EventType::FeedbackCreated, EventType::FeedbackUpdated, EventType::ResponseCreated, EventType::ResponseTopics];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::FeedbackCreated => "feedback.created",
            EventType::FeedbackUpdated => "feedback.updated",
            EventType::ResponseCreated => "response.created",
            EventType::ResponseTopics => "response.topics",
            EventType::Ping => "ping",
        }
    }

    fn parse(text: &str) -> Option<EventType> {
        EventType::SUBSCRIBABLE.into_iter().find(|event| event.as_str() == text)
    }
}

/// An event about to be delivered: its type, when it happened, what it is about (for the
/// endpoints' filters), and its `data` in the shape the API returns.
#[derive(Clone, Debug)]
pub struct Event {
    pub kind: EventType,
    pub account: AccountId,
    pub at: Timestamp,
    pub project: Option<ProjectId>,
    pub survey: Option<SurveyId>,
    pub data: Value,
    /// What makes this event unique, so a stream record delivered twice makes one delivery.
    pub source: String,
}

impl Event {
    /// The body sent: `{"type", "timestamp", "data"}`.
    pub fn payload(&self) -> String {
        let body = serde_json::json!({"type": self.kind.as_str(), "timestamp": self.at, "data": self.data});
        body.to_string()
    }
}

/// An endpoint as stored (the webhooks table: `pk` its account, `sk` its id).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoint {
    pub pk: AccountId,
    pub sk: WebhookId,
    pub url: String,
    /// Subscribed events; empty: every event.
    #[serde(default)]
    pub events: Vec<EventType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<ProjectId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub survey_id: Option<SurveyId>,
    pub enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The signing secret (`whsec_…`). Unlike API keys it cannot be stored as a digest: every
    /// delivery is signed with it. Shown once; never listed or logged.
    pub secret: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Why the endpoint was disabled by the service (410 Gone, or failing for 3 days).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled_reason: Option<String>,
    /// Since when every delivery has failed (cleared by a success).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failing_since: Option<Timestamp>,
}

impl Endpoint {
    /// Whether this endpoint takes `event`: enabled, subscribed, and within its filters.
    pub fn wants(&self, event: &Event) -> bool {
        let subscribed = self.events.is_empty() || self.events.contains(&event.kind);
        let project = self.project_id.as_ref().is_none_or(|p| event.project.as_ref() == Some(p));
        let survey = self.survey_id.as_ref().is_none_or(|s| event.survey.as_ref() == Some(s));
        self.enabled && subscribed && project && survey
    }
}

/// An endpoint as the API shows it (never its secret, except once: `secret`).
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EndpointView {
    pub id: WebhookId,
    pub url: String,
    /// The events it receives; every event when the endpoint was made without a list.
    pub events: Vec<EventType>,
    #[schema(required = true)]
    pub project_id: Option<ProjectId>,
    #[schema(required = true)]
    pub survey_id: Option<SurveyId>,
    pub enabled: bool,
    #[schema(required = true)]
    pub description: Option<String>,
    /// Set when the service disabled the endpoint: after `410 Gone`, or 3 days of failures.
    #[schema(required = true)]
    pub disabled_reason: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// The signing secret: only in the answer of a create or a rotation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl EndpointView {
    pub fn of(endpoint: &Endpoint) -> EndpointView {
        let events = match endpoint.events.is_empty() {
            true => EventType::SUBSCRIBABLE.to_vec(),
            false => endpoint.events.clone(),
        };
        EndpointView {
            id: endpoint.sk.clone(),
            url: endpoint.url.clone(),
            events,
            project_id: endpoint.project_id.clone(),
            survey_id: endpoint.survey_id.clone(),
            enabled: endpoint.enabled,
            description: endpoint.description.clone(),
            disabled_reason: endpoint.disabled_reason.clone(),
            created_at: endpoint.created_at,
            updated_at: endpoint.updated_at,
            secret: None,
        }
    }

    /// The view with the secret, for the one answer that shows it.
    pub fn with_secret(endpoint: &Endpoint) -> EndpointView {
        EndpointView { secret: Some(endpoint.secret.clone()), ..EndpointView::of(endpoint) }
    }
}

/// The fields a create or an update may set; `None`: not given.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EndpointFields {
    pub url: Option<String>,
    pub events: Option<Vec<EventType>>,
    /// `Some(None)`: cleared with `null`.
    pub project_id: Option<Option<ProjectId>>,
    pub survey_id: Option<Option<SurveyId>>,
    pub enabled: Option<bool>,
    pub description: Option<Option<String>>,
}

const FIELDS: [&str; 6] = ["url", "events", "projectId", "surveyId", "enabled", "description"];

/// Reads a create (`url` required) or update body. Every error names its field.
pub fn fields_from_json(body: Value, creating: bool) -> Result<EndpointFields, Error> {
    let Value::Object(body) = body else { return Err(Error::bad_request("Request body must be a JSON object")) };
    if let Some(unknown) = body.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(Error::bad_request(format!(
            "Unknown field '{unknown}'; a webhook takes {}",
            FIELDS.map(|f| format!("'{f}'")).join(", ")
        )));
    }
    let mut fields = EndpointFields {
        url: text(&body, "url", "url must be a string")?,
        events: body.get("events").map(events).transpose()?,
        project_id: id(&body, "projectId", ProjectId::parse)?,
        survey_id: id(&body, "surveyId", SurveyId::parse)?,
        enabled: match body.get("enabled") {
            None => None,
            Some(Value::Bool(on)) => Some(*on),
            Some(_) => return Err(Error::bad_request("enabled must be true or false")),
        },
        description: match body.get("description") {
            None => None,
            Some(Value::Null) => Some(None),
            Some(Value::String(text)) if text.chars().count() <= DESCRIPTION_MAX_CHARS => {
                Some(Some(text.trim().to_owned()).filter(|t| !t.is_empty()))
            }
            Some(_) => {
                return Err(Error::bad_request(format!(
                    "description must be a string of at most {DESCRIPTION_MAX_CHARS} characters, or null"
                )))
            }
        },
    };
    if creating && fields.url.is_none() {
        return Err(Error::bad_request("url is required"));
    }
    if fields.url.as_deref().is_some_and(|u| u.trim().is_empty()) {
        return Err(Error::bad_request("url must not be empty"));
    }
    fields.url = fields.url.map(|u| u.trim().to_owned());
    Ok(fields)
}

fn text(body: &Map<String, Value>, name: &str, message: &str) -> Result<Option<String>, Error> {
    match body.get(name) {
        None => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(Error::bad_request(message.to_owned())),
    }
}

fn id<T>(body: &Map<String, Value>, name: &str, parse: fn(&str) -> Option<T>) -> Result<Option<Option<T>>, Error> {
    match body.get(name) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(text)) => match parse(text) {
            Some(id) => Ok(Some(Some(id))),
            None => Err(Error::bad_request(format!("{name} is not an id of this API"))),
        },
        Some(_) => Err(Error::bad_request(format!("{name} must be a string or null"))),
    }
}

fn events(value: &Value) -> Result<Vec<EventType>, Error> {
    let names = EventType::SUBSCRIBABLE.map(|e| format!("'{}'", e.as_str())).join(", ");
    let refused = || Error::bad_request(format!("events must be a non-empty list of {names}"));
    let list = value.as_array().filter(|list| !list.is_empty() && list.len() <= 10).ok_or_else(refused)?;
    let mut events = vec![];
    for item in list {
        let event = item.as_str().and_then(EventType::parse).ok_or_else(refused)?;
        if !events.contains(&event) {
            events.push(event);
        }
    }
    // Every event listed is the same as no list: stored as none, so later events reach it too.
    Ok(if events.len() == EventType::SUBSCRIBABLE.len() { vec![] } else { events })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn refusal(body: Value, creating: bool) -> String {
        fields_from_json(body, creating).unwrap_err().to_string()
    }

    #[test]
    fn each_field_is_checked_and_named() {
        assert!(refusal(json!({}), true).contains("url"));
        assert!(refusal(json!({"url": 3}), true).contains("url"));
        assert!(refusal(json!({"url": "https://a.example", "events": []}), true).contains("events"));
        assert!(refusal(json!({"url": "https://a.example", "events": ["feedback.deleted"]}), true).contains("events"));
        assert!(refusal(json!({"url": "https://a.example", "projectId": "x"}), true).contains("projectId"));
        assert!(refusal(json!({"url": "https://a.example", "enabled": "yes"}), true).contains("enabled"));
        let long = "d".repeat(DESCRIPTION_MAX_CHARS + 1);
        assert!(refusal(json!({"url": "https://a.example", "description": long}), true).contains("description"));
        assert!(refusal(json!({"url": "https://a.example", "secret": "whsec_x"}), true).contains("secret"));
        assert!(refusal(json!([]), false).contains("object"));
    }

    #[test]
    fn every_event_listed_is_stored_as_all() {
        let all = json!({"url": "https://a.example", "events": ["response.topics", "feedback.created",
            "feedback.updated", "response.created", "feedback.created"]});
        assert_eq!(fields_from_json(all, true).unwrap().events, Some(vec![]));
        let some = json!({"events": ["response.topics"], "projectId": null});
        let fields = fields_from_json(some, false).unwrap();
        assert_eq!(fields.events, Some(vec![EventType::ResponseTopics]));
        assert_eq!(fields.project_id, Some(None));
        assert_eq!(fields.url, None);
    }
}
