//! Dates as list entries write them: `2026-11-20`, `2026/11/20`, `2026.11.20`,
//! `2026年11月20日` (with or without a time after them), and `11-20` with the year
//! implied: the latest year that does not put it after the day the page was fetched, so
//! a December item read in January is last year's.

use chrono::{Datelike, NaiveDate};
/// The forms of a full date, read with chrono (`%m` and `%d` take one or two digits).
const FULL_FORMS: [&str; 4] = ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"];

/// Brackets and marks around a date in a list (`[11-20]`, `（2026-11-20）`).
const WRAPPERS: &[char] = &[
    '[', ']', '(', ')', '（', '）', '【', '】', '〔', '〕', '<', '>', '《', '》', '|', '·', ' ',
];

/// Bytes of the longest cell that may be a date (`发布时间：2026年11月20日 10:30:05`).
const MAX_CELL_BYTES: usize = 64;

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
    // Most cells are titles: a date cell is short and holds a digit.
    if cell.len() > MAX_CELL_BYTES || !cell.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut s = cell.trim_matches(WRAPPERS);
    for l in labels {
        if let Some(rest) = s.strip_prefix(l.as_str()) {
            s = rest.trim_start_matches([':', '：', ' ']);
            break;
        }
    }
    let s = s.trim_matches(WRAPPERS);
    if s.len() >= 8 && s.as_bytes()[..4].iter().all(u8::is_ascii_digit) {
        return full_date(s).map(|date| ListDate {
            date,
            implied_year: false,
        });
    }
    let (month, day) = month_day(s)?;
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

/// A full date (a year from 1900 on), alone or followed by a time of day.
fn full_date(s: &str) -> Option<NaiveDate> {
    // The separator after the year says which form to try.
    let form = match s[4..].trim_start().chars().next()? {
        '-' => FULL_FORMS[0],
        '/' => FULL_FORMS[1],
        '.' => FULL_FORMS[2],
        '年' => FULL_FORMS[3],
        _ => return None,
    };
    let (date, rest) = NaiveDate::parse_and_remainder(s, form).ok()?;
    let rest = rest.trim();
    let is_time = rest.is_empty()
        || (rest.len() <= 8
            && rest.contains(':')
            && rest.bytes().all(|b| b.is_ascii_digit() || b == b':'));
    (is_time && date.year() >= 1900).then_some(date)
}

/// `MM-DD`: two digits, a hyphen, two digits.
fn month_day(s: &str) -> Option<(u32, u32)> {
    let b = s.as_bytes();
    if b.len() != 5 || b[2] != b'-' {
        return None;
    }
    let two = |x: &[u8]| -> Option<u32> {
        x.iter()
            .all(u8::is_ascii_digit)
            .then(|| u32::from(x[0] - b'0') * 10 + u32::from(x[1] - b'0'))
    };
    Some((two(&b[..2])?, two(&b[3..])?))
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
