//! The matrix as an Excel workbook: wide matrix, long table, summary tables and findings,
//! each sheet with a frozen header row and filters.

use super::ExportError;
use super::evidence::FindingRow;
use super::formats::{MATRIX_CSV_HEADER, mark};
use super::matrix::Matrix;
use super::summary::Summary;
use crate::model::Sector;
use rust_xlsxwriter::{Format, Workbook, Worksheet};
use std::path::Path;

fn err(e: rust_xlsxwriter::XlsxError) -> ExportError {
    ExportError::Xlsx(e.to_string())
}

/// Excel's limit on the text of one cell, in UTF-16 units (as `rust_xlsxwriter` checks).
const MAX_CELL_UNITS: usize = 32_767;

/// `s` within Excel's limit: a longer text (a 40,000-character link target, a reason
/// pasted twice) is cut with a visible marker, so one cell never fails the workbook.
fn fit(s: &str) -> std::borrow::Cow<'_, str> {
    let units = s.encode_utf16().count();
    if units <= MAX_CELL_UNITS {
        return std::borrow::Cow::Borrowed(s);
    }
    let marker = format!(" …[cut: {} characters in all]", s.chars().count());
    let room = MAX_CELL_UNITS - marker.encode_utf16().count();
    let mut used = 0;
    let mut out = String::new();
    for c in s.chars() {
        used += c.len_utf16();
        if used > room {
            break;
        }
        out.push(c);
    }
    out.push_str(&marker);
    std::borrow::Cow::Owned(out)
}

/// Writes `s` as a string cell (strings stay strings: nothing is read as a formula),
/// cut to Excel's limit.
fn put(ws: &mut Worksheet, r: u32, c: u16, s: &str) -> Result<(), ExportError> {
    ws.write_string(r, c, fit(s).as_ref()).map_err(err)?;
    Ok(())
}

fn header(ws: &mut Worksheet, names: &[String], bold: &Format) -> Result<(), ExportError> {
    for (i, n) in names.iter().enumerate() {
        ws.write_string_with_format(0, i as u16, n, bold)
            .map_err(err)?;
    }
    ws.set_freeze_panes(1, 0).map_err(err)?;
    Ok(())
}

/// Filters on the header row, and column widths fitted to their contents (a long URL
/// column stops at 300 px, as the library recommends).
fn filter(ws: &mut Worksheet, rows: u32, cols: usize) -> Result<(), ExportError> {
    if cols > 0 {
        ws.autofilter(0, 0, rows.max(1), (cols - 1) as u16)
            .map_err(err)?;
    }
    ws.set_autofit_max_width(300).autofit();
    Ok(())
}

/// Writes the workbook to `path`, whole or not at all.
pub fn write(
    m: &Matrix,
    s: &Summary,
    findings: &[FindingRow],
    path: &Path,
) -> Result<(), ExportError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let sectors: Vec<Sector> = {
        let set: std::collections::BTreeSet<Sector> = m
            .cities
            .iter()
            .flat_map(|c| c.sectors.iter().copied())
            .collect();
        set.into_iter().collect()
    };
    matrix_sheet(&mut wb, m, &sectors, &bold)?;
    long_sheet(&mut wb, m, &bold)?;
    summary_sheet(&mut wb, s, &bold)?;
    survey_sheet(&mut wb, s, &bold)?;
    findings_sheet(&mut wb, findings, &bold)?;
    let bytes = wb.save_to_buffer().map_err(err)?;
    super::files::write_atomic(path, &bytes)
}

/// The wide matrix: a row per city, a column per sector × channel.
fn matrix_sheet(
    wb: &mut Workbook,
    m: &Matrix,
    sectors: &[Sector],
    bold: &Format,
) -> Result<(), ExportError> {
    let ws = wb.add_worksheet().set_name("matrix").map_err(err)?;
    let mut names: Vec<String> = ["城市代码", "城市", "省份", "城市类型", "地区", "沿用自"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for s in sectors {
        for ch in m.channels.iter() {
            names.push(format!("{}·{}", s.name_zh(), ch.name));
        }
    }
    header(ws, &names, bold)?;
    // The city's code and name stay in view while scrolling right.
    ws.set_freeze_panes(1, 2).map_err(err)?;
    for (r, c) in m.cities.iter().enumerate() {
        let r = r as u32 + 1;
        for (i, v) in [
            c.id.as_str(),
            &c.name,
            &c.province,
            c.tier.name_zh(),
            c.region.name_zh(),
            c.carried_forward.as_ref().map_or("", |f| f.date()),
        ]
        .iter()
        .enumerate()
        {
            put(ws, r, i as u16, v)?;
        }
        let mut col = 6u16;
        for s in sectors {
            for ch in m.channels.ids() {
                let v = c.cell(*s, ch).map_or("", |x| mark(x.value));
                put(ws, r, col, v)?;
                col += 1;
            }
        }
    }
    filter(ws, m.cities.len() as u32, names.len())?;
    Ok(())
}

/// The long table: a row per cell, as in the matrix CSV.
fn long_sheet(wb: &mut Workbook, m: &Matrix, bold: &Format) -> Result<(), ExportError> {
    let ws = wb.add_worksheet().set_name("long").map_err(err)?;
    let names: Vec<String> = MATRIX_CSV_HEADER.iter().map(|s| s.to_string()).collect();
    header(ws, &names, bold)?;
    let mut r = 1u32;
    for c in &m.cities {
        for cell in &c.cells {
            let vals = [
                c.id.clone(),
                c.name.clone(),
                c.province.clone(),
                c.tier.to_string(),
                c.region.to_string(),
                cell.sector.to_string(),
                cell.channel.to_string(),
                cell.value.as_str().to_string(),
                cell.strength.map(|s| s.to_string()).unwrap_or_default(),
            ];
            for (i, v) in vals.iter().enumerate() {
                put(ws, r, i as u16, v)?;
            }
            ws.write_number(r, 9, cell.finding_count as f64)
                .map_err(err)?;
            put(ws, r, 10, &cell.best_target)?;
            put(ws, r, 11, &cell.best_page)?;
            ws.write_number(r, 12, c.audit_run as f64).map_err(err)?;
            let review = cell.review.as_ref();
            for (i, v) in [
                cell.computed.as_str(),
                if review.is_some() { "yes" } else { "no" },
                review.map_or("", |x| x.reviewer.as_str()),
                review.map_or("", |x| x.reason.as_str()),
                review.map_or("", |x| if x.stale { "yes" } else { "no" }),
                cell.unknown_reason(),
                c.carried_forward.as_ref().map_or("", |f| f.date()),
            ]
            .iter()
            .enumerate()
            {
                put(ws, r, 13 + i as u16, v)?;
            }
            r += 1;
        }
    }
    filter(ws, r - 1, names.len())?;
    Ok(())
}

/// The share tables, a row per group × channel.
fn summary_sheet(wb: &mut Workbook, s: &Summary, bold: &Format) -> Result<(), ExportError> {
    let ws = wb.add_worksheet().set_name("summary").map_err(err)?;
    let percent = Format::new().set_num_format("0%");
    let names: Vec<String> = ["表", "城市组", "渠道", "开通数", "已知数", "比例", "标注"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    header(ws, &names, bold)?;
    let mut r = 1u32;
    for t in &s.tables {
        for row in &t.rows {
            for ch in s.channels.iter() {
                let sh = row.shares[&ch.id];
                put(ws, r, 0, &t.title_zh)?;
                put(ws, r, 1, &row.label_zh)?;
                put(ws, r, 2, &ch.name)?;
                ws.write_number(r, 3, sh.yes as f64).map_err(err)?;
                ws.write_number(r, 4, sh.known as f64).map_err(err)?;
                if let Some(f) = sh.fraction() {
                    ws.write_number_with_format(r, 5, f, &percent)
                        .map_err(err)?;
                }
                put(ws, r, 6, &sh.label())?;
                r += 1;
            }
        }
    }
    filter(ws, r - 1, names.len())?;
    Ok(())
}

/// The survey's published layout: per table, its groups as rows and the channels as
/// columns, each share a number in percent format with its denominator (`23/36`) beside.
fn survey_sheet(wb: &mut Workbook, s: &Summary, bold: &Format) -> Result<(), ExportError> {
    let ws = wb.add_worksheet().set_name("调查表").map_err(err)?;
    let percent = Format::new().set_num_format("0%");
    let mut r = 0u32;
    for t in &s.tables {
        ws.write_string_with_format(r, 0, &t.title_zh, bold)
            .map_err(err)?;
        r += 1;
        ws.write_string_with_format(r, 0, "城市组", bold)
            .map_err(err)?;
        for (i, ch) in s.channels.iter().enumerate() {
            let col = 1 + 2 * i as u16;
            ws.write_string_with_format(r, col, &ch.name, bold)
                .map_err(err)?;
            ws.write_string_with_format(r, col + 1, "开通/已知", bold)
                .map_err(err)?;
        }
        r += 1;
        for row in &t.rows {
            put(ws, r, 0, &row.label_zh)?;
            for (i, ch) in s.channels.iter().enumerate() {
                let col = 1 + 2 * i as u16;
                let sh = row.shares[&ch.id];
                match sh.fraction() {
                    Some(f) => ws.write_number_with_format(r, col, f, &percent),
                    None => ws.write_string(r, col, "–"),
                }
                .map_err(err)?;
                put(ws, r, col + 1, &format!("{}/{}", sh.yes, sh.known))?;
            }
            r += 1;
        }
        for n in &t.notes {
            put(ws, r, 0, n)?;
            r += 1;
        }
        r += 1;
    }
    ws.set_freeze_panes(0, 1).map_err(err)?;
    ws.set_autofit_max_width(300).autofit();
    Ok(())
}

/// Every finding behind the matrix.
fn findings_sheet(
    wb: &mut Workbook,
    findings: &[FindingRow],
    bold: &Format,
) -> Result<(), ExportError> {
    let ws = wb.add_worksheet().set_name("findings").map_err(err)?;
    let names: Vec<String> = [
        "id",
        "run_id",
        "city_id",
        "sector",
        "channel",
        "strength",
        "rule",
        "page_url",
        "target",
        "text",
        "snippet",
        "fetched_at",
        "body_sha256",
        "path",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    header(ws, &names, bold)?;
    for (i, f) in findings.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_number(r, 0, f.id as f64).map_err(err)?;
        ws.write_number(r, 1, f.run_id as f64).map_err(err)?;
        for (j, v) in [
            &f.city_id,
            &f.sector,
            &f.channel,
            &f.strength,
            &f.rule,
            &f.page_url,
            &f.target,
            &f.text,
            &f.snippet,
            &f.fetched_at,
            &f.body_sha256,
            &f.path,
        ]
        .iter()
        .enumerate()
        {
            put(ws, r, j as u16 + 2, v.as_str())?;
        }
    }
    filter(ws, findings.len() as u32, names.len())?;
    Ok(())
}

/// The inspection export as a workbook: one sheet of sites (the CSV's columns), written
/// whole or not at all.
pub fn write_inspection(
    rows: &[super::inspection::SiteRow],
    path: &Path,
) -> Result<(), ExportError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name("inspection").map_err(err)?;
    let names: Vec<String> = super::inspection_out::header().map(String::from).collect();
    header(ws, &names, &bold)?;
    for (i, r) in rows.iter().enumerate() {
        for (c, v) in super::inspection_out::columns(r).iter().enumerate() {
            put(ws, i as u32 + 1, c as u16, v)?;
        }
    }
    filter(ws, rows.len() as u32, names.len())?;
    let bytes = wb.save_to_buffer().map_err(err)?;
    super::files::write_atomic(path, &bytes)
}

/// The links export as a workbook: one sheet of broken and blocked links, one row per
/// link per page, written whole or not at all.
pub fn write_links(rows: &[super::links::LinkRow], path: &Path) -> Result<(), ExportError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name("links").map_err(err)?;
    let names: Vec<String> = super::links::LINKS_COLUMNS
        .iter()
        .map(|s| s.to_string())
        .collect();
    header(ws, &names, &bold)?;
    for (i, r) in rows.iter().enumerate() {
        for (c, v) in r.cells().iter().enumerate() {
            put(ws, i as u32 + 1, c as u16, v)?;
        }
    }
    filter(ws, rows.len() as u32, names.len())?;
    let bytes = wb.save_to_buffer().map_err(err)?;
    super::files::write_atomic(path, &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_is_cut_to_excels_limit_with_a_marker() {
        assert_eq!(fit("短"), "短");
        for long in ["a".repeat(40_000), "𠀀".repeat(20_000), "甲".repeat(32_768)] {
            let f = fit(&long);
            assert!(f.encode_utf16().count() <= MAX_CELL_UNITS, "{}", f.len());
            assert!(f.ends_with("characters in all]"));
        }
        let exact = "a".repeat(MAX_CELL_UNITS);
        assert_eq!(fit(&exact), exact.as_str());
    }
}
