//! The public survey page, `/s/{surveyId}`, no key: `GET` renders the survey as one plain HTML
//! page; `POST` stores a response from that page's form or from a script's JSON. Limited per
//! client IP, guarded by a honeypot field, and not counted against the account's API quota.

mod page;
mod submit;

use hearken::http::{browser_facing, html, optional_query, path_param, route_key, serve};
use hearken::ids::SurveyId;
use hearken::store::surveys;
use hearken::surveys::{Respondent, SurveyStatus};
use hearken::{App, Error, Result};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};

const SHOW: &str = "GET /s/{surveyId}";
const SUBMIT: &str = "POST /s/{surveyId}";

/// The routes of template.yaml this function serves.
pub const ROUTES: &[&str] = &[SHOW, SUBMIT];

/// What a browser may do with any answer of this function: apply the page's one inline `<style>`
/// element (the page has no style attribute, script, image, font or external asset), post its
/// form back to this origin, and nothing else: no framing by another site, no `<base>`.
pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// This function's routes in the OpenAPI document (the docs function merges every function's).
#[derive(utoipa::OpenApi)]
#[openapi(paths(show, submit::submit))]
pub struct ApiDoc;

/// Handles one API Gateway request.
pub async fn handle(app: &App, req: Request) -> Response<Body> {
    let response = serve(req, |req| async move {
        match route_key(&req) {
            Some(SHOW) => show(app, &req).await,
            Some(SUBMIT) => submit::submit(app, &req).await,
            _ => Err(Error::NoRoute),
        }
    })
    .await;
    browser_facing(response, CONTENT_SECURITY_POLICY)
}

/// The survey page
///
/// The survey as one plain HTML page for customers to answer (no key, no script): its form, which
/// posts to the same address. A `ref` in the link is kept in the form (a hidden field), so the
/// response is stored with it.
#[utoipa::path(get, path = "/s/{surveyId}", tag = "Survey page", operation_id = "showSurveyPage",
    security(()),
    params(
        ("surveyId" = SurveyId, Path, description = "The survey's id"),
        // A plain string, not `RespondentRef`: any value is answered with the page (a bad one left out).
        ("ref" = Option<String>, Query, description = "A respondent reference: the survey owner's own id for the \
            customer the link was made for (e.g. a CRM contact id), kept in the form and stored with the response. \
            1 to 128 characters of `A-Z a-z 0-9 . _ : @ -`; one that breaks the rule is left out (the page is shown \
            without it)"),
    ),
    responses(
        (status = 200, description = "The survey's form; or, when the survey is not ACTIVE, a page that says \
            \"This survey is not accepting responses\"", body = String, content_type = "text/html"),
        (status = 404, description = "No such survey: a page that says so", body = String, content_type = "text/html"),
    ))]
async fn show(app: &App, req: &Request) -> Result<Response<Body>> {
    let found = match SurveyId::parse(&path_param(req, "surveyId")?) {
        Some(id) => surveys::get_public(app, &id).await?,
        None => None,
    };
    Ok(match found {
        None => html(StatusCode::NOT_FOUND, page::not_found()),
        Some(item) if item.survey.status != SurveyStatus::Active => html(StatusCode::OK, page::closed(&item.survey)),
        Some(item) => {
            // A bad reference is the link's fault, not the customer's: the page is shown without it.
            let respondent = Respondent::from_link(optional_query(req, "ref").as_deref());
            html(StatusCode::OK, page::form(&item.survey, &page::Filled::from_link(respondent)))
        }
    })
}
