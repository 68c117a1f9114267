//! Channel detection: a pure function from a page's extracted facts to findings.
//!
//! The engine hands every fetched, decoded and extracted page to a [`Detector`] and
//! stores what it returns; nothing here touches the network or the database, so the
//! same detector runs on live pages, saved files (`inspect`, `eval`) and stored bodies
//! (`redetect`).

use crate::model::{ChannelId, Channels, Sector, Strength};
use crate::page::extract::PageFacts;
use url::Url;

/// What detection knows about a page besides its content.
#[derive(Debug, Clone)]
pub struct PageContext<'a> {
    /// The page's own URL (after redirects).
    pub page_url: &'a Url,
    /// The sector of the site whose crawl fetched the page.
    pub sector: Sector,
    /// The city's name (杭州市), for judging ownership.
    pub city_name: &'a str,
    /// Registrable domains of the city's own sites (portal and departments).
    pub own_domains: &'a [String],
}

/// One piece of evidence for a channel, with its provenance on the page.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Finding {
    pub channel: ChannelId,
    pub sector: Sector,
    pub strength: Strength,
    /// The id of the rule that matched.
    pub rule: String,
    /// The link target, image source or address the evidence points to.
    pub target: String,
    /// The anchor, alt or caption text.
    pub text: String,
    /// Surrounding text, at most 200 characters.
    pub snippet: String,
    /// CSS-like path to the element on the page.
    pub path: String,
    /// For an account channel, the account's identity read from the target (weibo uid
    /// or screen name, `__biz`, `sec_uid` …), so one account seen on 60 pages is one.
    pub account: Option<String>,
}

/// A channel detector: pure, thread-safe, identified by version and content hash so a
/// run records which rules produced its findings.
pub trait Detector: Send + Sync {
    fn detect(&self, page: &PageFacts, ctx: &PageContext<'_>) -> Vec<Finding>;
    /// The channels the detector looks for, in export order (recorded with each run).
    fn channels(&self) -> &Channels;
    /// Human-readable version of the rules.
    fn version(&self) -> String;
    /// sha256 of the rules' source.
    fn sha256(&self) -> String;
    /// The rules themselves, when the detector has them: department discovery and the
    /// inspection checks read their tables.
    fn rule_set(&self) -> Option<&RuleSet> {
        None
    }
}

mod elements;
pub(crate) mod engine;
mod matching;
mod names;
mod owner;
pub mod rules;

pub use engine::RulesDetector;
pub use rules::{RuleSet, RulesError};

/// The set of channels a list of findings makes present (strong or medium only).
pub fn present(findings: &[Finding]) -> Vec<ChannelId> {
    let mut out: Vec<ChannelId> = findings
        .iter()
        .filter(|f| f.strength.counts())
        .map(|f| f.channel.clone())
        .collect();
    out.sort();
    out.dedup();
    out
}
pub mod eval;
