//! The local gateway serves exactly template.yaml's routes, with API Gateway's behaviour around
//! them: 404 and 405 as JSON, CORS preflight without a key, CORS headers on answers.

use hearken_local::registry;
use hearken_local::template::Template;
use hearken_tests::{spawn_app, Reply};
use std::collections::BTreeSet;

#[test]
fn every_route_has_a_handler_and_every_handler_a_route() {
    let template = Template::load_default().unwrap();
    let functions = registry::functions();
    for function in template.functions.iter().filter(|f| !f.routes.is_empty()) {
        let handler = functions.iter().find(|f| f.binary == function.binary);
        let handler = handler.unwrap_or_else(|| {
            panic!("{} ({}) has no handler in infra/src/registry.rs", function.logical_id, function.binary)
        });
        let declared: BTreeSet<String> = function.routes.iter().map(|r| r.key()).collect();
        let handled: BTreeSet<String> = handler.routes.iter().map(|r| r.to_string()).collect();
        assert_eq!(declared, handled, "routes of {} in template.yaml vs its ROUTES", function.binary);
    }
    for handler in &functions {
        let declared = template.functions.iter().any(|f| f.binary == handler.binary && !f.routes.is_empty());
        assert!(declared, "handler {} has no function with routes in template.yaml", handler.binary);
    }
}

#[test]
fn every_stream_has_a_consumer_and_every_consumer_a_stream() {
    let template = Template::load_default().unwrap();
    let consumers = registry::stream_consumers();
    for function in template.functions.iter().filter(|f| !f.streams.is_empty()) {
        assert!(
            consumers.iter().any(|c| c.binary == function.binary),
            "{} has no stream consumer in the registry",
            function.binary
        );
    }
    for consumer in &consumers {
        let declared = template.functions.iter().any(|f| f.binary == consumer.binary && !f.streams.is_empty());
        assert!(declared, "consumer {} has no stream event in template.yaml", consumer.binary);
    }
    for function in &template.functions {
        assert!(
            !function.routes.is_empty() || !function.streams.is_empty() || !function.schedules.is_empty(),
            "{} is triggered by nothing",
            function.binary
        );
    }
}

#[test]
fn every_schedule_has_a_handler_and_every_handler_a_schedule() {
    let template = Template::load_default().unwrap();
    let scheduled = registry::scheduled();
    for function in template.functions.iter().filter(|f| !f.schedules.is_empty()) {
        assert!(scheduled.iter().any(|s| s.binary == function.binary), "{} has no scheduled handler", function.binary);
    }
    for handler in &scheduled {
        let declared = template.functions.iter().any(|f| f.binary == handler.binary && !f.schedules.is_empty());
        assert!(declared, "scheduled handler {} has no schedule in template.yaml", handler.binary);
    }
    let rollup = template.functions.iter().find(|f| f.binary == "rollup").expect("the rollup function");
    assert_eq!(rollup.schedules, ["cron(0 2 * * ? *)"], "the nightly rollup runs at 02:00 UTC");
}

#[tokio::test]
async fn the_default_route_answers_through_the_fallback_function() {
    let app = spawn_app().await;
    // Same answers as the deployed $default route: the fallback's own Server-Timing shows it ran.
    let reply = Reply::from(app.http.patch(app.url("/api/projects")).send().await.unwrap()).await;
    assert_eq!((reply.status, reply.error()), (405, "Method not allowed"));
    assert_eq!(reply.header("allow"), Some("GET, POST"));
    assert!(reply.header("server-timing").is_some());
}

#[tokio::test]
async fn unknown_routes_answer_404_json() {
    let app = spawn_app().await;
    let reply = Reply::from(app.http.get(app.url("/api/nothing-here")).send().await.unwrap()).await;
    assert_eq!((reply.status, reply.error()), (404, "Not found"));
}

#[tokio::test]
async fn wrong_methods_answer_405_with_allow() {
    let app = spawn_app().await;
    let reply = Reply::from(app.http.delete(app.url("/api/projects/proj_x/feedback")).send().await.unwrap()).await;
    assert_eq!((reply.status, reply.error()), (405, "Method not allowed"));
    assert_eq!(reply.header("allow"), Some("GET, POST"));
}

#[tokio::test]
async fn preflight_needs_no_key() {
    let app = spawn_app().await;
    let request = app
        .http
        .request(reqwest::Method::OPTIONS, app.url("/api/projects/proj_x/feedback"))
        .header("origin", "https://example.com")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "x-api-key, content-type");
    let reply = Reply::from(request.send().await.unwrap()).await;
    assert_eq!(reply.status, 204);
    assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
    assert!(reply.header("access-control-allow-headers").unwrap().contains("x-api-key"));
    assert!(reply.header("access-control-allow-methods").unwrap().contains("POST"));
}

#[tokio::test]
async fn answers_to_a_browser_carry_cors_headers() {
    let app = spawn_app().await;
    let request = app.http.get(app.url("/api/projects/proj_x/feedback")).header("origin", "https://example.com");
    let reply = Reply::from(request.send().await.unwrap()).await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
    assert!(reply.header("access-control-expose-headers").unwrap().contains("x-ratelimit-remaining"));
}
