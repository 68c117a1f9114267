//! How fresh a page's lists are: its dated list entries (a link whose row, list item or
//! table row also holds a date, and little else), the newest of them, those dated after
//! the fetch, and which column the page is by its name.
//!
//! A date in an article's body, a copyright year, 页面生成时间 or a date inside a URL is
//! never an entry: only a row's own cell that is nothing but a date counts, and the row
//! may hold only a few characters besides its link and date.

use super::dates::{ListDate, cell_date};
use super::rules::InspectionRules;
use crate::page::extract::{Around, PageFacts, PathId, prefix_chars};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Characters of an entry's text kept.
const ITEM_CHARS: usize = 80;

/// Future-dated entries kept per page.
const MAX_FUTURE: usize = 5;

/// Characters a page name may have (a column's name, not an article's title).
const MAX_NAME_CHARS: usize = 12;

/// One dated list entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub date: NaiveDate,
    pub text: String,
    /// The entry's link target.
    pub target: String,
    /// The element path of its row.
    pub path: String,
}

/// The dated entries of one page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dated {
    /// Entries dated no later than the fetch.
    pub entries: usize,
    /// The newest of them.
    pub newest: Option<Item>,
    /// Entries dated after the fetch (never fresh), at most five.
    pub future: Vec<Item>,
}

/// The page's dated list entries, read against the day it was fetched. Entries dated by
/// month and day alone count only when the page's entries with a year show that its
/// lists are current (one within a year of the fetch): a saved page of 2023 whose rows
/// say `10-11` is not fresh in 2026.
pub fn dated(rules: &InspectionRules, page: &PageFacts, fetched_on: NaiveDate) -> Dated {
    // Candidates as (date, link, element): an item's texts and path are made only for
    // the few that are reported.
    let mut found: Vec<(ListDate, usize, PathId)> = Vec::new();
    let mut in_rows = vec![false; page.links.len()];
    for row in &page.rows {
        let Some(li) = row.link else { continue };
        in_rows[li] = true;
        if page.links[li].url.is_none() || !row.text.bytes().any(|b| b.is_ascii_digit()) {
            continue; // no target, or no date in the row
        }
        let cells: Vec<&str> = row.cells().collect();
        if let Some(date) = entry_date(rules, &cells, &page.links[li].text, fetched_on) {
            found.push((date, li, row.path));
        }
    }
    // Lists drawn without rows: the link's block holds the link and its date.
    for (i, link) in page.links.iter().enumerate() {
        let (false, Around::Block(b), Some(_)) = (in_rows[i], link.context, &link.url) else {
            continue;
        };
        let block = &page.blocks[b];
        if !block.text.bytes().any(|b| b.is_ascii_digit()) {
            continue;
        }
        let Some(rest) = block
            .text
            .split_once(link.text.as_str())
            .filter(|_| !link.text.is_empty())
        else {
            continue;
        };
        let cells = [link.text.as_str(), rest.0.trim(), rest.1.trim()];
        if let Some(date) = entry_date(rules, &cells, &link.text, fetched_on) {
            found.push((date, i, block.path));
        }
    }
    let current = found
        .iter()
        .any(|(d, ..)| !d.implied_year && (fetched_on - d.date).num_days().abs() <= DAYS_OF_A_YEAR);
    let item = |&(d, li, path): &(ListDate, usize, PathId)| {
        let link = &page.links[li];
        Item {
            date: d.date,
            text: prefix_chars(&link.text, ITEM_CHARS).to_string(),
            target: link.url.as_ref().map(|u| u.to_string()).unwrap_or_default(),
            path: page.path(path),
        }
    };
    let mut out = Dated::default();
    let mut newest: Option<&(ListDate, usize, PathId)> = None;
    for f in found.iter().filter(|(d, ..)| current || !d.implied_year) {
        if f.0.date > fetched_on {
            if out.future.len() < MAX_FUTURE {
                out.future.push(item(f));
            }
            continue;
        }
        out.entries += 1;
        if newest.is_none_or(|n| f.0.date > n.0.date) {
            newest = Some(f);
        }
    }
    out.newest = newest.map(item);
    out
}

/// Days within which a dated entry shows that the year of a month-day entry is current.
const DAYS_OF_A_YEAR: i64 = 366;

/// The date of a row whose cells hold the link's text and a date: the newest date cell
/// (or a date closing the link's own text), when the other cells are short.
fn entry_date(
    rules: &InspectionRules,
    cells: &[&str],
    link_text: &str,
    fetched_on: NaiveDate,
) -> Option<ListDate> {
    let link_text = link_text.trim();
    if link_text.chars().count() < 2 {
        return None;
    }
    let labels = &rules.date_labels;
    let mut newest: Option<ListDate> = None;
    let take = |d: ListDate, newest: &mut Option<ListDate>| {
        if newest.is_none_or(|n| d.date > n.date) {
            *newest = Some(d);
        }
    };
    let mut other = 0usize;
    for cell in cells.iter().filter(|c| !c.is_empty()) {
        if holds_link_text(cell, link_text) {
            // The date may close the link's own text (`<a>标题 <span>2026-11-20</span></a>`).
            if let Some((_, last)) = cell.rsplit_once(' ')
                && let Some(d) = cell_date(last, labels, fetched_on)
            {
                take(d, &mut newest);
            }
            continue;
        }
        match cell_date(cell, labels, fetched_on) {
            Some(d) => take(d, &mut newest),
            None => other += cell.chars().count(),
        }
    }
    newest.filter(|_| other <= rules.entry_max_other_chars)
}

/// Whether a cell holds the link's text (the link's text runs its pieces together, the
/// row's cell keeps spaces between them).
fn holds_link_text(cell: &str, link_text: &str) -> bool {
    if cell.contains(link_text) {
        return true;
    }
    // Only spaces can tell them apart; a cell shorter than the text without its spaces
    // cannot hold it (most cells are dates beside a title).
    let spaces = link_text.bytes().filter(|&b| b == b' ').count();
    if cell.len() + spaces < link_text.len() || !(cell.contains(' ') || spaces > 0) {
        return false;
    }
    let squeeze = |s: &str| s.chars().filter(|c| *c != ' ').collect::<String>();
    squeeze(cell).contains(&squeeze(link_text))
}

/// A column page: its name and class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    pub class: String,
}

/// The column a page is, by its name: the breadcrumb's last step, a heading, or a part
/// of its title, the first of them short enough to be a column's name and holding one of
/// a class's words.
pub fn column(rules: &InspectionRules, page: &PageFacts) -> Option<Column> {
    let crumbs = page.blocks.iter().filter_map(|b| {
        let t = b.text.trim();
        let at = t.find("当前位置").or_else(|| t.find("您的位置"))?;
        t[at..].rsplit(['>', '›', '»', '＞']).next().map(str::trim)
    });
    let title_parts = page
        .title
        .split(['-', '_', '|', '—', '－', '｜'])
        .map(str::trim);
    crumbs
        .chain(page.headings.iter().map(|h| h.trim()))
        .chain(title_parts)
        .filter(|n| !n.is_empty() && n.chars().count() <= MAX_NAME_CHARS)
        .find_map(|name| {
            rules.column_class(name).map(|c| Column {
                name: name.to_string(),
                class: c.class.clone(),
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page::detect::RuleSet;
    use crate::page::extract::extract;

    fn on() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 2).unwrap()
    }

    fn dated_of(html: &str) -> Dated {
        let rules = RuleSet::builtin().inspection;
        let facts = extract(
            html,
            Some(&url::Url::parse("http://www.jia.gov.cn/").unwrap()),
        );
        dated(&rules, &facts, on())
    }

    fn newest(html: &str) -> Option<String> {
        dated_of(html).newest.map(|i| i.date.to_string())
    }

    #[test]
    fn list_entries_in_the_forms_cmss_draw() {
        // A list item with the date in a span (宜春's homepage).
        assert_eq!(
            newest(
                r#"<ul><li><h4><a href="/a.shtml" title="t">习近平出席开幕式</a></h4><span class="time">
                2026-11-23 </span></li><li><h4><a href="/b.shtml">另一条</a></h4><span>2026-11-20</span></li></ul>"#
            ),
            Some("2026-11-23".into())
        );
        // A table row (鄂尔多斯's list) with an icon cell.
        let row = r#"<table><tr><td><img src="ico.jpg"></td><td><a href="./t.html">年度报告</a></td><td>
            2026/11/03</td></tr></table>"#;
        assert_eq!(newest(row), Some("2026-11-03".into()));
        // Month and day only, the date inside the link, a div list, dotted and Chinese dates.
        assert_eq!(
            newest(
                r#"<ul><li><a href="/a">要闻一</a><em>[11-30]</em></li><li><a href="/b">要闻二</a><em>[2026-11-02]</em></li></ul>"#
            ),
            Some("2026-11-30".into())
        );
        assert_eq!(
            newest(
                r#"<ul><li><a href="/a"><span>要闻一</span> <span>2026.11.29</span></a></li></ul>"#
            ),
            Some("2026-11-29".into())
        );
        assert_eq!(
            newest(r#"<div class="item"><a href="/a">通知一</a><span>2026年11月28日</span></div>"#),
            Some("2026-11-28".into())
        );
    }

    #[test]
    fn month_and_day_need_a_current_year_on_the_page() {
        // A saved page of 2023 (宜春's homepage): its rows with a year are old, so its
        // month-day rows are not this year's.
        let old = r#"<ul><li><a href="/a">旧闻</a><span>2023-10-07</span></li><li><a href="/b">又一条</a><span>10-11</span></li></ul>"#;
        assert_eq!(newest(old), Some("2023-10-07".into()));
        let current = r#"<ul><li><a href="/a">新闻</a><span>2026-10-07</span></li><li><a href="/b">又一条</a><span>11-30</span></li></ul>"#;
        assert_eq!(newest(current), Some("2026-11-30".into()));
        // A list with no year at all says nothing.
        assert_eq!(
            newest(r#"<ul><li><a href="/b">一条</a><span>11-30</span></li></ul>"#),
            None
        );
    }

    #[test]
    fn future_dates_are_reported_and_never_fresh() {
        let d = dated_of(
            r#"<ul><li><a href="/a">预告</a><span>2027-01-05</span></li><li><a href="/b">旧闻</a><span>2026-10-01</span></li></ul>"#,
        );
        assert_eq!(d.future.len(), 1);
        assert_eq!(d.entries, 1);
        assert_eq!(d.newest.unwrap().date.to_string(), "2026-10-01");
    }

    #[test]
    fn traps_are_not_entries() {
        for html in [
            // An article's body: a date in a sentence with a link.
            r#"<p>根据<a href="/w">《通知》</a>要求，2026年11月30日起全市开展专项检查工作，请各单位认真落实。</p>"#,
            // A copyright line and the page's generation time.
            r#"<div class="footer"><a href="/about">关于我们</a> © 2026 甲市人民政府</div><meta name="others" content="页面生成时间 2026-11-30">"#,
            r#"<div><a href="/x">页面</a>页面生成时间：2026-11-30 10:00:00</div>"#,
            // A date only in the URL, a date inside a title.
            r#"<ul><li><a href="/home/2026-11/30/content_1.htm">国务院常务会议</a></li></ul>"#,
            r#"<ul><li><a href="/a">4月26日（0-24时）本市各区信息</a></li></ul>"#,
            // A row that is a sentence, not an entry.
            r#"<ul><li><a href="/a">公告</a>本次活动报名截止时间为以下日期，逾期不再受理，敬请周知：<span>2026-11-30</span></li></ul>"#,
        ] {
            assert_eq!(newest(html), None, "{html}");
        }
    }

    #[test]
    fn a_column_is_named_by_its_breadcrumb_heading_or_title() {
        let rules = RuleSet::builtin().inspection;
        let of = |html: &str| column(&rules, &extract(html, None)).map(|c| (c.name, c.class));
        assert_eq!(
            of("<title>工作动态_甲市人民政府</title>"),
            Some(("工作动态".into(), "news".into()))
        );
        assert_eq!(
            of(
                "<title>甲市人民政府</title><div class=\"position\">当前位置：首页 > 政务公开 > 通知公告</div>"
            ),
            Some(("通知公告".into(), "notices".into()))
        );
        assert_eq!(
            of("<title>x</title><h2>人事信息</h2>"),
            Some(("人事信息".into(), "personnel".into()))
        );
        assert_eq!(
            of("<title>关于做好2026年新闻发布工作的通知_甲市人民政府</title>"),
            None,
            "an article's title is too long to be a column's name"
        );
    }
}
