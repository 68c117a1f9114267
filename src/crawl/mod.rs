//! Crawling one site: the start URL (with scheme fallback and moved-portal detection),
//! then the frontier within the page and depth budget. Every fetched page is decoded,
//! extracted once, handed to the detector and sent to the store writer.

pub mod frontier;
pub mod parse;
pub mod progress;

use crate::crawl::frontier::{Frontier, SeenHashes};
use crate::crawl::parse::{DiscoveryAsk, ParseJob, ParsePool, Parsed, Pending};
use crate::crawl::progress::Stats;
use crate::model::Sector;
use crate::model::city::City;
use crate::model::scope::{Scope, registrable_domain};
use crate::net::error::FetchError;
use crate::net::fetch::{Fetched, Fetcher};
use crate::page::detect::Detector;
use crate::page::discover::{Discovered, MAX_LISTING_PAGES, add_unique};
use crate::store::runs::now;
use crate::store::writer::{LinkRecord, PageRecord, SiteEnd, SiteStart, WriterGone, WriterHandle};
use std::collections::VecDeque;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;
use url::Url;

/// One site to crawl: whose it is, where it starts, what it may fetch.
#[derive(Debug, Clone)]
pub struct SiteSpec {
    pub city: Arc<City>,
    pub sector: Sector,
    pub start: Url,
    pub scope: Scope,
    /// Registrable domains of all the city's sites, for ownership judgements.
    pub own_domains: Arc<Vec<String>>,
    /// For a department site found on the portal: the evidence that named it (`None`
    /// for a seeded site).
    pub discovered: Option<Discovered>,
}

/// Registrable domains of all of a city's sites (portal and departments): whose
/// channels count as the city's own.
pub fn own_domains(city: &City) -> Vec<String> {
    let mut own: Vec<String> = std::iter::once(&city.portal)
        .chain(city.departments.values().flatten())
        .map(|u| registrable_domain(u.host_str().unwrap_or_default()))
        .collect();
    own.sort();
    own.dedup();
    own
}

/// The sites of a city: its portal (scope minus department areas) and each department.
pub fn sites_of(city: &Arc<City>) -> Vec<SiteSpec> {
    let dept_urls: Vec<&Url> = city.departments.values().flatten().collect();
    let own = Arc::new(own_domains(city));
    let mut sites = vec![SiteSpec {
        city: city.clone(),
        sector: Sector::General,
        start: city.portal.clone(),
        scope: Scope::portal(&city.portal, &dept_urls),
        own_domains: own.clone(),
        discovered: None,
    }];
    for (sector, urls) in &city.departments {
        for u in urls {
            sites.push(SiteSpec {
                city: city.clone(),
                sector: *sector,
                start: u.clone(),
                scope: Scope::department(u),
                own_domains: own.clone(),
                discovered: None,
            });
        }
    }
    sites
}

/// What a site's crawl accumulates as it goes.
struct SiteState {
    /// The site's row in the store.
    site_id: i64,
    frontier: Frontier,
    /// Links already recorded for the site (target and text).
    links_seen: SeenHashes,
    /// Findings already recorded for the site: the same evidence repeated in the site
    /// chrome of every page is stored once (with the first page it was seen on).
    findings_seen: SeenHashes,
    /// The city's name as each parse job shares it.
    city_name: Arc<str>,
}

/// What a run shares with all of its site crawls.
#[derive(Clone)]
pub struct CrawlEnv {
    pub run_id: i64,
    pub fetcher: Arc<Fetcher>,
    pub writer: WriterHandle,
    pub detector: Arc<dyn Detector>,
    /// Where pages are parsed (off the async threads).
    pub parser: Arc<ParsePool>,
    pub stats: Arc<Stats>,
    pub cancel: CancellationToken,
}

/// How a site's crawl ended, for the city's verdict and the progress display.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteResult {
    pub outcome: String,
    pub pages: usize,
    pub cancelled: bool,
}

/// The outcome recorded for a site whose start URL failed.
pub fn outcome_of(e: &FetchError) -> &'static str {
    match e {
        FetchError::Dns(_) | FetchError::Connect(_) | FetchError::Timeout(_) => "unreachable",
        FetchError::RobotsDisallowed | FetchError::RobotsUnavailable(_) => "blocked-by-robots",
        other => other.kind(),
    }
}

fn other_scheme(url: &Url) -> Option<Url> {
    let mut u = url.clone();
    let to = if url.scheme() == "https" {
        "http"
    } else {
        "https"
    };
    u.set_scheme(to).ok()?;
    Some(u)
}

/// What a portal's first pages said about the city's department sites.
#[derive(Default)]
struct Found {
    sites: Vec<Discovered>,
    listing: Vec<Url>,
}

/// Crawls one site to the end of its budget (or until cancelled) and records it. A
/// portal crawl given `departments` looks for the department sites of the sectors the
/// seeds leave empty on its homepage and the pages that list departments (fetched first,
/// at most three), hands each one found to `departments` to be crawled as its own site,
/// and leaves its area to it.
pub async fn crawl_site(
    spec: &SiteSpec,
    env: &CrawlEnv,
    departments: Option<tokio::sync::mpsc::UnboundedSender<SiteSpec>>,
) -> Result<SiteResult, WriterGone> {
    let cfg = env.fetcher.config().clone();
    let mut scope = spec.scope.clone();
    let site_id = env
        .writer
        .site(SiteStart {
            run_id: env.run_id,
            city_id: spec.city.id.clone(),
            sector: spec.sector.as_str().to_string(),
            start_url: spec.start.to_string(),
            scope_json: serde_json::to_string(&scope).expect("serialisable"),
            started_at: now(),
            origin: if spec.discovered.is_some() {
                "discovered"
            } else {
                "seeded"
            }
            .into(),
            discovered_from: spec.discovered.as_ref().map(|d| d.page_url.clone()),
            discovered_text: spec
                .discovered
                .as_ref()
                .map(|d| format!("{}: {}", d.link_kind, d.text)),
        })
        .await?;
    let mut state = SiteState {
        site_id,
        frontier: Frontier::with_budget(cfg.max_depth, cfg.max_query_variants, cfg.max_pages),
        links_seen: SeenHashes::default(),
        findings_seen: SeenHashes::default(),
        city_name: spec.city.name.as_str().into(),
    };
    state.frontier.mark_seen(&spec.start);

    // The start URL may redirect anywhere (a portal that moved); its target joins the scope.
    let any = |_: &Url| true;
    let Some(mut first) = cancellable(env, env.fetcher.fetch(&spec.start, &any)).await else {
        return Ok(SiteResult {
            outcome: "cancelled".into(),
            pages: 0,
            cancelled: true,
        });
    };
    if first.error.as_ref().is_some_and(FetchError::is_unreachable)
        && let Some(alt) = other_scheme(&spec.start)
    {
        let Some(second) = cancellable(env, env.fetcher.fetch(&alt, &any)).await else {
            return Ok(SiteResult {
                outcome: "cancelled".into(),
                pages: 0,
                cancelled: true,
            });
        };
        if second.error.is_none() {
            // Keep the failed attempt on record too.
            let failed = std::mem::replace(&mut first, second);
            let page = start_page(env, spec, &mut state, failed, 0, None, true).await;
            finish_page(env, &scope, &mut state, page).await?;
        }
    }
    let moved = first.error.is_none() && scope.admit_move(&first.final_url);
    let moved_to =
        moved.then(|| registrable_domain(first.final_url.host_str().unwrap_or_default()));
    let outcome = match (&first.error, first.status) {
        (Some(e), _) => outcome_of(e).to_string(),
        (None, Some(s)) if !(200..300).contains(&s) => "http-error".into(),
        _ if !first.is_html() => "not-html".into(),
        _ => "ok".into(),
    };
    let error = match (&first.error, first.status) {
        (Some(e), _) => Some(e.to_string()),
        (None, Some(s)) if !(200..300).contains(&s) => Some(format!("start URL answered HTTP {s}")),
        _ if outcome == "not-html" => Some(format!(
            "start URL is not HTML ({})",
            first.content_type.as_deref().unwrap_or("no content type")
        )),
        _ => None,
    };
    state.frontier.mark_seen(&first.final_url);
    let mut pages = usize::from(first.attempts > 0);
    let discovers = env.detector.discovery_rules().is_some()
        && departments.is_some()
        && spec.sector == Sector::General
        && outcome == "ok";
    let first_final = first.final_url.clone();
    let ask = || {
        discovers.then(|| {
            let mut domains = (*spec.own_domains).clone();
            domains.push(registrable_domain(
                first_final.host_str().unwrap_or_default(),
            ));
            DiscoveryAsk {
                portal: first_final.clone(),
                domains,
            }
        })
    };
    // The start page: nothing else is known until it is parsed.
    let page = start_page(env, spec, &mut state, first, 0, ask(), true).await;
    let mut found = finish_page(env, &scope, &mut state, page).await?;
    if outcome == "ok" {
        env.stats
            .sites_ok
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    } else {
        env.stats
            .sites_failed
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    let mut cancelled = false;
    // Listing pages fetched ahead of the frontier (which holds them too).
    let mut fetched_early: Vec<Url> = Vec::new();
    if let (true, Some(tx)) = (discovers, &departments) {
        // The pages that list departments, first.
        let listing = std::mem::take(&mut found.listing);
        for url in listing.into_iter().take(MAX_LISTING_PAGES) {
            if pages >= cfg.max_pages || !scope.contains(&url) || fetched_early.contains(&url) {
                continue;
            }
            fetched_early.push(url.clone());
            let in_scope = |u: &Url| scope.contains(u);
            let Some(f) = cancellable(env, env.fetcher.fetch(&url, &in_scope)).await else {
                cancelled = true;
                break;
            };
            pages += usize::from(f.attempts > 0);
            state.frontier.mark_seen(&f.final_url);
            let page = start_page(env, spec, &mut state, f, 1, ask(), true).await;
            let more = finish_page(env, &scope, &mut state, page).await?;
            for d in more.sites {
                add_unique(&mut found.sites, d);
            }
        }
        // Each department found for a sector the seeds leave empty becomes a site of its own.
        for d in std::mem::take(&mut found.sites) {
            if spec.city.departments.contains_key(&d.sector) {
                continue;
            }
            scope.exclude(crate::model::scope::Area::of_start(&d.url));
            let _ = tx.send(SiteSpec {
                city: spec.city.clone(),
                sector: d.sector,
                start: d.url.clone(),
                scope: Scope::department(&d.url),
                own_domains: spec.own_domains.clone(),
                discovered: Some(d),
            });
        }
    }
    drop(departments);
    if outcome == "ok" && !cancelled {
        // The next fetch goes out as soon as the host's slot opens, while earlier pages
        // are still being parsed; before choosing the page after next, the page before
        // is merged, so a channel link found on page N still jumps ahead for page N+2.
        let mut parsing: VecDeque<InFlight> = VecDeque::new();
        loop {
            if env.writer.failed() {
                return Err(WriterGone);
            }
            while let Some(done) = parsing.front_mut().and_then(InFlight::try_done) {
                let page = parsing.pop_front().expect("just seen");
                finish_parsed(env, &scope, &mut state, page, done).await?;
            }
            while parsing.len() > 1 {
                let page = parsing.pop_front().expect("two in flight");
                finish_page(env, &scope, &mut state, page).await?;
            }
            if pages >= cfg.max_pages {
                break;
            }
            let Some(next) = state.frontier.pop() else {
                // Nothing known to fetch: what is being parsed may add links.
                match parsing.pop_front() {
                    Some(page) => {
                        finish_page(env, &scope, &mut state, page).await?;
                        continue;
                    }
                    None => break,
                }
            };
            if !scope.contains(&next.url) || fetched_early.contains(&next.url) {
                continue; // left to a department's crawl, or fetched already for discovery
            }
            let in_scope = |u: &Url| scope.contains(u);
            let Some(fetched) = cancellable(env, env.fetcher.fetch(&next.url, &in_scope)).await
            else {
                cancelled = true;
                break;
            };
            if fetched.attempts > 0 {
                pages += 1;
            }
            state.frontier.mark_seen(&fetched.final_url);
            let urgent = state.frontier.is_empty() && parsing.is_empty();
            parsing.push_back(
                start_page(env, spec, &mut state, fetched, next.depth, None, urgent).await,
            );
        }
        // What was fetched is recorded, even when the run is being cancelled.
        while let Some(page) = parsing.pop_front() {
            finish_page(env, &scope, &mut state, page).await?;
        }
    }
    if outcome == "ok" {
        tracing::info!(city = %spec.city.name, sector = %spec.sector, start = %spec.start, pages, "site done");
    } else {
        tracing::warn!(city = %spec.city.name, sector = %spec.sector, start = %spec.start, outcome = %outcome, error = ?error, "site failed");
    }
    env.writer
        .site_done(SiteEnd {
            site_id,
            outcome: if cancelled {
                "interrupted".into()
            } else {
                outcome.clone()
            },
            error,
            final_url: Some(first_final.to_string()),
            moved_to,
            scope_json: serde_json::to_string(&scope).expect("serialisable"),
            pages,
            finished_at: now(),
        })
        .await?;
    Ok(SiteResult {
        outcome,
        pages,
        cancelled,
    })
}

async fn cancellable<F: Future<Output = Fetched>>(env: &CrawlEnv, f: F) -> Option<Fetched> {
    tokio::select! {
        biased;
        _ = env.cancel.cancelled() => None,
        r = f => Some(r),
    }
}

/// A fetched page on its way to the store: its record (everything but what the parse
/// adds) and, for an HTML page, its parse in the pool.
struct InFlight {
    record: PageRecord,
    depth: u32,
    parse: Option<Pending>,
}

impl InFlight {
    /// The parse's result, if it is done (a page without a parse is done at once).
    fn try_done(&mut self) -> Option<Option<Parsed>> {
        match &mut self.parse {
            None => Some(None),
            Some(p) => p.try_take().map(Some),
        }
    }
}

/// Records what the fetch says about a page and hands an HTML body to the parser.
async fn start_page(
    env: &CrawlEnv,
    spec: &SiteSpec,
    state: &mut SiteState,
    mut f: Fetched,
    depth: u32,
    discovery: Option<DiscoveryAsk>,
    urgent: bool,
) -> InFlight {
    let stats = &env.stats;
    let record = PageRecord {
        run_id: env.run_id,
        site_id: state.site_id,
        city_id: spec.city.id.clone(),
        url: f.url.to_string(),
        final_url: f.final_url.to_string(),
        redirects_json: serde_json::to_string(&f.redirects).expect("serialisable"),
        status: f.status,
        headers_json: serde_json::to_string(&f.headers).expect("serialisable"),
        content_type: f.content_type.clone(),
        charset: None,
        bytes: f.body.len(),
        truncated: f.truncated,
        started_at: crate::store::runs::timestamp(f.started_at),
        elapsed_ms: f.elapsed.as_millis() as u64,
        attempts: f.attempts,
        depth,
        error_kind: f.error.as_ref().map(|e| e.kind().to_string()),
        error: f.error.as_ref().map(ToString::to_string),
        body: None,
        links: Vec::new(),
        findings: Vec::new(),
    };
    if f.error.is_some() || f.status.is_some_and(|s| s >= 400) {
        stats
            .errors
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    let parse = if f.is_html() {
        stats
            .pages
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let job = ParseJob {
            body: std::mem::take(&mut f.body),
            content_type: f.content_type.take(),
            final_url: f.final_url,
            sector: spec.sector,
            city_name: state.city_name.clone(),
            own_domains: spec.own_domains.clone(),
            discovery,
            budget: f.budget.take(),
        };
        Some(env.parser.submit(job, urgent).await)
    } else {
        None
    };
    InFlight {
        record,
        depth,
        parse,
    }
}

/// Waits for a page's parse and records it.
async fn finish_page(
    env: &CrawlEnv,
    scope: &Scope,
    state: &mut SiteState,
    mut page: InFlight,
) -> Result<Found, WriterGone> {
    let parsed = match page.parse.take() {
        Some(p) => Some(p.wait().await),
        None => None,
    };
    finish_parsed(env, scope, state, page, parsed).await
}

/// Adds a parse's results to a page's record (findings and links new to the site; the
/// in-scope links queued in the frontier) and sends it to the writer.
async fn finish_parsed(
    env: &CrawlEnv,
    scope: &Scope,
    state: &mut SiteState,
    page: InFlight,
    parsed: Option<Parsed>,
) -> Result<Found, WriterGone> {
    let InFlight {
        mut record, depth, ..
    } = page;
    let mut found = Found::default();
    if let Some(p) = parsed {
        record.charset = p.charset;
        record.findings = p.findings;
        record.findings.retain(|f| {
            state
                .findings_seen
                .insert((&f.channel, f.sector, &f.rule, &f.target))
        });
        env.stats.findings.fetch_add(
            record.findings.len() as u64,
            std::sync::atomic::Ordering::Relaxed,
        );
        record.links.reserve_exact(p.links.len());
        for link in &p.links {
            let url = &link.url;
            let followable = matches!(url.scheme(), "http" | "https");
            let in_scope = followable && scope.contains(url);
            if in_scope {
                let hints = [
                    link.text.as_str(),
                    link.title.as_str(),
                    link.img_alt.as_str(),
                ];
                let _ = state.frontier.push_hints(url, depth + 1, &hints);
            }
            let text = crate::page::extract::prefix_chars(&link.text, 200);
            if !state.links_seen.insert((url.as_str(), text)) {
                continue; // navigation repeated on every page: stored once per site
            }
            record.links.push(LinkRecord {
                target: url.to_string(),
                text: text.to_string(),
                kind: link.kind.as_str(),
                in_scope,
            });
        }
        record.body = p.body;
        found.sites = p.sites;
        found.listing = p.listing;
    }
    env.writer.page(record).await?;
    Ok(found)
}
