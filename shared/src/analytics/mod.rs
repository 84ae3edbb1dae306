//! Survey analytics: what one day of responses adds up to ([`DayRollup`]), and the answers of
//! `/analytics` and `/topics` built from days — whether a day came from its nightly rollup or was
//! counted live from its responses, it is the same [`DayRollup`], so the answer is the same.

mod day_totals;
mod range;
mod report;

pub use day_totals::{DayRollup, ResponseFacts, TopicTally};
pub use range::{DateOrDateTime, DateRange, RangeQuery, MAX_DAYS};
pub use report::{AnalyticsView, DayTrend, RatingDistribution, TopicView};
