//! A headless Chromium session behind its own chromedriver, for the tests that look at a page in a
//! real browser (the survey page, Swagger UI). Closing the session (which quits Chromium) and
//! killing chromedriver happen on drop, so a failing test leaves no browser behind.
//!
//! Needs /usr/bin/chromium and /usr/bin/chromedriver: `infra/chromium.sh ensure` installs them.
//! Screenshots land in `target/screenshots/` for a person to look at.

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// How a [`Browser`] starts.
pub struct Options {
    /// Whether pages may run scripts (off: `--blink-settings=scriptEnabled=false`).
    pub javascript: bool,
    /// The window's size, width by height.
    pub window: (u32, u32),
    /// The one host name the browser resolves, to 127.0.0.1; any other name then fails, so a
    /// request elsewhere cannot reach anything even if a policy let it go. `None`: names resolve
    /// as usual.
    pub only_host: Option<&'static str>,
}

/// A headless Chromium session behind its own chromedriver; see the module's documentation.
pub struct Browser {
    pub client: Client,
    driver: Child,
    port: u16,
    session: Option<String>,
    profile: PathBuf,
}

impl Browser {
    pub async fn start(options: Options) -> Browser {
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
        let (width, height) = options.window;
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
            format!("--window-size={width},{height}"),
        ];
        if let Some(host) = options.only_host {
            args.push(format!("--host-resolver-rules=MAP {host} 127.0.0.1, MAP * ~NOTFOUND"));
        }
        args.push(format!("--user-data-dir={}", profile.display()));
        if !options.javascript {
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
    pub async fn id(&self, id: &str) -> Element {
        self.client.find(Locator::Id(id)).await.unwrap_or_else(|e| panic!("#{id} on the page: {e}"))
    }

    /// The `<label for="{id}">` of a field.
    pub async fn label_for(&self, id: &str) -> Element {
        let css = format!("label[for=\"{id}\"]");
        self.client.find(Locator::Css(&css)).await.unwrap_or_else(|e| panic!("{css} on the page: {e}"))
    }

    /// Waits (up to 15 s) for the page that answers a navigation or a form post to show the
    /// element with this id.
    pub async fn wait_for_id(&self, id: &str) -> Element {
        let found = self.client.wait().at_most(Duration::from_secs(15)).for_element(Locator::Id(id)).await;
        match found {
            Ok(element) => element,
            Err(e) => panic!("#{id} did not appear: {e}; page:\n{}", self.source().await),
        }
    }

    /// Waits (up to 20 s) for the element the CSS selector names, as a script-built page shows it.
    pub async fn wait_for(&self, css: &str) -> Element {
        let found = self.client.wait().at_most(Duration::from_secs(20)).for_element(Locator::Css(css)).await;
        match found {
            Ok(element) => element,
            Err(e) => {
                let page = self.source().await;
                panic!("{css} did not appear: {e}; console: {:?}\npage:\n{page}", self.console().await)
            }
        }
    }

    /// The page's HTML as the browser holds it now (empty if it cannot be read).
    pub async fn source(&self) -> String {
        self.client.source().await.unwrap_or_default()
    }

    /// Runs a script and returns what it returns.
    pub async fn run(&self, script: &str) -> Value {
        self.client.execute(script, vec![]).await.unwrap_or_else(|e| panic!("script fails: {e}\n{script}"))
    }

    /// The browser console's entries since the last call (chromedriver's log endpoint).
    pub async fn console(&self) -> Vec<Value> {
        let session = self.session.as_deref().expect("a session");
        let url = format!("http://127.0.0.1:{}/session/{session}/se/log", self.port);
        let reply = reqwest::Client::new().post(url).json(&json!({"type": "browser"})).send().await;
        let body: Value = reply.expect("chromedriver answers").json().await.expect("a JSON log");
        body["value"].as_array().unwrap_or_else(|| panic!("a list of log entries: {body}")).clone()
    }

    /// The console's entries since the last call that report something a Content-Security-Policy
    /// refused.
    pub async fn refused(&self) -> Vec<Value> {
        self.console()
            .await
            .into_iter()
            .filter(|entry| {
                let message = entry["message"].as_str().unwrap_or_default();
                message.contains("Content Security Policy") || message.contains("Refused to")
            })
            .collect()
    }

    /// Saves a screenshot of the whole page as `target/screenshots/{name}.png` and checks it is a
    /// PNG. WebDriver captures only the viewport, so the window grows by what the page overflows.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let overflow = "return document.documentElement.scrollHeight - window.innerHeight";
        self.screenshot_grown(name, overflow, false).await
    }

    /// Saves a screenshot of the page from its top down to the bottom of the element `css` names,
    /// as `target/screenshots/{name}.png`, and checks it is a PNG (for a page far longer than what
    /// is worth looking at).
    pub async fn screenshot_down_to(&self, name: &str, css: &str) -> PathBuf {
        let overflow = format!(
            "const box = document.querySelector('{css}').getBoundingClientRect(); \
             return Math.ceil(box.bottom + window.scrollY + 24 - window.innerHeight)"
        );
        self.screenshot_grown(name, &overflow, true).await
    }

    /// The screenshot, with the window grown for it by the pixels the `overflow` script returns
    /// (and scrolled to the top first if `from_top`), then restored.
    async fn screenshot_grown(&self, name: &str, overflow: &str, from_top: bool) -> PathBuf {
        let (width, height) = self.client.get_window_size().await.expect("window size");
        let overflow = self.run(overflow).await.as_i64().unwrap_or(0);
        if overflow > 0 {
            self.client.set_window_size(width as u32, height as u32 + overflow as u32).await.expect("window grows");
        }
        if from_top {
            self.run("window.scrollTo(0, 0); return null").await;
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
