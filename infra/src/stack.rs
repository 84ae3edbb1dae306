//! How the local tools find their tables: the same environment variables the functions read when
//! deployed (`ACCOUNTS_TABLE`…), or, locally, the template's tables under a name prefix.

use crate::tables::tables_for;
use crate::template::Template;
use aws_config::SdkConfig;
use aws_sdk_dynamodb::config::{Credentials, Region};
use aws_sdk_dynamodb::Client;
use hearken::config::{Tables, TABLE_VARIABLES};
use hearken::App;

/// The table-name prefix of the local stack (`HEARKEN_TABLE_PREFIX`, default `hearken-local-`).
pub fn prefix_from_env() -> String {
    std::env::var("HEARKEN_TABLE_PREFIX").unwrap_or_else(|_| "hearken-local-".to_owned())
}

/// The tables the tools use: the deployed names when every `*_TABLE` variable is set, else the
/// local stack's prefixed tables.
pub fn tables_from_env(template: &Template) -> Result<Tables, String> {
    if TABLE_VARIABLES.iter().all(|name| std::env::var(name).is_ok()) {
        Tables::from_env()
    } else {
        tables_for(template, &prefix_from_env())
    }
}

/// The application state the tools use, from the standard AWS configuration.
pub async fn app_from_env(template: &Template) -> Result<App, String> {
    Ok(App::new(client().await, tables_from_env(template)?))
}

/// A DynamoDB client for the local tools and tests: the standard configuration, except that when
/// `AWS_ENDPOINT_URL_DYNAMODB` is a loopback address (DynamoDB Local, which accepts anything) and
/// no credentials or region are set, placeholders are used instead of failing.
pub async fn client() -> Client {
    Client::new(&sdk_config().await)
}

/// The AWS configuration behind [`client`].
pub async fn sdk_config() -> SdkConfig {
    sdk_config_as("local").await
}

/// Like [`sdk_config`], with `access_key` as the placeholder access key id. DynamoDB Local (unless
/// started with `-sharedDb`) keeps one database per access key id, so a test that takes its own
/// key works in a database of its own: no test's leftovers (tables, stream records) slow another.
pub async fn sdk_config_as(access_key: &str) -> SdkConfig {
    let mut loader = hearken::app::config_loader();
    let endpoint = std::env::var("AWS_ENDPOINT_URL_DYNAMODB").unwrap_or_default();
    let loopback = ["http://127.", "http://localhost", "http://[::1]"].iter().any(|p| endpoint.starts_with(p));
    if loopback {
        if std::env::var("AWS_ACCESS_KEY_ID").is_err() {
            loader = loader.credentials_provider(Credentials::new(access_key, "local", None, None, "dynamodb-local"));
        }
        if std::env::var("AWS_REGION").is_err() && std::env::var("AWS_DEFAULT_REGION").is_err() {
            loader = loader.region(Region::new("us-east-1"));
        }
        // DynamoDB Local is one JVM that applies transactions one at a time: under a burst of
        // parallel writes (or a busy 2-core CI machine) a call waits far longer than DynamoDB's
        // milliseconds, so the per-attempt timeout made for the real service would cut it off.
        loader = loader.timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .connect_timeout(std::time::Duration::from_secs(2))
                .operation_attempt_timeout(std::time::Duration::from_secs(25))
                .operation_timeout(std::time::Duration::from_secs(28))
                .build(),
        );
    }
    loader.load().await
}
