//! JSON posts: stored with their values, each rule a 400 naming the question, other content types
//! a 415 and big bodies a 413.

use crate::common::page::*;
use hearken_tests::{spawn_app, spawn_app_with};
use serde_json::{json, Value};
use std::collections::HashSet;

#[tokio::test]
async fn a_json_post_is_stored_with_its_values() {
    let app = spawn_app().await;
    let (key, survey) = standard(&app).await;
    let answers = json!({
        &survey.rating: 5,
        &survey.text: "Faster please",
        &survey.single: "Salad",
        &survey.multiple: ["Wine", "Bread"],
    });
    let reply = post_json(&app, &survey.id, json!({ "answers": answers })).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    let id = reply.body["data"]["id"].as_str().unwrap_or_default().to_owned();
    assert!(id.starts_with("rsp_"), "{}", reply.body);
    assert_eq!(reply.body, json!({"data": {"id": id}}));

    // A single string is accepted for a multiple choice (stored as a list).
    let single_string = json!({ &survey.rating: 1, &survey.multiple: "Olives" });
    let second = post_json(&app, &survey.id, json!({ "answers": single_string })).await;
    assert_eq!(second.status, 201, "{}", second.body);

    let stored = responses(&app, &key, &survey.id).await;
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[1]["id"], id.as_str(), "newest first");
    let first = answers_of(&stored[1]);
    assert_eq!(first[&survey.rating], json!(5));
    assert_eq!(first[&survey.text], json!("Faster please"));
    assert_eq!(first[&survey.single], json!("Salad"));
    let extras = first[&survey.multiple].as_array().expect("a list").clone();
    let extras: HashSet<&str> = extras.iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(extras, HashSet::from(["Wine", "Bread"]));
    assert_eq!((stored[1]["lowRated"].clone(), stored[1]["complete"].clone()), (json!(false), json!(true)));
    let newest = answers_of(&stored[0]);
    assert_eq!(newest[&survey.multiple], json!(["Olives"]));
    assert_eq!((stored[0]["rating"].clone(), stored[0]["lowRated"].clone()), (json!(1), json!(true)));
    assert_eq!(stored[0]["complete"], false);
}

#[tokio::test]
async fn each_json_rule_is_a_400_that_names_the_question() {
    let app = spawn_app_with(|app| app.settings.survey_responses_per_ip_per_minute = 1000).await;
    let (key, survey) = standard(&app).await;
    let valid = valid_answers(&survey);
    let required = |qid: &str| format!("{qid}: this question is required");
    let cases: Vec<(&str, Value, &str, Option<String>)> = vec![
        ("rating missing", without(&valid, &survey.rating), &survey.rating, Some(required(&survey.rating))),
        ("rating null", with(&valid, &survey.rating, Value::Null), &survey.rating, None),
        ("checkboxes missing", without(&valid, &survey.multiple), &survey.multiple, Some(required(&survey.multiple))),
        ("checkboxes empty", with(&valid, &survey.multiple, json!([])), &survey.multiple, None),
        ("rating 0", with(&valid, &survey.rating, json!(0)), &survey.rating, None),
        ("rating 6", with(&valid, &survey.rating, json!(6)), &survey.rating, None),
        ("rating -1", with(&valid, &survey.rating, json!(-1)), &survey.rating, None),
        ("rating 3.5", with(&valid, &survey.rating, json!(3.5)), &survey.rating, None),
        ("rating \"4\"", with(&valid, &survey.rating, json!("4")), &survey.rating, None),
        ("rating [4]", with(&valid, &survey.rating, json!([4])), &survey.rating, None),
        ("rating true", with(&valid, &survey.rating, json!(true)), &survey.rating, None),
        ("choice not an option", with(&valid, &survey.single, json!("Sushi")), &survey.single, None),
        ("choice in another case", with(&valid, &survey.single, json!("pizza")), &survey.single, None),
        ("two for a single choice", with(&valid, &survey.single, json!(["Pizza", "Pasta"])), &survey.single, None),
        ("a number for a choice", with(&valid, &survey.single, json!(3)), &survey.single, None),
        ("checkbox not an option", with(&valid, &survey.multiple, json!(["Bread", "Sushi"])), &survey.multiple, None),
        ("checkbox not a string", with(&valid, &survey.multiple, json!([1])), &survey.multiple, None),
        ("text too long", with(&valid, &survey.text, json!("x".repeat(21))), &survey.text, None),
        ("text not a string", with(&valid, &survey.text, json!(5)), &survey.text, None),
        (
            "unknown question",
            with(&valid, "q_nosuchquestion", json!("hello")),
            "q_nosuchquestion",
            Some("q_nosuchquestion: no such question in this survey".to_owned()),
        ),
    ];
    for (what, answers, qid, exact) in cases {
        let reply = post_json(&app, &survey.id, json!({ "answers": answers })).await;
        assert_eq!(reply.status, 400, "{what}: {answers} → {}", reply.body);
        assert_eq!(reply.header("content-type"), Some("application/json"), "{what}");
        let error = reply.error();
        assert!(error.starts_with(&format!("{qid}: ")), "{what}: the error names {qid}: {}", reply.body);
        assert!(error.len() > qid.len() + 2, "{what}: the error names the rule: {error}");
        if let Some(exact) = exact {
            assert_eq!(error, exact, "{what}");
        }
    }

    // `answers` missing or not an object, and malformed JSON.
    for body in [json!({}), json!({"answers": [1, 2]}), json!({"answers": "yes"}), json!({"answers": null}), json!([1])]
    {
        let reply = post_json(&app, &survey.id, body.clone()).await;
        assert_eq!(reply.status, 400, "{body}: {}", reply.body);
        assert!(!reply.error().is_empty(), "{body}: {}", reply.body);
    }
    for text in ["{\"answers\": ", "not json", ""] {
        let reply = post_raw(&app, &survey.id, "application/json", text).await;
        assert_eq!(reply.status, 400, "{text:?}: {}", reply.body);
        assert!(!reply.error().is_empty(), "{text:?}: {}", reply.body);
    }
    assert_eq!(stored_items(&app).await, 0, "no wrong answer was stored");
    assert_eq!(response_count(&app, &key, &survey.id).await, 0);

    // The limits themselves are allowed: 1 and 5, a text of exactly 20 characters (not bytes).
    for (rating, text) in [(1, "x".repeat(20)), (5, "é".repeat(20))] {
        let answers = with(&with(&valid, &survey.rating, json!(rating)), &survey.text, json!(text));
        let reply = post_json(&app, &survey.id, json!({ "answers": answers })).await;
        assert_eq!(reply.status, 201, "rating {rating}, text {text}: {}", reply.body);
    }
    assert_eq!(responses(&app, &key, &survey.id).await.len(), 2);
}

#[tokio::test]
async fn an_empty_text_counts_as_unanswered() {
    let app = spawn_app().await;
    let (key, survey) = standard(&app).await;
    let answers = with(&with(&valid_answers(&survey), &survey.text, json!("")), &survey.single, json!("Pizza"));
    let reply = post_json(&app, &survey.id, json!({ "answers": answers })).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let stored = responses(&app, &key, &survey.id).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["complete"], false, "{}", stored[0]);
    assert!(!answers_of(&stored[0]).contains_key(&survey.text), "{}", stored[0]);

    // Everything answered: complete.
    let full = with(&answers, &survey.text, json!("ok"));
    assert_eq!(post_json(&app, &survey.id, json!({ "answers": full })).await.status, 201);
    let stored = responses(&app, &key, &survey.id).await;
    assert_eq!(stored[0]["complete"], true, "{}", stored[0]);

    // And an empty text does not answer a required text question.
    let data = create_survey(
        &app,
        &key,
        json!({"name": "Required text", "questions": [{"type": "TEXT", "text": "Why?", "required": true}]}),
    )
    .await;
    let id = data["id"].as_str().unwrap();
    let qid = &question_ids(&data)[0];
    let reply = post_json(&app, id, json!({"answers": { qid: "" }})).await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert_eq!(reply.error(), format!("{qid}: this question is required"));
    let form = post_form(&app, id, &[(qid.as_str(), ""), ("website", "")]).await;
    assert_eq!(form.status, 400, "{}", form.html);
    assert!(form.by_id(&format!("{qid}-error")).is_some(), "{}", form.html);
    assert!(responses(&app, &key, id).await.is_empty());
}

#[tokio::test]
async fn other_content_types_are_a_415_and_big_bodies_a_413() {
    let app = spawn_app().await;
    let (_, survey) = standard(&app).await;
    let valid = json!({"answers": valid_answers(&survey)}).to_string();
    for content_type in ["text/plain", "application/xml", "multipart/form-data; boundary=x"] {
        let reply = post_raw(&app, &survey.id, content_type, valid.clone()).await;
        assert_eq!(reply.status, 415, "{content_type}: {}", reply.body);
        assert!(!reply.error().is_empty(), "{content_type}: a JSON error: {}", reply.body);
    }
    let no_type = app.http.post(app.url(&page_path(&survey.id))).body(valid.clone()).send().await.unwrap();
    assert_eq!(no_type.status().as_u16(), 415, "no content type");
    // A charset parameter is fine.
    let with_charset = post_raw(&app, &survey.id, "application/json; charset=utf-8", valid.clone()).await;
    assert_eq!(with_charset.status, 201, "{}", with_charset.body);

    let huge = json!({"answers": valid_answers(&survey), "padding": "z".repeat(70_000)});
    let reply = post_json(&app, &survey.id, huge).await;
    assert_eq!(reply.status, 413, "{}", reply.body);
    let huge_form = post_form(&app, &survey.id, &[(&survey.rating, "4"), ("padding", &"z".repeat(70_000))]).await;
    assert_eq!(huge_form.status, 413, "{}", huge_form.html);
    assert_eq!(stored_items(&app).await, 1, "only the charset post");
}
