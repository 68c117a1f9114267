//! Which cells a reviewer looks at, and in what order: the filters shared by
//! `review list` and the review screen, the uncertain-first order of the pending queue,
//! the progress line, and the agreement of the machine with the reviewers.

use crate::export::matrix::{Cell, CityRow, Matrix, Value};
use crate::model::{Region, Sector, Strength, Tier};
use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

/// The review state a filter keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum State {
    /// Every cell.
    #[default]
    All,
    /// Not reviewed yet.
    Pending,
    /// Reviewed, but the evidence changed since.
    Stale,
    /// Reviewed (stale or not).
    Reviewed,
    /// Cells whose findings are all weak: the machine said no, but saw something.
    Weak,
}

impl State {
    /// Every state, in the order the screen offers them.
    pub(crate) const ALL: [State; 5] = [
        State::All,
        State::Pending,
        State::Stale,
        State::Reviewed,
        State::Weak,
    ];

    /// The id used in URLs and flags.
    pub fn as_str(self) -> &'static str {
        match self {
            State::All => "all",
            State::Pending => "pending",
            State::Stale => "stale",
            State::Reviewed => "reviewed",
            State::Weak => "weak",
        }
    }

    fn keeps(self, cell: &Cell) -> bool {
        match self {
            State::All => true,
            State::Pending => cell.review.is_none(),
            State::Stale => cell.review.as_ref().is_some_and(|r| r.stale),
            State::Reviewed => cell.review.is_some(),
            State::Weak => cell.strength == Some(Strength::Weak),
        }
    }
}

impl FromStr for State {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        State::ALL
            .into_iter()
            .find(|st| st.as_str() == s.trim())
            .ok_or_else(|| {
                format!("unknown review state `{s}` (all, pending, stale, reviewed, weak)")
            })
    }
}

/// What a reviewer asked to see. `None` keeps everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    /// A city id or name (as `model::city::name_matches` reads it).
    pub city: Option<String>,
    pub tier: Option<Tier>,
    pub region: Option<Region>,
    pub sector: Option<Sector>,
    pub channel: Option<String>,
    pub state: State,
}

impl Filter {
    /// A filter from the words a reviewer typed (`review list` flags, the screen's form):
    /// `None` or blank keeps everything; a tier, region, sector or state it does not know
    /// is an error naming the choices.
    pub fn parse(
        city: Option<&str>,
        tier: Option<&str>,
        region: Option<&str>,
        sector: Option<&str>,
        channel: Option<&str>,
        state: Option<&str>,
    ) -> Result<Filter, String> {
        fn word(s: Option<&str>) -> Option<&str> {
            s.map(str::trim).filter(|s| !s.is_empty())
        }
        fn opt<T: FromStr<Err = String>>(s: Option<&str>) -> Result<Option<T>, String> {
            word(s).map(str::parse).transpose()
        }
        Ok(Filter {
            city: word(city).map(str::to_string),
            tier: opt(tier)?,
            region: opt(region)?,
            sector: opt(sector)?,
            channel: word(channel).map(str::to_string),
            state: opt(state)?.unwrap_or_default(),
        })
    }

    fn keeps_city(&self, c: &CityRow) -> bool {
        self.city
            .as_deref()
            .is_none_or(|q| crate::model::city::name_matches(&c.id, &c.name, q))
            && self.tier.is_none_or(|t| t == c.tier)
            && self.region.is_none_or(|r| r == c.region)
    }

    fn keeps_cell(&self, cell: &Cell) -> bool {
        self.sector.is_none_or(|s| s == cell.sector)
            && self
                .channel
                .as_deref()
                .is_none_or(|ch| ch == cell.channel.as_str())
            && self.state.keeps(cell)
    }
}

/// Why a cell deserves a look before the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Doubt {
    /// A yes resting on medium evidence only.
    MediumYes,
    /// A no although weak findings exist.
    WeakNo,
    /// The computed value differs from the city's previous audit.
    Changed,
    /// Nothing special.
    None,
    /// The machine could not tell (site unreachable, none found …).
    Unknown,
}

impl Doubt {
    fn of(cell: &Cell, changed: bool) -> Doubt {
        match (cell.computed, cell.strength) {
            (Value::Yes, Some(Strength::Medium)) => Doubt::MediumYes,
            (Value::No, Some(Strength::Weak)) => Doubt::WeakNo,
            _ if changed => Doubt::Changed,
            (Value::Unknown, _) => Doubt::Unknown,
            _ => Doubt::None,
        }
    }

    /// The words `review list` prints.
    pub fn describe(self) -> &'static str {
        match self {
            Doubt::MediumYes => "yes on medium evidence only",
            Doubt::WeakNo => "no, with weak findings",
            Doubt::Changed => "changed since the last audit",
            Doubt::None => "",
            Doubt::Unknown => "unknown",
        }
    }
}

/// One cell in a review queue.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Item {
    pub city_id: String,
    pub city: String,
    pub sector: Sector,
    pub channel: String,
    pub value: Value,
    pub computed: Value,
    pub strength: Option<Strength>,
    pub finding_count: usize,
    pub reviewed: bool,
    pub stale: bool,
    /// Why it is worth a look first.
    pub doubt: Doubt,
}

/// A cell's address.
pub(crate) type CellKey = (String, Sector, String);

/// The cells whose computed value differs between a city's previous audit (`prev`, from
/// `matrix::load_previous`) and its latest (`now`).
pub(crate) fn changed_since(prev: &Matrix, now: &Matrix) -> BTreeSet<CellKey> {
    let mut out = BTreeSet::new();
    for c in &now.cities {
        let Some(p) = prev.cities.iter().find(|p| p.id == c.id) else {
            continue;
        };
        for cell in &c.cells {
            if let Some(old) = p.cell(cell.sector, &cell.channel)
                && old.computed != cell.computed
            {
                out.insert((c.id.clone(), cell.sector, cell.channel.to_string()));
            }
        }
    }
    out
}

/// The cells of `now` that changed since each city's previous audit in the store.
pub(crate) fn changed_in_store(
    conn: &rusqlite::Connection,
    now: &Matrix,
) -> rusqlite::Result<BTreeSet<CellKey>> {
    Ok(changed_since(
        &crate::export::matrix::load_previous(conn)?,
        now,
    ))
}

/// [`queue`] with the cells that changed since each city's previous audit in the store.
pub fn queue_in_store(
    conn: &rusqlite::Connection,
    m: &Matrix,
    f: &Filter,
) -> rusqlite::Result<Vec<Item>> {
    Ok(queue(m, f, &changed_in_store(conn, m)?))
}

/// The cells of `m` (decisions applied) that `f` keeps, in matrix order, or, for the
/// pending queue, the uncertain first (yes on medium evidence, no with weak findings,
/// cells in `changed`), each group in matrix order.
pub fn queue(m: &Matrix, f: &Filter, changed: &BTreeSet<CellKey>) -> Vec<Item> {
    let mut items: Vec<Item> = m
        .cities
        .iter()
        .filter(|c| f.keeps_city(c))
        .flat_map(|c| {
            c.cells
                .iter()
                .filter(|cell| f.keeps_cell(cell))
                .map(|cell| Item {
                    city_id: c.id.clone(),
                    city: c.name.clone(),
                    sector: cell.sector,
                    channel: cell.channel.to_string(),
                    value: cell.value,
                    computed: cell.computed,
                    strength: cell.strength,
                    finding_count: cell.finding_count,
                    reviewed: cell.review.is_some(),
                    stale: cell.review.as_ref().is_some_and(|r| r.stale),
                    doubt: Doubt::of(
                        cell,
                        changed.contains(&(c.id.clone(), cell.sector, cell.channel.to_string())),
                    ),
                })
        })
        .collect();
    if f.state == State::Pending {
        items.sort_by_key(|i| i.doubt);
    }
    items
}

/// Reviewed cells and all cells of `m`: the progress line (`reviewed 412 / 2,359 cells`).
pub fn progress(m: &Matrix) -> (usize, usize) {
    let cells = m.cities.iter().flat_map(|c| &c.cells);
    let total = cells.clone().count();
    (cells.filter(|c| c.review.is_some()).count(), total)
}

/// How often the reviewers kept and overturned the machine's values on one channel.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Agreement {
    pub channel: String,
    /// Computed yes, reviewed: kept yes / overturned to no.
    pub yes_kept: usize,
    pub yes_overturned: usize,
    /// Computed no, reviewed: kept no / overturned to yes.
    pub no_kept: usize,
    pub no_overturned: usize,
    /// Computed unknown, reviewed yes / no.
    pub unknown_to_yes: usize,
    pub unknown_to_no: usize,
}

impl Agreement {
    /// Reviewed cells with a yes or no computed value.
    pub(crate) fn decided(&self) -> usize {
        self.yes_kept + self.yes_overturned + self.no_kept + self.no_overturned
    }

    /// The share of those the reviewers kept.
    pub fn rate(&self) -> Option<f64> {
        let n = self.decided();
        (n > 0).then(|| (self.yes_kept + self.no_kept) as f64 / n as f64)
    }
}

/// The agreement table per channel (in the matrix's order) of a matrix with decisions
/// applied: what `--computed` exports measure detection against.
pub fn agreement(m: &Matrix) -> Vec<Agreement> {
    let mut by: BTreeMap<&str, Agreement> = BTreeMap::new();
    for cell in m.cities.iter().flat_map(|c| &c.cells) {
        let Some(r) = &cell.review else { continue };
        let a = by
            .entry(cell.channel.as_str())
            .or_insert_with(|| Agreement {
                channel: cell.channel.to_string(),
                ..Agreement::default()
            });
        let slot = match (r.computed, r.value) {
            (Value::Yes, Value::Yes) => &mut a.yes_kept,
            (Value::Yes, _) => &mut a.yes_overturned,
            (Value::No, Value::No) => &mut a.no_kept,
            (Value::No, _) => &mut a.no_overturned,
            (Value::Unknown, Value::Yes) => &mut a.unknown_to_yes,
            (Value::Unknown, _) => &mut a.unknown_to_no,
        };
        *slot += 1;
    }
    m.channels
        .ids()
        .filter_map(|id| by.remove(id.as_str()))
        .collect()
}

/// The agreement table as Markdown.
pub fn agreement_md(rows: &[Agreement]) -> String {
    let mut out = String::from(
        "## Agreement with the reviewers\n\n| channel | yes kept | yes overturned | no kept | no overturned | unknown → yes | unknown → no | agreement |\n|---|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    if rows.is_empty() {
        out.push_str("| (no reviewed cells) | | | | | | | |\n");
    }
    for a in rows {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} |\n",
            a.channel,
            a.yes_kept,
            a.yes_overturned,
            a.no_kept,
            a.no_overturned,
            a.unknown_to_yes,
            a.unknown_to_no,
            a.rate()
                .map_or("-".into(), |r| format!("{:.1}%", r * 100.0))
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip() {
        for s in State::ALL {
            assert_eq!(s.as_str().parse::<State>().unwrap(), s);
        }
        assert!("later".parse::<State>().unwrap_err().contains("pending"));
    }

    #[test]
    fn doubts_sort_uncertain_first() {
        let mut d = vec![
            Doubt::Unknown,
            Doubt::None,
            Doubt::Changed,
            Doubt::WeakNo,
            Doubt::MediumYes,
        ];
        d.sort();
        assert_eq!(
            d,
            [
                Doubt::MediumYes,
                Doubt::WeakNo,
                Doubt::Changed,
                Doubt::None,
                Doubt::Unknown
            ]
        );
    }
}
