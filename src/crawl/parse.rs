//! The CPU stage of a fetched page, off the politeness path: decode → extract → detect
//! (→ discovery on a portal's first pages) → sha256 + zstd, on a bounded pool of threads
//! (one per core) fed through a queue bounded in bytes.
//!
//! A site's crawl hands a page to the pool and goes on fetching from what its frontier
//! already holds while the page is parsed, so when hundreds of homepages arrive in the
//! same second no host misses its politeness slot waiting for the parser, and the async
//! threads that drive fetches and timers never run a parse. The queue's byte budget bounds
//! the bodies waiting here, whatever the number of sites; a crawl waits to submit when it
//! is full. Pages whose site has nothing else to fetch (its frontier is empty, as after a
//! homepage) are parsed first.

use crate::model::Sector;
use crate::page::decode::decode;
use crate::page::detect::{Detector, Finding, PageContext};
use crate::page::discover::{CityRef, Discovered, discover, listing_pages};
use crate::page::extract::{LinkKind, extract};
use crate::store::writer::BodyRecord;
use sha2::{Digest, Sha256};
use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};
use url::Url;

/// zstd level for stored bodies: fast, and HTML compresses well anyway.
const ZSTD_LEVEL: i32 = 1;

/// The default budget of bodies read and not yet parsed, in bytes: about a hundred
/// dense homepages, a tenth of a second of the two parser threads' work.
pub(crate) const DEFAULT_QUEUE_BYTES: usize = 12 << 20;

/// One page to parse, with what detection needs to know about its site.
pub struct ParseJob {
    pub body: Vec<u8>,
    pub content_type: Option<String>,
    pub final_url: Url,
    pub sector: Sector,
    pub city_name: Arc<str>,
    pub own_domains: Arc<Vec<String>>,
    /// For a portal's first pages: look for department sites (the portal's URL and the
    /// city's domains as discovery sees them).
    pub discovery: Option<DiscoveryAsk>,
    /// The day the page was fetched (China's calendar), for the age of its dated items.
    pub fetched_on: chrono::NaiveDate,
    /// The site's start page: its footer is the site's identity.
    pub start: bool,
    /// The body's share of the budget, taken when it was read (see [`ParsePool::budget`]);
    /// `None` to take it on submission.
    pub budget: Option<OwnedSemaphorePermit>,
}

/// What discovery needs about the city.
pub struct DiscoveryAsk {
    pub portal: Url,
    pub domains: Vec<String>,
}

/// A link of a parsed page, as the crawl needs it.
#[derive(Debug, Clone)]
pub struct ParsedLink {
    pub url: Url,
    pub text: String,
    pub title: String,
    pub img_alt: String,
    pub kind: LinkKind,
}

/// What a parse found.
#[derive(Debug, Default)]
pub struct Parsed {
    /// The decoded charset (`None` when the page was not parsed).
    pub charset: Option<String>,
    pub findings: Vec<Finding>,
    pub links: Vec<ParsedLink>,
    pub body: Option<BodyRecord>,
    /// Department sites the page names, and pages that list departments.
    pub sites: Vec<Discovered>,
    pub listing: Vec<Url>,
    /// The page's reading for the inspection checks, as stored (JSON), when it shows
    /// anything.
    pub reading: Option<String>,
    /// On a page that lists letters, its next pages (下一页): the same list continued,
    /// queued at the page's own depth so the list is read whole within the budget.
    pub continuations: Vec<Url>,
    /// The page's title (a link check of its URL reads a soft 404 from it).
    pub title: String,
}

/// Parses one page (the pool's work, callable directly).
pub fn parse(detector: &dyn Detector, job: ParseJob) -> Parsed {
    let decoded = decode(&job.body, job.content_type.as_deref());
    let facts = extract(&decoded.text, Some(&job.final_url));
    let mut out = Parsed {
        charset: Some(decoded.encoding.name().to_string()),
        ..Parsed::default()
    };
    if let (Some(ask), Some(rules)) = (&job.discovery, detector.rule_set()) {
        let city = CityRef {
            name: &job.city_name,
            domains: &ask.domains,
            portal: &ask.portal,
        };
        out.sites = discover(rules, &facts, &job.final_url, &city);
        out.listing = listing_pages(rules, &facts, &city);
    }
    let ctx = PageContext {
        page_url: &job.final_url,
        sector: job.sector,
        city_name: &job.city_name,
        own_domains: &job.own_domains,
    };
    out.findings = detector.detect(&facts, &ctx);
    out.title = crate::page::extract::prefix_chars(&facts.title, 200).to_string();
    if let Some(r) = reading(detector, &facts, job.fetched_on, job.start) {
        if !r.letters.is_empty() {
            out.continuations = next_pages(&facts);
        }
        out.reading = Some(reading_json(&r));
    }
    out.links = facts
        .links
        .into_iter()
        .filter_map(|l| {
            Some(ParsedLink {
                url: l.url?,
                text: l.text,
                title: l.title,
                img_alt: l.img_alt,
                kind: l.kind.unwrap_or(LinkKind::Anchor),
            })
        })
        .collect();
    drop(decoded);
    out.body = Some(BodyRecord {
        sha256: hex::encode(Sha256::digest(&job.body)),
        size: job.body.len(),
        zstd: compress(&job.body),
    });
    out
}

/// The page's inspection reading, `None` when it shows nothing.
pub(crate) fn reading(
    detector: &dyn Detector,
    facts: &crate::page::extract::PageFacts,
    fetched_on: chrono::NaiveDate,
    start: bool,
) -> Option<crate::page::inspect::reading::PageReading> {
    let rules = &detector.rule_set()?.inspection;
    let reading = crate::page::inspect::reading::read_page(rules, facts, fetched_on, start);
    (!reading.is_empty()).then_some(reading)
}

/// The reading as stored (JSON).
pub(crate) fn reading_json(reading: &crate::page::inspect::reading::PageReading) -> String {
    serde_json::to_string(reading).expect("serialisable")
}

/// Link texts of a list's next page.
const NEXT_PAGE: &[&str] = &["下一页", "下页", "后一页"];

/// The next pages of a page that lists letters: the same list, continued.
fn next_pages(facts: &crate::page::extract::PageFacts) -> Vec<Url> {
    facts
        .links
        .iter()
        .filter(|l| NEXT_PAGE.contains(&l.text.trim()))
        .filter_map(|l| l.url.clone())
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .take(2)
        .collect()
}

/// zstd with one compression context and output buffer per thread, reused page after
/// page; the result is copied out at its compressed size.
fn compress(body: &[u8]) -> Vec<u8> {
    thread_local! {
        static ZSTD: std::cell::RefCell<Option<(zstd::bulk::Compressor<'static>, Vec<u8>)>> =
            const { std::cell::RefCell::new(None) };
    }
    ZSTD.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = zstd::bulk::Compressor::new(ZSTD_LEVEL)
                .ok()
                .map(|c| (c, Vec::new()));
        }
        let (c, out) = slot.as_mut()?;
        out.clear();
        out.reserve(zstd::zstd_safe::compress_bound(body.len()));
        c.compress_to_buffer(body, out).ok()?;
        let packed = out.to_vec();
        if out.capacity() > 1 << 20 {
            *out = Vec::new(); // do not keep a huge page's buffer
        }
        Some(packed)
    })
    .unwrap_or_default()
}

struct Task {
    job: ParseJob,
    reply: oneshot::Sender<Parsed>,
}

#[derive(Default)]
struct Queues {
    urgent: VecDeque<Task>,
    normal: VecDeque<Task>,
    closed: bool,
}

struct Shared {
    queues: Mutex<Queues>,
    ready: Condvar,
}

/// The pool: worker threads and the byte budget of what waits for them.
pub(crate) struct ParsePool {
    shared: Arc<Shared>,
    budget: Arc<Semaphore>,
    /// The budget in units of [`UNIT`] bytes.
    units: u32,
    threads: Vec<std::thread::JoinHandle<()>>,
}

/// Bytes per unit of the queue budget (the fetcher's body budget counts in KiB too).
const UNIT: usize = 1024;

/// A page handed to the pool; its result arrives on [`Pending::wait`].
pub struct Pending(oneshot::Receiver<Parsed>);

impl Pending {
    /// The parse's result; an empty one if the parse panicked (the page is then recorded
    /// without findings rather than lost).
    pub async fn wait(mut self) -> Parsed {
        self.ready().await
    }

    /// [`Pending::wait`] without giving the pending parse up: a select may drop this
    /// future and wait again later.
    pub(crate) async fn ready(&mut self) -> Parsed {
        (&mut self.0).await.unwrap_or_default()
    }
}

impl ParsePool {
    /// `threads` workers (at least one) and a queue of at most `queue_bytes` of bodies.
    pub fn new(detector: Arc<dyn Detector>, threads: usize, queue_bytes: usize) -> ParsePool {
        let shared = Arc::new(Shared {
            queues: Mutex::new(Queues::default()),
            ready: Condvar::new(),
        });
        let units = (queue_bytes / UNIT).clamp(1, u32::MAX as usize >> 4) as u32;
        let threads = (0..threads.max(1))
            .map(|i| {
                let shared = shared.clone();
                let detector = detector.clone();
                std::thread::Builder::new()
                    .name(format!("parse-{i}"))
                    .spawn(move || work(&shared, &*detector))
                    .expect("cannot start a parser thread")
            })
            .collect();
        ParsePool {
            shared,
            budget: Arc::new(Semaphore::new(units as usize)),
            units,
            threads,
        }
    }

    /// One worker per core.
    pub(crate) fn for_machine(detector: Arc<dyn Detector>) -> ParsePool {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        ParsePool::new(detector, cores, DEFAULT_QUEUE_BYTES)
    }

    /// The budget of bodies read and not yet parsed, for the fetcher to take each body's
    /// share from before reading it: then it bounds the bodies in memory, not only those
    /// queued here.
    pub fn budget(&self) -> crate::net::fetch::BodyBudget {
        crate::net::fetch::BodyBudget {
            permits: self.budget.clone(),
            kib: self.units,
        }
    }

    /// Queues a page (waiting for its share of the budget unless it has one). `urgent`:
    /// the site can fetch nothing else until this page is parsed.
    pub async fn submit(&self, mut job: ParseJob, urgent: bool) -> Pending {
        if job.budget.is_none() {
            let want = (job.body.len() / UNIT + 1).min(self.units as usize) as u32;
            job.budget = Some(
                self.budget
                    .clone()
                    .acquire_many_owned(want)
                    .await
                    .expect("the budget is never closed"),
            );
        }
        let (tx, rx) = oneshot::channel();
        let task = Task { job, reply: tx };
        {
            let mut q = self.shared.queues.lock().unwrap_or_else(|e| e.into_inner());
            if urgent {
                q.urgent.push_back(task);
            } else {
                q.normal.push_back(task);
            }
        }
        self.shared.ready.notify_one();
        Pending(rx)
    }
}

fn work(shared: &Shared, detector: &dyn Detector) {
    loop {
        let task = {
            let mut q = shared.queues.lock().unwrap_or_else(|e| e.into_inner());
            loop {
                if let Some(t) = q.urgent.pop_front().or_else(|| q.normal.pop_front()) {
                    break t;
                }
                if q.closed {
                    return;
                }
                q = shared.ready.wait(q).unwrap_or_else(|e| e.into_inner());
            }
        };
        let Task { mut job, reply } = task;
        // The share of the budget is returned when the parse is done.
        let _share = job.budget.take();
        // A panic in one page's parse must not stop the pool: the page is recorded
        // without findings (the receiver sees the reply dropped).
        if let Ok(parsed) =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| parse(detector, job)))
        {
            let _ = reply.send(parsed);
        }
    }
}

impl Drop for ParsePool {
    fn drop(&mut self) {
        self.shared
            .queues
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .closed = true;
        self.shared.ready.notify_all();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page::detect::RulesDetector;

    fn job(body: &str) -> ParseJob {
        ParseJob {
            body: body.as_bytes().to_vec(),
            content_type: Some("text/html; charset=utf-8".into()),
            final_url: Url::parse("http://www.jia.gov.cn/").unwrap(),
            sector: Sector::General,
            city_name: "甲市".into(),
            own_domains: Arc::new(vec!["jia.gov.cn".into()]),
            discovery: None,
            fetched_on: chrono::NaiveDate::from_ymd_opt(2026, 12, 2).unwrap(),
            start: true,
            budget: None,
        }
    }

    #[tokio::test]
    async fn the_pool_parses_like_the_function_and_keeps_going_after_many_pages() {
        let det: Arc<dyn Detector> = Arc::new(RulesDetector::builtin());
        let page = "<html><body><a href=\"https://weibo.com/jiafabu\">甲市发布 政务微博</a><a href=\"/a.html\">a</a></body></html>";
        let direct = parse(&*det, job(page));
        assert!(
            direct
                .findings
                .iter()
                .any(|f| f.channel.as_str() == "weibo")
        );
        // A budget smaller than one body still lets each page through, one at a time.
        let pool = ParsePool::new(det, 2, 10);
        let mut pending = Vec::new();
        for i in 0..50 {
            pending.push(pool.submit(job(page), i % 3 == 0).await);
        }
        for p in pending {
            let got = p.wait().await;
            assert_eq!(got.findings.len(), direct.findings.len());
            assert_eq!(got.links.len(), 2);
            assert_eq!(
                got.body.unwrap().sha256,
                direct.body.as_ref().unwrap().sha256
            );
        }
    }
}
