//! `GET /s/{surveyId}`: the page as it renders (accessible, no scripts or external assets), a
//! not-found page for unknown ids, and no form while the survey is not active.

use crate::common::page::*;
use hearken_tests::spawn_app;
use serde_json::json;

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
    assert_eq!(html[0].attr("lang"), Some("en"));
    let viewport = page.all("meta").into_iter().find(|m| m.has("name", "viewport")).expect("viewport meta");
    assert!(viewport.attr("content").is_some_and(|c| c.contains("width=device-width")), "{viewport:?}");
    assert!(!page.html.to_ascii_lowercase().contains("<script"), "{}", page.html);
    for tag in page.elements() {
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
    assert_eq!(text_of(welcome), "Two minutes about your last order?");

    let forms = page.all("form");
    assert_eq!(forms.len(), 1);
    assert_eq!(forms[0].attr("method").map(|m| m.to_ascii_lowercase()).as_deref(), Some("post"));
    assert_eq!(forms[0].attr("action"), Some(page_path(&survey.id).as_str()));

    // RATING: a fieldset with its legend, five radios 1..5 each with a label; required.
    let rating = page.question(&survey.rating);
    assert_eq!(rating.all("fieldset").len(), 1, "{}", rating.html);
    let legend = rating.all("legend");
    assert_eq!(legend.len(), 1, "{}", rating.html);
    assert!(text_of(legend[0]).starts_with("How was your delivery?"), "{}", rating.html);
    let required = rating.all("span").into_iter().filter(|s| s.has_class("required")).count();
    assert_eq!(required, 1, "required marker in the legend: {}", rating.html);
    assert!(legend[0].inner_html().contains("(required)"), "{}", rating.html);
    let radios: Vec<ElementRef> = rating.all("input");
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
    assert_eq!(textarea[0].attr("maxlength"), Some("20"));
    assert!(text.label_for(&survey.text).is_some_and(|l| l.starts_with("What could we do better?")), "{}", text.html);
    assert!(!text.html.contains("(required)"), "{}", text.html);
    assert!(text.all("span").iter().all(|s| !s.has_class("required")), "{}", text.html);
    assert_eq!(text_of(textarea[0]), "", "an empty textarea");

    // CHOICE single: radios valued by the option text; multiple: checkboxes; both in fieldsets.
    for (qid, options, kind, question, is_required) in [
        (&survey.single, SINGLE_OPTIONS, "radio", "What did you order?", false),
        (&survey.multiple, MULTIPLE_OPTIONS, "checkbox", "Which extras?", true),
    ] {
        let choice = page.question(qid);
        assert_eq!(choice.all("fieldset").len(), 1, "{}", choice.html);
        let legend = choice.all("legend");
        assert_eq!(legend.len(), 1, "{}", choice.html);
        assert!(text_of(legend[0]).starts_with(question), "{}", choice.html);
        assert_eq!(legend[0].inner_html().contains("(required)"), is_required, "{}", choice.html);
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
    for field in page.all("input, textarea") {
        let kind = field.attr("type").unwrap_or_default();
        if ["hidden", "submit", "button"].contains(&kind) || field.has("name", "website") {
            continue;
        }
        let id = field.attr("id").unwrap_or_else(|| panic!("a field without an id: {field:?}"));
        assert!(page.label_for(id).is_some(), "no <label for={id}> in:\n{}", page.html);
    }

    // The honeypot, visually hidden and out of the tab order.
    let honeypot = page.by_id("website").expect("honeypot #website");
    assert_eq!(honeypot.name(), "input");
    assert!(honeypot.has("type", "text") && honeypot.has("name", "website"), "{honeypot:?}");
    assert!(honeypot.has("tabindex", "-1") && honeypot.has("autocomplete", "off"), "{honeypot:?}");
    let hp = page.all("div").into_iter().find(|d| d.has_class("hp")).expect("div.hp");
    assert!(hp.has("aria-hidden", "true"), "{hp:?}");
    assert!(hp.inner_html().contains("website"), "the honeypot is inside div.hp");

    let submit = page.all("button").into_iter().find(|b| b.has("type", "submit")).expect("submit button");
    assert_eq!(text_of(submit), "Send");
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
        assert_eq!(page.by_id("closed").unwrap().name(), "p");
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
