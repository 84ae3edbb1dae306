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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removal_cut_short_loses_nothing_and_a_rerun_finishes_it() {
    let app = spawn_app().await;
    let (account, _) = app.account(Plan::Pro).await;
    // A project whose item is already gone (as after a DELETE) and whose feedback is not.
    let project = hearken::ids::ProjectId::generate();
    seed(&app, &account.id, &project, 3_000).await;
    let counts = hearken::store::counters::account_counts_id(&account.id);
    let mark = app
        .app
        .db
        .update_item()
        .table_name(&app.app.tables.projects)
        .key("id", s(counts))
        .update_expression("ADD deleting :p");
    mark.expression_attribute_values(":p", aws_sdk_dynamodb::types::AttributeValue::Ss(vec![project.to_string()]))
        .send()
        .await
        .unwrap();

    // The first run is killed part-way, as a Lambda timeout or crash would.
    let (first_app, first_account, first_project) = (app.app.clone(), account.id.clone(), project.clone());
    let first = tokio::spawn(async move {
        hearken::project_removal::remove_project_feedback(&first_app, &first_account, &first_project).await
    });
    let started = Instant::now();
    while keys_of_project(&app.app, &project, 3_000).await.unwrap().len() == 3_000
        && started.elapsed() < Duration::from_secs(20)
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    first.abort();
    let left = keys_of_project(&app.app, &project, 3_000).await.unwrap().len();
    assert!(left < 3_000, "the first run deleted nothing");
    let still_marked = hearken::store::projects::account_counts(&app.app, &account.id).await.unwrap();
    assert_eq!(
        hearken::store::projects::deleting_in(&still_marked),
        std::slice::from_ref(&project),
        "an unfinished removal stays marked"
    );

    // The retry picks up what is left and finishes.
    let removed = hearken::project_removal::remove_project_feedback(&app.app, &account.id, &project).await.unwrap();
    // An index may still show a just-deleted key for a moment; deleting it again is harmless.
    assert!(removed as usize >= left, "removed {removed} of {left}");
    assert!(keys_of_project(&app.app, &project, 10).await.unwrap().is_empty());
    let done = hearken::store::projects::account_counts(&app.app, &account.id).await.unwrap();
    assert!(hearken::store::projects::deleting_in(&done).is_empty());
}
