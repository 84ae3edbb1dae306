//! The numbers: `/analytics` and `/topics` add up the responses, live and after the rollup.

use crate::common::analytics::*;
use chrono::NaiveDate;
use hearken::rollup_job;
use hearken::time::Timestamp;
use hearken_tests::spawn_app_without_topics;
use serde_json::{json, Value};
use std::collections::HashMap;

#[tokio::test]
async fn analytics_and_topics_add_up_the_responses() {
    let app = spawn_app_without_topics().await;
    let key = business(&app).await;
    let today = today().await;
    let mut fixture = create_survey(&app, &key, 3).await;
    let id = fixture.id.clone();
    let (a, b) = (days_before(today, 3), days_before(today, 1));
    let from = days_before(today, 4);

    // Nothing yet: zeros, nulls, every key of the distribution, every day of the trend.
    let empty = data(&app, &key, &analytics_path(&id, from, today)).await;
    let zero_day =
        |day: NaiveDate| json!({"date": day.to_string(), "responses": 0, "averageRating": null, "lowRated": 0});
    assert_eq!(
        empty,
        json!({
            "from": from.to_string(), "to": today.to_string(),
            "responseCount": 0, "completedCount": 0, "completionRate": null, "averageRating": null,
            "lowRatedCount": 0, "ratingDistribution": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0},
            "dailyTrend": from.iter_days().take(5).map(zero_day).collect::<Vec<_>>()
        })
    );
    assert_eq!(data(&app, &key, &topics_path(&id, from, today, 20)).await, json!([]));

    // Threshold 3: a response rated 1 or 2 is low.
    let mut facts = write_all(
        &app,
        &fixture.item,
        vec![
            spec(at(a, 1_000), Some(5), true, true),
            spec(at(a, 2_000), Some(1), true, false),
            spec(at(a, 3_000), Some(2), true, true),
            spec(at(a, 4_000), None, true, true),
            spec(at(b, 1_000), Some(4), true, true),
            spec(at(b, 2_000), Some(4), false, false),
            spec(at(b, 3_000), Some(3), true, true),
            spec(Timestamp::now(), Some(1), true, true),
        ],
    )
    .await;
    // From now on 4 is low too; the responses above keep their flag.
    set_threshold(&app, &key, &mut fixture, 5).await;
    let now = Timestamp::now();
    facts.extend(
        write_all(&app, &fixture.item, vec![spec(now, Some(4), true, true), spec(now, Some(5), false, true)]).await,
    );
    facts.sort_by_key(|f| f.id.clone());

    let by =
        |rating: Option<u8>, day: NaiveDate| facts.iter().position(|f| f.rating == rating && f.day == day).unwrap();
    let topics: Vec<(usize, Vec<&str>)> = vec![
        (by(Some(5), a), vec!["delivery time", "prices"]),
        (by(Some(1), a), vec!["delivery time"]),
        (by(Some(2), a), vec!["delivery time", "delivery time"]),
        (by(None, a), vec!["prices", "packaging"]),
        (by(Some(4), b), vec![]),
        (by(Some(1), today), vec!["customer service"]),
        (by(Some(5), today), vec!["prices"]),
    ];
    set_all_topics(&app, &id, &mut facts, topics).await;

    let expected = json!({
        "from": from.to_string(), "to": today.to_string(),
        "responseCount": 10, "completedCount": 6, "completionRate": 0.6, "averageRating": 3.22,
        "lowRatedCount": 4, "ratingDistribution": {"1": 2, "2": 1, "3": 1, "4": 3, "5": 2},
        "dailyTrend": [
            zero_day(from),
            {"date": a.to_string(), "responses": 4, "averageRating": 2.67, "lowRated": 2},
            zero_day(days_before(today, 2)),
            {"date": b.to_string(), "responses": 3, "averageRating": 3.67, "lowRated": 0},
            {"date": today.to_string(), "responses": 3, "averageRating": 3.33, "lowRated": 2},
        ]
    });
    let expected_topics = json!([
        {"topic": "delivery time", "mentions": 3, "averageRating": 2.67, "share": 0.3},
        {"topic": "prices", "mentions": 3, "averageRating": 5.0, "share": 0.3},
        {"topic": "customer service", "mentions": 1, "averageRating": 1.0, "share": 0.1},
        {"topic": "packaging", "mentions": 1, "averageRating": null, "share": 0.1},
    ]);
    let one_day = json!({
        "from": a.to_string(), "to": a.to_string(),
        "responseCount": 4, "completedCount": 2, "completionRate": 0.5, "averageRating": 2.67,
        "lowRatedCount": 2, "ratingDistribution": {"1": 1, "2": 1, "3": 0, "4": 0, "5": 1},
        "dailyTrend": [{"date": a.to_string(), "responses": 4, "averageRating": 2.67, "lowRated": 2}]
    });
    let today_topics = json!([
        {"topic": "customer service", "mentions": 1, "averageRating": 1.0, "share": 0.3333},
        {"topic": "prices", "mentions": 1, "averageRating": 5.0, "share": 0.3333},
    ]);
    let unrated_day = json!([
        {"topic": "delivery time", "mentions": 3, "averageRating": 2.67, "share": 0.75},
        {"topic": "prices", "mentions": 2, "averageRating": 5.0, "share": 0.5},
    ]);
    for stage in ["live", "after the rollup"] {
        if stage == "after the rollup" {
            let report = rollup_job::run(&app.app, today, far()).await.unwrap();
            assert_eq!((report.days, report.responses_read, report.stopped_early), (2, 7, false), "{report:?}");
        }
        let answer = data(&app, &key, &analytics_path(&id, from, today)).await;
        assert_eq!(first_difference(&answer, &expected, "data"), None, "{stage}");
        check_analytics(&answer, &facts, from, today, stage);
        let answer = data(&app, &key, &topics_path(&id, from, today, 20)).await;
        assert_eq!(first_difference(&answer, &expected_topics, "data"), None, "{stage}");
        let answer = data(&app, &key, &topics_path(&id, from, today, 2)).await;
        assert_eq!(answer, json!(expected_topics.as_array().unwrap()[..2]), "{stage}: limit 2");
        let answer = data(&app, &key, &analytics_path(&id, a, a)).await;
        assert_eq!(first_difference(&answer, &one_day, "data"), None, "{stage}: one day");
        let answer = data(&app, &key, &topics_path(&id, today, today, 20)).await;
        assert_eq!(first_difference(&answer, &today_topics, "data"), None, "{stage}: today's topics");
        let answer = data(&app, &key, &topics_path(&id, a, a, 2)).await;
        assert_eq!(first_difference(&answer, &unrated_day, "data"), None, "{stage}: day a's topics");
    }

    // `/feedback` lists each response's topics by the same names (null until processed).
    let listed = data(&app, &key, &format!("/api/v1/surveys/{id}/feedback?limit=100")).await;
    let listed: HashMap<&str, &Value> =
        listed.as_array().unwrap().iter().map(|r| (r["id"].as_str().unwrap(), &r["topics"])).collect();
    assert_eq!(listed.len(), facts.len());
    for fact in &facts {
        assert_eq!(listed[fact.id.as_str()], &json!(fact.topics), "{fact:?}");
    }

    // A survey whose responses have no rating: a completion rate, no average.
    let unrated = create_survey(&app, &key, 3).await;
    let facts = write_all(
        &app,
        &unrated.item,
        vec![
            spec(Timestamp::now(), None, true, true),
            spec(Timestamp::now(), None, true, false),
            spec(Timestamp::now(), None, false, false),
        ],
    )
    .await;
    let answer = data(&app, &key, &analytics_path(&unrated.id, today, today)).await;
    check_analytics(&answer, &facts, today, today, "unrated");
    assert_eq!((answer["completionRate"].clone(), answer["averageRating"].clone()), (json!(0.0), json!(null)));
    assert_eq!(answer["dailyTrend"][0]["averageRating"], json!(null));
}
