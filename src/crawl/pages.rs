//! One page's way through a site's crawl: its record from the fetch, its parse in the
//! pool, and the parse's links (into the frontier) and findings (new to the site) sent
//! with the record to the writer.

use crate::crawl::frontier::{Frontier, SeenHashes};
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
/// adds) and, for an HTML page, its parse in the pool.
pub(crate) struct InFlight {
    record: PageRecord,
    depth: u32,
    parse: Option<Pending>,
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
        record,
        depth,
        parse,
    }
}

/// Waits for a page's parse and records it.
pub(crate) async fn finish_page(
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
        for next in &p.continuations {
            if scope.contains(next) {
                let _ = state.frontier.push_hints(next, depth, &["信件"]);
            }
        }
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
        record.reading = p.reading;
        found.sites = p.sites;
        found.listing = p.listing;
    }
    env.writer.page(record).await?;
    Ok(found)
}
