//! The tests' own totals: what a set of responses adds up to, computed from what was written,
//! and the checks of each answer against them.

use super::*;
use chrono::NaiveDate;
use hearken::analytics::DayRollup;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// What a set of responses adds up to, computed here from what was written.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub responses: u64,
    pub completed: u64,
    pub low_rated: u64,
    pub rating_sum: u64,
    pub rating_count: u64,
    pub histogram: [u64; 5],
    pub with_topics: u64,
    /// topic → [mentions, rating sum, rated mentions]
    pub topics: BTreeMap<String, [u64; 3]>,
}

impl Totals {
    pub fn of<'a>(facts: impl IntoIterator<Item = &'a Fact>) -> Totals {
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

    pub fn of_stored(day: &DayRollup) -> Totals {
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

pub fn within(facts: &[Fact], from: NaiveDate, to: NaiveDate) -> impl Iterator<Item = &Fact> {
    facts.iter().filter(move |f| (from..=to).contains(&f.day))
}

pub fn ratio(numerator: u64, denominator: u64) -> Option<f64> {
    (denominator > 0).then(|| numerator as f64 / denominator as f64)
}

/// Asserts a number is `exact` shown to `decimals` decimals (`None`: null).
pub fn assert_rounded(actual: &Value, exact: Option<f64>, decimals: i32, what: &str) {
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
pub fn check_analytics(answer: &Value, facts: &[Fact], from: NaiveDate, to: NaiveDate, what: &str) {
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
pub fn check_topics(answer: &Value, facts: &[Fact], from: NaiveDate, to: NaiveDate, limit: usize, what: &str) {
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

pub fn check_reads(reads: &[Read], answers: &[Value], facts: &[Fact], what: &str) {
    for (read, answer) in reads.iter().zip(answers) {
        let what = format!("{what}: GET {}", read.path);
        match read.topics {
            None => check_analytics(answer, facts, read.from, read.to, &what),
            Some(limit) => check_topics(answer, facts, read.from, read.to, limit, &what),
        }
    }
}
