//! Re-applying the current rules to the pages a run stored, without any network: a new
//! run (kind `redetect`) whose findings reflect the new rules. This is how rule
//! improvements reach past audits. The new run copies the source run's cities, sites and
//! fetch records (bodies are shared by hash) and detects every stored page again.

use crate::model::{ChannelId, Sector};
use crate::page::detect::{Detector, PageContext};
use crate::page::extract::extract;
use crate::store::{self, RunLock, StoreError, runs};
use rusqlite::{OptionalExtension, params};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// Re-judges the discovered sites of `source` with `rules` on the stored pages that named
/// them; marks the copies of those no longer named `not-discovered` and returns their
/// ids in `source`.
fn recheck_discoveries(
    conn: &rusqlite::Connection,
    source: i64,
    rules: &crate::page::detect::RuleSet,
    own: &HashMap<String, (String, Arc<Vec<String>>)>,
    site_map: &HashMap<i64, (i64, String, Sector)>,
) -> rusqlite::Result<std::collections::HashSet<i64>> {
    let mut gone = std::collections::HashSet::new();
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
                "SELECT id FROM runs WHERE status = 'completed' ORDER BY id DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(sql)?
            .ok_or_else(|| {
                StoreError::Invalid(format!("no completed run to redetect in {}", db.display()))
            })?,
    };
    let (settings, seeds_path, seeds_sha, ignore_robots, insecure): (String, Option<String>, Option<String>, bool, bool) = conn
        .query_row("SELECT settings, seeds_path, seeds_sha256, ignore_robots, insecure FROM runs WHERE id = ?1", [source], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .optional()
        .map_err(sql)?
        .ok_or_else(|| StoreError::Invalid(format!("no run {source} in {}", db.display())))?;
    let run_id = runs::create_run(
        &conn,
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
    )
    .map_err(sql)?;
    conn.execute(
        "INSERT INTO run_cities (run_id, city_id, name, province, tier, region, portal, departments, extra, status, finished_at)
         SELECT ?1, city_id, name, province, tier, region, portal, departments, extra, status, finished_at FROM run_cities WHERE run_id = ?2",
        params![run_id, source],
    )
    .map_err(sql)?;
    // City context for detection (name, own domains), as the crawl had it.
    let cities = runs::run_cities(&conn, source, None).map_err(sql)?;
    let mut own: HashMap<String, (String, Arc<Vec<String>>)> = HashMap::new();
    for c in cities {
        let domains = Arc::new(crate::crawl::spec::own_domains(&c));
        own.insert(c.id.clone(), (c.name.clone(), domains));
    }
    // Sites.
    let mut site_map: HashMap<i64, (i64, String, Sector)> = HashMap::new();
    {
        let mut st = conn
            .prepare("SELECT id, city_id, sector, start_url, final_url, scope, outcome, error, moved_to, pages, started_at, finished_at, origin, discovered_from, discovered_text FROM sites WHERE run_id = ?1 ORDER BY id")
            .map_err(sql)?;
        let rows: Vec<(i64, String, String, Vec<rusqlite::types::Value>)> = st
            .query_map([source], |r| {
                let vals = (3..15)
                    .map(|i| r.get::<_, rusqlite::types::Value>(i))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, vals))
            })
            .map_err(sql)?
            .collect::<Result<_, _>>()
            .map_err(sql)?;
        for (old, city, sector, v) in rows {
            conn.execute(
                "INSERT INTO sites (run_id, city_id, sector, start_url, final_url, scope, outcome, error, moved_to, pages, started_at, finished_at, origin, discovered_from, discovered_text)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
                params![run_id, city, sector, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11]],
            )
            .map_err(sql)?;
            site_map.insert(
                old,
                (
                    conn.last_insert_rowid(),
                    city,
                    sector.parse().unwrap_or(Sector::General),
                ),
            );
        }
    }
    // Discovered department sites: the new rules must still name each on the stored page
    // that named it; one they no longer name is kept on record as `not-discovered`, and
    // its pages are copied without findings.
    let mut not_named: std::collections::HashSet<i64> = std::collections::HashSet::new();
    if let Some(rules) = detector.discovery_rules() {
        not_named = recheck_discoveries(&conn, source, rules, &own, &site_map).map_err(sql)?;
    }
    // Fetches, and detection on every stored body.
    let fetch_ids: Vec<i64> = conn
        .prepare("SELECT id FROM fetches WHERE run_id = ?1 ORDER BY id")
        .map_err(sql)?
        .query_map([source], |r| r.get(0))
        .map_err(sql)?
        .collect::<Result<_, _>>()
        .map_err(sql)?;
    let (mut pages, mut findings) = (0, 0);
    // As in a crawl, the same evidence repeated across a site's pages is recorded once.
    let mut seen: std::collections::HashSet<(i64, ChannelId, Sector, String, String)> =
        std::collections::HashSet::new();
    for chunk in fetch_ids.chunks(BATCH) {
        let tx = conn.unchecked_transaction().map_err(sql)?;
        for old_id in chunk {
            let (site, final_url, ct, charset, sha): (i64, String, Option<String>, Option<String>, Option<String>) = tx
                .query_row("SELECT site_id, final_url, content_type, charset, body_sha256 FROM fetches WHERE id = ?1", [old_id], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                })
                .map_err(sql)?;
            let Some((new_site, city, sector)) = site_map.get(&site).cloned() else {
                continue;
            };
            tx.execute(
                "INSERT INTO fetches (run_id, site_id, url, final_url, redirects, status, headers, content_type, charset, bytes, truncated, started_at, elapsed_ms, attempts, depth, body_sha256, error_kind, error)
                 SELECT ?1, ?2, url, final_url, redirects, status, headers, content_type, charset, bytes, truncated, started_at, elapsed_ms, attempts, depth, body_sha256, error_kind, error FROM fetches WHERE id = ?3",
                params![run_id, new_site, old_id],
            )
            .map_err(sql)?;
            let new_fetch = tx.last_insert_rowid();
            if not_named.contains(&site) {
                continue;
            }
            let Some(sha) = sha else { continue };
            let text =
                match crate::store::bodies::page_text(&tx, &sha, ct.as_deref(), charset.as_deref())
                {
                    Ok(Some(text)) => text,
                    Ok(None) => continue,
                    Err(crate::store::bodies::BodyError::Sql(e)) => return Err(sql(e)),
                    Err(e) => return Err(StoreError::Invalid(e.to_string())),
                };
            let Ok(url) = url::Url::parse(&final_url) else {
                continue;
            };
            let facts = extract(&text, Some(&url));
            let (name, domains) = own.get(&city).cloned().unwrap_or_default();
            let ctx = PageContext {
                page_url: &url,
                sector,
                city_name: &name,
                own_domains: &domains,
            };
            let mut found = detector.detect(&facts, &ctx);
            found.retain(|f| {
                seen.insert((
                    new_site,
                    f.channel.clone(),
                    f.sector,
                    f.rule.clone(),
                    f.target.clone(),
                ))
            });
            pages += 1;
            findings += found.len();
            for f in found {
                tx.execute(
                    "INSERT INTO findings (run_id, city_id, site_id, fetch_id, sector, channel, strength, rule, target, text, snippet, page_url, body_sha256, path, account)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
                    params![run_id, city, new_site, new_fetch, f.sector.as_str(), f.channel.as_str(), f.strength.as_str(), f.rule, f.target, f.text, f.snippet, final_url, sha, f.path, f.account],
                )
                .map_err(sql)?;
            }
        }
        tx.commit().map_err(sql)?;
    }
    runs::finish_run(&conn, run_id, "completed").map_err(sql)?;
    Ok(RedetectReport {
        run_id,
        source_run: source,
        pages,
        findings,
    })
}
