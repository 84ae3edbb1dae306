//! 200 responses posted to one survey at once: all stored once, every counter exact. Its own test
//! binary, so the burst meets no other test's load on the shared DynamoDB Local (which applies
//! transactions one at a time; see the README on the local stack's timeouts).

#[path = "api/common/page.rs"]
mod page;

use hearken::plans::Plan;
use hearken_tests::{spawn_app_with, Reply};
use page::*;
use serde_json::json;
use std::collections::{HashMap, HashSet};

// ---------------------------------------------------------------------------------------------
// Concurrency
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn two_hundred_parallel_responses_are_all_stored_and_counted() {
    const N: usize = 200;
    let app = spawn_app_with(|app| app.settings.survey_responses_per_ip_per_minute = 1000).await;
    let (account, key) = app.account(Plan::Business).await;
    let (project, project_key) = app.project(&account).await;
    let mut body = standard_survey();
    body["projectId"] = json!(project.id.to_string());
    let data = create_survey(&app, &key, body).await;
    assert_eq!(data["projectId"], project.id.to_string());
    let id = data["id"].as_str().unwrap().to_owned();
    let q = question_ids(&data);

    let posts = (0..N).map(|i| {
        let answers = json!({ &q[0]: (i % 5) + 1, &q[1]: format!("r{i}"), &q[3]: ["Bread"] });
        let request = app
            .http
            .post(app.url(&page_path(&id)))
            .header("content-type", "application/json")
            .body(json!({ "answers": answers }).to_string())
            .send();
        async move { Reply::from(request.await.expect("the gateway answers")).await }
    });
    let replies = futures::future::join_all(posts).await;
    let mut created = HashSet::new();
    let mut refused: HashMap<(u16, String), usize> = HashMap::new();
    for reply in &replies {
        if reply.status == 201 {
            created.insert(reply.body["data"]["id"].as_str().expect("id").to_owned());
        } else {
            *refused.entry((reply.status, reply.body.to_string())).or_default() += 1;
        }
    }
    let accepted = replies.iter().filter(|r| r.status == 201).count();
    assert_eq!(created.len(), accepted, "distinct ids");

    // What was accepted is stored exactly once, and every counter agrees with it...
    let listed = responses(&app, &key, &id).await;
    let listed_ids: HashSet<String> = listed.iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(listed.len(), listed_ids.len(), "no response listed twice");
    let unlisted: Vec<&String> = created.difference(&listed_ids).collect();
    let unannounced: Vec<&String> = listed_ids.difference(&created).collect();
    assert!(
        unlisted.is_empty() && unannounced.is_empty(),
        "the API lists exactly the accepted responses: {} accepted but not listed {unlisted:?}, {} listed but \
         answered {refused:?} {unannounced:?}",
        unlisted.len(),
        unannounced.len()
    );
    let texts: HashSet<String> = listed.iter().map(|r| answers_of(r)[&q[1]].as_str().unwrap().to_owned()).collect();
    assert_eq!(texts.len(), listed.len(), "every response kept its own answers");
    assert_eq!(response_count(&app, &key, &id).await, accepted, "responseCount");
    // Filed in the project's feedback too, with the project's total exact.
    let url = app.url(&format!("/api/projects/{}/feedback", project.id));
    let project_list =
        Reply::from(app.http.get(url).header("x-api-key", project_key.expose()).send().await.unwrap()).await;
    assert_eq!(project_list.status, 200, "{}", project_list.body);
    assert_eq!(project_list.body["pagination"]["total"], accepted, "{}", project_list.body["pagination"]);
    assert_eq!(project_list.body["data"][0]["source"], "SURVEY");

    // ...and every one of the parallel posts was accepted.
    assert_eq!(accepted, N, "{} of {N} parallel posts were not accepted: {refused:?}", N - accepted);
    let low = listed.iter().filter(|r| r["lowRated"] == true).count();
    assert_eq!(low, 2 * N / 5, "ratings 1 and 2 are below the threshold of 3");
}
