//! The local stack: everything that runs Hearken on this machine the way AWS runs it, read from
//! template.yaml so it cannot drift from what is deployed — the tables, the HTTP API's routes and
//! CORS, and the functions behind them (called in-process with API Gateway payload 2.0 events).

pub mod bench_env;
pub mod gateway;
pub mod openapi;
pub mod registry;
pub mod sam_local;
pub mod schedules;
pub mod stack;
pub mod streams;
pub mod tables;

/// Reading template.yaml (shared with the deployed fallback function).
pub use hearken_template::template;
