//! The access check every authenticated route runs first. Its cost is fixed at two sequential
//! DynamoDB rounds: (1) the key by digest; (2) in parallel, the account's conditional quota
//! update (which also proves the account exists and reads its plan) and the key's minute window.

use super::key_format::ApiKey;
use super::key_record::KeyRecord;
use super::key_source::presented_key;
use super::quota::{self, Taken};
use super::rate_limit;
use crate::error::Refusal;
use crate::http::source_ip;
use crate::plans::{Action, Plan};
use crate::request_scope::{defer, set_rate_headers};
use crate::store::accounts::Account;
use crate::store::keys::{self, Lookup, Revocation};
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

/// Runs every rule of SPEC §1–2 for the request; on success the call has been counted and the
/// `X-RateLimit-*` headers are recorded for the response.
pub async fn authorize(app: &App, req: &Request, need: Need<'_>) -> Result<Access> {
    let presented = presented_key(req).ok_or(Error::MissingKey)?;
    // A malformed key costs no database read.
    let key = ApiKey::parse(&presented).ok_or(Error::KeyRefused(Refusal::Unknown))?;
    let now = Timestamp::now();

    let record = match keys::lookup(app, &key.digest()).await? {
        Lookup::Live(record) => *record,
        Lookup::Revoked(Revocation::Deleted) => return Err(Error::KeyRefused(Refusal::Deleted)),
        Lookup::Revoked(Revocation::Regenerated) => return Err(Error::KeyRefused(Refusal::Regenerated)),
        Lookup::Missing => return Err(Error::KeyRefused(Refusal::Unknown)),
    };
    record.check_validity(now, source_ip(req), need.project).map_err(Error::KeyRefused)?;
    if let Some(message) = record.forbids(need.action) {
        return Err(Error::Forbidden(message));
    }

    let account_id = record.account_id.as_str();
    let (taken, window) = tokio::join!(
        quota::take_call(app, account_id, need.action, now),
        rate_limit::hit(app, record.id.as_str(), now)
    );
    let (taken, window) = (taken?, window?);

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
    Ok(Access { key: record, account, calls_this_month })
}
