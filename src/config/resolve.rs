//! The `--resolve HOST:PORT:ADDR` rules: how they are written and what they trust.
//!
//! A rule trusts the host name and port the user wrote, nothing wider; the resolver
//! (`net::resolve`) and the address check (`net::safety`) both ask these functions.

use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

/// One `--resolve HOST:PORT:ADDR` rule (curl's syntax). `HOST` may be `*` for every
/// host and `PORT` may be `*`. `ADDR` may carry a port (`127.0.0.1:8080`,
/// `[::1]:8080`): connections then go to that port, which is how a test points
/// port-less URLs such as `http://www.hangzhou.gov.cn/` at a server on a free port.
/// The rule applies to the host name whatever the URL's port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolveRule {
    /// Lower-cased host name, or `None` for `*`.
    pub host: Option<String>,
    /// The port as written (`None` for `*`); informational.
    pub port: Option<u16>,
    /// Where connections go; port 0 means the URL's port.
    pub addr: SocketAddr,
}

impl FromStr for ResolveRule {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || {
            format!(
                "--resolve `{s}`: expected HOST:PORT:ADDR, e.g. www.hangzhou.gov.cn:80:127.0.0.1"
            )
        };
        let mut parts = s.splitn(3, ':');
        let host = parts.next().filter(|h| !h.is_empty()).ok_or_else(bad)?;
        let port = parts.next().ok_or_else(bad)?;
        let addr = parts.next().filter(|a| !a.is_empty()).ok_or_else(bad)?;
        let port = match port {
            "*" => None,
            p => Some(p.parse::<u16>().map_err(|_| bad())?),
        };
        let addr = if let Ok(sa) = addr.parse::<SocketAddr>() {
            sa
        } else {
            let ip = addr.trim_start_matches('[').trim_end_matches(']');
            let ip: IpAddr = ip.parse().map_err(|_| bad())?;
            SocketAddr::new(ip, 0)
        };
        let host = (host != "*").then(|| host.to_ascii_lowercase());
        Ok(ResolveRule { host, port, addr })
    }
}

impl std::fmt::Display for ResolveRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let host = self.host.as_deref().unwrap_or("*");
        let port = self.port.map_or_else(|| "*".to_string(), |p| p.to_string());
        if self.addr.port() == 0 {
            write!(f, "{host}:{port}:{}", self.addr.ip())
        } else {
            write!(f, "{host}:{port}:{}", self.addr)
        }
    }
}

impl ResolveRule {
    /// Whether the rule names `host` (already lower-cased, without a trailing dot).
    fn names(&self, host: &str) -> bool {
        self.host.as_deref().is_none_or(|h| h == host)
    }

    /// Whether the rule covers `host` at `port`: the mapping the user wrote, nothing wider.
    pub(crate) fn covers(&self, host: &str, port: u16) -> bool {
        self.names(host) && self.port.is_none_or(|p| p == port)
    }
}

/// A host name as rules compare it: lower-case, without a trailing dot.
fn rule_key(host: &str) -> String {
    host.trim_end_matches('.').to_ascii_lowercase()
}

/// The rule the resolver uses for a name (it never sees the port): an exact host rule
/// first, then a `*` rule.
pub(crate) fn find_rule<'a>(rules: &'a [ResolveRule], host: &str) -> Option<&'a ResolveRule> {
    let host = rule_key(host);
    rules
        .iter()
        .find(|r| r.host.as_deref() == Some(host.as_str()))
        .or_else(|| rules.iter().find(|r| r.host.is_none()))
}

/// The rule that applies to `host` at `port`: an exact host rule covering the port first,
/// then a `*` rule covering it.
pub(crate) fn rule_for<'a>(
    rules: &'a [ResolveRule],
    host: &str,
    port: u16,
) -> Option<&'a ResolveRule> {
    let host = rule_key(host);
    rules
        .iter()
        .find(|r| r.host.as_deref() == Some(host.as_str()) && r.covers(&host, port))
        .or_else(|| {
            rules
                .iter()
                .find(|r| r.host.is_none() && r.covers(&host, port))
        })
}

/// Whether a connection to `host` at `port` may go where the resolver will send it.
///
/// The resolver maps a name to its rule's address whatever the port, so a URL whose
/// host a rule names is allowed only when a rule covers that very port and sends it to
/// the same address; otherwise the trust the user gave one port would leak to another.
/// A host no rule names is resolved by DNS and must be public.
pub(crate) fn check_name(rules: &[ResolveRule], host: &str, port: u16) -> Result<(), String> {
    let Some(by_name) = find_rule(rules, host) else {
        return Ok(());
    };
    match rule_for(rules, host, port) {
        Some(applies) if applies.addr == by_name.addr => Ok(()),
        _ => Err(format!(
            "{}:{port} is not covered by --resolve {by_name} (a rule trusts the host and port it names, nothing wider); refused",
            rule_key(host)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_curl_syntax_and_extensions() {
        let r: ResolveRule = "WWW.Hangzhou.gov.cn:80:127.0.0.1".parse().unwrap();
        assert_eq!(r.host.as_deref(), Some("www.hangzhou.gov.cn"));
        assert_eq!(r.addr, "127.0.0.1:0".parse().unwrap());
        let r: ResolveRule = "*:*:127.0.0.1:8080".parse().unwrap();
        assert!(r.host.is_none() && r.port.is_none());
        assert_eq!(r.addr.port(), 8080);
        let r: ResolveRule = "x.gov.cn:443:[::1]".parse().unwrap();
        assert_eq!(r.addr.ip(), "::1".parse::<IpAddr>().unwrap());
        assert!("x.gov.cn:80".parse::<ResolveRule>().is_err());
        assert!("x.gov.cn:eighty:127.0.0.1".parse::<ResolveRule>().is_err());
        let rules = vec![
            "*:*:127.0.0.2".parse().unwrap(),
            "a.gov.cn:80:127.0.0.1".parse().unwrap(),
        ];
        assert_eq!(
            find_rule(&rules, "A.gov.cn").unwrap().addr.ip().to_string(),
            "127.0.0.1"
        );
        assert_eq!(
            find_rule(&rules, "b.gov.cn").unwrap().addr.ip().to_string(),
            "127.0.0.2"
        );
    }
}
