//! One page's way through a site's crawl: its record from the fetch, its parse in the
//! pool, and the parse's links (into the frontier) and findings (new to the site) sent
//! with the record to the writer.

use crate::crawl::frontier::{Frontier, SeenHashes, is_priority};
use crate::crawl::links::{OwnFetches, judge_fetch_record, links_to_check};
use crate::crawl::parse::{DiscoveryAsk, ParseJob, Parsed, Pending};
use crate::crawl::spec::{CrawlEnv, SiteSpec};
use crate::model::scope::Scope;
use crate::net::fetch::Fetched;
use crate::page::discover::Discovered;
use crate::store::writer::{LinkRecord, PageRecord, WriterGone};
use std::sync::Arc;
use url::Url;

/// What a site's crawl accumulates as it goes.
pub(crate) struct SiteState {
    /// The site's row in the store.
    pub(crate) site_id: i64,
    pub(crate) frontier: Frontier,
    /// Links already recorded for the site (target and text).
    pub(crate) links_seen: SeenHashes,
    /// Findings already recorded for the site: the same evidence repeated in the site
    /// chrome of every page is stored once (with the first page it was seen on).
    pub(crate) findings_seen: SeenHashes,
    /// The city's name as each parse job shares it.
    pub(crate) city_name: Arc<str>,
    /// What the crawl's own fetches found, which judges the links to them (when the run
    /// checks links; the links themselves are recorded with their pages).
    pub(crate) own_fetches: Option<OwnFetches>,
}

/// What a portal's first pages said about the city's department sites.
#[derive(Default)]
pub(crate) struct Found {
    pub(crate) sites: Vec<Discovered>,
    pub(crate) listing: Vec<Url>,
}

/// The fetch, unless the run is cancelled first.
pub(crate) async fn cancellable<F: Future<Output = Fetched>>(
    env: &CrawlEnv,
    f: F,
) -> Option<Fetched> {
    tokio::select! {
        biased;
        _ = env.cancel.cancelled() => None,
        r = f => Some(r),
    }
}

/// A fetched page on its way to the store: its record (everything but what the parse
/// adds) and, for an HTML page, its parse in the pool; once recorded, only what its
/// merge into the frontier still needs.
pub(crate) struct InFlight {
    record: Option<PageRecord>,
    depth: u32,
    parse: Option<Pending>,
    merge: Merge,
}

/// What a recorded page still gives the frontier when its turn comes: its in-scope links
/// the frontier had not seen when the page was recorded, each with its priority, and the
/// next pages of a letter list.
#[derive(Default)]
struct Merge {
    links: Vec<Url>,
    priority: Vec<bool>,
    continuations: Vec<Url>,
    found: Found,
}

/// Records what the fetch says about a page and hands an HTML body to the parser.
pub(crate) async fn start_page(
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
        link_checks: Vec::new(),
        findings: Vec::new(),
        reading: None,
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
            fetched_on: crate::page::inspect::dates::china_day(f.started_at),
            start: depth == 0,
            budget: f.budget.take(),
        };
        Some(env.parser.submit(job, urgent).await)
    } else {
        None
    };
    InFlight {
        record: Some(record),
        depth,
        parse,
        merge: Merge::default(),
    }
}

/// Waits for a page's parse, records it (unless [`record_while`] did) and merges its
/// links into the frontier.
pub(crate) async fn finish_page(
    env: &CrawlEnv,
    scope: &Scope,
    state: &mut SiteState,
    mut page: InFlight,
) -> Result<Found, WriterGone> {
    if page.record.is_some() {
        let parsed = match page.parse.take() {
            Some(p) => Some(p.wait().await),
            None => None,
        };
        record_parsed(env, scope, state, &mut page, parsed).await?;
    }
    let Merge {
        links,
        priority,
        continuations,
        found,
    } = page.merge;
    for next in &continuations {
        let _ = state.frontier.push_hints(next, page.depth, &["信件"]);
    }
    for (url, priority) in links.iter().zip(priority) {
        let _ = state.frontier.push_ranked(url, page.depth + 1, priority);
    }
    Ok(found)
}

/// Awaits `fetch`; meanwhile, as soon as the parse of `waiting` (the page fetched
/// before) is done, records that page and keeps only what its merge needs, so a site
/// waiting for its host's slot holds no parsed page. Its merge into the frontier stays
/// where it was ([`finish_page`]), so which page comes next does not depend on when
/// the parse ended.
pub(crate) async fn record_while<F: Future>(
    env: &CrawlEnv,
    scope: &Scope,
    state: &mut SiteState,
    waiting: Option<&mut InFlight>,
    fetch: F,
) -> Result<F::Output, WriterGone> {
    let mut fetch = std::pin::pin!(fetch);
    if let Some(page) = waiting.filter(|p| p.record.is_some())
        && let Some(pending) = page.parse.as_mut()
    {
        tokio::select! {
            biased;
            out = &mut fetch => return Ok(out),
            parsed = pending.ready() => {
                page.parse = None;
                record_parsed(env, scope, state, page, Some(parsed)).await?;
            }
        }
    }
    Ok(fetch.await)
}

/// Adds a parse's results to a page's record (findings and links new to the site) and
/// sends it to the writer; keeps for the merge the in-scope links the frontier has not
/// seen (a link seen now is still seen at the merge, so dropping it changes nothing).
async fn record_parsed(
    env: &CrawlEnv,
    scope: &Scope,
    state: &mut SiteState,
    page: &mut InFlight,
    parsed: Option<Parsed>,
) -> Result<(), WriterGone> {
    let mut record = page.record.take().expect("recorded once");
    if let (Some(checks), Some(own)) = (&env.links, state.own_fetches.as_mut()) {
        let title = parsed.as_ref().map(|p| p.title.as_str());
        if let Some(checked) = judge_fetch_record(checks.rules(), &record, title) {
            own.fetched(&record.url, checked.clone());
            own.fetched(&record.final_url, checked);
        }
        if let Some(p) = &parsed
            && (page.depth == 0 || checks.mode() == crate::config::CheckLinks::All)
        {
            record.link_checks = links_to_check(p.links.iter().map(|l| (&l.url, &*l.text)));
        }
    }
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
        let merge = &mut page.merge;
        merge.continuations = p
            .continuations
            .into_iter()
            .filter(|u| scope.contains(u))
            .collect();
        record.links.reserve_exact(p.links.len());
        for link in p.links {
            let url = link.url;
            let followable = matches!(url.scheme(), "http" | "https");
            let in_scope = followable && scope.contains(&url);
            let text = crate::page::extract::prefix_chars(&link.text, 200);
            let new_link = state.links_seen.insert((url.as_str(), text));
            if new_link {
                record.links.push(LinkRecord {
                    target: url.to_string(),
                    text: text.to_string(),
                    kind: link.kind.as_str(),
                    in_scope,
                });
            }
            if in_scope && !state.frontier.has_seen(&url) {
                let hints = [
                    link.text.as_str(),
                    link.title.as_str(),
                    link.img_alt.as_str(),
                ];
                merge.priority.push(is_priority(&hints, &url));
                merge.links.push(url);
            }
        }
        record.body = p.body;
        record.reading = p.reading;
        merge.found.sites = p.sites;
        merge.found.listing = p.listing;
    }
    env.writer.page(record).await
}
