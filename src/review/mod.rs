//! Reviewers' decisions on cells (and on inspection checks, `checks`): recorded append-only with who, when, why and on what
//! evidence, applied by every export, and flagged stale when a later audit's evidence for
//! the cell differs. Only this module writes the `decisions` table; nothing deletes from it
//! (`redetect`, `recheck` and runs never touch it).

mod checks;
mod file;
pub mod queue;
mod reviewer;

pub use checks::apply_checks;
pub use file::{ImportReport, import, to_csv};
pub use reviewer::reviewer_name;

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

/// What a decision rests on: the audit the reviewer saw, the cell's computed value then,
/// and the evidence (`[rule, target, sha256]`). A decision whose basis differs from the
/// cell's current one is stale.
#[derive(Debug, Clone, PartialEq)]
pub struct Basis {
    pub run_id: Option<i64>,
    pub computed: String,
    pub evidence: Vec<[String; 3]>,
}

/// The longest reason accepted, in characters: a reason is a sentence or a paragraph,
/// and an unbounded one (a 50 MB cell) breaks every spreadsheet it reaches.
pub const MAX_REASON_CHARS: usize = 4_000;
/// The longest reviewer name accepted, in characters.
pub const MAX_REVIEWER_CHARS: usize = 200;
/// How far in the future a decision's time may be (clocks differ a little).
const CLOCK_SKEW: chrono::Duration = chrono::Duration::minutes(5);

/// Why `d` cannot be recorded as it is, whichever way it came (command line, screen,
/// decisions file): an empty or over-long reason, control characters (a reason may
/// have line breaks and tabs, a name nothing), or a time that is not RFC 3339 or lies
/// in the future.
pub fn check(d: &NewDecision<'_>) -> Result<(), String> {
    if d.reason.trim().is_empty() {
        return Err("a reason is required (--reason \"…\")".into());
    }
    let reason_chars = d.reason.trim().chars().count();
    if reason_chars > MAX_REASON_CHARS {
        return Err(format!(
            "the reason has {reason_chars} characters; at most {MAX_REASON_CHARS} are accepted"
        ));
    }
    if let Some(c) = d
        .reason
        .chars()
        .find(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(format!(
            "the reason contains the control character {}",
            c.escape_unicode()
        ));
    }
    if matches!(d.reviewer.trim(), "" | "unknown") {
        return Err("a decision needs its reviewer's name (--reviewer NAME)".into());
    }
    let reviewer_chars = d.reviewer.trim().chars().count();
    if reviewer_chars > MAX_REVIEWER_CHARS {
        return Err(format!(
            "the reviewer's name has {reviewer_chars} characters; at most {MAX_REVIEWER_CHARS} are accepted"
        ));
    }
    if let Some(c) = d.reviewer.chars().find(|c| c.is_control()) {
        return Err(format!(
            "the reviewer's name contains the control character {}",
            c.escape_unicode()
        ));
    }
    if let Some(at) = d.decided_at {
        stored_time(at)?;
    }
    Ok(())
}

/// A decision's time as stored (UTC, milliseconds, so that times order as text), or why
/// `at` is not one: not RFC 3339, or in the future.
pub(crate) fn stored_time(at: &str) -> Result<String, String> {
    let t = chrono::DateTime::parse_from_rfc3339(at.trim())
        .map_err(|e| {
            format!("decided_at `{at}` is not an RFC 3339 time (2026-03-31T09:00:00Z): {e}")
        })?
        .with_timezone(&chrono::Utc);
    if t > chrono::Utc::now() + CLOCK_SKEW {
        return Err(format!("decided_at `{at}` is in the future"));
    }
    Ok(crate::store::runs::timestamp(t))
}

/// `d`'s time as stored: its own, or now.
fn decided_at(d: &NewDecision<'_>) -> Result<String, ReviewError> {
    match d.decided_at {
        Some(at) => stored_time(at).map_err(ReviewError::Invalid),
        None => Ok(crate::store::runs::now()),
    }
}

/// Records a decision on a cell of `m` (the audits the reviewer sees), resting on the
/// cell's current evidence. The cell must exist and [`check`] must pass.
pub fn decide(conn: &Connection, m: &Matrix, d: &NewDecision<'_>) -> Result<i64, ReviewError> {
    Ok(prepare(conn, m, d, None)?.insert(conn)?)
}

/// The row of `m` and the cell `d` is about.
fn cell_of<'m>(
    m: &'m Matrix,
    d: &NewDecision<'_>,
) -> Result<
    (
        &'m crate::export::matrix::CityRow,
        &'m crate::export::matrix::Cell,
    ),
    ReviewError,
> {
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
    Ok((city, cell))
}

/// A decision ready to record: checked, its cell found, what it rests on settled.
struct Prepared<'d> {
    d: &'d NewDecision<'d>,
    city_id: String,
    /// The decision's columns as stored (reason and name trimmed).
    sector: &'static str,
    verdict: &'static str,
    reason: &'d str,
    reviewer: &'d str,
    /// The cell's findings in this database that the basis names (empty when the run
    /// named no longer holds that evidence, or is not in this database).
    finding_ids: Vec<i64>,
    basis: Basis,
    /// The time as stored.
    at: String,
}

/// Settles what `d` rests on: `basis` (an imported decision keeps the evidence it was
/// made on), or the cell's current evidence when there is none.
fn prepare<'d>(
    conn: &Connection,
    m: &Matrix,
    d: &'d NewDecision<'d>,
    basis: Option<&Basis>,
) -> Result<Prepared<'d>, ReviewError> {
    check(d).map_err(ReviewError::Invalid)?;
    if d.channel.starts_with("check:") {
        // A decision on an inspection check rests on the checks, not on findings.
        let (city_id, now) = checks::current_basis(conn, m, d.city_id, d.sector, d.channel)?;
        return Ok(Prepared {
            d,
            city_id,
            sector: d.sector.as_str(),
            verdict: d.verdict.as_str(),
            reason: d.reason.trim(),
            reviewer: d.reviewer.trim(),
            finding_ids: Vec::new(),
            basis: basis.cloned().unwrap_or(now),
            at: decided_at(d)?,
        });
    }
    let (city, cell) = cell_of(m, d)?;
    let evidence_in = |run: i64| cell_evidence(conn, run, &city.id, d.sector.as_str(), d.channel);
    let (finding_ids, basis) = match basis {
        Some(b) => {
            // The finding ids are this database's: kept when the run named still holds
            // exactly the evidence the decision rests on.
            let ids = match b.run_id {
                Some(run) => {
                    let (ids, ev) = evidence_in(run)?;
                    if ev == b.evidence { ids } else { Vec::new() }
                }
                None => Vec::new(),
            };
            (ids, b.clone())
        }
        None => {
            let (ids, evidence) = evidence_in(city.audit_run)?;
            let basis = Basis {
                run_id: Some(city.audit_run),
                computed: cell.computed.as_str().to_string(),
                evidence,
            };
            (ids, basis)
        }
    };
    Ok(Prepared {
        d,
        city_id: city.id.clone(),
        sector: d.sector.as_str(),
        verdict: d.verdict.as_str(),
        reason: d.reason.trim(),
        reviewer: d.reviewer.trim(),
        finding_ids,
        basis,
        at: decided_at(d)?,
    })
}

impl Prepared<'_> {
    /// What makes a decision the same decision, in the table's column order: cell,
    /// verdict, reason, reviewer, time and basis (the evidence as its JSON).
    fn key<'a>(&'a self, evidence_json: &'a dyn rusqlite::ToSql) -> [&'a dyn rusqlite::ToSql; 10] {
        [
            &self.city_id,
            &self.sector,
            &self.d.channel,
            &self.verdict,
            &self.reason,
            &self.reviewer,
            &self.at,
            &self.basis.run_id,
            &self.basis.computed,
            evidence_json,
        ]
    }

    fn evidence_json(&self) -> String {
        serde_json::to_string(&self.basis.evidence).expect("serialisable")
    }

    /// Whether exactly this decision is recorded already: importing a file twice must
    /// not record it twice. A decision made now is always new.
    fn recorded(&self, conn: &Connection) -> rusqlite::Result<bool> {
        if self.d.decided_at.is_none() {
            return Ok(false);
        }
        let evidence = self.evidence_json();
        conn.query_row(
            "SELECT EXISTS(SELECT 1 FROM decisions WHERE city_id = ?1 AND sector = ?2 AND channel = ?3
               AND verdict = ?4 AND reason = ?5 AND reviewer = ?6 AND decided_at = ?7
               AND run_id IS ?8 AND computed = ?9 AND evidence = ?10)",
            &self.key(&evidence)[..],
            |r| r.get(0),
        )
    }

    /// Appends the decision; returns its id.
    fn insert(&self, conn: &Connection) -> rusqlite::Result<i64> {
        let (evidence, ids) = (
            self.evidence_json(),
            serde_json::to_string(&self.finding_ids).expect("serialisable"),
        );
        let key = self.key(&evidence);
        conn.execute(
            "INSERT INTO decisions (city_id, sector, channel, verdict, reason, reviewer, decided_at, run_id, computed, evidence, finding_ids)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            rusqlite::params_from_iter(key.iter().chain([&ids as &dyn rusqlite::ToSql].iter())),
        )?;
        Ok(conn.last_insert_rowid())
    }
}

/// Records `d` unless exactly it is recorded already; `Some(id)` when it was recorded now.
fn record_once(
    conn: &Connection,
    m: &Matrix,
    d: &NewDecision<'_>,
    basis: Option<&Basis>,
) -> Result<Option<i64>, ReviewError> {
    let p = prepare(conn, m, d, basis)?;
    if p.recorded(conn)? {
        return Ok(None);
    }
    Ok(Some(p.insert(conn)?))
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

/// The decision in force on a cell: the one made last (by its time; of two made at the
/// same time, the one recorded last). An imported old decision does not override a newer
/// one.
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
            "SELECT {COLUMNS} FROM decisions WHERE city_id = ?1 AND sector = ?2 AND channel = ?3 ORDER BY decided_at DESC, id DESC LIMIT 1"
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
