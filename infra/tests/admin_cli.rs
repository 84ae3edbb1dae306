//! `hearken-admin` against DynamoDB Local: each command prints exactly one JSON object, and the
//! keys it prints work; `rollup` (what `make rollup` runs) rolls up the tables it is pointed at.

use hearken::access::ApiKey;
use hearken::analytics::DateRange;
use hearken::ids::SurveyId;
use hearken::store::rollups;
use hearken::App;
use hearken_local::template::Template;
use hearken_local::{stack, tables};
use serde_json::Value;
use std::process::Command;

/// Tables under a fresh prefix, removed when the guard drops (even when the test fails).
struct Tables {
    template: Template,
    prefix: String,
}

impl Tables {
    async fn create() -> Tables {
        std::env::var("AWS_ENDPOINT_URL_DYNAMODB").expect("run `make test`: it starts DynamoDB Local");
        let template = Template::load_default().unwrap();
        let prefix = format!("admin{}-", &uuid::Uuid::new_v4().simple().to_string()[..8]);
        tables::create_all(&stack::client().await, &template, &prefix).await.unwrap();
        Tables { template, prefix }
    }
}

impl Drop for Tables {
    fn drop(&mut self) {
        let (template, prefix) = (self.template.clone(), self.prefix.clone());
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async { tables::delete_all(&stack::client().await, &template, &prefix).await });
        })
        .join();
    }
}

fn admin(prefix: &str, args: &[&str]) -> (i32, Value) {
    let output = Command::new(env!("CARGO_BIN_EXE_hearken-admin"))
        .args(args)
        .env("HEARKEN_TABLE_PREFIX", prefix)
        // As on a fresh machine: no credentials, no region, no ~/.aws — DynamoDB Local needs none.
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .env("HOME", std::env::temp_dir())
        .output()
        .expect("hearken-admin runs");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 1, "exactly one line of JSON: {stdout:?}");
    (output.status.code().unwrap_or(-1), serde_json::from_str(&stdout).expect("stdout is JSON"))
}

#[tokio::test]
async fn admin_commands_bootstrap_an_account_and_a_project() {
    let tables = Tables::create().await;
    let prefix = tables.prefix.as_str();

    let (code, account) = admin(prefix, &["create-account", "--name", "Acme", "--plan", "starter"]);
    assert_eq!(code, 0, "{account}");
    assert_eq!(account["plan"], "STARTER");
    let account_id = account["accountId"].as_str().unwrap().to_owned();
    assert!(account_id.starts_with("acc_"));
    assert!(ApiKey::parse(account["ownerKey"].as_str().unwrap()).is_some_and(|k| k.expose().starts_with("sk_live_")));

    let (code, project) = admin(prefix, &["create-project", "--account", &account_id, "--name", "My Website"]);
    assert_eq!(code, 0, "{project}");
    assert_eq!(project["slug"], "my-website");
    assert!(project["projectId"].as_str().unwrap().starts_with("proj_"));
    assert!(ApiKey::parse(project["apiKey"].as_str().unwrap()).is_some_and(|k| k.expose().starts_with("mbk_")));

    let (code, clash) =
        admin(prefix, &["create-project", "--account", &account_id, "--name", "Again", "--slug", "my-website"]);
    assert_eq!(code, 1);
    assert_eq!(clash["error"], "A project with the slug 'my-website' already exists");

    let (code, changed) = admin(prefix, &["set-plan", "--account", &account_id, "--plan", "PRO"]);
    assert_eq!((code, changed), (0, serde_json::json!({"accountId": account_id, "plan": "PRO"})));

    let (code, bad) = admin(prefix, &["set-plan", "--account", &account_id, "--plan", "GOLD"]);
    assert_eq!(code, 2);
    assert!(bad["error"].as_str().unwrap().contains("unknown plan"));
    let (code, missing) = admin(prefix, &["create-project", "--account", "acc_0000000000000000000000", "--name", "X"]);
    assert_eq!((code, missing["error"].as_str()), (1, Some("Account not found")));
}

#[tokio::test]
async fn the_free_plan_allows_one_project() {
    let tables = Tables::create().await;
    let prefix = tables.prefix.as_str();
    let (_, account) = admin(prefix, &["create-account", "--name", "Solo", "--plan", "FREE"]);
    let id = account["accountId"].as_str().unwrap();
    assert_eq!(admin(prefix, &["create-project", "--account", id, "--name", "One"]).0, 0);
    let (code, refused) = admin(prefix, &["create-project", "--account", id, "--name", "Two"]);
    assert_eq!(
        (code, refused["error"].as_str()),
        (1, Some("Project limit reached. Upgrade your plan to create more projects."))
    );
}

#[tokio::test]
async fn rollup_rolls_up_the_marked_days_of_the_tables_it_is_given_once() {
    let tables = Tables::create().await;
    let prefix = tables.prefix.as_str();
    let app = App::new(stack::client().await, tables::tables_for(&tables.template, prefix).unwrap());
    let survey = SurveyId::generate();
    let yesterday = hearken::rollup::today().pred_opt().unwrap();
    rollups::mark(&app, &survey, yesterday).await.unwrap();

    let (code, report) = admin(prefix, &["rollup"]);
    assert_eq!(code, 0, "{report}");
    assert_eq!((report["days"].as_u64(), report["stoppedEarly"].as_bool()), (Some(1), Some(false)), "{report}");
    let range = DateRange { from: yesterday, to: yesterday };
    let days = rollups::days(&app, &survey, range).await.unwrap();
    assert!(days.live.is_empty() && days.rolled_up.contains_key(&yesterday), "read from its rollup: {days:?}");

    let (code, again) = admin(prefix, &["rollup"]);
    assert_eq!((code, again["days"].as_u64()), (0, Some(0)), "nothing left to do: {again}");
}
