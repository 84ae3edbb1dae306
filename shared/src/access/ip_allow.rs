//! IP restrictions: a key may name exact addresses and CIDR blocks, IPv4 and IPv6. The caller's
//! address comes from the API Gateway request context, never from a forwarded-for header.

use ipnet::IpNet;
use std::net::IpAddr;

/// Parses one allow-list entry: an address (`203.0.113.7`, `2001:db8::1`) or a block
/// (`10.0.0.0/8`, `2001:db8::/32`). `None` when it is neither.
pub fn parse_entry(entry: &str) -> Option<IpNet> {
    let entry = entry.trim();
    entry.parse::<IpNet>().ok().or_else(|| entry.parse::<IpAddr>().ok().map(IpNet::from))
}

/// Whether `source` is allowed by `entries`. An empty list allows everyone; a non-empty list
/// refuses a request whose source is unknown.
pub fn allows(entries: &[String], source: Option<IpAddr>) -> bool {
    if entries.is_empty() {
        return true;
    }
    let Some(source) = source else { return false };
    // An IPv4 client reaching a dual-stack endpoint may show up as ::ffff:a.b.c.d.
    let source = source.to_canonical();
    entries.iter().filter_map(|e| parse_entry(e)).any(|net| net.contains(&source))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> Option<IpAddr> {
        Some(text.parse().unwrap())
    }

    fn list(entries: &[&str]) -> Vec<String> {
        entries.iter().map(|e| e.to_string()).collect()
    }

    #[test]
    fn empty_list_allows_any_source() {
        assert!(allows(&[], ip("198.51.100.1")));
        assert!(allows(&[], None));
    }

    #[test]
    fn exact_addresses_match_exactly() {
        let entries = list(&["203.0.113.7", "2001:db8::1"]);
        assert!(allows(&entries, ip("203.0.113.7")));
        assert!(!allows(&entries, ip("203.0.113.8")));
        assert!(allows(&entries, ip("2001:db8::1")));
        assert!(!allows(&entries, ip("2001:db8::2")));
    }

    #[test]
    fn cidr_blocks_match_their_range() {
        let entries = list(&["10.0.0.0/8", "2001:db8::/32"]);
        assert!(allows(&entries, ip("10.200.3.4")));
        assert!(!allows(&entries, ip("11.0.0.1")));
        assert!(allows(&entries, ip("2001:db8:ffff::1")));
        assert!(!allows(&entries, ip("2001:db9::1")));
    }

    #[test]
    fn ipv4_mapped_ipv6_sources_match_ipv4_entries() {
        assert!(allows(&list(&["192.0.2.0/24"]), ip("::ffff:192.0.2.10")));
    }

    #[test]
    fn unknown_source_is_refused_by_a_restriction() {
        assert!(!allows(&list(&["192.0.2.1"]), None));
    }

    #[test]
    fn entries_are_validated() {
        assert!(parse_entry("192.0.2.0/24").is_some());
        assert!(parse_entry("::1").is_some());
        assert!(parse_entry("192.0.2.0/33").is_none());
        assert!(parse_entry("example.com").is_none());
    }
}
