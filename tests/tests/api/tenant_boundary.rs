//! The tenant boundary: for every route of template.yaml that takes an id (in its path, its query or
//! its body) and every filter it accepts, another account's id and an id that does not exist get the
//! same answer — status, body (with the id itself masked) and `Server-Timing` calls and rounds — so
//! no answer, and no cost, says anything about another account's data.
//!
//! The table below is checked against template.yaml: a route missing from it fails the test, so a
//! new route is either walked here or declared keyless (public by design) or id-less.
//!
//! Each pair is asked up to three times: the first request of a key in a minute also records the
//! key's last use in the background (one more call), which may fall on either side of a pair once;
//! a real difference shows every time.

use hearken::ids::{DeliveryId, FeedbackId, KeyId, ProjectId, SurveyId, TopicGuideId, WebhookId};
use hearken::plans::Plan;
use hearken_tests::{spawn_app, Reply, TestApp};
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// What a route takes, for this test.
enum Walk {
    /// Requests to compare, each with `{id}` where the foreign or unknown id goes.
    Cases(Vec<Case>),
    /// A public route (no key): it serves whoever holds the link, by design.
    Public,
    /// The catch-all route: it reads nothing.
    Fallback,
    /// A route that takes no id anywhere (only the caller's own account).
    NoId,
}

struct Case {
    /// Path and query, with `{id}`.
    target: String,
    body: Option<Value>,
}

fn case(target: &str) -> Case {
    Case { target: target.to_owned(), body: None }
}

fn with_body(target: &str, body: Value) -> Case {
    Case { target: target.to_owned(), body: Some(body) }
}

/// Every route of template.yaml (method and path) with what to send it; the id kind in `{id}`.
fn table() -> Vec<(&'static str, Kind, Walk)> {
    use Kind::*;
    let feedback_filters = [
        "",
        "&status=NEW",
        "&source=API",
        "&search=checkout",
        "&search=nothing-like-this",
        "&page=2&pageSize=1",
        "&start=2020-01-01&end=2099-12-31",
        "&start=2099-01-01",
        "&limit=1&offset=25",
        "&status=NEW&search=slow&page=3&pageSize=1",
    ];
    // A guide id on the survey `{id}` (the guide routes' own ids: tests/api/topic_guides.rs).
    let guide = format!("/api/v1/surveys/{{id}}/topic-guides/{}", TopicGuideId::generate());
    let list_all = feedback_filters.iter().map(|f| case(&format!("/api/feedback?project={{id}}{f}"))).collect();
    let of_project = ["", "?offset=25", "?offset=1&limit=1", "?status=NEW", "?status=RESOLVED&limit=100"]
        .iter()
        .map(|q| case(&format!("/api/projects/{{id}}/feedback{q}")))
        .collect();
    let responses = [
        "",
        "?limit=1",
        "?since=2020-01-01T00:00:00Z",
        "?maxRating=2",
        "?lowRated=true",
        "?maxRating=5&limit=100",
        "?ref=crm:42",
        "?ref=crm:42&lowRated=true&limit=1",
    ]
    .iter()
    .map(|q| case(&format!("/api/v1/surveys/{{id}}/feedback{q}")))
    .collect();
    let ranges = ["", "?from=2020-01-01&to=2020-12-31", "?from=2026-01-01"];
    let analytics = ranges.iter().map(|q| case(&format!("/api/v1/surveys/{{id}}/analytics{q}"))).collect();
    let topics = ["", "?limit=1", "?from=2020-01-01&to=2020-12-31"]
        .iter()
        .map(|q| case(&format!("/api/v1/surveys/{{id}}/topics{q}")))
        .collect();
    let message = json!({"message": "hello", "context": {"url": "https://example.com"}});
    vec![
        ("GET /api/projects/{projectId}/feedback", Project, Walk::Cases(of_project)),
        (
            "POST /api/projects/{projectId}/feedback",
            Project,
            Walk::Cases(vec![with_body("/api/projects/{id}/feedback", message)]),
        ),
        ("GET /api/feedback", Project, Walk::Cases(list_all)),
        ("GET /api/feedback/{id}", Feedback, Walk::Cases(vec![case("/api/feedback/{id}")])),
        (
            "PUT /api/feedback/{id}",
            Feedback,
            Walk::Cases(vec![with_body("/api/feedback/{id}", json!({"status": "RESOLVED"}))]),
        ),
        ("DELETE /api/feedback/{id}", Feedback, Walk::Cases(vec![case("/api/feedback/{id}")])),
        ("GET /api/projects", Project, Walk::Cases(vec![case("/api/projects?project={id}")])),
        (
            "POST /api/projects",
            Project,
            Walk::Cases(vec![with_body("/api/projects", json!({"name": "Mine", "slug": "{id}"}))]),
        ),
        ("GET /api/projects/{projectId}", Project, Walk::Cases(vec![case("/api/projects/{id}")])),
        (
            "PUT /api/projects/{projectId}",
            Project,
            Walk::Cases(vec![with_body("/api/projects/{id}", json!({"name": "Taken"}))]),
        ),
        ("DELETE /api/projects/{projectId}", Project, Walk::Cases(vec![case("/api/projects/{id}")])),
        ("GET /api/projects/{projectId}/api-key", Project, Walk::Cases(vec![case("/api/projects/{id}/api-key")])),
        ("POST /api/projects/{projectId}/api-key", Project, Walk::Cases(vec![case("/api/projects/{id}/api-key")])),
        ("GET /api/v1/account", Project, Walk::NoId),
        ("GET /api/v1/keys", Key, Walk::Cases(vec![case("/api/v1/keys?limit=1&after={id}")])),
        (
            "POST /api/v1/keys",
            Project,
            Walk::Cases(vec![with_body("/api/v1/keys", json!({"name": "x", "allowedProjects": ["{id}"]}))]),
        ),
        ("GET /api/v1/keys/{keyId}", Key, Walk::Cases(vec![case("/api/v1/keys/{id}")])),
        (
            "PATCH /api/v1/keys/{keyId}",
            Key,
            Walk::Cases(vec![with_body("/api/v1/keys/{id}", json!({"enabled": false}))]),
        ),
        ("DELETE /api/v1/keys/{keyId}", Key, Walk::Cases(vec![case("/api/v1/keys/{id}")])),
        ("POST /api/widget/{projectId}/feedback", Project, Walk::Public),
        ("GET /api/v1/surveys", Survey, Walk::Cases(vec![case("/api/v1/surveys?limit=1&survey={id}")])),
        ("POST /api/v1/surveys", Project, Walk::Cases(vec![with_body("/api/v1/surveys", survey_body("{id}"))])),
        ("GET /api/v1/surveys/{surveyId}", Survey, Walk::Cases(vec![case("/api/v1/surveys/{id}")])),
        (
            "PATCH /api/v1/surveys/{surveyId}",
            Survey,
            Walk::Cases(vec![
                with_body("/api/v1/surveys/{id}", json!({"status": "CLOSED"})),
                with_body("/api/v1/surveys/{id}", json!({"name": "x", "questions": []})),
            ]),
        ),
        ("GET /api/v1/surveys/{surveyId}/feedback", Survey, Walk::Cases(responses)),
        (
            "GET /api/v1/surveys/{surveyId}/topic-guides",
            Survey,
            Walk::Cases(vec![case("/api/v1/surveys/{id}/topic-guides")]),
        ),
        (
            "POST /api/v1/surveys/{surveyId}/topic-guides",
            Survey,
            Walk::Cases(vec![
                with_body("/api/v1/surveys/{id}/topic-guides", json!({"name": "late", "examples": ["late again"]})),
                with_body("/api/v1/surveys/{id}/topic-guides", json!({"name": "", "examples": []})),
            ]),
        ),
        ("GET /api/v1/surveys/{surveyId}/topic-guides/{guideId}", Survey, Walk::Cases(vec![case(&guide)])),
        (
            "PATCH /api/v1/surveys/{surveyId}/topic-guides/{guideId}",
            Survey,
            Walk::Cases(vec![with_body(&guide, json!({"name": "renamed"}))]),
        ),
        ("DELETE /api/v1/surveys/{surveyId}/topic-guides/{guideId}", Survey, Walk::Cases(vec![case(&guide)])),
        ("GET /s/{surveyId}", Survey, Walk::Public),
        ("POST /s/{surveyId}", Survey, Walk::Public),
        ("GET /api/v1/surveys/{surveyId}/analytics", Survey, Walk::Cases(analytics)),
        ("GET /api/v1/surveys/{surveyId}/topics", Survey, Walk::Cases(topics)),
        ("GET /api/v1/webhooks", Project, Walk::NoId),
        (
            "POST /api/v1/webhooks",
            Project,
            Walk::Cases(vec![with_body("/api/v1/webhooks", json!({"url": RECEIVER, "projectId": "{id}"}))]),
        ),
        ("GET /api/v1/webhooks/{webhookId}", Webhook, Walk::Cases(vec![case("/api/v1/webhooks/{id}")])),
        (
            "PATCH /api/v1/webhooks/{webhookId}",
            Webhook,
            Walk::Cases(vec![
                with_body("/api/v1/webhooks/{id}", json!({"enabled": false})),
                with_body("/api/v1/webhooks/{id}", json!({"url": RECEIVER})),
            ]),
        ),
        ("DELETE /api/v1/webhooks/{webhookId}", Webhook, Walk::Cases(vec![case("/api/v1/webhooks/{id}")])),
        (
            "POST /api/v1/webhooks/{webhookId}/rotate-secret",
            Webhook,
            Walk::Cases(vec![case("/api/v1/webhooks/{id}/rotate-secret")]),
        ),
        ("POST /api/v1/webhooks/{webhookId}/test", Webhook, Walk::Cases(vec![case("/api/v1/webhooks/{id}/test")])),
        (
            "GET /api/v1/webhooks/{webhookId}/deliveries",
            Webhook,
            Walk::Cases(vec![
                case("/api/v1/webhooks/{id}/deliveries"),
                case("/api/v1/webhooks/{id}/deliveries?limit=1"),
            ]),
        ),
        (
            "POST /api/v1/webhooks/{webhookId}/deliveries/{deliveryId}/retry",
            Webhook,
            Walk::Cases(vec![case(&format!("/api/v1/webhooks/{{id}}/deliveries/{}/retry", DeliveryId::generate()))]),
        ),
        ("$default", Project, Walk::Fallback),
        // The API's description: public, reads no table, the same for every caller.
        ("GET /openapi.json", Project, Walk::Public),
        ("GET /swagger", Project, Walk::Public),
        ("GET /swagger/{proxy+}", Project, Walk::Public),
    ]
}

/// Where the victim's webhook points (the local stack lets webhooks reach loopback; nobody listens).
const RECEIVER: &str = "http://127.0.0.1:9/hook";

/// A survey filed to the project `{id}`.
fn survey_body(project: &str) -> Value {
    json!({"name": "Filed", "projectId": project, "questions": [{"type": "RATING", "text": "Rate us", "required": true}]})
}

#[derive(Clone, Copy)]
enum Kind {
    Project,
    Feedback,
    Survey,
    Key,
    Webhook,
}

/// The victim's ids, one of each kind.
struct Victim {
    owner: String,
    project: String,
    feedback: String,
    survey: String,
    key: String,
    webhook: String,
}

impl Victim {
    fn id(&self, kind: Kind) -> String {
        match kind {
            Kind::Project => self.project.clone(),
            Kind::Feedback => self.feedback.clone(),
            Kind::Survey => self.survey.clone(),
            Kind::Key => self.key.clone(),
            Kind::Webhook => self.webhook.clone(),
        }
    }
}

fn unknown(kind: Kind) -> String {
    match kind {
        Kind::Project => ProjectId::generate().to_string(),
        Kind::Feedback => FeedbackId::generate().to_string(),
        Kind::Survey => SurveyId::generate().to_string(),
        Kind::Key => KeyId::generate().to_string(),
        Kind::Webhook => WebhookId::generate().to_string(),
    }
}

/// The victim account: a project with feedback, a survey filed to it with responses, a second key.
async fn victim(app: &TestApp) -> Victim {
    let (account, owner) = app.account(Plan::Business).await;
    let owner = owner.expose().to_owned();
    let (project, _) = app.project(&account).await;
    let project = project.id.to_string();
    let mut feedback = String::new();
    for message in ["The checkout is slow", "Love the new checkout", "Shipping took a week"] {
        let body = json!({"message": message});
        let reply = app.call("POST", &format!("/api/projects/{project}/feedback"), &owner, Some(body)).await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        feedback = reply.body["data"]["id"].as_str().expect("feedback id").to_owned();
    }
    let reply = app.call("POST", "/api/v1/surveys", &owner, Some(survey_body(&project))).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let survey = reply.body["data"]["id"].as_str().expect("survey id").to_owned();
    let question = reply.body["data"]["questions"][0]["id"].as_str().expect("question id").to_owned();
    for rating in [1, 2, 5] {
        let request = app.http.post(app.url(&format!("/s/{survey}"))).json(&json!({"answers": {&question: rating}}));
        let reply = Reply::from(request.send().await.expect("answer")).await;
        assert_eq!(reply.status, 201, "{}", reply.body);
    }
    let reply = app.call("POST", "/api/v1/keys", &owner, Some(json!({"name": "second"}))).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let key = reply.body["data"]["id"].as_str().expect("key id").to_owned();
    let reply = app.call("POST", "/api/v1/webhooks", &owner, Some(json!({"url": RECEIVER}))).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let webhook = reply.body["data"]["id"].as_str().expect("webhook id").to_owned();
    Victim { owner, project, feedback, survey, key, webhook }
}

/// What must match: status, body with the id masked, calls and rounds.
fn observed(reply: &Reply, id: &str) -> (u16, String, (usize, usize)) {
    (reply.status, reply.body.to_string().replace(id, "{id}"), reply.db_calls_and_rounds())
}

async fn ask(app: &TestApp, method: &str, case: &Case, id: &str, key: &str) -> Reply {
    let target = case.target.replace("{id}", id);
    let body = case.body.as_ref().map(|b| serde_json::from_str(&b.to_string().replace("{id}", id)).expect("json"));
    app.call(method, &target, key, body).await
}

#[tokio::test]
async fn a_foreign_id_answers_and_costs_exactly_what_an_unknown_id_does() {
    let app = spawn_app().await;
    let victim = victim(&app).await;
    let (_, attacker) = app.account(Plan::Business).await;
    let attacker = attacker.expose().to_owned();

    let table = table();
    let walked: BTreeSet<String> = table.iter().map(|(route, _, _)| route.to_string()).collect();
    let routes: BTreeSet<String> = app.template.routes().map(|(route, _)| route.key()).collect();
    assert_eq!(walked, routes, "every route of template.yaml is in this test's table, and only those");

    let mut failures = vec![];
    let mut compared = 0;
    for (route, kind, walk) in &table {
        let Walk::Cases(cases) = walk else { continue };
        let method = route.split(' ').next().expect("a method");
        for case in cases {
            let mut last = None;
            for _ in 0..3 {
                let foreign_id = victim.id(*kind);
                let unknown_id = unknown(*kind);
                let foreign = ask(&app, method, case, &foreign_id, &attacker).await;
                let unknown = ask(&app, method, case, &unknown_id, &attacker).await;
                let (foreign, unknown) = (observed(&foreign, &foreign_id), observed(&unknown, &unknown_id));
                if foreign == unknown {
                    assert!(foreign.0 < 500, "{method} {}: {foreign:?}", case.target);
                    last = None;
                    break;
                }
                last = Some((foreign, unknown));
            }
            compared += 1;
            if let Some((foreign, unknown)) = last {
                failures.push(format!("{method} {}\n  foreign {foreign:?}\n  unknown {unknown:?}", case.target));
            }
        }
    }
    assert!(compared > 40, "the table walks every filter ({compared} cases)");
    assert!(failures.is_empty(), "{} of {compared} cases differ:\n{}", failures.len(), failures.join("\n"));

    // The victim's data is untouched by all of it.
    let survey = app.call("GET", &format!("/api/v1/surveys/{}", victim.survey), &victim.owner, None).await;
    assert_eq!((survey.status, survey.body["data"]["status"].as_str()), (200, Some("ACTIVE")), "{}", survey.body);
    let feedback = app.call("GET", &format!("/api/projects/{}/feedback", victim.project), &victim.owner, None).await;
    // Three sent through the API, three filed by the survey's responses.
    assert_eq!(feedback.body["pagination"]["total"], 6, "{}", feedback.body);
    let key = app.call("GET", &format!("/api/v1/keys/{}", victim.key), &victim.owner, None).await;
    assert_eq!(key.body["data"]["enabled"], true, "{}", key.body);
    let webhook = app.call("GET", &format!("/api/v1/webhooks/{}", victim.webhook), &victim.owner, None).await;
    assert_eq!((webhook.status, webhook.body["data"]["enabled"].clone()), (200, json!(true)), "{}", webhook.body);
}

/// A key forged with a valid checksum costs what a deleted key costs (its read, then the client's
/// window of failed authentications), and a burst of them from one address answers 429.
#[tokio::test]
async fn forged_keys_cost_what_revoked_ones_do_and_a_burst_is_slowed_down() {
    const LIMIT: u32 = 5;
    let app = hearken_tests::spawn_app_with(|app| app.settings.failed_auth_per_ip_per_minute = LIMIT).await;
    let (_, owner) = app.account(Plan::Business).await;
    let owner = owner.expose().to_owned();
    let reply = app.call("POST", "/api/v1/keys", &owner, Some(json!({"name": "doomed"}))).await;
    let (doomed, doomed_id) =
        (reply.body["data"]["key"].as_str().unwrap().to_owned(), reply.body["data"]["id"].clone());
    let reply = app.call("DELETE", &format!("/api/v1/keys/{}", doomed_id.as_str().unwrap()), &owner, None).await;
    assert_eq!(reply.status, 200, "{}", reply.body);

    hearken_tests::settle_in_one_minute_window().await;
    let forged = hearken::access::ApiKey::generate(hearken::access::Family::Account);
    let forged = app.call("GET", "/api/v1/account", forged.expose(), None).await;
    let deleted = app.call("GET", "/api/v1/account", &doomed, None).await;
    assert_eq!((forged.status, deleted.status), (401, 401), "{} {}", forged.body, deleted.body);
    assert_eq!(forged.db_calls_and_rounds(), deleted.db_calls_and_rounds());
    assert_eq!(forged.db_calls_and_rounds(), (2, 2), "the key's read, then the failure window");
    // A malformed key is refused without any read, and is not counted.
    let malformed = app.call("GET", "/api/v1/account", "sk_live_nonsense", None).await;
    assert_eq!((malformed.status, malformed.db_calls_and_rounds()), (401, (0, 0)));

    let mut statuses = vec![];
    for _ in 0..LIMIT {
        let forged = hearken::access::ApiKey::generate(hearken::access::Family::Project);
        statuses.push(app.call("GET", "/api/projects", forged.expose(), None).await.status);
    }
    // Two failures came before the loop: the limit is passed inside it. (The Miniback surface
    // words an unknown key as 403 `Invalid API key or project not found`.)
    assert_eq!(statuses.iter().filter(|s| **s == 403).count() as u32, LIMIT - 2, "{statuses:?}");
    assert!(statuses.ends_with(&[429, 429]), "{statuses:?}");
    let refused = app.call("GET", "/api/v1/account", &doomed, None).await;
    assert_eq!(refused.status, 429, "{}", refused.body);
    assert!(refused.error().contains("failed authentications"), "{}", refused.body);
    assert!(refused.header("retry-after").is_some());
    // A good key from the same address still works: only failures are slowed down.
    assert_eq!(app.call("GET", "/api/v1/account", &owner, None).await.status, 200);
}

/// A key limited to some projects sees no survey filed to another project: not in lists, not by
/// id, not its responses, analytics or topics, and cannot change it.
#[tokio::test]
async fn allowed_projects_bind_surveys_and_everything_filed_under_them() {
    let app = spawn_app().await;
    let (account, owner) = app.account(Plan::Business).await;
    let owner = owner.expose().to_owned();
    let project = |name: &'static str| hearken::admin::create_project(&app.app, &account.id, name, None);
    let (mine, _) = project("Mine").await.expect("project");
    let (other, _) = project("Other").await.expect("project");
    let create = |project: Option<String>| {
        let body = match project {
            Some(project) => survey_body(&project),
            None => json!({"name": "Unfiled", "questions": [{"type": "RATING", "text": "Rate us"}]}),
        };
        let (app, owner) = (&app, owner.clone());
        async move {
            let reply = app.call("POST", "/api/v1/surveys", &owner, Some(body)).await;
            assert_eq!(reply.status, 201, "{}", reply.body);
            reply.body["data"]["id"].as_str().expect("id").to_owned()
        }
    };
    let in_mine = create(Some(mine.id.to_string())).await;
    let in_other = create(Some(other.id.to_string())).await;
    let unfiled = create(None).await;
    let body = json!({"name": "limited", "role": "owner", "allowedProjects": [mine.id.to_string()]});
    let reply = app.call("POST", "/api/v1/keys", &owner, Some(body)).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let limited = reply.body["data"]["key"].as_str().expect("secret").to_owned();

    let reply = app.call("GET", "/api/v1/surveys?limit=1", &limited, None).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let mut seen = vec![];
    let mut reply = reply;
    loop {
        seen.extend(reply.body["data"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap().to_owned()));
        let Some(cursor) = reply.body["nextCursor"].as_str() else { break };
        reply = app.call("GET", &format!("/api/v1/surveys?limit=1&cursor={cursor}"), &limited, None).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    seen.sort();
    let mut expected = vec![in_mine.clone(), unfiled.clone()];
    expected.sort();
    assert_eq!(seen, expected, "a page of one survey at a time, the other project's left out");

    for path in ["", "/feedback", "/analytics", "/topics"] {
        let hidden = app.call("GET", &format!("/api/v1/surveys/{in_other}{path}"), &limited, None).await;
        assert_eq!((hidden.status, hidden.error()), (404, "Survey not found"), "{path}: {}", hidden.body);
        let shown = app.call("GET", &format!("/api/v1/surveys/{in_mine}{path}"), &limited, None).await;
        assert_eq!(shown.status, 200, "{path}: {}", shown.body);
        let shown = app.call("GET", &format!("/api/v1/surveys/{unfiled}{path}"), &limited, None).await;
        assert_eq!(shown.status, 200, "{path}: {}", shown.body);
    }
    let close = Some(json!({"status": "CLOSED"}));
    let reply = app.call("PATCH", &format!("/api/v1/surveys/{in_other}"), &limited, close.clone()).await;
    assert_eq!((reply.status, reply.error()), (404, "Survey not found"), "{}", reply.body);
    let reply = app.call("GET", &format!("/api/v1/surveys/{in_other}"), &owner, None).await;
    assert_eq!(reply.body["data"]["status"], "ACTIVE", "the survey was not changed");
    // Nor can the limited key move its own survey into the other project.
    let body = Some(json!({"projectId": other.id.to_string()}));
    let reply = app.call("PATCH", &format!("/api/v1/surveys/{in_mine}"), &limited, body).await;
    assert_eq!(reply.status, 403, "{}", reply.body);
}

/// A restricted owner key manages only keys no wider than itself: it cannot re-enable, unlock or
/// delete a key that reaches more, and a project-limited key creates no project.
#[tokio::test]
async fn a_restricted_owner_key_cannot_manage_wider_keys_or_make_projects() {
    let app = spawn_app().await;
    let (account, owner) = app.account(Plan::Business).await;
    let owner = owner.expose().to_owned();
    let (project, project_key) = hearken::admin::create_project(&app.app, &account.id, "Mine", None).await.unwrap();
    let (other, _) = hearken::admin::create_project(&app.app, &account.id, "Other", None).await.unwrap();
    let create = |body: Value| {
        let (app, owner) = (&app, owner.clone());
        async move {
            let reply = app.call("POST", "/api/v1/keys", &owner, Some(body)).await;
            assert_eq!(reply.status, 201, "{}", reply.body);
            (
                reply.body["data"]["id"].as_str().unwrap().to_owned(),
                reply.body["data"]["key"].as_str().unwrap().to_owned(),
            )
        }
    };
    let (_, limited) =
        create(json!({"name": "limited owner", "role": "owner", "allowedProjects": [project.id.to_string()]})).await;
    let (wide_id, _) = create(json!({"name": "wide", "role": "member"})).await;
    let (narrow_id, _) = create(json!({"name": "narrow", "allowedProjects": [project.id.to_string()]})).await;
    let disabled = app.call("PATCH", &format!("/api/v1/keys/{wide_id}"), &owner, Some(json!({"enabled": false}))).await;
    assert_eq!(disabled.status, 200, "{}", disabled.body);

    for (method, body) in
        [("PATCH", Some(json!({"enabled": true}))), ("PATCH", Some(json!({"name": "x"}))), ("DELETE", None)]
    {
        let reply = app.call(method, &format!("/api/v1/keys/{wide_id}"), &limited, body).await;
        assert_eq!(reply.status, 403, "{method}: {}", reply.body);
        assert!(reply.error().starts_with("allowedProjects:"), "{}", reply.body);
    }
    let still = app.call("GET", &format!("/api/v1/keys/{wide_id}"), &owner, None).await;
    assert_eq!(still.body["data"]["enabled"], false, "{}", still.body);
    // A key within its reach it does manage.
    let renamed = app.call("PATCH", &format!("/api/v1/keys/{narrow_id}"), &limited, Some(json!({"name": "n2"}))).await;
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    // An account-wide project key is wider too.
    let record = app.key_record(&project_key).await.unwrap();
    let reply = app.call("DELETE", &format!("/api/v1/keys/{}", record.id), &limited, None).await;
    assert_eq!(reply.status, 403, "{}", reply.body);

    let made = app.call("POST", "/api/projects", &limited, Some(json!({"name": "Squat"}))).await;
    assert_eq!(made.status, 403, "{}", made.body);
    assert!(made.error().contains("cannot create projects"), "{}", made.body);
    // Refused before its body is judged: a body it could never use draws the same refusal.
    let made = app.call("POST", "/api/projects", &limited, Some(json!({"name": 7}))).await;
    assert_eq!(made.status, 403, "{}", made.body);
    assert!(made.error().contains("cannot create projects"), "{}", made.body);

    // A project key regenerates its own project's key only.
    let (_, other_key) = (other.id.clone(), project_key.expose());
    let reply = app.call("POST", &format!("/api/projects/{}/api-key", other.id), other_key, None).await;
    assert_eq!(reply.status, 403, "{}", reply.body);
    let reply = app.call("POST", &format!("/api/projects/{}/api-key", project.id), other_key, None).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
}
