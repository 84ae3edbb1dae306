//! The benchmarks' settings from the environment (`BENCH_…`), each checked against its range.

/// The whole number in `name` (`_` and `,` allowed as separators), `default` when unset; an error
/// naming the variable and its range otherwise.
pub fn env_number(name: &str, default: u64, min: u64, max: u64) -> Result<u64, String> {
    match std::env::var(name) {
        Err(_) => Ok(default),
        Ok(text) => text
            .trim()
            .replace(['_', ','], "")
            .parse::<u64>()
            .ok()
            .filter(|n| (min..=max).contains(n))
            .ok_or_else(|| format!("{name} must be a whole number from {min} to {max}, not '{text}'")),
    }
}
