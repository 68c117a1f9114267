//! What changed between two audits: per city, sector and channel, channels that
//! appeared, disappeared or became unknown, with the evidence for each.

use super::matrix::{Matrix, Value};
use crate::model::{ChannelId, Sector};
use std::fmt::Write as _;

/// One changed cell.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Change {
    pub city_id: String,
    pub city: String,
    pub sector: Sector,
    pub channel: ChannelId,
    /// `appeared`, `disappeared`, `became-unknown` or `became-known`; for an inspection
    /// check (channel `check:…`), `check-passed` or `check-failed` too.
    pub change: &'static str,
    pub before: Value,
    pub after: Value,
    /// The evidence on the "yes" side: target and page.
    pub evidence: String,
    /// Whether `before` and `after` are reviewers' values rather than the machine's.
    pub before_reviewed: bool,
    pub after_reviewed: bool,
}

/// The changes from `a` to `b` for the cities both contain.
pub fn diff(a: &Matrix, b: &Matrix) -> Vec<Change> {
    let mut out = Vec::new();
    for cb in &b.cities {
        let Some(ca) = a.cities.iter().find(|c| c.id == cb.id) else {
            continue;
        };
        for cell in &cb.cells {
            let old = ca.cell(cell.sector, &cell.channel);
            let before = old.map_or(Value::Unknown, |c| c.value);
            let after = cell.value;
            let change = match (before, after) {
                (x, y) if x == y => continue,
                (_, Value::Yes) => "appeared",
                (Value::Yes, Value::No) => "disappeared",
                (_, Value::Unknown) => "became-unknown",
                _ => "became-known",
            };
            let side = if after == Value::Yes {
                Some(cell)
            } else {
                ca.cell(cell.sector, &cell.channel)
            };
            let evidence = side
                .map(|c| format!("{} on {}", c.best_target, c.best_page))
                .unwrap_or_default();
            out.push(Change {
                city_id: cb.id.clone(),
                city: cb.name.clone(),
                sector: cell.sector,
                channel: cell.channel.clone(),
                change,
                before,
                after,
                evidence,
                before_reviewed: old.is_some_and(|c| c.review.is_some()),
                after_reviewed: cell.review.is_some(),
            });
        }
    }
    out
}

/// The checks whose verdict changed between two audits' rows, as diff changes: the
/// "channel" is `check:identity`, `check:freshness`, `check:replies` or `check:domain`,
/// and the evidence names the site.
pub fn check_changes(
    a: &[super::inspection::SiteRow],
    b: &[super::inspection::SiteRow],
) -> Vec<Change> {
    use crate::page::inspect::Verdict;
    let value = |v: Verdict| match v {
        Verdict::Yes => Value::Yes,
        Verdict::No => Value::No,
        Verdict::Unknown => Value::Unknown,
    };
    let mut out = Vec::new();
    for rb in b {
        let Some(ra) = a
            .iter()
            .find(|r| r.city == rb.city && r.sector == rb.sector && r.site == rb.site)
        else {
            continue;
        };
        for ((check, before), (_, after)) in ra.verdicts().into_iter().zip(rb.verdicts()) {
            let change = match (before, after) {
                (x, y) if x == y => continue,
                (_, Verdict::Yes) => "check-passed",
                (Verdict::Yes, Verdict::No) => "check-failed",
                (_, Verdict::Unknown) => "became-unknown",
                _ => "became-known",
            };
            out.push(Change {
                city_id: rb.city.clone(),
                city: rb.city_name.clone(),
                sector: rb.sector,
                channel: super::inspection::check_channel(check),
                change,
                before: value(before),
                after: value(after),
                evidence: format!("{} (runs {} → {})", rb.site, ra.run, rb.run),
                before_reviewed: false,
                after_reviewed: false,
            });
        }
    }
    out
}

/// A change as people read it.
fn change_zh(change: &str) -> &str {
    match change {
        "appeared" => "新增",
        "disappeared" => "消失",
        "became-unknown" => "变为未知",
        "became-known" => "变为已知",
        "check-passed" => "检查通过",
        "check-failed" => "检查未通过",
        other => other,
    }
}

/// A value as people read it.
fn value_zh(v: Value) -> &'static str {
    match v {
        Value::Yes => "开通",
        Value::No => "未发现",
        Value::Unknown => "未知",
    }
}

/// Markdown, labelled in Chinese (`channels` names the channels).
pub fn to_md(changes: &[Change], channels: &crate::model::Channels) -> String {
    if changes.is_empty() {
        return "无变化。\n".into();
    }
    let mut out = String::from(
        "| 城市 | 部门 | 渠道 | 变化 | 之前 → 之后 | 证据 |\n|---|---|---|---|---|---|\n",
    );
    let r = |reviewed: bool| if reviewed { "ᴿ" } else { "" };
    for c in changes {
        let channel = channels
            .get(c.channel.as_str())
            .map_or(c.channel.as_str(), |d| d.name.as_str());
        let _ = writeln!(
            out,
            "| {} {} | {} | {} | {} | {}{} → {}{} | {} |",
            c.city_id,
            c.city,
            c.sector.name_zh(),
            channel,
            change_zh(c.change),
            value_zh(c.before),
            r(c.before_reviewed),
            value_zh(c.after),
            r(c.after_reviewed),
            c.evidence
        );
    }
    if changes
        .iter()
        .any(|c| c.before_reviewed || c.after_reviewed)
    {
        out.push_str("\nᴿ：审核人给出的值，而非机器判定。\n");
    }
    out
}

/// CSV with a BOM.
pub fn to_csv(changes: &[Change]) -> Vec<u8> {
    super::formats::csv_with_bom(|w| {
        w.record([
            "city_id",
            "city",
            "sector",
            "channel",
            "change",
            "before",
            "after",
            "evidence",
            "before_reviewed",
            "after_reviewed",
        ]);
        for c in changes {
            w.record([
                c.city_id.as_str(),
                &c.city,
                c.sector.as_str(),
                c.channel.as_str(),
                c.change,
                c.before.as_str(),
                c.after.as_str(),
                &c.evidence,
                if c.before_reviewed { "yes" } else { "no" },
                if c.after_reviewed { "yes" } else { "no" },
            ]);
        }
    })
}

/// For each city of `run`, the matrix of its previous audit (in an earlier run not marked
/// failed): the latest that reached its portal, else the latest.
pub fn previous(conn: &rusqlite::Connection, run: i64) -> rusqlite::Result<Matrix> {
    let mut m = Matrix {
        run: None,
        rules_version: String::new(),
        channels: Default::default(),
        cities: Vec::new(),
    };
    let mut st = conn.prepare(
        "SELECT c.city_id, COALESCE(MAX(CASE WHEN p.status = 'ok' THEN p.run_id END), MAX(p.run_id)) FROM run_cities c
           JOIN run_cities p ON p.city_id = c.city_id AND p.run_id < c.run_id AND p.status != 'pending'
           JOIN runs r ON r.id = p.run_id AND r.status != 'failed'
         WHERE c.run_id = ?1 GROUP BY c.city_id",
    )?;
    let pairs: Vec<(String, i64)> = st
        .query_map([run], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (city, prev) in pairs {
        let pm = super::matrix::load(conn, Some(prev))?;
        if m.rules_version.is_empty() {
            m.rules_version = pm.rules_version.clone();
        }
        m.channels = m.channels.union(&pm.channels);
        m.cities
            .extend(pm.cities.into_iter().filter(|c| c.id == city));
    }
    Ok(m)
}
