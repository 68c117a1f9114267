//! Dates as list entries write them: `2026-11-20`, `2026/11/20`, `2026.11.20`,
//! `2026年11月20日` (with or without a time after them), and `11-20` with the year
//! implied: the latest year that does not put it after the day the page was fetched, so
//! a December item read in January is last year's.

use chrono::{Datelike, NaiveDate};
use regex::Regex;
use std::sync::LazyLock;

static FULL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^((?:19|20)[0-9]{2})\s*(?:([-/.])\s*([0-9]{1,2})\s*([-/.])\s*([0-9]{1,2})|年\s*([0-9]{1,2})\s*月\s*([0-9]{1,2})\s*日)(?:\s+[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?)?$",
    )
    .expect("valid regex")
});
static MONTH_DAY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([0-9]{2})-([0-9]{2})$").expect("valid regex"));

/// Brackets and marks around a date in a list (`[11-20]`, `（2026-11-20）`).
const WRAPPERS: &[char] = &[
    '[', ']', '(', ')', '（', '）', '【', '】', '〔', '〕', '<', '>', '《', '》', '|', '·', ' ',
];

/// A date read from a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListDate {
    pub date: NaiveDate,
    /// Written without its year (`11-20`).
    pub implied_year: bool,
}

/// The date a cell of a list holds, when the cell is only a date (in brackets, after one
/// of `labels` such as 发布时间：, with a time after it); `None` for anything else, so a
/// date inside a sentence or a title (`4月26日（0-24时）`) is never read as the entry's.
pub fn cell_date(cell: &str, labels: &[String], fetched_on: NaiveDate) -> Option<ListDate> {
    let mut s = cell.trim_matches(WRAPPERS);
    for l in labels {
        if let Some(rest) = s.strip_prefix(l.as_str()) {
            s = rest.trim_start_matches([':', '：', ' ']);
            break;
        }
    }
    let s = s.trim_matches(WRAPPERS);
    if let Some(c) = FULL.captures(s) {
        if c.get(2).map(|m| m.as_str()) != c.get(4).map(|m| m.as_str()) {
            return None; // 2023-03/29 is a path, not a date
        }
        let num = |i: usize, j: usize| {
            c.get(i)
                .or_else(|| c.get(j))
                .and_then(|m| m.as_str().parse::<u32>().ok())
        };
        let year = c[1].parse::<i32>().ok()?;
        let date = NaiveDate::from_ymd_opt(year, num(3, 6)?, num(5, 7)?)?;
        return Some(ListDate {
            date,
            implied_year: false,
        });
    }
    let c = MONTH_DAY.captures(s)?;
    let (month, day) = (c[1].parse::<u32>().ok()?, c[2].parse::<u32>().ok()?);
    let this_year = NaiveDate::from_ymd_opt(fetched_on.year(), month, day);
    let date = match this_year {
        Some(d) if d <= fetched_on => d,
        _ => NaiveDate::from_ymd_opt(fetched_on.year() - 1, month, day)?,
    };
    Some(ListDate {
        date,
        implied_year: true,
    })
}

/// The date of a fetch as the pages' own calendar has it (China Standard Time), from the
/// stored RFC 3339 time; `None` when it cannot be read.
pub fn fetch_day(started_at: &str) -> Option<NaiveDate> {
    let t = chrono::DateTime::parse_from_rfc3339(started_at).ok()?;
    Some(china_day(t.with_timezone(&chrono::Utc)))
}

/// The calendar day in China (UTC+8) at instant `t`.
pub fn china_day(t: chrono::DateTime<chrono::Utc>) -> NaiveDate {
    let offset = chrono::FixedOffset::east_opt(8 * 3600).expect("valid offset");
    t.with_timezone(&offset).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn read(cell: &str, on: &str) -> Option<NaiveDate> {
        let labels = ["发布时间".to_string(), "日期".to_string()];
        cell_date(cell, &labels, d(on)).map(|x| x.date)
    }

    #[test]
    fn the_forms_lists_write() {
        let on = "2026-12-02";
        for cell in [
            "2026-11-20",
            "2026/11/20",
            "2026.11.20",
            "2026年11月20日",
            "[2026-11-20]",
            "（2026-11-20）",
            "2026-11-20 10:30",
            "2026-11-20 10:30:05",
            "发布时间：2026-11-20",
            "日期: 2026/11/20",
            " 2026-11-20 ",
        ] {
            assert_eq!(read(cell, on), Some(d("2026-11-20")), "{cell}");
        }
        assert_eq!(read("2018/5/8", on), Some(d("2018-05-08")), "unpadded");
        assert_eq!(read("11-20", on), Some(d("2026-11-20")));
        assert_eq!(read("[11-20]", on), Some(d("2026-11-20")));
    }

    #[test]
    fn a_december_item_read_in_january_is_last_years() {
        assert_eq!(read("12-28", "2027-01-03"), Some(d("2026-12-28")));
        assert_eq!(read("01-02", "2027-01-03"), Some(d("2027-01-02")));
        assert_eq!(read("01-03", "2027-01-03"), Some(d("2027-01-03")));
        assert_eq!(read("02-29", "2029-03-01"), Some(d("2028-02-29")));
    }

    #[test]
    fn what_is_not_a_list_date() {
        let on = "2026-12-02";
        for cell in [
            "4月26日（0-24时）本市各区确诊病例",
            "上海2022年4月25日，新增本土病例",
            "2023-03/29",
            "2026-13-01",
            "2026-02-30",
            "© 2026",
            "0571-12345",
            "10-24时",
            "页面生成时间 2026-11-20",
            "http://www.x.gov.cn/2026-11/20/content.htm",
            "2026-11",
        ] {
            assert_eq!(read(cell, on), None, "{cell}");
        }
    }

    #[test]
    fn the_fetch_day_is_chinas() {
        assert_eq!(
            fetch_day("2026-12-01T17:30:00.000Z"),
            Some(d("2026-12-02")),
            "01:30 in Beijing"
        );
        assert_eq!(fetch_day("not a time"), None);
    }
}
