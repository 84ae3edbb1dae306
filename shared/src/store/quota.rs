//! The month's call counter on the account item (the quota of `access::quota`): one conditional
//! update takes a call, so the count stays exact under concurrency (DynamoDB serialises the
//! updates on the item, and only as many pass the condition as there are calls left).

use super::accounts::{calls_attribute, calls_in, Account};
use super::plan_conditions::{plan_in, under_plan_limit};
use super::{failed_condition, n, s, Built, Item};
use crate::ids::AccountId;
use crate::plans::Plan;
use crate::request_scope::db_call;
use crate::{App, Result};
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{ReturnValue, ReturnValuesOnConditionCheckFailure, Update};

/// What taking a call found.
#[derive(Debug)]
pub enum Counted {
    /// Counted: the account as it is now, and the month's calls including this one.
    Taken { account: Account, calls: u64 },
    /// Not counted: the account's plan is not one of those allowed, or its calls are used up. The
    /// account as it was (`None`: there is no such account).
    Refused(Option<Account>),
}

/// Takes one call of `month` on the account if its plan is one of `allowed` and the month's
/// calls are below the plan's `limit` (`None`: unlimited).
pub async fn take_call(
    app: &App,
    account: &str,
    month: &str,
    previous_month: &str,
    allowed: impl IntoIterator<Item = Plan>,
    limit: impl Fn(Plan) -> Option<u64>,
) -> Result<Counted> {
    let allowed = plan_in(allowed, "allow");
    let under = under_plan_limit("#calls", limit, "quota");
    let mut call = app
        .db
        .update_item()
        .table_name(&app.tables.accounts)
        .key("id", s(account))
        // The previous month's counter goes in the same write, so the item does not grow forever.
        .update_expression("SET #calls = if_not_exists(#calls, :zero) + :one REMOVE #previous")
        .condition_expression(format!("attribute_exists(id) AND {} AND {}", allowed.expression, under.expression))
        .expression_attribute_names("#calls", calls_attribute(month))
        .expression_attribute_names("#previous", calls_attribute(previous_month))
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
            let calls = calls_in(&item, month);
            Ok(Counted::Taken { account: serde_dynamo::from_item(item)?, calls })
        }
        Err(err) => match err.as_service_error() {
            Some(UpdateItemError::ConditionalCheckFailedException(failed)) => match failed.item().cloned() {
                Some(old) => Ok(Counted::Refused(Some(serde_dynamo::from_item(old)?))),
                None => Ok(Counted::Refused(None)),
            },
            _ => Err(err.into()),
        },
    }
}

/// [`take_call`] as a write of a request's transaction, for an account whose plan the caller
/// believes is `known`: the condition also holds the plan to it (the caller's per-minute limit
/// depends on it). On failure the transaction hands back the account as it was (nothing: no such
/// account), which [`refused`] reads.
pub fn take_call_write(
    app: &App,
    account: &str,
    month: &str,
    previous_month: &str,
    known: Plan,
    allowed: impl IntoIterator<Item = Plan>,
    limit: impl Fn(Plan) -> Option<u64>,
) -> Result<Update> {
    let allowed = plan_in(allowed, "allow");
    let under = under_plan_limit("#calls", limit, "quota");
    let condition =
        format!("attribute_exists(id) AND #plan = :known AND {} AND {}", allowed.expression, under.expression);
    let mut update = Update::builder()
        .table_name(&app.tables.accounts)
        .key("id", s(account))
        .update_expression("SET #calls = if_not_exists(#calls, :zero) + :one REMOVE #previous")
        .condition_expression(condition)
        .expression_attribute_names("#calls", calls_attribute(month))
        .expression_attribute_names("#previous", calls_attribute(previous_month))
        .expression_attribute_names("#plan", "plan")
        .expression_attribute_values(":zero", n(0))
        .expression_attribute_values(":one", n(1))
        .expression_attribute_values(":known", s(known.as_str()))
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
    for (name, value) in allowed.values.into_iter().chain(under.values) {
        update = update.expression_attribute_values(name, value);
    }
    update.built()
}

/// The account a failed [`take_call_write`] handed back (`None`: there is no such account).
pub fn refused(handed_back: Option<&Item>) -> Result<Option<Account>> {
    Ok(handed_back.map(|item| serde_dynamo::from_item(item.clone())).transpose()?)
}

/// Gives back a call taken in `month` (none is given back when none was counted).
pub async fn give_back(app: &App, account: &str, month: &str) -> Result<()> {
    let call = app
        .db
        .update_item()
        .table_name(&app.tables.accounts)
        .key("id", s(account))
        .update_expression("ADD #calls :minus_one")
        .condition_expression("attribute_exists(#calls)")
        .expression_attribute_names("#calls", calls_attribute(month))
        .expression_attribute_values(":minus_one", n(-1))
        .send();
    match db_call(call).await {
        Ok(_) => Ok(()),
        Err(err) if failed_condition(&err) => Ok(()),
        Err(err) => Err(err.into()),
    }
}

/// Sets the calls counted in `month` of an existing account.
pub async fn set_calls(app: &App, account: &AccountId, month: &str, calls: u64) -> Result<()> {
    let call = app
        .db
        .update_item()
        .table_name(&app.tables.accounts)
        .key("id", s(account.as_str()))
        .update_expression("SET #calls = :calls")
        .condition_expression("attribute_exists(id)")
        .expression_attribute_names("#calls", calls_attribute(month))
        .expression_attribute_values(":calls", n(calls))
        .send();
    db_call(call).await?;
    Ok(())
}
