//! What a site's crawl is given: the site ([`SiteSpec`], built from a city by
//! [`sites_of`]) and what the run shares with every crawl ([`CrawlEnv`]); and how a
//! crawl ends ([`SiteResult`]).

use crate::crawl::parse::ParsePool;
use crate::crawl::progress::Stats;
use crate::model::Sector;
use crate::model::city::City;
use crate::model::scope::{Scope, registrable_domain};
use crate::net::error::FetchError;
use crate::net::fetch::Fetcher;
use crate::page::detect::Detector;
use crate::page::discover::Discovered;
use crate::store::writer::WriterHandle;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;
use url::Url;

/// One site to crawl: whose it is, where it starts, what it may fetch.
#[derive(Debug, Clone)]
pub(crate) struct SiteSpec {
    pub city: Arc<City>,
    pub sector: Sector,
    pub start: Url,
    pub scope: Scope,
    /// Registrable domains of all the city's sites, for ownership judgements.
    pub own_domains: Arc<Vec<String>>,
    /// For a department site found on the portal: the evidence that named it (`None`
    /// for a seeded site).
    pub discovered: Option<Discovered>,
    /// The site's row when it is recorded already (by the portal that found it).
    pub recorded: Option<i64>,
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

/// The seeded sites of a city as sector and start URL: its portal, then each department.
pub(crate) fn seeded_starts(city: &City) -> impl Iterator<Item = (Sector, &Url)> {
    std::iter::once((Sector::General, &city.portal)).chain(
        city.departments
            .iter()
            .flat_map(|(sector, urls)| urls.iter().map(move |u| (*sector, u))),
    )
}

/// The sites of a city: its portal (scope minus department areas) and each department.
pub(crate) fn sites_of(city: &Arc<City>) -> Vec<SiteSpec> {
    let dept_urls: Vec<&Url> = city.departments.values().flatten().collect();
    let own = Arc::new(own_domains(city));
    seeded_starts(city)
        .map(|(sector, start)| SiteSpec {
            city: city.clone(),
            sector,
            start: start.clone(),
            scope: if sector == Sector::General {
                Scope::portal(start, &dept_urls)
            } else {
                Scope::department(start)
            },
            own_domains: own.clone(),
            discovered: None,
            recorded: None,
        })
        .collect()
}

/// What a run shares with all of its site crawls.
#[derive(Clone)]
pub(crate) struct CrawlEnv {
    pub run_id: i64,
    pub fetcher: Arc<Fetcher>,
    pub writer: WriterHandle,
    pub detector: Arc<dyn Detector>,
    /// Where pages are parsed (off the async threads).
    pub parser: Arc<ParsePool>,
    pub stats: Arc<Stats>,
    pub cancel: CancellationToken,
    /// The run's link checks, when it checks links.
    pub links: Option<Arc<crate::crawl::links::LinkChecks>>,
}

/// How a site's crawl ended, for the city's verdict and the progress display.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SiteResult {
    pub outcome: String,
    pub pages: usize,
    pub cancelled: bool,
}

/// The outcome recorded for a site whose start URL failed.
pub(crate) fn outcome_of(e: &FetchError) -> &'static str {
    match e {
        FetchError::Dns(_) | FetchError::Connect(_) | FetchError::Timeout(_) => "unreachable",
        FetchError::RobotsDisallowed | FetchError::RobotsUnavailable(_) => "blocked-by-robots",
        other => other.kind(),
    }
}
