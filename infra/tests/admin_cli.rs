//! `hearken-admin` against DynamoDB Local: each command prints exactly one JSON object, and the
//! keys it prints work.

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use hearken::access::ApiKey;
use hearken_local::tables;
use hearken_local::template::Template;
use serde_json::Value;
use std::process::Command;

fn client() -> aws_sdk_dynamodb::Client {
    let endpoint = std::env::var("AWS_ENDPOINT_URL_DYNAMODB")
        .expect("run `make test`: it starts DynamoDB Local");
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("local", "local", None, None, "tests"))
        .http_client(hearken::app::http_client())
        .endpoint_url(endpoint)
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

fn admin(prefix: &str, args: &[&str]) -> (i32, Value) {
    let output = Command::new(env!("CARGO_BIN_EXE_hearken-admin"))
        .args(args)
        .env("HEARKEN_TABLE_PREFIX", prefix)
        .env("AWS_ACCESS_KEY_ID", "local")
        .env("AWS_SECRET_ACCESS_KEY", "local")
        .env("AWS_REGION", "us-east-1")
        .output()
        .expect("hearken-admin runs");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        stdout.lines().count(),
        1,
        "exactly one line of JSON: {stdout:?}"
    );
    (
        output.status.code().unwrap_or(-1),
        serde_json::from_str(&stdout).expect("stdout is JSON"),
    )
}

#[tokio::test]
async fn admin_commands_bootstrap_an_account_and_a_project() {
    let template = Template::load_default().unwrap();
    let prefix = format!("admin{}-", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let client = client();
    tables::create_all(&client, &template, &prefix)
        .await
        .unwrap();

    let (code, account) = admin(
        &prefix,
        &["create-account", "--name", "Acme", "--plan", "starter"],
    );
    assert_eq!(code, 0, "{account}");
    assert_eq!(account["plan"], "STARTER");
    let account_id = account["accountId"].as_str().unwrap().to_owned();
    assert!(account_id.starts_with("acc_"));
    assert!(ApiKey::parse(account["ownerKey"].as_str().unwrap())
        .is_some_and(|k| k.expose().starts_with("sk_live_")));

    let (code, project) = admin(
        &prefix,
        &[
            "create-project",
            "--account",
            &account_id,
            "--name",
            "My Website",
        ],
    );
    assert_eq!(code, 0, "{project}");
    assert_eq!(project["slug"], "my-website");
    assert!(project["projectId"].as_str().unwrap().starts_with("proj_"));
    assert!(ApiKey::parse(project["apiKey"].as_str().unwrap())
        .is_some_and(|k| k.expose().starts_with("mbk_")));

    let (code, clash) = admin(
        &prefix,
        &[
            "create-project",
            "--account",
            &account_id,
            "--name",
            "Again",
            "--slug",
            "my-website",
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(
        clash["error"],
        "A project with the slug 'my-website' already exists"
    );

    let (code, changed) = admin(
        &prefix,
        &["set-plan", "--account", &account_id, "--plan", "PRO"],
    );
    assert_eq!(
        (code, changed),
        (
            0,
            serde_json::json!({"accountId": account_id, "plan": "PRO"})
        )
    );

    let (code, bad) = admin(
        &prefix,
        &["set-plan", "--account", &account_id, "--plan", "GOLD"],
    );
    assert_eq!(code, 2);
    assert!(bad["error"].as_str().unwrap().contains("unknown plan"));
    let (code, missing) = admin(
        &prefix,
        &[
            "create-project",
            "--account",
            "acc_0000000000000000000000",
            "--name",
            "X",
        ],
    );
    assert_eq!(
        (code, missing["error"].as_str()),
        (1, Some("Account not found"))
    );

    tables::delete_all(&client, &template, &prefix).await;
}

#[tokio::test]
async fn the_free_plan_allows_one_project() {
    let template = Template::load_default().unwrap();
    let prefix = format!("admin{}-", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let client = client();
    tables::create_all(&client, &template, &prefix)
        .await
        .unwrap();
    let (_, account) = admin(
        &prefix,
        &["create-account", "--name", "Solo", "--plan", "FREE"],
    );
    let id = account["accountId"].as_str().unwrap();
    assert_eq!(
        admin(
            &prefix,
            &["create-project", "--account", id, "--name", "One"]
        )
        .0,
        0
    );
    let (code, refused) = admin(
        &prefix,
        &["create-project", "--account", id, "--name", "Two"],
    );
    assert_eq!(
        (code, refused["error"].as_str()),
        (
            1,
            Some("Project limit reached. Upgrade your plan to create more projects.")
        )
    );
    tables::delete_all(&client, &template, &prefix).await;
}
