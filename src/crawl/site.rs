//! One site's crawl, as its phases: the start URL (with scheme fallback and moved-portal
//! detection), for a portal the pages that list departments and the department sites
//! they name, the frontier within the page and depth budget, and the site's record.

use crate::crawl::frontier::{Frontier, SeenHashes};
use crate::crawl::links::check_site_links;
use crate::crawl::pages::{
    Found, InFlight, SiteState, cancellable, finish_page, record_while, start_page,
};
use crate::crawl::parse::DiscoveryAsk;
use crate::crawl::spec::{CrawlEnv, SiteResult, SiteSpec, outcome_of};
use crate::model::Sector;
use crate::model::scope::{Area, Scope, registrable_domain};
use crate::net::error::FetchError;
use crate::net::fetch::Fetched;
use crate::page::discover::{MAX_LISTING_PAGES, add_unique};
use crate::store::runs::now;
use crate::store::writer::{SiteEnd, SiteStart, WriterGone};
use std::collections::VecDeque;
use url::Url;

/// The other scheme's form of a start URL, tried when the host cannot be reached.
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

/// Crawls one site to the end of its budget (or until cancelled). A portal crawl given
/// `departments` looks for the department sites of the sectors the seeds leave empty on
/// its homepage and the pages that list departments (fetched first, at most three),
/// hands each one found to `departments` to be crawled as its own site, and leaves its
/// area to it. What it returns is checked and recorded by [`check_and_record`]: the
/// caller may give back what the crawl needed in between.
pub(crate) async fn crawl_site(
    spec: &SiteSpec,
    env: &CrawlEnv,
    departments: Option<tokio::sync::mpsc::UnboundedSender<SiteSpec>>,
) -> Result<Crawled, WriterGone> {
    let mut crawl = begin(spec, env).await?;
    let Some(start) = fetch_start(spec, env, &mut crawl).await? else {
        return Ok(Crawled(CrawledState::Cancelled));
    };
    let discovers = env.detector.rule_set().is_some()
        && departments.is_some()
        && spec.sector == Sector::General
        && start.summary.outcome == "ok";
    let ask = || discovers.then(|| discovery_ask(spec, &start.summary.final_url));
    // The start page: nothing else is known until it is parsed.
    let page = start_page(env, spec, &mut crawl.state, start.fetched, 0, ask(), true).await;
    let found = finish_page(env, &crawl.scope, &mut crawl.state, page).await?;
    let counter = if start.summary.outcome == "ok" {
        &env.stats.sites_ok
    } else {
        &env.stats.sites_failed
    };
    counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    if let (true, Some(tx)) = (discovers, &departments) {
        discover_departments(spec, env, &mut crawl, found, &ask, tx).await?;
    }
    drop(departments);
    if start.summary.outcome == "ok" && !crawl.cancelled {
        crawl_frontier(spec, env, &mut crawl).await?;
    }
    // The crawl is over: what its frontier still queues and what it has seen are not
    // needed by the checks (a dense homepage leaves hundreds of links there).
    crawl.state.frontier = Frontier::with_budget(0, 0, 0);
    crawl.state.links_seen = Default::default();
    crawl.state.findings_seen = Default::default();
    crawl.fetched_early = Vec::new();
    Ok(Crawled(CrawledState::Over(Box::new((
        crawl,
        start.summary,
    )))))
}

/// A site whose crawl is over, its links still to check and its end to record.
pub(crate) struct Crawled(CrawledState);

enum CrawledState {
    /// Cancelled before its start page was fetched: nothing to check or record.
    Cancelled,
    Over(Box<(SiteCrawl, StartSummary)>),
}

/// Checks the links a site's crawl gathered and records how the site ended.
pub(crate) async fn check_and_record(
    spec: &SiteSpec,
    env: &CrawlEnv,
    crawled: Crawled,
) -> Result<SiteResult, WriterGone> {
    let CrawledState::Over(over) = crawled.0 else {
        return Ok(SiteResult {
            outcome: "cancelled".into(),
            pages: 0,
            cancelled: true,
        });
    };
    let (mut crawl, summary) = *over;
    check_links(env, &mut crawl).await?;
    record(spec, env, crawl, summary).await
}

/// A site's crawl in progress.
struct SiteCrawl {
    state: SiteState,
    /// What the site may fetch: grows by a moved portal's domain, shrinks by the
    /// department sites found on it.
    scope: Scope,
    /// Pages fetched (attempts that reached the network).
    pages: usize,
    /// Listing pages fetched ahead of the frontier (which holds them too).
    fetched_early: Vec<Url>,
    cancelled: bool,
}

/// The start URL's answer and what it says about the site.
struct Start {
    fetched: Fetched,
    summary: StartSummary,
}

/// What the site's record keeps of its start.
struct StartSummary {
    outcome: String,
    error: Option<String>,
    final_url: Url,
    moved_to: Option<String>,
}

/// What the store records of a site as it starts.
fn site_start(spec: &SiteSpec, run_id: i64) -> SiteStart {
    SiteStart {
        run_id,
        city_id: spec.city.id.clone(),
        sector: spec.sector.as_str().to_string(),
        start_url: spec.start.to_string(),
        scope_json: serde_json::to_string(&spec.scope).expect("serialisable"),
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
    }
}

/// Records the site as started (unless the portal that found it did) and sets up its
/// crawl state.
async fn begin(spec: &SiteSpec, env: &CrawlEnv) -> Result<SiteCrawl, WriterGone> {
    let cfg = env.fetcher.config();
    let scope = spec.scope.clone();
    let site_id = match spec.recorded {
        Some(id) => id,
        None => env.writer.site(site_start(spec, env.run_id)).await?,
    };
    let mut state = SiteState {
        site_id,
        frontier: Frontier::with_budget(cfg.max_depth, cfg.max_query_variants, cfg.max_pages),
        links_seen: SeenHashes::default(),
        findings_seen: SeenHashes::default(),
        city_name: spec.city.name.as_str().into(),
        own_fetches: env.links.as_ref().map(|_| Default::default()),
    };
    state.frontier.mark_seen(&spec.start);
    Ok(SiteCrawl {
        state,
        scope,
        pages: 0,
        fetched_early: Vec::new(),
        cancelled: false,
    })
}

/// Fetches the start URL (and, when its host cannot be reached, the other scheme) and
/// judges the answer. The start URL may redirect anywhere (a portal that moved): its
/// target joins the scope. `None` when the run is cancelled.
async fn fetch_start(
    spec: &SiteSpec,
    env: &CrawlEnv,
    crawl: &mut SiteCrawl,
) -> Result<Option<Start>, WriterGone> {
    let any = |_: &Url| true;
    let Some(mut first) = cancellable(env, env.fetcher.fetch_start(&spec.start, &any)).await else {
        return Ok(None);
    };
    if first.error.as_ref().is_some_and(FetchError::is_unreachable)
        && let Some(alt) = other_scheme(&spec.start)
    {
        let Some(second) = cancellable(env, env.fetcher.fetch_start(&alt, &any)).await else {
            return Ok(None);
        };
        if second.error.is_none() {
            // Keep the failed attempt on record too.
            let failed = std::mem::replace(&mut first, second);
            let page = start_page(env, spec, &mut crawl.state, failed, 0, None, true).await;
            finish_page(env, &crawl.scope, &mut crawl.state, page).await?;
        }
    }
    let moved = first.error.is_none() && crawl.scope.admit_move(&first.final_url);
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
    crawl.state.frontier.mark_seen(&first.final_url);
    crawl.pages = usize::from(first.attempts > 0);
    Ok(Some(Start {
        summary: StartSummary {
            outcome,
            error,
            final_url: first.final_url.clone(),
            moved_to,
        },
        fetched: first,
    }))
}

/// What discovery needs to judge a portal page's links: the portal and every domain of
/// the city's own sites.
fn discovery_ask(spec: &SiteSpec, portal: &Url) -> DiscoveryAsk {
    let mut domains = (*spec.own_domains).clone();
    domains.push(registrable_domain(portal.host_str().unwrap_or_default()));
    DiscoveryAsk {
        portal: portal.clone(),
        domains,
    }
}

/// A portal's department sites: the pages that list departments are fetched first (at
/// most [`MAX_LISTING_PAGES`]); each department found for a sector the seeds leave empty
/// becomes a site of its own, handed to `tx`, and its area leaves the portal's scope.
async fn discover_departments(
    spec: &SiteSpec,
    env: &CrawlEnv,
    crawl: &mut SiteCrawl,
    mut found: Found,
    ask: &impl Fn() -> Option<DiscoveryAsk>,
    tx: &tokio::sync::mpsc::UnboundedSender<SiteSpec>,
) -> Result<(), WriterGone> {
    let max_pages = env.fetcher.config().max_pages;
    let listing = std::mem::take(&mut found.listing);
    for url in listing.into_iter().take(MAX_LISTING_PAGES) {
        if crawl.pages >= max_pages
            || !crawl.scope.contains(&url)
            || crawl.fetched_early.contains(&url)
        {
            continue;
        }
        crawl.fetched_early.push(url.clone());
        let in_scope = |u: &Url| crawl.scope.contains(u);
        let Some(f) = cancellable(env, env.fetcher.fetch(&url, &in_scope)).await else {
            crawl.cancelled = true;
            break;
        };
        crawl.pages += usize::from(f.attempts > 0);
        crawl.state.frontier.mark_seen(&f.final_url);
        let page = start_page(env, spec, &mut crawl.state, f, 1, ask(), true).await;
        let more = finish_page(env, &crawl.scope, &mut crawl.state, page).await?;
        for d in more.sites {
            add_unique(&mut found.sites, d);
        }
    }
    for d in found.sites {
        if spec.city.departments.contains_key(&d.sector) {
            continue;
        }
        crawl.scope.exclude(Area::of_start(&d.url));
        let mut found = SiteSpec {
            city: spec.city.clone(),
            sector: d.sector,
            start: d.url.clone(),
            scope: Scope::department(&d.url),
            own_domains: spec.own_domains.clone(),
            discovered: Some(d),
            recorded: None,
        };
        // Recorded before it is handed over, so the store never holds this portal as
        // finished without the sites it found (a resume crawls those it did not finish).
        found.recorded = Some(env.writer.site(site_start(&found, env.run_id)).await?);
        let _ = tx.send(found);
    }
    Ok(())
}

/// The frontier loop. The next fetch goes out as soon as the host's slot opens, while
/// the page before is still being parsed; before choosing page N+2, page N is merged, so
/// a channel link found on page N jumps ahead for page N+2. Page N is never merged
/// earlier, even when its parse is done: which page comes next never depends on how fast
/// a parse ran, so the same web gives the same pages and findings (an interrupted run's
/// resume equals an uninterrupted run). What was fetched is recorded, even when the run
/// is being cancelled.
async fn crawl_frontier(
    spec: &SiteSpec,
    env: &CrawlEnv,
    crawl: &mut SiteCrawl,
) -> Result<(), WriterGone> {
    let max_pages = env.fetcher.config().max_pages;
    let mut parsing: VecDeque<InFlight> = VecDeque::new();
    loop {
        if env.writer.failed() {
            return Err(WriterGone);
        }
        while parsing.len() > 1 {
            let page = parsing.pop_front().expect("two in flight");
            finish_page(env, &crawl.scope, &mut crawl.state, page).await?;
        }
        if crawl.pages >= max_pages {
            break;
        }
        let Some(next) = crawl.state.frontier.pop() else {
            // Nothing known to fetch: what is being parsed may add links.
            match parsing.pop_front() {
                Some(page) => {
                    finish_page(env, &crawl.scope, &mut crawl.state, page).await?;
                    continue;
                }
                None => break,
            }
        };
        if !crawl.scope.contains(&next.url) || crawl.fetched_early.contains(&next.url) {
            continue; // left to a department's crawl, or fetched already for discovery
        }
        let in_scope = |u: &Url| crawl.scope.contains(u);
        let fetch = cancellable(env, env.fetcher.fetch(&next.url, &in_scope));
        let waiting = parsing.back_mut();
        let fetched = record_while(env, &crawl.scope, &mut crawl.state, waiting, fetch).await?;
        let Some(fetched) = fetched else {
            crawl.cancelled = true;
            break;
        };
        if fetched.attempts > 0 {
            crawl.pages += 1;
        }
        crawl.state.frontier.mark_seen(&fetched.final_url);
        let urgent = crawl.state.frontier.is_empty() && parsing.is_empty();
        let page = start_page(
            env,
            spec,
            &mut crawl.state,
            fetched,
            next.depth,
            None,
            urgent,
        );
        parsing.push_back(page.await);
    }
    while let Some(page) = parsing.pop_front() {
        finish_page(env, &crawl.scope, &mut crawl.state, page).await?;
    }
    Ok(())
}

/// Checks the links the crawl gathered (none when the run is being cancelled: the site
/// is then recorded interrupted and crawled again on resume) and records the checks.
async fn check_links(env: &CrawlEnv, crawl: &mut SiteCrawl) -> Result<(), WriterGone> {
    let (Some(checks), Some(own)) = (&env.links, crawl.state.own_fetches.take()) else {
        return Ok(());
    };
    if crawl.cancelled {
        return Ok(());
    }
    let ids = (env.run_id, crawl.state.site_id);
    env.stats.site_targets(env.writer.pending_count(ids).await?);
    let sent = &env.stats.link_checks;
    let check = check_site_links(checks, &crawl.scope, own, &env.writer, ids, sent);
    // Cancelled, the links checked stay on record, the others pending, with the site
    // marked interrupted; the resume clears the site and checks again.
    tokio::select! {
        biased;
        _ = env.cancel.cancelled() => {
            crawl.cancelled = true;
            Ok(())
        }
        done = check => done,
    }
}

/// Records how the site's crawl ended.
async fn record(
    spec: &SiteSpec,
    env: &CrawlEnv,
    crawl: SiteCrawl,
    start: StartSummary,
) -> Result<SiteResult, WriterGone> {
    let StartSummary {
        outcome,
        error,
        final_url,
        moved_to,
    } = start;
    let pages = crawl.pages;
    if outcome == "ok" {
        tracing::info!(city = %spec.city.name, sector = %spec.sector, start = %spec.start, pages, "site done");
    } else {
        tracing::warn!(city = %spec.city.name, sector = %spec.sector, start = %spec.start, outcome = %outcome, error = ?error, "site failed");
    }
    env.writer
        .site_done(SiteEnd {
            site_id: crawl.state.site_id,
            outcome: if crawl.cancelled {
                "interrupted".into()
            } else {
                outcome.clone()
            },
            error,
            final_url: Some(final_url.to_string()),
            moved_to,
            scope_json: serde_json::to_string(&crawl.scope).expect("serialisable"),
            pages,
            finished_at: now(),
        })
        .await?;
    Ok(SiteResult {
        outcome,
        pages,
        cancelled: crawl.cancelled,
    })
}
