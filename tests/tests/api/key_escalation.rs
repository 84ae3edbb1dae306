//! No key can create a key with more reach than itself (SPEC §1): every kind of creator key ×
//! every way to make a key (an account key through `POST /api/v1/keys`, asking for nothing or for
//! more than the creator has; a project key through `POST /api/projects/{projectId}/api-key`).
//! Each cell is either refused (and nothing is created) or makes a key that, read back with
//! `GET /api/v1/keys/{keyId}`, is no wider than its creator: no later expiry, IPs and projects
//! within the creator's, a per-minute limit no higher, no stronger role or use case. A change
//! (`PATCH`) cannot lift the changer's own restrictions either.
//!
//! Failures are gathered and reported together, one line per cell.

use hearken::access::ip_allow::parse_entry;
use hearken::access::ApiKey;
use hearken::ids::ProjectId;
use hearken::plans::Plan;
use hearken::store::accounts::Account;
use hearken::time::Timestamp;
use hearken_tests::{spawn_app, Reply, TestApp};
use serde_json::{json, Value};

const OWNER_ONLY: &str = "Only owner keys can create, change or delete API keys.";
const READ_ONLY: &str = "This API key is READ_ONLY: it cannot create, change or delete anything.";
const INGEST_ONLY: &str = "This API key is INGEST only: it can only submit feedback.";
const PROJECT_KEY: &str = "A project key (mbk_) works on the Miniback API";
const CREATOR_EXPIRY: &str = "2090-01-01T00:00:00.000Z";

/// The kinds of creator key.
#[derive(Clone, Copy, Debug)]
enum Creator {
    OwnerFull,
    OwnerWithIps,
    OwnerWithExpiry,
    OwnerWithProjects,
    OwnerWithRateLimit,
    OwnerReadOnly,
    OwnerIngest,
    MemberFull,
    MemberWithIps,
    ProjectKey,
}

const CREATORS: [Creator; 10] = [
    Creator::OwnerFull,
    Creator::OwnerWithIps,
    Creator::OwnerWithExpiry,
    Creator::OwnerWithProjects,
    Creator::OwnerWithRateLimit,
    Creator::OwnerReadOnly,
    Creator::OwnerIngest,
    Creator::MemberFull,
    Creator::MemberWithIps,
    Creator::ProjectKey,
];

/// What a creator tries to make.
#[derive(Clone, Copy, Debug)]
enum Attempt {
    /// `POST /api/v1/keys` naming no restriction (and asking for an owner FULL key).
    AccountKeyAskingNothing,
    /// `POST /api/v1/keys` asking for more than any restricted creator has.
    AccountKeyAskingMore,
    /// `POST /api/projects/{projectId}/api-key` on the creator's project.
    ProjectKey,
}

/// The answer expected of a cell: created (201), or refused with this status and error start.
type Expected = Result<(), (u16, &'static str)>;

impl Creator {
    /// The create body of the creator key (the project key comes from its project instead).
    fn body(self, project: &ProjectId) -> Option<Value> {
        Some(match self {
            Creator::OwnerFull => json!({"role": "owner"}),
            // The gateway's source address is 127.0.0.1: the creator must itself work.
            Creator::OwnerWithIps => json!({"role": "owner", "allowedIps": ["127.0.0.1", "10.0.0.0/8"]}),
            Creator::OwnerWithExpiry => json!({"role": "owner", "expiresAt": CREATOR_EXPIRY}),
            Creator::OwnerWithProjects => json!({"role": "owner", "allowedProjects": [project]}),
            Creator::OwnerWithRateLimit => json!({"role": "owner", "rateLimitPerMinute": 30}),
            Creator::OwnerReadOnly => json!({"role": "owner", "useCase": "READ_ONLY"}),
            Creator::OwnerIngest => json!({"role": "owner", "useCase": "INGEST"}),
            Creator::MemberFull => json!({"role": "member"}),
            Creator::MemberWithIps => json!({"role": "member", "allowedIps": ["127.0.0.1"]}),
            Creator::ProjectKey => return None,
        })
    }

    fn expected(self, attempt: Attempt) -> Expected {
        let refused_on_every_route = match self {
            Creator::OwnerReadOnly => Some((403, READ_ONLY)),
            Creator::OwnerIngest => Some((403, INGEST_ONLY)),
            Creator::MemberFull | Creator::MemberWithIps => Some((403, OWNER_ONLY)),
            _ => None,
        };
        if let Some(refusal) = refused_on_every_route {
            return Err(refusal);
        }
        match (self, attempt) {
            (Creator::ProjectKey, Attempt::ProjectKey) => Ok(()),
            (Creator::ProjectKey, _) => Err((403, PROJECT_KEY)),
            (Creator::OwnerWithIps, Attempt::AccountKeyAskingMore) => Err((403, "allowedIps: 0.0.0.0/0 is outside")),
            (Creator::OwnerWithProjects, Attempt::AccountKeyAskingMore) => Err((403, "allowedProjects: ")),
            (Creator::OwnerWithRateLimit, Attempt::AccountKeyAskingMore) => {
                Err((403, "rateLimitPerMinute: 600 is above this key's own limit of 30"))
            }
            _ => Ok(()),
        }
    }
}

/// One test's account: PRO (per-key limit 600), its owner key for set-up and read-backs, and a
/// project no restricted creator may reach.
struct World {
    app: TestApp,
    account: Account,
    owner: ApiKey,
    elsewhere: ProjectId,
    failures: Vec<String>,
    cells: usize,
}

impl World {
    async fn new() -> World {
        let app = spawn_app().await;
        let (account, owner) = app.account(Plan::Pro).await;
        let (elsewhere, _) = app.project(&account).await;
        World { app, account, owner, elsewhere: elsewhere.id, failures: vec![], cells: 0 }
    }

    async fn call(&self, key: &str, method: &str, path: &str, body: Option<Value>) -> Reply {
        self.app.call(method, path, key, body).await
    }

    /// A creator of the kind, with its own project: (secret, stored view, project).
    async fn creator(&self, kind: Creator, n: usize) -> (String, Value, ProjectId) {
        let name = format!("Creator project {n}");
        let (project, project_key) =
            hearken::admin::create_project(&self.app.app, &self.account.id, &name, None).await.unwrap();
        let secret = match kind.body(&project.id) {
            Some(mut body) => {
                body["name"] = json!(format!("{kind:?}"));
                let created = self.call(self.owner.expose(), "POST", "/api/v1/keys", Some(body)).await;
                assert_eq!(created.status, 201, "creating the {kind:?} creator: {}", created.body);
                created.body["data"]["key"].as_str().unwrap().to_owned()
            }
            None => project_key.expose().to_owned(),
        };
        let id = self.app.key_record(&ApiKey::parse(&secret).unwrap()).await.unwrap().id;
        let view = self.read_back(id.as_str()).await;
        (secret, view, project.id)
    }

    async fn read_back(&self, id: &str) -> Value {
        let read = self.call(self.owner.expose(), "GET", &format!("/api/v1/keys/{id}"), None).await;
        assert_eq!(read.status, 200, "reading back {id}: {}", read.body);
        read.body["data"].clone()
    }

    async fn key_count(&self) -> usize {
        hearken::store::keys::all(&self.app.app, &self.account.id).await.unwrap().len()
    }

    /// Runs one cell and checks its answer, what was stored, and the new key's reach.
    async fn cell(&mut self, kind: Creator, attempt: Attempt, secret: &str, creator: &Value, project: &ProjectId) {
        self.cells += 1;
        let cell = format!("[{kind:?}] × {attempt:?}");
        let (path, body) = match attempt {
            Attempt::AccountKeyAskingNothing => {
                ("/api/v1/keys".to_owned(), Some(json!({"name": "child", "role": "owner", "useCase": "FULL"})))
            }
            Attempt::AccountKeyAskingMore => (
                "/api/v1/keys".to_owned(),
                Some(json!({
                    "name": "wider child",
                    "role": "owner",
                    "useCase": "FULL",
                    "expiresAt": "2099-01-01T00:00:00Z",
                    "allowedIps": ["0.0.0.0/0"],
                    "allowedProjects": [self.elsewhere],
                    "rateLimitPerMinute": 600
                })),
            ),
            Attempt::ProjectKey => (format!("/api/projects/{project}/api-key"), None),
        };
        let before = self.key_count().await;
        let reply = self.call(secret, "POST", &path, body).await;
        let after = self.key_count().await;
        match kind.expected(attempt) {
            Err((status, error)) => {
                if reply.status != status || !reply.error().starts_with(error) {
                    self.failures
                        .push(format!("{cell}: expected {status} {error:?}…, got {} {}", reply.status, reply.body));
                }
                if after != before {
                    self.failures.push(format!("{cell}: refused, yet the account has {before} → {after} keys"));
                }
            }
            Ok(()) => {
                if reply.status != 201 {
                    self.failures.push(format!("{cell}: expected 201, got {} {}", reply.status, reply.body));
                    return;
                }
                let child = self.read_back(reply.body["data"]["id"].as_str().unwrap()).await;
                for wider in widenings(creator, &child) {
                    self.failures.push(format!(
                        "{cell}: the new key is wider than its creator: {wider}\n    creator {creator}\n    new key {child}"
                    ));
                }
            }
        }
    }
}

/// The ways `child` reaches further than `creator` (empty when it does not).
fn widenings(creator: &Value, child: &Value) -> Vec<String> {
    let mut wider = vec![];
    let text = |key: &Value, field: &str| key[field].as_str().map(str::to_owned);
    let list = |key: &Value, field: &str| -> Vec<String> {
        key[field]
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
            .unwrap_or_default()
    };
    // Role and use case.
    if text(creator, "role").as_deref() == Some("member") && text(child, "role").as_deref() == Some("owner") {
        wider.push("an owner made by a member".to_owned());
    }
    if creator["useCase"] != "FULL" && child["useCase"] != creator["useCase"] {
        wider.push(format!("use case {} from a {} key", child["useCase"], creator["useCase"]));
    }
    // A project key reaches its project only, and makes project keys only.
    let beyond = child["family"] != "project" || child["projectId"] != creator["projectId"];
    if creator["family"] == "project" && beyond {
        wider.push("a project key made a key beyond its project".to_owned());
    }
    // Expiry: none later than the creator's.
    if let Some(own) = text(creator, "expiresAt").and_then(|t| Timestamp::parse(&t)) {
        match text(child, "expiresAt").and_then(|t| Timestamp::parse(&t)) {
            Some(theirs) if theirs <= own => {}
            other => wider.push(format!("expires {other:?}, after its creator ({own:?})")),
        }
    }
    // IPs: every entry inside one of the creator's.
    let own_ips = list(creator, "allowedIps");
    if !own_ips.is_empty() {
        let theirs = list(child, "allowedIps");
        let inside = |entry: &String| {
            let entry = parse_entry(entry).expect("stored entries parse");
            own_ips.iter().filter_map(|own| parse_entry(own)).any(|own| own.contains(&entry))
        };
        if theirs.is_empty() || !theirs.iter().all(inside) {
            wider.push(format!("allowedIps {theirs:?} not within {own_ips:?}"));
        }
    }
    // Projects: what the key may address within what its creator may.
    let reach = |key: &Value| -> Option<Vec<String>> {
        match text(key, "projectId") {
            Some(own) => Some(vec![own]),
            None => Some(list(key, "allowedProjects")).filter(|l| !l.is_empty()),
        }
    };
    if let Some(own) = reach(creator) {
        match reach(child) {
            Some(theirs) if theirs.iter().all(|p| own.contains(p)) => {}
            other => wider.push(format!("reaches projects {other:?} beyond {own:?}")),
        }
    }
    // Per-minute limit: none higher.
    if let Some(own) = creator["rateLimitPerMinute"].as_u64() {
        match child["rateLimitPerMinute"].as_u64() {
            Some(theirs) if theirs <= own => {}
            other => wider.push(format!("rateLimitPerMinute {other:?} above {own}")),
        }
    }
    wider
}

#[tokio::test]
async fn no_key_creates_a_key_wider_than_itself() {
    let mut world = World::new().await;
    for (n, kind) in CREATORS.into_iter().enumerate() {
        let (secret, creator, project) = world.creator(kind, n).await;
        // The project key last: for a project-key creator it replaces the creator itself.
        for attempt in [Attempt::AccountKeyAskingNothing, Attempt::AccountKeyAskingMore, Attempt::ProjectKey] {
            world.cell(kind, attempt, &secret, &creator, &project).await;
        }
    }
    assert!(
        world.failures.is_empty(),
        "{} of {} cells failed:\n{}",
        world.failures.len(),
        world.cells,
        world.failures.join("\n")
    );
}

#[tokio::test]
async fn a_new_key_takes_over_its_creators_restrictions() {
    let world = World::new().await;
    let (project, _) =
        hearken::admin::create_project(&world.app.app, &world.account.id, "Restricted", None).await.unwrap();
    let body = json!({
        "name": "restricted owner",
        "role": "owner",
        "expiresAt": CREATOR_EXPIRY,
        "allowedIps": ["127.0.0.0/8"],
        "allowedProjects": [project.id],
        "rateLimitPerMinute": 30
    });
    let created = world.call(world.owner.expose(), "POST", "/api/v1/keys", Some(body)).await;
    let creator = created.body["data"]["key"].as_str().unwrap().to_owned();

    // Asking for nothing: everything is taken over. Asking for a later expiry: the earlier stands.
    let child = world
        .call(&creator, "POST", "/api/v1/keys", Some(json!({"name": "child", "expiresAt": "2099-01-01T00:00:00Z"})))
        .await;
    assert_eq!(child.status, 201, "{}", child.body);
    let data = world.read_back(child.body["data"]["id"].as_str().unwrap()).await;
    assert_eq!(
        (&data["expiresAt"], &data["allowedIps"], &data["allowedProjects"], &data["rateLimitPerMinute"]),
        (&json!(CREATOR_EXPIRY), &json!(["127.0.0.0/8"]), &json!([project.id]), &json!(30))
    );
    // Narrower is fine.
    let narrower = world
        .call(
            &creator,
            "POST",
            "/api/v1/keys",
            Some(json!({"name": "narrow", "allowedIps": ["127.0.0.1"], "rateLimitPerMinute": 5})),
        )
        .await;
    assert_eq!(narrower.status, 201, "{}", narrower.body);
    assert_eq!(
        (&narrower.body["data"]["allowedIps"], &narrower.body["data"]["rateLimitPerMinute"]),
        (&json!(["127.0.0.1/32"]), &json!(5))
    );

    // The project's key made by this key carries the same restrictions, and works within them.
    let made = world.call(&creator, "POST", &format!("/api/projects/{}/api-key", project.id), None).await;
    assert_eq!(made.status, 201, "{}", made.body);
    let mbk = world.read_back(made.body["data"]["id"].as_str().unwrap()).await;
    assert_eq!(
        (&mbk["family"], &mbk["expiresAt"], &mbk["allowedIps"], &mbk["rateLimitPerMinute"]),
        (&json!("project"), &json!(CREATOR_EXPIRY), &json!(["127.0.0.0/8"]), &json!(30))
    );
    let secret = made.body["data"]["key"].as_str().unwrap().to_owned();
    let used = world.call(&secret, "GET", &format!("/api/projects/{}/feedback", project.id), None).await;
    assert_eq!((used.status, used.header("x-ratelimit-limit")), (200, Some("30")), "{}", used.body);

    // And regenerating with that mbk_ key itself keeps them.
    let again = world.call(&secret, "POST", &format!("/api/projects/{}/api-key", project.id), None).await;
    assert_eq!(again.status, 201, "{}", again.body);
    let regenerated = world.read_back(again.body["data"]["id"].as_str().unwrap()).await;
    assert_eq!((&regenerated["allowedIps"], &regenerated["expiresAt"]), (&mbk["allowedIps"], &mbk["expiresAt"]));
    let old = world.call(&secret, "GET", &format!("/api/projects/{}/feedback", project.id), None).await;
    assert_eq!(old.status, 401, "the old key is regenerated away: {}", old.body);
}

#[tokio::test]
async fn a_change_cannot_lift_the_changers_own_restrictions() {
    let world = World::new().await;
    let body =
        json!({"name": "restricted owner", "role": "owner", "allowedIps": ["127.0.0.0/8"], "rateLimitPerMinute": 30});
    let created = world.call(world.owner.expose(), "POST", "/api/v1/keys", Some(body)).await;
    let creator = created.body["data"]["key"].as_str().unwrap().to_owned();
    let child = world.call(&creator, "POST", "/api/v1/keys", Some(json!({"name": "child"}))).await;
    let path = format!("/api/v1/keys/{}", child.body["data"]["id"].as_str().unwrap());
    for (change, field) in [
        (json!({"allowedIps": null}), "allowedIps: "),
        (json!({"allowedIps": []}), "allowedIps: "),
        (json!({"allowedIps": ["0.0.0.0/0"]}), "allowedIps: 0.0.0.0/0 is outside"),
        (json!({"rateLimitPerMinute": null}), "rateLimitPerMinute: "),
        (json!({"rateLimitPerMinute": 31}), "rateLimitPerMinute: 31 is above"),
    ] {
        let reply = world.call(&creator, "PATCH", &path, Some(change.clone())).await;
        assert_eq!(reply.status, 403, "{change}: {}", reply.body);
        assert!(reply.error().starts_with(field), "{change}: {}", reply.error());
    }
    let unchanged = world.read_back(path.rsplit('/').next().unwrap()).await;
    assert_eq!((&unchanged["allowedIps"], &unchanged["rateLimitPerMinute"]), (&json!(["127.0.0.0/8"]), &json!(30)));
    // Narrowing is fine; an unrestricted owner may lift what it likes.
    let narrowed = world.call(&creator, "PATCH", &path, Some(json!({"allowedIps": ["127.0.0.1"]}))).await;
    assert_eq!(narrowed.status, 200, "{}", narrowed.body);
    let lifted = world
        .call(world.owner.expose(), "PATCH", &path, Some(json!({"allowedIps": null, "rateLimitPerMinute": null})))
        .await;
    assert_eq!(lifted.status, 200, "{}", lifted.body);
}
