//! Timestamps as the API shows them: ISO 8601, UTC, milliseconds (`2025-01-01T12:00:00.000Z`).

use chrono::{DateTime, Datelike, NaiveDate, SecondsFormat, TimeZone, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A UTC instant, stored and shown with millisecond precision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp(pub DateTime<Utc>);

impl Timestamp {
    /// The current instant.
    pub fn now() -> Self {
        Self(Utc::now())
    }

    /// `2025-01-01T12:00:00.000Z`.
    pub fn to_iso(&self) -> String {
        self.0.to_rfc3339_opts(SecondsFormat::Millis, true)
    }

    /// Whole seconds since the Unix epoch.
    pub fn unix_seconds(&self) -> i64 {
        self.0.timestamp()
    }

    /// The calendar month (UTC) this instant falls in, as `2025-01`.
    pub fn month_key(&self) -> String {
        format!("{:04}-{:02}", self.0.year(), self.0.month())
    }

    /// The month before this one, as `2024-12`.
    pub fn previous_month_key(&self) -> String {
        let (year, month) = match self.0.month() {
            1 => (self.0.year() - 1, 12),
            m => (self.0.year(), m - 1),
        };
        format!("{year:04}-{month:02}")
    }

    /// The first instant of the next calendar month (UTC): when a monthly quota resets.
    pub fn next_month_start(&self) -> Timestamp {
        let (year, month) = match self.0.month() {
            12 => (self.0.year() + 1, 1),
            m => (self.0.year(), m + 1),
        };
        Timestamp(Utc.with_ymd_and_hms(year, month, 1, 0, 0, 0).single().expect("first of a month exists"))
    }

    /// Parses a filter bound: an RFC 3339 datetime, or a date (`2025-01-31`) meaning the start of
    /// that day (UTC), or with `end_of_day` its last millisecond, so a date bound includes the day.
    pub fn parse_bound(text: &str, end_of_day: bool) -> Option<Self> {
        if let Some(t) = Timestamp::parse(text) {
            return Some(t);
        }
        let date = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
        let start = date.and_hms_opt(0, 0, 0)?.and_utc();
        Some(Self(if end_of_day { start + chrono::Duration::milliseconds(86_400_000 - 1) } else { start }))
    }

    /// Milliseconds since the Unix epoch.
    pub fn unix_millis(&self) -> i64 {
        self.0.timestamp_millis()
    }

    /// The instant `unix_ms` milliseconds after the Unix epoch.
    pub fn from_millis(unix_ms: i64) -> Option<Self> {
        Utc.timestamp_millis_opt(unix_ms).single().map(Self)
    }

    /// The calendar day (UTC) this instant falls on.
    pub fn date(&self) -> NaiveDate {
        self.0.date_naive()
    }

    /// The first millisecond of a day (UTC).
    pub fn start_of(day: NaiveDate) -> Timestamp {
        Self(day.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc())
    }

    /// Parses RFC 3339 (any offset), normalised to UTC.
    pub fn parse(text: &str) -> Option<Self> {
        DateTime::parse_from_rfc3339(text).ok().map(|t| Self(t.with_timezone(&Utc)))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_iso())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Timestamp::parse(&text).ok_or_else(|| serde::de::Error::custom(format!("not an RFC 3339 timestamp: {text}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_milliseconds_in_utc() {
        let t = Timestamp::parse("2025-01-01T13:00:00.5+01:00").unwrap();
        assert_eq!(t.to_iso(), "2025-01-01T12:00:00.500Z");
    }

    #[test]
    fn date_bounds_cover_the_whole_day() {
        assert_eq!(Timestamp::parse_bound("2025-01-31", false).unwrap().to_iso(), "2025-01-31T00:00:00.000Z");
        assert_eq!(Timestamp::parse_bound("2025-01-31", true).unwrap().to_iso(), "2025-01-31T23:59:59.999Z");
        assert_eq!(Timestamp::parse_bound("2025-01-31T10:00:00Z", true).unwrap().to_iso(), "2025-01-31T10:00:00.000Z");
        assert!(Timestamp::parse_bound("31/01/2025", false).is_none());
    }

    #[test]
    fn months_roll_over_the_year() {
        let t = Timestamp::parse("2025-12-31T23:59:59.999Z").unwrap();
        assert_eq!(t.month_key(), "2025-12");
        assert_eq!(t.next_month_start().to_iso(), "2026-01-01T00:00:00.000Z");
        let jan = Timestamp::parse("2026-01-05T00:00:00Z").unwrap();
        assert_eq!(jan.previous_month_key(), "2025-12");
    }
}
