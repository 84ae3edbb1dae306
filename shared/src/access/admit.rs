//! A keyed write in one DynamoDB round on a warm container. The key's facts are kept in memory
//! (`known`); the request's own writes go out in one transaction with three more:
//!
//! 1. a check that the key item is still at the version kept (live, enabled, same restrictions),
//! 2. the account's quota write (a call left, the plan allows the action, and the plan is the one
//!    kept, which sets the key's per-minute limit),
//! 3. the key's minute window, on the condition that it has room.
//!
//! All four stand or fall together, so a refused request writes nothing, quotas stay exact under
//! concurrency and a revoked key is refused from the next request on. A failed condition hands back
//! the item as it is now (`ReturnValuesOnConditionCheckFailure`), which tells each refusal apart
//! and refreshes what was kept; a stale memory costs a retry, never a wrong answer. A consistent
//! read of the window beside the transaction gives `X-RateLimit-Remaining` without a round of its
//! own. A cold container first reads the key: one more round.

use super::authorize::{failed, revoked};
use super::key_format::ApiKey;
use super::key_record::KeyRecord;
use super::key_source::presented_key;
use super::quota;
use super::rate_limit::window_start;
use super::Need;
use crate::error::Refusal;
use crate::http::source_ip;
use crate::known::KnownKey;
use crate::plans::{Action, Plan};
use crate::request_scope::{defer, set_rate_headers, RateHeaders};
use crate::store::keys::{self, Lookup};
use crate::store::quota as stored_quota;
use crate::store::usage::{self, SeenWindow};
use crate::store::{Transaction, TxError};
use crate::time::Timestamp;
use crate::{App, Error, Result};
use lambda_http::Request;

/// The labels of the access writes in a request's transaction.
const KEY: &str = "key unchanged";
const QUOTA: &str = "account's quota";
const WINDOW: &str = "key's minute window";

/// Memory found stale (or the write contended) more often than this in one request: give up.
const ATTEMPTS: usize = 4;

/// A caller whose key passed every check that the key itself decides, ready to send the request's
/// write with the access writes ([`Gate::send`]) or just to count the call ([`Gate::count`]).
pub struct Gate<'r> {
    app: &'r App,
    req: &'r Request,
    action: Action,
    project: Option<&'r str>,
    known: KnownKey,
    now: Timestamp,
    /// Marks this request in its window (see `store::usage::window_write`).
    token: String,
}

/// What became of a request's write.
pub(crate) enum Sent {
    /// Written, and the call counted.
    Done,
    /// The route's own conditions failed (nothing was written); the call was counted.
    Refused(TxError),
}

/// Checks the caller's key as far as the key decides (validity, restrictions, use case, role), from
/// memory when the container knows it, else after reading it.
pub async fn gate<'r>(app: &'r App, req: &'r Request, need: Need<'r>) -> Result<Gate<'r>> {
    let presented = presented_key(req).ok_or(Error::MissingKey)?;
    // A malformed key costs no database read.
    let key = ApiKey::parse(&presented).ok_or(Error::KeyRefused(Refusal::Unknown))?;
    let digest = key.digest();
    let now = Timestamp::now();
    let token = uuid::Uuid::new_v4().simple().to_string();
    let (known, from_memory) = match app.known.key(&digest) {
        Some(known) => (known, true),
        None => (read_key(app, req, &digest, now).await?, false),
    };
    let mut gate = Gate { app, req, action: need.action, project: need.project, known, now, token };
    if from_memory && gate.decides().is_err() {
        // Memory may be behind a change that lifted the refusal: only the stored key refuses.
        app.known.forget_key(&digest);
        gate.known = read_key(app, req, &digest, now).await?;
    }
    if let Err(refusal) = gate.decides() {
        app.known.forget_key(&digest);
        return Err(gate.counted_refusal(refusal).await);
    }
    Ok(gate)
}

/// Reads a key the container does not know (or no longer trusts) and keeps it; a revoked or
/// unknown key is refused as the access check refuses it.
async fn read_key(app: &App, req: &Request, digest: &str, now: Timestamp) -> Result<KnownKey> {
    let record = match keys::lookup(app, digest).await? {
        Lookup::Live(record) => *record,
        other => return Err(revoked(app, req, other, now).await),
    };
    // A key used before says which plan its account had; a wrong guess costs one retry.
    let plan = record.plan_hint.unwrap_or(Plan::Free);
    let known = KnownKey { record, plan };
    app.known.keep_key(known.clone());
    Ok(known)
}

impl Gate<'_> {
    /// The key as kept (proven current by the request's transaction).
    pub fn key(&self) -> &KeyRecord {
        &self.known.record
    }

    /// The refusals the key decides on its own.
    fn decides(&self) -> Result<()> {
        let record = &self.known.record;
        if let Err(refusal) = record.check_validity(self.now, source_ip(self.req), self.project) {
            return Err(Error::KeyRefused(refusal));
        }
        if let Some(message) = record.forbids(self.action) {
            return Err(Error::Forbidden(message));
        }
        Ok(())
    }

    /// A refusal of the key itself is counted in the client's failed-authentication window.
    async fn counted_refusal(&self, refusal: Error) -> Error {
        match refusal {
            Error::KeyRefused(refusal) => failed(self.app, self.req, refusal, self.now).await,
            other => other,
        }
    }

    /// The key's per-minute limit: its own, never above its plan's (even after a downgrade).
    fn per_minute(&self) -> u32 {
        let plan_limit = self.known.plan.limits().per_key_per_minute;
        self.known.record.rate_limit_per_minute.map_or(plan_limit, |own| own.min(plan_limit))
    }

    /// Counts the call alone: for a request answered without a write of its own (a body that
    /// breaks a rule). A refusal of the key, the plan or a limit comes before the route's answer.
    pub async fn count(&mut self) -> Result<()> {
        match self.send(Transaction::new()).await? {
            Sent::Done => Ok(()),
            Sent::Refused(err) => Err(err.into()),
        }
    }

    /// Sends the route's `writes` in one transaction with the access writes.
    pub(crate) async fn send(&mut self, writes: Transaction) -> Result<Sent> {
        for _ in 0..ATTEMPTS {
            // A window known full stays full until it turns: refused with no call at all, so a
            // client past its limit cannot keep the items of its writes busy.
            let (limit, subject) = (self.per_minute(), self.known.record.id.to_string());
            if let Some(reset) = self.app.known.full_until(&subject, limit, self.now.unix_seconds()) {
                set_rate_headers(RateHeaders { limit, remaining: 0, reset });
                return Err(Error::RateLimited { per: "this key", limit, reset });
            }
            let transaction = self.access_writes()?.append(writes.clone());
            let record = &self.known.record;
            let start = window_start(self.now);
            let (sent, seen) = tokio::join!(
                transaction.send(self.app),
                usage::read_window(self.app, record.id.as_str(), start, &self.token)
            );
            let err = match sent {
                Ok(()) => {
                    // Only the headers depend on the read: a failed one must not fail a write.
                    self.counted(seen.unwrap_or_else(|err| {
                        tracing::warn!(error = %err, "could not read the key's window");
                        Default::default()
                    }));
                    return Ok(Sent::Done);
                }
                Err(err) => err,
            };
            if err.failed(KEY) {
                self.refresh_key(&err).await?;
                continue;
            }
            if err.failed(QUOTA) {
                match stored_quota::refused(err.handed_back(QUOTA))? {
                    None => {
                        self.app.known.forget_key(&self.known.record.digest);
                        return Err(Error::KeyRefused(Refusal::AccountGone));
                    }
                    Some(account) if account.plan != self.known.plan => {
                        self.learn_plan(account.plan);
                        continue;
                    }
                    Some(account) => {
                        self.not_counted(seen.as_ref().ok().copied());
                        return Err(quota::refusal_error(account, self.action, self.now, self.req.method().as_str()));
                    }
                }
            }
            if err.failed(WINDOW) {
                let reset = start + 60;
                self.app.known.window_full(&subject, reset, limit);
                set_rate_headers(RateHeaders { limit, remaining: 0, reset });
                return Err(Error::RateLimited { per: "this key", limit, reset });
            }
            if err.any_failed() {
                // Only the route's own conditions failed: the call still counts, as every answer
                // after the access check does.
                if !writes.is_empty() {
                    // Boxed: the count is this same function, once more, with no writes of its own.
                    Box::pin(self.count()).await?;
                }
                return Ok(Sent::Refused(err));
            }
            return Err(err.into());
        }
        Err(Error::Unavailable("the key or its account kept changing during the request".into()))
    }

    /// The three access writes.
    fn access_writes(&self) -> Result<Transaction> {
        let record = &self.known.record;
        let account = record.account_id.as_str();
        let allowed = Plan::ALL.into_iter().filter(|plan| plan.allows(self.action));
        let quota = stored_quota::take_call_write(
            self.app,
            account,
            &self.now.month_key(),
            &self.now.previous_month_key(),
            self.known.plan,
            allowed,
            |plan| plan.limits().calls_per_month,
        )?;
        let start = window_start(self.now);
        let window = usage::window_write(self.app, record.id.as_str(), start, self.per_minute(), &self.token)?;
        Ok(Transaction::new()
            .check(KEY, keys::unchanged_check(self.app, record)?)
            .update(QUOTA, quota)
            .update(WINDOW, window))
    }

    /// The key changed since it was kept: keep it as it is now and check it again.
    async fn refresh_key(&mut self, err: &TxError) -> Result<()> {
        let digest = self.known.record.digest.clone();
        match keys::lookup_of(err.handed_back(KEY).cloned())? {
            Lookup::Live(record) if record.account_id == self.known.record.account_id => {
                self.known.record = *record;
                self.app.known.keep_key(self.known.clone());
                if let Err(refusal) = self.decides() {
                    self.app.known.forget_key(&digest);
                    return Err(self.counted_refusal(refusal).await);
                }
                Ok(())
            }
            other => {
                self.app.known.forget_key(&digest);
                Err(revoked(self.app, self.req, other, self.now).await)
            }
        }
    }

    /// The account's plan is not the one kept: keep the real one (and hint it on the key).
    fn learn_plan(&mut self, plan: Plan) {
        self.known.plan = plan;
        self.app.known.keep_key(self.known.clone());
        let (app, digest) = (self.app.clone(), self.known.record.digest.clone());
        defer(async move {
            if let Err(err) = keys::hint_plan(&app, &digest, plan).await {
                tracing::warn!(error = %err, "could not record a key's plan hint");
            }
        });
    }

    /// The request was counted in its window: the rate headers, and "last used" once a minute.
    fn counted(&self, seen: SeenWindow) {
        let limit = self.per_minute();
        // The read beside the transaction saw the window either with this request or just before it.
        let hits = if seen.includes_own { seen.hits } else { seen.hits + 1 };
        let reset = window_start(self.now) + 60;
        set_rate_headers(RateHeaders { limit, remaining: u64::from(limit).saturating_sub(hits) as u32, reset });
        if hits == 1 {
            let (app, digest, now) = (self.app.clone(), self.known.record.digest.clone(), self.now);
            defer(async move {
                if let Err(err) = keys::touch_last_used(&app, &digest, now).await {
                    tracing::warn!(error = %err, "could not record when a key was last used");
                }
            });
        }
    }

    /// The request was refused before its window counted it.
    fn not_counted(&self, seen: Option<SeenWindow>) {
        let limit = self.per_minute();
        let hits = seen.map_or(0, |seen| seen.hits);
        let reset = window_start(self.now) + 60;
        set_rate_headers(RateHeaders { limit, remaining: u64::from(limit).saturating_sub(hits) as u32, reset });
    }
}
