//! What the public survey page's tests share: reading HTML, posting forms and JSON, making
//! surveys. Each test binary uses part of it.
#![allow(dead_code)]

use hearken::access::ApiKey;
use hearken::plans::Plan;
use hearken_tests::{Reply, TestApp};
use serde_json::{json, Value};
use std::collections::HashMap;

pub const XSS_SCRIPT: &str = "<script>alert(1)</script>";
pub const XSS_IMG: &str = "\"><img src=x onerror=alert(1)>";
pub const CLOSED_TEXT: &str = "This survey is not accepting responses.";
pub const NOT_ACCEPTING: &str = "This survey is not accepting responses";

// ---------------------------------------------------------------------------------------------
// A small HTML reader: enough to find tags, attributes and text in a server-rendered page.
// ---------------------------------------------------------------------------------------------

/// One start or end tag of a page.
#[derive(Debug, Clone)]
pub struct Tag {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub closing: bool,
    /// Byte offsets of `<` and just past `>`.
    pub start: usize,
    pub end: usize,
}

impl Tag {
    /// An attribute's value, HTML-unescaped (`Some("")` for a boolean attribute).
    pub fn attr(&self, name: &str) -> Option<String> {
        self.attrs.iter().find(|(n, _)| n == name).map(|(_, v)| unescape(v))
    }

    pub fn has(&self, name: &str, value: &str) -> bool {
        self.attr(name).as_deref() == Some(value)
    }

    pub fn has_class(&self, class: &str) -> bool {
        self.attr("class").is_some_and(|c| c.split_whitespace().any(|c| c == class))
    }
}

/// Every tag of `html`, in order (comments and doctype skipped).
pub fn tags(html: &str) -> Vec<Tag> {
    let bytes = html.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'<' {
            i += 1;
            continue;
        }
        let start = i;
        if html[i..].starts_with("<!--") {
            i = html[i..].find("-->").map_or(bytes.len(), |e| i + e + 3);
            continue;
        }
        if html[i..].starts_with("<!") {
            i = html[i..].find('>').map_or(bytes.len(), |e| i + e + 1);
            continue;
        }
        let mut j = i + 1;
        let closing = bytes.get(j) == Some(&b'/');
        if closing {
            j += 1;
        }
        if !bytes.get(j).is_some_and(u8::is_ascii_alphabetic) {
            i += 1;
            continue;
        }
        let name_start = j;
        while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'-') {
            j += 1;
        }
        let name = html[name_start..j].to_ascii_lowercase();
        let mut attrs = Vec::new();
        loop {
            while j < bytes.len() && (bytes[j].is_ascii_whitespace() || bytes[j] == b'/') {
                j += 1;
            }
            if j >= bytes.len() || bytes[j] == b'>' {
                break;
            }
            let attr_start = j;
            while j < bytes.len() && !bytes[j].is_ascii_whitespace() && !matches!(bytes[j], b'=' | b'>' | b'/') {
                j += 1;
            }
            let attr_name = html[attr_start..j].to_ascii_lowercase();
            while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                j += 1;
            }
            let mut value = String::new();
            if bytes.get(j) == Some(&b'=') {
                j += 1;
                while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                    j += 1;
                }
                match bytes.get(j) {
                    Some(&quote) if quote == b'"' || quote == b'\'' => {
                        let value_start = j + 1;
                        let value_end =
                            html[value_start..].find(quote as char).map_or(bytes.len(), |e| value_start + e);
                        value = html[value_start..value_end].to_owned();
                        j = value_end + 1;
                    }
                    _ => {
                        let value_start = j;
                        while j < bytes.len() && !bytes[j].is_ascii_whitespace() && bytes[j] != b'>' {
                            j += 1;
                        }
                        value = html[value_start..j].to_owned();
                    }
                }
            }
            if attr_name.is_empty() {
                j += 1;
            } else {
                attrs.push((attr_name, value));
            }
        }
        let end = (j + 1).min(bytes.len());
        out.push(Tag { name, attrs, closing, start, end });
        i = end;
    }
    out
}

/// Decodes the character references an HTML page uses.
pub fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let Some(semi) = rest.find(';').filter(|s| *s <= 10) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..semi];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some('\u{a0}'),
            _ if entity.starts_with("#x") || entity.starts_with("#X") => {
                u32::from_str_radix(&entity[2..], 16).ok().and_then(char::from_u32)
            }
            _ if entity.starts_with('#') => entity[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The text of an HTML fragment: tags dropped, references decoded, white space collapsed.
pub fn text_of(fragment: &str) -> String {
    let mut plain = String::new();
    let mut last = 0;
    for tag in tags(fragment) {
        plain.push_str(&fragment[last..tag.start]);
        plain.push(' ');
        last = tag.end;
    }
    plain.push_str(&fragment[last..]);
    unescape(&plain).split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A page as the gateway answered it.
pub struct Page {
    pub status: u16,
    pub content_type: String,
    pub retry_after: Option<String>,
    pub headers: reqwest::header::HeaderMap,
    pub html: String,
    pub tags: Vec<Tag>,
}

impl Page {
    pub async fn from(response: reqwest::Response) -> Page {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let content_type = header("content-type").unwrap_or_default();
        let retry_after = header("retry-after");
        let html = response.text().await.expect("body");
        let tags = tags(&html);
        Page { status, content_type, retry_after, headers, html, tags }
    }

    pub fn is_html(&self) -> bool {
        let ct = self.content_type.to_ascii_lowercase();
        ct.starts_with("text/html") && ct.replace(' ', "").contains("charset=utf-8")
    }

    /// Start tags named `name`.
    pub fn all(&self, name: &str) -> Vec<&Tag> {
        self.tags.iter().filter(|t| !t.closing && t.name == name).collect()
    }

    /// The start tag with this id.
    pub fn by_id(&self, id: &str) -> Option<&Tag> {
        self.tags.iter().find(|t| !t.closing && t.has("id", id))
    }

    /// The raw HTML inside a start tag, up to its matching end tag.
    pub fn inner(&self, tag: &Tag) -> &str {
        let index = self.tags.iter().position(|t| t.start == tag.start).expect("tag of this page");
        let mut depth = 0usize;
        for t in &self.tags[index + 1..] {
            if t.name != tag.name {
                continue;
            }
            if !t.closing {
                depth += 1;
            } else if depth == 0 {
                return &self.html[tag.end..t.start];
            } else {
                depth -= 1;
            }
        }
        panic!("<{}> at {} is never closed in:\n{}", tag.name, tag.start, self.html)
    }

    /// The text inside the element with this id.
    pub fn text_by_id(&self, id: &str) -> Option<String> {
        self.by_id(id).map(|t| text_of(self.inner(t)))
    }

    /// The text of the first `<h1>`.
    pub fn h1(&self) -> String {
        let h1 = *self.all("h1").first().unwrap_or_else(|| panic!("no <h1> in:\n{}", self.html));
        text_of(self.inner(h1))
    }

    /// The HTML of one question's `<div class="question" id="question-{qid}">`, read as a page.
    pub fn question(&self, qid: &str) -> Page {
        let div =
            self.by_id(&format!("question-{qid}")).unwrap_or_else(|| panic!("no question {qid} in:\n{}", self.html));
        assert_eq!(div.name, "div", "question-{qid}");
        assert!(div.has_class("question"), "question-{qid} has class question: {div:?}");
        let html = self.inner(div).to_owned();
        let tags = tags(&html);
        Page {
            status: self.status,
            content_type: self.content_type.clone(),
            retry_after: None,
            headers: self.headers.clone(),
            html,
            tags,
        }
    }

    /// The `<input>` with this id.
    pub fn input(&self, id: &str) -> &Tag {
        self.tags
            .iter()
            .find(|t| !t.closing && (t.name == "input" || t.name == "textarea") && t.has("id", id))
            .unwrap_or_else(|| panic!("no input #{id} in:\n{}", self.html))
    }

    /// The text of the `<label for=id>`.
    pub fn label_for(&self, id: &str) -> Option<String> {
        self.all("label").into_iter().find(|l| l.has("for", id)).map(|l| text_of(self.inner(l)))
    }

    /// The page has none of `<script`, `<img`, and no other tag of those names.
    pub fn assert_no_injected_markup(&self) {
        let lower = self.html.to_ascii_lowercase();
        assert!(!lower.contains("<script"), "raw <script in:\n{}", self.html);
        assert!(!lower.contains("<img"), "raw <img in:\n{}", self.html);
        for tag in &self.tags {
            assert!(!["script", "img", "iframe", "object", "embed"].contains(&tag.name.as_str()), "{tag:?}");
            for (name, _) in &tag.attrs {
                assert!(!name.starts_with("on"), "event handler attribute {name} on {tag:?}");
            }
        }
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

/// Percent-encodes `text` for a form body or a query string (space as `+`).
pub fn encode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => out.push(byte as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// `application/x-www-form-urlencoded` text of the fields, in order.
pub fn form_body(fields: &[(&str, &str)]) -> String {
    fields.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect::<Vec<_>>().join("&")
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

// ---------------------------------------------------------------------------------------------
// GET
// ---------------------------------------------------------------------------------------------
