//! The adoption matrix: one cell per city × sector × channel, computed from the store.
//!
//! A cell is `yes` when a strong or medium finding exists, `no` when every site of that
//! sector was audited successfully and nothing counts, and `unknown` otherwise (not
//! audited, unreachable, blocked): a dead portal is never "no". By default each city is
//! taken from its latest audit that reached its portal, so a `recheck` updates the
//! matrix and an outage does not blank it (the values are marked carried forward, with
//! the date of the audit they come from); [`Audits::Latest`] takes the latest audit
//! whatever it found, and a run id exactly that run. A run marked `failed` (the network
//! was down) is never a city's audit unless named.
//!
//! The columns are the channels the audits were made for (each run records its rules'
//! channel table): a city audited before a channel existed has that cell `unknown`.

use crate::model::{ChannelId, Channels, Region, Sector, Strength, Tier};
use rusqlite::{Connection, params};
use std::collections::BTreeMap;

/// A cell's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Value {
    Yes,
    No,
    Unknown,
}

impl Value {
    pub fn as_str(self) -> &'static str {
        match self {
            Value::Yes => "yes",
            Value::No => "no",
            Value::Unknown => "unknown",
        }
    }
}

/// One city × sector × channel, with the evidence behind it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Cell {
    pub sector: Sector,
    pub channel: ChannelId,
    pub value: Value,
    /// The strongest finding's strength, if any finding exists.
    pub strength: Option<Strength>,
    pub finding_count: usize,
    pub best_target: String,
    pub best_page: String,
    /// Id of the best finding, for links to the evidence.
    pub best_finding: Option<i64>,
    /// Why an `unknown` cell is unknown: `no-site-found` (no department site was found
    /// for the sector), `not-audited` (the audit's rules did not have the channel), or
    /// the failed site's outcome (`unreachable`, `blocked-by-robots`, `http-error`,
    /// `not-html`, `protocol-error`, …).
    pub reason: Option<String>,
    /// The machine's value (`value` is the reviewer's when the cell was reviewed).
    pub computed: Value,
    /// The reviewer's decision in force, when there is one.
    pub review: Option<Review>,
}

impl Cell {
    /// Why a cell the machine could not decide is unknown (empty for a known cell):
    /// `unreachable`, `blocked-by-robots`, `no-site-found`, `not-html`, `http-error`,
    /// `not-audited`, ….
    pub fn unknown_reason(&self) -> &str {
        match self.computed {
            Value::Unknown => self.reason.as_deref().unwrap_or("not-audited"),
            _ => "",
        }
    }
}

/// A reviewer's decision applied to a cell.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Review {
    pub value: Value,
    pub computed: Value,
    pub reviewer: String,
    pub reason: String,
    pub decided_at: String,
    /// The audit's evidence for the cell differs from what the decision was based on.
    pub stale: bool,
}

/// Where a city's values come from when its latest audit did not reach its portal.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CarriedForward {
    /// When the audit the values come from finished (RFC 3339).
    pub audited_at: String,
    /// The later run whose audit of the city failed.
    pub failed_run: i64,
}

impl CarriedForward {
    /// The date of the audit the values come from (`2026-09-01`).
    pub fn date(&self) -> &str {
        self.audited_at.get(..10).unwrap_or(&self.audited_at)
    }
}

/// A city's row of the matrix.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CityRow {
    pub id: String,
    pub name: String,
    pub province: String,
    pub tier: Tier,
    pub region: Region,
    pub audit_run: i64,
    /// `ok` (portal reachable) or `failed`.
    pub status: String,
    /// Set when the city's latest audit failed and these values come from an earlier,
    /// reached one.
    pub carried_forward: Option<CarriedForward>,
    /// The sectors the city has (general first, then seeded departments).
    pub sectors: Vec<Sector>,
    /// The channels the city's audit looked for.
    pub audited_channels: Vec<ChannelId>,
    /// The sectors the audit had a site for (seeded or discovered), general included.
    pub site_sectors: Vec<Sector>,
    pub cells: Vec<Cell>,
}

impl CityRow {
    /// The cell of a sector and channel.
    pub fn cell(&self, sector: Sector, channel: &ChannelId) -> Option<&Cell> {
        self.cells
            .iter()
            .find(|c| c.sector == sector && c.channel == *channel)
    }

    /// The value of a sector and channel; `unknown` for a sector the city has no site for.
    pub fn value(&self, sector: Sector, channel: &ChannelId) -> Value {
        self.cell(sector, channel)
            .map_or(Value::Unknown, |c| c.value)
    }
}

/// The whole matrix and where it came from.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Matrix {
    /// `None` for "latest audit per city".
    pub run: Option<i64>,
    pub rules_version: String,
    /// The columns: the channels of the audits' rules, in order (a union when the
    /// audits were made with different rules).
    pub channels: Channels,
    pub cities: Vec<CityRow>,
}

impl Matrix {
    /// Keeps only the channels named by `ids` (in the matrix's order) or, with `group`,
    /// those of that group: `--channels` and `--channel-group` on exports. An id or group
    /// the matrix does not have is an error listing what it has.
    pub fn select_channels(&mut self, ids: &[String], group: Option<&str>) -> Result<(), String> {
        if ids.is_empty() && group.is_none() {
            return Ok(());
        }
        let known = || {
            self.channels
                .ids()
                .map(ChannelId::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        };
        if let Some(bad) = ids.iter().find(|i| !self.channels.contains(i)) {
            return Err(format!(
                "unknown channel `{bad}` (the audits have: {})",
                known()
            ));
        }
        if let Some(g) = group
            && !self.channels.iter().any(|c| c.group == g)
        {
            let mut groups: Vec<&str> = self.channels.iter().map(|c| c.group.as_str()).collect();
            groups.dedup();
            return Err(format!(
                "unknown channel group `{g}` (the audits have: {})",
                groups.join(", ")
            ));
        }
        let keep = self.channels.filtered(|c| {
            (ids.is_empty() || ids.iter().any(|i| c.id == *i.as_str()))
                && group.is_none_or(|g| c.group == g)
        });
        for city in &mut self.cities {
            city.cells
                .retain(|cell| keep.contains(cell.channel.as_str()));
        }
        self.channels = keep;
        Ok(())
    }
}

/// A finding as the matrix needs it: strength, target, page, id.
type Evidence = (Strength, String, String, i64);

/// Which audits a matrix is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audits {
    /// Each city's latest audit whose portal was reached; a city whose later audits all
    /// failed keeps these values, marked as carried forward (the default of exports).
    Reached,
    /// Each city's latest audit, reached or not (`--latest`).
    Latest,
    /// Exactly this run (`--run N`).
    Run(i64),
}

/// A city's audit chosen for the matrix: the run, and when its values are carried
/// forward past a later failed audit, that audit's run.
type Chosen = (String, i64, Option<i64>);

/// Which run each city is taken from. A run marked `failed` (the network was down) is
/// never any city's audit unless asked for by number.
fn audits(conn: &Connection, which: Audits) -> rusqlite::Result<Vec<Chosen>> {
    if let Audits::Run(run) = which {
        let mut st = conn.prepare(
            "SELECT city_id, run_id FROM run_cities WHERE run_id = ?1 AND status != 'pending' ORDER BY rowid",
        )?;
        let rows = st.query_map(params![run], |r| Ok((r.get(0)?, r.get(1)?, None)))?;
        return rows.collect();
    }
    let mut st = conn.prepare(
        "SELECT c.city_id, MAX(c.run_id), MAX(CASE WHEN c.status = 'ok' THEN c.run_id END)
         FROM run_cities c JOIN runs r ON r.id = c.run_id
         WHERE c.status != 'pending' AND r.status != 'failed'
         GROUP BY c.city_id ORDER BY MIN(c.rowid)",
    )?;
    let rows = st.query_map([], |r| {
        let (city, latest, reached): (String, i64, Option<i64>) = (r.get(0)?, r.get(1)?, r.get(2)?);
        Ok(match reached {
            Some(ok) if which == Audits::Reached && ok < latest => (city, ok, Some(latest)),
            _ => (city, latest, None),
        })
    })?;
    rows.collect()
}

/// Each city's finished audit before its latest one: the previous edition.
fn previous_audits(conn: &Connection) -> rusqlite::Result<Vec<Chosen>> {
    let mut st = conn.prepare(
        "SELECT c.city_id, MAX(c.run_id) FROM run_cities c JOIN runs r ON r.id = c.run_id
         WHERE c.status != 'pending' AND r.status != 'failed'
           AND c.run_id < (SELECT MAX(d.run_id) FROM run_cities d JOIN runs e ON e.id = d.run_id
                           WHERE d.city_id = c.city_id AND d.status != 'pending' AND e.status != 'failed')
         GROUP BY c.city_id ORDER BY MIN(c.rowid)",
    )?;
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, None)))?;
    rows.collect()
}

/// Computes the matrix from the store: each city's latest reached audit (values carried
/// forward past failed ones), or with a run id exactly that run.
pub fn load(conn: &Connection, run: Option<i64>) -> rusqlite::Result<Matrix> {
    load_from(conn, run.map_or(Audits::Reached, Audits::Run))
}

/// Computes the matrix of the audits `which` names.
pub fn load_from(conn: &Connection, which: Audits) -> rusqlite::Result<Matrix> {
    let pairs = audits(conn, which)?;
    let run = match which {
        Audits::Run(r) => Some(r),
        _ => None,
    };
    load_audits(conn, run, pairs)
}

/// The matrix of each city's previous audit (the one before its latest), for the cities
/// audited more than once: what "changed since the last edition" compares with.
pub(crate) fn load_previous(conn: &Connection) -> rusqlite::Result<Matrix> {
    let pairs = previous_audits(conn)?;
    load_audits(conn, None, pairs)
}

/// Each sector's site outcomes in a city's audit.
fn site_outcomes(
    conn: &Connection,
    run_id: i64,
    city_id: &str,
) -> rusqlite::Result<BTreeMap<Sector, Vec<String>>> {
    let mut outcomes: BTreeMap<Sector, Vec<String>> = BTreeMap::new();
    let mut st =
        conn.prepare("SELECT sector, outcome FROM sites WHERE run_id = ?1 AND city_id = ?2")?;
    for r in st.query_map(params![run_id, city_id], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })? {
        let (s, o) = r?;
        if let Ok(s) = s.parse::<Sector>() {
            outcomes.entry(s).or_default().push(o);
        }
    }
    Ok(outcomes)
}

/// A city's findings per sector × channel.
fn city_findings(
    conn: &Connection,
    run_id: i64,
    city_id: &str,
) -> rusqlite::Result<BTreeMap<(Sector, ChannelId), Vec<Evidence>>> {
    let mut found: BTreeMap<(Sector, ChannelId), Vec<Evidence>> = BTreeMap::new();
    let mut st = conn.prepare(
        "SELECT sector, channel, strength, target, page_url, id FROM findings WHERE run_id = ?1 AND city_id = ?2 ORDER BY id",
    )?;
    let rows = st.query_map(params![run_id, city_id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, i64>(5)?,
        ))
    })?;
    for r in rows {
        let (s, c, st, t, p, id) = r?;
        if let (Ok(s), Ok(st)) = (s.parse::<Sector>(), st.parse::<Strength>()) {
            found
                .entry((s, ChannelId::new(c)))
                .or_default()
                .push((st, t, p, id));
        }
    }
    Ok(found)
}

/// One sector's cells: yes on channel evidence; no only when every site of the sector
/// was audited and the run looked for the channel; otherwise unknown, with the reason.
fn cells_of_sector(
    sector: Sector,
    columns: &Channels,
    audited: &Channels,
    outcomes: &BTreeMap<Sector, Vec<String>>,
    found: &mut BTreeMap<(Sector, ChannelId), Vec<Evidence>>,
    cells: &mut Vec<Cell>,
) {
    let audited_ok = outcomes
        .get(&sector)
        .is_some_and(|o| !o.is_empty() && o.iter().all(|x| x == "ok"));
    for channel in columns.ids() {
        let mut fs = found.remove(&(sector, channel.clone())).unwrap_or_default();
        fs.sort_by_key(|f| f.0);
        let best = fs.first();
        let value = if best.is_some_and(|b| b.0.counts()) {
            Value::Yes
        } else if audited_ok && audited.contains(channel.as_str()) {
            Value::No
        } else {
            Value::Unknown
        };
        cells.push(Cell {
            computed: value,
            review: None,
            sector,
            channel: channel.clone(),
            value,
            strength: best.map(|b| b.0),
            finding_count: fs.len(),
            best_target: best.map(|b| b.1.clone()).unwrap_or_default(),
            best_page: best.map(|b| b.2.clone()).unwrap_or_default(),
            best_finding: best.map(|b| b.3),
            reason: match value {
                Value::Unknown if !outcomes.contains_key(&sector) => Some("no-site-found".into()),
                Value::Unknown if audited_ok => Some("not-audited".into()),
                Value::Unknown => outcomes
                    .get(&sector)
                    .and_then(|o| o.iter().find(|x| *x != "ok").cloned()),
                _ => None,
            },
        });
    }
}

fn load_audits(
    conn: &Connection,
    run: Option<i64>,
    pairs: Vec<Chosen>,
) -> rusqlite::Result<Matrix> {
    let mut cities = Vec::new();
    let mut versions = std::collections::BTreeSet::new();
    let mut columns = Channels::default();
    let mut tables: BTreeMap<i64, Channels> = BTreeMap::new();
    for (_, run_id, _) in &pairs {
        if !tables.contains_key(run_id) {
            let t = crate::store::runs::run_channels(conn, *run_id)?;
            columns = columns.union(&t);
            tables.insert(*run_id, t);
        }
    }
    if pairs.is_empty()
        && let Some(r) = run
    {
        columns = crate::store::runs::run_channels(conn, r)?;
    }
    for (city_id, run_id, failed_run) in pairs {
        let audited = &tables[&run_id];
        let (name, province, tier, region, departments, status, rules, settings, finished): (String, String, String, String, String, String, Option<String>, String, Option<String>) =
            conn.query_row(
                "SELECT c.name, c.province, c.tier, c.region, c.departments, c.status, r.rules_version, r.settings, c.finished_at
                 FROM run_cities c JOIN runs r ON r.id = c.run_id WHERE c.run_id = ?1 AND c.city_id = ?2",
                params![run_id, city_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?)),
            )?;
        let carried_forward = failed_run.map(|failed_run| CarriedForward {
            audited_at: finished.clone().unwrap_or_default(),
            failed_run,
        });
        // A run that looked for department sites has every sector: one where none was
        // found is `unknown` (no-site-found), never `no`.
        let discovered: bool = serde_json::from_str::<serde_json::Value>(&settings)
            .ok()
            .and_then(|v| v.get("discover").and_then(serde_json::Value::as_bool))
            .unwrap_or(false);
        if let Some(v) = rules {
            versions.insert(v);
        }
        let depts: BTreeMap<Sector, Vec<String>> =
            serde_json::from_str(&departments).unwrap_or_default();
        let mut sectors = vec![Sector::General];
        if discovered {
            sectors.extend(Sector::DEPARTMENTS.iter().copied());
        } else {
            sectors.extend(depts.keys().copied());
        }
        let outcomes = site_outcomes(conn, run_id, &city_id)?;
        let mut found = city_findings(conn, run_id, &city_id)?;
        for s in outcomes.keys() {
            if !sectors.contains(s) {
                sectors.push(*s);
            }
        }
        let site_sectors: Vec<Sector> = outcomes.keys().copied().collect();
        let mut cells = Vec::new();
        for &sector in &sectors {
            cells_of_sector(sector, &columns, audited, &outcomes, &mut found, &mut cells);
        }
        cities.push(CityRow {
            id: city_id,
            name,
            province,
            tier: tier.parse().unwrap_or(Tier::Prefecture),
            region: region.parse().unwrap_or(Region::East),
            audit_run: run_id,
            status,
            carried_forward,
            sectors,
            audited_channels: audited.ids().cloned().collect(),
            site_sectors,
            cells,
        });
    }
    Ok(Matrix {
        run,
        rules_version: versions.into_iter().collect::<Vec<_>>().join(", "),
        channels: columns,
        cities,
    })
}
