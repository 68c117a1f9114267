//! Re-applying the current rules to the pages a run stored, without any network: a new
//! run (kind `redetect`) whose findings reflect the new rules. This is how rule
//! improvements reach past audits. The new run copies the source run's cities, sites and
//! fetch records (bodies are shared by hash) and detects every stored page again.

use crate::model::{ChannelId, Sector};
use crate::page::detect::{Detector, PageContext};
use crate::page::extract::extract;
use crate::store::{self, RunLock, StoreError, runs};
use rusqlite::{OptionalExtension, params};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

/// Re-judges the discovered sites of `source` with `rules` on the stored pages that named
/// them; marks the copies of those no longer named `not-discovered` and returns their
/// ids in `source`.
fn recheck_discoveries(
    conn: &rusqlite::Connection,
    source: i64,
    rules: &crate::page::detect::RuleSet,
    own: &CityContext,
    site_map: &SiteMap,
) -> rusqlite::Result<HashSet<i64>> {
    let mut gone = HashSet::new();
    if !store::has_column(conn, "sites", "origin")? {
        return Ok(gone);
    }
    let rows: Vec<(i64, String, String, String, String)> = conn
        .prepare(
            "SELECT id, city_id, sector, start_url, discovered_from FROM sites WHERE run_id = ?1 AND origin = 'discovered' AND discovered_from IS NOT NULL",
        )?
        .query_map([source], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
        .collect::<Result<_, _>>()?;
    for (old, city, sector, start, page) in rows {
        let body: Option<(String, Option<String>, Option<String>)> = conn
            .query_row(
                "SELECT body_sha256, content_type, charset FROM fetches WHERE run_id = ?1 AND final_url = ?2 AND body_sha256 IS NOT NULL LIMIT 1",
                params![source, page],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let (Some((sha, ct, charset)), Ok(page_url)) = (body, url::Url::parse(&page)) else {
            continue; // nothing stored to judge it by: keep it
        };
        let Ok(Some(text)) =
            crate::store::bodies::page_text(conn, &sha, ct.as_deref(), charset.as_deref())
        else {
            continue;
        };
        let (name, domains) = own.get(&city).cloned().unwrap_or_default();
        let facts = extract(&text, Some(&page_url));
        let c = crate::page::discover::CityRef {
            name: &name,
            domains: &domains,
            portal: &page_url,
        };
        let still = crate::page::discover::discover(rules, &facts, &page_url, &c)
            .iter()
            .any(|d| d.sector.as_str() == sector && d.url.as_str() == start);
        if !still && let Some((new, _, _)) = site_map.get(&old) {
            conn.execute(
                "UPDATE sites SET outcome = 'not-discovered', error = ?2 WHERE id = ?1",
                params![new, format!("the rules no longer name it on {page}")],
            )?;
            gone.insert(old);
        }
    }
    Ok(gone)
}

/// Fetches re-analysed per transaction.
const BATCH: usize = 500;

/// What a redetect did.
#[derive(Debug, Clone)]
pub struct RedetectReport {
    pub run_id: i64,
    pub source_run: i64,
    pub pages: usize,
    pub findings: usize,
}

/// City context for detection (name, own domains) by city id, as the crawl had it.
type CityContext = HashMap<String, (String, Arc<Vec<String>>)>;
/// A source run's site id → its copy's id, city and sector.
type SiteMap = HashMap<i64, (i64, String, Sector)>;

/// Re-detects the pages of `source` (default: the newest completed run) into a new run.
pub fn redetect(
    db: &Path,
    source: Option<i64>,
    detector: &dyn Detector,
) -> Result<RedetectReport, StoreError> {
    let _lock = RunLock::acquire(db)?;
    let conn = store::open_rw(db)?;
    let sql = |e: rusqlite::Error| StoreError::Sql {
        path: db.to_path_buf(),
        source: e,
    };
    let source = match source {
        Some(r) => r,
        None => conn
            .query_row(
                "SELECT id FROM runs WHERE status = 'completed' AND kind IN ('run', 'recheck', 'redetect') ORDER BY id DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(sql)?
            .ok_or_else(|| {
                StoreError::Invalid(format!("no completed run to redetect in {}", db.display()))
            })?,
    };
    let run_id = copy_run(&conn, source, detector)
        .map_err(sql)?
        .ok_or_else(|| StoreError::Invalid(format!("no run {source} in {}", db.display())))?;
    let redo = Redo {
        conn: &conn,
        source,
        run_id,
        detector,
        own: city_context(&conn, source).map_err(sql)?,
        site_map: copy_sites(&conn, source, run_id).map_err(sql)?,
    };
    copy_link_checks(&conn, source, run_id, &redo.site_map).map_err(sql)?;
    // Discovered department sites: the new rules must still name each on the stored page
    // that named it; one they no longer name is kept on record as `not-discovered`, and
    // its pages are copied without findings.
    let not_named = match detector.rule_set() {
        Some(rules) => {
            recheck_discoveries(&conn, source, rules, &redo.own, &redo.site_map).map_err(sql)?
        }
        None => HashSet::new(),
    };
    let (pages, findings) = redo.fetches(&not_named).map_err(|e| match e {
        RedoError::Sql(e) => sql(e),
        RedoError::Store(e) => e,
    })?;
    runs::finish_run(&conn, run_id, "completed").map_err(sql)?;
    Ok(RedetectReport {
        run_id,
        source_run: source,
        pages,
        findings,
    })
}

/// Records the new run (the source's settings, the detector's rules) and copies the
/// source's cities into it; `None` when there is no run `source`.
fn copy_run(
    conn: &rusqlite::Connection,
    source: i64,
    detector: &dyn Detector,
) -> rusqlite::Result<Option<i64>> {
    let Some((settings, seeds_path, seeds_sha, ignore_robots, insecure)) = conn
        .query_row("SELECT settings, seeds_path, seeds_sha256, ignore_robots, insecure FROM runs WHERE id = ?1", [source], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .optional()?
    else {
        return Ok(None);
    };
    let run_id = runs::create_run(
        conn,
        &runs::NewRun {
            kind: "redetect".into(),
            settings_json: settings,
            seeds_path,
            seeds_sha256: seeds_sha,
            rules_version: Some(detector.version()),
            rules_sha256: Some(detector.sha256()),
            channels_json: Some(serde_json::to_string(detector.channels()).expect("serialisable")),
            ignore_robots,
            insecure,
            source_run: Some(source),
        },
    )?;
    conn.execute(
        "INSERT INTO run_cities (run_id, city_id, name, province, tier, region, portal, departments, extra, status, finished_at)
         SELECT ?1, city_id, name, province, tier, region, portal, departments, extra, status, finished_at FROM run_cities WHERE run_id = ?2",
        params![run_id, source],
    )?;
    Ok(Some(run_id))
}

/// Each city's name and own domains in `source`, as the crawl had them.
fn city_context(conn: &rusqlite::Connection, source: i64) -> rusqlite::Result<CityContext> {
    let mut own = HashMap::new();
    for c in runs::run_cities(conn, source, None)? {
        let domains = Arc::new(crate::crawl::spec::own_domains(&c));
        own.insert(c.id.clone(), (c.name.clone(), domains));
    }
    Ok(own)
}

/// Copies the source run's link checks onto the new run's sites: they are what the
/// network answered, which detecting again does not change.
fn copy_link_checks(
    conn: &rusqlite::Connection,
    source: i64,
    run_id: i64,
    site_map: &SiteMap,
) -> rusqlite::Result<()> {
    let mut st = conn.prepare(
        "INSERT INTO link_checks (run_id, site_id, page, homepage, text, target, final_url, status, outcome, error, checked_at)
         SELECT ?1, ?2, page, homepage, text, target, final_url, status, outcome, error, checked_at
         FROM link_checks WHERE run_id = ?3 AND site_id = ?4 AND outcome != 'pending'",
    )?;
    for (old, (new, _, _)) in site_map {
        st.execute(params![run_id, new, source, old])?;
    }
    Ok(())
}

/// Copies the source run's sites into the new run.
fn copy_sites(conn: &rusqlite::Connection, source: i64, run_id: i64) -> rusqlite::Result<SiteMap> {
    let mut site_map = HashMap::new();
    let mut st = conn.prepare("SELECT id, city_id, sector, start_url, final_url, scope, outcome, error, moved_to, pages, started_at, finished_at, origin, discovered_from, discovered_text FROM sites WHERE run_id = ?1 ORDER BY id")?;
    let rows: Vec<(i64, String, String, Vec<rusqlite::types::Value>)> = st
        .query_map([source], |r| {
            let vals = (3..15)
                .map(|i| r.get::<_, rusqlite::types::Value>(i))
                .collect::<Result<Vec<_>, _>>()?;
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, vals))
        })?
        .collect::<Result<_, _>>()?;
    for (old, city, sector, v) in rows {
        conn.execute(
            "INSERT INTO sites (run_id, city_id, sector, start_url, final_url, scope, outcome, error, moved_to, pages, started_at, finished_at, origin, discovered_from, discovered_text)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            params![run_id, city, sector, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11]],
        )?;
        let sector = sector.parse().unwrap_or(Sector::General);
        site_map.insert(old, (conn.last_insert_rowid(), city, sector));
    }
    Ok(site_map)
}

/// How re-detecting the fetches failed.
enum RedoError {
    Sql(rusqlite::Error),
    Store(StoreError),
}

impl From<rusqlite::Error> for RedoError {
    fn from(e: rusqlite::Error) -> Self {
        RedoError::Sql(e)
    }
}

/// The copy in progress: the new run and what detection needs about its cities and sites.
struct Redo<'a> {
    conn: &'a rusqlite::Connection,
    source: i64,
    run_id: i64,
    detector: &'a dyn Detector,
    own: CityContext,
    site_map: SiteMap,
}

/// The same evidence repeated across a site's pages is recorded once, as in a crawl.
type SeenFindings = HashSet<(i64, ChannelId, Sector, String, String)>;

impl Redo<'_> {
    /// Copies every fetch of the source run and detects every stored body again (not
    /// those of `not_named` sites), [`BATCH`] fetches a transaction. Returns the pages
    /// and findings.
    fn fetches(&self, not_named: &HashSet<i64>) -> Result<(usize, usize), RedoError> {
        let fetch_ids: Vec<i64> = self
            .conn
            .prepare("SELECT id FROM fetches WHERE run_id = ?1 ORDER BY id")?
            .query_map([self.source], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let (mut pages, mut findings) = (0, 0);
        let mut seen = SeenFindings::new();
        for chunk in fetch_ids.chunks(BATCH) {
            let tx = self.conn.unchecked_transaction()?;
            for &old_id in chunk {
                if let Some(n) = self.fetch(&tx, old_id, not_named, &mut seen)? {
                    pages += 1;
                    findings += n;
                }
            }
            tx.commit()?;
        }
        Ok((pages, findings))
    }

    /// Copies one fetch and detects its stored body again; the number of findings
    /// recorded, or `None` when there was no page to detect on.
    fn fetch(
        &self,
        tx: &rusqlite::Transaction,
        old_id: i64,
        not_named: &HashSet<i64>,
        seen: &mut SeenFindings,
    ) -> Result<Option<usize>, RedoError> {
        let (site, final_url, ct, charset, sha, started_at, depth): (i64, String, Option<String>, Option<String>, Option<String>, String, i64) = tx
            .query_row("SELECT site_id, final_url, content_type, charset, body_sha256, started_at, depth FROM fetches WHERE id = ?1", [old_id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
            })?;
        let Some((new_site, city, sector)) = self.site_map.get(&site).cloned() else {
            return Ok(None);
        };
        tx.execute(
            "INSERT INTO fetches (run_id, site_id, url, final_url, redirects, status, headers, content_type, charset, bytes, truncated, started_at, elapsed_ms, attempts, depth, body_sha256, error_kind, error)
             SELECT ?1, ?2, url, final_url, redirects, status, headers, content_type, charset, bytes, truncated, started_at, elapsed_ms, attempts, depth, body_sha256, error_kind, error FROM fetches WHERE id = ?3",
            params![self.run_id, new_site, old_id],
        )?;
        let new_fetch = tx.last_insert_rowid();
        if not_named.contains(&site) {
            return Ok(None);
        }
        let Some(sha) = sha else { return Ok(None) };
        let text =
            match crate::store::bodies::page_text(tx, &sha, ct.as_deref(), charset.as_deref()) {
                Ok(Some(text)) => text,
                Ok(None) => return Ok(None),
                Err(crate::store::bodies::BodyError::Sql(e)) => return Err(RedoError::Sql(e)),
                Err(e) => return Err(RedoError::Store(StoreError::Invalid(e.to_string()))),
            };
        let Ok(url) = url::Url::parse(&final_url) else {
            return Ok(None);
        };
        let facts = extract(&text, Some(&url));
        let (name, domains) = self.own.get(&city).cloned().unwrap_or_default();
        let ctx = PageContext {
            page_url: &url,
            sector,
            city_name: &name,
            own_domains: &domains,
        };
        let mut found = self.detector.detect(&facts, &ctx);
        if let Some(day) = crate::page::inspect::dates::fetch_day(&started_at)
            && let Some(reading) =
                crate::crawl::parse::reading(self.detector, &facts, day, depth == 0)
        {
            let reading = crate::crawl::parse::reading_json(&reading);
            tx.execute(
                "INSERT INTO page_checks (fetch_id, run_id, site_id, reading) VALUES (?1, ?2, ?3, ?4)",
                params![new_fetch, self.run_id, new_site, reading],
            )?;
        }
        found.retain(|f| {
            seen.insert((
                new_site,
                f.channel.clone(),
                f.sector,
                f.rule.clone(),
                f.target.clone(),
            ))
        });
        for f in &found {
            tx.execute(
                "INSERT INTO findings (run_id, city_id, site_id, fetch_id, sector, channel, strength, rule, target, text, snippet, page_url, body_sha256, path, account)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
                params![self.run_id, city, new_site, new_fetch, f.sector.as_str(), f.channel.as_str(), f.strength.as_str(), f.rule, f.target, f.text, f.snippet, final_url, sha, f.path, f.account],
            )?;
        }
        Ok(Some(found.len()))
    }
}
