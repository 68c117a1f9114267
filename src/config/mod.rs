//! Crawl settings: named defaults, the optional `portal-audit.toml`, and flag overrides.
//!
//! The binary merges, in order: these defaults, the TOML file (if any), then flags.
//! The merged [`CrawlConfig`] is recorded with every run so a result can be reproduced.

pub mod clock;
pub(crate) mod resolve;

use resolve::ResolveRule;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::Duration;

/// Requests per second per host.
pub(crate) const DEFAULT_RATE: f64 = 1.0;
/// Pages fetched per site.
pub(crate) const DEFAULT_MAX_PAGES: usize = 60;
/// Link depth from a site's start URL.
pub(crate) const DEFAULT_MAX_DEPTH: u32 = 3;
/// Requests in flight over all hosts.
pub(crate) const DEFAULT_CONCURRENCY: usize = 256;
pub(crate) const DEFAULT_CONNECT_TIMEOUT_SECS: f64 = 10.0;
pub(crate) const DEFAULT_REQUEST_TIMEOUT_SECS: f64 = 30.0;
/// Body bytes kept after decompression.
pub(crate) const DEFAULT_MAX_BODY: usize = 5 * 1024 * 1024;
pub(crate) const DEFAULT_MAX_REDIRECTS: usize = 10;
/// Retries of a timeout, connection reset or 5xx.
pub(crate) const DEFAULT_MAX_RETRIES: u32 = 3;
/// Longest `Retry-After` honoured, in seconds.
pub(crate) const DEFAULT_RETRY_AFTER_CAP_SECS: f64 = 120.0;
/// The memory a run may use by default, in MiB: a census of 14,000 sites within it.
pub(crate) const DEFAULT_MEMORY_BUDGET_MB: u64 = 256;
/// Query-string variants of one path fetched per site.
pub(crate) const DEFAULT_MAX_QUERY_VARIANTS: usize = 5;
/// How long a link must stay broken, in seconds, before it is confirmed (19号's
/// 疑似 → 确认: two checks at least a day apart).
pub(crate) const DEFAULT_CONFIRM_AFTER_SECS: f64 = 86_400.0;
/// Link checks per host and run at most: a homepage listing thousands of one host's
/// pages is checked up to here, the rest recorded `not-checked`.
pub(crate) const DEFAULT_LINK_CHECKS_PER_HOST: usize = 1_000;
/// Contact shown in the User-Agent unless configured.
pub(crate) const DEFAULT_CONTACT: &str = "https://github.com/portal-audit/portal-audit";
/// The config file read from the working directory when present.
pub const CONFIG_FILE: &str = "portal-audit.toml";

/// Everything that governs how a run crawls. Recorded as JSON with each run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct CrawlConfig {
    /// Requests per second per host (GCRA, burst 1).
    pub rate: f64,
    pub max_pages: usize,
    pub max_depth: u32,
    /// Requests in flight over all hosts.
    pub concurrency: usize,
    /// Full User-Agent; when empty it is `portal-audit/<version> (+<contact>)`.
    pub user_agent: String,
    pub contact: String,
    /// Skip robots.txt (for audits the site owner authorised); recorded with the run.
    pub ignore_robots: bool,
    /// `HOST:PORT:ADDR` overrides, curl's `--resolve` syntax; their addresses are trusted.
    pub resolve: Vec<String>,
    /// Allow loopback and private addresses without a resolve override.
    pub allow_private: bool,
    /// Accept invalid TLS certificates; recorded with the run.
    pub insecure: bool,
    pub connect_timeout_secs: f64,
    pub request_timeout_secs: f64,
    pub max_body_bytes: usize,
    pub max_redirects: usize,
    pub max_retries: u32,
    pub retry_after_cap_secs: f64,
    pub max_query_variants: usize,
    /// Scale of retry backoff (seconds for the first retry); tests shrink it.
    pub backoff_base_secs: f64,
    /// Look for the department sites of sectors the seeds leave empty on each portal, and
    /// crawl them in the same run (`--no-discover` turns it off).
    pub discover: bool,
    /// Sites active at once, crawling or checking their links (`--max-active-sites`);
    /// 0: as many as `memory_budget_mb` holds. The run admits the next city as sites
    /// finish.
    pub max_active_sites: usize,
    /// The memory a run may use, in MiB (`--memory-budget`), which sets the window of
    /// active sites when `max_active_sites` is 0.
    pub memory_budget_mb: u64,
    /// Which pages' links are checked (`--check-links`): none, the homepage's, or
    /// those of every stored page.
    pub check_links: CheckLinks,
    /// Seconds a link must stay broken before it is confirmed (`--confirm-after`).
    pub confirm_after_secs: f64,
    /// Link checks per host and run at most.
    pub link_checks_per_host: usize,
}

/// Which pages' links a run checks.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum CheckLinks {
    /// No link is checked.
    None,
    /// Every link on each site's homepage (the default: 19号 deducts for it first).
    #[default]
    Homepage,
    /// Every link on every stored page.
    All,
}

impl std::str::FromStr for CheckLinks {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "none" => Ok(CheckLinks::None),
            "homepage" => Ok(CheckLinks::Homepage),
            "all" => Ok(CheckLinks::All),
            _ => Err(format!("`{s}`: link checks are none, homepage or all")),
        }
    }
}

impl Default for CrawlConfig {
    fn default() -> Self {
        CrawlConfig {
            rate: DEFAULT_RATE,
            max_pages: DEFAULT_MAX_PAGES,
            max_depth: DEFAULT_MAX_DEPTH,
            concurrency: DEFAULT_CONCURRENCY,
            user_agent: String::new(),
            contact: DEFAULT_CONTACT.to_string(),
            ignore_robots: false,
            resolve: Vec::new(),
            allow_private: false,
            insecure: false,
            connect_timeout_secs: DEFAULT_CONNECT_TIMEOUT_SECS,
            request_timeout_secs: DEFAULT_REQUEST_TIMEOUT_SECS,
            max_body_bytes: DEFAULT_MAX_BODY,
            max_redirects: DEFAULT_MAX_REDIRECTS,
            max_retries: DEFAULT_MAX_RETRIES,
            retry_after_cap_secs: DEFAULT_RETRY_AFTER_CAP_SECS,
            max_query_variants: DEFAULT_MAX_QUERY_VARIANTS,
            backoff_base_secs: 1.0,
            discover: true,
            max_active_sites: 0,
            memory_budget_mb: DEFAULT_MEMORY_BUDGET_MB,
            check_links: CheckLinks::Homepage,
            confirm_after_secs: DEFAULT_CONFIRM_AFTER_SECS,
            link_checks_per_host: DEFAULT_LINK_CHECKS_PER_HOST,
        }
    }
}

/// A configuration value that cannot be used, or a config file that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("config file {path}: {message}")]
    Parse { path: String, message: String },
    #[error("invalid setting: {0}")]
    Invalid(String),
}

/// The `[crawl]` table of `portal-audit.toml`.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    crawl: Option<CrawlConfig>,
}

impl CrawlConfig {
    /// Reads `[crawl]` from a TOML file over the defaults.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        let file: ConfigFile = toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        Ok(file.crawl.unwrap_or_default())
    }

    /// The User-Agent header sent with every request.
    pub fn user_agent(&self) -> String {
        if self.user_agent.trim().is_empty() {
            format!(
                "portal-audit/{} (+{})",
                env!("CARGO_PKG_VERSION"),
                self.contact
            )
        } else {
            self.user_agent.clone()
        }
    }

    /// The product token robots.txt groups are matched against.
    pub(crate) fn robots_agent(&self) -> &'static str {
        "portal-audit"
    }

    /// Minimum spacing between two requests to one host.
    pub(crate) fn host_interval(&self) -> Duration {
        Duration::from_secs_f64(1.0 / self.rate)
    }

    /// Parsed `--resolve` rules.
    pub fn resolve_rules(&self) -> Result<Vec<ResolveRule>, ConfigError> {
        self.resolve
            .iter()
            .map(|r| r.parse::<ResolveRule>().map_err(ConfigError::Invalid))
            .collect()
    }

    /// Checks values that would make the crawler misbehave.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |m: String| Err(ConfigError::Invalid(m));
        if !(self.rate.is_finite() && self.rate > 0.0 && self.rate <= 10_000.0) {
            return bad(format!(
                "rate must be a positive number of requests per second per host, got {}",
                self.rate
            ));
        }
        if self.max_pages == 0 {
            return bad("max-pages must be at least 1".into());
        }
        if self.concurrency == 0 {
            return bad("concurrency must be at least 1".into());
        }
        for (name, v) in [
            ("connect timeout", self.connect_timeout_secs),
            ("request timeout", self.request_timeout_secs),
            ("confirm-after", self.confirm_after_secs),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return bad(format!("{name} must be positive, got {v}"));
            }
        }
        if self.memory_budget_mb == 0 {
            return bad("memory-budget must be at least 1 MiB".into());
        }
        self.resolve_rules()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_overrides_defaults_and_rejects_unknown_keys() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.toml");
        std::fs::write(&p, "[crawl]\nrate = 2.5\ncontact = \"audit@example.org\"\n").unwrap();
        let c = CrawlConfig::from_file(&p).unwrap();
        assert_eq!(c.rate, 2.5);
        assert_eq!(c.max_pages, DEFAULT_MAX_PAGES);
        assert!(c.user_agent().ends_with("(+audit@example.org)"));
        std::fs::write(&p, "[crawl]\nrat = 2\n").unwrap();
        let e = CrawlConfig::from_file(&p).unwrap_err().to_string();
        assert!(e.contains("rat"), "{e}");
    }

    #[test]
    fn validation() {
        let c = CrawlConfig {
            rate: 0.0,
            ..Default::default()
        };
        assert!(c.validate().is_err());
        let c = CrawlConfig {
            resolve: vec!["nonsense".into()],
            ..Default::default()
        };
        assert!(c.validate().is_err());
        assert!(CrawlConfig::default().validate().is_ok());
    }
}
