//! The monthly call quota (SPEC §2): per account, per calendar month (UTC), exact under
//! concurrency. One conditional update on the account item proves that the account exists, that
//! its plan allows the action, and that it has a call left — and takes the call — atomically.
//! With N calls left and M > N parallel requests, DynamoDB serialises the updates on the item and
//! exactly N pass the condition.

use crate::plans::{Action, Plan};
use crate::request_scope::db_call;
use crate::store::accounts::{calls_attribute, calls_in, Account};
use crate::store::plan_conditions::{plan_in, under_plan_limit};
use crate::store::{n, s, Item};
use crate::time::Timestamp;
use crate::{App, Error, Result};
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{ReturnValue, ReturnValuesOnConditionCheckFailure};

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
    let month = now.month_key();
    let allowed = plan_in(Plan::ALL.into_iter().filter(|plan| plan.allows(action)), "allow");
    let under = under_plan_limit("#calls", |plan| plan.limits().calls_per_month, "quota");
    let mut call = app
        .db
        .update_item()
        .table_name(&app.tables.accounts)
        .key("id", s(account))
        // The previous month's counter goes in the same write, so the item does not grow forever.
        .update_expression("SET #calls = if_not_exists(#calls, :zero) + :one REMOVE #previous")
        .condition_expression(format!("attribute_exists(id) AND {} AND {}", allowed.expression, under.expression))
        .expression_attribute_names("#calls", calls_attribute(&month))
        .expression_attribute_names("#previous", calls_attribute(&now.previous_month_key()))
        .expression_attribute_names("#plan", "plan")
        .expression_attribute_values(":zero", n(0))
        .expression_attribute_values(":one", n(1))
        .return_values(ReturnValue::AllNew)
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
    for (name, value) in allowed.values.into_iter().chain(under.values) {
        call = call.expression_attribute_values(name, value);
    }
    match db_call(call.send()).await {
        Ok(out) => {
            let item = out.attributes.unwrap_or_default();
            let calls = calls_in(&item, &month);
            Ok(Taken::Granted { account: serde_dynamo::from_item(item)?, calls })
        }
        Err(err) => match err.as_service_error() {
            Some(UpdateItemError::ConditionalCheckFailedException(failed)) => refusal(failed.item().cloned(), action),
            _ => Err(err.into()),
        },
    }
}

fn refusal(old: Option<Item>, action: Action) -> Result<Taken> {
    let Some(old) = old else {
        return Ok(Taken::AccountGone);
    };
    let account: Account = serde_dynamo::from_item(old)?;
    if !account.plan.allows(action) {
        return Ok(Taken::PlanForbids(account));
    }
    match account.plan.limits().calls_per_month {
        Some(limit) => Ok(Taken::Exhausted { account, limit }),
        None => Err(Error::internal("quota condition failed for an unlimited plan")),
    }
}

/// Gives back a call taken by a request that was refused afterwards (by the per-minute limit).
pub async fn give_back(app: &App, account: &str, now: Timestamp) -> Result<()> {
    let call = app
        .db
        .update_item()
        .table_name(&app.tables.accounts)
        .key("id", s(account))
        .update_expression("ADD #calls :minus_one")
        .condition_expression("attribute_exists(#calls)")
        .expression_attribute_names("#calls", calls_attribute(&now.month_key()))
        .expression_attribute_values(":minus_one", n(-1))
        .send();
    match db_call(call).await {
        Ok(_) => Ok(()),
        Err(err) if crate::store::failed_condition(&err) => Ok(()),
        Err(err) => Err(err.into()),
    }
}

/// Calls made this month, the limit (`None`: unlimited), what is left and when it resets.
#[derive(Clone, Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    pub calls: u64,
    pub limit: Option<u64>,
    pub remaining: Option<u64>,
    pub resets_at: Timestamp,
}
