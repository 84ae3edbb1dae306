//! Reading `/analytics` and `/topics`, and comparing their answers field by field.

use chrono::NaiveDate;
use hearken_tests::TestApp;
use serde_json::Value;

pub fn analytics_path(survey: &str, from: NaiveDate, to: NaiveDate) -> String {
    format!("/api/v1/surveys/{survey}/analytics?from={from}&to={to}")
}

pub fn topics_path(survey: &str, from: NaiveDate, to: NaiveDate, limit: usize) -> String {
    format!("/api/v1/surveys/{survey}/topics?from={from}&to={to}&limit={limit}")
}

/// A GET that must answer 200; its `data`.
pub async fn data(app: &TestApp, key: &str, path: &str) -> Value {
    let reply = app.call("GET", path, key, None).await;
    assert_eq!(reply.status, 200, "GET {path}: {}", reply.body);
    reply.body["data"].clone()
}

/// A GET that must answer 400 with a clear error; the error.
pub async fn bad_request(app: &TestApp, key: &str, path: &str) -> String {
    let reply = app.call("GET", path, key, None).await;
    assert_eq!(reply.status, 400, "GET {path}: {}", reply.body);
    assert!(!reply.error().is_empty(), "GET {path}: {}", reply.body);
    reply.error().to_owned()
}

/// One read of the property test, and what it covers.
#[derive(Clone, Debug)]
pub struct Read {
    pub path: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// `Some(limit)` for `/topics`.
    pub topics: Option<usize>,
}

pub fn analytics_read(survey: &str, from: NaiveDate, to: NaiveDate) -> Read {
    Read { path: analytics_path(survey, from, to), from, to, topics: None }
}

pub fn topics_read(survey: &str, from: NaiveDate, to: NaiveDate, limit: usize) -> Read {
    Read { path: topics_path(survey, from, to, limit), from, to, topics: Some(limit) }
}

pub async fn read_all(app: &TestApp, key: &str, reads: &[Read]) -> Vec<Value> {
    let mut answers = vec![];
    for read in reads {
        answers.push(data(app, key, &read.path).await);
    }
    answers
}

/// Where two answers first differ (`None`: equal), as a path into them.
pub fn first_difference(a: &Value, b: &Value, path: &str) -> Option<String> {
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
pub fn assert_same_answers(reads: &[Read], before: &[Value], after: &[Value], what: &str) {
    for ((read, before), after) in reads.iter().zip(before).zip(after) {
        if let Some(difference) = first_difference(before, after, "data") {
            panic!("{what}: GET {} differs at {difference}", read.path);
        }
    }
}
