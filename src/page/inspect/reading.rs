//! What one page shows for the inspection checks, computed once when the page is parsed
//! (in the crawl and by `redetect`) and stored with its fetch; a site's checks are
//! judged from its pages' readings (`export::inspection`).

use super::freshness::{Column, Dated, column, dated};
use super::identity::{Identity, identity};
use super::replies::{Letter, letters};
use super::rules::InspectionRules;
use crate::page::extract::PageFacts;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// One page's reading.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageReading {
    /// The footer's identity (read on a site's start page only).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub identity: Option<Identity>,
    #[serde(default)]
    pub dated: Dated,
    /// The column the page is, when its name says so and it lists dated entries.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub column: Option<Column>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub letters: Vec<Letter>,
}

impl PageReading {
    /// Whether there is anything to store.
    pub fn is_empty(&self) -> bool {
        self.identity.is_none()
            && self.dated == Dated::default()
            && self.column.is_none()
            && self.letters.is_empty()
    }
}

/// Reads `page`, fetched on `fetched_on` (China's calendar); `start` for a site's start
/// page, whose footer is the site's identity.
pub fn read_page(
    rules: &InspectionRules,
    page: &PageFacts,
    fetched_on: NaiveDate,
    start: bool,
) -> PageReading {
    let dated = dated(rules, page, fetched_on);
    let column = (!start && dated.entries + dated.future.len() >= rules.column_min_entries)
        .then(|| column(rules, page))
        .flatten();
    PageReading {
        identity: start.then(|| identity(page)),
        dated,
        column,
        letters: letters(rules, page, fetched_on),
    }
}
