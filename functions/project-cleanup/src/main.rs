//! Lambda entry point: build the shared state once per container, then handle stream batches.

use lambda_runtime::{run, service_fn, Error, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    hearken::logging::init();
    let app = hearken::App::from_env().await?;
    run(service_fn(|event: LambdaEvent<_>| async {
        hearken_project_cleanup::handle(&app, event.payload).await.map_err(Error::from)
    }))
    .await
}
