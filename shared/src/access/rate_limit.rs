//! The per-key limit per minute (SPEC §2, Mindbaz rules): a fixed one-minute window counted in the
//! usage table. The window counts every request that reached it, so a client hammering past its
//! limit stays refused until the window turns.

use crate::request_scope::{set_rate_headers, RateHeaders};
use crate::store::usage::{hit_minute_window, read_window, window_write, SeenWindow};
use crate::time::Timestamp;
use crate::{App, Result};
use aws_sdk_dynamodb::types::Update;
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

/// A public route's window of one client IP, counted inside the request's own transaction (so a
/// warm request is one round): the write has room or the transaction writes nothing.
#[derive(Clone, Debug)]
pub struct ClientWindow {
    ip: Option<IpAddr>,
    subject: String,
    start: i64,
    limit: u32,
    /// Marks this request in its window (see `store::usage::window_write`).
    token: String,
}

/// The label of the window's write in a transaction.
pub(crate) const CLIENT_WINDOW: &str = "client's minute window";

impl ClientWindow {
    /// The window of `ip` for `route` (`widget`, `survey`), with `limit` requests a minute.
    pub fn new(route: &str, ip: Option<IpAddr>, limit: u32) -> ClientWindow {
        ClientWindow {
            ip,
            subject: client_subject(route, ip),
            start: window_start(Timestamp::now()),
            limit,
            token: uuid::Uuid::new_v4().simple().to_string(),
        }
    }

    /// Unix seconds at which the next window starts.
    pub fn reset(&self) -> i64 {
        self.start + 60
    }

    /// The client's address.
    pub fn ip(&self) -> Option<IpAddr> {
        self.ip
    }

    /// The write that counts the request, for its transaction.
    pub(crate) fn write(&self, app: &App) -> Result<Update> {
        window_write(app, &self.subject, self.start, self.limit, &self.token)
    }

    /// Reads the window beside the transaction, for the `X-RateLimit-*` headers.
    pub async fn read(&self, app: &App) -> Result<SeenWindow> {
        read_window(app, &self.subject, self.start, &self.token).await
    }

    /// Sets the headers of a request the transaction counted.
    pub fn counted(&self, seen: SeenWindow) {
        let hits = if seen.includes_own { seen.hits } else { seen.hits + 1 };
        set_rate_headers(Window { hits, start: self.start }.headers(self.limit));
    }

    /// Sets the headers of a request refused because the window is full, and remembers it full
    /// until it turns.
    pub fn full(&self, app: &App) {
        app.known.window_full(&self.subject, self.reset(), self.limit);
        set_rate_headers(RateHeaders { limit: self.limit, remaining: 0, reset: self.reset() });
    }

    /// Whether the window is known full (then answered 429 with no call; see `known`).
    pub fn known_full(&self, app: &App) -> bool {
        app.known.full_until(&self.subject, self.limit, Timestamp::now().unix_seconds()).is_some()
    }

    /// Counts the request on its own (an answer with no write: a refused body, an unknown id) and
    /// sets the headers; the caller refuses past the limit.
    pub async fn count(&self, app: &App) -> Result<Window> {
        let hits = hit_minute_window(app, &self.subject, self.start).await?;
        let window = Window { hits, start: self.start };
        set_rate_headers(window.headers(self.limit));
        if window.exceeds(self.limit) {
            app.known.window_full(&self.subject, self.reset(), self.limit);
        }
        Ok(window)
    }
}

fn client_subject(route: &str, ip: Option<IpAddr>) -> String {
    format!("{route}#{}", ip.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string()))
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
    let client = client_subject(route, ip);
    let (found, window) = tokio::join!(read, hit(app, &client, Timestamp::now()));
    let window = window?;
    set_rate_headers(window.headers(limit));
    if window.exceeds(limit) {
        app.known.window_full(&client, window.reset(), limit);
    }
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
