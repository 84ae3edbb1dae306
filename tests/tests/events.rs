//! The sample events of `events/` (the files `sam local invoke -e` takes) fed to the real handlers
//! in-process, as Lambda would deliver them: every route has one, and each one works once its
//! placeholders are filled with a real project and key.

use hearken::plans::Plan;
use hearken_local::registry;
use hearken_tests::spawn_app;
use serde_json::Value;
use std::path::PathBuf;

const PROJECT_PLACEHOLDER: &str = "proj_REPLACE_WITH_PROJECT_ID";
const KEY_PLACEHOLDER: &str = "mbk_REPLACE_WITH_THE_PROJECT_KEY";

fn events() -> Vec<(PathBuf, Value)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../events");
    let mut found: Vec<(PathBuf, Value)> = std::fs::read_dir(&dir)
        .expect("events/ exists")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            let event = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (path, event)
        })
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}

#[test]
fn every_route_has_a_sample_event() {
    let template = hearken_local::template::Template::load_default().unwrap();
    let keys: Vec<String> = events().iter().filter_map(|(_, e)| e["routeKey"].as_str().map(str::to_owned)).collect();
    for (route, _) in template.routes() {
        assert!(keys.contains(&route.key()), "no event in events/ for {}", route.key());
    }
}

#[tokio::test]
async fn every_sample_event_runs_through_its_handler() {
    let app = spawn_app().await;
    let (_, project, key) = app.account_with_project(Plan::Pro).await;
    let functions = registry::functions();
    let events = events();
    assert!(!events.is_empty());
    for (path, event) in events {
        let route =
            event["routeKey"].as_str().unwrap_or_else(|| panic!("{} has no routeKey", path.display())).to_owned();
        let function = functions
            .iter()
            .find(|f| f.routes.contains(&route.as_str()))
            .unwrap_or_else(|| panic!("no handler for {route}"));
        let text =
            event.to_string().replace(PROJECT_PLACEHOLDER, project.id.as_str()).replace(KEY_PLACEHOLDER, key.expose());
        let request = lambda_http::request::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let response = (function.handler)(app.app.clone(), request).await;
        let body: Value = serde_json::from_slice(response.body().as_ref()).unwrap();
        assert!(response.status().is_success(), "{}: {} {body}", path.display(), response.status());
        assert!(response.headers().contains_key("x-ratelimit-limit"), "{}", path.display());
        assert!(body.get("data").is_some(), "{}: {body}", path.display());
    }
}
