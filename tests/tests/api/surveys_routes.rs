//! The keyed surveys API (`/api/v1/surveys…`) end to end, against the README's "Surveys" contract:
//! creation and every validation rule, reading, listing with cursors, PATCH (questions frozen by
//! the first response), the responses list with its filters and cursors, filing in a project's
//! Miniback feedback, tenant isolation, plans and key use cases, the RateMind curl example, and
//! the monthly quota left untouched by customers' responses.
//!
//! Responses are posted as a customer's script would: `POST /s/{surveyId}` with
//! `{"answers": {...}}` and no key.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hearken::ids::{ProjectId, SurveyId};
use hearken::plans::Plan;
use hearken::store::accounts::Account;
use hearken_tests::{encode, is_iso_millis, spawn_app, spawn_app_with, texts, Reply, TestApp};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::time::Duration;

const SURVEY_NOT_FOUND: &str = "Survey not found";
const QUESTIONS_FROZEN: &str = "questions cannot be changed once a survey has responses; create a new survey instead";
const NOT_ACCEPTING: &str = "This survey is not accepting responses";
const DEFAULT_THANK_YOU: &str = "Thank you for your feedback!";

/// The plan sentence of the README for a plan below BUSINESS.
fn needs_business(plan: &str) -> String {
    format!("This endpoint needs the BUSINESS plan; this account is on the {plan} plan.")
}

/// A BUSINESS account and its owner key's secret.
async fn business(app: &TestApp) -> (Account, String) {
    let (account, key) = app.account(Plan::Business).await;
    (account, key.expose().to_owned())
}

/// The README's example survey: a required rating, an optional text, an optional multiple choice.
fn delivery_survey(name: &str) -> Value {
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
fn optional_survey(name: &str) -> Value {
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
async fn create(app: &TestApp, key: &str, body: Value) -> Value {
    let reply = app.call("POST", "/api/v1/surveys", key, Some(body.clone())).await;
    assert_eq!(reply.status, 201, "{body} → {}", reply.body);
    reply.body["data"].clone()
}

fn id_of(value: &Value) -> String {
    value["id"].as_str().unwrap_or_else(|| panic!("an id in {value}")).to_owned()
}

fn question_ids(survey: &Value) -> Vec<String> {
    survey["questions"].as_array().expect("questions").iter().map(id_of).collect()
}

fn survey_path(survey: &str) -> String {
    format!("/api/v1/surveys/{survey}")
}

fn feedback_path(survey: &str) -> String {
    format!("/api/v1/surveys/{survey}/feedback")
}

/// Posts a response as a customer's script does (JSON, no key).
async fn respond(app: &TestApp, survey: &str, answers: Value) -> Reply {
    let request = app.http.post(app.url(&format!("/s/{survey}"))).json(&json!({ "answers": answers }));
    Reply::from(request.send().await.expect("the gateway answers")).await
}

/// Posts a response that must be stored; its id. Waits a few milliseconds after, so that every
/// response of a test has its own `createdAt` millisecond (the `since` filter is by time).
async fn answer(app: &TestApp, survey: &str, answers: Value) -> String {
    let reply = respond(app, survey, answers.clone()).await;
    assert_eq!(reply.status, 201, "{answers} → {}", reply.body);
    let id = reply.body["data"]["id"].as_str().expect("a response id").to_owned();
    assert!(id.starts_with("rsp_"), "{id}");
    tokio::time::sleep(Duration::from_millis(3)).await;
    id
}

/// A request with a raw body and a content type.
async fn raw(app: &TestApp, method: &str, path: &str, key: &str, body: &str) -> Reply {
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
fn with_param(path: &str, name: &str, value: &str) -> String {
    let joiner = if path.contains('?') { '&' } else { '?' };
    format!("{path}{joiner}{name}={}", encode(value))
}

/// Pages through a list from its first page, following `nextCursor` until it is null; every page
/// answers 200 and holds at most `limit` items. The items, in order.
async fn page_through(app: &TestApp, key: &str, path: &str, limit: usize) -> Vec<Value> {
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

fn ids(items: &[Value]) -> Vec<String> {
    items.iter().map(id_of).collect()
}

/// The ids a GET of the list answers in one page (asserting 200).
async fn listed(app: &TestApp, key: &str, path: &str) -> Vec<String> {
    let reply = app.call("GET", path, key, None).await;
    assert_eq!(reply.status, 200, "{path}: {}", reply.body);
    ids(reply.body["data"].as_array().unwrap_or_else(|| panic!("{path}: {}", reply.body)))
}

fn assert_invalid_cursor(reply: &Reply, what: &str) {
    assert_eq!(reply.status, 400, "{what}: {}", reply.body);
    assert!(reply.error().starts_with("Invalid cursor"), "{what}: {}", reply.error());
    assert!(reply.body.get("data").is_none(), "{what}: no items with a refused cursor: {}", reply.body);
}

fn chars(n: usize) -> String {
    "é".repeat(n)
}

// ---------------------------------------------------------------------------------------------
// Create and read

#[tokio::test]
async fn a_new_survey_answers_201_with_the_whole_survey_and_its_defaults() {
    let app = spawn_app().await;
    let (_, key) = business(&app).await;
    let body = json!({
        "name": "After delivery",
        "questions": [
            {"type": "RATING", "text": "How was it?"},
            {"type": "TEXT", "text": "Why?"},
            {"type": "CHOICE", "text": "Which?", "options": ["A", "B"]}
        ]
    });
    let reply = app.call("POST", "/api/v1/surveys", &key, Some(body)).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert!(reply.header("content-type").is_some_and(|c| c.starts_with("application/json")));
    let survey = &reply.body["data"];
    let object = survey.as_object().expect("a survey object");
    for field in [
        "id",
        "name",
        "welcomeMessage",
        "thankYouMessage",
        "threshold",
        "status",
        "projectId",
        "questions",
        "responseCount",
        "publicUrl",
        "createdAt",
        "updatedAt",
    ] {
        assert!(object.contains_key(field), "the survey shows {field}: {survey}");
    }
    let id = id_of(survey);
    assert!(SurveyId::parse(&id).is_some(), "a srv_ id: {id}");
    assert_eq!(survey["name"], "After delivery");
    assert_eq!(survey["welcomeMessage"], "");
    assert_eq!(survey["thankYouMessage"], DEFAULT_THANK_YOU);
    assert_eq!(survey["threshold"], 3);
    assert_eq!(survey["status"], "ACTIVE");
    assert_eq!(survey["projectId"], Value::Null);
    assert_eq!(survey["responseCount"], 0);
    let url = survey["publicUrl"].as_str().expect("publicUrl");
    assert!(url.starts_with("http"), "{url}");
    assert!(url.ends_with(&format!("/s/{id}")), "{url}");
    for stamp in ["createdAt", "updatedAt"] {
        assert!(is_iso_millis(survey[stamp].as_str().unwrap_or_default()), "{stamp}: {}", survey[stamp]);
    }

    let questions = survey["questions"].as_array().expect("questions");
    assert_eq!(questions.len(), 3);
    let qids = question_ids(survey);
    assert!(qids.iter().all(|q| q.starts_with("q_") && q.len() > 2), "{qids:?}");
    assert_eq!(qids.iter().collect::<HashSet<_>>().len(), 3, "distinct question ids");
    assert_eq!(
        (&questions[0]["type"], &questions[0]["text"], &questions[0]["required"]),
        (&json!("RATING"), &json!("How was it?"), &json!(false))
    );
    assert_eq!(
        (&questions[1]["type"], &questions[1]["text"], &questions[1]["required"], &questions[1]["maxLength"]),
        (&json!("TEXT"), &json!("Why?"), &json!(false), &json!(2000))
    );
    assert_eq!(
        (&questions[2]["type"], &questions[2]["options"], &questions[2]["multiple"], &questions[2]["required"]),
        (&json!("CHOICE"), &json!(["A", "B"]), &json!(false), &json!(false))
    );

    let read = app.call("GET", &survey_path(&id), &key, None).await;
    assert_eq!(read.status, 200, "{}", read.body);
    assert_eq!(&read.body["data"], survey, "GET answers the survey as created");
}

#[tokio::test]
async fn every_given_field_is_kept() {
    let app = spawn_app().await;
    let (account, key) = business(&app).await;
    let (project, _) = app.project(&account).await;
    let mut body = delivery_survey("After delivery");
    body["welcomeMessage"] = json!("Two minutes about your last order?");
    body["thankYouMessage"] = json!("Thank you! We read every answer.");
    body["threshold"] = json!(4);
    body["status"] = json!("DRAFT");
    body["projectId"] = json!(project.id);
    let survey = create(&app, &key, body.clone()).await;
    for field in ["name", "welcomeMessage", "thankYouMessage", "threshold", "status", "projectId"] {
        assert_eq!(survey[field], body[field], "{field}");
    }
    let questions = survey["questions"].as_array().unwrap();
    assert_eq!(questions[0]["required"], true);
    assert_eq!(questions[1]["maxLength"], 1000);
    assert_eq!(questions[2]["options"], json!(["Pizza", "Pasta", "Salad"]));
    assert_eq!(questions[2]["multiple"], true);
    for (given, shown) in body["questions"].as_array().unwrap().iter().zip(questions) {
        assert_eq!((&given["type"], &given["text"]), (&shown["type"], &shown["text"]), "in the order given");
    }
}

#[tokio::test]
async fn the_limits_of_every_rule_are_accepted() {
    let app = spawn_app().await;
    let (_, key) = business(&app).await;
    let twenty: Vec<Value> = (0..20).map(|i| json!({"type": "TEXT", "text": format!("Question {i}")})).collect();
    let ten_options: Vec<String> = (0..10).map(|i| format!("{i}{}", "o".repeat(199))).collect();
    for (what, body) in [
        (
            "200-character name, 2,000-character messages (characters, not bytes), threshold 1",
            json!({"name": chars(200), "welcomeMessage": chars(2000), "thankYouMessage": chars(2000), "threshold": 1,
                   "questions": [{"type": "RATING", "text": chars(500)}]}),
        ),
        (
            "threshold 5, status CLOSED",
            json!({"name": "n", "threshold": 5, "status": "CLOSED", "questions": [{"type": "RATING", "text": "t"}]}),
        ),
        ("status PAUSED", json!({"name": "n", "status": "PAUSED", "questions": [{"type": "RATING", "text": "t"}]})),
        ("20 questions", json!({"name": "n", "questions": twenty})),
        ("maxLength 1", json!({"name": "n", "questions": [{"type": "TEXT", "text": "t", "maxLength": 1}]})),
        ("maxLength 10,000", json!({"name": "n", "questions": [{"type": "TEXT", "text": "t", "maxLength": 10000}]})),
        (
            "2 options",
            json!({"name": "n", "questions": [{"type": "CHOICE", "text": "t", "options": ["a", "b"], "multiple": false}]}),
        ),
        (
            "10 options of 200 characters",
            json!({"name": "n", "questions": [{"type": "CHOICE", "text": "t", "options": ten_options}]}),
        ),
        (
            "two RATING questions",
            json!({"name": "n", "questions": [{"type": "RATING", "text": "a"}, {"type": "RATING", "text": "b", "required": true}]}),
        ),
    ] {
        let reply = app.call("POST", "/api/v1/surveys", &key, Some(body.clone())).await;
        assert_eq!(reply.status, 201, "{what}: {}", reply.error());
        let survey = &reply.body["data"];
        assert_eq!(survey["name"], body["name"], "{what}");
        assert_eq!(
            survey["questions"].as_array().unwrap().len(),
            body["questions"].as_array().unwrap().len(),
            "{what}"
        );
    }
}

#[tokio::test]
async fn creation_validates_every_field_by_name() {
    let app = spawn_app().await;
    let (_, key) = business(&app).await;
    let (_, foreign_project, _) = app.account_with_project(Plan::Business).await;
    let rating = json!({"type": "RATING", "text": "How was it?"});
    let with_questions = |questions: Value| json!({"name": "n", "questions": questions});
    let with_second = |question: Value| with_questions(json!([rating.clone(), question]));
    let twenty_one: Vec<Value> = (0..21).map(|i| json!({"type": "RATING", "text": format!("Q{i}")})).collect();
    let eleven: Vec<String> = (0..11).map(|i| format!("option {i}")).collect();
    let cases: Vec<(Value, &str)> = vec![
        (json!({"questions": [rating.clone()]}), "name"),
        (json!({"name": "", "questions": [rating.clone()]}), "name"),
        (json!({"name": chars(201), "questions": [rating.clone()]}), "name"),
        (json!({"name": 5, "questions": [rating.clone()]}), "name"),
        (json!({"name": null, "questions": [rating.clone()]}), "name"),
        (json!({"name": "n", "welcomeMessage": chars(2001), "questions": [rating.clone()]}), "welcomeMessage"),
        (json!({"name": "n", "welcomeMessage": 7, "questions": [rating.clone()]}), "welcomeMessage"),
        (json!({"name": "n", "thankYouMessage": chars(2001), "questions": [rating.clone()]}), "thankYouMessage"),
        (json!({"name": "n", "thankYouMessage": ["x"], "questions": [rating.clone()]}), "thankYouMessage"),
        (json!({"name": "n", "threshold": 0, "questions": [rating.clone()]}), "threshold"),
        (json!({"name": "n", "threshold": 6, "questions": [rating.clone()]}), "threshold"),
        (json!({"name": "n", "threshold": 2.5, "questions": [rating.clone()]}), "threshold"),
        (json!({"name": "n", "threshold": "3", "questions": [rating.clone()]}), "threshold"),
        (json!({"name": "n", "status": "OPEN", "questions": [rating.clone()]}), "status"),
        (json!({"name": "n", "status": "active", "questions": [rating.clone()]}), "status"),
        (json!({"name": "n", "status": 1, "questions": [rating.clone()]}), "status"),
        (json!({"name": "n", "projectId": foreign_project.id, "questions": [rating.clone()]}), "projectId"),
        (json!({"name": "n", "projectId": ProjectId::generate().as_str(), "questions": [rating.clone()]}), "projectId"),
        (json!({"name": "n", "projectId": "my-website", "questions": [rating.clone()]}), "projectId"),
        (json!({"name": "n", "projectId": 12, "questions": [rating.clone()]}), "projectId"),
        (json!({"name": "n"}), "questions"),
        (with_questions(json!([])), "questions"),
        (with_questions(json!(twenty_one)), "questions"),
        (with_questions(json!("RATING")), "questions"),
        (with_questions(json!(["RATING"])), "questions[0]"),
        (with_questions(json!([{"text": "t"}])), "questions[0].type"),
        (with_questions(json!([{"type": "STARS", "text": "t"}])), "questions[0].type"),
        (with_questions(json!([{"type": "rating", "text": "t"}])), "questions[0].type"),
        (with_questions(json!([{"type": "RATING"}])), "questions[0].text"),
        (with_questions(json!([{"type": "RATING", "text": ""}])), "questions[0].text"),
        (with_questions(json!([{"type": "RATING", "text": chars(501)}])), "questions[0].text"),
        (with_questions(json!([{"type": "RATING", "text": "t", "required": "yes"}])), "questions[0].required"),
        (with_questions(json!([{"type": "TEXT", "text": "t", "maxLength": 0}])), "questions[0].maxLength"),
        (with_questions(json!([{"type": "TEXT", "text": "t", "maxLength": 10001}])), "questions[0].maxLength"),
        (with_questions(json!([{"type": "TEXT", "text": "t", "maxLength": "long"}])), "questions[0].maxLength"),
        (with_second(json!({"type": "CHOICE", "text": "t"})), "questions[1].options"),
        (with_second(json!({"type": "CHOICE", "text": "t", "options": ["only"]})), "questions[1].options"),
        (with_second(json!({"type": "CHOICE", "text": "t", "options": eleven})), "questions[1].options"),
        (with_second(json!({"type": "CHOICE", "text": "t", "options": ["Pizza", "Pizza"]})), "questions[1].options"),
        (with_second(json!({"type": "CHOICE", "text": "t", "options": ["Pizza", ""]})), "questions[1].options"),
        (with_second(json!({"type": "CHOICE", "text": "t", "options": ["Pizza", chars(201)]})), "questions[1].options"),
        (with_second(json!({"type": "CHOICE", "text": "t", "options": [1, 2]})), "questions[1].options"),
        (with_second(json!({"type": "CHOICE", "text": "t", "options": "Pizza, Pasta"})), "questions[1].options"),
        (
            with_second(json!({"type": "CHOICE", "text": "t", "options": ["a", "b"], "multiple": "yes"})),
            "questions[1].multiple",
        ),
        (
            with_second(json!({"type": "CHOICE", "text": "t", "options": ["a", "b"], "maxLength": 10})),
            "questions[1].maxLength",
        ),
        (with_questions(json!([{"type": "RATING", "text": "t", "options": ["a", "b"]}])), "questions[0].options"),
        (with_questions(json!([{"type": "RATING", "text": "t", "maxLength": 10}])), "questions[0].maxLength"),
        (with_questions(json!([{"type": "RATING", "text": "t", "multiple": true}])), "questions[0].multiple"),
        (with_questions(json!([{"type": "TEXT", "text": "t", "multiple": true}])), "questions[0].multiple"),
        (with_questions(json!([{"type": "TEXT", "text": "t", "options": ["a", "b"]}])), "questions[0].options"),
        (with_questions(json!([{"type": "TEXT", "text": "t", "placeholder": "Type here"}])), "placeholder"),
        (json!({"name": "n", "colour": "blue", "questions": [rating.clone()]}), "colour"),
        (json!({"name": "n", "thankyouMessage": "typo", "questions": [rating.clone()]}), "thankyouMessage"),
    ];
    for (body, field) in cases {
        let reply = app.call("POST", "/api/v1/surveys", &key, Some(body.clone())).await;
        assert_eq!(reply.status, 400, "{body} → {}", reply.body);
        assert!(reply.error().contains(field), "{body}: the error names {field}: {:?}", reply.error());
    }

    for (body, what) in [
        ("{\"name\": \"n\", \"questions\": [", "malformed JSON"),
        ("not json", "not JSON"),
        ("", "an empty body"),
        ("[]", "an array"),
        ("\"a survey\"", "a string"),
        ("42", "a number"),
        ("null", "null"),
    ] {
        let reply = raw(&app, "POST", "/api/v1/surveys", &key, body).await;
        assert_eq!(reply.status, 400, "{what}: {}", reply.body);
        assert!(!reply.error().is_empty(), "{what}: an error text: {}", reply.body);
    }

    assert_eq!(listed(&app, &key, "/api/v1/surveys").await, Vec::<String>::new(), "nothing was created");
}

#[tokio::test]
async fn a_missing_or_malformed_survey_id_answers_404() {
    let app = spawn_app().await;
    let (_, key) = business(&app).await;
    let missing = SurveyId::generate();
    for id in [missing.as_str(), "srv_123", "nope", "proj_0000000000000000000000"] {
        for (method, path, body) in [
            ("GET", survey_path(id), None),
            ("PATCH", survey_path(id), Some(json!({"name": "x"}))),
            ("GET", feedback_path(id), None),
        ] {
            let reply = app.call(method, &path, &key, body).await;
            assert_eq!((reply.status, reply.error()), (404, SURVEY_NOT_FOUND), "{method} {path}: {}", reply.body);
            assert_eq!(reply.body, json!({"error": SURVEY_NOT_FOUND}), "{method} {path}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Listing

#[tokio::test]
async fn the_list_is_newest_first_and_limit_is_checked() {
    let app = spawn_app().await;
    let (_, key) = business(&app).await;
    let empty = app.call("GET", "/api/v1/surveys", &key, None).await;
    assert_eq!(empty.status, 200, "{}", empty.body);
    assert_eq!(empty.body, json!({"data": [], "nextCursor": null}));

    let mut created = vec![];
    for i in 0..26 {
        created.push(create(&app, &key, delivery_survey(&format!("Survey {i}"))).await);
    }
    let newest_first: Vec<String> = created.iter().rev().map(id_of).collect();

    let default = app.call("GET", "/api/v1/surveys", &key, None).await;
    assert_eq!(default.status, 200);
    assert_eq!(ids(default.body["data"].as_array().unwrap()), newest_first[..25], "25 by default, newest first");
    assert!(default.body["nextCursor"].is_string(), "a 26th survey follows");
    // Items are whole surveys, with their questions.
    assert_eq!(default.body["data"][0], created[25]);

    let all = app.call("GET", "/api/v1/surveys?limit=100", &key, None).await;
    assert_eq!(ids(all.body["data"].as_array().unwrap()), newest_first);
    assert_eq!(all.body["nextCursor"], Value::Null, "null on the last page");
    let exact = app.call("GET", "/api/v1/surveys?limit=26", &key, None).await;
    assert_eq!(exact.body["data"].as_array().unwrap().len(), 26);
    assert_eq!(exact.body["nextCursor"], Value::Null, "null when the page holds the last item");
    assert_eq!(listed(&app, &key, "/api/v1/surveys?limit=1").await, newest_first[..1]);

    for bad in ["limit=0", "limit=101", "limit=x", "limit=-1", "limit=2.5"] {
        let reply = app.call("GET", &format!("/api/v1/surveys?{bad}"), &key, None).await;
        assert_eq!(reply.status, 400, "{bad}: {}", reply.body);
        assert!(reply.error().contains("limit"), "{bad}: {}", reply.error());
    }
}

#[tokio::test]
async fn paging_yields_every_survey_once_even_while_surveys_are_created() {
    let app = spawn_app().await;
    let (_, key) = business(&app).await;
    let mut old = vec![];
    for i in 0..7 {
        old.push(id_of(&create(&app, &key, delivery_survey(&format!("Old {i}"))).await));
    }
    old.reverse();
    assert_eq!(ids(&page_through(&app, &key, "/api/v1/surveys", 3).await), old, "3 + 3 + 1, newest first, once each");

    // Surveys created between pages: the old ones still come exactly once, none is skipped.
    let first = app.call("GET", "/api/v1/surveys?limit=3", &key, None).await;
    let mut seen = ids(first.body["data"].as_array().unwrap());
    let mut cursor = first.body["nextCursor"].as_str().expect("a next page").to_owned();
    let mut new = vec![];
    loop {
        for i in 0..2 {
            new.push(id_of(&create(&app, &key, delivery_survey(&format!("New {i}"))).await));
        }
        let page = app.call("GET", &format!("/api/v1/surveys?limit=3&cursor={}", encode(&cursor)), &key, None).await;
        assert_eq!(page.status, 200, "{}", page.body);
        seen.extend(ids(page.body["data"].as_array().unwrap()));
        match page.body["nextCursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    let old_seen: Vec<String> = seen.iter().filter(|id| old.contains(id)).cloned().collect();
    assert_eq!(old_seen, old, "every old survey once, in order");
    assert!(seen.iter().all(|id| !new.contains(id)), "newer surveys sit before the cursor: {seen:?}");
    let everything = ids(&page_through(&app, &key, "/api/v1/surveys", 100).await);
    assert_eq!(everything.len(), 7 + new.len(), "a fresh walk sees the new ones too");
}

#[tokio::test]
async fn tampered_foreign_and_other_lists_cursors_answer_400() {
    let app = spawn_app().await;
    let (_, key) = business(&app).await;
    let (_, stranger) = business(&app).await;
    let mine: Vec<String> = {
        let mut v = vec![];
        for i in 0..3 {
            v.push(id_of(&create(&app, &key, delivery_survey(&format!("Mine {i}"))).await));
        }
        v
    };
    let theirs = id_of(&create(&app, &stranger, delivery_survey("Theirs")).await);
    let first = app.call("GET", "/api/v1/surveys?limit=1", &key, None).await;
    let cursor = first.body["nextCursor"].as_str().expect("a next page").to_owned();
    // It works for its owner.
    assert_eq!(
        listed(&app, &key, &format!("/api/v1/surveys?limit=1&cursor={}", encode(&cursor))).await,
        [mine[1].clone()]
    );

    let mut tampered = vec![
        format!("{}{}", if cursor.starts_with('f') { "e" } else { "f" }, &cursor[1..]),
        cursor[..cursor.len() - 5].to_owned(),
        format!("{cursor}!"),
        "garbage".to_owned(),
        "eyJsIjoic3VydmV5cyJ9".to_owned(),
    ];
    // Edited by hand, well-formed: the position moved to an older survey of the same account.
    // Without the check tag this would answer 200 with a shifted page.
    assert_eq!(mine[0].len(), mine[2].len(), "ids are fixed-width");
    let mut edited = URL_SAFE_NO_PAD.decode(&cursor).expect("a cursor is base64");
    let at = edited.windows(mine[2].len()).position(|w| w == mine[2].as_bytes()).expect("it holds the last id");
    edited[at..at + mine[0].len()].copy_from_slice(mine[0].as_bytes());
    tampered.push(URL_SAFE_NO_PAD.encode(&edited));
    tampered.dedup();
    for bad in &tampered {
        let reply = app.call("GET", &format!("/api/v1/surveys?cursor={}", encode(bad)), &key, None).await;
        assert_invalid_cursor(&reply, &format!("tampered {bad}"));
    }

    // Another account's cursor: 400, never the other account's items.
    let foreign =
        app.call("GET", &format!("/api/v1/surveys?limit=1&cursor={}", encode(&cursor)), &stranger, None).await;
    assert_invalid_cursor(&foreign, "another account's cursor");
    assert!(!foreign.body.to_string().contains(&mine[1]));
    let their_first = app.call("GET", "/api/v1/surveys?limit=1", &stranger, None).await;
    assert_eq!(ids(their_first.body["data"].as_array().unwrap()), [theirs]);

    // The keys list's cursor on the surveys list.
    let made = app.call("POST", "/api/v1/keys", &key, Some(json!({"name": "second"}))).await;
    assert_eq!(made.status, 201, "{}", made.body);
    let keys_page = app.call("GET", "/api/v1/keys?limit=1", &key, None).await;
    let keys_cursor = keys_page.body["nextCursor"].as_str().expect("a keys cursor").to_owned();
    let reply = app.call("GET", &format!("/api/v1/surveys?cursor={}", encode(&keys_cursor)), &key, None).await;
    assert_invalid_cursor(&reply, "a keys cursor");
    // And the surveys list's cursor on the keys list.
    let reply = app.call("GET", &format!("/api/v1/keys?cursor={}", encode(&cursor)), &key, None).await;
    assert_invalid_cursor(&reply, "a surveys cursor on keys");
    // And on a survey's responses.
    let reply = app.call("GET", &format!("{}?cursor={}", feedback_path(&mine[0]), encode(&cursor)), &key, None).await;
    assert_invalid_cursor(&reply, "a surveys cursor on responses");
}

// ---------------------------------------------------------------------------------------------
// PATCH

#[tokio::test]
async fn patch_changes_each_changeable_field() {
    let app = spawn_app().await;
    let (account, key) = business(&app).await;
    let (project, _) = app.project(&account).await;
    let survey = create(&app, &key, delivery_survey("Before")).await;
    let id = id_of(&survey);
    let path = survey_path(&id);
    let mut expected = survey.clone();
    let mut last_updated = survey["updatedAt"].as_str().unwrap().to_owned();
    for change in [
        json!({"name": "After"}),
        json!({"welcomeMessage": "Hello <there>"}),
        json!({"thankYouMessage": "Cheers"}),
        json!({"threshold": 5}),
        json!({"threshold": 1}),
        json!({"status": "PAUSED"}),
        json!({"status": "DRAFT"}),
        json!({"status": "CLOSED"}),
        json!({"status": "ACTIVE"}),
        json!({"projectId": project.id}),
        json!({"projectId": null}),
        json!({"welcomeMessage": ""}),
        json!({"name": "Both", "threshold": 2}),
    ] {
        tokio::time::sleep(Duration::from_millis(3)).await;
        let reply = app.call("PATCH", &path, &key, Some(change.clone())).await;
        assert_eq!(reply.status, 200, "{change}: {}", reply.body);
        for (field, value) in change.as_object().unwrap() {
            expected[field] = value.clone();
        }
        let data = &reply.body["data"];
        for field in
            ["id", "name", "welcomeMessage", "thankYouMessage", "threshold", "status", "projectId", "questions"]
        {
            assert_eq!(data[field], expected[field], "{change}: {field}");
        }
        assert_eq!(data["createdAt"], survey["createdAt"], "{change}");
        let updated = data["updatedAt"].as_str().unwrap().to_owned();
        assert!(is_iso_millis(&updated) && updated > last_updated, "{change}: updatedAt {last_updated} → {updated}");
        last_updated = updated;
        let read = app.call("GET", &path, &key, None).await;
        assert_eq!(&read.body["data"], data, "{change}: GET shows the change");
    }
}

#[tokio::test]
async fn patch_refuses_invalid_values_and_unknown_fields_and_changes_nothing() {
    let app = spawn_app().await;
    let (_, key) = business(&app).await;
    let (_, foreign_project, _) = app.account_with_project(Plan::Business).await;
    let survey = create(&app, &key, delivery_survey("Kept")).await;
    let path = survey_path(&id_of(&survey));
    for (body, field) in [
        (json!({"name": ""}), "name"),
        (json!({"name": null}), "name"),
        (json!({"name": chars(201)}), "name"),
        (json!({"welcomeMessage": chars(2001)}), "welcomeMessage"),
        (json!({"thankYouMessage": chars(2001)}), "thankYouMessage"),
        (json!({"threshold": 0}), "threshold"),
        (json!({"threshold": 9}), "threshold"),
        (json!({"threshold": "4"}), "threshold"),
        (json!({"status": "DONE"}), "status"),
        (json!({"status": "closed"}), "status"),
        (json!({"projectId": foreign_project.id}), "projectId"),
        (json!({"projectId": "nope"}), "projectId"),
        (json!({"questions": []}), "questions"),
        (json!({"questions": [{"type": "STARS", "text": "t"}]}), "questions[0].type"),
        (
            json!({"questions": [{"type": "RATING", "text": "t"}, {"type": "CHOICE", "text": "t", "options": ["a"]}]}),
            "questions[1].options",
        ),
        (json!({"colour": "blue"}), "colour"),
        (json!({"name": "Valid", "colour": "blue"}), "colour"),
        (json!({"name": "Valid", "threshold": 8}), "threshold"),
        (json!({"responseCount": 10}), "responseCount"),
    ] {
        let reply = app.call("PATCH", &path, &key, Some(body.clone())).await;
        assert_eq!(reply.status, 400, "{body} → {}", reply.body);
        assert!(reply.error().contains(field), "{body}: the error names {field}: {:?}", reply.error());
    }
    for (body, what) in [("{\"name\": ", "malformed JSON"), ("[]", "an array"), ("\"x\"", "a string")] {
        let reply = raw(&app, "PATCH", &path, &key, body).await;
        assert_eq!(reply.status, 400, "{what}: {}", reply.body);
    }
    let read = app.call("GET", &path, &key, None).await;
    assert_eq!(read.body["data"], survey, "no refused PATCH changed anything");
}

#[tokio::test]
async fn questions_are_replaced_until_the_first_response_then_refused() {
    let app = spawn_app().await;
    let (_, key) = business(&app).await;
    let survey = create(&app, &key, delivery_survey("Menu")).await;
    let id = id_of(&survey);
    let path = survey_path(&id);
    let old = question_ids(&survey);

    // A new list: new ids.
    let replaced = app
        .call(
            "PATCH",
            &path,
            &key,
            Some(json!({"questions": [
                {"type": "CHOICE", "text": "Dessert?", "options": ["Cake", "Fruit"]},
                {"type": "RATING", "text": "Overall?", "required": true}
            ]})),
        )
        .await;
    assert_eq!(replaced.status, 200, "{}", replaced.body);
    let data = &replaced.body["data"];
    let new = question_ids(data);
    assert_eq!(new.len(), 2);
    assert!(new.iter().all(|q| q.starts_with("q_") && !old.contains(q)), "{old:?} → {new:?}");
    assert_eq!(data["questions"][0]["type"], "CHOICE");
    assert_eq!(data["questions"][0]["options"], json!(["Cake", "Fruit"]));
    assert_eq!(data["questions"][1]["required"], true);
    assert_eq!(app.call("GET", &path, &key, None).await.body["data"]["questions"], data["questions"]);

    // A question sent back with its id keeps it (its text may change); one without gets a new id.
    let mut kept = data["questions"][1].clone();
    kept["text"] = json!("Overall, how was it?");
    let again = app
        .call("PATCH", &path, &key, Some(json!({"questions": [kept, {"type": "TEXT", "text": "Anything else?"}]})))
        .await;
    assert_eq!(again.status, 200, "{}", again.body);
    let again_ids = question_ids(&again.body["data"]);
    assert_eq!(again_ids[0], new[1], "kept when sent back");
    assert_eq!(again.body["data"]["questions"][0]["text"], "Overall, how was it?");
    assert!(!new.contains(&again_ids[1]) && !old.contains(&again_ids[1]) && again_ids[1].starts_with("q_"));
    assert_eq!(again.body["data"]["questions"][1]["maxLength"], 2000);

    // The first response freezes them.
    answer(&app, &id, json!({ again_ids[0].clone(): 4 })).await;
    let before = app.call("GET", &path, &key, None).await.body["data"].clone();
    assert_eq!(before["responseCount"], 1);
    let refused = app
        .call("PATCH", &path, &key, Some(json!({"name": "Renamed", "questions": [{"type": "RATING", "text": "New"}]})))
        .await;
    assert_eq!((refused.status, refused.error()), (400, QUESTIONS_FROZEN), "{}", refused.body);
    let same = app.call("PATCH", &path, &key, Some(json!({"questions": before["questions"].clone()}))).await;
    assert_eq!((same.status, same.error()), (400, QUESTIONS_FROZEN), "even the same list");
    assert_eq!(app.call("GET", &path, &key, None).await.body["data"], before, "nothing changed, the name neither");

    // The other fields still change.
    let renamed = app.call("PATCH", &path, &key, Some(json!({"name": "Renamed", "threshold": 4}))).await;
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    assert_eq!(renamed.body["data"]["name"], "Renamed");
    assert_eq!(renamed.body["data"]["questions"], before["questions"]);
}

#[tokio::test]
async fn only_an_active_survey_takes_responses() {
    let app = spawn_app().await;
    let (_, key) = business(&app).await;
    let survey = create(&app, &key, delivery_survey("Open")).await;
    let id = id_of(&survey);
    let rating = question_ids(&survey)[0].clone();
    answer(&app, &id, json!({ rating.clone(): 5 })).await;
    for status in ["CLOSED", "PAUSED", "DRAFT"] {
        let patched = app.call("PATCH", &survey_path(&id), &key, Some(json!({ "status": status }))).await;
        assert_eq!(patched.status, 200, "{}", patched.body);
        let reply = respond(&app, &id, json!({ rating.clone(): 5 })).await;
        assert_eq!((reply.status, reply.error()), (409, NOT_ACCEPTING), "{status}: {}", reply.body);
    }
    let reopened = app.call("PATCH", &survey_path(&id), &key, Some(json!({"status": "ACTIVE"}))).await;
    assert_eq!(reopened.status, 200);
    answer(&app, &id, json!({ rating.clone(): 5 })).await;
    assert_eq!(listed(&app, &key, &feedback_path(&id)).await.len(), 2, "the refused posts stored nothing");
    assert_eq!(app.call("GET", &survey_path(&id), &key, None).await.body["data"]["responseCount"], 2);

    let mut draft = delivery_survey("Draft");
    draft["status"] = json!("DRAFT");
    let draft = create(&app, &key, draft).await;
    let reply = respond(&app, &id_of(&draft), json!({ question_ids(&draft)[0].clone(): 5 })).await;
    assert_eq!((reply.status, reply.error()), (409, NOT_ACCEPTING));
}

// ---------------------------------------------------------------------------------------------
// Responses

#[tokio::test]
async fn responses_show_their_answers_rating_and_flags() {
    let app = spawn_app().await;
    let (_, key) = business(&app).await;
    let survey = create(&app, &key, delivery_survey("Shape")).await;
    let id = id_of(&survey);
    let [rating, text, choice] = <[String; 3]>::try_from(question_ids(&survey)).unwrap();

    let full = answer(
        &app,
        &id,
        json!({ rating.clone(): 2, text.clone(): "Faster please", choice.clone(): ["Pizza", "Salad"] }),
    )
    .await;
    let partial = answer(&app, &id, json!({ rating.clone(): 4 })).await;
    let empty_text = answer(&app, &id, json!({ rating.clone(): 3, text.clone(): "", choice.clone(): "Pasta" })).await;

    let reply = app.call("GET", &feedback_path(&id), &key, None).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["nextCursor"], Value::Null);
    let items = reply.body["data"].as_array().unwrap();
    assert_eq!(ids(items), [empty_text.clone(), partial.clone(), full.clone()], "newest first");
    for item in items {
        let mut keys: Vec<&str> = item.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["answers", "complete", "createdAt", "id", "lowRated", "rating", "topics"], "{item}");
        assert!(is_iso_millis(item["createdAt"].as_str().unwrap()), "{item}");
        // null until the topics function (running behind the local stack) has read it, then a list.
        assert!(item["topics"].is_null() || item["topics"].is_array(), "{item}");
    }
    let [third, second, first] = [&items[0], &items[1], &items[2]];
    assert_eq!(
        first["answers"],
        json!([
            {"questionId": rating, "type": "RATING", "question": "How was your delivery?", "value": 2},
            {"questionId": text, "type": "TEXT", "question": "What could we do better?", "value": "Faster please"},
            {"questionId": choice, "type": "CHOICE", "question": "What did you order?", "value": ["Pizza", "Salad"]}
        ])
    );
    assert_eq!((&first["rating"], &first["lowRated"], &first["complete"]), (&json!(2), &json!(true), &json!(true)));
    assert_eq!(
        second["answers"],
        json!([{"questionId": rating, "type": "RATING", "question": "How was your delivery?", "value": 4}])
    );
    assert_eq!(
        (&second["rating"], &second["lowRated"], &second["complete"]),
        (&json!(4), &json!(false), &json!(false))
    );
    // An empty text is unanswered (left out, so not complete); a single string for a multiple
    // choice is shown as a list.
    assert_eq!(
        third["answers"],
        json!([
            {"questionId": rating, "type": "RATING", "question": "How was your delivery?", "value": 3},
            {"questionId": choice, "type": "CHOICE", "question": "What did you order?", "value": ["Pasta"]}
        ])
    );
    assert_eq!((&third["rating"], &third["lowRated"], &third["complete"]), (&json!(3), &json!(false), &json!(false)));

    let read = app.call("GET", &survey_path(&id), &key, None).await;
    assert_eq!(read.body["data"]["responseCount"], 3);
    let listed = app.call("GET", "/api/v1/surveys", &key, None).await;
    assert_eq!(listed.body["data"][0]["responseCount"], 3);

    // A single choice is a string; a survey without a rating gives unrated responses.
    let plain = create(
        &app,
        &key,
        json!({"name": "No rating", "questions": [
            {"type": "TEXT", "text": "Say something"},
            {"type": "CHOICE", "text": "Yes or no?", "options": ["Yes", "No"]}
        ]}),
    )
    .await;
    let [said, yes_no] = <[String; 2]>::try_from(question_ids(&plain)).unwrap();
    answer(&app, &id_of(&plain), json!({ said.clone(): "Hi", yes_no.clone(): "No" })).await;
    let item = app.call("GET", &feedback_path(&id_of(&plain)), &key, None).await.body["data"][0].clone();
    assert_eq!((&item["rating"], &item["lowRated"], &item["complete"]), (&Value::Null, &json!(false), &json!(true)));
    assert_eq!(
        item["answers"],
        json!([
            {"questionId": said, "type": "TEXT", "question": "Say something", "value": "Hi"},
            {"questionId": yes_no, "type": "CHOICE", "question": "Yes or no?", "value": "No"}
        ])
    );
}

#[tokio::test]
async fn the_rating_is_the_first_rating_question_and_low_rated_uses_the_threshold_of_the_time() {
    let app = spawn_app().await;
    let (_, key) = business(&app).await;
    let survey = create(
        &app,
        &key,
        json!({"name": "Two ratings", "questions": [
            {"type": "TEXT", "text": "Hello?"},
            {"type": "RATING", "text": "Food?"},
            {"type": "RATING", "text": "Service?"}
        ]}),
    )
    .await;
    let id = id_of(&survey);
    let path = survey_path(&id);
    let [_, food, service] = <[String; 3]>::try_from(question_ids(&survey)).unwrap();

    let two = answer(&app, &id, json!({ food.clone(): 2, service.clone(): 5 })).await;
    let three = answer(&app, &id, json!({ food.clone(): 3, service.clone(): 1 })).await;
    // Only the second rating question answered: the survey's rating (the first one) is missing.
    let service_only = answer(&app, &id, json!({ service.clone(): 1 })).await;
    assert_eq!(app.call("PATCH", &path, &key, Some(json!({"threshold": 4}))).await.status, 200);
    let three_later = answer(&app, &id, json!({ food.clone(): 3 })).await;
    let four_later = answer(&app, &id, json!({ food.clone(): 4 })).await;
    assert_eq!(app.call("PATCH", &path, &key, Some(json!({"threshold": 1}))).await.status, 200);
    let one_latest = answer(&app, &id, json!({ food.clone(): 1 })).await;

    let items = app.call("GET", &feedback_path(&id), &key, None).await.body["data"].as_array().unwrap().clone();
    let flags: Vec<(String, Value, Value)> =
        items.iter().map(|i| (id_of(i), i["rating"].clone(), i["lowRated"].clone())).collect();
    assert_eq!(
        flags,
        [
            (one_latest, json!(1), json!(false)),
            (four_later, json!(4), json!(false)),
            (three_later.clone(), json!(3), json!(true)),
            (service_only, Value::Null, json!(false)),
            (three, json!(3), json!(false)),
            (two.clone(), json!(2), json!(true)),
        ],
        "each response keeps the flag of the threshold at its time"
    );
    assert_eq!(listed(&app, &key, &format!("{}?lowRated=true", feedback_path(&id))).await, [three_later, two]);
}

#[tokio::test]
async fn the_responses_filters_select_and_combine() {
    let app = spawn_app().await;
    let (_, key) = business(&app).await;
    let survey = create(&app, &key, optional_survey("Filters")).await;
    let id = id_of(&survey);
    let [rating, text, _] = <[String; 3]>::try_from(question_ids(&survey)).unwrap();
    let r1 = answer(&app, &id, json!({ rating.clone(): 5 })).await;
    let r2 = answer(&app, &id, json!({ rating.clone(): 1 })).await;
    let r3 = answer(&app, &id, json!({ rating.clone(): 3 })).await;
    let r4 = answer(&app, &id, json!({ rating.clone(): 2 })).await;
    let r5 = answer(&app, &id, json!({ text.clone(): "No rating from me" })).await;
    let r6 = answer(&app, &id, json!({ rating.clone(): 4 })).await;

    let all = app.call("GET", &feedback_path(&id), &key, None).await.body["data"].as_array().unwrap().clone();
    assert_eq!(ids(&all), [&r6, &r5, &r4, &r3, &r2, &r1].map(String::clone));
    let created_at = |rid: &str| all.iter().find(|i| i["id"] == rid).unwrap()["createdAt"].as_str().unwrap().to_owned();
    let since_r3 = encode(&created_at(&r3));
    let base = feedback_path(&id);
    for (query, expected) in [
        ("maxRating=5".to_owned(), vec![&r6, &r4, &r3, &r2, &r1]),
        ("maxRating=3".to_owned(), vec![&r4, &r3, &r2]),
        ("maxRating=1".to_owned(), vec![&r2]),
        ("lowRated=true".to_owned(), vec![&r4, &r2]),
        (format!("since={since_r3}"), vec![&r6, &r5, &r4, &r3]),
        ("since=2000-01-01T00:00:00Z".to_owned(), vec![&r6, &r5, &r4, &r3, &r2, &r1]),
        ("since=2100-01-01T00:00:00.000Z".to_owned(), vec![]),
        // `lowRated=false` is no filter.
        ("lowRated=false".to_owned(), vec![&r6, &r5, &r4, &r3, &r2, &r1]),
        (format!("since={since_r3}&lowRated=true"), vec![&r4]),
        (format!("lowRated=true&since={since_r3}"), vec![&r4]),
        (format!("since={since_r3}&maxRating=3"), vec![&r4, &r3]),
        ("lowRated=true&maxRating=1".to_owned(), vec![&r2]),
        ("maxRating=4&lowRated=true".to_owned(), vec![&r4, &r2]),
        (format!("since={since_r3}&lowRated=true&maxRating=1"), vec![]),
        (format!("since={}&maxRating=5&lowRated=true", encode(&created_at(&r2))), vec![&r4, &r2]),
    ] {
        let path = format!("{base}?{query}");
        let expected: Vec<String> = expected.into_iter().cloned().collect();
        assert_eq!(listed(&app, &key, &path).await, expected, "{query}");
        // The same through pages of one.
        assert_eq!(ids(&page_through(&app, &key, &path, 1).await), expected, "{query}, one a page");
    }

    for (query, name) in [
        ("since=yesterday", "since"),
        ("since=2026-02-30T00:00:00Z", "since"),
        ("since=12345", "since"),
        ("maxRating=0", "maxRating"),
        ("maxRating=6", "maxRating"),
        ("maxRating=x", "maxRating"),
        ("maxRating=2.5", "maxRating"),
        ("lowRated=yes", "lowRated"),
        ("lowRated=1", "lowRated"),
        ("lowRated=TRUE", "lowRated"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=x", "limit"),
    ] {
        let reply = app.call("GET", &format!("{base}?{query}"), &key, None).await;
        assert_eq!(reply.status, 400, "{query}: {}", reply.body);
        assert!(reply.error().contains(name), "{query}: the error names {name}: {:?}", reply.error());
    }
}

#[tokio::test]
async fn responses_page_with_cursors_bound_to_their_survey_and_filters() {
    let app = spawn_app_with(|app| app.settings.survey_responses_per_ip_per_minute = 1000).await;
    let (_, key) = business(&app).await;
    let survey = create(&app, &key, optional_survey("Thirty")).await;
    let id = id_of(&survey);
    let rating = question_ids(&survey)[0].clone();
    let mut posted = vec![];
    for i in 0..30 {
        posted.push(answer(&app, &id, json!({ rating.clone(): (i % 5) + 1 })).await);
    }
    let newest_first: Vec<String> = posted.iter().rev().cloned().collect();
    let base = feedback_path(&id);

    let default = app.call("GET", &base, &key, None).await;
    assert_eq!(ids(default.body["data"].as_array().unwrap()), newest_first[..25], "25 by default");
    assert!(default.body["nextCursor"].is_string());
    assert_eq!(ids(&page_through(&app, &key, &base, 7).await), newest_first, "7+7+7+7+2, each once");
    // Ratings 1 and 2 are below the default threshold 3.
    let low: Vec<String> =
        posted.iter().enumerate().rev().filter(|(i, _)| i % 5 < 2).map(|(_, id)| id.clone()).collect();
    assert_eq!(low.len(), 12);
    assert_eq!(ids(&page_through(&app, &key, &format!("{base}?lowRated=true"), 5).await), low);
    assert_eq!(ids(&page_through(&app, &key, &format!("{base}?maxRating=2"), 5).await), low);

    // Responses that come in while a client pages are neither skipped nor repeated among the old.
    let first = app.call("GET", &format!("{base}?limit=7"), &key, None).await;
    let mut seen = ids(first.body["data"].as_array().unwrap());
    let mut cursor = first.body["nextCursor"].as_str().unwrap().to_owned();
    let mut fresh = vec![];
    loop {
        fresh.push(answer(&app, &id, json!({ rating.clone(): 1 })).await);
        let page = app.call("GET", &format!("{base}?limit=7&cursor={}", encode(&cursor)), &key, None).await;
        assert_eq!(page.status, 200, "{}", page.body);
        seen.extend(ids(page.body["data"].as_array().unwrap()));
        match page.body["nextCursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    let old_seen: Vec<String> = seen.iter().filter(|s| newest_first.contains(s)).cloned().collect();
    assert_eq!(old_seen, newest_first);
    assert!(seen.iter().all(|s| !fresh.contains(s)), "responses newer than the cursor come on a fresh walk");

    // A cursor is bound to its filters and to its survey.
    let low_page = app.call("GET", &format!("{base}?lowRated=true&limit=2"), &key, None).await;
    let low_cursor = encode(low_page.body["nextCursor"].as_str().expect("a lowRated cursor"));
    let plain_page = app.call("GET", &format!("{base}?limit=2"), &key, None).await;
    let plain_cursor = encode(plain_page.body["nextCursor"].as_str().expect("a cursor"));
    let max_page = app.call("GET", &format!("{base}?maxRating=2&limit=2"), &key, None).await;
    let max_cursor = encode(max_page.body["nextCursor"].as_str().expect("a maxRating cursor"));
    let since = "since=2000-01-01T00:00:00.000Z";
    let since_page = app.call("GET", &format!("{base}?{since}&limit=2"), &key, None).await;
    let since_cursor = encode(since_page.body["nextCursor"].as_str().expect("a since cursor"));
    assert_eq!(
        app.call("GET", &format!("{base}?lowRated=true&limit=2&cursor={low_cursor}"), &key, None).await.status,
        200,
        "with the same filters"
    );
    for (query, what) in [
        (format!("limit=2&cursor={low_cursor}"), "a lowRated cursor without lowRated"),
        (format!("lowRated=true&maxRating=1&limit=2&cursor={low_cursor}"), "a lowRated cursor with maxRating added"),
        (format!("lowRated=true&limit=2&cursor={plain_cursor}"), "an unfiltered cursor with lowRated"),
        (format!("maxRating=3&limit=2&cursor={max_cursor}"), "a maxRating=2 cursor with maxRating=3"),
        (format!("limit=2&cursor={max_cursor}"), "a maxRating cursor without it"),
        (format!("limit=2&cursor={since_cursor}"), "a since cursor without since"),
        (format!("since=2001-01-01T00:00:00.000Z&limit=2&cursor={since_cursor}"), "a since cursor with another since"),
    ] {
        let reply = app.call("GET", &format!("{base}?{query}"), &key, None).await;
        assert_invalid_cursor(&reply, what);
    }
    let other = create(&app, &key, optional_survey("Other")).await;
    let other_id = id_of(&other);
    answer(&app, &other_id, json!({ question_ids(&other)[0].clone(): 1 })).await;
    let reply =
        app.call("GET", &format!("{}?limit=2&cursor={plain_cursor}", feedback_path(&other_id)), &key, None).await;
    assert_invalid_cursor(&reply, "another survey's cursor");
    let reply = app.call("GET", &format!("/api/v1/surveys?limit=2&cursor={plain_cursor}"), &key, None).await;
    assert_invalid_cursor(&reply, "a responses cursor on the surveys list");
    // Another account, with this survey's id and cursor: exactly what a missing survey answers,
    // and never an item.
    let (_, stranger) = business(&app).await;
    let theirs = app.call("GET", &format!("{base}?limit=2&cursor={plain_cursor}"), &stranger, None).await;
    let missing = feedback_path(SurveyId::generate().as_str());
    let nobodys = app.call("GET", &format!("{missing}?limit=2&cursor={plain_cursor}"), &stranger, None).await;
    assert!(matches!(theirs.status, 400 | 404), "{}", theirs.body);
    assert_eq!((theirs.status, &theirs.body), (nobodys.status, &nobodys.body));
    let own = id_of(&create(&app, &stranger, optional_survey("Theirs")).await);
    let reply =
        app.call("GET", &format!("{}?limit=2&cursor={plain_cursor}", feedback_path(&own)), &stranger, None).await;
    assert_invalid_cursor(&reply, "another account's cursor on its own survey");
    assert!(!reply.body.to_string().contains("rsp_"), "none of the first account's responses: {}", reply.body);
}

#[tokio::test]
async fn a_survey_with_a_project_files_each_response_in_its_miniback_feedback() {
    let app = spawn_app().await;
    let (account, key) = business(&app).await;
    let (project, _) = app.project(&account).await;
    let project_feedback = format!("/api/projects/{}/feedback", project.id);
    let api_item = app.call("POST", &project_feedback, &key, Some(json!({"message": "From the API"}))).await;
    assert_eq!(api_item.status, 201, "{}", api_item.body);

    let mut body = json!({"name": "Filed", "questions": [
        {"type": "RATING", "text": "How was it?"},
        {"type": "TEXT", "text": "Why?"},
        {"type": "CHOICE", "text": "Which?", "options": ["A", "B"]}
    ]});
    body["projectId"] = json!(project.id);
    let survey = create(&app, &key, body).await;
    assert_eq!(survey["projectId"], json!(project.id));
    let id = id_of(&survey);
    let [rating, text, choice] = <[String; 3]>::try_from(question_ids(&survey)).unwrap();

    let with_text =
        answer(&app, &id, json!({ rating.clone(): 2, text.clone(): "Too slow", choice.clone(): "A" })).await;
    let rating_only = answer(&app, &id, json!({ rating.clone(): 4 })).await;

    let reply = app.call("GET", &project_feedback, &key, None).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["pagination"]["total"], 3, "the project's total counts the responses: {}", reply.body);
    let items = reply.body["data"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    let filed: Vec<&Value> = items.iter().filter(|i| i["source"] == "SURVEY").collect();
    assert_eq!(filed.len(), 2, "{}", reply.body);
    let by_response = |rid: &str| {
        *filed.iter().find(|i| i["context"]["responseId"] == rid).unwrap_or_else(|| panic!("{rid} filed: {items:?}"))
    };
    let first = by_response(&with_text);
    assert_eq!(first["message"], "Too slow", "the text answers");
    // The project list adds the reference's `context.timestamp` (when it was received).
    let timestamp = first["createdAt"].clone();
    assert_eq!(first["context"], json!({"surveyId": id, "responseId": with_text, "rating": 2, "timestamp": timestamp}));
    assert_eq!(first["status"], "NEW");
    assert!(first["id"].as_str().is_some_and(|f| f.starts_with("fb_")), "{first}");
    let second = by_response(&rating_only);
    assert!(second["message"].as_str().is_some_and(|m| m.contains('4')), "the rating when no text: {second}");
    let timestamp = second["createdAt"].clone();
    assert_eq!(
        second["context"],
        json!({"surveyId": id, "responseId": rating_only, "rating": 4, "timestamp": timestamp})
    );
    assert_eq!(ids(&items[..2]), [second["id"].as_str().unwrap(), first["id"].as_str().unwrap()], "newest first");

    let by_source = app.call("GET", &format!("/api/feedback?project={}&source=SURVEY", project.id), &key, None).await;
    assert_eq!(by_source.status, 200, "{}", by_source.body);
    assert_eq!(by_source.body["pagination"]["total"], 2, "{}", by_source.body);

    // Without its project, a response is stored on its own.
    let detached = app.call("PATCH", &survey_path(&id), &key, Some(json!({"projectId": null}))).await;
    assert_eq!(detached.status, 200, "{}", detached.body);
    answer(&app, &id, json!({ rating.clone(): 5, text.clone(): "Better now" })).await;
    let after = app.call("GET", &project_feedback, &key, None).await;
    assert_eq!(after.body["pagination"]["total"], 3, "{}", after.body);
    assert_eq!(listed(&app, &key, &feedback_path(&id)).await.len(), 3);
}

// ---------------------------------------------------------------------------------------------
// Isolation, plans and keys

#[tokio::test]
async fn another_accounts_survey_answers_exactly_like_a_missing_one() {
    let app = spawn_app().await;
    let (_, owner) = business(&app).await;
    let (_, stranger) = business(&app).await;
    let survey = create(&app, &owner, delivery_survey("Private")).await;
    let id = id_of(&survey);
    answer(&app, &id, json!({ question_ids(&survey)[0].clone(): 1 })).await;
    let missing = SurveyId::generate();
    for (method, suffix, body) in [
        ("GET", "", None),
        ("PATCH", "", Some(json!({"name": "Mine now", "status": "CLOSED"}))),
        ("GET", "/feedback", None),
        ("GET", "/feedback?lowRated=true", None),
    ] {
        let theirs = app.call(method, &format!("{}{suffix}", survey_path(&id)), &stranger, body.clone()).await;
        let nobodys = app.call(method, &format!("{}{suffix}", survey_path(missing.as_str())), &stranger, body).await;
        assert_eq!((theirs.status, theirs.error()), (404, SURVEY_NOT_FOUND), "{method} {suffix}: {}", theirs.body);
        assert_eq!((theirs.status, &theirs.body), (nobodys.status, &nobodys.body), "{method} {suffix}");
    }
    assert_eq!(listed(&app, &stranger, "/api/v1/surveys").await, Vec::<String>::new());
    let own = id_of(&create(&app, &stranger, delivery_survey("Theirs")).await);
    assert_eq!(listed(&app, &stranger, "/api/v1/surveys?limit=100").await, [own]);
    assert_eq!(listed(&app, &owner, "/api/v1/surveys?limit=100").await, [id.as_str()]);
    let read = app.call("GET", &survey_path(&id), &owner, None).await;
    assert_eq!(read.body["data"]["name"], "Private", "the stranger's PATCH changed nothing");
    assert_eq!(read.body["data"]["status"], "ACTIVE");
}

#[tokio::test]
async fn other_plans_get_403_naming_business_and_use_no_call() {
    let app = spawn_app().await;
    let (_, business_key) = business(&app).await;
    let survey = id_of(&create(&app, &business_key, delivery_survey("Somebody's")).await);
    for (plan, name) in [(Plan::Pro, "PRO"), (Plan::Starter, "STARTER"), (Plan::Free, "FREE")] {
        let (account, key) = app.account(plan).await;
        let key = key.expose().to_owned();
        let before = app.calls_this_month(&account).await;
        for (method, path, body) in [
            ("GET", "/api/v1/surveys".to_owned(), None),
            ("POST", "/api/v1/surveys".to_owned(), Some(delivery_survey("Not allowed"))),
            ("GET", survey_path(&survey), None),
            ("GET", survey_path(SurveyId::generate().as_str()), None),
            ("PATCH", survey_path(&survey), Some(json!({"name": "x"}))),
            ("GET", feedback_path(&survey), None),
        ] {
            let reply = app.call(method, &path, &key, body).await;
            assert_eq!((reply.status, reply.error()), (403, needs_business(name).as_str()), "{name} {method} {path}");
        }
        assert_eq!(app.calls_this_month(&account).await, before, "{name}: refused requests use no call");
    }
    assert_eq!(app.call("GET", &survey_path(&survey), &business_key, None).await.body["data"]["name"], "Somebody's");
}

#[tokio::test]
async fn key_use_cases_roles_and_families() {
    let app = spawn_app().await;
    let (account, owner) = business(&app).await;
    let (_, project_key) = app.project(&account).await;
    let survey = create(&app, &owner, delivery_survey("Keys")).await;
    let id = id_of(&survey);
    answer(&app, &id, json!({ question_ids(&survey)[0].clone(): 3 })).await;
    let key_of = |use_case: &'static str| {
        let app = &app;
        let owner = owner.clone();
        async move {
            let made =
                app.call("POST", "/api/v1/keys", &owner, Some(json!({"name": use_case, "useCase": use_case}))).await;
            assert_eq!(made.status, 201, "{}", made.body);
            assert_eq!(made.body["data"]["role"], "member");
            made.body["data"]["key"].as_str().unwrap().to_owned()
        }
    };
    let (member, read_only, ingest) = (key_of("FULL").await, key_of("READ_ONLY").await, key_of("INGEST").await);
    let reads = [("GET", "/api/v1/surveys".to_owned()), ("GET", survey_path(&id)), ("GET", feedback_path(&id))];

    // A member key with the FULL use case manages surveys (roles only guard key management).
    for (method, path) in &reads {
        assert_eq!(app.call(method, path, &member, None).await.status, 200, "member {method} {path}");
    }
    assert_eq!(app.call("POST", "/api/v1/surveys", &member, Some(delivery_survey("By a member"))).await.status, 201);
    assert_eq!(app.call("PATCH", &survey_path(&id), &member, Some(json!({"threshold": 4}))).await.status, 200);

    // READ_ONLY reads, and writes nothing.
    for (method, path) in &reads {
        let reply = app.call(method, path, &read_only, None).await;
        assert_eq!(reply.status, 200, "READ_ONLY {method} {path}: {}", reply.body);
    }
    let writes = [
        ("POST", "/api/v1/surveys".to_owned(), Some(delivery_survey("Refused"))),
        ("PATCH", survey_path(&id), Some(json!({"name": "Refused"}))),
    ];
    for (method, path, body) in writes.clone() {
        let reply = app.call(method, &path, &read_only, body).await;
        assert_eq!(reply.status, 403, "READ_ONLY {method} {path}: {}", reply.body);
        assert!(reply.error().contains("READ_ONLY"), "{}", reply.error());
    }

    // INGEST and a project key: nothing.
    let all: Vec<(&str, String, Option<Value>)> =
        reads.iter().map(|(m, p)| (*m, p.clone(), None)).chain(writes.iter().cloned()).collect();
    for (method, path, body) in all.clone() {
        let reply = app.call(method, &path, &ingest, body).await;
        assert_eq!(reply.status, 403, "INGEST {method} {path}: {}", reply.body);
        assert!(reply.error().contains("INGEST"), "{}", reply.error());
    }
    for (method, path, body) in all.clone() {
        let reply = app.call(method, &path, project_key.expose(), body).await;
        assert_eq!(reply.status, 403, "project key {method} {path}: {}", reply.body);
        assert!(!reply.error().is_empty());
    }

    // No key at all: the documented 401.
    for (method, path, body) in all {
        let mut request = app.http.request(reqwest::Method::from_bytes(method.as_bytes()).unwrap(), app.url(&path));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let reply = Reply::from(request.send().await.unwrap()).await;
        assert_eq!((reply.status, reply.error()), (401, texts::KEY_REQUIRED), "no key {method} {path}");
    }

    let read = app.call("GET", &survey_path(&id), &owner, None).await.body["data"].clone();
    assert_eq!((read["name"].clone(), read["threshold"].clone()), (json!("Keys"), json!(4)));
    let names: Vec<Value> = app.call("GET", "/api/v1/surveys?limit=100", &owner, None).await.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].clone())
        .collect();
    assert_eq!(names, [json!("By a member"), json!("Keys")], "no refused key created anything");
}

#[tokio::test]
async fn a_key_limited_to_projects_may_not_file_a_survey_elsewhere() {
    let app = spawn_app().await;
    let (account, owner) = business(&app).await;
    let (allowed, _) = app.project(&account).await;
    let (other, _) = hearken::admin::create_project(&app.app, &account.id, "Other project", None).await.unwrap();
    let made = app
        .call("POST", "/api/v1/keys", &owner, Some(json!({"name": "limited", "allowedProjects": [allowed.id]})))
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    let limited = made.body["data"]["key"].as_str().unwrap().to_owned();
    let mut inside = delivery_survey("Inside");
    inside["projectId"] = json!(allowed.id);
    assert_eq!(app.call("POST", "/api/v1/surveys", &limited, Some(inside)).await.status, 201);
    let mut outside = delivery_survey("Outside");
    outside["projectId"] = json!(other.id);
    let reply = app.call("POST", "/api/v1/surveys", &limited, Some(outside)).await;
    assert!(matches!(reply.status, 400 | 403), "a project outside the key's list: {} {}", reply.status, reply.body);
    let names: Vec<Value> = app.call("GET", "/api/v1/surveys", &owner, None).await.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].clone())
        .collect();
    assert_eq!(names, [json!("Inside")]);
}

// ---------------------------------------------------------------------------------------------
// The reference's curl example, and the quota

#[tokio::test]
async fn the_reference_curl_example_lists_the_surveys() {
    let app = spawn_app().await;
    let (_, key) = business(&app).await;
    let id = id_of(&create(&app, &key, delivery_survey("Curl")).await);
    // The reference: curl https://app.ratemind.net/api/v1/surveys \ -H "Authorization: Bearer sk_live_…"
    let args = vec![
        "-sS".to_owned(),
        "--max-time".to_owned(),
        "30".to_owned(),
        "-w".to_owned(),
        "\n%{http_code}".to_owned(),
        format!("{}/api/v1/surveys", app.base),
        "-H".to_owned(),
        format!("Authorization: Bearer {key}"),
    ];
    let output = tokio::task::spawn_blocking(move || std::process::Command::new("curl").args(&args).output())
        .await
        .unwrap()
        .expect("curl runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let (body, status) = stdout.rsplit_once('\n').expect("the status after the body");
    assert_eq!(status, "200", "{body}");
    let body: Value = serde_json::from_str(body).expect("JSON");
    assert_eq!(ids(body["data"].as_array().unwrap()), [id]);
    assert_eq!(body["nextCursor"], Value::Null);
}

#[tokio::test]
async fn responses_use_none_of_the_accounts_monthly_calls() {
    let app = spawn_app().await;
    let (account, key) = business(&app).await;
    let survey = create(&app, &key, delivery_survey("Quota")).await;
    let id = id_of(&survey);
    let rating = question_ids(&survey)[0].clone();
    let usage = |reply: Reply| reply.body["data"]["usage"]["calls"].as_u64().expect("usage.calls");
    let first = usage(app.call("GET", "/api/v1/account", &key, None).await);
    let stored_before = app.calls_this_month(&account).await;
    for rating_value in 1..=5 {
        answer(&app, &id, json!({ rating.clone(): rating_value })).await;
    }
    let refused = respond(&app, &id, json!({ rating.clone(): 9 })).await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert_eq!(app.calls_this_month(&account).await, stored_before, "posts counted nothing");
    let second = usage(app.call("GET", "/api/v1/account", &key, None).await);
    assert_eq!(second, first + 1, "only the GET itself was counted");
    // Reading them is an API call like any other.
    assert_eq!(listed(&app, &key, &feedback_path(&id)).await.len(), 5);
    assert_eq!(usage(app.call("GET", "/api/v1/account", &key, None).await), first + 3);
}

#[tokio::test]
async fn a_since_far_in_the_future_answers_an_empty_page() {
    let app = spawn_app().await;
    let (_, key) = business(&app).await;
    let survey = create(&app, &key, optional_survey("Future")).await;
    let id = id_of(&survey);
    answer(&app, &id, json!({ question_ids(&survey)[0].clone(): 2 })).await;
    for since in ["2999-01-01T00:00:00.000Z", "9999-12-31T23:59:59.999Z"] {
        for extra in ["", "&lowRated=true", "&maxRating=5"] {
            let path = format!("{}?since={}{extra}", feedback_path(&id), encode(since));
            let reply = app.call("GET", &path, &key, None).await;
            assert_eq!(reply.status, 200, "{path}: {}", reply.body);
            assert_eq!(reply.body, json!({"data": [], "nextCursor": null}), "{path}");
        }
    }
}

#[tokio::test]
async fn a_response_and_a_questions_patch_racing_never_both_succeed() {
    let app = spawn_app_with(|app| app.settings.survey_responses_per_ip_per_minute = 1000).await;
    let (_, key) = business(&app).await;
    for round in 0..8 {
        let survey = create(&app, &key, delivery_survey(&format!("Race {round}"))).await;
        let id = id_of(&survey);
        let rating = question_ids(&survey)[0].clone();
        let path = survey_path(&id);
        let change = json!({"questions": [{"type": "TEXT", "text": "Only this now"}]});
        let (posted, patched) = tokio::join!(
            respond(&app, &id, json!({ rating.clone(): 4 })),
            app.call("PATCH", &path, &key, Some(change))
        );
        let stored = listed(&app, &key, &feedback_path(&id)).await;
        let now = app.call("GET", &path, &key, None).await.body["data"].clone();
        match (posted.status, patched.status) {
            (201, 400) => {
                assert_eq!(patched.error(), QUESTIONS_FROZEN, "round {round}");
                assert_eq!(question_ids(&now), question_ids(&survey), "round {round}: questions kept");
                assert_eq!((stored.len(), now["responseCount"].clone()), (1, json!(1)), "round {round}");
            }
            (status, 200) => {
                assert!(matches!(status, 400 | 409), "round {round}: the response after the change: {}", posted.body);
                assert_eq!(question_ids(&now).len(), 1, "round {round}: replaced");
                assert_eq!((stored.len(), now["responseCount"].clone()), (0, json!(0)), "round {round}");
            }
            other => panic!("round {round}: response {} / PATCH {}: {other:?}", posted.body, patched.body),
        }
    }
}

#[tokio::test]
async fn a_response_to_a_survey_whose_project_was_deleted_is_stored_on_its_own() {
    let app = spawn_app().await;
    let (_, key) = business(&app).await;
    let made = app.call("POST", "/api/projects", &key, Some(json!({"name": "Short-lived"}))).await;
    assert_eq!(made.status, 201, "{}", made.body);
    let project = id_of(&made.body["data"]);
    let mut body = optional_survey("Orphan");
    body["projectId"] = json!(project);
    let survey = create(&app, &key, body).await;
    let id = id_of(&survey);
    let rating = question_ids(&survey)[0].clone();
    answer(&app, &id, json!({ rating.clone(): 2 })).await;
    let deleted = app.call("DELETE", &format!("/api/projects/{project}"), &key, None).await;
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    let later = answer(&app, &id, json!({ rating.clone(): 5 })).await;
    let stored = listed(&app, &key, &feedback_path(&id)).await;
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[0], later);
    assert_eq!(app.call("GET", &survey_path(&id), &key, None).await.body["data"]["responseCount"], 2);
}

#[tokio::test]
async fn the_key_is_taken_three_ways_and_answers_carry_rate_limit_headers() {
    let app = spawn_app().await;
    let (_, key) = business(&app).await;
    let id = id_of(&create(&app, &key, delivery_survey("Ways")).await);
    let url = app.url("/api/v1/surveys");
    for (what, request) in [
        ("x-api-key", app.http.get(&url).header("x-api-key", &key)),
        ("Authorization: Bearer", app.http.get(&url).bearer_auth(&key)),
        ("?api_key=", app.http.get(format!("{url}?api_key={}", encode(&key)))),
    ] {
        let reply = Reply::from(request.send().await.unwrap()).await;
        assert_eq!(reply.status, 200, "{what}: {}", reply.body);
        assert_eq!(ids(reply.body["data"].as_array().unwrap()), [id.as_str()], "{what}");
        for header in ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"] {
            assert!(reply.header(header).is_some(), "{what}: {header}");
        }
        assert_eq!(reply.header("x-ratelimit-limit"), Some("1200"), "{what}: the BUSINESS plan's limit");
    }
}

#[tokio::test]
async fn wrong_methods_answer_405_and_oversized_bodies_413() {
    let app = spawn_app().await;
    let (_, key) = business(&app).await;
    let id = id_of(&create(&app, &key, delivery_survey("Methods")).await);
    for (method, path) in [
        ("DELETE", survey_path(&id)),
        ("PUT", survey_path(&id)),
        ("POST", survey_path(&id)),
        ("DELETE", "/api/v1/surveys".to_owned()),
        ("POST", feedback_path(&id)),
    ] {
        let reply = app.call(method, &path, &key, None).await;
        assert_eq!((reply.status, reply.error()), (405, "Method not allowed"), "{method} {path}: {}", reply.body);
        assert!(reply.header("allow").is_some(), "{method} {path}: Allow");
    }
    let mut big = delivery_survey("Big");
    big["welcomeMessage"] = json!("x".repeat(70 * 1024));
    for (method, path) in [("POST", "/api/v1/surveys".to_owned()), ("PATCH", survey_path(&id))] {
        let reply = app.call(method, &path, &key, Some(big.clone())).await;
        assert_eq!(
            (reply.status, reply.error()),
            (413, "Request body is too large: the limit is 65536 bytes."),
            "{method} {path}"
        );
    }
    assert_eq!(listed(&app, &key, "/api/v1/surveys").await, [id]);
}
