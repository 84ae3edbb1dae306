//! The public widget, `POST /api/widget/{projectId}/feedback`, through the real gateway: no key,
//! the project's `allowedDomains`, CORS, the per-IP limit, the monthly quota left alone, the same
//! validation as the API, and what is (or is not) stored.

use hearken::plans::Plan;
use hearken_tests::{settle_in_one_minute_window, spawn_app, texts, Reply, TestApp};
use serde_json::{json, Value};

const ORIGIN_REFUSED: &str = "This origin is not allowed to send feedback to this project";

fn widget_path(project: &impl std::fmt::Display) -> String {
    format!("/api/widget/{project}/feedback")
}

/// A widget submission, without any key, from `origin` when given.
async fn submit_raw(
    app: &TestApp,
    project: &impl std::fmt::Display,
    origin: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> Reply {
    let mut request =
        app.http.post(app.url(&widget_path(project))).header("content-type", "application/json").body(body);
    if let Some(origin) = origin {
        request = request.header("origin", origin);
    }
    Reply::from(request.send().await.unwrap()).await
}

async fn submit(app: &TestApp, project: &impl std::fmt::Display, origin: Option<&str>, body: Value) -> Reply {
    submit_raw(app, project, origin, body.to_string()).await
}

/// `GET /api/projects/{projectId}/feedback` with the project's key.
async fn list(app: &TestApp, project: &impl std::fmt::Display, key: &str) -> Reply {
    let url = app.url(&format!("/api/projects/{project}/feedback"));
    Reply::from(app.http.get(url).header("x-api-key", key).send().await.unwrap()).await
}

/// Sets the project's `allowedDomains` through the API.
async fn allow_domains(app: &TestApp, project: &impl std::fmt::Display, key: &str, domains: &[&str]) {
    let request = app
        .http
        .put(app.url(&format!("/api/projects/{project}")))
        .header("x-api-key", key)
        .json(&json!({ "allowedDomains": domains }));
    let reply = Reply::from(request.send().await.unwrap()).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["data"]["allowedDomains"], json!(domains));
}

async fn stored_feedback(app: &TestApp) -> usize {
    app.all_items(&app.app.tables.feedback).await.len()
}

#[tokio::test]
async fn widget_feedback_is_stored_with_source_widget_without_a_key() {
    let app = spawn_app().await;
    let (account, project, key) = app.account_with_project(Plan::Pro).await;
    let body = json!({"message": "Love the new checkout", "context": {"url": "https://example.com/cart"}, "extra": 1});
    let reply = submit(&app, &project.id, Some("https://example.com"), body).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    let data = &reply.body["data"];
    let id = data["id"].as_str().unwrap();
    assert!(id.starts_with("fb_"), "{id}");
    assert_eq!(data["message"], "Love the new checkout");
    assert_eq!(data["context"], json!({"url": "https://example.com/cart"}));
    assert_eq!(data["status"], "NEW");
    assert_eq!(data["source"], "WIDGET");
    assert!(hearken_tests::is_iso_millis(data["createdAt"].as_str().unwrap()), "{}", data["createdAt"]);
    assert_eq!(data["createdAt"], data["updatedAt"]);
    let mut fields: Vec<&str> = data.as_object().unwrap().keys().map(String::as_str).collect();
    fields.sort_unstable();
    assert_eq!(fields, ["context", "createdAt", "id", "message", "source", "status", "updatedAt"]);

    // Stored once, in the project and account of the path, as WIDGET.
    let items = app.all_items(&app.app.tables.feedback).await;
    assert_eq!(items.len(), 1);
    let text = |name: &str| items[0].get(name).and_then(|v| v.as_s().ok()).cloned();
    assert_eq!(text("source").as_deref(), Some("WIDGET"));
    assert_eq!(text("projectId").as_deref(), Some(project.id.as_str()));
    assert_eq!(text("accountId").as_deref(), Some(account.id.as_str()));

    // The owner sees it in the project's list, and the total counts it.
    let listed = list(&app, &project.id, key.expose()).await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.body["pagination"]["total"], 1);
    assert_eq!(listed.body["data"][0]["id"], id);
    assert_eq!(listed.body["data"][0]["source"], "WIDGET");
    // The list is the answer, with the reference's `context.timestamp` (when it was received).
    let mut expected = data.clone();
    expected["context"]["timestamp"] = data["createdAt"].clone();
    assert_eq!(listed.body["data"][0], expected);
}

#[tokio::test]
async fn an_empty_allowed_domains_list_accepts_any_origin_or_none() {
    let app = spawn_app().await;
    let (_, project, key) = app.account_with_project(Plan::Pro).await;
    assert!(project.allowed_domains.is_empty());
    for origin in [None, Some("https://anything.example"), Some("http://localhost:5173"), Some("null")] {
        let reply = submit(&app, &project.id, origin, json!({"message": "hello"})).await;
        assert_eq!(reply.status, 201, "{origin:?}: {}", reply.body);
    }
    assert_eq!(stored_feedback(&app).await, 4);
    assert_eq!(list(&app, &project.id, key.expose()).await.body["pagination"]["total"], 4);
}

#[tokio::test]
async fn only_origins_matching_allowed_domains_are_accepted() {
    let app = spawn_app().await;
    let (_, project, key) = app.account_with_project(Plan::Pro).await;
    allow_domains(&app, &project.id, key.expose(), &["example.com", "*.shop.io"]).await;
    let accepted = ["https://example.com", "http://example.com:8080", "https://EXAMPLE.com", "https://eu.shop.io"];
    for origin in accepted {
        let reply = submit(&app, &project.id, Some(origin), json!({"message": origin})).await;
        assert_eq!(reply.status, 201, "{origin}: {}", reply.body);
    }
    let refused =
        ["https://www.example.com", "https://shop.io", "https://evil-example.com", "https://example.com.evil.io"];
    for origin in refused {
        let reply = submit(&app, &project.id, Some(origin), json!({"message": origin})).await;
        assert_eq!((reply.status, reply.error()), (403, ORIGIN_REFUSED), "{origin}");
    }
    assert_eq!(stored_feedback(&app).await, accepted.len());
    assert_eq!(list(&app, &project.id, key.expose()).await.body["pagination"]["total"], accepted.len());
}

#[tokio::test]
async fn a_disallowed_origin_is_refused_and_nothing_is_stored() {
    let app = spawn_app().await;
    let (_, project, key) = app.account_with_project(Plan::Pro).await;
    allow_domains(&app, &project.id, key.expose(), &["example.com"]).await;
    let foreign = submit(&app, &project.id, Some("https://attacker.test"), json!({"message": "spam"})).await;
    assert_eq!(foreign.status, 403);
    assert_eq!(foreign.body, json!({"error": ORIGIN_REFUSED}));
    // With a list set, a request without an Origin is refused too.
    let no_origin = submit(&app, &project.id, None, json!({"message": "spam"})).await;
    assert_eq!(no_origin.status, 403);
    assert_eq!(no_origin.body, json!({"error": ORIGIN_REFUSED}));
    assert_eq!(stored_feedback(&app).await, 0);
    let projects = app.all_items(&app.app.tables.projects).await;
    assert!(projects.iter().all(|item| !item.contains_key("count#total")), "no counter moved");
    assert_eq!(list(&app, &project.id, key.expose()).await.body["pagination"]["total"], 0);
}

#[tokio::test]
async fn a_cors_preflight_is_answered_without_a_key() {
    let app = spawn_app().await;
    let (_, project, key) = app.account_with_project(Plan::Pro).await;
    allow_domains(&app, &project.id, key.expose(), &["example.com"]).await;
    let preflight = app
        .http
        .request(reqwest::Method::OPTIONS, app.url(&widget_path(&project.id)))
        .header("origin", "https://example.com")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send();
    let reply = Reply::from(preflight.await.unwrap()).await;
    assert_eq!(reply.status, 204);
    assert_eq!(reply.body, Value::Null);
    assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
    let methods = reply.header("access-control-allow-methods").expect("allow-methods");
    assert!(methods.split(',').any(|m| m.trim() == "POST"), "{methods}");
    let headers = reply.header("access-control-allow-headers").expect("allow-headers");
    assert!(headers.split(',').any(|h| h.trim().eq_ignore_ascii_case("content-type")), "{headers}");
    assert_eq!(reply.header("access-control-max-age"), Some("600"));
    // A preflight is not a submission: nothing stored, no per-IP window opened.
    assert_eq!(stored_feedback(&app).await, 0);
    let windows = app.all_items(&app.app.tables.usage).await;
    let widget_window = windows
        .iter()
        .any(|item| item.get("pk").and_then(|pk| pk.as_s().ok()).is_some_and(|pk| pk.starts_with("widget#")));
    assert!(!widget_window, "{windows:?}");
}

#[tokio::test]
async fn answers_to_requests_with_an_origin_carry_cors_headers() {
    let app = spawn_app().await;
    let (_, project, key) = app.account_with_project(Plan::Pro).await;
    allow_domains(&app, &project.id, key.expose(), &["example.com"]).await;
    let created = submit(&app, &project.id, Some("https://example.com"), json!({"message": "hi"})).await;
    let refused = submit(&app, &project.id, Some("https://other.test"), json!({"message": "hi"})).await;
    let invalid = submit(&app, &project.id, Some("https://example.com"), json!({"message": 1})).await;
    let missing =
        submit(&app, &hearken::ids::ProjectId::generate(), Some("https://example.com"), json!({"message": "hi"})).await;
    for (reply, status) in [(&created, 201), (&refused, 403), (&invalid, 400), (&missing, 404)] {
        assert_eq!(reply.status, status, "{}", reply.body);
        assert_eq!(reply.header("access-control-allow-origin"), Some("*"), "{status}");
        let exposed = reply.header("access-control-expose-headers").expect("expose-headers");
        for name in ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "retry-after"] {
            assert!(exposed.split(',').any(|h| h.trim() == name), "{status}: {name} not in {exposed}");
        }
    }
}

#[tokio::test]
async fn the_widget_is_limited_to_ten_requests_a_minute_per_client_ip() {
    let app = spawn_app().await;
    let (_, project, key) = app.account_with_project(Plan::Pro).await;
    let (_, other_project, _) = app.account_with_project(Plan::Pro).await;
    settle_in_one_minute_window().await;
    for i in 0..10u32 {
        let reply = submit(&app, &project.id, Some("https://example.com"), json!({"message": format!("m{i}")})).await;
        assert_eq!(reply.status, 201, "request {}: {}", i + 1, reply.body);
        assert_eq!(reply.header("x-ratelimit-limit"), Some("10"));
        let remaining = (9 - i).to_string();
        assert_eq!(reply.header("x-ratelimit-remaining"), Some(remaining.as_str()));
        let reset: i64 = reply.header("x-ratelimit-reset").unwrap().parse().unwrap();
        let now = hearken::time::Timestamp::now().unix_seconds();
        assert!(reset > now && reset <= now + 60 && reset % 60 == 0, "reset {reset} now {now}");
    }
    let refused = submit(&app, &project.id, Some("https://example.com"), json!({"message": "eleventh"})).await;
    assert_eq!(refused.status, 429);
    assert!(refused.error().contains("10 requests per minute"), "{}", refused.error());
    let wait: i64 = refused.header("retry-after").expect("Retry-After").parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    assert_eq!(refused.header("x-ratelimit-limit"), Some("10"));
    assert_eq!(refused.header("x-ratelimit-remaining"), Some("0"));
    assert!(refused.header("x-ratelimit-reset").is_some());

    // The limit is the client's, whatever project it writes to, and a forwarded-for header
    // (which the client controls) does not make it another client.
    let elsewhere = submit(&app, &other_project.id, None, json!({"message": "other project"})).await;
    assert_eq!(elsewhere.status, 429);
    let spoofed = app
        .http
        .post(app.url(&widget_path(&project.id)))
        .header("x-forwarded-for", "203.0.113.7")
        .json(&json!({"message": "spoofed"}))
        .send();
    assert_eq!(Reply::from(spoofed.await.unwrap()).await.status, 429);

    assert_eq!(stored_feedback(&app).await, 10);
    assert_eq!(list(&app, &project.id, key.expose()).await.body["pagination"]["total"], 10);
}

#[tokio::test]
async fn widget_feedback_does_not_count_against_the_monthly_quota() {
    let app = spawn_app().await;
    let (account, project, _) = app.account_with_project(Plan::Pro).await;
    let before = app.calls_this_month(&account).await;
    for i in 0..3 {
        let reply = submit(&app, &project.id, None, json!({"message": format!("m{i}")})).await;
        assert_eq!(reply.status, 201);
    }
    assert_eq!(app.calls_this_month(&account).await, before);

    // Nor does a used-up quota stop the widget.
    let (free, free_project, _) = app.account_with_project(Plan::Free).await;
    hearken::admin::set_calls_this_month(&app.app, &free.id, 300).await.unwrap();
    let reply = submit(&app, &free_project.id, None, json!({"message": "still welcome"})).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(app.calls_this_month(&free).await, 300);
}

// Every widget request counts in the client's window of 10 a minute, so each test sends at most
// ten (the rate-limit test aside).

#[tokio::test]
async fn the_message_is_validated_as_in_the_api() {
    let app = spawn_app().await;
    let (_, project, _) = app.account_with_project(Plan::Pro).await;
    for body in [json!({}), json!({"message": 42}), json!({"message": ""}), json!({"context": {}}), json!(["message"])]
    {
        let reply = submit(&app, &project.id, None, body.clone()).await;
        assert_eq!(reply.status, 400, "{body}");
        assert_eq!(reply.body, json!({"error": texts::MESSAGE_REQUIRED}), "{body}");
    }
    let empty = submit_raw(&app, &project.id, None, "").await;
    assert_eq!((empty.status, empty.error()), (400, texts::MESSAGE_REQUIRED));
    let long = submit(&app, &project.id, None, json!({"message": "x".repeat(10_001)})).await;
    assert_eq!((long.status, long.error()), (400, "Message must be at most 10000 characters"));
    let longest = submit(&app, &project.id, None, json!({"message": "é".repeat(10_000)})).await;
    assert_eq!(longest.status, 201);
    assert_eq!(stored_feedback(&app).await, 1);
}

#[tokio::test]
async fn the_context_is_validated_as_in_the_api() {
    let app = spawn_app().await;
    let (_, project, _) = app.account_with_project(Plan::Pro).await;
    for context in [json!([1, 2]), json!("url"), json!(5)] {
        let reply = submit(&app, &project.id, None, json!({"message": "m", "context": context})).await;
        assert_eq!(reply.status, 400, "{context}");
        assert_eq!(reply.body, json!({"error": "Context must be a JSON object"}), "{context}");
    }
    let big_context =
        submit(&app, &project.id, None, json!({"message": "m", "context": {"x": "y".repeat(17_000)}})).await;
    assert_eq!((big_context.status, big_context.error()), (400, "Context must be at most 16 KiB of JSON"));
    let no_context = submit(&app, &project.id, None, json!({"message": "m", "context": null})).await;
    assert_eq!(no_context.status, 201);
    assert_eq!(no_context.body["data"]["context"], json!({}), "always an object: {}", no_context.body);
    assert_eq!(stored_feedback(&app).await, 1);
}

#[tokio::test]
async fn malformed_json_is_a_400() {
    let app = spawn_app().await;
    let (_, project, _) = app.account_with_project(Plan::Pro).await;
    let malformed = submit_raw(&app, &project.id, None, "{\"message\": ").await;
    assert_eq!(malformed.status, 400);
    assert!(malformed.error().starts_with("Malformed JSON"), "{}", malformed.error());
    assert_eq!(stored_feedback(&app).await, 0);
}

#[tokio::test]
async fn a_body_over_64_kib_is_a_413() {
    let app = spawn_app().await;
    let (_, project, _) = app.account_with_project(Plan::Pro).await;
    let huge = submit(&app, &project.id, None, json!({"message": "m", "padding": "z".repeat(70_000)})).await;
    assert_eq!(huge.status, 413);
    assert!(huge.error().contains("65536 bytes"), "{}", huge.error());
    assert_eq!(stored_feedback(&app).await, 0);
}

#[tokio::test]
async fn an_unknown_or_malformed_project_is_not_found() {
    let app = spawn_app().await;
    let missing = hearken::ids::ProjectId::generate().to_string();
    for target in [missing.as_str(), "not-an-id", "proj_123"] {
        let reply = submit(&app, &target, Some("https://example.com"), json!({"message": "hello"})).await;
        assert_eq!(reply.status, 404, "{target}");
        assert_eq!(reply.body, json!({"error": "Project not found"}), "{target}");
    }
    assert_eq!(stored_feedback(&app).await, 0);
}

#[tokio::test]
async fn a_deleted_project_is_not_found() {
    let app = spawn_app().await;
    let (account, project, _) = app.account_with_project(Plan::Pro).await;
    let (second, second_key) =
        hearken::admin::create_project(&app.app, &account.id, "Second", None).await.expect("project is created");
    let deleted = app
        .http
        .delete(app.url(&format!("/api/projects/{}", second.id)))
        .header("x-api-key", second_key.expose())
        .send();
    assert_eq!(Reply::from(deleted.await.unwrap()).await.status, 200);
    let reply = submit(&app, &second.id, None, json!({"message": "too late"})).await;
    assert_eq!((reply.status, reply.error()), (404, "Project not found"));
    assert_eq!(submit(&app, &project.id, None, json!({"message": "still here"})).await.status, 201);
    assert_eq!(stored_feedback(&app).await, 1);
}

/// The headers of every widget answer: JSON for scripts on other sites, which a browser must never
/// render, sniff, frame or let load anything.
fn assert_security_headers(reply: &Reply, what: &str) {
    let policy = reply.header("content-security-policy").unwrap_or_else(|| panic!("{what}: no CSP"));
    let mut directives: Vec<&str> = policy.split(';').map(str::trim).filter(|d| !d.is_empty()).collect();
    directives.sort_unstable();
    assert_eq!(
        directives,
        ["base-uri 'none'", "default-src 'none'", "form-action 'none'", "frame-ancestors 'none'"],
        "{what}: {policy}"
    );
    assert_eq!(reply.header("x-frame-options"), Some("DENY"), "{what}");
    assert_eq!(reply.header("x-content-type-options"), Some("nosniff"), "{what}");
    assert_eq!(reply.header("referrer-policy"), Some("no-referrer"), "{what}");
    assert_eq!(reply.header("content-type"), Some("application/json"), "{what}");
}

#[tokio::test]
async fn every_widget_answer_carries_the_security_headers() {
    let app = spawn_app().await;
    let (_, project, key) = app.account_with_project(Plan::Pro).await;
    let (_, limited, limited_key) = app.account_with_project(Plan::Pro).await;
    allow_domains(&app, &limited.id, limited_key.expose(), &["example.com"]).await;
    let unknown = hearken::ids::ProjectId::generate();
    settle_in_one_minute_window().await;
    let origin = Some("https://example.com");
    let answers = [
        ("stored", submit(&app, &project.id, origin, json!({"message": "Hi"})).await, 201),
        ("no message", submit(&app, &project.id, origin, json!({})).await, 400),
        ("malformed JSON", submit_raw(&app, &project.id, origin, "{").await, 400),
        ("origin refused", submit(&app, &limited.id, Some("https://evil.example"), json!({"message": "x"})).await, 403),
        ("unknown project", submit(&app, &unknown, origin, json!({"message": "x"})).await, 404),
        ("malformed project", submit(&app, &"proj_<b>", origin, json!({"message": "x"})).await, 404),
    ];
    for (what, reply, status) in &answers {
        assert_eq!(reply.status, *status, "{what}: {}", reply.body);
        assert_security_headers(reply, what);
    }
    // Five of those counted (a malformed id is refused before the limit): requests 6 to 10 of the
    // client's minute, then the 429.
    for i in 0..5 {
        assert_eq!(submit(&app, &project.id, origin, json!({"message": format!("m{i}")})).await.status, 201);
    }
    let refused = submit(&app, &project.id, origin, json!({"message": "eleventh"})).await;
    assert_eq!(refused.status, 429, "{}", refused.body);
    assert_security_headers(&refused, "429");
    // The API's own answers are not pages: only nosniff.
    let listed = list(&app, &project.id, key.expose()).await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert_eq!(listed.header("x-content-type-options"), Some("nosniff"));
}
