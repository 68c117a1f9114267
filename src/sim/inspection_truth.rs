//! The inspection export against the simulated world's truth (the demo prints it): each
//! reached site's verdicts and figures against `sim::inspection::expected`, given the
//! pages its crawl fetched.

use super::inspection::{Expected, expected};
use super::world::World;
use crate::export::inspection::SiteRow;
use std::collections::BTreeMap;

/// The pages each site's crawl fetched in `run` (path and depth), by start URL.
pub fn fetched_pages(
    conn: &rusqlite::Connection,
    run: i64,
) -> rusqlite::Result<BTreeMap<String, Vec<(String, u32)>>> {
    let mut st = conn.prepare(
        "SELECT s.start_url, f.final_url, f.depth FROM fetches f JOIN sites s ON s.id = f.site_id
         WHERE f.run_id = ?1 AND f.status = 200 AND f.body_sha256 IS NOT NULL",
    )?;
    let mut out: BTreeMap<String, Vec<(String, u32)>> = BTreeMap::new();
    let rows = st.query_map([run], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, u32>(2)?,
        ))
    })?;
    for row in rows {
        let (start, url, depth) = row?;
        if let Ok(u) = url::Url::parse(&url) {
            out.entry(start)
                .or_default()
                .push((u.path().to_string(), depth));
        }
    }
    Ok(out)
}

/// A row as the truth states it.
fn as_expected(r: &SiteRow) -> Expected {
    let c = &r.checks;
    let mut stale: Vec<String> = c
        .freshness
        .stale_columns
        .iter()
        .filter_map(|s| url::Url::parse(&s.page).ok().map(|u| u.path().to_string()))
        .collect();
    stale.sort();
    let missing = c
        .identity
        .identity
        .missing
        .iter()
        .map(|m| match m.as_str() {
            "site_code" => "site_code",
            "organizer" => "organizer",
            _ => "icp",
        })
        .collect();
    Expected {
        identity: c.identity.identity.verdict.as_str(),
        missing,
        freshness: c.freshness.verdict.as_str(),
        age_days: c.freshness.age_days,
        stale_columns: stale,
        future_dated: c.freshness.future_dated.len().min(1),
        replies: c.replies.verdict.as_str(),
        letters: c.replies.letters,
        late: c.replies.late,
        overdue: c.replies.overdue,
        domain: c.domain.verdict.as_str(),
    }
}

/// Reached sites whose row equals the truth, reached sites, and the differences.
pub fn compare(
    world: &World,
    rows: &[SiteRow],
    fetched: &BTreeMap<String, Vec<(String, u32)>>,
) -> (usize, usize, Vec<String>) {
    let (mut matching, mut total, mut wrong) = (0, 0, Vec::new());
    for r in rows.iter().filter(|r| r.outcome == "ok") {
        let host = url::Url::parse(&r.site)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string));
        let Some(site) = world.sites.iter().find(|s| Some(&s.host) == host.as_ref()) else {
            continue;
        };
        let portal_shows_code = rows.iter().any(|p| {
            p.city == r.city
                && p.sector == crate::model::Sector::General
                && p.outcome == "ok"
                && p.checks.identity.identity.site_code.is_some()
        });
        let pages = fetched.get(&r.site).map(Vec::as_slice).unwrap_or_default();
        let want = expected(world, site, pages, portal_shows_code);
        let got = as_expected(r);
        total += 1;
        if got == want {
            matching += 1;
        } else {
            wrong.push(format!("{}: got {got:?}, truth {want:?}", r.site));
        }
    }
    (matching, total, wrong)
}
