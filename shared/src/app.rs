//! The state a function builds once per container and reuses across invocations.

use crate::config::Tables;
use aws_sdk_dynamodb::Client;

/// The DynamoDB client and the table names: everything a handler needs besides its request.
#[derive(Clone, Debug)]
pub struct App {
    pub db: Client,
    pub tables: Tables,
}

impl App {
    /// Wraps an existing client (tests and the local gateway share one across many table sets).
    pub fn new(db: Client, tables: Tables) -> Self {
        Self { db, tables }
    }

    /// Builds the client from the standard AWS configuration (region, credentials and
    /// `AWS_ENDPOINT_URL_DYNAMODB`) and the table names from the environment.
    pub async fn from_env() -> Result<Self, String> {
        let tables = Tables::from_env()?;
        Ok(Self::new(client_from_env().await, tables))
    }
}

/// A DynamoDB client from the standard AWS configuration chain.
pub async fn client_from_env() -> Client {
    let config = aws_config::load_from_env().await;
    Client::new(&config)
}
