//! Lambda entry point: one binary for its three triggers — stream batches of the feedback table
//! (events) and of the webhooks table (deliveries due now), and the minute schedule (an
//! EventBridge event, told apart by its shape).

use lambda_runtime::{run, service_fn, Error, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    hearken::logging::init();
    let app = hearken::App::from_env().await?;
    let app = &app;
    run(service_fn(|event: LambdaEvent<serde_json::Value>| async move {
        let payload = event.payload;
        if payload.get("Records").is_some() {
            // Boxed: the delivery steps' future is deep, and the runtime's would nest it again.
            // The answer is the partial batch response: the records that failed, for Lambda to retry.
            let failures = Box::pin(hearken_webhook_delivery::handle(app, serde_json::from_value(payload)?)).await?;
            Ok::<_, Error>(serde_json::to_value(failures)?)
        } else {
            Ok(serde_json::to_value(Box::pin(hearken_webhook_delivery::sweep(app)).await?)?)
        }
    }))
    .await
}
