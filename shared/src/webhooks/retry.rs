//! When a failed delivery is tried again: after 5 s, 1 min, 10 min, 1 h, 6 h, 12 h and 12 h (31 h
//! in all, so a receiver down for a day still gets everything), each pause spread by up to ±20 %
//! so the retries of many deliveries that failed together do not arrive together.

use std::time::Duration;

/// The pauses after the 1st, 2nd, … failed attempt; after the last, the delivery has failed.
pub const PAUSES: [Duration; 7] = [
    Duration::from_secs(5),
    Duration::from_secs(60),
    Duration::from_secs(600),
    Duration::from_secs(3_600),
    Duration::from_secs(6 * 3_600),
    Duration::from_secs(12 * 3_600),
    Duration::from_secs(12 * 3_600),
];

/// An endpoint whose deliveries have failed for this long without one success is disabled.
pub const DISABLE_AFTER: Duration = Duration::from_secs(3 * 24 * 3_600);

/// The pause after `attempts` failed attempts (`None`: give up), spread by `jitter` in [0, 1).
pub fn pause_after(attempts: u32, jitter: f64) -> Option<Duration> {
    let base = *PAUSES.get(attempts.checked_sub(1)? as usize)?;
    Some(base.mul_f64(0.8 + 0.4 * jitter.clamp(0.0, 1.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_span_more_than_a_day_and_then_stop() {
        let total: Duration = PAUSES.iter().sum();
        assert!(total.mul_f64(0.8) > Duration::from_secs(24 * 3_600));
        assert_eq!(pause_after(1, 0.5), Some(Duration::from_secs(5)));
        assert_eq!(pause_after(1, 0.0), Some(Duration::from_secs(4)));
        assert!(pause_after(7, 0.99).is_some());
        assert_eq!(pause_after(8, 0.5), None);
        assert_eq!(pause_after(0, 0.5), None);
    }
}
