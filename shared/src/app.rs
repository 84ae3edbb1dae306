//! The state a function builds once per container and reuses across invocations.

use crate::config::{Settings, Tables};
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, ConfigLoader};
use aws_sdk_dynamodb::config::SharedHttpClient;
use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
use std::time::Duration;

/// The DynamoDB client, the table names and the settings: everything a handler needs besides its
/// request.
#[derive(Clone, Debug)]
pub struct App {
    pub db: Client,
    pub tables: Tables,
    pub settings: Settings,
    /// What this container keeps between requests (see `known`); shared by the App's clones.
    pub known: std::sync::Arc<crate::known::Known>,
}

impl App {
    /// Wraps an existing client (tests and the local gateway share one across many table sets),
    /// with the default settings.
    pub fn new(db: Client, tables: Tables) -> Self {
        Self { db, tables, settings: Settings::default(), known: Default::default() }
    }

    /// Builds the client from the standard AWS configuration (region, credentials and
    /// `AWS_ENDPOINT_URL_DYNAMODB`), the table names and the settings from the environment.
    pub async fn from_env() -> Result<Self, String> {
        let tables = Tables::from_env()?;
        let settings = Settings::from_lookup(|name| std::env::var(name).ok())?;
        Ok(Self { settings, ..Self::new(client_from_env().await, tables) })
    }

    /// Warms the client during init, before the first request: one GetItem on a key no item can
    /// have, on a table the function's IAM policy lets it read, so the HTTPS client is built (its
    /// root certificates loaded), a connection is open in the pool and the credentials are resolved
    /// when the first event arrives. A failure is only logged: the first request then does the work.
    ///
    /// Only with `HEARKEN_PRIME_DYNAMODB=on`. Measured (`make bench-lambda`, feedback, 2 × 30 cold
    /// starts each way): priming added one DynamoDB round trip to init (0.91-0.95× → 1.36-1.45× the
    /// anchor's init) and took nothing measurable off the first response, since an on-demand cold
    /// start waits for init and handler alike. It pays where Lambda initialises ahead of the request
    /// (provisioned concurrency, proactive initialisation): there, turn it on.
    pub async fn prime(&self, table: PrimeOn) {
        if !std::env::var("HEARKEN_PRIME_DYNAMODB").is_ok_and(|v| v.eq_ignore_ascii_case("on")) {
            return;
        }
        let started = std::time::Instant::now();
        let request = self.db.get_item().key(table.hash_key(), AttributeValue::S(PRIME_KEY.into()));
        let request = match table {
            PrimeOn::Keys => request.table_name(&self.tables.keys),
            PrimeOn::Projects => request.table_name(&self.tables.projects),
            PrimeOn::Surveys => request.table_name(&self.tables.surveys).key("sk", AttributeValue::S(PRIME_KEY.into())),
        };
        match tokio::time::timeout(PRIME_TIMEOUT, request.send()).await {
            Ok(Ok(_)) => {
                tracing::debug!(elapsed_ms = started.elapsed().as_millis() as u64, "DynamoDB connection primed")
            }
            Ok(Err(err)) => {
                tracing::warn!(error = %DisplayErrorContext(&err), "priming DynamoDB failed; the first request opens the connection")
            }
            Err(_) => tracing::warn!("priming DynamoDB timed out; the first request opens the connection"),
        }
    }
}

/// The table [`App::prime`] reads: one whose GetItem the function's policy in template.yaml allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrimeOn {
    /// The keys table (every keyed function reads it to authenticate).
    Keys,
    /// The projects table (the widget).
    Projects,
    /// The surveys table (the public survey page).
    Surveys,
}

impl PrimeOn {
    fn hash_key(self) -> &'static str {
        match self {
            PrimeOn::Keys => "digest",
            PrimeOn::Projects => "id",
            PrimeOn::Surveys => "pk",
        }
    }
}

/// A key value no stored item has (digests are hex, ids carry their prefix and base62).
const PRIME_KEY: &str = "#prime";
/// Priming never holds init long: Lambda's init phase is 10 s, and a slow DynamoDB is the first
/// request's business.
const PRIME_TIMEOUT: Duration = Duration::from_secs(2);

/// A DynamoDB client from the standard AWS configuration chain.
pub async fn client_from_env() -> Client {
    Client::new(&config_loader().load().await)
}

/// The standard AWS configuration chain (region, credentials, `AWS_ENDPOINT_URL_DYNAMODB`) with
/// this project's HTTPS client and timeouts: a stalled call ends as a 503 well before Lambda's
/// own timeout, instead of as a timed-out invocation.
pub fn config_loader() -> ConfigLoader {
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(2))
        .operation_attempt_timeout(Duration::from_secs(2))
        // The request budget's operation: see `request_scope::Budget`.
        .operation_timeout(crate::request_scope::BUDGET.operation)
        .build();
    aws_config::defaults(BehaviorVersion::latest()).http_client(http_client()).timeout_config(timeouts)
}

/// The HTTPS client every AWS client here uses: rustls on ring, which the workspace already has,
/// instead of the SDK's default crypto library (a large C build).
pub fn http_client() -> SharedHttpClient {
    aws_smithy_http_client::Builder::new().tls_provider(Provider::Rustls(CryptoMode::Ring)).build_https()
}
