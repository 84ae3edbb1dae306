//! PATCH: each changeable field, refused values changing nothing, questions frozen by the first
//! response (also when the two race), and responses taken only while ACTIVE.

use crate::common::page::NOT_ACCEPTING;
use crate::common::surveys::*;
use hearken::plans::Plan;
use hearken_tests::{is_iso_millis, spawn_app, spawn_app_with};
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn patch_changes_each_changeable_field() {
    let app = spawn_app().await;
    let (account, key) = business(&app).await;
    let (project, _) = app.project(&account).await;
    let survey = create(&app, &key, delivery_survey("Before")).await;
    let id = id_of(&survey);
    let path = survey_path(&id);
    let mut expected = survey.clone();
    let mut last_updated = survey["updatedAt"].as_str().unwrap().to_owned();
    for change in [
        json!({"name": "After"}),
        json!({"welcomeMessage": "Hello <there>"}),
        json!({"thankYouMessage": "Cheers"}),
        json!({"threshold": 5}),
        json!({"threshold": 1}),
        json!({"status": "PAUSED"}),
        json!({"status": "DRAFT"}),
        json!({"status": "CLOSED"}),
        json!({"status": "ACTIVE"}),
        json!({"projectId": project.id}),
        json!({"projectId": null}),
        json!({"welcomeMessage": ""}),
        json!({"name": "Both", "threshold": 2}),
    ] {
        tokio::time::sleep(Duration::from_millis(3)).await;
        let reply = app.call("PATCH", &path, &key, Some(change.clone())).await;
        assert_eq!(reply.status, 200, "{change}: {}", reply.body);
        for (field, value) in change.as_object().unwrap() {
            expected[field] = value.clone();
        }
        let data = &reply.body["data"];
        for field in
            ["id", "name", "welcomeMessage", "thankYouMessage", "threshold", "status", "projectId", "questions"]
        {
            assert_eq!(data[field], expected[field], "{change}: {field}");
        }
        assert_eq!(data["createdAt"], survey["createdAt"], "{change}");
        let updated = data["updatedAt"].as_str().unwrap().to_owned();
        assert!(is_iso_millis(&updated) && updated > last_updated, "{change}: updatedAt {last_updated} → {updated}");
        last_updated = updated;
        let read = app.call("GET", &path, &key, None).await;
        assert_eq!(&read.body["data"], data, "{change}: GET shows the change");
    }
}

#[tokio::test]
async fn patch_refuses_invalid_values_and_unknown_fields_and_changes_nothing() {
    let app = spawn_app().await;
    let (_, key) = business(&app).await;
    let (_, foreign_project, _) = app.account_with_project(Plan::Business).await;
    let survey = create(&app, &key, delivery_survey("Kept")).await;
    let path = survey_path(&id_of(&survey));
    for (body, field) in [
        (json!({"name": ""}), "name"),
        (json!({"name": null}), "name"),
        (json!({"name": chars(201)}), "name"),
        (json!({"welcomeMessage": chars(2001)}), "welcomeMessage"),
        (json!({"thankYouMessage": chars(2001)}), "thankYouMessage"),
        (json!({"threshold": 0}), "threshold"),
        (json!({"threshold": 9}), "threshold"),
        (json!({"threshold": "4"}), "threshold"),
        (json!({"status": "DONE"}), "status"),
        (json!({"status": "closed"}), "status"),
        (json!({"projectId": foreign_project.id}), "projectId"),
        (json!({"projectId": "nope"}), "projectId"),
        (json!({"questions": []}), "questions"),
        (json!({"questions": [{"type": "STARS", "text": "t"}]}), "questions[0].type"),
        (
            json!({"questions": [{"type": "RATING", "text": "t"}, {"type": "CHOICE", "text": "t", "options": ["a"]}]}),
            "questions[1].options",
        ),
        (json!({"colour": "blue"}), "colour"),
        (json!({"name": "Valid", "colour": "blue"}), "colour"),
        (json!({"name": "Valid", "threshold": 8}), "threshold"),
        (json!({"responseCount": 10}), "responseCount"),
    ] {
        let reply = app.call("PATCH", &path, &key, Some(body.clone())).await;
        assert_eq!(reply.status, 400, "{body} → {}", reply.body);
        assert!(reply.error().contains(field), "{body}: the error names {field}: {:?}", reply.error());
    }
    for (body, what) in [("{\"name\": ", "malformed JSON"), ("[]", "an array"), ("\"x\"", "a string")] {
        let reply = raw(&app, "PATCH", &path, &key, body).await;
        assert_eq!(reply.status, 400, "{what}: {}", reply.body);
    }
    let read = app.call("GET", &path, &key, None).await;
    assert_eq!(read.body["data"], survey, "no refused PATCH changed anything");
}

#[tokio::test]
async fn questions_are_replaced_until_the_first_response_then_refused() {
    let app = spawn_app().await;
    let (_, key) = business(&app).await;
    let survey = create(&app, &key, delivery_survey("Menu")).await;
    let id = id_of(&survey);
    let path = survey_path(&id);
    let old = question_ids(&survey);

    // A new list: new ids.
    let replaced = app
        .call(
            "PATCH",
            &path,
            &key,
            Some(json!({"questions": [
                {"type": "CHOICE", "text": "Dessert?", "options": ["Cake", "Fruit"]},
                {"type": "RATING", "text": "Overall?", "required": true}
            ]})),
        )
        .await;
    assert_eq!(replaced.status, 200, "{}", replaced.body);
    let data = &replaced.body["data"];
    let new = question_ids(data);
    assert_eq!(new.len(), 2);
    assert!(new.iter().all(|q| q.starts_with("q_") && !old.contains(q)), "{old:?} → {new:?}");
    assert_eq!(data["questions"][0]["type"], "CHOICE");
    assert_eq!(data["questions"][0]["options"], json!(["Cake", "Fruit"]));
    assert_eq!(data["questions"][1]["required"], true);
    assert_eq!(app.call("GET", &path, &key, None).await.body["data"]["questions"], data["questions"]);

    // A question sent back with its id keeps it (its text may change); one without gets a new id.
    let mut kept = data["questions"][1].clone();
    kept["text"] = json!("Overall, how was it?");
    let again = app
        .call("PATCH", &path, &key, Some(json!({"questions": [kept, {"type": "TEXT", "text": "Anything else?"}]})))
        .await;
    assert_eq!(again.status, 200, "{}", again.body);
    let again_ids = question_ids(&again.body["data"]);
    assert_eq!(again_ids[0], new[1], "kept when sent back");
    assert_eq!(again.body["data"]["questions"][0]["text"], "Overall, how was it?");
    assert!(!new.contains(&again_ids[1]) && !old.contains(&again_ids[1]) && again_ids[1].starts_with("q_"));
    assert_eq!(again.body["data"]["questions"][1]["maxLength"], 2000);

    // The first response freezes them.
    answer(&app, &id, json!({ again_ids[0].clone(): 4 })).await;
    let before = app.call("GET", &path, &key, None).await.body["data"].clone();
    assert_eq!(before["responseCount"], 1);
    let refused = app
        .call("PATCH", &path, &key, Some(json!({"name": "Renamed", "questions": [{"type": "RATING", "text": "New"}]})))
        .await;
    assert_eq!((refused.status, refused.error()), (400, QUESTIONS_FROZEN), "{}", refused.body);
    let same = app.call("PATCH", &path, &key, Some(json!({"questions": before["questions"].clone()}))).await;
    assert_eq!((same.status, same.error()), (400, QUESTIONS_FROZEN), "even the same list");
    assert_eq!(app.call("GET", &path, &key, None).await.body["data"], before, "nothing changed, the name neither");

    // The other fields still change.
    let renamed = app.call("PATCH", &path, &key, Some(json!({"name": "Renamed", "threshold": 4}))).await;
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    assert_eq!(renamed.body["data"]["name"], "Renamed");
    assert_eq!(renamed.body["data"]["questions"], before["questions"]);
}

#[tokio::test]
async fn only_an_active_survey_takes_responses() {
    let app = spawn_app().await;
    let (_, key) = business(&app).await;
    let survey = create(&app, &key, delivery_survey("Open")).await;
    let id = id_of(&survey);
    let rating = question_ids(&survey)[0].clone();
    answer(&app, &id, json!({ rating.clone(): 5 })).await;
    for status in ["CLOSED", "PAUSED", "DRAFT"] {
        let patched = app.call("PATCH", &survey_path(&id), &key, Some(json!({ "status": status }))).await;
        assert_eq!(patched.status, 200, "{}", patched.body);
        let reply = respond(&app, &id, json!({ rating.clone(): 5 })).await;
        assert_eq!((reply.status, reply.error()), (409, NOT_ACCEPTING), "{status}: {}", reply.body);
    }
    let reopened = app.call("PATCH", &survey_path(&id), &key, Some(json!({"status": "ACTIVE"}))).await;
    assert_eq!(reopened.status, 200);
    answer(&app, &id, json!({ rating.clone(): 5 })).await;
    assert_eq!(listed(&app, &key, &feedback_path(&id)).await.len(), 2, "the refused posts stored nothing");
    assert_eq!(app.call("GET", &survey_path(&id), &key, None).await.body["data"]["responseCount"], 2);

    let mut draft = delivery_survey("Draft");
    draft["status"] = json!("DRAFT");
    let draft = create(&app, &key, draft).await;
    let reply = respond(&app, &id_of(&draft), json!({ question_ids(&draft)[0].clone(): 5 })).await;
    assert_eq!((reply.status, reply.error()), (409, NOT_ACCEPTING));
}

#[tokio::test]
async fn a_response_and_a_questions_patch_racing_never_both_succeed() {
    let app = spawn_app_with(|app| app.settings.survey_responses_per_ip_per_minute = 1000).await;
    let (_, key) = business(&app).await;
    for round in 0..8 {
        let survey = create(&app, &key, delivery_survey(&format!("Race {round}"))).await;
        let id = id_of(&survey);
        let rating = question_ids(&survey)[0].clone();
        let path = survey_path(&id);
        let change = json!({"questions": [{"type": "TEXT", "text": "Only this now"}]});
        let (posted, patched) = tokio::join!(
            respond(&app, &id, json!({ rating.clone(): 4 })),
            app.call("PATCH", &path, &key, Some(change))
        );
        let stored = listed(&app, &key, &feedback_path(&id)).await;
        let now = app.call("GET", &path, &key, None).await.body["data"].clone();
        match (posted.status, patched.status) {
            (201, 400) => {
                assert_eq!(patched.error(), QUESTIONS_FROZEN, "round {round}");
                assert_eq!(question_ids(&now), question_ids(&survey), "round {round}: questions kept");
                assert_eq!((stored.len(), now["responseCount"].clone()), (1, json!(1)), "round {round}");
            }
            (status, 200) => {
                assert!(matches!(status, 400 | 409), "round {round}: the response after the change: {}", posted.body);
                assert_eq!(question_ids(&now).len(), 1, "round {round}: replaced");
                assert_eq!((stored.len(), now["responseCount"].clone()), (0, json!(0)), "round {round}");
            }
            other => panic!("round {round}: response {} / PATCH {}: {other:?}", posted.body, patched.body),
        }
    }
}
