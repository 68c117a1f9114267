//! The registry of the government's accounts (`export accounts`): per city and sector,
//! each distinct account of an account channel found in its audit, with where it was
//! seen and in which runs. The same account in the footer of 60 pages is one row; an
//! account linked from more than one city is flagged `shared` (a province's account on
//! every city page is rarely any one city's own).

use super::diff::Change;
use super::matrix::{Matrix, Value};
use crate::model::{ChannelId, Sector};
use rusqlite::{Connection, params};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// One account of one city and sector (the `export accounts` row; a contract).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AccountRow {
    pub city_id: String,
    pub city: String,
    pub sector: Sector,
    pub channel: ChannelId,
    pub account: String,
    /// The first link to it in the audit.
    pub url: String,
    pub page_url: String,
    pub finding_id: i64,
    /// The first and the last run in which the city linked it (for that sector).
    pub first_seen_run: i64,
    pub last_seen_run: i64,
    /// Linked from more than one city of the export.
    pub shared: bool,
}

/// The columns of the CSV (a contract other tools read).
pub const ACCOUNTS_CSV_HEADER: [&str; 11] = [
    "city_id",
    "city",
    "sector",
    "channel",
    "account",
    "url",
    "page_url",
    "finding_id",
    "first_seen_run",
    "last_seen_run",
    "shared",
];

/// The accounts of the audits `m` was built from.
pub fn load(conn: &Connection, m: &Matrix) -> rusqlite::Result<Vec<AccountRow>> {
    let mut rows = Vec::new();
    if !crate::store::has_column(conn, "findings", "account")? {
        return Ok(rows); // a database from before accounts were recorded
    }
    let mut here = conn.prepare(
        "SELECT id, sector, channel, account, target, page_url FROM findings
         WHERE run_id = ?1 AND city_id = ?2 AND account IS NOT NULL AND strength IN ('strong', 'medium')
         ORDER BY id",
    )?;
    let mut seen_runs = conn.prepare(
        "SELECT MIN(run_id), MAX(run_id) FROM findings
         WHERE city_id = ?1 AND sector = ?2 AND channel = ?3 AND account = ?4 AND strength IN ('strong', 'medium')",
    )?;
    let columns: BTreeSet<&ChannelId> = m.channels.ids().collect();
    let position: BTreeMap<&ChannelId, usize> =
        m.channels.ids().enumerate().map(|(i, c)| (c, i)).collect();
    for c in &m.cities {
        let start = rows.len();
        let found = here.query_map(params![c.audit_run, c.id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
            ))
        })?;
        let mut taken = BTreeSet::new();
        for f in found {
            let (id, sector, channel, account, url, page_url) = f?;
            let (Ok(sector), channel) = (sector.parse::<Sector>(), ChannelId::new(channel)) else {
                continue;
            };
            if !columns.contains(&channel)
                || !taken.insert((sector, channel.clone(), account.clone()))
            {
                continue;
            }
            let (first, last): (i64, i64) = seen_runs.query_row(
                params![c.id, sector.as_str(), channel.as_str(), account],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            rows.push(AccountRow {
                city_id: c.id.clone(),
                city: c.name.clone(),
                sector,
                channel,
                account,
                url,
                page_url,
                finding_id: id,
                first_seen_run: first,
                last_seen_run: last,
                shared: false,
            });
        }
        // A city's sites are crawled side by side, so finding ids interleave between
        // sectors: the order is sector, channel (the matrix's), then first seen.
        rows[start..].sort_by_key(|r| (r.sector, position[&r.channel], r.finding_id));
    }
    let mut cities: BTreeMap<(ChannelId, String), BTreeSet<String>> = BTreeMap::new();
    for r in &rows {
        cities
            .entry((r.channel.clone(), r.account.clone()))
            .or_default()
            .insert(r.city_id.clone());
    }
    for r in &mut rows {
        r.shared = cities[&(r.channel.clone(), r.account.clone())].len() > 1;
    }
    Ok(rows)
}

/// The registry as CSV (UTF-8 with a BOM).
pub fn to_csv(rows: &[AccountRow]) -> Vec<u8> {
    super::formats::csv_with_bom(|w| {
        w.record(ACCOUNTS_CSV_HEADER);
        for r in rows {
            w.record([
                r.city_id.as_str(),
                &r.city,
                r.sector.as_str(),
                r.channel.as_str(),
                &r.account,
                &r.url,
                &r.page_url,
                &r.finding_id.to_string(),
                &r.first_seen_run.to_string(),
                &r.last_seen_run.to_string(),
                if r.shared { "yes" } else { "no" },
            ]);
        }
    })
}

/// The registry as JSON: `{"generated_at", "accounts": [row …]}`.
pub fn to_json(rows: &[AccountRow]) -> serde_json::Value {
    serde_json::json!({
        "generated_at": crate::store::runs::now(),
        "accounts": rows,
    })
}

/// The registry as Markdown, labelled in Chinese (`channels` names the channels).
pub fn to_md(rows: &[AccountRow], channels: &crate::model::Channels) -> String {
    let mut out = format!(
        "# 政务账号登记\n\n共 {} 个账号；“共用”：多个城市的页面都链接了它。\n\n| 城市 | 部门 | 渠道 | 账号 | 链接 | 所在页面 | 出现于第几轮 | 共用 |\n|---|---|---|---|---|---|---|---|\n",
        rows.len()
    );
    for r in rows {
        let channel = channels
            .get(r.channel.as_str())
            .map_or(r.channel.as_str(), |c| c.name.as_str());
        let _ = writeln!(
            out,
            "| {} {} | {} | {} | {} | {} | {} | {}–{} | {} |",
            r.city_id,
            r.city,
            r.sector.name_zh(),
            channel,
            r.account,
            r.url,
            r.page_url,
            r.first_seen_run,
            r.last_seen_run,
            if r.shared { "是" } else { "" }
        );
    }
    out
}

/// Accounts that appeared or disappeared between two matrices, for the cities both have.
pub fn changes(conn: &Connection, a: &Matrix, b: &Matrix) -> rusqlite::Result<Vec<Change>> {
    let (before, after) = (load(conn, a)?, load(conn, b)?);
    let key = |r: &AccountRow| {
        (
            r.city_id.clone(),
            r.sector,
            r.channel.clone(),
            r.account.clone(),
        )
    };
    let had: BTreeMap<_, &AccountRow> = before.iter().map(|r| (key(r), r)).collect();
    let has: BTreeMap<_, &AccountRow> = after.iter().map(|r| (key(r), r)).collect();
    let both: BTreeSet<&str> = a
        .cities
        .iter()
        .filter(|c| b.cities.iter().any(|x| x.id == c.id))
        .map(|c| c.id.as_str())
        .collect();
    let mut out = Vec::new();
    for (k, r) in &has {
        if both.contains(k.0.as_str()) && !had.contains_key(k) {
            out.push(change(r, "account-appeared", Value::No, Value::Yes));
        }
    }
    for (k, r) in &had {
        if both.contains(k.0.as_str()) && !has.contains_key(k) {
            out.push(change(r, "account-disappeared", Value::Yes, Value::No));
        }
    }
    Ok(out)
}

fn change(r: &AccountRow, what: &'static str, before: Value, after: Value) -> Change {
    Change {
        city_id: r.city_id.clone(),
        city: r.city.clone(),
        sector: r.sector,
        channel: r.channel.clone(),
        change: what,
        before,
        after,
        evidence: format!("account {} ({} on {})", r.account, r.url, r.page_url),
        // Accounts are what the machine read, never a reviewer's value.
        before_reviewed: false,
        after_reviewed: false,
    }
}
