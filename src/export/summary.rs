//! The survey's tables: shares of cities offering each channel, by tier, by region and
//! by sector (and averaged over the five sectors), each with its denominator.

use super::matrix::{Matrix, Value};
use crate::model::{ChannelId, Channels, Region, Sector, Tier};
use std::collections::BTreeMap;

/// A share: `yes` of `known` cities (unknown cells are left out of the denominator).
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Share {
    pub yes: usize,
    pub known: usize,
    /// Cells of the share a reviewer decided.
    pub reviewed: usize,
}

impl Share {
    /// The share as a fraction, if any city is known.
    pub(crate) fn fraction(&self) -> Option<f64> {
        (self.known > 0).then(|| self.yes as f64 / self.known as f64)
    }

    /// `64% (23/36)`, or `– (0/0)` when nothing is known.
    pub fn label(&self) -> String {
        let reviewed = if self.reviewed > 0 {
            format!(", {} reviewed", self.reviewed)
        } else {
            String::new()
        };
        match self.fraction() {
            Some(f) => format!("{:.0}% ({}/{}{reviewed})", f * 100.0, self.yes, self.known),
            None => format!("– ({}/{}{reviewed})", self.yes, self.known),
        }
    }
}

/// One row of a table: a group of cities and its share per channel.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Row {
    pub group: String,
    /// The group as people read it (重点城市, 东部, …); `group` stays the id in csv/json.
    #[serde(skip)]
    pub label_zh: String,
    pub shares: BTreeMap<ChannelId, Share>,
}

/// A titled table.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Table {
    pub title: String,
    /// The title as people read it (md, html, xlsx).
    #[serde(skip)]
    pub title_zh: String,
    pub rows: Vec<Row>,
    /// Lines printed under the table (in how many cities a department site was found).
    pub notes: Vec<String>,
}

/// All the survey's tables.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Summary {
    pub generated_at: String,
    pub rules_version: String,
    pub cities: usize,
    /// The columns of every table, in order.
    pub channels: Channels,
    pub tables: Vec<Table>,
    /// The inspection checks: the share of sites passing each (columns
    /// `check:identity` … `check:domain`), by tier, region and sector; empty when the
    /// export has no inspection rows.
    pub checks: Vec<Table>,
}

fn row(
    m: &Matrix,
    (group, label_zh): (&str, &str),
    sectors: &[Sector],
    keep: &dyn Fn(Tier, Region) -> bool,
) -> Row {
    let mut shares = BTreeMap::new();
    for ch in m.channels.ids() {
        let mut s = Share::default();
        for city in m.cities.iter().filter(|c| keep(c.tier, c.region)) {
            for &sector in sectors {
                if let Some(cell) = city.cell(sector, ch) {
                    if cell.review.is_some() && cell.value != Value::Unknown {
                        s.reviewed += 1;
                    }
                    match cell.value {
                        Value::Yes => {
                            s.yes += 1;
                            s.known += 1;
                        }
                        Value::No => s.known += 1,
                        Value::Unknown => {}
                    }
                }
            }
        }
        shares.insert(ch.clone(), s);
    }
    Row {
        group: group.to_string(),
        label_zh: label_zh.to_string(),
        shares,
    }
}

/// The note under a table on the cells its shares leave out: how many are unknown, and
/// why (`unknown cells, left out of the shares: 12 unreachable, 3 blocked-by-robots`).
fn unknown_note(m: &Matrix, sectors: &[Sector]) -> Option<String> {
    let mut by_reason: BTreeMap<&str, usize> = BTreeMap::new();
    for c in &m.cities {
        for cell in c.cells.iter().filter(|x| sectors.contains(&x.sector)) {
            if cell.value == Value::Unknown && m.channels.contains(cell.channel.as_str()) {
                *by_reason.entry(cell.unknown_reason()).or_default() += 1;
            }
        }
    }
    let mut counts: Vec<(&str, usize)> = by_reason.into_iter().collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    (!counts.is_empty()).then(|| {
        let parts: Vec<String> = counts.iter().map(|(r, n)| format!("{n} {r}")).collect();
        format!(
            "unknown cells, left out of the shares: {}",
            parts.join(", ")
        )
    })
}

/// Computes the tables from a matrix.
pub fn summarize(m: &Matrix) -> Summary {
    let general = [Sector::General];
    let tiers: [(&str, &str, Option<Tier>); 3] = [
        ("key cities", Tier::Key.name_zh(), Some(Tier::Key)),
        (
            "prefecture-level cities",
            Tier::Prefecture.name_zh(),
            Some(Tier::Prefecture),
        ),
        ("all cities", "全部城市", None),
    ];
    let by_tier = |sectors: &[Sector]| -> Vec<Row> {
        tiers
            .iter()
            .map(|(name, zh, t)| {
                row(m, (name, zh), sectors, &|tier, _| {
                    t.is_none_or(|t| t == tier)
                })
            })
            .collect()
    };
    let mut tables = vec![Table {
        title: "Whole-of-government portal: share of cities offering each channel, by tier".into(),
        title_zh: "政府门户网站：各渠道开通城市比例（按城市类型）".into(),
        rows: by_tier(&general),
        notes: unknown_note(m, &general).into_iter().collect(),
    }];
    tables.push(Table {
        title: "Whole-of-government portal, by region".into(),
        title_zh: "政府门户网站：各渠道开通城市比例（按地区）".into(),
        rows: Region::ALL
            .iter()
            .map(|r| {
                row(m, (r.as_str(), r.name_zh()), &general, &|_, region| {
                    region == *r
                })
            })
            .collect(),
        notes: Vec::new(),
    });
    for &sector in Sector::DEPARTMENTS {
        let found = |t: Tier, label: &str| {
            let group: Vec<_> = m.cities.iter().filter(|c| c.tier == t).collect();
            let with = group
                .iter()
                .filter(|c| c.site_sectors.contains(&sector))
                .count();
            format!("{sector}: site found in {with}/{} {label}", group.len())
        };
        tables.push(Table {
            title: format!("Sector {sector}: by tier"),
            title_zh: format!(
                "{}部门网站：各渠道开通城市比例（按城市类型）",
                sector.name_zh()
            ),
            rows: by_tier(&[sector]),
            notes: [
                Some(found(Tier::Key, "key cities")),
                Some(found(Tier::Prefecture, "prefecture-level cities")),
                unknown_note(m, &[sector]),
            ]
            .into_iter()
            .flatten()
            .collect(),
        });
    }
    tables.push(Table {
        title: "Averaged over the five sectors (pooled city-sector cells), by tier".into(),
        title_zh: "五个部门平均（城市×部门合计，按城市类型）".into(),
        rows: by_tier(Sector::DEPARTMENTS),
        notes: unknown_note(m, Sector::DEPARTMENTS).into_iter().collect(),
    });
    Summary {
        generated_at: crate::store::runs::now(),
        rules_version: m.rules_version.clone(),
        cities: m.cities.len(),
        channels: m.channels.clone(),
        tables,
        checks: Vec::new(),
    }
}
