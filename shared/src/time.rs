//! Timestamps as the API shows them: ISO 8601, UTC, milliseconds (`2025-01-01T12:00:00.000Z`).

use chrono::{DateTime, Datelike, NaiveDate, SecondsFormat, TimeZone, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::ops::RangeInclusive;

/// The years a date or datetime in a query string may fall in (UTC). Anything outside is refused
/// before it reaches date arithmetic, so no input can overflow it.
pub const QUERY_YEARS: RangeInclusive<i32> = 2000..=9999;

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
    /// `None` for anything else, and for an instant outside the years [`QUERY_YEARS`] (UTC).
    pub fn parse_bound(text: &str, end_of_day: bool) -> Option<Self> {
        let bound = match Timestamp::parse(text) {
            Some(t) => t,
            None => {
                let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
                let start = date.and_hms_opt(0, 0, 0)?.and_utc();
                let last_ms = chrono::Duration::milliseconds(86_400_000 - 1);
                Self(if end_of_day { start.checked_add_signed(last_ms)? } else { start })
            }
        };
        QUERY_YEARS.contains(&bound.0.year()).then_some(bound)
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

    /// Parses RFC 3339 (any offset), normalised to UTC. `None` when the instant falls outside the
    /// years 0000–9999 in UTC (`9999-12-31T23:00:00-02:00`): [`Timestamp::to_iso`] could not
    /// write it as RFC 3339, so it could not be read back once stored.
    pub fn parse(text: &str) -> Option<Self> {
        let t = DateTime::parse_from_rfc3339(text).ok()?.with_timezone(&Utc);
        (0..=9999).contains(&t.year()).then_some(Self(t))
    }
}

/// In the OpenAPI document: an RFC 3339 date-time string.
impl utoipa::PartialSchema for Timestamp {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::String)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::DateTime)))
            .examples(["2026-01-01T12:00:00.000Z"])
            .into()
    }
}

impl utoipa::ToSchema for Timestamp {}

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
    fn bounds_outside_the_query_years_are_refused() {
        for text in [
            "-262143-01-15",
            "+262142-12-31",
            "262143-12-31",
            "1999-12-31",
            "0000-01-01",
            "10000-01-01",
            "1999-12-31T23:59:59.999Z",
            "2000-01-01T00:30:00+01:00",
            "9999-12-31T23:00:00-02:00",
        ] {
            for end_of_day in [false, true] {
                assert_eq!(Timestamp::parse_bound(text, end_of_day), None, "{text} end_of_day={end_of_day}");
            }
        }
        assert_eq!(Timestamp::parse_bound("2000-01-01", false).unwrap().to_iso(), "2000-01-01T00:00:00.000Z");
        assert_eq!(Timestamp::parse_bound("9999-12-31", true).unwrap().to_iso(), "9999-12-31T23:59:59.999Z");
    }

    #[test]
    fn every_parsed_instant_can_be_written_and_read_back() {
        assert_eq!(Timestamp::parse("9999-12-31T23:59:59-00:01"), None);
        assert_eq!(Timestamp::parse("0000-01-01T00:00:00+00:01"), None);
        for text in ["9999-12-31T23:59:59.999Z", "0000-01-01T00:00:00Z", "2025-06-01T10:00:00+14:00"] {
            let t = Timestamp::parse(text).unwrap();
            assert_eq!(Timestamp::parse(&t.to_iso()), Some(t), "{text}");
        }
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
