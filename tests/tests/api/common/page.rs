//! What the public survey page's tests share: reading HTML (with `scraper`: parsed as a browser
//! parses it, elements found by CSS selector), posting forms and JSON, making surveys. Each test
//! binary uses part of it.
#![allow(dead_code)]

use hearken::access::ApiKey;
use hearken::plans::Plan;
use hearken_tests::{encode, Reply, TestApp};
pub use scraper::ElementRef;
use scraper::{Html, Selector};
use serde_json::{json, Value};
use std::collections::HashMap;

pub const XSS_SCRIPT: &str = "<script>alert(1)</script>";
pub const XSS_IMG: &str = "\"><img src=x onerror=alert(1)>";
pub const CLOSED_TEXT: &str = "This survey is not accepting responses.";
pub const NOT_ACCEPTING: &str = "This survey is not accepting responses";

// ---------------------------------------------------------------------------------------------
// Reading a page: parsed as a browser parses it (html5ever), elements found by CSS selector.
// ---------------------------------------------------------------------------------------------

/// What the tests ask of one element: its name, attributes and classes.
pub trait Tag<'a> {
    /// The element's name (`input`, `p`, ...).
    fn name(&self) -> &'a str;
    /// Whether the attribute is there with exactly this value.
    fn has(&self, name: &str, value: &str) -> bool;
    /// Whether `class` is one of the element's classes.
    fn has_class(&self, class: &str) -> bool;
}

impl<'a> Tag<'a> for ElementRef<'a> {
    fn name(&self) -> &'a str {
        self.value().name()
    }

    fn has(&self, name: &str, value: &str) -> bool {
        self.attr(name) == Some(value)
    }

    fn has_class(&self, class: &str) -> bool {
        self.value().classes().any(|c| c == class)
    }
}

/// The text of an element: character references decoded, each tag a word break, white space
/// collapsed.
pub fn text_of(element: ElementRef<'_>) -> String {
    element.text().collect::<Vec<_>>().join(" ").split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The text of an element as it stands (a `<textarea>`'s value).
pub fn raw_text(element: ElementRef<'_>) -> String {
    element.text().collect()
}

/// Look-ups in a whole page or in one part of it (a question).
pub trait Find {
    /// Every element in scope, in document order.
    fn elements(&self) -> Vec<ElementRef<'_>>;

    /// The elements that match a CSS selector, in document order.
    fn all(&self, css: &str) -> Vec<ElementRef<'_>> {
        let selector = Selector::parse(css).unwrap_or_else(|e| panic!("the selector {css}: {e}"));
        self.elements().into_iter().filter(|e| selector.matches(e)).collect()
    }

    /// The element with this id.
    fn by_id(&self, id: &str) -> Option<ElementRef<'_>> {
        self.elements().into_iter().find(|e| e.attr("id") == Some(id))
    }

    /// The text inside the element with this id.
    fn text_by_id(&self, id: &str) -> Option<String> {
        self.by_id(id).map(text_of)
    }

    /// The `<input>` or `<textarea>` with this id.
    fn input(&self, id: &str) -> ElementRef<'_> {
        let found = self.all("input, textarea").into_iter().find(|e| e.attr("id") == Some(id));
        found.unwrap_or_else(|| panic!("no input #{id} in:\n{}", self.markup()))
    }

    /// The text of the `<label for=id>`.
    fn label_for(&self, id: &str) -> Option<String> {
        self.all("label").into_iter().find(|l| l.has("for", id)).map(text_of)
    }

    /// The markup, for failure messages.
    fn markup(&self) -> String;
}

/// A page as the gateway answered it.
pub struct Page {
    pub status: u16,
    pub content_type: String,
    pub retry_after: Option<String>,
    pub headers: reqwest::header::HeaderMap,
    /// The body as sent.
    pub html: String,
    document: Html,
}

impl Find for Page {
    fn elements(&self) -> Vec<ElementRef<'_>> {
        self.document.root_element().descendent_elements().collect()
    }

    fn markup(&self) -> String {
        self.html.clone()
    }
}

impl Page {
    pub async fn from(response: reqwest::Response) -> Page {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let content_type = header("content-type").unwrap_or_default();
        let retry_after = header("retry-after");
        let html = response.text().await.expect("body");
        let document = Html::parse_document(&html);
        Page { status, content_type, retry_after, headers, html, document }
    }

    pub fn is_html(&self) -> bool {
        let ct = self.content_type.to_ascii_lowercase();
        ct.starts_with("text/html") && ct.replace(' ', "").contains("charset=utf-8")
    }

    /// Where an element of this page stands in document order.
    pub fn position(&self, element: ElementRef<'_>) -> usize {
        self.elements().iter().position(|e| *e == element).expect("an element of this page")
    }

    /// The text of the first `<h1>`.
    pub fn h1(&self) -> String {
        let h1 = *self.all("h1").first().unwrap_or_else(|| panic!("no <h1> in:\n{}", self.html));
        text_of(h1)
    }

    /// One question's `<div class="question" id="question-{qid}">`: look-ups inside it.
    pub fn question(&self, qid: &str) -> Question<'_> {
        let div =
            self.by_id(&format!("question-{qid}")).unwrap_or_else(|| panic!("no question {qid} in:\n{}", self.html));
        assert_eq!(div.name(), "div", "question-{qid}");
        assert!(div.has_class("question"), "question-{qid} has class question: {div:?}");
        Question { html: div.inner_html(), div }
    }

    /// The page has none of `<script`, `<img`, and no other tag of those names.
    pub fn assert_no_injected_markup(&self) {
        let lower = self.html.to_ascii_lowercase();
        assert!(!lower.contains("<script"), "raw <script in:\n{}", self.html);
        assert!(!lower.contains("<img"), "raw <img in:\n{}", self.html);
        for element in self.elements() {
            assert!(!["script", "img", "iframe", "object", "embed"].contains(&element.name()), "{element:?}");
            for (name, _) in element.value().attrs() {
                assert!(!name.starts_with("on"), "event handler attribute {name} on {element:?}");
            }
        }
    }
}

/// One question of a page: the elements inside its `<div>`.
pub struct Question<'a> {
    /// The markup inside the `<div>`.
    pub html: String,
    div: ElementRef<'a>,
}

impl Find for Question<'_> {
    fn elements(&self) -> Vec<ElementRef<'_>> {
        self.div.descendent_elements().skip(1).collect()
    }

    fn markup(&self) -> String {
        self.html.clone()
    }
}

// ---------------------------------------------------------------------------------------------
// Security headers.
// ---------------------------------------------------------------------------------------------

/// The directives of a `Content-Security-Policy` value, by name (sources in their order).
pub fn csp_directives(policy: &str) -> HashMap<String, Vec<String>> {
    policy
        .split(';')
        .filter_map(|directive| {
            let mut words = directive.split_ascii_whitespace();
            let name = words.next()?.to_ascii_lowercase();
            Some((name, words.map(str::to_owned).collect()))
        })
        .collect()
}

/// The headers every answer of the public survey page carries, HTML or JSON, success or error:
/// a policy that lets the page apply its one inline `<style>` and post its form to its own origin,
/// and nothing else (no script, image, font or connection; no framing; no `<base>`).
pub fn assert_page_security_headers(headers: &reqwest::header::HeaderMap, what: &str) {
    let header = |name: &str| {
        headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_else(|| panic!("{what}: no {name} header"))
    };
    let policy = header("content-security-policy");
    let directives = csp_directives(policy);
    let expected: [(&str, &[&str]); 5] = [
        ("default-src", &["'none'"]),
        ("style-src", &["'unsafe-inline'"]),
        ("form-action", &["'self'"]),
        ("frame-ancestors", &["'none'"]),
        ("base-uri", &["'none'"]),
    ];
    assert_eq!(directives.len(), expected.len(), "{what}: {policy}");
    for (name, sources) in expected {
        let sources: Vec<String> = sources.iter().map(|s| s.to_string()).collect();
        assert_eq!(directives.get(name), Some(&sources), "{what}: {name} in {policy}");
    }
    assert_eq!(header("x-frame-options"), "DENY", "{what}");
    assert_eq!(header("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(header("referrer-policy"), "no-referrer", "{what}");
}

// ---------------------------------------------------------------------------------------------
// Requests.
// ---------------------------------------------------------------------------------------------

pub fn page_path(survey: &str) -> String {
    format!("/s/{survey}")
}

/// `application/x-www-form-urlencoded` text of the fields, in order.
pub fn form_body(fields: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish()
}

pub async fn get_page(app: &TestApp, survey: &str) -> Page {
    Page::from(app.http.get(app.url(&page_path(survey))).send().await.expect("the gateway answers")).await
}

pub async fn post_form(app: &TestApp, survey: &str, fields: &[(&str, &str)]) -> Page {
    let request = app
        .http
        .post(app.url(&page_path(survey)))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_body(fields));
    Page::from(request.send().await.expect("the gateway answers")).await
}

pub async fn post_raw(app: &TestApp, survey: &str, content_type: &str, body: impl Into<reqwest::Body>) -> Reply {
    let request = app.http.post(app.url(&page_path(survey))).header("content-type", content_type).body(body);
    Reply::from(request.send().await.expect("the gateway answers")).await
}

pub async fn post_json(app: &TestApp, survey: &str, body: Value) -> Reply {
    post_raw(app, survey, "application/json", body.to_string()).await
}

// ---------------------------------------------------------------------------------------------
// Surveys through the API.
// ---------------------------------------------------------------------------------------------

/// The question ids of the standard survey.
pub struct Survey {
    pub id: String,
    pub rating: String,
    pub text: String,
    pub single: String,
    pub multiple: String,
}

pub const SINGLE_OPTIONS: [&str; 3] = ["Pizza", "Pasta", "Salad"];
pub const MULTIPLE_OPTIONS: [&str; 3] = ["Bread", "Olives", "Wine"];

/// A required rating, an optional text of at most 20 characters, an optional single choice and a
/// required multiple choice.
pub fn standard_survey() -> Value {
    json!({
        "name": "After delivery",
        "welcomeMessage": "Two minutes about your last order?",
        "thankYouMessage": "Thank you! We read every answer.",
        "threshold": 3,
        "questions": [
            {"type": "RATING", "text": "How was your delivery?", "required": true},
            {"type": "TEXT", "text": "What could we do better?", "maxLength": 20},
            {"type": "CHOICE", "text": "What did you order?", "options": SINGLE_OPTIONS, "multiple": false},
            {"type": "CHOICE", "text": "Which extras?", "options": MULTIPLE_OPTIONS, "multiple": true, "required": true}
        ]
    })
}

/// Creates a survey with the key and answers its `data`.
pub async fn create_survey(app: &TestApp, key: &ApiKey, body: Value) -> Value {
    let reply = app.call("POST", "/api/v1/surveys", key.expose(), Some(body)).await;
    assert_eq!(reply.status, 201, "survey creation: {}", reply.body);
    let data = reply.body["data"].clone();
    assert!(data["id"].as_str().is_some_and(|id| id.starts_with("srv_")), "{data}");
    data
}

pub fn question_ids(data: &Value) -> Vec<String> {
    data["questions"].as_array().expect("questions").iter().map(|q| q["id"].as_str().expect("id").to_owned()).collect()
}

/// A BUSINESS account's key and the standard survey.
pub async fn standard(app: &TestApp) -> (ApiKey, Survey) {
    let (_, key) = app.account(Plan::Business).await;
    let data = create_survey(app, &key, standard_survey()).await;
    let q = question_ids(&data);
    let survey = Survey {
        id: data["id"].as_str().unwrap().to_owned(),
        rating: q[0].clone(),
        text: q[1].clone(),
        single: q[2].clone(),
        multiple: q[3].clone(),
    };
    (key, survey)
}

pub async fn set_status(app: &TestApp, key: &ApiKey, survey: &str, status: &str) {
    let reply =
        app.call("PATCH", &format!("/api/v1/surveys/{survey}"), key.expose(), Some(json!({"status": status}))).await;
    assert_eq!(reply.status, 200, "PATCH status {status}: {}", reply.body);
    assert_eq!(reply.body["data"]["status"], status);
}

/// Every response the API lists for the survey, newest first (all pages).
pub async fn responses(app: &TestApp, key: &ApiKey, survey: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/api/v1/surveys/{survey}/feedback?limit=100");
        if let Some(cursor) = &cursor {
            path.push_str(&format!("&cursor={}", encode(cursor)));
        }
        let reply = app.call("GET", &path, key.expose(), None).await;
        assert_eq!(reply.status, 200, "{path}: {}", reply.body);
        out.extend(reply.body["data"].as_array().expect("data list").iter().cloned());
        match reply.body["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return out,
        }
        assert!(out.len() <= 10_000, "runaway pagination");
    }
}

/// A listed response's answers by question id: the `value`s.
pub fn answers_of(response: &Value) -> HashMap<String, Value> {
    response["answers"]
        .as_array()
        .expect("answers list")
        .iter()
        .map(|a| (a["questionId"].as_str().expect("questionId").to_owned(), a["value"].clone()))
        .collect()
}

pub async fn response_count(app: &TestApp, key: &ApiKey, survey: &str) -> Value {
    let reply = app.call("GET", &format!("/api/v1/surveys/{survey}"), key.expose(), None).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["data"]["responseCount"].clone()
}

/// Items in the feedback table (responses and Miniback feedback): proves what was not written.
pub async fn stored_items(app: &TestApp) -> usize {
    app.all_items(&app.app.tables.feedback).await.len()
}

/// An answer the standard survey accepts, as a form.
pub fn valid_form(survey: &Survey) -> Vec<(&str, &str)> {
    vec![
        (survey.rating.as_str(), "2"),
        (survey.text.as_str(), "Warmer food"),
        (survey.single.as_str(), "Pasta"),
        (survey.multiple.as_str(), "Bread"),
        (survey.multiple.as_str(), "Wine"),
        ("website", ""),
    ]
}

/// An answer the standard survey accepts, as JSON.
pub fn valid_answers(survey: &Survey) -> Value {
    let mut answers = serde_json::Map::new();
    answers.insert(survey.rating.clone(), json!(4));
    answers.insert(survey.multiple.clone(), json!(["Olives"]));
    Value::Object(answers)
}

/// `answers` with one more entry.
pub fn with(answers: &Value, qid: &str, value: Value) -> Value {
    let mut answers = answers.clone();
    answers.as_object_mut().unwrap().insert(qid.to_owned(), value);
    answers
}

/// `answers` without one entry.
pub fn without(answers: &Value, qid: &str) -> Value {
    let mut answers = answers.clone();
    answers.as_object_mut().unwrap().remove(qid);
    answers
}
