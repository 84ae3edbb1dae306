//! The survey page's HTML: server-rendered, no script and no external asset, readable on a phone,
//! accessible (a label for every field, a fieldset and legend for every group, errors tied to
//! their field). maud escapes every value it interpolates, so nothing a survey owner or a customer
//! wrote can become markup.

use hearken::surveys::{AnswerError, Question, QuestionKind, Respondent, Survey, REF_FIELD};
use maud::{html, Markup, PreEscaped, DOCTYPE};
use std::collections::HashMap;

/// The page's only styles, inline (no external asset to fetch or to be blocked).
const STYLE: &str = "\
body{margin:0;font:16px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1d1d1f;background:#f5f5f7}\
main{max-width:36rem;margin:0 auto;padding:1.5rem 1rem 3rem}\
h1{font-size:1.6rem;line-height:1.25;margin:0 0 .5rem}\
.welcome{margin:0 0 1.5rem;color:#3a3a3c}\
.question{background:#fff;border-radius:12px;padding:1rem;margin:0 0 1rem;box-shadow:0 1px 2px rgba(0,0,0,.06)}\
fieldset{border:0;margin:0;padding:0;min-width:0}\
legend,.question>label{display:block;font-weight:600;margin:0 0 .5rem;padding:0}\
.required{font-weight:400;color:#6e6e73;font-size:.9em}\
.scale{display:flex;gap:.5rem}\
.scale label{flex:1;text-align:center;border:1px solid #c7c7cc;border-radius:8px;padding:.5rem 0;cursor:pointer}\
.scale input{position:absolute;opacity:0;width:1px;height:1px}\
.scale input:checked+label{background:#0a66d8;border-color:#0a66d8;color:#fff}\
.scale input:focus-visible+label{outline:3px solid #7fb2f0;outline-offset:2px}\
.ends{display:flex;justify-content:space-between;font-size:.85rem;color:#6e6e73;margin-top:.25rem}\
.option{display:flex;align-items:center;gap:.5rem;padding:.25rem 0}\
.option input{width:1.25rem;height:1.25rem;margin:0}\
textarea{box-sizing:border-box;width:100%;min-height:6rem;font:inherit;padding:.5rem;border:1px solid #c7c7cc;border-radius:8px}\
button{font:inherit;font-weight:600;color:#fff;background:#0a66d8;border:0;border-radius:8px;padding:.75rem 1.5rem;width:100%;cursor:pointer}\
button:focus-visible,textarea:focus-visible{outline:3px solid #7fb2f0;outline-offset:2px}\
.error{color:#b00020;font-weight:600;margin:.5rem 0 0}\
[aria-invalid=true]{border-color:#b00020}\
#errors{border:2px solid #b00020;background:#fff;border-radius:12px;padding:.75rem 1rem;margin:0 0 1rem}\
#errors p{margin:0}\
.hp{position:absolute;left:-10000px;top:auto;width:1px;height:1px;overflow:hidden}\
.notice{background:#fff;border-radius:12px;padding:1rem}";

/// What a customer sent and what was wrong with it, for a page shown again after a failed post.
#[derive(Default)]
pub struct Filled<'a> {
    /// The values sent, by field name (checkboxes repeat).
    pub values: HashMap<&'a str, Vec<&'a str>>,
    /// The message for each wrong question, by question id.
    pub errors: HashMap<String, String>,
    /// Messages that belong to no one field.
    pub general: Vec<String>,
    /// The respondent the link named (`?ref=`), kept in a hidden field so the form's post carries
    /// it (and a page shown again keeps it).
    pub respondent: Option<Respondent>,
}

impl<'a> Filled<'a> {
    /// The page state after a form post with these pairs failed with these errors.
    pub fn after(pairs: &'a [(String, String)], errors: Vec<AnswerError>) -> Filled<'a> {
        let mut filled = Filled { respondent: Respondent::from_form(pairs), ..Filled::default() };
        for (name, value) in pairs {
            filled.values.entry(name.as_str()).or_default().push(value.as_str());
        }
        for error in errors {
            match error.question {
                Some(id) => {
                    filled.errors.insert(id, capitalised(&error.message));
                }
                None => filled.general.push(error.message),
            }
        }
        filled
    }

    /// The page for a link, before anything is sent: the respondent the link named, if any.
    pub fn from_link(respondent: Option<Respondent>) -> Filled<'a> {
        Filled { respondent, ..Filled::default() }
    }

    fn value(&self, name: &str) -> &str {
        self.values.get(name).and_then(|v| v.first()).copied().unwrap_or_default()
    }

    fn has(&self, name: &str, value: &str) -> bool {
        self.values.get(name).is_some_and(|v| v.contains(&value))
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// The whole document around `content`.
fn document(title: &str, content: Markup) -> String {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="robots" content="noindex";
                title { (title) }
                style { (PreEscaped(STYLE)) }
            }
            body { main { (content) } }
        }
    }
    .into_string()
}

/// The survey's form, with what a customer sent and what was wrong when shown again.
pub fn form(survey: &Survey, filled: &Filled) -> String {
    let failed = !filled.errors.is_empty() || !filled.general.is_empty();
    let title = if failed { format!("Error: {}", survey.name) } else { survey.name.clone() };
    document(
        &title,
        html! {
            h1 { (survey.name) }
            @if !survey.welcome_message.is_empty() {
                p.welcome { (survey.welcome_message) }
            }
            @if failed {
                div #errors role="alert" tabindex="-1" {
                    p { "Please correct the answers marked below." }
                    @for message in &filled.general { p { (message) } }
                }
            }
            form method="post" action=(format!("/s/{}", survey.id)) accept-charset="utf-8" novalidate {
                @for question in &survey.questions {
                    (question_block(question, filled))
                }
                @if let Some(respondent) = &filled.respondent {
                    input type="hidden" name=(REF_FIELD) value=(respondent.reference.as_str());
                }
                div.hp aria-hidden="true" {
                    label for="website" { "Leave this field empty" }
                    input type="text" id="website" name="website" tabindex="-1" autocomplete="off";
                }
                button type="submit" { "Send" }
            }
        },
    )
}

fn required_mark(question: &Question) -> Markup {
    html! {
        @if question.required {
            " " span.required { "(required)" }
        }
    }
}

fn question_block(question: &Question, filled: &Filled) -> Markup {
    let id = question.id.as_str();
    let error = filled.errors.get(id);
    let error_id = format!("{id}-error");
    let described = error.map(|_| error_id.as_str());
    let invalid = error.map(|_| "true");
    let error_line = html! {
        @if let Some(message) = error {
            p.error id=(error_id) { (message) }
        }
    };
    html! {
        div.question id=(format!("question-{id}")) {
            @match &question.kind {
                QuestionKind::Rating => {
                    fieldset aria-describedby=[described] {
                        legend { (question.text) (required_mark(question)) }
                        (error_line)
                        div.scale {
                            @for n in 1..=5u8 {
                                @let option_id = format!("{id}-{n}");
                                input type="radio" name=(id) id=(option_id) value=(n)
                                    checked[filled.has(id, &n.to_string())]
                                    required[question.required]
                                    aria-invalid=[invalid] aria-describedby=[described];
                                label for=(option_id) { (n) }
                            }
                        }
                        div.ends aria-hidden="true" { span { "1 = poor" } span { "5 = excellent" } }
                    }
                }
                QuestionKind::Text { max_length } => {
                    label for=(id) { (question.text) (required_mark(question)) }
                    (error_line)
                    textarea id=(id) name=(id) maxlength=(max_length) rows="4"
                        required[question.required]
                        aria-invalid=[invalid] aria-describedby=[described] { (filled.value(id)) }
                }
                QuestionKind::Choice { options, multiple } => {
                    fieldset aria-describedby=[described] {
                        legend { (question.text) (required_mark(question)) }
                        (error_line)
                        @for (i, option) in options.iter().enumerate() {
                            @let option_id = format!("{id}-{i}");
                            div.option {
                                input type=(if *multiple { "checkbox" } else { "radio" }) name=(id) id=(option_id)
                                    value=(option) checked[filled.has(id, option)]
                                    required[question.required && !*multiple]
                                    aria-invalid=[invalid] aria-describedby=[described];
                                label for=(option_id) { (option) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// After a response is stored.
pub fn thank_you(survey: &Survey) -> String {
    document(
        &survey.name,
        html! {
            h1 { (survey.name) }
            p #thank-you .notice role="status" { (survey.thank_you_message) }
        },
    )
}

/// A survey that is not taking responses (draft, paused or closed).
pub fn closed(survey: &Survey) -> String {
    document(
        &survey.name,
        html! {
            h1 { (survey.name) }
            p #closed .notice { "This survey is not accepting responses." }
        },
    )
}

/// An unknown survey.
pub fn not_found() -> String {
    document(
        "Survey not found",
        html! {
            h1 { "Survey not found" }
            p.notice { "This link does not lead to a survey. Please check the address you were given." }
        },
    )
}

/// Too many posts from one network.
pub fn rate_limited(seconds: i64) -> String {
    document(
        "Please wait a moment",
        html! {
            h1 { "Please wait a moment" }
            p #rate-limited .notice role="alert" {
                "We received many answers from your network in the last minute. Please try again in "
                (seconds.max(1)) " seconds."
            }
        },
    )
}
