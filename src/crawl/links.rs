//! Link checks (19号 错链、断链): every `http`/`https` link of a site's homepage (or of
//! every stored page) checked once per run per distinct URL, after the site's crawl.
//! A URL the site's crawl fetched is judged from that fetch, never fetched again; an
//! in-scope one is checked by the site itself; a URL outside the site is checked once
//! for the whole run ([`LinkChecks`]), whatever the number of pages and sites that link
//! it, through the fetcher's per-host gates, safety rules and robots.txt. Checks never
//! enter the frontier and never produce findings.

use crate::config::CheckLinks;
use crate::model::scope::Scope;
use crate::net::fetch::{Fetched, Fetcher};
use crate::page::inspect::links::{Answer, LinkOutcome, LinkRules, headings, judge_answer};
use crate::store::writer::{LinkCheckRow, WriterGone, WriterHandle};
use futures_util::StreamExt;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;
use url::Url;

/// Bytes of an HTML answer read by a check: enough for its title and top headings.
const HEAD_BYTES: usize = 8 * 1024;
/// Checks of one site in flight at once: different hosts proceed in parallel, one
/// host's wait at its gate (4 measured 1.09 × the bound on the polite bench, 8 1.04 ×).
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

/// A link to check: the page it sits on, its text and where it goes (kept as text: a
/// homepage has hundreds, held until the site's crawl ends).
#[derive(Debug)]
struct ToCheck {
    page: Arc<str>,
    homepage: bool,
    text: Box<str>,
    target: Box<str>,
}

/// A site's links to check, and what its own crawl fetched (by URL), gathered as its
/// pages are recorded.
#[derive(Default)]
pub(crate) struct SiteLinks {
    to_check: Vec<ToCheck>,
    seen: crate::crawl::frontier::SeenHashes,
    own: HashMap<String, Checked>,
}

impl SiteLinks {
    /// Keeps what the crawl's fetch of `url` found.
    pub(crate) fn fetched(&mut self, url: &str, checked: Checked) {
        self.own.entry(url.to_string()).or_insert(checked);
    }

    /// Adds a page's links, each distinct target once per page. Links that are not
    /// addresses of pages (`mailto:`, `tel:`, `sms:`, `data:`; `javascript:` and
    /// fragment-only ones never reach here) are not checked; any other scheme is, and is
    /// refused without a fetch.
    pub(crate) fn add_page<'a>(
        &mut self,
        page: &str,
        homepage: bool,
        links: impl Iterator<Item = (&'a Url, &'a str)>,
    ) {
        let page: Arc<str> = page.into();
        for (url, text) in links {
            if NOT_PAGES.contains(&url.scheme()) {
                continue;
            }
            if !self.seen.insert((&*page, url.as_str())) {
                continue;
            }
            self.to_check.push(ToCheck {
                page: page.clone(),
                homepage,
                text: crate::page::extract::prefix_chars(text, 200).into(),
                target: url.as_str().into(),
            });
        }
    }

    /// Whether there is anything to check.
    pub(crate) fn is_empty(&self) -> bool {
        self.to_check.is_empty()
    }
}

/// Rows sent to the writer at once.
const ROWS_PER_MESSAGE: usize = 256;

/// Checks a site's links: each distinct target once (its own fetch when the crawl made
/// one, the site's check when it is in `scope`, the run's otherwise), and sends one row
/// per link per page to the writer as each target's check ends (a result is not kept
/// once its rows are sent), counting them in `sent`.
pub(crate) async fn check_site_links(
    checks: &LinkChecks,
    scope: &Scope,
    links: SiteLinks,
    writer: &WriterHandle,
    (run_id, site_id): (i64, i64),
    sent: &std::sync::atomic::AtomicU64,
) -> Result<(), WriterGone> {
    let SiteLinks {
        mut to_check, own, ..
    } = links;
    // The links of one target side by side: a check's rows are one slice.
    to_check.sort_by(|a, b| a.target.cmp(&b.target));
    let mut groups = to_check
        .chunk_by(|a, b| a.target == b.target)
        .filter(|g| !g.is_empty());
    let mut in_flight = futures_util::stream::FuturesUnordered::new();
    let mut batch: Vec<LinkCheckRow> = Vec::new();
    let count = |n: usize| sent.fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
    loop {
        while in_flight.len() < CHECKS_IN_FLIGHT {
            let Some(group) = groups.next() else { break };
            let target = &*group[0].target;
            let own = own.get(target).cloned();
            in_flight.push(async move {
                let c = match (own, Url::parse(target)) {
                    (Some(c), _) => c,
                    (None, Ok(url)) if scope.contains(&url) => checks.check(&url).await,
                    (None, Ok(url)) => checks.check_shared(&url).await,
                    (None, Err(e)) => unparsable(e),
                };
                (group, c)
            });
        }
        let Some((group, c)) = in_flight.next().await else {
            break;
        };
        for l in group {
            batch.push(LinkCheckRow {
                run_id,
                site_id,
                page: l.page.to_string(),
                homepage: l.homepage,
                text: l.text.to_string(),
                target: l.target.to_string(),
                final_url: c.final_url.clone(),
                status: c.status,
                outcome: c.outcome.as_str(),
                error: c.error.clone(),
                checked_at: c.checked_at.clone(),
            });
        }
        if batch.len() >= ROWS_PER_MESSAGE {
            count(batch.len());
            writer.link_checks(std::mem::take(&mut batch)).await?;
        }
    }
    if !batch.is_empty() {
        count(batch.len());
        writer.link_checks(batch).await?;
    }
    Ok(())
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
        let mut s = SiteLinks::default();
        let page = "http://www.jia.gov.cn/";
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
        s.add_page(page, true, links.iter().map(|(u, t)| (u, *t)));
        let kept: Vec<&str> = s.to_check.iter().map(|l| &*l.target).collect();
        assert_eq!(
            kept,
            ["http://www.jia.gov.cn/a.html", "ftp://files.jia.gov.cn/"]
        );
    }
}
