//! Link checks (19号 错链、断链): every `http`/`https` link of a site's homepage (or of
//! every stored page) checked once per run per distinct URL, after the site's crawl.
//! The links are recorded with their pages as `pending` and read back a few targets at
//! a time when the checks run, so the sites waiting for their checks hold none of them.
//! A URL the site's crawl fetched is judged from that fetch, never fetched again; an
//! in-scope one is checked by the site itself; a URL outside the site is checked once
//! for the whole run ([`LinkChecks`]), whatever the number of pages and sites that link
//! it, through the fetcher's per-host gates, safety rules and robots.txt. Checks never
//! enter the frontier and never produce findings.

use crate::config::CheckLinks;
use crate::model::scope::Scope;
use crate::net::fetch::{Fetched, Fetcher};
use crate::page::inspect::links::{Answer, LinkOutcome, LinkRules, headings, judge_answer};
use crate::store::writer::{CheckedTarget, PendingAsk, PendingLink, WriterGone, WriterHandle};
use futures_util::StreamExt;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;
use url::Url;

/// Bytes of an HTML answer read by a check: enough for its title and top headings.
const HEAD_BYTES: usize = 8 * 1024;
/// Checks of one site in flight at once: one of its own host (they wait for its gate
/// one after another anyway) and the others of other hosts, which proceed in parallel
/// (4 in all measured 1.09 × the bound on the polite bench, 8 1.04 ×).
const CHECKS_IN_FLIGHT: usize = 8;

/// What a check found, as recorded.
#[derive(Debug, Clone)]
pub(crate) struct Checked {
    pub outcome: LinkOutcome,
    pub status: Option<u16>,
    pub final_url: Option<String>,
    pub error: Option<String>,
    pub checked_at: String,
}

impl Checked {
    /// What the check found, as recorded for every link to `target`.
    pub(crate) fn for_target(self, target: String) -> CheckedTarget {
        CheckedTarget {
            target,
            final_url: self.final_url,
            status: self.status,
            outcome: self.outcome.as_str(),
            error: self.error,
            checked_at: self.checked_at,
        }
    }
}

/// Schemes of links that are not addresses of pages: never checked.
const NOT_PAGES: [&str; 5] = ["mailto", "tel", "sms", "data", "javascript"];

/// The run's checks of URLs outside the site that links them: one per distinct URL
/// (kept by a 64-bit hash of the URL, a few dozen bytes each), and the checks made of
/// each host, which stop at the configured budget.
pub(crate) struct LinkChecks {
    fetcher: Arc<Fetcher>,
    rules: LinkRules,
    mode: CheckLinks,
    external: Mutex<HashMap<u64, Arc<OnceCell<Checked>>>>,
    per_host: Mutex<HashMap<String, usize>>,
    hasher: foldhash::fast::FixedState,
}

impl LinkChecks {
    /// The run's link checker.
    pub(crate) fn new(fetcher: Arc<Fetcher>, rules: LinkRules) -> Self {
        let mode = fetcher.config().check_links;
        LinkChecks {
            fetcher,
            rules,
            mode,
            external: Mutex::new(HashMap::new()),
            per_host: Mutex::new(HashMap::new()),
            hasher: foldhash::fast::FixedState::with_seed(0x5eed),
        }
    }

    /// Which pages' links are checked.
    pub(crate) fn mode(&self) -> CheckLinks {
        self.mode
    }

    /// The words that judge an answer.
    pub(crate) fn rules(&self) -> &LinkRules {
        &self.rules
    }

    /// Checks `url` once for the run: a second caller waits for the first's result.
    pub(crate) async fn check_shared(&self, url: &Url) -> Checked {
        let key = self.hasher.hash_one(url.as_str());
        let cell = self
            .external
            .lock()
            .expect("not poisoned")
            .entry(key)
            .or_default()
            .clone();
        cell.get_or_init(|| self.check(url)).await.clone()
    }

    /// Checks `url` now: one GET (its first bytes), unless a scheme or address rule
    /// refuses it or the host's budget is spent.
    pub(crate) async fn check(&self, url: &Url) -> Checked {
        let host = url.host_str().unwrap_or_default().to_string();
        let spent = {
            let mut counts = self.per_host.lock().expect("not poisoned");
            let n = counts.entry(host).or_default();
            *n += 1;
            *n > self.fetcher.config().link_checks_per_host
        };
        if spent {
            return Checked {
                outcome: LinkOutcome::NotChecked,
                status: None,
                final_url: None,
                error: Some("the host's budget of link checks is spent".into()),
                checked_at: crate::store::runs::now(),
            };
        }
        let retries = self.fetcher.config().max_retries;
        let f = self.fetcher.fetch_head(url, HEAD_BYTES, retries).await;
        judge_fetch(&self.rules, &f)
    }
}

/// What a link check's fetch says about its URL: the headings of its first bytes
/// decide a soft 404 or a challenge page.
pub(crate) fn judge_fetch(rules: &LinkRules, f: &Fetched) -> Checked {
    let heads = if f.is_html() {
        headings(&f.body, f.content_type.as_deref())
    } else {
        Vec::new()
    };
    let kind = f.error.as_ref().map(|e| e.kind());
    let (outcome, why) = judge_answer(
        rules,
        &Answer {
            status: f.status,
            error_kind: kind,
            headings: &heads,
        },
    );
    let error = f
        .error
        .as_ref()
        .map(ToString::to_string)
        .or(why)
        .or_else(|| {
            f.status
                .filter(|_| outcome != LinkOutcome::Ok)
                .map(|s| format!("HTTP {s}"))
        });
    Checked {
        outcome,
        status: f.status,
        final_url: Some(f.final_url.to_string()),
        error,
        checked_at: crate::store::runs::timestamp(f.started_at),
    }
}

/// What the crawl's fetch of a page (as recorded) says about its URL as a link, with
/// the page's title when it was parsed; `None` for a fetch that says nothing about it
/// (a redirect that left the site's scope: a link check follows it).
pub(crate) fn judge_fetch_record(
    rules: &LinkRules,
    record: &crate::store::writer::PageRecord,
    title: Option<&str>,
) -> Option<Checked> {
    if record.error_kind.as_deref() == Some("out-of-scope") {
        return None;
    }
    let heads: Vec<String> = title.into_iter().map(str::to_string).collect();
    let (outcome, why) = judge_answer(
        rules,
        &Answer {
            status: record.status,
            error_kind: record.error_kind.as_deref(),
            headings: &heads,
        },
    );
    Some(Checked {
        outcome,
        status: record.status,
        final_url: Some(record.final_url.clone()),
        error: record.error.clone().or(why).or_else(|| {
            record
                .status
                .filter(|_| outcome != LinkOutcome::Ok)
                .map(|s| format!("HTTP {s}"))
        }),
        checked_at: record.started_at.clone(),
    })
}

/// What the site's own crawl fetched, by URL: a link to one of these is judged from that
/// fetch, never fetched again.
#[derive(Default)]
pub(crate) struct OwnFetches {
    by_url: HashMap<String, Checked>,
}

impl OwnFetches {
    /// Keeps what the crawl's fetch of `url` found.
    pub(crate) fn fetched(&mut self, url: &str, checked: Checked) {
        self.by_url.entry(url.to_string()).or_insert(checked);
    }
}

/// A page's links to check, each distinct target once, recorded with the page. Links
/// that are not addresses of pages (`mailto:`, `tel:`, `sms:`, `data:`; `javascript:`
/// and fragment-only ones never reach here) are not checked; any other scheme is, and
/// is refused without a fetch.
pub(crate) fn links_to_check<'a>(
    links: impl Iterator<Item = (&'a Url, &'a str)>,
) -> Vec<PendingLink> {
    let mut seen = std::collections::HashSet::new();
    links
        .filter(|(url, _)| !NOT_PAGES.contains(&url.scheme()))
        .filter(|(url, _)| seen.insert(url.as_str()))
        .map(|(url, text)| PendingLink {
            text: crate::page::extract::prefix_chars(text, 200).to_string(),
            target: url.to_string(),
        })
        .collect()
}

/// Pending targets read from the store at once. A site holds them while it checks them,
/// and thousands of sites check at once (64 took the census's sites ≈ 45 KB each when
/// checks were answered at once).
const TARGETS_PER_ASK: usize = 16;
/// Checked targets recorded at once, or fewer once the oldest has waited [`RESULT_WAIT`]
/// (they go with the next result to arrive after that).
const RESULTS_PER_MESSAGE: usize = 16;
/// How long a check's result waits to be recorded with others. Recording fills in rows
/// stored with their pages, one table page per site: every site's results each second
/// rewrote ≈ 340 pages a second on the polite bench (+29 % CPU); a result held costs a
/// few hundred bytes.
const RESULT_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Checks a site's pending links, each distinct target once (its own fetch when the
/// crawl made one, the site's check when it is in `scope`, the run's otherwise), and
/// records each target's result for every link to it, counting the checks in `sent`.
/// The targets are read from the store a few at a time: a site waiting for its host's
/// slot holds none of its links. Checks of the site's own host wait for its gate one
/// after another, so one is in flight at a time; checks of other hosts go beside it.
pub(crate) async fn check_site_links(
    checks: &LinkChecks,
    scope: &Scope,
    own: OwnFetches,
    writer: &WriterHandle,
    (run_id, site_id): (i64, i64),
    sent: &std::sync::atomic::AtomicU64,
) -> Result<(), WriterGone> {
    let mut targets = Targets::default();
    let mut in_flight = futures_util::stream::FuturesUnordered::new();
    let mut inside_in_flight = false;
    let mut results: Vec<CheckedTarget> = Vec::new();
    let mut oldest = std::time::Instant::now();
    loop {
        if targets.is_empty() && !targets.exhausted {
            let ask = PendingAsk {
                run_id,
                site_id,
                after: std::mem::take(&mut targets.after),
                limit: TARGETS_PER_ASK,
            };
            targets.add(writer.pending_targets(ask).await?, scope, &own);
        }
        while in_flight.len() < CHECKS_IN_FLIGHT {
            let Some(target) = targets.next(inside_in_flight) else {
                break;
            };
            let inside = target.inside;
            inside_in_flight |= inside;
            in_flight.push(async move {
                let c = match (target.own, Url::parse(&target.text)) {
                    (Some(c), _) => c,
                    (None, Ok(url)) if inside => checks.check(&url).await,
                    (None, Ok(url)) => checks.check_shared(&url).await,
                    (None, Err(e)) => unparsable(e),
                };
                (target.text, inside, c)
            });
        }
        let Some((target, inside, c)) = in_flight.next().await else {
            break;
        };
        inside_in_flight &= !inside;
        sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if results.is_empty() {
            oldest = std::time::Instant::now();
        }
        results.push(c.for_target(target));
        if results.len() >= RESULTS_PER_MESSAGE || oldest.elapsed() >= RESULT_WAIT {
            writer
                .links_checked((run_id, site_id), std::mem::take(&mut results))
                .await?;
        }
    }
    if !results.is_empty() {
        writer.links_checked((run_id, site_id), results).await?;
    }
    Ok(())
}

/// The targets read back from the store and not yet checked: those the site checks
/// itself, one at a time, and the others (the run's checks, or judged from the
/// crawl's own fetches).
#[derive(Default)]
struct Targets {
    inside: std::collections::VecDeque<Target>,
    outside: std::collections::VecDeque<Target>,
    /// The last target read: the next read starts after it.
    after: String,
    /// The store has no more.
    exhausted: bool,
}

/// One target to check, as stored (parsed again when its check starts).
struct Target {
    text: String,
    /// The crawl's own fetch of it, when it made one.
    own: Option<Checked>,
    /// Checked by the site itself (in its scope, not fetched by the crawl).
    inside: bool,
}

impl Targets {
    fn is_empty(&self) -> bool {
        self.inside.is_empty() && self.outside.is_empty()
    }

    /// The next target to start: the site's own, unless one of those is in flight.
    fn next(&mut self, inside_in_flight: bool) -> Option<Target> {
        match self.inside.front() {
            Some(_) if !inside_in_flight => self.inside.pop_front(),
            _ => self.outside.pop_front(),
        }
    }

    /// Sorts a read of the store into the two queues.
    fn add(&mut self, got: Vec<String>, scope: &Scope, own: &OwnFetches) {
        self.exhausted = got.len() < TARGETS_PER_ASK;
        if let Some(last) = got.last() {
            self.after.clone_from(last);
        }
        for text in got {
            let own = own.by_url.get(&text).cloned();
            let inside = own.is_none() && Url::parse(&text).is_ok_and(|u| scope.contains(&u));
            let t = Target { text, own, inside };
            if inside {
                self.inside.push_back(t);
            } else {
                self.outside.push_back(t);
            }
        }
    }
}

/// A stored or gathered target that is no URL: refused, never fetched.
pub(crate) fn unparsable(e: url::ParseError) -> Checked {
    Checked {
        outcome: LinkOutcome::Refused,
        status: None,
        final_url: None,
        error: Some(format!("not a URL: {e}")),
        checked_at: crate::store::runs::now(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checker(per_host: usize) -> LinkChecks {
        let cfg = crate::config::CrawlConfig {
            link_checks_per_host: per_host,
            max_retries: 0,
            ..Default::default()
        };
        let rules = crate::page::detect::rules::builtin_inspection()
            .link_rules()
            .clone();
        LinkChecks::new(Fetcher::new(&cfg).unwrap(), rules)
    }

    #[tokio::test]
    async fn a_hosts_checks_stop_at_its_budget_and_the_rest_are_not_checked() {
        // Names under .invalid never resolve: a check fails at once, with no network.
        let c = checker(2);
        let url = |p: &str| Url::parse(&format!("http://gone.invalid/{p}")).unwrap();
        let got: Vec<LinkOutcome> = [
            c.check(&url("a")).await,
            c.check(&url("b")).await,
            c.check(&url("c")).await,
        ]
        .iter()
        .map(|x| x.outcome)
        .collect();
        assert_eq!(
            got,
            [
                LinkOutcome::Broken,
                LinkOutcome::Broken,
                LinkOutcome::NotChecked
            ]
        );
        // Another host has a budget of its own.
        let other = Url::parse("http://other.invalid/").unwrap();
        assert_eq!(c.check(&other).await.outcome, LinkOutcome::Broken);
    }

    #[tokio::test]
    async fn a_private_address_or_another_scheme_is_refused_without_a_fetch() {
        let c = checker(10);
        for u in [
            "http://10.20.30.40/oa/",
            "http://127.0.0.1/",
            "ftp://files.gov.cn/pub/",
        ] {
            let got = c.check_shared(&Url::parse(u).unwrap()).await;
            assert_eq!(got.outcome, LinkOutcome::Refused, "{u}");
            assert_eq!(got.status, None);
        }
    }

    #[test]
    fn a_pages_links_are_kept_once_per_target_without_mailto_or_tel() {
        let links: Vec<(Url, &str)> = [
            ("http://www.jia.gov.cn/a.html", "甲"),
            ("http://www.jia.gov.cn/a.html", "甲（重复）"),
            ("mailto:xinxiang@jia.gov.cn", "信箱"),
            ("tel:12345", "热线"),
            ("ftp://files.jia.gov.cn/", "下载"),
        ]
        .iter()
        .map(|(u, t)| (Url::parse(u).unwrap(), *t))
        .collect();
        let kept = links_to_check(links.iter().map(|(u, t)| (u, *t)));
        let kept: Vec<(&str, &str)> = kept
            .iter()
            .map(|l| (l.target.as_str(), l.text.as_str()))
            .collect();
        assert_eq!(
            kept,
            [
                ("http://www.jia.gov.cn/a.html", "甲"),
                ("ftp://files.jia.gov.cn/", "下载")
            ]
        );
    }
}
