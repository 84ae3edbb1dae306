//! Respondent references on the public page: a link's `?ref=` kept in the form (a hidden field)
//! through a post and a page shown again, stored with the response and listed; a bad one left out
//! of the page and of a form's response; in a JSON post, `ref` stored, or a 400 naming `ref`.

use crate::common::page::*;
use hearken_tests::{encode, spawn_app, spawn_app_with, TestApp};
use serde_json::{json, Value};

/// The page of the survey's link with `?ref=` (encoded).
async fn get_page_with_ref(app: &TestApp, survey: &str, reference: &str) -> Page {
    let url = app.url(&format!("{}?ref={}", page_path(survey), encode(reference)));
    Page::from(app.http.get(url).send().await.expect("the gateway answers")).await
}

/// The form's hidden fields, as a browser posts them: `(name, value)`.
fn hidden_fields(page: &Page) -> Vec<(String, String)> {
    let form = page.all("form");
    assert_eq!(form.len(), 1, "one form: {}", page.html);
    page.all("form input[type=hidden]")
        .into_iter()
        .map(|input| {
            (input.attr("name").unwrap_or_default().to_owned(), input.attr("value").unwrap_or_default().to_owned())
        })
        .collect()
}

/// The stored response item's `respondent` attribute (the DynamoDB item itself, not the API's view).
async fn stored_respondent(app: &TestApp, response: &str) -> Option<Value> {
    let items = app.all_items(&app.app.tables.feedback).await;
    let item = items
        .iter()
        .find(|item| item.get("sk").and_then(|v| v.as_s().ok()).map(String::as_str) == Some(response))
        .unwrap_or_else(|| panic!("{response} is stored"));
    let respondent = item.get("respondent")?;
    let map = respondent.as_m().unwrap_or_else(|_| panic!("respondent is a map: {respondent:?}"));
    Some(json!({"ref": map.get("ref").and_then(|v| v.as_s().ok()).expect("respondent.ref is a string")}))
}

#[tokio::test]
async fn a_link_s_ref_is_kept_through_the_form_post_and_stored_with_the_response() {
    let app = spawn_app().await;
    let (key, survey) = standard(&app).await;
    let page = get_page_with_ref(&app, &survey.id, "crm:42").await;
    assert_eq!(page.status, 200, "{}", page.html);
    assert_eq!(hidden_fields(&page), [("ref".to_owned(), "crm:42".to_owned())]);
    let hidden = page.all("input[name=ref]");
    assert_eq!(hidden.len(), 1, "{}", page.html);
    assert!(hidden[0].has("type", "hidden"), "{:?}", hidden[0]);
    assert_eq!(page.all("form")[0].attr("action"), Some(page_path(&survey.id).as_str()), "the action stays bare");

    // The browser posts the hidden field with the answers.
    let mut fields = valid_form(&survey);
    let carried = hidden_fields(&page);
    fields.extend(carried.iter().map(|(name, value)| (name.as_str(), value.as_str())));
    let thanks = post_form(&app, &survey.id, &fields).await;
    assert_eq!(thanks.status, 201, "{}", thanks.html);

    let listed = responses(&app, &key, &survey.id).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["respondent"], json!({"ref": "crm:42"}), "{}", listed[0]);
    assert_eq!(answers_of(&listed[0]).len(), 4, "ref is no answer: {}", listed[0]);
    let id = listed[0]["id"].as_str().unwrap();
    assert_eq!(stored_respondent(&app, id).await, Some(json!({"ref": "crm:42"})));

    // The same page without a ref: no hidden field, and a response without a respondent.
    let plain = get_page(&app, &survey.id).await;
    assert!(hidden_fields(&plain).is_empty(), "{}", plain.html);
    assert_eq!(post_form(&app, &survey.id, &valid_form(&survey)).await.status, 201);
    let listed = responses(&app, &key, &survey.id).await;
    assert_eq!(listed[0]["respondent"], Value::Null, "{}", listed[0]);
    assert!(listed[0].as_object().unwrap().contains_key("respondent"), "present, as null: {}", listed[0]);
    assert_eq!(stored_respondent(&app, listed[0]["id"].as_str().unwrap()).await, None, "no attribute stored");
}

#[tokio::test]
async fn a_link_s_bad_ref_is_left_out_of_the_page() {
    let app = spawn_app().await;
    let (_, survey) = standard(&app).await;
    let too_long = "x".repeat(129);
    for bad in ["a b", "<script>alert(1)</script>", XSS_IMG, "crm:é", "日本", too_long.as_str(), "a/b", "a|b", "\"'"]
    {
        let page = get_page_with_ref(&app, &survey.id, bad).await;
        assert_eq!(page.status, 200, "{bad:?}: {}", page.html);
        assert_eq!(page.h1(), "After delivery", "{bad:?}");
        assert_eq!(page.all("form").len(), 1, "the page renders normally: {bad:?}");
        assert!(page.all("input[name=ref]").is_empty(), "{bad:?} left out: {}", page.html);
        if bad.len() > 8 {
            assert!(!page.html.contains(bad), "{bad:?} appears nowhere");
        }
        page.assert_no_injected_markup();
    }
    // An empty ref is no ref.
    let page = get_page_with_ref(&app, &survey.id, "").await;
    assert_eq!(page.status, 200);
    assert!(page.all("input[name=ref]").is_empty(), "{}", page.html);
    // The longest ref, and every character the rule allows, are kept as they are.
    for good in ["x".repeat(128), "aZ09._:@-".to_owned()] {
        let page = get_page_with_ref(&app, &survey.id, &good).await;
        assert_eq!(hidden_fields(&page), [("ref".to_owned(), good.clone())]);
    }
}

#[tokio::test]
async fn a_form_post_with_a_bad_ref_is_stored_without_it() {
    let app = spawn_app_with(|app| app.settings.survey_responses_per_ip_per_minute = 1000).await;
    let (key, survey) = standard(&app).await;
    let too_long = "x".repeat(129);
    for bad in ["", "a b", "<b>", too_long.as_str(), "é"] {
        let mut fields = valid_form(&survey);
        fields.push(("ref", bad));
        let page = post_form(&app, &survey.id, &fields).await;
        assert_eq!(page.status, 201, "{bad:?}: no error page: {}", page.html);
        assert_eq!(page.text_by_id("thank-you").as_deref(), Some("Thank you! We read every answer."));
        let newest = &responses(&app, &key, &survey.id).await[0];
        assert_eq!(newest["respondent"], Value::Null, "{bad:?}: {newest}");
        assert_eq!(stored_respondent(&app, newest["id"].as_str().unwrap()).await, None, "{bad:?}");
    }
    // The first `ref` field counts.
    let mut fields = valid_form(&survey);
    fields.extend([("ref", "crm:1"), ("ref", "crm:2")]);
    assert_eq!(post_form(&app, &survey.id, &fields).await.status, 201);
    assert_eq!(responses(&app, &key, &survey.id).await[0]["respondent"], json!({"ref": "crm:1"}));
    assert_eq!(response_count(&app, &key, &survey.id).await, 6);

    // The honeypot still drops a bot's post, ref or not.
    let mut fields = valid_form(&survey);
    fields.retain(|(name, _)| *name != "website");
    fields.extend([("website", "https://spam.example"), ("ref", "crm:42")]);
    let page = post_form(&app, &survey.id, &fields).await;
    assert_eq!(page.status, 201, "{}", page.html);
    let reply =
        post_json(&app, &survey.id, json!({"answers": valid_answers(&survey), "ref": 42, "website": "x"})).await;
    assert_eq!(reply.status, 201, "a bot is answered as if stored, whatever its ref: {}", reply.body);
    assert_eq!(response_count(&app, &key, &survey.id).await, 6, "neither was stored");
}

#[tokio::test]
async fn a_wrong_form_post_shows_the_page_again_with_the_ref_kept() {
    let app = spawn_app().await;
    let (key, survey) = standard(&app).await;
    // Rating missing; the link's ref rides along.
    let wrong = [(survey.multiple.as_str(), "Bread"), ("website", ""), ("ref", "crm:42")];
    let page = post_form(&app, &survey.id, &wrong).await;
    assert_eq!(page.status, 400, "{}", page.html);
    assert!(page.by_id(&format!("{}-error", survey.rating)).is_some(), "{}", page.html);
    assert_eq!(hidden_fields(&page), [("ref".to_owned(), "crm:42".to_owned())], "kept for the next post");
    let general = page.text_by_id("errors").unwrap_or_default();
    assert!(!general.contains("does not have"), "ref is no unknown field: {general}");

    // A bad ref is not kept (and is no error of the customer's).
    let wrong = [(survey.multiple.as_str(), "Bread"), ("website", ""), ("ref", "a b")];
    let page = post_form(&app, &survey.id, &wrong).await;
    assert_eq!(page.status, 400, "{}", page.html);
    assert!(hidden_fields(&page).is_empty(), "{}", page.html);
    let general = page.text_by_id("errors").unwrap_or_default();
    assert!(!general.contains("does not have"), "{general}");
    assert!(responses(&app, &key, &survey.id).await.is_empty());

    // The corrected post, from the page shown again, is stored with the ref.
    let page =
        post_form(&app, &survey.id, &[(survey.multiple.as_str(), "Bread"), ("website", ""), ("ref", "crm:42")]).await;
    let mut fields = vec![(survey.rating.as_str(), "5"), (survey.multiple.as_str(), "Bread"), ("website", "")];
    let carried = hidden_fields(&page);
    fields.extend(carried.iter().map(|(name, value)| (name.as_str(), value.as_str())));
    assert_eq!(post_form(&app, &survey.id, &fields).await.status, 201);
    let listed = responses(&app, &key, &survey.id).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["respondent"], json!({"ref": "crm:42"}));
}

#[tokio::test]
async fn a_json_ref_is_stored_and_listed() {
    let app = spawn_app().await;
    let (key, survey) = standard(&app).await;
    let answers = valid_answers(&survey);
    let longest = "z".repeat(128);
    let with_ref = post_json(&app, &survey.id, json!({"answers": answers, "ref": "crm:42"})).await;
    assert_eq!(with_ref.status, 201, "{}", with_ref.body);
    let with_null = post_json(&app, &survey.id, json!({"answers": answers, "ref": null})).await;
    assert_eq!(with_null.status, 201, "null is no reference: {}", with_null.body);
    let with_longest = post_json(&app, &survey.id, json!({"answers": answers, "ref": longest})).await;
    assert_eq!(with_longest.status, 201, "{}", with_longest.body);

    let listed = responses(&app, &key, &survey.id).await;
    let respondents: Vec<(&Value, &Value)> = listed.iter().map(|r| (&r["id"], &r["respondent"])).collect();
    assert_eq!(
        respondents,
        [
            (&with_longest.body["data"]["id"], &json!({"ref": longest})),
            (&with_null.body["data"]["id"], &Value::Null),
            (&with_ref.body["data"]["id"], &json!({"ref": "crm:42"})),
        ]
    );
    let id = with_ref.body["data"]["id"].as_str().unwrap();
    assert_eq!(stored_respondent(&app, id).await, Some(json!({"ref": "crm:42"})));
}

#[tokio::test]
async fn a_bad_json_ref_is_a_400_naming_ref() {
    let app = spawn_app_with(|app| app.settings.survey_responses_per_ip_per_minute = 1000).await;
    let (key, survey) = standard(&app).await;
    let answers = valid_answers(&survey);
    for bad in [
        json!(""),
        json!(" "),
        json!("crm 42"),
        json!(" crm:42"),
        json!("x".repeat(129)),
        json!("<script>"),
        json!("crm:é"),
        json!("a/b"),
        json!(42),
        json!(true),
        json!(["crm:42"]),
        json!({"ref": "crm:42"}),
    ] {
        let reply = post_json(&app, &survey.id, json!({"answers": answers, "ref": bad})).await;
        assert_eq!(reply.status, 400, "{bad}: {}", reply.body);
        assert!(reply.error().starts_with("ref must be"), "{bad}: the error names ref: {}", reply.error());
        assert_eq!(reply.body.as_object().map(|o| o.len()), Some(1), "{}", reply.body);
    }
    assert_eq!(
        post_json(&app, &survey.id, json!({"answers": answers, "ref": ""})).await.error(),
        "ref must be 1 to 128 characters, each a letter A-Z or a-z, a digit or one of . _ : @ -"
    );
    assert!(responses(&app, &key, &survey.id).await.is_empty(), "nothing stored");
    assert_eq!(stored_items(&app).await, 0);
}
