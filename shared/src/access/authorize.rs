//! The access check every authenticated route runs first. Its cost is fixed at two sequential
//! DynamoDB rounds: (1) the key by digest; (2) in parallel, the account's conditional quota
//! update (which also proves the account exists and reads its plan), the key's minute window and,
//! for a route that addresses a project or a survey, that one item ([`authorize_owned`]).
//!
//! The addressed item is the ownership proof: it is read by its id and kept only when it is the
//! caller's account's (and, for a survey, filed to a project the key may reach). A route reads any
//! partition behind that id only after the proof, so a foreign id costs exactly what an unknown id
//! costs — one item read in the round that was there anyway — and nothing of another account's
//! data can shape an answer, its timing or its `Server-Timing`.

use super::key_format::ApiKey;
use super::key_record::KeyRecord;
use super::key_source::presented_key;
use super::quota::{self, Taken};
use super::rate_limit;
use crate::error::Refusal;
use crate::http::source_ip;
use crate::ids::{ProjectId, SurveyId};
use crate::plans::{Action, Plan};
use crate::request_scope::{defer, set_rate_headers};
use crate::store::accounts::Account;
use crate::store::keys::{self, Lookup, Revocation};
use crate::store::projects::{self, Project};
use crate::store::surveys::{self, SurveyItem};
use crate::store::Item;
use crate::time::Timestamp;
use crate::{App, Error, Result};
use lambda_http::Request;

/// What a route needs from the caller's key.
#[derive(Clone, Copy, Debug)]
pub struct Need<'a> {
    pub action: Action,
    /// The project id the request addresses, as given (well-formed or not), if any: project keys
    /// and project restrictions are checked against it before anything is read.
    pub project: Option<&'a str>,
}

/// A caller that passed every check, and the call it was counted for.
#[derive(Clone, Debug)]
pub struct Access {
    pub key: KeyRecord,
    pub account: Account,
    /// Calls counted this month, this one included.
    pub calls_this_month: u64,
}

impl Access {
    /// A refusal known only after the access check counted the call (the key's restrictions seen
    /// against what the request asks): the call is given back, as for every refusal, and the
    /// refusal returned.
    pub async fn refuse(&self, app: &App, refusal: Error) -> Error {
        if let Err(err) = quota::give_back(app, self.account.id.as_str(), Timestamp::now()).await {
            tracing::warn!(error = %err, "could not give back a refused call");
        }
        refusal
    }
}

/// The one project or survey a route addresses by id, as given in the request.
#[derive(Clone, Copy, Debug)]
pub enum Addressed<'a> {
    Project(&'a str),
    /// A project about to be deleted: found while active or already being deleted.
    ProjectForRemoval(&'a str),
    Survey(&'a str),
}

/// The addressed item, when it is the caller's to see; `None` for a malformed, unknown or foreign
/// id alike (the route answers its 404).
#[derive(Clone, Debug)]
pub enum Owned {
    Project(Option<(Project, Item)>),
    Survey(Option<SurveyItem>),
}

impl Owned {
    /// The project, if the route addressed one and it is the caller's.
    pub fn project(self) -> Option<(Project, Item)> {
        match self {
            Owned::Project(found) => found,
            Owned::Survey(_) => None,
        }
    }

    /// The survey, if the route addressed one and the key may see it.
    pub fn survey(self) -> Option<SurveyItem> {
        match self {
            Owned::Survey(found) => found,
            Owned::Project(_) => None,
        }
    }
}

/// Runs every rule of SPEC §1–2 for the request; on success the call has been counted and the
/// `X-RateLimit-*` headers are recorded for the response.
pub async fn authorize(app: &App, req: &Request, need: Need<'_>) -> Result<Access> {
    Ok(check(app, req, need, None).await?.0)
}

/// [`authorize`] for a route that addresses one project or survey by id: the item is read in the
/// access check's second round and handed back only when the caller owns it. A project addressed
/// here is also checked against the key's project restrictions, as `Need::project` is.
pub async fn authorize_owned(
    app: &App,
    req: &Request,
    action: Action,
    addressed: Addressed<'_>,
) -> Result<(Access, Owned)> {
    let project = match addressed {
        Addressed::Project(raw) | Addressed::ProjectForRemoval(raw) => Some(raw),
        Addressed::Survey(_) => None,
    };
    let (access, owned) = check(app, req, Need { action, project }, Some(addressed)).await?;
    Ok((access, owned.expect("an addressed item is always read")))
}

/// Reads the addressed item and keeps it only when `key` may see it.
async fn read_owned(app: &App, key: &KeyRecord, addressed: Addressed<'_>) -> Result<Owned> {
    let account = &key.account_id;
    Ok(match addressed {
        Addressed::Project(raw) => Owned::Project(match ProjectId::parse(raw) {
            Some(id) => projects::get(app, account, &id).await?,
            None => None,
        }),
        Addressed::ProjectForRemoval(raw) => Owned::Project(match ProjectId::parse(raw) {
            Some(id) => projects::get_for_removal(app, account, &id).await?,
            None => None,
        }),
        Addressed::Survey(raw) => Owned::Survey(match SurveyId::parse(raw) {
            // A survey filed to a project outside the key's projects is invisible to the key.
            Some(id) => surveys::get(app, account, &id).await?.filter(|item| {
                item.survey.project_id.as_ref().is_none_or(|project| key.allows_project(project.as_str()))
            }),
            None => None,
        }),
    })
}

/// A key that was read and refused: counted in the client IP's window of failed authentications,
/// and past the deployment's limit (`FAILED_AUTH_PER_IP_PER_MINUTE`) answered 429 instead of its own refusal. Every
/// refusal costs the same (the key's read, then this window), so none says more than another.
async fn failed(app: &App, req: &Request, refusal: Refusal, now: Timestamp) -> Error {
    // An IPv6 client holds a whole /64: one window for it, not one per address.
    let client = match source_ip(req) {
        Some(std::net::IpAddr::V6(ip)) => format!("{}/64", std::net::Ipv6Addr::from(u128::from(ip) & (!0u128 << 64))),
        Some(ip) => ip.to_string(),
        None => "unknown".to_owned(),
    };
    match rate_limit::hit(app, &format!("authfail#{client}"), now).await {
        Ok(window) if window.exceeds(app.settings.failed_auth_per_ip_per_minute) => Error::RateLimited {
            per: "this IP address after failed authentications",
            limit: app.settings.failed_auth_per_ip_per_minute,
            reset: window.reset(),
        },
        Ok(_) => Error::KeyRefused(refusal),
        Err(err) => {
            // The refusal stands; only its counting failed.
            tracing::warn!(error = %err, "could not count a failed authentication");
            Error::KeyRefused(refusal)
        }
    }
}

async fn check(
    app: &App,
    req: &Request,
    need: Need<'_>,
    addressed: Option<Addressed<'_>>,
) -> Result<(Access, Option<Owned>)> {
    let presented = presented_key(req).ok_or(Error::MissingKey)?;
    // A malformed key costs no database read.
    let key = ApiKey::parse(&presented).ok_or(Error::KeyRefused(Refusal::Unknown))?;
    let now = Timestamp::now();

    let record = match keys::lookup(app, &key.digest()).await? {
        Lookup::Live(record) => *record,
        Lookup::Revoked(Revocation::Deleted) => return Err(failed(app, req, Refusal::Deleted, now).await),
        Lookup::Revoked(Revocation::Regenerated) => return Err(failed(app, req, Refusal::Regenerated, now).await),
        Lookup::Missing => return Err(failed(app, req, Refusal::Unknown, now).await),
    };
    if let Err(refusal) = record.check_validity(now, source_ip(req), need.project) {
        return Err(failed(app, req, refusal, now).await);
    }
    if let Some(message) = record.forbids(need.action) {
        return Err(Error::Forbidden(message));
    }

    let account_id = record.account_id.as_str();
    // Boxed: three SDK calls side by side make a large future, and every route polls it.
    let (taken, window, owned) = Box::pin(async {
        tokio::join!(
            quota::take_call(app, account_id, need.action, now),
            rate_limit::hit(app, record.id.as_str(), now),
            async {
                match addressed {
                    Some(addressed) => read_owned(app, &record, addressed).await.map(Some),
                    None => Ok(None),
                }
            }
        )
    })
    .await;
    let (taken, window, owned) = (taken?, window?, owned?);

    let mut calls_this_month = 0;
    let (account, refusal) = match taken {
        Taken::AccountGone => return Err(Error::KeyRefused(Refusal::AccountGone)),
        Taken::Granted { account, calls } => {
            calls_this_month = calls;
            (account, None)
        }
        Taken::PlanForbids(account) if need.action.is_surveys() => {
            let refusal = Error::PlanTooLow { needed: Plan::cheapest_allowing(need.action), current: account.plan };
            (account, Some(refusal))
        }
        Taken::PlanForbids(account) => {
            (account, Some(Error::PaidPlansOnly { method: req.method().as_str().to_owned() }))
        }
        Taken::Exhausted { account, limit } => {
            let refusal = Error::MonthlyQuota { plan: account.plan, limit, resets: now.next_month_start() };
            (account, Some(refusal))
        }
    };
    // A key's own limit never exceeds its plan's, even after a downgrade.
    let plan_limit = account.plan.limits().per_key_per_minute;
    let per_minute = record.rate_limit_per_minute.map_or(plan_limit, |own| own.min(plan_limit));
    set_rate_headers(window.headers(per_minute));
    if let Some(refusal) = refusal {
        return Err(refusal);
    }
    if window.exceeds(per_minute) {
        // The call was taken in parallel with the window; give it back. Until then a parallel
        // request may see one call fewer left — the price of keeping the check at two rounds.
        if let Err(err) = quota::give_back(app, account_id, now).await {
            tracing::warn!(error = %err, "could not give back the call of a rate-limited request");
        }
        return Err(Error::RateLimited { per: "this key", limit: per_minute, reset: window.reset() });
    }
    if window.hits == 1 {
        // Once a minute per key is enough for "last used", and it overlaps the route's own work.
        let (app, digest) = (app.clone(), record.digest.clone());
        defer(async move {
            if let Err(err) = keys::touch_last_used(&app, &digest, now).await {
                tracing::warn!(error = %err, "could not record when a key was last used");
            }
        });
    }
    Ok((Access { key: record, account, calls_this_month }, owned))
}
