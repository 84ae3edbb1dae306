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
use crate::ids::{AccountId, ProjectId, SurveyId};
use crate::known::KnownKey;
use crate::plans::Action;
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

/// Reads the addressed item, by the caller's account and the id: `None` for a malformed id and for
/// another account's item alike. [`visible`] then applies the key's project restrictions.
async fn read_owned(app: &App, account: &AccountId, addressed: Addressed<'_>) -> Result<Owned> {
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
            Some(id) => surveys::get(app, account, &id).await?,
            None => None,
        }),
    })
}

/// The addressed item as `key` may see it: a survey filed to a project outside the key's projects
/// is invisible to the key. (A project was checked against the key's restrictions by its id.)
fn visible(owned: Owned, key: &KeyRecord) -> Owned {
    match owned {
        Owned::Survey(found) => {
            Owned::Survey(found.filter(|item| {
                item.survey.project_id.as_ref().is_none_or(|project| key.allows_project(project.as_str()))
            }))
        }
        project => project,
    }
}

/// A key that was read and refused: counted in the client IP's window of failed authentications,
/// and past the deployment's limit (`FAILED_AUTH_PER_IP_PER_MINUTE`) answered 429 instead of its own refusal. Every
/// refusal costs the same (the key's read, then this window), so none says more than another.
pub(super) async fn failed(app: &App, req: &Request, refusal: Refusal, now: Timestamp) -> Error {
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

/// The refusal of a key that is not live (deleted, regenerated, or never issued), counted as
/// [`failed`] counts it.
pub(super) async fn revoked(app: &App, req: &Request, lookup: Lookup, now: Timestamp) -> Error {
    let refusal = match lookup {
        Lookup::Revoked(Revocation::Deleted) => Refusal::Deleted,
        Lookup::Revoked(Revocation::Regenerated) => Refusal::Regenerated,
        Lookup::Live(_) | Lookup::Missing => Refusal::Unknown,
    };
    failed(app, req, refusal, now).await
}

/// The access check. A warm container knows the key's account (a digest never changes hands), so
/// the key's read runs beside the quota, the window and the addressed item: one round, after which
/// the key as read decides, and a refused call is given back. A cold container reads the key first.
async fn check(
    app: &App,
    req: &Request,
    need: Need<'_>,
    addressed: Option<Addressed<'_>>,
) -> Result<(Access, Option<Owned>)> {
    let presented = presented_key(req).ok_or(Error::MissingKey)?;
    // A malformed key costs no database read.
    let key = ApiKey::parse(&presented).ok_or(Error::KeyRefused(Refusal::Unknown))?;
    let digest = key.digest();

    let now = Timestamp::now();
    // A key kept in memory that would be refused (by its validity as kept, or by what the route
    // forbids) is read first all the same: only the stored key refuses, a revoked or invalid key
    // is answered as such before what its role or use case forbids, and a refusal spends nothing.
    let known = app.known.key(&digest).filter(|known| {
        known.record.forbids(need.action).is_none()
            && known.record.check_validity(now, source_ip(req), need.project).is_ok()
    });
    let cold = known.is_none();
    let record = match known {
        Some(known) => known.record,
        None => match keys::lookup(app, &digest).await? {
            Lookup::Live(record) => *record,
            other => return Err(revoked(app, req, other, now).await),
        },
    };
    if cold {
        if let Err(refusal) = record.check_validity(now, source_ip(req), need.project) {
            return Err(failed(app, req, refusal, now).await);
        }
        if let Some(message) = record.forbids(need.action) {
            return Err(Error::Forbidden(message));
        }
    }

    let account_id = &record.account_id.clone();
    // Boxed: four SDK calls side by side make a large future, and every route polls it.
    let (fresh, taken, window, owned) = Box::pin(async {
        tokio::join!(
            async {
                match cold {
                    true => Ok(None),
                    false => keys::lookup(app, &digest).await.map(Some),
                }
            },
            quota::take_call(app, account_id.as_str(), need.action, now),
            rate_limit::hit(app, record.id.as_str(), now),
            async {
                match addressed {
                    Some(addressed) => read_owned(app, account_id, addressed).await.map(Some),
                    None => Ok(None),
                }
            }
        )
    })
    .await;
    let taken = taken?;
    let record = match fresh? {
        None => record,
        Some(Lookup::Live(fresh)) => *fresh,
        Some(other) => {
            app.known.forget_key(&digest);
            give_back_taken(app, &taken, account_id, now).await;
            return Err(revoked(app, req, other, now).await);
        }
    };
    if !cold {
        if let Err(refusal) = record.check_validity(now, source_ip(req), need.project) {
            app.known.forget_key(&digest);
            give_back_taken(app, &taken, account_id, now).await;
            return Err(failed(app, req, refusal, now).await);
        }
    }
    let (window, owned) = (window?, owned?.map(|owned| visible(owned, &record)));
    if let Some(Owned::Project(Some((project, _)))) = &owned {
        // Proven the caller's account's: a later write to it needs no read first.
        app.known.keep_project(project.clone());
    }

    let mut calls_this_month = 0;
    let (account, refusal) = match taken {
        Taken::AccountGone => {
            app.known.forget_key(&digest);
            return Err(Error::KeyRefused(Refusal::AccountGone));
        }
        Taken::Granted { account, calls } => {
            calls_this_month = calls;
            (account, None)
        }
        Taken::PlanForbids(account) | Taken::Exhausted { account, .. } => {
            let refusal = quota::refusal_error(account.clone(), need.action, now, req.method().as_str());
            (account, Some(refusal))
        }
    };
    app.known.keep_key(KnownKey { record: record.clone(), plan: account.plan });
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
        if let Err(err) = quota::give_back(app, account_id.as_str(), now).await {
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

/// Gives back a call taken for a request refused afterwards (by its key, read beside the quota).
async fn give_back_taken(app: &App, taken: &Taken, account: &AccountId, now: Timestamp) {
    if let Taken::Granted { .. } = taken {
        if let Err(err) = quota::give_back(app, account.as_str(), now).await {
            tracing::warn!(error = %err, "could not give back the call of a refused key");
        }
    }
}
