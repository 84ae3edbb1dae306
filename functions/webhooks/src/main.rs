//! Lambda entry point: build the shared state once per container, then serve invocations.

use lambda_http::{run, service_fn, Error};

#[tokio::main]
async fn main() -> Result<(), Error> {
    hearken::logging::init();
    let app = hearken::App::from_env().await?;
    run(service_fn(|req| async { Ok::<_, Error>(hearken_webhooks::handle(&app, req).await) })).await
}
