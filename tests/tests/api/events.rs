//! The sample events of `events/` (the files `sam local invoke -e` takes) fed to the real handlers
//! in-process, as Lambda would deliver them: every route and every stream consumer has one, and
//! each one works once its placeholders are filled with a real project, key and feedback.

use hearken::feedback::{NewFeedback, Source};
use hearken::plans::Plan;
use hearken::store::feedback::{self as stored, FeedbackItem};
use hearken_local::registry;
use hearken_local::template::Template;
use hearken_tests::{spawn_app, TestApp};
use serde_json::{json, Value};
use std::path::PathBuf;

const PROJECT: &str = "proj_REPLACE_WITH_PROJECT_ID";
const KEY: &str = "mbk_REPLACE_WITH_THE_PROJECT_KEY";
const FEEDBACK: &str = "fb_REPLACE_WITH_FEEDBACK_ID";
const ACCOUNT: &str = "acc_REPLACE_WITH_ACCOUNT_ID";
const OWNER_KEY: &str = "sk_live_REPLACE_WITH_AN_OWNER_KEY";
const KEY_ID: &str = "key_REPLACE_WITH_KEY_ID";
const SURVEY: &str = "srv_REPLACE_WITH_SURVEY_ID";
const RATING_QUESTION: &str = "q_REPLACE_WITH_RATING_QUESTION_ID";
const TEXT_QUESTION: &str = "q_REPLACE_WITH_TEXT_QUESTION_ID";
const RESPONSE: &str = "rsp_REPLACE_WITH_RESPONSE_ID";
const WEBHOOK: &str = "whk_REPLACE_WITH_WEBHOOK_ID";
const DELIVERY: &str = "dlv_REPLACE_WITH_DELIVERY_ID";
const GUIDE: &str = "tg_REPLACE_WITH_GUIDE_ID";
/// Where the sample webhook points: a port nobody listens on (the local stack allows loopback).
const WEBHOOK_URL: &str = "http://127.0.0.1:9/hook";

fn events() -> Vec<(String, Value)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../events");
    let mut found: Vec<(String, Value)> = std::fs::read_dir(&dir)
        .expect("events/ exists")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            let event = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (path.file_name().unwrap().to_string_lossy().into_owned(), event)
        })
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}

/// The template's stream table (logical id) an event's source ARN names.
fn stream_table(event: &Value) -> Option<String> {
    let arn = event["Records"][0]["eventSourceARN"].as_str()?;
    arn.split("table/").nth(1)?.split('/').next().map(str::to_owned)
}

#[test]
fn every_route_and_stream_consumer_has_a_sample_event() {
    let template = Template::load_default().unwrap();
    let events = events();
    let routes: Vec<String> = events.iter().filter_map(|(_, e)| e["routeKey"].as_str().map(str::to_owned)).collect();
    for (route, _) in template.routes() {
        assert!(routes.contains(&route.key()), "no event in events/ for {}", route.key());
    }
    for function in template.functions.iter().filter(|f| !f.schedules.is_empty()) {
        let named = events.iter().any(|(_, e)| {
            e["detail-type"] == "Scheduled Event"
                && e["resources"][0].as_str().unwrap_or_default().contains(&function.logical_id)
        });
        assert!(named, "no scheduled event in events/ for {}", function.logical_id);
    }
    let tables: Vec<String> = events.iter().filter_map(|(_, e)| stream_table(e)).collect();
    for function in &template.functions {
        for table in &function.streams {
            assert!(tables.contains(table), "no stream event in events/ for {} ({table})", function.binary);
        }
    }
}

/// A fresh account (with its owner key and a member key), project, feedback and survey for one
/// event, with its placeholders filled in.
async fn fill(app: &TestApp, event: &Value) -> (String, hearken::ids::ProjectId) {
    let (account, owner) = app.account(Plan::Business).await;
    let (project, key) = app.project(&account).await;
    let (_, member) = hearken::access::NewKey {
        family: hearken::access::Family::Account,
        account_id: account.id.clone(),
        project_id: None,
        name: "member".into(),
        role: hearken::access::Role::Member,
        use_case: hearken::access::UseCase::Full,
    }
    .issue();
    hearken::store::keys::put_new(&app.app, &member).await.unwrap();
    let input = NewFeedback::from_json(json!({"message": "sample"})).unwrap();
    let item = FeedbackItem::new(&account.id, &project.id, input, Source::Api);
    stored::create(&app.app, &item).await.unwrap().unwrap();
    let survey = json!({"name": "Sample", "projectId": project.id, "questions": [
        {"type": "RATING", "text": "How was it?", "required": true},
        {"type": "TEXT", "text": "Why?"}
    ]});
    let survey = hearken::surveys::new_survey_from_json(survey, hearken::time::Timestamp::now()).unwrap();
    let survey = hearken::store::surveys::SurveyItem::new(&account.id, survey);
    hearken::store::surveys::create(&app.app, &survey).await.unwrap().unwrap();
    let answers = json!({
        survey.survey.questions[0].id.to_string(): 2,
        survey.survey.questions[1].id.to_string(): "The courier took ages and the soup arrived cold."
    });
    let response = survey.survey.response(survey.survey.check_json(Some(&answers)).unwrap());
    let response = hearken::store::responses::ResponseItem::new(response);
    hearken::store::responses::submit(&app.app, &survey, &response, None).await.unwrap();
    let now = hearken::time::Timestamp::now();
    let endpoint = hearken::webhooks::Endpoint {
        pk: account.id.clone(),
        sk: hearken::ids::WebhookId::generate(),
        url: WEBHOOK_URL.to_owned(),
        events: vec![],
        project_id: None,
        survey_id: None,
        enabled: true,
        description: None,
        secret: hearken::webhooks::signing::Secret::generate().expose().to_owned(),
        created_at: now,
        updated_at: now,
        disabled_reason: None,
        failing_since: None,
    };
    hearken::store::webhooks::create(&app.app, &endpoint).await.unwrap();
    let ping = json!({"type": "ping", "timestamp": now, "data": {}}).to_string();
    let kind = hearken::webhooks::EventType::Ping;
    let delivery = hearken::store::webhooks::Delivery::new(&endpoint, hearken::ids::DeliveryId::generate(), kind, ping);
    hearken::store::webhooks::put_delivery(&app.app, &delivery).await.unwrap();
    let guide = json!({"name": "cold food", "examples": ["The soup arrived cold.", "My pizza was lukewarm"]});
    let guide = hearken::surveys::new_guide_from_json(guide, now).unwrap();
    let refused = hearken::store::topic_guides::create(&app.app, &survey, &guide).await.unwrap();
    assert_eq!(refused, None);
    let text = event
        .to_string()
        .replace(PROJECT, project.id.as_str())
        .replace(KEY, key.expose())
        .replace(FEEDBACK, item.view.id.as_str())
        .replace(ACCOUNT, account.id.as_str())
        .replace(OWNER_KEY, owner.expose())
        .replace(KEY_ID, member.id.as_str())
        .replace(SURVEY, survey.survey.id.as_str())
        .replace(RATING_QUESTION, survey.survey.questions[0].id.as_str())
        .replace(TEXT_QUESTION, survey.survey.questions[1].id.as_str())
        .replace(RESPONSE, &response.sk)
        .replace(WEBHOOK, endpoint.sk.as_str())
        .replace(DELIVERY, delivery.sk.as_str())
        .replace(GUIDE, guide.id.as_str())
        .replace("REPLACE_WITH_AN_HTTPS_URL", WEBHOOK_URL)
        .replace("2026-12-01T09:30:00.000Z", &response.response.created_at.to_iso());
    (text, project.id)
}

#[tokio::test]
async fn every_http_sample_event_runs_through_its_handler() {
    let app = spawn_app().await;
    let functions = registry::functions();
    for (name, event) in events().into_iter().filter(|(_, e)| e.get("routeKey").is_some()) {
        let route = event["routeKey"].as_str().unwrap().to_owned();
        let function = functions
            .iter()
            .find(|f| f.routes.contains(&route.as_str()))
            .unwrap_or_else(|| panic!("no handler for {route}"));
        let (text, _) = fill(&app, &event).await;
        let request = lambda_http::request::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let response = (function.handler)(app.app.clone(), request).await;
        if function.binary == "docs" {
            // The API's description: no key, no envelope (the document, Swagger UI's files, a redirect).
            assert!(
                response.status().is_success() || response.status().is_redirection(),
                "{name}: {}",
                response.status()
            );
            continue;
        }
        let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
        if content_type.starts_with("text/html") {
            // The public survey page answers people in HTML.
            let page = String::from_utf8_lossy(response.body().as_ref()).into_owned();
            assert!(response.status().is_success(), "{name}: {} {page}", response.status());
            assert!(page.starts_with("<!DOCTYPE html>"), "{name}: {page}");
            continue;
        }
        let body: Value = serde_json::from_slice(response.body().as_ref()).unwrap();
        if route == "$default" {
            // The catch-all answers SPEC §4's JSON for a path no route has.
            assert_eq!((response.status().as_u16(), &body), (404, &json!({"error": "Not found"})), "{name}");
            continue;
        }
        assert!(response.status().is_success(), "{name}: {} {body}", response.status());
        assert!(response.headers().contains_key("x-ratelimit-limit"), "{name}");
        assert!(body.get("data").is_some(), "{name}: {body}");
    }
}

#[tokio::test]
async fn every_stream_sample_event_runs_through_its_consumer() {
    let app = spawn_app().await;
    let template = Template::load_default().unwrap();
    let consumers = registry::stream_consumers();
    for (name, event) in events().into_iter().filter(|(_, e)| e.get("Records").is_some()) {
        let table = stream_table(&event).unwrap_or_else(|| panic!("{name}: no table in eventSourceARN"));
        let function = template.functions.iter().find(|f| f.streams.contains(&table)).unwrap();
        let consumer = consumers.iter().find(|c| c.binary == function.binary).unwrap();
        let (text, project) = fill(&app, &event).await;
        let parsed: Value = serde_json::from_str(&text).unwrap();
        match table.as_str() {
            "ProjectsTable" => {
                // The event names a project whose item is already gone (as after a DELETE) and
                // whose feedback is still there; running the event removes that feedback.
                app.app
                    .db
                    .delete_item()
                    .table_name(&app.app.tables.projects)
                    .key("id", hearken::store::s(project.as_str()))
                    .send()
                    .await
                    .unwrap();
                let event = serde_json::from_value(parsed).unwrap_or_else(|e| panic!("{name}: {e}"));
                (consumer.handler)(app.app.clone(), event).await.unwrap_or_else(|e| panic!("{name}: {e}"));
                let left = stored::keys_of_project(&app.app, &project, 10).await.unwrap();
                assert!(left.is_empty(), "{name}: feedback left behind");
            }
            "FeedbackTable" => {
                // The event names a stored response; running it gives the response its topics
                // (a list, possibly empty) and keeps its vectors. Or it names the survey's steering
                // item (its guide was made): running it derives the survey's topics, the guide's
                // among them.
                let keys = &parsed["Records"][0]["dynamodb"]["Keys"];
                let (pk, sk) =
                    (keys["pk"]["S"].as_str().unwrap().to_owned(), keys["sk"]["S"].as_str().unwrap().to_owned());
                let event = serde_json::from_value(parsed).unwrap_or_else(|e| panic!("{name}: {e}"));
                (consumer.handler)(app.app.clone(), event).await.unwrap_or_else(|e| panic!("{name}: {e}"));
                if sk == hearken::store::topic_guides::STEERING_SK {
                    let survey = hearken::ids::SurveyId::parse(&pk).unwrap();
                    let set = hearken::store::response_topics::get_set(&app.app, &survey).await.unwrap();
                    let set = String::from_utf8(set.expect("a topic set").bytes).unwrap();
                    assert!(set.contains("\"cold food\""), "{name}: the guide is not a topic: {set}");
                    continue;
                }
                let item = app
                    .app
                    .db
                    .get_item()
                    .table_name(&app.app.tables.feedback)
                    .key("pk", hearken::store::s(pk))
                    .key("sk", hearken::store::s(sk))
                    .consistent_read(true)
                    .send()
                    .await
                    .unwrap()
                    .item
                    .expect("the response");
                assert!(item.get("topics").is_some_and(|t| t.is_l()), "{name}: no topics on {item:?}");
                assert!(item.get("vectors").is_some_and(|v| v.is_b()), "{name}: no vectors");
            }
            "WebhooksTable" => {
                // The event names a delivery due now; running it attempts it (nobody listens at the
                // sample URL, so the attempt fails and the delivery waits for its retry).
                let keys = &parsed["Records"][0]["dynamodb"]["Keys"];
                let endpoint = hearken::ids::WebhookId::parse(keys["pk"]["S"].as_str().unwrap()).unwrap();
                let id = hearken::ids::DeliveryId::parse(keys["sk"]["S"].as_str().unwrap()).unwrap();
                let event = serde_json::from_value(parsed).unwrap_or_else(|e| panic!("{name}: {e}"));
                (consumer.handler)(app.app.clone(), event).await.unwrap_or_else(|e| panic!("{name}: {e}"));
                let delivery = hearken::store::webhooks::get_delivery(&app.app, &endpoint, &id).await.unwrap().unwrap();
                assert_eq!(delivery.attempts, 1, "{name}: {delivery:?}");
                assert!(delivery.last_error.is_some(), "{name}: {delivery:?}");
            }
            other => panic!("{name}: no check for a stream of {other}"),
        }
    }
}

#[tokio::test]
async fn the_schedule_sample_event_runs_the_nightly_rollup() {
    let app = spawn_app().await;
    let (_, event) =
        events().into_iter().find(|(_, e)| e["detail-type"] == "Scheduled Event").expect("a schedule event");
    // A survey with a response yesterday, not rolled up yet.
    let (account, _) = app.account(Plan::Business).await;
    let survey = json!({"name": "Sample", "questions": [{"type": "RATING", "text": "How was it?"}]});
    let survey = hearken::surveys::new_survey_from_json(survey, hearken::time::Timestamp::now()).unwrap();
    let item = hearken::store::surveys::SurveyItem::new(&account.id, survey);
    hearken::store::surveys::create(&app.app, &item).await.unwrap().unwrap();
    let question = item.survey.questions[0].id.to_string();
    let answers = item.survey.check_json(Some(&json!({ question: 4 }))).unwrap();
    let yesterday =
        hearken::time::Timestamp::from_millis(hearken::time::Timestamp::now().unix_millis() - 86_400_000).unwrap();
    let response = hearken::store::responses::ResponseItem::new(item.survey.response_at(answers, yesterday));
    hearken::store::responses::submit(&app.app, &item, &response, None).await.unwrap();

    let handler = registry::scheduled().into_iter().find(|s| s.binary == "rollup").unwrap();
    let deadline = hearken::time::Timestamp::now().unix_millis() as u64 + 900_000;
    let report = (handler.handler)(app.app.clone(), event, deadline).await.unwrap();
    assert_eq!((report["days"].as_u64(), report["responsesRead"].as_u64()), (Some(1), Some(1)), "{report}");
    assert_eq!(report["stoppedEarly"], false);
}

/// The sample schedule event of a function (its schedule's ARN names the function).
fn schedule_event(logical_id: &str) -> (String, Value) {
    events()
        .into_iter()
        .find(|(_, e)| {
            e["detail-type"] == "Scheduled Event" && e["resources"][0].as_str().unwrap_or_default().contains(logical_id)
        })
        .unwrap_or_else(|| panic!("a schedule event for {logical_id}"))
}

#[tokio::test]
async fn the_schedule_sample_event_runs_the_nightly_topics() {
    let app = spawn_app().await;
    let (_, event) = schedule_event("TopicsFunction");
    // A survey with a response today: its marked day makes it one to re-derive.
    let (_, _) = fill(&app, &event).await;
    let handler = registry::scheduled().into_iter().find(|s| s.binary == "topics").unwrap();
    let deadline = hearken::time::Timestamp::now().unix_millis() as u64 + 900_000;
    let report = (handler.handler)(app.app.clone(), event, deadline).await.unwrap();
    assert_eq!((report["surveys"].as_u64(), report["stoppedEarly"].as_bool()), (Some(1), Some(false)), "{report}");
}
