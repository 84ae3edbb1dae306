//! The state a function builds once per container and reuses across invocations.

use crate::config::{Settings, Tables};
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, ConfigLoader};
use aws_sdk_dynamodb::config::SharedHttpClient;
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
}

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
