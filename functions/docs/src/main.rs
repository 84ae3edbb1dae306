//! Lambda entry point. The docs read no table, so no AWS client is built.

use lambda_http::{run, service_fn, Error};

#[tokio::main]
async fn main() -> Result<(), Error> {
    hearken::logging::init();
    run(service_fn(|req| async { Ok::<_, Error>(hearken_docs::handle(req).await) })).await
}
