//! `links recheck`: the cheap second pass survey teams schedule a day after a run. The
//! suspected broken links of a run are checked again (each distinct URL once, through
//! the same politeness, safety and robots rules as the crawl) and recorded in a new
//! run of kind `links` on the same sites; a link still broken at least the
//! confirmation time after it was first seen broken is then confirmed.

use super::AuditError;
use crate::config::CrawlConfig;
use crate::crawl::links::{Checked, LinkChecks, unparsable};
use crate::net::fetch::Fetcher;
use crate::page::inspect::links::{BrokenState, LinkOutcome, LinkRules};
use crate::store::links::{confirm_after, first_broken, latest_links_run};
use crate::store::writer::{LinkCheckRow, insert_link_checks};
use crate::store::{StoreError, runs};
use futures_util::StreamExt;
use rusqlite::Connection;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;
use url::Url;

/// Re-checks in flight at once (each host still one at a time, at its rate).
const IN_FLIGHT: usize = 64;

/// What `links recheck` is given.
#[derive(Debug, Clone)]
pub struct RecheckLinksOptions {
    pub db: PathBuf,
    /// The run whose suspected links are checked again (default: the newest that
    /// checked links).
    pub run: Option<i64>,
    pub config: CrawlConfig,
    pub rules: LinkRules,
}

/// What a re-check found.
#[derive(Debug, Clone, Default)]
pub struct RecheckLinksReport {
    /// The new run (of kind `links`).
    pub run_id: i64,
    /// The run whose links were checked again.
    pub checked_run: i64,
    /// Links (per page) checked again, and distinct URLs fetched for them.
    pub links: usize,
    pub urls: usize,
    pub still_broken: usize,
    pub confirmed: usize,
    pub fixed: usize,
    /// Blocked, refused or not checked this time.
    pub other: usize,
    pub interrupted: bool,
}

/// A suspected link of the run re-checked.
struct Suspect {
    site_id: i64,
    city: String,
    sector: String,
    page: String,
    homepage: bool,
    text: String,
    target: String,
}

/// The suspected broken links of `run`: broken there, and not yet broken for the
/// confirmation time.
fn suspects(conn: &Connection, run: i64) -> rusqlite::Result<Vec<Suspect>> {
    let confirm = confirm_after(conn, run)?;
    let mut st = conn.prepare(
        "SELECT l.site_id, s.city_id, s.sector, l.page, l.homepage, l.text, l.target, l.checked_at
         FROM link_checks l JOIN sites s ON s.id = l.site_id
         WHERE l.run_id = ?1 AND l.outcome = 'broken' ORDER BY l.id",
    )?;
    let mut rows = st.query([run])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let (city, sector, target, at): (String, String, String, String) =
            (r.get(1)?, r.get(2)?, r.get(6)?, r.get(7)?);
        let first = first_broken(conn, &city, &sector, &target, &at)?;
        if state(&first, &at, confirm) == BrokenState::Confirmed {
            continue;
        }
        out.push(Suspect {
            site_id: r.get(0)?,
            city,
            sector,
            page: r.get(3)?,
            homepage: r.get(4)?,
            text: r.get(5)?,
            target,
        });
    }
    Ok(out)
}

/// The state of a link broken since `first` and checked at `at` (unreadable times:
/// suspected, so the link is checked again rather than dropped).
fn state(first: &str, at: &str, confirm: chrono::Duration) -> BrokenState {
    let t = |s: &str| {
        chrono::DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|t| t.to_utc())
    };
    match (t(first), t(at)) {
        (Some(f), Some(a)) => BrokenState::of(f, a, confirm),
        _ => BrokenState::Suspected,
    }
}

/// Re-checks the suspected links of a run into a new run of kind `links`. Interrupted,
/// the new run is recorded `interrupted` with no checks.
pub async fn recheck_links(
    opts: &RecheckLinksOptions,
    cancel: CancellationToken,
) -> Result<RecheckLinksReport, AuditError> {
    opts.config.validate()?;
    let (_lock, conn) = super::open_for_writing(&opts.db)?;
    let sql = |e: rusqlite::Error| StoreError::Sql {
        path: opts.db.clone(),
        source: e,
    };
    let checked_run = match opts.run {
        Some(r) => r,
        None => latest_links_run(&conn).map_err(sql)?.ok_or_else(|| {
            AuditError::Usage(format!(
                "no link checks in {} to check again",
                opts.db.display()
            ))
        })?,
    };
    let (kind, source): (String, Option<i64>) = conn
        .query_row(
            "SELECT kind, source_run FROM runs WHERE id = ?1",
            [checked_run],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map_err(|_| AuditError::Usage(format!("no run {checked_run} in {}", opts.db.display())))?;
    // Re-checks of re-checks stay attached to the audit the links were found in.
    let audit_run = if kind == "links" {
        source.unwrap_or(checked_run)
    } else {
        checked_run
    };
    let suspects = suspects(&conn, checked_run).map_err(sql)?;
    let run_id = runs::create_run(
        &conn,
        &runs::NewRun {
            kind: "links".into(),
            settings_json: serde_json::to_string(&opts.config).expect("serialisable"),
            ignore_robots: opts.config.ignore_robots,
            insecure: opts.config.insecure,
            source_run: Some(audit_run),
            ..Default::default()
        },
    )
    .map_err(sql)?;
    let fetcher = Fetcher::new(&opts.config)?;
    let checks = Arc::new(LinkChecks::new(fetcher, opts.rules.clone()));
    let mut urls: Vec<&str> = suspects.iter().map(|s| s.target.as_str()).collect();
    urls.sort_unstable();
    urls.dedup();
    let work = futures_util::stream::iter(urls.iter().copied())
        .map(|u| {
            let checks = checks.clone();
            async move {
                let c = match Url::parse(u) {
                    Ok(url) => checks.check(&url).await,
                    Err(e) => unparsable(e),
                };
                (u, c)
            }
        })
        .buffer_unordered(IN_FLIGHT)
        .collect::<HashMap<&str, Checked>>();
    let results = tokio::select! {
        _ = cancel.cancelled() => None,
        r = work => Some(r),
    };
    let mut report = RecheckLinksReport {
        run_id,
        checked_run,
        links: suspects.len(),
        urls: urls.len(),
        ..Default::default()
    };
    let Some(results) = results else {
        runs::finish_run(&conn, run_id, "interrupted").map_err(sql)?;
        report.interrupted = true;
        return Ok(report);
    };
    let rows: Vec<LinkCheckRow> = suspects
        .iter()
        .map(|s| {
            let c = results[s.target.as_str()].clone();
            LinkCheckRow {
                run_id,
                site_id: s.site_id,
                page: s.page.clone(),
                homepage: s.homepage,
                text: s.text.clone(),
                checked: c.for_target(s.target.clone()),
            }
        })
        .collect();
    let tx = conn.unchecked_transaction().map_err(sql)?;
    insert_link_checks(&tx, &rows).map_err(sql)?;
    tx.commit().map_err(sql)?;
    let confirm = confirm_after(&conn, run_id).map_err(sql)?;
    for (s, r) in suspects.iter().zip(&rows) {
        match LinkOutcome::parse(r.checked.outcome) {
            Some(LinkOutcome::Broken) => {
                report.still_broken += 1;
                let first =
                    first_broken(&conn, &s.city, &s.sector, &s.target, &r.checked.checked_at)
                        .map_err(sql)?;
                if state(&first, &r.checked.checked_at, confirm) == BrokenState::Confirmed {
                    report.confirmed += 1;
                }
            }
            Some(LinkOutcome::Ok) => report.fixed += 1,
            _ => report.other += 1,
        }
    }
    runs::finish_run(&conn, run_id, "completed").map_err(sql)?;
    Ok(report)
}
