//! The security headers on every answer of the page, HTML or JSON, success or error.

use crate::common::page::*;
use hearken_tests::{settle_in_one_minute_window, spawn_app_with};
use serde_json::json;

#[tokio::test]
async fn every_answer_of_the_page_carries_the_security_headers() {
    let app = spawn_app_with(|app| app.settings.survey_responses_per_ip_per_minute = 6).await;
    let (key, survey) = standard(&app).await;
    let mut draft_body = standard_survey();
    draft_body["status"] = json!("DRAFT");
    let draft = create_survey(&app, &key, draft_body).await;
    let draft_id = draft["id"].as_str().unwrap().to_owned();
    let unknown = hearken::ids::SurveyId::generate().to_string();
    settle_in_one_minute_window().await;

    // HTML pages: the form, not found, not active.
    let pages = [
        ("GET the form", get_page(&app, &survey.id).await, 200),
        ("GET unknown", get_page(&app, &unknown).await, 404),
        ("GET malformed", get_page(&app, "%3Cscript%3E").await, 404),
        ("GET not active", get_page(&app, &draft_id).await, 200),
        // Posts 1 to 4 of the client's 6 a minute.
        ("POST a wrong form", post_form(&app, &survey.id, &[("website", "")]).await, 400),
        ("POST a form", post_form(&app, &survey.id, &valid_form(&survey)).await, 201),
        ("POST a form, not active", post_form(&app, &draft_id, &[("website", "")]).await, 409),
        ("POST a form, unknown", post_form(&app, &unknown, &[("website", "")]).await, 404),
    ];
    for (what, page, status) in &pages {
        assert_eq!(page.status, *status, "{what}: {}", page.html);
        assert!(page.is_html(), "{what}: {}", page.content_type);
        assert_page_security_headers(&page.headers, what);
    }
    // JSON answers, success and error: posts 5 and 6, then a 415 (refused before the limit).
    let answers = json!({"answers": valid_answers(&survey)});
    let replies = [
        ("POST JSON", post_json(&app, &survey.id, answers.clone()).await, 201),
        ("POST wrong JSON", post_json(&app, &survey.id, json!({"answers": {}})).await, 400),
        ("POST text/plain", post_raw(&app, &survey.id, "text/plain", "hello").await, 415),
    ];
    for (what, reply, status) in &replies {
        assert_eq!(reply.status, *status, "{what}: {}", reply.body);
        assert_eq!(reply.header("content-type"), Some("application/json"), "{what}");
        assert_page_security_headers(&reply.headers, what);
    }
    // Over the limit: the friendly page and the JSON 429.
    let page = post_form(&app, &survey.id, &valid_form(&survey)).await;
    assert_eq!(page.status, 429, "{}", page.html);
    assert!(page.by_id("rate-limited").is_some(), "{}", page.html);
    assert_page_security_headers(&page.headers, "the 429 page");
    let reply = post_json(&app, &survey.id, answers).await;
    assert_eq!(reply.status, 429, "{}", reply.body);
    assert_page_security_headers(&reply.headers, "the JSON 429");
}
