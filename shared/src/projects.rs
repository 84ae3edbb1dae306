//! Miniback projects as the API sees them: the wire shape, the validation of a create or update
//! body, and the widget's `allowedDomains` rule.

use crate::ids::ProjectId;
use crate::store::projects::Project;
use crate::time::Timestamp;
use crate::{slug, Error, Result};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// Longest project name, in characters.
pub const NAME_MAX_CHARS: usize = 200;
/// Most entries in `allowedDomains`.
pub const DOMAINS_MAX: usize = 50;

/// A project as the API returns it.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProjectView {
    pub id: ProjectId,
    pub name: String,
    pub slug: String,
    pub status: crate::store::ProjectStatus,
    pub allowed_domains: Vec<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl From<&Project> for ProjectView {
    fn from(project: &Project) -> Self {
        ProjectView {
            id: project.id.clone(),
            name: project.name.clone(),
            slug: project.slug.clone(),
            status: project.status,
            allowed_domains: project.allowed_domains.clone(),
            created_at: project.created_at,
            updated_at: project.updated_at,
        }
    }
}

/// The fields a create or update body may set; absent fields are `None`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProjectInput {
    pub name: Option<String>,
    pub slug: Option<String>,
    pub allowed_domains: Option<Vec<String>>,
}

impl ProjectInput {
    /// Validates a body: `name` 1–200 characters, `slug` per [`slug::validate`], `allowedDomains`
    /// a list of hosts (`example.com`, `*.example.com`, `localhost:3000`). Unknown fields are
    /// ignored; `null` counts as absent.
    pub fn from_json(body: Value) -> Result<ProjectInput> {
        let Value::Object(mut fields) = body else {
            return Err(Error::bad_request("Request body must be a JSON object"));
        };
        let name = match fields.remove("name") {
            None | Some(Value::Null) => None,
            Some(Value::String(name)) if !name.trim().is_empty() && name.trim().chars().count() <= NAME_MAX_CHARS => {
                Some(name.trim().to_owned())
            }
            Some(_) => {
                return Err(Error::bad_request(format!("Name must be a string of 1 to {NAME_MAX_CHARS} characters")))
            }
        };
        let slug = match fields.remove("slug") {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) => Some(slug::validate(&text)?),
            Some(_) => return Err(Error::bad_request("Slug must be a string")),
        };
        let allowed_domains = match fields.remove("allowedDomains") {
            None | Some(Value::Null) => None,
            Some(Value::Array(entries)) if entries.len() <= DOMAINS_MAX => {
                Some(entries.iter().map(domain_entry).collect::<Result<Vec<_>>>()?)
            }
            Some(_) => {
                return Err(Error::bad_request(format!(
                    "allowedDomains must be a list of at most {DOMAINS_MAX} host names"
                )))
            }
        };
        Ok(ProjectInput { name, slug, allowed_domains })
    }

    /// A create body must name the project.
    pub fn require_name(&self) -> Result<&str> {
        self.name.as_deref().ok_or_else(|| Error::bad_request("Name is required"))
    }
}

/// The body of `POST /api/projects`, as the OpenAPI document shows it ([`ProjectInput::from_json`]
/// reads it; the fuzzing in CI holds the two to each other).
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct NewProject {
    /// The project's name (surrounding spaces are trimmed).
    #[schema(pattern = r"\S", min_length = 1, max_length = 200)]
    name: String,
    /// Lowercase letters and digits in dash-separated words; derived from the name when absent.
    #[schema(pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 64)]
    slug: Option<String>,
    /// Hosts the widget may send feedback from (`example.com`, `*.example.com`,
    /// `localhost:3000`); empty allows any origin.
    #[schema(max_items = 50)]
    allowed_domains: Option<Vec<String>>,
}

// The schema attributes take only literals: they must stay the limits the parser applies.
const _: () = assert!(DOMAINS_MAX == 50 && NAME_MAX_CHARS == 200 && slug::MAX_LEN == 64);

/// The body of `PUT /api/projects/{projectId}`: only the fields given change.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct ProjectChanges {
    /// The project's name (surrounding spaces are trimmed).
    #[schema(pattern = r"\S", min_length = 1, max_length = 200)]
    name: Option<String>,
    /// Lowercase letters and digits in dash-separated words.
    #[schema(pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 64)]
    slug: Option<String>,
    /// Hosts the widget may send feedback from; empty allows any origin.
    #[schema(max_items = 50)]
    allowed_domains: Option<Vec<String>>,
}

/// Normalises one `allowedDomains` entry: a host, optionally `*.` for its subdomains, optionally
/// with a port; a full origin (`https://example.com`) is reduced to its host.
fn domain_entry(value: &Value) -> Result<String> {
    let invalid = || {
        Error::bad_request(format!(
            "allowedDomains entries must be host names like 'example.com' or '*.example.com', got {value}"
        ))
    };
    let text = value.as_str().ok_or_else(invalid)?.trim().to_ascii_lowercase();
    let host = text.split_once("://").map_or(text.as_str(), |(_, rest)| rest).trim_end_matches('/');
    let bare = host.strip_prefix("*.").unwrap_or(host);
    let (name, port) = bare.split_once(':').map_or((bare, None), |(n, p)| (n, Some(p)));
    let name_ok = !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty() && label.len() <= 63 && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok());
    if name_ok && port_ok {
        Ok(host.to_owned())
    } else {
        Err(invalid())
    }
}

/// Whether a browser `Origin` may send widget feedback to a project with these `allowedDomains`:
/// an empty list allows any origin; otherwise the origin's host (and port, when the entry names
/// one) must equal an entry, or be a subdomain of a `*.` entry.
pub fn origin_allowed(allowed: &[String], origin: Option<&str>) -> bool {
    if allowed.is_empty() {
        return true;
    }
    let Some(origin) = origin else { return false };
    let origin = origin.trim().to_ascii_lowercase();
    let Some(host_port) = origin.split_once("://").map(|(_, rest)| rest.trim_end_matches('/')) else { return false };
    let host = host_port.split_once(':').map_or(host_port, |(h, _)| h);
    allowed.iter().any(|entry| {
        let candidate = if entry.contains(':') { host_port } else { host };
        match entry.strip_prefix("*.") {
            Some(parent) => candidate.ends_with(&format!(".{parent}")),
            None => candidate == entry,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bodies_are_validated_field_by_field() {
        let input = ProjectInput::from_json(json!({"name": " My Site ", "slug": "my-site", "extra": 1})).unwrap();
        assert_eq!(input.name.as_deref(), Some("My Site"));
        assert_eq!(input.slug.as_deref(), Some("my-site"));
        assert!(ProjectInput::from_json(json!({"name": ""})).is_err());
        assert!(ProjectInput::from_json(json!({"name": "x".repeat(201)})).is_err());
        assert!(ProjectInput::from_json(json!({"slug": "Not A Slug"})).is_err());
        assert!(ProjectInput::from_json(json!([])).is_err());
        assert_eq!(
            ProjectInput::from_json(json!({})).unwrap().require_name().unwrap_err().to_string(),
            "Name is required"
        );
    }

    #[test]
    fn domains_are_normalised_to_hosts() {
        let input =
            ProjectInput::from_json(json!({"allowedDomains": ["https://Example.com/", "*.shop.io", "localhost:3000"]}))
                .unwrap();
        assert_eq!(input.allowed_domains.unwrap(), ["example.com", "*.shop.io", "localhost:3000"]);
        for bad in [json!(["bad domain"]), json!([5]), json!("example.com"), json!(["a..b"])] {
            assert!(ProjectInput::from_json(json!({"allowedDomains": bad})).is_err(), "{bad}");
        }
    }

    #[test]
    fn origins_match_hosts_and_wildcards() {
        let allowed = vec!["example.com".to_owned(), "*.shop.io".to_owned(), "localhost:3000".to_owned()];
        assert!(origin_allowed(&allowed, Some("https://example.com")));
        assert!(origin_allowed(&allowed, Some("http://example.com:8080")));
        assert!(!origin_allowed(&allowed, Some("https://www.example.com")));
        assert!(origin_allowed(&allowed, Some("https://eu.shop.io")));
        assert!(!origin_allowed(&allowed, Some("https://shop.io")));
        assert!(origin_allowed(&allowed, Some("http://localhost:3000")));
        assert!(!origin_allowed(&allowed, Some("http://localhost:4000")));
        assert!(!origin_allowed(&allowed, Some("https://evil-example.com")));
        assert!(!origin_allowed(&allowed, None));
        assert!(origin_allowed(&[], None));
    }
}
