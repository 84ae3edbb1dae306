//! The reference's curl example and HTTP surface (the key taken three ways with rate-limit
//! headers, 405 and 413), and the monthly quota left untouched by customers' responses.

use crate::common::surveys::*;
use hearken_tests::{encode, spawn_app, Reply};
use serde_json::{json, Value};

#[tokio::test]
async fn the_reference_curl_example_lists_the_surveys() {
    let app = spawn_app().await;
    let (_, key) = business(&app).await;
    let id = id_of(&create(&app, &key, delivery_survey("Curl")).await);
    // The reference: curl https://app.ratemind.net/api/v1/surveys \ -H "Authorization: Bearer sk_live_…"
    let args = vec![
        "-sS".to_owned(),
        "--max-time".to_owned(),
        "30".to_owned(),
        "-w".to_owned(),
        "\n%{http_code}".to_owned(),
        format!("{}/api/v1/surveys", app.base),
        "-H".to_owned(),
        format!("Authorization: Bearer {key}"),
    ];
    let output = tokio::task::spawn_blocking(move || std::process::Command::new("curl").args(&args).output())
        .await
        .unwrap()
        .expect("curl runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let (body, status) = stdout.rsplit_once('\n').expect("the status after the body");
    assert_eq!(status, "200", "{body}");
    let body: Value = serde_json::from_str(body).expect("JSON");
    assert_eq!(ids(body["data"].as_array().unwrap()), [id]);
    assert_eq!(body["nextCursor"], Value::Null);
}

#[tokio::test]
async fn responses_use_none_of_the_accounts_monthly_calls() {
    let app = spawn_app().await;
    let (account, key) = business(&app).await;
    let survey = create(&app, &key, delivery_survey("Quota")).await;
    let id = id_of(&survey);
    let rating = question_ids(&survey)[0].clone();
    let usage = |reply: Reply| reply.body["data"]["usage"]["calls"].as_u64().expect("usage.calls");
    let first = usage(app.call("GET", "/api/v1/account", &key, None).await);
    let stored_before = app.calls_this_month(&account).await;
    for rating_value in 1..=5 {
        answer(&app, &id, json!({ rating.clone(): rating_value })).await;
    }
    let refused = respond(&app, &id, json!({ rating.clone(): 9 })).await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert_eq!(app.calls_this_month(&account).await, stored_before, "posts counted nothing");
    let second = usage(app.call("GET", "/api/v1/account", &key, None).await);
    assert_eq!(second, first + 1, "only the GET itself was counted");
    // Reading them is an API call like any other.
    assert_eq!(listed(&app, &key, &feedback_path(&id)).await.len(), 5);
    assert_eq!(usage(app.call("GET", "/api/v1/account", &key, None).await), first + 3);
}

#[tokio::test]
async fn the_key_is_taken_three_ways_and_answers_carry_rate_limit_headers() {
    let app = spawn_app().await;
    let (_, key) = business(&app).await;
    let id = id_of(&create(&app, &key, delivery_survey("Ways")).await);
    let url = app.url("/api/v1/surveys");
    for (what, request) in [
        ("x-api-key", app.http.get(&url).header("x-api-key", &key)),
        ("Authorization: Bearer", app.http.get(&url).bearer_auth(&key)),
        ("?api_key=", app.http.get(format!("{url}?api_key={}", encode(&key)))),
    ] {
        let reply = Reply::from(request.send().await.unwrap()).await;
        assert_eq!(reply.status, 200, "{what}: {}", reply.body);
        assert_eq!(ids(reply.body["data"].as_array().unwrap()), [id.as_str()], "{what}");
        for header in ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"] {
            assert!(reply.header(header).is_some(), "{what}: {header}");
        }
        assert_eq!(reply.header("x-ratelimit-limit"), Some("1200"), "{what}: the BUSINESS plan's limit");
    }
}

#[tokio::test]
async fn wrong_methods_answer_405_and_oversized_bodies_413() {
    let app = spawn_app().await;
    let (_, key) = business(&app).await;
    let id = id_of(&create(&app, &key, delivery_survey("Methods")).await);
    for (method, path) in [
        ("DELETE", survey_path(&id)),
        ("PUT", survey_path(&id)),
        ("POST", survey_path(&id)),
        ("DELETE", "/api/v1/surveys".to_owned()),
        ("POST", feedback_path(&id)),
    ] {
        let reply = app.call(method, &path, &key, None).await;
        assert_eq!((reply.status, reply.error()), (405, "Method not allowed"), "{method} {path}: {}", reply.body);
        assert!(reply.header("allow").is_some(), "{method} {path}: Allow");
    }
    let mut big = delivery_survey("Big");
    big["welcomeMessage"] = json!("x".repeat(70 * 1024));
    for (method, path) in [("POST", "/api/v1/surveys".to_owned()), ("PATCH", survey_path(&id))] {
        let reply = app.call(method, &path, &key, Some(big.clone())).await;
        assert_eq!(
            (reply.status, reply.error()),
            (413, "Request body is too large: the limit is 65536 bytes."),
            "{method} {path}"
        );
    }
    assert_eq!(listed(&app, &key, "/api/v1/surveys").await, [id]);
}
