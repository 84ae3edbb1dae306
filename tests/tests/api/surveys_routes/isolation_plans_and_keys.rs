//! Tenant isolation, plans below BUSINESS, and what each kind of key may do.

use crate::common::surveys::*;
use crate::common::{needs_business, SURVEY_NOT_FOUND};
use hearken::ids::SurveyId;
use hearken::plans::Plan;
use hearken_tests::{spawn_app, texts, Reply};
use serde_json::{json, Value};

#[tokio::test]
async fn another_accounts_survey_answers_exactly_like_a_missing_one() {
    let app = spawn_app().await;
    let (_, owner) = business(&app).await;
    let (_, stranger) = business(&app).await;
    let survey = create(&app, &owner, delivery_survey("Private")).await;
    let id = id_of(&survey);
    answer(&app, &id, json!({ question_ids(&survey)[0].clone(): 1 })).await;
    let missing = SurveyId::generate();
    for (method, suffix, body) in [
        ("GET", "", None),
        ("PATCH", "", Some(json!({"name": "Mine now", "status": "CLOSED"}))),
        ("GET", "/feedback", None),
        ("GET", "/feedback?lowRated=true", None),
    ] {
        let theirs = app.call(method, &format!("{}{suffix}", survey_path(&id)), &stranger, body.clone()).await;
        let nobodys = app.call(method, &format!("{}{suffix}", survey_path(missing.as_str())), &stranger, body).await;
        assert_eq!((theirs.status, theirs.error()), (404, SURVEY_NOT_FOUND), "{method} {suffix}: {}", theirs.body);
        assert_eq!((theirs.status, &theirs.body), (nobodys.status, &nobodys.body), "{method} {suffix}");
    }
    assert_eq!(listed(&app, &stranger, "/api/v1/surveys").await, Vec::<String>::new());
    let own = id_of(&create(&app, &stranger, delivery_survey("Theirs")).await);
    assert_eq!(listed(&app, &stranger, "/api/v1/surveys?limit=100").await, [own]);
    assert_eq!(listed(&app, &owner, "/api/v1/surveys?limit=100").await, [id.as_str()]);
    let read = app.call("GET", &survey_path(&id), &owner, None).await;
    assert_eq!(read.body["data"]["name"], "Private", "the stranger's PATCH changed nothing");
    assert_eq!(read.body["data"]["status"], "ACTIVE");
}

#[tokio::test]
async fn other_plans_get_403_naming_business_and_use_no_call() {
    let app = spawn_app().await;
    let (_, business_key) = business(&app).await;
    let survey = id_of(&create(&app, &business_key, delivery_survey("Somebody's")).await);
    for (plan, name) in [(Plan::Pro, "PRO"), (Plan::Starter, "STARTER"), (Plan::Free, "FREE")] {
        let (account, key) = app.account(plan).await;
        let key = key.expose().to_owned();
        let before = app.calls_this_month(&account).await;
        for (method, path, body) in [
            ("GET", "/api/v1/surveys".to_owned(), None),
            ("POST", "/api/v1/surveys".to_owned(), Some(delivery_survey("Not allowed"))),
            ("GET", survey_path(&survey), None),
            ("GET", survey_path(SurveyId::generate().as_str()), None),
            ("PATCH", survey_path(&survey), Some(json!({"name": "x"}))),
            ("GET", feedback_path(&survey), None),
        ] {
            let reply = app.call(method, &path, &key, body).await;
            assert_eq!((reply.status, reply.error()), (403, needs_business(name).as_str()), "{name} {method} {path}");
        }
        assert_eq!(app.calls_this_month(&account).await, before, "{name}: refused requests use no call");
    }
    assert_eq!(app.call("GET", &survey_path(&survey), &business_key, None).await.body["data"]["name"], "Somebody's");
}

#[tokio::test]
async fn key_use_cases_roles_and_families() {
    let app = spawn_app().await;
    let (account, owner) = business(&app).await;
    let (_, project_key) = app.project(&account).await;
    let survey = create(&app, &owner, delivery_survey("Keys")).await;
    let id = id_of(&survey);
    answer(&app, &id, json!({ question_ids(&survey)[0].clone(): 3 })).await;
    let key_of = |use_case: &'static str| {
        let app = &app;
        let owner = owner.clone();
        async move {
            let made =
                app.call("POST", "/api/v1/keys", &owner, Some(json!({"name": use_case, "useCase": use_case}))).await;
            assert_eq!(made.status, 201, "{}", made.body);
            assert_eq!(made.body["data"]["role"], "member");
            made.body["data"]["key"].as_str().unwrap().to_owned()
        }
    };
    let (member, read_only, ingest) = (key_of("FULL").await, key_of("READ_ONLY").await, key_of("INGEST").await);
    let reads = [("GET", "/api/v1/surveys".to_owned()), ("GET", survey_path(&id)), ("GET", feedback_path(&id))];

    // A member key with the FULL use case manages surveys (roles only guard key management).
    for (method, path) in &reads {
        assert_eq!(app.call(method, path, &member, None).await.status, 200, "member {method} {path}");
    }
    assert_eq!(app.call("POST", "/api/v1/surveys", &member, Some(delivery_survey("By a member"))).await.status, 201);
    assert_eq!(app.call("PATCH", &survey_path(&id), &member, Some(json!({"threshold": 4}))).await.status, 200);

    // READ_ONLY reads, and writes nothing.
    for (method, path) in &reads {
        let reply = app.call(method, path, &read_only, None).await;
        assert_eq!(reply.status, 200, "READ_ONLY {method} {path}: {}", reply.body);
    }
    let writes = [
        ("POST", "/api/v1/surveys".to_owned(), Some(delivery_survey("Refused"))),
        ("PATCH", survey_path(&id), Some(json!({"name": "Refused"}))),
    ];
    for (method, path, body) in writes.clone() {
        let reply = app.call(method, &path, &read_only, body).await;
        assert_eq!(reply.status, 403, "READ_ONLY {method} {path}: {}", reply.body);
        assert!(reply.error().contains("READ_ONLY"), "{}", reply.error());
    }

    // INGEST and a project key: nothing.
    let all: Vec<(&str, String, Option<Value>)> =
        reads.iter().map(|(m, p)| (*m, p.clone(), None)).chain(writes.iter().cloned()).collect();
    for (method, path, body) in all.clone() {
        let reply = app.call(method, &path, &ingest, body).await;
        assert_eq!(reply.status, 403, "INGEST {method} {path}: {}", reply.body);
        assert!(reply.error().contains("INGEST"), "{}", reply.error());
    }
    for (method, path, body) in all.clone() {
        let reply = app.call(method, &path, project_key.expose(), body).await;
        assert_eq!(reply.status, 403, "project key {method} {path}: {}", reply.body);
        assert!(!reply.error().is_empty());
    }

    // No key at all: the documented 401.
    for (method, path, body) in all {
        let mut request = app.http.request(reqwest::Method::from_bytes(method.as_bytes()).unwrap(), app.url(&path));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let reply = Reply::from(request.send().await.unwrap()).await;
        assert_eq!((reply.status, reply.error()), (401, texts::KEY_REQUIRED), "no key {method} {path}");
    }

    let read = app.call("GET", &survey_path(&id), &owner, None).await.body["data"].clone();
    assert_eq!((read["name"].clone(), read["threshold"].clone()), (json!("Keys"), json!(4)));
    let names: Vec<Value> = app.call("GET", "/api/v1/surveys?limit=100", &owner, None).await.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].clone())
        .collect();
    assert_eq!(names, [json!("By a member"), json!("Keys")], "no refused key created anything");
}

#[tokio::test]
async fn a_key_limited_to_projects_may_not_file_a_survey_elsewhere() {
    let app = spawn_app().await;
    let (account, owner) = business(&app).await;
    let (allowed, _) = app.project(&account).await;
    let (other, _) = hearken::admin::create_project(&app.app, &account.id, "Other project", None).await.unwrap();
    let made = app
        .call("POST", "/api/v1/keys", &owner, Some(json!({"name": "limited", "allowedProjects": [allowed.id]})))
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    let limited = made.body["data"]["key"].as_str().unwrap().to_owned();
    let mut inside = delivery_survey("Inside");
    inside["projectId"] = json!(allowed.id);
    assert_eq!(app.call("POST", "/api/v1/surveys", &limited, Some(inside)).await.status, 201);
    let mut outside = delivery_survey("Outside");
    outside["projectId"] = json!(other.id);
    let reply = app.call("POST", "/api/v1/surveys", &limited, Some(outside)).await;
    assert!(matches!(reply.status, 400 | 403), "a project outside the key's list: {} {}", reply.status, reply.body);
    let names: Vec<Value> = app.call("GET", "/api/v1/surveys", &owner, None).await.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].clone())
        .collect();
    assert_eq!(names, [json!("Inside")]);
}
