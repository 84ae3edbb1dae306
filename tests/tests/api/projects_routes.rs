//! `/api/projects`, `/api/projects/{projectId}` and `/api/projects/{projectId}/api-key`: shapes,
//! slugs, plan rules, key regeneration and deletion, at the HTTP level.

use hearken::access::ApiKey;
use hearken::plans::Plan;
use hearken_tests::{eventually, spawn_app, texts, Reply};
use serde_json::{json, Value};
use std::time::Duration;

fn is_project(value: &Value) -> bool {
    value["id"].as_str().is_some_and(|id| id.starts_with("proj_"))
        && value["status"] == "ACTIVE"
        && value["createdAt"].is_string()
        && value["updatedAt"].is_string()
        && value["name"].is_string()
        && value["slug"].is_string()
}

#[tokio::test]
async fn creating_a_project_answers_the_documented_shape() {
    let app = spawn_app().await;
    let (_, owner) = app.account(Plan::Starter).await;
    let created = app.call("POST", "/api/projects", owner.expose(), Some(json!({"name": "New Project"}))).await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert!(is_project(&created.body["data"]), "{}", created.body);
    assert_eq!(created.body["data"]["slug"], "new-project");
    assert_eq!(created.body["data"]["allowedDomains"], json!([]));
    let listed = app.call("GET", "/api/projects", owner.expose(), None).await;
    assert_eq!(listed.body["data"].as_array().unwrap().len(), 1);
    assert_eq!(listed.body["data"][0], created.body["data"]);
    let id = created.body["data"]["id"].as_str().unwrap();
    let fetched = app.call("GET", &format!("/api/projects/{id}"), owner.expose(), None).await;
    assert_eq!((fetched.status, &fetched.body["data"]), (200, &created.body["data"]));
}

#[tokio::test]
async fn slugs_are_unique_per_account_and_editable() {
    let app = spawn_app().await;
    let (_, owner) = app.account(Plan::Pro).await;
    let first = app.call("POST", "/api/projects", owner.expose(), Some(json!({"name": "Site", "slug": "site"}))).await;
    assert_eq!(first.status, 201);
    let clash = app.call("POST", "/api/projects", owner.expose(), Some(json!({"name": "Other", "slug": "site"}))).await;
    assert_eq!((clash.status, clash.error()), (409, "A project with the slug 'site' already exists"));
    let bad =
        app.call("POST", "/api/projects", owner.expose(), Some(json!({"name": "Other", "slug": "Not Valid"}))).await;
    assert_eq!(bad.status, 400);
    assert!(bad.error().starts_with("Slug must be"), "{}", bad.error());
    // Another account may use the same slug.
    let (_, stranger) = app.account(Plan::Pro).await;
    let theirs =
        app.call("POST", "/api/projects", stranger.expose(), Some(json!({"name": "Site", "slug": "site"}))).await;
    assert_eq!(theirs.status, 201);

    let id = first.body["data"]["id"].as_str().unwrap();
    let renamed = app
        .call(
            "PUT",
            &format!("/api/projects/{id}"),
            owner.expose(),
            Some(json!({"name": "Renamed", "slug": "renamed"})),
        )
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    assert_eq!(
        (renamed.body["data"]["name"].clone(), renamed.body["data"]["slug"].clone()),
        (json!("Renamed"), json!("renamed"))
    );
    // The old slug is free again, the new one is taken.
    let reuse = app.call("POST", "/api/projects", owner.expose(), Some(json!({"name": "Reuse", "slug": "site"}))).await;
    assert_eq!(reuse.status, 201);
    let reuse_id = reuse.body["data"]["id"].as_str().unwrap();
    let taken =
        app.call("PUT", &format!("/api/projects/{reuse_id}"), owner.expose(), Some(json!({"slug": "renamed"}))).await;
    assert_eq!(taken.status, 409);
    // The slug filters feedback.
    let by_slug = app.call("GET", "/api/feedback?projectSlug=renamed", owner.expose(), None).await;
    assert_eq!(by_slug.status, 200, "{}", by_slug.body);
    let unknown = app.call("GET", "/api/feedback?projectSlug=nope", owner.expose(), None).await;
    assert_eq!((unknown.status, unknown.error()), (404, "Project not found"));
}

#[tokio::test]
async fn allowed_domains_are_set_with_put() {
    let app = spawn_app().await;
    let (_, project, key) = app.account_with_project(Plan::Pro).await;
    let path = format!("/api/projects/{}", project.id);
    let updated = app
        .call("PUT", &path, key.expose(), Some(json!({"allowedDomains": ["https://Example.com", "*.shop.io"]})))
        .await;
    assert_eq!(updated.status, 200, "{}", updated.body);
    assert_eq!(updated.body["data"]["allowedDomains"], json!(["example.com", "*.shop.io"]));
    assert_eq!(updated.body["data"]["name"], project.name, "fields left out stay as they were");
    let bad = app.call("PUT", &path, key.expose(), Some(json!({"allowedDomains": ["not a host"]}))).await;
    assert_eq!(bad.status, 400);
    let fetched = app.call("GET", &path, key.expose(), None).await;
    assert_eq!(fetched.body["data"]["allowedDomains"], json!(["example.com", "*.shop.io"]));
}

#[tokio::test]
async fn the_plan_limits_projects() {
    let app = spawn_app().await;
    let (_, owner) = app.account(Plan::Starter).await;
    for i in 0..5 {
        let created = app.call("POST", "/api/projects", owner.expose(), Some(json!({"name": format!("P{i}")}))).await;
        assert_eq!(created.status, 201);
    }
    let refused = app.call("POST", "/api/projects", owner.expose(), Some(json!({"name": "P5"}))).await;
    assert_eq!(
        (refused.status, refused.error()),
        (403, "Project limit reached. Upgrade your plan to create more projects.")
    );
    // Deleting one makes room again.
    let listed = app.call("GET", "/api/projects", owner.expose(), None).await;
    let id = listed.body["data"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(app.call("DELETE", &format!("/api/projects/{id}"), owner.expose(), None).await.status, 200);
    assert_eq!(app.call("POST", "/api/projects", owner.expose(), Some(json!({"name": "P5"}))).await.status, 201);
}

#[tokio::test]
async fn free_plan_keys_may_only_post_feedback() {
    let app = spawn_app().await;
    let body = Some(json!({"name": "x", "status": "RESOLVED"}));
    let routes = [
        ("GET", "/api/projects"),
        ("POST", "/api/projects"),
        ("GET", "/api/projects/{p}"),
        ("PUT", "/api/projects/{p}"),
        ("DELETE", "/api/projects/{p}"),
        ("GET", "/api/projects/{p}/api-key"),
        ("POST", "/api/projects/{p}/api-key"),
        ("GET", "/api/projects/{p}/feedback"),
        ("GET", "/api/feedback"),
        ("GET", "/api/feedback/fb_0000000000000000000000"),
        ("PUT", "/api/feedback/fb_0000000000000000000000"),
        ("DELETE", "/api/feedback/fb_0000000000000000000000"),
    ];
    // A FREE key allows 10 requests a minute, refused ones included: a few routes per account.
    for chunk in routes.chunks(4) {
        let (_, project, key) = app.account_with_project(Plan::Free).await;
        for (method, path) in chunk {
            let path = path.replace("{p}", project.id.as_str());
            let reply = app.call(method, &path, key.expose(), body.clone()).await;
            assert_eq!(
                (reply.status, reply.error()),
                (401, texts::paid_plans_only(method).as_str()),
                "{method} {path}"
            );
        }
        let posted = app
            .call(
                "POST",
                &format!("/api/projects/{}/feedback", project.id),
                key.expose(),
                Some(json!({"message": "free"})),
            )
            .await;
        assert_eq!(posted.status, 201);
    }
}

#[tokio::test]
async fn the_api_key_route_shows_metadata_and_regenerates() {
    let app = spawn_app().await;
    let (_, project, old_key) = app.account_with_project(Plan::Starter).await;
    let path = format!("/api/projects/{}/api-key", project.id);
    let shown = app.call("GET", &path, old_key.expose(), None).await;
    assert_eq!(shown.status, 200);
    let data = &shown.body["data"];
    assert!(data["id"].as_str().unwrap().starts_with("key_"));
    assert_eq!(data["prefix"], old_key.display_prefix());
    assert!(data.get("key").is_none(), "the secret is never shown again");
    assert!(!shown.body.to_string().contains(old_key.expose()));
    assert!(data["createdAt"].is_string());
    // The request above used the key; its last-used time is written before its answer returns
    // (in the background of its own reads, so that answer may not show it yet).
    let again = app.call("GET", &path, old_key.expose(), None).await;
    assert!(again.body["data"]["lastUsedAt"].is_string(), "{}", again.body);

    let made = app.call("POST", &path, old_key.expose(), None).await;
    assert_eq!(made.status, 201, "{}", made.body);
    let new_key = made.body["data"]["key"].as_str().unwrap().to_owned();
    assert!(ApiKey::parse(&new_key).is_some_and(|k| k.expose().starts_with("mbk_")));
    assert_eq!(made.body["data"]["lastUsedAt"], Value::Null);
    // The old key fails on the very next request; the new one works.
    let old = app.call("GET", &path, old_key.expose(), None).await;
    assert_eq!((old.status, old.error()), (401, "This API key was regenerated: use the project's new key"));
    let new = app.call("GET", &path, &new_key, None).await;
    assert_eq!(new.status, 200);
    assert!(new.body["data"].get("key").is_none());
}

#[tokio::test]
async fn a_project_created_through_the_api_has_no_key_until_one_is_made() {
    let app = spawn_app().await;
    let (_, owner) = app.account(Plan::Pro).await;
    let created = app.call("POST", "/api/projects", owner.expose(), Some(json!({"name": "Keyless"}))).await;
    let id = created.body["data"]["id"].as_str().unwrap();
    let path = format!("/api/projects/{id}/api-key");
    let none = app.call("GET", &path, owner.expose(), None).await;
    assert_eq!(none.status, 404);
    assert!(none.error().starts_with("This project has no API key yet"), "{}", none.error());
    let made = app.call("POST", &path, owner.expose(), None).await;
    assert_eq!(made.status, 201);
    let key = made.body["data"]["key"].as_str().unwrap();
    let used = app.call("POST", &format!("/api/projects/{id}/feedback"), key, Some(json!({"message": "hello"}))).await;
    assert_eq!(used.status, 201);
}

#[tokio::test]
async fn a_project_scoped_key_lists_and_reaches_only_its_own_project() {
    let app = spawn_app().await;
    let (account, first, first_key) = app.account_with_project(Plan::Pro).await;
    let (second, _) = hearken::admin::create_project(&app.app, &account.id, "Second", None).await.unwrap();
    // As made, the key acts for its account (the reference's "all projects for the user").
    let listed = app.call("GET", "/api/projects", first_key.expose(), None).await;
    assert_eq!(listed.body["pagination"]["total"], 2, "{}", listed.body);
    app.scope_to_project(&first_key).await;
    let listed = app.call("GET", "/api/projects", first_key.expose(), None).await;
    let ids: Vec<&str> = listed.body["data"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [first.id.as_str()]);
    let other = app.call("GET", &format!("/api/projects/{}", second.id), first_key.expose(), None).await;
    assert_eq!((other.status, other.error()), (403, texts::INVALID_KEY_OR_PROJECT));
}

#[tokio::test]
async fn another_accounts_project_answers_404_on_every_route_and_stays_untouched() {
    let app = spawn_app().await;
    let (_, victim, victim_key) = app.account_with_project(Plan::Pro).await;
    let (_, stranger) = app.account(Plan::Pro).await;
    let missing = hearken::ids::ProjectId::generate().to_string();
    for target in [victim.id.to_string(), missing] {
        let p = format!("/api/projects/{target}");
        for (method, path, body) in [
            ("GET", p.clone(), None),
            ("PUT", p.clone(), Some(json!({"name": "hijacked"}))),
            ("DELETE", p.clone(), None),
            ("GET", format!("{p}/api-key"), None),
            ("POST", format!("{p}/api-key"), None),
            ("GET", format!("{p}/feedback"), None),
            ("POST", format!("{p}/feedback"), Some(json!({"message": "sneaky"}))),
            ("GET", format!("/api/feedback?project={target}"), None),
        ] {
            let reply = app.call(method, &path, stranger.expose(), body).await;
            assert_eq!((reply.status, reply.error()), (404, "Project not found"), "{method} {path}");
        }
    }
    let still = app.call("GET", &format!("/api/projects/{}", victim.id), victim_key.expose(), None).await;
    assert_eq!((still.status, &still.body["data"]["name"]), (200, &json!(victim.name)));
    assert_eq!(
        app.call("GET", &format!("/api/projects/{}/api-key", victim.id), victim_key.expose(), None).await.status,
        200
    );
}

#[tokio::test]
async fn validation_errors_name_the_field() {
    let app = spawn_app().await;
    let (_, owner) = app.account(Plan::Pro).await;
    let no_name = app.call("POST", "/api/projects", owner.expose(), Some(json!({"slug": "x"}))).await;
    assert_eq!((no_name.status, no_name.error()), (400, "Name is required"));
    let long = app.call("POST", "/api/projects", owner.expose(), Some(json!({"name": "n".repeat(201)}))).await;
    assert_eq!(long.status, 400);
    assert!(long.error().starts_with("Name must be"), "{}", long.error());
    let raw =
        app.http.post(app.url("/api/projects")).header("x-api-key", owner.expose()).body("{oops").send().await.unwrap();
    assert_eq!(Reply::from(raw).await.status, 400);
}

#[tokio::test]
async fn deleting_a_project_removes_it_everywhere_at_once_and_its_feedback_in_the_background() {
    let app = spawn_app().await;
    let (account, owner) = app.account(Plan::Pro).await;
    let (project, key) = app.project(&account).await;
    let (kept, kept_key) = hearken::admin::create_project(&app.app, &account.id, "Kept", None).await.unwrap();
    for i in 0..30 {
        let body = Some(json!({"message": format!("m{i}")}));
        assert_eq!(
            app.call("POST", &format!("/api/projects/{}/feedback", project.id), key.expose(), body).await.status,
            201
        );
    }
    assert_eq!(
        app.call(
            "POST",
            &format!("/api/projects/{}/feedback", kept.id),
            kept_key.expose(),
            Some(json!({"message": "kept"}))
        )
        .await
        .status,
        201
    );
    let one = app.call("GET", "/api/feedback?pageSize=1", owner.expose(), None).await;
    assert_eq!(one.body["pagination"]["total"], 31);

    let deleted = app.call("DELETE", &format!("/api/projects/{}", project.id), owner.expose(), None).await;
    assert_eq!((deleted.status, &deleted.body["data"]), (200, &json!({"id": project.id, "deleted": true})));

    // Gone from every route at once, before the background removal has run.
    let p = format!("/api/projects/{}", project.id);
    assert_eq!(app.call("GET", &p, owner.expose(), None).await.status, 404);
    assert_eq!(app.call("GET", &format!("{p}/feedback"), owner.expose(), None).await.status, 404);
    assert_eq!(
        app.call("GET", &format!("/api/feedback?project={}", project.id), owner.expose(), None).await.status,
        404
    );
    let all = app.call("GET", "/api/feedback?pageSize=100", owner.expose(), None).await;
    assert_eq!(all.body["pagination"]["total"], 1);
    assert!(all.body["data"].as_array().unwrap().iter().all(|f| f["projectId"] == json!(kept.id)), "{}", all.body);
    // Its key died with it.
    let dead = app.call("GET", "/api/projects", key.expose(), None).await;
    assert_eq!((dead.status, dead.error()), (401, "This API key has been deleted"));
    let listed = app.call("GET", "/api/projects", owner.expose(), None).await;
    assert_eq!(listed.body["data"].as_array().unwrap().len(), 1);

    // The background removal leaves nothing of it behind.
    let removed = eventually(Duration::from_secs(30), || async {
        hearken::store::feedback::keys_of_project(&app.app, &project.id, 1).await.unwrap().is_empty()
    })
    .await;
    assert!(removed, "the deleted project's feedback was not removed");
    let counts = hearken::store::projects::account_counts(&app.app, &account.id).await.unwrap();
    assert!(
        eventually(Duration::from_secs(10), || async {
            hearken::store::projects::deleting_in(
                &hearken::store::projects::account_counts(&app.app, &account.id).await.unwrap(),
            )
            .is_empty()
        })
        .await
    );
    assert_eq!(hearken::store::counters::total(&counts, None, None), 1);
    assert_eq!(app.all_items(&app.app.tables.feedback).await.len(), 1, "only the other project's feedback is left");
}

#[tokio::test]
async fn a_delete_cut_short_leaves_the_project_hidden_and_the_next_one_finishes_it() {
    let app = spawn_app().await;
    let (account, owner) = app.account(Plan::Pro).await;
    let (project, key) = app.project(&account).await;
    assert_eq!(
        app.call(
            "POST",
            &format!("/api/projects/{}/feedback", project.id),
            key.expose(),
            Some(json!({"message": "m"}))
        )
        .await
        .status,
        201
    );
    // The first step of a DELETE happened, then the function died.
    let mark =
        app.app.db.update_item().table_name(&app.app.tables.projects).key("id", hearken::store::s(project.id.as_str()));
    mark.update_expression("SET #s = :d")
        .expression_attribute_names("#s", "status")
        .expression_attribute_values(":d", hearken::store::s("DELETING"))
        .send()
        .await
        .unwrap();
    let path = format!("/api/projects/{}", project.id);
    assert_eq!(app.call("GET", &path, owner.expose(), None).await.status, 404, "hidden from every route at once");
    let write = app.call("POST", &format!("{path}/feedback"), key.expose(), Some(json!({"message": "late"}))).await;
    assert_eq!(write.status, 404, "no feedback reaches a project being deleted");
    // The next DELETE finishes the job.
    let finished = app.call("DELETE", &path, owner.expose(), None).await;
    assert_eq!((finished.status, &finished.body), (200, &json!({"data": {"id": project.id, "deleted": true}})));
    assert_eq!(app.call("DELETE", &path, owner.expose(), None).await.status, 404);
    let dead = app.call("GET", "/api/projects", key.expose(), None).await;
    assert_eq!((dead.status, dead.error()), (401, "This API key has been deleted"));
    let reuse =
        app.call("POST", "/api/projects", owner.expose(), Some(json!({"name": "Again", "slug": project.slug}))).await;
    assert_eq!(reuse.status, 201, "the slug is free again: {}", reuse.body);
    let all = app.call("GET", "/api/feedback", owner.expose(), None).await;
    assert_eq!(all.body["pagination"]["total"], 0);
}
