//! The day items of the surveys table: each day's rollup and its mark, and their checks.

use super::*;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::NaiveDate;
use hearken::analytics::DayRollup;
use hearken::store::s;
use hearken_tests::TestApp;
use std::collections::{BTreeMap, BTreeSet, HashMap};

pub type Item = HashMap<String, AttributeValue>;

/// A survey's day items: rollups (`day#<date>`) and marks (`day#<date>#pending`), by day.
#[derive(Debug, Default)]
pub struct DayItems {
    pub rollups: BTreeMap<NaiveDate, Item>,
    pub marks: BTreeMap<NaiveDate, Item>,
}

impl DayItems {
    /// The rollups without the attributes named (`computedAt`, and `pk` to compare surveys).
    pub fn rollups_without(&self, names: &[&str]) -> BTreeMap<NaiveDate, Item> {
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

    pub fn marked(&self) -> BTreeSet<NaiveDate> {
        self.marks.keys().copied().collect()
    }
}

pub async fn day_items(app: &TestApp, survey: &str) -> DayItems {
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
pub fn check_rollup_items(items: &DayItems, facts: &[Fact], today: NaiveDate, what: &str) {
    let days: BTreeSet<NaiveDate> = facts.iter().map(|f| f.day).filter(|d| *d < today).collect();
    assert_eq!(items.rollups.keys().copied().collect::<BTreeSet<_>>(), days, "{what}: the rolled-up days");
    for (day, item) in &items.rollups {
        let stored: DayRollup = serde_dynamo::from_item(item.clone()).expect("a rollup item");
        assert_eq!(Totals::of_stored(&stored), Totals::of(within(facts, *day, *day)), "{what}: the rollup of {day}");
        assert!(item.contains_key("computedAt"), "{what}: {day}");
    }
}

/// The days with responses today or later (their marks stay: only finished days are rolled up).
pub fn live_days(facts: &[Fact], today: NaiveDate) -> BTreeSet<NaiveDate> {
    facts.iter().map(|f| f.day).filter(|d| *d >= today).collect()
}
