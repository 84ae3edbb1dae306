//! The use cases, one function each: what a route does once its request is parsed and its caller
//! authorised. They own the steps between (reads, retries of raced writes, rows built for storage,
//! list scoping, giving back a refused call), so a handler is parse → call → shape, and the admin
//! CLI and the tests reach the same steps the API takes.

pub mod api_keys;
pub mod feedback;
pub mod feedback_list;
pub mod project_keys;
pub mod projects;
pub mod survey_responses;
pub mod surveys;
pub mod topic_guides;
pub mod topics;
pub mod webhook_events;
pub mod webhooks;
pub mod widget;

use crate::Error;

/// A project that does not exist, or belongs to another account (SPEC §1: both answer alike).
pub const PROJECT_NOT_FOUND: Error = Error::NotFound("Project not found");
/// Feedback that does not exist, is another account's, or is outside the key's projects.
pub const FEEDBACK_NOT_FOUND: Error = Error::NotFound("Feedback not found");
/// A survey that does not exist, is another account's, or is filed outside the key's projects.
pub const SURVEY_NOT_FOUND: Error = Error::NotFound("Survey not found");
/// A key that does not exist or is another account's.
pub const KEY_NOT_FOUND: Error = Error::NotFound("API key not found");

/// A change that keeps racing with others gives up after this many reads.
const ATTEMPTS: usize = 3;

/// The 409 of a change that kept meeting concurrent changes.
fn raced(what: &str) -> Error {
    Error::Conflict(format!("{what}; please retry"))
}
