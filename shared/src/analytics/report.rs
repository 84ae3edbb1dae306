//! The answers of `GET /api/v1/surveys/{surveyId}/analytics` and `/topics`, built from the days of
//! a range (each a [`DayRollup`], however it was computed).

use super::day_totals::{average, DayRollup};
use super::DateRange;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// One day of `dailyTrend`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DayTrend {
    pub date: NaiveDate,
    pub responses: u64,
    pub average_rating: Option<f64>,
    pub low_rated: u64,
}

/// `/analytics`: KPIs over the range, the rating distribution, and one entry per day.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AnalyticsView {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub response_count: u64,
    pub completed_count: u64,
    /// Completed ÷ responses, 0–1 (4 decimals); `None` without responses.
    pub completion_rate: Option<f64>,
    pub average_rating: Option<f64>,
    pub low_rated_count: u64,
    /// `"1"`…`"5"`, every key present.
    pub rating_distribution: BTreeMap<String, u64>,
    pub daily_trend: Vec<DayTrend>,
}

impl AnalyticsView {
    /// The analytics of `range` from its days (days missing from `days` had no responses).
    pub fn of(range: DateRange, days: &HashMap<NaiveDate, DayRollup>) -> AnalyticsView {
        let mut total = DayRollup::default();
        let daily_trend = range
            .each_day()
            .map(|date| {
                let day = days.get(&date).cloned().unwrap_or_default();
                total.merge(&day);
                DayTrend {
                    date,
                    responses: day.responses,
                    average_rating: day.average_rating(),
                    low_rated: day.low_rated,
                }
            })
            .collect();
        AnalyticsView {
            from: range.from,
            to: range.to,
            response_count: total.responses,
            completed_count: total.completed,
            completion_rate: (total.responses > 0)
                .then(|| (total.completed as f64 / total.responses as f64 * 10_000.0).round() / 10_000.0),
            average_rating: total.average_rating(),
            low_rated_count: total.low_rated,
            rating_distribution: (1..=5).map(|r| (r.to_string(), total.histogram[r - 1])).collect(),
            daily_trend,
        }
    }
}

/// One topic of `/topics`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TopicView {
    pub topic: String,
    /// Responses that mention it.
    pub mentions: u64,
    /// The mean rating of those responses.
    pub average_rating: Option<f64>,
    /// Mentions ÷ all responses of the range, 0–1 (4 decimals).
    pub share: f64,
}

impl TopicView {
    /// The range's topics by mentions (then by name), at most `limit`.
    pub fn top(range: DateRange, days: &HashMap<NaiveDate, DayRollup>, limit: usize) -> Vec<TopicView> {
        let mut total = DayRollup::default();
        for date in range.each_day() {
            if let Some(day) = days.get(&date) {
                total.merge(day);
            }
        }
        let mut topics: Vec<TopicView> = total
            .topics
            .iter()
            .map(|(topic, tally)| TopicView {
                topic: topic.clone(),
                mentions: tally.mentions,
                average_rating: average(tally.rating_sum, tally.rating_count),
                share: if total.responses == 0 {
                    0.0
                } else {
                    (tally.mentions as f64 / total.responses as f64 * 10_000.0).round() / 10_000.0
                },
            })
            .collect();
        topics.sort_by(|a, b| b.mentions.cmp(&a.mentions).then_with(|| a.topic.cmp(&b.topic)));
        topics.truncate(limit);
        topics
    }
}
