//! What the schemathesis run (`infra/schemathesis.sh`) found where the API and its OpenAPI
//! document disagreed, each pinned here so it cannot come back.

use hearken::plans::Plan;
use hearken_tests::spawn_app;
use serde_json::json;

#[tokio::test]
async fn whole_numbers_written_as_floats_are_whole_numbers() {
    // JSON Schema's `integer` includes `3.0`; the parsers refused it.
    let app = spawn_app().await;
    let (_, owner) = app.account(Plan::Business).await;
    let key = app
        .call("POST", "/api/v1/keys", owner.expose(), Some(json!({"name": "ci", "rateLimitPerMinute": 276.0})))
        .await;
    assert_eq!((key.status, &key.body["data"]["rateLimitPerMinute"]), (201, &json!(276)), "{}", key.body);
    let survey = app
        .call(
            "POST",
            "/api/v1/surveys",
            owner.expose(),
            Some(json!({"name": "S", "threshold": 3.0, "questions": [{"type": "TEXT", "text": "Why?", "maxLength": 981.0}]})),
        )
        .await;
    assert_eq!(survey.status, 201, "{}", survey.body);
    assert_eq!(survey.body["data"]["threshold"], 3);
    let half =
        app.call("POST", "/api/v1/keys", owner.expose(), Some(json!({"name": "ci", "rateLimitPerMinute": 2.5}))).await;
    assert_eq!(half.status, 400, "{}", half.body);
}

#[tokio::test]
async fn null_project_fields_count_as_absent_as_the_document_says() {
    let app = spawn_app().await;
    let (_, project, owner) = app.account_with_project(Plan::Pro).await;
    let path = format!("/api/projects/{}", project.id);
    let changed =
        app.call("PUT", &path, owner.expose(), Some(json!({"name": "x1", "allowedDomains": null, "slug": null}))).await;
    assert_eq!((changed.status, &changed.body["data"]["name"]), (200, &json!("x1")), "{}", changed.body);
}

#[tokio::test]
async fn numbers_past_int64_are_refused_and_blank_queries_are_absent() {
    let app = spawn_app().await;
    let (_, owner) = app.account(Plan::Pro).await;
    let huge = app.call("GET", "/api/projects?limit=9223372036854775808", owner.expose(), None).await;
    assert_eq!(huge.status, 400, "{}", huge.body);
    let largest = app.call("GET", "/api/projects?limit=9223372036854775807", owner.expose(), None).await;
    assert_eq!(largest.status, 200, "{}", largest.body);
    // `allowEmptyValue` in the document: an empty value is no value.
    let blank = app.call("GET", "/api/feedback?start=&status=", owner.expose(), None).await;
    assert_eq!(blank.status, 200, "{}", blank.body);
}

#[tokio::test]
async fn a_key_body_with_a_field_keys_do_not_have_is_refused() {
    let app = spawn_app().await;
    let (_, owner) = app.account(Plan::Business).await;
    let typo =
        app.call("POST", "/api/v1/keys", owner.expose(), Some(json!({"name": "ci", "alowedIps": ["10.0.0.1"]}))).await;
    assert_eq!(typo.status, 400, "{}", typo.body);
    assert!(typo.error().starts_with("'alowedIps' is not a field of a key"), "{}", typo.error());
}

#[tokio::test]
async fn swagger_files_carry_the_types_the_document_lists() {
    let app = spawn_app().await;
    let doc = app.call("GET", "/openapi.json", "", None).await.body;
    let listed = &doc["paths"]["/swagger/{file}"]["get"]["responses"]["200"]["content"];
    for file in ["index.html", "swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png", "swagger-initializer.js"]
    {
        let reply = app.call("GET", &format!("/swagger/{file}"), "", None).await;
        assert_eq!(reply.status, 200, "{file}");
        let kind = reply.header("content-type").unwrap_or_default().to_owned();
        assert!(listed.get(&kind).is_some(), "{file}: {kind} is not among {listed}");
    }
}
