//! Broken links as the webmaster who must fix them reads them: `export links`, one row
//! per broken or blocked link per parent page, with its state (suspected until a check
//! at least the confirmation time later finds it broken again, then confirmed); and the
//! links and availability checks of each site for `export inspection`.

use crate::model::Sector;
use crate::page::inspect::links::{
    BrokenState, CheckedLink, LinkOutcome, LinkRules, LinksCheck, ProbeSeen, Reachability,
    links_check, reachability,
};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

/// Which rows `export links` writes.
#[derive(Debug, Clone, Default)]
pub struct LinksFilter {
    /// The run (default: the newest run that checked links).
    pub run: Option<i64>,
    /// One city, by id or name.
    pub city: Option<String>,
    pub state: Option<BrokenState>,
}

/// One broken or blocked link on one page, for `export links`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LinkRow {
    pub city: String,
    pub city_name: String,
    pub sector: Sector,
    /// The site's start URL.
    pub site: String,
    pub run: i64,
    #[serde(flatten)]
    pub link: CheckedLink,
    pub checked_at: String,
}

/// The column names of the CSV, md and xlsx exports, in order.
pub const LINKS_COLUMNS: [&str; 15] = [
    "city",
    "city_name",
    "sector",
    "site",
    "page",
    "text",
    "target",
    "final_url",
    "status",
    "outcome",
    "error",
    "first_seen",
    "state",
    "checked_at",
    "run",
];

impl LinkRow {
    /// The row's cells, in the order of [`LINKS_COLUMNS`].
    pub fn cells(&self) -> Vec<String> {
        let l = &self.link;
        vec![
            self.city.clone(),
            self.city_name.clone(),
            self.sector.as_str().to_string(),
            self.site.clone(),
            l.page.clone(),
            l.text.clone(),
            l.target.clone(),
            l.final_url.clone().unwrap_or_default(),
            l.status.map(|s| s.to_string()).unwrap_or_default(),
            l.outcome.as_str().to_string(),
            l.error.clone().unwrap_or_default(),
            l.first_seen.clone().unwrap_or_default(),
            l.state.map(|s| s.as_str().to_string()).unwrap_or_default(),
            self.checked_at.clone(),
            self.run.to_string(),
        ]
    }
}

/// Whether the store has link checks at all (a database from before version 5 has not).
fn has_links(conn: &Connection) -> rusqlite::Result<bool> {
    crate::store::has_column(conn, "link_checks", "outcome")
}

pub use crate::store::links::latest_links_run;
use crate::store::links::{confirm_after, first_broken as first_seen};

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).ok().map(|t| t.to_utc())
}

/// A stored link check as the verdict sees it, its state judged from the history.
struct Stored {
    link: CheckedLink,
    checked_at: String,
}

/// Reads the rows of `sql` (columns: page, homepage, text, target, final_url, status,
/// outcome, error, checked_at) for a site of `city` and `sector`, with the state of the
/// broken ones.
fn read_links(
    conn: &Connection,
    sql: &str,
    args: impl rusqlite::Params,
    city: &str,
    sector: &str,
    confirm: chrono::Duration,
) -> Result<Vec<Stored>, super::ExportError> {
    let mut st = conn.prepare_cached(sql)?;
    let mut rows = st.query(args)?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let outcome: String = r.get(6)?;
        let outcome = LinkOutcome::parse(&outcome).ok_or_else(|| {
            super::ExportError::Corrupt(format!("link check outcome `{outcome}`"))
        })?;
        let checked_at: String = r.get(8)?;
        let target: String = r.get(3)?;
        let (first, state) = if outcome == LinkOutcome::Broken {
            let first = first_seen(conn, city, sector, &target, &checked_at)?;
            let state = match (parse_time(&first), parse_time(&checked_at)) {
                (Some(f), Some(c)) => BrokenState::of(f, c, confirm),
                _ => {
                    return Err(super::ExportError::Corrupt(format!(
                        "link check time `{checked_at}`"
                    )));
                }
            };
            (Some(first), Some(state))
        } else {
            (None, None)
        };
        out.push(Stored {
            link: CheckedLink {
                page: r.get(0)?,
                homepage: r.get(1)?,
                text: r.get(2)?,
                target,
                final_url: r.get(4)?,
                status: r.get::<_, Option<i64>>(5)?.map(|s| s as u16),
                outcome,
                error: r.get(7)?,
                first_seen: first,
                state,
            },
            checked_at,
        });
    }
    Ok(out)
}

const LINK_COLUMNS_SQL: &str =
    "l.page, l.homepage, l.text, l.target, l.final_url, l.status, l.outcome, l.error, l.checked_at";

/// `export links`: the broken and blocked links of a run, one row per link per page.
pub fn load(conn: &Connection, f: &LinksFilter) -> Result<Vec<LinkRow>, super::ExportError> {
    let run = match f.run {
        Some(r) => r,
        None => match latest_links_run(conn)? {
            Some(r) => r,
            None => return Ok(Vec::new()),
        },
    };
    if !has_links(conn)? {
        return Ok(Vec::new());
    }
    let confirm = confirm_after(conn, run)?;
    let mut st = conn.prepare(
        "SELECT DISTINCT s.id, s.city_id, COALESCE(c.name, s.city_id), s.sector, s.start_url
         FROM link_checks l JOIN sites s ON s.id = l.site_id
         LEFT JOIN run_cities c ON c.run_id = s.run_id AND c.city_id = s.city_id
         WHERE l.run_id = ?1 ORDER BY s.city_id, s.sector, s.id",
    )?;
    let sites: Vec<(i64, String, String, String, String)> = st
        .query_map([run], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::new();
    for (site, city, city_name, sector, start) in sites {
        if let Some(want) = &f.city
            && !crate::model::city::name_matches(&city, &city_name, want)
        {
            continue;
        }
        let sql = format!(
            "SELECT {LINK_COLUMNS_SQL} FROM link_checks l
             WHERE l.run_id = ?1 AND l.site_id = ?2 AND l.outcome IN ('broken', 'blocked')
             ORDER BY l.id"
        );
        for s in read_links(conn, &sql, params![run, site], &city, &sector, confirm)? {
            if f.state.is_some() && s.link.state != f.state {
                continue;
            }
            out.push(LinkRow {
                city: city.clone(),
                city_name: city_name.clone(),
                sector: sector.parse().unwrap_or(Sector::General),
                site: start.clone(),
                run,
                link: s.link,
                checked_at: s.checked_at,
            });
        }
    }
    Ok(out)
}

/// What the links and reachability checks read for every site of an export: whether
/// the store has link checks and probes at all (a database from before version 5 has
/// neither), asked once, and each run's confirmation time, read once per run.
pub struct NetworkChecks {
    links: bool,
    probes: bool,
    confirm: std::cell::RefCell<std::collections::HashMap<i64, chrono::Duration>>,
}

impl NetworkChecks {
    /// Asks the store once what it holds.
    pub fn new(conn: &Connection) -> rusqlite::Result<Self> {
        Ok(NetworkChecks {
            links: has_links(conn)?,
            probes: crate::store::has_column(conn, "probes", "outcome")?,
            confirm: Default::default(),
        })
    }

    fn confirm_after(&self, conn: &Connection, run: i64) -> rusqlite::Result<chrono::Duration> {
        if let Some(d) = self.confirm.borrow().get(&run) {
            return Ok(*d);
        }
        let d = confirm_after(conn, run)?;
        self.confirm.borrow_mut().insert(run, d);
        Ok(d)
    }

    /// The links check of a site audited in `run`: its checks in that run, each broken
    /// one replaced by its latest re-check in a `links` run of that run.
    pub fn site_links(
        &self,
        conn: &Connection,
        run: i64,
        site: i64,
        city: &str,
        sector: &str,
    ) -> Result<LinksCheck, super::ExportError> {
        if !self.links {
            return Ok(LinksCheck::default());
        }
        let confirm = self.confirm_after(conn, run)?;
        let sql = format!(
            "SELECT {LINK_COLUMNS_SQL} FROM link_checks l
             WHERE l.run_id = ?1 AND l.site_id = ?2 AND l.outcome != 'pending' ORDER BY l.id"
        );
        let mut links = read_links(conn, &sql, params![run, site], city, sector, confirm)?;
        let sql = format!(
            "SELECT {LINK_COLUMNS_SQL}, l.run_id FROM link_checks l JOIN runs r ON r.id = l.run_id
             WHERE r.kind = 'links' AND r.source_run = ?1 AND l.site_id = ?2 AND l.outcome != 'pending'
             ORDER BY l.id"
        );
        let rechecked = read_links(conn, &sql, params![run, site], city, sector, confirm)?;
        if !rechecked.is_empty() {
            // The latest re-check of each (page, target) wins.
            let latest: std::collections::HashMap<(&str, &str), &CheckedLink> = rechecked
                .iter()
                .map(|later| ((&*later.link.page, &*later.link.target), &later.link))
                .collect();
            for l in &mut links {
                if let Some(later) = latest.get(&(&*l.link.page, &*l.link.target)) {
                    l.link = (*later).clone();
                }
            }
        }
        Ok(links_check(links.into_iter().map(|s| s.link).collect()))
    }

    /// The availability check of a site whose start URL is `url`: every probe of it.
    pub fn site_reachability(
        &self,
        conn: &Connection,
        rules: &LinkRules,
        url: &str,
    ) -> Result<Reachability, super::ExportError> {
        if !self.probes {
            return Ok(reachability(rules, &[]));
        }
        site_reachability(conn, rules, url)
    }
}

/// Every probe of the start URL `url`, judged.
fn site_reachability(
    conn: &Connection,
    rules: &LinkRules,
    url: &str,
) -> Result<Reachability, super::ExportError> {
    let mut st = conn.prepare_cached(
        "SELECT started_at, outcome FROM probes WHERE url = ?1 AND outcome IN ('ok', 'failed')",
    )?;
    let mut rows = st.query([url])?;
    let mut probes = Vec::new();
    while let Some(r) = rows.next()? {
        let at: String = r.get(0)?;
        let day = crate::page::inspect::dates::fetch_day(&at)
            .ok_or_else(|| super::ExportError::Corrupt(format!("probe time `{at}`")))?;
        probes.push(ProbeSeen {
            day,
            ok: r.get::<_, String>(1)? == "ok",
        });
    }
    Ok(reachability(rules, &probes))
}
