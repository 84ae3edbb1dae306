//! Accounts: one item each, which also carries the current month's call counter (see
//! `access::quota`) and the number of projects (for the plan's project limit).

use super::{failed_condition, get_with_item, s, Built, Item, Transaction};
use crate::access::KeyRecord;
use crate::ids::AccountId;
use crate::plans::Plan;
use crate::request_scope::db_call;
use crate::time::Timestamp;
use crate::{App, Error, Result};
use aws_sdk_dynamodb::types::Put;
use serde::{Deserialize, Serialize};

/// An account item.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    pub id: AccountId,
    pub name: String,
    pub plan: Plan,
    pub created_at: Timestamp,
    #[serde(default)]
    pub project_count: u64,
    /// Owner keys that can always manage keys (`sk_live_`, role owner, FULL, enabled, no expiry,
    /// an IP list that admits someone; see `store::keys::counts_as_owner`): never allowed to fall
    /// to zero, or nobody could manage the account's keys.
    #[serde(default)]
    pub owner_keys: u64,
}

/// The attribute holding the calls of a month (`calls#2025-01`).
pub fn calls_attribute(month_key: &str) -> String {
    format!("calls#{month_key}")
}

/// Calls counted for the month in an account item.
pub fn calls_in(item: &Item, month_key: &str) -> u64 {
    super::number(item, &calls_attribute(month_key)).unwrap_or(0).max(0) as u64
}

/// Reads an account (strongly consistent).
pub async fn get(app: &App, id: &AccountId) -> Result<Option<(Account, Item)>> {
    get_with_item(app.db.get_item().table_name(&app.tables.accounts).key("id", s(id.as_str())).consistent_read(true))
        .await
}

/// Stores a new account and its first owner key, together or not at all.
pub async fn create(app: &App, account: &Account, owner_key: &KeyRecord) -> Result<()> {
    let put = Put::builder()
        .table_name(&app.tables.accounts)
        .set_item(Some(serde_dynamo::to_item(account)?))
        .condition_expression("attribute_not_exists(id)")
        .built()?;
    let writes = Transaction::new().put("account", put).writes("new key", super::keys::store_new(app, owner_key)?);
    Ok(writes.send(app).await?)
}

/// Changes an account's plan; `NotFound` when there is no such account.
pub async fn set_plan(app: &App, id: &AccountId, plan: Plan) -> Result<()> {
    let result = app
        .db
        .update_item()
        .table_name(&app.tables.accounts)
        .key("id", s(id.as_str()))
        .update_expression("SET #plan = :plan")
        .condition_expression("attribute_exists(id)")
        .expression_attribute_names("#plan", "plan")
        .expression_attribute_values(":plan", s(plan.as_str()))
        .send();
    match db_call(result).await {
        Ok(_) => Ok(()),
        Err(err) if failed_condition(&err) => Err(Error::NotFound("Account not found")),
        Err(err) => Err(err.into()),
    }
}
