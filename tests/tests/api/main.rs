//! Every end-to-end test of the API in one binary (one link of the library and the model crates
//! instead of one per file): a module per area, each against the local stack (`spawn_app`).
//! The 200-response burst stays its own binary (`tests/survey_burst.rs`), so it never shares
//! DynamoDB Local with another test.

mod access;
mod analytics;
mod common;
mod costs;
mod docs;
mod documented_examples;
mod events;
mod feedback_all;
mod feedback_routes;
mod fuzz_finds;
mod gateway;
mod hostile_input;
mod key_escalation;
mod key_matrix;
mod keys_routes;
mod miniback_client;
mod project_deletion;
mod projects_routes;
mod stream_failures;
mod survey_browser;
mod survey_page;
mod surveys_routes;
mod tenant_boundary;
mod topic_guides;
mod topics;
mod warm_container;
mod webhooks;
mod widget;
