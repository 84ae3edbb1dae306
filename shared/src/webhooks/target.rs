//! Where a webhook may point. A URL is refused when it is not HTTPS (deployed), carries
//! credentials, or when its host resolves to an address that is not on the public internet:
//! loopback, private, shared (CGNAT), link-local (the cloud metadata service, 169.254.169.254 and
//! fd00:ec2::254), multicast, unspecified or reserved. The check runs when an endpoint is saved and
//! again at every delivery (DNS can change), and the delivery connects to the very address that was
//! checked, so a name that resolves differently the second time cannot slip past it.
//!
//! The local stack sets `WEBHOOKS_ALLOW_LOOPBACK=true` (`Settings::webhooks_allow_loopback`) so its
//! tests can deliver to a receiver on 127.0.0.1 over plain HTTP; loopback is the only exception.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// How long a host's name may take to resolve.
const RESOLVE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// Longest URL accepted.
pub const URL_MAX_CHARS: usize = 2_048;

/// A URL checked for its form (not yet for where it resolves).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub url: String,
    pub host: String,
    pub port: u16,
}

/// Why a URL was refused, as the API says it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("url must be an absolute https:// URL of at most 2048 characters")]
    Form,
    #[error("url must not carry a user name or password")]
    Credentials,
    #[error("url's host could not be resolved")]
    Unresolved,
    #[error("url resolves to an address that is not on the public internet ({0})")]
    NotPublic(IpAddr),
}

/// Checks a URL's form: absolute, `https` (or `http` to loopback when `allow_loopback`), a host, no
/// credentials.
pub fn parse(text: &str, allow_loopback: bool) -> Result<Target, Refused> {
    if text.chars().count() > URL_MAX_CHARS {
        return Err(Refused::Form);
    }
    let url = url::Url::parse(text).map_err(|_| Refused::Form)?;
    let host = url.host_str().filter(|h| !h.is_empty()).ok_or(Refused::Form)?.to_owned();
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = bare == "localhost" || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
    match url.scheme() {
        "https" => {}
        // Plain HTTP only to this machine, and only where loopback is allowed (the local stack).
        "http" if allow_loopback && loopback => {}
        _ => return Err(Refused::Form),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Refused::Credentials);
    }
    let port = url.port_or_known_default().ok_or(Refused::Form)?;
    // IPv6 literals come bracketed; the resolver wants them bare.
    let host = host.trim_start_matches('[').trim_end_matches(']').to_owned();
    Ok(Target { url: url.to_string(), host, port })
}

/// Resolves the target and returns an address it may be reached at, after checking every address
/// the name resolves to (one bad address refuses the name: a resolver may hand out any of them).
pub async fn resolve(target: &Target, allow_loopback: bool) -> Result<SocketAddr, Refused> {
    // A resolver that hangs must not hold a request (or an attempt) for its own long timeouts.
    let lookup = tokio::net::lookup_host((target.host.as_str(), target.port));
    let addresses: Vec<SocketAddr> = tokio::time::timeout(RESOLVE_TIMEOUT, lookup)
        .await
        .map_err(|_| Refused::Unresolved)?
        .map_err(|_| Refused::Unresolved)?
        .collect();
    let first = *addresses.first().ok_or(Refused::Unresolved)?;
    for address in &addresses {
        if !reachable(address.ip(), allow_loopback) {
            return Err(Refused::NotPublic(address.ip()));
        }
    }
    Ok(first)
}

/// Whether a delivery may go to `ip`.
pub fn reachable(ip: IpAddr, allow_loopback: bool) -> bool {
    match ip {
        IpAddr::V4(v4) => public_v4(v4) || (allow_loopback && v4.is_loopback()),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => reachable(IpAddr::V4(v4), allow_loopback),
            None => public_v6(v6) || (allow_loopback && v6.is_loopback()),
        },
    }
}

fn public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || a == 0
        // Shared address space (RFC 6598) and the IETF protocol block.
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && ip.octets()[2] == 0)
        // Benchmarking (RFC 2544) and the reserved 240/4.
        || (a == 198 && (b == 18 || b == 19))
        || a >= 240)
}

fn public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        // Unique local (fc00::/7, where AWS's fd00:ec2::254 metadata lives) and link-local (fe80::/10).
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        // Documentation (2001:db8::/32) and the IPv4-compatible / NAT64 forms, which can reach IPv4 space.
        || (first == 0x2001 && ip.segments()[1] == 0x0db8)
        || (first == 0x0064 && ip.segments()[1] == 0xff9b)
        || ip.segments()[..6].iter().all(|s| *s == 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn only_public_addresses_are_reachable() {
        for public in ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"] {
            assert!(reachable(ip(public), false), "{public}");
        }
        let internal = [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "192.0.2.1",
            "240.0.0.1",
            "::1",
            "::",
            "fd00:ec2::254",
            "fe80::1",
            "fc00::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
            "::7f00:1",
            "ff02::1",
        ];
        for address in internal {
            assert!(!reachable(ip(address), false), "{address}");
        }
        assert!(reachable(ip("127.0.0.1"), true) && reachable(ip("::1"), true));
        assert!(!reachable(ip("10.0.0.1"), true), "loopback is the only local exception");
    }

    #[test]
    fn urls_must_be_https_without_credentials() {
        let ok = parse("https://hooks.example.com/in?x=1", false).unwrap();
        assert_eq!((ok.host.as_str(), ok.port), ("hooks.example.com", 443));
        assert_eq!(parse("http://hooks.example.com/", false), Err(Refused::Form));
        assert_eq!(parse("ftp://hooks.example.com/", false), Err(Refused::Form));
        assert_eq!(parse("hooks.example.com", false), Err(Refused::Form));
        assert_eq!(parse("https://user:pw@hooks.example.com/", false), Err(Refused::Credentials));
        assert_eq!(parse(&format!("https://a.example/{}", "x".repeat(2_048)), false), Err(Refused::Form));
        assert_eq!(parse("http://127.0.0.1:9000/hook", true).unwrap().port, 9000);
        assert_eq!(parse("http://hooks.example.com/", true), Err(Refused::Form), "plain HTTP to loopback only");
        assert_eq!(parse("https://[::1]:8443/", false).unwrap().host, "::1");
    }

    #[tokio::test]
    async fn a_name_or_literal_that_resolves_inside_is_refused() {
        let loopback = parse("https://127.0.0.1/hook", false).unwrap();
        assert_eq!(resolve(&loopback, false).await, Err(Refused::NotPublic(ip("127.0.0.1"))));
        assert!(resolve(&loopback, true).await.is_ok());
        let metadata = parse("https://169.254.169.254/latest/meta-data/", false).unwrap();
        assert!(matches!(resolve(&metadata, false).await, Err(Refused::NotPublic(_))));
        let localhost = parse("https://localhost/", false).unwrap();
        assert!(matches!(resolve(&localhost, false).await, Err(Refused::NotPublic(_))));
    }
}
