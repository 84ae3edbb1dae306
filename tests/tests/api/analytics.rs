//! `GET /api/v1/surveys/{surveyId}/analytics` and `/topics`, and the nightly rollup, end to end
//! against the README's "Analytics" contract: every parameter and error, the numbers, the
//! live-vs-rollup property test (random responses over random days, compared field by field live,
//! half rolled up and rolled up, and against totals this file computes itself), rollup
//! idempotence, crashes half-way and resumption, UTC day boundaries, the O(days) cost, tenant
//! isolation, plans and key use cases.
//!
//! Responses on past days are written through the library (`store::responses::submit`, the same
//! transaction the public page uses, which marks the response's day), since the page stamps "now".
//! Topics are written as the topics function will: the response's `topics` set in place and its
//! day marked again.

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::NaiveDate;
use fastrand::Rng;
use futures::stream::{self, StreamExt};
use hearken::analytics::DayRollup;
use hearken::ids::SurveyId;
use hearken::plans::Plan;
use hearken::rollup_job::{self, RollupReport};
use hearken::store::responses::{self, ResponseItem, Submitted};
use hearken::store::s;
use hearken::store::survey_days;
use hearken::store::surveys::{self, SurveyItem};
use hearken::time::Timestamp;
use hearken_tests::{encode, settle_in_one_minute_window, spawn_app_without_topics, texts, Reply, TestApp};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{Duration, Instant};

const SURVEY_NOT_FOUND: &str = "Survey not found";
const DAY_MS: i64 = 86_400_000;

type Item = HashMap<String, AttributeValue>;

/// The plan sentence of the README for a plan below BUSINESS.
fn needs_business(plan: &str) -> String {
    format!("This endpoint needs the BUSINESS plan; this account is on the {plan} plan.")
}

// ---------------------------------------------------------------------------------------------
// Time

/// Waits past midnight (UTC) when it is near, so that "today" stays one day for a whole test.
async fn away_from_midnight() {
    let left = DAY_MS - Timestamp::now().unix_millis().rem_euclid(DAY_MS);
    if left < 180_000 {
        tokio::time::sleep(Duration::from_millis(left as u64 + 1_000)).await;
    }
}

/// Today (UTC), once clear of midnight.
async fn today() -> NaiveDate {
    away_from_midnight().await;
    rollup_job::today()
}

fn days_before(day: NaiveDate, days: i64) -> NaiveDate {
    day - chrono::Duration::days(days)
}

/// `ms` milliseconds into `day`.
fn at(day: NaiveDate, ms: i64) -> Timestamp {
    Timestamp::from_millis(Timestamp::start_of(day).unix_millis() + ms).expect("a valid instant")
}

/// A deadline the rollup never reaches in a test.
fn far() -> Instant {
    Instant::now() + Duration::from_secs(600)
}

// ---------------------------------------------------------------------------------------------
// Surveys, responses and topics

/// A BUSINESS account's owner key.
async fn business(app: &TestApp) -> String {
    let (_, key) = app.account(Plan::Business).await;
    key.expose().to_owned()
}

/// A survey with three optional questions (rating, text, multiple choice), created through the
/// API, and its stored item (what a response is written against).
struct Fixture {
    id: String,
    item: SurveyItem,
}

async fn create_survey(app: &TestApp, key: &str, threshold: u8) -> Fixture {
    let body = json!({
        "name": "Analytics",
        "threshold": threshold,
        "questions": [
            {"type": "RATING", "text": "How was your delivery?"},
            {"type": "TEXT", "text": "What could we do better?"},
            {"type": "CHOICE", "text": "What did you order?", "options": ["Pizza", "Pasta"], "multiple": true}
        ]
    });
    let reply = app.call("POST", "/api/v1/surveys", key, Some(body)).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let id = reply.body["data"]["id"].as_str().expect("a survey id").to_owned();
    let item = stored_survey(app, &id).await;
    Fixture { id, item }
}

async fn stored_survey(app: &TestApp, id: &str) -> SurveyItem {
    let id = SurveyId::parse(id).expect("a survey id");
    surveys::get_public(&app.app, &id).await.expect("survey read").expect("survey stored")
}

/// Changes a survey's threshold through the API and reads its item again.
async fn set_threshold(app: &TestApp, key: &str, fixture: &mut Fixture, threshold: u8) {
    let path = format!("/api/v1/surveys/{}", fixture.id);
    let reply = app.call("PATCH", &path, key, Some(json!({ "threshold": threshold }))).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    fixture.item = stored_survey(app, &fixture.id).await;
    assert_eq!(fixture.item.survey.threshold, threshold);
}

/// A response to write: when, its rating, and which other questions it answers.
#[derive(Clone, Copy, Debug)]
struct Spec {
    at: Timestamp,
    rating: Option<u8>,
    text: bool,
    choice: bool,
}

fn spec(at: Timestamp, rating: Option<u8>, text: bool, choice: bool) -> Spec {
    Spec { at, rating, text, choice }
}

/// A written response as this file knows it (its own account of what analytics must count).
#[derive(Clone, Debug)]
struct Fact {
    id: String,
    day: NaiveDate,
    rating: Option<u8>,
    complete: bool,
    low: bool,
    topics: Option<Vec<String>>,
}

/// Writes one response at `spec.at` in the response's own transaction (which marks its day).
async fn write(app: &TestApp, survey: &SurveyItem, spec: Spec) -> Fact {
    let questions = &survey.survey.questions;
    let mut answers = serde_json::Map::new();
    if let Some(rating) = spec.rating {
        answers.insert(questions[0].id.to_string(), json!(rating));
    }
    if spec.text {
        answers.insert(questions[1].id.to_string(), json!("The courier took ages"));
    }
    if spec.choice {
        answers.insert(questions[2].id.to_string(), json!(["Pizza"]));
    }
    let answers = survey.survey.check_json(Some(&Value::Object(answers))).expect("valid answers");
    let response = survey.survey.response_at(answers, spec.at);
    let item = ResponseItem::new(response.clone());
    let stored = responses::submit(&app.app, survey, &item, None).await.expect("response written");
    assert_eq!(stored, Submitted::Stored);
    Fact {
        id: response.id.to_string(),
        day: spec.at.date(),
        rating: spec.rating,
        complete: spec.rating.is_some() && spec.text && spec.choice,
        low: spec.rating.is_some_and(|r| r < survey.survey.threshold),
        topics: None,
    }
}

/// Writes many responses, 16 at a time; the facts in the order of `specs`.
async fn write_all(app: &TestApp, survey: &SurveyItem, specs: Vec<Spec>) -> Vec<Fact> {
    stream::iter(specs).map(|spec| write(app, survey, spec)).buffered(16).collect().await
}

/// Gives a response its topics as the topics function does: `topics` set on the response, and
/// its day marked again.
async fn set_topics(app: &TestApp, survey: &str, fact: &mut Fact, topics: &[&str]) {
    let list = AttributeValue::L(topics.iter().map(|t| s(*t)).collect());
    app.app
        .db
        .update_item()
        .table_name(&app.app.tables.feedback)
        .key("pk", s(survey))
        .key("sk", s(fact.id.as_str()))
        .update_expression("SET topics = :list")
        .condition_expression("attribute_exists(pk)")
        .expression_attribute_values(":list", list)
        .send()
        .await
        .expect("topics written");
    let id = SurveyId::parse(survey).expect("a survey id");
    survey_days::mark(&app.app, &id, fact.day).await.expect("day marked");
    fact.topics = Some(topics.iter().map(|t| t.to_string()).collect());
}

/// Sets topics on several responses, 16 at a time: (index in `facts`, topics).
async fn set_all_topics(app: &TestApp, survey: &str, facts: &mut [Fact], topics: Vec<(usize, Vec<&str>)>) {
    let mut updates: Vec<(Fact, Vec<&str>)> = topics.into_iter().map(|(i, t)| (facts[i].clone(), t)).collect();
    stream::iter(updates.iter_mut())
        .for_each_concurrent(16, |(fact, topics)| async move { set_topics(app, survey, fact, topics).await })
        .await;
    for (fact, _) in updates {
        let index = facts.iter().position(|f| f.id == fact.id).expect("a written response");
        facts[index] = fact;
    }
}

// ---------------------------------------------------------------------------------------------
// Reading the routes

fn analytics_path(survey: &str, from: NaiveDate, to: NaiveDate) -> String {
    format!("/api/v1/surveys/{survey}/analytics?from={from}&to={to}")
}

fn topics_path(survey: &str, from: NaiveDate, to: NaiveDate, limit: usize) -> String {
    format!("/api/v1/surveys/{survey}/topics?from={from}&to={to}&limit={limit}")
}

/// A GET that must answer 200; its `data`.
async fn data(app: &TestApp, key: &str, path: &str) -> Value {
    let reply = app.call("GET", path, key, None).await;
    assert_eq!(reply.status, 200, "GET {path}: {}", reply.body);
    reply.body["data"].clone()
}

/// A GET that must answer 400 with a clear error; the error.
async fn bad_request(app: &TestApp, key: &str, path: &str) -> String {
    let reply = app.call("GET", path, key, None).await;
    assert_eq!(reply.status, 400, "GET {path}: {}", reply.body);
    assert!(!reply.error().is_empty(), "GET {path}: {}", reply.body);
    reply.error().to_owned()
}

/// One read of the property test, and what it covers.
#[derive(Clone, Debug)]
struct Read {
    path: String,
    from: NaiveDate,
    to: NaiveDate,
    /// `Some(limit)` for `/topics`.
    topics: Option<usize>,
}

fn analytics_read(survey: &str, from: NaiveDate, to: NaiveDate) -> Read {
    Read { path: analytics_path(survey, from, to), from, to, topics: None }
}

fn topics_read(survey: &str, from: NaiveDate, to: NaiveDate, limit: usize) -> Read {
    Read { path: topics_path(survey, from, to, limit), from, to, topics: Some(limit) }
}

async fn read_all(app: &TestApp, key: &str, reads: &[Read]) -> Vec<Value> {
    let mut answers = vec![];
    for read in reads {
        answers.push(data(app, key, &read.path).await);
    }
    answers
}

/// Where two answers first differ (`None`: equal), as a path into them.
fn first_difference(a: &Value, b: &Value, path: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => x.keys().chain(y.keys()).find_map(|key| {
            let at = format!("{path}.{key}");
            match (x.get(key), y.get(key)) {
                (Some(l), Some(r)) => first_difference(l, r, &at),
                (l, r) => Some(format!("{at}: {l:?} vs {r:?}")),
            }
        }),
        (Value::Array(x), Value::Array(y)) if x.len() != y.len() => {
            Some(format!("{path}: {} vs {} entries\n{a}\nvs\n{b}", x.len(), y.len()))
        }
        (Value::Array(x), Value::Array(y)) => {
            x.iter().zip(y).enumerate().find_map(|(i, (l, r))| first_difference(l, r, &format!("{path}[{i}]")))
        }
        _ => (a != b).then(|| format!("{path}: {a} vs {b}")),
    }
}

/// Asserts two sets of answers equal, field by field.
fn assert_same_answers(reads: &[Read], before: &[Value], after: &[Value], what: &str) {
    for ((read, before), after) in reads.iter().zip(before).zip(after) {
        if let Some(difference) = first_difference(before, after, "data") {
            panic!("{what}: GET {} differs at {difference}", read.path);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// This file's own totals

/// What a set of responses adds up to, computed here from what was written.
#[derive(Debug, Default, PartialEq, Eq)]
struct Totals {
    responses: u64,
    completed: u64,
    low_rated: u64,
    rating_sum: u64,
    rating_count: u64,
    histogram: [u64; 5],
    with_topics: u64,
    /// topic → [mentions, rating sum, rated mentions]
    topics: BTreeMap<String, [u64; 3]>,
}

impl Totals {
    fn of<'a>(facts: impl IntoIterator<Item = &'a Fact>) -> Totals {
        let mut totals = Totals::default();
        for fact in facts {
            totals.responses += 1;
            totals.completed += u64::from(fact.complete);
            totals.low_rated += u64::from(fact.low);
            if let Some(rating) = fact.rating {
                totals.rating_sum += u64::from(rating);
                totals.rating_count += 1;
                totals.histogram[usize::from(rating) - 1] += 1;
            }
            if let Some(topics) = &fact.topics {
                totals.with_topics += 1;
                // A response mentions a topic once, however often it is listed.
                let distinct: BTreeSet<&String> = topics.iter().collect();
                for topic in distinct {
                    let tally = totals.topics.entry(topic.clone()).or_default();
                    tally[0] += 1;
                    if let Some(rating) = fact.rating {
                        tally[1] += u64::from(rating);
                        tally[2] += 1;
                    }
                }
            }
        }
        totals
    }

    fn of_stored(day: &DayRollup) -> Totals {
        Totals {
            responses: day.responses,
            completed: day.completed,
            low_rated: day.low_rated,
            rating_sum: day.rating_sum,
            rating_count: day.rating_count,
            histogram: day.histogram,
            with_topics: day.with_topics,
            topics: day.topics.iter().map(|(t, v)| (t.clone(), [v.mentions, v.rating_sum, v.rating_count])).collect(),
        }
    }
}

fn within(facts: &[Fact], from: NaiveDate, to: NaiveDate) -> impl Iterator<Item = &Fact> {
    facts.iter().filter(move |f| (from..=to).contains(&f.day))
}

fn ratio(numerator: u64, denominator: u64) -> Option<f64> {
    (denominator > 0).then(|| numerator as f64 / denominator as f64)
}

/// Asserts a number is `exact` shown to `decimals` decimals (`None`: null).
fn assert_rounded(actual: &Value, exact: Option<f64>, decimals: i32, what: &str) {
    let Some(exact) = exact else {
        assert!(actual.is_null(), "{what}: expected null, got {actual}");
        return;
    };
    let got = actual.as_f64().unwrap_or_else(|| panic!("{what}: expected a number near {exact}, got {actual}"));
    let scale = 10f64.powi(decimals);
    assert!((got - exact).abs() <= 0.5 / scale + 1e-9, "{what}: {got} is not {exact} to {decimals} decimals");
    assert!(((got * scale).round() - got * scale).abs() < 1e-6, "{what}: {got} has more than {decimals} decimals");
}

/// Checks an `/analytics` answer against the responses written.
fn check_analytics(answer: &Value, facts: &[Fact], from: NaiveDate, to: NaiveDate, what: &str) {
    let fields: BTreeSet<&str> = answer.as_object().expect("an object").keys().map(String::as_str).collect();
    let expected_fields = [
        "from",
        "to",
        "responseCount",
        "completedCount",
        "completionRate",
        "averageRating",
        "lowRatedCount",
        "ratingDistribution",
        "dailyTrend",
    ];
    assert_eq!(fields, expected_fields.into_iter().collect::<BTreeSet<_>>(), "{what}: the fields of /analytics");
    assert_eq!((&answer["from"], &answer["to"]), (&json!(from.to_string()), &json!(to.to_string())), "{what}");
    let total = Totals::of(within(facts, from, to));
    assert_eq!(answer["responseCount"], json!(total.responses), "{what}: responseCount");
    assert_eq!(answer["completedCount"], json!(total.completed), "{what}: completedCount");
    assert_eq!(answer["lowRatedCount"], json!(total.low_rated), "{what}: lowRatedCount");
    assert_rounded(
        &answer["completionRate"],
        ratio(total.completed, total.responses),
        4,
        &format!("{what}: completionRate"),
    );
    assert_rounded(
        &answer["averageRating"],
        ratio(total.rating_sum, total.rating_count),
        2,
        &format!("{what}: averageRating"),
    );
    let h = total.histogram;
    let distribution = json!({"1": h[0], "2": h[1], "3": h[2], "4": h[3], "5": h[4]});
    assert_eq!(answer["ratingDistribution"], distribution, "{what}: ratingDistribution");
    let trend = answer["dailyTrend"].as_array().unwrap_or_else(|| panic!("{what}: dailyTrend in {answer}"));
    let days: Vec<NaiveDate> = from.iter_days().take_while(|d| *d <= to).collect();
    assert_eq!(trend.len(), days.len(), "{what}: one dailyTrend entry per day");
    for (entry, day) in trend.iter().zip(days) {
        let what = format!("{what}: dailyTrend of {day}");
        let keys: BTreeSet<&str> = entry.as_object().expect("an object").keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            ["averageRating", "date", "lowRated", "responses"].into_iter().collect::<BTreeSet<_>>(),
            "{what}"
        );
        let totals = Totals::of(within(facts, day, day));
        assert_eq!(entry["date"], json!(day.to_string()), "{what}");
        assert_eq!(entry["responses"], json!(totals.responses), "{what}: responses");
        assert_eq!(entry["lowRated"], json!(totals.low_rated), "{what}: lowRated");
        assert_rounded(&entry["averageRating"], ratio(totals.rating_sum, totals.rating_count), 2, &what);
    }
}

/// Checks a `/topics` answer against the responses written.
fn check_topics(answer: &Value, facts: &[Fact], from: NaiveDate, to: NaiveDate, limit: usize, what: &str) {
    let total = Totals::of(within(facts, from, to));
    let mut expected: Vec<(&String, &[u64; 3])> = total.topics.iter().collect();
    expected.sort_by(|a, b| b.1[0].cmp(&a.1[0]).then_with(|| a.0.cmp(b.0)));
    expected.truncate(limit);
    let topics = answer.as_array().unwrap_or_else(|| panic!("{what}: a list, got {answer}"));
    let names: Vec<(&str, u64)> = topics
        .iter()
        .map(|t| (t["topic"].as_str().unwrap_or_default(), t["mentions"].as_u64().unwrap_or_default()))
        .collect();
    let expected_names: Vec<(&str, u64)> = expected.iter().map(|(t, v)| (t.as_str(), v[0])).collect();
    assert_eq!(names, expected_names, "{what}: topics by mentions, then name");
    for (topic, (name, [mentions, sum, rated])) in topics.iter().zip(expected) {
        let what = format!("{what}: topic {name}");
        let keys: BTreeSet<&str> = topic.as_object().expect("an object").keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            ["averageRating", "mentions", "share", "topic"].into_iter().collect::<BTreeSet<_>>(),
            "{what}"
        );
        assert_rounded(&topic["averageRating"], ratio(*sum, *rated), 2, &format!("{what}: averageRating"));
        assert_rounded(&topic["share"], ratio(*mentions, total.responses), 4, &format!("{what}: share"));
    }
}

fn check_reads(reads: &[Read], answers: &[Value], facts: &[Fact], what: &str) {
    for (read, answer) in reads.iter().zip(answers) {
        let what = format!("{what}: GET {}", read.path);
        match read.topics {
            None => check_analytics(answer, facts, read.from, read.to, &what),
            Some(limit) => check_topics(answer, facts, read.from, read.to, limit, &what),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The day items of the surveys table

/// A survey's day items: rollups (`day#<date>`) and marks (`day#<date>#pending`), by day.
#[derive(Debug, Default)]
struct DayItems {
    rollups: BTreeMap<NaiveDate, Item>,
    marks: BTreeMap<NaiveDate, Item>,
}

impl DayItems {
    /// The rollups without the attributes named (`computedAt`, and `pk` to compare surveys).
    fn rollups_without(&self, names: &[&str]) -> BTreeMap<NaiveDate, Item> {
        self.rollups
            .iter()
            .map(|(day, item)| {
                let mut item = item.clone();
                for name in names {
                    item.remove(*name);
                }
                (*day, item)
            })
            .collect()
    }

    fn marked(&self) -> BTreeSet<NaiveDate> {
        self.marks.keys().copied().collect()
    }
}

async fn day_items(app: &TestApp, survey: &str) -> DayItems {
    let mut found = DayItems::default();
    let mut start = None;
    loop {
        let out = app
            .app
            .db
            .query()
            .table_name(&app.app.tables.surveys)
            .key_condition_expression("pk = :s AND begins_with(sk, :day)")
            .expression_attribute_values(":s", s(survey))
            .expression_attribute_values(":day", s("day#"))
            .consistent_read(true)
            .set_exclusive_start_key(start)
            .send()
            .await
            .expect("day items read");
        for item in out.items.unwrap_or_default() {
            let sk = item["sk"].as_s().expect("sk").clone();
            let rest = sk.strip_prefix("day#").expect("a day item");
            let (date, pending) = match rest.strip_suffix("#pending") {
                Some(date) => (date, true),
                None => (rest, false),
            };
            let day = NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap_or_else(|_| panic!("a date in {sk}"));
            if pending {
                found.marks.insert(day, item);
            } else {
                found.rollups.insert(day, item);
            }
        }
        start = out.last_evaluated_key;
        if start.is_none() {
            return found;
        }
    }
}

/// Checks the stored rollups against the responses written: one per finished day with responses,
/// each the day's totals.
fn check_rollup_items(items: &DayItems, facts: &[Fact], today: NaiveDate, what: &str) {
    let days: BTreeSet<NaiveDate> = facts.iter().map(|f| f.day).filter(|d| *d < today).collect();
    assert_eq!(items.rollups.keys().copied().collect::<BTreeSet<_>>(), days, "{what}: the rolled-up days");
    for (day, item) in &items.rollups {
        let stored: DayRollup = serde_dynamo::from_item(item.clone()).expect("a rollup item");
        assert_eq!(Totals::of_stored(&stored), Totals::of(within(facts, *day, *day)), "{what}: the rollup of {day}");
        assert!(item.contains_key("computedAt"), "{what}: {day}");
    }
}

/// The days with responses today or later (their marks stay: only finished days are rolled up).
fn live_days(facts: &[Fact], today: NaiveDate) -> BTreeSet<NaiveDate> {
    facts.iter().map(|f| f.day).filter(|d| *d >= today).collect()
}

// ---------------------------------------------------------------------------------------------
// Parameters and errors

#[tokio::test]
async fn the_range_defaults_to_the_last_thirty_days_and_is_checked() {
    let app = spawn_app_without_topics().await;
    let key = business(&app).await;
    let today = today().await;
    let fixture = create_survey(&app, &key, 3).await;
    let id = fixture.id.as_str();
    let facts = write_all(
        &app,
        &fixture.item,
        vec![
            spec(Timestamp::now(), Some(4), true, true),
            spec(at(days_before(today, 29), 1_000), Some(2), false, false),
            spec(at(days_before(today, 30), 1_000), Some(5), true, true),
            spec(at(days_before(today, 365), 0), Some(1), true, true),
            spec(at(days_before(today, 366), DAY_MS - 1), Some(1), true, true),
        ],
    )
    .await;

    // No range: the last 30 days, today included.
    let base = format!("/api/v1/surveys/{id}/analytics");
    let answer = data(&app, &key, &base).await;
    check_analytics(&answer, &facts, days_before(today, 29), today, "no range");
    let trend = answer["dailyTrend"].as_array().unwrap();
    assert_eq!(trend.len(), 30);
    assert_eq!(trend.first().unwrap()["date"], json!(days_before(today, 29).to_string()));
    assert_eq!(trend.last().unwrap()["date"], json!(today.to_string()));
    assert_eq!(answer["responseCount"], 2, "the response 30 days ago is outside the default range");

    // `from` alone runs to today.
    let from = days_before(today, 3);
    let answer = data(&app, &key, &format!("{base}?from={from}")).await;
    check_analytics(&answer, &facts, from, today, "from only");

    // An explicit range, and a single day.
    let (from, to) = (days_before(today, 40), days_before(today, 10));
    check_analytics(&data(&app, &key, &analytics_path(id, from, to)).await, &facts, from, to, "explicit range");
    let day = days_before(today, 30);
    let answer = data(&app, &key, &analytics_path(id, day, day)).await;
    check_analytics(&answer, &facts, day, day, "one day");
    assert_eq!((answer["responseCount"].clone(), answer["dailyTrend"].as_array().unwrap().len()), (json!(1), 1));

    // 366 days are allowed; 367 are not.
    let year = analytics_path(id, days_before(today, 365), today);
    let answer = data(&app, &key, &year).await;
    check_analytics(&answer, &facts, days_before(today, 365), today, "366 days");
    assert_eq!(answer["dailyTrend"].as_array().unwrap().len(), 366);
    assert_eq!(answer["responseCount"], 4, "the first day of the 366 is in, the day before is out");
    let error = bad_request(&app, &key, &analytics_path(id, days_before(today, 366), today)).await;
    assert!(error.contains("366"), "a 367-day range names the limit: {error}");
    let error = bad_request(&app, &key, &topics_path(id, days_before(today, 366), today, 20)).await;
    assert!(error.contains("366"), "{error}");
    assert_eq!(data(&app, &key, &topics_path(id, days_before(today, 365), today, 20)).await, json!([]));

    // `from` after `to`.
    for path in [
        analytics_path(id, today, days_before(today, 1)),
        topics_path(id, today, days_before(today, 1), 20),
        format!("{base}?from={}", today.succ_opt().unwrap()),
    ] {
        let error = bad_request(&app, &key, &path).await;
        assert!(error.contains("from") && error.contains("to"), "{path}: {error}");
    }

    // Malformed dates, in either parameter, on either route.
    for bad in ["2026-02-30", "2026-13-01", "yesterday", "30/11/2026", "2026-11-30T25:00:00Z"] {
        for (name, other) in [("from", "to"), ("to", "from")] {
            for route in ["analytics", "topics"] {
                let path =
                    format!("/api/v1/surveys/{id}/{route}?{name}={}&{other}={}", encode(bad), days_before(today, 1));
                let error = bad_request(&app, &key, &path).await;
                assert!(error.contains(name), "{path}: the error names '{name}': {error}");
            }
        }
    }

    // A datetime counts as its UTC day.
    let day = days_before(today, 30);
    let from = format!("{}T23:00:00-02:00", days_before(day, 1)); // day, 01:00 UTC
    let to = format!("{}T01:00:00+03:00", day.succ_opt().unwrap()); // day, 22:00 UTC
    let answer = data(&app, &key, &format!("{base}?from={}&to={}", encode(&from), encode(&to))).await;
    check_analytics(&answer, &facts, day, day, "datetimes");
    let to = format!("{day}T23:59:59.999Z");
    let answer = data(&app, &key, &format!("{base}?from={}&to={}", encode(&to), encode(&to))).await;
    check_analytics(&answer, &facts, day, day, "a UTC datetime");
}

#[tokio::test]
async fn topics_take_a_limit_from_1_to_100_default_20() {
    let app = spawn_app_without_topics().await;
    let key = business(&app).await;
    let today = today().await;
    let fixture = create_survey(&app, &key, 3).await;
    let id = fixture.id.clone();
    // 25 topics, topic i mentioned by i + 1 responses (so the order is by mentions).
    let specs: Vec<Spec> = (0..25)
        .map(|i| spec(at(days_before(today, 1 + i % 5), 60_000 * i), Some(1 + (i % 5) as u8), true, true))
        .collect();
    let mut facts = write_all(&app, &fixture.item, specs).await;
    let names: Vec<String> = (0..25).map(|i| format!("topic {i:02}")).collect();
    let topics: Vec<(usize, Vec<&str>)> = (0..25)
        .map(|r| (r, names.iter().enumerate().filter(|(i, _)| *i >= r).map(|(_, n)| n.as_str()).collect()))
        .collect();
    set_all_topics(&app, &id, &mut facts, topics).await;

    let base = format!("/api/v1/surveys/{id}/topics");
    let from = days_before(today, 29);
    let default = data(&app, &key, &base).await;
    assert_eq!(default.as_array().unwrap().len(), 20, "{default}");
    check_topics(&default, &facts, from, today, 20, "no limit");
    assert_eq!(default[0]["topic"], "topic 24");
    assert_eq!(default[0]["mentions"], 25);
    assert_eq!(default[0]["share"], 1.0);
    for limit in [1, 7, 25, 100] {
        let answer = data(&app, &key, &format!("{base}?limit={limit}")).await;
        check_topics(&answer, &facts, from, today, limit, &format!("limit={limit}"));
    }
    for limit in ["0", "101", "x", "-1", "2.5", "1e2"] {
        let error = bad_request(&app, &key, &format!("{base}?limit={limit}")).await;
        assert!(error.contains("limit"), "limit={limit}: {error}");
    }
}

// ---------------------------------------------------------------------------------------------
// The numbers

#[tokio::test]
async fn analytics_and_topics_add_up_the_responses() {
    let app = spawn_app_without_topics().await;
    let key = business(&app).await;
    let today = today().await;
    let mut fixture = create_survey(&app, &key, 3).await;
    let id = fixture.id.clone();
    let (a, b) = (days_before(today, 3), days_before(today, 1));
    let from = days_before(today, 4);

    // Nothing yet: zeros, nulls, every key of the distribution, every day of the trend.
    let empty = data(&app, &key, &analytics_path(&id, from, today)).await;
    let zero_day =
        |day: NaiveDate| json!({"date": day.to_string(), "responses": 0, "averageRating": null, "lowRated": 0});
    assert_eq!(
        empty,
        json!({
            "from": from.to_string(), "to": today.to_string(),
            "responseCount": 0, "completedCount": 0, "completionRate": null, "averageRating": null,
            "lowRatedCount": 0, "ratingDistribution": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0},
            "dailyTrend": from.iter_days().take(5).map(zero_day).collect::<Vec<_>>()
        })
    );
    assert_eq!(data(&app, &key, &topics_path(&id, from, today, 20)).await, json!([]));

    // Threshold 3: a response rated 1 or 2 is low.
    let mut facts = write_all(
        &app,
        &fixture.item,
        vec![
            spec(at(a, 1_000), Some(5), true, true),
            spec(at(a, 2_000), Some(1), true, false),
            spec(at(a, 3_000), Some(2), true, true),
            spec(at(a, 4_000), None, true, true),
            spec(at(b, 1_000), Some(4), true, true),
            spec(at(b, 2_000), Some(4), false, false),
            spec(at(b, 3_000), Some(3), true, true),
            spec(Timestamp::now(), Some(1), true, true),
        ],
    )
    .await;
    // From now on 4 is low too; the responses above keep their flag.
    set_threshold(&app, &key, &mut fixture, 5).await;
    let now = Timestamp::now();
    facts.extend(
        write_all(&app, &fixture.item, vec![spec(now, Some(4), true, true), spec(now, Some(5), false, true)]).await,
    );
    facts.sort_by_key(|f| f.id.clone());

    let by =
        |rating: Option<u8>, day: NaiveDate| facts.iter().position(|f| f.rating == rating && f.day == day).unwrap();
    let topics: Vec<(usize, Vec<&str>)> = vec![
        (by(Some(5), a), vec!["delivery time", "prices"]),
        (by(Some(1), a), vec!["delivery time"]),
        (by(Some(2), a), vec!["delivery time", "delivery time"]),
        (by(None, a), vec!["prices", "packaging"]),
        (by(Some(4), b), vec![]),
        (by(Some(1), today), vec!["customer service"]),
        (by(Some(5), today), vec!["prices"]),
    ];
    set_all_topics(&app, &id, &mut facts, topics).await;

    let expected = json!({
        "from": from.to_string(), "to": today.to_string(),
        "responseCount": 10, "completedCount": 6, "completionRate": 0.6, "averageRating": 3.22,
        "lowRatedCount": 4, "ratingDistribution": {"1": 2, "2": 1, "3": 1, "4": 3, "5": 2},
        "dailyTrend": [
            zero_day(from),
            {"date": a.to_string(), "responses": 4, "averageRating": 2.67, "lowRated": 2},
            zero_day(days_before(today, 2)),
            {"date": b.to_string(), "responses": 3, "averageRating": 3.67, "lowRated": 0},
            {"date": today.to_string(), "responses": 3, "averageRating": 3.33, "lowRated": 2},
        ]
    });
    let expected_topics = json!([
        {"topic": "delivery time", "mentions": 3, "averageRating": 2.67, "share": 0.3},
        {"topic": "prices", "mentions": 3, "averageRating": 5.0, "share": 0.3},
        {"topic": "customer service", "mentions": 1, "averageRating": 1.0, "share": 0.1},
        {"topic": "packaging", "mentions": 1, "averageRating": null, "share": 0.1},
    ]);
    let one_day = json!({
        "from": a.to_string(), "to": a.to_string(),
        "responseCount": 4, "completedCount": 2, "completionRate": 0.5, "averageRating": 2.67,
        "lowRatedCount": 2, "ratingDistribution": {"1": 1, "2": 1, "3": 0, "4": 0, "5": 1},
        "dailyTrend": [{"date": a.to_string(), "responses": 4, "averageRating": 2.67, "lowRated": 2}]
    });
    let today_topics = json!([
        {"topic": "customer service", "mentions": 1, "averageRating": 1.0, "share": 0.3333},
        {"topic": "prices", "mentions": 1, "averageRating": 5.0, "share": 0.3333},
    ]);
    let unrated_day = json!([
        {"topic": "delivery time", "mentions": 3, "averageRating": 2.67, "share": 0.75},
        {"topic": "prices", "mentions": 2, "averageRating": 5.0, "share": 0.5},
    ]);
    for stage in ["live", "after the rollup"] {
        if stage == "after the rollup" {
            let report = rollup_job::run(&app.app, today, far()).await.unwrap();
            assert_eq!((report.days, report.responses_read, report.stopped_early), (2, 7, false), "{report:?}");
        }
        let answer = data(&app, &key, &analytics_path(&id, from, today)).await;
        assert_eq!(first_difference(&answer, &expected, "data"), None, "{stage}");
        check_analytics(&answer, &facts, from, today, stage);
        let answer = data(&app, &key, &topics_path(&id, from, today, 20)).await;
        assert_eq!(first_difference(&answer, &expected_topics, "data"), None, "{stage}");
        let answer = data(&app, &key, &topics_path(&id, from, today, 2)).await;
        assert_eq!(answer, json!(expected_topics.as_array().unwrap()[..2]), "{stage}: limit 2");
        let answer = data(&app, &key, &analytics_path(&id, a, a)).await;
        assert_eq!(first_difference(&answer, &one_day, "data"), None, "{stage}: one day");
        let answer = data(&app, &key, &topics_path(&id, today, today, 20)).await;
        assert_eq!(first_difference(&answer, &today_topics, "data"), None, "{stage}: today's topics");
        let answer = data(&app, &key, &topics_path(&id, a, a, 2)).await;
        assert_eq!(first_difference(&answer, &unrated_day, "data"), None, "{stage}: day a's topics");
    }

    // `/feedback` lists each response's topics by the same names (null until processed).
    let listed = data(&app, &key, &format!("/api/v1/surveys/{id}/feedback?limit=100")).await;
    let listed: HashMap<&str, &Value> =
        listed.as_array().unwrap().iter().map(|r| (r["id"].as_str().unwrap(), &r["topics"])).collect();
    assert_eq!(listed.len(), facts.len());
    for fact in &facts {
        assert_eq!(listed[fact.id.as_str()], &json!(fact.topics), "{fact:?}");
    }

    // A survey whose responses have no rating: a completion rate, no average.
    let unrated = create_survey(&app, &key, 3).await;
    let facts = write_all(
        &app,
        &unrated.item,
        vec![
            spec(Timestamp::now(), None, true, true),
            spec(Timestamp::now(), None, true, false),
            spec(Timestamp::now(), None, false, false),
        ],
    )
    .await;
    let answer = data(&app, &key, &analytics_path(&unrated.id, today, today)).await;
    check_analytics(&answer, &facts, today, today, "unrated");
    assert_eq!((answer["completionRate"].clone(), answer["averageRating"].clone()), (json!(0.0), json!(null)));
    assert_eq!(answer["dailyTrend"][0]["averageRating"], json!(null));
}

// ---------------------------------------------------------------------------------------------
// The property test: live, half rolled up and rolled up answer the same

const TOPICS: [&str; 7] =
    ["delivery time", "prices", "customer service", "app crashes", "packaging", "café ambiance", "order accuracy"];

/// Random responses over the 41 days up to today (today now and then, a day's first or last
/// millisecond now and then).
fn random_specs(rng: &mut Rng, today: NaiveDate, count: u64) -> Vec<Spec> {
    let now_in_day = Timestamp::now().unix_millis().rem_euclid(DAY_MS);
    (0..count)
        .map(|_| {
            let day = if rng.u64(..100) < 15 { today } else { days_before(today, 1 + rng.u64(..40) as i64) };
            let latest = if day == today { now_in_day } else { DAY_MS - 1 };
            let ms = match rng.u64(..10) {
                0 => 0,
                1 => latest,
                _ => rng.u64(..latest as u64 + 1) as i64,
            };
            let rating = (rng.u64(..100) >= 20).then(|| 1 + rng.u64(..5) as u8);
            spec(at(day, ms), rating, rng.u64(..100) < 60, rng.u64(..100) < 60)
        })
        .collect()
}

/// Random topic lists (some empty, some with a topic twice) for about `percent` of the responses.
fn random_topics(rng: &mut Rng, facts: &[Fact], percent: u64) -> Vec<(usize, Vec<&'static str>)> {
    let mut topics = vec![];
    for i in 0..facts.len() {
        if rng.u64(..100) < percent {
            let count = rng.u64(..4);
            topics.push((i, (0..count).map(|_| TOPICS[rng.u64(..TOPICS.len() as u64) as usize]).collect()));
        }
    }
    topics
}

/// The property test's reads: the whole window, its topics (all, and a few), and random sub-ranges.
fn random_reads(rng: &mut Rng, survey: &str, today: NaiveDate) -> Vec<Read> {
    let start = days_before(today, 45);
    let mut reads = vec![
        analytics_read(survey, start, today),
        topics_read(survey, start, today, 100),
        topics_read(survey, start, today, 3),
        analytics_read(survey, days_before(today, 29), today),
    ];
    for _ in 0..4 {
        let a = days_before(today, rng.u64(..46) as i64);
        let b = days_before(today, rng.u64(..46) as i64);
        let (from, to) = (a.min(b), a.max(b));
        reads.push(analytics_read(survey, from, to));
        reads.push(topics_read(survey, from, to, 1 + rng.u64(..8) as usize));
    }
    reads
}

async fn property_round(app: &TestApp, key: &str, seed: u64, today: NaiveDate) {
    let mut rng = Rng::with_seed(seed);
    let what = |stage: &str| format!("seed {seed}, {stage}");
    let mut fixture = create_survey(app, key, 1 + rng.u64(..5) as u8).await;
    let id = fixture.id.clone();
    let count = 30 + rng.u64(..60);
    let mut facts = write_all(app, &fixture.item, random_specs(&mut rng, today, count)).await;
    // The threshold changes on the way: earlier responses keep their low-rated flag.
    set_threshold(app, key, &mut fixture, 1 + rng.u64(..5) as u8).await;
    let count = 10 + rng.u64(..30);
    facts.extend(write_all(app, &fixture.item, random_specs(&mut rng, today, count)).await);
    facts.sort_by_key(|f| f.id.clone());
    let topics = random_topics(&mut rng, &facts, 70);
    set_all_topics(app, &id, &mut facts, topics).await;

    // Live: nothing is rolled up yet.
    let reads = random_reads(&mut rng, &id, today);
    let live = read_all(app, key, &reads).await;
    check_reads(&reads, &live, &facts, &what("live"));

    // Half rolled up (as a run that crashed half-way leaves it): the same answers.
    let past: BTreeSet<NaiveDate> = facts.iter().map(|f| f.day).filter(|d| *d < today).collect();
    let early: Vec<NaiveDate> = past.iter().copied().filter(|_| rng.u64(..100) < 40).collect();
    let survey = SurveyId::parse(&id).unwrap();
    for day in &early {
        let (read, cleared) = rollup_job::roll_day(&app.app, &survey, *day).await.unwrap();
        assert_eq!((read, cleared), (within(&facts, *day, *day).count() as u64, true), "{}", what("roll_day"));
    }
    let mixed = read_all(app, key, &reads).await;
    assert_same_answers(&reads, &live, &mixed, &what("live vs half rolled up"));

    // Rolled up: the same answers, and rollups that hold each day's totals.
    let report = rollup_job::run(&app.app, today, far()).await.unwrap();
    let rest: Vec<&Fact> = facts.iter().filter(|f| f.day < today && !early.contains(&f.day)).collect();
    let expected = RollupReport {
        days: (past.len() - early.len()) as u64,
        responses_read: rest.len() as u64,
        remarked: 0,
        stopped_early: false,
    };
    assert_eq!(report, expected, "{}", what("the run"));
    let rolled = read_all(app, key, &reads).await;
    assert_same_answers(&reads, &live, &rolled, &what("live vs rolled up"));
    let items = day_items(app, &id).await;
    check_rollup_items(&items, &facts, today, &what("rolled up"));
    assert_eq!(items.marked(), live_days(&facts, today), "{}", what("only today stays marked"));

    // Later: topics re-assigned on some responses, and late responses on rolled-up days.
    let topics = random_topics(&mut rng, &facts, 20);
    set_all_topics(app, &id, &mut facts, topics).await;
    let late: Vec<Spec> = (0..5)
        .map(|_| {
            let day = days_before(today, 1 + rng.u64(..40) as i64);
            spec(at(day, rng.u64(..DAY_MS as u64) as i64), Some(1 + rng.u64(..5) as u8), rng.u64(..100) < 50, true)
        })
        .collect();
    facts.extend(write_all(app, &fixture.item, late).await);
    let live = read_all(app, key, &reads).await;
    check_reads(&reads, &live, &facts, &what("live after changes"));
    let report = rollup_job::run(&app.app, today, far()).await.unwrap();
    assert!(!report.stopped_early && report.remarked == 0, "{}: {report:?}", what("the second run"));
    let rolled = read_all(app, key, &reads).await;
    assert_same_answers(&reads, &live, &rolled, &what("live vs rolled up after changes"));
    let items = day_items(app, &id).await;
    check_rollup_items(&items, &facts, today, &what("rolled up after changes"));
    assert_eq!(items.marked(), live_days(&facts, today), "{}", what("only today stays marked"));
}

#[tokio::test]
async fn live_and_rolled_up_answers_are_the_same_for_random_responses() {
    let app = spawn_app_without_topics().await;
    let key = business(&app).await;
    let today = today().await;
    // HEARKEN_ANALYTICS_SEED replays one seed.
    let seeds: Vec<u64> = match std::env::var("HEARKEN_ANALYTICS_SEED") {
        Ok(seed) => vec![seed.parse().expect("a number")],
        Err(_) => vec![1, 7, 2026, 0xC0FFEE],
    };
    for seed in seeds {
        property_round(&app, &key, seed, today).await;
    }
}

// ---------------------------------------------------------------------------------------------
// Idempotence, crashes and resumption

/// Responses on a few past days and today, with topics on most.
async fn some_responses(app: &TestApp, fixture: &Fixture, today: NaiveDate, seed: u64) -> Vec<Fact> {
    let mut rng = Rng::with_seed(seed);
    let mut facts = write_all(app, &fixture.item, random_specs(&mut rng, today, 40)).await;
    facts.sort_by_key(|f| f.id.clone());
    let topics = random_topics(&mut rng, &facts, 80);
    set_all_topics(app, &fixture.id, &mut facts, topics).await;
    facts
}

#[tokio::test]
async fn the_rollup_is_idempotent_and_recounts_a_day_marked_again() {
    let app = spawn_app_without_topics().await;
    let key = business(&app).await;
    let today = today().await;
    let fixture = create_survey(&app, &key, 3).await;
    let id = fixture.id.clone();
    let survey = SurveyId::parse(&id).unwrap();
    let mut facts = some_responses(&app, &fixture, today, 11).await;
    let past: BTreeSet<NaiveDate> = facts.iter().map(|f| f.day).filter(|d| *d < today).collect();

    let first = rollup_job::run(&app.app, today, far()).await.unwrap();
    assert_eq!((first.days, first.stopped_early), (past.len() as u64, false));
    let once = day_items(&app, &id).await;
    check_rollup_items(&once, &facts, today, "first run");
    let answer = data(&app, &key, &analytics_path(&id, days_before(today, 45), today)).await;

    // Nothing marked: a second run does nothing and leaves every item as it was.
    let second = rollup_job::run(&app.app, today, far()).await.unwrap();
    assert_eq!(second, RollupReport::default());
    assert_eq!(day_items(&app, &id).await.rollups, once.rollups);

    // Every day marked again (as topic changes do) and rolled up again: the same items.
    for day in &past {
        survey_days::mark(&app.app, &survey, *day).await.unwrap();
    }
    let third = rollup_job::run(&app.app, today, far()).await.unwrap();
    assert_eq!((third.days, third.remarked, third.stopped_early), (past.len() as u64, 0, false));
    let again = day_items(&app, &id).await;
    assert_eq!(again.rollups_without(&["computedAt"]), once.rollups_without(&["computedAt"]), "rolled up twice");
    assert_eq!(again.marked(), live_days(&facts, today));
    assert_eq!(data(&app, &key, &analytics_path(&id, days_before(today, 45), today)).await, answer);

    // A late response on a rolled-up day marks it again: it counts at once (live), and the next
    // run recounts that day alone.
    let day = *past.iter().next().unwrap();
    let late = write(&app, &fixture.item, spec(at(day, 12 * 3_600_000), Some(2), true, true)).await;
    facts.push(late);
    assert!(survey_days::mark_count(&app.app, &survey, day).await.unwrap().is_some(), "the day is marked again");
    let answer = data(&app, &key, &analytics_path(&id, days_before(today, 45), today)).await;
    check_analytics(&answer, &facts, days_before(today, 45), today, "after a late response");
    let fourth = rollup_job::run(&app.app, today, far()).await.unwrap();
    let expected = RollupReport {
        days: 1,
        responses_read: within(&facts, day, day).count() as u64,
        remarked: 0,
        stopped_early: false,
    };
    assert_eq!(fourth, expected);
    let after = day_items(&app, &id).await;
    check_rollup_items(&after, &facts, today, "after the late response");
    for (other, item) in &after.rollups {
        if *other != day {
            assert_eq!(item, &again.rollups[other], "{other} was not rewritten");
        }
    }
    assert_eq!(data(&app, &key, &analytics_path(&id, days_before(today, 45), today)).await, answer);
}

#[tokio::test]
async fn after_a_crash_half_way_the_next_run_gives_the_items_of_a_clean_run() {
    let app = spawn_app_without_topics().await;
    let key = business(&app).await;
    let today = today().await;
    // Two surveys with the same responses: one rolled up through crashes, one cleanly.
    let crashed = create_survey(&app, &key, 3).await;
    let clean = create_survey(&app, &key, 3).await;
    let specs = random_specs(&mut Rng::with_seed(99), today, 120);
    let mut facts = vec![];
    for fixture in [&crashed, &clean] {
        let mut written = write_all(&app, &fixture.item, specs.clone()).await;
        let topics = random_topics(&mut Rng::with_seed(5), &written, 80);
        set_all_topics(&app, &fixture.id, &mut written, topics).await;
        facts.push(written);
    }
    let past: BTreeSet<NaiveDate> = facts[0].iter().map(|f| f.day).filter(|d| *d < today).collect();
    let reads = |survey: &str| {
        vec![
            analytics_read(survey, days_before(today, 45), today),
            topics_read(survey, days_before(today, 45), today, 100),
        ]
    };
    let (crashed_reads, clean_reads) = (reads(&crashed.id), reads(&clean.id));
    let clean_live = read_all(&app, &key, &clean_reads).await;
    check_reads(&clean_reads, &clean_live, &facts[1], "clean, live");

    // A crash half-way: some days rolled up, one day's rollup written with its mark still there
    // (the crash came between the write and the clearing; here a wrong rollup, to show it is
    // never read while the day is marked).
    let survey = SurveyId::parse(&crashed.id).unwrap();
    let days: Vec<NaiveDate> = past.iter().copied().collect();
    for day in days.iter().step_by(2) {
        rollup_job::roll_day(&app.app, &survey, *day).await.unwrap();
    }
    let wrong = DayRollup { responses: 999, rating_sum: 999, rating_count: 1, ..DayRollup::default() };
    survey_days::put_rollup(&app.app, &survey, days[1], wrong).await.unwrap();
    assert_same_answers(&crashed_reads, &clean_live, &read_all(&app, &key, &crashed_reads).await, "after the crash");

    // A run whose deadline has passed stops at once and leaves every mark.
    let marks = (day_items(&app, &crashed.id).await.marked(), day_items(&app, &clean.id).await.marked());
    let report = rollup_job::run(&app.app, today, Instant::now()).await.unwrap();
    assert_eq!(report, RollupReport { stopped_early: true, ..RollupReport::default() });
    assert_eq!((day_items(&app, &crashed.id).await.marked(), day_items(&app, &clean.id).await.marked()), marks);

    // Runs with short budgets stop part-way (days in hand finish; the rest stays marked), each
    // picking up where the last stopped, until one finishes: every marked day is rolled up once.
    let marked_past = marks.0.iter().chain(&marks.1).filter(|d| **d < today).count() as u64;
    let (mut days_rolled, mut budget_ms, mut runs) = (0, 5, 0);
    loop {
        let report = rollup_job::run(&app.app, today, Instant::now() + Duration::from_millis(budget_ms)).await.unwrap();
        days_rolled += report.days;
        runs += 1;
        assert_eq!(report.remarked, 0);
        let answers = read_all(&app, &key, &crashed_reads).await;
        assert_same_answers(&crashed_reads, &clean_live, &answers, &format!("after run {runs}"));
        if !report.stopped_early {
            break;
        }
        budget_ms *= 2;
        assert!(runs < 30, "the runs never finished");
    }
    assert_eq!(days_rolled, marked_past, "each marked day rolled up once over {runs} runs");

    let (a, b) = (day_items(&app, &crashed.id).await, day_items(&app, &clean.id).await);
    assert_eq!(a.rollups_without(&["pk", "computedAt"]), b.rollups_without(&["pk", "computedAt"]));
    check_rollup_items(&a, &facts[0], today, "crashed");
    assert_eq!((a.marked(), b.marked()), (live_days(&facts[0], today), live_days(&facts[1], today)));
    assert_same_answers(&crashed_reads, &clean_live, &read_all(&app, &key, &crashed_reads).await, "rolled up");
    assert_same_answers(&clean_reads, &clean_live, &read_all(&app, &key, &clean_reads).await, "clean, rolled up");
}

#[tokio::test]
async fn the_rollup_finds_its_work_in_the_index_resumes_and_leaves_today_alone() {
    let app = spawn_app_without_topics().await;
    let key = business(&app).await;
    let today = today().await;
    // Several surveys (their marks spread over the index's partitions), and one with a response
    // on each of 130 past days (more marks in one partition than one index page holds).
    let mut surveys = vec![];
    for seed in 0..6 {
        let fixture = create_survey(&app, &key, 3).await;
        let facts = some_responses(&app, &fixture, today, 100 + seed).await;
        surveys.push((fixture, facts));
    }
    let long = create_survey(&app, &key, 3).await;
    let specs =
        (1..=130).map(|d| spec(at(days_before(today, d), d * 1_000), Some(1 + (d % 5) as u8), true, d % 3 == 0));
    let mut facts = write_all(&app, &long.item, specs.collect()).await;
    facts.push(write(&app, &long.item, spec(Timestamp::now(), Some(5), true, true)).await);
    surveys.push((long, facts));

    let past_days: u64 = surveys
        .iter()
        .map(|(_, f)| f.iter().map(|f| f.day).filter(|d| *d < today).collect::<BTreeSet<_>>().len() as u64)
        .sum();
    let past_responses: u64 = surveys.iter().map(|(_, f)| f.iter().filter(|f| f.day < today).count() as u64).sum();
    let mut before = vec![];
    for (fixture, facts) in &surveys {
        let items = day_items(&app, &fixture.id).await;
        let days: BTreeSet<NaiveDate> = facts.iter().map(|f| f.day).collect();
        assert_eq!(items.marked(), days, "every day with a response is marked");
        assert!(items.rollups.is_empty());
        before.push(items.marked());
    }

    // Past its deadline: stops at once, every mark left.
    let report = rollup_job::run(&app.app, today, Instant::now()).await.unwrap();
    assert_eq!(report, RollupReport { stopped_early: true, ..RollupReport::default() });
    for ((fixture, facts), marked) in surveys.iter().zip(&before) {
        assert_eq!(&day_items(&app, &fixture.id).await.marked(), marked);
        let range = (days_before(today, 135), today);
        let answer = data(&app, &key, &analytics_path(&fixture.id, range.0, range.1)).await;
        check_analytics(&answer, facts, range.0, range.1, "nothing rolled up");
    }

    // The next run does it all: every finished day, from the index; today's marks stay.
    let report = rollup_job::run(&app.app, today, far()).await.unwrap();
    let expected = RollupReport { days: past_days, responses_read: past_responses, remarked: 0, stopped_early: false };
    assert_eq!(report, expected);
    let mut still_marked = BTreeSet::new();
    for (fixture, facts) in &surveys {
        let items = day_items(&app, &fixture.id).await;
        check_rollup_items(&items, facts, today, &fixture.id);
        assert_eq!(items.marked(), live_days(facts, today), "{}: only today's mark stays", fixture.id);
        if !items.marks.is_empty() {
            still_marked.insert(fixture.id.clone());
        }
        let range = (days_before(today, 135), today);
        let answer = data(&app, &key, &analytics_path(&fixture.id, range.0, range.1)).await;
        check_analytics(&answer, facts, range.0, range.1, "rolled up");
    }
    // The index holds no finished day any more, and exactly today's marks.
    let mut finished = vec![];
    let mut with_today = BTreeSet::new();
    for shard in 0..survey_days::PENDING_SHARDS {
        finished.extend(survey_days::pending_page(&app.app, shard, today, None).await.unwrap().0);
        let (marks, next) = survey_days::pending_page(&app.app, shard, today.succ_opt().unwrap(), None).await.unwrap();
        assert!(next.is_none());
        for (survey, day) in marks {
            assert_eq!(day, today);
            with_today.insert(survey.to_string());
        }
    }
    assert_eq!(finished, vec![], "no finished day left in the index");
    assert_eq!(with_today, still_marked);
    // Nothing left to do.
    assert_eq!(rollup_job::run(&app.app, today, far()).await.unwrap(), RollupReport::default());
}

// ---------------------------------------------------------------------------------------------
// UTC day boundaries

#[tokio::test]
async fn a_response_belongs_to_its_utc_day_to_the_millisecond() {
    let app = spawn_app_without_topics().await;
    let key = business(&app).await;
    let today = today().await;
    let fixture = create_survey(&app, &key, 3).await;
    let id = fixture.id.clone();
    let (d, y) = (days_before(today, 2), days_before(today, 1));
    let mut facts = write_all(
        &app,
        &fixture.item,
        vec![
            spec(at(d, DAY_MS - 1), Some(1), true, true),  // d 23:59:59.999
            spec(at(y, 0), Some(5), true, true),           // y 00:00:00.000
            spec(at(y, DAY_MS - 1), Some(2), true, false), // y 23:59:59.999
            spec(at(today, 0), Some(4), true, true),       // today 00:00:00.000
        ],
    )
    .await;
    facts.sort_by_key(|f| f.id.clone());
    assert_eq!(facts.iter().map(|f| f.day).collect::<Vec<_>>(), [d, y, y, today]);
    let topics = vec![
        (0, vec!["late evening"]),
        (1, vec!["early morning"]),
        (2, vec!["late evening"]),
        (3, vec!["early morning"]),
    ];
    set_all_topics(&app, &id, &mut facts, topics).await;

    let listed = data(&app, &key, &format!("/api/v1/surveys/{id}/feedback")).await;
    let mut times: Vec<&str> = listed.as_array().unwrap().iter().map(|r| r["createdAt"].as_str().unwrap()).collect();
    times.sort();
    assert_eq!(
        times,
        [
            format!("{d}T23:59:59.999Z"),
            format!("{y}T00:00:00.000Z"),
            format!("{y}T23:59:59.999Z"),
            format!("{today}T00:00:00.000Z")
        ]
    );

    let mut reads = vec![analytics_read(&id, days_before(today, 3), today)];
    for day in [days_before(today, 3), d, y, today] {
        reads.push(analytics_read(&id, day, day));
        reads.push(topics_read(&id, day, day, 20));
    }
    let live = read_all(&app, &key, &reads).await;
    check_reads(&reads, &live, &facts, "live");
    let trend: Vec<(Value, Value)> = live[0]["dailyTrend"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["responses"].clone(), e["averageRating"].clone()))
        .collect();
    assert_eq!(
        trend,
        [(json!(0), json!(null)), (json!(1), json!(1.0)), (json!(2), json!(3.5)), (json!(1), json!(4.0))]
    );

    let report = rollup_job::run(&app.app, today, far()).await.unwrap();
    assert_eq!((report.days, report.responses_read), (2, 3));
    let items = day_items(&app, &id).await;
    check_rollup_items(&items, &facts, today, "rolled up");
    assert_eq!(items.marked(), BTreeSet::from([today]));
    let rolled = read_all(&app, &key, &reads).await;
    assert_same_answers(&reads, &live, &rolled, "live vs rolled up");
}

// ---------------------------------------------------------------------------------------------
// Cost

#[tokio::test]
async fn a_rolled_up_range_costs_the_same_calls_whatever_the_number_of_responses() {
    let app = spawn_app_without_topics().await;
    let key = business(&app).await;
    let today = today().await;
    let (few, many) = (create_survey(&app, &key, 3).await, create_survey(&app, &key, 3).await);
    // 90 days: responses on every past day of the range and today, 30 in one survey, 300 in the
    // other.
    for (fixture, count) in [(&few, 30), (&many, 300)] {
        let specs = (0..count)
            .map(|i| {
                let day = if i % 10 == 0 { today } else { days_before(today, 1 + (i * 7) % 89) };
                let when = if day == today { Timestamp::now() } else { at(day, i * 1_000) };
                spec(when, Some(1 + (i % 5) as u8), true, i % 2 == 0)
            })
            .collect();
        write_all(&app, &fixture.item, specs).await;
    }
    rollup_job::run(&app.app, today, far()).await.unwrap();

    settle_in_one_minute_window().await;
    let from = days_before(today, 89);
    // The key's first call of the minute also writes its last-used time: not measured.
    data(&app, &key, &analytics_path(&few.id, from, today)).await;
    let mut costs = vec![];
    for path in [
        analytics_path(&few.id, from, today),
        analytics_path(&many.id, from, today),
        topics_path(&few.id, from, today, 20),
        topics_path(&many.id, from, today, 20),
    ] {
        let reply: Reply = app.call("GET", &path, &key, None).await;
        assert_eq!(reply.status, 200, "{path}: {}", reply.body);
        let (calls, rounds) = reply.db_calls_and_rounds();
        assert!(rounds <= 4, "{path}: {rounds} rounds ({})", reply.header("server-timing").unwrap());
        costs.push(calls);
    }
    assert_eq!(costs[0], costs[1], "/analytics: 30 and 300 responses cost the same calls ({costs:?})");
    assert_eq!(costs[2], costs[3], "/topics: 30 and 300 responses cost the same calls ({costs:?})");
}

// ---------------------------------------------------------------------------------------------
// Tenants, plans and keys

#[tokio::test]
async fn another_accounts_survey_reads_as_missing_and_only_business_keys_read() {
    let app = spawn_app_without_topics().await;
    let today = today().await;
    let (_, owner) = app.account(Plan::Business).await;
    let owner = owner.expose().to_owned();
    let fixture = create_survey(&app, &owner, 3).await;
    let mut facts = write_all(&app, &fixture.item, vec![spec(Timestamp::now(), Some(4), true, true)]).await;
    set_all_topics(&app, &fixture.id, &mut facts, vec![(0, vec!["delivery time"])]).await;
    let missing = SurveyId::generate().to_string();
    let routes = |survey: &str| {
        [
            format!("/api/v1/surveys/{survey}/analytics"),
            format!("/api/v1/surveys/{survey}/topics"),
            format!("/api/v1/surveys/{survey}/analytics?from={today}&to={today}"),
            format!("/api/v1/surveys/{survey}/topics?from={today}&to={today}&limit=5"),
        ]
    };

    // Another BUSINESS account: the survey does not exist for it, exactly like a missing one.
    let stranger = business(&app).await;
    for (theirs, nobodys) in routes(&fixture.id).iter().zip(routes(&missing)) {
        let theirs = app.call("GET", theirs, &stranger, None).await;
        let nobodys = app.call("GET", &nobodys, &stranger, None).await;
        assert_eq!((theirs.status, theirs.error()), (404, SURVEY_NOT_FOUND), "{}", theirs.body);
        assert_eq!((theirs.status, &theirs.body), (nobodys.status, &nobodys.body));
    }
    for path in ["/api/v1/surveys/not-a-survey/analytics", "/api/v1/surveys/srv_x/topics"] {
        let reply = app.call("GET", path, &owner, None).await;
        assert_eq!((reply.status, reply.error()), (404, SURVEY_NOT_FOUND), "{path}: {}", reply.body);
    }

    // The owner reads them; so does a READ_ONLY key, and the curl examples' Bearer header works.
    let made = app.call("POST", "/api/v1/keys", &owner, Some(json!({"name": "Looker", "useCase": "READ_ONLY"}))).await;
    assert_eq!(made.status, 201, "{}", made.body);
    let reader = made.body["data"]["key"].as_str().unwrap().to_owned();
    for path in routes(&fixture.id) {
        let own = data(&app, &owner, &path).await;
        assert_eq!(data(&app, &reader, &path).await, own, "READ_ONLY {path}");
        let bearer = app.http.get(app.url(&path)).header("authorization", format!("Bearer {reader}"));
        let reply = Reply::from(bearer.send().await.unwrap()).await;
        assert_eq!((reply.status, &reply.body["data"]), (200, &own), "Bearer {path}");
    }
    let topics = data(&app, &owner, &routes(&fixture.id)[1]).await;
    assert_eq!(topics, json!([{"topic": "delivery time", "mentions": 1, "averageRating": 4.0, "share": 1.0}]));

    // An INGEST key reads nothing.
    let made = app.call("POST", "/api/v1/keys", &owner, Some(json!({"name": "Form", "useCase": "INGEST"}))).await;
    assert_eq!(made.status, 201, "{}", made.body);
    let ingest = made.body["data"]["key"].as_str().unwrap().to_owned();
    for path in routes(&fixture.id) {
        let reply = app.call("GET", &path, &ingest, None).await;
        assert_eq!(reply.status, 403, "INGEST {path}: {}", reply.body);
        assert!(reply.error().contains("INGEST"), "{}", reply.error());
    }

    // Plans below BUSINESS: 403 naming BUSINESS, and no call used.
    for (plan, name) in [(Plan::Pro, "PRO"), (Plan::Starter, "STARTER"), (Plan::Free, "FREE")] {
        let (other, key) = app.account(plan).await;
        let key = key.expose().to_owned();
        let before = app.calls_this_month(&other).await;
        for path in routes(&fixture.id).iter().chain(&routes(&missing)) {
            let reply = app.call("GET", path, &key, None).await;
            assert_eq!((reply.status, reply.error()), (403, needs_business(name).as_str()), "{name} {path}");
        }
        assert_eq!(app.calls_this_month(&other).await, before, "{name}: refused requests use no call");
    }

    // No key: 401.
    for path in routes(&fixture.id) {
        let reply = Reply::from(app.http.get(app.url(&path)).send().await.unwrap()).await;
        assert_eq!((reply.status, reply.error()), (401, texts::KEY_REQUIRED), "{path}");
    }
}
