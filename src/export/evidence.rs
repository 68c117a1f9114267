//! The reviewers' evidence pack: a folder that opens offline in any browser.
//!
//! `index.html` shows the matrix; every cell links to its section on the city's page,
//! which lists the findings (strength, rule, page, target, text, snippet, fetch time,
//! sha256) and the failures; each finding links to the archived copy of its page, made
//! from the stored body by `super::inert` (nothing runs, nothing is fetched), with a
//! banner saying where and when it was fetched and the evidence elements highlighted.
//! Inerting never removes an element, so the CSS paths stored with findings still select them.
//!
//! The pack owns what it writes into its folder and lists it in [`MANIFEST`]; it is
//! written whole beside its folder and only then put in its place (`super::pack_dir`), so
//! a failed export leaves the previous pack as it was and nothing else behind. A folder
//! holding anything but an earlier pack is refused rather than mixed with.

use super::formats::{esc, mark};
use super::inert::{Mark, inert_page};
use super::matrix::{CityRow, Matrix};
use crate::model::Sector;
use rusqlite::{Connection, params};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// A finding with what a reviewer needs to judge it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FindingRow {
    pub id: i64,
    pub run_id: i64,
    pub city_id: String,
    pub sector: String,
    pub channel: String,
    pub strength: String,
    pub rule: String,
    pub page_url: String,
    pub target: String,
    pub text: String,
    pub snippet: String,
    pub fetched_at: String,
    pub body_sha256: String,
    pub path: String,
}

/// A site that failed.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Failure {
    pub sector: String,
    pub start_url: String,
    pub outcome: String,
    pub error: String,
}

/// What a [`FindingRow`] is read from (append a `WHERE`).
const FINDING_SELECT: &str = "SELECT f.id, f.run_id, f.city_id, f.sector, f.channel, f.strength, f.rule, f.page_url, f.target, f.text, f.snippet,
        fe.started_at, COALESCE(f.body_sha256, ''), f.path
 FROM findings f JOIN fetches fe ON fe.id = f.fetch_id";

fn finding_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<FindingRow> {
    Ok(FindingRow {
        id: r.get(0)?,
        run_id: r.get(1)?,
        city_id: r.get(2)?,
        sector: r.get(3)?,
        channel: r.get(4)?,
        strength: r.get(5)?,
        rule: r.get(6)?,
        page_url: r.get(7)?,
        target: r.get(8)?,
        text: r.get(9)?,
        snippet: r.get(10)?,
        fetched_at: r.get(11)?,
        body_sha256: r.get(12)?,
        path: r.get(13)?,
    })
}

/// The findings of the audits a matrix was built from.
pub fn findings(conn: &Connection, m: &Matrix) -> rusqlite::Result<Vec<FindingRow>> {
    let mut out = Vec::new();
    let mut st = conn.prepare(&format!(
        "{FINDING_SELECT} WHERE f.run_id = ?1 AND f.city_id = ?2 ORDER BY f.id"
    ))?;
    for c in &m.cities {
        for r in st.query_map(params![c.audit_run, c.id], finding_row)? {
            out.push(r?);
        }
    }
    Ok(out)
}

/// The findings of one cell in an audit run, strongest first.
pub(crate) fn cell_findings(
    conn: &Connection,
    run: i64,
    city: &str,
    sector: &str,
    channel: &str,
) -> rusqlite::Result<Vec<FindingRow>> {
    let mut st = conn.prepare_cached(&format!(
        "{FINDING_SELECT} WHERE f.run_id = ?1 AND f.city_id = ?2 AND f.sector = ?3 AND f.channel = ?4
         ORDER BY CASE f.strength WHEN 'strong' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END, f.id"
    ))?;
    let rows = st.query_map(params![run, city, sector, channel], finding_row)?;
    rows.collect()
}

/// Every finding made on one stored body (in any run), oldest first.
pub(crate) fn body_findings(conn: &Connection, sha: &str) -> rusqlite::Result<Vec<FindingRow>> {
    let mut st = conn.prepare_cached(&format!(
        "{FINDING_SELECT} WHERE f.body_sha256 = ?1 ORDER BY f.id"
    ))?;
    let rows = st.query_map([sha], finding_row)?;
    rows.collect()
}

/// The archived (inert) copy of a stored body, with its banner, each finding's element
/// given its anchor from [`element_anchors`]. `None` when the body is not stored or not
/// text. `fs` are findings on this body.
pub(crate) fn archived_page(
    conn: &Connection,
    sha: &str,
    fs: &[&FindingRow],
    anchors: &BTreeMap<i64, String>,
) -> Result<Option<String>, super::ExportError> {
    let (ct, charset) = fetch_encoding(conn, sha)?;
    let Some(text) = crate::store::bodies::page_text(conn, sha, ct.as_deref(), charset.as_deref())?
    else {
        return Ok(None);
    };
    let Some(first) = fs.first() else {
        return Ok(None);
    };
    let banner = format!(
        "Archived copy (inert) of {} fetched {} · sha256 {} · evidence: {}",
        first.page_url,
        first.fetched_at,
        sha,
        fs.iter()
            .map(|f| format!("{} ({})", f.channel, f.rule))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let marks: Vec<Mark<'_>> = fs
        .iter()
        .filter_map(|f| {
            Some(Mark {
                path: &f.path,
                anchor: anchors.get(&f.id)?,
                label: &f.text,
            })
        })
        .collect();
    let page_url = url::Url::parse(&first.page_url).ok();
    Ok(Some(inert_page(&text, page_url.as_ref(), &banner, &marks)))
}

/// The sites of a city that failed in a run (all sectors).
pub fn failures(conn: &Connection, run: i64, city: &str) -> rusqlite::Result<Vec<Failure>> {
    let mut st = conn.prepare(
        "SELECT sector, start_url, outcome, COALESCE(error, '') FROM sites WHERE run_id = ?1 AND city_id = ?2 AND outcome != 'ok' ORDER BY id",
    )?;
    let rows = st.query_map(params![run, city], |r| {
        Ok(Failure {
            sector: r.get(0)?,
            start_url: r.get(1)?,
            outcome: r.get(2)?,
            error: r.get(3)?,
        })
    })?;
    rows.collect()
}

/// `findings.csv` (UTF-8 with BOM).
pub(crate) fn findings_csv(rows: &[FindingRow]) -> Vec<u8> {
    super::formats::csv_with_bom(|w| {
        for r in rows {
            w.serialize(r);
        }
    })
}

/// Writes the pack into `dir` (created if needed). Returns the number of city pages.
pub fn write_pack(
    conn: &Connection,
    m: &Matrix,
    dir: &Path,
) -> Result<PackReport, super::ExportError> {
    let rules = crate::page::detect::rules::builtin_inspection();
    let checks = super::inspection::load(conn, m, &rules)?;
    write_pack_with(conn, m, &checks, dir)
}

/// [`write_pack`] with the inspection checks given (reviewers' decisions applied).
pub fn write_pack_with(
    conn: &Connection,
    m: &Matrix,
    check_rows: &[super::inspection::SiteRow],
    dir: &Path,
) -> Result<PackReport, super::ExportError> {
    let (mut pack, cleared) = super::pack_dir::PackDir::open(dir)?;
    let rows = findings(conn, m)?;
    pack.write("findings.csv", &findings_csv(&rows))?;
    let mut by_city: BTreeMap<&str, Vec<&FindingRow>> = BTreeMap::new();
    for r in &rows {
        by_city.entry(r.city_id.as_str()).or_default().push(r);
    }
    // Archived pages: one per stored body; a finding's link opens it at its element.
    let mut by_body: BTreeMap<&str, Vec<&FindingRow>> = BTreeMap::new();
    for r in rows.iter().filter(|r| !r.body_sha256.is_empty()) {
        by_body.entry(r.body_sha256.as_str()).or_default().push(r);
    }
    let link_of = element_anchors(by_body.values().map(Vec::as_slice));
    for (sha, fs) in &by_body {
        let Some(page) = archived_page(conn, sha, fs, &link_of)? else {
            continue;
        };
        let mut out = b"\xEF\xBB\xBF".to_vec();
        out.extend_from_slice(page.as_bytes());
        pack.write(&format!("pages/{sha}.html"), &out)?;
    }
    pack.write("index.html", index_html(m).as_bytes())?;
    // The inspection checks, with the archived pages their evidence sits on.
    let runs: BTreeMap<String, i64> = m
        .cities
        .iter()
        .map(|c| (c.id.clone(), c.audit_run))
        .collect();
    let check_links = super::evidence_checks::write_pages(conn, &runs, check_rows, &mut pack)?;
    // A page per city (databases from before schema 3 record no site origins).
    let with_origin = crate::store::has_column(conn, "sites", "origin")?;
    let empty = Vec::new();
    for c in &m.cities {
        let fs = by_city.get(c.id.as_str()).unwrap_or(&empty);
        let sites = if with_origin {
            sites_of(conn, c.audit_run, &c.id)?
        } else {
            Vec::new()
        };
        let fails = failures(conn, c.audit_run, &c.id)?;
        let mut page = city_html(m, c, &sites, &fails, fs, &link_of);
        let mine: Vec<&super::inspection::SiteRow> =
            check_rows.iter().filter(|r| r.city == c.id).collect();
        let at = page.rfind("</body>").unwrap_or(page.len());
        page.insert_str(at, &super::evidence_checks::section(&mine, &check_links));
        pack.write(&city_file(&c.id), page.as_bytes())?;
    }
    let written = pack.finish()?;
    Ok(PackReport {
        cities: m.cities.len(),
        files: written,
        cleared,
    })
}

/// The file name of a city's page: `city-<id>.html`, every character of the id outside
/// `A-Z a-z 0-9 - _` written as `~` and its UTF-8 bytes in hex, so that no id, however
/// it reached the database, names a path outside the pack or breaks the HTML around it,
/// and two ids never share a file.
pub fn city_file(id: &str) -> String {
    let mut out = String::from("city-");
    for c in id.chars() {
        if crate::model::city::is_id_char(c) {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                let _ = write!(out, "~{b:02X}");
            }
        }
    }
    out.push_str(".html");
    out
}

/// The pack's index: the matrix, every cell a link to its evidence.
fn index_html(m: &Matrix) -> String {
    let mut index = String::from(
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>Evidence pack</title><style>body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;text-align:center}th{white-space:nowrap;word-break:keep-all}td.c{text-align:left;white-space:nowrap}a{text-decoration:none}.yes{background:#d7f5d7}.unknown{background:#eee}</style></head><body>",
    );
    let _ = write!(
        index,
        "<h1>证据包 Evidence pack</h1><p>规则 {}。✓ 已开通（点击查看证据） · 未发现 ? 未知（原因见各表下方）；ᴿ 人工审核的值（ᴿ* 审核后证据已变化）；↩ 日期：该城市最近一次审计未能访问其门户，数值沿用该日期的审计。<a href=\"findings.csv\">findings.csv</a></p>",
        esc(&m.rules_version)
    );
    let sectors: std::collections::BTreeSet<Sector> = m
        .cities
        .iter()
        .flat_map(|c| c.sectors.iter().copied())
        .collect();
    for s in &sectors {
        let _ = write!(index, "<h2>{}</h2><table><tr><th>城市</th>", s.name_zh());
        for ch in m.channels.iter() {
            let _ = write!(index, "<th>{}</th>", esc(&super::formats::heading(ch)));
        }
        index.push_str("</tr>");
        for c in m.cities.iter().filter(|c| c.sectors.contains(s)) {
            let _ = write!(
                index,
                "<tr><td class=\"c\"><a href=\"{file}\">{}</a></td>",
                esc(&super::formats::city_label(c)),
                file = city_file(&c.id),
            );
            for ch in m.channels.ids() {
                let v = c.value(*s, ch);
                let review = c.cell(*s, ch).and_then(|x| x.review.as_ref());
                let _ = write!(
                    index,
                    "<td class=\"{}\"><a href=\"{}#{}-{}\">{}{}</a></td>",
                    v.as_str(),
                    city_file(&c.id),
                    s,
                    ch.as_str(),
                    mark(v),
                    match review {
                        Some(r) if r.stale => "ᴿ*",
                        Some(_) => "ᴿ",
                        None => "",
                    }
                );
            }
            index.push_str("</tr>");
        }
        index.push_str("</table>");
        let notes = super::formats::unknown_notes(m, *s);
        if !notes.is_empty() {
            index.push_str("<p>未知及原因：</p><ul class=\"unknown-reasons\">");
            for (reason, cities) in notes {
                let _ = write!(
                    index,
                    "<li><code>{}</code>: {}</li>",
                    esc(&reason),
                    esc(&cities.join(", "))
                );
            }
            index.push_str("</ul>");
        }
    }
    index.push_str("</body></html>");
    index
}

/// A city's page: its sites, its failures, and every cell with its findings.
fn city_html(
    m: &Matrix,
    c: &CityRow,
    sites: &[SiteLine],
    fails: &[Failure],
    fs: &[&FindingRow],
    link_of: &BTreeMap<i64, String>,
) -> String {
    let mut page = format!(
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{name} evidence</title><style>body{{font-family:sans-serif;margin:1.5em;max-width:1400px}}table{{border-collapse:collapse;width:100%}}td,th{{border:1px solid #ccc;padding:3px 6px;vertical-align:top;font-size:13px;overflow-wrap:break-word}}td.w{{min-width:14em}}td.n{{white-space:nowrap}}td.u{{overflow-wrap:anywhere;min-width:16em}}td.h{{overflow-wrap:anywhere;min-width:9em;font-family:monospace;font-size:11px}}:target{{background:#ffe066}}</style></head><body><p><a href=\"index.html\">← matrix</a></p><h1>{id} {name}</h1><p>{province} · {tier} · {region} · audit run {run} · portal {status}</p>",
        name = esc(&c.name),
        id = esc(&c.id),
        province = esc(&c.province),
        tier = c.tier.name_zh(),
        region = c.region.name_zh(),
        run = c.audit_run,
        status = c.status
    );
    page.push_str("<h2>Sites</h2><table><tr><th>sector</th><th>start URL</th><th>origin</th><th>named by</th><th>outcome</th></tr>");
    for (sector, start, origin, from, text, outcome) in sites {
        let named = match (from, text) {
            (Some(f), Some(t)) => format!("{} on {}", esc(t), esc(f)),
            _ => String::new(),
        };
        let _ = write!(
            page,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{named}</td><td>{}</td></tr>",
            esc(sector),
            esc(start),
            esc(origin),
            esc(outcome)
        );
    }
    page.push_str("</table>");
    if !fails.is_empty() {
        page.push_str("<h2>Failures</h2><table><tr><th>sector</th><th>start URL</th><th>outcome</th><th>error</th></tr>");
        for f in fails {
            let _ = write!(
                page,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&f.sector),
                esc(&f.start_url),
                esc(&f.outcome),
                esc(&f.error)
            );
        }
        page.push_str("</table>");
    }
    for s in &c.sectors {
        let _ = write!(page, "<h2>{s}</h2>");
        for ch in m.channels.ids() {
            let v = c.value(*s, ch);
            let mut why = c
                .cell(*s, ch)
                .and_then(|x| x.reason.as_deref())
                .map(|r| format!(" ({})", esc(r)))
                .unwrap_or_default();
            if let Some(r) = c.cell(*s, ch).and_then(|x| x.review.as_ref()) {
                let _ = write!(
                    why,
                    " (reviewed by {} at {}: {}; computed {}{})",
                    esc(&r.reviewer),
                    esc(&r.decided_at),
                    esc(&r.reason),
                    r.computed.as_str(),
                    if r.stale {
                        "; stale: the evidence changed since"
                    } else {
                        ""
                    }
                );
            }
            let _ = write!(
                page,
                "<h3 id=\"{s}-{ch}\">{ch}: {}{why}</h3>",
                v.as_str(),
                ch = ch.as_str()
            );
            let mine: Vec<&&FindingRow> = fs
                .iter()
                .filter(|f| f.sector == s.as_str() && f.channel == ch.as_str())
                .collect();
            if mine.is_empty() {
                page.push_str("<p>No findings.</p>");
                continue;
            }
            page.push_str("<table><tr><th>strength</th><th>rule</th><th>evidence</th><th>page</th><th>target</th><th>text</th><th>snippet</th><th>fetched</th><th>sha256</th></tr>");
            for f in mine {
                let _ = write!(
                    page,
                    "<tr><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\"><a href=\"pages/{sha}.html#{}\">archived page</a></td><td class=\"u\">{}</td><td class=\"u\">{}</td><td class=\"w\">{}</td><td class=\"w\">{}</td><td class=\"n\">{}</td><td class=\"h\">{}</td></tr>",
                    f.strength,
                    esc(&f.rule),
                    link_of.get(&f.id).map_or("", String::as_str),
                    esc(&f.page_url),
                    esc(&f.target),
                    esc(&f.text),
                    esc(&f.snippet),
                    esc(&f.fetched_at),
                    &f.body_sha256.get(..12).unwrap_or(""),
                    sha = f.body_sha256
                );
            }
            page.push_str("</table>");
        }
    }
    page.push_str("</body></html>");
    page
}

/// The fragment naming a finding in its archived page.
pub fn anchor(finding: i64) -> String {
    format!("finding-{finding}")
}

/// For every finding, the anchor of its element in its archived page: findings on the
/// same element share the first one's (an element has one id).
pub(crate) fn element_anchors<'a>(
    bodies: impl IntoIterator<Item = &'a [&'a FindingRow]>,
) -> BTreeMap<i64, String> {
    let mut out = BTreeMap::new();
    for fs in bodies {
        let mut first: BTreeMap<&str, i64> = BTreeMap::new();
        for f in fs {
            let id = *first.entry(f.path.as_str()).or_insert(f.id);
            out.insert(f.id, anchor(id));
        }
    }
    out
}

pub use super::pack_dir::MANIFEST;

/// What writing a pack did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackReport {
    pub cities: usize,
    /// Files written (the manifest included).
    pub files: usize,
    /// Files of an earlier pack in the same folder that the new pack replaced.
    pub cleared: usize,
}

/// A city's sites in a run: sector, start URL, origin (seeded or discovered), the page
/// and link that named a discovered one, and the outcome.
type SiteLine = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
);

/// (Call only on a database whose `sites` has `origin`.)
fn sites_of(conn: &Connection, run: i64, city: &str) -> rusqlite::Result<Vec<SiteLine>> {
    let mut st = conn.prepare_cached(
        "SELECT sector, start_url, origin, discovered_from, discovered_text, outcome FROM sites WHERE run_id = ?1 AND city_id = ?2 ORDER BY id",
    )?;
    let rows = st.query_map(params![run, city], |r| {
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
        ))
    })?;
    rows.collect()
}

/// The content type and detected charset recorded when a body was fetched.
fn fetch_encoding(
    conn: &Connection,
    sha: &str,
) -> rusqlite::Result<(Option<String>, Option<String>)> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .query_row(
            "SELECT content_type, charset FROM fetches WHERE body_sha256 = ?1 LIMIT 1",
            [sha],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .unwrap_or((None, None)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn city_files_are_safe_and_distinct() {
        assert_eq!(city_file("330100"), "city-330100.html");
        assert_eq!(city_file("a/b"), "city-a~2Fb.html");
        assert_ne!(city_file("a/b"), city_file("a~2Fb"));
        assert_eq!(city_file("../x"), "city-~2E~2E~2Fx.html");
        assert!(city_file("甲").starts_with("city-~E7~94~B2"));
    }
}
