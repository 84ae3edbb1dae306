//! `hearken-admin` against DynamoDB Local: each command prints exactly one JSON object, and the
//! keys it prints work; `rollup` (what `make rollup` runs) rolls up the tables it is pointed at.

use hearken::access::ApiKey;
use hearken::analytics::DateRange;
use hearken::ids::SurveyId;
use hearken::store::survey_days;
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
    let yesterday = hearken::rollup_job::today().pred_opt().unwrap();
    survey_days::mark(&app, &survey, yesterday).await.unwrap();

    let (code, report) = admin(prefix, &["rollup"]);
    assert_eq!(code, 0, "{report}");
    assert_eq!((report["days"].as_u64(), report["stoppedEarly"].as_bool()), (Some(1), Some(false)), "{report}");
    let range = DateRange { from: yesterday, to: yesterday };
    let days = survey_days::days(&app, &survey, range).await.unwrap();
    assert!(days.live.is_empty() && days.rolled_up.contains_key(&yesterday), "read from its rollup: {days:?}");

    let (code, again) = admin(prefix, &["rollup"]);
    assert_eq!((code, again["days"].as_u64()), (0, Some(0)), "nothing left to do: {again}");
}

fn text<'a>(value: &'a Value, field: &str) -> &'a str {
    value[field].as_str().unwrap_or_else(|| panic!("{field} in {value}"))
}

#[tokio::test]
async fn break_glass_commands_manage_keys_and_keep_the_last_owner_guard() {
    let tables = Tables::create().await;
    let prefix = tables.prefix.as_str();
    let app = App::new(stack::client().await, tables::tables_for(&tables.template, prefix).unwrap());
    let (_, account) = admin(prefix, &["create-account", "--name", "Locked out", "--plan", "FREE"]);
    let account_id = text(&account, "accountId").to_owned();
    let first_owner = text(&account, "ownerKey").to_owned();
    let (_, project) = admin(prefix, &["create-project", "--account", &account_id, "--name", "Site"]);
    let project_key = text(&project, "apiKey").to_owned();

    // list-keys: every key, never a secret or a digest.
    let (code, listed) = admin(prefix, &["list-keys", "--account", &account_id]);
    assert_eq!(code, 0, "{listed}");
    let keys = listed["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2, "{listed}");
    let shown = listed.to_string();
    for secret in [&first_owner, &project_key] {
        let key = ApiKey::parse(secret).unwrap();
        assert!(!shown.contains(secret.as_str()) && !shown.contains(&key.digest()), "{shown}");
    }
    assert!(keys.iter().all(|k| k.get("key").is_none() && k.get("digest").is_none()));
    let first_id = keys.iter().find(|k| k["family"] == "account").unwrap()["id"].as_str().unwrap().to_owned();

    // The guard holds: the only owner key can be neither disabled nor deleted.
    for command in ["disable-key", "delete-key"] {
        let (code, refused) = admin(prefix, &[command, "--account", &account_id, "--key", &first_id]);
        assert_eq!(code, 1, "{command}: {refused}");
        assert!(text(&refused, "error").contains("last enabled owner key"), "{refused}");
    }
    // create-key gives the way back in: a FULL owner key, its secret printed once.
    let (code, created) =
        admin(prefix, &["create-key", "--account", &account_id, "--name", "Rescue", "--role", "owner"]);
    assert_eq!(code, 0, "{created}");
    assert_eq!(
        (&created["role"], &created["useCase"], &created["family"]),
        (&"owner".into(), &"FULL".into(), &"account".into())
    );
    let rescue = ApiKey::parse(text(&created, "key")).expect("a well-formed secret");
    assert!(rescue.expose().starts_with("sk_live_"));
    let stored = hearken::store::keys::get_by_digest(&app, &rescue.digest()).await.unwrap().expect("stored");
    assert_eq!(stored.id.as_str(), text(&created, "id"));
    let rescue_id = text(&created, "id").to_owned();

    // Now the first owner key may be disabled; then the rescue key is the last and stays.
    let (code, disabled) = admin(prefix, &["disable-key", "--account", &account_id, "--key", &first_id]);
    assert_eq!(
        (code, &disabled["enabled"], &disabled["id"]),
        (0, &false.into(), &first_id.clone().into()),
        "{disabled}"
    );
    let (code, refused) = admin(prefix, &["delete-key", "--account", &account_id, "--key", &rescue_id]);
    assert_eq!(code, 1, "{refused}");
    let (code, deleted) = admin(prefix, &["delete-key", "--account", &account_id, "--key", &first_id]);
    assert_eq!((code, deleted), (0, serde_json::json!({"id": first_id, "deleted": true})));
    let (code, missing) = admin(prefix, &["delete-key", "--account", &account_id, "--key", &first_id]);
    assert_eq!((code, text(&missing, "error")), (1, "API key not found"));
    let (_, member) = admin(prefix, &["create-key", "--account", &account_id, "--name", "M", "--role", "member"]);
    assert_eq!(member["role"], "member");

    // rotate-project-key: on a FREE account too; the old key is refused at once as regenerated.
    let project_id = text(&project, "projectId").to_owned();
    let (code, rotated) = admin(prefix, &["rotate-project-key", "--project", &project_id]);
    assert_eq!(code, 0, "{rotated}");
    let new_key = ApiKey::parse(text(&rotated, "apiKey")).expect("a well-formed mbk_ key");
    assert!(new_key.expose().starts_with("mbk_"));
    let old = ApiKey::parse(&project_key).unwrap();
    assert!(matches!(
        hearken::store::keys::lookup(&app, &old.digest()).await.unwrap(),
        hearken::store::keys::Lookup::Revoked(hearken::store::keys::Revocation::Regenerated)
    ));
    let live = hearken::store::keys::get_by_digest(&app, &new_key.digest()).await.unwrap().expect("the new key");
    assert_eq!((live.id.as_str(), live.project_id.map(|p| p.to_string())), (text(&rotated, "keyId"), Some(project_id)));

    // Bad arguments are usage errors (2); unknown ids are failures (1).
    let (code, _) = admin(prefix, &["create-key", "--account", &account_id, "--name", "X", "--role", "admin"]);
    assert_eq!(code, 2);
    let (code, _) = admin(prefix, &["disable-key", "--account", &account_id, "--key", "nope"]);
    assert_eq!(code, 2);
    let (code, unknown) = admin(prefix, &["rotate-project-key", "--project", "proj_0000000000000000000000"]);
    assert_eq!((code, text(&unknown, "error")), (1, "Project not found"));
    let (code, unknown) = admin(prefix, &["list-keys", "--account", "acc_0000000000000000000000"]);
    assert_eq!((code, text(&unknown, "error")), (1, "Account not found"));
}

#[tokio::test]
async fn migrate_key_pointers_rewrites_old_pointers_once() {
    use aws_sdk_dynamodb::types::AttributeValue::S;
    let tables = Tables::create().await;
    let prefix = tables.prefix.as_str();
    let app = App::new(stack::client().await, tables::tables_for(&tables.template, prefix).unwrap());
    let (account, _) = hearken::admin::create_account(&app, "Old", hearken::plans::Plan::Pro).await.unwrap();
    hearken::admin::create_project(&app, &account.id, "Site", None).await.unwrap();
    hearken::admin::create_key(&app, &account.id, "Member", hearken::access::Role::Member).await.unwrap();
    let keys = hearken::store::keys::all(&app, &account.id).await.unwrap();
    assert_eq!(keys.len(), 3);
    // Write each pointer as earlier versions did: `id#<keyId>`.
    for key in &keys {
        let current = format!("id#{}#{}", account.id, key.id);
        app.db.delete_item().table_name(&app.tables.keys).key("digest", S(current)).send().await.unwrap();
        let put = app.db.put_item().table_name(&app.tables.keys).item("digest", S(format!("id#{}", key.id)));
        put.item("target", S(key.digest.clone())).send().await.unwrap();
        assert!(hearken::store::keys::get(&app, &account.id, &key.id).await.unwrap().is_none());
    }

    let (code, first) = admin(prefix, &["migrate-key-pointers"]);
    assert_eq!((code, first), (0, serde_json::json!({"migrated": 3, "stale": 0})));
    let (code, again) = admin(prefix, &["migrate-key-pointers"]);
    assert_eq!((code, again), (0, serde_json::json!({"migrated": 0, "stale": 0})), "idempotent");
    for key in &keys {
        let found = hearken::store::keys::get(&app, &account.id, &key.id).await.unwrap();
        assert_eq!(found.map(|k| k.digest), Some(key.digest.clone()));
    }

    // recount-owner-keys: the count kept by create-account is already right.
    let (code, recount) = admin(prefix, &["recount-owner-keys"]);
    assert_eq!((code, recount), (0, serde_json::json!({"accounts": 1, "corrected": 0, "raced": 0})));
}

#[tokio::test]
async fn restrict_key_narrows_a_project_key_to_its_projects() {
    let tables = Tables::create().await;
    let prefix = tables.prefix.as_str();
    let app = App::new(stack::client().await, tables::tables_for(&tables.template, prefix).unwrap());
    let (_, account) = admin(prefix, &["create-account", "--name", "Narrow", "--plan", "STARTER"]);
    let account_id = text(&account, "accountId").to_owned();
    let (_, one) = admin(prefix, &["create-project", "--account", &account_id, "--name", "One"]);
    let (_, two) = admin(prefix, &["create-project", "--account", &account_id, "--name", "Two"]);
    let (one_id, two_id) = (text(&one, "projectId").to_owned(), text(&two, "projectId").to_owned());
    let key = ApiKey::parse(text(&one, "apiKey")).unwrap();
    let stored = hearken::store::keys::get_by_digest(&app, &key.digest()).await.unwrap().unwrap();
    assert!(stored.allows_project(&two_id), "a new project key acts for its account");

    let key_id = stored.id.to_string();
    let args = ["restrict-key", "--account", &account_id, "--key", &key_id, "--projects", &one_id, "--rate-limit", "5"];
    let (code, narrowed) = admin(prefix, &args);
    assert_eq!(code, 0, "{narrowed}");
    assert_eq!(narrowed["allowedProjects"], serde_json::json!([one_id]));
    assert_eq!(narrowed["rateLimitPerMinute"], 5);
    let stored = hearken::store::keys::get_by_digest(&app, &key.digest()).await.unwrap().unwrap();
    assert!(stored.allows_project(&one_id) && !stored.allows_project(&two_id));

    // Another account's project cannot be named; nothing changes.
    let (_, stranger) = admin(prefix, &["create-account", "--name", "Other", "--plan", "STARTER"]);
    let stranger_id = text(&stranger, "accountId").to_owned();
    let (_, theirs) = admin(prefix, &["create-project", "--account", &stranger_id, "--name", "Theirs"]);
    let args = ["restrict-key", "--account", &account_id, "--key", &key_id, "--projects", text(&theirs, "projectId")];
    let (code, refused) = admin(prefix, &args);
    assert_eq!(code, 1, "{refused}");
    assert!(text(&refused, "error").contains("not a project of this account"), "{refused}");
    // Nor can a key of another account be changed through this one.
    let args = ["restrict-key", "--account", &stranger_id, "--key", &key_id, "--projects", ""];
    let (code, refused) = admin(prefix, &args);
    assert_eq!((code, text(&refused, "error")), (1, "API key not found"));
    let (code, usage) = admin(prefix, &["restrict-key", "--account", &account_id, "--key", &key_id]);
    assert_eq!(code, 2, "{usage}");
}
