//! Listing surveys: newest first, `limit` checked, every survey once across pages, and cursors
//! refused when tampered with, another account's or another list's.

use crate::common::surveys::*;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hearken_tests::{encode, spawn_app};
use serde_json::{json, Value};

#[tokio::test]
async fn the_list_is_newest_first_and_limit_is_checked() {
    let app = spawn_app().await;
    let (_, key) = business(&app).await;
    let empty = app.call("GET", "/api/v1/surveys", &key, None).await;
    assert_eq!(empty.status, 200, "{}", empty.body);
    assert_eq!(empty.body, json!({"data": [], "nextCursor": null}));

    let mut created = vec![];
    for i in 0..26 {
        created.push(create(&app, &key, delivery_survey(&format!("Survey {i}"))).await);
    }
    let newest_first: Vec<String> = created.iter().rev().map(id_of).collect();

    let default = app.call("GET", "/api/v1/surveys", &key, None).await;
    assert_eq!(default.status, 200);
    assert_eq!(ids(default.body["data"].as_array().unwrap()), newest_first[..25], "25 by default, newest first");
    assert!(default.body["nextCursor"].is_string(), "a 26th survey follows");
    // Items are whole surveys, with their questions.
    assert_eq!(default.body["data"][0], created[25]);

    let all = app.call("GET", "/api/v1/surveys?limit=100", &key, None).await;
    assert_eq!(ids(all.body["data"].as_array().unwrap()), newest_first);
    assert_eq!(all.body["nextCursor"], Value::Null, "null on the last page");
    let exact = app.call("GET", "/api/v1/surveys?limit=26", &key, None).await;
    assert_eq!(exact.body["data"].as_array().unwrap().len(), 26);
    assert_eq!(exact.body["nextCursor"], Value::Null, "null when the page holds the last item");
    assert_eq!(listed(&app, &key, "/api/v1/surveys?limit=1").await, newest_first[..1]);

    for bad in ["limit=0", "limit=101", "limit=x", "limit=-1", "limit=2.5"] {
        let reply = app.call("GET", &format!("/api/v1/surveys?{bad}"), &key, None).await;
        assert_eq!(reply.status, 400, "{bad}: {}", reply.body);
        assert!(reply.error().contains("limit"), "{bad}: {}", reply.error());
    }
}

#[tokio::test]
async fn paging_yields_every_survey_once_even_while_surveys_are_created() {
    let app = spawn_app().await;
    let (_, key) = business(&app).await;
    let mut old = vec![];
    for i in 0..7 {
        old.push(id_of(&create(&app, &key, delivery_survey(&format!("Old {i}"))).await));
    }
    old.reverse();
    assert_eq!(ids(&page_through(&app, &key, "/api/v1/surveys", 3).await), old, "3 + 3 + 1, newest first, once each");

    // Surveys created between pages: the old ones still come exactly once, none is skipped.
    let first = app.call("GET", "/api/v1/surveys?limit=3", &key, None).await;
    let mut seen = ids(first.body["data"].as_array().unwrap());
    let mut cursor = first.body["nextCursor"].as_str().expect("a next page").to_owned();
    let mut new = vec![];
    loop {
        for i in 0..2 {
            new.push(id_of(&create(&app, &key, delivery_survey(&format!("New {i}"))).await));
        }
        let page = app.call("GET", &format!("/api/v1/surveys?limit=3&cursor={}", encode(&cursor)), &key, None).await;
        assert_eq!(page.status, 200, "{}", page.body);
        seen.extend(ids(page.body["data"].as_array().unwrap()));
        match page.body["nextCursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    let old_seen: Vec<String> = seen.iter().filter(|id| old.contains(id)).cloned().collect();
    assert_eq!(old_seen, old, "every old survey once, in order");
    assert!(seen.iter().all(|id| !new.contains(id)), "newer surveys sit before the cursor: {seen:?}");
    let everything = ids(&page_through(&app, &key, "/api/v1/surveys", 100).await);
    assert_eq!(everything.len(), 7 + new.len(), "a fresh walk sees the new ones too");
}

#[tokio::test]
async fn tampered_foreign_and_other_lists_cursors_answer_400() {
    let app = spawn_app().await;
    let (_, key) = business(&app).await;
    let (_, stranger) = business(&app).await;
    let mine: Vec<String> = {
        let mut v = vec![];
        for i in 0..3 {
            v.push(id_of(&create(&app, &key, delivery_survey(&format!("Mine {i}"))).await));
        }
        v
    };
    let theirs = id_of(&create(&app, &stranger, delivery_survey("Theirs")).await);
    let first = app.call("GET", "/api/v1/surveys?limit=1", &key, None).await;
    let cursor = first.body["nextCursor"].as_str().expect("a next page").to_owned();
    // It works for its owner.
    assert_eq!(
        listed(&app, &key, &format!("/api/v1/surveys?limit=1&cursor={}", encode(&cursor))).await,
        [mine[1].clone()]
    );

    let mut tampered = vec![
        format!("{}{}", if cursor.starts_with('f') { "e" } else { "f" }, &cursor[1..]),
        cursor[..cursor.len() - 5].to_owned(),
        format!("{cursor}!"),
        "garbage".to_owned(),
        "eyJsIjoic3VydmV5cyJ9".to_owned(),
    ];
    // Edited by hand, well-formed: the position moved to an older survey of the same account.
    // Without the check tag this would answer 200 with a shifted page.
    assert_eq!(mine[0].len(), mine[2].len(), "ids are fixed-width");
    let mut edited = URL_SAFE_NO_PAD.decode(&cursor).expect("a cursor is base64");
    let at = edited.windows(mine[2].len()).position(|w| w == mine[2].as_bytes()).expect("it holds the last id");
    edited[at..at + mine[0].len()].copy_from_slice(mine[0].as_bytes());
    tampered.push(URL_SAFE_NO_PAD.encode(&edited));
    tampered.dedup();
    for bad in &tampered {
        let reply = app.call("GET", &format!("/api/v1/surveys?cursor={}", encode(bad)), &key, None).await;
        assert_invalid_cursor(&reply, &format!("tampered {bad}"));
    }

    // Another account's cursor: 400, never the other account's items.
    let foreign =
        app.call("GET", &format!("/api/v1/surveys?limit=1&cursor={}", encode(&cursor)), &stranger, None).await;
    assert_invalid_cursor(&foreign, "another account's cursor");
    assert!(!foreign.body.to_string().contains(&mine[1]));
    let their_first = app.call("GET", "/api/v1/surveys?limit=1", &stranger, None).await;
    assert_eq!(ids(their_first.body["data"].as_array().unwrap()), [theirs]);

    // The keys list's cursor on the surveys list.
    let made = app.call("POST", "/api/v1/keys", &key, Some(json!({"name": "second"}))).await;
    assert_eq!(made.status, 201, "{}", made.body);
    let keys_page = app.call("GET", "/api/v1/keys?limit=1", &key, None).await;
    let keys_cursor = keys_page.body["nextCursor"].as_str().expect("a keys cursor").to_owned();
    let reply = app.call("GET", &format!("/api/v1/surveys?cursor={}", encode(&keys_cursor)), &key, None).await;
    assert_invalid_cursor(&reply, "a keys cursor");
    // And the surveys list's cursor on the keys list.
    let reply = app.call("GET", &format!("/api/v1/keys?cursor={}", encode(&cursor)), &key, None).await;
    assert_invalid_cursor(&reply, "a surveys cursor on keys");
    // And on a survey's responses.
    let reply = app.call("GET", &format!("{}?cursor={}", feedback_path(&mine[0]), encode(&cursor)), &key, None).await;
    assert_invalid_cursor(&reply, "a surveys cursor on responses");
}
