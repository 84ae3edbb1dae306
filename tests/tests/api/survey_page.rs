//! The public survey page, `GET`/`POST /s/{surveyId}`, through the real gateway without a key:
//! the HTML it renders (accessible, escaped, no scripts or external assets), form and JSON
//! posts with every validation rule, closed surveys, CORS, the honeypot, the per-IP limit, the
//! monthly quota left alone, and 200 concurrent responses stored and counted exactly.

use crate::common::page::*;
use hearken::plans::Plan;
use hearken_tests::{settle_in_one_minute_window, spawn_app, spawn_app_with, Reply};
use serde_json::{json, Value};
use std::collections::HashSet;

#[tokio::test]
async fn the_page_renders_every_question_accessibly_without_scripts_or_external_assets() {
    let app = spawn_app().await;
    let (_, survey) = standard(&app).await;
    let page = get_page(&app, &survey.id).await;
    assert_eq!(page.status, 200, "{}", page.html);
    assert!(page.is_html(), "content-type {}", page.content_type);

    // A phone-ready, script-free, self-contained page.
    let html = page.all("html");
    assert_eq!(html.len(), 1, "{}", page.html);
    assert_eq!(html[0].attr("lang").as_deref(), Some("en"));
    let viewport = page.all("meta").into_iter().find(|m| m.has("name", "viewport")).expect("viewport meta");
    assert!(viewport.attr("content").is_some_and(|c| c.contains("width=device-width")), "{viewport:?}");
    assert!(!page.html.to_ascii_lowercase().contains("<script"), "{}", page.html);
    for tag in &page.tags {
        for name in ["src", "href", "action", "srcset", "poster", "data"] {
            if let Some(url) = tag.attr(name) {
                let url = url.trim().to_ascii_lowercase();
                assert!(
                    !url.starts_with("http:") && !url.starts_with("https:") && !url.starts_with("//"),
                    "external asset {name}={url} on {tag:?}"
                );
            }
        }
    }
    assert!(!page.html.contains("@import"), "{}", page.html);

    assert_eq!(page.h1(), "After delivery");
    let welcome = page.all("p").into_iter().find(|p| p.has_class("welcome")).expect("p.welcome");
    assert_eq!(text_of(page.inner(welcome)), "Two minutes about your last order?");

    let forms = page.all("form");
    assert_eq!(forms.len(), 1);
    assert_eq!(forms[0].attr("method").map(|m| m.to_ascii_lowercase()).as_deref(), Some("post"));
    assert_eq!(forms[0].attr("action"), Some(page_path(&survey.id)));

    // RATING: a fieldset with its legend, five radios 1..5 each with a label; required.
    let rating = page.question(&survey.rating);
    assert_eq!(rating.all("fieldset").len(), 1, "{}", rating.html);
    let legend = rating.all("legend");
    assert_eq!(legend.len(), 1, "{}", rating.html);
    assert!(text_of(rating.inner(legend[0])).starts_with("How was your delivery?"), "{}", rating.html);
    let required = rating.all("span").into_iter().filter(|s| s.has_class("required")).count();
    assert_eq!(required, 1, "required marker in the legend: {}", rating.html);
    assert!(rating.inner(legend[0]).contains("(required)"), "{}", rating.html);
    let radios: Vec<&Tag> = rating.all("input");
    assert_eq!(radios.len(), 5, "{}", rating.html);
    for (n, radio) in (1..=5).zip(&radios) {
        let id = format!("{}-{n}", survey.rating);
        assert!(radio.has("type", "radio"), "{radio:?}");
        assert!(radio.has("name", &survey.rating), "{radio:?}");
        assert!(radio.has("id", &id), "{radio:?}");
        assert!(radio.has("value", &n.to_string()), "{radio:?}");
        assert!(rating.label_for(&id).is_some(), "label for {id}: {}", rating.html);
    }

    // TEXT: a label and a textarea with its maxlength; optional, so no required marker.
    let text = page.question(&survey.text);
    let textarea = text.all("textarea");
    assert_eq!(textarea.len(), 1, "{}", text.html);
    assert!(textarea[0].has("id", &survey.text) && textarea[0].has("name", &survey.text), "{:?}", textarea[0]);
    assert_eq!(textarea[0].attr("maxlength").as_deref(), Some("20"));
    assert!(text.label_for(&survey.text).is_some_and(|l| l.starts_with("What could we do better?")), "{}", text.html);
    assert!(!text.html.contains("(required)"), "{}", text.html);
    assert!(text.all("span").iter().all(|s| !s.has_class("required")), "{}", text.html);
    assert_eq!(text_of(text.inner(textarea[0])), "", "an empty textarea");

    // CHOICE single: radios valued by the option text; multiple: checkboxes; both in fieldsets.
    for (qid, options, kind, question, is_required) in [
        (&survey.single, SINGLE_OPTIONS, "radio", "What did you order?", false),
        (&survey.multiple, MULTIPLE_OPTIONS, "checkbox", "Which extras?", true),
    ] {
        let choice = page.question(qid);
        assert_eq!(choice.all("fieldset").len(), 1, "{}", choice.html);
        let legend = choice.all("legend");
        assert_eq!(legend.len(), 1, "{}", choice.html);
        assert!(text_of(choice.inner(legend[0])).starts_with(question), "{}", choice.html);
        assert_eq!(choice.inner(legend[0]).contains("(required)"), is_required, "{}", choice.html);
        let inputs = choice.all("input");
        assert_eq!(inputs.len(), options.len(), "{}", choice.html);
        for (i, (input, option)) in inputs.iter().zip(options).enumerate() {
            let id = format!("{qid}-{i}");
            assert!(input.has("type", kind), "{input:?}");
            assert!(input.has("name", qid), "{input:?}");
            assert!(input.has("id", &id), "{input:?}");
            assert!(input.has("value", option), "{input:?}");
            assert!(input.attr("checked").is_none(), "nothing checked at first: {input:?}");
            assert_eq!(choice.label_for(&id).as_deref(), Some(option), "{}", choice.html);
        }
    }

    // Every field of the page has a label (the honeypot is left to the implementation).
    for field in page.tags.iter().filter(|t| !t.closing && (t.name == "input" || t.name == "textarea")) {
        let kind = field.attr("type").unwrap_or_default();
        if ["hidden", "submit", "button"].contains(&kind.as_str()) || field.has("name", "website") {
            continue;
        }
        let id = field.attr("id").unwrap_or_else(|| panic!("a field without an id: {field:?}"));
        assert!(page.label_for(&id).is_some(), "no <label for={id}> in:\n{}", page.html);
    }

    // The honeypot, visually hidden and out of the tab order.
    let honeypot = page.by_id("website").expect("honeypot #website");
    assert_eq!(honeypot.name, "input");
    assert!(honeypot.has("type", "text") && honeypot.has("name", "website"), "{honeypot:?}");
    assert!(honeypot.has("tabindex", "-1") && honeypot.has("autocomplete", "off"), "{honeypot:?}");
    let hp = page.all("div").into_iter().find(|d| d.has_class("hp")).expect("div.hp");
    assert!(hp.has("aria-hidden", "true"), "{hp:?}");
    assert!(page.inner(hp).contains("website"), "the honeypot is inside div.hp");

    let submit = page.all("button").into_iter().find(|b| b.has("type", "submit")).expect("submit button");
    assert_eq!(text_of(page.inner(submit)), "Send");
    assert!(page.by_id("errors").is_none() && page.by_id("closed").is_none(), "{}", page.html);
}

#[tokio::test]
async fn an_unknown_or_malformed_survey_id_is_a_not_found_page() {
    let app = spawn_app().await;
    let (_, survey) = standard(&app).await;
    let unknown = hearken::ids::SurveyId::generate().to_string();
    let mut tampered = survey.id.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    for id in [unknown.as_str(), tampered.as_str(), "not-an-id", "srv_123", "srv_", "proj_1", "%3Cscript%3E"] {
        let page = get_page(&app, id).await;
        assert_eq!(page.status, 404, "{id}: {}", page.html);
        assert!(page.is_html(), "{id}: {}", page.content_type);
        assert_eq!(page.h1(), "Survey not found", "{id}");
        assert!(page.all("form").is_empty(), "{id}");
        page.assert_no_injected_markup();
    }
    // A form post to an unknown survey is not found either, and stores nothing.
    let posted = post_form(&app, &unknown, &[("q_x", "1")]).await;
    assert_eq!(posted.status, 404, "{}", posted.html);
    let json = post_json(&app, &unknown, json!({"answers": {}})).await;
    assert_eq!((json.status, json.body.clone()), (404, json!({"error": "Survey not found"})));
    let malformed = post_json(&app, "not-an-id", json!({"answers": {}})).await;
    assert_eq!((malformed.status, malformed.body.clone()), (404, json!({"error": "Survey not found"})));
    assert_eq!(stored_items(&app).await, 0);
}

#[tokio::test]
async fn a_survey_that_is_not_active_shows_no_form_and_refuses_posts() {
    let app = spawn_app().await;
    let (key, survey) = standard(&app).await;
    let mut draft_body = standard_survey();
    draft_body["status"] = json!("DRAFT");
    let draft = create_survey(&app, &key, draft_body).await;
    assert_eq!(draft["status"], "DRAFT");
    let draft_id = draft["id"].as_str().unwrap().to_owned();
    let draft_q = question_ids(&draft);
    let draft_answers = json!({ &draft_q[0]: 4, &draft_q[3]: ["Bread"] });

    let check_closed = |page: &Page, status: u16, what: &str| {
        assert_eq!(page.status, status, "{what}: {}", page.html);
        assert!(page.is_html(), "{what}: {}", page.content_type);
        assert_eq!(page.text_by_id("closed").as_deref(), Some(CLOSED_TEXT), "{what}: {}", page.html);
        assert_eq!(page.by_id("closed").unwrap().name, "p");
        assert!(page.all("form").is_empty(), "{what}: no form in:\n{}", page.html);
        assert!(page.all("input").is_empty() && page.all("textarea").is_empty(), "{what}: {}", page.html);
    };

    let page = get_page(&app, &draft_id).await;
    check_closed(&page, 200, "DRAFT");
    assert_eq!(page.h1(), "After delivery");
    check_closed(&post_form(&app, &draft_id, &[(&draft_q[0], "4"), (&draft_q[3], "Bread")]).await, 409, "DRAFT post");
    let json = post_json(&app, &draft_id, json!({ "answers": draft_answers })).await;
    assert_eq!((json.status, json.body.clone()), (409, json!({"error": NOT_ACCEPTING})), "DRAFT json");

    for status in ["PAUSED", "CLOSED"] {
        set_status(&app, &key, &survey.id, status).await;
        check_closed(&get_page(&app, &survey.id).await, 200, status);
        check_closed(&post_form(&app, &survey.id, &valid_form(&survey)).await, 409, status);
        let json = post_json(&app, &survey.id, json!({"answers": valid_answers(&survey)})).await;
        assert_eq!((json.status, json.body.clone()), (409, json!({"error": NOT_ACCEPTING})), "{status} json");
        assert_eq!(json.header("content-type"), Some("application/json"), "{status}");
    }
    assert_eq!(stored_items(&app).await, 0);

    // Active again: the form is back and takes responses.
    set_status(&app, &key, &survey.id, "ACTIVE").await;
    let page = get_page(&app, &survey.id).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.all("form").len(), 1);
    assert!(page.by_id("closed").is_none());
    assert_eq!(post_json(&app, &survey.id, json!({"answers": valid_answers(&survey)})).await.status, 201);
    assert_eq!(responses(&app, &key, &survey.id).await.len(), 1);
}

// ---------------------------------------------------------------------------------------------
// Escaping
// ---------------------------------------------------------------------------------------------

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
    assert_eq!(text_of(page.inner(welcome_p)), welcome);
    let rating = page.question(&q[0]);
    assert!(text_of(rating.inner(rating.all("legend")[0])).starts_with(&rating_text), "{}", rating.html);
    let text = page.question(&q[1]);
    assert_eq!(text.label_for(&q[1]).as_deref(), Some(text_text.as_str()), "{}", text.html);
    for (index, question) in [(2, format!("Pick {XSS_SCRIPT}")), (3, format!("Several {XSS_IMG}"))] {
        let choice = page.question(&q[index]);
        assert_eq!(text_of(choice.inner(choice.all("legend")[0])), question, "{}", choice.html);
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
    assert_eq!(textarea.name, "textarea");
    assert_eq!(unescape(page.inner(textarea)).trim_start_matches('\n'), answer, "{}", page.html);
    assert!(page.by_id(&format!("{}-error", q[0])).is_some(), "{}", page.html);
    assert!(responses(&app, &key, &id).await.is_empty());
    assert_eq!(stored_items(&app).await, 0);
}

// ---------------------------------------------------------------------------------------------
// Form posts
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_form_post_is_stored_and_answered_with_the_thank_you_page() {
    let app = spawn_app().await;
    let (key, survey) = standard(&app).await;
    let page = post_form(&app, &survey.id, &valid_form(&survey)).await;
    assert_eq!(page.status, 201, "{}", page.html);
    assert!(page.is_html(), "{}", page.content_type);
    assert_eq!(page.h1(), "After delivery");
    assert_eq!(page.text_by_id("thank-you").as_deref(), Some("Thank you! We read every answer."));
    assert_eq!(page.by_id("thank-you").unwrap().name, "p");
    assert!(page.all("form").is_empty(), "{}", page.html);
    assert!(!page.html.to_ascii_lowercase().contains("<script"));

    let stored = responses(&app, &key, &survey.id).await;
    assert_eq!(stored.len(), 1, "{stored:?}");
    let response = &stored[0];
    assert!(response["id"].as_str().is_some_and(|id| id.starts_with("rsp_")), "{response}");
    assert!(hearken_tests::is_iso_millis(response["createdAt"].as_str().unwrap_or_default()), "{response}");
    // Rated 2 with the threshold at 3: low-rated; every question answered: complete.
    assert_eq!(response["rating"], 2);
    assert_eq!(response["lowRated"], true);
    assert_eq!(response["complete"], true);
    // null until the topics function (running behind the local stack) has read it, then a list.
    assert!(response["topics"].is_null() || response["topics"].is_array(), "{response}");
    let answers = answers_of(response);
    assert_eq!(answers.len(), 4, "{response}");
    assert_eq!(answers[&survey.rating], json!(2));
    assert_eq!(answers[&survey.text], json!("Warmer food"));
    assert_eq!(answers[&survey.single], json!("Pasta"));
    assert_eq!(answers[&survey.multiple], json!(["Bread", "Wine"]));
    // Answers in question order, each with its type and question text.
    let listed: Vec<(&str, &str, &str)> = response["answers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["questionId"].as_str().unwrap(), a["type"].as_str().unwrap(), a["question"].as_str().unwrap()))
        .collect();
    assert_eq!(
        listed,
        [
            (survey.rating.as_str(), "RATING", "How was your delivery?"),
            (survey.text.as_str(), "TEXT", "What could we do better?"),
            (survey.single.as_str(), "CHOICE", "What did you order?"),
            (survey.multiple.as_str(), "CHOICE", "Which extras?"),
        ]
    );

    // Rated 3 (not below the threshold), optional questions left empty: not low-rated, incomplete.
    let fields = [
        (survey.rating.as_str(), "3"),
        (survey.text.as_str(), ""),
        (survey.multiple.as_str(), "Olives"),
        ("website", ""),
    ];
    let page = post_form(&app, &survey.id, &fields).await;
    assert_eq!(page.status, 201, "{}", page.html);
    let stored = responses(&app, &key, &survey.id).await;
    assert_eq!(stored.len(), 2);
    let newest = &stored[0];
    assert_eq!((newest["rating"].clone(), newest["lowRated"].clone()), (json!(3), json!(false)), "{newest}");
    assert_eq!(newest["complete"], false, "{newest}");
    let answers = answers_of(newest);
    assert_eq!(answers.len(), 2, "unanswered questions are left out: {newest}");
    assert_eq!(answers[&survey.multiple], json!(["Olives"]), "one checkbox is still a list");
    assert_eq!(response_count(&app, &key, &survey.id).await, 2);

    // The low-rated filter sees only the first.
    let low =
        app.call("GET", &format!("/api/v1/surveys/{}/feedback?lowRated=true", survey.id), key.expose(), None).await;
    assert_eq!(low.status, 200, "{}", low.body);
    assert_eq!(low.body["data"].as_array().map(Vec::len), Some(1), "{}", low.body);
    assert_eq!(low.body["data"][0]["id"], response["id"]);
}

#[tokio::test]
async fn a_wrong_form_post_re_renders_the_page_with_errors_at_the_fields_and_the_answers_kept() {
    let app = spawn_app().await;
    let (key, survey) = standard(&app).await;
    let too_long = "This is far too long for twenty";

    // Rating missing, text too long, single choice not an option; the multiple choice is right.
    let fields = [
        (survey.text.as_str(), too_long),
        (survey.single.as_str(), "Sushi"),
        (survey.multiple.as_str(), "Bread"),
        (survey.multiple.as_str(), "Wine"),
        ("website", ""),
    ];
    let page = post_form(&app, &survey.id, &fields).await;
    assert_eq!(page.status, 400, "{}", page.html);
    assert!(page.is_html(), "{}", page.content_type);
    assert_eq!(page.h1(), "After delivery");
    let errors = page.by_id("errors").unwrap_or_else(|| panic!("#errors in:\n{}", page.html));
    assert_eq!(errors.name, "div");
    assert!(errors.has("role", "alert"), "{errors:?}");
    assert!(!text_of(page.inner(errors)).is_empty(), "the summary says something");
    let first_question = page.by_id(&format!("question-{}", survey.rating)).unwrap();
    assert!(errors.start < first_question.start, "#errors at the top");
    assert_eq!(page.all("form").len(), 1, "the form is there again");

    let assert_invalid = |qid: &str, ids: &[String]| {
        let error_id = format!("{qid}-error");
        let error = page.by_id(&error_id).unwrap_or_else(|| panic!("#{error_id} in:\n{}", page.html));
        assert_eq!(error.name, "p");
        assert!(error.has_class("error"), "{error:?}");
        assert!(!text_of(page.inner(error)).is_empty(), "#{error_id} has a message");
        let question = page.question(qid);
        assert!(question.by_id(&error_id).is_some(), "#{error_id} sits in its question: {}", question.html);
        for id in ids {
            let input = page.input(id);
            assert!(input.has("aria-invalid", "true"), "{id}: {input:?}");
            let described = input.attr("aria-describedby").unwrap_or_default();
            assert!(described.split_whitespace().any(|d| d == error_id), "{id}: {input:?}");
        }
    };
    let radios =
        |qid: &str, n: usize, from: usize| -> Vec<String> { (from..from + n).map(|i| format!("{qid}-{i}")).collect() };
    assert_invalid(&survey.rating, &radios(&survey.rating, 5, 1));
    assert_invalid(&survey.text, std::slice::from_ref(&survey.text));
    assert_invalid(&survey.single, &radios(&survey.single, 3, 0));
    // The right answer has no error.
    assert!(page.by_id(&format!("{}-error", survey.multiple)).is_none(), "{}", page.html);
    for id in radios(&survey.multiple, 3, 0) {
        assert!(!page.input(&id).has("aria-invalid", "true"), "{id}");
    }

    // What the customer gave is kept.
    assert_eq!(text_of(page.inner(page.input(&survey.text))), too_long);
    let checked = |id: String| page.input(&id).attr("checked").is_some();
    assert!(checked(format!("{}-0", survey.multiple)), "Bread kept: {}", page.html);
    assert!(!checked(format!("{}-1", survey.multiple)), "Olives not checked");
    assert!(checked(format!("{}-2", survey.multiple)), "Wine kept");
    assert!((0..3).all(|i| !checked(format!("{}-{i}", survey.single))), "Sushi is no option");
    assert!((1..=5).all(|i| !checked(format!("{}-{i}", survey.rating))), "no rating given");

    // A second wrong post: the chosen rating and single choice come back checked.
    let fields = [
        (survey.rating.as_str(), "2"),
        (survey.text.as_str(), too_long),
        (survey.single.as_str(), "Pasta"),
        (survey.multiple.as_str(), "Olives"),
        ("website", ""),
    ];
    let page = post_form(&app, &survey.id, &fields).await;
    assert_eq!(page.status, 400, "{}", page.html);
    let checked = |id: String| page.input(&id).attr("checked").is_some();
    let rating_checked: Vec<bool> = (1..=5).map(|i| checked(format!("{}-{i}", survey.rating))).collect();
    assert_eq!(rating_checked, [false, true, false, false, false], "{}", page.html);
    let single_checked: Vec<bool> = (0..3).map(|i| checked(format!("{}-{i}", survey.single))).collect();
    assert_eq!(single_checked, [false, true, false]);
    let multiple_checked: Vec<bool> = (0..3).map(|i| checked(format!("{}-{i}", survey.multiple))).collect();
    assert_eq!(multiple_checked, [false, true, false]);
    assert!(page.by_id(&format!("{}-error", survey.text)).is_some());
    assert!(page.by_id(&format!("{}-error", survey.rating)).is_none(), "{}", page.html);
    assert!(page.by_id(&format!("{}-error", survey.single)).is_none(), "{}", page.html);

    // A required checkbox question left empty, and an out-of-range rating.
    let fields = [(survey.rating.as_str(), "9"), ("website", "")];
    let page = post_form(&app, &survey.id, &fields).await;
    assert_eq!(page.status, 400, "{}", page.html);
    assert!(page.by_id(&format!("{}-error", survey.rating)).is_some(), "{}", page.html);
    assert!(page.by_id(&format!("{}-error", survey.multiple)).is_some(), "{}", page.html);

    // Nothing was stored.
    assert!(responses(&app, &key, &survey.id).await.is_empty());
    assert_eq!(response_count(&app, &key, &survey.id).await, 0);
    assert_eq!(stored_items(&app).await, 0);
}

// ---------------------------------------------------------------------------------------------
// JSON posts
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// CORS, honeypot, limits, quota
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn cross_origin_scripts_may_post() {
    let app = spawn_app().await;
    let (_, survey) = standard(&app).await;
    let preflight = app
        .http
        .request(reqwest::Method::OPTIONS, app.url(&page_path(&survey.id)))
        .header("origin", "https://shop.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send();
    let reply = Reply::from(preflight.await.unwrap()).await;
    assert!(reply.status == 204 || reply.status == 200, "{}", reply.status);
    assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
    let methods = reply.header("access-control-allow-methods").expect("allow-methods");
    assert!(methods.split(',').any(|m| m.trim() == "POST"), "{methods}");
    let headers = reply.header("access-control-allow-headers").expect("allow-headers");
    assert!(headers.split(',').any(|h| h.trim().eq_ignore_ascii_case("content-type")), "{headers}");
    assert_eq!(stored_items(&app).await, 0, "a preflight stores nothing");

    let post = app
        .http
        .post(app.url(&page_path(&survey.id)))
        .header("origin", "https://shop.example")
        .json(&json!({"answers": valid_answers(&survey)}))
        .send();
    let reply = Reply::from(post.await.unwrap()).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
    let bad = app
        .http
        .post(app.url(&page_path(&survey.id)))
        .header("origin", "https://shop.example")
        .json(&json!({"answers": {}}))
        .send();
    let bad = Reply::from(bad.await.unwrap()).await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.header("access-control-allow-origin"), Some("*"), "errors too");
}

#[tokio::test]
async fn the_honeypot_drops_bot_posts_silently() {
    let app = spawn_app().await;
    let (key, survey) = standard(&app).await;
    let mut fields = valid_form(&survey);
    fields.retain(|(name, _)| *name != "website");
    fields.push(("website", "https://spam.example"));
    let page = post_form(&app, &survey.id, &fields).await;
    assert_eq!(page.status, 201, "{}", page.html);
    assert_eq!(page.text_by_id("thank-you").as_deref(), Some("Thank you! We read every answer."));

    let reply = post_json(&app, &survey.id, json!({"answers": valid_answers(&survey), "website": "x"})).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert!(reply.body["data"]["id"].as_str().is_some_and(|id| id.starts_with("rsp_")), "{}", reply.body);

    assert_eq!(stored_items(&app).await, 0, "bot posts are dropped");
    assert!(responses(&app, &key, &survey.id).await.is_empty());
    assert_eq!(response_count(&app, &key, &survey.id).await, 0);

    // An empty honeypot (what every browser sends) is a person.
    let person = post_json(&app, &survey.id, json!({"answers": valid_answers(&survey), "website": ""})).await;
    assert_eq!(person.status, 201, "{}", person.body);
    assert_eq!(responses(&app, &key, &survey.id).await.len(), 1);
}

#[tokio::test]
async fn posts_are_limited_per_client_ip_but_the_page_is_not() {
    let app = spawn_app_with(|app| app.settings.survey_responses_per_ip_per_minute = 5).await;
    let (key, survey) = standard(&app).await;
    let other = create_survey(&app, &key, standard_survey()).await;
    let other_id = other["id"].as_str().unwrap().to_owned();
    let other_q = question_ids(&other);
    settle_in_one_minute_window().await;

    for _ in 0..8 {
        assert_eq!(get_page(&app, &survey.id).await.status, 200, "viewing is not limited");
    }
    for i in 0..5 {
        let status = if i % 2 == 0 {
            post_form(&app, &survey.id, &valid_form(&survey)).await.status
        } else {
            post_json(&app, &survey.id, json!({"answers": valid_answers(&survey)})).await.status
        };
        assert_eq!(status, 201, "post {}", i + 1);
    }

    let page = post_form(&app, &survey.id, &valid_form(&survey)).await;
    assert_eq!(page.status, 429, "{}", page.html);
    assert!(page.is_html(), "a friendly page: {}", page.content_type);
    let rate_limited = page.by_id("rate-limited").unwrap_or_else(|| panic!("#rate-limited in:\n{}", page.html));
    assert_eq!(rate_limited.name, "p");
    assert!(!text_of(page.inner(rate_limited)).is_empty());
    let wait: i64 = page.retry_after.as_deref().expect("Retry-After").parse().expect("seconds");
    assert!((1..=60).contains(&wait), "{wait}");

    let reply = post_json(&app, &survey.id, json!({"answers": valid_answers(&survey)})).await;
    assert_eq!(reply.status, 429, "{}", reply.body);
    assert!(!reply.error().is_empty(), "{}", reply.body);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    let wait: i64 = reply.header("retry-after").expect("Retry-After").parse().expect("seconds");
    assert!((1..=60).contains(&wait), "{wait}");

    // The limit is the client's, whichever survey it answers.
    let elsewhere = json!({"answers": { &other_q[0]: 3, &other_q[3]: ["Wine"] }});
    assert_eq!(post_json(&app, &other_id, elsewhere).await.status, 429);

    assert_eq!(get_page(&app, &survey.id).await.status, 200, "the page still shows");
    assert_eq!(responses(&app, &key, &survey.id).await.len(), 5);
    assert_eq!(stored_items(&app).await, 5);
}

// ---------------------------------------------------------------------------------------------
// Security headers
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn every_answer_of_the_page_carries_the_security_headers() {
    let app = spawn_app_with(|app| app.settings.survey_responses_per_ip_per_minute = 6).await;
    let (key, survey) = standard(&app).await;
    let mut draft_body = standard_survey();
    draft_body["status"] = json!("DRAFT");
    let draft = create_survey(&app, &key, draft_body).await;
    let draft_id = draft["id"].as_str().unwrap().to_owned();
    let unknown = hearken::ids::SurveyId::generate().to_string();
    settle_in_one_minute_window().await;

    // HTML pages: the form, not found, not active.
    let pages = [
        ("GET the form", get_page(&app, &survey.id).await, 200),
        ("GET unknown", get_page(&app, &unknown).await, 404),
        ("GET malformed", get_page(&app, "%3Cscript%3E").await, 404),
        ("GET not active", get_page(&app, &draft_id).await, 200),
        // Posts 1 to 4 of the client's 6 a minute.
        ("POST a wrong form", post_form(&app, &survey.id, &[("website", "")]).await, 400),
        ("POST a form", post_form(&app, &survey.id, &valid_form(&survey)).await, 201),
        ("POST a form, not active", post_form(&app, &draft_id, &[("website", "")]).await, 409),
        ("POST a form, unknown", post_form(&app, &unknown, &[("website", "")]).await, 404),
    ];
    for (what, page, status) in &pages {
        assert_eq!(page.status, *status, "{what}: {}", page.html);
        assert!(page.is_html(), "{what}: {}", page.content_type);
        assert_page_security_headers(&page.headers, what);
    }
    // JSON answers, success and error: posts 5 and 6, then a 415 (refused before the limit).
    let answers = json!({"answers": valid_answers(&survey)});
    let replies = [
        ("POST JSON", post_json(&app, &survey.id, answers.clone()).await, 201),
        ("POST wrong JSON", post_json(&app, &survey.id, json!({"answers": {}})).await, 400),
        ("POST text/plain", post_raw(&app, &survey.id, "text/plain", "hello").await, 415),
    ];
    for (what, reply, status) in &replies {
        assert_eq!(reply.status, *status, "{what}: {}", reply.body);
        assert_eq!(reply.header("content-type"), Some("application/json"), "{what}");
        assert_page_security_headers(&reply.headers, what);
    }
    // Over the limit: the friendly page and the JSON 429.
    let page = post_form(&app, &survey.id, &valid_form(&survey)).await;
    assert_eq!(page.status, 429, "{}", page.html);
    assert!(page.by_id("rate-limited").is_some(), "{}", page.html);
    assert_page_security_headers(&page.headers, "the 429 page");
    let reply = post_json(&app, &survey.id, answers).await;
    assert_eq!(reply.status, 429, "{}", reply.body);
    assert_page_security_headers(&reply.headers, "the JSON 429");
}

#[tokio::test]
async fn responses_do_not_count_against_the_monthly_quota() {
    let app = spawn_app().await;
    let (account, key) = app.account(Plan::Business).await;
    let data = create_survey(&app, &key, standard_survey()).await;
    let id = data["id"].as_str().unwrap().to_owned();
    let q = question_ids(&data);
    let survey = Survey { id, rating: q[0].clone(), text: q[1].clone(), single: q[2].clone(), multiple: q[3].clone() };

    let usage = |reply: &Reply| reply.body["data"]["usage"]["calls"].as_u64().expect("usage.calls");
    let before = app.call("GET", "/api/v1/account", key.expose(), None).await;
    assert_eq!(before.status, 200, "{}", before.body);
    let counted_before = app.calls_this_month(&account).await;
    for _ in 0..3 {
        assert_eq!(post_form(&app, &survey.id, &valid_form(&survey)).await.status, 201);
        assert_eq!(post_json(&app, &survey.id, json!({"answers": valid_answers(&survey)})).await.status, 201);
        assert_eq!(post_json(&app, &survey.id, json!({"answers": {}})).await.status, 400);
        assert_eq!(get_page(&app, &survey.id).await.status, 200);
    }
    assert_eq!(app.calls_this_month(&account).await, counted_before, "posts and views are not API calls");
    let after = app.call("GET", "/api/v1/account", key.expose(), None).await;
    assert_eq!(usage(&after), usage(&before) + 1, "only the second GET /api/v1/account counted");
}
