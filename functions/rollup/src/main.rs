//! Lambda entry point: build the shared state once per container, then run the rollup per event.

use lambda_runtime::{run, service_fn, Error, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    hearken::logging::init();
    let app = hearken::App::from_env().await?;
    let app = &app;
    run(service_fn(|event: LambdaEvent<serde_json::Value>| async move {
        let report = hearken_rollup::handle(app, event.payload, event.context.deadline).await?;
        Ok::<_, Error>(serde_json::to_value(report)?)
    }))
    .await
}
