//! Lambda entry point: build the shared state once per container, then serve invocations.

use lambda_http::{run, service_fn, Error};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_http::tracing::init_default_subscriber();
    let app = hearken::App::from_env().await?;
    run(service_fn(|req| async {
        Ok::<_, Error>(hearken_feedback::handle(&app, req).await)
    }))
    .await
}
