//! Parameters and errors: the range (default, limits, order, dates and datetimes) and `/topics`'
//! limit.

use crate::common::analytics::*;
use hearken::time::Timestamp;
use hearken_tests::{encode, spawn_app_without_topics};
use serde_json::json;

#[tokio::test]
async fn the_range_defaults_to_the_last_thirty_days_and_is_checked() {
    let app = spawn_app_without_topics().await;
    let key = business(&app).await;
    let today = today().await;
    let fixture = create_survey(&app, &key, 3).await;
    let id = fixture.id.as_str();
    let facts = write_all(
        &app,
        &fixture.item,
        vec![
            spec(Timestamp::now(), Some(4), true, true),
            spec(at(days_before(today, 29), 1_000), Some(2), false, false),
            spec(at(days_before(today, 30), 1_000), Some(5), true, true),
            spec(at(days_before(today, 365), 0), Some(1), true, true),
            spec(at(days_before(today, 366), DAY_MS - 1), Some(1), true, true),
        ],
    )
    .await;

    // No range: the last 30 days, today included.
    let base = format!("/api/v1/surveys/{id}/analytics");
    let answer = data(&app, &key, &base).await;
    check_analytics(&answer, &facts, days_before(today, 29), today, "no range");
    let trend = answer["dailyTrend"].as_array().unwrap();
    assert_eq!(trend.len(), 30);
    assert_eq!(trend.first().unwrap()["date"], json!(days_before(today, 29).to_string()));
    assert_eq!(trend.last().unwrap()["date"], json!(today.to_string()));
    assert_eq!(answer["responseCount"], 2, "the response 30 days ago is outside the default range");

    // `from` alone runs to today.
    let from = days_before(today, 3);
    let answer = data(&app, &key, &format!("{base}?from={from}")).await;
    check_analytics(&answer, &facts, from, today, "from only");

    // An explicit range, and a single day.
    let (from, to) = (days_before(today, 40), days_before(today, 10));
    check_analytics(&data(&app, &key, &analytics_path(id, from, to)).await, &facts, from, to, "explicit range");
    let day = days_before(today, 30);
    let answer = data(&app, &key, &analytics_path(id, day, day)).await;
    check_analytics(&answer, &facts, day, day, "one day");
    assert_eq!((answer["responseCount"].clone(), answer["dailyTrend"].as_array().unwrap().len()), (json!(1), 1));

    // 366 days are allowed; 367 are not.
    let year = analytics_path(id, days_before(today, 365), today);
    let answer = data(&app, &key, &year).await;
    check_analytics(&answer, &facts, days_before(today, 365), today, "366 days");
    assert_eq!(answer["dailyTrend"].as_array().unwrap().len(), 366);
    assert_eq!(answer["responseCount"], 4, "the first day of the 366 is in, the day before is out");
    let error = bad_request(&app, &key, &analytics_path(id, days_before(today, 366), today)).await;
    assert!(error.contains("366"), "a 367-day range names the limit: {error}");
    let error = bad_request(&app, &key, &topics_path(id, days_before(today, 366), today, 20)).await;
    assert!(error.contains("366"), "{error}");
    assert_eq!(data(&app, &key, &topics_path(id, days_before(today, 365), today, 20)).await, json!([]));

    // `from` after `to`.
    for path in [
        analytics_path(id, today, days_before(today, 1)),
        topics_path(id, today, days_before(today, 1), 20),
        format!("{base}?from={}", today.succ_opt().unwrap()),
    ] {
        let error = bad_request(&app, &key, &path).await;
        assert!(error.contains("from") && error.contains("to"), "{path}: {error}");
    }

    // Malformed dates, in either parameter, on either route.
    for bad in ["2026-02-30", "2026-13-01", "yesterday", "30/11/2026", "2026-11-30T25:00:00Z"] {
        for (name, other) in [("from", "to"), ("to", "from")] {
            for route in ["analytics", "topics"] {
                let path =
                    format!("/api/v1/surveys/{id}/{route}?{name}={}&{other}={}", encode(bad), days_before(today, 1));
                let error = bad_request(&app, &key, &path).await;
                assert!(error.contains(name), "{path}: the error names '{name}': {error}");
            }
        }
    }

    // A datetime counts as its UTC day.
    let day = days_before(today, 30);
    let from = format!("{}T23:00:00-02:00", days_before(day, 1)); // day, 01:00 UTC
    let to = format!("{}T01:00:00+03:00", day.succ_opt().unwrap()); // day, 22:00 UTC
    let answer = data(&app, &key, &format!("{base}?from={}&to={}", encode(&from), encode(&to))).await;
    check_analytics(&answer, &facts, day, day, "datetimes");
    let to = format!("{day}T23:59:59.999Z");
    let answer = data(&app, &key, &format!("{base}?from={}&to={}", encode(&to), encode(&to))).await;
    check_analytics(&answer, &facts, day, day, "a UTC datetime");
}

#[tokio::test]
async fn topics_take_a_limit_from_1_to_100_default_20() {
    let app = spawn_app_without_topics().await;
    let key = business(&app).await;
    let today = today().await;
    let fixture = create_survey(&app, &key, 3).await;
    let id = fixture.id.clone();
    // 25 topics, topic i mentioned by i + 1 responses (so the order is by mentions).
    let specs: Vec<Spec> = (0..25)
        .map(|i| spec(at(days_before(today, 1 + i % 5), 60_000 * i), Some(1 + (i % 5) as u8), true, true))
        .collect();
    let mut facts = write_all(&app, &fixture.item, specs).await;
    let names: Vec<String> = (0..25).map(|i| format!("topic {i:02}")).collect();
    let topics: Vec<(usize, Vec<&str>)> = (0..25)
        .map(|r| (r, names.iter().enumerate().filter(|(i, _)| *i >= r).map(|(_, n)| n.as_str()).collect()))
        .collect();
    set_all_topics(&app, &id, &mut facts, topics).await;

    let base = format!("/api/v1/surveys/{id}/topics");
    let from = days_before(today, 29);
    let default = data(&app, &key, &base).await;
    assert_eq!(default.as_array().unwrap().len(), 20, "{default}");
    check_topics(&default, &facts, from, today, 20, "no limit");
    assert_eq!(default[0]["topic"], "topic 24");
    assert_eq!(default[0]["mentions"], 25);
    assert_eq!(default[0]["share"], 1.0);
    for limit in [1, 7, 25, 100] {
        let answer = data(&app, &key, &format!("{base}?limit={limit}")).await;
        check_topics(&answer, &facts, from, today, limit, &format!("limit={limit}"));
    }
    for limit in ["0", "101", "x", "-1", "2.5", "1e2"] {
        let error = bad_request(&app, &key, &format!("{base}?limit={limit}")).await;
        assert!(error.contains("limit"), "limit={limit}: {error}");
    }
}
