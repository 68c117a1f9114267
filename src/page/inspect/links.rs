//! Broken links and availability (19号: 错链、断链 deduct; a site unreachable in 5 % or
//! more of a week's probes fails outright). Pure: what one link check's answer means
//! ([`judge_answer`]), the words of an answer's page that decide a soft 404
//! ([`headings`]), a site's links verdict from its checked links ([`links_check`]) and
//! its availability verdict from its probes ([`reachability`]).

use super::Verdict;
use serde::{Deserialize, Serialize};

/// What a link check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LinkOutcome {
    /// It opens.
    Ok,
    /// It does not open: 404, 410, another 4xx, 5xx after the retries, a host that
    /// cannot be reached, a redirect loop, a soft 404.
    Broken,
    /// The host refuses robots (401, 403, 429, a firewall's challenge): not broken.
    Blocked,
    /// Never fetched: a private or loopback address, a scheme the crawler does not use.
    Refused,
    /// Not fetched: robots.txt disallows it, or the host's budget of checks is spent.
    NotChecked,
}

impl LinkOutcome {
    /// The id used in the store and in files.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkOutcome::Ok => "ok",
            LinkOutcome::Broken => "broken",
            LinkOutcome::Blocked => "blocked",
            LinkOutcome::Refused => "refused",
            LinkOutcome::NotChecked => "not-checked",
        }
    }

    /// The outcome named `s` (as stored).
    pub fn parse(s: &str) -> Option<LinkOutcome> {
        [
            LinkOutcome::Ok,
            LinkOutcome::Broken,
            LinkOutcome::Blocked,
            LinkOutcome::Refused,
            LinkOutcome::NotChecked,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
    }
}

/// The words and thresholds of these checks (`[inspection.links]` of the rules file).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkRules {
    /// Words of a title or top heading that say the page is gone: a 200 answer showing
    /// one is a soft 404.
    pub soft_404_words: Vec<String>,
    /// Words of a title or top heading of a firewall's challenge page: blocked.
    pub waf_words: Vec<String>,
    /// Characters a title part may hold besides its not-found words: more is a page
    /// about something else that mentions them (整改页面不存在问题的通知).
    pub heading_max_other_chars: usize,
    /// 19号: a site failing this share of its probes or more fails availability.
    pub reachability_max_failed_share: f64,
    /// Probes needed before availability is judged.
    pub reachability_min_probes: usize,
}

/// What one check got back.
#[derive(Debug, Clone, Copy)]
pub struct Answer<'a> {
    /// The last status received (after redirects), if any.
    pub status: Option<u16>,
    /// How the fetch failed (`FetchError::kind`), if it did.
    pub error_kind: Option<&'a str>,
    /// The title and top headings of a 2xx HTML answer ([`headings`]).
    pub headings: &'a [String],
}

/// What an answer means, and why when it is not `ok`.
pub fn judge_answer(rules: &LinkRules, a: &Answer<'_>) -> (LinkOutcome, Option<String>) {
    if let Some(kind) = a.error_kind {
        let outcome = match kind {
            "refused" => LinkOutcome::Refused,
            "robots-disallowed" | "blocked-by-robots" | "budget" => LinkOutcome::NotChecked,
            _ => LinkOutcome::Broken,
        };
        return (outcome, None);
    }
    match a.status {
        None => (LinkOutcome::Broken, Some("no answer".into())),
        Some(401 | 403 | 429) => (LinkOutcome::Blocked, None),
        Some(s) if s >= 400 => (LinkOutcome::Broken, None),
        Some(s) if (300..400).contains(&s) => (
            LinkOutcome::Broken,
            Some(format!("HTTP {s} without a usable Location")),
        ),
        Some(_) => {
            if let Some(h) = shows(rules, &rules.waf_words, a.headings) {
                (LinkOutcome::Blocked, Some(format!("challenge page: {h}")))
            } else if let Some(h) = shows(rules, &rules.soft_404_words, a.headings) {
                (LinkOutcome::Broken, Some(format!("soft 404: {h}")))
            } else {
                (LinkOutcome::Ok, None)
            }
        }
    }
}

/// The first heading that is about one of `words`: a part of it (split at the site
/// name's separators) holding the word and little else. An ASCII word (`404`) counts
/// only as a whole token, never inside a number (2404号).
fn shows<'h>(rules: &LinkRules, words: &[String], headings: &'h [String]) -> Option<&'h str> {
    headings.iter().map(String::as_str).find(|h| {
        h.split(['_', '|', '-', '—', '–', '：', ':', '·'])
            .map(str::trim)
            .any(|part| {
                words.iter().any(|w| {
                    part.match_indices(w.as_str()).any(|(at, _)| {
                        whole_token(part, at, w.len())
                            && part.chars().count()
                                <= w.chars().count() + rules.heading_max_other_chars
                    })
                })
            })
    })
}

/// Whether the match at `at..at + len` is not glued to letters or digits (for ASCII
/// words; a Chinese word has no token boundaries).
fn whole_token(text: &str, at: usize, len: usize) -> bool {
    let word = &text[at..at + len];
    if !word.is_ascii() {
        return true;
    }
    let before = text[..at].chars().next_back();
    let after = text[at + len..].chars().next();
    let glued = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    !glued(before) && !glued(after)
}

/// Most headings read from an answer.
const MAX_HEADINGS: usize = 4;

/// The title and first `h1`–`h3` of an HTML answer (its first bytes, decoded): what a
/// soft 404 or a challenge page shows.
pub fn headings(body: &[u8], content_type: Option<&str>) -> Vec<String> {
    let decoded = crate::page::decode::decode(body, content_type);
    let doc = scraper::Html::parse_document(&decoded.text);
    let mut out = Vec::new();
    for sel in ["title", "h1", "h2", "h3"] {
        let sel = scraper::Selector::parse(sel).expect("a valid selector");
        if let Some(e) = doc.select(&sel).next() {
            let text: String = e.text().collect::<String>();
            let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            if !text.is_empty() {
                out.push(text);
            }
        }
        if out.len() >= MAX_HEADINGS {
            break;
        }
    }
    out
}

/// Whether a broken link is suspected (seen broken once) or confirmed (broken in two
/// checks at least the confirmation time apart).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BrokenState {
    Suspected,
    Confirmed,
}

impl BrokenState {
    /// The id used in files.
    pub fn as_str(self) -> &'static str {
        match self {
            BrokenState::Suspected => "suspected",
            BrokenState::Confirmed => "confirmed",
        }
    }

    /// The state a broken link is in: confirmed when it has been broken since
    /// `first_seen` (its checks in between all broken) for at least `confirm_after`.
    pub fn of(
        first_seen: chrono::DateTime<chrono::Utc>,
        checked_at: chrono::DateTime<chrono::Utc>,
        confirm_after: chrono::Duration,
    ) -> BrokenState {
        if checked_at - first_seen >= confirm_after {
            BrokenState::Confirmed
        } else {
            BrokenState::Suspected
        }
    }
}

/// One checked link of a site, as the verdict sees it.
#[derive(Debug, Clone, Serialize)]
pub struct CheckedLink {
    /// The page it sits on (父页面).
    pub page: String,
    /// Whether that page is the site's homepage.
    #[serde(skip)]
    pub homepage: bool,
    pub text: String,
    pub target: String,
    pub final_url: Option<String>,
    pub status: Option<u16>,
    pub outcome: LinkOutcome,
    pub error: Option<String>,
    /// When it was first seen broken (in the run of broken checks that includes this).
    pub first_seen: Option<String>,
    /// For a broken link.
    pub state: Option<BrokenState>,
}

/// The links check of a site.
#[derive(Debug, Clone, Serialize)]
pub struct LinksCheck {
    pub verdict: Verdict,
    /// Distinct links checked (fetched, whatever the outcome), over all its pages.
    pub checked: usize,
    pub broken: usize,
    pub confirmed: usize,
    pub blocked: usize,
    /// Broken links of the homepage ÷ links of the homepage checked.
    pub broken_share: Option<f64>,
    /// The broken links, confirmed first, with their parent pages.
    pub list: Vec<CheckedLink>,
}

impl Default for LinksCheck {
    fn default() -> Self {
        LinksCheck {
            verdict: Verdict::Unknown,
            checked: 0,
            broken: 0,
            confirmed: 0,
            blocked: 0,
            broken_share: None,
            list: Vec::new(),
        }
    }
}

/// A site's links verdict: `no` when a confirmed broken link sits on its homepage,
/// `yes` when its homepage's links were checked and none is, `unknown` when none was.
pub fn links_check(links: Vec<CheckedLink>) -> LinksCheck {
    let fetched = |l: &&CheckedLink| {
        matches!(
            l.outcome,
            LinkOutcome::Ok | LinkOutcome::Broken | LinkOutcome::Blocked
        )
    };
    let count = |f: &dyn Fn(&CheckedLink) -> bool| links.iter().filter(|l| f(l)).count();
    let checked = links.iter().filter(fetched).count();
    let broken = count(&|l| l.outcome == LinkOutcome::Broken);
    let confirmed = count(&|l| l.state == Some(BrokenState::Confirmed));
    let blocked = count(&|l| l.outcome == LinkOutcome::Blocked);
    let home_checked = links.iter().filter(fetched).filter(|l| l.homepage).count();
    let home_broken = count(&|l| l.homepage && l.outcome == LinkOutcome::Broken);
    let home_confirmed = count(&|l| l.homepage && l.state == Some(BrokenState::Confirmed));
    let verdict = if home_confirmed > 0 {
        Verdict::No
    } else if home_checked > 0 {
        Verdict::Yes
    } else {
        Verdict::Unknown
    };
    let mut list: Vec<CheckedLink> = links
        .into_iter()
        .filter(|l| l.outcome == LinkOutcome::Broken)
        .collect();
    list.sort_by_key(|l| (l.state != Some(BrokenState::Confirmed), !l.homepage));
    LinksCheck {
        verdict,
        checked,
        broken,
        confirmed,
        blocked,
        broken_share: (home_checked > 0).then(|| home_broken as f64 / home_checked as f64),
        list,
    }
}

/// One probe of a site, as the verdict sees it.
#[derive(Debug, Clone)]
pub struct ProbeSeen {
    /// The day it was made (China's calendar).
    pub day: chrono::NaiveDate,
    pub ok: bool,
}

/// The availability check of a site.
#[derive(Debug, Clone, Serialize)]
pub struct Reachability {
    pub verdict: Verdict,
    pub probes: usize,
    pub failed: usize,
    /// Failed ÷ probes.
    pub share: Option<f64>,
    /// Distinct days the probes cover.
    pub days: usize,
    pub first: Option<chrono::NaiveDate>,
    pub last: Option<chrono::NaiveDate>,
}

impl Default for Reachability {
    fn default() -> Self {
        reachability(&LinkRules::none(), &[])
    }
}

impl LinkRules {
    /// Thresholds that judge nothing (for a default value that is `unknown`).
    fn none() -> LinkRules {
        LinkRules {
            soft_404_words: Vec::new(),
            waf_words: Vec::new(),
            heading_max_other_chars: 0,
            reachability_max_failed_share: 1.0,
            reachability_min_probes: usize::MAX,
        }
    }
}

/// A site's availability from its probes: `no` when it failed the rules' share of them
/// or more, `unknown` with fewer probes than the rules ask.
pub fn reachability(rules: &LinkRules, probes: &[ProbeSeen]) -> Reachability {
    let failed = probes.iter().filter(|p| !p.ok).count();
    let mut days: Vec<chrono::NaiveDate> = probes.iter().map(|p| p.day).collect();
    days.sort();
    days.dedup();
    let share = (!probes.is_empty()).then(|| failed as f64 / probes.len() as f64);
    let verdict = match share {
        _ if probes.len() < rules.reachability_min_probes => Verdict::Unknown,
        Some(s) if s >= rules.reachability_max_failed_share => Verdict::No,
        Some(_) => Verdict::Yes,
        None => Verdict::Unknown,
    };
    Reachability {
        verdict,
        probes: probes.len(),
        failed,
        share,
        days: days.len(),
        first: days.first().copied(),
        last: days.last().copied(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The built-in rules' `[inspection.links]` table (read from the rules file itself:
    /// the words under test are its data).
    fn rules() -> LinkRules {
        #[derive(Deserialize)]
        struct File {
            inspection: Table,
        }
        #[derive(Deserialize)]
        struct Table {
            links: LinkRules,
        }
        let f: File = toml::from_str(include_str!("../../../rules/channels.toml")).unwrap();
        f.inspection.links
    }

    fn judge(status: Option<u16>, error: Option<&str>, headings: &[&str]) -> LinkOutcome {
        let h: Vec<String> = headings.iter().map(|s| s.to_string()).collect();
        let a = Answer {
            status,
            error_kind: error,
            headings: &h,
        };
        judge_answer(&rules(), &a).0
    }

    #[test]
    fn answers_are_ok_broken_blocked_refused_or_not_checked() {
        use LinkOutcome::*;
        assert_eq!(judge(Some(200), None, &["首页"]), Ok);
        for s in [404, 410, 400, 500, 503] {
            assert_eq!(judge(Some(s), None, &[]), Broken, "{s}");
        }
        for s in [401, 403, 429] {
            assert_eq!(judge(Some(s), None, &[]), Blocked, "{s}");
        }
        for e in [
            "dns",
            "connect",
            "timeout",
            "tls-error",
            "redirect-loop",
            "too-many-redirects",
        ] {
            assert_eq!(judge(None, Some(e), &[]), Broken, "{e}");
        }
        assert_eq!(judge(None, Some("refused"), &[]), Refused);
        assert_eq!(judge(None, Some("robots-disallowed"), &[]), NotChecked);
        assert_eq!(judge(None, Some("budget"), &[]), NotChecked);
    }

    #[test]
    fn a_page_saying_it_is_gone_is_a_soft_404_and_a_page_about_it_is_not() {
        use LinkOutcome::*;
        for gone in [
            "ERROR 404 您访问的页面不存在",
            "页面不存在_杭州市人民政府",
            "404",
            "404 Not Found",
            "该页面已被删除",
        ] {
            assert_eq!(judge(Some(200), None, &[gone]), Broken, "{gone}");
        }
        // Traps: 404 inside a number, and a page about missing pages.
        for fine in [
            "关于印发杭政办〔2024〕2404号文件的通知",
            "关于开展政府网站页面不存在、链接错误等问题专项整改工作的通知",
            "市政府2404次常务会议",
        ] {
            assert_eq!(judge(Some(200), None, &[fine]), Ok, "{fine}");
        }
    }

    #[test]
    fn a_firewall_challenge_is_blocked_not_broken() {
        assert_eq!(judge(Some(200), None, &["安全验证"]), LinkOutcome::Blocked);
        assert_eq!(
            judge(Some(200), None, &["关于加强网络安全验证工作的通知（全文）"]),
            LinkOutcome::Ok
        );
    }

    #[test]
    fn headings_are_read_from_the_first_bytes_of_an_answer() {
        let h = headings(
            "<html><head><title>页面不存在</title></head><body><h1>404</h1>".as_bytes(),
            Some("text/html; charset=utf-8"),
        );
        assert_eq!(h, ["页面不存在", "404"]);
    }

    fn link(homepage: bool, outcome: LinkOutcome, state: Option<BrokenState>) -> CheckedLink {
        CheckedLink {
            page: "https://www.x.gov.cn/".into(),
            homepage,
            text: "t".into(),
            target: "https://a.gov.cn/".into(),
            final_url: None,
            status: None,
            outcome,
            error: None,
            first_seen: None,
            state,
        }
    }

    #[test]
    fn a_confirmed_broken_homepage_link_fails_the_site_and_a_suspected_one_does_not() {
        use LinkOutcome::*;
        let ok = link(true, Ok, None);
        let suspected = link(true, Broken, Some(BrokenState::Suspected));
        let confirmed = link(true, Broken, Some(BrokenState::Confirmed));
        let deep = link(false, Broken, Some(BrokenState::Confirmed));
        let c = links_check(vec![
            ok.clone(),
            suspected.clone(),
            link(true, Refused, None),
        ]);
        assert_eq!(c.verdict, Verdict::Yes);
        assert_eq!((c.checked, c.broken, c.confirmed), (2, 1, 0));
        assert_eq!(c.broken_share, Some(0.5));
        let c = links_check(vec![ok.clone(), deep]);
        assert_eq!(c.verdict, Verdict::Yes, "only the homepage's links decide");
        let c = links_check(vec![ok, suspected, confirmed]);
        assert_eq!(c.verdict, Verdict::No);
        assert_eq!(c.list[0].state, Some(BrokenState::Confirmed));
        assert_eq!(links_check(Vec::new()).verdict, Verdict::Unknown);
    }

    #[test]
    fn broken_for_a_day_is_confirmed() {
        let t0 = chrono::DateTime::parse_from_rfc3339("2026-12-01T08:00:00Z")
            .unwrap()
            .to_utc();
        let day = chrono::Duration::hours(24);
        assert_eq!(BrokenState::of(t0, t0, day), BrokenState::Suspected);
        assert_eq!(
            BrokenState::of(t0, t0 + chrono::Duration::hours(23), day),
            BrokenState::Suspected
        );
        assert_eq!(BrokenState::of(t0, t0 + day, day), BrokenState::Confirmed);
    }

    #[test]
    fn availability_fails_at_five_percent_and_is_unknown_below_twenty_probes() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let probes = |n: usize, failed: usize| -> Vec<ProbeSeen> {
            (0..n)
                .map(|i| ProbeSeen {
                    day: day + chrono::Duration::days((i % 7) as i64),
                    ok: i >= failed,
                })
                .collect()
        };
        let r = reachability(&rules(), &probes(20, 1));
        assert_eq!((r.verdict, r.failed, r.days), (Verdict::No, 1, 7));
        assert_eq!(reachability(&rules(), &probes(40, 1)).verdict, Verdict::Yes);
        assert_eq!(
            reachability(&rules(), &probes(19, 0)).verdict,
            Verdict::Unknown
        );
        assert_eq!(Reachability::default().verdict, Verdict::Unknown);
    }
}
