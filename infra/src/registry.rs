//! The functions the local gateway can call in-process, by the binary name template.yaml gives
//! them. A function added to template.yaml must be added here too (a test checks both ways).

use futures::future::BoxFuture;
use hearken::App;
use lambda_http::{Body, Request, Response};

/// A function's handler, callable in-process.
pub type Handler = fn(App, Request) -> BoxFuture<'static, Response<Body>>;

/// One Lambda function: its binary, the route keys it serves, and its handler.
pub struct Function {
    pub binary: &'static str,
    pub routes: &'static [&'static str],
    pub handler: Handler,
}

/// Every function of the workspace.
pub fn functions() -> Vec<Function> {
    vec![Function {
        binary: "feedback",
        routes: hearken_feedback::ROUTES,
        handler: |app, req| Box::pin(async move { hearken_feedback::handle(&app, req).await }),
    }]
}
