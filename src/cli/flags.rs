//! The flags many commands share: where the database is, how to crawl (merged over
//! `portal-audit.toml`), which rules.

use crate::cli::values::duration_secs;
use anyhow::Result;
use clap::Args;
use portal_audit::config::{CONFIG_FILE, CrawlConfig};
use std::path::{Path, PathBuf};

/// Where the database and seeds are.
#[derive(Args, Debug, Clone)]
pub struct StoreArgs {
    /// The audit database.
    #[arg(long, default_value = "results/audit.db")]
    pub db: PathBuf,
}

/// Flags that override `portal-audit.toml` and the defaults.
#[derive(Args, Debug, Clone, Default)]
pub struct CrawlArgs {
    /// Config file (default: ./portal-audit.toml when present).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Requests per second per host (decimal).
    #[arg(long)]
    pub rate: Option<f64>,
    /// Pages fetched per site.
    #[arg(long)]
    pub max_pages: Option<usize>,
    /// Link depth from each site's start URL.
    #[arg(long)]
    pub max_depth: Option<u32>,
    /// Requests in flight over all hosts.
    #[arg(long)]
    pub concurrency: Option<usize>,
    /// User-Agent header (default: portal-audit/<version> (+<contact>)).
    #[arg(long)]
    pub user_agent: Option<String>,
    /// Contact URL or e-mail shown in the default User-Agent.
    #[arg(long)]
    pub contact: Option<String>,
    /// Ignore robots.txt (only for audits the site owner authorised; recorded in the run).
    #[arg(long)]
    pub ignore_robots: bool,
    /// HOST:PORT:ADDR, curl's syntax (repeatable; `*` for every host); such addresses are trusted.
    #[arg(long = "resolve", value_name = "HOST:PORT:ADDR")]
    pub resolve: Vec<String>,
    /// Allow loopback and private addresses without a --resolve rule.
    #[arg(long)]
    pub allow_private: bool,
    /// Accept invalid TLS certificates (recorded in the run).
    #[arg(long)]
    pub insecure: bool,
    /// Whole-response timeout: `30s`, `2m` (a bare number is seconds).
    #[arg(long, value_parser = duration_secs)]
    pub timeout: Option<f64>,
    /// Retries of timeouts, resets and 5xx.
    #[arg(long)]
    pub retries: Option<u32>,
    /// Do not look for department sites on the portals (only seeded ones are crawled).
    #[arg(long)]
    pub no_discover: bool,
    /// Which pages' links are checked: none, homepage (the default) or all.
    #[arg(long, value_name = "none|homepage|all")]
    pub check_links: Option<portal_audit::config::CheckLinks>,
    /// How long a link must stay broken before it is confirmed: `24h` (the default).
    #[arg(long, value_name = "DURATION", value_parser = duration_secs)]
    pub confirm_after: Option<f64>,
}

impl CrawlArgs {
    /// Defaults, then the config file, then these flags.
    pub fn merge(&self) -> Result<CrawlConfig> {
        let mut c = match &self.config {
            Some(p) => CrawlConfig::from_file(p)?,
            None if Path::new(CONFIG_FILE).exists() => {
                CrawlConfig::from_file(Path::new(CONFIG_FILE))?
            }
            None => CrawlConfig::default(),
        };
        if let Some(v) = self.rate {
            c.rate = v;
        }
        if let Some(v) = self.max_pages {
            c.max_pages = v;
        }
        if let Some(v) = self.max_depth {
            c.max_depth = v;
        }
        if let Some(v) = self.concurrency {
            c.concurrency = v;
        }
        if let Some(v) = &self.user_agent {
            c.user_agent = v.clone();
        }
        if let Some(v) = &self.contact {
            c.contact = v.clone();
        }
        if let Some(v) = self.timeout {
            c.request_timeout_secs = v;
        }
        if let Some(v) = self.retries {
            c.max_retries = v;
        }
        c.ignore_robots |= self.ignore_robots;
        c.allow_private |= self.allow_private;
        c.insecure |= self.insecure;
        if self.no_discover {
            c.discover = false;
        }
        if let Some(v) = self.check_links {
            c.check_links = v;
        }
        if let Some(v) = self.confirm_after {
            c.confirm_after_secs = v;
        }
        c.resolve.extend(self.resolve.iter().cloned());
        c.validate()?;
        Ok(c)
    }
}

/// `--rules FILE`.
#[derive(Args, Debug, Clone, Default)]
pub struct RulesArgs {
    /// Detection rules file (default: the built-in rules).
    #[arg(long)]
    pub rules: Option<PathBuf>,
}
