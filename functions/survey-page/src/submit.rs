//! `POST /s/{surveyId}`: one response, from the page's form (answers in HTML) or from a script's
//! JSON (answers in JSON). Checked against the questions, limited per client IP, and stored in one
//! transaction with the survey's response count and, when the survey names a project, the copy
//! filed in that project's feedback.

use crate::page::{self, Filled};
use hearken::config::Settings;
use hearken::http::{content_type, data, form_body, html, json_body, path_param, source_ip, Data, Surface};
use hearken::ids::{ResponseId, SurveyId};
use hearken::openapi::{error_example, ErrorBody};
use hearken::ops::survey_responses::{post_to_page, PagePost, Submission};
use hearken::store::surveys::SurveyItem;
use hearken::surveys::{new_survey_from_json, Answered, Respondent, SubmittedAnswers, SubmittedForm, REF_FIELD};
use hearken::time::Timestamp;
use hearken::{App, Error, Result};
use lambda_http::http::{header, HeaderValue, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use serde_json::{json, Value};
use utoipa::ToSchema;

/// The hidden field people leave empty and form-filling bots do not.
const HONEYPOT: &str = "website";

const NOT_ACCEPTING: &str = "This survey is not accepting responses";

const SURVEY_NOT_FOUND: Error = Error::NotFound("Survey not found");

/// The bodies a post may have.
const ACCEPTED: &str = "application/x-www-form-urlencoded or application/json";

/// Whose posts the per-minute limit counts.
const PER_CLIENT: &str = "the survey page, per client IP address,";

/// What a JSON post is answered with once its response is stored.
#[derive(Serialize, ToSchema)]
pub(crate) struct StoredResponse {
    /// The response's id.
    id: ResponseId,
}

/// The 400 of a JSON post without answers, as the check words it (for the document).
fn no_answers() -> Error {
    let questions = json!({"name": "Checkout", "questions": [{"type": "RATING", "text": "How was it?"}]});
    let survey = new_survey_from_json(questions, Timestamp::now()).expect("a valid survey");
    Error::bad_request(survey.check_json(None).expect_err("answers are required").to_string())
}

/// The 429 of the per-client limit at its default (for the document).
fn too_many_posts() -> Error {
    let limit = Settings::default().survey_responses_per_ip_per_minute;
    Error::RateLimited { per: PER_CLIENT, limit, reset: 1_767_225_600 }
}

/// How a response arrived, which decides how every answer is shaped.
enum Post {
    Form(Vec<(String, String)>),
    Json(Value),
}

/// Answer a survey
///
/// Stores one response (no key; not counted against the account's quota). A script posts JSON
/// and is answered in JSON (CORS is open, so a customer can embed its own form); the page's own
/// form posts form fields and is answered with a page. The answers are checked against the
/// questions: every required question answered, a rating a whole number 1–5, a choice among the
/// options (a list for a multiple CHOICE question, otherwise one string), a text within its
/// `maxLength`, no unknown question ids. A respondent reference comes in the body: the page's
/// hidden `ref` field (kept from its link's `?ref=`), or `ref` in a JSON post.
#[utoipa::path(post, path = "/s/{surveyId}", tag = "Survey page", operation_id = "submitSurveyResponse",
    security(()),
    params(("surveyId" = SurveyId, Path, description = "The survey's id")),
    request_body(description = "The answers: JSON from a script, or the page's own form", content(
        (SubmittedAnswers = "application/json"),
        (SubmittedForm = "application/x-www-form-urlencoded"),
    )),
    responses(
        (status = 201, description = "Stored: the response's id (JSON), or the thank-you page (form)", content(
            (Data<StoredResponse> = "application/json"),
            (String = "text/html"),
        )),
        (status = 400, description = "A wrong answer, a `ref` that breaks its rule (JSON only: a form leaves such a \
            reference out) or a malformed body. JSON: the text names the question (or `ref`) and the rule; form: the \
            page again, with a message at each wrong field and every answer (and the reference) kept", content(
            (ErrorBody = "application/json", example = json!(error_example(&no_answers(), Surface::Public))),
            (String = "text/html"),
        )),
        (status = 404, description = "No such survey (JSON: an error; form: a page that says so)", content(
            (ErrorBody = "application/json", example = json!(error_example(&SURVEY_NOT_FOUND, Surface::Public))),
            (String = "text/html"),
        )),
        (status = 409, description = "The survey is not ACTIVE, so it takes no responses (JSON: an error; form: a page \
            that says so)", content(
            (ErrorBody = "application/json",
                example = json!(error_example(&Error::Conflict(NOT_ACCEPTING.to_owned()), Surface::Public))),
            (String = "text/html"),
        )),
        (status = 415, description = "The body is neither JSON nor a form post", body = ErrorBody,
            example = json!(error_example(&Error::UnsupportedMediaType(ACCEPTED), Surface::Public))),
        (status = 429, description = "Too many posts from the client's IP address this minute (60 by default, \
            `SURVEY_RESPONSES_PER_IP_PER_MINUTE`); `Retry-After` says when to retry (JSON: an error; form: a page that \
            says so)", content(
            (ErrorBody = "application/json", example = json!(error_example(&too_many_posts(), Surface::Public))),
            (String = "text/html"),
        )),
    ))]
pub async fn submit(app: &App, req: &Request) -> Result<Response<Body>> {
    let is_form = match content_type(req).as_deref() {
        Some("application/x-www-form-urlencoded") => true,
        Some("application/json") => false,
        _ => return Err(Error::UnsupportedMediaType(ACCEPTED)),
    };
    let Some(id) = SurveyId::parse(&path_param(req, "surveyId")?) else { return not_found(is_form) };
    let parse = || Ok(if is_form { Post::Form(form_body(req)?) } else { Post::Json(json_body(req)?) });
    match post_to_page(app, &id, source_ip(req), parse, caught_by_honeypot, check).await? {
        PagePost::Limited { reset } => {
            if is_form {
                let wait = reset - Timestamp::now().unix_seconds();
                let mut response = html(StatusCode::TOO_MANY_REQUESTS, page::rate_limited(wait));
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait.max(1)));
                return Ok(response);
            }
            let limit = app.settings.survey_responses_per_ip_per_minute;
            Err(Error::RateLimited { per: PER_CLIENT, limit, reset })
        }
        PagePost::NotFound | PagePost::Submitted(Submission::SurveyGone) => not_found(is_form),
        PagePost::Dropped(survey) => {
            tracing::info!(survey = %survey.survey.id, "honeypot filled: response dropped");
            Ok(stored_answer(&survey, is_form, ResponseId::generate()))
        }
        PagePost::Submitted(Submission::Stored(id, survey)) => Ok(stored_answer(&survey, is_form, id)),
        PagePost::Submitted(Submission::NotAccepting(survey)) => not_accepting(&survey, is_form),
        PagePost::Submitted(Submission::Rejected(page)) => Ok(*page),
    }
}

fn caught_by_honeypot(post: &Post) -> bool {
    match post {
        Post::Form(pairs) => pairs.iter().any(|(name, value)| name == HONEYPOT && !value.trim().is_empty()),
        Post::Json(body) => body.get(HONEYPOT).is_some_and(|v| !v.is_null() && v != "" && v != &json!(false)),
    }
}

/// The checked answers and respondent; or, for a form, the page again with a message at each
/// wrong field; or, for JSON, a 400 naming the question (or `ref`).
fn check(survey: &SurveyItem, post: &Post) -> Result<std::result::Result<Answered, Box<Response<Body>>>> {
    match post {
        Post::Form(pairs) => {
            let answers: Vec<(String, String)> =
                pairs.iter().filter(|(name, _)| name != HONEYPOT && name != REF_FIELD).cloned().collect();
            let checked = survey.survey.check_form(&answers).map_err(|errors| {
                Box::new(html(StatusCode::BAD_REQUEST, page::form(&survey.survey, &Filled::after(pairs, errors))))
            });
            Ok(checked.map(|answers| Answered { answers, respondent: Respondent::from_form(pairs) }))
        }
        Post::Json(body) => {
            if !body.is_object() {
                return Err(Error::bad_request(
                    "Request body must be a JSON object: {\"answers\": {\"<questionId>\": value}}",
                ));
            }
            let answers = survey.survey.check_json(body.get("answers"));
            let answers = answers.map_err(|error| Error::bad_request(error.to_string()))?;
            let respondent = Respondent::from_json(body.get(REF_FIELD)).map_err(Error::bad_request)?;
            Ok(Ok(Answered { answers, respondent }))
        }
    }
}

fn stored_answer(survey: &SurveyItem, is_form: bool, id: ResponseId) -> Response<Body> {
    if is_form {
        html(StatusCode::CREATED, page::thank_you(&survey.survey))
    } else {
        data(StatusCode::CREATED, StoredResponse { id })
    }
}

fn not_found(is_form: bool) -> Result<Response<Body>> {
    if is_form {
        Ok(html(StatusCode::NOT_FOUND, page::not_found()))
    } else {
        Err(SURVEY_NOT_FOUND)
    }
}

fn not_accepting(survey: &SurveyItem, is_form: bool) -> Result<Response<Body>> {
    if is_form {
        Ok(html(StatusCode::CONFLICT, page::closed(&survey.survey)))
    } else {
        Err(Error::Conflict(NOT_ACCEPTING.to_owned()))
    }
}
