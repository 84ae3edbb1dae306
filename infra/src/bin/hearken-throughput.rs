//! `hearken-throughput`: how many feedback POSTs a second the local gateway serves, next to a raw
//! DynamoDB client doing the same DynamoDB work, on the same DynamoDB Local (issue 17: the gateway
//! should reach at least 0.8× the raw client's requests per second).
//!
//! It creates its own tables under a fresh prefix, a PRO account (no monthly cap) with one project,
//! and enough keys that none comes near its 600 requests a minute: the project's own key and
//! account keys for the gateway, other account keys for the raw side (so the two sides never share
//! a minute window), each side spreading its requests over its keys round-robin. Then, with
//! `BENCH_CLIENTS` concurrent clients (default 8), it runs the two sides interleaved — raw,
//! gateway, gateway, raw, …: `BENCH_ROUNDS` runs each (default 2) sharing `BENCH_SECONDS` per side
//! (default 30), each round starting with the side the last one ended with, so that whatever else
//! the machine does, and any drift over the bench, falls on both — after a warm-up of each side
//! (every key used once, then `BENCH_WARMUP` seconds, default 5):
//! - gateway: `POST /api/projects/{projectId}/feedback` with `X-API-Key` and a JSON message,
//!   through the real in-process gateway (template.yaml's route, the feedback function's handler),
//!   from one shared keep-alive HTTP client, every key already known to the function (warm path);
//! - raw: the DynamoDB operations a warm POST makes, built here with the SDK (no handler, no HTTP):
//!   one TransactWriteItems of six items — the key's version check, the account's month call
//!   counter, the key's minute window, the project's counters, the account's counters, the
//!   feedback item (`access::admit` and `store::feedback::create_writes`) — and beside it one
//!   strongly consistent GetItem of the window (the rate-limit headers); then, for a key's first
//!   request of a minute, the update of its `lastUsedAt`, as the function makes it. The transaction
//!   goes through `hearken::store::transact`, the function's own sender, so both sides retry
//!   DynamoDB's `TransactionConflict` and DynamoDB Local's lock waits with the same policy: every
//!   request updates the same account and project items, which is where the contention is.
//!
//! What separates the two is therefore what the gateway adds: HTTP on loopback, the API Gateway
//! event, the handler's parsing and checks, the response. Before measuring, the raw side's
//! requests are compared with the library's own builders where those are public (key check,
//! quota, window, account counters); after it, the project's, the account's and the month's
//! counters and the feedback table must all count every write both sides made.
//!
//! It prints a markdown report on stdout (progress goes to stderr) and drops its tables at the end,
//! also after a failure or Ctrl-C. It fails (after the report) when any answer was a 429 (a key over
//! its limit would make the numbers meaningless), when the raw side's requests differ from the
//! library's, or when the counters missed a write.

use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Put, ReturnValuesOnConditionCheckFailure, Select, TransactWriteItem, Update,
};
use futures::stream::{self, StreamExt, TryStreamExt};
use hearken::access::{KeyRecord, Role};
use hearken::admin;
use hearken::config::Tables;
use hearken::feedback::{NewFeedback, Source, Status};
use hearken::ids::{AccountId, ProjectId};
use hearken::plans::{Action, Plan};
use hearken::request_scope::{db_call, RequestScope};
use hearken::store::counters::{account_counts_id, Deltas};
use hearken::store::feedback::FeedbackItem;
use hearken::store::keys::{self, Lookup};
use hearken::store::{n, number, quota, s, transact, usage, Item};
use hearken::time::Timestamp;
use hearken::App;
use hearken_local::bench_env::env_number;
use hearken_local::template::Template;
use hearken_local::{gateway, stack, tables};
use serde_json::json;
use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

/// The plan of the bench account: no monthly cap, so only the per-key limit can refuse.
const PLAN: Plan = Plan::Pro;
/// A window item outlives its minute by this long (`store::usage`'s `KEEP_SECONDS`).
const WINDOW_KEEP_SECONDS: i64 = 120;
/// The busiest a key may be, at the rate seen in the warm-up, as a share of its per-minute limit
/// (were its side to run for a whole minute): above it the bench asks for more keys.
const KEY_HEADROOM: f64 = 0.8;
/// Distinct failure messages kept per run (the rest are counted as "other").
const FAILURE_KINDS: usize = 8;

#[tokio::main]
async fn main() -> ExitCode {
    match main_inner().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("hearken-throughput: {message}");
            ExitCode::FAILURE
        }
    }
}

/// What the environment asked for.
struct Config {
    clients: usize,
    /// Measured seconds per side, shared by its runs.
    seconds: u64,
    rounds: u32,
    /// Keys per side.
    keys: usize,
    warmup: Duration,
}

impl Config {
    fn from_env() -> Result<Config, String> {
        let config = Config {
            clients: env_number("BENCH_CLIENTS", 8, 1, 256)? as usize,
            seconds: env_number("BENCH_SECONDS", 30, 2, 3_600)?,
            rounds: env_number("BENCH_ROUNDS", 2, 1, 20)? as u32,
            keys: env_number("BENCH_KEYS", 64, 2, 1_000)? as usize,
            warmup: Duration::from_secs(env_number("BENCH_WARMUP", 5, 0, 600)?),
        };
        if config.seconds < u64::from(config.rounds) {
            return Err("BENCH_SECONDS must give each of the BENCH_ROUNDS runs at least a second".into());
        }
        Ok(config)
    }

    fn run_length(&self) -> Duration {
        Duration::from_secs_f64(self.seconds as f64 / f64::from(self.rounds))
    }
}

async fn main_inner() -> Result<(), String> {
    let config = Config::from_env()?;
    // The bench writes a lot and drops tables: only ever against a local emulator.
    let endpoint = std::env::var("AWS_ENDPOINT_URL_DYNAMODB").unwrap_or_default();
    if !["http://127.", "http://localhost", "http://[::1]"].iter().any(|p| endpoint.starts_with(p)) {
        return Err("AWS_ENDPOINT_URL_DYNAMODB must point at DynamoDB Local (run it under \
                    `infra/dynamodb-local.sh run`, which starts one)"
            .into());
    }
    let template = Template::load_default()?;
    let client = stack::client().await;
    // The prefix is known before anything is created, so the clean-up below finds the tables
    // whatever happened.
    let prefix = format!("thru{}-", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let outcome = tokio::select! {
        outcome = bench(&client, &template, &prefix, &config) => outcome,
        _ = tokio::signal::ctrl_c() => Err("interrupted".to_owned()),
    };
    eprintln!("Dropping the bench tables ...");
    tables::delete_all(&client, &template, &prefix).await;
    let report = outcome?;
    print_report(&report, &config);
    // Numbers measured on something else than the same work are printed, but do not pass.
    let rate_limited = report.all_runs().map(|run| run.tally.rate_limited).sum::<u64>();
    if rate_limited > 0 {
        return Err(format!("{rate_limited} answers were 429: give the bench more keys (BENCH_KEYS)"));
    }
    if report.self_check.iter().any(|line| line.starts_with("DIFFERENT")) {
        return Err("the raw side no longer builds what the library builds: update it".into());
    }
    if !report.counts.consistent() {
        return Err("the counters do not count every write the bench saw succeed".into());
    }
    Ok(())
}

// -------------------------------------------------------------------------------------------------
// The bench

struct Report {
    /// Measured runs, in the order they ran.
    runs: Vec<Run>,
    /// The warm-ups (every key once, then the timed warm-up), per side.
    warmups: Vec<Run>,
    self_check: Vec<String>,
    counts: Counts,
    /// The machine's 1-minute load average before the first run and after the last.
    load: (Option<f64>, Option<f64>),
}

impl Report {
    fn all_runs(&self) -> impl Iterator<Item = &Run> {
        self.runs.iter().chain(&self.warmups)
    }
}

async fn bench(
    client: &aws_sdk_dynamodb::Client,
    template: &Template,
    prefix: &str,
    config: &Config,
) -> Result<Report, String> {
    eprintln!("Creating tables {prefix}* ...");
    let tables = tables::create_all(client, template, prefix).await?;
    let app = App::new(client.clone(), tables.clone());
    let setup = set_up(&app, config.keys).await?;

    let address = gateway::start(app.clone(), template, 0).await?;
    let http = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(config.clients)
        .timeout(Duration::from_secs(60))
        .build()
        .map_err(|e| e.to_string())?;
    let gateway = Arc::new(Side::Gateway(GatewaySide {
        http,
        url: format!("http://{address}/api/projects/{}/feedback", setup.project),
        keys: setup.gateway_keys,
        next: AtomicUsize::new(0),
    }));
    // Its own SDK client (its own connections), configured as the gateway's.
    let raw = RawSide {
        app: App::new(stack::client().await, tables),
        account: setup.account.clone(),
        project: setup.project.clone(),
        keys: setup.raw_keys,
        next: AtomicUsize::new(0),
    };
    let self_check = raw.compare_with_library()?;
    for line in &self_check {
        eprintln!("   self-check: {line}");
    }
    let raw = Arc::new(Side::Raw(Box::new(raw)));

    let mut warmups = vec![];
    for side in [&gateway, &raw] {
        eprintln!("Warming up the {} side ({} keys, then {} s) ...", side.name(), side.keys(), config.warmup.as_secs());
        let first = every_key_once(side, config.clients).await?;
        let timed = run_side(side, config.clients, config.warmup).await?;
        eprintln!("   {}", timed.summary());
        check_keys_suffice(&timed, side.keys())?;
        warmups.extend([first, timed]);
    }

    let load_before = load_average();
    let mut runs = vec![];
    for round in 1..=config.rounds {
        // Each round starts with the side the last one ended with (raw, gateway, gateway, raw, …):
        // a drift over the bench (DynamoDB Local's JVM warming up, the tables growing) then falls
        // on both sides alike instead of favouring the side that always runs second.
        let order = if round % 2 == 1 { [&raw, &gateway] } else { [&gateway, &raw] };
        for side in order {
            eprintln!(
                "Run {round}/{}: {} side, {:.1} s ...",
                config.rounds,
                side.name(),
                config.run_length().as_secs_f64()
            );
            let mut run = run_side(side, config.clients, config.run_length()).await?;
            run.round = round;
            eprintln!("   {}", run.summary());
            runs.push(run);
        }
    }

    let load = (load_before, load_average());
    eprintln!("Checking the counters ...");
    let written = runs.iter().chain(&warmups).map(|run| run.tally.ok).sum();
    let counts = count_writes(&app, &setup.account, &setup.project, written).await?;
    Ok(Report { runs, warmups, self_check, counts, load })
}

/// The account, its project and the keys of both sides.
struct Setup {
    account: AccountId,
    project: ProjectId,
    /// The secrets the gateway's clients send: the project's key, then account keys.
    gateway_keys: Vec<String>,
    /// The raw side's keys, as stored.
    raw_keys: Vec<KeyRecord>,
}

async fn set_up(app: &App, keys_per_side: usize) -> Result<Setup, String> {
    let failed = |e: hearken::Error| e.to_string();
    let (account, _) = admin::create_account(app, "Throughput", PLAN).await.map_err(failed)?;
    let (project, project_key) = admin::create_project(app, &account.id, "Throughput", None).await.map_err(failed)?;
    eprintln!("Creating {} keys ...", 2 * keys_per_side - 1);
    // Members: an owner key would also move the account's owner-key count.
    let made: Vec<_> = stream::iter(0..2 * keys_per_side - 1)
        .map(|i| {
            let account = &account.id;
            async move { admin::create_key(app, account, &format!("Throughput {i}"), Role::Member).await }
        })
        .buffered(8)
        .try_collect()
        .await
        .map_err(failed)?;
    let (for_gateway, for_raw) = made.split_at(keys_per_side - 1);
    let mut gateway_keys = vec![project_key.expose().to_owned()];
    gateway_keys.extend(for_gateway.iter().map(|(_, secret)| secret.expose().to_owned()));
    // As stored (the version the key check holds them to).
    let mut raw_keys = vec![];
    for (record, _) in for_raw {
        match keys::lookup(app, &record.digest).await.map_err(failed)? {
            Lookup::Live(record) => raw_keys.push(*record),
            other => return Err(format!("key {} reads back as {other:?}", record.id)),
        }
    }
    Ok(Setup { account: account.id, project: project.id, gateway_keys, raw_keys })
}

/// Both sides' work, behind one call.
enum Side {
    Gateway(GatewaySide),
    Raw(Box<RawSide>),
}

impl Side {
    fn name(&self) -> &'static str {
        match self {
            Side::Gateway(_) => "gateway",
            Side::Raw(_) => "raw SDK",
        }
    }

    fn keys(&self) -> usize {
        match self {
            Side::Gateway(side) => side.keys.len(),
            Side::Raw(side) => side.keys.len(),
        }
    }

    /// One feedback write, with the next key in turn.
    async fn request(&self) -> Result<Done, Failure> {
        match self {
            Side::Gateway(side) => side.post(side.next.fetch_add(1, Ordering::Relaxed)).await,
            Side::Raw(side) => side.write(side.next.fetch_add(1, Ordering::Relaxed)).await,
        }
    }
}

/// A write that succeeded: the DynamoDB calls it made (retries included, the background
/// `lastUsedAt` update not) and its key's window count including it.
struct Done {
    calls: u64,
    window_hits: u64,
}

/// A write that did not: its HTTP status, if it got one, and what went wrong.
struct Failure {
    status: Option<u16>,
    detail: String,
}

fn message(i: usize) -> String {
    format!("Throughput bench feedback #{i}: the checkout page is quick now.")
}

// -------------------------------------------------------------------------------------------------
// The gateway side

struct GatewaySide {
    http: reqwest::Client,
    url: String,
    keys: Vec<String>,
    next: AtomicUsize,
}

impl GatewaySide {
    async fn post(&self, i: usize) -> Result<Done, Failure> {
        let key = &self.keys[i % self.keys.len()];
        let sent = self.http.post(&self.url).header("x-api-key", key).json(&json!({"message": message(i)})).send();
        let response = sent.await.map_err(|e| Failure { status: None, detail: format!("request failed: {e}") })?;
        let status = response.status().as_u16();
        let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let (timing, limit, remaining) =
            (header("server-timing"), header("x-ratelimit-limit"), header("x-ratelimit-remaining"));
        let body = response.bytes().await.map_err(|e| Failure { status: Some(status), detail: e.to_string() })?;
        if status != 201 {
            let text: String = String::from_utf8_lossy(&body).chars().take(160).collect();
            return Err(Failure { status: Some(status), detail: text });
        }
        let number = |text: Option<String>| text.and_then(|t| t.trim().parse::<u64>().ok());
        let calls = timing.as_deref().and_then(|t| timing_number(t, "calls=")).unwrap_or(0);
        let window_hits = match (number(limit), number(remaining)) {
            (Some(limit), Some(remaining)) => limit.saturating_sub(remaining),
            _ => 0,
        };
        Ok(Done { calls, window_hits })
    }
}

/// A number after `label` in a `Server-Timing` value.
fn timing_number(timing: &str, label: &str) -> Option<u64> {
    let start = timing.find(label)? + label.len();
    timing[start..].chars().take_while(char::is_ascii_digit).collect::<String>().parse().ok()
}

// -------------------------------------------------------------------------------------------------
// The raw side

struct RawSide {
    app: App,
    account: AccountId,
    project: ProjectId,
    keys: Vec<KeyRecord>,
    next: AtomicUsize,
}

/// The writes of a warm POST, built for one request.
struct Writes {
    key_check: ConditionCheck,
    quota: Update,
    window: Update,
    project_counters: Update,
    account_counters: Update,
    feedback: Put,
}

impl RawSide {
    fn tables(&self) -> &Tables {
        &self.app.tables
    }

    /// The key's per-minute limit: its own, never above the plan's.
    fn per_minute(key: &KeyRecord) -> u32 {
        let plan = PLAN.limits().per_key_per_minute;
        key.rate_limit_per_minute.map_or(plan, |own| own.min(plan))
    }

    /// The six writes, in the function's order.
    fn writes(&self, key: &KeyRecord, now: Timestamp, token: &str, item: &FeedbackItem) -> Result<Writes, String> {
        let failed = |e: aws_sdk_dynamodb::error::BuildError| e.to_string();
        let tables = self.tables();
        let account = self.account.as_str();

        // The key is still stored at the version kept: live, the account's, unchanged.
        let same_version = match key.rev {
            0 => "(attribute_not_exists(#rev) OR #rev = :rev)",
            _ => "#rev = :rev",
        };
        let key_check = ConditionCheck::builder()
            .table_name(&tables.keys)
            .key("digest", s(key.digest.clone()))
            .condition_expression(format!("accountId = :account AND {same_version}"))
            .expression_attribute_names("#rev", "rev")
            .expression_attribute_values(":account", s(account))
            .expression_attribute_values(":rev", n(key.rev))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(failed)?;

        // One call of the month on the account, if its plan is the one kept, allows the action and
        // has calls left (the plan table's numbers, as conditions); last month's counter goes.
        let mut values: Vec<(String, AttributeValue)> = vec![(":known".into(), s(PLAN.as_str()))];
        let mut allowed = vec![];
        for plan in Plan::ALL.into_iter().filter(|plan| plan.allows(Action::SubmitFeedback)) {
            allowed.push(format!(":allow_{}", plan.as_str()));
            values.push((format!(":allow_{}", plan.as_str()), s(plan.as_str())));
        }
        let (mut under, mut unlimited) = (vec!["attribute_not_exists(#calls)".to_owned()], vec![]);
        for plan in Plan::ALL {
            let name = plan.as_str();
            match plan.limits().calls_per_month {
                Some(max) => {
                    under.push(format!("(#plan = :quota_p_{name} AND #calls < :quota_l_{name})"));
                    values.push((format!(":quota_p_{name}"), s(name)));
                    values.push((format!(":quota_l_{name}"), n(max)));
                }
                None => {
                    unlimited.push(format!(":quota_u_{name}"));
                    values.push((format!(":quota_u_{name}"), s(name)));
                }
            }
        }
        if !unlimited.is_empty() {
            under.push(format!("#plan IN ({})", unlimited.join(", ")));
        }
        let mut quota = Update::builder()
            .table_name(&tables.accounts)
            .key("id", s(account))
            .update_expression("SET #calls = if_not_exists(#calls, :zero) + :one REMOVE #previous")
            .condition_expression(format!(
                "attribute_exists(id) AND #plan = :known AND #plan IN ({}) AND ({})",
                allowed.join(", "),
                under.join(" OR ")
            ))
            .expression_attribute_names("#calls", format!("calls#{}", now.month_key()))
            .expression_attribute_names("#previous", format!("calls#{}", now.previous_month_key()))
            .expression_attribute_names("#plan", "plan")
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":one", n(1))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        for (name, value) in values {
            quota = quota.expression_attribute_values(name, value);
        }
        let quota = quota.build().map_err(failed)?;

        // The key's minute window counts the request, if it has room.
        let start = window_start(now);
        let window = Update::builder()
            .table_name(&tables.usage)
            .key("pk", s(format!("{}#{start}", key.id)))
            .update_expression("ADD hits :one SET expiresAt = :expires, lastRequest = :token")
            .condition_expression("attribute_not_exists(hits) OR hits < :limit")
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":expires", n(start + 60 + WINDOW_KEEP_SECONDS))
            .expression_attribute_values(":token", s(token))
            .expression_attribute_values(":limit", n(Self::per_minute(key)))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(failed)?;

        // New feedback (status NEW, source API) in the four counters of the project and of the
        // account, each also bumping the counters' version; the project must be the account's and
        // active.
        let counted = [
            "count#total".to_owned(),
            format!("count#status#{}", Status::New.as_str()),
            format!("count#source#{}", Source::Api.as_str()),
            format!("count#{}#{}", Status::New.as_str(), Source::Api.as_str()),
        ];
        let add_counters = |mut update: aws_sdk_dynamodb::types::builders::UpdateBuilder| {
            let mut parts = vec!["#cnt_rev :cnt_one".to_owned()];
            update = update.expression_attribute_names("#cnt_rev", "rev").expression_attribute_values(":cnt_one", n(1));
            for (i, attribute) in counted.iter().enumerate() {
                parts.push(format!("#cnt_c{i} :cnt_d{i}"));
                update = update
                    .expression_attribute_names(format!("#cnt_c{i}"), attribute)
                    .expression_attribute_values(format!(":cnt_d{i}"), n(1));
            }
            update.update_expression(format!("ADD {}", parts.join(", ")))
        };
        let project_counters =
            add_counters(Update::builder().table_name(&tables.projects).key("id", s(item.project_id.as_str())))
                .condition_expression("attribute_exists(id) AND accountId = :account AND #state = :active")
                .expression_attribute_names("#state", "status")
                .expression_attribute_values(":account", s(account))
                .expression_attribute_values(":active", s("ACTIVE"))
                .build()
                .map_err(failed)?;
        let account_counters =
            add_counters(Update::builder().table_name(&tables.projects).key("id", s(format!("counts#{account}"))))
                .build()
                .map_err(failed)?;

        // The feedback item itself, as the function stores it.
        let feedback = Put::builder()
            .table_name(&tables.feedback)
            .set_item(Some(serde_dynamo::to_item(item).map_err(|e| e.to_string())?))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(failed)?;
        Ok(Writes { key_check, quota, window, project_counters, account_counters, feedback })
    }

    /// One warm POST's DynamoDB work, counted in a request scope as the function's is.
    async fn write(&self, i: usize) -> Result<Done, Failure> {
        let key = &self.keys[i % self.keys.len()];
        let (result, scope) = RequestScope::run(self.write_with(key, i)).await;
        let window_hits = result.map_err(|detail| Failure { status: None, detail })?;
        Ok(Done { calls: scope.db_usage().calls as u64, window_hits })
    }

    async fn write_with(&self, key: &KeyRecord, i: usize) -> Result<u64, String> {
        let now = Timestamp::now();
        let token = uuid::Uuid::new_v4().simple().to_string();
        let input = NewFeedback { message: message(i), context: None };
        let item = FeedbackItem::new(&self.account, &self.project, input, Source::Api);
        let w = self.writes(key, now, &token, &item)?;
        let items = vec![
            TransactWriteItem::builder().condition_check(w.key_check).build(),
            TransactWriteItem::builder().update(w.quota).build(),
            TransactWriteItem::builder().update(w.window).build(),
            TransactWriteItem::builder().update(w.project_counters).build(),
            TransactWriteItem::builder().update(w.account_counters).build(),
            TransactWriteItem::builder().put(w.feedback).build(),
        ];
        let start = window_start(now);
        let read = self
            .app
            .db
            .get_item()
            .table_name(&self.tables().usage)
            .key("pk", s(format!("{}#{start}", key.id)))
            .consistent_read(true)
            .send();
        let (sent, seen) = tokio::join!(transact(&self.app, items), db_call(read));
        sent.map_err(|e| format!("TransactWriteItems: {}", DisplayErrorContext(e)))?;
        // As the function: a failed read only loses the rate headers.
        let window = seen.ok().and_then(|out| out.item).unwrap_or_default();
        let hits = number(&window, "hits").unwrap_or(0).max(0) as u64;
        let own = window.get("lastRequest").and_then(|v| v.as_s().ok()).is_some_and(|last| *last == token);
        let hits = if own { hits } else { hits + 1 };
        if hits == 1 {
            // The key's first request of the minute records when it was last used.
            let touch = self
                .app
                .db
                .update_item()
                .table_name(&self.tables().keys)
                .key("digest", s(key.digest.clone()))
                .update_expression("SET lastUsedAt = :at")
                .condition_expression("attribute_exists(accountId)")
                .expression_attribute_values(":at", s(now.to_iso()))
                .send();
            if let Err(err) = touch.await {
                eprintln!("   could not record when a key was last used: {}", DisplayErrorContext(err));
            }
        }
        Ok(hits)
    }

    /// Compares the writes built here with the library's own builders, where those are public:
    /// the key check, the quota and the window in full, the account's counters in full and the
    /// project's counters' update (its condition is built inside `store::feedback`).
    fn compare_with_library(&self) -> Result<Vec<String>, String> {
        let failed = |e: hearken::Error| e.to_string();
        let key = &self.keys[0];
        let (now, token) = (Timestamp::now(), "self-check");
        let item = FeedbackItem::new(
            &self.account,
            &self.project,
            NewFeedback { message: message(0), context: None },
            Source::Api,
        );
        let mine = self.writes(key, now, token, &item)?;
        let allowed = Plan::ALL.into_iter().filter(|plan| plan.allows(Action::SubmitFeedback));
        let account = self.account.as_str();
        let library_quota = quota::take_call_write(
            &self.app,
            account,
            &now.month_key(),
            &now.previous_month_key(),
            PLAN,
            allowed,
            |plan| plan.limits().calls_per_month,
        )
        .map_err(failed)?;
        let library_window =
            usage::window_write(&self.app, key.id.as_str(), window_start(now), Self::per_minute(key), token)
                .map_err(failed)?;
        let deltas = Deltas::added(Status::New, Source::Api);
        let counters_of = |id: String| {
            deltas.apply(Update::builder().table_name(&self.tables().projects).key("id", s(id)), None).build()
        };
        let library_account = counters_of(account_counts_id(&self.account)).map_err(|e| e.to_string())?;
        let library_project = counters_of(self.project.to_string()).map_err(|e| e.to_string())?;
        let project_add_matches = mine.project_counters.update_expression() == library_project.update_expression()
            && mine.project_counters.key() == library_project.key()
            && library_project.expression_attribute_names().into_iter().flatten().all(|(name, attribute)| {
                mine.project_counters.expression_attribute_names().and_then(|names| names.get(name)) == Some(attribute)
            });
        let checks = [
            ("key check", mine.key_check == keys::unchanged_check(&self.app, key).map_err(failed)?),
            ("quota", mine.quota == library_quota),
            ("window", mine.window == library_window),
            ("account counters", mine.account_counters == library_account),
            ("project counters (update)", project_add_matches),
        ];
        let (same, differ): (Vec<_>, Vec<_>) = checks.iter().partition(|(_, same)| *same);
        let names = |list: &[&(&str, bool)]| list.iter().map(|(name, _)| *name).collect::<Vec<_>>().join(", ");
        let mut lines = vec![];
        if !same.is_empty() {
            lines.push(format!("identical to the library's builders: {}", names(&same)));
        }
        if !differ.is_empty() {
            lines.push(format!("DIFFERENT from the library's builders (update this bench): {}", names(&differ)));
        }
        Ok(lines)
    }
}

/// The start of the fixed minute window `now` falls in (`access::rate_limit::window_start`).
fn window_start(now: Timestamp) -> i64 {
    now.unix_seconds().div_euclid(60) * 60
}

// -------------------------------------------------------------------------------------------------
// Running a side

/// What one run of one side did.
struct Run {
    side: &'static str,
    /// 1-based; 0 for a warm-up.
    round: u32,
    elapsed: Duration,
    tally: Tally,
}

impl Run {
    fn per_second(&self) -> f64 {
        self.tally.ok as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    fn summary(&self) -> String {
        format!(
            "{}: {} writes in {:.1} s = {:.0}/s, p50 {}, p99 {}, {} failed",
            self.side,
            self.tally.ok,
            self.elapsed.as_secs_f64(),
            self.per_second(),
            millis(self.tally.percentile(50.0)),
            millis(self.tally.percentile(99.0)),
            self.tally.failed()
        )
    }
}

/// Outcomes of a run's requests.
#[derive(Clone, Default)]
struct Tally {
    ok: u64,
    /// Every request's latency (failed ones too), in microseconds.
    latencies: Vec<u32>,
    /// DynamoDB calls of the successful writes, and how many of those needed more than the two of
    /// a write that met no contention (the transaction and the window read).
    calls: u64,
    retried: u64,
    /// The highest count any key's window reached (from the rate headers or the window read).
    busiest_window: u64,
    rate_limited: u64,
    /// Failures by kind: status (or none) and message.
    failures: BTreeMap<String, u64>,
}

impl Tally {
    fn add(&mut self, latency: Duration, outcome: Result<Done, Failure>) {
        self.latencies.push(latency.as_micros().min(u128::from(u32::MAX)) as u32);
        match outcome {
            Ok(done) => {
                self.ok += 1;
                self.calls += done.calls;
                self.retried += u64::from(done.calls > 2);
                self.busiest_window = self.busiest_window.max(done.window_hits);
            }
            Err(failure) => {
                self.rate_limited += u64::from(failure.status == Some(429));
                let kind = match failure.status {
                    Some(status) => format!("HTTP {status}: {}", failure.detail),
                    None => failure.detail,
                };
                self.count_failure(kind, 1);
            }
        }
    }

    fn count_failure(&mut self, kind: String, count: u64) {
        let kind = if self.failures.len() < FAILURE_KINDS || self.failures.contains_key(&kind) {
            kind
        } else {
            "other".to_owned()
        };
        *self.failures.entry(kind).or_default() += count;
    }

    fn merge(&mut self, other: Tally) {
        self.ok += other.ok;
        self.latencies.extend(other.latencies);
        self.calls += other.calls;
        self.retried += other.retried;
        self.busiest_window = self.busiest_window.max(other.busiest_window);
        self.rate_limited += other.rate_limited;
        for (kind, count) in other.failures {
            self.count_failure(kind, count);
        }
    }

    fn failed(&self) -> u64 {
        self.failures.values().sum()
    }

    fn percentile(&self, p: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let mut sorted = self.latencies.clone();
        sorted.sort_unstable();
        let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
        Duration::from_micros(u64::from(sorted[rank.clamp(1, sorted.len()) - 1]))
    }
}

/// `clients` concurrent clients, each sending one write after the other until `duration` is up;
/// the run lasts until the last write in flight has its answer.
async fn run_side(side: &Arc<Side>, clients: usize, duration: Duration) -> Result<Run, String> {
    let started = Instant::now();
    let end = started + duration;
    // Tasks of their own, as independent clients are; dropping the set (Ctrl-C) stops them.
    let mut tasks = JoinSet::new();
    for _ in 0..clients {
        let side = side.clone();
        tasks.spawn(async move {
            let mut tally = Tally::default();
            while Instant::now() < end {
                let sent = Instant::now();
                let outcome = side.request().await;
                tally.add(sent.elapsed(), outcome);
            }
            tally
        });
    }
    let mut tally = Tally::default();
    while let Some(joined) = tasks.join_next().await {
        tally.merge(joined.map_err(|e| format!("a client task failed: {e}"))?);
    }
    Ok(Run { side: side.name(), round: 0, elapsed: started.elapsed(), tally })
}

/// One write with each key, `clients` at a time: the gateway's function gets to know every key
/// (it reads a key it does not know, and learns an account key's plan on its first use).
async fn every_key_once(side: &Arc<Side>, clients: usize) -> Result<Run, String> {
    let started = Instant::now();
    let outcomes: Vec<_> = stream::iter(0..side.keys())
        .map(|_| async {
            let sent = Instant::now();
            let outcome = side.request().await;
            (sent.elapsed(), outcome)
        })
        .buffer_unordered(clients)
        .collect()
        .await;
    let mut tally = Tally::default();
    for (latency, outcome) in outcomes {
        if let Err(failure) = &outcome {
            let status = failure.status.map_or("no answer".to_owned(), |s| s.to_string());
            return Err(format!("{} warm-up write failed ({status}): {}", side.name(), failure.detail));
        }
        tally.add(latency, outcome);
    }
    Ok(Run { side: side.name(), round: 0, elapsed: started.elapsed(), tally })
}

/// Fails when, at the warm-up's rate, a key would come near its per-minute limit.
fn check_keys_suffice(warmup: &Run, keys: usize) -> Result<(), String> {
    let limit = f64::from(PLAN.limits().per_key_per_minute);
    let per_key_minute = warmup.per_second() * 60.0 / keys as f64;
    if per_key_minute > KEY_HEADROOM * limit {
        let needed = (warmup.per_second() * 60.0 / (KEY_HEADROOM * limit)).ceil() as u64 + 1;
        return Err(format!(
            "at {:.0} writes/s, {keys} keys would take about {per_key_minute:.0} requests a minute each, too \
             close to the limit of {limit}: set BENCH_KEYS to at least {needed}",
            warmup.per_second()
        ));
    }
    Ok(())
}

// -------------------------------------------------------------------------------------------------
// The counters after the run

/// What the tables count after the bench, next to the writes it saw succeed.
struct Counts {
    written: u64,
    project: u64,
    account: u64,
    calls: u64,
    items: u64,
}

impl Counts {
    fn consistent(&self) -> bool {
        [self.project, self.account, self.calls, self.items].iter().all(|n| *n == self.written)
    }
}

async fn count_writes(app: &App, account: &AccountId, project: &ProjectId, written: u64) -> Result<Counts, String> {
    let tables = &app.tables;
    let project_item = read_item(app, &tables.projects, project.to_string()).await?;
    let counts_item = read_item(app, &tables.projects, account_counts_id(account)).await?;
    let account_item = read_item(app, &tables.accounts, account.to_string()).await?;
    let count = |item: &Item, name: &str| number(item, name).unwrap_or(0).max(0) as u64;

    // The feedback table holds nothing but the bench's feedback.
    let mut items = 0;
    let mut start: Option<Item> = None;
    loop {
        let out = app
            .db
            .scan()
            .table_name(&tables.feedback)
            .select(Select::Count)
            .consistent_read(true)
            .set_exclusive_start_key(start.take())
            .send()
            .await
            .map_err(|e| format!("Scan: {}", DisplayErrorContext(e)))?;
        items += out.count.max(0) as u64;
        start = out.last_evaluated_key;
        if start.is_none() {
            break;
        }
    }
    Ok(Counts {
        written,
        project: count(&project_item, "count#total"),
        account: count(&counts_item, "count#total"),
        calls: count(&account_item, &format!("calls#{}", Timestamp::now().month_key())),
        items,
    })
}

/// The 1-minute load average (Linux), to tell a quiet machine from a busy one.
fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg").ok()?.split_whitespace().next()?.parse().ok()
}

/// An item by its `id` (strongly consistent); `{}` when there is none.
async fn read_item(app: &App, table: &str, id: String) -> Result<Item, String> {
    let read = app.db.get_item().table_name(table).key("id", s(id)).consistent_read(true).send();
    let out = read.await.map_err(|e| format!("GetItem: {}", DisplayErrorContext(e)))?;
    Ok(out.item.unwrap_or_default())
}

// -------------------------------------------------------------------------------------------------
// The report

fn millis(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A side's runs as one.
fn combined(runs: &[Run], side: &'static str) -> Run {
    let mut total = Run { side, round: 0, elapsed: Duration::ZERO, tally: Tally::default() };
    for run in runs.iter().filter(|run| run.side == side) {
        total.elapsed += run.elapsed;
        total.tally.merge(run.tally.clone());
    }
    total
}

fn row(label: &str, run: &Run) -> String {
    let t = &run.tally;
    format!(
        "| {label} | {} | {} | {:.0} | {} | {} | {:.2} | {} |",
        run.side,
        thousands(t.ok),
        run.per_second(),
        millis(t.percentile(50.0)),
        millis(t.percentile(99.0)),
        t.calls as f64 / t.ok.max(1) as f64,
        t.failed()
    )
}

fn print_report(report: &Report, config: &Config) {
    let raw = combined(&report.runs, "raw SDK");
    let gateway = combined(&report.runs, "gateway");
    let ratio = gateway.per_second() / raw.per_second().max(1e-9);
    let limit = PLAN.limits().per_key_per_minute;
    println!(
        "### Gateway throughput: DynamoDB Local, {} core(s)\n",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "{} concurrent clients per side, each writing feedback one request after the other: through the \
         in-process gateway (`POST /api/projects/{{projectId}}/feedback`, one keep-alive HTTP client) and \
         as the same DynamoDB operations from a raw SDK client (one 6-item TransactWriteItems through \
         `hearken::store::transact`, the function's retry policy, beside one consistent GetItem). \
         {} interleaved runs of {:.1} s per side (raw, gateway, gateway, raw, …) after a warm-up; \
         {} keys per side, round-robin ({PLAN}: {limit} requests a minute each). Requests: writes \
         answered 201 (gateway) or committed (raw); latency over every request.\n",
        config.clients,
        config.rounds,
        config.run_length().as_secs_f64(),
        config.keys,
    );
    println!("| Run | Side | Requests | Requests/s | p50 | p99 | DynamoDB calls / request | Errors |");
    println!("|---|---|---:|---:|---:|---:|---:|---:|");
    for run in &report.runs {
        println!("{}", row(&run.round.to_string(), run));
    }
    println!("{}", row("**all**", &raw));
    println!("{}", row("**all**", &gateway));
    println!();
    println!(
        "**Gateway / raw: {ratio:.2}×** ({:.0} / {:.0} requests/s) — goal ≥ 0.8×: **{}**.\n",
        gateway.per_second(),
        raw.per_second(),
        if ratio >= 0.8 { "met" } else { "missed" }
    );

    let every: Vec<&Run> = report.all_runs().collect();
    let rate_limited: u64 = every.iter().map(|run| run.tally.rate_limited).sum();
    let busiest = every.iter().map(|run| run.tally.busiest_window).max().unwrap_or(0);
    println!(
        "- 429 answers: {rate_limited} (warm-ups included){}; the busiest key-minute counted {busiest} of \
         {limit} requests.",
        if rate_limited == 0 { ", as required" } else { " — NOT as required" }
    );
    let mut failures: BTreeMap<String, u64> = BTreeMap::new();
    for run in &every {
        for (kind, count) in &run.tally.failures {
            *failures.entry(format!("{} — {kind}", run.side)).or_default() += count;
        }
    }
    if failures.is_empty() {
        println!("- Non-201 answers (gateway) and failed writes (raw): none, warm-ups included.");
    } else {
        println!("- Non-201 answers (gateway) and failed writes (raw), warm-ups included:");
        for (kind, count) in &failures {
            println!("  - {count} × {kind}");
        }
    }
    println!(
        "- Writes that needed more than 2 DynamoDB calls (transaction retried after contention): gateway {:.1}%, \
         raw {:.1}%.",
        100.0 * gateway.tally.retried as f64 / gateway.tally.ok.max(1) as f64,
        100.0 * raw.tally.retried as f64 / raw.tally.ok.max(1) as f64
    );
    for line in &report.self_check {
        println!("- Raw side's requests {line}.");
    }
    let c = &report.counts;
    println!(
        "- After the bench: {} writes succeeded (warm-ups included); the project counts {}, the account's \
         counters {}, the month's calls {}, the feedback table {} items: {}.",
        thousands(c.written),
        thousands(c.project),
        thousands(c.account),
        thousands(c.calls),
        thousands(c.items),
        if c.consistent() { "consistent" } else { "NOT consistent" }
    );
    let load = |l: Option<f64>| l.map_or("?".to_owned(), |l| format!("{l:.2}"));
    println!(
        "- Load average (1 min) before the first run and after the last: {} and {} ({} cores).",
        load(report.load.0),
        load(report.load.1),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "\nBoth sides send the same transaction through the same `hearken::store::transact`, so they retry \
         `TransactionConflict` and DynamoDB Local's lock waits alike; what the gateway adds is HTTP on \
         loopback, the API Gateway event, the handler and its response. Times are DynamoDB Local's on this \
         machine, with the clients, the gateway and DynamoDB Local sharing its cores."
    );
}
