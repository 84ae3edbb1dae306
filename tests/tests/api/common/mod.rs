//! Helpers the API tests share: by area, and the texts more than one area checks.

pub mod analytics;
pub mod browser;
pub mod page;
pub mod receiver;
pub mod surveys;

/// A survey that is missing, or another account's.
pub const SURVEY_NOT_FOUND: &str = "Survey not found";

/// The plan sentence of the README for a plan below BUSINESS.
pub fn needs_business(plan: &str) -> String {
    format!("This endpoint needs the BUSINESS plan; this account is on the {plan} plan.")
}
