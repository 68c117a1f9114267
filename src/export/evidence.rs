//! The reviewers' evidence pack: a folder that opens offline in any browser.
//!
//! `index.html` shows the matrix; every cell links to its section on the city's page,
//! which lists the findings (strength, rule, page, target, text, snippet, fetch time,
//! sha256) and the failures; each finding links to the archived copy of its page, made
//! from the stored body, inert (scripts disabled, handlers and refreshes removed), with
//! a banner saying where and when it was fetched and the evidence elements highlighted.
//! Inerting never removes an element, so the CSS paths stored with findings still select them.

use super::formats::{esc, mark};
use super::matrix::Matrix;
use crate::model::{Channel, Sector};
use regex::Regex;
use rusqlite::{Connection, params};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::LazyLock;

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

/// The findings of the audits a matrix was built from.
pub fn findings(conn: &Connection, m: &Matrix) -> rusqlite::Result<Vec<FindingRow>> {
    let mut out = Vec::new();
    let mut st = conn.prepare(
        "SELECT f.id, f.run_id, f.city_id, f.sector, f.channel, f.strength, f.rule, f.page_url, f.target, f.text, f.snippet,
                fe.started_at, COALESCE(f.body_sha256, ''), f.path
         FROM findings f JOIN fetches fe ON fe.id = f.fetch_id WHERE f.run_id = ?1 AND f.city_id = ?2 ORDER BY f.id",
    )?;
    for c in &m.cities {
        let rows = st.query_map(params![c.audit_run, c.id], |r| {
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
        })?;
        for r in rows {
            out.push(r?);
        }
    }
    Ok(out)
}

fn failures(conn: &Connection, run: i64, city: &str) -> rusqlite::Result<Vec<Failure>> {
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
pub fn findings_csv(rows: &[FindingRow]) -> Vec<u8> {
    super::formats::csv_with_bom(|w| {
        for r in rows {
            w.serialize(r).expect("in memory");
        }
    })
}

static SCRIPT_OPEN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)<script\b").expect("valid"));
static HANDLER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?i)(\s)on([a-z]+\s*=)"#).expect("valid"));
static JS_URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)(href|src|action)\s*=\s*(["']?)\s*javascript:"#).expect("valid")
});
static REFRESH: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?i)http-equiv\s*=\s*(["']?)refresh"#).expect("valid"));
static HEAD_OPEN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)<head\b[^>]*>").expect("valid"));
static ID_SEG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(^|\s)([a-z0-9]+)#([^\s>]+)").expect("valid"));

/// A stored element path as a CSS selector (`div#top` → `div[id="top"]`, which is valid
/// whatever the id looks like).
pub fn css_selector(path: &str) -> String {
    ID_SEG
        .replace_all(path, |c: &regex::Captures<'_>| {
            format!("{}{}[id=\"{}\"]", &c[1], &c[2], c[3].replace('"', "\\\""))
        })
        .into_owned()
}

/// Makes a page inert and marks it: scripts get a non-executable type, event handlers,
/// `javascript:` URLs and refreshes are renamed, and a style block adds the banner and
/// highlights the elements at `paths`. Elements are never removed.
pub fn inert_page(html: &str, banner: &str, paths: &[&str]) -> String {
    let html = SCRIPT_OPEN.replace_all(html, "<script type=\"text/inert\" data-inert=\"\"");
    let html = HANDLER.replace_all(&html, "${1}data-inert-on${2}");
    let html = JS_URL.replace_all(&html, "${1}=${2}#inert:");
    let html = REFRESH.replace_all(&html, "data-inert-http-equiv=${1}refresh");
    let banner = banner
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', " ");
    let mut style = format!(
        "<style>body::before{{content:\"{banner}\";display:block;position:sticky;top:0;z-index:99999;background:#fff3b0;color:#000;border-bottom:2px solid #c00;padding:6px;font:13px sans-serif}}"
    );
    for p in paths {
        let _ = write!(
            style,
            "{}{{outline:4px solid #e00000 !important;background:#ffe066 !important}}",
            css_selector(p)
        );
    }
    style.push_str("</style>");
    match HEAD_OPEN.find(&html) {
        Some(m) => format!("{}{}{}", &html[..m.end()], style, &html[m.end()..]),
        None => format!("{style}{html}"),
    }
}

/// Writes the pack into `dir` (created if needed). Returns the number of city pages.
pub fn write_pack(conn: &Connection, m: &Matrix, dir: &Path) -> Result<usize, super::ExportError> {
    std::fs::create_dir_all(dir.join("pages"))?;
    let rows = findings(conn, m)?;
    std::fs::write(dir.join("findings.csv"), findings_csv(&rows))?;
    let mut by_city: BTreeMap<&str, Vec<&FindingRow>> = BTreeMap::new();
    for r in &rows {
        by_city.entry(r.city_id.as_str()).or_default().push(r);
    }
    // Archived pages: one per stored body, highlighting every finding on it.
    let mut by_body: BTreeMap<&str, Vec<&FindingRow>> = BTreeMap::new();
    for r in rows.iter().filter(|r| !r.body_sha256.is_empty()) {
        by_body.entry(r.body_sha256.as_str()).or_default().push(r);
    }
    for (sha, fs) in &by_body {
        let (ct, charset) = fetch_encoding(conn, sha)?;
        let Some(text) =
            crate::store::bodies::page_text(conn, sha, ct.as_deref(), charset.as_deref())?
        else {
            continue;
        };
        let first = fs[0];
        let banner = format!(
            "Archived copy (inert) of {} fetched {} · sha256 {} · highlighted: {}",
            first.page_url,
            first.fetched_at,
            sha,
            fs.iter()
                .map(|f| format!("{} ({})", f.channel, f.rule))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let paths: Vec<&str> = fs.iter().map(|f| f.path.as_str()).collect();
        let mut out = b"\xEF\xBB\xBF".to_vec();
        out.extend_from_slice(inert_page(&text, &banner, &paths).as_bytes());
        std::fs::write(dir.join("pages").join(format!("{sha}.html")), out)?;
    }
    // The index: the matrix, every cell a link to its evidence.
    let mut index = String::from(
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>Evidence pack</title><style>body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;text-align:center}td.c{text-align:left}a{text-decoration:none}.yes{background:#d7f5d7}.unknown{background:#eee}</style></head><body>",
    );
    let _ = write!(
        index,
        "<h1>Evidence pack</h1><p>Rules {}. ✓ offered (click for the evidence) · not found ? unknown. <a href=\"findings.csv\">findings.csv</a></p>",
        esc(&m.rules_version)
    );
    let sectors: std::collections::BTreeSet<Sector> = m
        .cities
        .iter()
        .flat_map(|c| c.sectors.iter().copied())
        .collect();
    for s in &sectors {
        let _ = write!(index, "<h2>{s}</h2><table><tr><th>city</th>");
        for ch in Channel::ALL {
            let _ = write!(index, "<th>{}</th>", ch.as_str());
        }
        index.push_str("</tr>");
        for c in m.cities.iter().filter(|c| c.sectors.contains(s)) {
            let _ = write!(
                index,
                "<tr><td class=\"c\"><a href=\"city-{id}.html\">{id} {}</a></td>",
                esc(&c.name),
                id = c.id
            );
            for ch in Channel::ALL {
                let v = c.value(*s, *ch);
                let _ = write!(
                    index,
                    "<td class=\"{}\"><a href=\"city-{}.html#{}-{}\">{}</a></td>",
                    v.as_str(),
                    c.id,
                    s,
                    ch.as_str(),
                    mark(v)
                );
            }
            index.push_str("</tr>");
        }
        index.push_str("</table>");
    }
    index.push_str("</body></html>");
    std::fs::write(dir.join("index.html"), index)?;
    // A page per city.
    for c in &m.cities {
        let fails = failures(conn, c.audit_run, &c.id)?;
        let empty = Vec::new();
        let fs = by_city.get(c.id.as_str()).unwrap_or(&empty);
        let mut page = format!(
            "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{name} evidence</title><style>body{{font-family:sans-serif;margin:1.5em;max-width:1100px}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:3px 6px;vertical-align:top;font-size:13px}}:target{{background:#ffe066}}</style></head><body><p><a href=\"index.html\">← matrix</a></p><h1>{id} {name}</h1><p>{province} · {tier} · {region} · audit run {run} · portal {status}</p>",
            name = esc(&c.name),
            id = c.id,
            province = esc(&c.province),
            tier = c.tier,
            region = c.region,
            run = c.audit_run,
            status = c.status
        );
        if !fails.is_empty() {
            page.push_str("<h2>Failures</h2><table><tr><th>sector</th><th>start URL</th><th>outcome</th><th>error</th></tr>");
            for f in &fails {
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
            for ch in Channel::ALL {
                let v = c.value(*s, *ch);
                let _ = write!(
                    page,
                    "<h3 id=\"{s}-{ch}\">{ch}: {}</h3>",
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
                        "<tr><td>{}</td><td>{}</td><td><a href=\"pages/{sha}.html\">archived page</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                        f.strength,
                        esc(&f.rule),
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
        std::fs::write(dir.join(format!("city-{}.html", c.id)), page)?;
    }
    Ok(m.cities.len())
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
    fn inert_pages_keep_structure_and_disable_scripts() {
        let html = "<html><head><title>t</title><meta http-equiv=\"refresh\" content=\"0;url=/x\"></head><body onload=\"go()\"><script>alert(1)</script><div id=\"1top\"><a href=\"javascript:void(0)\" onclick=\"x()\">a</a></div></body></html>";
        let out = inert_page(
            html,
            "fetched \"now\"",
            &["html > body > div#1top > a:nth-child(1)"],
        );
        assert!(!out.contains("<script>"));
        assert!(out.contains("<script type=\"text/inert\""));
        assert!(!out.contains(" onclick=") && !out.contains(" onload="));
        assert!(!out.contains("javascript:"));
        assert!(out.contains("div[id=\"1top\"] > a:nth-child(1){outline"));
        assert!(out.contains("content:\"fetched \\\"now\\\"\""));
        let reparsed = scraper::Html::parse_document(&out);
        let sel =
            scraper::Selector::parse(&css_selector("html > body > div#1top > a:nth-child(1)"))
                .unwrap();
        assert_eq!(
            reparsed.select(&sel).count(),
            1,
            "the stored path still selects the element"
        );
    }
}
