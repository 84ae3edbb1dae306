//! `GET /api/v1/account` and `/api/v1/keys…`: usage, key creation (secret once), listing with
//! cursors (a key id, never a digest), changes (use case and expiry fixed), deletion, the rules
//! around owner keys (which ones keep the account manageable), the cost of a foreign key id, and
//! the migration of id pointers of the earlier format.

use hearken::access::ApiKey;
use hearken::plans::Plan;
use hearken_tests::{spawn_app, texts, Reply, TestApp};
use serde_json::{json, Value};

async fn call(app: &TestApp, method: &str, path: &str, key: &str, body: Option<Value>) -> Reply {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = app.http.request(method, app.url(path)).bearer_auth(key);
    if let Some(body) = body {
        request = request.json(&body);
    }
    Reply::from(request.send().await.unwrap()).await
}

async fn create_key(app: &TestApp, owner: &str, body: Value) -> (String, String) {
    let reply = call(app, "POST", "/api/v1/keys", owner, Some(body)).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    (reply.body["data"]["id"].as_str().unwrap().to_owned(), reply.body["data"]["key"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn the_account_shows_its_plan_and_this_months_usage() {
    let app = spawn_app().await;
    let (account, owner) = app.account(Plan::Starter).await;
    hearken::admin::set_calls_this_month(&app.app, &account.id, 41).await.unwrap();
    let reply = call(&app, "GET", "/api/v1/account", owner.expose(), None).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let data = &reply.body["data"];
    assert_eq!(
        (data["id"].clone(), data["name"].clone(), data["plan"].clone()),
        (json!(account.id), json!(account.name), json!("STARTER"))
    );
    let resets = hearken::time::Timestamp::now().next_month_start().to_iso();
    assert_eq!(data["usage"], json!({"calls": 42, "limit": 10_000, "remaining": 9_958, "resetsAt": resets}));

    let (_, pro_owner) = app.account(Plan::Pro).await;
    let unlimited = call(&app, "GET", "/api/v1/account", pro_owner.expose(), None).await;
    assert_eq!(
        (unlimited.body["data"]["usage"]["limit"].clone(), unlimited.body["data"]["usage"]["remaining"].clone()),
        (Value::Null, Value::Null)
    );

    let (_, free_owner) = app.account(Plan::Free).await;
    let free = call(&app, "GET", "/api/v1/account", free_owner.expose(), None).await;
    assert_eq!((free.status, free.error()), (401, texts::paid_plans_only("GET").as_str()));
}

#[tokio::test]
async fn a_new_key_shows_its_secret_once_and_works_at_once() {
    let app = spawn_app().await;
    let (account, owner) = app.account(Plan::Starter).await;
    let (project, _) = app.project(&account).await;
    let owner = owner.expose().to_owned();
    let body = json!({
        "name": "Zapier",
        "description": "New feedback to Slack",
        "useCase": "READ_ONLY",
        "expiresAt": "2099-01-01T00:00:00Z",
        "allowedIps": ["127.0.0.1", "2001:db8::/32"],
        "allowedProjects": [project.id],
        "rateLimitPerMinute": 30
    });
    let created = call(&app, "POST", "/api/v1/keys", &owner, Some(body)).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let data = &created.body["data"];
    let secret = data["key"].as_str().unwrap().to_owned();
    assert!(ApiKey::parse(&secret).is_some_and(|k| k.expose().starts_with("sk_live_")));
    assert_eq!(data["prefix"], ApiKey::parse(&secret).unwrap().display_prefix());
    assert_eq!(
        (data["name"].clone(), data["role"].clone(), data["useCase"].clone(), data["family"].clone()),
        (json!("Zapier"), json!("member"), json!("READ_ONLY"), json!("account"))
    );
    assert_eq!(data["allowedIps"], json!(["127.0.0.1/32", "2001:db8::/32"]));
    assert_eq!(data["allowedProjects"], json!([project.id]));
    assert_eq!((data["rateLimitPerMinute"].clone(), data["enabled"].clone()), (json!(30), json!(true)));
    assert_eq!(
        (data["expiresAt"].clone(), data["lastUsedAt"].clone()),
        (json!("2099-01-01T00:00:00.000Z"), Value::Null)
    );

    let used = call(&app, "GET", &format!("/api/projects/{}/feedback", project.id), &secret, None).await;
    assert_eq!(used.status, 200);
    assert_eq!(used.header("x-ratelimit-limit"), Some("30"));
    // Never shown again.
    let id = data["id"].as_str().unwrap();
    let read = call(&app, "GET", &format!("/api/v1/keys/{id}"), &owner, None).await;
    assert!(read.body["data"].get("key").is_none());
    assert!(!read.body.to_string().contains(&secret));
    assert!(read.body["data"]["lastUsedAt"].is_string());
    let listed = call(&app, "GET", "/api/v1/keys", &owner, None).await;
    assert!(!listed.body.to_string().contains(&secret));
}

#[tokio::test]
async fn creation_validates_every_field_by_name() {
    let app = spawn_app().await;
    let (_, owner) = app.account(Plan::Starter).await;
    let (_, other_project, _) = app.account_with_project(Plan::Pro).await;
    for (body, fragment) in [
        (json!({}), "name is required"),
        (json!({"name": "k", "useCase": "ALL"}), "useCase must be"),
        (json!({"name": "k", "role": "admin"}), "role must be"),
        (json!({"name": "k", "allowedIps": ["300.1.1.1"]}), "allowedIps:"),
        (json!({"name": "k", "allowedProjects": [other_project.id]}), "is not a project of this account"),
        (json!({"name": "k", "rateLimitPerMinute": 61}), "from 1 to 60 (the STARTER plan's limit)"),
        (json!({"name": "k", "expiresAt": "2000-01-01T00:00:00Z"}), "expiresAt must be in the future"),
    ] {
        let reply = call(&app, "POST", "/api/v1/keys", owner.expose(), Some(body.clone())).await;
        assert_eq!(reply.status, 400, "{body}");
        assert!(reply.error().contains(fragment), "{body}: {}", reply.error());
    }
    let listed = call(&app, "GET", "/api/v1/keys", owner.expose(), None).await;
    assert_eq!(listed.body["data"].as_array().unwrap().len(), 1, "nothing was created");
}

#[tokio::test]
async fn the_list_pages_with_cursors_and_refuses_foreign_ones() {
    let app = spawn_app().await;
    let (_, owner) = app.account(Plan::Pro).await;
    for i in 0..4 {
        create_key(&app, owner.expose(), json!({"name": format!("k{i}")})).await;
    }
    let mut names = vec![];
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/keys?limit=2&cursor={c}"),
            None => "/api/v1/keys?limit=2".to_owned(),
        };
        let page = call(&app, "GET", &path, owner.expose(), None).await;
        assert_eq!(page.status, 200, "{}", page.body);
        names.extend(page.body["data"].as_array().unwrap().iter().map(|k| k["name"].as_str().unwrap().to_owned()));
        match page.body["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(names, ["k3", "k2", "k1", "k0", "Owner key"], "newest first, each once");

    let first = call(&app, "GET", "/api/v1/keys?limit=1", owner.expose(), None).await;
    let mine = first.body["nextCursor"].as_str().unwrap().to_owned();
    let (_, stranger) = app.account(Plan::Pro).await;
    for bad in [mine.as_str(), "garbage", "eyJsIjoia2V5cyJ9"] {
        let reply = call(&app, "GET", &format!("/api/v1/keys?cursor={bad}"), stranger.expose(), None).await;
        assert_eq!(reply.status, 400, "{bad}");
        assert!(reply.error().starts_with("Invalid cursor"), "{}", reply.error());
    }
    for bad in ["limit=0", "limit=101"] {
        assert_eq!(call(&app, "GET", &format!("/api/v1/keys?{bad}"), owner.expose(), None).await.status, 400);
    }
}

#[tokio::test]
async fn patch_changes_what_may_change_and_names_what_may_not() {
    let app = spawn_app().await;
    let (_, owner) = app.account(Plan::Pro).await;
    let (id, secret) = create_key(&app, owner.expose(), json!({"name": "Looker", "useCase": "READ_ONLY"})).await;
    let path = format!("/api/v1/keys/{id}");
    let patched = call(
        &app,
        "PATCH",
        &path,
        owner.expose(),
        Some(json!({"name": "Looker (prod)", "description": "BI", "allowedIps": ["127.0.0.0/8"], "rateLimitPerMinute": 5})),
    )
    .await;
    assert_eq!(patched.status, 200, "{}", patched.body);
    let data = &patched.body["data"];
    assert_eq!((data["name"].clone(), data["description"].clone()), (json!("Looker (prod)"), json!("BI")));
    assert_eq!((data["allowedIps"].clone(), data["rateLimitPerMinute"].clone()), (json!(["127.0.0.0/8"]), json!(5)));
    assert_eq!(data["useCase"], "READ_ONLY");
    let read = call(&app, "GET", &path, owner.expose(), None).await;
    assert_eq!(read.body["data"]["name"], "Looker (prod)");
    assert_eq!(call(&app, "GET", "/api/v1/account", &secret, None).await.header("x-ratelimit-limit"), Some("5"));

    for (body, fragment) in [
        (json!({"useCase": "FULL"}), "useCase cannot be changed after a key is created"),
        (json!({"expiresAt": "2099-01-01T00:00:00Z"}), "expiresAt cannot be changed after a key is created"),
        (json!({"role": "owner"}), "'role' cannot be changed"),
        (json!({"rateLimitPerMinute": 601}), "rateLimitPerMinute must be"),
    ] {
        let reply = call(&app, "PATCH", &path, owner.expose(), Some(body.clone())).await;
        assert_eq!(reply.status, 400, "{body}");
        assert!(reply.error().starts_with(fragment) || reply.error().contains(fragment), "{body}: {}", reply.error());
    }
    let cleared =
        call(&app, "PATCH", &path, owner.expose(), Some(json!({"description": null, "rateLimitPerMinute": null})))
            .await;
    assert_eq!(
        (cleared.body["data"]["description"].clone(), cleared.body["data"]["rateLimitPerMinute"].clone()),
        (Value::Null, Value::Null)
    );
}

#[tokio::test]
async fn disabling_and_deleting_take_effect_on_the_very_next_request() {
    let app = spawn_app().await;
    let (_, owner) = app.account(Plan::Pro).await;
    let (id, secret) = create_key(&app, owner.expose(), json!({"name": "temp"})).await;
    let path = format!("/api/v1/keys/{id}");
    assert_eq!(call(&app, "GET", "/api/v1/account", &secret, None).await.status, 200);
    call(&app, "PATCH", &path, owner.expose(), Some(json!({"enabled": false}))).await;
    let disabled = call(&app, "GET", "/api/v1/account", &secret, None).await;
    assert_eq!((disabled.status, disabled.error()), (401, "This API key is disabled"));
    call(&app, "PATCH", &path, owner.expose(), Some(json!({"enabled": true}))).await;
    assert_eq!(call(&app, "GET", "/api/v1/account", &secret, None).await.status, 200);
    let deleted = call(&app, "DELETE", &path, owner.expose(), None).await;
    assert_eq!((deleted.status, &deleted.body), (200, &json!({"data": {"id": id, "deleted": true}})));
    let gone = call(&app, "GET", "/api/v1/account", &secret, None).await;
    assert_eq!((gone.status, gone.error()), (401, "This API key has been deleted"));
    assert_eq!(call(&app, "GET", &path, owner.expose(), None).await.status, 404);
}

#[tokio::test]
async fn only_owner_keys_manage_keys_and_the_last_owner_key_stays() {
    let app = spawn_app().await;
    let (account, owner) = app.account(Plan::Pro).await;
    let (_, member) = create_key(&app, owner.expose(), json!({"name": "member"})).await;
    let refused = call(&app, "POST", "/api/v1/keys", &member, Some(json!({"name": "sneaky"}))).await;
    assert_eq!((refused.status, refused.error()), (403, "Only owner keys can create, change or delete API keys."));
    assert_eq!(call(&app, "GET", "/api/v1/keys", &member, None).await.status, 200, "members may read");

    let listed = call(&app, "GET", "/api/v1/keys", owner.expose(), None).await;
    let owner_id = listed.body["data"].as_array().unwrap().iter().find(|k| k["role"] == "owner").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let last = call(&app, "DELETE", &format!("/api/v1/keys/{owner_id}"), owner.expose(), None).await;
    assert_eq!(last.status, 409);
    assert!(last.error().contains("last enabled owner key"), "{}", last.error());
    let disable =
        call(&app, "PATCH", &format!("/api/v1/keys/{owner_id}"), owner.expose(), Some(json!({"enabled": false}))).await;
    assert_eq!(disable.status, 409);
    // With a second owner key the first may go.
    let (_, second_owner) = create_key(&app, owner.expose(), json!({"name": "owner 2", "role": "owner"})).await;
    assert_eq!(call(&app, "DELETE", &format!("/api/v1/keys/{owner_id}"), &second_owner, None).await.status, 200);
    let keys = hearken::store::keys::all(&app.app, &account.id).await.unwrap();
    assert_eq!(keys.len(), 2);
}

#[tokio::test]
async fn project_keys_are_listed_with_their_project() {
    let app = spawn_app().await;
    let (account, owner) = app.account(Plan::Pro).await;
    let (project, project_key) = app.project(&account).await;
    let listed = call(&app, "GET", "/api/v1/keys", owner.expose(), None).await;
    let mbk = listed.body["data"].as_array().unwrap().iter().find(|k| k["family"] == "project").unwrap().clone();
    assert_eq!(mbk["projectId"], json!(project.id));
    assert_eq!(mbk["prefix"], project_key.display_prefix());
    assert_eq!(mbk["scope"], "account");
    // A project key works on the Miniback API, never on the account's keys or usage.
    for path in ["/api/v1/account", "/api/v1/keys"] {
        let refused = call(&app, "GET", path, project_key.expose(), None).await;
        assert_eq!(refused.status, 403, "{path}");
        assert!(refused.error().starts_with("A project key (mbk_) works on the Miniback API"), "{}", refused.error());
    }
    // Account keys work on /api/v1 with Bearer, x-api-key or api_key alike.
    let by_header = app.http.get(app.url("/api/v1/account")).header("x-api-key", owner.expose()).send().await.unwrap();
    let by_query = app.http.get(app.url(&format!("/api/v1/account?api_key={}", owner.expose()))).send().await.unwrap();
    assert_eq!((by_header.status().as_u16(), by_query.status().as_u16()), (200, 200));
}

#[tokio::test]
async fn another_accounts_key_answers_like_a_missing_one() {
    let app = spawn_app().await;
    let (_, victim) = app.account(Plan::Pro).await;
    let (victim_key_id, victim_secret) = create_key(&app, victim.expose(), json!({"name": "victim"})).await;
    let (_, stranger) = app.account(Plan::Pro).await;
    let path = format!("/api/v1/keys/{victim_key_id}");
    for (method, body) in [("GET", None), ("PATCH", Some(json!({"enabled": false}))), ("DELETE", None)] {
        let reply = call(&app, method, &path, stranger.expose(), body).await;
        assert_eq!((reply.status, reply.error()), (404, "API key not found"), "{method}");
    }
    let missing = call(&app, "GET", "/api/v1/keys/key_0000000000000000000000", stranger.expose(), None).await;
    assert_eq!((missing.status, missing.error()), (404, "API key not found"));
    assert_eq!(call(&app, "GET", "/api/v1/account", &victim_secret, None).await.status, 200, "untouched");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_owner_keys_deleted_at_once_leave_one() {
    let app = spawn_app().await;
    let (account, owner) = app.account(Plan::Pro).await;
    let (second_id, second) = create_key(&app, owner.expose(), json!({"name": "owner 2", "role": "owner"})).await;
    let listed = call(&app, "GET", "/api/v1/keys", owner.expose(), None).await;
    let first_id = listed.body["data"].as_array().unwrap().iter().find(|k| k["name"] == "Owner key").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Each owner key deletes the other, at the same moment.
    let (second_path, first_path) = (format!("/api/v1/keys/{second_id}"), format!("/api/v1/keys/{first_id}"));
    let (a, b) = tokio::join!(
        call(&app, "DELETE", &second_path, owner.expose(), None),
        call(&app, "DELETE", &first_path, &second, None)
    );
    // One deletion wins. The other either meets the guard (409) or, when the winner removed its
    // very key first, is refused as a deleted key (401); either way one owner key is left.
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert!(statuses == [200, 409] || statuses == [200, 401], "{statuses:?}: {} / {}", a.body, b.body);
    let left = hearken::store::keys::all(&app.app, &account.id).await.unwrap();
    assert_eq!(left.iter().filter(|k| k.role == hearken::access::Role::Owner && k.enabled).count(), 1);
}

/// The account item's count of owner keys that keep it manageable.
async fn owner_keys(app: &TestApp, account: &hearken::store::accounts::Account) -> u64 {
    hearken::store::accounts::get(&app.app, &account.id).await.unwrap().unwrap().0.owner_keys
}

/// The id of the account's first owner key (the one `create-account` made).
async fn first_owner_id(app: &TestApp, owner: &str) -> String {
    let listed = call(app, "GET", "/api/v1/keys", owner, None).await;
    let keys = listed.body["data"].as_array().unwrap().clone();
    keys.iter().find(|k| k["name"] == "Owner key").unwrap()["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn only_lasting_full_owner_keys_keep_the_account_manageable() {
    let app = spawn_app().await;
    let (account, owner) = app.account(Plan::Pro).await;
    let owner = owner.expose().to_owned();
    let first = first_owner_id(&app, &owner).await;
    // Owner keys that cannot manage keys, or will expire, do not count.
    for body in [
        json!({"name": "reader", "role": "owner", "useCase": "READ_ONLY"}),
        json!({"name": "ingest", "role": "owner", "useCase": "INGEST"}),
        json!({"name": "lapsing", "role": "owner", "expiresAt": "2099-01-01T00:00:00Z"}),
    ] {
        create_key(&app, &owner, body).await;
    }
    assert_eq!(owner_keys(&app, &account).await, 1);
    let path = format!("/api/v1/keys/{first}");
    for (method, body) in [("DELETE", None), ("PATCH", Some(json!({"enabled": false})))] {
        let refused = call(&app, method, &path, &owner, body).await;
        assert_eq!(refused.status, 409, "{method}: {}", refused.body);
        assert!(refused.error().contains("last enabled owner key"), "{}", refused.error());
    }

    // An owner key limited to IPs counts (it works from them), unless its list admits nobody.
    let (ip_owner_id, ip_owner) =
        create_key(&app, &owner, json!({"name": "office", "role": "owner", "allowedIps": ["127.0.0.1"]})).await;
    assert_eq!(owner_keys(&app, &account).await, 2);
    let mut record = app.key_record(&ApiKey::parse(&ip_owner).unwrap()).await.unwrap();
    record.allowed_ips = vec!["nowhere".to_owned()];
    app.put_key_record(&record).await;
    let recount = hearken::admin::recount_owner_keys(&app.app).await.unwrap();
    assert_eq!((recount.corrected, recount.raced), (1, 0));
    assert_eq!(owner_keys(&app, &account).await, 1);
    assert_eq!(call(&app, "DELETE", &path, &owner, None).await.status, 409);
    // Giving it a usable list makes it count again, in the same transaction as the change.
    let fixed =
        call(&app, "PATCH", &format!("/api/v1/keys/{ip_owner_id}"), &owner, Some(json!({"allowedIps": ["127.0.0.1"]})))
            .await;
    assert_eq!(fixed.status, 200, "{}", fixed.body);
    assert_eq!(owner_keys(&app, &account).await, 2);
    // Disabling and enabling move it; deleting it then leaves the first one the last.
    let ip_path = format!("/api/v1/keys/{ip_owner_id}");
    call(&app, "PATCH", &ip_path, &owner, Some(json!({"enabled": false}))).await;
    assert_eq!(owner_keys(&app, &account).await, 1);
    call(&app, "PATCH", &ip_path, &owner, Some(json!({"enabled": true}))).await;
    assert_eq!(owner_keys(&app, &account).await, 2);
    assert_eq!(call(&app, "DELETE", &ip_path, &owner, None).await.status, 200);
    assert_eq!(owner_keys(&app, &account).await, 1);
    assert_eq!(call(&app, "DELETE", &path, &owner, None).await.status, 409);
    let recount = hearken::admin::recount_owner_keys(&app.app).await.unwrap();
    assert_eq!(recount.corrected, 0, "the count kept by the routes is the recounted one");
}

#[tokio::test]
async fn a_read_only_owner_key_cannot_stand_in_for_the_last_full_one() {
    let app = spawn_app().await;
    let (_, owner) = app.account(Plan::Pro).await;
    let first = first_owner_id(&app, owner.expose()).await;
    create_key(&app, owner.expose(), json!({"name": "reader", "role": "owner", "useCase": "READ_ONLY"})).await;
    let refused = call(&app, "DELETE", &format!("/api/v1/keys/{first}"), owner.expose(), None).await;
    assert_eq!((refused.status, refused.error()), (409, hearken::store::keys::LAST_OWNER_KEY));
}

/// A cursor's payload (its JSON, without the check tag).
fn cursor_payload(cursor: &str) -> Value {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(cursor).unwrap();
    serde_json::from_slice(&bytes[..bytes.len() - 12]).unwrap()
}

#[tokio::test]
async fn a_cursor_holds_the_last_key_id_and_never_a_digest() {
    let app = spawn_app().await;
    let (account, owner) = app.account(Plan::Pro).await;
    for i in 0..3 {
        create_key(&app, owner.expose(), json!({"name": format!("k{i}")})).await;
    }
    let keys = hearken::store::keys::all(&app.app, &account.id).await.unwrap();
    let digests: Vec<String> = keys.iter().map(|k| k.digest.clone()).collect();
    let mut path = "/api/v1/keys?limit=1".to_owned();
    let mut seen = vec![];
    while let Some(cursor) = {
        let page = call(&app, "GET", &path, owner.expose(), None).await;
        assert_eq!(page.status, 200, "{}", page.body);
        seen.push(page.body["data"][0]["id"].as_str().unwrap().to_owned());
        page.body["nextCursor"].as_str().map(str::to_owned)
    } {
        let payload = cursor_payload(&cursor);
        assert_eq!(
            payload["k"],
            json!({"accountId": account.id, "id": seen.last().unwrap()}),
            "the account and the last key's id, nothing else"
        );
        let text = payload.to_string();
        assert!(!text.contains("digest") && digests.iter().all(|d| !text.contains(d.as_str())), "{text}");
        path = format!("/api/v1/keys?limit=1&cursor={cursor}");
    }
    assert_eq!(seen.len(), keys.len(), "every key once: {seen:?}");
}

#[tokio::test]
async fn a_foreign_key_id_costs_what_an_unknown_one_costs() {
    let app = spawn_app().await;
    let (_, victim) = app.account(Plan::Pro).await;
    let (victim_key, _) = create_key(&app, victim.expose(), json!({"name": "victim"})).await;
    let (_, stranger) = app.account(Plan::Pro).await;
    // The first use in a minute also records "last used"; let that pass first, in the window the
    // compared calls fall in.
    hearken_tests::settle_in_one_minute_window().await;
    assert_eq!(call(&app, "GET", "/api/v1/account", stranger.expose(), None).await.status, 200);
    let foreign = call(&app, "GET", &format!("/api/v1/keys/{victim_key}"), stranger.expose(), None).await;
    let unknown = call(&app, "GET", "/api/v1/keys/key_0000000000000000000000", stranger.expose(), None).await;
    assert_eq!((foreign.status, &foreign.body), (unknown.status, &unknown.body));
    assert_eq!(foreign.db_calls_and_rounds(), unknown.db_calls_and_rounds());
}

/// Rewrites a key's id pointer in the format of earlier versions (`id#<keyId>`).
async fn make_pointer_legacy(app: &TestApp, account: &hearken::ids::AccountId, id: &str, digest: Option<&str>) {
    use aws_sdk_dynamodb::types::AttributeValue::S;
    let current = format!("id#{account}#{id}");
    let target = match digest {
        Some(digest) => digest.to_owned(),
        None => {
            let item = app.app.db.get_item().table_name(&app.app.tables.keys).key("digest", S(current.clone()));
            let item = item.consistent_read(true).send().await.unwrap().item.expect("a current pointer");
            item["target"].as_s().unwrap().clone()
        }
    };
    app.app.db.delete_item().table_name(&app.app.tables.keys).key("digest", S(current)).send().await.unwrap();
    let put = app.app.db.put_item().table_name(&app.app.tables.keys);
    put.item("digest", S(format!("id#{id}"))).item("target", S(target)).send().await.unwrap();
}

#[tokio::test]
async fn pointers_of_the_earlier_format_are_migrated_once_and_keys_are_found_again() {
    let app = spawn_app().await;
    let (account, owner) = app.account(Plan::Pro).await;
    let (project, _) = app.project(&account).await;
    let mut ids = vec![first_owner_id(&app, owner.expose()).await];
    for i in 0..3 {
        ids.push(create_key(&app, owner.expose(), json!({"name": format!("k{i}")})).await.0);
    }
    ids.push(project.key_id.clone().unwrap().to_string());
    for id in &ids {
        make_pointer_legacy(&app, &account.id, id, None).await;
    }
    // A stale pointer of the earlier format: its key was deleted (a tombstone holds its digest).
    let (gone, gone_secret) = create_key(&app, owner.expose(), json!({"name": "gone"})).await;
    assert_eq!(call(&app, "DELETE", &format!("/api/v1/keys/{gone}"), owner.expose(), None).await.status, 200);
    let gone_digest = ApiKey::parse(&gone_secret).unwrap().digest();
    make_pointer_legacy(&app, &account.id, &gone, Some(&gone_digest)).await;
    assert_eq!(call(&app, "GET", &format!("/api/v1/keys/{}", ids[1]), owner.expose(), None).await.status, 404);

    let first = hearken::admin::migrate_key_pointers(&app.app).await.unwrap();
    assert_eq!((first.migrated, first.stale), (ids.len() as u64, 1));
    let second = hearken::admin::migrate_key_pointers(&app.app).await.unwrap();
    assert_eq!((second.migrated, second.stale), (0, 0), "nothing left to do");

    for id in &ids {
        let read = call(&app, "GET", &format!("/api/v1/keys/{id}"), owner.expose(), None).await;
        assert_eq!((read.status, read.body["data"]["id"].as_str()), (200, Some(id.as_str())), "{}", read.body);
    }
    let pointers: Vec<String> = app
        .all_items(&app.app.tables.keys)
        .await
        .iter()
        .filter_map(|item| item["digest"].as_s().ok().filter(|d| d.starts_with("id#")).cloned())
        .collect();
    let mut expected: Vec<String> = ids.iter().map(|id| format!("id#{}#{id}", account.id)).collect();
    expected.sort();
    let mut pointers = pointers;
    pointers.sort();
    assert_eq!(pointers, expected, "one current pointer per live key, no other");
    // Changes go on working: a deletion removes the current pointer.
    assert_eq!(call(&app, "DELETE", &format!("/api/v1/keys/{}", ids[1]), owner.expose(), None).await.status, 200);
    let left = app.all_items(&app.app.tables.keys).await;
    assert!(!left.iter().any(|item| item["digest"].as_s().unwrap().ends_with(&ids[1])));
}
