//! `hearken-bench`: what `/analytics` and `/topics` cost before and after the nightly rollup, and
//! what the rollup costs next to a plain parallel Scan, on DynamoDB Local (`make bench`).
//!
//! For each size (1,000 responses, then `BENCH_RESPONSES`, default 100,000) it creates its own
//! tables under a fresh prefix, a BUSINESS account and a survey (RATING + TEXT), fills the survey
//! with responses spread over the last `BENCH_DAYS` days (default 90, today included), serves the
//! template's routes through the real local gateway, and measures:
//! - `/analytics` and `/topics` over those days, before and after the rollup: DynamoDB calls and
//!   rounds (the gateway's `Server-Timing`), items read, DynamoDB time and wall time (medians of 5);
//! - the rollup's own time, calls and responses read, next to a parallel Scan (8 segments) of the
//!   same responses.
//!
//! It prints a markdown report on stdout (progress goes to stderr) and drops its tables at the end,
//! also after a failure or Ctrl-C. Only the gateway runs: not the stream consumers, so no model is
//! needed — the responses are written with the topics the topics function would have given them.

use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, Select, WriteRequest};
use chrono::NaiveDate;
use fastrand::Rng;
use futures::stream::{self, StreamExt, TryStreamExt};
use hearken::admin;
use hearken::analytics::DateRange;
use hearken::ids::SurveyId;
use hearken::plans::Plan;
use hearken::request_scope::RequestScope;
use hearken::rollup_job::RollupReport;
use hearken::store::responses::ResponseItem;
use hearken::store::surveys::{self, SurveyItem};
use hearken::store::{s, survey_days, Item};
use hearken::surveys::{new_survey_from_json, AnswerValue, Answers, Survey};
use hearken::time::Timestamp;
use hearken::App;
use hearken_local::bench_env::env_number;
use hearken_local::template::Template;
use hearken_local::{gateway, stack, tables};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Items per BatchWriteItem (DynamoDB's maximum).
const BATCH: usize = 25;
/// BatchWriteItems in flight: enough to keep DynamoDB Local's JVM busy on a 2-core machine
/// without piling up calls that hit the client's per-attempt timeout.
const IN_FLIGHT: usize = 16;
/// Calls per measured route; the medians are reported.
const CALLS: usize = 5;
/// Segments of the comparison Scan. A one-segment Scan is timed too, so that the table shows
/// whether DynamoDB Local (one JVM) gains anything from segments at all: on 2 cores it does not.
const SCAN_SEGMENTS: i32 = 8;
/// The small size, measured beside the configured one to show that the cost is flat.
const SMALL: u64 = 1_000;
const DAY_MS: i64 = 86_400_000;

/// What customers write, by topic: the topic's name (as the topics function would name it), a
/// sentence that mentions it, and whether it is a complaint (low ratings lean towards those).
const TOPICS: [(&str, &str, bool); 8] = [
    ("delivery time", "The courier took ages.", true),
    ("cold food", "The pizza arrived cold.", true),
    ("prices", "A bit expensive for what it is.", true),
    ("app crashes", "The app crashed at checkout.", true),
    ("friendly staff", "The driver was lovely and friendly.", false),
    ("food quality", "Tasty food, fresh ingredients.", false),
    ("easy ordering", "Ordering in the app was quick and easy.", false),
    ("packaging", "Neat packaging, nothing spilled.", false),
];

#[tokio::main]
async fn main() -> ExitCode {
    match main_inner().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("hearken-bench: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn main_inner() -> Result<(), String> {
    let responses = env_number("BENCH_RESPONSES", 100_000, 1, 10_000_000)?;
    // One request may cover at most 366 days; the bench reads all of them in one.
    let days = env_number("BENCH_DAYS", 90, 2, 366)? as u32;
    // The bench writes a lot and drops tables: only ever against a local emulator.
    let endpoint = std::env::var("AWS_ENDPOINT_URL_DYNAMODB").unwrap_or_default();
    if !["http://127.", "http://localhost", "http://[::1]"].iter().any(|p| endpoint.starts_with(p)) {
        return Err("AWS_ENDPOINT_URL_DYNAMODB must point at DynamoDB Local (run `make bench`, which starts it)".into());
    }
    let template = Template::load_default()?;
    let client = stack::client().await;

    let mut sizes = vec![SMALL.min(responses), responses];
    sizes.dedup();
    // Every table set's prefix is known before anything is created, so the clean-up below finds
    // them whatever happened.
    let run_id = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
    let prefixes: Vec<String> = sizes.iter().map(|n| format!("bench{run_id}-{n}-")).collect();

    // "Today" is fixed once: a run that crosses midnight (UTC) still gives consistent numbers,
    // since the rollup is told the same day and a day not rolled up is counted live anyway.
    let today = Timestamp::now().date();
    let work = async {
        let mut results = vec![];
        for (size, prefix) in sizes.iter().zip(&prefixes) {
            results.push(bench_size(&client, &template, prefix, *size, days, today).await?);
        }
        Ok::<_, String>(results)
    };
    let outcome = tokio::select! {
        outcome = work => outcome,
        _ = tokio::signal::ctrl_c() => Err("interrupted".to_owned()),
    };
    eprintln!("Dropping the bench tables ...");
    for prefix in &prefixes {
        tables::delete_all(&client, &template, prefix).await;
    }
    print_report(&outcome?, days, today);
    Ok(())
}

// -------------------------------------------------------------------------------------------------
// One size

/// The measurements of one survey size.
struct SizeResult {
    responses: u64,
    fill: Duration,
    batch_calls: u64,
    marks: u64,
    routes: Vec<RouteResult>,
    rollup: RollupResult,
    scan: ScanResult,
    sequential_scan: ScanResult,
    /// Whether `/analytics` and `/topics` answered the same before and after the rollup.
    same_answers: bool,
}

struct RouteResult {
    route: &'static str,
    after_rollup: bool,
    cost: RouteCost,
    reads: ItemsRead,
}

async fn bench_size(
    client: &aws_sdk_dynamodb::Client,
    template: &Template,
    prefix: &str,
    responses: u64,
    days: u32,
    today: NaiveDate,
) -> Result<SizeResult, String> {
    eprintln!("== {} responses over {days} days (tables {prefix}*)", thousands(responses));
    let tables = tables::create_all(client, template, prefix).await?;
    let app = App::new(client.clone(), tables);
    let http = GatewayClient::new(gateway::start(app.clone(), template, 0).await?)?;
    let failed = |e: hearken::Error| e.to_string();
    let (account, key) = admin::create_account(&app, "Bench", Plan::Business).await.map_err(failed)?;
    let key = key.expose().to_owned();
    let body = json!({
        "name": "Bench",
        "questions": [
            {"type": "RATING", "text": "How was your delivery?"},
            {"type": "TEXT", "text": "What could we do better?"}
        ]
    });
    let item = SurveyItem::new(&account.id, new_survey_from_json(body, Timestamp::now()).map_err(failed)?);
    surveys::create(&app, &item).await.map_err(failed)?.ok_or("the survey was not created")?;
    let survey = &item.survey;

    let first = today - chrono::Duration::days(i64::from(days) - 1);
    let plan = FillPlan::new(responses, first, days, Timestamp::now().unix_millis());
    let started = Instant::now();
    let (batch_calls, marks) = fill(&app, survey, &plan).await?;
    let fill_time = started.elapsed();
    eprintln!(
        "   filled in {:.1} s ({} BatchWriteItem calls, {marks} day marks)",
        fill_time.as_secs_f64(),
        thousands(batch_calls)
    );

    let range = DateRange { from: first, to: today };
    let paths = [
        ("/analytics", format!("/api/v1/surveys/{}/analytics?from={first}&to={today}", survey.id)),
        ("/topics", format!("/api/v1/surveys/{}/topics?from={first}&to={today}", survey.id)),
    ];
    // The key's first call of a minute also records its last use (a background write): the first
    // call is a warm-up, not measured.
    http.get(&paths[0].1, &key).await?;
    let mut routes = vec![];
    let mut answers_before = vec![];
    for (route, path) in &paths {
        let cost = measure(&http, path, &key).await?;
        let reads = items_read(&app, &survey.id, range, &plan).await?;
        eprintln!("   {route} before the rollup: {}", cost.summary());
        answers_before.push(cost.body.clone());
        routes.push(RouteResult { route, after_rollup: false, cost, reads });
    }

    eprintln!("   rolling up ...");
    let rollup = run_rollup(&app, today).await?;
    eprintln!(
        "   rollup: {} days, {} responses read in {:.1} s",
        rollup.report.days,
        thousands(rollup.report.responses_read),
        rollup.time.as_secs_f64()
    );
    let mut same_answers = true;
    for ((route, path), before) in paths.iter().zip(&answers_before) {
        let cost = measure(&http, path, &key).await?;
        let reads = items_read(&app, &survey.id, range, &plan).await?;
        eprintln!("   {route} after the rollup: {}", cost.summary());
        same_answers &= cost.body == *before;
        routes.push(RouteResult { route, after_rollup: true, cost, reads });
    }
    // The numbers are only worth printing if the routes counted every response.
    for route in routes.iter().filter(|r| r.route == "/analytics") {
        let counted = route.cost.body["data"]["responseCount"].as_u64();
        if counted != Some(responses) {
            return Err(format!("/analytics counted {counted:?} responses, not {responses}"));
        }
    }

    eprintln!("   scanning ...");
    let (scan, sequential_scan) = (scan(&app, SCAN_SEGMENTS).await?, scan(&app, 1).await?);
    for found in [scan.items, sequential_scan.items] {
        if found != responses {
            return Err(format!("the Scan found {found} responses, not {responses}"));
        }
    }
    Ok(SizeResult {
        responses,
        fill: fill_time,
        batch_calls,
        marks,
        routes,
        rollup,
        scan,
        sequential_scan,
        same_answers,
    })
}

// -------------------------------------------------------------------------------------------------
// Filling a survey

/// How many responses each day gets, and where each response falls.
struct FillPlan {
    first: NaiveDate,
    /// Responses per day, from `first`.
    per_day: Vec<u64>,
    /// Running totals of `per_day`: response `i` belongs to the first day whose total exceeds it.
    ends: Vec<u64>,
    /// The instant the fill started: today's responses are all before it.
    now_ms: i64,
}

impl FillPlan {
    fn new(responses: u64, first: NaiveDate, days: u32, now_ms: i64) -> FillPlan {
        let mut rng = Rng::with_seed(responses);
        let mut per_day = vec![0u64; days as usize];
        for _ in 0..responses {
            per_day[rng.u64(..u64::from(days)) as usize] += 1;
        }
        let ends = per_day
            .iter()
            .scan(0, |total, n| {
                *total += n;
                Some(*total)
            })
            .collect();
        FillPlan { first, per_day, ends, now_ms }
    }

    fn responses(&self) -> u64 {
        self.ends.last().copied().unwrap_or(0)
    }

    fn day(&self, index: usize) -> NaiveDate {
        self.first + chrono::Duration::days(index as i64)
    }

    fn count_on(&self, day: NaiveDate) -> u64 {
        let index = (day - self.first).num_days();
        usize::try_from(index).ok().and_then(|i| self.per_day.get(i)).copied().unwrap_or(0)
    }

    /// Response `i` as `submit` stores it, with the topics the topics function would have set.
    fn item(&self, survey: &Survey, i: u64) -> Result<Item, String> {
        let mut rng = Rng::with_seed(i ^ 0x5EED);
        let day_index = self.ends.partition_point(|end| *end <= i);
        let start = Timestamp::start_of(self.day(day_index)).unix_millis();
        let span = (self.now_ms - start).clamp(1, DAY_MS);
        let at = Timestamp::from_millis(start + rng.u64(..span as u64) as i64).ok_or("a bad instant")?;

        // Mostly good ratings, as real surveys get; a few responses skip the rating.
        let rating = match rng.u64(..100) {
            0..=5 => None,
            6..=13 => Some(1),
            14..=23 => Some(2),
            24..=40 => Some(3),
            41..=69 => Some(4),
            _ => Some(5),
        };
        // Complaints come with low ratings, praise with high ones, either with a 3 or none.
        let pool: Vec<&(&str, &str, bool)> = TOPICS
            .iter()
            .filter(|(_, _, complaint)| match rating {
                Some(1 | 2) => *complaint,
                Some(4 | 5) => !*complaint,
                _ => true,
            })
            .collect();
        let mut mentioned: Vec<&(&str, &str, bool)> = vec![];
        // Some skip the text question (incomplete responses); a text mentions one or two topics.
        if rng.u64(..100) < 70 {
            for _ in 0..1 + rng.u64(..2) {
                let topic = pool[rng.u64(..pool.len() as u64) as usize];
                if !mentioned.contains(&topic) {
                    mentioned.push(topic);
                }
            }
        }
        let mut answers = Answers::new();
        if let Some(rating) = rating {
            answers.insert(survey.questions[0].id.to_string(), AnswerValue::Number(rating));
        }
        if !mentioned.is_empty() {
            let text = mentioned.iter().map(|(_, sentence, _)| *sentence).collect::<Vec<_>>().join(" ");
            answers.insert(survey.questions[1].id.to_string(), AnswerValue::Text(text));
        }
        let mut response = survey.response_at(answers, at);
        response.topics = Some(mentioned.iter().map(|(name, _, _)| (*name).to_owned()).collect());
        serde_dynamo::to_item(ResponseItem::new(response)).map_err(|e| e.to_string())
    }
}

/// Writes the plan's responses and day marks, and the survey's `responseCount`: the items the
/// public page's `submit` leaves behind, written in batches instead of one transaction each.
/// Answers (BatchWriteItem calls, day marks).
async fn fill(app: &App, survey: &Survey, plan: &FillPlan) -> Result<(u64, u64), String> {
    let total = plan.responses();
    let batches = total.div_ceil(BATCH as u64);
    // Progress in tenths, for fills long enough to wait for.
    let report_every = if batches >= 200 { batches / 10 } else { u64::MAX };
    let started = Instant::now();
    let calls: Vec<u64> = stream::iter(0..batches)
        .map(|batch| async move {
            let items = (batch * BATCH as u64..((batch + 1) * BATCH as u64).min(total))
                .map(|i| plan.item(survey, i))
                .collect::<Result<Vec<_>, _>>()?;
            let calls = write_batch(app, &app.tables.feedback, items).await?;
            if (batch + 1) % report_every == 0 {
                eprintln!(
                    "   ~{} responses written ({:.0} s)",
                    thousands(((batch + 1) * BATCH as u64).min(total)),
                    started.elapsed().as_secs_f64()
                );
            }
            Ok::<_, String>(calls)
        })
        .buffer_unordered(IN_FLIGHT)
        .try_collect()
        .await?;

    // One mark per day with responses, through the library's own update (the one each response's
    // transaction makes): the same attributes, counted once instead of once per response.
    let marked: Vec<NaiveDate> =
        (0..plan.per_day.len()).filter(|i| plan.per_day[*i] > 0).map(|i| plan.day(i)).collect();
    stream::iter(&marked)
        .map(|day| survey_days::mark(app, &survey.id, *day))
        .buffer_unordered(IN_FLIGHT)
        .try_collect::<Vec<()>>()
        .await
        .map_err(|e| e.to_string())?;

    // What the responses' transactions would have added to the survey.
    app.db
        .update_item()
        .table_name(&app.tables.surveys)
        .key("pk", s(survey.id.as_str()))
        .key("sk", s(surveys::SURVEY_SK))
        .update_expression("SET responseCount = :n")
        .expression_attribute_values(":n", AttributeValue::N(total.to_string()))
        .send()
        .await
        .map_err(|e| format!("responseCount: {}", aws_sdk_dynamodb::error::DisplayErrorContext(e)))?;
    Ok((calls.iter().sum(), marked.len() as u64))
}

/// Puts up to 25 items, retrying what DynamoDB leaves unprocessed (and failed calls: a put is
/// idempotent) with growing pauses. Answers the calls it took.
async fn write_batch(app: &App, table: &str, items: Vec<Item>) -> Result<u64, String> {
    let mut pending = items
        .into_iter()
        .map(|item| {
            let put = PutRequest::builder().set_item(Some(item)).build().map_err(|e| e.to_string())?;
            Ok(WriteRequest::builder().put_request(put).build())
        })
        .collect::<Result<Vec<_>, String>>()?;
    let (mut calls, mut retries) = (0u64, 0u32);
    while !pending.is_empty() {
        let out = app.db.batch_write_item().request_items(table, pending.clone()).send().await;
        calls += 1;
        match out {
            Ok(out) => {
                let before = pending.len();
                pending = out.unprocessed_items.and_then(|mut left| left.remove(table)).unwrap_or_default();
                if pending.len() < before {
                    retries = 0;
                    continue;
                }
            }
            Err(err) if retries >= 8 => {
                return Err(format!("BatchWriteItem: {}", aws_sdk_dynamodb::error::DisplayErrorContext(err)));
            }
            Err(_) => {}
        }
        retries += 1;
        tokio::time::sleep(Duration::from_millis(50 << retries.min(6))).await;
    }
    Ok(calls)
}

// -------------------------------------------------------------------------------------------------
// Reading the routes

/// One HTTP answer: status, `Server-Timing`, body.
struct Reply {
    status: u16,
    server_timing: String,
    body: Value,
}

/// The local gateway over plain HTTP.
struct GatewayClient {
    http: reqwest::Client,
    base: String,
}

impl GatewayClient {
    fn new(address: SocketAddr) -> Result<GatewayClient, String> {
        // A generous timeout: a route over 100,000 live responses takes a while on DynamoDB Local.
        let http = reqwest::Client::builder().timeout(Duration::from_secs(120)).build().map_err(|e| e.to_string())?;
        Ok(GatewayClient { http, base: format!("http://{address}") })
    }

    /// A GET with the key; the answer read whole.
    async fn get(&self, path: &str, key: &str) -> Result<Reply, String> {
        let request = self.http.get(format!("{}{path}", self.base)).header("x-api-key", key);
        let response =
            request.header("accept", "application/json").send().await.map_err(|e| format!("GET {path}: {e}"))?;
        let status = response.status().as_u16();
        let server_timing =
            response.headers().get("server-timing").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        let body = response.bytes().await.map_err(|e| format!("GET {path}: {e}"))?;
        Ok(Reply { status, server_timing, body: serde_json::from_slice(&body).unwrap_or(Value::Null) })
    }
}

/// A number after `label` in a `Server-Timing` value.
fn timing_number(timing: &str, label: &str) -> Option<f64> {
    let start = timing.find(label)? + label.len();
    timing[start..].chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect::<String>().parse().ok()
}

/// A route's cost over [`CALLS`] calls: medians, and the last answer.
struct RouteCost {
    calls: f64,
    rounds: f64,
    db: Duration,
    wall: Duration,
    body: Value,
}

impl RouteCost {
    fn summary(&self) -> String {
        format!("{} calls, {} rounds, db {}, wall {}", self.calls, self.rounds, duration(self.db), duration(self.wall))
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

async fn measure(http: &GatewayClient, path: &str, key: &str) -> Result<RouteCost, String> {
    let (mut calls, mut rounds, mut db, mut wall) = (vec![], vec![], vec![], vec![]);
    let mut body = Value::Null;
    for _ in 0..CALLS {
        let started = Instant::now();
        let reply = http.get(path, key).await?;
        wall.push(started.elapsed().as_secs_f64());
        if reply.status != 200 {
            return Err(format!("GET {path} answered {}: {}", reply.status, reply.body));
        }
        let number = |label| {
            timing_number(&reply.server_timing, label)
                .ok_or_else(|| format!("no {label} in Server-Timing '{}'", reply.server_timing))
        };
        calls.push(number("calls=")?);
        rounds.push(number("rounds=")?);
        db.push(number("dur=")? / 1000.0);
        body = reply.body;
    }
    // Medians: a call that happens to open a new minute also records the key's last use, one
    // background call more that says nothing about the route.
    Ok(RouteCost {
        calls: median(calls),
        rounds: median(rounds),
        db: Duration::from_secs_f64(median(db)),
        wall: Duration::from_secs_f64(median(wall)),
        body,
    })
}

/// The data items a route reads for a range: the day items (rollups and marks, one Query) and the
/// responses of the days not rolled up, counted live.
struct ItemsRead {
    day_items: u64,
    live_days: u64,
    live_responses: u64,
}

async fn items_read(app: &App, survey: &SurveyId, range: DateRange, plan: &FillPlan) -> Result<ItemsRead, String> {
    let mut day_items = 0;
    let mut start: Option<Item> = None;
    loop {
        // The same key range the routes read, counted by DynamoDB itself.
        let out = app
            .db
            .query()
            .table_name(&app.tables.surveys)
            .key_condition_expression("pk = :s AND sk BETWEEN :lo AND :hi")
            .expression_attribute_values(":s", s(survey.as_str()))
            .expression_attribute_values(":lo", s(format!("day#{}", range.from)))
            .expression_attribute_values(":hi", s(format!("day#{}#~", range.to)))
            .select(Select::Count)
            .set_exclusive_start_key(start.take())
            .send()
            .await
            .map_err(|e| format!("counting day items: {}", aws_sdk_dynamodb::error::DisplayErrorContext(e)))?;
        day_items += out.scanned_count.max(0) as u64;
        start = out.last_evaluated_key;
        if start.is_none() {
            break;
        }
    }
    // Which days the routes count live, as they decide it.
    let live = survey_days::days(app, survey, range).await.map_err(|e| e.to_string())?.live;
    let live_responses = live.iter().map(|day| plan.count_on(*day)).sum();
    Ok(ItemsRead { day_items, live_days: live.len() as u64, live_responses })
}

// -------------------------------------------------------------------------------------------------
// The rollup and the Scan

struct RollupResult {
    report: RollupReport,
    time: Duration,
    calls: usize,
}

async fn run_rollup(app: &App, today: NaiveDate) -> Result<RollupResult, String> {
    // Lambda's 15 minutes, as the scheduled function has.
    let deadline = Instant::now() + Duration::from_secs(15 * 60);
    let started = Instant::now();
    // In a request scope, so that its DynamoDB calls are counted the way a route's are.
    let (report, scope) = RequestScope::run(hearken::rollup_job::run(app, today, deadline)).await;
    let time = started.elapsed();
    let report = report.map_err(|e| e.to_string())?;
    if report.stopped_early {
        return Err("the rollup stopped at its deadline".into());
    }
    Ok(RollupResult { report, time, calls: scope.db_usage().calls })
}

struct ScanResult {
    items: u64,
    calls: u64,
    time: Duration,
}

/// A plain Scan of the feedback table (which holds only this survey's responses) in `segments`
/// parallel segments: what computing analytics from the raw responses would read.
async fn scan(app: &App, segments: i32) -> Result<ScanResult, String> {
    let started = Instant::now();
    let segments = (0..segments).map(|segment| async move {
        let (mut items, mut calls) = (0u64, 0u64);
        let mut start: Option<Item> = None;
        loop {
            let out = app
                .db
                .scan()
                .table_name(&app.tables.feedback)
                .segment(segment)
                .total_segments(segments)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| format!("Scan: {}", aws_sdk_dynamodb::error::DisplayErrorContext(e)))?;
            calls += 1;
            items += out.items.map_or(0, |i| i.len() as u64);
            start = out.last_evaluated_key;
            if start.is_none() {
                return Ok::<_, String>((items, calls));
            }
        }
    });
    let counts = futures::future::try_join_all(segments).await?;
    Ok(ScanResult {
        items: counts.iter().map(|(items, _)| items).sum(),
        calls: counts.iter().map(|(_, calls)| calls).sum(),
        time: started.elapsed(),
    })
}

// -------------------------------------------------------------------------------------------------
// The report

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

fn duration(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{:.0} ms", d.as_secs_f64() * 1000.0)
    } else {
        format!("{:.2} s", d.as_secs_f64())
    }
}

/// A median count: whole unless the calls disagreed.
fn count(n: f64) -> String {
    if n.fract() == 0.0 {
        format!("{n:.0}")
    } else {
        format!("{n}")
    }
}

fn print_report(results: &[SizeResult], days: u32, today: NaiveDate) {
    let first = today - chrono::Duration::days(i64::from(days) - 1);
    println!(
        "### Analytics bench: DynamoDB Local, {} core(s)\n",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "Each survey (RATING + TEXT) gets its responses spread over {days} days ({first} to {today}, today \
         included), read with `from={first}&to={today}` through the local gateway. Medians of {CALLS} calls.\n"
    );
    for r in results {
        let written = r.responses + r.marks;
        println!(
            "- Fill, {} responses + {} day marks: {:.1} s ({} items/s; {} BatchWriteItem calls of up to {BATCH}, \
             {IN_FLIGHT} in flight)",
            thousands(r.responses),
            r.marks,
            r.fill.as_secs_f64(),
            thousands((written as f64 / r.fill.as_secs_f64().max(1e-9)) as u64),
            thousands(r.batch_calls)
        );
    }
    println!();
    println!("| Route | Responses | Rollup | DynamoDB calls | Rounds | Items read: day items + live responses (live days) | DynamoDB time | Wall time |");
    println!("|---|---:|---|---:|---:|---|---:|---:|");
    for route in ["/analytics", "/topics"] {
        for r in results {
            for row in r.routes.iter().filter(|row| row.route == route) {
                println!(
                    "| `{route}` | {} | {} | {} | {} | {} + {} ({} {}) | {} | {} |",
                    thousands(r.responses),
                    if row.after_rollup { "after" } else { "before" },
                    count(row.cost.calls),
                    count(row.cost.rounds),
                    row.reads.day_items,
                    thousands(row.reads.live_responses),
                    row.reads.live_days,
                    if row.reads.live_days == 1 { "day" } else { "days" },
                    duration(row.cost.db),
                    duration(row.cost.wall),
                );
            }
        }
    }
    println!();
    println!("| Responses | Work | Items read | DynamoDB calls | Time |");
    println!("|---:|---|---:|---:|---:|");
    for r in results {
        println!(
            "| {} | nightly rollup, first run ({} finished days) | {} responses | {} | {} |",
            thousands(r.responses),
            r.rollup.report.days,
            thousands(r.rollup.report.responses_read),
            thousands(r.rollup.calls as u64),
            duration(r.rollup.time),
        );
        for (scan, how) in
            [(&r.scan, format!("{SCAN_SEGMENTS} parallel segments")), (&r.sequential_scan, "1 segment".into())]
        {
            println!(
                "| {} | plain Scan, {how} | {} responses | {} | {} |",
                thousands(r.responses),
                thousands(scan.items),
                thousands(scan.calls),
                duration(scan.time),
            );
        }
    }
    println!();
    let same = results.iter().all(|r| r.same_answers);
    println!(
        "Live and rolled-up answers identical: {}. After the rollup only today is counted live, so what \
         the routes read follows one day's responses, not the survey's total; the rollup reads each \
         finished day's responses once (the Scan's work), then never again. Calls and items are what \
         DynamoDB would do; times are DynamoDB Local's on this machine, not DynamoDB's.",
        if same { "yes" } else { "NO" }
    );
}
