//! `POST` and `GET /api/projects/{projectId}/feedback` exactly as the Miniback reference shows
//! them: shapes, pagination, the status filter and every error text that applies.

use hearken::plans::Plan;
use hearken_tests::{spawn_app, texts, Reply, TestApp};
use serde_json::{json, Value};

fn path(project: &impl std::fmt::Display) -> String {
    format!("/api/projects/{project}/feedback")
}

async fn post_raw(app: &TestApp, project: &impl std::fmt::Display, key: &str, body: impl Into<reqwest::Body>) -> Reply {
    let request = app
        .http
        .post(app.url(&path(project)))
        .header("x-api-key", key)
        .header("content-type", "application/json")
        .body(body);
    Reply::from(request.send().await.unwrap()).await
}

async fn post(app: &TestApp, project: &impl std::fmt::Display, key: &str, body: Value) -> Reply {
    post_raw(app, project, key, body.to_string()).await
}

async fn list(app: &TestApp, project: &impl std::fmt::Display, key: &str, query: &str) -> Reply {
    Reply::from(
        app.http.get(format!("{}{query}", app.url(&path(project)))).header("x-api-key", key).send().await.unwrap(),
    )
    .await
}

#[tokio::test]
async fn creating_feedback_answers_the_documented_shape() {
    let app = spawn_app().await;
    let (_, project, key) = app.account_with_project(Plan::Pro).await;
    let body = json!({"message": "Bug found on checkout page", "context": {"url": "https://example.com/checkout"}, "ignored": true});
    let reply = post(&app, &project.id, key.expose(), body).await;
    assert_eq!(reply.status, 201);
    let data = &reply.body["data"];
    assert!(data["id"].as_str().unwrap().starts_with("fb_"));
    assert_eq!(data["message"], "Bug found on checkout page");
    assert_eq!(data["context"], json!({"url": "https://example.com/checkout"}));
    assert_eq!(data["status"], "NEW");
    assert_eq!(data["source"], "API");
    assert!(hearken_tests::is_iso_millis(data["createdAt"].as_str().unwrap()), "{}", data["createdAt"]);
    assert!(data.get("ignored").is_none());
    assert_eq!(reply.header("content-type"), Some("application/json"));
}

#[tokio::test]
async fn listing_returns_newest_first_with_pagination() {
    let app = spawn_app().await;
    let (_, project, key) = app.account_with_project(Plan::Starter).await;
    for i in 0..5 {
        assert_eq!(post(&app, &project.id, key.expose(), json!({"message": format!("m{i}")})).await.status, 201);
    }
    let first = list(&app, &project.id, key.expose(), "?limit=2").await;
    assert_eq!(first.status, 200);
    let messages: Vec<&str> =
        first.body["data"].as_array().unwrap().iter().map(|f| f["message"].as_str().unwrap()).collect();
    assert_eq!(messages, ["m4", "m3"]);
    assert_eq!(first.body["pagination"], json!({"total": 5, "limit": 2, "offset": 0, "hasMore": true}));
    let last = list(&app, &project.id, key.expose(), "?limit=2&offset=4").await;
    assert_eq!(last.body["data"].as_array().unwrap().len(), 1);
    assert_eq!(last.body["data"][0]["message"], "m0");
    assert_eq!(last.body["pagination"], json!({"total": 5, "limit": 2, "offset": 4, "hasMore": false}));
    let beyond = list(&app, &project.id, key.expose(), "?offset=10").await;
    assert_eq!(beyond.body["data"], json!([]));
    assert_eq!(beyond.body["pagination"]["hasMore"], false);
}

#[tokio::test]
async fn listing_defaults_to_fifty_and_caps_at_one_hundred() {
    let app = spawn_app().await;
    let (_, project, key) = app.account_with_project(Plan::Pro).await;
    assert_eq!(list(&app, &project.id, key.expose(), "").await.body["pagination"]["limit"], 50);
    assert_eq!(list(&app, &project.id, key.expose(), "?limit=500").await.body["pagination"]["limit"], 100);
    for bad in ["?limit=0", "?limit=ten", "?offset=-1", "?offset=100001"] {
        let reply = list(&app, &project.id, key.expose(), bad).await;
        assert_eq!(reply.status, 400, "{bad}");
        assert!(reply.error().contains("must be a whole number"), "{bad}: {}", reply.error());
    }
}

#[tokio::test]
async fn listing_filters_by_status() {
    let app = spawn_app().await;
    let (_, project, key) = app.account_with_project(Plan::Pro).await;
    post(&app, &project.id, key.expose(), json!({"message": "one"})).await;
    let new = list(&app, &project.id, key.expose(), "?status=NEW&limit=1").await;
    assert_eq!(new.body["pagination"], json!({"total": 1, "limit": 1, "offset": 0, "hasMore": false}));
    let resolved = list(&app, &project.id, key.expose(), "?status=RESOLVED").await;
    assert_eq!((resolved.body["data"].clone(), resolved.body["pagination"]["total"].clone()), (json!([]), json!(0)));
    let bad = list(&app, &project.id, key.expose(), "?status=DONE").await;
    assert_eq!((bad.status, bad.error()), (400, "Invalid status 'DONE'. Valid values: NEW, REVIEWED, RESOLVED"));
}

#[tokio::test]
async fn a_missing_or_non_string_message_is_refused_and_nothing_is_written() {
    let app = spawn_app().await;
    let (_, project, key) = app.account_with_project(Plan::Pro).await;
    for body in [json!({}), json!({"message": 42}), json!({"message": ""}), json!({"context": {}}), json!(["message"])]
    {
        let reply = post(&app, &project.id, key.expose(), body.clone()).await;
        assert_eq!((reply.status, reply.error()), (400, texts::MESSAGE_REQUIRED), "{body}");
    }
    let empty = post_raw(&app, &project.id, key.expose(), "").await;
    assert_eq!((empty.status, empty.error()), (400, texts::MESSAGE_REQUIRED));
    assert!(app.all_items(&app.app.tables.feedback).await.is_empty());
    assert_eq!(list(&app, &project.id, key.expose(), "").await.body["pagination"]["total"], 0);
}

#[tokio::test]
async fn malformed_json_is_a_400() {
    let app = spawn_app().await;
    let (_, project, key) = app.account_with_project(Plan::Pro).await;
    let reply = post_raw(&app, &project.id, key.expose(), "{\"message\": ").await;
    assert_eq!(reply.status, 400);
    assert!(reply.error().starts_with("Malformed JSON"), "{}", reply.error());
}

#[tokio::test]
async fn limits_on_message_context_and_body() {
    let app = spawn_app().await;
    let (_, project, key) = app.account_with_project(Plan::Pro).await;
    let long = post(&app, &project.id, key.expose(), json!({"message": "x".repeat(10_001)})).await;
    assert_eq!((long.status, long.error()), (400, "Message must be at most 10000 characters"));
    let not_object = post(&app, &project.id, key.expose(), json!({"message": "m", "context": [1, 2]})).await;
    assert_eq!((not_object.status, not_object.error()), (400, "Context must be a JSON object"));
    let big_context =
        post(&app, &project.id, key.expose(), json!({"message": "m", "context": {"x": "y".repeat(17_000)}})).await;
    assert_eq!((big_context.status, big_context.error()), (400, "Context must be at most 16 KiB of JSON"));
    let huge = post(&app, &project.id, key.expose(), json!({"message": "m", "padding": "z".repeat(70_000)})).await;
    assert_eq!(huge.status, 413);
    assert!(huge.error().contains("65536 bytes"), "{}", huge.error());
    let longest = post(&app, &project.id, key.expose(), json!({"message": "é".repeat(10_000)})).await;
    assert_eq!(longest.status, 201);
    assert_eq!(app.all_items(&app.app.tables.feedback).await.len(), 1);
}

#[tokio::test]
async fn another_accounts_project_answers_like_a_missing_one() {
    let app = spawn_app().await;
    let (_, victim, _) = app.account_with_project(Plan::Pro).await;
    let (account, owner_key) = app.account(Plan::Pro).await;
    let (_, project_key) = app.project(&account).await;
    let (_, scoped_key) = hearken::admin::create_project(&app.app, &account.id, "Scoped", None).await.unwrap();
    app.scope_to_project(&scoped_key).await;
    let missing = hearken::ids::ProjectId::generate();
    for target in [victim.id.to_string(), missing.to_string(), "not-an-id".to_owned()] {
        // An account key: 404, exactly as for a project that does not exist (SPEC §1).
        let posted = post(&app, &target, owner_key.expose(), json!({"message": "sneaky"})).await;
        let listed = list(&app, &target, owner_key.expose(), "").await;
        assert_eq!((posted.status, posted.error()), (404, "Project not found"), "{target}");
        assert_eq!((listed.status, listed.error()), (404, "Project not found"), "{target}");
        // A project key acts for its account: the same 404.
        let posted = post(&app, &target, project_key.expose(), json!({"message": "sneaky"})).await;
        assert_eq!((posted.status, posted.error()), (404, "Project not found"), "{target}");
        // A project-scoped key: refused for any project but its own before anything is read.
        let refused = post(&app, &target, scoped_key.expose(), json!({"message": "sneaky"})).await;
        assert_eq!((refused.status, refused.error()), (403, texts::INVALID_KEY_OR_PROJECT), "{target}");
    }
    assert!(app.all_items(&app.app.tables.feedback).await.is_empty(), "nothing written to the victim's project");
    let victim_project = app.all_items(&app.app.tables.projects).await;
    assert!(victim_project.iter().all(|item| !item.contains_key("count#total")), "no counter moved");
}

#[tokio::test]
async fn an_account_key_reaches_every_project_of_its_account() {
    let app = spawn_app().await;
    let (account, owner_key) = app.account(Plan::Starter).await;
    let (project, _) = app.project(&account).await;
    assert_eq!(post(&app, &project.id, owner_key.expose(), json!({"message": "via owner key"})).await.status, 201);
    let listed =
        Reply::from(app.http.get(app.url(&path(&project.id))).bearer_auth(owner_key.expose()).send().await.unwrap())
            .await;
    assert_eq!(listed.body["pagination"]["total"], 1);
}
