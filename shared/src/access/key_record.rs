//! A key as stored (never the secret: its digest) and the rules that decide, from the key alone,
//! whether a request may go on: SPEC §1's validity conditions, the use case and the role.

use super::ip_allow;
use super::key_format::Family;
use crate::error::Refusal;
use crate::ids::{AccountId, KeyId, ProjectId};
use crate::plans::{Action, Plan};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// Who holds the key within the account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Owner,
    Member,
}

/// What the key is for; fixed at creation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum UseCase {
    /// Everything the plan allows.
    Full,
    /// Reads only.
    ReadOnly,
    /// Submitting feedback only.
    Ingest,
}

impl UseCase {
    /// Whether a key of this use case may take the action.
    pub fn allows(self, action: Action) -> bool {
        match self {
            UseCase::Full => true,
            UseCase::ReadOnly => matches!(action, Action::Read | Action::ReadAccount | Action::ReadSurveys),
            UseCase::Ingest => action == Action::SubmitFeedback,
        }
    }
}

/// A key item of the keys table.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyRecord {
    /// SHA-256 of the secret, lowercase hex: the table's key.
    pub digest: String,
    pub id: KeyId,
    pub account_id: AccountId,
    pub family: Family,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<ProjectId>,
    /// A project key (`mbk_`) that acts for its account on the Miniback API, as the reference
    /// documents: every project, feedback across projects, new projects. Keys made before this
    /// existed read `false` and stay bound to their project (no stored key gains reach by an
    /// upgrade); so do keys minted with `{"scope": "project"}`. Meaningless for account keys.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub account_wide: bool,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub role: Role,
    pub use_case: UseCase,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
    pub enabled: bool,
    /// Projects the key may address; empty means any project of the account.
    #[serde(default)]
    pub allowed_projects: Vec<ProjectId>,
    /// Addresses and CIDR blocks the key may be used from; empty means anywhere.
    #[serde(default)]
    pub allowed_ips: Vec<String>,
    /// Own per-minute limit; `None` takes the plan's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit_per_minute: Option<u32>,
    pub display_prefix: String,
    pub created_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_at: Option<Timestamp>,
    /// The key's version: every change of the key (`store::keys::save`) adds one. A function that
    /// keeps the key in memory proves, in the same transaction as the request's own write, that
    /// the stored key is still at this version (so still enabled, with these restrictions), and a
    /// revocation replaces the item altogether: nothing kept can outlive a change.
    #[serde(default)]
    pub rev: u64,
    /// The account's plan when the key was last used by a function that did not know it yet: a
    /// hint that saves a cold container a round trip (the quota write checks it, so a stale hint
    /// costs one round, never a wrong answer). Not a change of the key: `rev` stays.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_hint: Option<Plan>,
}

impl KeyRecord {
    /// SPEC §1's conditions that depend on the key alone: enabled, not expired, source IP allowed,
    /// project allowed. (Existence and the account are checked by the reads themselves.)
    pub fn check_validity(
        &self,
        now: Timestamp,
        source_ip: Option<IpAddr>,
        project: Option<&str>,
    ) -> Result<(), Refusal> {
        if !self.enabled {
            return Err(Refusal::Disabled);
        }
        if self.expires_at.is_some_and(|expiry| expiry <= now) {
            return Err(Refusal::Expired);
        }
        if !ip_allow::allows(&self.allowed_ips, source_ip) {
            return Err(Refusal::IpNotAllowed);
        }
        if project.is_some_and(|project| !self.allows_project(project)) {
            return Err(Refusal::ProjectNotAllowed);
        }
        Ok(())
    }

    /// What a project key reaches: `"account"` or `"project"` (`None` for account keys).
    pub fn scope(&self) -> Option<&'static str> {
        match self.family {
            Family::Project if self.account_wide => Some("account"),
            Family::Project => Some("project"),
            Family::Account => None,
        }
    }

    /// The project a project-scoped key is bound to (`None` for account keys and account-wide
    /// project keys).
    pub fn bound_project(&self) -> Option<&ProjectId> {
        self.project_id.as_ref().filter(|_| !self.account_wide)
    }

    /// Whether the key may address a project (given as its id, well-formed or not): a
    /// project-scoped key only its own, a key with an allow list only those, any other key any
    /// project of its account.
    pub fn allows_project(&self, project: &str) -> bool {
        let bound_elsewhere = self.bound_project().is_some_and(|own| own.as_str() != project);
        let outside_list =
            !self.allowed_projects.is_empty() && !self.allowed_projects.iter().any(|p| p.as_str() == project);
        !bound_elsewhere && !outside_list
    }

    /// The projects the key is limited to, if it is limited: a list shows only their items.
    pub fn project_limit(&self) -> Option<Vec<ProjectId>> {
        match self.bound_project() {
            Some(own) => Some(vec![own.clone()]),
            None if !self.allowed_projects.is_empty() => Some(self.allowed_projects.clone()),
            None => None,
        }
    }

    /// Whether the key may create, change and delete keys: an account key (`sk_live_`), role
    /// owner, use case FULL (what [`KeyRecord::forbids`] asks of `Action::ManageKeys`).
    pub fn can_manage_keys(&self) -> bool {
        self.family == Family::Account && self.role == Role::Owner && self.use_case == UseCase::Full
    }

    /// Whether the key has an IP list that no source address can ever pass: non-empty (so it
    /// restricts) but with no entry that parses as an address or block (an item written by hand
    /// or by an older version; the API only stores entries it has parsed).
    pub fn ip_list_admits_nobody(&self) -> bool {
        !self.allowed_ips.is_empty() && self.allowed_ips.iter().all(|entry| ip_allow::parse_entry(entry).is_none())
    }

    /// Use case and role: `Some(message)` when this key may not take the action.
    pub fn forbids(&self, action: Action) -> Option<String> {
        if !self.use_case.allows(action) {
            return Some(match self.use_case {
                UseCase::ReadOnly => {
                    "This API key is READ_ONLY: it cannot create, change or delete anything.".to_owned()
                }
                _ => "This API key is INGEST only: it can only submit feedback.".to_owned(),
            });
        }
        if (matches!(action, Action::ReadAccount | Action::ManageKeys | Action::ManageWebhooks) || action.is_surveys())
            && self.family == Family::Project
        {
            return Some(
                "A project key (mbk_) works on the Miniback API (/api/...); use an account key (sk_live_) for the account, its keys and its surveys."
                    .to_owned(),
            );
        }
        if action == Action::ManageKeys && self.role != Role::Owner {
            return Some("Only owner keys can create, change or delete API keys.".to_owned());
        }
        if action == Action::ManageWebhooks && self.role != Role::Owner {
            return Some("Only owner keys can manage webhooks.".to_owned());
        }
        None
    }
}

/// What a new key is made with; the rest takes its defaults (enabled, unrestricted, plan limit).
#[derive(Clone, Debug)]
pub struct NewKey {
    pub family: Family,
    pub account_id: AccountId,
    pub project_id: Option<ProjectId>,
    pub name: String,
    pub role: Role,
    pub use_case: UseCase,
}

impl NewKey {
    /// Generates the secret and the record that will be stored for it. The secret is returned
    /// once, here, and never stored.
    pub fn issue(self) -> (super::ApiKey, KeyRecord) {
        let secret = super::ApiKey::generate(self.family);
        let record = KeyRecord {
            digest: secret.digest(),
            id: KeyId::generate(),
            account_id: self.account_id,
            family: self.family,
            project_id: self.project_id,
            // A new project key acts for its account, as the Miniback reference documents; a
            // caller narrows it afterwards (`scope: project`, `allowedProjects`).
            account_wide: self.family == Family::Project,
            name: self.name,
            description: None,
            role: self.role,
            use_case: self.use_case,
            expires_at: None,
            enabled: true,
            allowed_projects: vec![],
            allowed_ips: vec![],
            rate_limit_per_minute: None,
            display_prefix: secret.display_prefix(),
            created_at: Timestamp::now(),
            last_used_at: None,
            rev: 0,
            plan_hint: None,
        };
        (secret, record)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> KeyRecord {
        KeyRecord {
            digest: "d".into(),
            id: KeyId::generate(),
            account_id: AccountId::generate(),
            family: Family::Account,
            project_id: None,
            account_wide: false,
            name: "test".into(),
            description: None,
            role: Role::Member,
            use_case: UseCase::Full,
            expires_at: None,
            enabled: true,
            allowed_projects: vec![],
            allowed_ips: vec![],
            rate_limit_per_minute: None,
            display_prefix: "sk_live_abcd…".into(),
            created_at: Timestamp::now(),
            last_used_at: None,
            rev: 0,
            plan_hint: None,
        }
    }

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    #[test]
    fn a_plain_key_is_valid() {
        assert_eq!(key().check_validity(Timestamp::now(), None, None), Ok(()));
    }

    #[test]
    fn a_disabled_key_is_refused() {
        let key = KeyRecord { enabled: false, ..key() };
        assert_eq!(key.check_validity(Timestamp::now(), None, None), Err(Refusal::Disabled));
    }

    #[test]
    fn an_expired_key_is_refused_from_its_expiry_on() {
        let key = KeyRecord { expires_at: Some(at("2026-01-01T00:00:00Z")), ..key() };
        assert_eq!(key.check_validity(at("2025-12-31T23:59:59.999Z"), None, None), Ok(()));
        assert_eq!(key.check_validity(at("2026-01-01T00:00:00Z"), None, None), Err(Refusal::Expired));
    }

    #[test]
    fn a_key_is_refused_from_an_ip_outside_its_list() {
        let key = KeyRecord { allowed_ips: vec!["192.0.2.0/24".into()], ..key() };
        let inside = Some("192.0.2.9".parse().unwrap());
        let outside = Some("198.51.100.1".parse().unwrap());
        assert_eq!(key.check_validity(Timestamp::now(), inside, None), Ok(()));
        assert_eq!(key.check_validity(Timestamp::now(), outside, None), Err(Refusal::IpNotAllowed));
    }

    #[test]
    fn a_key_is_refused_for_a_project_outside_its_list() {
        let allowed = ProjectId::generate();
        let other = ProjectId::generate();
        let key = KeyRecord { allowed_projects: vec![allowed.clone()], ..key() };
        assert_eq!(key.check_validity(Timestamp::now(), None, Some(allowed.as_str())), Ok(()));
        assert_eq!(key.check_validity(Timestamp::now(), None, Some(other.as_str())), Err(Refusal::ProjectNotAllowed));
    }

    #[test]
    fn an_account_wide_project_key_addresses_every_project_unless_narrowed() {
        let own = ProjectId::generate();
        let other = ProjectId::generate();
        let key = KeyRecord { family: Family::Project, project_id: Some(own.clone()), account_wide: true, ..key() };
        assert_eq!(key.check_validity(Timestamp::now(), None, Some(other.as_str())), Ok(()));
        assert_eq!(key.project_limit(), None);
        let narrowed = KeyRecord { allowed_projects: vec![own.clone()], ..key.clone() };
        assert_eq!(
            narrowed.check_validity(Timestamp::now(), None, Some(other.as_str())),
            Err(Refusal::ProjectNotAllowed)
        );
        assert_eq!(narrowed.project_limit(), Some(vec![own]));
    }

    #[test]
    fn a_project_key_only_addresses_its_own_project() {
        let own = ProjectId::generate();
        let key = KeyRecord { family: Family::Project, project_id: Some(own.clone()), ..key() };
        assert_eq!(key.check_validity(Timestamp::now(), None, Some(own.as_str())), Ok(()));
        assert_eq!(
            key.check_validity(Timestamp::now(), None, Some(ProjectId::generate().as_str())),
            Err(Refusal::ProjectNotAllowed)
        );
    }

    #[test]
    fn use_cases_limit_actions() {
        let read_only = KeyRecord { use_case: UseCase::ReadOnly, ..key() };
        assert!(read_only.forbids(Action::Read).is_none());
        assert!(read_only.forbids(Action::Write).is_some());
        assert!(read_only.forbids(Action::SubmitFeedback).is_some());
        let ingest = KeyRecord { use_case: UseCase::Ingest, ..key() };
        assert!(ingest.forbids(Action::SubmitFeedback).is_none());
        assert!(ingest.forbids(Action::Read).is_some());
    }

    #[test]
    fn project_keys_do_not_reach_the_account() {
        let project_key =
            KeyRecord { family: Family::Project, project_id: Some(ProjectId::generate()), role: Role::Owner, ..key() };
        assert!(project_key.forbids(Action::ReadAccount).is_some());
        assert!(project_key.forbids(Action::ManageKeys).is_some());
        assert!(project_key.forbids(Action::Read).is_none());
    }

    #[test]
    fn only_full_owner_account_keys_can_manage_keys() {
        assert!(KeyRecord { role: Role::Owner, ..key() }.can_manage_keys());
        assert!(!key().can_manage_keys(), "member");
        assert!(!KeyRecord { role: Role::Owner, use_case: UseCase::ReadOnly, ..key() }.can_manage_keys());
        let project = KeyRecord { role: Role::Owner, family: Family::Project, ..key() };
        assert!(!project.can_manage_keys());
    }

    #[test]
    fn an_ip_list_of_unparseable_entries_admits_nobody() {
        assert!(!key().ip_list_admits_nobody(), "no list: anywhere");
        assert!(!KeyRecord { allowed_ips: vec!["10.0.0.0/8".into()], ..key() }.ip_list_admits_nobody());
        assert!(KeyRecord { allowed_ips: vec!["nowhere".into()], ..key() }.ip_list_admits_nobody());
    }

    #[test]
    fn only_owners_manage_keys() {
        assert!(key().forbids(Action::ManageKeys).is_some());
        assert!(KeyRecord { role: Role::Owner, ..key() }.forbids(Action::ManageKeys).is_none());
    }
}
