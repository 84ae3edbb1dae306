//! The access matrix: every keyed route of template.yaml × every way a key can be refused (no key,
//! malformed, unknown, deleted, regenerated away, disabled, expired, wrong IP, project not allowed,
//! member on key management, READ_ONLY, INGEST, another account's ids), asserting the status, the
//! error text, that a refused request wrote nothing to the feedback, projects and keys tables, and
//! that it used no call of the month. Controls show each refusal is the key's doing: the owner key
//! takes every route, and each restricted or limited key succeeds where its restriction allows.
//!
//! Failures are gathered and reported together, one line per cell of the matrix, so one run shows
//! every cell that is wrong.

use aws_sdk_dynamodb::types::AttributeValue;
use hearken::access::{ApiKey, Family};
use hearken::plans::{Action, Plan};
use hearken::store::accounts::Account;
use hearken::store::projects::Project;
use hearken::time::Timestamp;
use hearken_tests::{eventually, spawn_app, texts, Reply, TestApp};
use serde_json::{json, Value};
use std::cell::{Cell, RefCell};
use std::time::Duration;

const INVALID_KEY: &str = "Invalid API key";
const DISABLED: &str = "This API key is disabled";
const EXPIRED: &str = "This API key has expired";
const IP_NOT_ALLOWED: &str = "This API key is not allowed from this IP address";
const OWNER_ONLY: &str = "Only owner keys can create, change or delete API keys.";
const READ_ONLY: &str = "This API key is READ_ONLY: it cannot create, change or delete anything.";
const INGEST_ONLY: &str = "This API key is INGEST only: it can only submit feedback.";
const PROJECT_NOT_FOUND: &str = "Project not found";
const FEEDBACK_NOT_FOUND: &str = "Feedback not found";
const KEY_NOT_FOUND: &str = "API key not found";
const LIMITED_CANNOT_CREATE: &str =
    "This API key is limited to some projects, so it cannot create projects; use a key without a project limit";

/// One keyed route of template.yaml (the keyless widget route is left out).
struct Route {
    method: &'static str,
    /// With `{projectId}`, `{id}` (feedback), `{keyId}` and `{n}` (a number unique in the test).
    path: &'static str,
    /// A valid JSON body (same placeholders).
    body: Option<&'static str>,
    action: Action,
    /// The status of a successful call.
    ok: u16,
    /// The 404 text when the addressed id is missing or another account's.
    not_found: Option<&'static str>,
}

impl Route {
    /// Whether the request names a project (in its path, or the `project` filter).
    fn addresses_project(&self) -> bool {
        self.path.contains("{projectId}")
    }

    fn rate_mind(&self) -> bool {
        self.path.starts_with("/api/v1/")
    }

    fn name(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// The answer to a key that does not exist (any more), per surface.
    fn invalid_key(&self) -> (u16, &'static str) {
        if self.rate_mind() {
            (401, INVALID_KEY)
        } else {
            (403, texts::INVALID_KEY_OR_PROJECT)
        }
    }
}

const fn route(
    method: &'static str,
    path: &'static str,
    body: Option<&'static str>,
    action: Action,
    ok: u16,
    not_found: Option<&'static str>,
) -> Route {
    Route { method, path, body, action, ok, not_found }
}

/// Every HttpApi route of template.yaml that takes a key (plus `GET /api/feedback` with its
/// `project` filter, which addresses a project through the query string).
const ROUTES: &[Route] = &[
    route("GET", "/api/projects", None, Action::Read, 200, None),
    route("POST", "/api/projects", Some(r#"{"name": "Matrix project {n}"}"#), Action::Write, 201, None),
    route("GET", "/api/projects/{projectId}", None, Action::Read, 200, Some(PROJECT_NOT_FOUND)),
    route(
        "PUT",
        "/api/projects/{projectId}",
        Some(r#"{"name": "Renamed {n}", "allowedDomains": ["example.com"]}"#),
        Action::Write,
        200,
        Some(PROJECT_NOT_FOUND),
    ),
    route("DELETE", "/api/projects/{projectId}", None, Action::Write, 200, Some(PROJECT_NOT_FOUND)),
    route("GET", "/api/projects/{projectId}/api-key", None, Action::Read, 200, Some(PROJECT_NOT_FOUND)),
    // Making a key is managing keys: owner FULL account keys (or the project's own mbk_ key).
    route("POST", "/api/projects/{projectId}/api-key", None, Action::ManageKeys, 201, Some(PROJECT_NOT_FOUND)),
    route("GET", "/api/projects/{projectId}/feedback", None, Action::Read, 200, Some(PROJECT_NOT_FOUND)),
    route(
        "POST",
        "/api/projects/{projectId}/feedback",
        Some(r#"{"message": "Matrix feedback {n}", "context": {"page": "/checkout"}}"#),
        Action::SubmitFeedback,
        201,
        Some(PROJECT_NOT_FOUND),
    ),
    route("GET", "/api/feedback", None, Action::Read, 200, None),
    route("GET", "/api/feedback?project={projectId}", None, Action::Read, 200, Some(PROJECT_NOT_FOUND)),
    route("GET", "/api/feedback/{id}", None, Action::Read, 200, Some(FEEDBACK_NOT_FOUND)),
    route("PUT", "/api/feedback/{id}", Some(r#"{"status": "REVIEWED"}"#), Action::Write, 200, Some(FEEDBACK_NOT_FOUND)),
    route("DELETE", "/api/feedback/{id}", None, Action::Write, 200, Some(FEEDBACK_NOT_FOUND)),
    route("GET", "/api/v1/account", None, Action::Read, 200, None),
    route("GET", "/api/v1/keys", None, Action::Read, 200, None),
    route(
        "POST",
        "/api/v1/keys",
        Some(r#"{"name": "Matrix key {n}", "role": "owner", "useCase": "FULL"}"#),
        Action::ManageKeys,
        201,
        None,
    ),
    route("GET", "/api/v1/keys/{keyId}", None, Action::Read, 200, Some(KEY_NOT_FOUND)),
    route(
        "PATCH",
        "/api/v1/keys/{keyId}",
        Some(r#"{"name": "Renamed {n}", "enabled": false, "allowedIps": ["10.0.0.0/8"]}"#),
        Action::ManageKeys,
        200,
        Some(KEY_NOT_FOUND),
    ),
    route("DELETE", "/api/v1/keys/{keyId}", None, Action::ManageKeys, 200, Some(KEY_NOT_FOUND)),
];

/// The ids a request addresses.
#[derive(Clone, Debug)]
struct Targets {
    project: String,
    feedback: String,
    key: String,
}

impl Targets {
    fn fill(&self, text: &str, n: usize) -> String {
        text.replace("{projectId}", &self.project)
            .replace("{id}", &self.feedback)
            .replace("{keyId}", &self.key)
            .replace("{n}", &n.to_string())
    }
}

/// One test's world: a PRO account with its owner key, two projects (each with its `mbk_` key),
/// a feedback item in the first and a member key: the account's own targets.
struct World {
    app: TestApp,
    account: Account,
    owner: ApiKey,
    first: Project,
    first_key: ApiKey,
    second: Project,
    second_key: ApiKey,
    own: Targets,
    sequence: Cell<usize>,
    cells: Cell<usize>,
    failures: RefCell<Vec<String>>,
}

impl World {
    async fn new() -> World {
        let app = spawn_app().await;
        let (account, owner) = app.account(Plan::Pro).await;
        let (first, first_key) = app.project(&account).await;
        let (second, second_key) =
            hearken::admin::create_project(&app.app, &account.id, "Second project", None).await.unwrap();
        let own = Targets { project: first.id.to_string(), feedback: String::new(), key: String::new() };
        let mut world = World {
            app,
            account,
            owner,
            first,
            first_key,
            second,
            second_key,
            own,
            sequence: Cell::new(0),
            cells: Cell::new(0),
            failures: RefCell::new(vec![]),
        };
        world.own.feedback = world.post_feedback(world.first.id.as_str(), world.first_key.expose()).await;
        world.own.key = world.create_key(json!({"name": "Target key"})).await.1;
        world
    }

    fn next(&self) -> usize {
        self.sequence.set(self.sequence.get() + 1);
        self.sequence.get()
    }

    fn fail(&self, failure: String) {
        self.failures.borrow_mut().push(failure);
    }

    /// Fails the test with every failed cell, if any.
    fn finish(self, matrix: &str) {
        let failures = self.failures.take();
        assert!(
            failures.is_empty(),
            "{} of {} cells of the {matrix} matrix failed:\n{}",
            failures.len(),
            self.cells.get(),
            failures.join("\n")
        );
    }

    /// A set-up call (`Authorization: Bearer`), outside the matrix.
    async fn call(&self, key: &str, method: &str, path: &str, body: Option<Value>) -> Reply {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self.app.http.request(method, self.app.url(path)).bearer_auth(key);
        if let Some(body) = body {
            request = request.json(&body);
        }
        Reply::from(request.send().await.unwrap()).await
    }

    /// Creates an account key with the owner key: (secret, id).
    async fn create_key(&self, body: Value) -> (String, String) {
        let created = self.call(self.owner.expose(), "POST", "/api/v1/keys", Some(body.clone())).await;
        assert_eq!(created.status, 201, "creating a key with {body}: {}", created.body);
        let data = &created.body["data"];
        (data["key"].as_str().unwrap().to_owned(), data["id"].as_str().unwrap().to_owned())
    }

    /// Posts feedback to a project with a key; the feedback id.
    async fn post_feedback(&self, project: &str, key: &str) -> String {
        let path = format!("/api/projects/{project}/feedback");
        let created = self.call(key, "POST", &path, Some(json!({"message": "Seed feedback"}))).await;
        assert_eq!(created.status, 201, "{}", created.body);
        created.body["data"]["id"].as_str().unwrap().to_owned()
    }

    /// Proves a key works before it is revoked (so a revocation cannot pass for a key never used).
    async fn assert_works(&self, key: &str, path: &str) {
        let reply = self.call(key, "GET", path, None).await;
        assert_eq!(reply.status, 200, "before revoking, {path}: {}", reply.body);
    }

    /// Targets a successful call may use up: a new project (with its key), feedback in it and a
    /// new member key.
    async fn fresh_targets(&self) -> Targets {
        let name = format!("Fresh project {}", self.next());
        let (project, key) =
            hearken::admin::create_project(&self.app.app, &self.account.id, &name, None).await.unwrap();
        self.fresh_targets_in(project.id.as_str(), key.expose()).await
    }

    /// As [`World::fresh_targets`], with the feedback in an existing project.
    async fn fresh_targets_in(&self, project: &str, project_key: &str) -> Targets {
        let feedback = self.post_feedback(project, project_key).await;
        let (_, key) = self.create_key(json!({"name": format!("Fresh key {}", self.next())})).await;
        Targets { project: project.to_owned(), feedback, key }
    }

    async fn calls(&self, account: &Account) -> u64 {
        self.app.calls_this_month(account).await
    }

    /// Every item of the feedback, projects and keys tables, each rendered canonically, sorted.
    /// `lastUsedAt` of keys is left out unless `with_last_used`.
    async fn snapshot(&self, with_last_used: bool) -> Vec<String> {
        let tables = &self.app.app.tables;
        let named = [("feedback", &tables.feedback), ("projects", &tables.projects), ("keys", &tables.keys)];
        let scans = futures::future::join_all(named.iter().map(|(_, table)| self.app.all_items(table))).await;
        let mut items = vec![];
        for ((name, _), scanned) in named.iter().zip(scans) {
            for item in scanned {
                let mut fields: Vec<String> = item
                    .iter()
                    .filter(|(field, _)| with_last_used || *name != "keys" || field.as_str() != "lastUsedAt")
                    .map(|(field, value)| format!("{field}={}", canonical(value)))
                    .collect();
                fields.sort();
                items.push(format!("{name} {{{}}}", fields.join(", ")));
            }
        }
        items.sort();
        items
    }

    /// The snapshot and the account's calls, read together.
    async fn state(&self, with_last_used: bool) -> (Vec<String>, u64) {
        tokio::join!(self.snapshot(with_last_used), self.calls(&self.account))
    }

    /// Sends a route's request with `key` in `x-api-key` (none when `None`) and extra headers.
    async fn send(&self, route: &Route, targets: &Targets, key: Option<&str>, headers: &[(&str, &str)]) -> Reply {
        let n = self.next();
        let method = reqwest::Method::from_bytes(route.method.as_bytes()).unwrap();
        let mut request = self.app.http.request(method, self.app.url(&targets.fill(route.path, n)));
        if let Some(key) = key {
            request = request.header("x-api-key", key);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = route.body {
            request = request.header("content-type", "application/json").body(targets.fill(body, n));
        }
        Reply::from(request.send().await.unwrap()).await
    }

    /// A cell refused by the key check: the answer, nothing written (`lastUsedAt` included), no
    /// call used.
    async fn expect_refused(
        &self,
        condition: &str,
        route: &Route,
        targets: &Targets,
        key: Option<&str>,
        headers: &[(&str, &str)],
        answer: (u16, &str),
    ) {
        self.refused(condition, route, targets, key, headers, answer, true).await
    }

    /// A cell the key check lets through and the route refuses: the answer, no call used, nothing
    /// written but the key's `lastUsedAt` (the key was used; it moves once a minute).
    async fn expect_refused_by_the_route(
        &self,
        condition: &str,
        route: &Route,
        targets: &Targets,
        key: &str,
        answer: (u16, &str),
    ) {
        self.refused(condition, route, targets, Some(key), &[], answer, false).await
    }

    #[allow(clippy::too_many_arguments)]
    async fn refused(
        &self,
        condition: &str,
        route: &Route,
        targets: &Targets,
        key: Option<&str>,
        headers: &[(&str, &str)],
        (status, error): (u16, &str),
        with_last_used: bool,
    ) {
        self.cells.set(self.cells.get() + 1);
        let (before, calls) = self.state(with_last_used).await;
        let reply = self.send(route, targets, key, headers).await;
        let (after, calls_after) = self.state(with_last_used).await;
        let cell = format!("[{condition}] × {}", route.name());
        if (reply.status, reply.error()) != (status, error) {
            self.fail(format!("{cell}: expected {status} {error:?}, got {} {}", reply.status, reply.body));
        }
        let written = changes(&before, &after);
        if !written.is_empty() {
            self.fail(format!("{cell}: the refused request wrote:\n    {}", written.join("\n    ")));
        }
        if calls_after != calls {
            self.fail(format!("{cell}: the refused request used calls of the month ({calls} → {calls_after})"));
        }
    }

    /// A cell the key may take: the route's success status, one call counted; a read writes
    /// nothing (but `lastUsedAt`).
    async fn expect_allowed(&self, condition: &str, route: &Route, targets: &Targets, key: &str) -> Reply {
        self.cells.set(self.cells.get() + 1);
        let read = route.action == Action::Read;
        let (before, calls) = self.state(false).await;
        let reply = self.send(route, targets, Some(key), &[]).await;
        let calls_after = self.calls(&self.account).await;
        let cell = format!("[{condition}] × {}", route.name());
        if reply.status != route.ok {
            self.fail(format!("{cell}: expected {}, got {} {}", route.ok, reply.status, reply.body));
        }
        if calls_after != calls + 1 {
            self.fail(format!("{cell}: expected one call counted ({calls} → {calls_after})"));
        }
        if read {
            let written = changes(&before, &self.snapshot(false).await);
            if !written.is_empty() {
                self.fail(format!("{cell}: a read wrote:\n    {}", written.join("\n    ")));
            }
        }
        if route.method == "DELETE" && route.path == "/api/projects/{projectId}" && reply.status == 200 {
            // The project's feedback goes in the background; wait, so that it does not write in
            // the middle of a later cell.
            let gone = eventually(Duration::from_secs(20), || async {
                !self.snapshot(false).await.iter().any(|item| item.contains(&targets.project))
            })
            .await;
            assert!(gone, "the deleted project {} was not cleaned up", targets.project);
        }
        reply
    }

    /// A cell past the key check whose id is not the caller's (or not within its key's projects):
    /// 404 with the route's text, nothing written (`lastUsedAt` aside), and the other account's
    /// calls unchanged.
    async fn expect_not_found(
        &self,
        condition: &str,
        route: &Route,
        targets: &Targets,
        key: &str,
        error: &str,
        theirs: Option<&Account>,
    ) {
        self.cells.set(self.cells.get() + 1);
        let before = self.snapshot(false).await;
        let their_calls = match theirs {
            Some(account) => Some(self.calls(account).await),
            None => None,
        };
        let reply = self.send(route, targets, Some(key), &[]).await;
        let after = self.snapshot(false).await;
        let cell = format!("[{condition}] × {}", route.name());
        if (reply.status, reply.error()) != (404, error) {
            self.fail(format!("{cell}: expected 404 {error:?}, got {} {}", reply.status, reply.body));
        }
        let written = changes(&before, &after);
        if !written.is_empty() {
            self.fail(format!("{cell}: the request wrote:\n    {}", written.join("\n    ")));
        }
        if let (Some(account), Some(calls)) = (theirs, their_calls) {
            let now = self.calls(account).await;
            if now != calls {
                self.fail(format!("{cell}: the other account's calls moved ({calls} → {now})"));
            }
        }
    }
}

/// An attribute value rendered with its maps' keys and its sets sorted (a scan's maps come in no
/// fixed order).
fn canonical(value: &AttributeValue) -> String {
    match value {
        AttributeValue::M(map) => {
            let mut fields: Vec<String> = map.iter().map(|(k, v)| format!("{k}={}", canonical(v))).collect();
            fields.sort();
            format!("{{{}}}", fields.join(", "))
        }
        AttributeValue::L(list) => format!("[{}]", list.iter().map(canonical).collect::<Vec<_>>().join(", ")),
        AttributeValue::Ss(set) | AttributeValue::Ns(set) => {
            let mut set = set.clone();
            set.sort();
            format!("{set:?}")
        }
        other => format!("{other:?}"),
    }
}

/// What differs between two snapshots: `- item` gone, `+ item` new.
fn changes(before: &[String], after: &[String]) -> Vec<String> {
    let gone = before.iter().filter(|item| !after.contains(item)).map(|item| format!("- {item}"));
    let new = after.iter().filter(|item| !before.contains(item)).map(|item| format!("+ {item}"));
    gone.chain(new).collect()
}

#[tokio::test]
async fn missing_malformed_and_unknown_keys_are_refused_on_every_route() {
    let world = World::new().await;
    let real = world.owner.expose();
    let last = real.chars().last().unwrap();
    let typo = format!("{}{}", &real[..real.len() - 1], if last == 'A' { 'B' } else { 'A' });
    let unknown_account_key = ApiKey::generate(Family::Account);
    let unknown_project_key = ApiKey::generate(Family::Project);
    for route in ROUTES {
        let own = &world.own;
        world.expect_refused("no key", route, own, None, &[], (401, texts::KEY_REQUIRED)).await;
        let empty = Some("");
        world.expect_refused("empty x-api-key", route, own, empty, &[], (401, texts::KEY_REQUIRED)).await;
        for malformed in [texts::DOCUMENTED_EXAMPLE_KEY, concat!("sk_live_", "1a2b3c4d5e6f7g8h9i0j"), typo.as_str()] {
            let condition = format!("malformed key {malformed:.12}…");
            world.expect_refused(&condition, route, own, Some(malformed), &[], route.invalid_key()).await;
        }
        for unknown in [&unknown_account_key, &unknown_project_key] {
            let condition = format!("unknown {:?} key", unknown.family());
            world.expect_refused(&condition, route, own, Some(unknown.expose()), &[], route.invalid_key()).await;
        }
    }
    world.finish("missing / malformed / unknown key");
}

#[tokio::test]
async fn revoked_and_expired_keys_are_refused_from_the_very_next_request() {
    let world = World::new().await;
    let owner = world.owner.expose();
    let first = world.first.id.to_string();
    let mut project_key = world.first_key.expose().to_owned();
    for route in ROUTES {
        let own = &world.own;
        // Deleted with DELETE /api/v1/keys/{keyId}: the key worked, and the very next request fails.
        let (secret, id) = world.create_key(json!({"name": "Soon deleted"})).await;
        world.assert_works(&secret, "/api/v1/account").await;
        let deleted = world.call(owner, "DELETE", &format!("/api/v1/keys/{id}"), None).await;
        assert_eq!(deleted.status, 200, "{}", deleted.body);
        world
            .expect_refused("deleted key", route, own, Some(&secret), &[], (401, "This API key has been deleted"))
            .await;

        // Disabled with PATCH {"enabled": false}.
        let (secret, id) = world.create_key(json!({"name": "Soon disabled"})).await;
        world.assert_works(&secret, "/api/v1/account").await;
        let disabled = world.call(owner, "PATCH", &format!("/api/v1/keys/{id}"), Some(json!({"enabled": false}))).await;
        assert_eq!((disabled.status, &disabled.body["data"]["enabled"]), (200, &json!(false)), "{}", disabled.body);
        world.expect_refused("disabled key", route, own, Some(&secret), &[], (401, DISABLED)).await;

        // The project key replaced by POST /api/projects/{projectId}/api-key.
        world.assert_works(&project_key, &format!("/api/projects/{first}/feedback")).await;
        let regenerated = world.call(owner, "POST", &format!("/api/projects/{first}/api-key"), None).await;
        assert_eq!(regenerated.status, 201, "{}", regenerated.body);
        let old = std::mem::replace(&mut project_key, regenerated.body["data"]["key"].as_str().unwrap().to_owned());
        let regenerated_away = (401, "This API key was regenerated: use the project's new key");
        world.expect_refused("regenerated-away project key", route, own, Some(&old), &[], regenerated_away).await;
    }
    // The last project key is the live one.
    world.assert_works(&project_key, &format!("/api/projects/{first}/feedback")).await;

    // Expired by its own `expiresAt` (two seconds ahead at creation), and by a stored past expiry.
    let soon = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let (lapsing, _) = world.create_key(json!({"name": "Short lived", "expiresAt": soon})).await;
    world.assert_works(&lapsing, "/api/v1/account").await;
    let (expired, _) = world.create_key(json!({"name": "Expired"})).await;
    world.assert_works(&expired, "/api/v1/account").await;
    let mut record = world.app.key_record(&ApiKey::parse(&expired).unwrap()).await.unwrap();
    record.expires_at = Some(Timestamp::parse("2020-01-01T00:00:00Z").unwrap());
    world.app.put_key_record(&record).await;
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    for route in ROUTES {
        let own = &world.own;
        world.expect_refused("expired key (past expiresAt)", route, own, Some(&lapsing), &[], (401, EXPIRED)).await;
        world.expect_refused("expired key (stored expiry)", route, own, Some(&expired), &[], (401, EXPIRED)).await;
    }
    world.finish("revoked / expired key");
}

#[tokio::test]
async fn restricted_keys_are_refused_where_their_restriction_applies() {
    let world = World::new().await;
    let own = &world.own;

    // Wrong IP: the gateway's source IP is 127.0.0.1; X-Forwarded-For must not be believed.
    let (office, _) = world.create_key(json!({"name": "Office only", "allowedIps": ["10.0.0.0/8"]})).await;
    let spoofed = [("x-forwarded-for", "10.1.2.3")];
    for route in ROUTES {
        world.expect_refused("wrong IP", route, own, Some(&office), &spoofed, (403, IP_NOT_ALLOWED)).await;
    }
    // Control: the same restriction with the caller's address in it.
    let (local, _) = world.create_key(json!({"name": "Local", "allowedIps": ["10.0.0.0/8", "127.0.0.1"]})).await;
    for route in ROUTES.iter().filter(|route| route.action == Action::Read) {
        world.expect_allowed("IP in the key's list", route, own, &local).await;
    }

    // Project not allowed: an account key limited to the second project, on the first.
    let second = world.second.id.to_string();
    let (limited, _) =
        world.create_key(json!({"name": "Second only", "role": "owner", "allowedProjects": [second]})).await;
    for route in ROUTES {
        if route.addresses_project() {
            let refused = (403, texts::INVALID_KEY_OR_PROJECT);
            world.expect_refused("project not allowed", route, own, Some(&limited), &[], refused).await;
            if route.action == Action::Read {
                let allowed = Targets { project: second.clone(), ..own.clone() };
                world.expect_allowed("project in the key's list", route, &allowed, &limited).await;
            }
        } else {
            // Routes that address no project are not refused for it; but the key makes no project
            // (it could not reach it), and manages only keys within its projects.
            let mut fresh = world.fresh_targets_in(&second, world.second_key.expose()).await;
            if route.name() == "POST /api/projects" {
                let refused = (403, LIMITED_CANNOT_CREATE);
                world
                    .expect_refused_by_the_route(
                        "project-limited key creating a project",
                        route,
                        &fresh,
                        &limited,
                        refused,
                    )
                    .await;
                continue;
            }
            let within = json!({"name": format!("Within {}", world.next()), "allowedProjects": [second]});
            fresh.key = world.create_key(within).await.1;
            world.expect_allowed("project-limited key, no project addressed", route, &fresh, &limited).await;
        }
    }
    // Feedback of a project outside the key's list reads as missing (README, Errors).
    for route in ROUTES.iter().filter(|route| route.path == "/api/feedback/{id}") {
        let condition = "project not allowed (feedback by id)";
        world.expect_not_found(condition, route, own, &limited, FEEDBACK_NOT_FOUND, None).await;
    }
    // A project-scoped key addresses only its own project.
    world.app.scope_to_project(&world.second_key).await;
    for route in ROUTES.iter().filter(|route| route.addresses_project()) {
        let refused = (403, texts::INVALID_KEY_OR_PROJECT);
        let key = Some(world.second_key.expose());
        world.expect_refused("another project's project-scoped mbk_ key", route, own, key, &[], refused).await;
    }
    world.finish("restricted key");
}

#[tokio::test]
async fn use_cases_and_roles_limit_what_a_valid_key_may_do() {
    let world = World::new().await;
    let own = &world.own;

    // Control: the owner key may take every route.
    for route in ROUTES {
        let fresh = world.fresh_targets().await;
        world.expect_allowed("owner key", route, &fresh, world.owner.expose()).await;
    }
    // A member key may do everything but manage keys.
    let (member, _) = world.create_key(json!({"name": "Member", "role": "member", "useCase": "FULL"})).await;
    for route in ROUTES {
        if route.action == Action::ManageKeys {
            world.expect_refused("member key", route, own, Some(&member), &[], (403, OWNER_ONLY)).await;
        } else {
            let fresh = world.fresh_targets().await;
            world.expect_allowed("member key", route, &fresh, &member).await;
        }
    }
    // READ_ONLY: reads only, whatever its role.
    for role in ["member", "owner"] {
        let (reader, _) = world.create_key(json!({"name": "Reader", "role": role, "useCase": "READ_ONLY"})).await;
        let condition = format!("READ_ONLY {role} key");
        for route in ROUTES {
            if route.action == Action::Read {
                world.expect_allowed(&condition, route, own, &reader).await;
            } else {
                world.expect_refused(&condition, route, own, Some(&reader), &[], (403, READ_ONLY)).await;
            }
        }
    }
    // INGEST: submitting feedback only.
    let (ingest, _) = world.create_key(json!({"name": "Ingest", "useCase": "INGEST"})).await;
    for route in ROUTES {
        if route.action == Action::SubmitFeedback {
            world.expect_allowed("INGEST key", route, own, &ingest).await;
        } else {
            world.expect_refused("INGEST key", route, own, Some(&ingest), &[], (403, INGEST_ONLY)).await;
        }
    }
    world.finish("use case / role");
}

#[tokio::test]
async fn another_accounts_ids_are_not_found_and_their_data_is_left_alone() {
    let world = World::new().await;
    let (theirs, their_owner) = world.app.account(Plan::Pro).await;
    let (their_project, their_project_key) = world.app.project(&theirs).await;
    let their_feedback = world.post_feedback(their_project.id.as_str(), their_project_key.expose()).await;
    let their_key = world.app.key_record(&their_owner).await.unwrap().id.to_string();
    let targets = Targets { project: their_project.id.to_string(), feedback: their_feedback, key: their_key };
    let owner = world.owner.expose();
    for route in ROUTES {
        match route.not_found {
            Some(error) => {
                world.expect_not_found("another account's id", route, &targets, owner, error, Some(&theirs)).await
            }
            None if route.action == Action::Read => {
                // Lists show none of the other account's items.
                let listed = world.expect_allowed("another account's data in lists", route, &targets, owner).await;
                let text = listed.body.to_string();
                for id in [&targets.project, &targets.feedback, &targets.key, &theirs.id.to_string()] {
                    if text.contains(id.as_str()) {
                        world.fail(format!("{}: shows the other account's {id}", route.name()));
                    }
                }
            }
            // POST /api/projects and POST /api/v1/keys address no existing id.
            None => {}
        }
    }
    // Their keys still work as before.
    let path = format!("/api/v1/keys/{}", targets.key);
    let still = world.call(their_owner.expose(), "GET", &path, None).await;
    assert_eq!((still.status, &still.body["data"]["enabled"]), (200, &json!(true)), "{}", still.body);
    world.assert_works(their_project_key.expose(), &format!("/api/projects/{}/feedback", targets.project)).await;
    world.finish("another account's id");
}
