//! A warm container keeps keys, widget projects and survey pages in memory so a hot write is one
//! DynamoDB round; nothing kept may outlive a change. Each test warms the stack up, changes the
//! stored item through the API (the memory is not told), and checks the very next request answers
//! as the stored item says — and that limits stay exact when many warm requests race.

use crate::common::page::{post_form, post_json, set_status, standard};
use hearken::plans::Plan;
use hearken_tests::{settle_in_one_minute_window, spawn_app, Reply, TestApp};
use serde_json::json;

fn feedback_path(project: &impl std::fmt::Display) -> String {
    format!("/api/projects/{project}/feedback")
}

async fn post_feedback(app: &TestApp, project: &impl std::fmt::Display, key: &str) -> Reply {
    app.call("POST", &feedback_path(project), key, Some(json!({"message": "warm"}))).await
}

async fn post_widget(app: &TestApp, project: &impl std::fmt::Display, origin: &str) -> Reply {
    let request = app
        .http
        .post(app.url(&format!("/api/widget/{project}/feedback")))
        .header("origin", origin)
        .json(&json!({"message": "from the widget"}));
    Reply::from(request.send().await.unwrap()).await
}

#[tokio::test]
async fn a_warm_write_sees_every_change_of_its_key_at_the_next_request() {
    let app = spawn_app().await;
    let (account, owner) = app.account(Plan::Pro).await;
    let (project, key) = app.project(&account).await;
    let key_id = app.key_record(&key).await.unwrap().id;
    let patch = |body: serde_json::Value| {
        let path = format!("/api/v1/keys/{key_id}");
        let app = &app;
        let owner = owner.expose().to_owned();
        async move {
            let reply = app.call("PATCH", &path, &owner, Some(body)).await;
            assert_eq!(reply.status, 200, "{}", reply.body);
        }
    };
    assert_eq!(post_feedback(&app, &project.id, key.expose()).await.status, 201);
    let warm = post_feedback(&app, &project.id, key.expose()).await;
    assert_eq!((warm.status, warm.db_calls_and_rounds().1), (201, 1), "warm: one round");

    patch(json!({"enabled": false})).await;
    let disabled = post_feedback(&app, &project.id, key.expose()).await;
    assert_eq!(disabled.error(), "This API key is disabled", "{}", disabled.body);
    patch(json!({"enabled": true})).await;
    assert_eq!(post_feedback(&app, &project.id, key.expose()).await.status, 201);

    patch(json!({"allowedIps": ["192.0.2.1"]})).await;
    let elsewhere = post_feedback(&app, &project.id, key.expose()).await;
    assert_eq!(elsewhere.error(), "This API key is not allowed from this IP address", "{}", elsewhere.body);
    patch(json!({"allowedIps": []})).await;

    let other = hearken::admin::create_project(&app.app, &account.id, "Other", None).await.unwrap().0;
    patch(json!({"allowedProjects": [project.id.to_string()]})).await;
    assert_eq!(post_feedback(&app, &project.id, key.expose()).await.status, 201);
    assert_ne!(post_feedback(&app, &other.id, key.expose()).await.status, 201, "a project outside its list");

    let deleted = app.call("DELETE", &format!("/api/v1/keys/{key_id}"), owner.expose(), None).await;
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    let gone = post_feedback(&app, &project.id, key.expose()).await;
    assert_eq!((gone.status, gone.error()), (401, "This API key has been deleted"));
    // Nothing a refused request sent was written.
    assert_eq!(app.all_items(&app.app.tables.feedback).await.len(), 4);
}

#[tokio::test]
async fn a_warm_key_keeps_its_minute_limit_and_the_quota_exact_under_concurrency() {
    let app = spawn_app().await;
    let (account, owner) = app.account(Plan::Pro).await;
    let (project, key) = app.project(&account).await;
    let key_id = app.key_record(&key).await.unwrap().id;
    let path = format!("/api/v1/keys/{key_id}");
    let limited = app.call("PATCH", &path, owner.expose(), Some(json!({"rateLimitPerMinute": 5}))).await;
    assert_eq!(limited.status, 200, "{}", limited.body);
    let calls_before = app.calls_this_month(&account).await;
    settle_in_one_minute_window().await;
    // One request makes the key known; eleven more race for the four places left in the minute.
    let first = post_feedback(&app, &project.id, key.expose()).await;
    assert_eq!((first.status, first.header("x-ratelimit-remaining")), (201, Some("4")));
    let racing = (0..11).map(|_| post_feedback(&app, &project.id, key.expose()));
    let replies = futures::future::join_all(racing).await;
    let statuses: Vec<u16> = replies.iter().map(|reply| reply.status).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 4, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 7, "{statuses:?}");
    for refused in replies.iter().filter(|reply| reply.status == 429) {
        assert_eq!(refused.header("x-ratelimit-remaining"), Some("0"));
        assert!(refused.header("retry-after").is_some());
    }
    // Exactly the five stored were counted: a refused request writes nothing at all.
    assert_eq!(app.all_items(&app.app.tables.feedback).await.len(), 5);
    assert_eq!(app.calls_this_month(&account).await, calls_before + 5);
}

#[tokio::test]
async fn a_warm_widget_sees_a_changed_or_deleted_project_at_the_next_post() {
    let app = spawn_app().await;
    let (account, owner) = app.account(Plan::Pro).await;
    let (project, _) = app.project(&account).await;
    let cold = post_widget(&app, &project.id, "https://shop.example").await;
    assert_eq!((cold.status, cold.db_calls_and_rounds().1), (201, 2), "cold: the project, then the write");
    let warm = post_widget(&app, &project.id, "https://shop.example").await;
    assert_eq!((warm.status, warm.db_calls_and_rounds()), (201, (2, 1)), "warm: the transaction beside the window");
    assert_eq!(warm.header("x-ratelimit-remaining"), Some("8"));

    let path = format!("/api/projects/{}", project.id);
    let put = app.call("PUT", &path, owner.expose(), Some(json!({"allowedDomains": ["other.example"]})));
    assert_eq!(put.await.status, 200);
    let refused = post_widget(&app, &project.id, "https://shop.example").await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert_eq!(post_widget(&app, &project.id, "https://other.example").await.status, 201);

    assert_eq!(app.call("DELETE", &path, owner.expose(), None).await.status, 200);
    let gone = post_widget(&app, &project.id, "https://other.example").await;
    assert_eq!(gone.status, 404, "{}", gone.body);
}

#[tokio::test]
async fn a_warm_survey_page_sees_a_closed_or_changed_survey_at_the_next_post() {
    let app = spawn_app().await;
    let (key, survey) = standard(&app).await;
    let answers = json!({"answers": { &survey.rating: 4, &survey.multiple: ["Bread"] }});
    let cold = post_json(&app, &survey.id, answers.clone()).await;
    assert_eq!((cold.status, cold.db_calls_and_rounds().1), (201, 2), "{}", cold.body);
    let warm = post_json(&app, &survey.id, answers.clone()).await;
    assert_eq!((warm.status, warm.db_calls_and_rounds()), (201, (2, 1)), "{}", warm.body);

    // A new thank-you message: the kept survey is stale, so the post reads it again and the page
    // it answers says what the survey says now.
    let path = format!("/api/v1/surveys/{}", survey.id);
    let renamed = app.call("PATCH", &path, key.expose(), Some(json!({"thankYouMessage": "Merci, à bientôt"}))).await;
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    let fields = [(survey.rating.as_str(), "5"), (survey.multiple.as_str(), "Wine")];
    let page = post_form(&app, &survey.id, &fields).await;
    assert_eq!(page.status, 201, "{}", page.html);
    assert!(page.html.contains("Merci, à bientôt"), "{}", page.html);

    set_status(&app, &key, &survey.id, "CLOSED").await;
    let closed = post_json(&app, &survey.id, answers).await;
    assert_eq!(closed.status, 409, "{}", closed.body);
}
