//! The per-key limit per minute (SPEC §2, Mindbaz rules): a fixed one-minute window counted in the
//! usage table. The window counts every request that reached it, so a client hammering past its
//! limit stays refused until the window turns.

use crate::request_scope::{set_rate_headers, RateHeaders};
use crate::store::usage::hit_minute_window;
use crate::time::Timestamp;
use crate::{App, Result};
use std::future::Future;
use std::net::IpAddr;

/// The current window of a key after counting this request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// Requests in the window, this one included.
    pub hits: u64,
    /// Unix seconds at which the window started (a whole minute).
    pub start: i64,
}

impl Window {
    /// Unix seconds at which the next window starts.
    pub fn reset(&self) -> i64 {
        self.start + 60
    }

    /// Whether this request went past `limit`.
    pub fn exceeds(&self, limit: u32) -> bool {
        self.hits > u64::from(limit)
    }

    /// The `X-RateLimit-*` values for a key whose limit is `limit`.
    pub fn headers(&self, limit: u32) -> RateHeaders {
        let remaining = u64::from(limit).saturating_sub(self.hits) as u32;
        RateHeaders { limit, remaining, reset: self.reset() }
    }
}

/// The start (Unix seconds) of the one-minute window holding `now`.
pub fn window_start(now: Timestamp) -> i64 {
    now.unix_seconds().div_euclid(60) * 60
}

/// Counts a request in the window of `subject` (a key id, or a client IP for public routes).
pub async fn hit(app: &App, subject: &str, now: Timestamp) -> Result<Window> {
    let start = window_start(now);
    let hits = hit_minute_window(app, subject, start).await?;
    Ok(Window { hits, start })
}

/// A public route's first round: `read` (the project or survey the request names) runs beside the
/// count of this request in the client IP's window for `route`, whose `X-RateLimit-*` headers are
/// set for the answer. The caller refuses past `limit` in its own shape (JSON or a page).
pub async fn read_beside_client_window<T>(
    app: &App,
    route: &str,
    ip: Option<IpAddr>,
    limit: u32,
    read: impl Future<Output = Result<T>>,
) -> Result<(Window, Result<T>)> {
    let client = format!("{route}#{}", ip.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string()));
    let (found, window) = tokio::join!(read, hit(app, &client, Timestamp::now()));
    let window = window?;
    set_rate_headers(window.headers(limit));
    Ok((window, found))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_whole_minutes() {
        let now = Timestamp::parse("2025-01-01T12:00:59.999Z").unwrap();
        let start = window_start(now);
        assert_eq!(start % 60, 0);
        assert_eq!(Window { hits: 1, start }.reset(), start + 60);
        assert_eq!(window_start(Timestamp::parse("2025-01-01T12:01:00Z").unwrap()), start + 60);
    }

    #[test]
    fn headers_count_down_to_zero() {
        let window = Window { hits: 7, start: 600 };
        assert_eq!(window.headers(10), RateHeaders { limit: 10, remaining: 3, reset: 660 });
        assert_eq!(Window { hits: 12, start: 600 }.headers(10).remaining, 0);
        assert!(!Window { hits: 10, start: 0 }.exceeds(10));
        assert!(Window { hits: 11, start: 0 }.exceeds(10));
    }
}
