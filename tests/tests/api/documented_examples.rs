//! The Miniback reference's own examples as tests: every curl example, the pagination lines, the
//! two JavaScript `fetch` snippets (run by Node) and the Python analytics snippet (run by Python
//! with `requests`), against the local gateway. Each snippet is read from the reference itself,
//! found by its first and last lines; only the base URL, the key and the project id are filled in.

use hearken::plans::Plan;
use hearken::projects::ProjectView;
use hearken::store::projects::Project;
use hearken_tests::{spawn_app, Reply, TestApp};
use serde_json::{json, Value};
use std::path::PathBuf;

/// The reference's base URL, keys and project ids, each with what it stands for.
const BASE_URL: &str = "https://your-domain.com";
const KEY_PLACEHOLDERS: [&str; 4] = ["mbk_abc123...", "mbk_your_key_here", "your_api_key_here", "YOUR_KEY"];
const PROJECT_PLACEHOLDERS: [&str; 2] = ["proj_123", "PROJECT_ID"];

/// Each curl example of the reference: its first line and its last line (up to where the
/// reference's text runs on into the next heading, as `…/feedbackQuery Parameter Authentication:`).
const QUICK_START: (&str, &str) = (
    "curl -H \"x-api-key: YOUR_KEY\" https://your-domain.com/api/projects",
    "curl -H \"x-api-key: YOUR_KEY\" https://your-domain.com/api/projects",
);
const HEADER_AUTH: (&str, &str) =
    ("curl -H \"x-api-key: your_api_key_here\" \\", "  https://your-domain.com/api/projects/PROJECT_ID/feedback");
const QUERY_AUTH: (&str, &str) = (
    "curl \"https://your-domain.com/api/projects/PROJECT_ID/feedback?api_key=your_api_key_here\"",
    "curl \"https://your-domain.com/api/projects/PROJECT_ID/feedback?api_key=your_api_key_here\"",
);
const LIST_PROJECTS: (&str, &str) =
    ("curl -H \"x-api-key: mbk_abc123...\" \\", "  \"https://your-domain.com/api/projects\"");
const LIST_FEEDBACK: (&str, &str) =
    ("curl -H \"x-api-key: mbk_abc123...\" \\", "  \"https://your-domain.com/api/feedback?status=NEW&pageSize=20\"");
const PROJECT_FEEDBACK: (&str, &str) = (
    "curl -H \"x-api-key: mbk_abc123...\" \\",
    "  \"https://your-domain.com/api/projects/proj_123/feedback?status=NEW&limit=10\"",
);
const CREATE_FEEDBACK: (&str, &str) = ("curl -X POST \\", "  https://your-domain.com/api/projects/proj_123/feedback");
const CURL_EXAMPLES: [(&str, &str); 7] =
    [QUICK_START, HEADER_AUTH, QUERY_AUTH, LIST_PROJECTS, LIST_FEEDBACK, PROJECT_FEEDBACK, CREATE_FEEDBACK];

/// The pagination example (bare `GET` lines), the two JavaScript snippets and the Python one.
const PAGINATION: (&str, &str) = ("# First page", "GET /api/projects/proj_123/feedback?limit=25&offset=50");
const GET_FEEDBACK_JS: (&str, &str) = ("// Fetch recent feedback for dashboard", "  return data.data;\n}");
const SUBMIT_FEEDBACK_JS: (&str, &str) = ("// Submit feedback from your own form", "  return response.json();\n}");
const STATS_PYTHON: (&str, &str) = ("import requests", "    return stats");

/// The Miniback reference, read where CI keeps it (beside the repository).
fn reference() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/seeds/000_e2fb0e038cd4ccee.txt");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("the Miniback reference at {}: {e}", path.display()))
}

/// The one passage of the reference that starts with `first` and ends with the nearest `last`
/// after it, with no other `first` in between (several examples share a first line).
fn snippet((first, last): (&str, &str)) -> String {
    let text = reference();
    let found: Vec<&str> = text
        .match_indices(first)
        .filter_map(|(start, _)| {
            let end = start + text[start..].find(last)? + last.len();
            let passage = &text[start..end];
            (!passage[first.len().min(passage.len())..].contains(first)).then_some(passage)
        })
        .collect();
    assert_eq!(found.len(), 1, "exactly one passage from {first:?} to {last:?} in the reference: {found:?}");
    found[0].to_owned()
}

/// The snippet with only the base URL, the key and the project id filled in.
fn fill_in(snippet: &str, base: &str, project: &Project, key: &str) -> String {
    let mut filled = snippet.replace(BASE_URL, base);
    for placeholder in KEY_PLACEHOLDERS {
        filled = filled.replace(placeholder, key);
    }
    for placeholder in PROJECT_PLACEHOLDERS {
        filled = filled.replace(placeholder, project.id.as_str());
    }
    assert!(!filled.contains("your-domain.com"), "a base URL left in {filled}");
    filled
}

/// Prefixes the base URL to the one relative URL of a JavaScript or Python snippet (`opening` is
/// the quote that starts it, as `"/api/` or `f'/api/`).
fn with_base(snippet: &str, opening: &str, base: &str) -> String {
    assert_eq!(snippet.matches(opening).count(), 1, "one relative URL opened by {opening} in {snippet}");
    let (quote, path) = opening.split_at(opening.find('/').expect("a path"));
    snippet.replace(opening, &format!("{quote}{base}{path}"))
}

/// Splits a shell command into its words as `sh` would (quotes, backslash escapes, line
/// continuations), refusing anything a shell would expand or interpret beyond that, so running
/// the words without a shell is running the command.
fn shell_words(command: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = command.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' => words.extend(word.take()),
            '\\' => match chars.next() {
                Some('\n') | None => {}
                Some(escaped) => word.get_or_insert_with(String::new).push(escaped),
            },
            '\'' => {
                let quoted: String = chars.by_ref().take_while(|&c| c != '\'').collect();
                word.get_or_insert_with(String::new).push_str(&quoted);
            }
            '"' => {
                let word = word.get_or_insert_with(String::new);
                loop {
                    match chars.next().expect("a closing double quote") {
                        '"' => break,
                        '\\' => match chars.next().expect("a character after a backslash") {
                            '\n' => {}
                            escaped @ ('"' | '\\' | '$' | '`') => word.push(escaped),
                            other => word.extend(['\\', other]),
                        },
                        '$' | '`' => panic!("a shell expansion in {command}"),
                        other => word.push(other),
                    }
                }
            }
            '$' | '`' | '|' | '&' | ';' | '<' | '>' | '(' | ')' | '*' | '?' | '#' | '~' => {
                panic!("an unquoted {c:?} that a shell would interpret in {command}")
            }
            other => word.get_or_insert_with(String::new).push(other),
        }
    }
    words.extend(word);
    words
}

/// Runs a program to its end off the test's runtime (the gateway serves on that runtime) and
/// returns its standard output; fails the test if it fails.
async fn run(program: &'static str, args: Vec<String>) -> String {
    let shown = args.join(" ");
    let output = tokio::task::spawn_blocking(move || std::process::Command::new(program).args(&args).output())
        .await
        .expect("the program's thread")
        .unwrap_or_else(|e| panic!("{program} could not be started: {e}"));
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "{program} {shown} failed ({}):\n{stderr}\n{stdout}", output.status);
    stdout.into_owned()
}

/// Runs a curl example of the reference, filled in, as written (plus `-sS`, a time limit and
/// `-w` for the status): (status, JSON body).
async fn curl(app: &TestApp, example: (&str, &str), project: &Project, key: &str) -> (u16, Value) {
    let command = fill_in(&snippet(example), &app.base, project, key);
    let words = shell_words(&command);
    assert_eq!(words.first().map(String::as_str), Some("curl"), "{command}");
    let mut args: Vec<String> = ["-sS", "--max-time", "30", "-w", "\n%{http_code}"].map(String::from).into();
    args.extend(words.into_iter().skip(1));
    let output = run("curl", args).await;
    let (body, status) = output.rsplit_once('\n').expect("the status after the body");
    let body = serde_json::from_str(body).unwrap_or_else(|e| panic!("{command} answered {body:?}: {e}"));
    (status.parse().expect("an HTTP status"), body)
}

/// Runs a JavaScript snippet of the reference with Node (global `fetch`), then `call`; the
/// call's result as JSON.
async fn node(snippet: &str, call: &str) -> Value {
    let script = format!(
        "{snippet}\n{call}.then((result) => console.log(JSON.stringify(result)))\
         .catch((error) => {{ console.error(error); process.exit(1); }});\n"
    );
    let output = run("node", vec!["-e".to_owned(), script]).await;
    serde_json::from_str(output.trim()).unwrap_or_else(|e| panic!("node printed {output:?}: {e}"))
}

/// Runs the Python snippet, then prints what `get_feedback_stats()` returns as JSON.
async fn python(snippet: &str) -> Value {
    let script = format!("{snippet}\n\nimport json\nprint(json.dumps(get_feedback_stats()))\n");
    let output = run("python3", vec!["-c".to_owned(), script]).await;
    serde_json::from_str(output.trim()).unwrap_or_else(|e| panic!("python printed {output:?}: {e}"))
}

/// Submits feedback through the API; its id.
async fn submit(app: &TestApp, project: &Project, key: &str, message: &str) -> String {
    let request = app
        .http
        .post(app.url(&format!("/api/projects/{}/feedback", project.id)))
        .header("x-api-key", key)
        .json(&json!({"message": message}));
    let reply = Reply::from(request.send().await.unwrap()).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.body["data"]["id"].as_str().expect("an id").to_owned()
}

/// Submits `count` feedback messages `m0`, `m1`… in order; their ids.
async fn submit_many(app: &TestApp, project: &Project, key: &str, count: usize) -> Vec<String> {
    let mut ids = Vec::with_capacity(count);
    for i in 0..count {
        ids.push(submit(app, project, key, &format!("m{i}")).await);
    }
    ids
}

/// Sets a feedback item's status with `PUT /api/feedback/{id}`.
async fn set_status(app: &TestApp, key: &str, id: &str, status: &str) {
    let request =
        app.http.put(app.url(&format!("/api/feedback/{id}"))).header("x-api-key", key).json(&json!({"status": status}));
    let reply = Reply::from(request.send().await.unwrap()).await;
    assert_eq!((reply.status, &reply.body["data"]["status"]), (200, &json!(status)), "{}", reply.body);
}

/// A GET through the API with the key in `x-api-key`.
async fn get(app: &TestApp, key: &str, path: &str) -> Reply {
    Reply::from(app.http.get(app.url(path)).header("x-api-key", key).send().await.unwrap()).await
}

/// The `field` of every item of a list's `data`.
fn each<'a>(body: &'a Value, field: &str) -> Vec<&'a str> {
    let data = body["data"].as_array().unwrap_or_else(|| panic!("a data array in {body}"));
    data.iter().map(|item| item[field].as_str().unwrap_or_else(|| panic!("{field} in {item}"))).collect()
}

#[test]
fn every_curl_example_of_the_reference_is_run_here() {
    let text = reference();
    assert_eq!(text.matches("curl ").count(), CURL_EXAMPLES.len(), "a curl example of the reference has no test");
    for example in CURL_EXAMPLES {
        let command = snippet(example);
        assert!(command.contains(BASE_URL), "{command}");
        assert!(KEY_PLACEHOLDERS.iter().any(|key| command.contains(key)), "a key to fill in: {command}");
    }
    for example in [PAGINATION, GET_FEEDBACK_JS, SUBMIT_FEEDBACK_JS, STATS_PYTHON] {
        assert!(snippet(example).contains("proj_123"), "{example:?}");
    }
}

#[tokio::test]
async fn quick_start_curl_lists_the_projects() {
    let app = spawn_app().await;
    let (_, project, key) = app.account_with_project(Plan::Pro).await;
    let (status, body) = curl(&app, QUICK_START, &project, key.expose()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"], json!([ProjectView::from(&project)]));
    assert_eq!(body["pagination"], json!({"total": 1, "limit": 50, "offset": 0, "hasMore": false}));
}

#[tokio::test]
async fn header_authentication_curl_reads_the_projects_feedback() {
    let app = spawn_app().await;
    let (_, project, key) = app.account_with_project(Plan::Pro).await;
    submit_many(&app, &project, key.expose(), 2).await;
    let (status, body) = curl(&app, HEADER_AUTH, &project, key.expose()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(each(&body, "message"), ["m1", "m0"]);
    assert_eq!(body["pagination"], json!({"total": 2, "limit": 50, "offset": 0, "hasMore": false}));
}

#[tokio::test]
async fn query_parameter_authentication_curl_reads_the_projects_feedback() {
    let app = spawn_app().await;
    let (_, project, key) = app.account_with_project(Plan::Pro).await;
    submit_many(&app, &project, key.expose(), 2).await;
    let (status, body) = curl(&app, QUERY_AUTH, &project, key.expose()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(each(&body, "message"), ["m1", "m0"]);
    assert_eq!(body["pagination"], json!({"total": 2, "limit": 50, "offset": 0, "hasMore": false}));
}

#[tokio::test]
async fn list_projects_curl_answers_the_documented_shape() {
    let app = spawn_app().await;
    let (_, project, key) = app.account_with_project(Plan::Pro).await;
    let (status, body) = curl(&app, LIST_PROJECTS, &project, key.expose()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"], json!([ProjectView::from(&project)]));
    let listed = &body["data"][0];
    for field in ["id", "name", "slug", "status", "createdAt", "updatedAt"] {
        assert!(listed[field].is_string(), "{field} in {listed}");
    }
    assert_eq!(listed["status"], "ACTIVE");
}

#[tokio::test]
async fn list_all_feedback_curl_shows_new_feedback_twenty_a_page() {
    let app = spawn_app().await;
    let (_, project, key) = app.account_with_project(Plan::Pro).await;
    let ids = submit_many(&app, &project, key.expose(), 23).await;
    set_status(&app, key.expose(), &ids[22], "RESOLVED").await;
    let (status, body) = curl(&app, LIST_FEEDBACK, &project, key.expose()).await;
    assert_eq!(status, 200, "{body}");
    let newest_new: Vec<&str> = ids[2..22].iter().rev().map(String::as_str).collect();
    assert_eq!(each(&body, "id"), newest_new);
    assert!(each(&body, "status").iter().all(|status| *status == "NEW"), "{body}");
    assert!(each(&body, "projectId").iter().all(|id| *id == project.id.as_str()), "{body}");
    assert_eq!(
        body["pagination"],
        json!({"page": 1, "pageSize": 20, "total": 22, "totalPages": 2, "limit": 20, "offset": 0, "hasMore": true})
    );
}

#[tokio::test]
async fn project_feedback_curl_shows_ten_new_items() {
    let app = spawn_app().await;
    let (_, project, key) = app.account_with_project(Plan::Pro).await;
    let ids = submit_many(&app, &project, key.expose(), 12).await;
    set_status(&app, key.expose(), &ids[11], "RESOLVED").await;
    let (status, body) = curl(&app, PROJECT_FEEDBACK, &project, key.expose()).await;
    assert_eq!(status, 200, "{body}");
    let newest_new: Vec<&str> = ids[1..11].iter().rev().map(String::as_str).collect();
    assert_eq!(each(&body, "id"), newest_new);
    assert!(each(&body, "status").iter().all(|status| *status == "NEW"), "{body}");
    assert_eq!(body["pagination"], json!({"total": 11, "limit": 10, "offset": 0, "hasMore": true}));
}

#[tokio::test]
async fn create_feedback_curl_creates_the_feedback() {
    let app = spawn_app().await;
    let (_, project, key) = app.account_with_project(Plan::Pro).await;
    let (status, body) = curl(&app, CREATE_FEEDBACK, &project, key.expose()).await;
    assert_eq!(status, 201, "{body}");
    let data = &body["data"];
    let id = data["id"].as_str().unwrap_or_else(|| panic!("an id in {body}"));
    assert!(id.starts_with("fb_"), "{id}");
    assert_eq!(data["message"], "Bug found on checkout page");
    assert_eq!(data["context"], json!({"url": "https://example.com/checkout"}));
    assert_eq!(data["status"], "NEW");
    assert!(data["createdAt"].is_string(), "{data}");
    let stored = get(&app, key.expose(), &format!("/api/feedback/{id}")).await;
    assert_eq!(stored.status, 200, "{}", stored.body);
    assert_eq!(stored.body["data"]["message"], "Bug found on checkout page");
    assert_eq!(stored.body["data"]["project"]["id"], project.id.as_str());
}

#[tokio::test]
async fn pagination_example_walks_every_page_once() {
    let app = spawn_app().await;
    let (_, project, key) = app.account_with_project(Plan::Pro).await;
    let ids = submit_many(&app, &project, key.expose(), 55).await;
    let example = fill_in(&snippet(PAGINATION), &app.base, &project, key.expose());
    let paths: Vec<&str> = example.lines().filter_map(|line| line.strip_prefix("GET ")).collect();
    assert_eq!(paths.len(), 3, "three pages in {example}");
    let mut seen = Vec::new();
    for (path, (offset, size, more)) in paths.iter().zip([(0, 25, true), (25, 25, true), (50, 5, false)]) {
        let page = get(&app, key.expose(), path).await;
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        assert_eq!(page.body["pagination"], json!({"total": 55, "limit": 25, "offset": offset, "hasMore": more}));
        assert_eq!(each(&page.body, "id").len(), size, "{path}");
        seen.extend(each(&page.body, "id").into_iter().map(str::to_owned));
    }
    let newest_first: Vec<String> = ids.into_iter().rev().collect();
    assert_eq!(seen, newest_first, "every item once, newest first");
}

#[tokio::test]
async fn dashboard_snippet_get_feedback_returns_the_latest_ten() {
    let app = spawn_app().await;
    let (_, project, key) = app.account_with_project(Plan::Pro).await;
    submit_many(&app, &project, key.expose(), 12).await;
    let code = with_base(&fill_in(&snippet(GET_FEEDBACK_JS), &app.base, &project, key.expose()), "\"/api/", &app.base);
    let result = node(&code, "getFeedback()").await;
    let listed = get(&app, key.expose(), &format!("/api/projects/{}/feedback?limit=10", project.id)).await;
    assert_eq!(result, listed.body["data"]);
    let messages: Vec<String> = (2..12).rev().map(|i| format!("m{i}")).collect();
    assert_eq!(each(&json!({"data": result}), "message"), messages);
}

#[tokio::test]
async fn webhook_snippet_submit_feedback_creates_feedback() {
    let app = spawn_app().await;
    let (_, project, key) = app.account_with_project(Plan::Pro).await;
    let code =
        with_base(&fill_in(&snippet(SUBMIT_FEEDBACK_JS), &app.base, &project, key.expose()), "\"/api/", &app.base);
    let result = node(&code, "submitFeedback(\"Sent from our contact form\", \"https://example.com/contact\")").await;
    let data = &result["data"];
    assert!(data["id"].as_str().is_some_and(|id| id.starts_with("fb_")), "{result}");
    assert_eq!(data["message"], "Sent from our contact form");
    assert_eq!(data["context"], json!({"url": "https://example.com/contact"}));
    assert_eq!(data["status"], "NEW");
    let listed = get(&app, key.expose(), &format!("/api/projects/{}/feedback", project.id)).await;
    // The list shows the reference's `context.timestamp`: when it was received.
    let mut shown = data.clone();
    shown["context"]["timestamp"] = data["createdAt"].clone();
    assert_eq!(listed.body["data"], json!([shown]));
}

#[tokio::test]
async fn analytics_snippet_counts_feedback_per_status() {
    let app = spawn_app().await;
    let (_, project, key) = app.account_with_project(Plan::Pro).await;
    let code = with_base(&fill_in(&snippet(STATS_PYTHON), &app.base, &project, key.expose()), "f'/api/", &app.base);
    let ids = submit_many(&app, &project, key.expose(), 6).await;
    assert_eq!(python(&code).await, json!({"NEW": 6, "REVIEWED": 0, "RESOLVED": 0}));
    set_status(&app, key.expose(), &ids[0], "REVIEWED").await;
    set_status(&app, key.expose(), &ids[1], "RESOLVED").await;
    set_status(&app, key.expose(), &ids[2], "RESOLVED").await;
    let stats = python(&code).await;
    assert_eq!(stats, json!({"NEW": 3, "REVIEWED": 1, "RESOLVED": 2}));
    for status in ["NEW", "REVIEWED", "RESOLVED"] {
        let listed = get(&app, key.expose(), &format!("/api/projects/{}/feedback?status={status}", project.id)).await;
        assert_eq!(listed.body["data"].as_array().map(Vec::len), stats[status].as_u64().map(|n| n as usize));
    }
}
