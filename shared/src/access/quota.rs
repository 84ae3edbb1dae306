//! The monthly call quota (SPEC §2): per account, per calendar month (UTC), exact under
//! concurrency. One conditional update on the account item proves that the account exists, that
//! its plan allows the action, and that it has a call left — and takes the call — atomically.
//! With N calls left and M > N parallel requests, DynamoDB serialises the updates on the item and
//! exactly N pass the condition.

use crate::plans::{Action, Plan};
use crate::store::accounts::Account;
use crate::store::quota::{self as stored, Counted};
use crate::time::Timestamp;
use crate::{App, Error, Result};

/// What taking a call found.
#[derive(Debug)]
pub enum Taken {
    /// The call was counted; `calls` is the month's count including it.
    Granted { account: Account, calls: u64 },
    /// No such account (deleted since the key was made).
    AccountGone,
    /// The account's plan does not allow the action; nothing was counted.
    PlanForbids(Account),
    /// The month's calls are used up; nothing was counted.
    Exhausted { account: Account, limit: u64 },
}

/// Takes one call of the month's quota for `action`, if the plan allows it and calls are left.
pub async fn take_call(app: &App, account: &str, action: Action, now: Timestamp) -> Result<Taken> {
    let allowed = Plan::ALL.into_iter().filter(|plan| plan.allows(action));
    let limit = |plan: Plan| plan.limits().calls_per_month;
    match stored::take_call(app, account, &now.month_key(), &now.previous_month_key(), allowed, limit).await? {
        Counted::Taken { account, calls } => Ok(Taken::Granted { account, calls }),
        Counted::Refused(None) => Ok(Taken::AccountGone),
        Counted::Refused(Some(account)) => refusal(account, action),
    }
}

fn refusal(account: Account, action: Action) -> Result<Taken> {
    if !account.plan.allows(action) {
        return Ok(Taken::PlanForbids(account));
    }
    match account.plan.limits().calls_per_month {
        Some(limit) => Ok(Taken::Exhausted { account, limit }),
        None => Err(Error::internal("quota condition failed for an unlimited plan")),
    }
}

/// The answer to a call the account's plan does not allow, or for which no call is left.
pub fn refusal_error(account: Account, action: Action, now: Timestamp, method: &str) -> Error {
    if !account.plan.allows(action) {
        if action.is_surveys() {
            return Error::PlanTooLow { needed: Plan::cheapest_allowing(action), current: account.plan };
        }
        return Error::PaidPlansOnly { method: method.to_owned() };
    }
    match account.plan.limits().calls_per_month {
        Some(limit) => Error::MonthlyQuota { plan: account.plan, limit, resets: now.next_month_start() },
        None => Error::internal("quota condition failed for an unlimited plan"),
    }
}

/// Gives back a call taken by a request that was refused afterwards (by the per-minute limit).
pub async fn give_back(app: &App, account: &str, now: Timestamp) -> Result<()> {
    stored::give_back(app, account, &now.month_key()).await
}

/// Calls made this month, the limit (`null`: unlimited), what is left and when it resets.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    /// Calls counted this calendar month (UTC), this one included.
    pub calls: u64,
    /// The plan's calls per month; `null`: unlimited.
    #[schema(required = true)]
    pub limit: Option<u64>,
    /// Calls left this month; `null`: unlimited.
    #[schema(required = true)]
    pub remaining: Option<u64>,
    /// When the count starts again: the first instant of next month (UTC).
    pub resets_at: Timestamp,
}
