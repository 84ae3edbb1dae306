//! The public survey page, `/s/{surveyId}`, in a real browser: headless Chromium driven over
//! WebDriver fills every kind of question, posts the page's own form and reads the thank-you page
//! or the re-rendered page with its error messages; the API then shows what was (or was not)
//! stored. The page is plain server-rendered HTML, so the flow is also run with JavaScript off.
//! Every page is checked to render under its Content-Security-Policy: its inline styles apply
//! (computed styles are the sheet's), its form posts, and the browser logs no CSP violation.
//!
//! Needs /usr/bin/chromium and /usr/bin/chromedriver: `infra/chromium.sh ensure` installs them.
//! Screenshots land in `target/screenshots/` for a person to look at. The browser is
//! [`crate::common::browser`]'s, phone-sized.

use crate::common::browser::{Browser, Options};
use fantoccini::Locator;
use hearken::access::ApiKey;
use hearken::plans::Plan;
use hearken_tests::{spawn_app, TestApp};
use serde_json::{json, Value};

/// Phone-sized, as the page is meant to be answered on a phone (headless Chromium widens a window
/// to its 500 px minimum; still narrower than any desktop layout).
const PHONE: (u32, u32) = (420, 900);

/// A phone-sized browser, with JavaScript on or off.
async fn phone(javascript: bool) -> Browser {
    Browser::start(Options { javascript, window: PHONE, only_host: None }).await
}

/// The page on screen renders as its styles say, under the policy its answer carried: the one
/// inline sheet is loaded with its rules, computed styles are the sheet's (a refused sheet leaves
/// the browser's defaults: white body, grey button), and the console shows no refusal.
async fn assert_styled_under_its_policy(browser: &Browser, what: &str) {
    let script = r#"
        const style = (selector, property) => {
            const element = document.querySelector(selector);
            return element ? getComputedStyle(element).getPropertyValue(property) : null;
        };
        const sheets = Array.from(document.styleSheets);
        return {
            sheets: sheets.length,
            rules: sheets.reduce((n, sheet) => n + sheet.cssRules.length, 0),
            body: style("body", "background-color"),
            main: style("main", "max-width"),
            button: style("button", "background-color"),
            notice: style(".notice", "border-top-left-radius"),
        };
    "#;
    let styles = browser.client.execute(script, vec![]).await.expect("computed styles");
    assert_eq!(styles["sheets"], 1, "{what}: one inline sheet: {styles}");
    assert!(styles["rules"].as_u64().unwrap_or(0) >= 20, "{what}: the sheet's rules are loaded: {styles}");
    assert_eq!(styles["body"], "rgb(245, 245, 247)", "{what}: body background {styles}");
    assert_eq!(styles["main"], "576px", "{what}: main's max-width (36rem) {styles}");
    if !styles["button"].is_null() {
        assert_eq!(styles["button"], "rgb(10, 102, 216)", "{what}: the Send button {styles}");
    }
    if !styles["notice"].is_null() {
        assert_eq!(styles["notice"], "12px", "{what}: the notice's corners {styles}");
    }
    let refused = browser.refused().await;
    assert!(refused.is_empty(), "{what}: the browser refused something: {refused:?}");
}

/// A survey made through the API, with the key of its BUSINESS account to read it back.
struct Survey {
    data: Value,
    key: ApiKey,
}

impl Survey {
    async fn create(app: &TestApp, body: Value) -> Survey {
        let (_, key) = app.account(Plan::Business).await;
        let reply = app.call("POST", "/api/v1/surveys", key.expose(), Some(body)).await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        Survey { data: reply.body["data"].clone(), key }
    }

    /// The public page's path.
    fn page(&self) -> String {
        format!("/s/{}", self.data["id"].as_str().expect("a survey id"))
    }

    /// The id of the i-th question.
    fn question(&self, i: usize) -> String {
        self.data["questions"][i]["id"].as_str().expect("questions have ids").to_owned()
    }

    /// Its responses, through the API.
    async fn responses(&self, app: &TestApp) -> Vec<Value> {
        let path = format!("/api/v1/surveys/{}/feedback", self.data["id"].as_str().unwrap());
        let reply = app.call("GET", &path, self.key.expose(), None).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.body["data"].as_array().expect("a list of responses").clone()
    }
}

const NAME: &str = "After delivery <b>& co</b>";
const WELCOME: &str = "Two minutes about your last order?";
const THANKS: &str = "Thank you! We read every answer.";
const TEXT_ANSWER: &str = "Faster delivery & a warmer pizza, please";

/// Every kind of question, answered in the browser through the page's own form.
async fn answer_every_kind_of_question(javascript: bool, screenshot_prefix: &str) {
    let app = spawn_app().await;
    let survey = Survey::create(
        &app,
        json!({
            "name": NAME,
            "welcomeMessage": WELCOME,
            "thankYouMessage": THANKS,
            "questions": [
                {"type": "RATING", "text": "How was your delivery?", "required": true},
                {"type": "TEXT", "text": "What could we do better?", "maxLength": 500},
                {"type": "CHOICE", "text": "How did you pay?", "options": ["Card", "Cash", "Voucher"]},
                {"type": "CHOICE", "text": "What did you order?", "options": ["Pizza", "Pasta", "Salad"], "multiple": true}
            ]
        }),
    )
    .await;
    let [rating, text, single, multiple] = [0, 1, 2, 3].map(|i| survey.question(i));
    let browser = phone(javascript).await;
    if !javascript {
        // Proof that scripts really are off in this browser: this page's script would retitle it.
        let probe = "data:text/html,<title>off</title><script>document.title='on'</script>";
        browser.client.goto(probe).await.expect("probe page");
        assert_eq!(browser.client.title().await.unwrap(), "off", "JavaScript is disabled");
    }

    // Proof that the console shows what a policy refuses: this page's policy refuses its style.
    let refusing = "data:text/html,<meta http-equiv=\"Content-Security-Policy\" content=\"style-src 'none'\">\
                    <style>body{color:red}</style><p>probe</p>";
    browser.client.goto(refusing).await.expect("probe page");
    let console = browser.console().await;
    assert!(
        console.iter().any(|entry| entry["message"].as_str().is_some_and(|m| m.contains("Content Security Policy"))),
        "a refused style is logged: {console:?}"
    );

    // The page comes with a policy that allows no script and no asset, only its inline styles.
    let answer = app.http.get(app.url(&survey.page())).send().await.expect("the page answers");
    let policy = answer.headers().get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(policy.contains("default-src 'none'") && policy.contains("style-src 'unsafe-inline'"), "{policy:?}");
    assert!(!policy.contains("script-src"), "{policy}");

    browser.client.goto(&app.url(&survey.page())).await.expect("page opens");
    let page = browser.source().await;
    assert!(!page.contains("<script"), "the page has no script:\n{page}");
    assert_styled_under_its_policy(&browser, "the form").await;
    // Readable on a phone: nothing wider than the narrow window, so no sideways scrolling.
    let script = "return document.documentElement.scrollWidth - document.documentElement.clientWidth";
    let sideways = browser.client.execute(script, vec![]).await.expect("page width");
    assert_eq!(sideways.as_i64(), Some(0), "the page fits the phone-sized window");
    let heading = browser.client.find(Locator::Css("h1")).await.expect("h1");
    assert_eq!(heading.text().await.unwrap(), NAME, "the name is shown escaped, as text");
    let welcome = browser.client.find(Locator::Css("p.welcome")).await.expect("welcome");
    assert_eq!(welcome.text().await.unwrap(), WELCOME);
    // The honeypot is there, empty and out of the tab order; a person leaves it alone.
    let honeypot = browser.id("website").await;
    assert_eq!(honeypot.attr("tabindex").await.unwrap().as_deref(), Some("-1"));
    assert_eq!(honeypot.prop("value").await.unwrap().as_deref(), Some(""));

    // RATING: a 4, by its label (a label bound to each radio is what makes it tappable).
    browser.label_for(&format!("{rating}-4")).await.click().await.unwrap();
    assert!(browser.id(&format!("{rating}-4")).await.is_selected().await.unwrap());
    // TEXT: typed into the textarea, as a person does.
    let textarea = browser.id(&text).await;
    assert_eq!(textarea.attr("maxlength").await.unwrap().as_deref(), Some("500"));
    textarea.send_keys(TEXT_ANSWER).await.unwrap();
    // CHOICE single: "Cash"; a second click elsewhere in the group replaces it, as radios do.
    browser.label_for(&format!("{single}-0")).await.click().await.unwrap();
    browser.label_for(&format!("{single}-1")).await.click().await.unwrap();
    assert!(!browser.id(&format!("{single}-0")).await.is_selected().await.unwrap());
    assert!(browser.id(&format!("{single}-1")).await.is_selected().await.unwrap());
    // CHOICE multiple: "Pizza" by its checkbox, "Salad" by its label.
    browser.id(&format!("{multiple}-0")).await.click().await.unwrap();
    browser.label_for(&format!("{multiple}-2")).await.click().await.unwrap();
    for (i, checked) in [true, false, true].into_iter().enumerate() {
        let checkbox = browser.id(&format!("{multiple}-{i}")).await;
        assert_eq!(checkbox.attr("type").await.unwrap().as_deref(), Some("checkbox"));
        assert_eq!(checkbox.is_selected().await.unwrap(), checked, "option {i}");
    }
    let filled = browser.screenshot(&format!("{screenshot_prefix}-filled")).await;

    browser.client.find(Locator::Css("button[type=\"submit\"]")).await.expect("Send").click().await.unwrap();
    let thank_you = browser.wait_for_id("thank-you").await;
    assert_eq!(thank_you.text().await.unwrap(), THANKS);
    let heading = browser.client.find(Locator::Css("h1")).await.expect("h1");
    assert_eq!(heading.text().await.unwrap(), NAME);
    // The form was posted under `form-action 'self'`, and the answer renders under its policy.
    assert_styled_under_its_policy(&browser, "the thank-you page").await;
    let thanked = browser.screenshot(&format!("{screenshot_prefix}-thank-you")).await;
    eprintln!("screenshots: {} {}", filled.display(), thanked.display());

    // Exactly that response, with the answers given, is what the API shows.
    let stored = survey.responses(&app).await;
    assert_eq!(stored.len(), 1, "{stored:?}");
    let response = &stored[0];
    assert!(response["id"].as_str().unwrap().starts_with("rsp_"), "{response}");
    assert_eq!(response["rating"], 4);
    assert_eq!(response["lowRated"], false);
    assert_eq!(response["complete"], true);
    let question = |i: usize| &survey.data["questions"][i]["text"];
    assert_eq!(
        response["answers"],
        json!([
            {"questionId": rating, "type": "RATING", "question": question(0), "value": 4},
            {"questionId": text, "type": "TEXT", "question": question(1), "value": TEXT_ANSWER},
            {"questionId": single, "type": "CHOICE", "question": question(2), "value": "Cash"},
            {"questionId": multiple, "type": "CHOICE", "question": question(3), "value": ["Pizza", "Salad"]}
        ])
    );
}

#[tokio::test]
async fn a_customer_answers_every_kind_of_question_and_sees_the_thank_you_page() {
    answer_every_kind_of_question(true, "survey").await;
}

#[tokio::test]
async fn the_page_works_with_javascript_disabled() {
    answer_every_kind_of_question(false, "survey-no-js").await;
}

#[tokio::test]
async fn a_wrong_answer_shows_the_error_at_its_field_keeps_the_answers_and_stores_nothing() {
    let app = spawn_app().await;
    let survey = Survey::create(
        &app,
        json!({
            "name": "Quick check",
            "questions": [
                {"type": "RATING", "text": "How was it?", "required": true},
                {"type": "TEXT", "text": "Anything else?", "maxLength": 10}
            ]
        }),
    )
    .await;
    let [rating, text] = [0, 1].map(|i| survey.question(i));
    let browser = phone(true).await;
    browser.client.goto(&app.url(&survey.page())).await.expect("page opens");
    let legend = browser.client.find(Locator::Css(&format!("#question-{rating} legend"))).await.expect("legend");
    assert!(legend.html(true).await.unwrap().contains("<span class=\"required\">(required)</span>"));

    // 30 characters typed: the browser itself stops at maxlength, so 10 are in the field.
    let textarea = browser.id(&text).await;
    textarea.send_keys(&"abcdefghij".repeat(3)).await.unwrap();
    let kept = textarea.prop("value").await.unwrap().unwrap_or_default();
    assert_eq!(kept, "abcdefghij", "the textarea's maxlength holds the text to 10 characters");
    // The required rating is left out.
    browser.client.find(Locator::Css("button[type=\"submit\"]")).await.expect("Send").click().await.unwrap();

    let errors = browser.wait_for_id("errors").await;
    assert_eq!(errors.attr("role").await.unwrap().as_deref(), Some("alert"));
    assert_styled_under_its_policy(&browser, "the page with errors").await;
    let error_id = format!("{rating}-error");
    // The message sits at the rating question, not only in the summary.
    let at_field = browser.client.find(Locator::Css(&format!("#question-{rating} #{error_id}"))).await;
    let message = at_field.unwrap_or_else(|e| panic!("#{error_id} inside #question-{rating}: {e}"));
    assert!(!message.text().await.unwrap().trim().is_empty(), "the error says what is wrong");
    assert_eq!(message.attr("class").await.unwrap().as_deref(), Some("error"));
    for n in 1..=5 {
        let radio = browser.id(&format!("{rating}-{n}")).await;
        assert_eq!(radio.attr("aria-invalid").await.unwrap().as_deref(), Some("true"), "radio {n}");
        assert_eq!(radio.attr("aria-describedby").await.unwrap().as_deref(), Some(error_id.as_str()), "radio {n}");
        assert!(!radio.is_selected().await.unwrap());
    }
    // The text answer is kept, and not marked wrong.
    let textarea = browser.id(&text).await;
    assert_eq!(textarea.prop("value").await.unwrap().as_deref(), Some("abcdefghij"));
    assert_ne!(textarea.attr("aria-invalid").await.unwrap().as_deref(), Some("true"));
    assert!(browser.client.find(Locator::Id(&format!("{text}-error"))).await.is_err(), "no error at the text");
    let shot = browser.screenshot("survey-errors").await;
    eprintln!("screenshot: {}", shot.display());

    assert!(survey.responses(&app).await.is_empty(), "nothing is stored for a wrong answer");
}
