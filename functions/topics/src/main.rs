//! Lambda entry point: one binary for both triggers — stream batches of the feedback table (a
//! partial batch response names the records that failed), and the nightly schedule (an
//! EventBridge event, told apart by its shape).

use lambda_runtime::{run, service_fn, Error, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    hearken::logging::init();
    let app = hearken::App::from_env().await?;
    // Loading the model is the cold start; do it before the first event, not during it.
    hearken_topics_function::model()?;
    let app = &app;
    run(service_fn(|event: LambdaEvent<serde_json::Value>| async move {
        let (payload, deadline) = (event.payload, event.context.deadline);
        if payload.get("Records").is_some() {
            // The partial batch response: the records that failed, for Lambda to retry.
            let batch = serde_json::from_value(payload)?;
            let failures = hearken_topics_function::handle(app, batch).await?;
            Ok::<_, Error>(serde_json::to_value(failures)?)
        } else {
            let report = hearken_topics_function::nightly(app, deadline).await?;
            Ok(serde_json::to_value(report)?)
        }
    }))
    .await
}
