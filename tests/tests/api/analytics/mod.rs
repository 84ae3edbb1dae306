//! `GET /api/v1/surveys/{surveyId}/analytics` and `/topics`, and the nightly rollup, end to end
//! against the README's "Analytics" contract: every parameter and error, the numbers, the
//! live-vs-rollup property test (random responses over random days, compared field by field live,
//! half rolled up and rolled up, and against totals the tests compute themselves), rollup
//! idempotence, crashes half-way and resumption, UTC day boundaries, the O(days) cost, tenant
//! isolation, plans and key use cases.
//!
//! Responses on past days are written through the library (`store::responses::submit`, the same
//! transaction the public page uses, which marks the response's day), since the page stamps "now".
//! Topics are written as the topics function will: the response's `topics` set in place and its
//! day marked again.

mod cost;
mod day_boundaries;
mod numbers;
mod parameters;
mod property;
mod rollup;
mod tenants_plans_and_keys;
