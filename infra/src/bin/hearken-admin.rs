//! `hearken-admin`: bootstrap and break-glass without a dashboard. Each command prints exactly one
//! JSON object on stdout (an `{"error": …}` object and exit code 1 when it fails). It uses the
//! same environment as the local gateway (or the deployed `*_TABLE` variables against real AWS:
//! `eval "$(make -s admin-env STACK=…)"`). Against AWS, credentials come from the standard chain,
//! SSO (IAM Identity Center) and `credential_process` profiles included (`AWS_PROFILE`), so an
//! organisation's engineer creates the first account with the login they already have.

use hearken::access::Role;
use hearken::admin;
use hearken::ids::{AccountId, KeyId, ProjectId};
use hearken::plans::Plan;
use hearken_local::stack::app_from_env;
use hearken_local::template::Template;
use serde_json::{json, Value};
use std::process::ExitCode;

const USAGE: &str = "usage:
  hearken-admin create-account --name NAME --plan FREE|STARTER|PRO|BUSINESS
  hearken-admin create-project --account ACCOUNT_ID --name NAME [--slug SLUG]
  hearken-admin set-plan --account ACCOUNT_ID --plan PLAN
  hearken-admin create-key --account ACCOUNT_ID --name NAME --role owner|member
                            (a FULL sk_live_ key; its secret is printed once: the way back in)
  hearken-admin list-keys --account ACCOUNT_ID      (never a secret or a digest)
  hearken-admin disable-key --account ACCOUNT_ID --key KEY_ID
  hearken-admin delete-key --account ACCOUNT_ID --key KEY_ID
                            (both keep the last-owner guard: create an owner key first)
  hearken-admin restrict-key --account ACCOUNT_ID --key KEY_ID [--projects P1,P2] [--ips CIDR,...] [--rate-limit N]
                            (any key, mbk_ included; an empty list, --projects '', lifts that restriction)
  hearken-admin rotate-project-key --project PROJECT_ID
                            (any plan; the old mbk_ key is refused at once as regenerated)
  hearken-admin migrate-key-pointers   (once after upgrading: id#<key> pointers to id#<account>#<key>)
  hearken-admin recount-owner-keys     (once after upgrading: ownerKeys under the current rule)
  hearken-admin rollup      (the nightly rollup's handler, run now against these tables)

Against a deployed stack: eval \"$(make -s admin-env STACK=hearken-prod REGION=eu-west-1)\", with
credentials from the standard chain (AWS_PROFILE may name an SSO or credential_process profile).";

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args).await {
        Ok(output) => {
            println!("{output}");
            ExitCode::SUCCESS
        }
        Err((message, code)) => {
            println!("{}", json!({ "error": message }));
            ExitCode::from(code)
        }
    }
}

/// `--name value` pairs after the command.
fn option<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.windows(2).find(|pair| pair[0] == name).map(|pair| pair[1].as_str())
}

fn required<'a>(args: &'a [String], name: &str) -> Result<&'a str, (String, u8)> {
    option(args, name).ok_or_else(|| (format!("missing {name}\n{USAGE}"), 2))
}

fn plan(args: &[String]) -> Result<Plan, (String, u8)> {
    let text = required(args, "--plan")?;
    Plan::parse(text).ok_or_else(|| (format!("unknown plan '{text}': use FREE, STARTER, PRO or BUSINESS"), 2))
}

fn account(args: &[String]) -> Result<AccountId, (String, u8)> {
    let text = required(args, "--account")?;
    AccountId::parse(text).ok_or_else(|| (format!("'{text}' is not an account id (acc_…)"), 2))
}

fn key(args: &[String]) -> Result<KeyId, (String, u8)> {
    let text = required(args, "--key")?;
    KeyId::parse(text).ok_or_else(|| (format!("'{text}' is not a key id (key_…)"), 2))
}

fn project(args: &[String]) -> Result<ProjectId, (String, u8)> {
    let text = required(args, "--project")?;
    ProjectId::parse(text).ok_or_else(|| (format!("'{text}' is not a project id (proj_…)"), 2))
}

fn role(args: &[String]) -> Result<Role, (String, u8)> {
    match required(args, "--role")?.to_ascii_lowercase().as_str() {
        "owner" => Ok(Role::Owner),
        "member" => Ok(Role::Member),
        other => Err((format!("unknown role '{other}': use owner or member"), 2)),
    }
}

fn to_json(value: impl serde::Serialize) -> Result<Value, (String, u8)> {
    serde_json::to_value(value).map_err(|e| (e.to_string(), 1))
}

async fn run(args: &[String]) -> Result<Value, (String, u8)> {
    let command = args.first().map(String::as_str).ok_or_else(|| (USAGE.to_owned(), 2))?;
    let template = Template::load_default().map_err(|e| (e, 1))?;
    let app = app_from_env(&template).await.map_err(|e| (e, 1))?;
    let failed = |err: hearken::Error| (err.to_string(), 1);
    match command {
        "create-account" => {
            let (name, plan) = (required(args, "--name")?, plan(args)?);
            let (account, owner_key) = admin::create_account(&app, name, plan).await.map_err(failed)?;
            Ok(json!({ "accountId": account.id, "plan": account.plan, "ownerKey": owner_key.expose() }))
        }
        "create-project" => {
            let (account, name) = (account(args)?, required(args, "--name")?);
            let (project, key) =
                admin::create_project(&app, &account, name, option(args, "--slug")).await.map_err(failed)?;
            Ok(json!({ "projectId": project.id, "slug": project.slug, "apiKey": key.expose() }))
        }
        "set-plan" => {
            let (account, plan) = (account(args)?, plan(args)?);
            admin::set_plan(&app, &account, plan).await.map_err(failed)?;
            Ok(json!({ "accountId": account, "plan": plan }))
        }
        "create-key" => {
            let (account, name, role) = (account(args)?, required(args, "--name")?, role(args)?);
            let (record, secret) = admin::create_key(&app, &account, name, role).await.map_err(failed)?;
            let mut view = to_json(hearken::api_keys::KeyView::of(&record))?;
            view["key"] = json!(secret.expose());
            Ok(view)
        }
        "list-keys" => {
            let account = account(args)?;
            let keys = admin::list_keys(&app, &account).await.map_err(failed)?;
            Ok(json!({ "accountId": account, "keys": keys }))
        }
        "disable-key" => {
            let (account, key) = (account(args)?, key(args)?);
            to_json(admin::disable_key(&app, &account, &key).await.map_err(failed)?)
        }
        "restrict-key" => {
            let (account, key) = (account(args)?, key(args)?);
            let list = |name: &str| {
                option(args, name)
                    .map(|text| json!(text.split(',').map(str::trim).filter(|t| !t.is_empty()).collect::<Vec<_>>()))
            };
            let mut changes = serde_json::Map::new();
            if let Some(projects) = list("--projects") {
                changes.insert("allowedProjects".into(), projects);
            }
            if let Some(ips) = list("--ips") {
                changes.insert("allowedIps".into(), ips);
            }
            if let Some(limit) = option(args, "--rate-limit") {
                let limit: u32 =
                    limit.parse().map_err(|_| (format!("--rate-limit must be a whole number\n{USAGE}"), 2))?;
                changes.insert("rateLimitPerMinute".into(), json!(limit));
            }
            if changes.is_empty() {
                return Err((format!("restrict-key needs --projects, --ips or --rate-limit\n{USAGE}"), 2));
            }
            to_json(admin::restrict_key(&app, &account, &key, Value::Object(changes)).await.map_err(failed)?)
        }
        "delete-key" => {
            let (account, key) = (account(args)?, key(args)?);
            admin::delete_key(&app, &account, &key).await.map_err(failed)?;
            Ok(json!({ "id": key, "deleted": true }))
        }
        "rotate-project-key" => {
            let project = project(args)?;
            let (project, key) = admin::rotate_project_key(&app, &project).await.map_err(failed)?;
            Ok(json!({ "projectId": project.id, "keyId": project.key_id, "apiKey": key.expose() }))
        }
        "migrate-key-pointers" => to_json(admin::migrate_key_pointers(&app).await.map_err(failed)?),
        "recount-owner-keys" => to_json(admin::recount_owner_keys(&app).await.map_err(failed)?),
        "rollup" => {
            // The scheduled function's own handler, with Lambda's 15-minute budget.
            let deadline = hearken::time::Timestamp::now().unix_millis() as u64 + 15 * 60 * 1000;
            let report = hearken_rollup::handle(&app, json!({}), deadline).await.map_err(failed)?;
            to_json(report)
        }
        other => Err((format!("unknown command '{other}'\n{USAGE}"), 2)),
    }
}
