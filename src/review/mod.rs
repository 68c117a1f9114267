//! Reviewers' decisions on cells: recorded append-only with who, when, why and on what
//! evidence, applied by every export, and flagged stale when a later audit's evidence for
//! the cell differs. Only this module writes the `decisions` table; nothing deletes from it
//! (`redetect`, `recheck` and runs never touch it).

pub mod queue;

use crate::export::matrix::{Matrix, Value};
use crate::model::Sector;
use rusqlite::{Connection, OptionalExtension, params};

/// A verdict on a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Yes,
    No,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Yes => "yes",
            Verdict::No => "no",
        }
    }

    /// The cell value the verdict sets.
    pub fn value(self) -> Value {
        match self {
            Verdict::Yes => Value::Yes,
            Verdict::No => Value::No,
        }
    }
}

impl std::str::FromStr for Verdict {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim() {
            "yes" => Ok(Verdict::Yes),
            "no" => Ok(Verdict::No),
            other => Err(format!("verdict must be yes or no, got `{other}`")),
        }
    }
}

/// One recorded decision.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Decision {
    pub id: i64,
    pub city_id: String,
    pub sector: String,
    pub channel: String,
    pub verdict: Verdict,
    pub reason: String,
    pub reviewer: String,
    pub decided_at: String,
    /// The audit run the reviewer saw.
    pub run_id: Option<i64>,
    /// The cell's computed value then.
    pub computed: String,
    /// The cell's findings then, and what they rested on (`[rule, target, sha256]`).
    pub finding_ids: Vec<i64>,
    pub evidence: Vec<[String; 3]>,
}

/// A decision to record.
#[derive(Debug, Clone)]
pub struct NewDecision<'a> {
    pub city_id: &'a str,
    pub sector: Sector,
    pub channel: &'a str,
    pub verdict: Verdict,
    pub reason: &'a str,
    pub reviewer: &'a str,
    /// When it was made (RFC 3339); `None` for now.
    pub decided_at: Option<&'a str>,
}

/// Why a decision cannot be recorded.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Sql(#[from] rusqlite::Error),
}

/// The findings of a cell in an audit run: their ids and what they rest on.
fn cell_evidence(
    conn: &Connection,
    run: i64,
    city: &str,
    sector: &str,
    channel: &str,
) -> rusqlite::Result<(Vec<i64>, Vec<[String; 3]>)> {
    let mut st = conn.prepare_cached(
        "SELECT id, rule, target, COALESCE(body_sha256, '') FROM findings
         WHERE run_id = ?1 AND city_id = ?2 AND sector = ?3 AND channel = ?4 ORDER BY rule, target, body_sha256",
    )?;
    let mut ids = Vec::new();
    let mut ev = Vec::new();
    for r in st.query_map(params![run, city, sector, channel], |r| {
        Ok((r.get::<_, i64>(0)?, [r.get(1)?, r.get(2)?, r.get(3)?]))
    })? {
        let (id, e) = r?;
        ids.push(id);
        ev.push(e);
    }
    ev.dedup();
    Ok((ids, ev))
}

/// Records a decision on a cell of `m` (the audits the reviewer sees). The cell must exist
/// and the reason must say something.
pub fn decide(conn: &Connection, m: &Matrix, d: &NewDecision<'_>) -> Result<i64, ReviewError> {
    if d.reason.trim().is_empty() {
        return Err(ReviewError::Invalid(
            "a reason is required (--reason \"…\")".into(),
        ));
    }
    let city = m
        .cities
        .iter()
        .find(|c| c.id == d.city_id)
        .ok_or_else(|| ReviewError::Invalid(format!("no audited city `{}`", d.city_id)))?;
    let channel = crate::model::ChannelId::new(d.channel);
    let cell = city.cell(d.sector, &channel).ok_or_else(|| {
        ReviewError::Invalid(format!(
            "{} has no cell {} {} (channels: {})",
            city.name,
            d.sector,
            d.channel,
            m.channels
                .ids()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })?;
    let (ids, ev) = cell_evidence(conn, city.audit_run, &city.id, d.sector.as_str(), d.channel)?;
    let now = crate::store::runs::now();
    conn.execute(
        "INSERT INTO decisions (city_id, sector, channel, verdict, reason, reviewer, decided_at, run_id, computed, finding_ids, evidence)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            city.id,
            d.sector.as_str(),
            d.channel,
            d.verdict.as_str(),
            d.reason.trim(),
            d.reviewer,
            d.decided_at.unwrap_or(&now),
            city.audit_run,
            cell.computed.as_str(),
            serde_json::to_string(&ids).expect("serialisable"),
            serde_json::to_string(&ev).expect("serialisable"),
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Decision> {
    let bad = |i: usize, e: String| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, e.into())
    };
    Ok(Decision {
        id: r.get(0)?,
        city_id: r.get(1)?,
        sector: r.get(2)?,
        channel: r.get(3)?,
        verdict: r.get::<_, String>(4)?.parse().map_err(|e| bad(4, e))?,
        reason: r.get(5)?,
        reviewer: r.get(6)?,
        decided_at: r.get(7)?,
        run_id: r.get(8)?,
        computed: r.get(9)?,
        finding_ids: serde_json::from_str(&r.get::<_, String>(10)?)
            .map_err(|e| bad(10, e.to_string()))?,
        evidence: serde_json::from_str(&r.get::<_, String>(11)?)
            .map_err(|e| bad(11, e.to_string()))?,
    })
}

/// Whether the database has the decisions table (an older one opened read-only has not).
fn has_decisions(conn: &Connection) -> bool {
    crate::store::has_column(conn, "decisions", "verdict").unwrap_or(false)
}

const COLUMNS: &str = "id, city_id, sector, channel, verdict, reason, reviewer, decided_at, run_id, computed, finding_ids, evidence";

/// Every decision on a city (and cell), oldest first: the audit trail.
pub fn history(
    conn: &Connection,
    city: &str,
    cell: Option<(Sector, &str)>,
) -> rusqlite::Result<Vec<Decision>> {
    if !has_decisions(conn) {
        return Ok(Vec::new());
    }
    let (s, c) = cell.map_or((None, None), |(s, c)| (Some(s.as_str()), Some(c)));
    let mut st = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM decisions WHERE city_id = ?1 AND (?2 IS NULL OR sector = ?2) AND (?3 IS NULL OR channel = ?3) ORDER BY id"
    ))?;
    let rows = st.query_map(params![city, s, c], row)?;
    rows.collect()
}

/// Every decision, oldest first (for `review export`).
pub fn all(conn: &Connection) -> rusqlite::Result<Vec<Decision>> {
    if !has_decisions(conn) {
        return Ok(Vec::new());
    }
    let mut st = conn.prepare(&format!("SELECT {COLUMNS} FROM decisions ORDER BY id"))?;
    let rows = st.query_map([], row)?;
    rows.collect()
}

/// The decision in force on a cell: the newest.
pub fn latest(
    conn: &Connection,
    city: &str,
    sector: Sector,
    channel: &str,
) -> rusqlite::Result<Option<Decision>> {
    if !has_decisions(conn) {
        return Ok(None);
    }
    latest_in(conn, city, sector, channel)
}

/// [`latest`] on a database known to have the table.
fn latest_in(
    conn: &Connection,
    city: &str,
    sector: Sector,
    channel: &str,
) -> rusqlite::Result<Option<Decision>> {
    conn.query_row(
        &format!(
            "SELECT {COLUMNS} FROM decisions WHERE city_id = ?1 AND sector = ?2 AND channel = ?3 ORDER BY id DESC LIMIT 1"
        ),
        params![city, sector.as_str(), channel],
        row,
    )
    .optional()
}

/// Applies the decisions in force to `m`: a reviewed cell takes the reviewer's value and
/// records the review, stale when the cell's computed value or its evidence differs from
/// what the decision was based on (a later audit found other things).
pub fn apply(conn: &Connection, m: &mut Matrix) -> rusqlite::Result<()> {
    if !has_decisions(conn) {
        return Ok(());
    }
    let reviewed: Vec<(String, String, String)> = conn
        .prepare("SELECT DISTINCT city_id, sector, channel FROM decisions")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    for (city_id, sector, channel) in reviewed {
        let Ok(sector) = sector.parse::<Sector>() else {
            continue;
        };
        let Some(city) = m.cities.iter_mut().find(|c| c.id == city_id) else {
            continue;
        };
        let run = city.audit_run;
        let Some(d) = latest_in(conn, &city_id, sector, &channel)? else {
            continue;
        };
        let (_, now) = cell_evidence(conn, run, &city_id, sector.as_str(), &channel)?;
        let Some(cell) = city
            .cells
            .iter_mut()
            .find(|c| c.sector == sector && c.channel == *channel.as_str())
        else {
            continue;
        };
        let stale = d.computed != cell.computed.as_str() || d.evidence != now;
        cell.value = d.verdict.value();
        cell.review = Some(crate::export::matrix::Review {
            value: d.verdict.value(),
            computed: cell.computed,
            reviewer: d.reviewer,
            reason: d.reason,
            decided_at: d.decided_at,
            stale,
        });
    }
    Ok(())
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

/// An imported row's reviewer: as the file records it, or for a row without one the
/// importer's name.
fn row_reviewer(recorded: &str) -> Result<String, ReviewError> {
    Some(recorded.to_string())
        .filter(|r| !r.trim().is_empty())
        .or_else(|| reviewer_name(None))
        .ok_or_else(|| {
            ReviewError::Invalid(
                "a decision has no reviewer and none can be found: pass --reviewer NAME".into(),
            )
        })
}

/// The reviewer's name: `--reviewer`, else `PORTAL_AUDIT_REVIEWER`, else `$USER`
/// (`%USERNAME%`), else the OS account the process runs as (cron and containers set no
/// `$USER`). `None` when none names anybody: a decision is never recorded as `unknown`.
pub fn reviewer_name(given: Option<&str>) -> Option<String> {
    let named = |s: &str| {
        let s = s.trim();
        (!s.is_empty() && s != "unknown").then(|| s.to_string())
    };
    if let Some(g) = given {
        // A name given is used as it is, or refused: never replaced by another.
        return named(g);
    }
    let env = |k: &str| std::env::var(k).ok();
    [env("PORTAL_AUDIT_REVIEWER"), env("USER"), env("USERNAME")]
        .into_iter()
        .flatten()
        .chain(std::iter::once_with(os_account).flatten())
        .find_map(|s| named(&s))
}

/// The name of the OS account this process runs as (its effective uid's passwd entry).
#[cfg(unix)]
fn os_account() -> Option<String> {
    let mut buf = vec![0 as libc::c_char; 4096];
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut out: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: getpwuid_r writes only into `pwd` and `buf` (of the length given) and sets
    // `out` to `&pwd` on success; the name is copied out before `buf` is dropped.
    let rc = unsafe {
        libc::getpwuid_r(
            libc::geteuid(),
            &mut pwd,
            buf.as_mut_ptr(),
            buf.len(),
            &mut out,
        )
    };
    if rc != 0 || out.is_null() || pwd.pw_name.is_null() {
        return None;
    }
    // SAFETY: on success `pw_name` points at a NUL-terminated string inside `buf`.
    let name = unsafe { std::ffi::CStr::from_ptr(pwd.pw_name) };
    name.to_str().ok().map(str::to_string)
}

/// No passwd database to ask.
#[cfg(not(unix))]
fn os_account() -> Option<String> {
    None
}

/// The columns of `review export` and `review import` (UTF-8 with BOM; a contract).
pub(crate) const DECISIONS_CSV_HEADER: [&str; 7] = [
    "city",
    "sector",
    "channel",
    "verdict",
    "reason",
    "reviewer",
    "decided_at",
];

/// Decisions as CSV, for teams that split the work in a spreadsheet.
pub fn to_csv(ds: &[Decision]) -> Vec<u8> {
    crate::export::formats::csv_with_bom(|w| {
        w.write_record(DECISIONS_CSV_HEADER).expect("in memory");
        for d in ds {
            w.write_record([
                d.city_id.as_str(),
                &d.sector,
                &d.channel,
                d.verdict.as_str(),
                &d.reason,
                &d.reviewer,
                &d.decided_at,
            ])
            .expect("in memory");
        }
    })
}

/// Imports a decisions CSV: every row is validated first (city, sector, channel, verdict,
/// reason), all problems are reported with their line numbers, and nothing is written
/// unless every row is good; then each row is a decision by its reviewer.
pub fn import(
    conn: &Connection,
    m: &Matrix,
    bytes: &[u8],
    path: &str,
) -> Result<usize, ReviewError> {
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
    for (i, rec) in reader.records().enumerate() {
        let line = i + 2;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                problems.push(format!("{path}:{line}: unreadable: {e}"));
                continue;
            }
        };
        let get = |n: &str| {
            col(n)
                .and_then(|c| rec.get(c))
                .unwrap_or("")
                .trim()
                .to_string()
        };
        let (city, sector, channel, verdict, reason) = (
            get("city"),
            get("sector"),
            get("channel"),
            get("verdict"),
            get("reason"),
        );
        let found = m
            .cities
            .iter()
            .find(|c| crate::model::city::name_matches(&c.id, &c.name, &city));
        let mut bad = |m: String| problems.push(format!("{path}:{line}: {m}"));
        let Some(c) = found else {
            bad(format!("unknown city `{city}`"));
            continue;
        };
        let s = match sector.parse::<Sector>() {
            Ok(s) => Some(s),
            Err(e) => {
                bad(e);
                None
            }
        };
        if !m.channels.contains(&channel) {
            bad(format!("unknown channel `{channel}`"));
        }
        let v = match verdict.parse::<Verdict>() {
            Ok(v) => Some(v),
            Err(e) => {
                bad(e);
                None
            }
        };
        if reason.is_empty() {
            bad("missing reason".into());
        }
        if let (Some(s), Some(v)) = (s, v)
            && !reason.is_empty()
            && m.channels.contains(&channel)
        {
            rows.push((
                c.id.clone(),
                s,
                channel,
                v,
                reason,
                get("reviewer"),
                get("decided_at"),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(ReviewError::Invalid(format!(
            "{} problem(s), nothing imported:\n  {}",
            problems.len(),
            problems.join("\n  ")
        )));
    }
    let tx = conn.unchecked_transaction()?;
    for (city, sector, channel, verdict, reason, reviewer, at) in &rows {
        let reviewer = row_reviewer(reviewer)?;
        decide(
            &tx,
            m,
            &NewDecision {
                city_id: city,
                sector: *sector,
                channel,
                verdict: *verdict,
                reason,
                reviewer: &reviewer,
                decided_at: Some(at).filter(|a| !a.is_empty()).map(String::as_str),
            },
        )?;
    }
    tx.commit()?;
    Ok(rows.len())
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
