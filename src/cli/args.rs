//! The command line's flags, defined once with their documentation (clap derives the
//! help text from them), and the merging of crawl flags over `portal-audit.toml`.

pub use crate::cli::flags::{CrawlArgs, RulesArgs, StoreArgs};
use crate::cli::values::{broken_state, memory_mb, share};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Audits government web portals for the public service channels they offer.
#[derive(Parser, Debug)]
#[command(name = "portal-audit", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Audit the seeded cities (all, or those given with --cities) into the database.
    Run(RunArgs),
    /// Re-audit one city (by id or name) as a new run.
    Recheck(RecheckArgs),
    /// List the runs in the database.
    Runs(RunsArgs),
    /// Run detection on one page (a URL fetched politely, or a saved file).
    Inspect(InspectArgs),
    /// Measure detection against a labelled corpus of saved pages.
    Eval(EvalArgs),
    /// Re-apply the current rules to a run's stored pages (no network), as a new run.
    Redetect(RedetectArgs),
    /// Work with the seeds file.
    #[command(subcommand)]
    Seeds(SeedsCommand),
    /// Export the matrix, the summary tables or the evidence pack.
    #[command(subcommand)]
    Export(ExportCommand),
    /// What changed between two runs, per city, sector and channel.
    Diff(DiffArgs),
    /// Reviewers' decisions on cells: list, set, history, export, import.
    #[command(subcommand)]
    Review(ReviewCommand),
    /// Audit a simulated web offline and write every export into results/demo/.
    Demo(DemoArgs),
    /// Benchmark the crawler on a simulated world (wall vs politeness bound, CPU, memory, accuracy).
    Bench(BenchArgs),
    /// The simulated portal web.
    #[command(subcommand)]
    Sim(SimCommand),
    /// Broken links: check a run's suspected ones again.
    #[command(subcommand)]
    Links(crate::cli::args_links::LinksCommand),
    /// Probe every site's start URL for availability (rounds, from cron or in-process).
    Probe(crate::cli::args_links::ProbeArgs),
}

/// The shape of a simulated world.
#[derive(Args, Debug, Clone)]
pub struct WorldArgs {
    /// Number of cities (the real list first, then synthetic ones).
    #[arg(long, default_value_t = 40)]
    pub cities: usize,
    /// Pages per site within the crawl budget.
    #[arg(long, default_value_t = 15)]
    pub pages: usize,
    /// Department sites per city (0-5).
    #[arg(long, default_value_t = 2)]
    pub departments: usize,
    #[arg(long, default_value_t = 2014)]
    pub seed: u64,
    /// No dead, slow, 429 or robots-blocked hosts.
    #[arg(long)]
    pub no_hostile: bool,
    /// Leave the seeds' sector columns empty: the portals list their departments, to be
    /// discovered (the demo always does).
    #[arg(long)]
    pub discover: bool,
}

#[derive(Args, Debug)]
pub struct DemoArgs {
    #[arg(long, default_value = "results/demo")]
    pub out: PathBuf,
    #[command(flatten)]
    pub world: WorldArgs,
}

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// polite (338 × 30 at 2/s), unlimited (no rate limit), country (2,004 sites × 60 at 1/s), census (14,004 sites × 10 at 1/s), or all.
    #[arg(long, default_value = "polite")]
    pub scenario: String,
    /// Override the scenario's number of cities.
    #[arg(long)]
    pub cities: Option<usize>,
    /// Also crawl the same world with Scrapy, right after the audit, using this Python
    /// (one with `scrapy` installed), and compare CPU per page measured minutes apart
    /// rather than against a figure from another day.
    #[arg(long, value_name = "PYTHON")]
    pub scrapy: Option<std::path::PathBuf>,
    /// Passed to the audit: sites crawled at once (default: from its memory budget).
    #[arg(long, value_name = "N")]
    pub max_active_sites: Option<usize>,
    /// Passed to the audit: its memory budget (`256MB`, `1GB`).
    #[arg(long, value_name = "SIZE", value_parser = memory_mb)]
    pub memory_budget: Option<u64>,
    /// Passed to the audit: which links are checked (by default `homepage` for census, as
    /// an inspection checks them, `none` for the others, so their figures compare with
    /// the crawl's alone; with checks the bound includes them).
    #[arg(long, value_name = "none|homepage|all")]
    pub check_links: Option<portal_audit::config::CheckLinks>,
}

#[derive(Subcommand, Debug)]
pub enum SimCommand {
    /// Serve a simulated world on 127.0.0.1 until stdin closes or the process is killed.
    Serve(SimServeArgs),
}

#[derive(Args, Debug)]
pub struct SimServeArgs {
    #[command(flatten)]
    pub world: WorldArgs,
    /// Write seeds.csv and truth.csv here.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum ExportCommand {
    /// The adoption matrix (csv: long format with BOM; json; md; xlsx).
    Matrix(ExportArgs),
    /// The survey's share tables (md, csv, json, html with charts).
    Summary(ExportArgs),
    /// The reviewers' evidence pack: a folder that opens offline in a browser.
    Evidence(EvidenceArgs),
    /// The registry of the government's accounts (csv, json, md).
    Accounts(ExportArgs),
    /// The inspection checks per site: identity, freshness, replies, domain, links,
    /// reachability (csv, json, md, xlsx, html).
    Inspection(ExportArgs),
    /// Broken and blocked links, one row per link per page it sits on (csv, json, md,
    /// xlsx).
    Links(LinksExportArgs),
}

/// `export links`.
#[derive(Args, Debug)]
pub struct LinksExportArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// csv, json, md or xlsx.
    #[arg(long, default_value = "csv")]
    pub format: String,
    /// Output file (default: results/links.<format>; `-` for stdout).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// The run whose checks are exported (default: the newest that checked links).
    #[arg(long)]
    pub run: Option<i64>,
    /// Only this city (its id or name).
    #[arg(long)]
    pub city: Option<String>,
    /// Only broken links in this state: suspected or confirmed.
    #[arg(long, value_name = "suspected|confirmed", value_parser = broken_state)]
    pub state: Option<portal_audit::page::inspect::links::BrokenState>,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[arg(long, default_value = "csv")]
    pub format: String,
    /// Output file (default: results/matrix.<format> or results/summary.<format>; `-` for stdout).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Export exactly this run (default: each city's latest audit that reached its
    /// portal; a city whose later audit failed keeps those values, marked carried forward).
    #[arg(long)]
    pub run: Option<i64>,
    /// Each city's latest audit even when it failed (its cells then unknown): no values
    /// carried forward.
    #[arg(long, conflicts_with = "run")]
    pub latest: bool,
    /// Only these channels (ids, comma-separated), in the rules' order.
    #[arg(long, value_delimiter = ',')]
    pub channels: Vec<String>,
    /// Only the channels of this group (`survey2014`: the survey's published layout).
    #[arg(long)]
    pub channel_group: Option<String>,
    /// The machine's values only, reviewers' decisions not applied (the summary adds how
    /// often the reviewers kept and overturned them, per channel).
    #[arg(long)]
    pub computed: bool,
}

#[derive(Subcommand, Debug)]
pub enum ReviewCommand {
    /// Cells to review (`--pending` first the uncertain ones).
    List(ReviewListArgs),
    /// Record a decision on a cell: CITY SECTOR CHANNEL yes|no --reason "…".
    Set(ReviewSetArgs),
    /// Every decision on a city (or one cell): who, when, why.
    History(ReviewHistoryArgs),
    /// Write every decision as CSV (UTF-8 with BOM).
    Export(ReviewExportArgs),
    /// Record the decisions of a CSV (validated whole first).
    Import(ReviewImportArgs),
    /// The review screen in the browser, on 127.0.0.1 (prints its URL with a token).
    Serve(ReviewServeArgs),
}

#[derive(Args, Debug)]
pub struct ReviewListArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[arg(long)]
    pub city: Option<String>,
    /// key or prefecture.
    #[arg(long)]
    pub tier: Option<String>,
    /// east, central or west.
    #[arg(long)]
    pub region: Option<String>,
    #[arg(long)]
    pub sector: Option<String>,
    #[arg(long)]
    pub channel: Option<String>,
    /// Not reviewed yet, the uncertain first.
    #[arg(long, conflicts_with_all = ["stale", "reviewed", "weak"])]
    pub pending: bool,
    /// Reviewed, but the evidence changed since.
    #[arg(long, conflicts_with_all = ["reviewed", "weak"])]
    pub stale: bool,
    /// Reviewed.
    #[arg(long, conflicts_with = "weak")]
    pub reviewed: bool,
    /// Cells whose findings are all weak.
    #[arg(long)]
    pub weak: bool,
    #[arg(long, default_value = "md")]
    pub format: String,
}

#[derive(Args, Debug)]
pub struct ReviewSetArgs {
    pub city: String,
    pub sector: String,
    pub channel: String,
    pub verdict: String,
    #[arg(long)]
    pub reason: String,
    /// Who decides (default: PORTAL_AUDIT_REVIEWER, else the OS user).
    #[arg(long)]
    pub reviewer: Option<String>,
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(Args, Debug)]
pub struct ReviewHistoryArgs {
    pub city: String,
    pub sector: Option<String>,
    pub channel: Option<String>,
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(Args, Debug)]
pub struct ReviewExportArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[arg(long, default_value = "results/decisions.csv")]
    pub out: PathBuf,
}

#[derive(Args, Debug)]
pub struct ReviewServeArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The port on 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = portal_audit::screen::DEFAULT_PORT)]
    pub port: u16,
    /// Who the decisions are recorded as (default: PORTAL_AUDIT_REVIEWER, else the OS user).
    #[arg(long)]
    pub reviewer: Option<String>,
}

#[derive(Args, Debug)]
pub struct ReviewImportArgs {
    pub file: PathBuf,
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(Args, Debug)]
pub struct EvidenceArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[arg(long, default_value = "results/evidence")]
    pub out: PathBuf,
    /// Only this city (id or name).
    #[arg(long)]
    pub city: Option<String>,
    #[arg(long)]
    pub run: Option<i64>,
    /// Also write the fetched pages as a WARC/1.1 file.
    #[arg(long)]
    pub warc: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct DiffArgs {
    pub run_a: i64,
    pub run_b: i64,
    #[command(flatten)]
    pub store: StoreArgs,
    #[arg(long, default_value = "md")]
    pub format: String,
}

#[derive(Subcommand, Debug)]
pub enum SeedsCommand {
    /// Validate the seeds file; with --probe, fetch every start URL once.
    Check(SeedsCheckArgs),
    /// Find each city's department sites on its portal; with --write, fill the empty sector columns.
    Discover(SeedsDiscoverArgs),
}

#[derive(Args, Debug)]
pub struct SeedsDiscoverArgs {
    #[arg(long, default_value = "seeds/cities.csv")]
    pub seeds: PathBuf,
    /// Only these cities (ids or names, comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub cities: Vec<String>,
    /// Write what was found into the empty sector columns (a filled column is never changed).
    #[arg(long)]
    pub write: bool,
    #[command(flatten)]
    pub crawl: CrawlArgs,
    #[command(flatten)]
    pub rules: RulesArgs,
}

#[derive(Args, Debug)]
pub struct SeedsCheckArgs {
    #[arg(long, default_value = "seeds/cities.csv")]
    pub seeds: PathBuf,
    /// Fetch each start URL once (politely) and report dead, moved and non-HTML sites.
    #[arg(long)]
    pub probe: bool,
    /// With --probe: write URL updates from permanent redirects into the seeds file.
    #[arg(long, requires = "probe")]
    pub fix: bool,
    #[command(flatten)]
    pub crawl: CrawlArgs,
}

/// What `run` and `recheck` share: where to read and write, how to crawl and detect.
#[derive(Args, Debug)]
pub struct AuditArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The seeds file.
    #[arg(long, default_value = "seeds/cities.csv")]
    pub seeds: PathBuf,
    /// No progress display.
    #[arg(long, short)]
    pub quiet: bool,
    /// Exit with code 5 when more than this share of the run's cities failed (their
    /// portal was not reached), so that cron notices.
    #[arg(long, default_value_t = 0.5, value_parser = share)]
    pub max_failed_share: f64,
    /// Sites active at once, crawling or checking their links; the next city starts as
    /// sites finish (default: as many as --memory-budget holds).
    #[arg(long, value_name = "N")]
    pub max_active_sites: Option<usize>,
    /// The memory the run may use, which sizes the window of active sites (a site
    /// checking its links takes less of it than a crawling one): `256MB`, `1GB` (a
    /// bare number is MB; default 256MB).
    #[arg(long, value_name = "SIZE", value_parser = memory_mb)]
    pub memory_budget: Option<u64>,
    #[command(flatten)]
    pub crawl: CrawlArgs,
    #[command(flatten)]
    pub rules: RulesArgs,
}

#[derive(Args, Debug)]
pub struct RunArgs {
    /// Only these cities (ids or names, comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub cities: Vec<String>,
    /// Continue the newest interrupted run.
    #[arg(long, conflicts_with = "cities")]
    pub resume: bool,
    #[command(flatten)]
    pub audit: AuditArgs,
}

#[derive(Args, Debug)]
pub struct RecheckArgs {
    /// The city: its id or name (杭州, 杭州市, 330100).
    pub city: String,
    #[command(flatten)]
    pub audit: AuditArgs,
}

#[derive(Args, Debug)]
pub struct RunsArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct InspectArgs {
    /// A URL to fetch, or a saved HTML file.
    pub target: String,
    /// The page's original address (for a file): resolves links and judges ownership.
    #[arg(long)]
    pub url: Option<String>,
    /// The owner's name, for judging whose channels are linked.
    #[arg(long, default_value = "")]
    pub owner: String,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub crawl: CrawlArgs,
    #[command(flatten)]
    pub rules: RulesArgs,
}

#[derive(Args, Debug)]
pub struct RedetectArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The run whose pages are re-analysed (default: the newest completed run).
    #[arg(long)]
    pub run: Option<i64>,
    #[command(flatten)]
    pub rules: RulesArgs,
}

#[derive(Args, Debug)]
pub struct EvalArgs {
    /// Folder with labels.csv and the saved pages (directly or under pages/).
    #[arg(long)]
    pub corpus: PathBuf,
    /// Fail (exit 1) when any channel's precision is below this.
    #[arg(long, default_value_t = 0.0)]
    pub min_precision: f64,
    /// Fail (exit 1) when any channel's recall is below this.
    #[arg(long, default_value_t = 0.0)]
    pub min_recall: f64,
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub rules: RulesArgs,
}
