//! `export inspection` written out: one flat row per site (CSV with BOM, Markdown, an
//! HTML page, an xlsx sheet), all from [`columns`], so every format shows the same
//! figures. Text from pages (an organiser's name, an item's title) is neutralised in
//! CSV, escaped in HTML and Markdown, and written as strings in xlsx.

use super::formats::esc;
use super::inspection::{SiteRow, passing};
use std::fmt::Write as _;

/// The CSV's columns (a contract other tools read), in order.
pub const INSPECTION_CSV_HEADER: [&str; 33] = [
    "city_id",
    "city",
    "tier",
    "region",
    "sector",
    "site",
    "origin",
    "outcome",
    "run",
    "identity",
    "site_code",
    "organizer",
    "icp",
    "psb",
    "conac",
    "error_report",
    "identity_missing",
    "identity_inconsistent",
    "identity_page",
    "freshness",
    "newest",
    "age_days",
    "newest_item",
    "newest_page",
    "stale_columns",
    "future_dated",
    "replies",
    "letters",
    "replied",
    "median_days",
    "max_days",
    "late",
    "overdue",
];

/// The domain check's two columns and the reviews: [`INSPECTION_CSV_HEADER`] then these.
pub const DOMAIN_COLUMNS: [&str; 3] = ["domain", "domain_problem", "reviews"];

/// The links and availability checks' columns, last (after the reviews, so the columns
/// before keep their places).
pub const NETWORK_COLUMNS: [&str; 12] = [
    "links",
    "links_checked",
    "links_broken",
    "links_confirmed",
    "links_blocked",
    "links_broken_share",
    "broken_links",
    "reachability",
    "probes",
    "probes_failed",
    "probes_failed_share",
    "probe_days",
];

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

fn yes_no(b: bool) -> String {
    (if b { "yes" } else { "no" }).to_string()
}

/// A site's row as the flat columns of [`INSPECTION_CSV_HEADER`] and [`DOMAIN_COLUMNS`].
pub fn columns(r: &SiteRow) -> Vec<String> {
    let c = &r.checks;
    let id = &c.identity.identity;
    let f = &c.freshness;
    let rp = &c.replies;
    let value = |x: &Option<crate::page::inspect::identity::Field>| {
        x.as_ref().map(|x| x.value.clone()).unwrap_or_default()
    };
    vec![
        r.city.clone(),
        r.city_name.clone(),
        r.tier.as_str().to_string(),
        r.region.as_str().to_string(),
        r.sector.as_str().to_string(),
        r.site.clone(),
        r.origin.clone(),
        r.outcome.clone(),
        r.run.to_string(),
        id.verdict.as_str().to_string(),
        value(&id.site_code),
        value(&id.organizer),
        value(&id.icp),
        value(&id.psb),
        yes_no(id.conac),
        yes_no(id.error_report),
        id.missing.join(" "),
        id.inconsistent.join("; "),
        opt(c.identity.page.as_ref()),
        f.verdict.as_str().to_string(),
        opt(f.newest),
        opt(f.age_days),
        opt(f.item.as_ref().map(|i| &i.item.text)),
        opt(f.item.as_ref().map(|i| &i.page)),
        f.stale_columns
            .iter()
            .map(|s| {
                format!(
                    "{} ({}, {} days > {}) {}",
                    s.name, s.class, s.age_days, s.max_days, s.page
                )
            })
            .collect::<Vec<_>>()
            .join("; "),
        f.future_dated
            .iter()
            .map(|i| format!("{} {} {}", i.item.date, i.item.text, i.page))
            .collect::<Vec<_>>()
            .join("; "),
        rp.verdict.as_str().to_string(),
        rp.letters.to_string(),
        rp.replied.to_string(),
        opt(rp.median_days),
        opt(rp.max_days),
        rp.late.to_string(),
        rp.overdue.to_string(),
        c.domain.verdict.as_str().to_string(),
        c.domain.problem.clone().unwrap_or_default(),
        r.reviews
            .iter()
            .map(|(check, rv)| {
                format!(
                    "{check}={} by {} (computed {}{})",
                    rv.verdict.as_str(),
                    rv.reviewer,
                    rv.computed.as_str(),
                    if rv.stale { ", stale" } else { "" }
                )
            })
            .collect::<Vec<_>>()
            .join("; "),
        c.links.verdict.as_str().to_string(),
        c.links.checked.to_string(),
        c.links.broken.to_string(),
        c.links.confirmed.to_string(),
        c.links.blocked.to_string(),
        opt(c.links.broken_share.map(|s| format!("{s:.4}"))),
        c.links
            .list
            .iter()
            .map(|l| {
                format!(
                    "{} -> {} ({}, {}) on {}",
                    l.text,
                    l.target,
                    l.error.as_deref().unwrap_or("broken"),
                    l.state.map_or("", |s| s.as_str()),
                    l.page
                )
            })
            .collect::<Vec<_>>()
            .join("; "),
        c.reachability.verdict.as_str().to_string(),
        c.reachability.probes.to_string(),
        c.reachability.failed.to_string(),
        opt(c.reachability.share.map(|s| format!("{s:.4}"))),
        c.reachability.days.to_string(),
    ]
}

/// Every column name, in order.
pub fn header() -> impl Iterator<Item = &'static str> {
    INSPECTION_CSV_HEADER
        .into_iter()
        .chain(DOMAIN_COLUMNS)
        .chain(NETWORK_COLUMNS)
}

/// The export as CSV (UTF-8 with a BOM).
pub fn to_csv(rows: &[SiteRow]) -> Vec<u8> {
    super::formats::csv_with_bom(|w| {
        w.record(header());
        for r in rows {
            w.record(columns(r));
        }
    })
}

/// The export as Markdown: the passing shares, then a row per site.
pub fn to_md(rows: &[SiteRow]) -> String {
    let mut out = format!(
        "# 政府网站检查\n\n共 {} 个网站。通过数/可判定数：",
        rows.len()
    );
    for (name, share) in passing(rows.iter()) {
        let _ = write!(out, " {name} {}/{}；", share.yes, share.known);
    }
    out.push_str("\n\n| 城市 | 部门 | 网站 | 标识 | 缺项 | 更新 | 最新 | 天数 | 过期栏目 | 回应 | 信件 | 超期 | 域名 | 链接 | 错链 | 可访问 | 失败/探测 |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for r in rows {
        let c = &r.checks;
        let cells = [
            r.city_name.clone(),
            r.sector.name_zh().to_string(),
            r.site.clone(),
            c.identity.identity.verdict.as_str().to_string(),
            c.identity.identity.missing.join(" "),
            c.freshness.verdict.as_str().to_string(),
            opt(c.freshness.newest),
            opt(c.freshness.age_days),
            c.freshness.stale_columns.len().to_string(),
            c.replies.verdict.as_str().to_string(),
            c.replies.letters.to_string(),
            (c.replies.late + c.replies.overdue).to_string(),
            c.domain.verdict.as_str().to_string(),
            c.links.verdict.as_str().to_string(),
            format!("{} ({} confirmed)", c.links.broken, c.links.confirmed),
            c.reachability.verdict.as_str().to_string(),
            format!("{}/{}", c.reachability.failed, c.reachability.probes),
        ];
        out.push('|');
        for cell in cells {
            let _ = write!(out, " {} |", super::formats::md_cell(&cell));
        }
        out.push('\n');
    }
    out
}

/// The export as one HTML page (no script): the passing shares and a table of every
/// column.
pub fn to_html(rows: &[SiteRow]) -> String {
    let mut html = String::from(
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>政府网站检查</title><style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 6px;font-size:13px;vertical-align:top}td.no{background:#fdd}td.yes{background:#dfd}</style></head><body><h1>政府网站检查</h1><ul>",
    );
    for (name, share) in passing(rows.iter()) {
        let _ = write!(html, "<li>{name}: {}/{}</li>", share.yes, share.known);
    }
    html.push_str("</ul><table><tr>");
    for h in header() {
        let _ = write!(html, "<th>{}</th>", esc(h));
    }
    html.push_str("</tr>");
    let verdicts = super::inspection::CHECK_NAMES;
    for r in rows {
        html.push_str("<tr>");
        for (h, v) in header().zip(columns(r)) {
            let class = if verdicts.contains(&h) {
                v.as_str()
            } else {
                ""
            };
            if v.starts_with("http://") || v.starts_with("https://") {
                let _ = write!(
                    html,
                    "<td><a href=\"{}\" rel=\"noreferrer\">{}</a></td>",
                    esc(&v),
                    esc(&v)
                );
            } else {
                let _ = write!(html, "<td class=\"{}\">{}</td>", esc(class), esc(&v));
            }
        }
        html.push_str("</tr>");
    }
    html.push_str("</table></body></html>");
    html
}
