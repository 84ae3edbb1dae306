//! One survey's day, added up: counts, rating sums and histogram, completions, low ratings and
//! topic mentions. The nightly rollup stores it whole; analytics compute it live the same way for
//! any day not rolled up yet.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a day's totals need from one response.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResponseFacts {
    pub rating: Option<u8>,
    pub complete: bool,
    pub low_rated: bool,
    /// `None` until the topics function has read the response.
    pub topics: Option<Vec<String>>,
}

/// One topic's mentions on a day, and the ratings of the responses that mention it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TopicTally {
    pub mentions: u64,
    pub rating_sum: u64,
    pub rating_count: u64,
}

impl TopicTally {
    fn add(&mut self, other: &TopicTally) {
        self.mentions += other.mentions;
        self.rating_sum += other.rating_sum;
        self.rating_count += other.rating_count;
    }
}

/// A survey's totals for one UTC day.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DayRollup {
    pub responses: u64,
    pub completed: u64,
    pub low_rated: u64,
    pub rating_sum: u64,
    pub rating_count: u64,
    /// Responses rated 1, 2, 3, 4 and 5.
    pub histogram: [u64; 5],
    /// Responses whose topics were known when the day was added up.
    pub with_topics: u64,
    pub topics: BTreeMap<String, TopicTally>,
}

impl DayRollup {
    /// The totals of these responses.
    pub fn of<'a>(responses: impl IntoIterator<Item = &'a ResponseFacts>) -> DayRollup {
        let mut day = DayRollup::default();
        for response in responses {
            day.count(response);
        }
        day
    }

    /// Adds one response.
    pub fn count(&mut self, response: &ResponseFacts) {
        self.responses += 1;
        self.completed += u64::from(response.complete);
        self.low_rated += u64::from(response.low_rated);
        if let Some(rating @ 1..=5) = response.rating {
            self.rating_sum += u64::from(rating);
            self.rating_count += 1;
            self.histogram[usize::from(rating) - 1] += 1;
        }
        if let Some(topics) = &response.topics {
            self.with_topics += 1;
            let rated = response.rating.filter(|r| (1..=5).contains(r));
            let mut seen: Vec<&String> = vec![];
            for topic in topics.iter().filter(|t| !t.is_empty()) {
                if seen.contains(&topic) {
                    continue;
                }
                seen.push(topic);
                let tally = self.topics.entry(topic.clone()).or_default();
                tally.add(&TopicTally {
                    mentions: 1,
                    rating_sum: rated.map_or(0, u64::from),
                    rating_count: u64::from(rated.is_some()),
                });
            }
        }
    }

    /// Adds another day's (or period's) totals.
    pub fn merge(&mut self, other: &DayRollup) {
        self.responses += other.responses;
        self.completed += other.completed;
        self.low_rated += other.low_rated;
        self.rating_sum += other.rating_sum;
        self.rating_count += other.rating_count;
        for (mine, theirs) in self.histogram.iter_mut().zip(other.histogram) {
            *mine += theirs;
        }
        self.with_topics += other.with_topics;
        for (topic, tally) in &other.topics {
            self.topics.entry(topic.clone()).or_default().add(tally);
        }
    }

    /// The mean rating, to two decimals; `None` without ratings.
    pub fn average_rating(&self) -> Option<f64> {
        average(self.rating_sum, self.rating_count)
    }
}

/// `sum / count` to two decimals; `None` when `count` is 0.
pub fn average(sum: u64, count: u64) -> Option<f64> {
    (count > 0).then(|| (sum as f64 / count as f64 * 100.0).round() / 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(rating: Option<u8>, topics: Option<&[&str]>) -> ResponseFacts {
        ResponseFacts {
            rating,
            complete: rating.is_some(),
            low_rated: rating.is_some_and(|r| r < 3),
            topics: topics.map(|t| t.iter().map(|s| s.to_string()).collect()),
        }
    }

    #[test]
    fn a_day_adds_up_its_responses() {
        let day = DayRollup::of(&[
            response(Some(1), Some(&["delivery time", "delivery time"])),
            response(Some(5), Some(&["delivery time", "prices"])),
            response(None, None),
        ]);
        assert_eq!((day.responses, day.completed, day.low_rated), (3, 2, 1));
        assert_eq!((day.rating_sum, day.rating_count, day.histogram), (6, 2, [1, 0, 0, 0, 1]));
        assert_eq!(day.with_topics, 2);
        assert_eq!(day.topics["delivery time"], TopicTally { mentions: 2, rating_sum: 6, rating_count: 2 });
        assert_eq!(day.average_rating(), Some(3.0));
    }

    #[test]
    fn merging_days_equals_counting_them_together() {
        let a = [response(Some(2), Some(&["x"])), response(Some(4), None)];
        let b = [response(Some(3), Some(&["x", "y"]))];
        let mut merged = DayRollup::of(&a);
        merged.merge(&DayRollup::of(&b));
        assert_eq!(merged, DayRollup::of(a.iter().chain(b.iter())));
    }
}
