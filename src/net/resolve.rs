//! Name resolution with `--resolve` overrides and the non-public address check.

use super::safety::is_public_ip;
use crate::config::resolve::{ResolveRule, find_rule};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::SocketAddr;
use std::sync::Arc;

/// Why a name was not resolved to a usable address.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ResolveError {
    #[error("DNS lookup of {host} failed: {message}")]
    Lookup { host: String, message: String },
    #[error(
        "{host} resolves only to non-public addresses ({addrs}); refused (allow with --resolve or --allow-private)"
    )]
    NonPublic { host: String, addrs: String },
}

/// The resolver given to reqwest: applies overrides, then the system resolver, and
/// refuses non-public results unless allowed.
#[derive(Debug, Clone)]
pub(crate) struct SafeResolver {
    rules: Arc<Vec<ResolveRule>>,
    allow_private: bool,
}

impl SafeResolver {
    pub fn new(rules: Vec<ResolveRule>, allow_private: bool) -> Self {
        SafeResolver {
            rules: Arc::new(rules),
            allow_private,
        }
    }
}

impl Resolve for SafeResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_string();
        // RFC 6761 §6.4: names under `invalid` never resolve, and resolvers answer so at
        // once (before any rule: `--resolve '*:…'` does not make them exist).
        let lower = host.trim_end_matches('.').to_ascii_lowercase();
        if lower == "invalid" || lower.ends_with(".invalid") {
            return Box::pin(async move {
                Err(ResolveError::Lookup {
                    host,
                    message: "names under .invalid never resolve (RFC 6761)".into(),
                }
                .into())
            });
        }
        if let Some(rule) = find_rule(&self.rules, &host) {
            let addr = rule.addr;
            return Box::pin(async move { Ok(Box::new(std::iter::once(addr)) as Addrs) });
        }
        let allow_private = self.allow_private;
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await
                .map_err(|e| ResolveError::Lookup {
                    host: host.clone(),
                    message: e.to_string(),
                })?
                .collect();
            let (ok, refused): (Vec<_>, Vec<_>) = found
                .into_iter()
                .partition(|a| allow_private || is_public_ip(a.ip()));
            if ok.is_empty() {
                if refused.is_empty() {
                    return Err(ResolveError::Lookup {
                        host,
                        message: "no addresses".into(),
                    }
                    .into());
                }
                let addrs = refused
                    .iter()
                    .map(|a| a.ip().to_string())
                    .collect::<Vec<_>>()
                    .join(", ");
                return Err(ResolveError::NonPublic { host, addrs }.into());
            }
            Ok(Box::new(ok.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn refuses_localhost_unless_allowed() {
        let r = SafeResolver::new(vec![], false);
        let err = match r.resolve("localhost".parse().unwrap()).await {
            Ok(_) => panic!("localhost must be refused"),
            Err(e) => e.to_string(),
        };
        assert!(err.contains("non-public") || err.contains("DNS"), "{err}");
        let r = SafeResolver::new(vec![], true);
        if let Ok(mut addrs) = r.resolve("localhost".parse().unwrap()).await {
            assert!(addrs.next().unwrap().ip().is_loopback());
        }
    }

    #[tokio::test]
    async fn names_under_invalid_never_resolve_even_with_a_wildcard_rule() {
        let rule: ResolveRule = "*:*:127.0.0.1:8080".parse().unwrap();
        let r = SafeResolver::new(vec![rule], true);
        for name in ["www.nosuch.invalid", "INVALID", "a.b.invalid."] {
            let err = match r.resolve(name.parse().unwrap()).await {
                Ok(_) => panic!("{name} must not resolve"),
                Err(e) => e.to_string(),
            };
            assert!(err.contains("RFC 6761"), "{err}");
        }
        assert!(r.resolve("invalid.gov.cn".parse().unwrap()).await.is_ok());
    }
}
