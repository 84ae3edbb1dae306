//! The access library end to end: every rule of SPEC §1–2 through the real gateway and handlers,
//! against DynamoDB Local.

use hearken::access::ApiKey;
use hearken::plans::Plan;
use hearken::time::Timestamp;
use hearken_tests::{settle_in_one_minute_window, spawn_app, texts, Reply, TestApp};
use serde_json::json;

fn feedback_path(project: &impl std::fmt::Display) -> String {
    format!("/api/projects/{project}/feedback")
}

async fn post(app: &TestApp, path: &str, key: &str) -> Reply {
    Reply::from(
        app.http.post(app.url(path)).header("x-api-key", key).json(&json!({"message": "hi"})).send().await.unwrap(),
    )
    .await
}

async fn get(app: &TestApp, path: &str, key: &str) -> Reply {
    Reply::from(app.http.get(app.url(path)).header("x-api-key", key).send().await.unwrap()).await
}

#[tokio::test]
async fn a_request_without_a_key_is_refused_without_reading_the_database() {
    let app = spawn_app().await;
    let (_, project, _) = app.account_with_project(Plan::Pro).await;
    let reply = Reply::from(app.http.get(app.url(&feedback_path(&project.id))).send().await.unwrap()).await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.error(), texts::KEY_REQUIRED);
    assert_eq!(reply.db_calls_and_rounds(), (0, 0));
    assert!(reply.header("x-ratelimit-limit").is_none());
}

#[tokio::test]
async fn a_malformed_key_costs_no_database_read() {
    let app = spawn_app().await;
    let (_, project, key) = app.account_with_project(Plan::Pro).await;
    let mut typo = key.expose().to_owned();
    typo.pop();
    typo.push(if key.expose().ends_with('A') { 'B' } else { 'A' });
    for bad in [texts::DOCUMENTED_EXAMPLE_KEY, typo.as_str(), "nonsense"] {
        let reply = get(&app, &feedback_path(&project.id), bad).await;
        assert_eq!((reply.status, reply.error()), (403, texts::INVALID_KEY_OR_PROJECT), "{bad}");
        assert_eq!(reply.db_calls_and_rounds(), (0, 0), "{bad}");
    }
}

#[tokio::test]
async fn an_unknown_well_formed_key_is_refused_after_one_read_and_counted() {
    let app = spawn_app().await;
    let (_, project, _) = app.account_with_project(Plan::Pro).await;
    let stranger = ApiKey::generate(hearken::access::Family::Project);
    let reply = get(&app, &feedback_path(&project.id), stranger.expose()).await;
    assert_eq!((reply.status, reply.error()), (403, texts::INVALID_KEY_OR_PROJECT));
    // The key's read, then the client address's window of failed authentications.
    assert_eq!(reply.db_calls_and_rounds(), (2, 2));
}

#[tokio::test]
async fn the_key_is_accepted_from_header_bearer_and_query() {
    let app = spawn_app().await;
    let (_, project, key) = app.account_with_project(Plan::Pro).await;
    let url = app.url(&feedback_path(&project.id));
    let by_header = app.http.get(&url).header("X-Api-Key", key.expose()).send().await.unwrap();
    let by_bearer = app.http.get(&url).bearer_auth(key.expose()).send().await.unwrap();
    let by_query = app.http.get(format!("{url}?api_key={}", key.expose())).send().await.unwrap();
    for response in [by_header, by_bearer, by_query] {
        assert_eq!(response.status(), 200);
    }
}

#[tokio::test]
async fn every_authenticated_response_carries_rate_limit_and_timing_headers() {
    let app = spawn_app().await;
    let (_, project, key) = app.account_with_project(Plan::Starter).await;
    settle_in_one_minute_window().await;
    let first = post(&app, &feedback_path(&project.id), key.expose()).await;
    let second = get(&app, &feedback_path(&project.id), key.expose()).await;
    assert_eq!((first.status, second.status), (201, 200));
    assert_eq!(first.header("x-ratelimit-limit"), Some("60"));
    assert_eq!(first.header("x-ratelimit-remaining"), Some("59"));
    assert_eq!(second.header("x-ratelimit-remaining"), Some("58"));
    let reset: i64 = first.header("x-ratelimit-reset").unwrap().parse().unwrap();
    let now = Timestamp::now().unix_seconds();
    assert!(reset > now && reset <= now + 60 && reset % 60 == 0, "reset {reset} now {now}");
    // A refusal after authentication carries them too.
    let (_, owner) = app.account(Plan::Starter).await;
    let missing = get(&app, &feedback_path(&hearken::ids::ProjectId::generate()), owner.expose()).await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.header("x-ratelimit-limit"), Some("60"));
    assert!(missing.header("server-timing").is_some());
}

#[tokio::test]
async fn a_warm_container_spends_one_round_on_a_write_and_two_on_a_read() {
    let app = spawn_app().await;
    let (_, project, key) = app.account_with_project(Plan::Pro).await;
    settle_in_one_minute_window().await;
    // Cold (the stack has seen neither this key nor this project): the key | the project (the
    // ownership proof) | one transaction (the key unchanged, the quota, the window, the project's
    // counters, the feedback) beside a read of the window for the headers; the first call of the
    // minute records "last used" in the background.
    let cold = post(&app, &feedback_path(&project.id), key.expose()).await;
    assert_eq!(cold.status, 201);
    assert_eq!(cold.db_calls_and_rounds(), (5, 3), "{:?}", cold.header("server-timing"));
    // Warm: the transaction and the window's read, side by side.
    let warm = post(&app, &feedback_path(&project.id), key.expose()).await;
    assert_eq!(warm.status, 201);
    assert_eq!(warm.db_calls_and_rounds(), (2, 1), "{:?}", warm.header("server-timing"));
    assert_eq!(warm.header("x-ratelimit-remaining"), Some("598"));
    // A warm read: the key beside the quota, the window and the project (the ownership proof) |
    // the page.
    let listed = get(&app, &feedback_path(&project.id), key.expose()).await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.db_calls_and_rounds(), (5, 2), "{:?}", listed.header("server-timing"));
    assert_eq!(listed.body["pagination"]["total"], 2);
    // A FREE key's GET stops after the access check (cold: the key | quota, window, project).
    let (_, free_project, free_key) = app.account_with_project(Plan::Free).await;
    let refused = get(&app, &feedback_path(&free_project.id), free_key.expose()).await;
    assert_eq!(refused.status, 401);
    assert_eq!(refused.db_calls_and_rounds(), (4, 2));
}

#[tokio::test]
async fn free_plan_may_post_feedback_but_not_read_it() {
    let app = spawn_app().await;
    let (account, project, key) = app.account_with_project(Plan::Free).await;
    let created = post(&app, &feedback_path(&project.id), key.expose()).await;
    assert_eq!(created.status, 201);
    let listed = get(&app, &feedback_path(&project.id), key.expose()).await;
    assert_eq!((listed.status, listed.error()), (401, texts::paid_plans_only("GET").as_str()));
    assert_eq!(listed.header("x-ratelimit-limit"), Some("10"));
    // The refused GET did not use a call of the month.
    assert_eq!(app.calls_this_month(&account).await, 1);
}

#[tokio::test]
async fn a_disabled_key_is_refused() {
    let app = spawn_app().await;
    let (_, project, key) = app.account_with_project(Plan::Pro).await;
    let mut record = app.key_record(&key).await.unwrap();
    record.enabled = false;
    app.put_key_record(&record).await;
    let reply = get(&app, &feedback_path(&project.id), key.expose()).await;
    assert_eq!((reply.status, reply.error()), (401, "This API key is disabled"));
}

#[tokio::test]
async fn an_expired_key_is_refused() {
    let app = spawn_app().await;
    let (_, project, key) = app.account_with_project(Plan::Pro).await;
    let mut record = app.key_record(&key).await.unwrap();
    record.expires_at = Some(Timestamp::parse("2020-01-01T00:00:00Z").unwrap());
    app.put_key_record(&record).await;
    let reply = get(&app, &feedback_path(&project.id), key.expose()).await;
    assert_eq!((reply.status, reply.error()), (401, "This API key has expired"));
}

#[tokio::test]
async fn a_key_is_refused_from_outside_its_ip_list_and_forwarded_for_is_ignored() {
    let app = spawn_app().await;
    let (_, project, key) = app.account_with_project(Plan::Pro).await;
    let mut record = app.key_record(&key).await.unwrap();
    record.allowed_ips = vec!["10.0.0.0/8".into(), "2001:db8::/32".into()];
    app.put_key_record(&record).await;
    let spoofed = app
        .http
        .get(app.url(&feedback_path(&project.id)))
        .header("x-api-key", key.expose())
        .header("x-forwarded-for", "10.1.2.3")
        .send();
    let reply = Reply::from(spoofed.await.unwrap()).await;
    assert_eq!((reply.status, reply.error()), (403, "This API key is not allowed from this IP address"));

    record.allowed_ips = vec!["127.0.0.0/8".into()];
    app.put_key_record(&record).await;
    assert_eq!(get(&app, &feedback_path(&project.id), key.expose()).await.status, 200);
    record.allowed_ips = vec!["127.0.0.1".into()];
    app.put_key_record(&record).await;
    assert_eq!(get(&app, &feedback_path(&project.id), key.expose()).await.status, 200);
}

#[tokio::test]
async fn a_key_is_refused_for_a_project_outside_its_list() {
    let app = spawn_app().await;
    let (account, owner) = app.account(Plan::Pro).await;
    let (allowed, _) = app.project(&account).await;
    let (other, _) = hearken::admin::create_project(&app.app, &account.id, "Other", None).await.unwrap();
    let mut record = app.key_record(&owner).await.unwrap();
    record.allowed_projects = vec![allowed.id.clone()];
    app.put_key_record(&record).await;
    assert_eq!(get(&app, &feedback_path(&allowed.id), owner.expose()).await.status, 200);
    let refused = get(&app, &feedback_path(&other.id), owner.expose()).await;
    assert_eq!((refused.status, refused.error()), (403, texts::INVALID_KEY_OR_PROJECT));
}

#[tokio::test]
async fn a_project_scoped_key_only_reaches_its_own_project() {
    let app = spawn_app().await;
    let (account, first, first_key) = app.account_with_project(Plan::Pro).await;
    let (second, _) = hearken::admin::create_project(&app.app, &account.id, "Second", None).await.unwrap();
    app.scope_to_project(&first_key).await;
    let reply = post(&app, &feedback_path(&second.id), first_key.expose()).await;
    assert_eq!((reply.status, reply.error()), (403, texts::INVALID_KEY_OR_PROJECT));
    assert_eq!(post(&app, &feedback_path(&first.id), first_key.expose()).await.status, 201);
}

#[tokio::test]
async fn a_key_whose_account_is_gone_is_refused() {
    let app = spawn_app().await;
    let (account, project, key) = app.account_with_project(Plan::Pro).await;
    app.app
        .db
        .delete_item()
        .table_name(&app.app.tables.accounts)
        .key("id", hearken::store::s(account.id.as_str()))
        .send()
        .await
        .unwrap();
    let reply = get(&app, &feedback_path(&project.id), key.expose()).await;
    assert_eq!((reply.status, reply.error()), (403, texts::INVALID_KEY_OR_PROJECT));
}

#[tokio::test]
async fn revoking_a_key_takes_effect_on_the_very_next_request() {
    let app = spawn_app().await;
    let (_, project, key) = app.account_with_project(Plan::Pro).await;
    assert_eq!(get(&app, &feedback_path(&project.id), key.expose()).await.status, 200);
    app.app
        .db
        .delete_item()
        .table_name(&app.app.tables.keys)
        .key("digest", hearken::store::s(key.digest()))
        .send()
        .await
        .unwrap();
    assert_eq!(get(&app, &feedback_path(&project.id), key.expose()).await.status, 403);
}

#[tokio::test]
async fn keys_are_stored_as_digests_never_in_clear() {
    let app = spawn_app().await;
    let (_, _, key) = app.account_with_project(Plan::Pro).await;
    let items = app.all_items(&app.app.tables.keys).await;
    let dump = format!("{items:?}");
    assert!(!dump.contains(key.expose()), "a secret is stored in clear");
    assert!(dump.contains(&key.digest()));
}

#[tokio::test]
async fn last_use_is_recorded_once_a_minute() {
    let app = spawn_app().await;
    let (_, project, key) = app.account_with_project(Plan::Pro).await;
    assert!(app.key_record(&key).await.unwrap().last_used_at.is_none());
    settle_in_one_minute_window().await;
    let first = get(&app, &feedback_path(&project.id), key.expose()).await;
    let used = app.key_record(&key).await.unwrap().last_used_at.expect("recorded");
    let second = get(&app, &feedback_path(&project.id), key.expose()).await;
    let third = post(&app, &feedback_path(&project.id), key.expose()).await;
    assert_eq!(app.key_record(&key).await.unwrap().last_used_at, Some(used), "not rewritten within the minute");
    // The first request of the minute (cold: the key, then quota, window and project, then the
    // page) paid one more call, in the background of its rounds; the later ones did not.
    assert_eq!(first.db_calls_and_rounds(), (6, 3), "{:?}", first.header("server-timing"));
    assert_eq!(second.db_calls_and_rounds(), (5, 2), "{:?}", second.header("server-timing"));
    assert_eq!(third.db_calls_and_rounds(), (2, 1), "{:?}", third.header("server-timing"));
}

#[tokio::test]
async fn the_per_minute_limit_answers_429_with_retry_after() {
    let app = spawn_app().await;
    let (account, project, key) = app.account_with_project(Plan::Starter).await;
    let mut record = app.key_record(&key).await.unwrap();
    record.rate_limit_per_minute = Some(3);
    app.put_key_record(&record).await;
    settle_in_one_minute_window().await;
    let mut statuses = vec![];
    let mut last = None;
    for _ in 0..5 {
        let reply = get(&app, &feedback_path(&project.id), key.expose()).await;
        statuses.push(reply.status);
        last = Some(reply);
    }
    let last = last.unwrap();
    assert_eq!(statuses, [200, 200, 200, 429, 429]);
    assert!(last.error().contains("3 requests per minute"), "{}", last.error());
    let wait: i64 = last.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait));
    assert_eq!(last.header("x-ratelimit-remaining"), Some("0"));
    assert_eq!(last.header("x-ratelimit-limit"), Some("3"));
    // Refused requests gave their monthly call back.
    assert_eq!(app.calls_this_month(&account).await, 3);
}

#[tokio::test]
async fn the_monthly_quota_answers_429_when_used_up() {
    let app = spawn_app().await;
    let (account, project, key) = app.account_with_project(Plan::Free).await;
    hearken::admin::set_calls_this_month(&app.app, &account.id, 300).await.unwrap();
    let reply = post(&app, &feedback_path(&project.id), key.expose()).await;
    assert_eq!(reply.status, 429);
    assert!(reply.error().contains("300 calls per month"), "{}", reply.error());
    let wait: i64 = reply.header("retry-after").unwrap().parse().unwrap();
    let until = Timestamp::now().next_month_start().unix_seconds() - Timestamp::now().unix_seconds();
    assert!((until - 5..=until + 5).contains(&wait));
    assert_eq!(app.calls_this_month(&account).await, 300);
}

#[tokio::test]
async fn a_plan_change_takes_effect_at_once() {
    let app = spawn_app().await;
    let (account, project, key) = app.account_with_project(Plan::Free).await;
    assert_eq!(get(&app, &feedback_path(&project.id), key.expose()).await.status, 401);
    hearken::admin::set_plan(&app.app, &account.id, Plan::Starter).await.unwrap();
    assert_eq!(get(&app, &feedback_path(&project.id), key.expose()).await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_monthly_quota_is_exact_under_concurrency() {
    let app = spawn_app().await;
    let (account, project, key) = app.account_with_project(Plan::Starter).await;
    hearken::admin::set_calls_this_month(&app.app, &account.id, 10_000 - 25).await.unwrap();
    let url = app.url(&feedback_path(&project.id));
    let requests = (0..40).map(|i| {
        let request =
            app.http.post(&url).header("x-api-key", key.expose()).json(&json!({"message": format!("parallel {i}")}));
        async move { request.send().await.unwrap().status().as_u16() }
    });
    let statuses = futures::future::join_all(requests).await;
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 25, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 15, "{statuses:?}");
    assert_eq!(app.calls_this_month(&account).await, 10_000);
    let stored = app.all_items(&app.app.tables.feedback).await;
    assert_eq!(stored.len(), 25);
}
