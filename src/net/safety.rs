//! Classification of IP addresses and URLs as safe to fetch.

use crate::config::resolve::{ResolveRule, check_name};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use url::{Host, Url};

/// True for globally routable unicast addresses; false for loopback, private,
/// link-local, shared (CGNAT), documentation, multicast, reserved and unspecified
/// ranges, including IPv4 addresses embedded in IPv6 (mapped, compatible, NAT64, 6to4).
pub fn is_public_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    !(ip.is_unspecified()
        || o[0] == 0
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || (o[0] == 100 && (o[1] & 0xC0) == 64) // 100.64.0.0/10 shared address space
        || (o[0] == 192 && o[1] == 0 && o[2] == 0) // 192.0.0.0/24 protocol assignments
        || (o[0] == 198 && (o[1] & 0xFE) == 18) // 198.18.0.0/15 benchmarking
        || o[0] >= 240) // reserved
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let s = ip.segments();
    // IPv4-compatible (::a.b.c.d, deprecated) and NAT64 (64:ff9b::/96) embed an IPv4 address.
    let embedded = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    if s[..6] == [0, 0, 0, 0, 0, 0] && !ip.is_unspecified() && !ip.is_loopback() {
        return is_public_v4(embedded);
    }
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
        return is_public_v4(embedded);
    }
    if s[0] == 0x2002 {
        // 6to4: the IPv4 address is in segments 1 and 2.
        let v4 = Ipv4Addr::new((s[1] >> 8) as u8, s[1] as u8, (s[2] >> 8) as u8, s[2] as u8);
        return is_public_v4(v4);
    }
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00 // unique local
        || (s[0] & 0xffc0) == 0xfe80 // link-local
        || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
        || (s[0] == 0x2001 && s[1] == 0x0db8)) // documentation
}

/// Checks that a URL may be fetched at all: http(s) only; an IP-literal host must be
/// public unless `--allow-private` (no `--resolve` rule covers an IP literal: trust
/// belongs to the host names and ports the user wrote, not to the addresses they map
/// to); a host name that a rule names must be at a port a rule covers. Host names no
/// rule names are checked after DNS resolution by the resolver.
pub fn check_target(url: &Url, rules: &[ResolveRule], allow_private: bool) -> Result<(), String> {
    match url.scheme() {
        "http" | "https" => {}
        other => return Err(format!("scheme `{other}:` is never fetched")),
    }
    let port = url.port_or_known_default().unwrap_or(0);
    let ip = match url.host() {
        None => return Err("URL has no host".into()),
        Some(Host::Domain(name)) => {
            if allow_private {
                return Ok(());
            }
            return check_name(rules, name, port);
        }
        Some(Host::Ipv4(v4)) => IpAddr::V4(v4),
        Some(Host::Ipv6(v6)) => IpAddr::V6(v6),
    };
    if allow_private || is_public_ip(ip) {
        Ok(())
    } else {
        Err(format!(
            "{ip} is a non-public address; refused (an IP address is never covered by --resolve; allow it with --allow-private)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public(s: &str) -> bool {
        is_public_ip(s.parse().unwrap())
    }

    #[test]
    fn classifies_addresses() {
        for s in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::7f00:1",
            "2002:7f00:1::",
            "::127.0.0.1",
        ] {
            assert!(!public(s), "{s} must not be public");
        }
        for s in [
            "202.96.128.86",
            "172.32.0.1",
            "8.8.8.8",
            "2400:3200::1",
            "::ffff:8.8.8.8",
        ] {
            assert!(public(s), "{s} must be public");
        }
    }

    #[test]
    fn refuses_odd_spellings_and_schemes() {
        for u in [
            "http://2130706433/",
            "http://0x7f.1/",
            "http://0177.0.0.1/",
            "http://127.1/",
            "http://[::1]/",
            "http://[::ffff:7f00:1]/",
            "http://169.254.169.254/latest/",
        ] {
            let url = Url::parse(u).unwrap();
            assert!(
                check_target(&url, &[], false).is_err(),
                "{u} must be refused"
            );
            assert!(check_target(&url, &[], true).is_ok());
        }
        for u in [
            "file:///etc/passwd",
            "ftp://x.gov.cn/",
            "data:text/html,hi",
            "javascript:alert(1)",
        ] {
            let url = Url::parse(u).unwrap();
            assert!(
                check_target(&url, &[], true).is_err(),
                "{u} must be refused"
            );
        }
        // A rule's address is not trusted as an address: only the host and port it names.
        let rule: ResolveRule = "*:80:127.0.0.1".parse().unwrap();
        let url = Url::parse("http://127.0.0.1/").unwrap();
        assert!(check_target(&url, &[rule], false).is_err());
    }
}

#[cfg(test)]
mod regression {
    //! Issue 12.1: trust in a `--resolve` address leaked to that IP at any port.
    use super::*;

    #[test]
    fn trust_in_a_resolve_rule_does_not_leak_to_its_address_or_other_ports() {
        let rules: Vec<ResolveRule> = vec!["www.ssrf.gov.cn:18101:127.0.0.1".parse().unwrap()];
        let allowed = |u: &str| check_target(&Url::parse(u).unwrap(), &rules, false);
        assert!(allowed("http://www.ssrf.gov.cn:18101/").is_ok());
        assert!(allowed("http://WWW.SSRF.GOV.CN.:18101/a").is_ok());
        for u in [
            "http://127.0.0.1:18199/ip",
            "http://127.1:18199/",
            "http://2130706433:18199/",
            "http://0x7f.1:18199/",
            "http://0177.0.0.1:18199/",
            "http://127.0.0.1.:18199/",
            "http://x@127.0.0.1:18199/",
            "http:\\\\127.0.0.1:18199\\ip",
            "http://[::ffff:127.0.0.1]:18199/",
            "http://127.0.0.1:18101/",
            "http://www.ssrf.gov.cn:18099/",
            "http://www.ssrf.gov.cn/",
        ] {
            let url = Url::parse(u).unwrap();
            assert!(
                check_target(&url, &rules, false).is_err(),
                "{u} ({url}) must be refused"
            );
        }
        // A protocol-relative link resolves against the page, then is checked the same way.
        let base = Url::parse("http://www.ssrf.gov.cn:18101/").unwrap();
        let rel = base.join("//127.0.0.1:18199/").unwrap();
        assert!(check_target(&rel, &rules, false).is_err());
        // A wildcard host rule covers every host name, never an IP literal.
        let any: Vec<ResolveRule> = vec!["*:*:127.0.0.1:8080".parse().unwrap()];
        assert!(check_target(&Url::parse("http://a.gov.cn:1234/").unwrap(), &any, false).is_ok());
        assert!(check_target(&Url::parse("http://127.0.0.1:8080/").unwrap(), &any, false).is_err());
        // Two rules for one host at two ports to two addresses: each port to its own.
        let two: Vec<ResolveRule> = vec![
            "a.gov.cn:80:127.0.0.1".parse().unwrap(),
            "*:*:127.0.0.2".parse().unwrap(),
        ];
        assert!(check_target(&Url::parse("http://a.gov.cn/").unwrap(), &two, false).is_ok());
        assert!(
            check_target(&Url::parse("http://a.gov.cn:81/").unwrap(), &two, false).is_err(),
            "the resolver would send port 81 to the port-80 rule's address"
        );
    }
}
