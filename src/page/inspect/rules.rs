//! The `[inspection]` table of the rules file: the indicators' thresholds and the words
//! the checks read, as data. Each threshold names the indicator it comes from.

use serde::Deserialize;

/// Thresholds and word lists of the inspection checks.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InspectionRules {
    /// Days a homepage's newest item may be old (19号: 首页 2 周未更新).
    pub homepage_max_days: i64,
    /// Days after submission a letter must be answered by (19号: 互动回应 3 个月).
    pub reply_max_days: i64,
    /// Letters submitted within this many days of the fetch decide the replies verdict.
    pub reply_window_days: i64,
    /// Characters a dated row may hold besides its link and its date (a bullet, 发布时间：,
    /// a document number); a row with more is prose, not a list entry.
    pub entry_max_other_chars: usize,
    /// Dated entries a page must list to be a column.
    pub column_min_entries: usize,
    /// Column classes, the first whose word the page's name holds.
    pub columns: Vec<ColumnClass>,
    /// Labels of a letter's submission date (来信时间 …).
    pub submitted_labels: Vec<String>,
    /// Labels of its reply date (答复时间 …).
    pub replied_labels: Vec<String>,
    /// Labels of its state column (办理状态 …).
    pub status_labels: Vec<String>,
    /// States meaning answered (已回复, 已办结 …).
    pub replied_words: Vec<String>,
    /// States meaning not yet answered (未回复, 办理中 …).
    pub pending_words: Vec<String>,
    /// Labels before a list entry's date (发布时间, 日期 …), stripped before reading it.
    pub date_labels: Vec<String>,
    /// Broken links and availability (`[inspection.links]`); a rules file without the
    /// table takes the built-in one.
    #[serde(default)]
    pub links: Option<super::links::LinkRules>,
}

/// A class of columns and how stale it may grow.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnClass {
    /// `news`, `notices`, `personnel` …
    pub class: String,
    /// Words of the column's name (要闻, 通知公告 …).
    pub words: Vec<String>,
    /// Days its newest item may be old.
    pub max_days: i64,
    /// The indicator the threshold comes from.
    pub indicator: String,
}

impl InspectionRules {
    /// The links and availability rules (always present once the rules are loaded).
    pub fn link_rules(&self) -> &super::links::LinkRules {
        self.links
            .as_ref()
            .expect("the loader fills the links table from the built-in rules")
    }

    /// The class of a column named `name`: the first class one of whose words it holds.
    pub fn column_class(&self, name: &str) -> Option<&ColumnClass> {
        self.columns
            .iter()
            .find(|c| c.words.iter().any(|w| name.contains(w.as_str())))
    }
}
