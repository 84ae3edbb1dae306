//! What happens to a stream record that cannot be processed. Each consumer answers a partial batch
//! response: a poison record is reported (by its sequence number) and the rest of its batch is
//! processed. The local stream pollers then do as Lambda does with the template's bounded retries:
//! read again from the reported record a few times, give it up (the failure queue) and move on.
//! A project removal given up is finished by the nightly sweep. Also here: the `sam local invoke`
//! recipe only sets variables the template declares (SAM drops any other).

use crate::common::page::{post_json, standard};
use crate::common::receiver::Receiver;
use hearken::feedback::{NewFeedback, Source};
use hearken::ids::{AccountId, ProjectId, ResponseId, SurveyId, WebhookId};
use hearken::plans::Plan;
use hearken::store::counters::account_counts_id;
use hearken::store::feedback::{keys_of_project, FeedbackItem};
use hearken::store::{n, s, Item};
use hearken_local::{registry, streams};
use hearken_tests::{eventually, spawn_app, spawn_app_without_topics, TestApp};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::time::Duration;

/// A stream record as Lambda hands it over ([`hearken_tests::stream_record`]).
fn record(name: &str, keys: Value, new_image: Option<Value>, old_image: Option<Value>, sequence: u32) -> Value {
    hearken_tests::stream_record("Poison", name, keys, (new_image, old_image), sequence)
}

/// An item as a stream image (DynamoDB JSON).
fn image(item: &Item) -> Value {
    serde_json::to_value(serde_dynamo::Item::from(item.clone())).expect("an image")
}

/// Runs one batch through a consumer in-process; answers the sequence numbers it reported.
async fn deliver(app: &TestApp, binary: &str, records: Vec<Value>) -> BTreeSet<String> {
    let consumer = registry::stream_consumers().into_iter().find(|c| c.binary == binary).expect("a consumer");
    let event = serde_json::from_value(json!({ "Records": records })).expect("a stream event");
    let response = (consumer.handler)(app.app.clone(), event).await.expect("the batch as a whole succeeds");
    response.batch_item_failures.into_iter().map(|f| f.item_identifier.expect("a sequence number")).collect()
}

fn reported(sequences: &[u32]) -> BTreeSet<String> {
    sequences.iter().map(u32::to_string).collect()
}

/// Stores feedback of `project` directly (no API), so only the test's own records remove it.
async fn orphan_feedback(app: &TestApp, account: &AccountId, project: &ProjectId) {
    let item =
        FeedbackItem::new(account, project, NewFeedback { message: "Left behind".into(), context: None }, Source::Api);
    let item: Item = serde_dynamo::to_item(&item).expect("an item");
    app.app.db.put_item().table_name(&app.app.tables.feedback).set_item(Some(item)).send().await.expect("put");
}

/// A counts item whose `deleting` is a string, not a set: finishing any removal of its account
/// fails every time (a record no retry can help).
async fn poisoned_account(app: &TestApp) -> AccountId {
    let account = AccountId::generate();
    let counts: Item = [("id".to_owned(), s(account_counts_id(&account))), ("deleting".to_owned(), s("?"))].into();
    app.app.db.put_item().table_name(&app.app.tables.projects).set_item(Some(counts)).send().await.expect("put");
    account
}

fn removal(project: &ProjectId, account: &AccountId, sequence: u32) -> Value {
    let old = json!({"id": {"S": project.to_string()}, "accountId": {"S": account.to_string()}});
    record("REMOVE", json!({"id": {"S": project.to_string()}}), None, Some(old), sequence)
}

#[tokio::test]
async fn the_cleanup_reports_a_poison_record_and_removes_the_rest() {
    let app = spawn_app().await;
    let poisoned = poisoned_account(&app).await;
    let (account, project) = (AccountId::generate(), ProjectId::generate());
    orphan_feedback(&app, &account, &project).await;
    let undecodable = ProjectId::generate().to_string();
    let batch = vec![
        removal(&ProjectId::generate(), &poisoned, 1),
        record("REMOVE", json!({"id": {"S": undecodable}}), None, Some(json!({"id": {"N": "7"}})), 2),
        removal(&project, &account, 3),
    ];
    assert_eq!(deliver(&app, "project-cleanup", batch).await, reported(&[1, 2]));
    let left = keys_of_project(&app.app, &project, 10).await.expect("keys");
    assert!(left.is_empty(), "the good removal after the poison ran: {left:?}");
}

#[tokio::test]
async fn the_topics_function_reports_a_poison_record_and_processes_the_rest() {
    // Without the topics poller: only this test's batch gives the response its topics.
    let app = spawn_app_without_topics().await;
    let (_, survey) = standard(&app).await;
    let answers = json!({"answers": {&survey.rating: 2, &survey.text: "Cold food again", &survey.multiple: ["Bread"]}});
    let posted = post_json(&app, &survey.id, answers).await;
    assert_eq!(posted.status, 201, "{}", posted.body);
    let id = posted.body["data"]["id"].as_str().expect("a response id").to_owned();
    let get = |id: String| {
        let app = &app;
        let survey = survey.id.clone();
        async move {
            let out = app.app.db.get_item().table_name(&app.app.tables.feedback).key("pk", s(survey)).key("sk", s(id));
            out.consistent_read(true).send().await.expect("read").item.expect("the response")
        }
    };
    // Without topics (a new response may be stored with an empty list): the batch must set them.
    let feedback = &app.app.tables.feedback;
    let update = app.app.db.update_item().table_name(feedback).key("pk", s(&survey.id)).key("sk", s(&id));
    update.update_expression("REMOVE topics").send().await.expect("topics taken off");
    let stored = get(id.clone()).await;
    let keys = |item: &Item| json!({"pk": image(item)["pk"], "sk": image(item)["sk"]});
    let poison: Item = [
        ("pk".to_owned(), s(SurveyId::generate().to_string())),
        ("sk".to_owned(), s(ResponseId::generate().to_string())),
        ("answers".to_owned(), n(7)),
    ]
    .into();
    let batch = vec![
        record("INSERT", keys(&poison), Some(image(&poison)), None, 1),
        record("INSERT", keys(&stored), Some(image(&stored)), None, 2),
    ];
    assert_eq!(deliver(&app, "topics", batch).await, reported(&[1]));
    let processed = get(id).await;
    assert!(processed.get("topics").is_some_and(|t| t.is_l()), "the good response got topics: {processed:?}");
}

#[tokio::test]
async fn the_webhook_delivery_reports_poison_records_and_makes_the_rest() {
    let app = spawn_app().await;
    let receiver = Receiver::start().await;
    let (account, owner) = app.account(Plan::Pro).await;
    let created = app.call("POST", "/api/v1/webhooks", owner.expose(), Some(json!({"url": receiver.url}))).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let webhook = created.body["data"]["id"].as_str().expect("an id").to_owned();

    // Feedback of an account whose endpoint item does not read: its deliveries cannot be made.
    let broken_account = AccountId::generate();
    let broken_endpoint: Item =
        [("pk".to_owned(), s(broken_account.to_string())), ("sk".to_owned(), s(WebhookId::generate().to_string()))]
            .into();
    let webhooks = &app.app.tables.webhooks;
    app.app.db.put_item().table_name(webhooks).set_item(Some(broken_endpoint)).send().await.expect("put");
    let feedback = |account: &AccountId| {
        let item = FeedbackItem::new(
            account,
            &ProjectId::generate(),
            NewFeedback { message: "Through the stream".into(), context: None },
            Source::Api,
        );
        let item: Item = serde_dynamo::to_item(&item).expect("an item");
        item
    };
    let keys = |item: &Item| json!({"pk": image(item)["pk"], "sk": image(item)["sk"]});
    let (broken, good) = (feedback(&broken_account), feedback(&account.id));
    // A due delivery whose stored item does not read: its attempt cannot be made.
    let (endpoint, delivery) = (WebhookId::generate().to_string(), hearken::ids::DeliveryId::generate().to_string());
    let stored: Item = [
        ("pk".to_owned(), s(&endpoint)),
        ("sk".to_owned(), s(&delivery)),
        ("state".to_owned(), s("PENDING")),
        ("nextAttemptAt".to_owned(), n(0)),
        ("leaseUntil".to_owned(), n(0)),
    ]
    .into();
    app.app.db.put_item().table_name(webhooks).set_item(Some(stored)).send().await.expect("put");
    let due = json!({"pk": {"S": endpoint}, "sk": {"S": delivery}, "due": {"S": "due"}});

    let batch = vec![
        record("INSERT", keys(&broken), Some(image(&broken)), None, 1),
        record("INSERT", json!({"pk": due["pk"], "sk": due["sk"]}), Some(due.clone()), None, 2),
        record("INSERT", keys(&good), Some(image(&good)), None, 3),
    ];
    assert_eq!(deliver(&app, "webhook-delivery", batch).await, reported(&[1, 2]));
    let log = app.call("GET", &format!("/api/v1/webhooks/{webhook}/deliveries"), owner.expose(), None).await;
    assert_eq!(log.status, 200, "{}", log.body);
    let made = log.body["data"].as_array().expect("deliveries").len();
    assert_eq!(made, 1, "the good record's delivery was made: {}", log.body);
}

#[tokio::test]
async fn a_record_that_fails_every_retry_is_given_up_and_the_shard_moves_on() {
    let app = spawn_app().await;
    // Through the projects table's stream: a poison removal first, then a real project deleted.
    let poisoned = poisoned_account(&app).await;
    let poison = ProjectId::generate();
    let item: Item = [("id".to_owned(), s(poison.as_str())), ("accountId".to_owned(), s(poisoned.as_str()))].into();
    let projects = &app.app.tables.projects;
    app.app.db.put_item().table_name(projects).set_item(Some(item)).send().await.expect("put");
    app.app.db.delete_item().table_name(projects).key("id", s(poison.as_str())).send().await.expect("delete");
    let (account, owner) = app.account(Plan::Business).await;
    let (project, key) = app.project(&account).await;
    for message in ["one", "two"] {
        let path = format!("/api/projects/{}/feedback", project.id);
        let posted = app.call("POST", &path, key.expose(), Some(json!({"message": message}))).await;
        assert_eq!(posted.status, 201, "{}", posted.body);
    }
    let deleted = app.call("DELETE", &format!("/api/projects/{}", project.id), owner.expose(), None).await;
    assert_eq!(deleted.status, 200, "{}", deleted.body);

    let removed = eventually(Duration::from_secs(60), || async {
        keys_of_project(&app.app, &project.id, 10).await.expect("keys").is_empty()
    })
    .await;
    assert!(removed, "the deleted project's feedback is removed despite the poison before it");
    let given_up = eventually(Duration::from_secs(60), || async { !streams::given_up(projects).is_empty() }).await;
    assert!(given_up, "the poison record is given up after {} retries", streams::RETRIES);
}

#[tokio::test]
async fn the_nightly_sweep_finishes_a_removal_left_half_done() {
    let app = spawn_app().await;
    // As after a DELETE whose stream record went to the failure queue: the project is gone, its
    // feedback is not, and its account's counts item still lists it as being removed.
    let (account, project) = (AccountId::generate(), ProjectId::generate());
    orphan_feedback(&app, &account, &project).await;
    app.app
        .db
        .update_item()
        .table_name(&app.app.tables.projects)
        .key("id", s(account_counts_id(&account)))
        .update_expression("ADD deleting :project")
        .expression_attribute_values(":project", aws_sdk_dynamodb::types::AttributeValue::Ss(vec![project.to_string()]))
        .send()
        .await
        .expect("marked");
    let sweep = registry::scheduled().into_iter().find(|s| s.binary == "project-cleanup").expect("the sweep");
    let deadline = (chrono::Utc::now().timestamp_millis() + 600_000) as u64;
    let swept = (sweep.handler)(app.app.clone(), json!({"source": "aws.scheduler"}), deadline).await.expect("swept");
    assert_eq!(swept["finished"], 1, "{swept}");
    assert!(keys_of_project(&app.app, &project, 10).await.expect("keys").is_empty(), "its feedback is removed");
    let counts = app
        .app
        .db
        .get_item()
        .table_name(&app.app.tables.projects)
        .key("id", s(account_counts_id(&account)))
        .consistent_read(true)
        .send()
        .await
        .expect("read")
        .item
        .unwrap_or_default();
    assert!(hearken::store::projects::deleting_in(&counts).is_empty(), "and it is no longer listed: {counts:?}");
}

#[test]
fn the_sam_local_recipe_only_sets_variables_the_template_declares() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let recipe = std::fs::read_to_string(root.join("infra/sam-local-env.json")).expect("the env file");
    let undeclared = hearken_local::sam_local::undeclared(hearken_local::template::TEMPLATE_YAML, &recipe);
    assert_eq!(undeclared, Ok(vec![]), "set in infra/sam-local-env.json but not declared in template.yaml");
    // The recipe points the endpoint and every table variable at the local stack.
    let set = hearken_local::sam_local::variables(&recipe).expect("the env file reads");
    assert!(set.contains("AWS_ENDPOINT_URL_DYNAMODB"), "{set:?}");
    for table in hearken::config::TABLE_VARIABLES {
        assert!(set.contains(table), "{table} is not set: {set:?}");
    }
}
