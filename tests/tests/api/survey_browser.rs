//! The public survey page, `/s/{surveyId}`, in a real browser: headless Chromium driven over
//! WebDriver fills every kind of question, posts the page's own form and reads the thank-you page
//! or the re-rendered page with its error messages; the API then shows what was (or was not)
//! stored. The page is plain server-rendered HTML, so the flow is also run with JavaScript off.
//! Every page is checked to render under its Content-Security-Policy: its inline styles apply
//! (computed styles are the sheet's), its form posts, and the browser logs no CSP violation.
//!
//! Needs /usr/bin/chromium and /usr/bin/chromedriver: `infra/chromium.sh ensure` installs them.
//! Screenshots land in `target/screenshots/` for a person to look at.

use fantoccini::{Client, ClientBuilder, Locator};
use hearken::access::ApiKey;
use hearken::plans::Plan;
use hearken_tests::{spawn_app, TestApp};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// A headless Chromium session behind its own chromedriver; closing the session (which quits
/// Chromium) and killing chromedriver happen on drop, so a failing test leaves no browser behind.
struct Browser {
    client: Client,
    driver: Child,
    port: u16,
    session: Option<String>,
    profile: PathBuf,
}

impl Browser {
    async fn start(javascript: bool) -> Browser {
        // Fail, not skip: a run without the browser would pass without testing the page.
        assert!(
            Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists(),
            "this test needs {CHROMIUM} and {CHROMEDRIVER}: run `infra/chromium.sh ensure`"
        );
        let port = free_port();
        let mut driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(reply) = reqwest::get(format!("{url}/status")).await {
                if reply.status().is_success() {
                    break;
                }
            }
            if let Ok(Some(status)) = driver.try_wait() {
                panic!("chromedriver exited before answering ({status}); is port {port} taken?");
            }
            if Instant::now() > deadline {
                let _ = driver.kill();
                panic!("chromedriver did not answer on port {port} within 20 s");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }

        // A fresh profile per browser, so tests never share cookies or a profile lock.
        let profile = std::env::temp_dir().join(format!("hearken-chromium-{}", uuid::Uuid::new_v4().simple()));
        let mut args = vec![
            "--headless=new".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            // Without these Chromium reaches for the (closed) network at start and stalls.
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            // Phone-sized, as the page is meant to be answered on a phone (headless Chromium
            // widens a window to its 500 px minimum; still narrower than any desktop layout).
            "--window-size=420,900".to_owned(),
            format!("--user-data-dir={}", profile.display()),
        ];
        if !javascript {
            args.push("--blink-settings=scriptEnabled=false".to_owned());
        }
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": CHROMIUM, "args": args},
            // The console, where Chromium reports what a Content-Security-Policy refused.
            "goog:loggingPrefs": {"browser": "ALL"},
        });
        let Value::Object(capabilities) = capabilities else { unreachable!("an object literal") };
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let connected = ClientBuilder::new(connector).capabilities(capabilities).connect(&url).await;
        let client = match connected {
            Ok(client) => client,
            Err(error) => {
                let _ = driver.kill();
                panic!("no WebDriver session with {CHROMIUM}: {error}");
            }
        };
        let session = client.session_id().await.expect("session id");
        Browser { client, driver, port, session, profile }
    }

    /// The element with this id.
    async fn id(&self, id: &str) -> fantoccini::elements::Element {
        self.client.find(Locator::Id(id)).await.unwrap_or_else(|e| panic!("#{id} on the page: {e}"))
    }

    /// The `<label for="{id}">` of a field.
    async fn label_for(&self, id: &str) -> fantoccini::elements::Element {
        let css = format!("label[for=\"{id}\"]");
        self.client.find(Locator::Css(&css)).await.unwrap_or_else(|e| panic!("{css} on the page: {e}"))
    }

    /// Waits for the page that answers a navigation or a form post to show the element.
    async fn wait_for_id(&self, id: &str) -> fantoccini::elements::Element {
        let found = self.client.wait().at_most(Duration::from_secs(15)).for_element(Locator::Id(id)).await;
        match found {
            Ok(element) => element,
            Err(e) => panic!("#{id} did not appear: {e}; page:\n{}", self.source().await),
        }
    }

    async fn source(&self) -> String {
        self.client.source().await.unwrap_or_default()
    }

    /// The browser console's entries since the last call (chromedriver's log endpoint).
    async fn console(&self) -> Vec<Value> {
        let session = self.session.as_deref().expect("a session");
        let url = format!("http://127.0.0.1:{}/session/{session}/se/log", self.port);
        let reply = reqwest::Client::new().post(url).json(&json!({"type": "browser"})).send().await;
        let body: Value = reply.expect("chromedriver answers").json().await.expect("a JSON log");
        body["value"].as_array().unwrap_or_else(|| panic!("a list of log entries: {body}")).clone()
    }

    /// The page on screen renders as its styles say, under the policy its answer carried: the one
    /// inline sheet is loaded with its rules, computed styles are the sheet's (a refused sheet
    /// leaves the browser's defaults: white body, grey button), and the console shows no refusal.
    async fn assert_styled_under_its_policy(&self, what: &str) {
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
        let styles = self.client.execute(script, vec![]).await.expect("computed styles");
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
        let refused: Vec<Value> = self
            .console()
            .await
            .into_iter()
            .filter(|entry| {
                let message = entry["message"].as_str().unwrap_or_default();
                message.contains("Content Security Policy") || message.contains("Refused to")
            })
            .collect();
        assert!(refused.is_empty(), "{what}: the browser refused something: {refused:?}");
    }

    /// Saves a screenshot of the whole page as `target/screenshots/{name}.png` and checks it is a
    /// PNG. WebDriver captures only the viewport, so the window grows by what the page overflows.
    async fn screenshot(&self, name: &str) -> PathBuf {
        let (width, height) = self.client.get_window_size().await.expect("window size");
        let script = "return document.documentElement.scrollHeight - window.innerHeight";
        let overflow = self.client.execute(script, vec![]).await.expect("page height").as_i64().unwrap_or(0);
        if overflow > 0 {
            self.client.set_window_size(width as u32, height as u32 + overflow as u32).await.expect("window grows");
        }
        let png = self.client.screenshot().await.expect("screenshot");
        self.client.set_window_size(width as u32, height as u32).await.expect("window size restored");
        assert!(png.len() > PNG_SIGNATURE.len() && png.starts_with(PNG_SIGNATURE), "a PNG screenshot");
        let folder = target_dir().join("screenshots");
        std::fs::create_dir_all(&folder).expect("screenshots folder");
        let path = folder.join(format!("{name}.png"));
        std::fs::write(&path, &png).expect("screenshot written");
        let written = std::fs::read(&path).expect("screenshot read back");
        assert!(written.len() > PNG_SIGNATURE.len() && written.starts_with(PNG_SIGNATURE), "{}", path.display());
        path
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Drop cannot await, and on a panic the runtime is gone before fantoccini's own clean-up
        // runs; a plain blocking DELETE of the session makes chromedriver quit Chromium.
        if let Some(session) = &self.session {
            let _ = delete_session(self.port, session);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

fn delete_session(port: u16, session: &str) -> std::io::Result<()> {
    let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let request = format!(
        "DELETE /session/{session} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes())?;
    // Reading the whole answer waits until Chromium has quit. chromedriver keeps the connection
    // open, so the answer ends at its Content-Length, not at the end of the stream.
    let mut answer = Vec::new();
    let mut chunk = [0u8; 1024];
    loop {
        let read = stream.read(&mut chunk)?;
        if read == 0 {
            return Ok(());
        }
        answer.extend_from_slice(&chunk[..read]);
        let text = String::from_utf8_lossy(&answer);
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|line| line.to_ascii_lowercase().strip_prefix("content-length:").map(|n| n.trim().to_owned()))
                .and_then(|n| n.parse::<usize>().ok())
                .unwrap_or(0);
            if answer.len() >= end + 4 + length {
                return Ok(());
            }
        }
    }
}

fn free_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("a free port");
    listener.local_addr().expect("its address").port()
}

/// The workspace's target folder (where `cargo` builds), for the screenshots.
fn target_dir() -> PathBuf {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ is inside the workspace");
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => workspace.join(dir),
        None => workspace.join("target"),
    }
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
    let browser = Browser::start(javascript).await;
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
    browser.assert_styled_under_its_policy("the form").await;
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
    browser.assert_styled_under_its_policy("the thank-you page").await;
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
    let browser = Browser::start(true).await;
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
    browser.assert_styled_under_its_policy("the page with errors").await;
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
