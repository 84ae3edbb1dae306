//! Form posts: stored and answered with the thank-you page, or the page again with the errors at
//! the fields and the answers kept.

use crate::common::page::*;
use hearken_tests::spawn_app;
use serde_json::json;

#[tokio::test]
async fn a_form_post_is_stored_and_answered_with_the_thank_you_page() {
    let app = spawn_app().await;
    let (key, survey) = standard(&app).await;
    let page = post_form(&app, &survey.id, &valid_form(&survey)).await;
    assert_eq!(page.status, 201, "{}", page.html);
    assert!(page.is_html(), "{}", page.content_type);
    assert_eq!(page.h1(), "After delivery");
    assert_eq!(page.text_by_id("thank-you").as_deref(), Some("Thank you! We read every answer."));
    assert_eq!(page.by_id("thank-you").unwrap().name(), "p");
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
    assert_eq!(errors.name(), "div");
    assert!(errors.has("role", "alert"), "{errors:?}");
    assert!(!text_of(errors).is_empty(), "the summary says something");
    let first_question = page.by_id(&format!("question-{}", survey.rating)).unwrap();
    assert!(page.position(errors) < page.position(first_question), "#errors at the top");
    assert_eq!(page.all("form").len(), 1, "the form is there again");

    let assert_invalid = |qid: &str, ids: &[String]| {
        let error_id = format!("{qid}-error");
        let error = page.by_id(&error_id).unwrap_or_else(|| panic!("#{error_id} in:\n{}", page.html));
        assert_eq!(error.name(), "p");
        assert!(error.has_class("error"), "{error:?}");
        assert!(!text_of(error).is_empty(), "#{error_id} has a message");
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
    assert_eq!(text_of(page.input(&survey.text)), too_long);
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
