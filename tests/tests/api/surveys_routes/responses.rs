//! A survey's responses: their answers, rating and flags, the filters and cursors of the list, and
//! filing in a project's Miniback feedback (and on its own once the project is gone).

use crate::common::surveys::*;
use hearken::ids::SurveyId;
use hearken_tests::{encode, is_iso_millis, spawn_app, spawn_app_with};
use serde_json::{json, Value};

#[tokio::test]
async fn responses_show_their_answers_rating_and_flags() {
    let app = spawn_app().await;
    let (_, key) = business(&app).await;
    let survey = create(&app, &key, delivery_survey("Shape")).await;
    let id = id_of(&survey);
    let [rating, text, choice] = <[String; 3]>::try_from(question_ids(&survey)).unwrap();

    let full = answer(
        &app,
        &id,
        json!({ rating.clone(): 2, text.clone(): "Faster please", choice.clone(): ["Pizza", "Salad"] }),
    )
    .await;
    let partial = answer(&app, &id, json!({ rating.clone(): 4 })).await;
    let empty_text = answer(&app, &id, json!({ rating.clone(): 3, text.clone(): "", choice.clone(): "Pasta" })).await;

    let reply = app.call("GET", &feedback_path(&id), &key, None).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["nextCursor"], Value::Null);
    let items = reply.body["data"].as_array().unwrap();
    assert_eq!(ids(items), [empty_text.clone(), partial.clone(), full.clone()], "newest first");
    for item in items {
        let mut keys: Vec<&str> = item.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            ["answers", "complete", "createdAt", "id", "lowRated", "rating", "respondent", "topics"],
            "{item}"
        );
        assert_eq!(item["respondent"], Value::Null, "no ref in the link: {item}");
        assert!(is_iso_millis(item["createdAt"].as_str().unwrap()), "{item}");
        // null until the topics function (running behind the local stack) has read it, then a list.
        assert!(item["topics"].is_null() || item["topics"].is_array(), "{item}");
    }
    let [third, second, first] = [&items[0], &items[1], &items[2]];
    assert_eq!(
        first["answers"],
        json!([
            {"questionId": rating, "type": "RATING", "question": "How was your delivery?", "value": 2},
            {"questionId": text, "type": "TEXT", "question": "What could we do better?", "value": "Faster please"},
            {"questionId": choice, "type": "CHOICE", "question": "What did you order?", "value": ["Pizza", "Salad"]}
        ])
    );
    assert_eq!((&first["rating"], &first["lowRated"], &first["complete"]), (&json!(2), &json!(true), &json!(true)));
    assert_eq!(
        second["answers"],
        json!([{"questionId": rating, "type": "RATING", "question": "How was your delivery?", "value": 4}])
    );
    assert_eq!(
        (&second["rating"], &second["lowRated"], &second["complete"]),
        (&json!(4), &json!(false), &json!(false))
    );
    // An empty text is unanswered (left out, so not complete); a single string for a multiple
    // choice is shown as a list.
    assert_eq!(
        third["answers"],
        json!([
            {"questionId": rating, "type": "RATING", "question": "How was your delivery?", "value": 3},
            {"questionId": choice, "type": "CHOICE", "question": "What did you order?", "value": ["Pasta"]}
        ])
    );
    assert_eq!((&third["rating"], &third["lowRated"], &third["complete"]), (&json!(3), &json!(false), &json!(false)));

    let read = app.call("GET", &survey_path(&id), &key, None).await;
    assert_eq!(read.body["data"]["responseCount"], 3);
    let listed = app.call("GET", "/api/v1/surveys", &key, None).await;
    assert_eq!(listed.body["data"][0]["responseCount"], 3);

    // A single choice is a string; a survey without a rating gives unrated responses.
    let plain = create(
        &app,
        &key,
        json!({"name": "No rating", "questions": [
            {"type": "TEXT", "text": "Say something"},
            {"type": "CHOICE", "text": "Yes or no?", "options": ["Yes", "No"]}
        ]}),
    )
    .await;
    let [said, yes_no] = <[String; 2]>::try_from(question_ids(&plain)).unwrap();
    answer(&app, &id_of(&plain), json!({ said.clone(): "Hi", yes_no.clone(): "No" })).await;
    let item = app.call("GET", &feedback_path(&id_of(&plain)), &key, None).await.body["data"][0].clone();
    assert_eq!((&item["rating"], &item["lowRated"], &item["complete"]), (&Value::Null, &json!(false), &json!(true)));
    assert_eq!(
        item["answers"],
        json!([
            {"questionId": said, "type": "TEXT", "question": "Say something", "value": "Hi"},
            {"questionId": yes_no, "type": "CHOICE", "question": "Yes or no?", "value": "No"}
        ])
    );
}

#[tokio::test]
async fn the_rating_is_the_first_rating_question_and_low_rated_uses_the_threshold_of_the_time() {
    let app = spawn_app().await;
    let (_, key) = business(&app).await;
    let survey = create(
        &app,
        &key,
        json!({"name": "Two ratings", "questions": [
            {"type": "TEXT", "text": "Hello?"},
            {"type": "RATING", "text": "Food?"},
            {"type": "RATING", "text": "Service?"}
        ]}),
    )
    .await;
    let id = id_of(&survey);
    let path = survey_path(&id);
    let [_, food, service] = <[String; 3]>::try_from(question_ids(&survey)).unwrap();

    let two = answer(&app, &id, json!({ food.clone(): 2, service.clone(): 5 })).await;
    let three = answer(&app, &id, json!({ food.clone(): 3, service.clone(): 1 })).await;
    // Only the second rating question answered: the survey's rating (the first one) is missing.
    let service_only = answer(&app, &id, json!({ service.clone(): 1 })).await;
    assert_eq!(app.call("PATCH", &path, &key, Some(json!({"threshold": 4}))).await.status, 200);
    let three_later = answer(&app, &id, json!({ food.clone(): 3 })).await;
    let four_later = answer(&app, &id, json!({ food.clone(): 4 })).await;
    assert_eq!(app.call("PATCH", &path, &key, Some(json!({"threshold": 1}))).await.status, 200);
    let one_latest = answer(&app, &id, json!({ food.clone(): 1 })).await;

    let items = app.call("GET", &feedback_path(&id), &key, None).await.body["data"].as_array().unwrap().clone();
    let flags: Vec<(String, Value, Value)> =
        items.iter().map(|i| (id_of(i), i["rating"].clone(), i["lowRated"].clone())).collect();
    assert_eq!(
        flags,
        [
            (one_latest, json!(1), json!(false)),
            (four_later, json!(4), json!(false)),
            (three_later.clone(), json!(3), json!(true)),
            (service_only, Value::Null, json!(false)),
            (three, json!(3), json!(false)),
            (two.clone(), json!(2), json!(true)),
        ],
        "each response keeps the flag of the threshold at its time"
    );
    assert_eq!(listed(&app, &key, &format!("{}?lowRated=true", feedback_path(&id))).await, [three_later, two]);
}

#[tokio::test]
async fn the_responses_filters_select_and_combine() {
    let app = spawn_app().await;
    let (_, key) = business(&app).await;
    let survey = create(&app, &key, optional_survey("Filters")).await;
    let id = id_of(&survey);
    let [rating, text, _] = <[String; 3]>::try_from(question_ids(&survey)).unwrap();
    let r1 = answer(&app, &id, json!({ rating.clone(): 5 })).await;
    let r2 = answer(&app, &id, json!({ rating.clone(): 1 })).await;
    let r3 = answer(&app, &id, json!({ rating.clone(): 3 })).await;
    let r4 = answer(&app, &id, json!({ rating.clone(): 2 })).await;
    let r5 = answer(&app, &id, json!({ text.clone(): "No rating from me" })).await;
    let r6 = answer(&app, &id, json!({ rating.clone(): 4 })).await;

    let all = app.call("GET", &feedback_path(&id), &key, None).await.body["data"].as_array().unwrap().clone();
    assert_eq!(ids(&all), [&r6, &r5, &r4, &r3, &r2, &r1].map(String::clone));
    let created_at = |rid: &str| all.iter().find(|i| i["id"] == rid).unwrap()["createdAt"].as_str().unwrap().to_owned();
    let since_r3 = encode(&created_at(&r3));
    let base = feedback_path(&id);
    for (query, expected) in [
        ("maxRating=5".to_owned(), vec![&r6, &r4, &r3, &r2, &r1]),
        ("maxRating=3".to_owned(), vec![&r4, &r3, &r2]),
        ("maxRating=1".to_owned(), vec![&r2]),
        ("lowRated=true".to_owned(), vec![&r4, &r2]),
        (format!("since={since_r3}"), vec![&r6, &r5, &r4, &r3]),
        ("since=2000-01-01T00:00:00Z".to_owned(), vec![&r6, &r5, &r4, &r3, &r2, &r1]),
        ("since=2100-01-01T00:00:00.000Z".to_owned(), vec![]),
        // `lowRated=false` is no filter.
        ("lowRated=false".to_owned(), vec![&r6, &r5, &r4, &r3, &r2, &r1]),
        (format!("since={since_r3}&lowRated=true"), vec![&r4]),
        (format!("lowRated=true&since={since_r3}"), vec![&r4]),
        (format!("since={since_r3}&maxRating=3"), vec![&r4, &r3]),
        ("lowRated=true&maxRating=1".to_owned(), vec![&r2]),
        ("maxRating=4&lowRated=true".to_owned(), vec![&r4, &r2]),
        (format!("since={since_r3}&lowRated=true&maxRating=1"), vec![]),
        (format!("since={}&maxRating=5&lowRated=true", encode(&created_at(&r2))), vec![&r4, &r2]),
    ] {
        let path = format!("{base}?{query}");
        let expected: Vec<String> = expected.into_iter().cloned().collect();
        assert_eq!(listed(&app, &key, &path).await, expected, "{query}");
        // The same through pages of one.
        assert_eq!(ids(&page_through(&app, &key, &path, 1).await), expected, "{query}, one a page");
    }

    for (query, name) in [
        ("since=yesterday", "since"),
        ("since=2026-02-30T00:00:00Z", "since"),
        ("since=12345", "since"),
        ("maxRating=0", "maxRating"),
        ("maxRating=6", "maxRating"),
        ("maxRating=x", "maxRating"),
        ("maxRating=2.5", "maxRating"),
        ("lowRated=yes", "lowRated"),
        ("lowRated=1", "lowRated"),
        ("lowRated=TRUE", "lowRated"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=x", "limit"),
    ] {
        let reply = app.call("GET", &format!("{base}?{query}"), &key, None).await;
        assert_eq!(reply.status, 400, "{query}: {}", reply.body);
        assert!(reply.error().contains(name), "{query}: the error names {name}: {:?}", reply.error());
    }
}

#[tokio::test]
async fn responses_page_with_cursors_bound_to_their_survey_and_filters() {
    let app = spawn_app_with(|app| app.settings.survey_responses_per_ip_per_minute = 1000).await;
    let (_, key) = business(&app).await;
    let survey = create(&app, &key, optional_survey("Thirty")).await;
    let id = id_of(&survey);
    let rating = question_ids(&survey)[0].clone();
    let mut posted = vec![];
    for i in 0..30 {
        posted.push(answer(&app, &id, json!({ rating.clone(): (i % 5) + 1 })).await);
    }
    let newest_first: Vec<String> = posted.iter().rev().cloned().collect();
    let base = feedback_path(&id);

    let default = app.call("GET", &base, &key, None).await;
    assert_eq!(ids(default.body["data"].as_array().unwrap()), newest_first[..25], "25 by default");
    assert!(default.body["nextCursor"].is_string());
    assert_eq!(ids(&page_through(&app, &key, &base, 7).await), newest_first, "7+7+7+7+2, each once");
    // Ratings 1 and 2 are below the default threshold 3.
    let low: Vec<String> =
        posted.iter().enumerate().rev().filter(|(i, _)| i % 5 < 2).map(|(_, id)| id.clone()).collect();
    assert_eq!(low.len(), 12);
    assert_eq!(ids(&page_through(&app, &key, &format!("{base}?lowRated=true"), 5).await), low);
    assert_eq!(ids(&page_through(&app, &key, &format!("{base}?maxRating=2"), 5).await), low);

    // Responses that come in while a client pages are neither skipped nor repeated among the old.
    let first = app.call("GET", &format!("{base}?limit=7"), &key, None).await;
    let mut seen = ids(first.body["data"].as_array().unwrap());
    let mut cursor = first.body["nextCursor"].as_str().unwrap().to_owned();
    let mut fresh = vec![];
    loop {
        fresh.push(answer(&app, &id, json!({ rating.clone(): 1 })).await);
        let page = app.call("GET", &format!("{base}?limit=7&cursor={}", encode(&cursor)), &key, None).await;
        assert_eq!(page.status, 200, "{}", page.body);
        seen.extend(ids(page.body["data"].as_array().unwrap()));
        match page.body["nextCursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    let old_seen: Vec<String> = seen.iter().filter(|s| newest_first.contains(s)).cloned().collect();
    assert_eq!(old_seen, newest_first);
    assert!(seen.iter().all(|s| !fresh.contains(s)), "responses newer than the cursor come on a fresh walk");

    // A cursor is bound to its filters and to its survey.
    let low_page = app.call("GET", &format!("{base}?lowRated=true&limit=2"), &key, None).await;
    let low_cursor = encode(low_page.body["nextCursor"].as_str().expect("a lowRated cursor"));
    let plain_page = app.call("GET", &format!("{base}?limit=2"), &key, None).await;
    let plain_cursor = encode(plain_page.body["nextCursor"].as_str().expect("a cursor"));
    let max_page = app.call("GET", &format!("{base}?maxRating=2&limit=2"), &key, None).await;
    let max_cursor = encode(max_page.body["nextCursor"].as_str().expect("a maxRating cursor"));
    let since = "since=2000-01-01T00:00:00.000Z";
    let since_page = app.call("GET", &format!("{base}?{since}&limit=2"), &key, None).await;
    let since_cursor = encode(since_page.body["nextCursor"].as_str().expect("a since cursor"));
    assert_eq!(
        app.call("GET", &format!("{base}?lowRated=true&limit=2&cursor={low_cursor}"), &key, None).await.status,
        200,
        "with the same filters"
    );
    for (query, what) in [
        (format!("limit=2&cursor={low_cursor}"), "a lowRated cursor without lowRated"),
        (format!("lowRated=true&maxRating=1&limit=2&cursor={low_cursor}"), "a lowRated cursor with maxRating added"),
        (format!("lowRated=true&limit=2&cursor={plain_cursor}"), "an unfiltered cursor with lowRated"),
        (format!("maxRating=3&limit=2&cursor={max_cursor}"), "a maxRating=2 cursor with maxRating=3"),
        (format!("limit=2&cursor={max_cursor}"), "a maxRating cursor without it"),
        (format!("limit=2&cursor={since_cursor}"), "a since cursor without since"),
        (format!("since=2001-01-01T00:00:00.000Z&limit=2&cursor={since_cursor}"), "a since cursor with another since"),
    ] {
        let reply = app.call("GET", &format!("{base}?{query}"), &key, None).await;
        assert_invalid_cursor(&reply, what);
    }
    let other = create(&app, &key, optional_survey("Other")).await;
    let other_id = id_of(&other);
    answer(&app, &other_id, json!({ question_ids(&other)[0].clone(): 1 })).await;
    let reply =
        app.call("GET", &format!("{}?limit=2&cursor={plain_cursor}", feedback_path(&other_id)), &key, None).await;
    assert_invalid_cursor(&reply, "another survey's cursor");
    let reply = app.call("GET", &format!("/api/v1/surveys?limit=2&cursor={plain_cursor}"), &key, None).await;
    assert_invalid_cursor(&reply, "a responses cursor on the surveys list");
    // Another account, with this survey's id and cursor: exactly what a missing survey answers,
    // and never an item.
    let (_, stranger) = business(&app).await;
    let theirs = app.call("GET", &format!("{base}?limit=2&cursor={plain_cursor}"), &stranger, None).await;
    let missing = feedback_path(SurveyId::generate().as_str());
    let nobodys = app.call("GET", &format!("{missing}?limit=2&cursor={plain_cursor}"), &stranger, None).await;
    assert!(matches!(theirs.status, 400 | 404), "{}", theirs.body);
    assert_eq!((theirs.status, &theirs.body), (nobodys.status, &nobodys.body));
    let own = id_of(&create(&app, &stranger, optional_survey("Theirs")).await);
    let reply =
        app.call("GET", &format!("{}?limit=2&cursor={plain_cursor}", feedback_path(&own)), &stranger, None).await;
    assert_invalid_cursor(&reply, "another account's cursor on its own survey");
    assert!(!reply.body.to_string().contains("rsp_"), "none of the first account's responses: {}", reply.body);
}

#[tokio::test]
async fn a_survey_with_a_project_files_each_response_in_its_miniback_feedback() {
    let app = spawn_app().await;
    let (account, key) = business(&app).await;
    let (project, _) = app.project(&account).await;
    let project_feedback = format!("/api/projects/{}/feedback", project.id);
    let api_item = app.call("POST", &project_feedback, &key, Some(json!({"message": "From the API"}))).await;
    assert_eq!(api_item.status, 201, "{}", api_item.body);

    let mut body = json!({"name": "Filed", "questions": [
        {"type": "RATING", "text": "How was it?"},
        {"type": "TEXT", "text": "Why?"},
        {"type": "CHOICE", "text": "Which?", "options": ["A", "B"]}
    ]});
    body["projectId"] = json!(project.id);
    let survey = create(&app, &key, body).await;
    assert_eq!(survey["projectId"], json!(project.id));
    let id = id_of(&survey);
    let [rating, text, choice] = <[String; 3]>::try_from(question_ids(&survey)).unwrap();

    let with_text =
        answer(&app, &id, json!({ rating.clone(): 2, text.clone(): "Too slow", choice.clone(): "A" })).await;
    let rating_only = answer(&app, &id, json!({ rating.clone(): 4 })).await;

    let reply = app.call("GET", &project_feedback, &key, None).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["pagination"]["total"], 3, "the project's total counts the responses: {}", reply.body);
    let items = reply.body["data"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    let filed: Vec<&Value> = items.iter().filter(|i| i["source"] == "SURVEY").collect();
    assert_eq!(filed.len(), 2, "{}", reply.body);
    let by_response = |rid: &str| {
        *filed.iter().find(|i| i["context"]["responseId"] == rid).unwrap_or_else(|| panic!("{rid} filed: {items:?}"))
    };
    let first = by_response(&with_text);
    assert_eq!(first["message"], "Too slow", "the text answers");
    // The project list adds the reference's `context.timestamp` (when it was received).
    let timestamp = first["createdAt"].clone();
    assert_eq!(first["context"], json!({"surveyId": id, "responseId": with_text, "rating": 2, "timestamp": timestamp}));
    assert_eq!(first["status"], "NEW");
    assert!(first["id"].as_str().is_some_and(|f| f.starts_with("fb_")), "{first}");
    let second = by_response(&rating_only);
    assert!(second["message"].as_str().is_some_and(|m| m.contains('4')), "the rating when no text: {second}");
    let timestamp = second["createdAt"].clone();
    assert_eq!(
        second["context"],
        json!({"surveyId": id, "responseId": rating_only, "rating": 4, "timestamp": timestamp})
    );
    assert_eq!(ids(&items[..2]), [second["id"].as_str().unwrap(), first["id"].as_str().unwrap()], "newest first");

    let by_source = app.call("GET", &format!("/api/feedback?project={}&source=SURVEY", project.id), &key, None).await;
    assert_eq!(by_source.status, 200, "{}", by_source.body);
    assert_eq!(by_source.body["pagination"]["total"], 2, "{}", by_source.body);

    // Without its project, a response is stored on its own.
    let detached = app.call("PATCH", &survey_path(&id), &key, Some(json!({"projectId": null}))).await;
    assert_eq!(detached.status, 200, "{}", detached.body);
    answer(&app, &id, json!({ rating.clone(): 5, text.clone(): "Better now" })).await;
    let after = app.call("GET", &project_feedback, &key, None).await;
    assert_eq!(after.body["pagination"]["total"], 3, "{}", after.body);
    assert_eq!(listed(&app, &key, &feedback_path(&id)).await.len(), 3);
}

#[tokio::test]
async fn a_since_far_in_the_future_answers_an_empty_page() {
    let app = spawn_app().await;
    let (_, key) = business(&app).await;
    let survey = create(&app, &key, optional_survey("Future")).await;
    let id = id_of(&survey);
    answer(&app, &id, json!({ question_ids(&survey)[0].clone(): 2 })).await;
    for since in ["2999-01-01T00:00:00.000Z", "9999-12-31T23:59:59.999Z"] {
        for extra in ["", "&lowRated=true", "&maxRating=5"] {
            let path = format!("{}?since={}{extra}", feedback_path(&id), encode(since));
            let reply = app.call("GET", &path, &key, None).await;
            assert_eq!(reply.status, 200, "{path}: {}", reply.body);
            assert_eq!(reply.body, json!({"data": [], "nextCursor": null}), "{path}");
        }
    }
}

#[tokio::test]
async fn a_response_to_a_survey_whose_project_was_deleted_is_stored_on_its_own() {
    let app = spawn_app().await;
    let (_, key) = business(&app).await;
    let made = app.call("POST", "/api/projects", &key, Some(json!({"name": "Short-lived"}))).await;
    assert_eq!(made.status, 201, "{}", made.body);
    let project = id_of(&made.body["data"]);
    let mut body = optional_survey("Orphan");
    body["projectId"] = json!(project);
    let survey = create(&app, &key, body).await;
    let id = id_of(&survey);
    let rating = question_ids(&survey)[0].clone();
    answer(&app, &id, json!({ rating.clone(): 2 })).await;
    let deleted = app.call("DELETE", &format!("/api/projects/{project}"), &key, None).await;
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    let later = answer(&app, &id, json!({ rating.clone(): 5 })).await;
    let stored = listed(&app, &key, &feedback_path(&id)).await;
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[0], later);
    assert_eq!(app.call("GET", &survey_path(&id), &key, None).await.body["data"]["responseCount"], 2);
}
