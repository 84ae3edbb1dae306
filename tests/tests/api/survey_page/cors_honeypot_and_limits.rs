//! Cross-origin posts, the honeypot, the per-IP limit on posts, and the monthly quota left alone.

use crate::common::page::*;
use hearken::plans::Plan;
use hearken_tests::{settle_in_one_minute_window, spawn_app, spawn_app_with, Reply};
use serde_json::json;

#[tokio::test]
async fn cross_origin_scripts_may_post() {
    let app = spawn_app().await;
    let (_, survey) = standard(&app).await;
    let preflight = app
        .http
        .request(reqwest::Method::OPTIONS, app.url(&page_path(&survey.id)))
        .header("origin", "https://shop.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send();
    let reply = Reply::from(preflight.await.unwrap()).await;
    assert!(reply.status == 204 || reply.status == 200, "{}", reply.status);
    assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
    let methods = reply.header("access-control-allow-methods").expect("allow-methods");
    assert!(methods.split(',').any(|m| m.trim() == "POST"), "{methods}");
    let headers = reply.header("access-control-allow-headers").expect("allow-headers");
    assert!(headers.split(',').any(|h| h.trim().eq_ignore_ascii_case("content-type")), "{headers}");
    assert_eq!(stored_items(&app).await, 0, "a preflight stores nothing");

    let post = app
        .http
        .post(app.url(&page_path(&survey.id)))
        .header("origin", "https://shop.example")
        .json(&json!({"answers": valid_answers(&survey)}))
        .send();
    let reply = Reply::from(post.await.unwrap()).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
    let bad = app
        .http
        .post(app.url(&page_path(&survey.id)))
        .header("origin", "https://shop.example")
        .json(&json!({"answers": {}}))
        .send();
    let bad = Reply::from(bad.await.unwrap()).await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.header("access-control-allow-origin"), Some("*"), "errors too");
}

#[tokio::test]
async fn the_honeypot_drops_bot_posts_silently() {
    let app = spawn_app().await;
    let (key, survey) = standard(&app).await;
    let mut fields = valid_form(&survey);
    fields.retain(|(name, _)| *name != "website");
    fields.push(("website", "https://spam.example"));
    let page = post_form(&app, &survey.id, &fields).await;
    assert_eq!(page.status, 201, "{}", page.html);
    assert_eq!(page.text_by_id("thank-you").as_deref(), Some("Thank you! We read every answer."));

    let reply = post_json(&app, &survey.id, json!({"answers": valid_answers(&survey), "website": "x"})).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert!(reply.body["data"]["id"].as_str().is_some_and(|id| id.starts_with("rsp_")), "{}", reply.body);

    assert_eq!(stored_items(&app).await, 0, "bot posts are dropped");
    assert!(responses(&app, &key, &survey.id).await.is_empty());
    assert_eq!(response_count(&app, &key, &survey.id).await, 0);

    // An empty honeypot (what every browser sends) is a person.
    let person = post_json(&app, &survey.id, json!({"answers": valid_answers(&survey), "website": ""})).await;
    assert_eq!(person.status, 201, "{}", person.body);
    assert_eq!(responses(&app, &key, &survey.id).await.len(), 1);
}

#[tokio::test]
async fn posts_are_limited_per_client_ip_but_the_page_is_not() {
    let app = spawn_app_with(|app| app.settings.survey_responses_per_ip_per_minute = 5).await;
    let (key, survey) = standard(&app).await;
    let other = create_survey(&app, &key, standard_survey()).await;
    let other_id = other["id"].as_str().unwrap().to_owned();
    let other_q = question_ids(&other);
    settle_in_one_minute_window().await;

    for _ in 0..8 {
        assert_eq!(get_page(&app, &survey.id).await.status, 200, "viewing is not limited");
    }
    for i in 0..5 {
        let status = if i % 2 == 0 {
            post_form(&app, &survey.id, &valid_form(&survey)).await.status
        } else {
            post_json(&app, &survey.id, json!({"answers": valid_answers(&survey)})).await.status
        };
        assert_eq!(status, 201, "post {}", i + 1);
    }

    let page = post_form(&app, &survey.id, &valid_form(&survey)).await;
    assert_eq!(page.status, 429, "{}", page.html);
    assert!(page.is_html(), "a friendly page: {}", page.content_type);
    let rate_limited = page.by_id("rate-limited").unwrap_or_else(|| panic!("#rate-limited in:\n{}", page.html));
    assert_eq!(rate_limited.name(), "p");
    assert!(!text_of(rate_limited).is_empty());
    let wait: i64 = page.retry_after.as_deref().expect("Retry-After").parse().expect("seconds");
    assert!((1..=60).contains(&wait), "{wait}");

    let reply = post_json(&app, &survey.id, json!({"answers": valid_answers(&survey)})).await;
    assert_eq!(reply.status, 429, "{}", reply.body);
    assert!(!reply.error().is_empty(), "{}", reply.body);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    let wait: i64 = reply.header("retry-after").expect("Retry-After").parse().expect("seconds");
    assert!((1..=60).contains(&wait), "{wait}");

    // The limit is the client's, whichever survey it answers.
    let elsewhere = json!({"answers": { &other_q[0]: 3, &other_q[3]: ["Wine"] }});
    assert_eq!(post_json(&app, &other_id, elsewhere).await.status, 429);

    assert_eq!(get_page(&app, &survey.id).await.status, 200, "the page still shows");
    assert_eq!(responses(&app, &key, &survey.id).await.len(), 5);
    assert_eq!(stored_items(&app).await, 5);
}

#[tokio::test]
async fn responses_do_not_count_against_the_monthly_quota() {
    let app = spawn_app().await;
    let (account, key) = app.account(Plan::Business).await;
    let data = create_survey(&app, &key, standard_survey()).await;
    let id = data["id"].as_str().unwrap().to_owned();
    let q = question_ids(&data);
    let survey = Survey { id, rating: q[0].clone(), text: q[1].clone(), single: q[2].clone(), multiple: q[3].clone() };

    let usage = |reply: &Reply| reply.body["data"]["usage"]["calls"].as_u64().expect("usage.calls");
    let before = app.call("GET", "/api/v1/account", key.expose(), None).await;
    assert_eq!(before.status, 200, "{}", before.body);
    let counted_before = app.calls_this_month(&account).await;
    for _ in 0..3 {
        assert_eq!(post_form(&app, &survey.id, &valid_form(&survey)).await.status, 201);
        assert_eq!(post_json(&app, &survey.id, json!({"answers": valid_answers(&survey)})).await.status, 201);
        assert_eq!(post_json(&app, &survey.id, json!({"answers": {}})).await.status, 400);
        assert_eq!(get_page(&app, &survey.id).await.status, 200);
    }
    assert_eq!(app.calls_this_month(&account).await, counted_before, "posts and views are not API calls");
    let after = app.call("GET", "/api/v1/account", key.expose(), None).await;
    assert_eq!(usage(&after), usage(&before) + 1, "only the second GET /api/v1/account counted");
}
