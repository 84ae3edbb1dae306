//! UTC day boundaries: a response belongs to its UTC day, to the millisecond.

use crate::common::analytics::*;
use hearken::rollup_job;
use hearken_tests::spawn_app_without_topics;
use serde_json::{json, Value};
use std::collections::BTreeSet;

#[tokio::test]
async fn a_response_belongs_to_its_utc_day_to_the_millisecond() {
    let app = spawn_app_without_topics().await;
    let key = business(&app).await;
    let today = today().await;
    let fixture = create_survey(&app, &key, 3).await;
    let id = fixture.id.clone();
    let (d, y) = (days_before(today, 2), days_before(today, 1));
    let mut facts = write_all(
        &app,
        &fixture.item,
        vec![
            spec(at(d, DAY_MS - 1), Some(1), true, true),  // d 23:59:59.999
            spec(at(y, 0), Some(5), true, true),           // y 00:00:00.000
            spec(at(y, DAY_MS - 1), Some(2), true, false), // y 23:59:59.999
            spec(at(today, 0), Some(4), true, true),       // today 00:00:00.000
        ],
    )
    .await;
    facts.sort_by_key(|f| f.id.clone());
    assert_eq!(facts.iter().map(|f| f.day).collect::<Vec<_>>(), [d, y, y, today]);
    let topics = vec![
        (0, vec!["late evening"]),
        (1, vec!["early morning"]),
        (2, vec!["late evening"]),
        (3, vec!["early morning"]),
    ];
    set_all_topics(&app, &id, &mut facts, topics).await;

    let listed = data(&app, &key, &format!("/api/v1/surveys/{id}/feedback")).await;
    let mut times: Vec<&str> = listed.as_array().unwrap().iter().map(|r| r["createdAt"].as_str().unwrap()).collect();
    times.sort();
    assert_eq!(
        times,
        [
            format!("{d}T23:59:59.999Z"),
            format!("{y}T00:00:00.000Z"),
            format!("{y}T23:59:59.999Z"),
            format!("{today}T00:00:00.000Z")
        ]
    );

    let mut reads = vec![analytics_read(&id, days_before(today, 3), today)];
    for day in [days_before(today, 3), d, y, today] {
        reads.push(analytics_read(&id, day, day));
        reads.push(topics_read(&id, day, day, 20));
    }
    let live = read_all(&app, &key, &reads).await;
    check_reads(&reads, &live, &facts, "live");
    let trend: Vec<(Value, Value)> = live[0]["dailyTrend"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["responses"].clone(), e["averageRating"].clone()))
        .collect();
    assert_eq!(
        trend,
        [(json!(0), json!(null)), (json!(1), json!(1.0)), (json!(2), json!(3.5)), (json!(1), json!(4.0))]
    );

    let report = rollup_job::run(&app.app, today, far()).await.unwrap();
    assert_eq!((report.days, report.responses_read), (2, 3));
    let items = day_items(&app, &id).await;
    check_rollup_items(&items, &facts, today, "rolled up");
    assert_eq!(items.marked(), BTreeSet::from([today]));
    let rolled = read_all(&app, &key, &reads).await;
    assert_same_answers(&reads, &live, &rolled, "live vs rolled up");
}
