//! Cost: a rolled-up range costs the same DynamoDB calls whatever the number of responses.

use crate::common::analytics::*;
use hearken::rollup_job;
use hearken::time::Timestamp;
use hearken_tests::{settle_in_one_minute_window, spawn_app_without_topics, Reply};

#[tokio::test]
async fn a_rolled_up_range_costs_the_same_calls_whatever_the_number_of_responses() {
    let app = spawn_app_without_topics().await;
    let key = business(&app).await;
    let today = today().await;
    let (few, many) = (create_survey(&app, &key, 3).await, create_survey(&app, &key, 3).await);
    // 90 days: responses on every past day of the range and today, 30 in one survey, 300 in the
    // other.
    for (fixture, count) in [(&few, 30), (&many, 300)] {
        let specs = (0..count)
            .map(|i| {
                let day = if i % 10 == 0 { today } else { days_before(today, 1 + (i * 7) % 89) };
                let when = if day == today { Timestamp::now() } else { at(day, i * 1_000) };
                spec(when, Some(1 + (i % 5) as u8), true, i % 2 == 0)
            })
            .collect();
        write_all(&app, &fixture.item, specs).await;
    }
    rollup_job::run(&app.app, today, far()).await.unwrap();

    settle_in_one_minute_window().await;
    let from = days_before(today, 89);
    // The key's first call of the minute also writes its last-used time: not measured.
    data(&app, &key, &analytics_path(&few.id, from, today)).await;
    let mut costs = vec![];
    for path in [
        analytics_path(&few.id, from, today),
        analytics_path(&many.id, from, today),
        topics_path(&few.id, from, today, 20),
        topics_path(&many.id, from, today, 20),
    ] {
        let reply: Reply = app.call("GET", &path, &key, None).await;
        assert_eq!(reply.status, 200, "{path}: {}", reply.body);
        let (calls, rounds) = reply.db_calls_and_rounds();
        assert!(rounds <= 4, "{path}: {rounds} rounds ({})", reply.header("server-timing").unwrap());
        costs.push(calls);
    }
    assert_eq!(costs[0], costs[1], "/analytics: 30 and 300 responses cost the same calls ({costs:?})");
    assert_eq!(costs[2], costs[3], "/topics: 30 and 300 responses cost the same calls ({costs:?})");
}
