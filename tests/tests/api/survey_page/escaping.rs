//! Every text on the page is escaped: what the owner wrote, and the answers a re-rendered page
//! gives back.

use crate::common::page::*;
use hearken::plans::Plan;
use hearken_tests::spawn_app;
use serde_json::json;

#[tokio::test]
async fn every_text_the_owner_wrote_is_escaped() {
    let app = spawn_app().await;
    let (_, key) = app.account(Plan::Business).await;
    let name = format!("{XSS_SCRIPT} Survey &amp; co");
    let welcome = format!("Hi {XSS_IMG} &amp; welcome");
    let thanks = format!("Thanks {XSS_SCRIPT}{XSS_IMG} &amp;");
    let rating_text = format!("Rate {XSS_SCRIPT}");
    let text_text = format!("Tell {XSS_IMG} &amp;");
    let options = [XSS_SCRIPT.to_owned(), XSS_IMG.to_owned(), "Fish &amp; chips".to_owned()];
    let data = create_survey(
        &app,
        &key,
        json!({
            "name": name,
            "welcomeMessage": welcome,
            "thankYouMessage": thanks,
            "questions": [
                {"type": "RATING", "text": rating_text, "required": true},
                {"type": "TEXT", "text": text_text},
                {"type": "CHOICE", "text": format!("Pick {XSS_SCRIPT}"), "options": options, "multiple": false},
                {"type": "CHOICE", "text": format!("Several {XSS_IMG}"), "options": options, "multiple": true}
            ]
        }),
    )
    .await;
    let id = data["id"].as_str().unwrap().to_owned();
    let q = question_ids(&data);

    let page = get_page(&app, &id).await;
    assert_eq!(page.status, 200, "{}", page.html);
    page.assert_no_injected_markup();
    assert!(page.html.contains("&lt;script&gt;"), "{}", page.html);
    assert!(page.html.contains("&amp;amp;"), "an owner's &amp; is shown as typed: {}", page.html);
    assert_eq!(page.h1(), name);
    let welcome_p = page.all("p").into_iter().find(|p| p.has_class("welcome")).expect("p.welcome");
    assert_eq!(text_of(welcome_p), welcome);
    let rating = page.question(&q[0]);
    assert!(text_of(rating.all("legend")[0]).starts_with(&rating_text), "{}", rating.html);
    let text = page.question(&q[1]);
    assert_eq!(text.label_for(&q[1]).as_deref(), Some(text_text.as_str()), "{}", text.html);
    for (index, question) in [(2, format!("Pick {XSS_SCRIPT}")), (3, format!("Several {XSS_IMG}"))] {
        let choice = page.question(&q[index]);
        assert_eq!(text_of(choice.all("legend")[0]), question, "{}", choice.html);
        for (i, option) in options.iter().enumerate() {
            let input_id = format!("{}-{i}", q[index]);
            assert!(choice.input(&input_id).has("value", option), "{}", choice.html);
            assert_eq!(choice.label_for(&input_id).as_deref(), Some(option.as_str()), "{}", choice.html);
        }
    }

    // The options still work as answers, and the thank-you page escapes its message.
    let fields = [
        (q[0].as_str(), "5"),
        (q[1].as_str(), "fine"),
        (q[2].as_str(), XSS_IMG),
        (q[3].as_str(), XSS_SCRIPT),
        (q[3].as_str(), "Fish &amp; chips"),
        ("website", ""),
    ];
    let thanked = post_form(&app, &id, &fields).await;
    assert_eq!(thanked.status, 201, "{}", thanked.html);
    thanked.assert_no_injected_markup();
    assert_eq!(thanked.h1(), name);
    assert_eq!(thanked.text_by_id("thank-you").as_deref(), Some(thanks.as_str()), "{}", thanked.html);
    let stored = responses(&app, &key, &id).await;
    assert_eq!(stored.len(), 1);
    let answers = answers_of(&stored[0]);
    assert_eq!(answers[&q[2]], json!(XSS_IMG));
    assert_eq!(answers[&q[3]], json!([XSS_SCRIPT, "Fish &amp; chips"]));
}

#[tokio::test]
async fn a_re_rendered_page_escapes_the_customers_answers() {
    let app = spawn_app().await;
    let (key, survey) = {
        let (_, key) = app.account(Plan::Business).await;
        let mut body = standard_survey();
        body["questions"][1]["maxLength"] = json!(500);
        let data = create_survey(&app, &key, body).await;
        (key, data)
    };
    let id = survey["id"].as_str().unwrap().to_owned();
    let q = question_ids(&survey);
    let answer = format!("Bad</textarea>{XSS_SCRIPT}{XSS_IMG} &amp; <b>bold</b>");
    // The rating is missing: the page comes back with the text as typed.
    let fields = [(q[1].as_str(), answer.as_str()), (q[3].as_str(), "Bread"), ("website", "")];
    let page = post_form(&app, &id, &fields).await;
    assert_eq!(page.status, 400, "{}", page.html);
    page.assert_no_injected_markup();
    assert!(page.all("b").is_empty(), "{}", page.html);
    let textarea = page.input(&q[1]);
    assert_eq!(textarea.name(), "textarea");
    assert_eq!(raw_text(textarea).trim_start_matches('\n'), answer, "{}", page.html);
    assert!(page.by_id(&format!("{}-error", q[0])).is_some(), "{}", page.html);
    assert!(responses(&app, &key, &id).await.is_empty());
    assert_eq!(stored_items(&app).await, 0);
}
