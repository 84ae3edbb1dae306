//! Tenants, plans and keys: another account's survey reads as missing, only BUSINESS keys read,
//! READ_ONLY reads, INGEST does not, no key is a 401.

use crate::common::analytics::*;
use crate::common::{needs_business, SURVEY_NOT_FOUND};
use hearken::ids::SurveyId;
use hearken::plans::Plan;
use hearken::time::Timestamp;
use hearken_tests::{spawn_app_without_topics, texts, Reply};
use serde_json::json;

#[tokio::test]
async fn another_accounts_survey_reads_as_missing_and_only_business_keys_read() {
    let app = spawn_app_without_topics().await;
    let today = today().await;
    let (_, owner) = app.account(Plan::Business).await;
    let owner = owner.expose().to_owned();
    let fixture = create_survey(&app, &owner, 3).await;
    let mut facts = write_all(&app, &fixture.item, vec![spec(Timestamp::now(), Some(4), true, true)]).await;
    set_all_topics(&app, &fixture.id, &mut facts, vec![(0, vec!["delivery time"])]).await;
    let missing = SurveyId::generate().to_string();
    let routes = |survey: &str| {
        [
            format!("/api/v1/surveys/{survey}/analytics"),
            format!("/api/v1/surveys/{survey}/topics"),
            format!("/api/v1/surveys/{survey}/analytics?from={today}&to={today}"),
            format!("/api/v1/surveys/{survey}/topics?from={today}&to={today}&limit=5"),
        ]
    };

    // Another BUSINESS account: the survey does not exist for it, exactly like a missing one.
    let stranger = business(&app).await;
    for (theirs, nobodys) in routes(&fixture.id).iter().zip(routes(&missing)) {
        let theirs = app.call("GET", theirs, &stranger, None).await;
        let nobodys = app.call("GET", &nobodys, &stranger, None).await;
        assert_eq!((theirs.status, theirs.error()), (404, SURVEY_NOT_FOUND), "{}", theirs.body);
        assert_eq!((theirs.status, &theirs.body), (nobodys.status, &nobodys.body));
    }
    for path in ["/api/v1/surveys/not-a-survey/analytics", "/api/v1/surveys/srv_x/topics"] {
        let reply = app.call("GET", path, &owner, None).await;
        assert_eq!((reply.status, reply.error()), (404, SURVEY_NOT_FOUND), "{path}: {}", reply.body);
    }

    // The owner reads them; so does a READ_ONLY key, and the curl examples' Bearer header works.
    let made = app.call("POST", "/api/v1/keys", &owner, Some(json!({"name": "Looker", "useCase": "READ_ONLY"}))).await;
    assert_eq!(made.status, 201, "{}", made.body);
    let reader = made.body["data"]["key"].as_str().unwrap().to_owned();
    for path in routes(&fixture.id) {
        let own = data(&app, &owner, &path).await;
        assert_eq!(data(&app, &reader, &path).await, own, "READ_ONLY {path}");
        let bearer = app.http.get(app.url(&path)).header("authorization", format!("Bearer {reader}"));
        let reply = Reply::from(bearer.send().await.unwrap()).await;
        assert_eq!((reply.status, &reply.body["data"]), (200, &own), "Bearer {path}");
    }
    let topics = data(&app, &owner, &routes(&fixture.id)[1]).await;
    assert_eq!(topics, json!([{"topic": "delivery time", "mentions": 1, "averageRating": 4.0, "share": 1.0}]));

    // An INGEST key reads nothing.
    let made = app.call("POST", "/api/v1/keys", &owner, Some(json!({"name": "Form", "useCase": "INGEST"}))).await;
    assert_eq!(made.status, 201, "{}", made.body);
    let ingest = made.body["data"]["key"].as_str().unwrap().to_owned();
    for path in routes(&fixture.id) {
        let reply = app.call("GET", &path, &ingest, None).await;
        assert_eq!(reply.status, 403, "INGEST {path}: {}", reply.body);
        assert!(reply.error().contains("INGEST"), "{}", reply.error());
    }

    // Plans below BUSINESS: 403 naming BUSINESS, and no call used.
    for (plan, name) in [(Plan::Pro, "PRO"), (Plan::Starter, "STARTER"), (Plan::Free, "FREE")] {
        let (other, key) = app.account(plan).await;
        let key = key.expose().to_owned();
        let before = app.calls_this_month(&other).await;
        for path in routes(&fixture.id).iter().chain(&routes(&missing)) {
            let reply = app.call("GET", path, &key, None).await;
            assert_eq!((reply.status, reply.error()), (403, needs_business(name).as_str()), "{name} {path}");
        }
        assert_eq!(app.calls_this_month(&other).await, before, "{name}: refused requests use no call");
    }

    // No key: 401.
    for path in routes(&fixture.id) {
        let reply = Reply::from(app.http.get(app.url(&path)).send().await.unwrap()).await;
        assert_eq!((reply.status, reply.error()), (401, texts::KEY_REQUIRED), "{path}");
    }
}
