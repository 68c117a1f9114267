//! Reviewers' decisions on the inspection checks, in the same append-only table as
//! decisions on cells: the "channel" is `check:identity` … `check:domain`, the key is the
//! city and the site's sector (a decision applies to every site of the sector, as a
//! cell's does), and the basis is the audit run, the checks' computed verdict and one
//! `[check, site, fingerprint]` per site, so a decision turns stale when a later audit
//! reads the site differently.

use super::{Basis, ReviewError};
use crate::export::inspection::{CHECK_NAMES, CheckReview, SiteRow};
use crate::export::matrix::Matrix;
use crate::model::Sector;
use crate::page::inspect::Verdict;
use rusqlite::Connection;

/// The check a decision's channel names (`check:freshness` → `freshness`).
pub(super) fn check_name(channel: &str) -> Option<&str> {
    channel
        .strip_prefix("check:")
        .filter(|n| CHECK_NAMES.contains(n))
}

/// The basis of a decision on `check` for the rows of one city's sector.
fn basis_of(rows: &[&SiteRow], check: &str, run: i64) -> Basis {
    let verdicts: Vec<Verdict> = rows.iter().filter_map(|r| r.verdict(check)).collect();
    let computed = match verdicts.first() {
        Some(v) if verdicts.iter().all(|x| x == v) => v.as_str().to_string(),
        Some(_) => "mixed".to_string(),
        None => "unknown".to_string(),
    };
    Basis {
        run_id: Some(run),
        computed,
        evidence: rows
            .iter()
            .map(|r| {
                [
                    format!("check:{check}"),
                    r.site.clone(),
                    r.fingerprint(check),
                ]
            })
            .collect(),
    }
}

/// The current basis of a decision on `channel` for a city's sector in the audits of
/// `m`; an error names what does not exist.
pub(super) fn current_basis(
    conn: &Connection,
    m: &Matrix,
    city_id: &str,
    sector: Sector,
    channel: &str,
) -> Result<(String, Basis), ReviewError> {
    let check = check_name(channel).ok_or_else(|| {
        ReviewError::Invalid(format!(
            "no check `{channel}` (checks: {})",
            CHECK_NAMES.map(|c| format!("check:{c}")).join(", ")
        ))
    })?;
    let city = m
        .cities
        .iter()
        .find(|c| c.id == city_id)
        .ok_or_else(|| ReviewError::Invalid(format!("no audited city `{city_id}`")))?;
    let rules = crate::page::detect::rules::builtin_inspection();
    let one = Matrix {
        cities: vec![city.clone()],
        ..m.clone()
    };
    let rows = crate::export::inspection::load(conn, &one, &rules)
        .map_err(|e| ReviewError::Invalid(e.to_string()))?;
    let mine: Vec<&SiteRow> = rows.iter().filter(|r| r.sector == sector).collect();
    if mine.is_empty() {
        return Err(ReviewError::Invalid(format!(
            "{} has no {sector} site in audit run {}",
            city.name, city.audit_run
        )));
    }
    Ok((city.id.clone(), basis_of(&mine, check, city.audit_run)))
}

/// Applies the decisions in force on checks to `rows`: a reviewed check takes the
/// reviewer's verdict and records the review, stale when its basis changed.
pub fn apply_checks(conn: &Connection, rows: &mut [SiteRow]) -> rusqlite::Result<()> {
    if !super::has_decisions(conn) {
        return Ok(());
    }
    let reviewed: Vec<(String, String, String)> = conn
        .prepare(
            "SELECT DISTINCT city_id, sector, channel FROM decisions WHERE channel LIKE 'check:%'",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    for (city, sector, channel) in reviewed {
        let (Ok(sector), Some(check)) = (sector.parse::<Sector>(), check_name(&channel)) else {
            continue;
        };
        let Some(d) = super::latest_in(conn, &city, sector, &channel)? else {
            continue;
        };
        let mine: Vec<&SiteRow> = rows
            .iter()
            .filter(|r| r.city == city && r.sector == sector)
            .collect();
        let Some(run) = mine.first().map(|r| r.run) else {
            continue;
        };
        let now = basis_of(&mine, check, run);
        let stale = d.computed != now.computed || d.evidence != now.evidence;
        let verdict = match d.verdict {
            super::Verdict::Yes => Verdict::Yes,
            super::Verdict::No => Verdict::No,
        };
        for r in rows
            .iter_mut()
            .filter(|r| r.city == city && r.sector == sector)
        {
            let computed = r.verdict(check).unwrap_or(Verdict::Unknown);
            r.set_verdict(check, verdict);
            r.reviews.insert(
                check.to_string(),
                CheckReview {
                    verdict,
                    computed,
                    reviewer: d.reviewer.clone(),
                    reason: d.reason.clone(),
                    decided_at: d.decided_at.clone(),
                    stale,
                },
            );
        }
    }
    Ok(())
}
