//! The API's own description: `GET /openapi.json` documents exactly template.yaml's routes, each
//! one fully (an id, a tag, a summary, a success answer, its key schemes, `Retry-After` where the
//! client must wait), and Swagger UI at `/swagger` renders it in headless Chromium, signs in with
//! a real key, tries a route and shows its live answer, loading nothing from any other origin.
//!
//! The browser test needs /usr/bin/chromium and /usr/bin/chromedriver (`infra/chromium.sh
//! ensure`; the browser is [`crate::common::browser`]'s); its screenshot lands in
//! `target/screenshots/swagger.png` for a person to look at.

use crate::common::browser::{Browser, Options};
use fantoccini::Locator;
use hearken::plans::Plan;
use hearken_local::template::{Template, DEFAULT_ROUTE};
use hearken_tests::{spawn_app, Reply};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// The methods an OpenAPI path item can hold.
const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
/// A host name the browser resolves to the gateway: Swagger UI treats `localhost` and `127.0.0.1`
/// as special (it never asks its online validator about them), so the page is opened as a
/// deployed stack's would be.
const HOST: &str = "docs.hearken.test";

/// `/a/{b}/c/{proxy+}` → `/a/{}/c/{}`: a path as a shape, whatever its parameters are called
/// (API Gateway's greedy `{proxy+}` is a single `{file}` in the document).
fn shape(path: &str) -> String {
    let mut shaped = String::with_capacity(path.len());
    let mut inside = false;
    for c in path.chars() {
        match c {
            '{' => {
                inside = true;
                shaped.push_str("{}");
            }
            '}' => inside = false,
            _ if !inside => shaped.push(c),
            _ => {}
        }
    }
    shaped
}

/// The routes that need no key: the survey page, the widget, and the description itself.
fn is_public(path: &str) -> bool {
    path.starts_with("/s/")
        || path.starts_with("/api/widget/")
        || path == "/openapi.json"
        || path.starts_with("/swagger")
}

/// `$ref`s into the document's own components, followed.
fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    let mut value = value;
    for _ in 0..8 {
        let Some(reference) = value["$ref"].as_str() else { return value };
        let pointer = reference.strip_prefix('#').unwrap_or_else(|| panic!("a local $ref: {reference}"));
        value = doc.pointer(pointer).unwrap_or_else(|| panic!("{reference} resolves"));
    }
    panic!("a $ref chain too long at {value}")
}

/// Every operation of the document: (METHOD, path, operation).
fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
    let paths = doc["paths"].as_object().expect("paths is an object");
    let mut found = vec![];
    for (path, item) in paths {
        for method in METHODS {
            if let Some(operation) = item.get(method) {
                found.push((method.to_uppercase(), path.clone(), operation));
            }
        }
    }
    found
}

/// The tag names of the document's operations, in first-seen order.
fn tags(doc: &Value) -> Vec<String> {
    let mut names: Vec<String> = vec![];
    for (_, _, operation) in operations(doc) {
        for tag in operation["tags"].as_array().into_iter().flatten().filter_map(Value::as_str) {
            if !names.iter().any(|name| name == tag) {
                names.push(tag.to_owned());
            }
        }
    }
    names
}

/// The document as the gateway serves it, with no key.
async fn served_document(app: &hearken_tests::TestApp) -> (Reply, Value) {
    let reply = Reply::from(app.http.get(app.url("/openapi.json")).send().await.expect("the gateway answers")).await;
    assert_eq!(reply.status, 200, "no key is needed for the document: {}", reply.body);
    let doc = reply.body.clone();
    assert!(doc.is_object(), "the document is JSON: {doc}");
    (reply, doc)
}

/// The docs function serves a document written ahead of time (no work on its first request, none
/// of the other functions' code in its binary); it must be exactly what the routes' attributes
/// and types make today.
#[test]
fn the_served_document_is_the_one_the_routes_make() {
    let written =
        std::fs::read_to_string(hearken_local::openapi::CHECKED_IN).expect("functions/docs/openapi.json exists");
    let made = hearken_local::openapi::document_json();
    assert!(written == made, "functions/docs/openapi.json is out of date: run `make openapi` and commit it");
}

#[tokio::test]
async fn the_document_lists_every_route_of_the_template_and_nothing_else() {
    let app = spawn_app().await;
    let (reply, doc) = served_document(&app).await;
    assert_eq!(reply.header("access-control-allow-origin"), Some("*"), "any site's tools may read it");
    let content_type = reply.header("content-type").unwrap_or_default();
    assert!(content_type.starts_with("application/json"), "{content_type}");
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["info"]["title"].as_str().is_some_and(|t| !t.is_empty()), "{}", doc["info"]);

    // Exactly template.yaml's routes, by method and path shape.
    let template = Template::load_default().expect("template.yaml loads");
    let routes: BTreeMap<(String, String), String> = template
        .routes()
        .filter(|(route, _)| route.path != DEFAULT_ROUTE)
        .map(|(route, _)| ((route.method.to_uppercase(), shape(&route.path)), route.key()))
        .collect();
    assert!(routes.len() > 3, "template.yaml's routes are read: {routes:?}");
    let mut documented: BTreeMap<(String, String), String> = BTreeMap::new();
    for (method, path, _) in operations(&doc) {
        let route = format!("{method} {path}");
        if let Some(other) = documented.insert((method, shape(&path)), route.clone()) {
            panic!("{route} and {other} are one route to API Gateway");
        }
    }
    // Every fault, route mismatches first, so one run shows all there is to fix.
    let mut faults: Vec<String> = vec![];
    // Every link (create -> get -> update -> delete) leads to an operation that exists.
    let ids: Vec<String> = operations(&doc)
        .into_iter()
        .map(|(_, _, op)| op["operationId"].as_str().unwrap_or_default().to_owned())
        .collect();
    let mut links = 0;
    for (method, path, op) in operations(&doc) {
        for (status, response) in op["responses"].as_object().into_iter().flatten() {
            for (name, link) in response["links"].as_object().into_iter().flatten() {
                links += 1;
                let target = link["operationId"].as_str().unwrap_or_default();
                if !ids.iter().any(|id| id == target) {
                    faults.push(format!("{method} {path} {status}: link {name} leads to no operation ({target})"));
                }
            }
        }
    }
    assert!(links >= 20, "the create/update answers link to what their id leads to: {links} links");
    for (key, route) in &routes {
        if !documented.contains_key(key) {
            faults.push(format!("{route}: in template.yaml, missing from the document"));
        }
    }
    for (key, route) in &documented {
        if !routes.contains_key(key) {
            faults.push(format!("{route}: documented, but template.yaml has no such route"));
        }
    }

    // The three ways of presenting a key.
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["apiKeyHeader"]["type"], "apiKey", "{schemes}");
    assert_eq!(
        (&schemes["apiKeyHeader"]["in"], &schemes["apiKeyHeader"]["name"]),
        (&json!("header"), &json!("x-api-key"))
    );
    assert_eq!(schemes["apiKeyQuery"]["type"], "apiKey", "{schemes}");
    assert_eq!((&schemes["apiKeyQuery"]["in"], &schemes["apiKeyQuery"]["name"]), (&json!("query"), &json!("api_key")));
    assert_eq!((&schemes["bearer"]["type"], &schemes["bearer"]["scheme"]), (&json!("http"), &json!("bearer")));
    // By default any one of them will do.
    let any_key = json!([{"apiKeyHeader": []}, {"apiKeyQuery": []}, {"bearer": []}]);
    assert_eq!(doc["security"], any_key, "the document's default security");

    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    for (method, path, operation) in operations(&doc) {
        let route = format!("{method} {path}");
        let mut fault = |what: String| faults.push(format!("{route}: {what}"));
        match operation["operationId"].as_str().filter(|id| !id.is_empty()) {
            Some(id) => {
                if let Some(other) = ids.insert(id.to_owned(), route.clone()) {
                    fault(format!("operationId {id} is also {other}'s"));
                }
            }
            None => fault("no operationId".into()),
        }
        if !operation["tags"].as_array().is_some_and(|t| t.iter().any(|t| t.as_str().is_some_and(|t| !t.is_empty()))) {
            fault("no tag".into());
        }
        if operation["summary"].as_str().is_none_or(|s| s.trim().is_empty()) {
            fault("no summary".into());
        }
        let responses = operation["responses"].as_object().cloned().unwrap_or_default();
        // A success: 2xx, or 3xx for a route that only redirects (`/swagger`).
        if !responses.keys().any(|status| status.starts_with('2') || status.starts_with('3')) {
            fault(format!("no 2xx (or redirect) answer among {:?}", responses.keys().collect::<Vec<_>>()));
        }
        for status in ["429", "503"] {
            if let Some(response) = responses.get(status) {
                let headers = resolve(&doc, response)["headers"].as_object().cloned().unwrap_or_default();
                if !headers.keys().any(|name| name.eq_ignore_ascii_case("retry-after")) {
                    fault(format!("its {status} answer does not document Retry-After"));
                }
            }
        }
        // Every `{name}` of the path is a path parameter (or a client cannot fill it in), declared
        // on the operation or on its path.
        let parameters = [&operation["parameters"], &doc["paths"][&path]["parameters"]];
        for name in path.split('{').skip(1).filter_map(|rest| rest.split('}').next()) {
            let declared = parameters.iter().filter_map(|p| p.as_array()).flatten().any(|parameter| {
                let parameter = resolve(&doc, parameter);
                parameter["in"] == "path" && parameter["name"] == name && parameter["required"] == true
            });
            if !declared {
                fault(format!("{{{name}}} is not a required path parameter"));
            }
        }
        let security = &operation["security"];
        if is_public(&path) {
            if *security != json!([{}]) {
                fault(format!("public, so `security: [{{}}]`, not {security}"));
            }
        } else if !security.is_null() && *security != any_key {
            fault(format!("keyed, so the document's default security or any key, not {security}"));
        }
    }
    assert!(faults.is_empty(), "the document does not hold to template.yaml:\n{}", faults.join("\n"));

    // Tags listed at the top are ones operations use (Swagger UI shows only those).
    let used = tags(&doc);
    for tag in doc["tags"].as_array().into_iter().flatten() {
        let name = tag["name"].as_str().unwrap_or_default();
        assert!(used.iter().any(|u| u == name), "top-level tag {name:?} has no operation");
    }
}

/// A desktop-sized browser (Swagger UI is a desktop tool) that resolves only [`HOST`], to the
/// gateway.
async fn desktop() -> Browser {
    Browser::start(Options { javascript: true, window: (1280, 900), only_host: Some(HOST) }).await
}

/// Polls a script until it returns something other than `null` (or 20 s pass).
async fn wait_until(browser: &Browser, what: &str, script: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let value = browser.run(script).await;
        if !value.is_null() {
            return value;
        }
        if Instant::now() > deadline {
            panic!("{what} did not happen within 20 s; console: {:?}", browser.console().await);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn swagger_ui_shows_every_tag_and_tries_a_request_with_a_key() {
    let app = spawn_app().await;
    let (_, doc) = served_document(&app).await;
    let tags = tags(&doc);
    assert!(tags.iter().any(|t| t == "Projects"), "the projects routes are described: {tags:?}");
    let list = operations(&doc)
        .into_iter()
        .find(|(method, path, _)| method == "GET" && path == "/api/projects")
        .map(|(_, _, operation)| operation.clone())
        .expect("GET /api/projects is documented");
    let operation_id = list["operationId"].as_str().expect("an operationId").to_owned();
    let tag = list["tags"][0].as_str().expect("a tag").to_owned();
    // Swagger UI's id for an operation's block (its deep link, spaces as underscores).
    let block = format!("operations-{}-{}", tag.replace(' ', "_"), operation_id);

    // A STARTER owner key may list projects; the account has one to show.
    let (account, key) = app.account(Plan::Starter).await;
    let (project, _) = app.project(&account).await;

    let origin = app.base.replace("127.0.0.1", HOST);
    assert_ne!(origin, app.base, "the gateway listens on 127.0.0.1: {}", app.base);
    let browser = desktop().await;
    browser.client.goto(&format!("{origin}/swagger")).await.expect("/swagger opens");
    let url = browser.client.current_url().await.expect("the page's URL");
    assert_eq!(url.as_str(), format!("{origin}/swagger/index.html"), "/swagger sends the browser to the UI");

    // Rendered: the document's title and one section per tag.
    let title = browser.wait_for(".information-container .title").await;
    let title = title.text().await.expect("title text");
    assert!(title.starts_with(doc["info"]["title"].as_str().unwrap()), "{title}");
    let sections = browser.run("return [...document.querySelectorAll('h3.opblock-tag')].map(h => h.dataset.tag)").await;
    let sections: Vec<String> = serde_json::from_value(sections).expect("tag names");
    for tag in &tags {
        assert!(sections.contains(tag), "no section for tag {tag:?} among {sections:?}");
    }
    assert_eq!(sections.len(), tags.len(), "a section per tag and no other: {sections:?} vs {tags:?}");

    // Open "List projects".
    let summary = browser.wait_for(&format!("#{block} .opblock-summary-control")).await;
    let shown = browser.wait_for(&format!("#{block} .opblock-summary-description")).await;
    assert_eq!(shown.text().await.unwrap(), list["summary"].as_str().unwrap());
    summary.click().await.expect("the operation opens");
    browser.wait_for(&format!("#{block}.is-open .opblock-body")).await;

    // Authorize with the key in `x-api-key`.
    browser.wait_for(".scheme-container button.authorize").await.click().await.expect("Authorize opens");
    let dialog = browser.wait_for(".dialog-ux .modal-ux").await;
    let forms = dialog.find_all(Locator::Css(".auth-container")).await.expect("the schemes' forms");
    assert_eq!(forms.len(), 3, "one form per key scheme");
    let mut header_form = None;
    for form in forms {
        if form.text().await.unwrap_or_default().contains("apiKeyHeader") {
            header_form = Some(form);
        }
    }
    let header_form = header_form.expect("the apiKeyHeader form");
    let input = header_form.find(Locator::Css("input")).await.expect("its key field");
    input.send_keys(key.expose()).await.expect("the key is typed");
    header_form.find(Locator::Css("button.authorize")).await.expect("its Authorize").click().await.unwrap();
    // Signed in: the form shows Logout.
    let signed_in =
        "return [...document.querySelectorAll('.auth-container')].some(f => f.innerText.includes('apiKeyHeader') \
                     && [...f.querySelectorAll('button')].some(b => b.innerText.trim() === 'Logout')) || null";
    wait_until(&browser, "signing in", signed_in).await;
    browser.wait_for(".dialog-ux button.btn-done").await.click().await.expect("the dialog closes");
    wait_until(&browser, "the dialog closing", "return document.querySelector('.dialog-ux') ? null : true").await;
    let locked =
        browser.run("return document.querySelector('.scheme-container button.authorize.locked') !== null").await;
    assert_eq!(locked, true, "the Authorize button shows the lock closed");

    // Try it out (on by default here), then Execute.
    let try_out = browser.wait_for(&format!("#{block} .try-out__btn")).await;
    if try_out.text().await.unwrap_or_default().trim() == "Try it out" {
        try_out.click().await.expect("Try it out");
    }
    browser.wait_for(&format!("#{block} button.execute")).await.click().await.expect("Execute");
    let live_status = format!(
        "const cell = document.querySelector('#{block} .live-responses-table tr.response .response-col_status'); \
         return cell ? cell.innerText.trim().split(/\\s/)[0] : null"
    );
    let status = wait_until(&browser, "the live answer", &live_status).await;
    let answer = browser
        .run(&format!(
            "const b = document.querySelector('#{block}'); return {{ \
               url: b.querySelector('.request-url pre')?.innerText, \
               curl: b.querySelector('.curl-command')?.innerText, \
               body: b.querySelector('.live-responses-table .response-col_description .microlight')?.innerText \
             }}"
        ))
        .await;
    assert_eq!(status, "200", "the live status shown: {answer}");
    let url = answer["url"].as_str().unwrap_or_default();
    assert!(url == format!("{origin}/api/projects") || url.starts_with(&format!("{origin}/api/projects?")), "{answer}");
    let curl = answer["curl"].as_str().unwrap_or_default();
    assert!(curl.contains(&format!("x-api-key: {}", key.expose())), "the key went in x-api-key: {curl}");
    let body: Value = serde_json::from_str(answer["body"].as_str().unwrap_or_default()).expect("a JSON body shown");
    assert_eq!(body["data"][0]["id"], project.id.to_string(), "the account's project is listed: {body}");

    let shot = browser.screenshot_down_to("swagger", &format!("#{block} .live-responses-table")).await;
    eprintln!("screenshot: {}", shot.display());

    // Everything came from the gateway: the page, its files, the document, the tried request.
    let loaded =
        browser.run("return [location.href, ...performance.getEntriesByType('resource').map(e => e.name)]").await;
    let loaded: Vec<String> = serde_json::from_value(loaded).expect("URLs");
    for name in ["swagger-ui-bundle.js", "swagger-ui.css", "/openapi.json", "/api/projects"] {
        assert!(loaded.iter().any(|url| url.contains(name)), "{name} was loaded: {loaded:#?}");
    }
    let elsewhere: Vec<&String> =
        loaded.iter().filter(|url| !url.starts_with(&format!("{origin}/")) && !url.starts_with("data:")).collect();
    // Nor did the pages' policy refuse anything (a refused load is a fault even when it never left).
    let refused = browser.refused().await;
    assert!(
        elsewhere.is_empty() && refused.is_empty(),
        "requests to another origin: {elsewhere:#?}\nrefused by the policy: {refused:#?}"
    );
    // The key lives only in the page's memory (`persistAuthorization` off).
    let stored = browser.run("return JSON.stringify(localStorage) + JSON.stringify(sessionStorage)").await;
    assert!(!stored.as_str().unwrap_or_default().contains(key.expose()), "the key is not stored: {stored}");
}
