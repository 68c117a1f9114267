//! Measuring detection against a labelled corpus (`portal-audit eval`).
//!
//! A corpus is a folder of saved pages and a `labels.csv` with header
//! `file,owner,page_url,channel,label,evidence` (label `yes`/`no`, one row per page and
//! channel). Each page is decoded, extracted and detected as in a crawl, and the
//! channels made present are compared with the labels.

use super::{Detector, PageContext, present};
use crate::model::scope::registrable_domain;
use crate::model::{ChannelId, Sector};
use crate::page::decode::decode;
use crate::page::extract::{PageFacts, extract};
use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use url::Url;

/// Counts for one channel.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Counts {
    pub tp: u32,
    pub fp: u32,
    pub fn_: u32,
    pub tn: u32,
}

impl Counts {
    /// Precision, tp / (tp + fp); `None` when nothing was predicted (undefined, not
    /// perfect).
    pub fn precision(&self) -> Option<f64> {
        let d = self.tp + self.fp;
        (d > 0).then(|| f64::from(self.tp) / f64::from(d))
    }
    /// Recall, tp / (tp + fn); `None` when nothing was to be found.
    pub fn recall(&self) -> Option<f64> {
        let d = self.tp + self.fn_;
        (d > 0).then(|| f64::from(self.tp) / f64::from(d))
    }
}

/// A precision or recall as printed: two decimals, or `–` when it is undefined.
pub fn ratio_label(r: Option<f64>) -> String {
    r.map_or_else(|| "–".to_string(), |v| format!("{v:.2}"))
}

/// One page and channel where detection and the label disagree.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Disagreement {
    pub file: String,
    pub channel: ChannelId,
    pub label: bool,
    pub detected: bool,
    /// The labeller's evidence note.
    pub evidence: String,
    /// The findings behind a false "yes".
    pub findings: Vec<String>,
}

/// The result of evaluating a corpus.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct EvalReport {
    pub pages: usize,
    /// Counts per labelled channel (a corpus may label only some of the detector's
    /// channels: rows for the others are simply absent).
    pub per_channel: BTreeMap<ChannelId, Counts>,
    pub disagreements: Vec<Disagreement>,
}

impl EvalReport {
    /// All channels pooled.
    pub fn overall(&self) -> Counts {
        self.per_channel
            .values()
            .fold(Counts::default(), |a, c| Counts {
                tp: a.tp + c.tp,
                fp: a.fp + c.fp,
                fn_: a.fn_ + c.fn_,
                tn: a.tn + c.tn,
            })
    }
}

#[derive(Debug, serde::Deserialize)]
struct LabelRow {
    file: String,
    owner: String,
    page_url: String,
    channel: String,
    label: String,
    #[serde(default)]
    evidence: String,
}

/// A corpus that cannot be evaluated.
#[derive(Debug, thiserror::Error)]
#[error("corpus {path}: {message}")]
pub struct EvalError {
    pub path: String,
    pub message: String,
}

/// Evaluates `detector` on the corpus in `dir`.
pub fn evaluate(dir: &Path, detector: &dyn Detector) -> Result<EvalReport, EvalError> {
    let labels_path = dir.join("labels.csv");
    let err = |m: String| EvalError {
        path: labels_path.display().to_string(),
        message: m,
    };
    let mut reader = csv::Reader::from_path(&labels_path).map_err(|e| err(e.to_string()))?;
    let mut rows: Vec<LabelRow> = Vec::new();
    for (i, r) in reader.deserialize().enumerate() {
        rows.push(r.map_err(|e| err(format!("row {}: {e}", i + 2)))?);
    }
    let mut report = EvalReport::default();
    let mut files: Vec<&str> = rows.iter().map(|r| r.file.as_str()).collect();
    files.dedup();
    let files: Vec<&str> = {
        let mut seen = HashSet::new();
        files.into_iter().filter(|f| seen.insert(*f)).collect()
    };
    for file in files {
        let page_rows: Vec<&LabelRow> = rows.iter().filter(|r| r.file == file).collect();
        let first = page_rows[0];
        let path = ["pages", ""]
            .iter()
            .map(|sub| dir.join(sub).join(file))
            .find(|p| p.is_file())
            .ok_or_else(|| {
                err(format!(
                    "page file `{file}` not found in {} or its pages/ folder",
                    dir.display()
                ))
            })?;
        let bytes = std::fs::read(&path).map_err(|e| err(format!("{}: {e}", path.display())))?;
        let url = Url::parse(&first.page_url).map_err(|e| err(format!("{file}: page_url: {e}")))?;
        let findings = detect_bytes(&bytes, None, &url, &first.owner, detector);
        let got: HashSet<ChannelId> = present(&findings).into_iter().collect();
        report.pages += 1;
        for r in page_rows {
            if !detector.channels().contains(r.channel.trim()) {
                return Err(err(format!(
                    "{file}: unknown channel `{}` (the rules define: {})",
                    r.channel,
                    detector
                        .channels()
                        .ids()
                        .map(ChannelId::as_str)
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
            let channel = ChannelId::new(r.channel.trim());
            let label = match r.label.trim() {
                "yes" => true,
                "no" => false,
                other => {
                    return Err(err(format!(
                        "{file}: label must be yes or no, got `{other}`"
                    )));
                }
            };
            let detected = got.contains(&channel);
            let c = report.per_channel.entry(channel.clone()).or_default();
            match (label, detected) {
                (true, true) => c.tp += 1,
                (false, true) => c.fp += 1,
                (true, false) => c.fn_ += 1,
                (false, false) => c.tn += 1,
            }
            if label != detected {
                let behind = findings
                    .iter()
                    .filter(|f| f.channel == channel && f.strength.counts())
                    .map(|f| format!("{} {} `{}` → {}", f.strength, f.rule, f.text, f.target))
                    .collect();
                report.disagreements.push(Disagreement {
                    file: file.to_string(),
                    channel,
                    label,
                    detected,
                    evidence: r.evidence.clone(),
                    findings: behind,
                });
            }
        }
    }
    Ok(report)
}

/// Decodes and extracts one saved page, as a crawl would.
pub fn facts_of_bytes(bytes: &[u8], content_type: Option<&str>, url: &Url) -> PageFacts {
    let decoded = decode(bytes, content_type);
    extract(&decoded.text, Some(url))
}

/// Decodes, extracts and detects one saved page, as a crawl would.
pub fn detect_bytes(
    bytes: &[u8],
    content_type: Option<&str>,
    url: &Url,
    owner: &str,
    detector: &dyn Detector,
) -> Vec<super::Finding> {
    detect_facts(
        &facts_of_bytes(bytes, content_type, url),
        url,
        owner,
        detector,
    )
}

/// Detects one page's facts as a crawl of the owner's portal would.
pub fn detect_facts(
    facts: &PageFacts,
    url: &Url,
    owner: &str,
    detector: &dyn Detector,
) -> Vec<super::Finding> {
    let own = vec![registrable_domain(url.host_str().unwrap_or_default())];
    let ctx = PageContext {
        page_url: url,
        sector: Sector::General,
        city_name: owner,
        own_domains: &own,
    };
    detector.detect(facts, &ctx)
}
