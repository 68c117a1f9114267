//! Fetching one URL politely: per-host turns, a global in-flight cap, retries with
//! backoff, `Retry-After`, a body cap, and redirects followed by hand so that every hop
//! is checked for network safety, scope and robots.txt.

use crate::config::CrawlConfig;
use crate::config::resolve::ResolveRule;
use crate::net::error::{FetchError, PlainError};
use crate::net::http::{classify, read_capped, retry_after};
use crate::net::politeness::HostPool;
use crate::net::robots::{RobotsCache, RobotsSource, RobotsVerdict};
use crate::net::{SafeResolver, check_target};
use chrono::{DateTime, Utc};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use url::Url;

/// Response header bytes kept per fetch.
const MAX_STORED_HEADERS: usize = 16 * 1024;

/// One redirect hop: the URL that answered with a redirect, and its status.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Hop {
    pub url: String,
    pub status: u16,
}

/// The outcome of fetching one URL, successful or not; every field is stored.
#[derive(Debug)]
pub struct Fetched {
    pub url: Url,
    pub final_url: Url,
    pub redirects: Vec<Hop>,
    pub status: Option<u16>,
    pub headers: Vec<(String, String)>,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    /// The body was cut at the size cap.
    pub truncated: bool,
    pub started_at: DateTime<Utc>,
    pub elapsed: Duration,
    pub attempts: u32,
    pub error: Option<FetchError>,
    /// The body's share of the run's memory budget for bodies (see
    /// `Fetcher::with_body_budget`), held until the body is parsed and dropped.
    pub budget: Option<OwnedSemaphorePermit>,
    /// How long the last response took from its request: to its headers, to its body.
    pub timing: Option<Timing>,
}

/// The time a response took from the moment its request was sent (after any wait for
/// the host's turn): what an availability probe records.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timing {
    pub headers: Duration,
    pub body: Duration,
}

impl Fetched {
    /// A fetch that ended without a usable response, at `final_url` after `redirects`.
    fn failed(
        url: &Url,
        end: Ended,
        started_at: DateTime<Utc>,
        t0: Instant,
        error: FetchError,
    ) -> Self {
        Fetched {
            url: url.clone(),
            final_url: end.final_url,
            redirects: end.redirects,
            status: end.status,
            headers: Vec::new(),
            content_type: None,
            body: Vec::new(),
            truncated: false,
            started_at,
            elapsed: t0.elapsed(),
            attempts: end.attempts,
            error: Some(error),
            budget: None,
            timing: None,
        }
    }

    /// Whether the response is an HTML page worth parsing.
    pub fn is_html(&self) -> bool {
        self.error.is_none()
            && self.status.is_some_and(|s| (200..300).contains(&s))
            && self.content_type.as_deref().is_none_or(|ct| {
                let ct = ct.to_ascii_lowercase();
                ct.contains("html") || ct.starts_with("text/plain") && self.body.starts_with(b"<")
            })
    }
}

/// Where a failed fetch ended: the URL it reached, the redirects on the way, the last
/// status seen and the attempts made.
struct Ended {
    final_url: Url,
    redirects: Vec<Hop>,
    status: Option<u16>,
    attempts: u32,
}

/// Which response bodies a request reads, and whether its connection is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyWanted {
    /// Pages: HTML, text and XML (documents and images are recorded, not read).
    Pages,
    /// A site's start page, read as pages are, its connection closed after it: a
    /// homepage is a site's largest page (120 KB and more on a portal), and the kept
    /// connection would hold a read buffer of its size until the host's next slot. When
    /// a window of sites starts together that is thousands of them at once.
    StartPage,
    /// Whatever the content type (robots.txt: RFC 9309 does not depend on it).
    Any,
    /// Pages' first bytes only (a link check: the title that tells a soft 404).
    Head(usize),
}

/// A single response, before redirect handling.
pub(crate) struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    location: Option<String>,
    content_type: Option<String>,
    body: Vec<u8>,
    truncated: bool,
    budget: Option<OwnedSemaphorePermit>,
    timing: Timing,
}

/// The HTTP client of a run, with its politeness state and robots cache.
pub struct Fetcher {
    client: reqwest::Client,
    pub hosts: HostPool,
    pub robots: Option<RobotsCache>,
    global: Semaphore,
    cfg: CrawlConfig,
    rules: Vec<ResolveRule>,
    /// Bodies in memory, in KiB, when a budget is set.
    body_budget: Option<BodyBudget>,
}

/// The memory budget for bodies read but not yet parsed: a semaphore of KiB and its size.
#[derive(Clone)]
pub(crate) struct BodyBudget {
    pub permits: Arc<Semaphore>,
    pub kib: u32,
}

/// What a body is assumed to weigh when its length is not announced.
const UNANNOUNCED_BODY: usize = 64 * 1024;

/// A response this large grows the kept-alive connection's read buffer to about its size
/// for the rest of the connection's life (hyper never shrinks it, and reqwest cannot cap
/// it): the host's next request closes that connection, and the one after opens a fresh
/// one. A dense page deeper than the homepage costs a site one extra connection; the
/// homepage's own is closed after it ([`BodyWanted::StartPage`]); ordinary pages none.
const LARGE_BODY: usize = 48 * 1024;

impl Fetcher {
    /// Builds the client from validated settings.
    pub fn new(cfg: &CrawlConfig) -> Result<Arc<Self>, crate::config::ConfigError> {
        Fetcher::build(cfg, None)
    }

    /// [`Fetcher::new`] whose bodies wait for room in `budget` before they are read (the
    /// announced length, else 64 KiB, at most the whole budget), so that the bodies
    /// held in memory at once are bounded by it, however many sites answer together.
    pub(crate) fn with_body_budget(
        cfg: &CrawlConfig,
        budget: BodyBudget,
    ) -> Result<Arc<Self>, crate::config::ConfigError> {
        Fetcher::build(cfg, Some(budget))
    }

    fn build(
        cfg: &CrawlConfig,
        body_budget: Option<BodyBudget>,
    ) -> Result<Arc<Self>, crate::config::ConfigError> {
        cfg.validate()?;
        let rules = cfg.resolve_rules()?;
        let client = reqwest::Client::builder()
            .user_agent(cfg.user_agent())
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .connect_timeout(Duration::from_secs_f64(cfg.connect_timeout_secs))
            .timeout(Duration::from_secs_f64(cfg.request_timeout_secs))
            // One request at a time per host: one idle connection per host, kept across
            // a few of the host's intervals (a finished site's is closed soon after).
            .pool_max_idle_per_host(1)
            .pool_idle_timeout(cfg.host_interval().mul_f64(2.0).max(Duration::from_secs(2)))
            .dns_resolver(Arc::new(SafeResolver::new(
                rules.clone(),
                cfg.allow_private,
            )))
            .danger_accept_invalid_certs(cfg.insecure)
            .build()
            .map_err(|e| crate::config::ConfigError::Invalid(format!("HTTP client: {e}")))?;
        Ok(Arc::new(Fetcher {
            client,
            hosts: HostPool::new(cfg.host_interval()),
            robots: (!cfg.ignore_robots).then(|| RobotsCache::new(cfg.robots_agent())),
            global: Semaphore::new(cfg.concurrency),
            cfg: cfg.clone(),
            rules,
            body_budget,
        }))
    }

    /// The settings this fetcher was built with.
    pub fn config(&self) -> &CrawlConfig {
        &self.cfg
    }

    /// Fetches `url`, following redirects; each hop must pass `in_scope`, network safety
    /// and (unless ignored) robots.txt.
    pub async fn fetch(
        self: &Arc<Self>,
        url: &Url,
        in_scope: &(dyn Fn(&Url) -> bool + Sync),
    ) -> Fetched {
        self.fetch_with(url, in_scope, BodyWanted::Pages, self.cfg.max_retries)
            .await
    }

    /// [`Fetcher::fetch`] of a site's start page, whose connection is not kept (see
    /// [`BodyWanted::StartPage`]).
    pub(crate) async fn fetch_start(
        self: &Arc<Self>,
        url: &Url,
        in_scope: &(dyn Fn(&Url) -> bool + Sync),
    ) -> Fetched {
        self.fetch_with(url, in_scope, BodyWanted::StartPage, self.cfg.max_retries)
            .await
    }

    /// Checks a link: [`Fetcher::fetch`] anywhere the safety rules allow, reading at
    /// most `head` bytes of an HTML answer, retried `max_retries` times.
    pub(crate) async fn fetch_head(
        self: &Arc<Self>,
        url: &Url,
        head: usize,
        max_retries: u32,
    ) -> Fetched {
        self.fetch_with(url, &|_| true, BodyWanted::Head(head), max_retries)
            .await
    }

    async fn fetch_with(
        self: &Arc<Self>,
        url: &Url,
        in_scope: &(dyn Fn(&Url) -> bool + Sync),
        body: BodyWanted,
        max_retries: u32,
    ) -> Fetched {
        let started_at = crate::config::clock::now();
        let t0 = Instant::now();
        let mut current = url.clone();
        let mut redirects = Vec::new();
        let mut visited = HashSet::new();
        let mut attempts = 0;
        loop {
            // Refused by safety or robots, or the request failed: the fetch ends here.
            let result = match self.admit(&current).await {
                Err(e) => Err(e),
                Ok(()) => {
                    visited.insert(current.as_str().to_string());
                    let (result, n) = self.request_with_retries(&current, max_retries, body).await;
                    attempts += n;
                    match &result {
                        Ok(r) => {
                            tracing::debug!(url = %current, status = r.status, bytes = r.body.len(), attempts = n, "fetched")
                        }
                        Err(e) => {
                            tracing::debug!(url = %current, error = %e, attempts = n, "fetch failed")
                        }
                    }
                    result
                }
            };
            let resp = match result {
                Ok(r) => r,
                Err(e) => {
                    let end = Ended {
                        final_url: current,
                        redirects,
                        status: None,
                        attempts,
                    };
                    return Fetched::failed(url, end, started_at, t0, e);
                }
            };
            let next = match (&resp.location, resp.status) {
                (Some(loc), 301 | 302 | 303 | 307 | 308) => {
                    crate::model::link::resolve(Some(&current), loc)
                }
                _ => None,
            };
            let Some(next) = next else {
                return Fetched {
                    url: url.clone(),
                    final_url: current,
                    redirects,
                    status: Some(resp.status),
                    headers: resp.headers,
                    content_type: resp.content_type,
                    body: resp.body,
                    truncated: resp.truncated,
                    started_at,
                    elapsed: t0.elapsed(),
                    attempts,
                    error: None,
                    budget: resp.budget,
                    timing: Some(resp.timing),
                };
            };
            redirects.push(Hop {
                url: current.as_str().to_string(),
                status: resp.status,
            });
            let error = if let Err(e) = check_target(&next, &self.rules, self.cfg.allow_private) {
                Some(FetchError::Refused(e))
            } else if redirects.len() > self.cfg.max_redirects {
                Some(FetchError::TooManyRedirects(self.cfg.max_redirects))
            } else if visited.contains(next.as_str()) {
                Some(FetchError::RedirectLoop(next.to_string()))
            } else if !in_scope(&next) {
                Some(FetchError::OutOfScope(next.to_string()))
            } else {
                None
            };
            if let Some(e) = error {
                let end = Ended {
                    final_url: next,
                    redirects,
                    status: Some(resp.status),
                    attempts,
                };
                return Fetched::failed(url, end, started_at, t0, e);
            }
            current = next;
        }
    }

    /// Network safety and robots.txt for one hop.
    async fn admit(self: &Arc<Self>, url: &Url) -> Result<(), FetchError> {
        check_target(url, &self.rules, self.cfg.allow_private).map_err(FetchError::Refused)?;
        if let Some(robots) = &self.robots {
            match robots.verdict(self.as_ref(), url).await {
                RobotsVerdict::Unreachable(e) => return Err(e),
                RobotsVerdict::DisallowAll(reason) => {
                    return Err(FetchError::RobotsUnavailable(reason));
                }
                v if !v.allows(url) => return Err(FetchError::RobotsDisallowed),
                _ => {}
            }
        }
        Ok(())
    }

    /// One URL, no redirects followed, retried on transient failures. Returns the
    /// result and the number of attempts made.
    pub(crate) async fn request_with_retries(
        &self,
        url: &Url,
        max_retries: u32,
        body: BodyWanted,
    ) -> (Result<Response, FetchError>, u32) {
        let host = url.host_str().unwrap_or_default().to_string();
        let gate = self.hosts.gate(&host);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = {
                let _turn = gate.turn().await;
                let _permit = self.global.acquire().await.expect("never closed");
                // A link check reads an answer's first bytes, one a second or slower per
                // host, for minutes: its connection is closed after it rather than kept
                // (with hyper's read buffer) by thousands of sites checking at once.
                let close = gate.take_renew_connection()
                    | matches!(body, BodyWanted::Head(_) | BodyWanted::StartPage);
                let r = self.request_once(url, body, close).await;
                // A large answer on a kept connection: the next request closes it.
                if !close && r.as_ref().is_ok_and(|r| r.body.len() > LARGE_BODY) {
                    gate.renew_connection_later();
                }
                r
            };
            let retries_left = attempt <= max_retries;
            match result {
                Ok(resp) if resp.status == 429 || resp.status == 503 => {
                    let wait = retry_after(&resp.headers, self.cfg.retry_after_cap_secs);
                    // The host said it is overloaded: slow it down for the rest of the run.
                    gate.slow_down(self.cfg.host_interval().max(gate.slowed_to()) * 2);
                    // The next request to this host, this URL's or another's, waits
                    // for the Retry-After the host asked for.
                    let wait = wait.unwrap_or_else(|| self.backoff(attempt));
                    gate.pause_until(tokio::time::Instant::now() + wait);
                    if !retries_left {
                        return (Ok(resp), attempt);
                    }
                }
                Ok(resp) if resp.status >= 500 && retries_left => {
                    tokio::time::sleep(self.backoff(attempt)).await;
                }
                Err(e) if e.retryable() && retries_left => {
                    tokio::time::sleep(self.backoff(attempt)).await;
                }
                other => return (other, attempt),
            }
        }
    }

    /// Exponential backoff with jitter: base × 2^(attempt-1) × [0.5, 1.5).
    fn backoff(&self, attempt: u32) -> Duration {
        let base = self.cfg.backoff_base_secs * f64::from(1u32 << (attempt - 1).min(6));
        Duration::from_secs_f64(base * (0.5 + rand::random::<f64>()))
    }

    /// One GET. `close`: ask the server to close the connection after this response.
    async fn request_once(
        &self,
        url: &Url,
        body: BodyWanted,
        close: bool,
    ) -> Result<Response, FetchError> {
        let sent = Instant::now();
        let mut rq = self.client.get(url.clone());
        if close {
            rq = rq.header(reqwest::header::CONNECTION, "close");
        }
        let resp = rq
            .header(
                reqwest::header::ACCEPT,
                "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
            )
            .header(reqwest::header::ACCEPT_LANGUAGE, "zh-CN,zh;q=0.9")
            .send()
            .await
            .map_err(|e| classify(&e))?;
        let headers_in = sent.elapsed();
        let status = resp.status().as_u16();
        let mut headers = Vec::new();
        let mut header_bytes = 0;
        for (k, v) in resp.headers() {
            let v = String::from_utf8_lossy(v.as_bytes()).into_owned();
            header_bytes += k.as_str().len() + v.len();
            if header_bytes <= MAX_STORED_HEADERS {
                headers.push((k.as_str().to_string(), v));
            }
        }
        let get = |name: reqwest::header::HeaderName| {
            resp.headers()
                .get(name)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        };
        let location = get(reqwest::header::LOCATION);
        let content_type = get(reqwest::header::CONTENT_TYPE);
        let wants_body = (200..300).contains(&status)
            && (body == BodyWanted::Any
                || content_type.as_deref().is_none_or(|ct| {
                    let ct = ct.to_ascii_lowercase();
                    ct.contains("html") || ct.starts_with("text/") || ct.contains("xml")
                }));
        let mut budget = None;
        let (body, truncated) = if let (true, BodyWanted::Head(n)) = (wants_body, body) {
            // Its first bytes only: the connection is closed after it.
            read_capped(resp, n).await?
        } else if wants_body {
            if let Some(b) = &self.body_budget {
                let weight = resp.content_length().map_or(UNANNOUNCED_BODY, |n| {
                    n.min(self.cfg.max_body_bytes as u64) as usize
                });
                let kib = ((weight / 1024) as u32 + 1).min(b.kib);
                budget = Some(
                    b.permits
                        .clone()
                        .acquire_many_owned(kib)
                        .await
                        .expect("the budget is never closed"),
                );
            }
            read_capped(resp, self.cfg.max_body_bytes).await?
        } else {
            (Vec::new(), false)
        };
        Ok(Response {
            status,
            headers,
            location,
            content_type,
            body,
            truncated,
            budget,
            timing: Timing {
                headers: headers_in,
                body: sent.elapsed(),
            },
        })
    }

    /// Fetches a robots.txt-like resource: its body whatever the content type, up to
    /// `max_retries` retries (a 429 or 503 waits for its `Retry-After`), redirects
    /// followed (≤ 5 hops) with network safety checked at each, no robots check.
    /// Returns the final status and body.
    pub(crate) async fn fetch_plain(
        &self,
        url: &Url,
        max_bytes: usize,
        max_retries: u32,
    ) -> Result<(u16, Vec<u8>), PlainError> {
        let mut current = url.clone();
        for hop in 0..=5 {
            let at = |error: FetchError| PlainError {
                error,
                at_start: hop == 0,
            };
            check_target(&current, &self.rules, self.cfg.allow_private)
                .map_err(|e| at(FetchError::Refused(e)))?;
            let (r, _) = self
                .request_with_retries(&current, max_retries, BodyWanted::Any)
                .await;
            let mut r = r.map_err(at)?;
            match (&r.location, r.status) {
                (Some(loc), 301 | 302 | 303 | 307 | 308) => {
                    match crate::model::link::resolve(Some(&current), loc) {
                        Some(next) => current = next,
                        None => return Ok((404, Vec::new())),
                    }
                }
                _ => {
                    r.body.truncate(max_bytes);
                    return Ok((r.status, r.body));
                }
            }
        }
        Err(PlainError {
            error: FetchError::TooManyRedirects(5),
            at_start: false,
        })
    }
}

impl RobotsSource for Fetcher {
    async fn fetch_robots(
        &self,
        url: &Url,
        max_bytes: usize,
        max_retries: u32,
    ) -> Result<(u16, Vec<u8>), PlainError> {
        self.fetch_plain(url, max_bytes, max_retries).await
    }

    fn slow_down(&self, host: &str, delay: Duration) {
        self.hosts.gate(host).slow_down(delay);
    }
}
