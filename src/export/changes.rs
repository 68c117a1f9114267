//! The change report a finished `run` or `recheck` prints: against each city's previous
//! audit, which cells appeared, disappeared or became unknown, which accounts appeared
//! or disappeared, and which cities were not reached (their values carried forward), so
//! that a scheduled run's log says what changed.

use super::accounts;
use super::diff::{self, Change};
use super::matrix::Matrix;
use crate::model::terminal::shown;
use rusqlite::Connection;
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// An account as the report compares it: city, sector, channel, account.
type AccountKey = (String, String, String, String);

/// What changed in one run against each city's previous audit.
#[derive(Debug, Clone, Default)]
pub struct ChangeReport {
    /// Cities of the run audited before (the rest are new).
    pub compared: usize,
    pub appeared: Vec<Change>,
    pub disappeared: Vec<Change>,
    pub became_unknown: Vec<Change>,
    pub accounts_appeared: Vec<AccountKey>,
    pub accounts_disappeared: Vec<AccountKey>,
    /// Cities whose portal the run did not reach, with the date of the audit whose
    /// values they keep (`None`: no earlier audit reached it either).
    pub not_reached: Vec<(String, String, Option<String>)>,
}

/// The accounts of `m`'s audits, as comparable keys.
fn account_keys(conn: &Connection, m: &Matrix) -> rusqlite::Result<BTreeSet<AccountKey>> {
    Ok(accounts::load(conn, m)?
        .into_iter()
        .map(|a| {
            (
                format!("{} {}", a.city_id, a.city),
                a.sector.as_str().to_string(),
                a.channel.as_str().to_string(),
                a.account,
            )
        })
        .collect())
}

/// The report of `run` against each of its cities' previous audits.
pub fn report(conn: &Connection, run: i64) -> rusqlite::Result<ChangeReport> {
    // The machine's values on both sides: what the audit found changed, not a review.
    let mut now = super::matrix::load(conn, Some(run))?;
    let mut before = diff::previous(conn, run)?;
    let mut out = ChangeReport::default();
    // A city the run did not reach keeps its previous values: it is reported as such,
    // not as every cell become unknown.
    let (failed, reached): (Vec<_>, Vec<_>) =
        now.cities.into_iter().partition(|c| c.status != "ok");
    if !failed.is_empty() {
        let exported = super::matrix::load(conn, None)?;
        for c in failed {
            let kept = exported
                .cities
                .iter()
                .find(|k| k.id == c.id)
                .and_then(|k| k.carried_forward.as_ref())
                .map(|f| f.date().to_string());
            out.not_reached
                .push((format!("{} {}", c.id, c.name), portal_outcome(&c), kept));
        }
    }
    now.cities = reached;
    out.compared = now
        .cities
        .iter()
        .filter(|c| before.cities.iter().any(|b| b.id == c.id))
        .count();
    for ch in diff::diff(&before, &now) {
        match ch.change {
            "appeared" => out.appeared.push(ch),
            "disappeared" => out.disappeared.push(ch),
            "became-unknown" => out.became_unknown.push(ch),
            _ => {}
        }
    }
    let compared: BTreeSet<&str> = now.cities.iter().map(|c| c.id.as_str()).collect();
    before.cities.retain(|c| compared.contains(c.id.as_str()));
    let (a, b) = (account_keys(conn, &before)?, account_keys(conn, &now)?);
    out.accounts_appeared = b.difference(&a).cloned().collect();
    out.accounts_disappeared = a.difference(&b).cloned().collect();
    Ok(out)
}

/// Why a city's portal was not reached, as its general cells say.
fn portal_outcome(c: &super::matrix::CityRow) -> String {
    c.cells
        .iter()
        .find(|x| x.sector == crate::model::Sector::General)
        .and_then(|x| x.reason.clone())
        .unwrap_or_else(|| "failed".into())
}

impl ChangeReport {
    /// The report as lines for a terminal or a log: the counts, then the first
    /// `per_kind` lines of each kind.
    pub fn to_text(&self, per_kind: usize) -> String {
        let mut out = format!(
            "changes against each city's previous audit ({} cities compared): {} appeared, {} disappeared, {} became unknown; accounts: {} appeared, {} disappeared\n",
            self.compared,
            self.appeared.len(),
            self.disappeared.len(),
            self.became_unknown.len(),
            self.accounts_appeared.len(),
            self.accounts_disappeared.len()
        );
        for (city, why, kept) in &self.not_reached {
            let _ = writeln!(
                out,
                "  NOT REACHED {} ({why}): {}",
                shown(city),
                match kept {
                    Some(d) => format!("its previous values are kept (carried forward from {d})"),
                    None => "no earlier audit reached it either: its cells are unknown".into(),
                }
            );
        }
        for (label, list) in [
            ("appeared", &self.appeared),
            ("disappeared", &self.disappeared),
            ("became unknown", &self.became_unknown),
        ] {
            for c in list.iter().take(per_kind) {
                let _ = writeln!(
                    out,
                    "  {label}: {} {} {} {} ({} → {}) {}",
                    c.city_id,
                    shown(&c.city),
                    c.sector,
                    c.channel,
                    c.before.as_str(),
                    c.after.as_str(),
                    shown(&c.evidence)
                );
            }
            if list.len() > per_kind {
                let _ = writeln!(out, "  … {} more {label}", list.len() - per_kind);
            }
        }
        for (label, list) in [
            ("account appeared", &self.accounts_appeared),
            ("account disappeared", &self.accounts_disappeared),
        ] {
            for (city, sector, channel, account) in list.iter().take(per_kind) {
                let _ = writeln!(
                    out,
                    "  {label}: {} {sector} {channel} {}",
                    shown(city),
                    shown(account)
                );
            }
            if list.len() > per_kind {
                let _ = writeln!(out, "  … {} more {label}", list.len() - per_kind);
            }
        }
        out
    }
}
