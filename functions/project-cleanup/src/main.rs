//! Lambda entry point: one binary for both triggers — stream batches of the projects table (a
//! partial batch response names the records that failed), and the nightly sweep (an EventBridge
//! event, told apart by its shape).

use lambda_runtime::{run, service_fn, Error, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    hearken::logging::init();
    let app = hearken::App::from_env().await?;
    let app = &app;
    run(service_fn(|event: LambdaEvent<serde_json::Value>| async move {
        let (payload, deadline) = (event.payload, event.context.deadline);
        if payload.get("Records").is_some() {
            let failures = hearken_project_cleanup::handle(app, serde_json::from_value(payload)?).await?;
            Ok::<_, Error>(serde_json::to_value(failures)?)
        } else {
            Ok(serde_json::to_value(hearken_project_cleanup::finish_unfinished(app, deadline).await?)?)
        }
    }))
    .await
}
