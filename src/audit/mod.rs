//! A whole audit run: `run`, `recheck` and `run --resume`.
//!
//! Takes the database's run lock, records the run and its cities, crawls every city's
//! sites concurrently (politeness is per host, so cities proceed in parallel), marks each
//! city done once all its pages are committed, and finishes the run as `completed`, as
//! `interrupted` when cancelled (for `--resume` to continue), or as `failed` when no
//! portal of many hosts could be reached (the network is down: `reach`), a run no
//! export ever takes a city's values from.

mod admission;
mod city;
pub mod links;
pub(crate) mod memory;
pub mod probe;
mod reach;
pub mod redetect;

use crate::config::CrawlConfig;
use crate::crawl::progress::{ProgressMode, Stats, report};
use crate::crawl::spec::CrawlEnv;
use crate::model::city::City;
use crate::net::fetch::Fetcher;
use crate::page::detect::Detector;
use crate::seeds::{self, SeedsError};
use crate::store::writer::Writer;
use crate::store::{self, RunLock, StoreError, runs};
use city::CityWork;
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// Why an audit could not run (operational errors; a failed site is not one).
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error(transparent)]
    Seeds(#[from] SeedsError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error("{0}")]
    Usage(String),
}

/// What kind of run to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunMode {
    /// Audit the seeded cities (all, or those named).
    Run { cities: Vec<String> },
    /// Audit one city as a new run.
    Recheck { city: String },
    /// Continue the newest interrupted run.
    Resume,
}

/// Everything an audit needs besides the detector.
#[derive(Debug, Clone)]
pub struct AuditOptions {
    pub db: PathBuf,
    pub seeds: PathBuf,
    pub mode: RunMode,
    pub config: CrawlConfig,
    pub progress: ProgressMode,
}

/// The result of an audit, printed at the end and used by tests.
#[derive(Debug, Clone)]
pub struct AuditReport {
    pub run_id: i64,
    pub interrupted: bool,
    /// The run stopped early: no portal of many distinct hosts could be reached. It is
    /// recorded as `failed`.
    pub network_down: bool,
    pub cities: u64,
    pub cities_failed: u64,
    pub pages: u64,
    pub findings: u64,
    pub errors: u64,
    pub elapsed: Duration,
}

/// The run to crawl and its cities still to do: the newest interrupted run for a resume
/// (the unfinished sites of its unfinished cities cleared, the finished ones kept),
/// otherwise a new run with the chosen cities.
fn open_run(
    conn: &rusqlite::Connection,
    opts: &AuditOptions,
    seeded: Option<(Vec<u8>, Vec<City>)>,
    detector: &dyn Detector,
) -> Result<(i64, Vec<CityWork>), AuditError> {
    let sql = |e: rusqlite::Error| StoreError::Sql {
        path: opts.db.clone(),
        source: e,
    };
    Ok(match (&opts.mode, seeded) {
        (RunMode::Resume, _) | (_, None) => {
            let Some((run_id, _kind)) = runs::latest_interrupted(conn).map_err(sql)? else {
                return Err(AuditError::Usage(format!(
                    "no interrupted run to resume in {}",
                    opts.db.display()
                )));
            };
            let recorded = runs::unfinished_cities_sites(conn, run_id).map_err(sql)?;
            runs::clear_unfinished(conn, run_id).map_err(sql)?;
            runs::reopen_run(conn, run_id).map_err(sql)?;
            let cities = runs::run_cities(conn, run_id, Some("pending")).map_err(sql)?;
            (run_id, CityWork::resumed(cities, &recorded))
        }
        (mode, Some((bytes, chosen))) => {
            let kind = if matches!(mode, RunMode::Recheck { .. }) {
                "recheck"
            } else {
                "run"
            };
            let new = runs::NewRun {
                kind: kind.into(),
                settings_json: serde_json::to_string(&opts.config).expect("serialisable"),
                seeds_path: Some(opts.seeds.display().to_string()),
                seeds_sha256: Some(hex::encode(Sha256::digest(&bytes))),
                rules_version: Some(detector.version()),
                rules_sha256: Some(detector.sha256()),
                channels_json: Some(
                    serde_json::to_string(detector.channels()).expect("serialisable"),
                ),
                ignore_robots: opts.config.ignore_robots,
                insecure: opts.config.insecure,
                source_run: None,
            };
            let run_id = runs::create_run(conn, &new).map_err(sql)?;
            let chosen: Vec<&City> = chosen.iter().collect();
            runs::add_cities(conn, run_id, &chosen).map_err(sql)?;
            (
                run_id,
                chosen.into_iter().cloned().map(CityWork::new).collect(),
            )
        }
    })
}

/// Runs an audit until done or until `cancel` fires.
pub async fn run(
    opts: &AuditOptions,
    detector: Arc<dyn Detector>,
    cancel: CancellationToken,
) -> Result<AuditReport, AuditError> {
    let start = Instant::now();
    opts.config.validate()?;
    // Seeds are read and checked before the database is touched: bad seeds write nothing.
    let seeded = match &opts.mode {
        RunMode::Resume => None,
        mode => Some(select_cities(opts, mode)?),
    };
    let (_lock, conn) = open_for_writing(&opts.db)?;
    let sql = |e: rusqlite::Error| StoreError::Sql {
        path: opts.db.clone(),
        source: e,
    };

    let (run_id, cities) = open_run(&conn, opts, seeded, detector.as_ref())?;

    let stats = Arc::new(Stats::default());
    stats.checking_links.store(
        opts.config.check_links != crate::config::CheckLinks::None,
        Ordering::Relaxed,
    );
    stats
        .cities_total
        .store(cities.len() as u64, Ordering::Relaxed);
    let known: usize = cities.iter().map(CityWork::sites_known).sum();
    stats.expect_sites(known as u64, opts.config.max_pages as u64);
    let (writer, handle) = Writer::start(conn, opts.db.clone());
    // Bodies read and not yet parsed share one memory budget: the fetcher waits for
    // room before reading a body, the parser returns it when the body is parsed.
    let parser = Arc::new(crate::crawl::parse::ParsePool::for_machine(
        detector.clone(),
    ));
    let fetcher = Fetcher::with_body_budget(&opts.config, parser.budget())?;
    // The crawl stops on the user's cancel, or when the network turns out to be down.
    let stop = cancel.child_token();
    let reach = Arc::new(reach::Reach::new(stop.clone()));
    let links = (opts.config.check_links != crate::config::CheckLinks::None).then(|| {
        let rules = detector
            .rule_set()
            .map(|r| r.inspection.link_rules().clone())
            .unwrap_or_else(|| {
                crate::page::detect::rules::builtin_inspection()
                    .link_rules()
                    .clone()
            });
        Arc::new(crate::crawl::links::LinkChecks::new(fetcher.clone(), rules))
    });
    let env = CrawlEnv {
        run_id,
        fetcher,
        writer: handle,
        detector,
        parser,
        stats: stats.clone(),
        cancel: stop,
        links,
    };
    let shown = CancellationToken::new();
    let progress = tokio::spawn(report(stats.clone(), opts.progress, shown.clone()));
    let trimmer = tokio::spawn(crate::audit::memory::release_freed_periodically());
    tracing::info!(run_id, cities = cities.len(), "audit started");

    let window = admission::Window::new(admission::window_size(&opts.config));
    let size = window.size();
    tracing::info!(
        crawling = size.crawling_sites(),
        checking = size.checking_sites(),
        "sites active at once: crawling, or checking their links"
    );
    let writer_gone = admit_cities(cities, &env, &reach, &window).await;
    let _ = env.writer.flush().await;
    drop(env);
    shown.cancel();
    trimmer.abort();
    let _ = progress.await;
    let (conn, written) = writer.finish();
    written?;
    if writer_gone {
        return Err(AuditError::Store(StoreError::Invalid(
            "the database writer stopped".into(),
        )));
    }
    let network_down = reach.network_down();
    let interrupted = cancel.is_cancelled() && !network_down;
    let status = match (network_down, interrupted) {
        (true, _) => "failed",
        (_, true) => "interrupted",
        _ => "completed",
    };
    runs::finish_run(&conn, run_id, status).map_err(sql)?;
    Ok(AuditReport {
        run_id,
        interrupted,
        network_down,
        cities: stats.cities_done.load(Ordering::Relaxed),
        cities_failed: stats.cities_failed.load(Ordering::Relaxed),
        pages: stats.pages.load(Ordering::Relaxed),
        findings: stats.findings.load(Ordering::Relaxed),
        errors: stats.errors.load(Ordering::Relaxed),
        elapsed: start.elapsed(),
    })
}

/// Starts each city, in seed order, as soon as the window has places for its sites,
/// until all are done or the run stops (cities not started stay pending, for a resume).
/// Returns whether the writer stopped.
async fn admit_cities(
    cities: Vec<CityWork>,
    env: &CrawlEnv,
    reach: &Arc<reach::Reach>,
    window: &admission::Window,
) -> bool {
    let discover = env.fetcher.config().discover;
    let mut queue = cities.into_iter();
    let mut next = queue.next();
    let mut tasks = tokio::task::JoinSet::new();
    let mut writer_gone = false;
    loop {
        let admitting = next.is_some() && !env.cancel.is_cancelled();
        if !admitting && tasks.is_empty() {
            break;
        }
        let wanted = next.as_ref().map_or(1, |c| c.places_wanted(discover));
        tokio::select! {
            biased;
            Some(r) = tasks.join_next(), if !tasks.is_empty() => match r {
                Ok(Ok(())) => {}
                Ok(Err(_)) => writer_gone = true,
                Err(e) => tracing::error!("a city task failed: {e}"),
            },
            places = window.admit(wanted), if admitting => {
                let work = next.take().expect("admitting");
                next = queue.next();
                let (env, reach) = (env.clone(), reach.clone());
                tasks.spawn(async move { city::audit_city(work, places, &env, &reach).await });
            }
            () = env.cancel.cancelled(), if admitting => {}
        }
    }
    writer_gone
}

/// Takes the database's run lock (held while the returned lock lives) and opens it for
/// writing, marking the runs of processes that died `interrupted`: how every command
/// that writes a run begins.
fn open_for_writing(db: &std::path::Path) -> Result<(RunLock, rusqlite::Connection), StoreError> {
    let lock = RunLock::acquire(db)?;
    let conn = store::open_rw(db)?;
    runs::mark_dead_runs_interrupted(&conn).map_err(|e| StoreError::Sql {
        path: db.to_path_buf(),
        source: e,
    })?;
    Ok((lock, conn))
}

/// Reads and parses the seeds file: its bytes (for their hash) and every city; an
/// unreadable file is a seeds error naming it.
fn read_seeds(path: &std::path::Path) -> Result<(Vec<u8>, Vec<City>), AuditError> {
    let bytes = std::fs::read(path).map_err(|e| SeedsError {
        path: path.to_path_buf(),
        problems: vec![seeds::SeedProblem {
            line: 0,
            message: format!("cannot read the file: {e}"),
        }],
    })?;
    let all = seeds::parse(&bytes, path)?;
    Ok((bytes, all))
}

/// Reads the seeds file and picks the cities a run or recheck covers; returns the file's
/// bytes (for its hash) and the cities.
fn select_cities(opts: &AuditOptions, mode: &RunMode) -> Result<(Vec<u8>, Vec<City>), AuditError> {
    let (bytes, all) = read_seeds(&opts.seeds)?;
    let chosen: Vec<&City> = match mode {
        RunMode::Run { cities } if cities.is_empty() => all.iter().collect(),
        RunMode::Run { cities } => seeds::select(&all, cities).map_err(AuditError::Usage)?,
        RunMode::Recheck { city } => {
            let hits =
                seeds::select(&all, std::slice::from_ref(city)).map_err(AuditError::Usage)?;
            if hits.len() != 1 {
                return Err(AuditError::Usage(format!(
                    "`{city}` names {} cities; use the id",
                    hits.len()
                )));
            }
            hits
        }
        RunMode::Resume => unreachable!("resume reads the run's own cities"),
    };
    let chosen = chosen.into_iter().cloned().collect();
    Ok((bytes, chosen))
}
