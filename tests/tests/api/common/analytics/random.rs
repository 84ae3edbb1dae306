//! Random responses and topics, from a seed (the property test and the rollup's tests).

use super::*;
use chrono::NaiveDate;
use fastrand::Rng;
use hearken::time::Timestamp;

pub const TOPICS: [&str; 7] =
    ["delivery time", "prices", "customer service", "app crashes", "packaging", "café ambiance", "order accuracy"];

/// Random responses over the 41 days up to today (today now and then, a day's first or last
/// millisecond now and then).
pub fn random_specs(rng: &mut Rng, today: NaiveDate, count: u64) -> Vec<Spec> {
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
pub fn random_topics(rng: &mut Rng, facts: &[Fact], percent: u64) -> Vec<(usize, Vec<&'static str>)> {
    let mut topics = vec![];
    for i in 0..facts.len() {
        if rng.u64(..100) < percent {
            let count = rng.u64(..4);
            topics.push((i, (0..count).map(|_| TOPICS[rng.u64(..TOPICS.len() as u64) as usize]).collect()));
        }
    }
    topics
}
