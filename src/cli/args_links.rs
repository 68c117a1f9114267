//! The flags of `links recheck` and `probe`.

use crate::cli::flags::{CrawlArgs, RulesArgs, StoreArgs};
use crate::cli::values::duration_secs;
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum LinksCommand {
    /// Check the suspected broken links of a run again (a day later, say), as a new run
    /// of kind `links`: those still broken after --confirm-after are confirmed.
    Recheck(LinksRecheckArgs),
}

#[derive(Args, Debug)]
pub struct LinksRecheckArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The run whose suspected links are checked (default: the newest that checked links).
    #[arg(long)]
    pub run: Option<i64>,
    #[command(flatten)]
    pub crawl: CrawlArgs,
    #[command(flatten)]
    pub rules: RulesArgs,
}

#[derive(Args, Debug)]
pub struct ProbeArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The seeds file (the seeded sites; discovered ones come from the database).
    #[arg(long, default_value = "seeds/cities.csv")]
    pub seeds: PathBuf,
    /// Only these cities (ids or names, comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub cities: Vec<String>,
    /// Rounds to make in this process (cron or a timer runs one per call).
    #[arg(long, default_value_t = 1)]
    pub rounds: u32,
    /// From one round's start to the next's: `30m`, `1h` (a bare number is seconds).
    #[arg(long, default_value = "1h", value_parser = duration_secs)]
    pub interval: f64,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
    /// The crawl's flags; `--timeout` is the probe's (default 15s: a probe fails
    /// without a whole 2xx HTML response within it).
    #[command(flatten)]
    pub crawl: CrawlArgs,
}

/// A probe's timeout unless `--timeout` says otherwise (19号's 15 seconds).
pub const PROBE_TIMEOUT_SECS: f64 = 15.0;
