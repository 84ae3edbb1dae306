//! Creating and reading a survey: the answer and its defaults, every field kept, the limits of
//! every rule accepted and each one checked by name, missing and malformed ids.

use crate::common::surveys::*;
use crate::common::SURVEY_NOT_FOUND;
use hearken::ids::{ProjectId, SurveyId};
use hearken::plans::Plan;
use hearken_tests::{is_iso_millis, spawn_app};
use serde_json::{json, Value};
use std::collections::HashSet;

#[tokio::test]
async fn a_new_survey_answers_201_with_the_whole_survey_and_its_defaults() {
    let app = spawn_app().await;
    let (_, key) = business(&app).await;
    let body = json!({
        "name": "After delivery",
        "questions": [
            {"type": "RATING", "text": "How was it?"},
            {"type": "TEXT", "text": "Why?"},
            {"type": "CHOICE", "text": "Which?", "options": ["A", "B"]}
        ]
    });
    let reply = app.call("POST", "/api/v1/surveys", &key, Some(body)).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert!(reply.header("content-type").is_some_and(|c| c.starts_with("application/json")));
    let survey = &reply.body["data"];
    let object = survey.as_object().expect("a survey object");
    for field in [
        "id",
        "name",
        "welcomeMessage",
        "thankYouMessage",
        "threshold",
        "status",
        "projectId",
        "questions",
        "responseCount",
        "publicUrl",
        "createdAt",
        "updatedAt",
    ] {
        assert!(object.contains_key(field), "the survey shows {field}: {survey}");
    }
    let id = id_of(survey);
    assert!(SurveyId::parse(&id).is_some(), "a srv_ id: {id}");
    assert_eq!(survey["name"], "After delivery");
    assert_eq!(survey["welcomeMessage"], "");
    assert_eq!(survey["thankYouMessage"], DEFAULT_THANK_YOU);
    assert_eq!(survey["threshold"], 3);
    assert_eq!(survey["status"], "ACTIVE");
    assert_eq!(survey["projectId"], Value::Null);
    assert_eq!(survey["responseCount"], 0);
    let url = survey["publicUrl"].as_str().expect("publicUrl");
    assert!(url.starts_with("http"), "{url}");
    assert!(url.ends_with(&format!("/s/{id}")), "{url}");
    for stamp in ["createdAt", "updatedAt"] {
        assert!(is_iso_millis(survey[stamp].as_str().unwrap_or_default()), "{stamp}: {}", survey[stamp]);
    }

    let questions = survey["questions"].as_array().expect("questions");
    assert_eq!(questions.len(), 3);
    let qids = question_ids(survey);
    assert!(qids.iter().all(|q| q.starts_with("q_") && q.len() > 2), "{qids:?}");
    assert_eq!(qids.iter().collect::<HashSet<_>>().len(), 3, "distinct question ids");
    assert_eq!(
        (&questions[0]["type"], &questions[0]["text"], &questions[0]["required"]),
        (&json!("RATING"), &json!("How was it?"), &json!(false))
    );
    assert_eq!(
        (&questions[1]["type"], &questions[1]["text"], &questions[1]["required"], &questions[1]["maxLength"]),
        (&json!("TEXT"), &json!("Why?"), &json!(false), &json!(2000))
    );
    assert_eq!(
        (&questions[2]["type"], &questions[2]["options"], &questions[2]["multiple"], &questions[2]["required"]),
        (&json!("CHOICE"), &json!(["A", "B"]), &json!(false), &json!(false))
    );

    let read = app.call("GET", &survey_path(&id), &key, None).await;
    assert_eq!(read.status, 200, "{}", read.body);
    assert_eq!(&read.body["data"], survey, "GET answers the survey as created");
}

#[tokio::test]
async fn every_given_field_is_kept() {
    let app = spawn_app().await;
    let (account, key) = business(&app).await;
    let (project, _) = app.project(&account).await;
    let mut body = delivery_survey("After delivery");
    body["welcomeMessage"] = json!("Two minutes about your last order?");
    body["thankYouMessage"] = json!("Thank you! We read every answer.");
    body["threshold"] = json!(4);
    body["status"] = json!("DRAFT");
    body["projectId"] = json!(project.id);
    let survey = create(&app, &key, body.clone()).await;
    for field in ["name", "welcomeMessage", "thankYouMessage", "threshold", "status", "projectId"] {
        assert_eq!(survey[field], body[field], "{field}");
    }
    let questions = survey["questions"].as_array().unwrap();
    assert_eq!(questions[0]["required"], true);
    assert_eq!(questions[1]["maxLength"], 1000);
    assert_eq!(questions[2]["options"], json!(["Pizza", "Pasta", "Salad"]));
    assert_eq!(questions[2]["multiple"], true);
    for (given, shown) in body["questions"].as_array().unwrap().iter().zip(questions) {
        assert_eq!((&given["type"], &given["text"]), (&shown["type"], &shown["text"]), "in the order given");
    }
}

#[tokio::test]
async fn the_limits_of_every_rule_are_accepted() {
    let app = spawn_app().await;
    let (_, key) = business(&app).await;
    let twenty: Vec<Value> = (0..20).map(|i| json!({"type": "TEXT", "text": format!("Question {i}")})).collect();
    let ten_options: Vec<String> = (0..10).map(|i| format!("{i}{}", "o".repeat(199))).collect();
    for (what, body) in [
        (
            "200-character name, 2,000-character messages (characters, not bytes), threshold 1",
            json!({"name": chars(200), "welcomeMessage": chars(2000), "thankYouMessage": chars(2000), "threshold": 1,
                   "questions": [{"type": "RATING", "text": chars(500)}]}),
        ),
        (
            "threshold 5, status CLOSED",
            json!({"name": "n", "threshold": 5, "status": "CLOSED", "questions": [{"type": "RATING", "text": "t"}]}),
        ),
        ("status PAUSED", json!({"name": "n", "status": "PAUSED", "questions": [{"type": "RATING", "text": "t"}]})),
        ("20 questions", json!({"name": "n", "questions": twenty})),
        ("maxLength 1", json!({"name": "n", "questions": [{"type": "TEXT", "text": "t", "maxLength": 1}]})),
        ("maxLength 10,000", json!({"name": "n", "questions": [{"type": "TEXT", "text": "t", "maxLength": 10000}]})),
        (
            "2 options",
            json!({"name": "n", "questions": [{"type": "CHOICE", "text": "t", "options": ["a", "b"], "multiple": false}]}),
        ),
        (
            "10 options of 200 characters",
            json!({"name": "n", "questions": [{"type": "CHOICE", "text": "t", "options": ten_options}]}),
        ),
        (
            "two RATING questions",
            json!({"name": "n", "questions": [{"type": "RATING", "text": "a"}, {"type": "RATING", "text": "b", "required": true}]}),
        ),
    ] {
        let reply = app.call("POST", "/api/v1/surveys", &key, Some(body.clone())).await;
        assert_eq!(reply.status, 201, "{what}: {}", reply.error());
        let survey = &reply.body["data"];
        assert_eq!(survey["name"], body["name"], "{what}");
        assert_eq!(
            survey["questions"].as_array().unwrap().len(),
            body["questions"].as_array().unwrap().len(),
            "{what}"
        );
    }
}

#[tokio::test]
async fn creation_validates_every_field_by_name() {
    let app = spawn_app().await;
    let (_, key) = business(&app).await;
    let (_, foreign_project, _) = app.account_with_project(Plan::Business).await;
    let rating = json!({"type": "RATING", "text": "How was it?"});
    let with_questions = |questions: Value| json!({"name": "n", "questions": questions});
    let with_second = |question: Value| with_questions(json!([rating.clone(), question]));
    let twenty_one: Vec<Value> = (0..21).map(|i| json!({"type": "RATING", "text": format!("Q{i}")})).collect();
    let eleven: Vec<String> = (0..11).map(|i| format!("option {i}")).collect();
    let cases: Vec<(Value, &str)> = vec![
        (json!({"questions": [rating.clone()]}), "name"),
        (json!({"name": "", "questions": [rating.clone()]}), "name"),
        (json!({"name": chars(201), "questions": [rating.clone()]}), "name"),
        (json!({"name": 5, "questions": [rating.clone()]}), "name"),
        (json!({"name": null, "questions": [rating.clone()]}), "name"),
        (json!({"name": "n", "welcomeMessage": chars(2001), "questions": [rating.clone()]}), "welcomeMessage"),
        (json!({"name": "n", "welcomeMessage": 7, "questions": [rating.clone()]}), "welcomeMessage"),
        (json!({"name": "n", "thankYouMessage": chars(2001), "questions": [rating.clone()]}), "thankYouMessage"),
        (json!({"name": "n", "thankYouMessage": ["x"], "questions": [rating.clone()]}), "thankYouMessage"),
        (json!({"name": "n", "threshold": 0, "questions": [rating.clone()]}), "threshold"),
        (json!({"name": "n", "threshold": 6, "questions": [rating.clone()]}), "threshold"),
        (json!({"name": "n", "threshold": 2.5, "questions": [rating.clone()]}), "threshold"),
        (json!({"name": "n", "threshold": "3", "questions": [rating.clone()]}), "threshold"),
        (json!({"name": "n", "status": "OPEN", "questions": [rating.clone()]}), "status"),
        (json!({"name": "n", "status": "active", "questions": [rating.clone()]}), "status"),
        (json!({"name": "n", "status": 1, "questions": [rating.clone()]}), "status"),
        (json!({"name": "n", "projectId": foreign_project.id, "questions": [rating.clone()]}), "projectId"),
        (json!({"name": "n", "projectId": ProjectId::generate().as_str(), "questions": [rating.clone()]}), "projectId"),
        (json!({"name": "n", "projectId": "my-website", "questions": [rating.clone()]}), "projectId"),
        (json!({"name": "n", "projectId": 12, "questions": [rating.clone()]}), "projectId"),
        (json!({"name": "n"}), "questions"),
        (with_questions(json!([])), "questions"),
        (with_questions(json!(twenty_one)), "questions"),
        (with_questions(json!("RATING")), "questions"),
        (with_questions(json!(["RATING"])), "questions[0]"),
        (with_questions(json!([{"text": "t"}])), "questions[0].type"),
        (with_questions(json!([{"type": "STARS", "text": "t"}])), "questions[0].type"),
        (with_questions(json!([{"type": "rating", "text": "t"}])), "questions[0].type"),
        (with_questions(json!([{"type": "RATING"}])), "questions[0].text"),
        (with_questions(json!([{"type": "RATING", "text": ""}])), "questions[0].text"),
        (with_questions(json!([{"type": "RATING", "text": chars(501)}])), "questions[0].text"),
        (with_questions(json!([{"type": "RATING", "text": "t", "required": "yes"}])), "questions[0].required"),
        (with_questions(json!([{"type": "TEXT", "text": "t", "maxLength": 0}])), "questions[0].maxLength"),
        (with_questions(json!([{"type": "TEXT", "text": "t", "maxLength": 10001}])), "questions[0].maxLength"),
        (with_questions(json!([{"type": "TEXT", "text": "t", "maxLength": "long"}])), "questions[0].maxLength"),
        (with_second(json!({"type": "CHOICE", "text": "t"})), "questions[1].options"),
        (with_second(json!({"type": "CHOICE", "text": "t", "options": ["only"]})), "questions[1].options"),
        (with_second(json!({"type": "CHOICE", "text": "t", "options": eleven})), "questions[1].options"),
        (with_second(json!({"type": "CHOICE", "text": "t", "options": ["Pizza", "Pizza"]})), "questions[1].options"),
        (with_second(json!({"type": "CHOICE", "text": "t", "options": ["Pizza", ""]})), "questions[1].options"),
        (with_second(json!({"type": "CHOICE", "text": "t", "options": ["Pizza", chars(201)]})), "questions[1].options"),
        (with_second(json!({"type": "CHOICE", "text": "t", "options": [1, 2]})), "questions[1].options"),
        (with_second(json!({"type": "CHOICE", "text": "t", "options": "Pizza, Pasta"})), "questions[1].options"),
        (
            with_second(json!({"type": "CHOICE", "text": "t", "options": ["a", "b"], "multiple": "yes"})),
            "questions[1].multiple",
        ),
        (
            with_second(json!({"type": "CHOICE", "text": "t", "options": ["a", "b"], "maxLength": 10})),
            "questions[1].maxLength",
        ),
        (with_questions(json!([{"type": "RATING", "text": "t", "options": ["a", "b"]}])), "questions[0].options"),
        (with_questions(json!([{"type": "RATING", "text": "t", "maxLength": 10}])), "questions[0].maxLength"),
        (with_questions(json!([{"type": "RATING", "text": "t", "multiple": true}])), "questions[0].multiple"),
        (with_questions(json!([{"type": "TEXT", "text": "t", "multiple": true}])), "questions[0].multiple"),
        (with_questions(json!([{"type": "TEXT", "text": "t", "options": ["a", "b"]}])), "questions[0].options"),
        (with_questions(json!([{"type": "TEXT", "text": "t", "placeholder": "Type here"}])), "placeholder"),
        (json!({"name": "n", "colour": "blue", "questions": [rating.clone()]}), "colour"),
        (json!({"name": "n", "thankyouMessage": "typo", "questions": [rating.clone()]}), "thankyouMessage"),
    ];
    for (body, field) in cases {
        let reply = app.call("POST", "/api/v1/surveys", &key, Some(body.clone())).await;
        assert_eq!(reply.status, 400, "{body} → {}", reply.body);
        assert!(reply.error().contains(field), "{body}: the error names {field}: {:?}", reply.error());
    }

    for (body, what) in [
        ("{\"name\": \"n\", \"questions\": [", "malformed JSON"),
        ("not json", "not JSON"),
        ("", "an empty body"),
        ("[]", "an array"),
        ("\"a survey\"", "a string"),
        ("42", "a number"),
        ("null", "null"),
    ] {
        let reply = raw(&app, "POST", "/api/v1/surveys", &key, body).await;
        assert_eq!(reply.status, 400, "{what}: {}", reply.body);
        assert!(!reply.error().is_empty(), "{what}: an error text: {}", reply.body);
    }

    assert_eq!(listed(&app, &key, "/api/v1/surveys").await, Vec::<String>::new(), "nothing was created");
}

#[tokio::test]
async fn a_missing_or_malformed_survey_id_answers_404() {
    let app = spawn_app().await;
    let (_, key) = business(&app).await;
    let missing = SurveyId::generate();
    for id in [missing.as_str(), "srv_123", "nope", "proj_0000000000000000000000"] {
        for (method, path, body) in [
            ("GET", survey_path(id), None),
            ("PATCH", survey_path(id), Some(json!({"name": "x"}))),
            ("GET", feedback_path(id), None),
        ] {
            let reply = app.call(method, &path, &key, body).await;
            assert_eq!((reply.status, reply.error()), (404, SURVEY_NOT_FOUND), "{method} {path}: {}", reply.body);
            assert_eq!(reply.body, json!({"error": SURVEY_NOT_FOUND}), "{method} {path}");
        }
    }
}
