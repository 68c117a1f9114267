//! Letters from the public on a page that lists them (信件选登, 来信公开, 留言回复 …):
//! each letter's submission date, its reply date or state. Two forms are read: a table
//! or list whose header row names the columns (标题 | 来信时间 | 答复时间 | 状态), and
//! rows that label their own dates (`来信时间：2026-10-01 答复时间：2026-10-20 已回复`).

use super::dates::cell_date;
use super::rules::InspectionRules;
use crate::page::extract::{PageFacts, PathId, Row, prefix_chars};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Characters of a letter's title kept.
const TITLE_CHARS: usize = 60;

/// Characters a header cell may have (a label, not a sentence).
const MAX_LABEL_CHARS: usize = 8;

/// Whether a letter was answered, as its row says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LetterState {
    Replied,
    Pending,
    /// Neither a reply date nor a state.
    Unknown,
}

/// One letter in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Letter {
    pub title: String,
    pub submitted: NaiveDate,
    pub replied: Option<NaiveDate>,
    pub state: LetterState,
    /// The element path of its row.
    pub path: String,
}

/// Where a header row puts the columns.
#[derive(Debug, Clone, Copy)]
struct Header {
    submitted: usize,
    replied: Option<usize>,
    status: Option<usize>,
}

/// The letters a page lists.
pub fn letters(rules: &InspectionRules, page: &PageFacts, fetched_on: NaiveDate) -> Vec<Letter> {
    let mut headers: HashMap<PathId, Header> = HashMap::new();
    let mut out = Vec::new();
    for row in &page.rows {
        // Only a row naming a submission date, or a row of a table with a header, can
        // be read: most rows are menus and news.
        let names_submission = rules
            .submitted_labels
            .iter()
            .any(|l| row.text.contains(l.as_str()));
        if !names_submission && !headers.contains_key(&row.group) {
            continue;
        }
        let cells: Vec<&str> = row.cells().collect();
        if let Some(h) = header(rules, &cells) {
            headers.insert(row.group, h);
            continue;
        }
        let letter = match headers.get(&row.group) {
            Some(h) => by_columns(rules, h, &cells, fetched_on),
            // A letter's own page labels its dates too, in rows without a link.
            None if row.link.is_some() => labelled(rules, &row.text, fetched_on),
            None => None,
        };
        if let Some((submitted, replied, state)) = letter {
            out.push(Letter {
                title: title(page, row, &cells),
                submitted,
                replied,
                state,
                path: page.path(row.path),
            });
        }
    }
    out
}

/// The row's header, when its cells name a submission date and a reply date or state.
fn header(rules: &InspectionRules, cells: &[&str]) -> Option<Header> {
    let find = |labels: &[String]| {
        cells.iter().position(|c| {
            c.chars().count() <= MAX_LABEL_CHARS && labels.iter().any(|l| c.contains(l.as_str()))
        })
    };
    let submitted = find(&rules.submitted_labels)?;
    let replied = find(&rules.replied_labels);
    let status = find(&rules.status_labels);
    (replied.is_some() || status.is_some()).then_some(Header {
        submitted,
        replied,
        status,
    })
}

type Read = (NaiveDate, Option<NaiveDate>, LetterState);

fn by_columns(
    rules: &InspectionRules,
    h: &Header,
    cells: &[&str],
    fetched_on: NaiveDate,
) -> Option<Read> {
    let date = |i: Option<usize>| {
        i.and_then(|i| cells.get(i))
            .and_then(|c| cell_date(c, &rules.date_labels, fetched_on))
            .map(|d| d.date)
    };
    let submitted = date(Some(h.submitted))?;
    let replied = date(h.replied);
    let status_text = h.status.and_then(|i| cells.get(i)).copied().unwrap_or("");
    let mut state = state(rules, replied, status_text);
    if state == LetterState::Unknown && h.replied.is_some() {
        state = LetterState::Pending; // the reply-date column is empty
    }
    Some((submitted, replied, state))
}

/// A row that labels its dates: the date after a submission label, after a reply label.
fn labelled(rules: &InspectionRules, text: &str, fetched_on: NaiveDate) -> Option<Read> {
    let after = |labels: &[String]| {
        labels.iter().find_map(|l| {
            let at = text.find(l.as_str())? + l.len();
            let rest = text[at..].trim_start_matches([':', '：', ' ', crate::page::extract::CELL]);
            let end = rest
                .char_indices()
                .find(|&(_, c)| !(c.is_ascii_digit() || "-/.年月日".contains(c)))
                .map_or(rest.len(), |(i, _)| i);
            cell_date(&rest[..end], &[], fetched_on).map(|d| d.date)
        })
    };
    let submitted = after(&rules.submitted_labels)?;
    let replied = after(&rules.replied_labels);
    Some((submitted, replied, state(rules, replied, text)))
}

fn state(rules: &InspectionRules, replied: Option<NaiveDate>, text: &str) -> LetterState {
    if replied.is_some()
        || rules
            .replied_words
            .iter()
            .any(|w| text.contains(w.as_str()))
    {
        LetterState::Replied
    } else if rules
        .pending_words
        .iter()
        .any(|w| text.contains(w.as_str()))
    {
        LetterState::Pending
    } else {
        LetterState::Unknown
    }
}

/// A letter's title: its link's text, or its first cell.
fn title(page: &PageFacts, row: &Row, cells: &[&str]) -> String {
    let t = row
        .link
        .map(|l| page.links[l].text.as_str())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| cells.first().copied().unwrap_or(""));
    prefix_chars(t, TITLE_CHARS).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page::detect::RuleSet;
    use crate::page::extract::extract;

    fn read(html: &str) -> Vec<(String, String, Option<String>, LetterState)> {
        let rules = RuleSet::builtin().inspection;
        let on = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        letters(&rules, &extract(html, None), on)
            .into_iter()
            .map(|l| {
                (
                    l.title,
                    l.submitted.to_string(),
                    l.replied.map(|d| d.to_string()),
                    l.state,
                )
            })
            .collect()
    }

    #[test]
    fn a_table_with_a_header_row() {
        let got = read(
            r#"<table class="list"><thead><tr><th>信件标题</th><th>来信时间</th><th>答复时间</th><th>办理状态</th></tr></thead><tbody>
            <tr><td><a href="/x/1">关于小区停车的建议</a></td><td>2026-10-01</td><td>2026-10-20</td><td>已办结</td></tr>
            <tr><td><a href="/x/2">道路维修</a></td><td>2026-06-01</td><td></td><td>办理中</td></tr>
            <tr><td><a href="/x/3">学位咨询</a></td><td>2026/11/25</td><td></td><td></td></tr>
            </tbody></table>"#,
        );
        assert_eq!(
            got,
            [
                (
                    "关于小区停车的建议".into(),
                    "2026-10-01".into(),
                    Some("2026-10-20".into()),
                    LetterState::Replied
                ),
                (
                    "道路维修".into(),
                    "2026-06-01".into(),
                    None,
                    LetterState::Pending
                ),
                (
                    "学位咨询".into(),
                    "2026-11-25".into(),
                    None,
                    LetterState::Pending
                ),
            ]
        );
    }

    #[test]
    fn rows_that_label_their_dates() {
        let got = read(
            r#"<ul><li><a href="/l/1">噪音扰民</a><span>来信时间：2026-08-01</span><span>答复时间：2026-11-15</span></li>
            <li><a href="/l/2">公交线路</a><span>留言时间:2026-11-01</span><span>未回复</span></li></ul>"#,
        );
        assert_eq!(got[0].2.as_deref(), Some("2026-11-15"));
        assert_eq!(
            got[1],
            (
                "公交线路".into(),
                "2026-11-01".into(),
                None,
                LetterState::Pending
            )
        );
    }

    #[test]
    fn lists_that_are_not_letters() {
        // A news list with dates, a form's labels, a letter's own page.
        assert!(
            read(r#"<ul><li><a href="/n">要闻</a><span>2026-11-20</span></li></ul>"#).is_empty()
        );
        assert!(read(r#"<table><tr><td>来信时间</td><td>2026-10-01</td></tr></table>"#).is_empty());
    }
}
