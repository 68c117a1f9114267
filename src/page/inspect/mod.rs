//! Inspection checks: what the State Council's indicators for government websites
//! (《政府网站发展指引》, 国办发〔2017〕47号; 国办秘函〔2019〕19号) ask a site to show, read from a
//! parsed page. Pure functions of `PageFacts`, like detection. May call: `model`, `extract`.
//!
//! A page's [`reading::PageReading`] (identity on a start page, dated list entries, the
//! column it is, the letters it lists) is computed when it is parsed; a site's verdicts
//! are judged from its pages' readings by `export::inspection`.

pub mod dates;
pub mod domain;
pub mod freshness;
pub mod identity;
pub mod links;
pub mod reading;
pub mod replies;
pub mod rules;
pub mod site;

/// A check's verdict: passes, fails, or cannot be told from what was seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Yes,
    No,
    Unknown,
}

impl Verdict {
    /// The id used in files (`yes`, `no`, `unknown`).
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Yes => "yes",
            Verdict::No => "no",
            Verdict::Unknown => "unknown",
        }
    }
}
