//! robots.txt per RFC 9309, fetched once per origin and cached for the run.
//!
//! 2xx: the rules apply, whatever the content type (and `Crawl-delay` slows that host).
//! 429: "later", not "no robots.txt": retried after its `Retry-After` (capped), and a
//! host that keeps answering 429 is treated as disallowing all. Other 4xx: allow all.
//! 5xx: disallow all (the site is recorded as blocked by robots), and so does a
//! robots.txt that times out, breaks off, or redirects to a target that is refused or
//! cannot be resolved. A host that cannot be reached at all (DNS, connection, TLS) is
//! recorded as unreachable (and the other scheme may be tried).

use crate::net::error::{FetchError, PlainError};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use texting_robots::Robot;
use tokio::sync::OnceCell;
use url::Url;

/// The part of a robots.txt that is read (RFC 9309 asks for at least 500 KiB).
const MAX_ROBOTS_BYTES: usize = 512 * 1024;
/// Longest Crawl-delay honoured.
const MAX_CRAWL_DELAY: Duration = Duration::from_secs(60);
/// Retries of a robots.txt that answers 5xx, times out or breaks off.
const ROBOTS_RETRIES: u32 = 1;
/// Times a robots.txt that keeps answering 429 is asked, each after its `Retry-After`.
const ROBOTS_429_ROUNDS: u32 = 2;

/// What robots.txt says about one origin.
#[derive(Debug, Clone)]
pub enum RobotsVerdict {
    AllowAll,
    /// 5xx: the whole origin is off limits, with the reason.
    DisallowAll(String),
    /// The robots.txt could not be fetched because the host is unreachable (or answers
    /// with unreadable HTTP): the site fails with this error.
    Unreachable(FetchError),
    Rules(Arc<Robot>),
}

impl RobotsVerdict {
    /// Whether `url` may be fetched.
    pub(crate) fn allows(&self, url: &Url) -> bool {
        match self {
            RobotsVerdict::AllowAll => true,
            RobotsVerdict::DisallowAll(_) | RobotsVerdict::Unreachable(_) => false,
            RobotsVerdict::Rules(robot) => robot.allowed(url.as_str()),
        }
    }
}

/// Parses a robots.txt body as a crawl would and asks it about a few paths: the
/// fuzzing entry point for this module.
pub fn parse_for_fuzzing(body: &[u8]) {
    if let Ok(robot) = Robot::new("portal-audit", body) {
        for path in ["/", "/index.html", "/private/a", "/search?q=1"] {
            let _ = robot.allowed(&format!("http://www.x.gov.cn{path}"));
        }
    }
}

/// What the cache needs from the fetcher, which sits above it: one robots.txt-like GET
/// (no robots check of its own) and a way to slow a host down for its `Crawl-delay`.
pub trait RobotsSource {
    /// The final status and body of `url` (up to `max_bytes`), redirects followed.
    fn fetch_robots(
        &self,
        url: &Url,
        max_bytes: usize,
        max_retries: u32,
    ) -> impl Future<Output = Result<(u16, Vec<u8>), PlainError>> + Send;
    /// Spaces this host's requests at least `delay` apart from now on.
    fn slow_down(&self, host: &str, delay: Duration);
}

/// Parsed robots.txt files of a run, by origin.
pub struct RobotsCache {
    agent: &'static str,
    origins: Mutex<HashMap<String, Arc<OnceCell<RobotsVerdict>>>>,
}

impl RobotsCache {
    pub fn new(agent: &'static str) -> Self {
        RobotsCache {
            agent,
            origins: Mutex::new(HashMap::new()),
        }
    }

    /// The verdict for `url`'s origin, fetching robots.txt the first time (concurrent
    /// callers wait for the same fetch).
    pub async fn verdict(&self, fetcher: &impl RobotsSource, url: &Url) -> RobotsVerdict {
        let origin = url.origin().ascii_serialization();
        let cell = {
            let mut map = self.origins.lock().expect("not poisoned");
            map.entry(origin.clone()).or_default().clone()
        };
        cell.get_or_init(|| async {
            let verdict = self.load(fetcher, &origin).await;
            if let RobotsVerdict::Rules(robot) = &verdict
                && let Some(delay) = robot.delay
                && delay.is_finite()
                && delay > 0.0
            {
                let d = Duration::from_secs_f32(delay).min(MAX_CRAWL_DELAY);
                fetcher.slow_down(url.host_str().unwrap_or_default(), d);
            }
            verdict
        })
        .await
        .clone()
    }

    async fn load(&self, fetcher: &impl RobotsSource, origin: &str) -> RobotsVerdict {
        let Ok(robots_url) = Url::parse(&format!("{origin}/robots.txt")) else {
            return RobotsVerdict::AllowAll;
        };
        let mut answer = fetcher
            .fetch_robots(&robots_url, MAX_ROBOTS_BYTES, ROBOTS_RETRIES)
            .await;
        // A 429 means "later": the fetch waited for its Retry-After and asked again; ask
        // a few more rounds before giving up on the host.
        for _ in 1..ROBOTS_429_ROUNDS {
            if !matches!(answer, Ok((429, _))) {
                break;
            }
            answer = fetcher
                .fetch_robots(&robots_url, MAX_ROBOTS_BYTES, ROBOTS_RETRIES)
                .await;
        }
        match answer {
            Ok((status, body)) if (200..300).contains(&status) => {
                match Robot::new(self.agent, &body) {
                    Ok(robot) => RobotsVerdict::Rules(Arc::new(robot)),
                    Err(_) => RobotsVerdict::AllowAll,
                }
            }
            Ok((429, _)) => RobotsVerdict::DisallowAll(format!(
                "{robots_url} kept answering 429 Too Many Requests ({} tries, each after its Retry-After)",
                (ROBOTS_RETRIES + 1) * ROBOTS_429_ROUNDS
            )),
            Ok((status, _)) if (400..500).contains(&status) => RobotsVerdict::AllowAll,
            Ok((status, _)) => {
                RobotsVerdict::DisallowAll(format!("{robots_url} answered {status}"))
            }
            // The host cannot be reached at all: the site is unreachable (and the other
            // scheme may be tried). A host that answers but not with its robots.txt in
            // time, or whose robots.txt redirects somewhere that cannot be fetched, is
            // treated as disallowing all (RFC 9309), recorded as blocked by robots. A host
            // that answers every request with unreadable HTTP fails as what it is.
            Err(PlainError {
                error:
                    e @ (FetchError::Dns(_)
                    | FetchError::Connect(_)
                    | FetchError::Tls(_)
                    | FetchError::Refused(_)
                    | FetchError::Protocol(_)),
                at_start: true,
            }) => RobotsVerdict::Unreachable(e),
            Err(PlainError { error, .. }) => {
                RobotsVerdict::DisallowAll(format!("{robots_url}: {error}"))
            }
        }
    }
}
