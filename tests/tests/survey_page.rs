//! The public survey page, `GET`/`POST /s/{surveyId}`, through the real gateway without a key:
//! the HTML it renders (accessible, escaped, no scripts or external assets), form and JSON
//! posts with every validation rule, closed surveys, CORS, the honeypot, the per-IP limit, the
//! monthly quota left alone, and 200 concurrent responses stored and counted exactly.

use hearken::access::ApiKey;
use hearken::plans::Plan;
use hearken_tests::{settle_in_one_minute_window, spawn_app, spawn_app_with, Reply, TestApp};
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};

const XSS_SCRIPT: &str = "<script>alert(1)</script>";
const XSS_IMG: &str = "\"><img src=x onerror=alert(1)>";
const CLOSED_TEXT: &str = "This survey is not accepting responses.";
const NOT_ACCEPTING: &str = "This survey is not accepting responses";

// ---------------------------------------------------------------------------------------------
// A small HTML reader: enough to find tags, attributes and text in a server-rendered page.
// ---------------------------------------------------------------------------------------------

/// One start or end tag of a page.
#[derive(Debug, Clone)]
struct Tag {
    name: String,
    attrs: Vec<(String, String)>,
    closing: bool,
    /// Byte offsets of `<` and just past `>`.
    start: usize,
    end: usize,
}

impl Tag {
    /// An attribute's value, HTML-unescaped (`Some("")` for a boolean attribute).
    fn attr(&self, name: &str) -> Option<String> {
        self.attrs.iter().find(|(n, _)| n == name).map(|(_, v)| unescape(v))
    }

    fn has(&self, name: &str, value: &str) -> bool {
        self.attr(name).as_deref() == Some(value)
    }

    fn has_class(&self, class: &str) -> bool {
        self.attr("class").is_some_and(|c| c.split_whitespace().any(|c| c == class))
    }
}

/// Every tag of `html`, in order (comments and doctype skipped).
fn tags(html: &str) -> Vec<Tag> {
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
fn unescape(text: &str) -> String {
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
fn text_of(fragment: &str) -> String {
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
struct Page {
    status: u16,
    content_type: String,
    retry_after: Option<String>,
    html: String,
    tags: Vec<Tag>,
}

impl Page {
    async fn from(response: reqwest::Response) -> Page {
        let status = response.status().as_u16();
        let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let content_type = header("content-type").unwrap_or_default();
        let retry_after = header("retry-after");
        let html = response.text().await.expect("body");
        let tags = tags(&html);
        Page { status, content_type, retry_after, html, tags }
    }

    fn is_html(&self) -> bool {
        let ct = self.content_type.to_ascii_lowercase();
        ct.starts_with("text/html") && ct.replace(' ', "").contains("charset=utf-8")
    }

    /// Start tags named `name`.
    fn all(&self, name: &str) -> Vec<&Tag> {
        self.tags.iter().filter(|t| !t.closing && t.name == name).collect()
    }

    /// The start tag with this id.
    fn by_id(&self, id: &str) -> Option<&Tag> {
        self.tags.iter().find(|t| !t.closing && t.has("id", id))
    }

    /// The raw HTML inside a start tag, up to its matching end tag.
    fn inner(&self, tag: &Tag) -> &str {
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
    fn text_by_id(&self, id: &str) -> Option<String> {
        self.by_id(id).map(|t| text_of(self.inner(t)))
    }

    /// The text of the first `<h1>`.
    fn h1(&self) -> String {
        let h1 = *self.all("h1").first().unwrap_or_else(|| panic!("no <h1> in:\n{}", self.html));
        text_of(self.inner(h1))
    }

    /// The HTML of one question's `<div class="question" id="question-{qid}">`, read as a page.
    fn question(&self, qid: &str) -> Page {
        let div =
            self.by_id(&format!("question-{qid}")).unwrap_or_else(|| panic!("no question {qid} in:\n{}", self.html));
        assert_eq!(div.name, "div", "question-{qid}");
        assert!(div.has_class("question"), "question-{qid} has class question: {div:?}");
        let html = self.inner(div).to_owned();
        let tags = tags(&html);
        Page { status: self.status, content_type: self.content_type.clone(), retry_after: None, html, tags }
    }

    /// The `<input>` with this id.
    fn input(&self, id: &str) -> &Tag {
        self.tags
            .iter()
            .find(|t| !t.closing && (t.name == "input" || t.name == "textarea") && t.has("id", id))
            .unwrap_or_else(|| panic!("no input #{id} in:\n{}", self.html))
    }

    /// The text of the `<label for=id>`.
    fn label_for(&self, id: &str) -> Option<String> {
        self.all("label").into_iter().find(|l| l.has("for", id)).map(|l| text_of(self.inner(l)))
    }

    /// The page has none of `<script`, `<img`, and no other tag of those names.
    fn assert_no_injected_markup(&self) {
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
// Requests.
// ---------------------------------------------------------------------------------------------

fn page_path(survey: &str) -> String {
    format!("/s/{survey}")
}

/// Percent-encodes `text` for a form body or a query string (space as `+`).
fn encode(text: &str) -> String {
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
fn form_body(fields: &[(&str, &str)]) -> String {
    fields.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect::<Vec<_>>().join("&")
}

async fn get_page(app: &TestApp, survey: &str) -> Page {
    Page::from(app.http.get(app.url(&page_path(survey))).send().await.expect("the gateway answers")).await
}

async fn post_form(app: &TestApp, survey: &str, fields: &[(&str, &str)]) -> Page {
    let request = app
        .http
        .post(app.url(&page_path(survey)))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_body(fields));
    Page::from(request.send().await.expect("the gateway answers")).await
}

async fn post_raw(app: &TestApp, survey: &str, content_type: &str, body: impl Into<reqwest::Body>) -> Reply {
    let request = app.http.post(app.url(&page_path(survey))).header("content-type", content_type).body(body);
    Reply::from(request.send().await.expect("the gateway answers")).await
}

async fn post_json(app: &TestApp, survey: &str, body: Value) -> Reply {
    post_raw(app, survey, "application/json", body.to_string()).await
}

// ---------------------------------------------------------------------------------------------
// Surveys through the API.
// ---------------------------------------------------------------------------------------------

/// The question ids of the standard survey.
struct Survey {
    id: String,
    rating: String,
    text: String,
    single: String,
    multiple: String,
}

const SINGLE_OPTIONS: [&str; 3] = ["Pizza", "Pasta", "Salad"];
const MULTIPLE_OPTIONS: [&str; 3] = ["Bread", "Olives", "Wine"];

/// A required rating, an optional text of at most 20 characters, an optional single choice and a
/// required multiple choice.
fn standard_survey() -> Value {
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
async fn create_survey(app: &TestApp, key: &ApiKey, body: Value) -> Value {
    let reply = app.call("POST", "/api/v1/surveys", key.expose(), Some(body)).await;
    assert_eq!(reply.status, 201, "survey creation: {}", reply.body);
    let data = reply.body["data"].clone();
    assert!(data["id"].as_str().is_some_and(|id| id.starts_with("srv_")), "{data}");
    data
}

fn question_ids(data: &Value) -> Vec<String> {
    data["questions"].as_array().expect("questions").iter().map(|q| q["id"].as_str().expect("id").to_owned()).collect()
}

/// A BUSINESS account's key and the standard survey.
async fn standard(app: &TestApp) -> (ApiKey, Survey) {
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

async fn set_status(app: &TestApp, key: &ApiKey, survey: &str, status: &str) {
    let reply =
        app.call("PATCH", &format!("/api/v1/surveys/{survey}"), key.expose(), Some(json!({"status": status}))).await;
    assert_eq!(reply.status, 200, "PATCH status {status}: {}", reply.body);
    assert_eq!(reply.body["data"]["status"], status);
}

/// Every response the API lists for the survey, newest first (all pages).
async fn responses(app: &TestApp, key: &ApiKey, survey: &str) -> Vec<Value> {
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
fn answers_of(response: &Value) -> HashMap<String, Value> {
    response["answers"]
        .as_array()
        .expect("answers list")
        .iter()
        .map(|a| (a["questionId"].as_str().expect("questionId").to_owned(), a["value"].clone()))
        .collect()
}

async fn response_count(app: &TestApp, key: &ApiKey, survey: &str) -> Value {
    let reply = app.call("GET", &format!("/api/v1/surveys/{survey}"), key.expose(), None).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["data"]["responseCount"].clone()
}

/// Items in the feedback table (responses and Miniback feedback): proves what was not written.
async fn stored_items(app: &TestApp) -> usize {
    app.all_items(&app.app.tables.feedback).await.len()
}

/// An answer the standard survey accepts, as a form.
fn valid_form(survey: &Survey) -> Vec<(&str, &str)> {
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
fn valid_answers(survey: &Survey) -> Value {
    let mut answers = serde_json::Map::new();
    answers.insert(survey.rating.clone(), json!(4));
    answers.insert(survey.multiple.clone(), json!(["Olives"]));
    Value::Object(answers)
}

/// `answers` with one more entry.
fn with(answers: &Value, qid: &str, value: Value) -> Value {
    let mut answers = answers.clone();
    answers.as_object_mut().unwrap().insert(qid.to_owned(), value);
    answers
}

/// `answers` without one entry.
fn without(answers: &Value, qid: &str) -> Value {
    let mut answers = answers.clone();
    answers.as_object_mut().unwrap().remove(qid);
    answers
}

// ---------------------------------------------------------------------------------------------
// GET
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_page_renders_every_question_accessibly_without_scripts_or_external_assets() {
    let app = spawn_app().await;
    let (_, survey) = standard(&app).await;
    let page = get_page(&app, &survey.id).await;
    assert_eq!(page.status, 200, "{}", page.html);
    assert!(page.is_html(), "content-type {}", page.content_type);

    // A phone-ready, script-free, self-contained page.
    let html = page.all("html");
    assert_eq!(html.len(), 1, "{}", page.html);
    assert_eq!(html[0].attr("lang").as_deref(), Some("en"));
    let viewport = page.all("meta").into_iter().find(|m| m.has("name", "viewport")).expect("viewport meta");
    assert!(viewport.attr("content").is_some_and(|c| c.contains("width=device-width")), "{viewport:?}");
    assert!(!page.html.to_ascii_lowercase().contains("<script"), "{}", page.html);
    for tag in &page.tags {
        for name in ["src", "href", "action", "srcset", "poster", "data"] {
            if let Some(url) = tag.attr(name) {
                let url = url.trim().to_ascii_lowercase();
                assert!(
                    !url.starts_with("http:") && !url.starts_with("https:") && !url.starts_with("//"),
                    "external asset {name}={url} on {tag:?}"
                );
            }
        }
    }
    assert!(!page.html.contains("@import"), "{}", page.html);

    assert_eq!(page.h1(), "After delivery");
    let welcome = page.all("p").into_iter().find(|p| p.has_class("welcome")).expect("p.welcome");
    assert_eq!(text_of(page.inner(welcome)), "Two minutes about your last order?");

    let forms = page.all("form");
    assert_eq!(forms.len(), 1);
    assert_eq!(forms[0].attr("method").map(|m| m.to_ascii_lowercase()).as_deref(), Some("post"));
    assert_eq!(forms[0].attr("action"), Some(page_path(&survey.id)));

    // RATING: a fieldset with its legend, five radios 1..5 each with a label; required.
    let rating = page.question(&survey.rating);
    assert_eq!(rating.all("fieldset").len(), 1, "{}", rating.html);
    let legend = rating.all("legend");
    assert_eq!(legend.len(), 1, "{}", rating.html);
    assert!(text_of(rating.inner(legend[0])).starts_with("How was your delivery?"), "{}", rating.html);
    let required = rating.all("span").into_iter().filter(|s| s.has_class("required")).count();
    assert_eq!(required, 1, "required marker in the legend: {}", rating.html);
    assert!(rating.inner(legend[0]).contains("(required)"), "{}", rating.html);
    let radios: Vec<&Tag> = rating.all("input");
    assert_eq!(radios.len(), 5, "{}", rating.html);
    for (n, radio) in (1..=5).zip(&radios) {
        let id = format!("{}-{n}", survey.rating);
        assert!(radio.has("type", "radio"), "{radio:?}");
        assert!(radio.has("name", &survey.rating), "{radio:?}");
        assert!(radio.has("id", &id), "{radio:?}");
        assert!(radio.has("value", &n.to_string()), "{radio:?}");
        assert!(rating.label_for(&id).is_some(), "label for {id}: {}", rating.html);
    }

    // TEXT: a label and a textarea with its maxlength; optional, so no required marker.
    let text = page.question(&survey.text);
    let textarea = text.all("textarea");
    assert_eq!(textarea.len(), 1, "{}", text.html);
    assert!(textarea[0].has("id", &survey.text) && textarea[0].has("name", &survey.text), "{:?}", textarea[0]);
    assert_eq!(textarea[0].attr("maxlength").as_deref(), Some("20"));
    assert!(text.label_for(&survey.text).is_some_and(|l| l.starts_with("What could we do better?")), "{}", text.html);
    assert!(!text.html.contains("(required)"), "{}", text.html);
    assert!(text.all("span").iter().all(|s| !s.has_class("required")), "{}", text.html);
    assert_eq!(text_of(text.inner(textarea[0])), "", "an empty textarea");

    // CHOICE single: radios valued by the option text; multiple: checkboxes; both in fieldsets.
    for (qid, options, kind, question, is_required) in [
        (&survey.single, SINGLE_OPTIONS, "radio", "What did you order?", false),
        (&survey.multiple, MULTIPLE_OPTIONS, "checkbox", "Which extras?", true),
    ] {
        let choice = page.question(qid);
        assert_eq!(choice.all("fieldset").len(), 1, "{}", choice.html);
        let legend = choice.all("legend");
        assert_eq!(legend.len(), 1, "{}", choice.html);
        assert!(text_of(choice.inner(legend[0])).starts_with(question), "{}", choice.html);
        assert_eq!(choice.inner(legend[0]).contains("(required)"), is_required, "{}", choice.html);
        let inputs = choice.all("input");
        assert_eq!(inputs.len(), options.len(), "{}", choice.html);
        for (i, (input, option)) in inputs.iter().zip(options).enumerate() {
            let id = format!("{qid}-{i}");
            assert!(input.has("type", kind), "{input:?}");
            assert!(input.has("name", qid), "{input:?}");
            assert!(input.has("id", &id), "{input:?}");
            assert!(input.has("value", option), "{input:?}");
            assert!(input.attr("checked").is_none(), "nothing checked at first: {input:?}");
            assert_eq!(choice.label_for(&id).as_deref(), Some(option), "{}", choice.html);
        }
    }

    // Every field of the page has a label (the honeypot is left to the implementation).
    for field in page.tags.iter().filter(|t| !t.closing && (t.name == "input" || t.name == "textarea")) {
        let kind = field.attr("type").unwrap_or_default();
        if ["hidden", "submit", "button"].contains(&kind.as_str()) || field.has("name", "website") {
            continue;
        }
        let id = field.attr("id").unwrap_or_else(|| panic!("a field without an id: {field:?}"));
        assert!(page.label_for(&id).is_some(), "no <label for={id}> in:\n{}", page.html);
    }

    // The honeypot, visually hidden and out of the tab order.
    let honeypot = page.by_id("website").expect("honeypot #website");
    assert_eq!(honeypot.name, "input");
    assert!(honeypot.has("type", "text") && honeypot.has("name", "website"), "{honeypot:?}");
    assert!(honeypot.has("tabindex", "-1") && honeypot.has("autocomplete", "off"), "{honeypot:?}");
    let hp = page.all("div").into_iter().find(|d| d.has_class("hp")).expect("div.hp");
    assert!(hp.has("aria-hidden", "true"), "{hp:?}");
    assert!(page.inner(hp).contains("website"), "the honeypot is inside div.hp");

    let submit = page.all("button").into_iter().find(|b| b.has("type", "submit")).expect("submit button");
    assert_eq!(text_of(page.inner(submit)), "Send");
    assert!(page.by_id("errors").is_none() && page.by_id("closed").is_none(), "{}", page.html);
}

#[tokio::test]
async fn an_unknown_or_malformed_survey_id_is_a_not_found_page() {
    let app = spawn_app().await;
    let (_, survey) = standard(&app).await;
    let unknown = hearken::ids::SurveyId::generate().to_string();
    let mut tampered = survey.id.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    for id in [unknown.as_str(), tampered.as_str(), "not-an-id", "srv_123", "srv_", "proj_1", "%3Cscript%3E"] {
        let page = get_page(&app, id).await;
        assert_eq!(page.status, 404, "{id}: {}", page.html);
        assert!(page.is_html(), "{id}: {}", page.content_type);
        assert_eq!(page.h1(), "Survey not found", "{id}");
        assert!(page.all("form").is_empty(), "{id}");
        page.assert_no_injected_markup();
    }
    // A form post to an unknown survey is not found either, and stores nothing.
    let posted = post_form(&app, &unknown, &[("q_x", "1")]).await;
    assert_eq!(posted.status, 404, "{}", posted.html);
    let json = post_json(&app, &unknown, json!({"answers": {}})).await;
    assert_eq!((json.status, json.body.clone()), (404, json!({"error": "Survey not found"})));
    let malformed = post_json(&app, "not-an-id", json!({"answers": {}})).await;
    assert_eq!((malformed.status, malformed.body.clone()), (404, json!({"error": "Survey not found"})));
    assert_eq!(stored_items(&app).await, 0);
}

#[tokio::test]
async fn a_survey_that_is_not_active_shows_no_form_and_refuses_posts() {
    let app = spawn_app().await;
    let (key, survey) = standard(&app).await;
    let mut draft_body = standard_survey();
    draft_body["status"] = json!("DRAFT");
    let draft = create_survey(&app, &key, draft_body).await;
    assert_eq!(draft["status"], "DRAFT");
    let draft_id = draft["id"].as_str().unwrap().to_owned();
    let draft_q = question_ids(&draft);
    let draft_answers = json!({ &draft_q[0]: 4, &draft_q[3]: ["Bread"] });

    let check_closed = |page: &Page, status: u16, what: &str| {
        assert_eq!(page.status, status, "{what}: {}", page.html);
        assert!(page.is_html(), "{what}: {}", page.content_type);
        assert_eq!(page.text_by_id("closed").as_deref(), Some(CLOSED_TEXT), "{what}: {}", page.html);
        assert_eq!(page.by_id("closed").unwrap().name, "p");
        assert!(page.all("form").is_empty(), "{what}: no form in:\n{}", page.html);
        assert!(page.all("input").is_empty() && page.all("textarea").is_empty(), "{what}: {}", page.html);
    };

    let page = get_page(&app, &draft_id).await;
    check_closed(&page, 200, "DRAFT");
    assert_eq!(page.h1(), "After delivery");
    check_closed(&post_form(&app, &draft_id, &[(&draft_q[0], "4"), (&draft_q[3], "Bread")]).await, 409, "DRAFT post");
    let json = post_json(&app, &draft_id, json!({ "answers": draft_answers })).await;
    assert_eq!((json.status, json.body.clone()), (409, json!({"error": NOT_ACCEPTING})), "DRAFT json");

    for status in ["PAUSED", "CLOSED"] {
        set_status(&app, &key, &survey.id, status).await;
        check_closed(&get_page(&app, &survey.id).await, 200, status);
        check_closed(&post_form(&app, &survey.id, &valid_form(&survey)).await, 409, status);
        let json = post_json(&app, &survey.id, json!({"answers": valid_answers(&survey)})).await;
        assert_eq!((json.status, json.body.clone()), (409, json!({"error": NOT_ACCEPTING})), "{status} json");
        assert_eq!(json.header("content-type"), Some("application/json"), "{status}");
    }
    assert_eq!(stored_items(&app).await, 0);

    // Active again: the form is back and takes responses.
    set_status(&app, &key, &survey.id, "ACTIVE").await;
    let page = get_page(&app, &survey.id).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.all("form").len(), 1);
    assert!(page.by_id("closed").is_none());
    assert_eq!(post_json(&app, &survey.id, json!({"answers": valid_answers(&survey)})).await.status, 201);
    assert_eq!(responses(&app, &key, &survey.id).await.len(), 1);
}

// ---------------------------------------------------------------------------------------------
// Escaping
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn every_text_the_owner_wrote_is_escaped() {
    let app = spawn_app().await;
    let (_, key) = app.account(Plan::Business).await;
    let name = format!("{XSS_SCRIPT} Survey &amp; co");
    let welcome = format!("Hi {XSS_IMG} &amp; welcome");
    let thanks = format!("Thanks {XSS_SCRIPT}{XSS_IMG} &amp;");
    let rating_text = format!("Rate {XSS_SCRIPT}");
    let text_text = format!("Tell {XSS_IMG} &amp;");
    let options = [XSS_SCRIPT.to_owned(), XSS_IMG.to_owned(), "Fish &amp; chips".to_owned()];
    let data = create_survey(
        &app,
        &key,
        json!({
            "name": name,
            "welcomeMessage": welcome,
            "thankYouMessage": thanks,
            "questions": [
                {"type": "RATING", "text": rating_text, "required": true},
                {"type": "TEXT", "text": text_text},
                {"type": "CHOICE", "text": format!("Pick {XSS_SCRIPT}"), "options": options, "multiple": false},
                {"type": "CHOICE", "text": format!("Several {XSS_IMG}"), "options": options, "multiple": true}
            ]
        }),
    )
    .await;
    let id = data["id"].as_str().unwrap().to_owned();
    let q = question_ids(&data);

    let page = get_page(&app, &id).await;
    assert_eq!(page.status, 200, "{}", page.html);
    page.assert_no_injected_markup();
    assert!(page.html.contains("&lt;script&gt;"), "{}", page.html);
    assert!(page.html.contains("&amp;amp;"), "an owner's &amp; is shown as typed: {}", page.html);
    assert_eq!(page.h1(), name);
    let welcome_p = page.all("p").into_iter().find(|p| p.has_class("welcome")).expect("p.welcome");
    assert_eq!(text_of(page.inner(welcome_p)), welcome);
    let rating = page.question(&q[0]);
    assert!(text_of(rating.inner(rating.all("legend")[0])).starts_with(&rating_text), "{}", rating.html);
    let text = page.question(&q[1]);
    assert_eq!(text.label_for(&q[1]).as_deref(), Some(text_text.as_str()), "{}", text.html);
    for (index, question) in [(2, format!("Pick {XSS_SCRIPT}")), (3, format!("Several {XSS_IMG}"))] {
        let choice = page.question(&q[index]);
        assert_eq!(text_of(choice.inner(choice.all("legend")[0])), question, "{}", choice.html);
        for (i, option) in options.iter().enumerate() {
            let input_id = format!("{}-{i}", q[index]);
            assert!(choice.input(&input_id).has("value", option), "{}", choice.html);
            assert_eq!(choice.label_for(&input_id).as_deref(), Some(option.as_str()), "{}", choice.html);
        }
    }

    // The options still work as answers, and the thank-you page escapes its message.
    let fields = [
        (q[0].as_str(), "5"),
        (q[1].as_str(), "fine"),
        (q[2].as_str(), XSS_IMG),
        (q[3].as_str(), XSS_SCRIPT),
        (q[3].as_str(), "Fish &amp; chips"),
        ("website", ""),
    ];
    let thanked = post_form(&app, &id, &fields).await;
    assert_eq!(thanked.status, 201, "{}", thanked.html);
    thanked.assert_no_injected_markup();
    assert_eq!(thanked.h1(), name);
    assert_eq!(thanked.text_by_id("thank-you").as_deref(), Some(thanks.as_str()), "{}", thanked.html);
    let stored = responses(&app, &key, &id).await;
    assert_eq!(stored.len(), 1);
    let answers = answers_of(&stored[0]);
    assert_eq!(answers[&q[2]], json!(XSS_IMG));
    assert_eq!(answers[&q[3]], json!([XSS_SCRIPT, "Fish &amp; chips"]));
}

#[tokio::test]
async fn a_re_rendered_page_escapes_the_customers_answers() {
    let app = spawn_app().await;
    let (key, survey) = {
        let (_, key) = app.account(Plan::Business).await;
        let mut body = standard_survey();
        body["questions"][1]["maxLength"] = json!(500);
        let data = create_survey(&app, &key, body).await;
        (key, data)
    };
    let id = survey["id"].as_str().unwrap().to_owned();
    let q = question_ids(&survey);
    let answer = format!("Bad</textarea>{XSS_SCRIPT}{XSS_IMG} &amp; <b>bold</b>");
    // The rating is missing: the page comes back with the text as typed.
    let fields = [(q[1].as_str(), answer.as_str()), (q[3].as_str(), "Bread"), ("website", "")];
    let page = post_form(&app, &id, &fields).await;
    assert_eq!(page.status, 400, "{}", page.html);
    page.assert_no_injected_markup();
    assert!(page.all("b").is_empty(), "{}", page.html);
    let textarea = page.input(&q[1]);
    assert_eq!(textarea.name, "textarea");
    assert_eq!(unescape(page.inner(textarea)).trim_start_matches('\n'), answer, "{}", page.html);
    assert!(page.by_id(&format!("{}-error", q[0])).is_some(), "{}", page.html);
    assert!(responses(&app, &key, &id).await.is_empty());
    assert_eq!(stored_items(&app).await, 0);
}

// ---------------------------------------------------------------------------------------------
// Form posts
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_form_post_is_stored_and_answered_with_the_thank_you_page() {
    let app = spawn_app().await;
    let (key, survey) = standard(&app).await;
    let page = post_form(&app, &survey.id, &valid_form(&survey)).await;
    assert_eq!(page.status, 201, "{}", page.html);
    assert!(page.is_html(), "{}", page.content_type);
    assert_eq!(page.h1(), "After delivery");
    assert_eq!(page.text_by_id("thank-you").as_deref(), Some("Thank you! We read every answer."));
    assert_eq!(page.by_id("thank-you").unwrap().name, "p");
    assert!(page.all("form").is_empty(), "{}", page.html);
    assert!(!page.html.to_ascii_lowercase().contains("<script"));

    let stored = responses(&app, &key, &survey.id).await;
    assert_eq!(stored.len(), 1, "{stored:?}");
    let response = &stored[0];
    assert!(response["id"].as_str().is_some_and(|id| id.starts_with("rsp_")), "{response}");
    assert!(hearken_tests::is_iso_millis(response["createdAt"].as_str().unwrap_or_default()), "{response}");
    // Rated 2 with the threshold at 3: low-rated; every question answered: complete.
    assert_eq!(response["rating"], 2);
    assert_eq!(response["lowRated"], true);
    assert_eq!(response["complete"], true);
    assert_eq!(response["topics"], Value::Null);
    let answers = answers_of(response);
    assert_eq!(answers.len(), 4, "{response}");
    assert_eq!(answers[&survey.rating], json!(2));
    assert_eq!(answers[&survey.text], json!("Warmer food"));
    assert_eq!(answers[&survey.single], json!("Pasta"));
    assert_eq!(answers[&survey.multiple], json!(["Bread", "Wine"]));
    // Answers in question order, each with its type and question text.
    let listed: Vec<(&str, &str, &str)> = response["answers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["questionId"].as_str().unwrap(), a["type"].as_str().unwrap(), a["question"].as_str().unwrap()))
        .collect();
    assert_eq!(
        listed,
        [
            (survey.rating.as_str(), "RATING", "How was your delivery?"),
            (survey.text.as_str(), "TEXT", "What could we do better?"),
            (survey.single.as_str(), "CHOICE", "What did you order?"),
            (survey.multiple.as_str(), "CHOICE", "Which extras?"),
        ]
    );

    // Rated 3 (not below the threshold), optional questions left empty: not low-rated, incomplete.
    let fields = [
        (survey.rating.as_str(), "3"),
        (survey.text.as_str(), ""),
        (survey.multiple.as_str(), "Olives"),
        ("website", ""),
    ];
    let page = post_form(&app, &survey.id, &fields).await;
    assert_eq!(page.status, 201, "{}", page.html);
    let stored = responses(&app, &key, &survey.id).await;
    assert_eq!(stored.len(), 2);
    let newest = &stored[0];
    assert_eq!((newest["rating"].clone(), newest["lowRated"].clone()), (json!(3), json!(false)), "{newest}");
    assert_eq!(newest["complete"], false, "{newest}");
    let answers = answers_of(newest);
    assert_eq!(answers.len(), 2, "unanswered questions are left out: {newest}");
    assert_eq!(answers[&survey.multiple], json!(["Olives"]), "one checkbox is still a list");
    assert_eq!(response_count(&app, &key, &survey.id).await, 2);

    // The low-rated filter sees only the first.
    let low =
        app.call("GET", &format!("/api/v1/surveys/{}/feedback?lowRated=true", survey.id), key.expose(), None).await;
    assert_eq!(low.status, 200, "{}", low.body);
    assert_eq!(low.body["data"].as_array().map(Vec::len), Some(1), "{}", low.body);
    assert_eq!(low.body["data"][0]["id"], response["id"]);
}

#[tokio::test]
async fn a_wrong_form_post_re_renders_the_page_with_errors_at_the_fields_and_the_answers_kept() {
    let app = spawn_app().await;
    let (key, survey) = standard(&app).await;
    let too_long = "This is far too long for twenty";

    // Rating missing, text too long, single choice not an option; the multiple choice is right.
    let fields = [
        (survey.text.as_str(), too_long),
        (survey.single.as_str(), "Sushi"),
        (survey.multiple.as_str(), "Bread"),
        (survey.multiple.as_str(), "Wine"),
        ("website", ""),
    ];
    let page = post_form(&app, &survey.id, &fields).await;
    assert_eq!(page.status, 400, "{}", page.html);
    assert!(page.is_html(), "{}", page.content_type);
    assert_eq!(page.h1(), "After delivery");
    let errors = page.by_id("errors").unwrap_or_else(|| panic!("#errors in:\n{}", page.html));
    assert_eq!(errors.name, "div");
    assert!(errors.has("role", "alert"), "{errors:?}");
    assert!(!text_of(page.inner(errors)).is_empty(), "the summary says something");
    let first_question = page.by_id(&format!("question-{}", survey.rating)).unwrap();
    assert!(errors.start < first_question.start, "#errors at the top");
    assert_eq!(page.all("form").len(), 1, "the form is there again");

    let assert_invalid = |qid: &str, ids: &[String]| {
        let error_id = format!("{qid}-error");
        let error = page.by_id(&error_id).unwrap_or_else(|| panic!("#{error_id} in:\n{}", page.html));
        assert_eq!(error.name, "p");
        assert!(error.has_class("error"), "{error:?}");
        assert!(!text_of(page.inner(error)).is_empty(), "#{error_id} has a message");
        let question = page.question(qid);
        assert!(question.by_id(&error_id).is_some(), "#{error_id} sits in its question: {}", question.html);
        for id in ids {
            let input = page.input(id);
            assert!(input.has("aria-invalid", "true"), "{id}: {input:?}");
            let described = input.attr("aria-describedby").unwrap_or_default();
            assert!(described.split_whitespace().any(|d| d == error_id), "{id}: {input:?}");
        }
    };
    let radios =
        |qid: &str, n: usize, from: usize| -> Vec<String> { (from..from + n).map(|i| format!("{qid}-{i}")).collect() };
    assert_invalid(&survey.rating, &radios(&survey.rating, 5, 1));
    assert_invalid(&survey.text, std::slice::from_ref(&survey.text));
    assert_invalid(&survey.single, &radios(&survey.single, 3, 0));
    // The right answer has no error.
    assert!(page.by_id(&format!("{}-error", survey.multiple)).is_none(), "{}", page.html);
    for id in radios(&survey.multiple, 3, 0) {
        assert!(!page.input(&id).has("aria-invalid", "true"), "{id}");
    }

    // What the customer gave is kept.
    assert_eq!(text_of(page.inner(page.input(&survey.text))), too_long);
    let checked = |id: String| page.input(&id).attr("checked").is_some();
    assert!(checked(format!("{}-0", survey.multiple)), "Bread kept: {}", page.html);
    assert!(!checked(format!("{}-1", survey.multiple)), "Olives not checked");
    assert!(checked(format!("{}-2", survey.multiple)), "Wine kept");
    assert!((0..3).all(|i| !checked(format!("{}-{i}", survey.single))), "Sushi is no option");
    assert!((1..=5).all(|i| !checked(format!("{}-{i}", survey.rating))), "no rating given");

    // A second wrong post: the chosen rating and single choice come back checked.
    let fields = [
        (survey.rating.as_str(), "2"),
        (survey.text.as_str(), too_long),
        (survey.single.as_str(), "Pasta"),
        (survey.multiple.as_str(), "Olives"),
        ("website", ""),
    ];
    let page = post_form(&app, &survey.id, &fields).await;
    assert_eq!(page.status, 400, "{}", page.html);
    let checked = |id: String| page.input(&id).attr("checked").is_some();
    let rating_checked: Vec<bool> = (1..=5).map(|i| checked(format!("{}-{i}", survey.rating))).collect();
    assert_eq!(rating_checked, [false, true, false, false, false], "{}", page.html);
    let single_checked: Vec<bool> = (0..3).map(|i| checked(format!("{}-{i}", survey.single))).collect();
    assert_eq!(single_checked, [false, true, false]);
    let multiple_checked: Vec<bool> = (0..3).map(|i| checked(format!("{}-{i}", survey.multiple))).collect();
    assert_eq!(multiple_checked, [false, true, false]);
    assert!(page.by_id(&format!("{}-error", survey.text)).is_some());
    assert!(page.by_id(&format!("{}-error", survey.rating)).is_none(), "{}", page.html);
    assert!(page.by_id(&format!("{}-error", survey.single)).is_none(), "{}", page.html);

    // A required checkbox question left empty, and an out-of-range rating.
    let fields = [(survey.rating.as_str(), "9"), ("website", "")];
    let page = post_form(&app, &survey.id, &fields).await;
    assert_eq!(page.status, 400, "{}", page.html);
    assert!(page.by_id(&format!("{}-error", survey.rating)).is_some(), "{}", page.html);
    assert!(page.by_id(&format!("{}-error", survey.multiple)).is_some(), "{}", page.html);

    // Nothing was stored.
    assert!(responses(&app, &key, &survey.id).await.is_empty());
    assert_eq!(response_count(&app, &key, &survey.id).await, 0);
    assert_eq!(stored_items(&app).await, 0);
}

// ---------------------------------------------------------------------------------------------
// JSON posts
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_json_post_is_stored_with_its_values() {
    let app = spawn_app().await;
    let (key, survey) = standard(&app).await;
    let answers = json!({
        &survey.rating: 5,
        &survey.text: "Faster please",
        &survey.single: "Salad",
        &survey.multiple: ["Wine", "Bread"],
    });
    let reply = post_json(&app, &survey.id, json!({ "answers": answers })).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    let id = reply.body["data"]["id"].as_str().unwrap_or_default().to_owned();
    assert!(id.starts_with("rsp_"), "{}", reply.body);
    assert_eq!(reply.body, json!({"data": {"id": id}}));

    // A single string is accepted for a multiple choice (stored as a list).
    let single_string = json!({ &survey.rating: 1, &survey.multiple: "Olives" });
    let second = post_json(&app, &survey.id, json!({ "answers": single_string })).await;
    assert_eq!(second.status, 201, "{}", second.body);

    let stored = responses(&app, &key, &survey.id).await;
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[1]["id"], id.as_str(), "newest first");
    let first = answers_of(&stored[1]);
    assert_eq!(first[&survey.rating], json!(5));
    assert_eq!(first[&survey.text], json!("Faster please"));
    assert_eq!(first[&survey.single], json!("Salad"));
    let extras = first[&survey.multiple].as_array().expect("a list").clone();
    let extras: HashSet<&str> = extras.iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(extras, HashSet::from(["Wine", "Bread"]));
    assert_eq!((stored[1]["lowRated"].clone(), stored[1]["complete"].clone()), (json!(false), json!(true)));
    let newest = answers_of(&stored[0]);
    assert_eq!(newest[&survey.multiple], json!(["Olives"]));
    assert_eq!((stored[0]["rating"].clone(), stored[0]["lowRated"].clone()), (json!(1), json!(true)));
    assert_eq!(stored[0]["complete"], false);
}

#[tokio::test]
async fn each_json_rule_is_a_400_that_names_the_question() {
    let app = spawn_app_with(|app| app.settings.survey_responses_per_ip_per_minute = 1000).await;
    let (key, survey) = standard(&app).await;
    let valid = valid_answers(&survey);
    let required = |qid: &str| format!("{qid}: this question is required");
    let cases: Vec<(&str, Value, &str, Option<String>)> = vec![
        ("rating missing", without(&valid, &survey.rating), &survey.rating, Some(required(&survey.rating))),
        ("rating null", with(&valid, &survey.rating, Value::Null), &survey.rating, None),
        ("checkboxes missing", without(&valid, &survey.multiple), &survey.multiple, Some(required(&survey.multiple))),
        ("checkboxes empty", with(&valid, &survey.multiple, json!([])), &survey.multiple, None),
        ("rating 0", with(&valid, &survey.rating, json!(0)), &survey.rating, None),
        ("rating 6", with(&valid, &survey.rating, json!(6)), &survey.rating, None),
        ("rating -1", with(&valid, &survey.rating, json!(-1)), &survey.rating, None),
        ("rating 3.5", with(&valid, &survey.rating, json!(3.5)), &survey.rating, None),
        ("rating \"4\"", with(&valid, &survey.rating, json!("4")), &survey.rating, None),
        ("rating [4]", with(&valid, &survey.rating, json!([4])), &survey.rating, None),
        ("rating true", with(&valid, &survey.rating, json!(true)), &survey.rating, None),
        ("choice not an option", with(&valid, &survey.single, json!("Sushi")), &survey.single, None),
        ("choice in another case", with(&valid, &survey.single, json!("pizza")), &survey.single, None),
        ("two for a single choice", with(&valid, &survey.single, json!(["Pizza", "Pasta"])), &survey.single, None),
        ("a number for a choice", with(&valid, &survey.single, json!(3)), &survey.single, None),
        ("checkbox not an option", with(&valid, &survey.multiple, json!(["Bread", "Sushi"])), &survey.multiple, None),
        ("checkbox not a string", with(&valid, &survey.multiple, json!([1])), &survey.multiple, None),
        ("text too long", with(&valid, &survey.text, json!("x".repeat(21))), &survey.text, None),
        ("text not a string", with(&valid, &survey.text, json!(5)), &survey.text, None),
        (
            "unknown question",
            with(&valid, "q_nosuchquestion", json!("hello")),
            "q_nosuchquestion",
            Some("q_nosuchquestion: no such question in this survey".to_owned()),
        ),
    ];
    for (what, answers, qid, exact) in cases {
        let reply = post_json(&app, &survey.id, json!({ "answers": answers })).await;
        assert_eq!(reply.status, 400, "{what}: {answers} → {}", reply.body);
        assert_eq!(reply.header("content-type"), Some("application/json"), "{what}");
        let error = reply.error();
        assert!(error.starts_with(&format!("{qid}: ")), "{what}: the error names {qid}: {}", reply.body);
        assert!(error.len() > qid.len() + 2, "{what}: the error names the rule: {error}");
        if let Some(exact) = exact {
            assert_eq!(error, exact, "{what}");
        }
    }

    // `answers` missing or not an object, and malformed JSON.
    for body in [json!({}), json!({"answers": [1, 2]}), json!({"answers": "yes"}), json!({"answers": null}), json!([1])]
    {
        let reply = post_json(&app, &survey.id, body.clone()).await;
        assert_eq!(reply.status, 400, "{body}: {}", reply.body);
        assert!(!reply.error().is_empty(), "{body}: {}", reply.body);
    }
    for text in ["{\"answers\": ", "not json", ""] {
        let reply = post_raw(&app, &survey.id, "application/json", text).await;
        assert_eq!(reply.status, 400, "{text:?}: {}", reply.body);
        assert!(!reply.error().is_empty(), "{text:?}: {}", reply.body);
    }
    assert_eq!(stored_items(&app).await, 0, "no wrong answer was stored");
    assert_eq!(response_count(&app, &key, &survey.id).await, 0);

    // The limits themselves are allowed: 1 and 5, a text of exactly 20 characters (not bytes).
    for (rating, text) in [(1, "x".repeat(20)), (5, "é".repeat(20))] {
        let answers = with(&with(&valid, &survey.rating, json!(rating)), &survey.text, json!(text));
        let reply = post_json(&app, &survey.id, json!({ "answers": answers })).await;
        assert_eq!(reply.status, 201, "rating {rating}, text {text}: {}", reply.body);
    }
    assert_eq!(responses(&app, &key, &survey.id).await.len(), 2);
}

#[tokio::test]
async fn an_empty_text_counts_as_unanswered() {
    let app = spawn_app().await;
    let (key, survey) = standard(&app).await;
    let answers = with(&with(&valid_answers(&survey), &survey.text, json!("")), &survey.single, json!("Pizza"));
    let reply = post_json(&app, &survey.id, json!({ "answers": answers })).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let stored = responses(&app, &key, &survey.id).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["complete"], false, "{}", stored[0]);
    assert!(!answers_of(&stored[0]).contains_key(&survey.text), "{}", stored[0]);

    // Everything answered: complete.
    let full = with(&answers, &survey.text, json!("ok"));
    assert_eq!(post_json(&app, &survey.id, json!({ "answers": full })).await.status, 201);
    let stored = responses(&app, &key, &survey.id).await;
    assert_eq!(stored[0]["complete"], true, "{}", stored[0]);

    // And an empty text does not answer a required text question.
    let data = create_survey(
        &app,
        &key,
        json!({"name": "Required text", "questions": [{"type": "TEXT", "text": "Why?", "required": true}]}),
    )
    .await;
    let id = data["id"].as_str().unwrap();
    let qid = &question_ids(&data)[0];
    let reply = post_json(&app, id, json!({"answers": { qid: "" }})).await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert_eq!(reply.error(), format!("{qid}: this question is required"));
    let form = post_form(&app, id, &[(qid.as_str(), ""), ("website", "")]).await;
    assert_eq!(form.status, 400, "{}", form.html);
    assert!(form.by_id(&format!("{qid}-error")).is_some(), "{}", form.html);
    assert!(responses(&app, &key, id).await.is_empty());
}

#[tokio::test]
async fn other_content_types_are_a_415_and_big_bodies_a_413() {
    let app = spawn_app().await;
    let (_, survey) = standard(&app).await;
    let valid = json!({"answers": valid_answers(&survey)}).to_string();
    for content_type in ["text/plain", "application/xml", "multipart/form-data; boundary=x"] {
        let reply = post_raw(&app, &survey.id, content_type, valid.clone()).await;
        assert_eq!(reply.status, 415, "{content_type}: {}", reply.body);
        assert!(!reply.error().is_empty(), "{content_type}: a JSON error: {}", reply.body);
    }
    let no_type = app.http.post(app.url(&page_path(&survey.id))).body(valid.clone()).send().await.unwrap();
    assert_eq!(no_type.status().as_u16(), 415, "no content type");
    // A charset parameter is fine.
    let with_charset = post_raw(&app, &survey.id, "application/json; charset=utf-8", valid.clone()).await;
    assert_eq!(with_charset.status, 201, "{}", with_charset.body);

    let huge = json!({"answers": valid_answers(&survey), "padding": "z".repeat(70_000)});
    let reply = post_json(&app, &survey.id, huge).await;
    assert_eq!(reply.status, 413, "{}", reply.body);
    let huge_form = post_form(&app, &survey.id, &[(&survey.rating, "4"), ("padding", &"z".repeat(70_000))]).await;
    assert_eq!(huge_form.status, 413, "{}", huge_form.html);
    assert_eq!(stored_items(&app).await, 1, "only the charset post");
}

// ---------------------------------------------------------------------------------------------
// CORS, honeypot, limits, quota
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn cross_origin_scripts_may_post() {
    let app = spawn_app().await;
    let (_, survey) = standard(&app).await;
    let preflight = app
        .http
        .request(reqwest::Method::OPTIONS, app.url(&page_path(&survey.id)))
        .header("origin", "https://shop.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send();
    let reply = Reply::from(preflight.await.unwrap()).await;
    assert!(reply.status == 204 || reply.status == 200, "{}", reply.status);
    assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
    let methods = reply.header("access-control-allow-methods").expect("allow-methods");
    assert!(methods.split(',').any(|m| m.trim() == "POST"), "{methods}");
    let headers = reply.header("access-control-allow-headers").expect("allow-headers");
    assert!(headers.split(',').any(|h| h.trim().eq_ignore_ascii_case("content-type")), "{headers}");
    assert_eq!(stored_items(&app).await, 0, "a preflight stores nothing");

    let post = app
        .http
        .post(app.url(&page_path(&survey.id)))
        .header("origin", "https://shop.example")
        .json(&json!({"answers": valid_answers(&survey)}))
        .send();
    let reply = Reply::from(post.await.unwrap()).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
    let bad = app
        .http
        .post(app.url(&page_path(&survey.id)))
        .header("origin", "https://shop.example")
        .json(&json!({"answers": {}}))
        .send();
    let bad = Reply::from(bad.await.unwrap()).await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.header("access-control-allow-origin"), Some("*"), "errors too");
}

#[tokio::test]
async fn the_honeypot_drops_bot_posts_silently() {
    let app = spawn_app().await;
    let (key, survey) = standard(&app).await;
    let mut fields = valid_form(&survey);
    fields.retain(|(name, _)| *name != "website");
    fields.push(("website", "https://spam.example"));
    let page = post_form(&app, &survey.id, &fields).await;
    assert_eq!(page.status, 201, "{}", page.html);
    assert_eq!(page.text_by_id("thank-you").as_deref(), Some("Thank you! We read every answer."));

    let reply = post_json(&app, &survey.id, json!({"answers": valid_answers(&survey), "website": "x"})).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert!(reply.body["data"]["id"].as_str().is_some_and(|id| id.starts_with("rsp_")), "{}", reply.body);

    assert_eq!(stored_items(&app).await, 0, "bot posts are dropped");
    assert!(responses(&app, &key, &survey.id).await.is_empty());
    assert_eq!(response_count(&app, &key, &survey.id).await, 0);

    // An empty honeypot (what every browser sends) is a person.
    let person = post_json(&app, &survey.id, json!({"answers": valid_answers(&survey), "website": ""})).await;
    assert_eq!(person.status, 201, "{}", person.body);
    assert_eq!(responses(&app, &key, &survey.id).await.len(), 1);
}

#[tokio::test]
async fn posts_are_limited_per_client_ip_but_the_page_is_not() {
    let app = spawn_app_with(|app| app.settings.survey_responses_per_ip_per_minute = 5).await;
    let (key, survey) = standard(&app).await;
    let other = create_survey(&app, &key, standard_survey()).await;
    let other_id = other["id"].as_str().unwrap().to_owned();
    let other_q = question_ids(&other);
    settle_in_one_minute_window().await;

    for _ in 0..8 {
        assert_eq!(get_page(&app, &survey.id).await.status, 200, "viewing is not limited");
    }
    for i in 0..5 {
        let status = if i % 2 == 0 {
            post_form(&app, &survey.id, &valid_form(&survey)).await.status
        } else {
            post_json(&app, &survey.id, json!({"answers": valid_answers(&survey)})).await.status
        };
        assert_eq!(status, 201, "post {}", i + 1);
    }

    let page = post_form(&app, &survey.id, &valid_form(&survey)).await;
    assert_eq!(page.status, 429, "{}", page.html);
    assert!(page.is_html(), "a friendly page: {}", page.content_type);
    let rate_limited = page.by_id("rate-limited").unwrap_or_else(|| panic!("#rate-limited in:\n{}", page.html));
    assert_eq!(rate_limited.name, "p");
    assert!(!text_of(page.inner(rate_limited)).is_empty());
    let wait: i64 = page.retry_after.as_deref().expect("Retry-After").parse().expect("seconds");
    assert!((1..=60).contains(&wait), "{wait}");

    let reply = post_json(&app, &survey.id, json!({"answers": valid_answers(&survey)})).await;
    assert_eq!(reply.status, 429, "{}", reply.body);
    assert!(!reply.error().is_empty(), "{}", reply.body);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    let wait: i64 = reply.header("retry-after").expect("Retry-After").parse().expect("seconds");
    assert!((1..=60).contains(&wait), "{wait}");

    // The limit is the client's, whichever survey it answers.
    let elsewhere = json!({"answers": { &other_q[0]: 3, &other_q[3]: ["Wine"] }});
    assert_eq!(post_json(&app, &other_id, elsewhere).await.status, 429);

    assert_eq!(get_page(&app, &survey.id).await.status, 200, "the page still shows");
    assert_eq!(responses(&app, &key, &survey.id).await.len(), 5);
    assert_eq!(stored_items(&app).await, 5);
}

#[tokio::test]
async fn responses_do_not_count_against_the_monthly_quota() {
    let app = spawn_app().await;
    let (account, key) = app.account(Plan::Business).await;
    let data = create_survey(&app, &key, standard_survey()).await;
    let id = data["id"].as_str().unwrap().to_owned();
    let q = question_ids(&data);
    let survey = Survey { id, rating: q[0].clone(), text: q[1].clone(), single: q[2].clone(), multiple: q[3].clone() };

    let usage = |reply: &Reply| reply.body["data"]["usage"]["calls"].as_u64().expect("usage.calls");
    let before = app.call("GET", "/api/v1/account", key.expose(), None).await;
    assert_eq!(before.status, 200, "{}", before.body);
    let counted_before = app.calls_this_month(&account).await;
    for _ in 0..3 {
        assert_eq!(post_form(&app, &survey.id, &valid_form(&survey)).await.status, 201);
        assert_eq!(post_json(&app, &survey.id, json!({"answers": valid_answers(&survey)})).await.status, 201);
        assert_eq!(post_json(&app, &survey.id, json!({"answers": {}})).await.status, 400);
        assert_eq!(get_page(&app, &survey.id).await.status, 200);
    }
    assert_eq!(app.calls_this_month(&account).await, counted_before, "posts and views are not API calls");
    let after = app.call("GET", "/api/v1/account", key.expose(), None).await;
    assert_eq!(usage(&after), usage(&before) + 1, "only the second GET /api/v1/account counted");
}

// ---------------------------------------------------------------------------------------------
// Concurrency
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn two_hundred_parallel_responses_are_all_stored_and_counted() {
    const N: usize = 200;
    let app = spawn_app_with(|app| app.settings.survey_responses_per_ip_per_minute = 1000).await;
    let (account, key) = app.account(Plan::Business).await;
    let (project, project_key) = app.project(&account).await;
    let mut body = standard_survey();
    body["projectId"] = json!(project.id.to_string());
    let data = create_survey(&app, &key, body).await;
    assert_eq!(data["projectId"], project.id.to_string());
    let id = data["id"].as_str().unwrap().to_owned();
    let q = question_ids(&data);

    let posts = (0..N).map(|i| {
        let answers = json!({ &q[0]: (i % 5) + 1, &q[1]: format!("r{i}"), &q[3]: ["Bread"] });
        let request = app
            .http
            .post(app.url(&page_path(&id)))
            .header("content-type", "application/json")
            .body(json!({ "answers": answers }).to_string())
            .send();
        async move { Reply::from(request.await.expect("the gateway answers")).await }
    });
    let replies = futures::future::join_all(posts).await;
    let mut created = HashSet::new();
    let mut refused: HashMap<(u16, String), usize> = HashMap::new();
    for reply in &replies {
        if reply.status == 201 {
            created.insert(reply.body["data"]["id"].as_str().expect("id").to_owned());
        } else {
            *refused.entry((reply.status, reply.body.to_string())).or_default() += 1;
        }
    }
    let accepted = replies.iter().filter(|r| r.status == 201).count();
    assert_eq!(created.len(), accepted, "distinct ids");

    // What was accepted is stored exactly once, and every counter agrees with it...
    let listed = responses(&app, &key, &id).await;
    let listed_ids: HashSet<String> = listed.iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(listed.len(), listed_ids.len(), "no response listed twice");
    let unlisted: Vec<&String> = created.difference(&listed_ids).collect();
    let unannounced: Vec<&String> = listed_ids.difference(&created).collect();
    assert!(
        unlisted.is_empty() && unannounced.is_empty(),
        "the API lists exactly the accepted responses: {} accepted but not listed {unlisted:?}, {} listed but \
         answered {refused:?} {unannounced:?}",
        unlisted.len(),
        unannounced.len()
    );
    let texts: HashSet<String> = listed.iter().map(|r| answers_of(r)[&q[1]].as_str().unwrap().to_owned()).collect();
    assert_eq!(texts.len(), listed.len(), "every response kept its own answers");
    assert_eq!(response_count(&app, &key, &id).await, accepted, "responseCount");
    // Filed in the project's feedback too, with the project's total exact.
    let url = app.url(&format!("/api/projects/{}/feedback", project.id));
    let project_list =
        Reply::from(app.http.get(url).header("x-api-key", project_key.expose()).send().await.unwrap()).await;
    assert_eq!(project_list.status, 200, "{}", project_list.body);
    assert_eq!(project_list.body["pagination"]["total"], accepted, "{}", project_list.body["pagination"]);
    assert_eq!(project_list.body["data"][0]["source"], "SURVEY");

    // ...and every one of the parallel posts was accepted.
    assert_eq!(accepted, N, "{} of {N} parallel posts were not accepted: {refused:?}", N - accepted);
    let low = listed.iter().filter(|r| r["lowRated"] == true).count();
    assert_eq!(low, 2 * N / 5, "ratings 1 and 2 are below the threshold of 3");
}
