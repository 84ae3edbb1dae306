//! Account keys as the RateMind API sees them (`/api/v1/keys`): the wire shape (never the secret,
//! except once at creation), the validation of a create or change body, and the bounds a key's
//! maker sets on it (SPEC §1: no key can create a key with more reach than itself). Use case and
//! expiry are fixed at creation; name, description, restrictions, limit and enabled can change.

use crate::access::{ip_allow, Family, KeyRecord, Role, UseCase};
use crate::ids::{KeyId, ProjectId};
use crate::plans::Plan;
use crate::time::Timestamp;
use crate::{Error, Result};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::openapi::{ObjectBuilder, RefOr, Schema, Type};
use utoipa::{PartialSchema, ToSchema};

/// Longest key name, in characters.
pub const NAME_MAX_CHARS: usize = 100;
/// Longest description, in characters.
pub const DESCRIPTION_MAX_CHARS: usize = 500;
/// Most entries in `allowedIps`.
pub const IPS_MAX: usize = 50;
/// Most entries in `allowedProjects` (a list filter takes at most 100 values).
pub const PROJECTS_MAX: usize = 100;

/// A key as the API shows it: never its secret, except in the answer that creates it.
// `ApiKeyView` in the OpenAPI document: the projects routes show a project's key in a `KeyView`
// of their own, and the document keeps the first schema of a name.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = ApiKeyView)]
pub struct KeyView {
    pub id: KeyId,
    /// The start of the key, to recognise it by (`sk_live_Ab3f…`); never the secret.
    pub prefix: String,
    pub name: String,
    #[schema(required = true)]
    pub description: Option<String>,
    pub role: Role,
    /// Fixed at creation.
    pub use_case: UseCase,
    /// `account` (`sk_live_…`, managed here) or `project` (a project's `mbk_…` key).
    pub family: Family,
    /// The project of a project key; `null` for account keys.
    #[schema(required = true)]
    pub project_id: Option<ProjectId>,
    /// Project keys: `account` (acts for the account on the Miniback API) or `project`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<KeyScope>, nullable = false)]
    pub scope: Option<&'static str>,
    /// When the key stops working; `null`: never. Fixed at creation.
    #[schema(required = true)]
    pub expires_at: Option<Timestamp>,
    /// A disabled key is refused (401) until it is enabled again.
    pub enabled: bool,
    /// Addresses and CIDR blocks the key may be used from (`203.0.113.7/32`, `10.0.0.0/8`,
    /// `2001:db8::/32`); empty: anywhere.
    pub allowed_ips: Vec<String>,
    /// Projects the key may address; empty: every project of the account.
    pub allowed_projects: Vec<ProjectId>,
    /// The key's own per-minute limit; `null`: the plan's default.
    #[schema(required = true, minimum = 1)]
    pub rate_limit_per_minute: Option<u32>,
    pub created_at: Timestamp,
    /// When the key last authenticated a request (recorded at most once a minute); `null`: never.
    #[schema(required = true)]
    pub last_used_at: Option<Timestamp>,
    /// The secret: only in the answer that creates the key.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub key: Option<String>,
}

/// What a project's key acts for.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum KeyScope {
    Account,
    Project,
}

impl KeyView {
    /// The view of a stored key (without its secret).
    pub fn of(record: &KeyRecord) -> KeyView {
        KeyView {
            id: record.id.clone(),
            prefix: record.display_prefix.clone(),
            name: record.name.clone(),
            description: record.description.clone(),
            role: record.role,
            use_case: record.use_case,
            family: record.family,
            project_id: record.project_id.clone(),
            scope: record.scope(),
            expires_at: record.expires_at,
            enabled: record.enabled,
            allowed_ips: record.allowed_ips.clone(),
            allowed_projects: record.allowed_projects.clone(),
            rate_limit_per_minute: record.rate_limit_per_minute,
            created_at: record.created_at,
            last_used_at: record.last_used_at,
            key: None,
        }
    }
}

/// A validated create body.
#[derive(Clone, Debug, PartialEq)]
pub struct NewKeyRequest {
    pub name: String,
    pub description: Option<String>,
    pub role: Role,
    pub use_case: UseCase,
    pub expires_at: Option<Timestamp>,
    pub changes: KeyChanges,
}

/// The changeable fields of a key, each `None` when not given.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct KeyChanges {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub allowed_ips: Option<Vec<String>>,
    pub allowed_projects: Option<Vec<ProjectId>>,
    pub rate_limit_per_minute: Option<Option<u32>>,
    pub enabled: Option<bool>,
}

impl KeyChanges {
    /// Applies the changes to a record.
    pub fn apply_to(&self, record: &mut KeyRecord) {
        if let Some(name) = &self.name {
            record.name = name.clone();
        }
        if let Some(description) = &self.description {
            record.description = description.clone();
        }
        if let Some(ips) = &self.allowed_ips {
            record.allowed_ips = ips.clone();
        }
        if let Some(projects) = &self.allowed_projects {
            record.allowed_projects = projects.clone();
        }
        if let Some(limit) = self.rate_limit_per_minute {
            record.rate_limit_per_minute = limit;
        }
        if let Some(enabled) = self.enabled {
            record.enabled = enabled;
        }
    }
}

/// The message of a restriction that would give a key more reach than the key that sets it.
fn wider(field: &str, detail: String) -> Error {
    Error::Forbidden(format!(
        "{field}: {detail}; a key cannot give a key more reach than it has itself (ask a less restricted owner key)"
    ))
}

/// A list restriction (`allowedIps`, `allowedProjects`) bounded by the maker's own list: an
/// unrestricted maker leaves `asked` as it is; a restricted one passes on its own list when none
/// is asked (at creation, where an empty list also counts as none) and refuses an entry outside
/// its list, or an empty list (anywhere) asked for by a change.
fn list_within<T: Clone + std::fmt::Display>(
    field: &str,
    own: &[T],
    asked: Option<Vec<T>>,
    creating: bool,
    inside: impl Fn(&T) -> bool,
) -> Result<Option<Vec<T>>> {
    if own.is_empty() {
        return Ok(asked);
    }
    match asked {
        None => Ok(creating.then(|| own.to_vec())),
        Some(list) if list.is_empty() && creating => Ok(Some(own.to_vec())),
        Some(list) if list.is_empty() => {
            Err(wider(field, "an empty list (no restriction) is wider than this key's own list".to_owned()))
        }
        Some(list) => match list.iter().find(|entry| !inside(entry)) {
            Some(outside) => Err(wider(field, format!("{outside} is outside this key's own {field}"))),
            None => Ok(Some(list)),
        },
    }
}

/// Whether an allow-list entry lies wholly inside one of `own`'s entries.
fn ip_inside(entry: &str, own: &[String]) -> bool {
    let Some(entry) = ip_allow::parse_entry(entry) else { return false };
    own.iter().filter_map(|own| ip_allow::parse_entry(own)).any(|own| own.contains(&entry))
}

/// Bounds the restrictions asked for (`changes`) by those of `maker`, the key that creates or
/// changes a key: IPs and projects within its lists, a per-minute limit at most its own.
/// `creating`: what is not asked for is taken from the maker (so a new key never drops its
/// maker's restrictions); a change only has what it asks for checked.
fn bound_changes(maker: &KeyRecord, changes: &mut KeyChanges, creating: bool) -> Result<()> {
    changes.allowed_ips =
        list_within("allowedIps", &maker.allowed_ips, changes.allowed_ips.take(), creating, |entry| {
            ip_inside(entry, &maker.allowed_ips)
        })?;
    let own_projects = &maker.allowed_projects;
    changes.allowed_projects =
        list_within("allowedProjects", own_projects, changes.allowed_projects.take(), creating, |project| {
            own_projects.contains(project)
        })?;
    if let Some(own) = maker.rate_limit_per_minute {
        changes.rate_limit_per_minute = match changes.rate_limit_per_minute {
            None if creating => Some(Some(own)),
            None => None,
            Some(None) if creating => Some(Some(own)),
            Some(None) => {
                return Err(wider(
                    "rateLimitPerMinute",
                    format!("null (the plan's default) is not bounded by this key's own limit of {own} per minute"),
                ))
            }
            Some(Some(asked)) if asked > own => {
                return Err(wider(
                    "rateLimitPerMinute",
                    format!("{asked} is above this key's own limit of {own} per minute"),
                ))
            }
            asked => asked,
        };
    }
    Ok(())
}

/// Bounds a create request by its creator: the new key expires no later than the creator (the
/// earlier of the two expiries), and its IPs, projects and per-minute limit stay within the
/// creator's (taken from the creator when not asked for). 403 naming the field when it asks for
/// more.
pub fn bound_by_creator(creator: &KeyRecord, request: &mut NewKeyRequest) -> Result<()> {
    if let Some(own) = creator.expires_at {
        request.expires_at = Some(request.expires_at.map_or(own, |asked| asked.min(own)));
    }
    bound_changes(creator, &mut request.changes, true)
}

/// Checks a change by `changer`: restrictions it sets stay within its own (403 naming the field).
pub fn check_change_within(changer: &KeyRecord, changes: &KeyChanges) -> Result<()> {
    bound_changes(changer, &mut changes.clone(), false)
}

/// Whether `manager` may change or delete `target`: a key manages only keys no wider than itself,
/// so a key limited to some projects, addresses, a rate or a lifetime cannot re-enable, unlock,
/// lock out or delete a key that reaches more (403 naming what is wider). Checked on the key as it
/// is and, for a change, as it would be after it.
pub fn check_manages(manager: &KeyRecord, target: &KeyRecord) -> Result<()> {
    let refused = |field: &str, why: &str| {
        Err(Error::Forbidden(format!(
            "{field}: this API key cannot manage a key that reaches more than it does ({why})"
        )))
    };
    if !manager.allowed_projects.is_empty() {
        let bound = target.bound_project().map(|own| vec![own.clone()]);
        let reach = bound.unwrap_or_else(|| target.allowed_projects.clone());
        if reach.is_empty() || reach.iter().any(|project| !manager.allowed_projects.contains(project)) {
            return refused("allowedProjects", "projects outside this key's list");
        }
    }
    if !manager.allowed_ips.is_empty()
        && (target.allowed_ips.is_empty()
            || target.allowed_ips.iter().any(|entry| !ip_inside(entry, &manager.allowed_ips)))
    {
        return refused("allowedIps", "addresses outside this key's list");
    }
    if let Some(own) = manager.rate_limit_per_minute {
        if target.rate_limit_per_minute.is_none_or(|limit| limit > own) {
            return refused("rateLimitPerMinute", "a higher per-minute limit");
        }
    }
    if let Some(own) = manager.expires_at {
        if target.expires_at.is_none_or(|expiry| expiry > own) {
            return refused("expiresAt", "a later expiry");
        }
    }
    Ok(())
}

/// Gives a new project key the restrictions of the key that makes it: its expiry, IP list and
/// per-minute limit, its project scope (a project-scoped creator makes a project-scoped key) and
/// (when the creator is limited to projects) the key's own project as its list. The creator may address the project (the access check saw to that), so the new key
/// reaches nothing its creator cannot.
pub fn bound_project_key(creator: &KeyRecord, key: &mut KeyRecord) {
    // A key bound to its project makes keys bound to theirs (it can address no other project).
    if creator.bound_project().is_some() {
        key.account_wide = false;
    }
    if let Some(own) = creator.expires_at {
        key.expires_at = Some(key.expires_at.map_or(own, |asked| asked.min(own)));
    }
    key.allowed_ips = creator.allowed_ips.clone();
    if !creator.allowed_projects.is_empty() {
        key.allowed_projects = key.project_id.iter().cloned().collect();
    }
    if let Some(own) = creator.rate_limit_per_minute {
        key.rate_limit_per_minute = Some(key.rate_limit_per_minute.map_or(own, |asked| asked.min(own)));
    }
}

/// The body of `POST /api/v1/keys`. Any other field is refused by name (400), so a misspelt
/// restriction never makes a wider key.
// What the OpenAPI document shows; [`new_key_from_json`] reads it, and the fuzzing in CI holds
// the two to each other.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct NewApiKey {
    /// What the key is for, to recognise it in the list: 1 to 100 characters once surrounding
    /// whitespace is trimmed.
    #[schema(
        pattern = r"^[\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[^\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]([\s\S]{0,98}[^\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000])?[\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$"
    )]
    name: String,
    /// A longer note; `null` or absent: none.
    #[schema(max_length = 500)]
    description: Option<String>,
    /// `member` (the default) or `owner` (may create, change and delete keys).
    #[schema(default = "member")]
    role: Option<Role>,
    /// `FULL` (the default), `READ_ONLY` or `INGEST`; fixed once the key exists.
    #[schema(default = "FULL")]
    use_case: Option<UseCase>,
    /// When the key stops working (in the future); absent or `null`: never, or the creating key's
    /// own expiry when it has one (a later one is also cut to it). Fixed once the key exists.
    #[schema(example = "2099-12-31T23:59:59.000Z")]
    expires_at: Option<Timestamp>,
    /// Addresses and CIDR blocks the key may be used from; absent, `null` or empty: anywhere
    /// (or the creating key's own list when it has one; entries must lie inside it).
    #[schema(max_items = 50)]
    allowed_ips: Option<Vec<IpOrBlock>>,
    /// Projects of this account the key may address; absent, `null` or empty: every project (or
    /// the creating key's own list when it has one; entries must be on it).
    #[schema(max_items = 100)]
    allowed_projects: Option<Vec<ProjectId>>,
    /// The key's own per-minute limit, at most the plan's default (FREE 10, STARTER 60, PRO 600,
    /// BUSINESS 1200) and the creating key's own limit; absent or `null`: the plan's default (or
    /// the creating key's limit when it has one).
    #[schema(minimum = 1, maximum = 1200)]
    rate_limit_per_minute: Option<u32>,
    /// `false` makes the key disabled from the start.
    #[schema(nullable = false, default = true)]
    enabled: Option<bool>,
}

/// The body of `PATCH /api/v1/keys/{keyId}`: only the fields given change. Any other field —
/// `useCase` and `expiresAt` included, which are fixed at creation — is refused by name (400).
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct ApiKeyChanges {
    /// What the key is for: 1 to 100 characters once surrounding whitespace is trimmed.
    #[schema(
        pattern = r"^[\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[^\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]([\s\S]{0,98}[^\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000])?[\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$",
        nullable = false
    )]
    name: Option<String>,
    /// A longer note; `null` removes it.
    #[schema(max_length = 500)]
    description: Option<String>,
    /// Addresses and CIDR blocks the key may be used from; `null` or empty: anywhere (refused when
    /// the changing key has a list of its own: entries must lie inside it).
    #[schema(max_items = 50)]
    allowed_ips: Option<Vec<IpOrBlock>>,
    /// Projects of this account the key may address; `null` or empty: every project (refused when
    /// the changing key has a list of its own: entries must be on it).
    #[schema(max_items = 100)]
    allowed_projects: Option<Vec<ProjectId>>,
    /// The key's own per-minute limit, at most the plan's default (FREE 10, STARTER 60, PRO 600,
    /// BUSINESS 1200) and the changing key's own limit; `null`: the plan's default (refused when
    /// the changing key has a limit of its own).
    #[schema(minimum = 1, maximum = 1200)]
    rate_limit_per_minute: Option<u32>,
    /// `false` disables the key (it is refused from the next request), `true` enables it.
    #[schema(nullable = false)]
    enabled: Option<bool>,
}

/// The highest per-key limit of any plan: what a body's `rateLimitPerMinute` may reach at most.
const fn highest_plan_limit() -> u32 {
    let mut highest = 0;
    let mut i = 0;
    while i < Plan::ALL.len() {
        let limit = Plan::ALL[i].limits().per_key_per_minute;
        if limit > highest {
            highest = limit;
        }
        i += 1;
    }
    highest
}

/// What `str::trim` removes (Unicode White_Space), as the inside of a regular-expression class
/// that JSON Schema (ECMA-262) and Python's `re` read alike: the `name` patterns say what the
/// parser counts after trimming (`\s` would not do: the two dialects disagree on it, and with
/// `trim` on U+001C to U+001F).
const TRIMMED: &str = r"\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";

// The schema attributes take only literals: they must stay the limits the parser applies (the
// `name` patterns are checked against `NAME_MAX_CHARS` and `TRIMMED` by a test).
const _: () = assert!(
    NAME_MAX_CHARS == 100
        && DESCRIPTION_MAX_CHARS == 500
        && IPS_MAX == 50
        && PROJECTS_MAX == 100
        && highest_plan_limit() == 1200
);

/// One `allowedIps` entry in the OpenAPI document: an address or a CIDR block, IPv4 or IPv6
/// ([`ip_allow::parse_entry`] decides; the pattern admits its characters, around them what it
/// trims).
pub struct IpOrBlock;

impl PartialSchema for IpOrBlock {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some("An IPv4 or IPv6 address or CIDR block (`203.0.113.7`, `10.0.0.0/8`, `2001:db8::/32`)."))
            .pattern(Some(format!("^[{TRIMMED}]*[0-9A-Fa-f:.]+(/[0-9]+)?[{TRIMMED}]*$")))
            .examples(["203.0.113.0/24"])
            .into()
    }
}

impl ToSchema for IpOrBlock {}

fn object(body: Value) -> Result<Map<String, Value>> {
    match body {
        Value::Object(fields) => Ok(fields),
        _ => Err(Error::bad_request("Request body must be a JSON object")),
    }
}

fn present(fields: &mut Map<String, Value>, name: &str) -> Option<Value> {
    fields.remove(name).filter(|v| !v.is_null())
}

/// Parses a create body (`plan` bounds `rateLimitPerMinute`; `now` bounds `expiresAt`).
pub fn new_key_from_json(body: Value, plan: Plan, now: Timestamp) -> Result<NewKeyRequest> {
    let mut fields = object(body)?;
    // A misspelt restriction (`alowedIps`) must not make a key wider than its maker meant: every
    // field is one a key has, as on PATCH.
    if let Some(name) = fields.keys().find(|name| !CREATABLE.contains(&name.as_str())) {
        return Err(Error::bad_request(format!("'{name}' is not a field of a key; fields: {}", CREATABLE.join(", "))));
    }
    let role = match present(&mut fields, "role") {
        None => Role::Member,
        Some(value) => {
            serde_json::from_value(value).map_err(|_| Error::bad_request("role must be 'owner' or 'member'"))?
        }
    };
    let use_case = match present(&mut fields, "useCase") {
        None => UseCase::Full,
        Some(value) => serde_json::from_value(value)
            .map_err(|_| Error::bad_request("useCase must be FULL, READ_ONLY or INGEST"))?,
    };
    let expires_at = match present(&mut fields, "expiresAt") {
        None => None,
        Some(Value::String(text)) => {
            let at = Timestamp::parse(&text).ok_or_else(|| {
                Error::bad_request("expiresAt must be an ISO 8601 datetime, e.g. 2026-12-31T23:59:59Z")
            })?;
            if at <= now {
                return Err(Error::bad_request("expiresAt must be in the future"));
            }
            Some(at)
        }
        Some(_) => return Err(Error::bad_request("expiresAt must be an ISO 8601 datetime, e.g. 2026-12-31T23:59:59Z")),
    };
    let changes = changes_of(fields, plan)?;
    let name = changes.name.clone().ok_or_else(|| Error::bad_request("name is required"))?;
    let description = changes.description.clone().flatten();
    Ok(NewKeyRequest { name, description, role, use_case, expires_at, changes })
}

/// Parses a PATCH body; naming `useCase`, `expiresAt` (fixed at creation) or anything that is not
/// a key's field is a 400 that names it.
pub fn changes_from_json(body: Value, plan: Plan) -> Result<KeyChanges> {
    let fields = object(body)?;
    for fixed in ["useCase", "expiresAt"] {
        if fields.contains_key(fixed) {
            return Err(Error::bad_request(format!(
                "{fixed} cannot be changed after a key is created; create a new key instead"
            )));
        }
    }
    for name in fields.keys() {
        if !CHANGEABLE.contains(&name.as_str()) {
            return Err(Error::bad_request(format!(
                "'{name}' cannot be changed; changeable fields: {}",
                CHANGEABLE.join(", ")
            )));
        }
    }
    changes_of(fields, plan)
}

const CHANGEABLE: [&str; 6] = ["name", "description", "allowedIps", "allowedProjects", "rateLimitPerMinute", "enabled"];
const CREATABLE: [&str; 9] = [
    "name",
    "description",
    "role",
    "useCase",
    "expiresAt",
    "allowedIps",
    "allowedProjects",
    "rateLimitPerMinute",
    "enabled",
];

fn changes_of(mut fields: Map<String, Value>, plan: Plan) -> Result<KeyChanges> {
    let name = match fields.remove("name") {
        None => None,
        Some(Value::String(text)) if !text.trim().is_empty() && text.trim().chars().count() <= NAME_MAX_CHARS => {
            Some(text.trim().to_owned())
        }
        Some(_) => {
            return Err(Error::bad_request(format!("name must be a string of 1 to {NAME_MAX_CHARS} characters")))
        }
    };
    let description = match fields.remove("description") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::String(text)) if text.chars().count() <= DESCRIPTION_MAX_CHARS => Some(Some(text)),
        Some(_) => {
            return Err(Error::bad_request(format!(
                "description must be a string of at most {DESCRIPTION_MAX_CHARS} characters"
            )))
        }
    };
    let allowed_ips = match fields.remove("allowedIps") {
        None => None,
        Some(Value::Null) => Some(vec![]),
        Some(Value::Array(entries)) if entries.len() <= IPS_MAX => Some(
            entries
                .iter()
                .map(|entry| {
                    let text = entry.as_str().unwrap_or_default();
                    ip_allow::parse_entry(text).map(|net| net.to_string()).ok_or_else(|| {
                        Error::bad_request(format!(
                            "allowedIps: {entry} is not an IP address or CIDR block (e.g. 203.0.113.7, 10.0.0.0/8, 2001:db8::/32)"
                        ))
                    })
                })
                .collect::<Result<Vec<_>>>()?,
        ),
        Some(_) => return Err(Error::bad_request(format!("allowedIps must be a list of at most {IPS_MAX} addresses or CIDR blocks"))),
    };
    let allowed_projects = match fields.remove("allowedProjects") {
        None => None,
        Some(Value::Null) => Some(vec![]),
        Some(Value::Array(entries)) if entries.len() <= PROJECTS_MAX => Some(
            entries
                .iter()
                .map(|entry| {
                    entry.as_str().and_then(ProjectId::parse).ok_or_else(|| {
                        Error::bad_request(format!("allowedProjects: {entry} is not a project id (proj_…)"))
                    })
                })
                .collect::<Result<Vec<_>>>()?,
        ),
        Some(_) => {
            return Err(Error::bad_request(format!(
                "allowedProjects must be a list of at most {PROJECTS_MAX} project ids"
            )))
        }
    };
    let plan_limit = plan.limits().per_key_per_minute;
    let rate_limit_per_minute = match fields.remove("rateLimitPerMinute") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(value) => match crate::http::whole_number(&value) {
            Some(limit) if (1..=u64::from(plan_limit)).contains(&limit) => Some(Some(limit as u32)),
            _ => {
                return Err(Error::bad_request(format!(
                    "rateLimitPerMinute must be a whole number from 1 to {plan_limit} (the {plan} plan's limit)"
                )))
            }
        },
    };
    let enabled = match fields.remove("enabled") {
        None => None,
        Some(Value::Bool(flag)) => Some(flag),
        Some(_) => return Err(Error::bad_request("enabled must be true or false")),
    };
    Ok(KeyChanges { name, description, allowed_ips, allowed_projects, rate_limit_per_minute, enabled })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn now() -> Timestamp {
        Timestamp::parse("2026-01-01T00:00:00Z").unwrap()
    }

    #[test]
    fn a_create_body_refuses_fields_a_key_does_not_have() {
        let now = Timestamp::now();
        let err = new_key_from_json(json!({"name": "ci", "alowedIps": ["10.0.0.1"]}), Plan::Business, now).unwrap_err();
        assert!(err.to_string().starts_with("'alowedIps' is not a field of a key"), "{err}");
    }

    #[test]
    fn a_create_body_takes_defaults() {
        let request = new_key_from_json(json!({"name": "Zapier"}), Plan::Starter, now()).unwrap();
        assert_eq!((request.role, request.use_case, request.expires_at), (Role::Member, UseCase::Full, None));
    }

    #[test]
    fn every_field_is_validated_by_name() {
        let cases = [
            (json!({}), "name is required"),
            (json!({"name": ""}), "name must be"),
            (json!({"name": "k", "role": "admin"}), "role must be"),
            (json!({"name": "k", "useCase": "WRITE"}), "useCase must be"),
            (json!({"name": "k", "expiresAt": "tomorrow"}), "expiresAt must be an ISO 8601"),
            (json!({"name": "k", "expiresAt": "2025-01-01T00:00:00Z"}), "expiresAt must be in the future"),
            (json!({"name": "k", "allowedIps": ["10.0.0.0/33"]}), "allowedIps:"),
            (json!({"name": "k", "allowedProjects": ["p1"]}), "allowedProjects:"),
            (json!({"name": "k", "rateLimitPerMinute": 61}), "rateLimitPerMinute must be a whole number from 1 to 60"),
            (json!({"name": "k", "rateLimitPerMinute": 0}), "rateLimitPerMinute"),
            (json!({"name": "k", "enabled": "yes"}), "enabled must be"),
        ];
        for (body, expected) in cases {
            let error = new_key_from_json(body.clone(), Plan::Starter, now()).unwrap_err().to_string();
            assert!(error.starts_with(expected), "{body}: {error}");
        }
    }

    #[test]
    fn ip_entries_are_normalised() {
        let request = new_key_from_json(
            json!({"name": "k", "allowedIps": ["203.0.113.7", "10.0.0.0/8", "2001:db8::/32"]}),
            Plan::Pro,
            now(),
        )
        .unwrap();
        assert_eq!(request.changes.allowed_ips.unwrap(), ["203.0.113.7/32", "10.0.0.0/8", "2001:db8::/32"]);
    }

    fn maker(ips: &[&str], projects: &[ProjectId], limit: Option<u32>, expiry: Option<&str>) -> KeyRecord {
        let (_, mut record) = crate::access::NewKey {
            family: Family::Account,
            account_id: crate::ids::AccountId::generate(),
            project_id: None,
            name: "maker".into(),
            role: Role::Owner,
            use_case: UseCase::Full,
        }
        .issue();
        record.allowed_ips = ips.iter().map(|ip| ip.to_string()).collect();
        record.allowed_projects = projects.to_vec();
        record.rate_limit_per_minute = limit;
        record.expires_at = expiry.map(|at| Timestamp::parse(at).unwrap());
        record
    }

    fn bounded(creator: &KeyRecord, body: Value) -> Result<NewKeyRequest> {
        let mut request = new_key_from_json(body, Plan::Pro, now())?;
        bound_by_creator(creator, &mut request)?;
        Ok(request)
    }

    #[test]
    fn an_unrestricted_creator_passes_the_request_through() {
        let request = bounded(&maker(&[], &[], None, None), json!({"name": "k"})).unwrap();
        assert_eq!(request, new_key_from_json(json!({"name": "k"}), Plan::Pro, now()).unwrap());
    }

    #[test]
    fn a_new_key_takes_its_creators_restrictions_when_it_asks_for_none() {
        let project = ProjectId::generate();
        let creator =
            maker(&["203.0.113.0/24"], std::slice::from_ref(&project), Some(30), Some("2030-01-01T00:00:00Z"));
        for body in [
            json!({"name": "k"}),
            json!({"name": "k", "allowedIps": [], "allowedProjects": null, "rateLimitPerMinute": null}),
        ] {
            let request = bounded(&creator, body).unwrap();
            assert_eq!(request.expires_at, creator.expires_at);
            assert_eq!(request.changes.allowed_ips.as_deref(), Some(&creator.allowed_ips[..]));
            assert_eq!(request.changes.allowed_projects, Some(vec![project.clone()]));
            assert_eq!(request.changes.rate_limit_per_minute, Some(Some(30)));
        }
    }

    #[test]
    fn a_new_key_may_narrow_but_not_widen_its_creators_restrictions() {
        let (inside, outside) = (ProjectId::generate(), ProjectId::generate());
        let creator = maker(&["203.0.113.0/24"], std::slice::from_ref(&inside), Some(30), Some("2030-01-01T00:00:00Z"));
        let narrower = bounded(
            &creator,
            json!({
                "name": "k",
                "expiresAt": "2029-01-01T00:00:00Z",
                "allowedIps": ["203.0.113.128/25"],
                "allowedProjects": [inside],
                "rateLimitPerMinute": 5
            }),
        )
        .unwrap();
        assert_eq!(narrower.expires_at, Some(Timestamp::parse("2029-01-01T00:00:00Z").unwrap()));
        assert_eq!(narrower.changes.allowed_ips, Some(vec!["203.0.113.128/25".to_owned()]));
        assert_eq!(narrower.changes.rate_limit_per_minute, Some(Some(5)));
        let later = bounded(&creator, json!({"name": "k", "expiresAt": "2099-01-01T00:00:00Z"})).unwrap();
        assert_eq!(later.expires_at, creator.expires_at, "the earlier expiry");
        for (body, field) in [
            (json!({"name": "k", "allowedIps": ["203.0.112.0/23"]}), "allowedIps: 203.0.112.0/23 is outside"),
            (json!({"name": "k", "allowedIps": ["10.0.0.1"]}), "allowedIps: 10.0.0.1/32 is outside"),
            (json!({"name": "k", "allowedProjects": [outside]}), "allowedProjects:"),
            (json!({"name": "k", "rateLimitPerMinute": 31}), "rateLimitPerMinute: 31 is above"),
        ] {
            let error = bounded(&creator, body.clone()).unwrap_err();
            assert!(matches!(&error, Error::Forbidden(m) if m.starts_with(field)), "{body}: {error}");
        }
    }

    #[test]
    fn a_change_may_not_lift_the_changers_restrictions() {
        let creator = maker(&["203.0.113.0/24"], &[ProjectId::generate()], Some(30), None);
        for body in [
            json!({"allowedIps": null}),
            json!({"allowedIps": ["0.0.0.0/0"]}),
            json!({"allowedProjects": []}),
            json!({"rateLimitPerMinute": null}),
            json!({"rateLimitPerMinute": 60}),
        ] {
            let changes = changes_from_json(body.clone(), Plan::Pro).unwrap();
            assert!(matches!(check_change_within(&creator, &changes), Err(Error::Forbidden(_))), "{body}");
        }
        let fine =
            changes_from_json(json!({"name": "x", "allowedIps": ["203.0.113.7"], "rateLimitPerMinute": 30}), Plan::Pro);
        assert!(check_change_within(&creator, &fine.unwrap()).is_ok());
        let anything = changes_from_json(json!({"allowedIps": null, "rateLimitPerMinute": null}), Plan::Pro).unwrap();
        assert!(check_change_within(&maker(&[], &[], None, None), &anything).is_ok());
    }

    #[test]
    fn a_project_key_carries_its_creators_restrictions() {
        let creator = maker(&["203.0.113.0/24"], &[ProjectId::generate()], Some(30), Some("2030-01-01T00:00:00Z"));
        let project = ProjectId::generate();
        let (_, mut key) = crate::access::NewKey {
            family: Family::Project,
            account_id: creator.account_id.clone(),
            project_id: Some(project.clone()),
            name: "p".into(),
            role: Role::Member,
            use_case: UseCase::Full,
        }
        .issue();
        bound_project_key(&creator, &mut key);
        assert_eq!(
            (key.expires_at, &key.allowed_ips, &key.allowed_projects, key.rate_limit_per_minute),
            (creator.expires_at, &creator.allowed_ips, &vec![project], Some(30))
        );
    }

    /// The fields of a schema, sorted.
    fn properties<T: ToSchema>() -> Vec<String> {
        let RefOr::T(Schema::Object(object)) = T::schema() else { panic!("an object schema") };
        let mut names: Vec<String> = object.properties.keys().cloned().collect();
        names.sort();
        names
    }

    /// The pattern of a field of a schema.
    fn pattern<T: ToSchema>(field: &str) -> String {
        let RefOr::T(Schema::Object(object)) = T::schema() else { panic!("an object schema") };
        match &object.properties[field] {
            RefOr::T(Schema::Object(field)) => field.pattern.clone().expect("a pattern"),
            _ => panic!("{field} is an inline schema"),
        }
    }

    #[test]
    fn the_name_patterns_say_what_the_parser_counts_after_trimming() {
        // `TRIMMED` is exactly what `char::is_whitespace` (and so `trim`) takes.
        let mut ranges: Vec<(char, char)> = vec![];
        for c in (0..=u32::from(char::MAX)).filter_map(char::from_u32).filter(|c| c.is_whitespace()) {
            match ranges.last_mut() {
                Some((_, end)) if u32::from(*end) + 1 == u32::from(c) => *end = c,
                _ => ranges.push((c, c)),
            }
        }
        let escape = |c: char| format!("\\u{:04x}", u32::from(c));
        let class: String = ranges
            .iter()
            .map(|&(start, end)| match u32::from(end) - u32::from(start) {
                0 => escape(start),
                1 => escape(start) + &escape(end),
                _ => format!("{}-{}", escape(start), escape(end)),
            })
            .collect();
        assert_eq!(class, TRIMMED);
        let expected =
            format!("^[{TRIMMED}]*[^{TRIMMED}]([\\s\\S]{{0,{}}}[^{TRIMMED}])?[{TRIMMED}]*$", NAME_MAX_CHARS - 2);
        assert_eq!(pattern::<NewApiKey>("name"), expected);
        assert_eq!(pattern::<ApiKeyChanges>("name"), expected);
    }

    #[test]
    fn the_documented_bodies_name_the_fields_the_parsers_read() {
        let mut changeable = CHANGEABLE.map(str::to_owned).to_vec();
        changeable.sort();
        assert_eq!(properties::<ApiKeyChanges>(), changeable);
        let mut creatable = [&CHANGEABLE[..], &["role", "useCase", "expiresAt"]].concat();
        creatable.sort();
        assert_eq!(properties::<NewApiKey>(), creatable);
    }

    #[test]
    fn use_case_and_expiry_cannot_be_changed() {
        for field in ["useCase", "expiresAt"] {
            let error = changes_from_json(json!({field: "x"}), Plan::Pro).unwrap_err().to_string();
            assert!(error.starts_with(&format!("{field} cannot be changed")), "{error}");
        }
        let error = changes_from_json(json!({"role": "owner"}), Plan::Pro).unwrap_err().to_string();
        assert!(error.contains("'role' cannot be changed"), "{error}");
        let changes = changes_from_json(json!({"enabled": false, "description": null}), Plan::Pro).unwrap();
        assert_eq!((changes.enabled, changes.description), (Some(false), Some(None)));
    }
}
