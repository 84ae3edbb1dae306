//! Deleting a project with 20,000 feedback items: the DELETE answers well inside API Gateway's
//! 29 s, the project disappears at once, and the background removal leaves nothing behind.

use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};
use futures::stream::{self, StreamExt};
use hearken::feedback::{NewFeedback, Source};
use hearken::plans::Plan;
use hearken::store::counters::attribute;
use hearken::store::feedback::{keys_of_project, FeedbackItem};
use hearken::store::{n, s};
use hearken_tests::{eventually, spawn_app, Reply, TestApp};
use serde_json::json;
use std::time::{Duration, Instant};

const ITEMS: usize = 20_000;

/// Writes `count` feedback items straight to the table (batch writes, many at once) and sets the
/// project's counters to match: the state 20,000 POSTs would leave, in seconds.
async fn seed(app: &TestApp, account: &hearken::ids::AccountId, project: &hearken::ids::ProjectId, count: usize) {
    let items: Vec<FeedbackItem> = (0..count)
        .map(|i| {
            let input = NewFeedback::from_json(json!({"message": format!("feedback {i}")})).unwrap();
            FeedbackItem::new(account, project, input, Source::Api)
        })
        .collect();
    let batches = items.chunks(25).map(|chunk| {
        let requests: Vec<WriteRequest> = chunk
            .iter()
            .map(|item| {
                let put = PutRequest::builder().set_item(Some(serde_dynamo::to_item(item).unwrap())).build().unwrap();
                WriteRequest::builder().put_request(put).build()
            })
            .collect();
        let table = app.app.tables.feedback.clone();
        let db = app.app.db.clone();
        async move {
            let mut pending = requests;
            while !pending.is_empty() {
                let out = db.batch_write_item().request_items(&table, pending).send().await.unwrap();
                pending = out.unprocessed_items.and_then(|mut m| m.remove(&table)).unwrap_or_default();
            }
        }
    });
    stream::iter(batches).buffer_unordered(16).collect::<Vec<()>>().await;
    let (status, source) = (Some(hearken::feedback::Status::New), Some(Source::Api));
    let counters = [attribute(None, None), attribute(status, None), attribute(None, source), attribute(status, source)];
    let mut update = app
        .app
        .db
        .update_item()
        .table_name(&app.app.tables.projects)
        .key("id", s(project.as_str()))
        .update_expression("SET #c0 = :n, #c1 = :n, #c2 = :n, #c3 = :n")
        .expression_attribute_values(":n", n(count));
    for (i, counter) in counters.iter().enumerate() {
        update = update.expression_attribute_names(format!("#c{i}"), counter);
    }
    update.send().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_project_with_twenty_thousand_items_is_deleted_fast_and_completely() {
    let app = spawn_app().await;
    let (account, owner) = app.account(Plan::Pro).await;
    let (project, _) = app.project(&account).await;
    let started = Instant::now();
    seed(&app, &account.id, &project.id, ITEMS).await;
    eprintln!("seeded {ITEMS} items in {:?}", started.elapsed());
    let listed = Reply::from(
        app.http
            .get(app.url(&format!("/api/projects/{}/feedback?limit=1", project.id)))
            .header("x-api-key", owner.expose())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(listed.body["pagination"]["total"], ITEMS);

    let asked = Instant::now();
    let deleted = Reply::from(
        app.http
            .delete(app.url(&format!("/api/projects/{}", project.id)))
            .header("x-api-key", owner.expose())
            .send()
            .await
            .unwrap(),
    )
    .await;
    let answered = asked.elapsed();
    eprintln!("DELETE answered in {answered:?} ({:?})", deleted.header("server-timing"));
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    assert!(answered < Duration::from_secs(29), "DELETE took {answered:?}");
    let gone = Reply::from(
        app.http
            .get(app.url(&format!("/api/projects/{}", project.id)))
            .header("x-api-key", owner.expose())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(gone.status, 404);

    let removed = eventually(Duration::from_secs(300), || async {
        keys_of_project(&app.app, &project.id, 1).await.unwrap().is_empty()
    })
    .await;
    eprintln!("background removal finished {:?} after the DELETE", asked.elapsed());
    assert!(removed, "feedback of the deleted project is left behind");
    assert!(app.all_items(&app.app.tables.feedback).await.is_empty());
}
