//! `probe`: availability measured over time (19号 单项否决: a site that cannot be reached
//! in 5 % or more of a week's probes fails). Each round fetches every seeded and
//! discovered site's start URL once: one GET, not retried, through the host's gate, the
//! safety rules and robots.txt; it fails unless a complete 2xx HTML response arrives
//! within the timeout. Each finished round is committed to the `probes` table at once,
//! so an interrupted process keeps every round it finished.

use super::AuditError;
use crate::config::CrawlConfig;
use crate::model::city::City;
use crate::net::fetch::{Fetched, Fetcher};
use crate::seeds;
use crate::store::{StoreError, runs::now};
use rusqlite::{Connection, params};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use url::Url;

/// What `probe` is given.
#[derive(Debug, Clone)]
pub struct ProbeOptions {
    pub db: PathBuf,
    pub seeds: PathBuf,
    /// Only these cities (ids or names); all when empty.
    pub cities: Vec<String>,
    pub rounds: u32,
    /// From the start of one round to the start of the next.
    pub interval: Duration,
    /// A probe fails without a whole 2xx HTML response within this.
    pub timeout: Duration,
    pub config: CrawlConfig,
}

/// One site probed: its city, sector and start URL.
#[derive(Debug, Clone)]
pub struct ProbeSite {
    pub city: String,
    pub sector: String,
    pub url: Url,
}

/// What one round found.
#[derive(Debug, Clone, Default)]
pub struct RoundReport {
    pub round: u32,
    pub sites: usize,
    pub failed: usize,
    /// Not probed: robots.txt or the safety rules forbid the start URL.
    pub skipped: usize,
}

/// One probe as stored.
struct ProbeRow {
    site: usize,
    started_at: String,
    status: Option<u16>,
    ttfb_ms: Option<i64>,
    total_ms: Option<i64>,
    bytes: usize,
    outcome: &'static str,
    error: Option<String>,
}

/// The sites to probe: the chosen cities' seeded sites, then the department sites the
/// newest audit of each found on its portal.
pub fn sites(conn: &Connection, opts: &ProbeOptions) -> Result<Vec<ProbeSite>, AuditError> {
    let (_, all) = super::read_seeds(&opts.seeds)?;
    let chosen: Vec<&City> = if opts.cities.is_empty() {
        all.iter().collect()
    } else {
        seeds::select(&all, &opts.cities).map_err(AuditError::Usage)?
    };
    let sql = |e: rusqlite::Error| StoreError::Sql {
        path: opts.db.clone(),
        source: e,
    };
    let mut out = Vec::new();
    let mut st = conn
        .prepare(
            "SELECT sector, start_url FROM sites WHERE origin = 'discovered' AND city_id = ?1
               AND run_id = (SELECT MAX(run_id) FROM sites WHERE city_id = ?1) ORDER BY id",
        )
        .map_err(sql)?;
    for city in chosen {
        for (sector, url) in crate::crawl::spec::seeded_starts(city) {
            out.push(ProbeSite {
                city: city.id.clone(),
                sector: sector.as_str().to_string(),
                url: url.clone(),
            });
        }
        let found: Vec<(String, String)> = st
            .query_map([&city.id], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(sql)?
            .collect::<rusqlite::Result<_>>()
            .map_err(sql)?;
        for (sector, url) in found {
            if let Ok(url) = Url::parse(&url) {
                out.push(ProbeSite {
                    city: city.id.clone(),
                    sector,
                    url,
                });
            }
        }
    }
    Ok(out)
}

/// What one probe's fetch says.
fn judge(site: usize, f: &Fetched, timed_out: bool) -> ProbeRow {
    let ms = |d: Duration| d.as_millis() as i64;
    let skipped = f.error.as_ref().is_some_and(|e| {
        matches!(
            e.kind(),
            "refused" | "robots-disallowed" | "blocked-by-robots"
        )
    });
    let error = if timed_out {
        Some("no whole response within the timeout".to_string())
    } else if let Some(e) = &f.error {
        Some(e.to_string())
    } else if let Some(s) = f.status.filter(|s| !(200..300).contains(s)) {
        Some(format!("HTTP {s}"))
    } else if !f.is_html() {
        Some(format!(
            "not HTML ({})",
            f.content_type.as_deref().unwrap_or("no content type")
        ))
    } else if f.truncated {
        Some("the body was cut at the size cap".to_string())
    } else {
        None
    };
    ProbeRow {
        site,
        started_at: crate::store::runs::timestamp(f.started_at),
        status: f.status,
        ttfb_ms: f.timing.map(|t| ms(t.headers)),
        total_ms: f.timing.map(|t| ms(t.body)),
        bytes: f.body.len(),
        outcome: match (&error, skipped) {
            (_, true) => "skipped",
            (None, _) => "ok",
            (Some(_), _) => "failed",
        },
        error,
    }
}

/// One round: every site at once (each host one request at a time), `None` when
/// cancelled before it ended.
async fn round(
    fetcher: &Arc<Fetcher>,
    sites: &[ProbeSite],
    timeout: Duration,
    cancel: &CancellationToken,
) -> Option<Vec<ProbeRow>> {
    let mut tasks = tokio::task::JoinSet::new();
    for (i, s) in sites.iter().enumerate() {
        let fetcher = fetcher.clone();
        let url = s.url.clone();
        tasks.spawn(async move {
            let started = crate::config::clock::now();
            match tokio::time::timeout(timeout, fetcher.fetch(&url, &|_| true)).await {
                Ok(f) => judge(i, &f, false),
                Err(_) => ProbeRow {
                    site: i,
                    started_at: crate::store::runs::timestamp(started),
                    status: None,
                    ttfb_ms: None,
                    total_ms: None,
                    bytes: 0,
                    outcome: "failed",
                    error: Some("no whole response within the timeout".into()),
                },
            }
        });
    }
    let mut rows = Vec::with_capacity(sites.len());
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return None,
            next = tasks.join_next() => match next {
                Some(Ok(row)) => rows.push(row),
                Some(Err(e)) => panic!("a probe task failed: {e}"),
                None => break,
            },
        }
    }
    rows.sort_by_key(|r| r.site);
    Some(rows)
}

/// Commits one round's probes.
fn record(
    conn: &Connection,
    round: &str,
    sites: &[ProbeSite],
    rows: &[ProbeRow],
) -> rusqlite::Result<()> {
    let tx = conn.unchecked_transaction()?;
    {
        let mut st = tx.prepare_cached(
            "INSERT INTO probes (round, city_id, sector, url, started_at, status, ttfb_ms, total_ms, bytes, outcome, error)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )?;
        for r in rows {
            let s = &sites[r.site];
            st.execute(params![
                round,
                s.city,
                s.sector,
                s.url.as_str(),
                r.started_at,
                r.status,
                r.ttfb_ms,
                r.total_ms,
                r.bytes as i64,
                r.outcome,
                r.error
            ])?;
        }
    }
    tx.commit()
}

/// Probes the sites `rounds` times, `interval` apart, calling `done` after each round
/// is committed. Returns the rounds finished and whether it was interrupted.
pub async fn probe(
    opts: &ProbeOptions,
    cancel: CancellationToken,
    mut done: impl FnMut(&RoundReport),
) -> Result<(Vec<RoundReport>, bool), AuditError> {
    let mut cfg = opts.config.clone();
    let secs = opts.timeout.as_secs_f64();
    cfg.request_timeout_secs = secs;
    cfg.connect_timeout_secs = cfg.connect_timeout_secs.min(secs);
    cfg.max_retries = 0;
    cfg.validate()?;
    let (_lock, conn) = super::open_for_writing(&opts.db)?;
    let sites = sites(&conn, opts)?;
    if sites.is_empty() {
        return Err(AuditError::Usage("no site to probe".into()));
    }
    let fetcher = Fetcher::new(&cfg)?;
    let mut reports = Vec::new();
    for n in 1..=opts.rounds {
        let started = tokio::time::Instant::now();
        let at = now();
        let Some(rows) = round(&fetcher, &sites, opts.timeout, &cancel).await else {
            return Ok((reports, true));
        };
        record(&conn, &at, &sites, &rows).map_err(|e| StoreError::Sql {
            path: opts.db.clone(),
            source: e,
        })?;
        let report = RoundReport {
            round: n,
            sites: rows.iter().filter(|r| r.outcome != "skipped").count(),
            failed: rows.iter().filter(|r| r.outcome == "failed").count(),
            skipped: rows.iter().filter(|r| r.outcome == "skipped").count(),
        };
        done(&report);
        reports.push(report);
        if n < opts.rounds {
            tokio::select! {
                _ = cancel.cancelled() => return Ok((reports, true)),
                _ = tokio::time::sleep_until(started + opts.interval) => {}
            }
        }
    }
    Ok((reports, false))
}
