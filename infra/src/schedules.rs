//! A local stand-in for EventBridge Scheduler: every function that template.yaml schedules at a
//! fixed `rate(...)` is called in-process at a local pace (every `LOCAL_RATE`, far quicker than the
//! deployed minute, so a retry due in 5 s is sent within a few seconds here too). Cron schedules
//! (the nightly rollup and topics) are not run: `make rollup` and the tests call them when wanted.

use crate::registry;
use crate::template::Template;
use hearken::App;
use std::time::Duration;

/// How often a `rate(...)` schedule fires on the local stack.
pub const LOCAL_RATE: Duration = Duration::from_secs(2);

/// Starts one loop per rate-scheduled function of the template.
pub fn start(app: App, template: &Template) -> Result<(), String> {
    let handlers = registry::scheduled();
    for function in &template.functions {
        if !function.schedules.iter().any(|s| s.starts_with("rate(")) {
            continue;
        }
        let handler = handlers
            .iter()
            .find(|h| h.binary == function.binary)
            .ok_or_else(|| format!("no scheduled handler for binary {}", function.binary))?
            .handler;
        let (app, binary) = (app.clone(), function.binary.clone());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(LOCAL_RATE).await;
                let deadline = (chrono::Utc::now().timestamp_millis() + 60_000) as u64;
                if let Err(err) = handler(app.clone(), serde_json::json!({"source": "local"}), deadline).await {
                    tracing::warn!(binary, error = %err, "a local schedule's run failed");
                }
            }
        });
    }
    Ok(())
}
