//! A site's verdicts, judged from the readings of the pages its crawl fetched: identity
//! from its start page's footer, freshness from its homepage's lists (or, on a homepage
//! that is only navigation, its depth-1 column pages'), stale columns, replies from the
//! letters its pages list, and its domain. Pure: the store and the export feed it.

use super::Verdict;
use super::domain::{Domain, domain};
use super::freshness::Item;
use super::identity::Identity;
use super::reading::PageReading;
use super::replies::{Letter, LetterState};
use super::rules::InspectionRules;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::HashSet;
use url::Url;

/// Letters kept as evidence per site (the late and overdue ones first).
const MAX_LETTER_EVIDENCE: usize = 20;

/// One page the crawl fetched, with its reading.
#[derive(Debug, Clone)]
pub struct PageSeen {
    pub url: String,
    pub depth: u32,
    pub fetched_on: NaiveDate,
    pub reading: PageReading,
}

/// What the checks know about a site.
#[derive(Debug, Clone)]
pub struct SiteSeen<'a> {
    /// Where the site is (its final URL when its start URL moved).
    pub url: &'a Url,
    /// The city's portal, for a department site.
    pub portal: Option<&'a Url>,
    /// The portal's site code, for a department site on a host of its own.
    pub portal_site_code: Option<&'a str>,
    /// Whether the crawl reached the site; an unreached one is unknown on every check
    /// but its domain.
    pub reached: bool,
    pub pages: &'a [PageSeen],
}

/// The identity check: the start page's footer, and the page it was read from.
#[derive(Debug, Clone, Serialize)]
pub struct IdentityCheck {
    #[serde(flatten)]
    pub identity: Identity,
    pub page: Option<String>,
}

/// A dated item and the page it is on.
#[derive(Debug, Clone, Serialize)]
pub struct PageItem {
    #[serde(flatten)]
    pub item: Item,
    pub page: String,
}

/// A column page whose newest item is older than its class allows.
#[derive(Debug, Clone, Serialize)]
pub struct StaleColumn {
    pub page: String,
    pub name: String,
    pub class: String,
    pub newest: NaiveDate,
    pub age_days: i64,
    pub max_days: i64,
}

/// The freshness check.
#[derive(Debug, Clone, Serialize)]
pub struct Freshness {
    pub verdict: Verdict,
    pub newest: Option<NaiveDate>,
    pub age_days: Option<i64>,
    pub item: Option<PageItem>,
    /// `homepage`, or `columns` when the homepage lists no dated item and its depth-1
    /// column pages stand in (19号).
    pub source: Option<&'static str>,
    pub stale_columns: Vec<StaleColumn>,
    /// Items dated after the day their page was fetched: reported, never fresh.
    pub future_dated: Vec<PageItem>,
}

/// A letter and the page it is listed on.
#[derive(Debug, Clone, Serialize)]
pub struct PageLetter {
    #[serde(flatten)]
    pub letter: Letter,
    pub page: String,
    /// Days from submission to the reply, or to the fetch while unanswered.
    pub days: i64,
    pub late: bool,
    pub overdue: bool,
}

/// The replies check.
#[derive(Debug, Clone, Serialize)]
pub struct Replies {
    pub verdict: Verdict,
    pub letters: usize,
    pub replied: usize,
    pub median_days: Option<i64>,
    pub max_days: Option<i64>,
    pub late: usize,
    pub overdue: usize,
    /// The pages that list letters.
    pub pages: Vec<String>,
    /// The late and overdue letters first, at most twenty.
    pub evidence: Vec<PageLetter>,
}

/// A site's checks.
#[derive(Debug, Clone, Serialize)]
pub struct SiteChecks {
    pub identity: IdentityCheck,
    pub freshness: Freshness,
    pub replies: Replies,
    pub domain: Domain,
    /// Broken links (from the run's link checks; `unknown` until the export adds them).
    pub links: super::links::LinksCheck,
    /// Availability (from the probes; `unknown` until the export adds them).
    pub reachability: super::links::Reachability,
}

/// Judges a site.
pub fn judge(rules: &InspectionRules, site: &SiteSeen<'_>) -> SiteChecks {
    SiteChecks {
        identity: identity_check(site),
        freshness: freshness(rules, site),
        replies: replies(rules, site),
        domain: domain(site.url, site.portal),
        links: Default::default(),
        reachability: Default::default(),
    }
}

fn identity_check(site: &SiteSeen<'_>) -> IdentityCheck {
    let start = site
        .pages
        .iter()
        .filter(|p| p.depth == 0)
        .find_map(|p| Some((p.reading.identity.clone()?, p.url.clone())));
    let Some((mut identity, page)) = start.filter(|_| site.reached) else {
        return IdentityCheck {
            identity: Identity::unknown(),
            page: None,
        };
    };
    let on_own_host = site
        .portal
        .is_some_and(|p| p.host_str() != site.url.host_str());
    if let (Some(code), Some(portal_code), true) =
        (&identity.site_code, site.portal_site_code, on_own_host)
        && code.value.eq_ignore_ascii_case(portal_code)
    {
        identity.inconsistent.push(format!(
            "the footer shows the portal's site code {portal_code}, not the department's own"
        ));
        identity.verdict = Verdict::No;
    }
    IdentityCheck {
        identity,
        page: Some(page),
    }
}

fn freshness(rules: &InspectionRules, site: &SiteSeen<'_>) -> Freshness {
    let newest_at = |depth: u32| {
        site.pages
            .iter()
            .filter(|p| p.depth == depth)
            .filter_map(|p| Some((p.reading.dated.newest.as_ref()?, p)))
            .max_by_key(|(i, _)| i.date)
    };
    let found = newest_at(0)
        .map(|f| (f, "homepage"))
        .or_else(|| newest_at(1).map(|f| (f, "columns")));
    let source = found.map(|(_, source)| source);
    let future_depth = if source == Some("columns") { 1 } else { 0 };
    let future_dated = site
        .pages
        .iter()
        .filter(|p| p.depth <= future_depth)
        .flat_map(|p| {
            p.reading.dated.future.iter().map(|i| PageItem {
                item: i.clone(),
                page: p.url.clone(),
            })
        })
        .collect();
    let stale_columns = site
        .pages
        .iter()
        .filter_map(|p| {
            let col = p.reading.column.as_ref()?;
            let class = rules.columns.iter().find(|c| c.class == col.class)?;
            let newest = p.reading.dated.newest.as_ref()?.date;
            let age_days = (p.fetched_on - newest).num_days();
            (age_days > class.max_days).then(|| StaleColumn {
                page: p.url.clone(),
                name: col.name.clone(),
                class: col.class.clone(),
                newest,
                age_days,
                max_days: class.max_days,
            })
        })
        .collect();
    let age = found.map(|((item, page), _)| (page.fetched_on - item.date).num_days());
    Freshness {
        verdict: match age {
            _ if !site.reached => Verdict::Unknown,
            None => Verdict::Unknown,
            Some(a) if a > rules.homepage_max_days => Verdict::No,
            Some(_) => Verdict::Yes,
        },
        newest: found.map(|((item, _), _)| item.date),
        age_days: age,
        item: found.map(|((item, page), _)| PageItem {
            item: item.clone(),
            page: page.url.clone(),
        }),
        source,
        stale_columns,
        future_dated,
    }
}

fn replies(rules: &InspectionRules, site: &SiteSeen<'_>) -> Replies {
    let mut seen = HashSet::new();
    let mut all = Vec::new();
    let mut pages = Vec::new();
    for p in site.pages {
        if !p.reading.letters.is_empty() {
            pages.push(p.url.clone());
        }
        for l in &p.reading.letters {
            if !seen.insert((l.title.clone(), l.submitted)) {
                continue; // the same letter on a list's next page or another list
            }
            let answered = l.state == LetterState::Replied;
            let days = (l.replied.unwrap_or(p.fetched_on) - l.submitted).num_days();
            all.push((
                PageLetter {
                    letter: l.clone(),
                    page: p.url.clone(),
                    days,
                    late: l.replied.is_some() && days > rules.reply_max_days,
                    overdue: l.state == LetterState::Pending && days > rules.reply_max_days,
                },
                answered,
                (p.fetched_on - l.submitted).num_days() <= rules.reply_window_days,
            ));
        }
    }
    let mut delays: Vec<i64> = all
        .iter()
        .filter(|(l, ..)| l.letter.replied.is_some())
        .map(|(l, ..)| l.days)
        .collect();
    delays.sort_unstable();
    let failing = all
        .iter()
        .any(|(l, _, recent)| *recent && (l.late || l.overdue));
    let verdict = if all.is_empty() || !site.reached {
        Verdict::Unknown
    } else if failing {
        Verdict::No
    } else {
        Verdict::Yes
    };
    let late = all.iter().filter(|(l, ..)| l.late).count();
    let overdue = all.iter().filter(|(l, ..)| l.overdue).count();
    let replied = all.iter().filter(|(_, answered, _)| *answered).count();
    let letters = all.len();
    let mut evidence: Vec<PageLetter> = all.into_iter().map(|(l, ..)| l).collect();
    evidence.sort_by_key(|l| (!(l.late || l.overdue), std::cmp::Reverse(l.days)));
    evidence.truncate(MAX_LETTER_EVIDENCE);
    Replies {
        verdict,
        letters,
        replied,
        median_days: delays
            .get(delays.len() / 2)
            .copied()
            .filter(|_| !delays.is_empty()),
        max_days: delays.last().copied(),
        late,
        overdue,
        pages,
        evidence,
    }
}
