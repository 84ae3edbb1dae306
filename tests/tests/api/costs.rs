//! What each route costs a warm container in DynamoDB calls and rounds (`Server-Timing`), as the
//! README's cost table states it: every route of template.yaml that reads the database, once, on
//! its success path, after its key (or project, or survey) is known to the stack. The table printed
//! on failure is the one to copy into the README.

use crate::common::page::{post_json, standard};
use hearken::plans::Plan;
use hearken_tests::{settle_in_one_minute_window, spawn_app, Reply, TestApp};
use serde_json::{json, Value};

/// A route's answer and the (calls, rounds) it should have cost.
struct Row {
    route: &'static str,
    reply: Reply,
    expected: (usize, usize),
}

#[tokio::test]
async fn each_route_costs_what_the_readme_says_on_a_warm_container() {
    let app = spawn_app().await;
    let (account, owner) = app.account(Plan::Pro).await;
    let owner = owner.expose().to_owned();
    let (project, _) = app.project(&account).await;
    let (business, survey) = standard(&app).await;
    let business = business.expose().to_owned();
    let answers = json!({"answers": { &survey.rating: 2, &survey.multiple: ["Bread"] }});
    settle_in_one_minute_window().await;

    let call = |method: &'static str, path: String, key: String, body: Option<Value>| {
        let app = &app;
        async move { app.call(method, &path, &key, body).await }
    };
    // Each key's first request makes it known (and records its last use for the minute).
    for key in [&owner, &business] {
        assert_eq!(call("GET", "/api/v1/account".into(), key.clone(), None).await.status, 200);
    }
    let p = project.id.to_string();
    let message = json!({"message": "Checkout is slow"});
    let mut rows = vec![];
    let mut row = |route: &'static str, reply: Reply, status: u16, expected: (usize, usize)| {
        assert_eq!(reply.status, status, "{route}: {}", reply.body);
        rows.push(Row { route, reply, expected });
    };

    // The project's first write reads it (the ownership proof); the next is one round.
    let first = call("POST", format!("/api/projects/{p}/feedback"), owner.clone(), Some(message.clone())).await;
    assert_eq!(first.db_calls_and_rounds(), (3, 2), "{:?}", first.header("server-timing"));
    let created = call("POST", format!("/api/projects/{p}/feedback"), owner.clone(), Some(message.clone())).await;
    let feedback = created.body["data"]["id"].as_str().unwrap().to_owned();
    row("POST /api/projects/{projectId}/feedback", created, 201, (2, 1));
    row(
        "GET /api/projects/{projectId}/feedback",
        call("GET", format!("/api/projects/{p}/feedback"), owner.clone(), None).await,
        200,
        (5, 2),
    );
    row("GET /api/feedback", call("GET", "/api/feedback".into(), owner.clone(), None).await, 200, (5, 2));
    row(
        "GET /api/feedback/{id}",
        call("GET", format!("/api/feedback/{feedback}"), owner.clone(), None).await,
        200,
        (5, 3),
    );
    row(
        "PUT /api/feedback/{id}",
        call("PUT", format!("/api/feedback/{feedback}"), owner.clone(), Some(json!({"status": "RESOLVED"}))).await,
        200,
        (5, 3),
    );
    row(
        "DELETE /api/feedback/{id}",
        call("DELETE", format!("/api/feedback/{feedback}"), owner.clone(), None).await,
        200,
        (5, 3),
    );
    row("GET /api/projects", call("GET", "/api/projects".into(), owner.clone(), None).await, 200, (5, 3));
    let made = call("POST", "/api/projects".into(), owner.clone(), Some(json!({"name": "Second"}))).await;
    let second = made.body["data"]["id"].as_str().unwrap().to_owned();
    row("POST /api/projects", made, 201, (4, 2));
    row(
        "GET /api/projects/{projectId}",
        call("GET", format!("/api/projects/{p}"), owner.clone(), None).await,
        200,
        (4, 1),
    );
    row(
        "PUT /api/projects/{projectId}",
        call("PUT", format!("/api/projects/{p}"), owner.clone(), Some(json!({"name": "Renamed"}))).await,
        200,
        (5, 2),
    );
    row(
        "GET /api/projects/{projectId}/api-key",
        call("GET", format!("/api/projects/{p}/api-key"), owner.clone(), None).await,
        200,
        (5, 2),
    );
    row(
        "POST /api/projects/{projectId}/api-key",
        call("POST", format!("/api/projects/{p}/api-key"), owner.clone(), None).await,
        201,
        (5, 3),
    );
    row(
        "DELETE /api/projects/{projectId}",
        call("DELETE", format!("/api/projects/{second}"), owner.clone(), None).await,
        200,
        (6, 3),
    );
    row("GET /api/v1/account", call("GET", "/api/v1/account".into(), owner.clone(), None).await, 200, (3, 1));
    row("GET /api/v1/keys", call("GET", "/api/v1/keys".into(), owner.clone(), None).await, 200, (4, 2));
    let minted = call("POST", "/api/v1/keys".into(), owner.clone(), Some(json!({"name": "ci"}))).await;
    let key_id = minted.body["data"]["id"].as_str().unwrap().to_owned();
    row("POST /api/v1/keys", minted, 201, (4, 2));
    row(
        "GET /api/v1/keys/{keyId}",
        call("GET", format!("/api/v1/keys/{key_id}"), owner.clone(), None).await,
        200,
        (5, 3),
    );
    row(
        "PATCH /api/v1/keys/{keyId}",
        call("PATCH", format!("/api/v1/keys/{key_id}"), owner.clone(), Some(json!({"name": "ci-2"}))).await,
        200,
        (6, 4),
    );
    row(
        "DELETE /api/v1/keys/{keyId}",
        call("DELETE", format!("/api/v1/keys/{key_id}"), owner.clone(), None).await,
        200,
        (6, 4),
    );

    // The widget and the survey page: the first post reads the project or survey, the next is one round.
    let widget = |app: &TestApp| {
        let request = app.http.post(app.url(&format!("/api/widget/{p}/feedback"))).json(&message);
        async move { Reply::from(request.send().await.unwrap()).await }
    };
    assert_eq!(widget(&app).await.status, 201);
    row("POST /api/widget/{projectId}/feedback", widget(&app).await, 201, (2, 1));
    assert_eq!(post_json(&app, &survey.id, answers.clone()).await.status, 201);
    row("POST /s/{surveyId}", post_json(&app, &survey.id, answers).await, 201, (2, 1));
    let page = Reply::from(app.http.get(app.url(&format!("/s/{}", survey.id))).send().await.unwrap()).await;
    row("GET /s/{surveyId}", page, 200, (1, 1));

    // The survey's responses are today's: analytics and topics read the live day (one Query more).
    let s = survey.id.clone();
    row("GET /api/v1/surveys", call("GET", "/api/v1/surveys".into(), business.clone(), None).await, 200, (4, 2));
    let body = json!({"name": "Another", "questions": [{"type": "RATING", "text": "How was it?"}]});
    row(
        "POST /api/v1/surveys",
        call("POST", "/api/v1/surveys".into(), business.clone(), Some(body)).await,
        201,
        (4, 2),
    );
    row(
        "GET /api/v1/surveys/{surveyId}",
        call("GET", format!("/api/v1/surveys/{s}"), business.clone(), None).await,
        200,
        (4, 1),
    );
    row(
        "PATCH /api/v1/surveys/{surveyId}",
        call("PATCH", format!("/api/v1/surveys/{s}"), business.clone(), Some(json!({"name": "Renamed"}))).await,
        200,
        (5, 2),
    );
    row(
        "GET /api/v1/surveys/{surveyId}/feedback",
        call("GET", format!("/api/v1/surveys/{s}/feedback"), business.clone(), None).await,
        200,
        (5, 2),
    );
    row(
        "GET /api/v1/surveys/{surveyId}/analytics",
        call("GET", format!("/api/v1/surveys/{s}/analytics"), business.clone(), None).await,
        200,
        (6, 3),
    );
    row(
        "GET /api/v1/surveys/{surveyId}/topics",
        call("GET", format!("/api/v1/surveys/{s}/topics"), business.clone(), None).await,
        200,
        (6, 3),
    );
    // Topic guides: the survey proven the caller's in the access round, then the guides' own
    // reads and writes (a change reads the guide first: its name claim moves with it).
    let guides = format!("/api/v1/surveys/{s}/topic-guides");
    let guide = json!({"name": "late", "examples": ["The courier was late"]});
    let made = call("POST", guides.clone(), business.clone(), Some(guide)).await;
    let one = format!("{guides}/{}", made.body["data"]["id"].as_str().unwrap_or_default());
    row("POST /api/v1/surveys/{surveyId}/topic-guides", made, 201, (5, 2));
    row("GET /api/v1/surveys/{surveyId}/topic-guides", call("GET", guides, business.clone(), None).await, 200, (5, 2));
    row(
        "GET /api/v1/surveys/{surveyId}/topic-guides/{guideId}",
        call("GET", one.clone(), business.clone(), None).await,
        200,
        (5, 2),
    );
    let rename = Some(json!({"name": "lateness"}));
    row(
        "PATCH /api/v1/surveys/{surveyId}/topic-guides/{guideId}",
        call("PATCH", one.clone(), business.clone(), rename).await,
        200,
        (6, 3),
    );
    row(
        "DELETE /api/v1/surveys/{surveyId}/topic-guides/{guideId}",
        call("DELETE", one, business.clone(), None).await,
        200,
        (6, 3),
    );

    let table: Vec<String> = rows
        .iter()
        .map(|row| {
            let (calls, rounds) = row.reply.db_calls_and_rounds();
            format!("| `{}` | {calls} | {rounds} |", row.route)
        })
        .collect();
    let wrong: Vec<String> = rows
        .iter()
        .filter(|row| row.reply.db_calls_and_rounds() != row.expected)
        .map(|row| format!("{}: {:?}, expected {:?}", row.route, row.reply.db_calls_and_rounds(), row.expected))
        .collect();
    assert!(wrong.is_empty(), "{}\n\nmeasured:\n{}", wrong.join("\n"), table.join("\n"));
}
