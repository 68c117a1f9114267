//! One city of a run: its sites crawled within the places the window gave it, the
//! department sites its portal finds, and the city marked done when all are recorded.
//! For a resumed run, what the interrupted one finished of the city is kept and only
//! the rest is crawled.

use super::admission::{Places, SitePlace};
use super::reach::Reach;
use crate::crawl::site::{check_and_record, crawl_site};
use crate::crawl::spec::{CrawlEnv, SiteResult, SiteSpec, seeded_starts, sites_of};
use crate::model::Sector;
use crate::model::city::City;
use crate::model::scope::Scope;
use crate::page::discover::Discovered;
use crate::store::runs::RecordedSite;
use crate::store::writer::WriterGone;
use futures_util::StreamExt;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use tokio::sync::mpsc::UnboundedSender;

/// A city to audit, and what an interrupted run already finished of it.
pub(crate) struct CityWork {
    pub city: Arc<City>,
    /// Sites recorded to the end before a resume: sector and start URL.
    done: Vec<(Sector, String)>,
    /// The portal's outcome when it was one of them.
    portal_outcome: Option<String>,
    /// Department sites the finished portal had found and that did not finish.
    found_unfinished: Vec<SiteSpec>,
    /// Seeded sites not finished, counted once for the window and the progress.
    seeded_left: usize,
}

impl CityWork {
    /// A city of a new run: everything to do.
    pub(crate) fn new(city: City) -> CityWork {
        CityWork {
            seeded_left: seeded_starts(&city).count(),
            city: Arc::new(city),
            done: Vec::new(),
            portal_outcome: None,
            found_unfinished: Vec::new(),
        }
    }

    /// The cities of a resumed run with what it recorded of them (`sites`, from
    /// [`crate::store::runs::unfinished_cities_sites`], read before the unfinished ones
    /// are cleared).
    pub(crate) fn resumed(cities: Vec<City>, sites: &[RecordedSite]) -> Vec<CityWork> {
        let mut by_city: HashMap<&str, Vec<&RecordedSite>> = HashMap::new();
        for s in sites {
            by_city.entry(s.city_id.as_str()).or_default().push(s);
        }
        cities
            .into_iter()
            .map(|city| {
                let mut work = CityWork::new(city);
                let recorded = by_city.remove(work.city.id.as_str()).unwrap_or_default();
                work.portal_outcome = recorded
                    .iter()
                    .find(|s| s.sector == Sector::General.as_str() && s.origin == "seeded")
                    .and_then(|s| s.outcome.clone());
                for s in recorded {
                    let Ok(sector) = s.sector.parse::<Sector>() else {
                        continue;
                    };
                    if s.outcome.is_some() {
                        work.done.push((sector, s.start_url.clone()));
                    } else if work.portal_outcome.is_some() && s.origin == "discovered" {
                        // Its portal will not be crawled again to find it: crawl it from
                        // its record.
                        if let Some(spec) = found_site(&work.city, sector, s) {
                            work.found_unfinished.push(spec);
                        }
                    }
                }
                work.seeded_left = seeded_starts(&work.city)
                    .filter(|&(sector, start)| !work.is_done(sector, start))
                    .count();
                work
            })
            .collect()
    }

    /// The sites to crawl now: the seeded ones not finished, then the department sites
    /// a finished portal had found.
    fn take_sites_to_crawl(&mut self) -> Vec<SiteSpec> {
        let mut sites: Vec<SiteSpec> = sites_of(&self.city)
            .into_iter()
            .filter(|s| !self.is_done(s.sector, &s.start))
            .collect();
        sites.append(&mut self.found_unfinished);
        sites
    }

    /// Whether the interrupted run finished the site of `sector` starting at `start`.
    fn is_done(&self, sector: Sector, start: &url::Url) -> bool {
        self.done
            .iter()
            .any(|(s, url)| *s == sector && url == start.as_str())
    }

    /// How many of its sites are known to be crawled (for the progress display).
    pub(crate) fn sites_known(&self) -> usize {
        self.seeded_left + self.found_unfinished.len()
    }

    /// How many sites it may still crawl at once: the seeded ones to do, and with
    /// discovery one per sector the seeds leave empty (when the portal is still to
    /// crawl).
    pub(crate) fn places_wanted(&self, discover: bool) -> usize {
        let finds = discover && self.portal_outcome.is_none();
        super::admission::places_for(&self.city, self.seeded_left, finds)
            + self.found_unfinished.len()
    }
}

/// A department site found by a portal that finished, rebuilt from its record.
fn found_site(city: &Arc<City>, sector: Sector, s: &RecordedSite) -> Option<SiteSpec> {
    let start = url::Url::parse(&s.start_url).ok()?;
    let (link_kind, text) = s
        .discovered_text
        .as_deref()
        .and_then(|t| t.split_once(": "))
        .unwrap_or(("a", ""));
    Some(SiteSpec {
        city: city.clone(),
        sector,
        scope: Scope::department(&start),
        own_domains: Arc::new(crate::crawl::spec::own_domains(city)),
        discovered: Some(Discovered {
            sector,
            url: start.clone(),
            text: text.to_string(),
            page_url: s.discovered_from.clone().unwrap_or_default(),
            link_kind: link_kind.to_string(),
        }),
        start,
        recorded: None,
    })
}

/// Crawls the city's sites to do (seeded ones, and with discovery the department sites
/// its portal names, each as soon as it is found), each in one of the city's `places`
/// while it runs, then marks the city done (ok when its portal was reachable), unless
/// the run was cancelled meanwhile.
pub(crate) async fn audit_city(
    mut work: CityWork,
    mut places: Places,
    env: &CrawlEnv,
    reach: &Reach,
) -> Result<(), WriterGone> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut running = futures_util::stream::FuturesUnordered::new();
    let discover = env.fetcher.config().discover;
    let mut portal_ok = work.portal_outcome.as_deref() == Some("ok");
    for site in work.take_sites_to_crawl() {
        let hand = (discover && site.sector == Sector::General).then(|| tx.clone());
        running.push(crawl_in_place(site, env, hand, places.take_one(), true));
    }
    drop(tx);
    let mut receiving = true;
    loop {
        tokio::select! {
            found = rx.recv(), if receiving => match found {
                // A site the interrupted run finished is not crawled again.
                Some(site) if work.is_done(site.sector, &site.start) => {}
                Some(site) => {
                    running.push(crawl_in_place(site, env, None, places.take_one(), false));
                }
                None => {
                    receiving = false;
                    // The places reserved for departments the portal did not name.
                    places.release_rest();
                }
            },
            done = running.next() => match done {
                Some((sector, r)) => {
                    let r = r?;
                    if r.cancelled {
                        return Ok(());
                    }
                    if sector == Sector::General {
                        portal_ok = r.outcome == "ok";
                        reach.portal_done(&r.outcome, work.city.portal.host_str().unwrap_or(""));
                    }
                }
                None if !receiving => break,
                None => {}
            },
        }
    }
    if env.cancel.is_cancelled() {
        return Ok(());
    }
    env.writer
        .city_done(env.run_id, &work.city.id, portal_ok)
        .await?;
    env.stats.cities_done.fetch_add(1, Ordering::Relaxed);
    if !portal_ok {
        env.stats.cities_failed.fetch_add(1, Ordering::Relaxed);
    }
    Ok(())
}

/// [`crawl_site`] and [`check_and_record`] on an owned spec, holding a crawling site's
/// place in the window while it crawls and a checking site's while its links are
/// checked, until recorded; with the site's sector beside the result. The crawl's state
/// is boxed and built only when it starts, so a site costs nothing before and after.
/// `expected`: the progress counted the site at the start of the run.
async fn crawl_in_place(
    site: SiteSpec,
    env: &CrawlEnv,
    hand: Option<UnboundedSender<SiteSpec>>,
    mut place: Option<SitePlace>,
    expected: bool,
) -> (Sector, Result<SiteResult, WriterGone>) {
    let budget = env.fetcher.config().max_pages as u64;
    env.stats.site_started(budget, expected);
    let r = match Box::pin(crawl_site(&site, env, hand)).await {
        Ok(crawled) => {
            if let Some(p) = &mut place {
                p.now_checking();
            }
            Box::pin(check_and_record(&site, env, crawled)).await
        }
        Err(e) => Err(e),
    };
    if let Ok(done) = &r {
        env.stats.site_done(budget, done.pages as u64);
    }
    drop(place);
    (site.sector, r)
}
