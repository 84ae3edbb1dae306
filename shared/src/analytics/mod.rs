//! Survey analytics: what one day of responses adds up to ([`DayRollup`]), and the answers of
//! `/analytics` and `/topics` built from days — whether a day came from its nightly rollup or was
//! counted live from its responses, it is the same [`DayRollup`], so the answer is the same.

mod range;
mod report;
mod rollup;

pub use range::{DateRange, MAX_DAYS};
pub use report::{AnalyticsView, DayTrend, TopicView};
pub use rollup::{DayRollup, ResponseFacts, TopicTally};
