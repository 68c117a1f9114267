//! What the simulated sites show the inspection checks, and the truth of it: footers
//! with and without each identity field (and a department showing its portal's site
//! code, an error-report entry naming another code, a 技术支持 line and telephone
//! numbers as traps); homepages whose lists are fresh, stale, undated or carry a
//! future-dated item; column pages of each class, fresh or stale; letter lists (two
//! pages) with timely, late and overdue letters and an old late one outside the year.
//!
//! Every date is drawn as an age in days before the day the page is served, so the
//! truth (ages and verdicts) holds on any day. Drawn from the site's host and the
//! world's seed alone: the channels' draw is untouched.

use super::world::{SimCity, SimSite, World, hash};
use crate::model::Sector;
use chrono::NaiveDate;
use std::fmt::Write as _;

/// The footer's identity fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Footer {
    pub site_code: bool,
    pub icp: bool,
    pub organizer: bool,
    /// A department's footer shows its portal's site code.
    pub portal_code: bool,
    /// The error-report entry names a code that is not the footer's.
    pub report_mismatch: bool,
}

/// How a homepage's lists are dated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HomeDates {
    /// The newest item is this many days old.
    Dated(i64),
    /// No dated item: the depth-1 column pages stand in.
    Undated,
    /// One item dated this many days ahead, the newest of the rest this old.
    Future(i64, i64),
}

/// Which letters a site lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Letters {
    None,
    Timely,
    /// One letter of the year answered after 120 days.
    Late,
    /// One letter of the year unanswered after 150 days.
    Overdue,
    /// A letter answered late, submitted more than a year ago: outside the verdict.
    OldLate,
}

/// A site's inspection traits.
#[derive(Debug, Clone, Copy)]
pub struct SiteInspection {
    pub footer: Footer,
    pub home: HomeDates,
    /// Whether the news, notices and personnel columns are stale.
    pub stale: [bool; 3],
    pub letters: Letters,
    /// How the homepage writes dates (0 `-`, 1 `/`, 2 年月日, 3 `[MM-DD]`).
    pub date_style: u64,
    /// Letters as a table with a header row (else rows labelling their dates).
    pub letter_table: bool,
}

/// The column classes in the rules' order of the sim's names: (name, class, max days).
pub const COLUMNS: [(&str, &str, i64); 3] = [
    ("工作动态", "news", 14),
    ("通知公告", "notices", 180),
    ("人事信息", "personnel", 365),
];

impl SiteInspection {
    /// The traits of `site`.
    pub fn of(world: &World, site: &SimSite) -> SiteInspection {
        let h = hash(&site.host) ^ world.spec.seed.wrapping_mul(0x9E37_79B9);
        let bits = |shift: u32, n: u64| (h >> shift) % n;
        let department = site.sector != Sector::General;
        let footer = match bits(0, 6) {
            3 => Footer {
                icp: false,
                ..Footer::complete()
            },
            4 => Footer {
                site_code: false,
                ..Footer::complete()
            },
            5 => Footer {
                organizer: false,
                ..Footer::complete()
            },
            _ => Footer {
                portal_code: department && bits(8, 4) == 0,
                report_mismatch: bits(12, 7) == 0,
                ..Footer::complete()
            },
        };
        let home = match bits(16, 8) {
            0..=3 => HomeDates::Dated(bits(20, 10) as i64),
            4 | 5 => HomeDates::Dated(15 + bits(24, 200) as i64),
            6 => HomeDates::Undated,
            _ => HomeDates::Future(3 + bits(24, 20) as i64, 2 + bits(20, 8) as i64),
        };
        let letters = match bits(32, 5) {
            0 => Letters::None,
            1 => Letters::Timely,
            2 => Letters::Late,
            3 => Letters::Overdue,
            _ => Letters::OldLate,
        };
        SiteInspection {
            footer,
            home,
            stale: [bits(40, 2) == 0, bits(41, 3) == 0, bits(43, 4) == 0],
            letters,
            date_style: bits(48, 4),
            letter_table: bits(52, 2) == 0,
        }
    }

    /// The age of homepage item `i` (of the dated lists), or `None` when undated; a
    /// negative age is a future date.
    pub fn home_item_age(&self, i: usize) -> Option<i64> {
        let spread = (i % 60) as i64;
        match self.home {
            HomeDates::Dated(newest) => Some(newest + spread),
            HomeDates::Undated => None,
            HomeDates::Future(ahead, _) if i == 0 => Some(-ahead),
            HomeDates::Future(_, newest) => Some(newest + spread),
        }
    }
}

impl Footer {
    fn complete() -> Footer {
        Footer {
            site_code: true,
            icp: true,
            organizer: true,
            portal_code: false,
            report_mismatch: false,
        }
    }
}

/// The site code of a city's site: the city's six digits, then the portal `0001` or
/// the department's number.
pub fn site_code(city: &SimCity, sector: Sector) -> String {
    let n = Sector::DEPARTMENTS
        .iter()
        .position(|s| *s == sector)
        .map_or(1, |i| i + 2);
    format!("{}{n:04}", city.id)
}

/// The footer's identity lines.
pub fn footer_identity(insp: &SiteInspection, site: &SimSite, city: &SimCity, who: &str) -> String {
    let f = insp.footer;
    let code = if f.portal_code {
        site_code(city, Sector::General)
    } else {
        site_code(city, site.sector)
    };
    let mut s = String::from("<p>");
    if f.organizer {
        let _ = write!(s, "主办单位：{who}　");
    }
    if f.site_code {
        let _ = write!(s, "网站标识码：{code}　");
    }
    if f.icp {
        let _ = write!(
            s,
            "<a href=\"http://beian.miit.gov.cn/\">京ICP备{:08}号-1</a>　",
            hash(&site.host) % 100_000_000
        );
    }
    let _ = write!(
        s,
        "<a href=\"http://www.beian.gov.cn/portal/registerSystemInfo?recordcode={c}\">京公网安备 {c}号</a></p>",
        c = format!("{}{:08}", city.id, hash(&city.domain) % 100_000_000)
    );
    let report = if f.report_mismatch {
        format!("{}9999", city.id)
    } else {
        code
    };
    let _ = write!(
        s,
        "<p><a href=\"http://bszs.conac.cn/sitename?method=show&amp;id=1\"><img src=\"/images/red.png\" alt=\"党政机关\"></a><script id=\"_jiucuo_\" sitecode=\"{report}\" src=\"https://zfwzgl.www.gov.cn/exposure/jiucuo.js\"></script></p>"
    );
    s
}

/// A date `age` days before `today`, in the homepage's style; a future date always with
/// its year (a month and day alone read as the latest such day not after the fetch).
pub fn home_date(style: u64, today: NaiveDate, age: i64) -> String {
    let d = today - chrono::Duration::days(age);
    match style {
        _ if age < 0 => d.format("%Y-%m-%d").to_string(),
        0 => d.format("%Y-%m-%d").to_string(),
        1 => d.format("%Y/%m/%d").to_string(),
        2 => d.format("%Y年%m月%d日").to_string(),
        _ => d.format("[%m-%d]").to_string(),
    }
}

/// Column page `k`: its name and class index (`None`: 专题专栏, no class).
pub fn column_of(k: usize) -> (&'static str, Option<usize>) {
    match k % 4 {
        3 => ("专题专栏", None),
        c => (COLUMNS[c].0, Some(c)),
    }
}

/// The age of column page `k`'s newest item.
pub fn column_newest_age(insp: &SiteInspection, k: usize) -> i64 {
    match column_of(k).1 {
        Some(c) if insp.stale[c] => COLUMNS[c].2 + 1 + (k % 20) as i64,
        Some(c) => (k as i64) % (COLUMNS[c].2 / 2 + 1),
        None => (k % 30) as i64,
    }
}

/// One simulated letter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimLetter {
    pub title: String,
    pub submitted_age: i64,
    /// Days from submission to the reply; `None`: unanswered.
    pub delay: Option<i64>,
}

/// A letter's link on a letter list, to its own page.
fn letter_link(l: &SimLetter) -> String {
    format!(
        "<a href=\"/hdjl/letter/{}.html\">{}</a>",
        hash(&l.title) % 100_000,
        l.title
    )
}

/// The letters on letter-list page `page` (0 or 1).
pub fn letters(insp: &SiteInspection, page: usize) -> Vec<SimLetter> {
    if insp.letters == Letters::None {
        return Vec::new();
    }
    let mut out: Vec<SimLetter> = (0..8)
        .map(|j| SimLetter {
            title: format!("关于第{}号事项的建议", page * 8 + j + 1),
            submitted_age: 12 + 9 * j as i64 + 75 * page as i64,
            // The newest letter is still being handled (not overdue).
            delay: (j > 0).then_some(3 + j as i64),
        })
        .collect();
    let bad = &mut out[if page == 0 { 5 } else { 3 }];
    match (insp.letters, page) {
        (Letters::Late, 1) => {
            bad.submitted_age = 200;
            bad.delay = Some(120);
        }
        (Letters::Overdue, 0) => {
            bad.submitted_age = 150;
            bad.delay = None;
        }
        (Letters::OldLate, 1) => {
            bad.submitted_age = 420;
            bad.delay = Some(100);
        }
        _ => {}
    }
    out
}

/// A letter-list page: a table with a header row or rows labelling their dates, the
/// next page linked as 下一页.
pub fn letter_page(insp: &SiteInspection, page: usize, today: NaiveDate) -> String {
    let day = |age: i64| {
        (today - chrono::Duration::days(age))
            .format("%Y-%m-%d")
            .to_string()
    };
    let mut b = String::from("<div class=\"xjxd\"><h2>信件选登</h2>");
    if insp.letter_table {
        b.push_str("<table class=\"list\"><tr><th>信件标题</th><th>来信时间</th><th>答复时间</th><th>办理状态</th></tr>");
        for l in letters(insp, page) {
            let (replied, state) = match l.delay {
                Some(d) => (day(l.submitted_age - d), "已办结"),
                None => (String::new(), "办理中"),
            };
            let _ = write!(
                b,
                "<tr><td>{}</td><td>{}</td><td>{replied}</td><td>{state}</td></tr>",
                letter_link(&l),
                day(l.submitted_age)
            );
        }
        b.push_str("</table>");
    } else {
        b.push_str("<ul class=\"letters\">");
        for l in letters(insp, page) {
            let reply = match l.delay {
                Some(d) => format!(
                    "<span>答复时间：{}</span><span>已回复</span>",
                    day(l.submitted_age - d)
                ),
                None => "<span>未回复</span>".to_string(),
            };
            let _ = write!(
                b,
                "<li>{}<span>留言时间：{}</span>{reply}</li>",
                letter_link(&l),
                day(l.submitted_age)
            );
        }
        b.push_str("</ul>");
    }
    if page == 0 {
        b.push_str("<div class=\"page\"><a href=\"/hdjl/xjxd_2.html\">下一页</a></div>");
    }
    b.push_str("</div>");
    b
}

/// A column page's list: thirty items, the newest [`column_newest_age`] days old.
pub fn column_page(
    insp: &SiteInspection,
    k: usize,
    today: NaiveDate,
    titles: &mut dyn FnMut() -> String,
    news_count: usize,
) -> String {
    let (name, _) = column_of(k);
    let newest = column_newest_age(insp, k);
    let mut b = format!("<div class=\"list\"><h2>{name}</h2><ul>");
    for j in 0..30 {
        let d = today - chrono::Duration::days(newest + 3 * j as i64);
        let _ = write!(
            b,
            "<li><a href=\"/news/{}.html\">{}</a><span class=\"date\">{}</span></li>",
            (k * 7 + j) % news_count,
            titles(),
            d.format("%Y-%m-%d")
        );
    }
    b.push_str("</ul></div>");
    b
}

/// What the inspection export must say about one site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    pub identity: &'static str,
    pub missing: Vec<&'static str>,
    pub freshness: &'static str,
    pub age_days: Option<i64>,
    /// Paths of the stale column pages among those fetched, sorted.
    pub stale_columns: Vec<String>,
    pub future_dated: usize,
    pub replies: &'static str,
    pub letters: usize,
    pub late: usize,
    pub overdue: usize,
    pub domain: &'static str,
}

fn verdict(ok: bool) -> &'static str {
    if ok { "yes" } else { "no" }
}

/// The truth for `site`, given the pages its crawl fetched (path and depth) and whether
/// its portal's footer showed the portal's own site code (a department showing that
/// code can only be told then).
pub fn expected(
    world: &World,
    site: &SimSite,
    fetched: &[(String, u32)],
    portal_shows_code: bool,
) -> Expected {
    let insp = SiteInspection::of(world, site);
    let city = &world.cities[site.city];
    let f = insp.footer;
    let mut missing = Vec::new();
    for (name, present) in [
        ("site_code", f.site_code),
        ("organizer", f.organizer),
        ("icp", f.icp),
    ] {
        if !present {
            missing.push(name);
        }
    }
    let inconsistent =
        (f.site_code && f.report_mismatch) || (f.site_code && f.portal_code && portal_shows_code);
    let column_k = |path: &str| {
        path.strip_prefix("/col/")?
            .strip_suffix("/index.html")?
            .parse::<usize>()
            .ok()
    };
    // Month-day dates alone do not show their year: such a homepage reads as undated.
    let home = match insp.home {
        HomeDates::Dated(_) if insp.date_style == 3 => HomeDates::Undated,
        h => h,
    };
    let (age_days, future_dated) = match home {
        HomeDates::Dated(a) => (Some(a), 0),
        HomeDates::Future(_, a) => (Some(a), 1),
        HomeDates::Undated => (
            fetched
                .iter()
                .filter(|(_, depth)| *depth == 1)
                .filter_map(|(p, _)| column_k(p))
                .map(|k| column_newest_age(&insp, k))
                .min(),
            0,
        ),
    };
    let mut stale_columns: Vec<String> = fetched
        .iter()
        .filter(|(_, depth)| *depth >= 1)
        .filter_map(|(p, _)| {
            let k = column_k(p)?;
            let c = column_of(k).1?;
            (column_newest_age(&insp, k) > COLUMNS[c].2).then(|| p.clone())
        })
        .collect();
    stale_columns.sort();
    let mut seen: Vec<SimLetter> = Vec::new();
    for (page, path) in ["/hdjl/xjxd.html", "/hdjl/xjxd_2.html"].iter().enumerate() {
        if fetched.iter().any(|(p, _)| p == path) {
            seen.extend(letters(&insp, page));
        }
    }
    let late = |l: &SimLetter| l.delay.is_some_and(|d| d > 90);
    let overdue = |l: &SimLetter| l.delay.is_none() && l.submitted_age > 90;
    let failing = seen
        .iter()
        .any(|l| l.submitted_age <= 365 && (late(l) || overdue(l)));
    let portal_domain = &city.domain;
    let host = &site.host;
    let domain_ok = host.ends_with(".gov.cn")
        && crate::model::scope::registrable_domain(host) == *portal_domain;
    Expected {
        identity: verdict(missing.is_empty() && !inconsistent),
        missing,
        freshness: match age_days {
            None => "unknown",
            Some(a) => verdict(a <= 14),
        },
        age_days,
        stale_columns,
        future_dated,
        replies: if seen.is_empty() {
            "unknown"
        } else {
            verdict(!failing)
        },
        letters: seen.len(),
        late: seen.iter().filter(|l| late(l)).count(),
        overdue: seen.iter().filter(|l| overdue(l)).count(),
        domain: verdict(domain_ok),
    }
}
