//! A Miniback client session, end to end, as the reference's Quick Start leads a new user through
//! it: one `mbk_` key and nothing else. The key acts for its account on the Miniback API — it
//! creates projects and uses them, lists every project and reads feedback across them — and a key
//! minted with `{"scope": "project"}` stays on its project.

use hearken::plans::Plan;
use hearken_tests::{spawn_app, texts, Reply, TestApp};
use serde_json::{json, Value};

async fn call(app: &TestApp, method: &str, path: &str, key: &str, body: Option<Value>) -> Reply {
    app.call(method, path, key, body).await
}

fn ids(body: &Value) -> Vec<String> {
    body["data"].as_array().expect("a list").iter().map(|item| item["id"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn one_project_key_runs_a_whole_miniback_session() {
    let app = spawn_app().await;
    let (_, first, key) = app.account_with_project(Plan::Starter).await;
    let key = key.expose().to_owned();

    // Two more projects, made and then used with the same key.
    let mut projects = vec![first.id.to_string()];
    for (name, slug) in [("Shop", "shop"), ("Blog", "blog")] {
        let made = call(&app, "POST", "/api/projects", &key, Some(json!({"name": name, "slug": slug}))).await;
        assert_eq!(made.status, 201, "{}", made.body);
        let id = made.body["data"]["id"].as_str().unwrap().to_owned();
        let read = call(&app, "GET", &format!("/api/projects/{id}"), &key, None).await;
        assert_eq!((read.status, read.body["data"]["slug"].as_str()), (200, Some(slug)), "{}", read.body);
        let renamed =
            call(&app, "PUT", &format!("/api/projects/{id}"), &key, Some(json!({"name": format!("{name}!")}))).await;
        assert_eq!(renamed.status, 200, "{}", renamed.body);
        let no_key = call(&app, "GET", &format!("/api/projects/{id}/api-key"), &key, None).await;
        assert_eq!(no_key.status, 404, "a project made through the API starts without a key: {}", no_key.body);
        projects.push(id);
    }

    // Feedback to each of them.
    let mut sent = vec![];
    for (i, project) in projects.iter().enumerate() {
        for j in 0..3 {
            let body = json!({"message": format!("note {i}.{j}"), "context": {"url": "https://example.com"}});
            let reply = call(&app, "POST", &format!("/api/projects/{project}/feedback"), &key, Some(body)).await;
            assert_eq!(reply.status, 201, "{}", reply.body);
            sent.push(reply.body["data"]["id"].as_str().unwrap().to_owned());
        }
    }

    // Every project of the account, newest first, in both list styles of the reference.
    let listed = call(&app, "GET", "/api/projects", &key, None).await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    let mut newest_first = projects.clone();
    newest_first.reverse();
    assert_eq!(ids(&listed.body), newest_first);
    assert_eq!(listed.body["pagination"], json!({"total": 3, "limit": 50, "offset": 0, "hasMore": false}));
    let sliced = call(&app, "GET", "/api/projects?limit=2&offset=1", &key, None).await;
    assert_eq!(ids(&sliced.body), newest_first[1..].to_vec());

    // Feedback across projects: page/pageSize and limit/offset read the same items.
    let all: Vec<String> = sent.iter().rev().cloned().collect();
    let paged = call(&app, "GET", "/api/feedback?page=2&pageSize=4", &key, None).await;
    assert_eq!(paged.status, 200, "{}", paged.body);
    assert_eq!(ids(&paged.body), all[4..8].to_vec());
    assert_eq!(
        paged.body["pagination"],
        json!({"page": 2, "pageSize": 4, "total": 9, "totalPages": 3, "limit": 4, "offset": 4, "hasMore": true})
    );
    let sliced = call(&app, "GET", "/api/feedback?limit=4&offset=4", &key, None).await;
    assert_eq!(ids(&sliced.body), all[4..8].to_vec());
    assert_eq!(sliced.body["pagination"], paged.body["pagination"]);
    let last = call(&app, "GET", "/api/feedback?limit=5&offset=5", &key, None).await;
    assert_eq!((ids(&last.body).len(), &last.body["pagination"]["hasMore"]), (4, &json!(false)));
    for item in paged.body["data"].as_array().unwrap() {
        assert!(item["context"].is_object(), "{item}");
        assert!(item["projectId"].is_string(), "{item}");
    }
    // A malformed known parameter is named; an unknown one is ignored.
    let bad = call(&app, "GET", "/api/feedback?limit=ten", &key, None).await;
    assert_eq!(bad.status, 400);
    assert!(bad.error().contains("'limit'"), "{}", bad.body);
    let mixed = call(&app, "GET", "/api/feedback?page=1&limit=5", &key, None).await;
    assert_eq!(mixed.status, 400, "{}", mixed.body);
    let unknown = call(&app, "GET", "/api/feedback?colour=blue&pageSize=2", &key, None).await;
    assert_eq!((unknown.status, ids(&unknown.body).len()), (200, 2));

    // A status change, by the feedback's own id.
    let changed =
        call(&app, "PUT", &format!("/api/feedback/{}", sent[4]), &key, Some(json!({"status": "RESOLVED"}))).await;
    assert_eq!((changed.status, changed.body["data"]["status"].as_str()), (200, Some("RESOLVED")));
    let resolved = call(&app, "GET", "/api/feedback?status=RESOLVED", &key, None).await;
    assert_eq!(ids(&resolved.body), vec![sent[4].clone()]);

    // Regenerate the key: the new one works at once, the old one is refused at once.
    let fresh = call(&app, "POST", &format!("/api/projects/{}/api-key", first.id), &key, None).await;
    assert_eq!(fresh.status, 201, "{}", fresh.body);
    let fresh = fresh.body["data"]["key"].as_str().unwrap().to_owned();
    let old = call(&app, "GET", "/api/projects", &key, None).await;
    assert_eq!(old.status, 401, "{}", old.body);
    let new = call(&app, "GET", "/api/projects", &fresh, None).await;
    assert_eq!(ids(&new.body), newest_first);

    // Delete a project: it and its feedback leave every list.
    let gone = call(&app, "DELETE", &format!("/api/projects/{}", projects[2]), &fresh, None).await;
    assert_eq!(gone.status, 200, "{}", gone.body);
    let left = call(&app, "GET", "/api/projects", &fresh, None).await;
    assert_eq!(ids(&left.body), newest_first[1..].to_vec());
    let feedback = call(&app, "GET", "/api/feedback?pageSize=100", &fresh, None).await;
    assert_eq!(feedback.body["pagination"]["total"], 6, "{}", feedback.body);
}

#[tokio::test]
async fn a_project_scoped_key_stays_on_its_project() {
    let app = spawn_app().await;
    let (account, owner) = app.account(Plan::Starter).await;
    let owner = owner.expose().to_owned();
    let (one, _) = hearken::admin::create_project(&app.app, &account.id, "One", None).await.unwrap();
    let (two, two_key) = hearken::admin::create_project(&app.app, &account.id, "Two", None).await.unwrap();
    let scoped =
        call(&app, "POST", &format!("/api/projects/{}/api-key", one.id), &owner, Some(json!({"scope": "project"})))
            .await;
    assert_eq!(scoped.status, 201, "{}", scoped.body);
    let scoped = scoped.body["data"]["key"].as_str().unwrap().to_owned();

    let mine = call(&app, "GET", &format!("/api/projects/{}/feedback", one.id), &scoped, None).await;
    assert_eq!(mine.status, 200, "{}", mine.body);
    let other = call(&app, "GET", &format!("/api/projects/{}/feedback", two.id), &scoped, None).await;
    assert_eq!((other.status, other.error()), (403, texts::INVALID_KEY_OR_PROJECT));
    let listed = call(&app, "GET", "/api/projects", &scoped, None).await;
    assert_eq!(ids(&listed.body), vec![one.id.to_string()]);

    // An owner narrows any key, a project key included, with allowedProjects.
    let record = app.key_record(&two_key).await.expect("stored");
    let wide = call(&app, "GET", &format!("/api/projects/{}", one.id), two_key.expose(), None).await;
    assert_eq!(wide.status, 200, "as made, the key reaches every project: {}", wide.body);
    let body = Some(json!({"allowedProjects": [two.id.to_string()]}));
    let narrowed = call(&app, "PATCH", &format!("/api/v1/keys/{}", record.id), &owner, body).await;
    assert_eq!(narrowed.status, 200, "{}", narrowed.body);
    assert_eq!(narrowed.body["data"]["scope"], "account");
    let refused = call(&app, "GET", &format!("/api/projects/{}", one.id), two_key.expose(), None).await;
    assert_eq!((refused.status, refused.error()), (403, texts::INVALID_KEY_OR_PROJECT));
    let listed = call(&app, "GET", "/api/projects", two_key.expose(), None).await;
    assert_eq!(ids(&listed.body), vec![two.id.to_string()]);

    let bad =
        call(&app, "POST", &format!("/api/projects/{}/api-key", one.id), &owner, Some(json!({"scope": "galaxy"})))
            .await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert!(bad.error().contains("scope"), "{}", bad.body);
}
