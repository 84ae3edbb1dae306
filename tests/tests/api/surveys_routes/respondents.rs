//! Respondent references in the responses list: `respondent` on every listed response, the `ref`
//! filter (exact, combined with the others, paged with cursors bound to it), a bad `ref` a 400,
//! and the reference in the copy filed in the survey's project.

use crate::common::surveys::*;
use hearken_tests::{encode, spawn_app, spawn_app_with, Reply, TestApp};
use serde_json::{json, Value};
use std::time::Duration;

/// Posts a response from a link with this `ref`, as a customer's script does; its id.
async fn answer_as(app: &TestApp, survey: &str, reference: &str, answers: Value) -> String {
    let request = app.http.post(app.url(&format!("/s/{survey}"))).json(&json!({"answers": answers, "ref": reference}));
    let reply = Reply::from(request.send().await.expect("the gateway answers")).await;
    assert_eq!(reply.status, 201, "{reference}: {}", reply.body);
    // Each response its own createdAt millisecond (the `since` filter is by time).
    tokio::time::sleep(Duration::from_millis(3)).await;
    reply.body["data"]["id"].as_str().expect("a response id").to_owned()
}

fn refs_of(items: &[Value]) -> Vec<Value> {
    items.iter().map(|item| item["respondent"].clone()).collect()
}

#[tokio::test]
async fn the_ref_filter_lists_exactly_one_respondent_s_responses_page_by_page() {
    let app = spawn_app_with(|app| app.settings.survey_responses_per_ip_per_minute = 1000).await;
    let (_, key) = business(&app).await;
    let survey = create(&app, &key, optional_survey("Two customers")).await;
    let id = id_of(&survey);
    let rating = question_ids(&survey)[0].clone();
    let rated = |n: u8| json!({ rating.clone(): n });

    // Interleaved: customer 42, a look-alike 420, 42 in capitals, someone without a ref.
    let a1 = answer_as(&app, &id, "crm:42", rated(5)).await;
    let b1 = answer_as(&app, &id, "crm:420", rated(1)).await;
    let nobody = answer(&app, &id, rated(2)).await;
    let a2 = answer_as(&app, &id, "crm:42", rated(2)).await;
    let upper = answer_as(&app, &id, "CRM:42", rated(1)).await;
    let b2 = answer_as(&app, &id, "crm:420", rated(4)).await;
    let a3 = answer_as(&app, &id, "crm:42", rated(1)).await;

    let base = feedback_path(&id);
    let all = page_through(&app, &key, &base, 1).await;
    assert_eq!(ids(&all), [&a3, &b2, &upper, &a2, &nobody, &b1, &a1].map(String::clone), "one a page, every one");
    assert_eq!(
        refs_of(&all),
        [
            json!({"ref": "crm:42"}),
            json!({"ref": "crm:420"}),
            json!({"ref": "CRM:42"}),
            json!({"ref": "crm:42"}),
            Value::Null,
            json!({"ref": "crm:420"}),
            json!({"ref": "crm:42"}),
        ]
    );

    let by_ref = |reference: &str| format!("{base}?ref={}", encode(reference));
    for (path, expected) in [
        (by_ref("crm:42"), vec![&a3, &a2, &a1]),
        (by_ref("crm:420"), vec![&b2, &b1]),
        (by_ref("CRM:42"), vec![&upper]),
        (by_ref("crm:4"), vec![]),
        (by_ref("nobody@example.com"), vec![]),
        (format!("{}&maxRating=2", by_ref("crm:42")), vec![&a3, &a2]),
        (format!("{}&lowRated=true", by_ref("crm:42")), vec![&a3, &a2]),
        (format!("{base}?lowRated=true&ref=crm:420"), vec![&b1]),
        (format!("{}&maxRating=3&lowRated=true", by_ref("crm:420")), vec![&b1]),
    ] {
        let expected: Vec<String> = expected.into_iter().cloned().collect();
        assert_eq!(listed(&app, &key, &path).await, expected, "{path}");
        // Through pages of one, across the other respondent's responses in between.
        let paged = page_through(&app, &key, &path, 1).await;
        assert_eq!(ids(&paged), expected, "{path}, one a page");
        assert_eq!(ids(&page_through(&app, &key, &path, 2).await), expected, "{path}, two a page");
    }
    // `since` with `ref`: from a2 on.
    let a2_at = all.iter().find(|item| item["id"] == a2.as_str()).unwrap()["createdAt"].as_str().unwrap().to_owned();
    let path = format!("{}&since={}", by_ref("crm:42"), encode(&a2_at));
    assert_eq!(ids(&page_through(&app, &key, &path, 1).await), [a3.clone(), a2.clone()]);
    // An empty `ref` is no filter.
    assert_eq!(listed(&app, &key, &format!("{base}?ref=")).await.len(), 7);
}

#[tokio::test]
async fn a_ref_cursor_is_bound_to_its_ref_and_a_bad_ref_is_a_400() {
    let app = spawn_app().await;
    let (_, key) = business(&app).await;
    let survey = create(&app, &key, optional_survey("Cursors")).await;
    let id = id_of(&survey);
    let rating = question_ids(&survey)[0].clone();
    for reference in ["crm:1", "crm:2", "crm:1", "crm:2", "crm:1"] {
        answer_as(&app, &id, reference, json!({ rating.clone(): 3 })).await;
    }
    let base = feedback_path(&id);
    let first = app.call("GET", &format!("{base}?ref=crm:1&limit=1"), &key, None).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let cursor = encode(first.body["nextCursor"].as_str().expect("a ref cursor"));
    let next = app.call("GET", &format!("{base}?ref=crm:1&limit=1&cursor={cursor}"), &key, None).await;
    assert_eq!(next.status, 200, "with the same ref: {}", next.body);
    assert_eq!(next.body["data"][0]["respondent"], json!({"ref": "crm:1"}));
    let plain = app.call("GET", &format!("{base}?limit=1"), &key, None).await;
    let plain_cursor = encode(plain.body["nextCursor"].as_str().expect("a cursor"));
    for (query, what) in [
        (format!("ref=crm:2&limit=1&cursor={cursor}"), "a ref cursor with another ref"),
        (format!("limit=1&cursor={cursor}"), "a ref cursor without ref"),
        (format!("ref=crm:1&maxRating=3&limit=1&cursor={cursor}"), "a ref cursor with maxRating added"),
        (format!("ref=crm:1&limit=1&cursor={plain_cursor}"), "an unfiltered cursor with ref"),
    ] {
        let reply = app.call("GET", &format!("{base}?{query}"), &key, None).await;
        assert_invalid_cursor(&reply, what);
    }

    let too_long = "x".repeat(129);
    for bad in ["a b", "<script>", "crm:é", "a/b", "a|b", "a#b", too_long.as_str()] {
        let path = format!("{base}?ref={}", encode(bad));
        let reply = app.call("GET", &path, &key, None).await;
        assert_eq!(reply.status, 400, "{bad:?}: {}", reply.body);
        assert!(reply.error().contains("'ref'"), "{bad:?}: the error names ref: {}", reply.error());
        assert!(reply.body.get("data").is_none(), "{}", reply.body);
    }
    let longest = "x".repeat(128);
    assert_eq!(listed(&app, &key, &format!("{base}?ref={longest}")).await, Vec::<String>::new());
}

#[tokio::test]
async fn the_filed_copy_carries_the_respondent_ref_in_its_context() {
    let app = spawn_app().await;
    let (account, key) = business(&app).await;
    let (project, _) = app.project(&account).await;
    let mut body = optional_survey("Filed with a ref");
    body["projectId"] = json!(project.id);
    let survey = create(&app, &key, body).await;
    let id = id_of(&survey);
    let rating = question_ids(&survey)[0].clone();
    let known = answer_as(&app, &id, "crm:42", json!({ rating.clone(): 4 })).await;
    let anonymous = answer(&app, &id, json!({ rating.clone(): 5 })).await;

    let reply = app.call("GET", &format!("/api/projects/{}/feedback", project.id), &key, None).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let items = reply.body["data"].as_array().unwrap();
    let context_of = |response: &str| {
        items.iter().find(|i| i["context"]["responseId"] == response).unwrap_or_else(|| panic!("{items:?}"))["context"]
            .clone()
    };
    let context = context_of(&known);
    assert_eq!(context["respondentRef"], "crm:42", "{context}");
    assert_eq!((&context["surveyId"], &context["rating"]), (&json!(id), &json!(4)));
    let context = context_of(&anonymous);
    assert!(context.get("respondentRef").is_none(), "only when there is one: {context}");
}

#[tokio::test]
async fn every_listed_response_shows_its_respondent_or_null() {
    let app = spawn_app().await;
    let (_, key) = business(&app).await;
    let survey = create(&app, &key, optional_survey("Shape")).await;
    let id = id_of(&survey);
    let rating = question_ids(&survey)[0].clone();
    answer(&app, &id, json!({ rating.clone(): 4 })).await;
    answer_as(&app, &id, "user@example.com", json!({ rating.clone(): 4 })).await;
    let reply = app.call("GET", &feedback_path(&id), &key, None).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let items = reply.body["data"].as_array().unwrap();
    assert_eq!(refs_of(items), [json!({"ref": "user@example.com"}), Value::Null]);
    for item in items {
        assert!(item.as_object().unwrap().contains_key("respondent"), "always there, null when none: {item}");
    }
}
