//! The `from` / `to` of `/analytics` and `/topics`: UTC dates, both inclusive.

use crate::time::{Timestamp, QUERY_YEARS};
use crate::{Error, Result};
use chrono::{Datelike, Days, NaiveDate};

/// The longest range one request may cover.
pub const MAX_DAYS: i64 = 366;
/// The range when none is given: the last 30 days, today included.
const DEFAULT_DAYS: i64 = 30;

/// An inclusive range of UTC days.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateRange {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl DateRange {
    /// From the query's `from` and `to` (`2026-11-01`, or a datetime whose UTC day is taken);
    /// 400 for a malformed date, one outside the years [`QUERY_YEARS`], `from` after `to`, or
    /// more than [`MAX_DAYS`] days.
    pub fn from_query(from: Option<&str>, to: Option<&str>, today: NaiveDate) -> Result<DateRange> {
        let to = match to {
            Some(text) => parse(text, "to")?,
            None => today,
        };
        let from = match from {
            Some(text) => parse(text, "from")?,
            // `to` is at least 2000-01-01 here, so this never leaves chrono's range.
            None => to.checked_sub_days(Days::new(DEFAULT_DAYS as u64 - 1)).unwrap_or(NaiveDate::MIN),
        };
        if from > to {
            return Err(Error::bad_request(format!("'from' ({from}) must not be after 'to' ({to})")));
        }
        let range = DateRange { from, to };
        if range.days() > MAX_DAYS {
            return Err(Error::bad_request(format!(
                "The range from {from} to {to} covers {} days; at most {MAX_DAYS} are allowed",
                range.days()
            )));
        }
        Ok(range)
    }

    /// How many days the range covers.
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    /// Every day of the range, in order.
    pub fn each_day(&self) -> impl Iterator<Item = NaiveDate> {
        self.from.iter_days().take(self.days() as usize)
    }
}

/// The range's query, as the OpenAPI document shows it (read by [`DateRange::from_query`]):
/// `from` after `to`, a malformed date or a range over 366 days is a 400.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct RangeQuery {
    /// The first day (UTC, inclusive; a date-time counts as its UTC day). Default: 29 days
    /// before `to`, so the range is 30 days.
    #[param(inline)]
    from: Option<DateOrDateTime>,
    /// The last day (UTC, inclusive; a date-time counts as its UTC day). Default: today.
    #[param(inline)]
    to: Option<DateOrDateTime>,
}

// The descriptions above take literals only: they must stay the range the parser applies.
const _: () = assert!(DEFAULT_DAYS == 30 && MAX_DAYS == 366);

/// A day or an instant in a query, as the OpenAPI document shows it: an ISO date (`2026-11-30`)
/// or an RFC 3339 date-time (`2026-11-30T09:00:00Z`), in the years 2000 to 9999 (UTC); an empty
/// value counts as none (as every query parameter's does). What [`DateRange::from_query`] (a
/// date-time counts as its UTC day) and the `since` filter of a survey's responses (a date counts
/// from its first millisecond) accept.
pub struct DateOrDateTime;

impl utoipa::PartialSchema for DateOrDateTime {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{AnyOfBuilder, KnownFormat, ObjectBuilder, SchemaFormat, Type};
        // The years [`QUERY_YEARS`] allows (checked below).
        const YEARS: &str = "^[2-9][0-9]{3}-";
        let string = |format, example| {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(format)))
                .pattern(Some(YEARS))
                .examples([example])
        };
        AnyOfBuilder::new()
            .item(string(KnownFormat::Date, "2026-11-30"))
            .item(string(KnownFormat::DateTime, "2026-11-30T09:00:00Z"))
            .item(ObjectBuilder::new().schema_type(Type::String).max_length(Some(0)))
            .into()
    }
}

const _: () = assert!(*QUERY_YEARS.start() == 2000 && *QUERY_YEARS.end() == 9999);

impl utoipa::ToSchema for DateOrDateTime {}

fn parse(text: &str, name: &str) -> Result<NaiveDate> {
    let date = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .ok()
        .or_else(|| Timestamp::parse(text.trim()).map(|t| t.date()))
        .ok_or_else(|| {
            Error::bad_request(format!("Query parameter '{name}' must be an ISO 8601 date (UTC), e.g. 2026-11-30"))
        })?;
    if !QUERY_YEARS.contains(&date.year()) {
        return Err(Error::bad_request(format!(
            "Query parameter '{name}' must be a date in the years {} to {}, e.g. 2026-11-30",
            QUERY_YEARS.start(),
            QUERY_YEARS.end()
        )));
    }
    Ok(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn defaults_to_the_last_thirty_days() {
        let range = DateRange::from_query(None, None, day("2026-12-01")).unwrap();
        assert_eq!((range.from, range.to, range.days()), (day("2026-11-02"), day("2026-12-01"), 30));
        assert_eq!(range.each_day().count(), 30);
    }

    #[test]
    fn bounds_are_checked() {
        let today = day("2026-12-01");
        assert!(DateRange::from_query(Some("2026-11-31"), None, today).is_err());
        assert!(DateRange::from_query(Some("yesterday"), None, today).is_err());
        assert!(DateRange::from_query(Some("2026-11-02"), Some("2026-11-01"), today).is_err());
        assert!(DateRange::from_query(Some("2025-01-01"), Some("2026-01-01"), today).is_ok()); // 366 days
        let error = DateRange::from_query(Some("2025-01-01"), Some("2026-01-02"), today).unwrap_err();
        assert!(error.to_string().contains("367 days"), "{error}");
        let range = DateRange::from_query(Some("2026-11-30T23:00:00-02:00"), Some("2026-12-01"), today).unwrap();
        assert_eq!(range.from, day("2026-12-01"));
    }

    #[test]
    fn dates_outside_the_query_years_are_a_400_naming_the_field() {
        let today = day("2026-12-01");
        for text in ["-262143-01-15", "+262142-12-31", "262143-12-31", "1999-12-31", "0000-01-01", "10000-01-01"] {
            let error = DateRange::from_query(None, Some(text), today).unwrap_err();
            assert!(matches!(error, Error::BadRequest(_)) && error.to_string().contains("'to'"), "{text}: {error}");
            let error = DateRange::from_query(Some(text), Some("2026-01-01"), today).unwrap_err();
            assert!(matches!(error, Error::BadRequest(_)) && error.to_string().contains("'from'"), "{text}: {error}");
        }
        let error = DateRange::from_query(None, Some("1999-12-31T23:00:00Z"), today).unwrap_err();
        assert!(error.to_string().contains("years 2000 to 9999"), "{error}");
        // The first and last days allowed, with the default 30 days before a `to`.
        let range = DateRange::from_query(None, Some("2000-01-01"), today).unwrap();
        assert_eq!((range.from, range.days()), (day("1999-12-03"), 30));
        let range = DateRange::from_query(Some("9999-12-31"), Some("9999-12-31"), today).unwrap();
        assert_eq!(range.each_day().collect::<Vec<_>>(), vec![day("9999-12-31")]);
    }
}
