//! Decisions files: `review export` writes the decisions table as CSV, `review import`
//! reads one back, all or nothing.

use super::{Basis, Decision, NewDecision, ReviewError, Verdict};
use crate::export::matrix::Matrix;
use crate::model::Sector;
use crate::model::cell_text::restore;
use rusqlite::Connection;

/// The columns of `review export` and `review import` (UTF-8 with BOM; a contract). The
/// first five are required on import; `reviewer` and `decided_at` default to the importer
/// and now; the last three are the evidence the decision was made on (its audit run, the
/// cell's computed value then, and `[[rule, target, sha256], …]` as JSON), so that a
/// decision exported and imported again is still stale if it was.
pub(crate) const DECISIONS_CSV_HEADER: [&str; 10] = [
    "city",
    "sector",
    "channel",
    "verdict",
    "reason",
    "reviewer",
    "decided_at",
    "audit_run",
    "computed",
    "evidence",
];

/// Decisions as CSV, for teams that split the work in a spreadsheet.
pub fn to_csv(ds: &[Decision]) -> Vec<u8> {
    crate::export::formats::csv_with_bom(|w| {
        w.record(DECISIONS_CSV_HEADER);
        for d in ds {
            w.record([
                d.city_id.as_str(),
                &d.sector,
                &d.channel,
                d.verdict.as_str(),
                &d.reason,
                &d.reviewer,
                &d.decided_at,
                &d.run_id.map(|r| r.to_string()).unwrap_or_default(),
                &d.computed,
                &serde_json::to_string(&d.evidence).expect("serialisable"),
            ]);
        }
    })
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportReport {
    /// Decisions recorded.
    pub imported: usize,
    /// Rows that were recorded already (the same decision on the same evidence): skipped.
    pub already: usize,
}

/// One row of a decisions file, checked and ready to record.
struct Row {
    line: u64,
    city_id: String,
    sector: Sector,
    channel: String,
    verdict: Verdict,
    reason: String,
    reviewer: String,
    decided_at: Option<String>,
    basis: Option<Basis>,
}

impl Row {
    fn decision(&self) -> NewDecision<'_> {
        NewDecision {
            city_id: &self.city_id,
            sector: self.sector,
            channel: &self.channel,
            verdict: self.verdict,
            reason: &self.reason,
            reviewer: &self.reviewer,
            decided_at: self.decided_at.as_deref(),
        }
    }
}

/// Imports a decisions CSV, all or nothing: every row is checked first (city, sector,
/// channel, verdict, reason, reviewer, time, basis), and so is the file as a whole (no
/// cell with verdicts it cannot order); every problem is reported with its line. Then each
/// row is recorded, unless the same decision is recorded already.
pub fn import(
    conn: &Connection,
    m: &Matrix,
    bytes: &[u8],
    path: &str,
) -> Result<ImportReport, ReviewError> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    refuse_unclosed_quote(body, path)?;
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(body);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| ReviewError::Invalid(format!("{path}: unreadable header: {e}")))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let col = |n: &str| header.iter().position(|h| h == n);
    let missing: Vec<&str> = DECISIONS_CSV_HEADER[..5]
        .iter()
        .copied()
        .filter(|n| col(n).is_none())
        .collect();
    if !missing.is_empty() {
        return Err(ReviewError::Invalid(format!(
            "{path}:1: missing columns {} (expected {})",
            missing.join(", "),
            DECISIONS_CSV_HEADER.join(",")
        )));
    }
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for rec in reader.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                problems.push(format!("{path}:{line}: unreadable: {e}"));
                continue;
            }
        };
        let line = rec.position().map_or(0, |p| p.line());
        let get = |n: &str| {
            let raw = col(n).and_then(|c| rec.get(c)).unwrap_or("").trim();
            restore(raw).to_string()
        };
        match row(m, line, &get) {
            Ok(r) => rows.push(r),
            Err(es) => problems.extend(es.into_iter().map(|e| format!("{path}:{line}: {e}"))),
        }
    }
    problems.extend(conflicts(&rows, path));
    if !problems.is_empty() {
        return Err(ReviewError::Invalid(format!(
            "{} problem(s), nothing imported:\n  {}",
            problems.len(),
            problems.join("\n  ")
        )));
    }
    let tx = conn.unchecked_transaction()?;
    let mut report = ImportReport {
        imported: 0,
        already: 0,
    };
    for r in &rows {
        match super::record_once(&tx, m, &r.decision(), r.basis.as_ref())? {
            Some(_) => report.imported += 1,
            None => report.already += 1,
        }
    }
    tx.commit()?;
    Ok(report)
}

/// One row read through `get` (a column's text, neutralising undone): the row, or every
/// problem it has.
fn row(m: &Matrix, line: u64, get: &dyn Fn(&str) -> String) -> Result<Row, Vec<String>> {
    let mut bad = Vec::new();
    let city = get("city");
    let found = m
        .cities
        .iter()
        .find(|c| crate::model::city::name_matches(&c.id, &c.name, &city));
    if found.is_none() {
        bad.push(format!("unknown city `{city}`"));
    }
    let sector = get("sector")
        .parse::<Sector>()
        .map_err(|e| bad.push(e))
        .ok();
    let channel = get("channel");
    if !m.channels.contains(&channel) && super::checks::check_name(&channel).is_none() {
        bad.push(format!("unknown channel `{channel}`"));
    }
    let verdict = get("verdict")
        .parse::<Verdict>()
        .map_err(|e| bad.push(e))
        .ok();
    if get("reason").is_empty() {
        bad.push("missing reason".into());
    }
    let reviewer = super::reviewer::row_reviewer(&get("reviewer"))
        .map_err(|e| bad.push(e.to_string()))
        .ok();
    let basis = basis(get).map_err(|e| bad.push(e)).ok().flatten();
    let decided_at = Some(get("decided_at")).filter(|a| !a.is_empty());
    let (Some(c), Some(sector), Some(verdict), Some(reviewer)) = (found, sector, verdict, reviewer)
    else {
        return Err(bad);
    };
    let r = Row {
        line,
        city_id: c.id.clone(),
        sector,
        channel,
        verdict,
        reason: get("reason"),
        reviewer,
        decided_at,
        basis,
    };
    if bad.is_empty()
        && let Err(e) = super::check(&r.decision())
    {
        bad.push(e);
    }
    if bad.is_empty() { Ok(r) } else { Err(bad) }
}

/// The evidence a row's decision was made on, when the file carries it (a file written
/// by `review export`); `None` for a row without it (a hand-made file).
fn basis(get: &dyn Fn(&str) -> String) -> Result<Option<Basis>, String> {
    let evidence = get("evidence");
    if evidence.is_empty() {
        return Ok(None);
    }
    let evidence: Vec<[String; 3]> = serde_json::from_str(&evidence).map_err(|e| {
        format!(
            "evidence is not the JSON `review export` writes ([[rule, target, sha256], …]): {e}"
        )
    })?;
    let computed = get("computed");
    if !matches!(computed.as_str(), "yes" | "no" | "unknown") {
        return Err(format!(
            "computed must be yes, no or unknown beside evidence, got `{computed}`"
        ));
    }
    let run = get("audit_run");
    let run_id = if run.is_empty() {
        None
    } else {
        Some(
            run.parse::<i64>()
                .map_err(|_| format!("audit_run must be a run number, got `{run}`"))?,
        )
    };
    Ok(Some(Basis {
        run_id,
        computed,
        evidence,
    }))
}

/// Rows of one file that give a cell different verdicts at the same time (or both
/// without a time, which is now): the file cannot say which it means, so it is refused,
/// naming both lines. Verdicts at different times are a history; the later one is in
/// force.
fn conflicts(rows: &[Row], path: &str) -> Vec<String> {
    type Key<'a> = (&'a str, Sector, &'a str, Option<String>);
    let mut seen: std::collections::HashMap<Key<'_>, &Row> = std::collections::HashMap::new();
    let mut out = Vec::new();
    for r in rows {
        let at = r
            .decided_at
            .as_deref()
            .and_then(|t| super::stored_time(t).ok());
        let key = (r.city_id.as_str(), r.sector, r.channel.as_str(), at);
        match seen.get(&key) {
            Some(prev) if prev.verdict != r.verdict => out.push(format!(
                "{path}:{} and {path}:{}: conflicting verdicts on {} {} {} ({} and {}) at the same time",
                prev.line,
                r.line,
                r.city_id,
                r.sector,
                r.channel,
                prev.verdict.as_str(),
                r.verdict.as_str()
            )),
            Some(_) => {}
            None => {
                seen.insert(key, r);
            }
        }
    }
    out
}

/// Refuses a file that ends inside a quoted field, naming the line where it opened.
fn refuse_unclosed_quote(body: &[u8], path: &str) -> Result<(), ReviewError> {
    match unclosed_quote(body) {
        Some(line) => Err(ReviewError::Invalid(format!(
            "{path}:{line}: a quoted field opened here is never closed (a truncated file?); nothing imported"
        ))),
        None => Ok(()),
    }
}

/// The line of a quoted field that the file never closes: a file cut in the middle of a
/// reason would otherwise import the cut reason as if it were whole.
fn unclosed_quote(body: &[u8]) -> Option<usize> {
    /// Where the scan is within a CSV field.
    #[derive(PartialEq)]
    enum At {
        FieldStart,
        Unquoted,
        Quoted,
        /// A `"` inside a quoted field: it closes the field, or with a second `"` is one.
        QuoteInQuoted,
    }
    let (mut at, mut line, mut opened) = (At::FieldStart, 1, 0);
    for &b in body {
        let delimiter = matches!(b, b',' | b'\n' | b'\r');
        at = match at {
            At::FieldStart if b == b'"' => {
                opened = line;
                At::Quoted
            }
            At::Quoted if b == b'"' => At::QuoteInQuoted,
            At::Quoted => At::Quoted,
            At::QuoteInQuoted if b == b'"' => At::Quoted,
            _ if delimiter => At::FieldStart,
            _ => At::Unquoted,
        };
        if b == b'\n' {
            line += 1;
        }
    }
    (at == At::Quoted).then_some(opened)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_ending_inside_a_quoted_field_is_found() {
        assert_eq!(unclosed_quote(b"a,b\n1,\"ok\"\n"), None);
        assert_eq!(
            unclosed_quote(b"a,b\n1,\"say \"\"hi\"\", then\nmore\"\n"),
            None
        );
        assert_eq!(unclosed_quote(b"a,b\n1,\"ok\"\n2,\"cut rea"), Some(3));
        assert_eq!(unclosed_quote(b"a,b\n1,\"cut \"\"quoted"), Some(2));
        assert_eq!(
            unclosed_quote(b"a,b\n1,x\"y\n"),
            None,
            "a quote inside a bare field"
        );
    }
}
