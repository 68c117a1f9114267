//! Writing the matrix and the summary: CSV (with BOM, for Excel), JSON (a contract other
//! tools read), Markdown, and HTML with SVG charts (no JavaScript).

use super::matrix::{Matrix, Value};
use super::summary::{Share, Summary};
use crate::model::{ChannelId, Channels};
use std::fmt::Write as _;

/// Writes CSV through `write` into a buffer that starts with a UTF-8 BOM, so Excel
/// shows Chinese correctly. Every cell goes through [`neutralise`](crate::model::cell_text::neutralise):
/// no CSV the tool writes can carry a formula. Writing to memory cannot fail.
pub fn csv_with_bom(write: impl FnOnce(&mut CsvRows<'_>)) -> Vec<u8> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut rows = CsvRows {
            w: csv::Writer::from_writer(&mut out),
            header_written: false,
        };
        write(&mut rows);
        rows.w.flush().expect("in memory");
    }
    out
}

/// The rows of a CSV being written by [`csv_with_bom`]; its only ways in neutralise each
/// cell, so a caller cannot forget to.
pub struct CsvRows<'a> {
    w: csv::Writer<&'a mut Vec<u8>>,
    /// Whether [`CsvRows::serialize`] has written its header.
    header_written: bool,
}

impl CsvRows<'_> {
    /// Writes one row of cells.
    pub fn record<I, T>(&mut self, cells: I)
    where
        I: IntoIterator<Item = T>,
        T: AsRef<str>,
    {
        let cells: Vec<String> = cells
            .into_iter()
            .map(|c| crate::model::cell_text::neutralise(c.as_ref()).into_owned())
            .collect();
        self.w.write_record(&cells).expect("in memory");
    }

    /// Writes a struct as a row, its field names as the header before the first one.
    pub fn serialize<S: serde::Serialize>(&mut self, row: &S) {
        let mut scratch = csv::Writer::from_writer(Vec::new());
        scratch.serialize(row).expect("a flat struct");
        let bytes = scratch.into_inner().expect("in memory");
        let mut back = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(bytes.as_slice());
        let mut lines = back.records().map(|r| r.expect("written just now"));
        let (header, values) = (lines.next(), lines.next());
        if !self.header_written {
            self.header_written = true;
            self.w
                .write_record(header.iter().flatten())
                .expect("in memory");
        }
        self.record(values.iter().flatten());
    }
}

/// The long CSV's header (a contract).
pub const MATRIX_CSV_HEADER: [&str; 20] = [
    "city_id",
    "city",
    "province",
    "tier",
    "region",
    "sector",
    "channel",
    "value",
    "strength",
    "finding_count",
    "best_target",
    "best_page",
    "audit_run",
    "computed_value",
    "reviewed",
    "reviewer",
    "review_reason",
    "review_stale",
    "unknown_reason",
    "carried_forward_from",
];

/// The matrix as tidy long CSV, UTF-8 with a BOM.
pub fn matrix_csv(m: &Matrix) -> Vec<u8> {
    csv_with_bom(|w| {
        w.record(MATRIX_CSV_HEADER);
        for c in &m.cities {
            for cell in &c.cells {
                w.record([
                    c.id.as_str(),
                    &c.name,
                    &c.province,
                    c.tier.as_str(),
                    c.region.as_str(),
                    cell.sector.as_str(),
                    cell.channel.as_str(),
                    cell.value.as_str(),
                    cell.strength.map(|s| s.as_str()).unwrap_or(""),
                    &cell.finding_count.to_string(),
                    &cell.best_target,
                    &cell.best_page,
                    &c.audit_run.to_string(),
                    cell.computed.as_str(),
                    if cell.review.is_some() { "yes" } else { "no" },
                    cell.review.as_ref().map_or("", |r| r.reviewer.as_str()),
                    cell.review.as_ref().map_or("", |r| r.reason.as_str()),
                    match &cell.review {
                        Some(r) if r.stale => "yes",
                        Some(_) => "no",
                        None => "",
                    },
                    cell.unknown_reason(),
                    c.carried_forward.as_ref().map_or("", |f| f.date()),
                ]);
            }
        }
    })
}

/// The matrix in the documented JSON shape.
pub fn matrix_json(m: &Matrix) -> serde_json::Value {
    let cities: Vec<serde_json::Value> = m
        .cities
        .iter()
        .map(|c| {
            let mut channels = serde_json::Map::new();
            for s in &c.sectors {
                let mut row = serde_json::Map::new();
                for ch in m.channels.ids() {
                    let v = c.value(*s, ch).as_str();
                    row.insert(ch.as_str().into(), v.into());
                }
                channels.insert(s.as_str().into(), row.into());
            }
            let mut unknown = serde_json::Map::new();
            for cell in c.cells.iter().filter(|x| m.channels.contains(x.channel.as_str())) {
                if cell.computed == Value::Unknown {
                    let sector = unknown
                        .entry(cell.sector.as_str())
                        .or_insert_with(|| serde_json::json!({}));
                    sector[cell.channel.as_str()] = cell.unknown_reason().into();
                }
            }
            let mut reviews = serde_json::Map::new();
            for cell in c.cells.iter().filter(|x| m.channels.contains(x.channel.as_str())) {
                if let Some(r) = &cell.review {
                    let sector = reviews
                        .entry(cell.sector.as_str())
                        .or_insert_with(|| serde_json::json!({}));
                    sector[cell.channel.as_str()] = serde_json::json!({
                        "value": r.value, "computed": r.computed, "reviewer": r.reviewer,
                        "reason": r.reason, "decided_at": r.decided_at, "stale": r.stale,
                    });
                }
            }
            serde_json::json!({
                "id": c.id, "name": c.name, "province": c.province, "tier": c.tier, "region": c.region,
                "audit_run": c.audit_run, "status": c.status, "channels": channels, "reviews": reviews,
                "unknown_reasons": unknown,
                "carried_forward_from": c.carried_forward.as_ref().map(|f| f.date()),
                "failed_audit_run": c.carried_forward.as_ref().map(|f| f.failed_run),
            })
        })
        .collect();
    serde_json::json!({
        "generated_at": crate::store::runs::now(),
        "rules_version": m.rules_version,
        "cities": cities,
    })
}

/// A channel's column heading where people read it (md, html, xlsx): the Chinese name
/// the rules give it (csv and json keep the id).
pub(crate) fn heading(c: &crate::model::ChannelDef) -> String {
    c.name.clone()
}

/// A city as wide views name it: id and name, and when its values are carried forward
/// past a failed audit, `↩ 2026-09-01` (the date of the audit they come from).
pub(crate) fn city_label(c: &super::matrix::CityRow) -> String {
    match &c.carried_forward {
        Some(f) => format!("{} {} ↩ {}", c.id, c.name, f.date()),
        None => format!("{} {}", c.id, c.name),
    }
}

/// Per reason, the cities (and where only some of a sector's channels are unknown, the
/// channels) whose cells of sector `s` are unknown: the methods note under a table.
pub(crate) fn unknown_notes(m: &Matrix, s: crate::model::Sector) -> Vec<(String, Vec<String>)> {
    let mut by_reason: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for c in m.cities.iter().filter(|c| c.sectors.contains(&s)) {
        let unknown: Vec<&super::matrix::Cell> = c
            .cells
            .iter()
            .filter(|x| x.sector == s && x.computed == Value::Unknown)
            .filter(|x| m.channels.contains(x.channel.as_str()))
            .collect();
        let mut reasons: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
        for x in &unknown {
            reasons
                .entry(x.unknown_reason())
                .or_default()
                .push(x.channel.as_str());
        }
        for (reason, channels) in reasons {
            let who = if channels.len() == m.channels.len() {
                format!("{} {}", c.id, c.name)
            } else {
                format!("{} {} ({})", c.id, c.name, channels.join(", "))
            };
            by_reason.entry(reason.to_string()).or_default().push(who);
        }
    }
    by_reason.into_iter().collect()
}

/// The symbol of a cell in wide views.
pub(crate) fn mark(v: Value) -> &'static str {
    match v {
        Value::Yes => "✓",
        Value::No => "·",
        Value::Unknown => "?",
    }
}

/// A readable wide matrix: one table per sector, cities as rows, channels as columns.
pub fn matrix_md(m: &Matrix) -> String {
    let mut out = format!(
        "# 政务服务渠道开通矩阵\n\n规则 {}。✓ 已开通 · 未发现 ? 未知（原因见各表下方）；ᴿ 经人工审核（ᴿ* 审核后证据已变化）；↩ 日期：该城市最近一次审计未能访问其门户，数值沿用该日期的审计。共 {} 个城市。\n",
        m.rules_version,
        m.cities.len()
    );
    let sectors: std::collections::BTreeSet<_> = m
        .cities
        .iter()
        .flat_map(|c| c.sectors.iter().copied())
        .collect();
    for s in sectors {
        let _ = write!(out, "\n## {}\n\n| 城市 | 城市类型 | 地区 |", s.name_zh());
        for ch in m.channels.iter() {
            let _ = write!(out, " {} |", heading(ch));
        }
        out.push_str("\n|---|---|---|");
        out.push_str(&"---|".repeat(m.channels.len()));
        out.push('\n');
        for c in m.cities.iter().filter(|c| c.sectors.contains(&s)) {
            let _ = write!(
                out,
                "| {} | {} | {} |",
                city_label(c),
                c.tier.name_zh(),
                c.region.name_zh()
            );
            for ch in m.channels.ids() {
                let reviewed = c.cell(s, ch).and_then(|x| x.review.as_ref());
                let tag = match reviewed {
                    Some(r) if r.stale => "ᴿ*",
                    Some(_) => "ᴿ",
                    None => "",
                };
                let _ = write!(out, " {}{tag} |", mark(c.value(s, ch)));
            }
            out.push('\n');
        }
        let notes = unknown_notes(m, s);
        if !notes.is_empty() {
            out.push_str("\n未知及原因（Unknown, and why）：\n");
            for (reason, cities) in notes {
                let _ = writeln!(out, "- `{reason}`: {}", cities.join(", "));
            }
        }
    }
    out
}

/// The summary tables as Markdown.
pub fn summary_md(s: &Summary) -> String {
    let mut out = format!(
        "# 政务服务渠道开通情况\n\n{} 个城市；规则 {}；比例以该渠道情况已知的城市为分母（括号内为 开通数/已知数）。\n",
        s.cities, s.rules_version
    );
    let tables = tables_and_columns(s);
    for (t, columns) in tables {
        let _ = write!(out, "\n## {}\n\n| 城市组 |", t.title_zh);
        for (_, name) in &columns {
            let _ = write!(out, " {name} |");
        }
        out.push_str("\n|---|");
        out.push_str(&"---|".repeat(columns.len()));
        out.push('\n');
        for r in &t.rows {
            let _ = write!(out, "| {} |", r.label_zh);
            for (id, _) in &columns {
                let _ = write!(out, " {} |", r.shares[id].label());
            }
            out.push('\n');
        }
        if !t.notes.is_empty() {
            out.push('\n');
            for n in &t.notes {
                let _ = writeln!(out, "{n}  ");
            }
        }
    }
    out
}

/// Every table of the summary with its columns (id and heading): the channel tables,
/// then the inspection checks' shares.
fn tables_and_columns(s: &Summary) -> Vec<(&super::summary::Table, Vec<(ChannelId, String)>)> {
    let channels: Vec<(ChannelId, String)> = s
        .channels
        .iter()
        .map(|c| (c.id.clone(), heading(c)))
        .collect();
    s.tables
        .iter()
        .map(|t| (t, channels.clone()))
        .chain(s.checks.iter().map(|t| (t, check_columns())))
        .collect()
}

/// The inspection checks as summary columns: id and the name people read (each check's
/// passing share, then the failing shares inspections report for links and availability).
fn check_columns() -> Vec<(ChannelId, String)> {
    use super::inspection::{CHECK_NAMES, FAILING_SHOWN, check_channel, failing_channel};
    let passing = CHECK_NAMES.iter().zip([
        "网站标识",
        "首页更新",
        "互动回应",
        "域名",
        "链接可用",
        "网站可访问",
    ]);
    let failing = FAILING_SHOWN.iter().zip(["首页确认断链", "可访问性不达标"]);
    passing
        .map(|(name, zh)| (check_channel(name), (*zh).to_string()))
        .chain(failing.map(|(name, zh)| (failing_channel(name), (*zh).to_string())))
        .collect()
}

/// The summary as CSV (`table,group,channel,yes,known,share`), with a BOM.
pub fn summary_csv(s: &Summary) -> Vec<u8> {
    csv_with_bom(|w| {
        w.record(["table", "group", "channel", "yes", "known", "share"]);
        for (t, columns) in tables_and_columns(s) {
            for r in &t.rows {
                for (ch, _) in &columns {
                    let sh = r.shares[ch];
                    w.record([
                        t.title.as_str(),
                        &r.group,
                        ch.as_str(),
                        &sh.yes.to_string(),
                        &sh.known.to_string(),
                        &sh.fraction().map(|f| format!("{f:.4}")).unwrap_or_default(),
                    ]);
                }
            }
        }
    })
}

/// Escapes text for a Markdown table cell: HTML-escaped, pipes and line breaks
/// neutralised, so a page's text cannot add columns, rows or markup.
pub(crate) fn md_cell(s: &str) -> String {
    esc(s).replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// Escapes text for HTML element content and attribute values.
pub(crate) fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A grouped bar chart (SVG): one group of bars per channel, one bar per series.
pub(crate) fn bar_chart(
    title: &str,
    channels: &Channels,
    series: &[(String, Vec<Share>)],
) -> String {
    const COLORS: [&str; 6] = [
        "#1f6fb2", "#e07b39", "#4a9a4a", "#8b5fbf", "#b8860b", "#5f9ea0",
    ];
    // Wide enough for every channel's Chinese name under its bars (72 px a channel).
    let groups = channels.len().max(1) as f64;
    let (w, h, left, bottom, top) = ((72.0 * groups + 60.0).max(900.0), 300.0, 40.0, 40.0, 30.0);
    let gw = (w - left - 10.0) / groups;
    let bw = (gw - 12.0) / series.len().max(1) as f64;
    let plot_h = h - bottom - top;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"{t}\"><title>{t}</title><text x=\"{left}\" y=\"18\" font-size=\"14\" font-weight=\"bold\">{t}</text>",
        t = esc(title)
    );
    for pct in [0, 25, 50, 75, 100] {
        let y = top + plot_h * (1.0 - f64::from(pct) / 100.0);
        let _ = write!(
            svg,
            "<line x1=\"{left}\" x2=\"{w}\" y1=\"{y}\" y2=\"{y}\" stroke=\"#ddd\"/><text x=\"4\" y=\"{}\" font-size=\"10\">{pct}%</text>",
            y + 3.0
        );
    }
    for (gi, ch) in channels.iter().enumerate() {
        let gx = left + gi as f64 * gw + 6.0;
        for (si, (name, shares)) in series.iter().enumerate() {
            let sh = shares[gi];
            let f = sh.fraction().unwrap_or(0.0);
            let bh = plot_h * f;
            let x = gx + si as f64 * bw;
            if sh.known == 0 {
                // No city of this group has a known cell: say so rather than draw a 0 %.
                let _ = write!(
                    svg,
                    "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"9\" fill=\"#888\" text-anchor=\"middle\">n/a</text>",
                    x + bw / 2.0 - 1.0,
                    top + plot_h - 3.0
                );
                continue;
            }
            let _ = write!(
                svg,
                "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{bh:.1}\" fill=\"{}\"><title>{}: {} {}</title></rect>",
                top + plot_h - bh,
                bw - 2.0,
                COLORS[si % COLORS.len()],
                esc(name),
                esc(&ch.name),
                sh.label()
            );
        }
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\">{}</text>",
            gx + gw / 2.0 - 6.0,
            h - bottom + 16.0,
            esc(&ch.name)
        );
    }
    for (si, (name, _)) in series.iter().enumerate() {
        let x = left + si as f64 * 170.0;
        let _ = write!(
            svg,
            "<rect x=\"{x}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{}\"/><text x=\"{}\" y=\"{}\" font-size=\"11\">{}</text>",
            h - 14.0,
            COLORS[si % COLORS.len()],
            x + 14.0,
            h - 5.0,
            esc(name)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// The summary as a standalone HTML page with charts by tier and by region.
pub fn summary_html(s: &Summary) -> String {
    let series_of = |ti: usize, channels: &Channels| -> Vec<(String, Vec<Share>)> {
        s.tables[ti]
            .rows
            .iter()
            .map(|r| {
                (
                    r.label_zh.clone(),
                    channels.ids().map(|c| r.shares[c]).collect(),
                )
            })
            .collect()
    };
    let mut html = String::from(
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>政务服务渠道开通情况</title><style>body{font-family:sans-serif;margin:2em;max-width:1200px}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th{white-space:nowrap;word-break:keep-all}th:first-child,td:first-child{text-align:left;white-space:nowrap}</style></head><body>",
    );
    let _ = write!(
        html,
        "<h1>政务服务渠道开通情况</h1><p>{} 个城市；规则 {}；生成于 {}。比例以该渠道情况已知的城市为分母，括号内为 开通数/已知数。</p>",
        s.cities,
        esc(&s.rules_version),
        esc(&s.generated_at)
    );
    // One chart group per channel group (the survey's seven, new media …).
    let mut groups: Vec<&str> = Vec::new();
    for c in s.channels.iter() {
        if !groups.contains(&c.group.as_str()) {
            groups.push(&c.group);
        }
    }
    for g in groups {
        let cs = s.channels.filtered(|c| c.group == g);
        let _ = write!(html, "<h2>渠道：{}</h2>", esc(g));
        html.push_str(&bar_chart(
            &format!("政府门户网站各渠道开通比例，按城市类型（{g}）"),
            &cs,
            &series_of(0, &cs),
        ));
        html.push_str(&bar_chart(
            &format!("政府门户网站各渠道开通比例，按地区（{g}）"),
            &cs,
            &series_of(1, &cs),
        ));
        if let Some(last) = s.tables.len().checked_sub(1) {
            html.push_str(&bar_chart(
                &format!("五个部门平均开通比例，按城市类型（{g}）"),
                &cs,
                &series_of(last, &cs),
            ));
        }
    }
    let tables = tables_and_columns(s);
    for (t, columns) in tables {
        let _ = write!(
            html,
            "<h2>{}</h2><table><tr><th>城市组</th>",
            esc(&t.title_zh)
        );
        for (_, name) in &columns {
            let _ = write!(html, "<th>{}</th>", esc(name));
        }
        html.push_str("</tr>");
        for r in &t.rows {
            let _ = write!(html, "<tr><td>{}</td>", esc(&r.label_zh));
            for (id, _) in &columns {
                let _ = write!(html, "<td>{}</td>", r.shares[id].label());
            }
            html.push_str("</tr>");
        }
        html.push_str("</table>");
        for n in &t.notes {
            let _ = write!(html, "<p>{}</p>", esc(n));
        }
    }
    html.push_str("</body></html>");
    html
}
