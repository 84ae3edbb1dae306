//! The anchor Lambda: a DynamoDB client built at init, one GetItem on a key that does not exist
//! per invocation, and a tiny API Gateway HTTP API v2 response.

use aws_sdk_dynamodb::types::AttributeValue;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::{json, Value};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let client = aws_sdk_dynamodb::Client::new(&config);
    let table = std::env::var("KEYS_TABLE")?;
    let (client, table) = (&client, table.as_str());
    lambda_runtime::run(service_fn(move |_event: LambdaEvent<Value>| async move {
        let found = client
            .get_item()
            .table_name(table)
            .key("digest", AttributeValue::S("anchor".into()))
            .send()
            .await?
            .item
            .is_some();
        Ok::<_, Error>(json!({
            "statusCode": 200,
            "headers": {"content-type": "application/json"},
            "body": json!({ "found": found }).to_string(),
            "isBase64Encoded": false
        }))
    }))
    .await
}
