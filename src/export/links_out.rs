//! `export links` in its formats: CSV (UTF-8 with a BOM, every cell neutralised), JSON
//! (`{"links":[…]}`), Markdown; the workbook is `xlsx::write_links`.

use super::links::{LINKS_COLUMNS, LinkRow};
use std::fmt::Write as _;

/// The export as CSV.
pub fn to_csv(rows: &[LinkRow]) -> Vec<u8> {
    super::formats::csv_with_bom(|w| {
        w.record(LINKS_COLUMNS);
        for r in rows {
            w.record(r.cells());
        }
    })
}

/// The export as JSON: `{"links":[{"city","sector","site","page","text","target",
/// "final_url","status","outcome","error","first_seen","state","checked_at","run"} …]}`.
pub fn to_json(rows: &[LinkRow]) -> serde_json::Value {
    serde_json::json!({ "links": rows })
}

/// The export as Markdown: a line of counts, then a row per link per page.
pub fn to_md(rows: &[LinkRow]) -> String {
    let count = |f: &dyn Fn(&LinkRow) -> bool| rows.iter().filter(|r| f(r)).count();
    let confirmed = count(&|r| r.link.state.map(|s| s.as_str()) == Some("confirmed"));
    let broken = count(&|r| r.link.outcome.as_str() == "broken");
    let mut out = format!(
        "# 错链、断链\n\n{broken} 个错链（{confirmed} 个已确认），{} 个被拦截。\n\n|",
        rows.len() - broken
    );
    for c in LINKS_COLUMNS {
        let _ = write!(out, " {c} |");
    }
    out.push_str("\n|");
    out.push_str(&"---|".repeat(LINKS_COLUMNS.len()));
    out.push('\n');
    for r in rows {
        out.push('|');
        for cell in r.cells() {
            let _ = write!(out, " {} |", super::formats::md_cell(&cell));
        }
        out.push('\n');
    }
    out
}
