//! `hearken-admin`: bootstrap without a dashboard. Each command prints exactly one JSON object on
//! stdout (an `{"error": …}` object and exit code 1 when it fails). It uses the same environment
//! as the local gateway (or the deployed `*_TABLE` variables against real AWS).

use hearken::admin;
use hearken::ids::AccountId;
use hearken::plans::Plan;
use hearken_local::stack::app_from_env;
use hearken_local::template::Template;
use serde_json::{json, Value};
use std::process::ExitCode;

const USAGE: &str = "usage:
  hearken-admin create-account --name NAME --plan FREE|STARTER|PRO|BUSINESS
  hearken-admin create-project --account ACCOUNT_ID --name NAME [--slug SLUG]
  hearken-admin set-plan --account ACCOUNT_ID --plan PLAN
  hearken-admin rollup      (the nightly rollup's handler, run now against these tables)";

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
        "rollup" => {
            // The scheduled function's own handler, with Lambda's 15-minute budget.
            let deadline = hearken::time::Timestamp::now().unix_millis() as u64 + 15 * 60 * 1000;
            let report = hearken_rollup::handle(&app, json!({}), deadline).await.map_err(failed)?;
            Ok(serde_json::to_value(report).map_err(|e| (e.to_string(), 1))?)
        }
        other => Err((format!("unknown command '{other}'\n{USAGE}"), 2)),
    }
}
