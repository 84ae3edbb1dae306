//! The plan table of SPEC §2, in one place: changing a number is a one-line change here.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Requests a minute one client IP may send to the public widget (no key, so no plan applies).
pub const WIDGET_PER_IP_PER_MINUTE: u32 = 10;

/// Failed authentications (a key read and refused: unknown, revoked, disabled, expired, wrong IP)
/// a client IP (an IPv6 /64) may make per minute before every further one answers 429 with
/// `Retry-After`: a burst of refused keys shows up as 429s and a client stuck on a revoked key is
/// told to back off. A good key is never refused by it (so no neighbour behind the same NAT can
/// lock a client out); guessing is made hopeless by the keys' 190 random bits, not by this window.
/// A malformed key (bad checksum) is refused without a read and is not counted.
pub const FAILED_AUTH_PER_IP_PER_MINUTE: u32 = 20;

/// A billing plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum Plan {
    Free,
    Starter,
    Pro,
    Business,
}

/// What a request wants to do, as far as plans and key use cases care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// POST feedback to a project: the one thing every plan and every key may do.
    SubmitFeedback,
    /// Read Miniback data.
    Read,
    /// Read the account and its keys (`/api/v1/account`, `/api/v1/keys`): account keys only.
    ReadAccount,
    /// Create, change or delete Miniback data.
    Write,
    /// Create, change or delete API keys (owner keys only).
    ManageKeys,
    /// Read surveys and their responses (GETs under /api/v1/surveys).
    ReadSurveys,
    /// Create or change surveys.
    ManageSurveys,
    /// Read, create, change or delete webhook endpoints and their deliveries (owner account keys,
    /// FULL, on a plan with the full API).
    ManageWebhooks,
}

/// The numbers and permissions of one plan.
#[derive(Clone, Copy, Debug)]
pub struct PlanLimits {
    /// Calls per calendar month (UTC); `None` is unlimited.
    pub calls_per_month: Option<u64>,
    /// Default per-key limit per minute, when a key sets none of its own.
    pub per_key_per_minute: u32,
    /// Projects per account; `None` is unlimited.
    pub projects: Option<u64>,
    /// Whether anything beyond submitting feedback is allowed.
    pub full_api: bool,
    /// Whether the surveys API (surveys, analytics, topics) is allowed.
    pub surveys: bool,
}

impl Action {
    /// Whether the action belongs to the surveys API (refused below BUSINESS with a 403 naming it).
    pub fn is_surveys(self) -> bool {
        matches!(self, Action::ReadSurveys | Action::ManageSurveys)
    }
}

impl Plan {
    /// Every plan, cheapest first.
    pub const ALL: [Plan; 4] = [Plan::Free, Plan::Starter, Plan::Pro, Plan::Business];

    /// The plan table.
    pub const fn limits(self) -> PlanLimits {
        match self {
            Plan::Free => PlanLimits {
                calls_per_month: Some(300),
                per_key_per_minute: 10,
                projects: Some(1),
                full_api: false,
                surveys: false,
            },
            Plan::Starter => PlanLimits {
                calls_per_month: Some(10_000),
                per_key_per_minute: 60,
                projects: Some(5),
                full_api: true,
                surveys: false,
            },
            Plan::Pro => PlanLimits {
                calls_per_month: None,
                per_key_per_minute: 600,
                projects: None,
                full_api: true,
                surveys: false,
            },
            Plan::Business => PlanLimits {
                calls_per_month: None,
                per_key_per_minute: 1_200,
                projects: None,
                full_api: true,
                surveys: true,
            },
        }
    }

    /// Whether this plan allows the action.
    pub fn allows(self, action: Action) -> bool {
        let limits = self.limits();
        match action {
            Action::SubmitFeedback => true,
            Action::Read | Action::ReadAccount | Action::Write | Action::ManageKeys | Action::ManageWebhooks => {
                limits.full_api
            }
            Action::ReadSurveys | Action::ManageSurveys => limits.surveys,
        }
    }

    /// The cheapest plan that allows the action (for "upgrade to …" messages).
    pub fn cheapest_allowing(action: Action) -> Plan {
        Plan::ALL.into_iter().find(|plan| plan.allows(action)).unwrap_or(Plan::Business)
    }

    /// The stored and shown name (`FREE`, `STARTER`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Plan::Free => "FREE",
            Plan::Starter => "STARTER",
            Plan::Pro => "PRO",
            Plan::Business => "BUSINESS",
        }
    }

    /// Parses a plan name, case-insensitively.
    pub fn parse(text: &str) -> Option<Plan> {
        Plan::ALL.into_iter().find(|plan| plan.as_str().eq_ignore_ascii_case(text))
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_plan_may_only_submit_feedback() {
        assert!(Plan::Free.allows(Action::SubmitFeedback));
        for action in [Action::Read, Action::Write, Action::ManageKeys, Action::ReadSurveys, Action::ManageSurveys] {
            assert!(!Plan::Free.allows(action), "{action:?}");
        }
    }

    #[test]
    fn surveys_need_business() {
        assert_eq!(Plan::cheapest_allowing(Action::ReadSurveys), Plan::Business);
        assert_eq!(Plan::cheapest_allowing(Action::ManageSurveys), Plan::Business);
        assert!(!Plan::Pro.allows(Action::ReadSurveys));
        assert_eq!(Plan::cheapest_allowing(Action::Read), Plan::Starter);
    }

    #[test]
    fn plan_table_matches_the_spec() {
        assert_eq!(Plan::Free.limits().calls_per_month, Some(300));
        assert_eq!(Plan::Starter.limits().calls_per_month, Some(10_000));
        assert_eq!(Plan::Pro.limits().calls_per_month, None);
        assert_eq!(Plan::Business.limits().per_key_per_minute, 1_200);
        assert_eq!(Plan::Starter.limits().projects, Some(5));
        assert_eq!(Plan::parse("pro"), Some(Plan::Pro));
    }
}
