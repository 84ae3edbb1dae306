//! `GET /api/feedback` with every filter, and `GET`/`PUT`/`DELETE /api/feedback/{id}`.

use hearken::plans::Plan;
use hearken_tests::{spawn_app, texts, Reply, TestApp};
use serde_json::json;

/// Posts feedback through the API (source API) and returns its id.
async fn post(app: &TestApp, project: &impl std::fmt::Display, key: &str, message: &str) -> String {
    let reply =
        app.call("POST", &format!("/api/projects/{project}/feedback"), key, Some(json!({"message": message}))).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.body["data"]["id"].as_str().unwrap().to_owned()
}

/// Posts feedback through the public widget (source WIDGET) and returns its id.
async fn post_widget(app: &TestApp, project: &impl std::fmt::Display, message: &str) -> String {
    let request = app.http.post(app.url(&format!("/api/widget/{project}/feedback"))).json(&json!({"message": message}));
    let reply = Reply::from(request.send().await.unwrap()).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.body["data"]["id"].as_str().unwrap().to_owned()
}

fn messages(reply: &Reply) -> Vec<&str> {
    reply.body["data"].as_array().unwrap().iter().map(|f| f["message"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn lists_every_project_of_the_account_newest_first_by_page() {
    let app = spawn_app().await;
    let (account, owner) = app.account(Plan::Pro).await;
    let (first, first_key) = app.project(&account).await;
    let (second, second_key) = hearken::admin::create_project(&app.app, &account.id, "Second", None).await.unwrap();
    for i in 0..3 {
        post(&app, &first.id, first_key.expose(), &format!("a{i}")).await;
        post(&app, &second.id, second_key.expose(), &format!("b{i}")).await;
    }
    let page1 = app.call("GET", "/api/feedback?pageSize=4", owner.expose(), None).await;
    assert_eq!(page1.status, 200);
    assert_eq!(messages(&page1), ["b2", "a2", "b1", "a1"]);
    assert_eq!(
        page1.body["pagination"],
        json!({"page": 1, "pageSize": 4, "total": 6, "totalPages": 2, "limit": 4, "offset": 0, "hasMore": true})
    );
    assert_eq!(page1.body["data"][0]["projectId"], json!(second.id));
    let page2 = app.call("GET", "/api/feedback?pageSize=4&page=2", owner.expose(), None).await;
    assert_eq!(messages(&page2), ["b0", "a0"]);
    let beyond = app.call("GET", "/api/feedback?pageSize=4&page=3", owner.expose(), None).await;
    assert_eq!((beyond.body["data"].clone(), beyond.body["pagination"]["total"].clone()), (json!([]), json!(6)));
    let defaults = app.call("GET", "/api/feedback", owner.expose(), None).await;
    assert_eq!(
        defaults.body["pagination"],
        json!({"page": 1, "pageSize": 10, "total": 6, "totalPages": 1, "limit": 10, "offset": 0, "hasMore": false})
    );
    let capped = app.call("GET", "/api/feedback?pageSize=1000", owner.expose(), None).await;
    assert_eq!(capped.body["pagination"]["pageSize"], 100);
    for bad in ["?page=0", "?pageSize=0", "?page=x"] {
        assert_eq!(app.call("GET", &format!("/api/feedback{bad}"), owner.expose(), None).await.status, 400, "{bad}");
    }
}

#[tokio::test]
async fn filters_by_project_slug_status_and_source_with_exact_totals() {
    let app = spawn_app().await;
    let (account, owner) = app.account(Plan::Pro).await;
    let (first, first_key) = app.project(&account).await;
    let (second, second_key) =
        hearken::admin::create_project(&app.app, &account.id, "Second Site", None).await.unwrap();
    let a = post(&app, &first.id, first_key.expose(), "api one").await;
    post(&app, &first.id, first_key.expose(), "api two").await;
    post_widget(&app, &first.id, "widget one").await;
    post(&app, &second.id, second_key.expose(), "other").await;
    let resolved =
        app.call("PUT", &format!("/api/feedback/{a}"), owner.expose(), Some(json!({"status": "RESOLVED"}))).await;
    assert_eq!(resolved.status, 200, "{}", resolved.body);

    let cases = [
        (format!("project={}", first.id), vec!["widget one", "api two", "api one"]),
        ("projectSlug=second-site".to_owned(), vec!["other"]),
        ("status=NEW".to_owned(), vec!["other", "widget one", "api two"]),
        ("status=RESOLVED".to_owned(), vec!["api one"]),
        ("source=WIDGET".to_owned(), vec!["widget one"]),
        ("source=API".to_owned(), vec!["other", "api two", "api one"]),
        ("source=SURVEY".to_owned(), vec![]),
        (format!("project={}&status=NEW&source=API", first.id), vec!["api two"]),
        ("status=NEW&source=API".to_owned(), vec!["other", "api two"]),
        (format!("project={}&source=WIDGET", first.id), vec!["widget one"]),
    ];
    for (query, expected) in cases {
        let reply = app.call("GET", &format!("/api/feedback?{query}"), owner.expose(), None).await;
        assert_eq!(reply.status, 200, "{query}: {}", reply.body);
        assert_eq!(messages(&reply), expected, "{query}");
        assert_eq!(reply.body["pagination"]["total"], expected.len(), "{query}");
    }
    for (query, error) in [
        ("status=DONE", "Invalid status 'DONE'. Valid values: NEW, REVIEWED, RESOLVED"),
        ("source=EMAIL", "Invalid source 'EMAIL'. Valid values: WIDGET, API, SURVEY"),
    ] {
        let reply = app.call("GET", &format!("/api/feedback?{query}"), owner.expose(), None).await;
        assert_eq!((reply.status, reply.error()), (400, error));
    }
}

#[tokio::test]
async fn search_is_a_case_insensitive_substring_of_the_message() {
    let app = spawn_app().await;
    let (_, project, key) = app.account_with_project(Plan::Pro).await;
    post(&app, &project.id, key.expose(), "Checkout button is BROKEN").await;
    post(&app, &project.id, key.expose(), "Love the checkout flow").await;
    post(&app, &project.id, key.expose(), "Dark mode please").await;
    let found = app.call("GET", "/api/feedback?search=CHECKOUT", key.expose(), None).await;
    assert_eq!(messages(&found), ["Love the checkout flow", "Checkout button is BROKEN"]);
    assert_eq!(found.body["pagination"]["total"], 2);
    let narrowed = app.call("GET", "/api/feedback?search=broken&status=NEW", key.expose(), None).await;
    assert_eq!(messages(&narrowed), ["Checkout button is BROKEN"]);
    let paged = app.call("GET", "/api/feedback?search=checkout&pageSize=1&page=2", key.expose(), None).await;
    assert_eq!(messages(&paged), ["Checkout button is BROKEN"]);
    assert_eq!(
        paged.body["pagination"],
        json!({"page": 2, "pageSize": 1, "total": 2, "totalPages": 2, "limit": 1, "offset": 1, "hasMore": false})
    );
}

#[tokio::test]
async fn start_and_end_bound_the_creation_time_and_end_dates_are_inclusive() {
    let app = spawn_app().await;
    let (_, project, key) = app.account_with_project(Plan::Pro).await;
    post(&app, &project.id, key.expose(), "before").await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let middle = hearken::time::Timestamp::now();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    post(&app, &project.id, key.expose(), "after").await;
    let today = middle.to_iso()[..10].to_owned();

    let since = app.call("GET", &format!("/api/feedback?start={}", middle.to_iso()), key.expose(), None).await;
    assert_eq!(messages(&since), ["after"]);
    assert_eq!(since.body["pagination"]["total"], 1);
    let until = app.call("GET", &format!("/api/feedback?end={}", middle.to_iso()), key.expose(), None).await;
    assert_eq!(messages(&until), ["before"]);
    let whole_day = app.call("GET", &format!("/api/feedback?start={today}&end={today}"), key.expose(), None).await;
    assert_eq!(messages(&whole_day), ["after", "before"], "a date as end includes that whole day");
    let yesterday = app.call("GET", "/api/feedback?end=2000-01-01", key.expose(), None).await;
    assert_eq!(yesterday.body["pagination"]["total"], 0);
    for (query, fragment) in [
        ("start=yesterday", "'start' must be an ISO 8601 date"),
        ("start=2025-02-01&end=2025-01-01", "must not be after"),
    ] {
        let reply = app.call("GET", &format!("/api/feedback?{query}"), key.expose(), None).await;
        assert_eq!(reply.status, 400, "{query}");
        assert!(reply.error().contains(fragment), "{query}: {}", reply.error());
    }
}

#[tokio::test]
async fn a_project_key_lists_the_accounts_feedback_and_a_project_scoped_one_only_its_own() {
    let app = spawn_app().await;
    let (account, first, first_key) = app.account_with_project(Plan::Pro).await;
    let (second, second_key) = hearken::admin::create_project(&app.app, &account.id, "Second", None).await.unwrap();
    post(&app, &first.id, first_key.expose(), "mine").await;
    post(&app, &second.id, second_key.expose(), "theirs").await;
    // As the reference documents: "all feedback across all projects".
    let listed = app.call("GET", "/api/feedback", first_key.expose(), None).await;
    assert_eq!(messages(&listed), ["theirs", "mine"]);
    // A key made before project keys acted for their account (no `accountWide` stored) keeps the
    // reach it had: its own project.
    let mut record = app.key_record(&first_key).await.expect("stored");
    record.account_wide = false;
    app.put_key_record(&record).await;
    let listed = app.call("GET", "/api/feedback", first_key.expose(), None).await;
    assert_eq!(messages(&listed), ["mine"]);
    assert_eq!(listed.body["pagination"]["total"], 1);
    let other = app.call("GET", &format!("/api/feedback?project={}", second.id), first_key.expose(), None).await;
    assert_eq!((other.status, other.error()), (403, texts::INVALID_KEY_OR_PROJECT));
}

#[tokio::test]
async fn get_by_id_includes_the_project() {
    let app = spawn_app().await;
    let (_, project, key) = app.account_with_project(Plan::Starter).await;
    let id = post(&app, &project.id, key.expose(), "Great product! Love the new features.").await;
    let reply = app.call("GET", &format!("/api/feedback/{id}"), key.expose(), None).await;
    assert_eq!(reply.status, 200);
    let data = &reply.body["data"];
    assert_eq!(data["id"], json!(id));
    assert_eq!(data["message"], "Great product! Love the new features.");
    assert_eq!((data["status"].clone(), data["source"].clone()), (json!("NEW"), json!("API")));
    assert_eq!(data["project"], json!({"id": project.id, "name": project.name, "slug": project.slug}));
    assert!(data["createdAt"].is_string() && data["updatedAt"].is_string());
    for missing in ["fb_0000000000000000000000", "feedback_456"] {
        let reply = app.call("GET", &format!("/api/feedback/{missing}"), key.expose(), None).await;
        assert_eq!((reply.status, reply.error()), (404, "Feedback not found"));
    }
}

#[tokio::test]
async fn put_changes_the_status_and_the_counters() {
    let app = spawn_app().await;
    let (_, project, key) = app.account_with_project(Plan::Pro).await;
    let id = post(&app, &project.id, key.expose(), "fix me").await;
    let path = format!("/api/feedback/{id}");
    let updated = app.call("PUT", &path, key.expose(), Some(json!({"status": "REVIEWED"}))).await;
    assert_eq!((updated.status, &updated.body["data"]["status"]), (200, &json!("REVIEWED")));
    assert_ne!(updated.body["data"]["updatedAt"], updated.body["data"]["createdAt"]);
    let counted =
        app.call("GET", &format!("/api/projects/{}/feedback?status=REVIEWED", project.id), key.expose(), None).await;
    assert_eq!(counted.body["pagination"]["total"], 1);
    let new = app.call("GET", &format!("/api/projects/{}/feedback?status=NEW", project.id), key.expose(), None).await;
    assert_eq!(new.body["pagination"]["total"], 0);
    for (body, error) in [
        (json!({"status": "DONE"}), "Invalid status 'DONE'. Valid values: NEW, REVIEWED, RESOLVED"),
        (json!({}), "Status is required. Valid values: NEW, REVIEWED, RESOLVED"),
        (json!({"status": 3}), "Invalid status 3. Valid values: NEW, REVIEWED, RESOLVED"),
    ] {
        let reply = app.call("PUT", &path, key.expose(), Some(body)).await;
        assert_eq!((reply.status, reply.error()), (400, error));
    }
    let same = app.call("PUT", &path, key.expose(), Some(json!({"status": "REVIEWED"}))).await;
    assert_eq!(same.status, 200, "setting the same status again is fine");
}

#[tokio::test]
async fn delete_removes_the_feedback_and_answers_what_was_deleted() {
    let app = spawn_app().await;
    let (_, project, key) = app.account_with_project(Plan::Pro).await;
    let id = post(&app, &project.id, key.expose(), "remove me").await;
    post(&app, &project.id, key.expose(), "keep me").await;
    let path = format!("/api/feedback/{id}");
    let deleted = app.call("DELETE", &path, key.expose(), None).await;
    assert_eq!((deleted.status, &deleted.body), (200, &json!({"data": {"id": id, "deleted": true}})));
    assert_eq!(app.call("GET", &path, key.expose(), None).await.status, 404);
    let again = app.call("DELETE", &path, key.expose(), None).await;
    assert_eq!((again.status, again.error()), (404, "Feedback not found"));
    let listed = app.call("GET", &format!("/api/projects/{}/feedback", project.id), key.expose(), None).await;
    assert_eq!(messages(&listed), ["keep me"]);
    assert_eq!(listed.body["pagination"]["total"], 1);
    let all = app.call("GET", "/api/feedback", key.expose(), None).await;
    assert_eq!(all.body["pagination"]["total"], 1);
}

#[tokio::test]
async fn another_accounts_feedback_answers_like_missing_and_stays_untouched() {
    let app = spawn_app().await;
    let (_, project, victim_key) = app.account_with_project(Plan::Pro).await;
    let id = post(&app, &project.id, victim_key.expose(), "private").await;
    let (_, stranger) = app.account(Plan::Pro).await;
    let path = format!("/api/feedback/{id}");
    for (method, body) in [("GET", None), ("PUT", Some(json!({"status": "RESOLVED"}))), ("DELETE", None)] {
        let reply = app.call(method, &path, stranger.expose(), body).await;
        assert_eq!((reply.status, reply.error()), (404, "Feedback not found"), "{method}");
    }
    let theirs = app.call("GET", "/api/feedback", stranger.expose(), None).await;
    assert_eq!((theirs.body["data"].clone(), theirs.body["pagination"]["total"].clone()), (json!([]), json!(0)));
    let still = app.call("GET", &path, victim_key.expose(), None).await;
    assert_eq!((still.status, &still.body["data"]["status"]), (200, &json!("NEW")));
}
