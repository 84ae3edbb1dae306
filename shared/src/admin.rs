//! Bootstrap operations without a dashboard: create an account with its owner key, create a
//! project with its `mbk_` key, change a plan. Used by the `hearken-admin` CLI and by tests.

use crate::access::{ApiKey, Family, NewKey, Role, UseCase};
use crate::ids::{AccountId, ProjectId};
use crate::plans::Plan;
use crate::request_scope::db_call;
use crate::store::accounts::{self, Account};
use crate::store::projects::{self, Project};
use crate::store::s;
use crate::time::Timestamp;
use crate::{slug, App, Error, Result};
use aws_sdk_dynamodb::types::{Put, TransactWriteItem};

/// Creates an account and its first owner key (`sk_live_…`, FULL), together or not at all.
pub async fn create_account(app: &App, name: &str, plan: Plan) -> Result<(Account, ApiKey)> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::bad_request("Account name is required"));
    }
    let account = Account {
        id: AccountId::generate(),
        name: name.to_owned(),
        plan,
        created_at: Timestamp::now(),
        project_count: 0,
        owner_keys: 1,
    };
    let (secret, key) = NewKey {
        family: Family::Account,
        account_id: account.id.clone(),
        project_id: None,
        name: "Owner key".to_owned(),
        role: Role::Owner,
        use_case: UseCase::Full,
    }
    .issue();
    let put_account = Put::builder()
        .table_name(&app.tables.accounts)
        .set_item(Some(serde_dynamo::to_item(&account)?))
        .condition_expression("attribute_not_exists(id)")
        .build()
        .map_err(Error::internal)?;
    let mut items = vec![TransactWriteItem::builder().put(put_account).build()];
    items.extend(crate::store::keys::store_new(app, &key)?);
    crate::store::transact(app, items).await?;
    Ok((account, secret))
}

/// Creates a project (slug derived from the name when absent) and its `mbk_` key.
pub async fn create_project(
    app: &App,
    account: &AccountId,
    name: &str,
    slug: Option<&str>,
) -> Result<(Project, ApiKey)> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::bad_request("Project name is required"));
    }
    let slug = match slug {
        Some(given) => slug::validate(given)?,
        None => slug::derive(name),
    };
    let now = Timestamp::now();
    let id = ProjectId::generate();
    let (secret, key) = NewKey {
        family: Family::Project,
        account_id: account.clone(),
        project_id: Some(id.clone()),
        name: format!("Project key: {name}"),
        role: Role::Member,
        use_case: UseCase::Full,
    }
    .issue();
    let project = Project {
        id,
        account_id: account.clone(),
        name: name.to_owned(),
        slug,
        status: projects::ACTIVE.to_owned(),
        created_at: now,
        updated_at: now,
        allowed_domains: vec![],
        key_id: Some(key.id.clone()),
        key_digest: Some(key.digest.clone()),
    };
    projects::create(app, &project, Some(&key)).await?;
    Ok((project, secret))
}

/// Changes an account's plan.
pub async fn set_plan(app: &App, account: &AccountId, plan: Plan) -> Result<()> {
    accounts::set_plan(app, account, plan).await
}

/// Sets the calls already counted this month (tests and support: "this account has N left").
pub async fn set_calls_this_month(app: &App, account: &AccountId, calls: u64) -> Result<()> {
    let attribute = accounts::calls_attribute(&Timestamp::now().month_key());
    let call = app
        .db
        .update_item()
        .table_name(&app.tables.accounts)
        .key("id", s(account.as_str()))
        .update_expression("SET #calls = :calls")
        .condition_expression("attribute_exists(id)")
        .expression_attribute_names("#calls", attribute)
        .expression_attribute_values(":calls", crate::store::n(calls))
        .send();
    db_call(call).await?;
    Ok(())
}
