//! Comparing an audit's matrix with a simulated world's truth.

use super::world::World;
use crate::export::matrix::Matrix;

/// How an audit compares with the truth.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Comparison {
    pub cells: usize,
    pub matching: usize,
    /// `city sector channel: got X, truth Y`.
    pub mismatches: Vec<String>,
    /// Cells of the truth that the matrix lacks (a city not audited).
    pub missing: usize,
}

impl Comparison {
    /// Share of cells that match.
    pub fn accuracy(&self) -> f64 {
        if self.cells == 0 {
            0.0
        } else {
            self.matching as f64 / self.cells as f64
        }
    }
}

/// Compares every truth cell with the matrix.
pub fn compare(world: &World, m: &Matrix) -> Comparison {
    let mut c = Comparison::default();
    for ((city, sector, channel), want) in world.truth(&m.channels) {
        c.cells += 1;
        let got = m
            .cities
            .iter()
            .find(|x| x.id == city)
            .and_then(|x| x.cell(sector, &channel));
        match got {
            Some(cell) if cell.value.as_str() == want => c.matching += 1,
            Some(cell) => c.mismatches.push(format!(
                "{city} {sector} {channel}: got {}, truth {want}",
                cell.value.as_str()
            )),
            None => {
                c.missing += 1;
                c.mismatches.push(format!(
                    "{city} {sector} {channel}: not audited, truth {want}"
                ));
            }
        }
    }
    c
}
