//! The answers of `GET /api/v1/surveys/{surveyId}/analytics` and `/topics`, built from the days of
//! a range (each a [`DayRollup`], however it was computed).

use super::day_totals::{average, DayRollup};
use super::DateRange;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use utoipa::ToSchema;

/// One day of `dailyTrend`.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DayTrend {
    /// The UTC day.
    #[schema(value_type = String, format = Date)]
    pub date: NaiveDate,
    /// Responses created that day.
    pub responses: u64,
    /// Their mean rating, 2 decimals; `null` without ratings.
    #[schema(required = true, minimum = 1, maximum = 5)]
    pub average_rating: Option<f64>,
    /// Of them, responses rated below the survey's threshold.
    pub low_rated: u64,
}

/// `/analytics`: KPIs over the range, the rating distribution, and one entry per day.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AnalyticsView {
    /// The first day answered (UTC).
    #[schema(value_type = String, format = Date)]
    pub from: NaiveDate,
    /// The last day answered (UTC).
    #[schema(value_type = String, format = Date)]
    pub to: NaiveDate,
    /// Responses created in the range.
    pub response_count: u64,
    /// Of those, responses that answered every question (optional ones too).
    pub completed_count: u64,
    /// Completed ÷ responses, 0–1 (4 decimals); `null` without responses.
    #[schema(required = true, minimum = 0, maximum = 1)]
    pub completion_rate: Option<f64>,
    /// The mean of the responses' ratings, 2 decimals; `null` without ratings.
    #[schema(required = true, minimum = 1, maximum = 5)]
    pub average_rating: Option<f64>,
    /// Responses rated below the survey's threshold (as it was when each came).
    pub low_rated_count: u64,
    /// `"1"`…`"5"`, every key present.
    #[schema(value_type = RatingDistribution)]
    pub rating_distribution: BTreeMap<String, u64>,
    /// One entry per day of the range, in order, days without responses included.
    pub daily_trend: Vec<DayTrend>,
}

/// How many responses of the range gave each rating; every key present.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct RatingDistribution {
    #[schema(rename = "1")]
    one: u64,
    #[schema(rename = "2")]
    two: u64,
    #[schema(rename = "3")]
    three: u64,
    #[schema(rename = "4")]
    four: u64,
    #[schema(rename = "5")]
    five: u64,
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
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TopicView {
    /// The topic's name (the names a response's `topics` use).
    pub topic: String,
    /// Responses that mention it.
    pub mentions: u64,
    /// The mean rating of those responses, 2 decimals; `null` when none of them is rated.
    #[schema(required = true, minimum = 1, maximum = 5)]
    pub average_rating: Option<f64>,
    /// Mentions ÷ all responses of the range, 0–1 (4 decimals).
    #[schema(minimum = 0, maximum = 1)]
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
