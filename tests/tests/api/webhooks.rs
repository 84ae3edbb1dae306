//! Webhooks through the real stack: endpoints made and kept through the API, events made from the
//! feedback table's stream, delivered to a real HTTP receiver on 127.0.0.1, signed and checked
//! with the Standard Webhooks reference library, retried while the receiver is down, and never
//! crossing from one account to another.

use crate::common::page::{post_json, standard};
use crate::common::receiver::{verify_with_reference_library, Receiver};
use hearken::plans::Plan;
use hearken_tests::{eventually, spawn_app, Reply, TestApp};
use serde_json::{json, Value};
use std::time::Duration;

async fn create_webhook(app: &TestApp, key: &str, body: Value) -> Value {
    let reply = app.call("POST", "/api/v1/webhooks", key, Some(body)).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.body["data"].clone()
}

async fn post_feedback(app: &TestApp, project: &impl std::fmt::Display, key: &str, message: &str) -> Reply {
    let path = format!("/api/projects/{project}/feedback");
    let reply = app.call("POST", &path, key, Some(json!({"message": message}))).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply
}

async fn deliveries(app: &TestApp, key: &str, webhook: &str) -> Vec<Value> {
    let reply = app.call("GET", &format!("/api/v1/webhooks/{webhook}/deliveries"), key, None).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["data"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_response_on_the_public_page_reaches_the_receiver_signed_and_verifiable() {
    let app = spawn_app().await;
    let receiver = Receiver::start().await;
    let (key, survey) = standard(&app).await;
    let webhook =
        create_webhook(&app, key.expose(), json!({"url": receiver.url, "events": ["response.created"]})).await;
    let secret = webhook["secret"].as_str().expect("the secret, once").to_owned();
    assert!(secret.starts_with("whsec_"));
    let id = webhook["id"].as_str().unwrap().to_owned();
    let shown = app.call("GET", &format!("/api/v1/webhooks/{id}"), key.expose(), None).await;
    assert!(shown.body["data"].get("secret").is_none(), "never shown again: {}", shown.body);

    let answers = json!({"answers": { &survey.rating: 2, &survey.multiple: ["Bread"] }, "ref": "crm:42"});
    let posted = post_json(&app, &survey.id, answers).await;
    assert_eq!(posted.status, 201, "{}", posted.body);
    assert!(receiver.wait_for_delivered(1, 20).await, "delivered: {:?}", receiver.received());

    let got = receiver.received();
    assert_eq!(got.len(), 1, "one event, one delivery: {got:?}");
    assert_eq!(got[0].path, "/hook");
    assert_eq!(verify_with_reference_library(&secret, &got), ["ok"]);
    let wrong = verify_with_reference_library("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", &got);
    assert!(wrong[0].starts_with("bad"), "{wrong:?}");
    let body = got[0].json();
    assert_eq!(body["type"], "response.created");
    assert_eq!(body["data"]["id"], posted.body["data"]["id"]);
    assert_eq!(body["data"]["surveyId"], survey.id.as_str());
    assert_eq!(body["data"]["rating"], 2);
    assert_eq!(body["data"]["respondent"], json!({"ref": "crm:42"}), "the CRM's reference travels with it");
    assert!(body["timestamp"].as_str().is_some());

    let log = deliveries(&app, key.expose(), &id).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["id"].as_str(), got[0].header("webhook-id"), "the delivery's id is its webhook-id");
    assert_eq!((log[0]["state"].clone(), log[0]["attempts"].clone()), (json!("DELIVERED"), json!(1)));
    assert_eq!(log[0]["lastStatus"], 200);
}

#[tokio::test]
async fn a_receiver_down_for_a_while_gets_everything_once_it_is_back() {
    let app = spawn_app().await;
    let receiver = Receiver::start().await;
    let (account, owner) = app.account(Plan::Pro).await;
    let (project, _) = app.project(&account).await;
    let webhook = create_webhook(&app, owner.expose(), json!({"url": receiver.url})).await;
    let id = webhook["id"].as_str().unwrap().to_owned();
    receiver.answer(503);
    for message in ["first", "second"] {
        post_feedback(&app, &project.id, owner.expose(), message).await;
    }
    // The first attempts fail; each delivery waits for its retry (5 s, give or take a fifth).
    let failed_once = eventually(Duration::from_secs(15), || async {
        let log = deliveries(&app, owner.expose(), &id).await;
        log.len() == 2 && log.iter().all(|d| d["attempts"] == 1 && d["state"] == "PENDING")
    })
    .await;
    let log = deliveries(&app, owner.expose(), &id).await;
    assert!(failed_once, "{log:?}");
    assert!(log.iter().all(|d| d["lastStatus"] == 503 && d["nextAttemptAt"].is_string()), "{log:?}");

    receiver.answer(200);
    assert!(receiver.wait_for_delivered(2, 30).await, "{:?}", receiver.received());
    let got = receiver.received();
    let messages: Vec<Value> =
        got.iter().filter(|r| r.answered == 200).map(|r| r.json()["data"]["message"].clone()).collect();
    assert!(messages.contains(&json!("first")) && messages.contains(&json!("second")), "{messages:?}");
    // Every attempt of a delivery carries the same webhook-id; nothing was lost or doubled.
    for delivery in deliveries(&app, owner.expose(), &id).await {
        let attempts: Vec<_> = got.iter().filter(|r| r.header("webhook-id") == delivery["id"].as_str()).collect();
        assert_eq!(delivery["state"], "DELIVERED", "{delivery}");
        assert_eq!(attempts.len() as u64, delivery["attempts"].as_u64().unwrap(), "{delivery}");
        assert_eq!(attempts.iter().filter(|r| r.answered == 200).count(), 1);
    }
}

#[tokio::test]
async fn a_rotated_secret_signs_the_next_deliveries() {
    let app = spawn_app().await;
    let receiver = Receiver::start().await;
    let (_, owner) = app.account(Plan::Starter).await;
    let webhook = create_webhook(&app, owner.expose(), json!({"url": receiver.url})).await;
    let (id, old) = (webhook["id"].as_str().unwrap().to_owned(), webhook["secret"].as_str().unwrap().to_owned());
    let rotated = app.call("POST", &format!("/api/v1/webhooks/{id}/rotate-secret"), owner.expose(), None).await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    let new = rotated.body["data"]["secret"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    let ping = app.call("POST", &format!("/api/v1/webhooks/{id}/test"), owner.expose(), None).await;
    assert_eq!(ping.status, 202, "{}", ping.body);
    assert!(receiver.wait_for_delivered(1, 20).await);
    let got = receiver.received();
    assert_eq!(got[0].json()["type"], "ping");
    assert_eq!(got[0].header("webhook-id"), ping.body["data"]["id"].as_str());
    assert_eq!(verify_with_reference_library(&new, &got), ["ok"]);
    assert!(verify_with_reference_library(&old, &got)[0].starts_with("bad"));
}

#[tokio::test]
async fn a_disabled_endpoint_gets_nothing_and_a_410_disables_it() {
    let app = spawn_app().await;
    let receiver = Receiver::start().await;
    let (account, owner) = app.account(Plan::Pro).await;
    let (project, _) = app.project(&account).await;
    let webhook = create_webhook(&app, owner.expose(), json!({"url": receiver.url, "enabled": false})).await;
    let id = webhook["id"].as_str().unwrap().to_owned();
    post_feedback(&app, &project.id, owner.expose(), "while disabled").await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(receiver.received().is_empty(), "{:?}", receiver.received());
    assert!(deliveries(&app, owner.expose(), &id).await.is_empty());

    let path = format!("/api/v1/webhooks/{id}");
    let enabled = app.call("PATCH", &path, owner.expose(), Some(json!({"enabled": true}))).await;
    assert_eq!(enabled.status, 200, "{}", enabled.body);
    receiver.answer(410);
    post_feedback(&app, &project.id, owner.expose(), "gone").await;
    let disabled = eventually(Duration::from_secs(15), || async {
        let shown = app.call("GET", &format!("/api/v1/webhooks/{id}"), owner.expose(), None).await;
        shown.body["data"]["enabled"] == false
    })
    .await;
    let shown = app.call("GET", &format!("/api/v1/webhooks/{id}"), owner.expose(), None).await;
    assert!(disabled, "{}", shown.body);
    assert!(shown.body["data"]["disabledReason"].as_str().unwrap_or_default().contains("410"), "{}", shown.body);
    let log = deliveries(&app, owner.expose(), &id).await;
    assert_eq!((log[0]["state"].clone(), log[0]["lastStatus"].clone()), (json!("FAILED"), json!(410)));
    receiver.answer(200);
    post_feedback(&app, &project.id, owner.expose(), "after 410").await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(receiver.received().len(), 1, "only the 410 attempt: {:?}", receiver.received());
}

#[tokio::test]
async fn one_account_never_receives_anothers_events() {
    let app = spawn_app().await;
    let (mine, theirs) = (Receiver::start().await, Receiver::start().await);
    let (account, owner) = app.account(Plan::Pro).await;
    let (project, _) = app.project(&account).await;
    let (other_account, other_owner) = app.account(Plan::Pro).await;
    let (other_project, _) = app.project(&other_account).await;
    create_webhook(&app, owner.expose(), json!({"url": mine.url})).await;
    create_webhook(&app, other_owner.expose(), json!({"url": theirs.url, "projectId": other_project.id})).await;
    // A project filter of another account's project is a 404, as an unknown project is.
    let foreign = app
        .call(
            "POST",
            "/api/v1/webhooks",
            other_owner.expose(),
            Some(json!({"url": theirs.url,
        "projectId": project.id})),
        )
        .await;
    assert_eq!((foreign.status, foreign.error()), (404, "Project not found"));

    post_feedback(&app, &project.id, owner.expose(), "mine").await;
    assert!(mine.wait_for_delivered(1, 20).await);
    post_feedback(&app, &other_project.id, other_owner.expose(), "theirs").await;
    assert!(theirs.wait_for_delivered(1, 20).await);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let messages = |r: &Receiver| r.received().iter().map(|d| d.json()["data"]["message"].clone()).collect::<Vec<_>>();
    assert_eq!(messages(&mine), [json!("mine")]);
    assert_eq!(messages(&theirs), [json!("theirs")]);
}

#[tokio::test]
async fn endpoints_are_checked_kept_and_reached_only_by_their_account() {
    let app = spawn_app().await;
    let (_, owner) = app.account(Plan::Starter).await;
    let key = owner.expose();
    for (url, why) in [
        ("http://hooks.example.com/in", "absolute https"),
        ("https://10.0.0.7/in", "not on the public internet"),
        ("https://169.254.169.254/latest/meta-data", "not on the public internet"),
        ("https://[fd00:ec2::254]/", "not on the public internet"),
        ("https://user:pw@hooks.example.com/", "user name or password"),
        ("not a url", "absolute https"),
    ] {
        let reply = app.call("POST", "/api/v1/webhooks", key, Some(json!({"url": url}))).await;
        assert_eq!(reply.status, 400, "{url}: {}", reply.body);
        assert!(reply.error().contains(why), "{url}: {}", reply.body);
    }
    let bad = app.call("POST", "/api/v1/webhooks", key, Some(json!({"url": "https://a.example", "events": ["x"]})));
    assert!(bad.await.error().contains("events"));

    let receiver = Receiver::start().await;
    let made = create_webhook(&app, key, json!({"url": receiver.url, "description": "CRM sync"})).await;
    let id = made["id"].as_str().unwrap().to_owned();
    assert_eq!(made["events"].as_array().unwrap().len(), 4, "every event by default: {made}");
    let listed = app.call("GET", "/api/v1/webhooks", key, None).await;
    assert_eq!(listed.body["data"][0]["description"], "CRM sync");
    assert!(listed.body["data"][0].get("secret").is_none());

    // Another account's id answers exactly as an unknown one.
    let (_, other) = app.account(Plan::Starter).await;
    let unknown = hearken::ids::WebhookId::generate();
    // Its first request makes the key known (and records its last use): the pairs below compare
    // warm requests, all in that request's one-minute window.
    hearken_tests::settle_in_one_minute_window().await;
    assert_eq!(app.call("GET", "/api/v1/webhooks", other.expose(), None).await.status, 200);
    for path in ["", "/deliveries", "/test", "/rotate-secret"] {
        let method = if path.is_empty() || path == "/deliveries" { "GET" } else { "POST" };
        let foreign = app.call(method, &format!("/api/v1/webhooks/{id}{path}"), other.expose(), None).await;
        let missing = app.call(method, &format!("/api/v1/webhooks/{unknown}{path}"), other.expose(), None).await;
        assert_eq!((foreign.status, foreign.error()), (404, "Webhook not found"), "{path}");
        assert_eq!(foreign.error(), missing.error());
        assert_eq!(foreign.db_calls_and_rounds(), missing.db_calls_and_rounds(), "{path}");
    }

    // Owner FULL account keys of a plan with the full API only.
    let (free, free_key) = app.account(Plan::Free).await;
    let refused = app.call("GET", "/api/v1/webhooks", free_key.expose(), None).await;
    assert_eq!(refused.status, 401, "{}", refused.body);
    let (_, project_key) = app.project(&free).await;
    let project_refused = app.call("GET", "/api/v1/webhooks", project_key.expose(), None).await;
    assert_eq!(project_refused.status, 403, "{}", project_refused.body);
    let member = app.call("POST", "/api/v1/keys", key, Some(json!({"name": "m", "role": "member"}))).await;
    let member_key = member.body["data"]["key"].as_str().unwrap().to_owned();
    let member_refused = app.call("GET", "/api/v1/webhooks", &member_key, None).await;
    assert_eq!(member_refused.error(), "Only owner keys can manage webhooks.");

    let gone = app.call("DELETE", &format!("/api/v1/webhooks/{id}"), key, None).await;
    assert_eq!(gone.body, json!({"data": {"id": id, "deleted": true}}));
    assert_eq!(app.call("GET", &format!("/api/v1/webhooks/{id}"), key, None).await.status, 404);
}
