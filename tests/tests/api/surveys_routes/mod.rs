//! The keyed surveys API (`/api/v1/surveys…`) end to end, against the README's "Surveys" contract:
//! creation and every validation rule, reading, listing with cursors, PATCH (questions frozen by
//! the first response), the responses list with its filters and cursors, respondent references
//! (`ref`), filing in a project's Miniback feedback, tenant isolation, plans and key use cases, the
//! RateMind curl example, and the monthly quota left untouched by customers' responses.
//!
//! Responses are posted as a customer's script would: `POST /s/{surveyId}` with
//! `{"answers": {...}}` and no key.

mod create;
mod isolation_plans_and_keys;
mod listing;
mod patch;
mod reference_and_quota;
mod respondents;
mod responses;
