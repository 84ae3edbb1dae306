//! Test helpers: [`spawn_app`] gives each test its own tables (a fresh name prefix) in the run's
//! DynamoDB Local and the real handlers behind the real local gateway on a free port, so tests
//! talk HTTP to the same code that runs in Lambda and run in parallel without meeting.

use aws_sdk_dynamodb::Client;
use hearken::access::{ApiKey, KeyRecord};
use hearken::plans::Plan;
use hearken::store::accounts::Account;
use hearken::store::projects::Project;
use hearken::{admin, App};
use hearken_local::template::Template;
use hearken_local::{gateway, schedules, streams, tables};
use serde_json::Value;

pub mod dynamodb_process;

/// The endpoint of the run's DynamoDB Local.
pub fn endpoint() -> String {
    std::env::var("AWS_ENDPOINT_URL_DYNAMODB").expect(
        "these tests need DynamoDB: run `make test` (it starts DynamoDB Local), or set AWS_ENDPOINT_URL_DYNAMODB",
    )
}

/// A client for the run's DynamoDB Local (never real AWS: [`endpoint`] must be set).
pub async fn client() -> Client {
    endpoint();
    hearken_local::stack::client().await
}

/// The configuration of one test's clients: its own access key id, so its own DynamoDB Local
/// database (never real AWS: [`endpoint`] must be set). A suite of tables created and deleted in
/// one database slows every later call in it; a database per test keeps the last test as fast as
/// the first.
async fn config_of(prefix: &str) -> aws_config::SdkConfig {
    endpoint();
    // DynamoDB Local takes only letters and digits in an access key id.
    let key: String = prefix.chars().filter(char::is_ascii_alphanumeric).collect();
    hearken_local::stack::sdk_config_as(&key).await
}

/// One test's stack: its own tables, the gateway serving template.yaml's routes, an HTTP client.
pub struct TestApp {
    pub base: String,
    pub app: App,
    pub http: reqwest::Client,
    pub template: Template,
    prefix: String,
}

/// Starts a stack for one test.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts a stack for one test with changed settings (e.g. a higher per-IP limit).
pub async fn spawn_app_with(configure: impl FnOnce(&mut App)) -> TestApp {
    spawn(configure, |_| true).await
}

/// Starts a stack without the topics function: for tests that set responses' topics themselves
/// (analytics arithmetic), which the function would otherwise re-assign from the text.
pub async fn spawn_app_without_topics() -> TestApp {
    spawn(|_| {}, |binary| binary != "topics").await
}

async fn spawn(configure: impl FnOnce(&mut App), consumers: impl Fn(&str) -> bool) -> TestApp {
    let template = Template::load_default().expect("template.yaml loads");
    let prefix = format!("t{}-", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let config = config_of(&prefix).await;
    let client = Client::new(&config);
    let tables = tables::create_all(&client, &template, &prefix).await.expect("tables are created");
    let mut app = App::new(client, tables);
    // Tests walk many refused keys from one address in a minute; `failed_authentications` sets
    // the deployed limit back to check it.
    app.settings.failed_auth_per_ip_per_minute = 100_000;
    // The local stack's one exception: webhooks may go to a receiver on 127.0.0.1.
    app.settings.webhooks_allow_loopback = true;
    configure(&mut app);
    let address = gateway::start(app.clone(), &template, 0).await.expect("gateway starts");
    let sweeps = consumers("webhook-delivery");
    streams::start_some(app.clone(), streams::client_for(&config), &template, &prefix, consumers)
        .await
        .expect("stream consumers start");
    if sweeps {
        schedules::start(app.clone(), &template).expect("local schedules start");
    }
    TestApp { base: format!("http://{address}"), app, http: reqwest::Client::new(), template, prefix }
}

impl TestApp {
    /// An absolute URL on the gateway.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends a request with the key in `x-api-key` and a JSON body, and reads the answer.
    pub async fn call(&self, method: &str, path: &str, key: &str, body: Option<Value>) -> Reply {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("an HTTP method");
        let mut request = self.http.request(method, self.url(path)).header("x-api-key", key);
        if let Some(body) = body {
            request = request.json(&body);
        }
        Reply::from(request.send().await.expect("the gateway answers")).await
    }

    /// A new account on `plan` with its owner key.
    pub async fn account(&self, plan: Plan) -> (Account, ApiKey) {
        admin::create_account(&self.app, "Test account", plan).await.expect("account is created")
    }

    /// A new project of the account with its `mbk_` key.
    pub async fn project(&self, account: &Account) -> (Project, ApiKey) {
        admin::create_project(&self.app, &account.id, "Test project", None).await.expect("project is created")
    }

    /// An account on `plan` with one project: (account, project, project key).
    pub async fn account_with_project(&self, plan: Plan) -> (Account, Project, ApiKey) {
        let (account, _) = self.account(plan).await;
        let (project, key) = self.project(&account).await;
        (account, project, key)
    }

    /// The stored record of a key.
    pub async fn key_record(&self, key: &ApiKey) -> Option<KeyRecord> {
        hearken::store::keys::get_by_digest(&self.app, &key.digest()).await.expect("key read")
    }

    /// Binds a project key to its own project, as `{"scope": "project"}` makes it (and as keys
    /// made before project keys acted for their account are).
    pub async fn scope_to_project(&self, key: &ApiKey) {
        let mut record = self.key_record(key).await.expect("the key is stored");
        record.account_wide = false;
        self.put_key_record(&record).await;
    }

    /// Replaces a key's stored record (to arrange disabled, expired or restricted keys).
    pub async fn put_key_record(&self, record: &KeyRecord) {
        let item = serde_dynamo::to_item(record).expect("record serialises");
        self.app
            .db
            .put_item()
            .table_name(&self.app.tables.keys)
            .set_item(Some(item))
            .send()
            .await
            .expect("key written");
    }

    /// Calls counted for the account this month.
    pub async fn calls_this_month(&self, account: &Account) -> u64 {
        let (_, item) = hearken::store::accounts::get(&self.app, &account.id).await.unwrap().expect("account exists");
        hearken::store::accounts::calls_in(&item, &hearken::time::Timestamp::now().month_key())
    }

    /// Every item of a table (a Scan: tests only, to prove what was or was not written).
    pub async fn all_items(
        &self,
        table: &str,
    ) -> Vec<std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
        let out = self.app.db.scan().table_name(table).consistent_read(true).send().await.expect("scan");
        out.items.unwrap_or_default()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Async work cannot run in Drop on the test's runtime; a short-lived thread with its own
        // runtime and client removes this test's tables.
        let (template, prefix) = (self.template.clone(), self.prefix.clone());
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            runtime.block_on(async {
                tables::delete_all(&Client::new(&config_of(&prefix).await), &template, &prefix).await
            });
        })
        .join();
    }
}

/// Polls `check` every 100 ms until it holds or `limit` passes; false on time-out.
pub async fn eventually<F, Fut>(limit: std::time::Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + limit;
    loop {
        if check().await {
            return true;
        }
        if std::time::Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Waits, if needed, so that the next few seconds fall inside one fixed one-minute window (for
/// tests that count within a window).
pub async fn settle_in_one_minute_window() {
    let into_minute = hearken::time::Timestamp::now().unix_seconds().rem_euclid(60);
    if into_minute > 50 {
        tokio::time::sleep(std::time::Duration::from_secs((61 - into_minute) as u64)).await;
    }
}

/// A response read whole: status, headers and JSON body.
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    /// Reads a response.
    pub async fn from(response: reqwest::Response) -> Reply {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body");
        let body =
            if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
        Reply { status, headers, body }
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `error` text of an error body.
    pub fn error(&self) -> &str {
        self.body["error"].as_str().unwrap_or_default()
    }

    /// (calls, rounds) from `Server-Timing`.
    pub fn db_calls_and_rounds(&self) -> (usize, usize) {
        let timing = self.header("server-timing").expect("Server-Timing header");
        let number = |label: &str| -> usize {
            let start = timing.find(label).unwrap_or_else(|| panic!("{label} in {timing}")) + label.len();
            timing[start..].chars().take_while(char::is_ascii_digit).collect::<String>().parse().expect("number")
        };
        (number("calls="), number("rounds="))
    }
}

/// Percent-encodes every byte of `text` but the unreserved ones (RFC 3986), for a query value the
/// handler must see exactly (cursors, hostile strings).
pub fn encode(text: &str) -> String {
    const RESERVED: &percent_encoding::AsciiSet =
        &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');
    percent_encoding::utf8_percent_encode(text, RESERVED).to_string()
}

/// Whether a timestamp is shown as the API promises: ISO 8601, UTC, milliseconds.
pub fn is_iso_millis(text: &str) -> bool {
    text.len() == 24
        && text.ends_with('Z')
        && text.as_bytes()[19] == b'.'
        && hearken::time::Timestamp::parse(text).is_some()
}

/// The documents' error texts, word for word (SPEC §4).
pub mod texts {
    /// The example key of the Miniback security guide: well-formed-looking, checksum-less.
    /// (Assembled, so no string in the repository looks like a real key.)
    pub const DOCUMENTED_EXAMPLE_KEY: &str = concat!("mbk_", "1a2b3c4d5e6f7g8h9i0j");

    pub const KEY_REQUIRED: &str =
        "API key is required. Provide it via 'x-api-key' header or 'api_key' query parameter.";
    pub const INVALID_KEY_OR_PROJECT: &str = "Invalid API key or project not found";
    pub const MESSAGE_REQUIRED: &str = "Message is required and must be a string";

    /// The FREE plan sentence for a method.
    pub fn paid_plans_only(method: &str) -> String {
        format!("{method} requests are available on paid plans only. FREE plan users can only POST feedback. Upgrade to STARTER or PRO for full API access.")
    }
}

/// A record of a Lambda DynamoDB stream event (the shape of `events/*.json`), on a table named
/// `table`; an image left out is absent from the record. The event id is unique per call.
pub fn stream_record(
    table: &str,
    name: &str,
    keys: Value,
    images: (Option<Value>, Option<Value>),
    sequence: u32,
) -> Value {
    let (new_image, old_image) = images;
    let mut change = serde_json::json!({
        "ApproximateCreationDateTime": 1_796_083_200,
        "Keys": keys,
        "SequenceNumber": sequence.to_string(),
        "SizeBytes": 100,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    });
    if let Some(image) = new_image {
        change["NewImage"] = image;
    }
    if let Some(image) = old_image {
        change["OldImage"] = image;
    }
    serde_json::json!({
        "eventID": format!("e{sequence}-{}", uuid::Uuid::new_v4().simple()),
        "eventName": name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "eventSourceARN": format!("arn:aws:dynamodb:us-east-1:123456789012:table/{table}/stream/2026-01-01T00:00:00.000"),
        "dynamodb": change,
    })
}
