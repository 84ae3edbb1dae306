//! The functions the local gateway can call in-process, by the binary name template.yaml gives
//! them. A function added to template.yaml must be added here too (a test checks both ways).

use aws_lambda_events::event::dynamodb::Event;
use aws_lambda_events::streams::DynamoDbEventResponse;
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

/// Every HTTP function of the workspace.
pub fn functions() -> Vec<Function> {
    vec![
        Function {
            binary: "feedback",
            routes: hearken_feedback::ROUTES,
            handler: |app, req| Box::pin(async move { hearken_feedback::handle(&app, req).await }),
        },
        Function {
            binary: "projects",
            routes: hearken_projects::ROUTES,
            handler: |app, req| Box::pin(async move { hearken_projects::handle(&app, req).await }),
        },
        Function {
            binary: "account",
            routes: hearken_account::ROUTES,
            handler: |app, req| Box::pin(async move { hearken_account::handle(&app, req).await }),
        },
        Function {
            binary: "fallback",
            routes: hearken_fallback::ROUTES,
            handler: |app, req| Box::pin(async move { hearken_fallback::handle(&app, req).await }),
        },
        Function {
            binary: "surveys",
            routes: hearken_surveys::ROUTES,
            handler: |app, req| Box::pin(async move { hearken_surveys::handle(&app, req).await }),
        },
        Function {
            binary: "survey-page",
            routes: hearken_survey_page::ROUTES,
            handler: |app, req| Box::pin(async move { hearken_survey_page::handle(&app, req).await }),
        },
        Function {
            binary: "analytics",
            routes: hearken_analytics::ROUTES,
            handler: |app, req| Box::pin(async move { hearken_analytics::handle(&app, req).await }),
        },
        Function {
            binary: "docs",
            routes: hearken_docs::ROUTES,
            handler: |_app, req| Box::pin(async move { hearken_docs::handle(req).await }),
        },
        Function {
            binary: "widget",
            routes: hearken_widget::ROUTES,
            handler: |app, req| Box::pin(async move { hearken_widget::handle(&app, req).await }),
        },
        Function {
            binary: "webhooks",
            routes: hearken_webhooks::ROUTES,
            handler: |app, req| Box::pin(async move { hearken_webhooks::handle(&app, req).await }),
        },
    ]
}

/// A stream consumer's handler, callable in-process with a Lambda DynamoDB stream event: the
/// partial batch response (the records that failed, by sequence number), or an error when the
/// whole batch failed.
pub type StreamHandler = fn(App, Event) -> BoxFuture<'static, Result<DynamoDbEventResponse, String>>;

/// One stream-driven Lambda function.
pub struct StreamConsumer {
    pub binary: &'static str,
    pub handler: StreamHandler,
}

/// Every stream consumer of the workspace.
pub fn stream_consumers() -> Vec<StreamConsumer> {
    vec![
        StreamConsumer {
            binary: "project-cleanup",
            handler: |app, event| {
                Box::pin(async move { hearken_project_cleanup::handle(&app, event).await.map_err(|e| e.to_string()) })
            },
        },
        StreamConsumer {
            binary: "topics",
            handler: |app, event| {
                Box::pin(async move { hearken_topics_function::handle(&app, event).await.map_err(|e| e.to_string()) })
            },
        },
        StreamConsumer {
            binary: "webhook-delivery",
            handler: |app, event| {
                Box::pin(async move { hearken_webhook_delivery::handle(&app, event).await.map_err(|e| e.to_string()) })
            },
        },
    ]
}

/// A scheduled function's handler, callable in-process with the schedule's event and a deadline
/// (Unix ms, as Lambda's context gives it).
pub type ScheduledHandler = fn(App, serde_json::Value, u64) -> BoxFuture<'static, Result<serde_json::Value, String>>;

/// One schedule-driven Lambda function.
pub struct Scheduled {
    pub binary: &'static str,
    pub handler: ScheduledHandler,
}

/// Every scheduled function of the workspace.
pub fn scheduled() -> Vec<Scheduled> {
    vec![
        Scheduled {
            binary: "rollup",
            handler: |app, event, deadline| {
                Box::pin(async move {
                    let report = hearken_rollup::handle(&app, event, deadline).await.map_err(|e| e.to_string())?;
                    serde_json::to_value(report).map_err(|e| e.to_string())
                })
            },
        },
        Scheduled {
            binary: "webhook-delivery",
            handler: |app, _event, _deadline| {
                Box::pin(async move {
                    let swept = hearken_webhook_delivery::sweep(&app).await.map_err(|e| e.to_string())?;
                    serde_json::to_value(swept).map_err(|e| e.to_string())
                })
            },
        },
        Scheduled {
            binary: "project-cleanup",
            handler: |app, _event, deadline| {
                Box::pin(async move {
                    let swept =
                        hearken_project_cleanup::finish_unfinished(&app, deadline).await.map_err(|e| e.to_string())?;
                    serde_json::to_value(swept).map_err(|e| e.to_string())
                })
            },
        },
        Scheduled {
            binary: "topics",
            handler: |app, _event, deadline| {
                Box::pin(async move {
                    let report = hearken_topics_function::nightly(&app, deadline).await.map_err(|e| e.to_string())?;
                    serde_json::to_value(report).map_err(|e| e.to_string())
                })
            },
        },
    ]
}
