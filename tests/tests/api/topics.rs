//! Topics appear on survey responses by themselves: a response posted to the public page is
//! embedded by the topics function (the feedback table's stream consumer, run by the local stack
//! as Lambda would) and gets its topics within seconds; `/topics` counts what `/feedback` shows.

use hearken::plans::Plan;
use hearken_tests::{eventually, spawn_app};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::Duration;

const ANSWERS: [(u8, &str); 12] = [
    (1, "The courier was over an hour late and the food was cold."),
    (2, "Delivery took ages again, almost 90 minutes."),
    (2, "Late delivery, the driver got lost twice."),
    (5, "Delivery was quick, arrived in 20 minutes!"),
    (2, "The soup was lukewarm when it arrived."),
    (1, "Cold fries and a cold burger, not acceptable."),
    (3, "Food arrived cold but the taste was fine."),
    (2, "The app keeps crashing at checkout."),
    (3, "Checkout in the app is confusing and it logged me out."),
    (2, "The app freezes when I search for restaurants."),
    (5, "Great!"),
    (4, "meh"),
];

#[tokio::test]
async fn responses_get_topics_without_any_manual_step() {
    let app = spawn_app().await;
    let (_, key) = app.account(Plan::Business).await;
    let survey = app
        .call(
            "POST",
            "/api/v1/surveys",
            key.expose(),
            Some(json!({"name": "Delivery", "questions": [
                {"type": "RATING", "text": "How was it?", "required": true},
                {"type": "TEXT", "text": "What could we do better?"}
            ]})),
        )
        .await;
    assert_eq!(survey.status, 201, "{}", survey.body);
    let id = survey.body["data"]["id"].as_str().unwrap().to_owned();
    let (rating, text) =
        (survey.body["data"]["questions"][0]["id"].clone(), survey.body["data"]["questions"][1]["id"].clone());
    for (stars, words) in ANSWERS {
        let body = json!({"answers": {rating.as_str().unwrap(): stars, text.as_str().unwrap(): words}});
        let posted = app.http.post(app.url(&format!("/s/{id}"))).json(&body).send().await.unwrap();
        assert_eq!(posted.status(), 201);
    }

    let feedback = format!("/api/v1/surveys/{id}/feedback?limit=100");
    let processed = eventually(Duration::from_secs(60), || async {
        let page = app.call("GET", &feedback, key.expose(), None).await;
        let items = page.body["data"].as_array().cloned().unwrap_or_default();
        items.len() == ANSWERS.len() && items.iter().all(|r| r["topics"].is_array())
    })
    .await;
    assert!(processed, "every response gets its topics (a list) within a minute");

    // Wait until the assignment settles (a derivation may still be re-assigning), then compare.
    let listed = app.call("GET", &feedback, key.expose(), None).await.body["data"].as_array().cloned().unwrap();
    let mut counted: BTreeMap<String, u64> = BTreeMap::new();
    for response in &listed {
        for topic in response["topics"].as_array().unwrap() {
            *counted.entry(topic.as_str().unwrap().to_owned()).or_default() += 1;
        }
    }
    let topics = app.call("GET", &format!("/api/v1/surveys/{id}/topics"), key.expose(), None).await;
    assert_eq!(topics.status, 200, "{}", topics.body);
    let reported: BTreeMap<String, u64> = topics.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["topic"].as_str().unwrap().to_owned(), t["mentions"].as_u64().unwrap()))
        .collect();
    assert_eq!(reported, counted, "/topics counts what /feedback shows");
    assert!(!reported.is_empty(), "complaints about lateness, cold food and the app make topics: {listed:?}");
    let generic: Vec<&Value> =
        listed.iter().filter(|r| r["answers"][1]["value"] == "Great!" || r["answers"][1]["value"] == "meh").collect();
    assert!(generic.iter().all(|r| r["topics"] == json!([])), "generic answers carry no topic: {generic:?}");
}
