//! `export inspection`: per audited site (portal and each department site) the
//! inspection checks, judged from the readings its pages stored (`page_checks`) by
//! `page::inspect::site`, for the audits the matrix chose (each city's latest reached
//! one, or one run). Formats: JSON (a contract), CSV, Markdown, HTML, xlsx.

use super::matrix::Matrix;
use crate::model::{Region, Sector, Tier};
use crate::page::inspect::Verdict;
use crate::page::inspect::dates::fetch_day;
use crate::page::inspect::reading::PageReading;
use crate::page::inspect::rules::InspectionRules;
use crate::page::inspect::site::{PageSeen, SiteChecks, SiteSeen, judge};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::BTreeMap;
use url::Url;

/// One site's row of the export.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SiteRow {
    /// The city's id (the contract's `city`).
    pub city: String,
    pub city_name: String,
    pub tier: Tier,
    pub region: Region,
    pub sector: Sector,
    /// The site's start URL.
    pub site: String,
    /// `seeded` or `discovered`.
    pub origin: String,
    /// How the site's crawl ended (`ok`, `unreachable` …).
    pub outcome: String,
    /// The run the site was audited in.
    pub run: i64,
    pub checks: SiteChecks,
    /// Reviewers' decisions in force on this site's checks, by check name (`freshness`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub reviews: BTreeMap<String, CheckReview>,
}

/// A reviewer's decision applied to a check (as a cell's review is).
#[derive(Debug, Clone, serde::Serialize)]
pub struct CheckReview {
    pub verdict: Verdict,
    /// The machine's verdict.
    pub computed: Verdict,
    pub reviewer: String,
    pub reason: String,
    pub decided_at: String,
    /// The check's computed verdict or its evidence changed since the decision.
    pub stale: bool,
}

/// The checks by name, as decisions and summaries name them (`check:` + name).
pub const CHECK_NAMES: [&str; 6] = [
    "identity",
    "freshness",
    "replies",
    "domain",
    "links",
    "reachability",
];

impl SiteRow {
    /// Every check's verdict, in the order of [`CHECK_NAMES`].
    pub fn verdicts(&self) -> [(&'static str, Verdict); 6] {
        let c = &self.checks;
        [
            ("identity", c.identity.identity.verdict),
            ("freshness", c.freshness.verdict),
            ("replies", c.replies.verdict),
            ("domain", c.domain.verdict),
            ("links", c.links.verdict),
            ("reachability", c.reachability.verdict),
        ]
    }

    /// The verdict of check `name` (one of [`CHECK_NAMES`]).
    pub fn verdict(&self, name: &str) -> Option<Verdict> {
        self.verdicts()
            .into_iter()
            .find_map(|(n, v)| (n == name).then_some(v))
    }

    /// Sets the verdict of check `name` (a reviewer's decision).
    pub fn set_verdict(&mut self, name: &str, v: Verdict) {
        let c = &mut self.checks;
        match name {
            "identity" => c.identity.identity.verdict = v,
            "freshness" => c.freshness.verdict = v,
            "replies" => c.replies.verdict = v,
            "domain" => c.domain.verdict = v,
            "links" => c.links.verdict = v,
            "reachability" => c.reachability.verdict = v,
            _ => {}
        }
    }

    /// What check `name`'s verdict rests on, as a line: a decision on it is stale when
    /// this changes.
    pub fn fingerprint(&self, name: &str) -> String {
        let c = &self.checks;
        let value = |f: &Option<crate::page::inspect::identity::Field>| {
            f.as_ref().map(|f| f.value.clone()).unwrap_or_default()
        };
        match name {
            "identity" => {
                let id = &c.identity.identity;
                format!(
                    "{}|{}|{}|{}",
                    value(&id.site_code),
                    value(&id.organizer),
                    value(&id.icp),
                    id.inconsistent.join(";")
                )
            }
            "freshness" => format!(
                "{}|{}",
                c.freshness
                    .newest
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
                c.freshness.stale_columns.len()
            ),
            "replies" => format!(
                "{}|{}|{}",
                c.replies.letters, c.replies.late, c.replies.overdue
            ),
            "links" => format!(
                "{}|{}",
                c.links.confirmed,
                c.links
                    .list
                    .iter()
                    .filter(|l| l.homepage)
                    .map(|l| l.target.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            "reachability" => format!("{}|{}", c.reachability.probes, c.reachability.failed),
            _ => c.domain.host.clone(),
        }
    }
}

/// A site as stored.
struct StoredSite {
    id: i64,
    sector: Sector,
    start_url: String,
    final_url: Option<String>,
    outcome: String,
    origin: String,
}

/// The sites of the audits `m` was built from, with their checks.
pub fn load(
    conn: &Connection,
    m: &Matrix,
    rules: &InspectionRules,
) -> Result<Vec<SiteRow>, super::ExportError> {
    let mut out = Vec::new();
    let has_checks = crate::store::has_column(conn, "page_checks", "reading")?;
    let network = super::links::NetworkChecks::new(conn)?;
    for city in &m.cities {
        let portal: Option<String> = conn
            .query_row(
                "SELECT portal FROM run_cities WHERE run_id = ?1 AND city_id = ?2",
                params![city.audit_run, city.id],
                |r| r.get(0),
            )
            .optional()?;
        let portal_url = portal.as_deref().and_then(|p| Url::parse(p).ok());
        let sites = stored_sites(conn, city.audit_run, &city.id)?;
        let mut judged: Vec<(StoredSite, SiteChecks)> = Vec::new();
        // The portal first: a department's footer is compared with its site code.
        let mut portal_first: Vec<StoredSite> = sites;
        portal_first.sort_by_key(|s| (s.sector != Sector::General, s.id));
        let mut portal_code: Option<String> = None;
        for s in portal_first {
            let pages = if has_checks {
                pages_of(conn, city.audit_run, s.id)?
            } else {
                Vec::new()
            };
            // Where the site is: its final URL when its start URL moved.
            let url = s
                .final_url
                .as_deref()
                .and_then(|u| Url::parse(u).ok())
                .or_else(|| Url::parse(&s.start_url).ok());
            let Some(url) = url else { continue };
            let is_portal = s.sector == Sector::General;
            let seen = SiteSeen {
                url: &url,
                portal: if is_portal { None } else { portal_url.as_ref() },
                portal_site_code: if is_portal {
                    None
                } else {
                    portal_code.as_deref()
                },
                reached: s.outcome == "ok",
                pages: &pages,
            };
            let mut checks = judge(rules, &seen);
            checks.links =
                network.site_links(conn, city.audit_run, s.id, &city.id, s.sector.as_str())?;
            checks.reachability =
                network.site_reachability(conn, rules.link_rules(), &s.start_url)?;
            if is_portal && portal_code.is_none() {
                portal_code = checks
                    .identity
                    .identity
                    .site_code
                    .as_ref()
                    .map(|f| f.value.clone());
            }
            judged.push((s, checks));
        }
        judged.sort_by_key(|(s, _)| (s.sector, s.id));
        for (s, checks) in judged {
            out.push(SiteRow {
                city: city.id.clone(),
                city_name: city.name.clone(),
                tier: city.tier,
                region: city.region,
                sector: s.sector,
                site: s.start_url,
                origin: s.origin,
                outcome: s.outcome,
                run: city.audit_run,
                checks,
                reviews: BTreeMap::new(),
            });
        }
    }
    Ok(out)
}

fn stored_sites(conn: &Connection, run: i64, city: &str) -> rusqlite::Result<Vec<StoredSite>> {
    let mut st = conn.prepare(
        "SELECT id, sector, start_url, final_url, outcome, origin FROM sites
         WHERE run_id = ?1 AND city_id = ?2 ORDER BY id",
    )?;
    let rows = st.query_map(params![run, city], |r| {
        Ok(StoredSite {
            id: r.get(0)?,
            sector: r.get::<_, String>(1)?.parse().unwrap_or(Sector::General),
            start_url: r.get(2)?,
            final_url: r.get(3)?,
            outcome: r.get(4)?,
            origin: r.get(5)?,
        })
    })?;
    rows.collect()
}

/// The readings of a site's pages; a reading the store cannot read is an error naming
/// its fetch, never silently skipped.
fn pages_of(conn: &Connection, run: i64, site: i64) -> Result<Vec<PageSeen>, super::ExportError> {
    let mut st = conn.prepare(
        "SELECT c.fetch_id, f.final_url, f.depth, f.started_at, c.reading
         FROM page_checks c JOIN fetches f ON f.id = c.fetch_id
         WHERE c.run_id = ?1 AND c.site_id = ?2 ORDER BY c.fetch_id",
    )?;
    let mut rows = st.query(params![run, site])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let fetch: i64 = r.get(0)?;
        let started: String = r.get(3)?;
        let corrupt = |what: String| {
            super::ExportError::Corrupt(format!("page_checks of fetch {fetch}: {what}"))
        };
        let fetched_on =
            fetch_day(&started).ok_or_else(|| corrupt(format!("fetch time `{started}`")))?;
        let reading: PageReading =
            serde_json::from_str(&r.get::<_, String>(4)?).map_err(|e| corrupt(e.to_string()))?;
        out.push(PageSeen {
            url: r.get(1)?,
            depth: r.get::<_, i64>(2)?.max(0) as u32,
            fetched_on,
            reading,
        });
    }
    Ok(out)
}

/// The export as JSON: `{"sites":[{"city","sector","site","checks":{…}} …]}`.
pub fn to_json(rows: &[SiteRow]) -> serde_json::Value {
    serde_json::json!({ "sites": rows })
}

/// A check as the summary, decisions and diffs name it: `check:` and its name.
pub fn check_channel(name: &str) -> crate::model::ChannelId {
    crate::model::ChannelId::new(format!("check:{name}"))
}

/// The share of `rows` passing each check (sites whose verdict is known are the
/// denominator), in the order of [`CHECK_NAMES`].
pub fn passing<'a>(
    rows: impl Iterator<Item = &'a SiteRow>,
) -> [(&'static str, super::summary::Share); 6] {
    let mut out = CHECK_NAMES.map(|n| (n, super::summary::Share::default()));
    for r in rows {
        for ((_, share), (_, v)) in out.iter_mut().zip(r.verdicts()) {
            if v != Verdict::Unknown {
                share.known += 1;
                share.yes += usize::from(v == Verdict::Yes);
            }
        }
    }
    out
}

/// The checks whose failing share the summary also shows, as inspections report them:
/// sites with a confirmed broken homepage link, sites failing availability.
pub const FAILING_SHOWN: [&str; 2] = ["links", "reachability"];

/// The summary column of the share of sites failing check `name`.
pub fn failing_channel(name: &str) -> crate::model::ChannelId {
    crate::model::ChannelId::new(format!("check:{name}:failing"))
}

/// A row's shares: each check's passing share, and the failing share of those in
/// [`FAILING_SHOWN`] (over the same sites whose verdict is known).
fn shares_of(
    passing: [(&'static str, super::summary::Share); 6],
) -> std::collections::BTreeMap<crate::model::ChannelId, super::summary::Share> {
    let mut out = std::collections::BTreeMap::new();
    for (name, share) in passing {
        if FAILING_SHOWN.contains(&name) {
            let failing = super::summary::Share {
                yes: share.known - share.yes,
                ..share
            };
            out.insert(failing_channel(name), failing);
        }
        out.insert(check_channel(name), share);
    }
    out
}

/// The share of sites passing each check (sites whose verdict is known are the
/// denominator), by tier, by region and by sector, for the summary; for links and
/// reachability also the share failing.
pub fn share_tables(rows: &[SiteRow]) -> Vec<super::summary::Table> {
    use super::summary::{Row, Table};
    let row = |group: &str, label_zh: &str, keep: &dyn Fn(&SiteRow) -> bool| Row {
        group: group.to_string(),
        label_zh: label_zh.to_string(),
        shares: shares_of(passing(rows.iter().filter(|r| keep(r)))),
    };
    let mut by_tier: Vec<Row> = [Tier::Key, Tier::Prefecture]
        .iter()
        .map(|t| row(t.as_str(), t.name_zh(), &|r| r.tier == *t))
        .collect();
    by_tier.push(row("all", "全部网站", &|_| true));
    let by_region = Region::ALL
        .iter()
        .map(|g| row(g.as_str(), g.name_zh(), &|r| r.region == *g))
        .collect();
    let by_sector = std::iter::once(Sector::General)
        .chain(Sector::DEPARTMENTS.iter().copied())
        .map(|s| row(s.as_str(), s.name_zh(), &|r| r.sector == s))
        .collect();
    let note = "A share is of the sites whose verdict is known (passing/known, or failing/known for 首页确认断链 and 可访问性不达标); an unreached site, a homepage with no dated list, a site listing no letters, a site probed fewer than 20 times are unknown.".to_string();
    vec![
        Table {
            title: "Inspection checks: share of sites passing, by tier".into(),
            title_zh: "政府网站检查：通过的网站比例（按城市类型）".into(),
            rows: by_tier,
            notes: vec![note],
        },
        Table {
            title: "Inspection checks, by region".into(),
            title_zh: "政府网站检查：通过的网站比例（按地区）".into(),
            rows: by_region,
            notes: Vec::new(),
        },
        Table {
            title: "Inspection checks, by sector".into(),
            title_zh: "政府网站检查：通过的网站比例（按部门）".into(),
            rows: by_sector,
            notes: Vec::new(),
        },
    ]
}
