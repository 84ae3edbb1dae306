//! Lambda entry point: build the shared state once per container (and, when asked, warm its
//! DynamoDB connection), then serve invocations.

use lambda_http::{run, service_fn, Error};

#[tokio::main]
async fn main() -> Result<(), Error> {
    hearken::logging::init();
    let app = hearken::App::from_env().await?;
    // With HEARKEN_PRIME_DYNAMODB=on: connection, TLS set-up and credentials during init (a GetItem on
    // the keys table, which this function's policy allows); see `App::prime`.
    app.prime(hearken::app::PrimeOn::Keys).await;
    run(service_fn(|req| async { Ok::<_, Error>(hearken_projects::handle(&app, req).await) })).await
}
