//! Topic guides (`/api/v1/surveys/{surveyId}/topic-guides`): made, listed, read, changed and
//! deleted with the documented bodies and errors; who may read and who may change them; a guide
//! id answers only under its own survey; and, end to end through the topics function, a guide
//! becomes a topic of the survey's responses within a minute (its own answers and no others,
//! beside discovered topics and alone), `discoverTopics: false` keeps only the guides, and a
//! deleted guide leaves — with `/topics` agreeing with `/feedback` each time.

use hearken::plans::Plan;
use hearken_tests::{eventually, spawn_app, spawn_app_without_topics, TestApp};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

fn guides_path(survey: &str) -> String {
    format!("/api/v1/surveys/{survey}/topic-guides")
}

async fn new_survey(app: &TestApp, key: &str) -> Value {
    let body = json!({"name": "Delivery", "questions": [
        {"type": "RATING", "text": "How was it?", "required": true},
        {"type": "TEXT", "text": "What could we do better?"}
    ]});
    let reply = app.call("POST", "/api/v1/surveys", key, Some(body)).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.body["data"].clone()
}

fn id(value: &Value) -> String {
    value["id"].as_str().expect("an id").to_owned()
}

#[tokio::test]
async fn guides_are_made_listed_read_changed_and_deleted() {
    let app = spawn_app_without_topics().await;
    let (_, owner) = app.account(Plan::Business).await;
    let owner = owner.expose().to_owned();
    let survey = id(&new_survey(&app, &owner).await);
    let path = guides_path(&survey);

    let body = json!({"name": " Delivery time ", "examples": ["The courier was an hour late", " Took forever "]});
    let made = app.call("POST", &path, &owner, Some(body)).await;
    assert_eq!(made.status, 201, "{}", made.body);
    let guide = made.body["data"].clone();
    assert!(id(&guide).starts_with("tg_"), "{guide}");
    assert_eq!(guide["name"], "Delivery time");
    assert_eq!(guide["examples"], json!(["The courier was an hour late", "Took forever"]));
    assert!(guide["createdAt"].is_string() && guide["updatedAt"] == guide["createdAt"], "{guide}");
    let one = format!("{path}/{}", id(&guide));

    let second = app.call("POST", &path, &owner, Some(json!({"name": "Cold food", "examples": ["cold soup"]}))).await;
    assert_eq!(second.status, 201, "{}", second.body);
    let listed = app.call("GET", &path, &owner, None).await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    let names: Vec<&str> =
        listed.body["data"].as_array().unwrap().iter().map(|g| g["name"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["Delivery time", "Cold food"], "oldest first");
    assert_eq!(app.call("GET", &one, &owner, None).await.body["data"], guide);

    // Only the fields given change; a name differing only in case is the same name.
    let changed = app.call("PATCH", &one, &owner, Some(json!({"examples": ["Late again"]}))).await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    assert_eq!(
        (changed.body["data"]["name"].clone(), changed.body["data"]["examples"].clone()),
        (json!("Delivery time"), json!(["Late again"]))
    );
    assert!(changed.body["data"]["updatedAt"].as_str() > guide["updatedAt"].as_str());
    // A change that changes nothing writes nothing (and starts no re-derivation).
    let same = app.call("PATCH", &one, &owner, Some(json!({"examples": ["Late again"]}))).await;
    assert_eq!((same.status, &same.body["data"]), (200, &changed.body["data"]), "{}", same.body);
    let recased = app.call("PATCH", &one, &owner, Some(json!({"name": "delivery TIME"}))).await;
    assert_eq!(
        (recased.status, recased.body["data"]["name"].clone()),
        (200, json!("delivery TIME")),
        "{}",
        recased.body
    );
    for taken in ["cold food", "COLD FOOD"] {
        let clash = app.call("POST", &path, &owner, Some(json!({"name": taken, "examples": ["x"]}))).await;
        assert_eq!(clash.status, 409, "{}", clash.body);
        assert!(clash.error().starts_with("name:"), "{}", clash.error());
        let rename = app.call("PATCH", &one, &owner, Some(json!({"name": taken}))).await;
        assert_eq!(rename.status, 409, "{}", rename.body);
    }
    // The old name is free again once renamed away.
    let freed = app.call("PATCH", &one, &owner, Some(json!({"name": "Lateness"}))).await;
    assert_eq!(freed.status, 200, "{}", freed.body);
    let reuse = app.call("POST", &path, &owner, Some(json!({"name": "Delivery time", "examples": ["slow"]}))).await;
    assert_eq!(reuse.status, 201, "{}", reuse.body);

    let deleted = app.call("DELETE", &one, &owner, None).await;
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    assert_eq!(deleted.body["data"], json!({"id": id(&guide), "deleted": true}));
    for (method, body) in [("GET", None), ("PATCH", Some(json!({"name": "x"}))), ("DELETE", None)] {
        let gone = app.call(method, &one, &owner, body).await;
        assert_eq!((gone.status, gone.error()), (404, "Topic guide not found"), "{method}");
    }
    let names: BTreeSet<String> = app.call("GET", &path, &owner, None).await.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, BTreeSet::from(["Cold food".to_owned(), "Delivery time".to_owned()]));
}

#[tokio::test]
async fn bad_bodies_are_400s_naming_the_field_and_a_survey_holds_twenty_guides() {
    let app = spawn_app_without_topics().await;
    let (_, owner) = app.account(Plan::Business).await;
    let owner = owner.expose().to_owned();
    let survey = new_survey(&app, &owner).await;
    let path = guides_path(&id(&survey));
    let long = "x".repeat(1001);
    let cases = [
        (json!({"examples": ["x"]}), "name is required"),
        (json!({"name": "x"}), "examples is required"),
        (json!({"name": "", "examples": ["x"]}), "name must be a string of 1 to 100 characters"),
        (json!({"name": 7, "examples": ["x"]}), "name must be a string of 1 to 100 characters"),
        (
            json!({"name": "x", "examples": []}),
            "examples must be a list of 1 to 20 texts of 1 to 1000 characters (got 0)",
        ),
        (json!({"name": "x", "examples": "late"}), "examples must be a list of 1 to 20 texts of 1 to 1000 characters"),
        (json!({"name": "x", "examples": ["ok", long]}), "examples[1] must be a string of 1 to 1000 characters"),
        (
            json!({"name": "x", "examples": ["x"], "colour": "red"}),
            "Unknown field 'colour'; a topic guide has name, examples",
        ),
        (json!(["x"]), "Request body must be a JSON object"),
    ];
    for (body, error) in cases {
        let reply = app.call("POST", &path, &owner, Some(body.clone())).await;
        assert_eq!((reply.status, reply.error()), (400, error), "{body}");
    }
    let made = app.call("POST", &path, &owner, Some(json!({"name": "g0", "examples": ["x"]}))).await;
    let one = format!("{path}/{}", id(&made.body["data"]));
    let empty = app.call("PATCH", &one, &owner, Some(json!({}))).await;
    assert_eq!((empty.status, empty.error()), (400, "Nothing to change: give name or examples"));
    let survey_flag = app
        .call("PATCH", &format!("/api/v1/surveys/{}", id(&survey)), &owner, Some(json!({"discoverTopics": "no"})))
        .await;
    assert_eq!((survey_flag.status, survey_flag.error()), (400, "discoverTopics must be true or false"));

    for n in 1..20 {
        let reply = app.call("POST", &path, &owner, Some(json!({"name": format!("g{n}"), "examples": ["x"]}))).await;
        assert_eq!(reply.status, 201, "guide {n}: {}", reply.body);
    }
    let full = app.call("POST", &path, &owner, Some(json!({"name": "g20", "examples": ["x"]}))).await;
    assert_eq!((full.status, full.error()), (409, "A survey has at most 20 topic guides; delete one first"));
    assert_eq!(app.call("DELETE", &one, &owner, None).await.status, 200);
    let room = app.call("POST", &path, &owner, Some(json!({"name": "g20", "examples": ["x"]}))).await;
    assert_eq!(room.status, 201, "a deleted guide frees its place: {}", room.body);
}

#[tokio::test]
async fn full_keys_change_guides_read_only_keys_read_them_and_ids_stay_in_their_survey() {
    let app = spawn_app_without_topics().await;
    let (_, owner) = app.account(Plan::Business).await;
    let owner = owner.expose().to_owned();
    let key_of = |use_case: &'static str| {
        let (app, owner) = (&app, owner.clone());
        async move {
            let made =
                app.call("POST", "/api/v1/keys", &owner, Some(json!({"name": use_case, "useCase": use_case}))).await;
            assert_eq!(made.status, 201, "{}", made.body);
            made.body["data"]["key"].as_str().unwrap().to_owned()
        }
    };
    let (member, read_only, ingest) = (key_of("FULL").await, key_of("READ_ONLY").await, key_of("INGEST").await);
    let survey = id(&new_survey(&app, &owner).await);
    let other = id(&new_survey(&app, &owner).await);
    let path = guides_path(&survey);

    let by_member = app.call("POST", &path, &member, Some(json!({"name": "late", "examples": ["late"]}))).await;
    assert_eq!(by_member.status, 201, "a member FULL key makes guides: {}", by_member.body);
    let one = format!("{path}/{}", id(&by_member.body["data"]));
    for (method, target) in [("GET", path.clone()), ("GET", one.clone())] {
        assert_eq!(app.call(method, &target, &read_only, None).await.status, 200, "READ_ONLY {method} {target}");
    }
    let writes = [
        ("POST", path.clone(), Some(json!({"name": "x", "examples": ["x"]}))),
        ("PATCH", one.clone(), Some(json!({"name": "x"}))),
        ("DELETE", one.clone(), None),
    ];
    for (method, target, body) in writes.iter().cloned() {
        let reply = app.call(method, &target, &read_only, body).await;
        assert_eq!(reply.status, 403, "READ_ONLY {method}: {}", reply.body);
    }
    for (method, target, body) in writes.iter().cloned().chain([("GET", path.clone(), None)]) {
        let reply = app.call(method, &target, &ingest, body).await;
        assert_eq!(reply.status, 403, "INGEST {method}: {}", reply.body);
    }

    // The guide's id under another survey of the same account answers as an unknown guide.
    let elsewhere = format!("{}/{}", guides_path(&other), id(&by_member.body["data"]));
    let unknown = format!("{}/{}", guides_path(&other), hearken::ids::TopicGuideId::generate());
    // The first call of a minute also records the key's last use: make it before the costs are
    // compared, in the window they fall in.
    hearken_tests::settle_in_one_minute_window().await;
    assert_eq!(app.call("GET", &guides_path(&other), &owner, None).await.status, 200);
    for method in ["GET", "DELETE"] {
        let (a, b) = (app.call(method, &elsewhere, &owner, None).await, app.call(method, &unknown, &owner, None).await);
        assert_eq!((a.status, a.error()), (404, "Topic guide not found"));
        assert_eq!((a.status, a.error(), a.db_calls_and_rounds()), (b.status, b.error(), b.db_calls_and_rounds()));
    }
    let malformed = app.call("GET", &format!("{path}/not-a-guide"), &owner, None).await;
    assert_eq!((malformed.status, malformed.error()), (404, "Topic guide not found"));

    // Below BUSINESS: the surveys' 403.
    let (_, pro) = app.account(Plan::Pro).await;
    let reply = app.call("GET", &guides_path(&survey), pro.expose(), None).await;
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert_eq!(app.call("GET", &one, &owner, None).await.status, 200, "the guide is untouched");
}

/// A project key (`mbk_`) works on the Miniback API only, and a key limited to some projects sees
/// a survey filed to another project as no survey at all: neither reaches that survey's guides,
/// and the limited key's refusal costs what an unknown survey costs. A key whose list holds the
/// survey's project manages its guides.
#[tokio::test]
async fn project_keys_and_keys_limited_to_other_projects_do_not_reach_a_surveys_guides() {
    let app = spawn_app_without_topics().await;
    let (account, owner) = app.account(Plan::Business).await;
    let owner = owner.expose().to_owned();
    let (filed, project_key) = app.project(&account).await;
    let (other, _) = hearken::admin::create_project(&app.app, &account.id, "Other project", None).await.unwrap();
    let limited_to = |project: &hearken::store::projects::Project| {
        let (app, owner, project) = (&app, owner.clone(), project.id.to_string());
        async move {
            let body = json!({"name": "limited", "allowedProjects": [project]});
            let made = app.call("POST", "/api/v1/keys", &owner, Some(body)).await;
            assert_eq!(made.status, 201, "{}", made.body);
            made.body["data"]["key"].as_str().unwrap().to_owned()
        }
    };
    let (elsewhere, inside) = (limited_to(&other).await, limited_to(&filed).await);
    let mut body = json!({"name": "Filed", "questions": [{"type": "TEXT", "text": "What could we do better?"}]});
    body["projectId"] = json!(filed.id);
    let made = app.call("POST", "/api/v1/surveys", &owner, Some(body)).await;
    assert_eq!(made.status, 201, "{}", made.body);
    let survey = id(&made.body["data"]);
    let guide =
        app.call("POST", &guides_path(&survey), &owner, Some(json!({"name": "late", "examples": ["late"]}))).await;
    assert_eq!(guide.status, 201, "{}", guide.body);
    let guide = id(&guide.body["data"]);

    let routes = |survey: &str| {
        let (path, one) = (guides_path(survey), format!("{}/{guide}", guides_path(survey)));
        [
            ("GET", path.clone(), None),
            ("POST", path, Some(json!({"name": "x", "examples": ["x"]}))),
            ("GET", one.clone(), None),
            ("PATCH", one.clone(), Some(json!({"name": "y"}))),
            ("DELETE", one, None),
        ]
    };
    let unknown = hearken::ids::SurveyId::generate().to_string();
    // Each key's first call also reads the key, and the first of a minute records its last use:
    // make it before the costs are compared, in the window they fall in.
    hearken_tests::settle_in_one_minute_window().await;
    assert_eq!(app.call("GET", "/api/v1/surveys", &elsewhere, None).await.status, 200);
    for ((method, path, body), (_, unknown_path, _)) in routes(&survey).into_iter().zip(routes(&unknown)) {
        let by_project_key = app.call(method, &path, project_key.expose(), body.clone()).await;
        assert_eq!(by_project_key.status, 403, "mbk_ {method} {path}: {}", by_project_key.body);
        assert!(by_project_key.error().starts_with("A project key (mbk_)"), "{}", by_project_key.error());

        let (refused, missing) = (
            app.call(method, &path, &elsewhere, body.clone()).await,
            app.call(method, &unknown_path, &elsewhere, body.clone()).await,
        );
        assert_eq!((refused.status, refused.error()), (404, "Survey not found"), "limited {method} {path}");
        assert_eq!(
            (refused.status, refused.error(), refused.db_calls_and_rounds()),
            (missing.status, missing.error(), missing.db_calls_and_rounds()),
            "a survey outside the key's projects costs what an unknown one costs: {method} {path}"
        );
    }
    let listed = app.call("GET", &guides_path(&survey), &owner, None).await;
    let names: Vec<Value> = listed.body["data"].as_array().unwrap().iter().map(|g| g["name"].clone()).collect();
    assert_eq!(names, [json!("late")], "no refused key changed the guides");

    let (path, one) = (guides_path(&survey), format!("{}/{guide}", guides_path(&survey)));
    let made = app.call("POST", &path, &inside, Some(json!({"name": "cold", "examples": ["cold food"]}))).await;
    assert_eq!(made.status, 201, "a key limited to the survey's project: {}", made.body);
    assert_eq!(app.call("PATCH", &one, &inside, Some(json!({"name": "late food"}))).await.status, 200);
    assert_eq!(app.call("GET", &path, &inside, None).await.body["data"].as_array().map(Vec::len), Some(2));
}

/// Answers of three kinds: late deliveries, cold food, and wrong items (the guide's theme).
const ANSWERS: [(u8, &str); 15] = [
    (1, "The courier was over an hour late."),
    (2, "Delivery took ages again, almost 90 minutes."),
    (2, "Late delivery, the driver got lost twice."),
    (2, "My order arrived forty minutes after the promised time."),
    (2, "The soup was lukewarm when it arrived."),
    (1, "Cold fries and a cold burger, not acceptable."),
    (2, "Food arrived cold, the pizza was not even warm."),
    (2, "Everything was cold by the time it got here."),
    (1, "They forgot the drinks I ordered."),
    (1, "I got someone else's order, wrong dishes entirely."),
    (2, "Half of my order was missing, no dessert and no sides."),
    (1, "Wrong pizza again, I asked for vegetarian and got pepperoni."),
    (2, "The sauce I paid for was not in the bag."),
    (5, "Great!"),
    (4, "meh"),
];

/// Every response's topics once they are all processed and `/topics` counts what `/feedback`
/// shows, within a minute of `settled` holding.
async fn settle(
    app: &TestApp,
    key: &str,
    survey: &str,
    what: &str,
    settled: impl Fn(&[(String, Vec<String>)]) -> bool,
) {
    let feedback = format!("/api/v1/surveys/{survey}/feedback?limit=100");
    let topics = format!("/api/v1/surveys/{survey}/topics?limit=50");
    let last = std::cell::RefCell::new(String::new());
    let done = eventually(Duration::from_secs(60), || async {
        let page = app.call("GET", &feedback, key, None).await.body["data"].as_array().cloned().unwrap_or_default();
        let seen: Vec<(String, Vec<String>)> = page
            .iter()
            .map(|r| {
                let topics = r["topics"].as_array().map(|t| t.iter().map(|t| t.as_str().unwrap().to_owned()).collect());
                (r["answers"][1]["value"].as_str().unwrap_or_default().to_owned(), topics.unwrap_or_default())
            })
            .collect();
        let mut counted: BTreeMap<String, u64> = BTreeMap::new();
        for (_, topics) in &seen {
            for topic in topics {
                *counted.entry(topic.clone()).or_default() += 1;
            }
        }
        let reported: BTreeMap<String, u64> = app.call("GET", &topics, key, None).await.body["data"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|t| (t["topic"].as_str().unwrap().to_owned(), t["mentions"].as_u64().unwrap()))
            .collect();
        *last.borrow_mut() = format!("{seen:?}\n/topics: {reported:?}");
        page.len() == ANSWERS.len()
            && page.iter().all(|r| r["topics"].is_array())
            && reported == counted
            && settled(&seen)
    })
    .await;
    assert!(done, "{what} within a minute; last seen:\n{}", last.borrow());
}

#[tokio::test]
async fn a_guide_becomes_a_topic_of_the_responses_within_a_minute() {
    let app = spawn_app().await;
    let (_, key) = app.account(Plan::Business).await;
    let key = key.expose().to_owned();
    let survey = new_survey(&app, &key).await;
    let id = id(&survey);
    let (rating, text) = (survey["questions"][0]["id"].clone(), survey["questions"][1]["id"].clone());
    for (stars, words) in ANSWERS {
        let body = json!({"answers": {rating.as_str().unwrap(): stars, text.as_str().unwrap(): words}});
        assert_eq!(app.http.post(app.url(&format!("/s/{id}"))).json(&body).send().await.unwrap().status(), 201);
    }
    let wrong_items = |text: &str| ANSWERS[8..13].iter().any(|(_, t)| *t == text);
    settle(&app, &key, &id, "the responses get their topics", |_| true).await;

    let guide = json!({"name": "Order mistakes", "examples": [
        "They forgot part of my order", "I received the wrong meal", "Items were missing from the bag"
    ]});
    let made = app.call("POST", &guides_path(&id), &key, Some(guide)).await;
    assert_eq!(made.status, 201, "{}", made.body);
    // Beside the discovered topics, and alone, the guide gets the answers about wrong or missing
    // items and none of the others.
    let guide_alone = |seen: &[(String, Vec<String>)]| {
        let guided = |(text, topics): &&(String, Vec<String>)| {
            wrong_items(text) && topics.contains(&"Order mistakes".to_owned())
        };
        let stray = |(text, topics): &(String, Vec<String>)| {
            !wrong_items(text) && topics.contains(&"Order mistakes".to_owned())
        };
        seen.iter().filter(guided).count() >= 4 && !seen.iter().any(stray)
    };
    settle(&app, &key, &id, "the guide's topic reaches the answers about wrong or missing items alone", |seen| {
        guide_alone(seen) && seen.iter().any(|(_, topics)| topics.iter().any(|t| t != "Order mistakes"))
    })
    .await;

    // Only the guides: discovered topics leave, and the guide keeps to its own answers.
    let only = app.call("PATCH", &format!("/api/v1/surveys/{id}"), &key, Some(json!({"discoverTopics": false}))).await;
    assert_eq!((only.status, only.body["data"]["discoverTopics"].clone()), (200, json!(false)), "{}", only.body);
    settle(&app, &key, &id, "only the guide's topic is left, on its own answers", |seen| {
        seen.iter().all(|(_, topics)| topics.iter().all(|t| t == "Order mistakes")) && guide_alone(seen)
    })
    .await;

    // The guide deleted: its topic leaves too.
    let listed = app.call("GET", &guides_path(&id), &key, None).await;
    let guide = listed.body["data"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(app.call("DELETE", &format!("{}/{guide}", guides_path(&id)), &key, None).await.status, 200);
    settle(&app, &key, &id, "no topic is left", |seen| seen.iter().all(|(_, topics)| topics.is_empty())).await;
}
