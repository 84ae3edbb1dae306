//! What the keyed surveys API's tests share (`surveys_routes/`): the README's example surveys,
//! creating and reading them, posting responses as a customer's script does, and walking lists
//! page by page.

use hearken::plans::Plan;
use hearken::store::accounts::Account;
use hearken_tests::{encode, Reply, TestApp};
use serde_json::{json, Value};
use std::time::Duration;

pub const QUESTIONS_FROZEN: &str =
    "questions cannot be changed once a survey has responses; create a new survey instead";
pub const DEFAULT_THANK_YOU: &str = "Thank you for your feedback!";

/// A BUSINESS account and its owner key's secret.
pub async fn business(app: &TestApp) -> (Account, String) {
    let (account, key) = app.account(Plan::Business).await;
    (account, key.expose().to_owned())
}

/// The README's example survey: a required rating, an optional text, an optional multiple choice.
pub fn delivery_survey(name: &str) -> Value {
    json!({
        "name": name,
        "questions": [
            {"type": "RATING", "text": "How was your delivery?", "required": true},
            {"type": "TEXT", "text": "What could we do better?", "maxLength": 1000},
            {"type": "CHOICE", "text": "What did you order?", "options": ["Pizza", "Pasta", "Salad"], "multiple": true}
        ]
    })
}

/// A survey with one question of each kind, none of them required.
pub fn optional_survey(name: &str) -> Value {
    json!({
        "name": name,
        "questions": [
            {"type": "RATING", "text": "Rate us"},
            {"type": "TEXT", "text": "Tell us more"},
            {"type": "CHOICE", "text": "Pick one", "options": ["Yes", "No"]}
        ]
    })
}

/// Creates a survey; its JSON (`data`).
pub async fn create(app: &TestApp, key: &str, body: Value) -> Value {
    let reply = app.call("POST", "/api/v1/surveys", key, Some(body.clone())).await;
    assert_eq!(reply.status, 201, "{body} → {}", reply.body);
    reply.body["data"].clone()
}

pub fn id_of(value: &Value) -> String {
    value["id"].as_str().unwrap_or_else(|| panic!("an id in {value}")).to_owned()
}

pub fn question_ids(survey: &Value) -> Vec<String> {
    survey["questions"].as_array().expect("questions").iter().map(id_of).collect()
}

pub fn survey_path(survey: &str) -> String {
    format!("/api/v1/surveys/{survey}")
}

pub fn feedback_path(survey: &str) -> String {
    format!("/api/v1/surveys/{survey}/feedback")
}

/// Posts a response as a customer's script does (JSON, no key).
pub async fn respond(app: &TestApp, survey: &str, answers: Value) -> Reply {
    let request = app.http.post(app.url(&format!("/s/{survey}"))).json(&json!({ "answers": answers }));
    Reply::from(request.send().await.expect("the gateway answers")).await
}

/// Posts a response that must be stored; its id. Waits a few milliseconds after, so that every
/// response of a test has its own `createdAt` millisecond (the `since` filter is by time).
pub async fn answer(app: &TestApp, survey: &str, answers: Value) -> String {
    let reply = respond(app, survey, answers.clone()).await;
    assert_eq!(reply.status, 201, "{answers} → {}", reply.body);
    let id = reply.body["data"]["id"].as_str().expect("a response id").to_owned();
    assert!(id.starts_with("rsp_"), "{id}");
    tokio::time::sleep(Duration::from_millis(3)).await;
    id
}

/// A request with a raw body and a content type.
pub async fn raw(app: &TestApp, method: &str, path: &str, key: &str, body: &str) -> Reply {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let request = app
        .http
        .request(method, app.url(path))
        .header("x-api-key", key)
        .header("content-type", "application/json")
        .body(body.to_owned());
    Reply::from(request.send().await.unwrap()).await
}

/// `path` (which may carry a query) with one more query parameter.
pub fn with_param(path: &str, name: &str, value: &str) -> String {
    let joiner = if path.contains('?') { '&' } else { '?' };
    format!("{path}{joiner}{name}={}", encode(value))
}

/// Pages through a list from its first page, following `nextCursor` until it is null; every page
/// answers 200 and holds at most `limit` items. The items, in order.
pub async fn page_through(app: &TestApp, key: &str, path: &str, limit: usize) -> Vec<Value> {
    let first = with_param(path, "limit", &limit.to_string());
    let mut items = vec![];
    let mut next = first.clone();
    for _ in 0..200 {
        let page = app.call("GET", &next, key, None).await;
        assert_eq!(page.status, 200, "{next}: {}", page.body);
        let data = page.body["data"].as_array().unwrap_or_else(|| panic!("{next}: {}", page.body));
        assert!(data.len() <= limit, "{next}: {} items", data.len());
        items.extend(data.iter().cloned());
        match &page.body["nextCursor"] {
            Value::Null => return items,
            Value::String(cursor) => next = with_param(&first, "cursor", cursor),
            other => panic!("nextCursor must be a string or null, not {other}"),
        }
    }
    panic!("{path}: more than 200 pages");
}

pub fn ids(items: &[Value]) -> Vec<String> {
    items.iter().map(id_of).collect()
}

/// The ids a GET of the list answers in one page (asserting 200).
pub async fn listed(app: &TestApp, key: &str, path: &str) -> Vec<String> {
    let reply = app.call("GET", path, key, None).await;
    assert_eq!(reply.status, 200, "{path}: {}", reply.body);
    ids(reply.body["data"].as_array().unwrap_or_else(|| panic!("{path}: {}", reply.body)))
}

pub fn assert_invalid_cursor(reply: &Reply, what: &str) {
    assert_eq!(reply.status, 400, "{what}: {}", reply.body);
    assert!(reply.error().starts_with("Invalid cursor"), "{what}: {}", reply.error());
    assert!(reply.body.get("data").is_none(), "{what}: no items with a refused cursor: {}", reply.body);
}

pub fn chars(n: usize) -> String {
    "é".repeat(n)
}
