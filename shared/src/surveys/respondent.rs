//! The respondent reference: an opaque id a survey owner puts in a survey link
//! (`/s/{surveyId}?ref=crm:42`) to know whose response it is. The one place its rule lives; every
//! way a ref comes in (the page's query, its form field, a JSON post, the list's filter) parses it
//! here, so a ref that breaks the rule is never stored, filtered on or echoed into a page.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;
use utoipa::ToSchema;

/// The longest reference, in characters.
pub const REF_MAX_CHARS: usize = 128;

/// The rule, as the 400s word it (after the field's name).
pub const REF_RULE: &str = "1 to 128 characters, each a letter A-Z or a-z, a digit or one of . _ : @ -";

/// The name of the reference in a link's query, a form post and a JSON post.
pub const REF_FIELD: &str = "ref";

/// A respondent reference that keeps to the rule: 1 to 128 characters of `[A-Za-z0-9._:@-]`.
/// None of them needs escaping in a URL, an HTML attribute or a DynamoDB value, and `|` (which
/// separates the parts of a cursor's scope) is not among them.
///
/// Deserialising does not check the rule again: stored values were parsed when they came, and a
/// rule narrowed later must not make old responses unreadable.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RespondentRef(String);

impl RespondentRef {
    /// Accepts only a reference that keeps to the rule (nothing trimmed or changed: it is opaque).
    pub fn parse(text: &str) -> Option<RespondentRef> {
        let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '@' | '-');
        // All allowed characters are ASCII, so bytes are characters here.
        let fits = (1..=REF_MAX_CHARS).contains(&text.len()) && text.chars().all(allowed);
        fits.then(|| RespondentRef(text.to_owned()))
    }

    /// The reference as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RespondentRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// In the OpenAPI document: a string of the rule's shape.
impl utoipa::PartialSchema for RespondentRef {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::String)
            .min_length(Some(1))
            .max_length(Some(REF_MAX_CHARS))
            .pattern(Some("^[A-Za-z0-9._:@-]{1,128}$"))
            .examples(["crm:42"])
            .into()
    }
}

impl ToSchema for RespondentRef {}

/// Who answered, as far as the survey link said (the link is not proof of who followed it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Respondent {
    /// The reference the survey link carried (`?ref=`), as it came: the survey owner's own id
    /// for the customer, e.g. a CRM contact id.
    #[serde(rename = "ref")]
    pub reference: RespondentRef,
}

impl Respondent {
    /// The respondent of a JSON post's `ref` (absent or `null`: none); the 400's text when it is
    /// not a string that keeps to the rule.
    pub fn from_json(value: Option<&Value>) -> Result<Option<Respondent>, String> {
        match value {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => match RespondentRef::parse(text) {
                Some(reference) => Ok(Some(Respondent { reference })),
                None => Err(format!("{REF_FIELD} must be {REF_RULE}")),
            },
            Some(_) => Err(format!("{REF_FIELD} must be a string: {REF_RULE}")),
        }
    }

    /// The respondent of a form post: its first `ref` field, when it keeps to the rule. A form
    /// does not answer a bad reference with an error page (the customer did not write it, and
    /// their answers still count): it is left out.
    pub fn from_form(pairs: &[(String, String)]) -> Option<Respondent> {
        let (_, text) = pairs.iter().find(|(name, _)| name == REF_FIELD)?;
        Respondent::from_link(Some(text))
    }

    /// The respondent of a link's `ref` query parameter, when it keeps to the rule.
    pub fn from_link(text: Option<&str>) -> Option<Respondent> {
        Some(Respondent { reference: RespondentRef::parse(text?)? })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_reference_is_1_to_128_characters_of_letters_digits_and_five_marks() {
        for good in ["a", "Z", "0", "crm:42", "contact_9.x", "user@example.com", "a-b", "...", "@", ":", "_", "-"] {
            assert_eq!(RespondentRef::parse(good).map(|r| r.to_string()), Some(good.to_owned()), "{good:?}");
        }
        let longest = "x".repeat(128);
        assert!(RespondentRef::parse(&longest).is_some(), "128 characters");
        let mixed = format!("{}{}", "aZ09._:@-".repeat(14), "ab");
        assert_eq!(mixed.len(), 128);
        assert!(RespondentRef::parse(&mixed).is_some(), "every allowed character at once");
    }

    #[test]
    fn a_reference_outside_the_rule_is_refused() {
        let too_long = "x".repeat(129);
        for bad in [
            "",
            too_long.as_str(),
            " ",
            "crm 42",
            " crm:42",
            "crm:42 ",
            "crm:42\n",
            "\t",
            "<script>",
            "<",
            ">",
            "\"",
            "'",
            "&",
            "a/b",
            "a?b",
            "a#b",
            "a%20b",
            "a+b",
            "a|b",
            "a,b",
            "a;b",
            "a=b",
            "é",
            "crm:é",
            "日本",
            "a\u{0}b",
            "😀",
        ] {
            assert_eq!(RespondentRef::parse(bad), None, "{bad:?}");
        }
        // 128 characters of a two-byte letter: short enough in characters, still refused.
        assert_eq!(RespondentRef::parse(&"é".repeat(64)), None);
    }

    #[test]
    fn a_json_ref_is_a_string_that_keeps_to_the_rule_or_absent() {
        let crm = Respondent { reference: RespondentRef::parse("crm:42").unwrap() };
        assert_eq!(Respondent::from_json(Some(&json!("crm:42"))), Ok(Some(crm)));
        assert_eq!(Respondent::from_json(None), Ok(None));
        assert_eq!(Respondent::from_json(Some(&Value::Null)), Ok(None), "null is no reference");
        for bad in [json!(""), json!("a b"), json!("x".repeat(129)), json!(42), json!(["crm:42"]), json!({"ref": "a"})]
        {
            let error = Respondent::from_json(Some(&bad)).unwrap_err();
            assert!(error.starts_with("ref must be"), "{bad}: {error}");
        }
    }

    #[test]
    fn a_form_keeps_its_first_ref_field_when_it_keeps_to_the_rule() {
        let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
            list.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect()
        };
        let kept = Respondent::from_form(&pairs(&[("q_1", "4"), ("ref", "crm:42"), ("ref", "other")]));
        assert_eq!(kept.map(|r| r.reference.to_string()).as_deref(), Some("crm:42"));
        assert_eq!(Respondent::from_form(&pairs(&[("ref", "<b>")])), None);
        assert_eq!(Respondent::from_form(&pairs(&[("ref", "")])), None);
        assert_eq!(Respondent::from_form(&pairs(&[("q_1", "4")])), None);
    }

    #[test]
    fn a_respondent_is_stored_and_shown_as_an_object_with_ref() {
        let respondent = Respondent { reference: RespondentRef::parse("crm:42").unwrap() };
        assert_eq!(serde_json::to_value(&respondent).unwrap(), json!({"ref": "crm:42"}));
        let back: Respondent = serde_json::from_value(json!({"ref": "crm:42"})).unwrap();
        assert_eq!(back, respondent);
    }
}
