//! The public survey page, `GET`/`POST /s/{surveyId}`, through the real gateway without a key:
//! the HTML it renders (accessible, escaped, no scripts or external assets), form and JSON
//! posts with every validation rule, respondent references (`?ref=`), closed surveys, CORS, the
//! honeypot, the per-IP limit and the monthly quota left alone. (200 concurrent responses stored
//! and counted exactly: its own binary, `tests/survey_burst.rs`.)

mod cors_honeypot_and_limits;
mod escaping;
mod form_posts;
mod get;
mod json_posts;
mod respondent_ref;
mod security_headers;
