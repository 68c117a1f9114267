//! Run bookkeeping and the read queries behind `runs`, resume and recheck.

use crate::model::city::City;
use crate::model::{Region, Tier};
use rusqlite::{Connection, OptionalExtension, params};

/// Whether the database holds run `id`.
pub fn run_exists(conn: &Connection, id: i64) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS(SELECT 1 FROM runs WHERE id = ?1)",
        [id],
        |r| r.get(0),
    )
}

/// A time as stored (RFC 3339, UTC, milliseconds).
pub(crate) fn timestamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The current time as stored.
pub fn now() -> String {
    timestamp(crate::config::clock::now())
}

/// What is recorded about a run when it starts.
#[derive(Debug, Clone, Default)]
pub(crate) struct NewRun {
    pub kind: String,
    pub settings_json: String,
    pub seeds_path: Option<String>,
    pub seeds_sha256: Option<String>,
    pub rules_version: Option<String>,
    pub rules_sha256: Option<String>,
    /// The channel table the rules defined, as JSON.
    pub channels_json: Option<String>,
    pub ignore_robots: bool,
    pub insecure: bool,
    pub source_run: Option<i64>,
}

/// Inserts a run with status `running` and returns its id.
pub(crate) fn create_run(conn: &Connection, r: &NewRun) -> rusqlite::Result<i64> {
    conn.execute(
        "INSERT INTO runs (kind, status, started_at, settings, seeds_path, seeds_sha256, rules_version, rules_sha256, ignore_robots, insecure, source_run, channels)
         VALUES (?1, 'running', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![r.kind, now(), r.settings_json, r.seeds_path, r.seeds_sha256, r.rules_version, r.rules_sha256, r.ignore_robots, r.insecure, r.source_run, r.channels_json],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Records the cities of a run as seeded (status `pending`).
pub(crate) fn add_cities(conn: &Connection, run_id: i64, cities: &[&City]) -> rusqlite::Result<()> {
    let tx = conn.unchecked_transaction()?;
    {
        let mut st = tx.prepare(
            "INSERT INTO run_cities (run_id, city_id, name, province, tier, region, portal, departments, extra)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?;
        for c in cities {
            st.execute(params![
                run_id,
                c.id,
                c.name,
                c.province,
                c.tier.as_str(),
                c.region.as_str(),
                c.portal.as_str(),
                serde_json::to_string(&c.departments).expect("serialisable"),
                serde_json::to_string(&c.extra).expect("serialisable"),
            ])?;
        }
    }
    tx.commit()
}

/// The channel table a run was audited for: the one it recorded, or the survey's seven
/// for runs from before channels were data.
pub(crate) fn run_channels(
    conn: &Connection,
    run_id: i64,
) -> rusqlite::Result<crate::model::Channels> {
    if !super::has_column(conn, "runs", "channels")? {
        return Ok(crate::page::detect::rules::survey_channels());
    }
    let json: Option<String> = conn
        .query_row("SELECT channels FROM runs WHERE id = ?1", [run_id], |r| {
            r.get(0)
        })
        .optional()?
        .flatten();
    Ok(match json.and_then(|j| serde_json::from_str(&j).ok()) {
        Some(channels) => channels,
        None => crate::page::detect::rules::survey_channels(),
    })
}

/// Marks runs left `running` by a process that died as `interrupted`. Call only while
/// holding the run lock (so none of them is really running).
pub(crate) fn mark_dead_runs_interrupted(conn: &Connection) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE runs SET status = 'interrupted' WHERE status = 'running'",
        [],
    )
}

/// Sets a run's final status and end time.
pub(crate) fn finish_run(conn: &Connection, run_id: i64, status: &str) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE runs SET status = ?2, finished_at = ?3 WHERE id = ?1",
        params![run_id, status, now()],
    )?;
    Ok(())
}

/// The newest interrupted run, if any: what `--resume` continues.
pub(crate) fn latest_interrupted(conn: &Connection) -> rusqlite::Result<Option<(i64, String)>> {
    conn.query_row(
        "SELECT id, kind FROM runs WHERE status = 'interrupted' AND kind IN ('run', 'recheck') ORDER BY id DESC LIMIT 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
}

/// Marks a resumed run as running again.
pub(crate) fn reopen_run(conn: &Connection, run_id: i64) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE runs SET status = 'running', finished_at = NULL WHERE id = ?1",
        params![run_id],
    )?;
    Ok(())
}

/// The cities of a run in a given status, rebuilt from the run's own snapshot.
pub fn run_cities(
    conn: &Connection,
    run_id: i64,
    status: Option<&str>,
) -> rusqlite::Result<Vec<City>> {
    let mut st = conn.prepare(
        "SELECT city_id, name, province, tier, region, portal, departments, extra FROM run_cities
         WHERE run_id = ?1 AND (?2 IS NULL OR status = ?2) ORDER BY rowid",
    )?;
    let rows = st.query_map(params![run_id, status], |r| {
        let text = |i: usize| r.get::<_, String>(i);
        let bad = |i: usize, e: String| {
            rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, e.into())
        };
        Ok(City {
            id: text(0)?,
            name: text(1)?,
            province: text(2)?,
            tier: text(3)?.parse::<Tier>().map_err(|e| bad(3, e))?,
            region: text(4)?.parse::<Region>().map_err(|e| bad(4, e))?,
            portal: url::Url::parse(&text(5)?).map_err(|e| bad(5, e.to_string()))?,
            departments: serde_json::from_str(&text(6)?).map_err(|e| bad(6, e.to_string()))?,
            extra: serde_json::from_str(&text(7)?).map_err(|e| bad(7, e.to_string()))?,
        })
    })?;
    rows.collect()
}

/// A site a run recorded for a city it has not finished, as a resume finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RecordedSite {
    pub city_id: String,
    pub sector: String,
    pub start_url: String,
    /// `seeded` or `discovered`.
    pub origin: String,
    /// For a discovered site: the page that named it, and `kind: text` of the link.
    pub discovered_from: Option<String>,
    pub discovered_text: Option<String>,
    /// How its crawl ended; `None` while it had not (or was cut short by the interruption).
    pub outcome: Option<String>,
}

/// Which sites of a run count as finished: recorded to the end, not cut short.
const FINISHED: &str = "finished_at IS NOT NULL AND outcome <> 'interrupted'";

/// The sites a run recorded for its unfinished cities, finished or not, in the order
/// they were started.
pub(crate) fn unfinished_cities_sites(
    conn: &Connection,
    run_id: i64,
) -> rusqlite::Result<Vec<RecordedSite>> {
    let mut st = conn.prepare(&format!(
        "SELECT city_id, sector, start_url, COALESCE(origin, 'seeded'), discovered_from,
                discovered_text, CASE WHEN {FINISHED} THEN outcome END
         FROM sites WHERE run_id = ?1 AND city_id IN
             (SELECT city_id FROM run_cities WHERE run_id = ?1 AND status = 'pending')
         ORDER BY id"
    ))?;
    let rows = st.query_map(params![run_id], |r| {
        Ok(RecordedSite {
            city_id: r.get(0)?,
            sector: r.get(1)?,
            start_url: r.get(2)?,
            origin: r.get(3)?,
            discovered_from: r.get(4)?,
            discovered_text: r.get(5)?,
            outcome: r.get(6)?,
        })
    })?;
    rows.collect()
}

/// Deletes what a run recorded for the sites of its unfinished cities that did not
/// finish, so that resuming them neither duplicates nor mixes partial crawls; finished
/// sites are kept and not crawled again. Bodies are shared and kept.
pub(crate) fn clear_unfinished(conn: &Connection, run_id: i64) -> rusqlite::Result<usize> {
    let tx = conn.unchecked_transaction()?;
    let pending = "SELECT city_id FROM run_cities WHERE run_id = ?1 AND status = 'pending'";
    let sites = format!(
        "SELECT id FROM sites WHERE run_id = ?1 AND city_id IN ({pending}) AND NOT ({FINISHED})"
    );
    tx.execute(
        &format!("DELETE FROM findings WHERE site_id IN ({sites})"),
        params![run_id],
    )?;
    tx.execute(
        &format!(
            "DELETE FROM links WHERE fetch_id IN (SELECT id FROM fetches WHERE site_id IN ({sites}))"
        ),
        params![run_id],
    )?;
    tx.execute(
        &format!("DELETE FROM page_checks WHERE site_id IN ({sites})"),
        params![run_id],
    )?;
    tx.execute(
        &format!("DELETE FROM link_checks WHERE site_id IN ({sites})"),
        params![run_id],
    )?;
    tx.execute(
        &format!("DELETE FROM fetches WHERE site_id IN ({sites})"),
        params![run_id],
    )?;
    let n = tx.execute(
        &format!("DELETE FROM sites WHERE id IN ({sites})"),
        params![run_id],
    )?;
    tx.commit()?;
    Ok(n)
}

/// One line of `portal-audit runs`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RunSummary {
    pub id: i64,
    pub kind: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub status: String,
    pub cities: i64,
    pub cities_ok: i64,
    pub cities_failed: i64,
    pub pages: i64,
    pub findings: i64,
    pub ignore_robots: bool,
}

/// Every run, newest first, with counts. `running` is reported as `interrupted` when
/// `writer_alive` is false (the process that ran it is gone).
pub fn list_runs(conn: &Connection, writer_alive: bool) -> rusqlite::Result<Vec<RunSummary>> {
    let mut st = conn.prepare(
        "SELECT r.id, r.kind, r.started_at, r.finished_at, r.status, r.ignore_robots,
            (SELECT COUNT(*) FROM run_cities c WHERE c.run_id = r.id),
            (SELECT COUNT(*) FROM run_cities c WHERE c.run_id = r.id AND c.status = 'ok'),
            (SELECT COUNT(*) FROM run_cities c WHERE c.run_id = r.id AND c.status = 'failed'),
            (SELECT COUNT(*) FROM fetches f WHERE f.run_id = r.id AND f.body_sha256 IS NOT NULL),
            (SELECT COUNT(*) FROM findings x WHERE x.run_id = r.id)
         FROM runs r ORDER BY r.id DESC",
    )?;
    let rows = st.query_map([], |r| {
        let mut status: String = r.get(4)?;
        if status == "running" && !writer_alive {
            status = "interrupted".into();
        }
        Ok(RunSummary {
            id: r.get(0)?,
            kind: r.get(1)?,
            started_at: r.get(2)?,
            finished_at: r.get(3)?,
            status,
            ignore_robots: r.get(5)?,
            cities: r.get(6)?,
            cities_ok: r.get(7)?,
            cities_failed: r.get(8)?,
            pages: r.get(9)?,
            findings: r.get(10)?,
        })
    })?;
    rows.collect()
}
