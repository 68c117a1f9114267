//! How many sites a run keeps active at once, and the gate that admits them.
//!
//! A site's crawl holds its frontier, its seen sets, a connection and the pages in
//! flight; a census of 14,000 sites started at once held all of that for every site. The
//! run admits cities in seed order while the window has room for their sites, and each
//! site gives its place back the moment it is recorded, so the next city starts as one
//! finishes and memory is set by the window, not by the seed list. Politeness stays per
//! host ([`crate::net::politeness`]): sites on one host share one gate whatever the
//! window.
//!
//! The window is counted in units: with a memory budget a unit is a KiB, and a site
//! takes what its phase holds. A crawling site holds a kept-alive connection and its
//! crawl state ([`SITE_BYTES`]); once its crawl ends it gives most of that back and keeps
//! a checking site's share ([`CHECK_SITE_BYTES`]) while its links are checked, so the
//! sites checking for minutes (one request a second, hundreds of links) do not keep the
//! next cities waiting. With `--max-active-sites` a unit is a site, whatever its phase.

use crate::config::CrawlConfig;
use crate::model::Sector;
use crate::model::city::City;
use std::sync::Arc;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Memory a run needs besides its active sites: the runtime, the parse pool's trees and
/// body budget, the rules' automata, the writer's batch and queue, the per-host gates
/// and robots.txt verdicts (measured on the census bench: peak memory less the sites'
/// share, 140 MB at windows of 1,000 to 3,000 sites; `results/bench/README.md`).
pub(crate) const BASE_BYTES: u64 = 130 << 20;

/// Memory a crawling site holds whatever its budget: above all its keep-alive
/// connection's buffers (about three quarters: the census bench took 45 KB a site more
/// with keep-alive than without), then its frontier, the links of its last page waiting
/// to be merged and its records on their way to the writer.
pub(crate) const SITE_BYTES: u64 = 56 << 10;

/// Memory a crawling site holds per page of its budget: the hashes of the links and
/// findings it has seen (8 bytes each), its queue's growth.
pub(crate) const SITE_BYTES_PER_PAGE: u64 = 128;

/// Memory a site holds while its links are checked: no connection (a check's is closed
/// after its answer, `crate::net::fetch`), no crawl state; the targets read back from the
/// store, the results on their way to it, the checks in flight and the task (the census
/// world's 1,800 sites all checking at once took 30 KB each with eight checks of their
/// own host in flight; one at a time, less).
pub(crate) const CHECK_SITE_BYTES: u64 = 24 << 10;

/// A unit of a window sized from the memory budget.
const UNIT_BYTES: u64 = 1 << 10;

/// The smallest window: a city's portal and its five departments together.
pub(crate) const MIN_SITES: usize = 1 + Sector::DEPARTMENTS.len();

/// A window's size and what each phase of a site takes of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WindowSize {
    /// Units in all.
    pub units: u32,
    /// Units a crawling site takes.
    pub crawling: u32,
    /// Units a site takes while its links are checked (at most `crawling`).
    pub checking: u32,
}

impl WindowSize {
    /// How many crawling sites fit.
    pub(crate) fn crawling_sites(self) -> u32 {
        self.units / self.crawling
    }

    /// How many sites checking links fit.
    pub(crate) fn checking_sites(self) -> u32 {
        self.units / self.checking
    }
}

/// The window: `max_active_sites` places of one unit each when set, otherwise the
/// memory budget above [`BASE_BYTES`] in KiB, a crawling site taking [`SITE_BYTES`] and
/// [`SITE_BYTES_PER_PAGE`] per page, a checking one [`CHECK_SITE_BYTES`]; never fewer
/// than [`MIN_SITES`] crawling sites.
pub(crate) fn window_size(cfg: &CrawlConfig) -> WindowSize {
    let min = MIN_SITES as u32;
    if cfg.max_active_sites > 0 {
        let sites = u32::try_from(cfg.max_active_sites).unwrap_or(u32::MAX);
        return WindowSize {
            units: sites.max(min),
            crawling: 1,
            checking: 1,
        };
    }
    let units_of = |bytes: u64| u32::try_from(bytes.div_ceil(UNIT_BYTES)).unwrap_or(u32::MAX);
    let crawling = units_of(SITE_BYTES + SITE_BYTES_PER_PAGE * cfg.max_pages as u64);
    let checking = units_of(CHECK_SITE_BYTES).min(crawling);
    let budget = cfg.memory_budget_mb.saturating_mul(1 << 20);
    let sites = budget.saturating_sub(BASE_BYTES) / (u64::from(crawling) * UNIT_BYTES);
    let sites = u32::try_from(sites).unwrap_or(u32::MAX).max(min);
    WindowSize {
        units: sites.saturating_mul(crawling),
        crawling,
        checking,
    }
}

/// The units of the window.
#[derive(Clone)]
pub(crate) struct Window {
    units: Arc<Semaphore>,
    size: WindowSize,
}

impl Window {
    /// A window of `size`.
    pub(crate) fn new(size: WindowSize) -> Window {
        Window {
            units: Arc::new(Semaphore::new(size.units as usize)),
            size,
        }
    }

    /// Its size.
    pub(crate) fn size(&self) -> WindowSize {
        self.size
    }

    /// Waits until the window has room for `sites` crawling sites (at most the whole
    /// window) and takes their units. Only the run's admission loop waits here, so
    /// cities are admitted in seed order.
    pub(crate) async fn admit(&self, sites: usize) -> Places {
        let sites = u32::try_from(sites).unwrap_or(u32::MAX).max(1);
        let n = sites
            .saturating_mul(self.size.crawling)
            .min(self.size.units);
        let permit = self
            .units
            .clone()
            .acquire_many_owned(n)
            .await
            .expect("the window's semaphore is never closed");
        Places {
            held: Some(permit),
            size: self.size,
        }
    }

    /// Units free now.
    #[cfg(test)]
    pub(crate) fn free(&self) -> usize {
        self.units.available_permits()
    }
}

/// The units a city holds: a crawling site's for each of its sites, taken as each
/// starts.
pub(crate) struct Places {
    held: Option<OwnedSemaphorePermit>,
    size: WindowSize,
}

impl Places {
    /// A crawling site's units for a site starting now, when the city still holds
    /// them; a site found beyond what the city reserved runs without (the window
    /// overflows by it).
    pub(crate) fn take_one(&mut self) -> Option<SitePlace> {
        let held = self.held.as_mut()?;
        let units = if held.num_permits() > self.size.crawling as usize {
            held.split(self.size.crawling as usize)
        } else {
            self.held.take()
        }?;
        Some(SitePlace {
            units,
            checking: self.size.checking as usize,
        })
    }

    /// Gives back the units no site will use (the reservation for departments that
    /// discovery did not find).
    pub(crate) fn release_rest(&mut self) {
        self.held = None;
    }
}

/// One site's units of the window, given back when it is recorded.
pub(crate) struct SitePlace {
    units: OwnedSemaphorePermit,
    checking: usize,
}

impl SitePlace {
    /// The site's crawl has ended and its links are being checked: it keeps a checking
    /// site's units and gives the rest back to the window.
    pub(crate) fn now_checking(&mut self) {
        if let Some(kept) = self.units.split(self.checking) {
            drop(std::mem::replace(&mut self.units, kept));
        }
    }
}
/// How many crawling sites a city asks room for: its seeded sites, and with discovery one for each
/// sector the seeds leave empty (the department sites its portal may name).
pub(crate) fn places_for(city: &City, seeded_sites: usize, discover: bool) -> usize {
    let unseeded = Sector::DEPARTMENTS
        .iter()
        .filter(|s| !city.departments.contains_key(s))
        .count();
    seeded_sites + if discover { unseeded } else { 0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_is_the_flag_or_what_the_budget_holds() {
        let mut cfg = CrawlConfig {
            max_active_sites: 3,
            ..CrawlConfig::default()
        };
        let flag = window_size(&cfg);
        assert_eq!(
            flag.crawling_sites(),
            MIN_SITES as u32,
            "never below a city's sites"
        );
        assert_eq!(flag.checking_sites(), MIN_SITES as u32, "a site is a site");
        cfg.max_active_sites = 5000;
        assert_eq!(window_size(&cfg).crawling_sites(), 5000);
        cfg.max_active_sites = 0;
        cfg.memory_budget_mb = 330;
        cfg.max_pages = 10;
        // A crawling site's bytes, rounded up to whole KiB.
        let per = (SITE_BYTES + 10 * SITE_BYTES_PER_PAGE).div_ceil(1024) * 1024;
        let w = window_size(&cfg);
        assert_eq!(u64::from(w.crawling_sites()), (200 << 20) / per);
        assert_eq!(u64::from(w.checking_sites()), u64::from(w.units) / 24);
        // The default budget holds a census's window and a whole country's sites.
        let default = CrawlConfig::default();
        assert!(window_size(&default).crawling_sites() >= 2_004);
        let census = CrawlConfig {
            max_pages: 10,
            ..CrawlConfig::default()
        };
        let census = window_size(&census);
        assert!(census.crawling_sites() <= 2_400, "{census:?}");
        // Sites checking links for minutes fit in thousands more.
        assert!(census.checking_sites() >= 5_000, "{census:?}");
        // More pages per site, fewer sites.
        cfg.max_pages = 60;
        assert!(u64::from(window_size(&cfg).crawling_sites()) < (200 << 20) / per);
        cfg.memory_budget_mb = 1;
        assert_eq!(window_size(&cfg).crawling_sites(), MIN_SITES as u32);
    }

    fn small() -> WindowSize {
        WindowSize {
            units: 40,
            crawling: 4,
            checking: 1,
        }
    }

    #[tokio::test]
    async fn units_come_back_as_sites_end_and_the_rest_on_release() {
        let w = Window::new(small());
        let mut city = w.admit(4).await;
        assert_eq!(w.free(), 24);
        let a = city.take_one().unwrap();
        let b = city.take_one().unwrap();
        drop(a);
        assert_eq!(w.free(), 28);
        city.release_rest();
        assert_eq!(w.free(), 36);
        assert!(city.take_one().is_none(), "nothing left to take");
        drop(b);
        assert_eq!(w.free(), 40);
        // A city asking for more than the window takes the whole window.
        let all = w.admit(50).await;
        assert_eq!(w.free(), 0);
        drop(all);
        assert_eq!(w.free(), 40);
    }

    #[tokio::test]
    async fn a_site_checking_links_gives_back_all_but_a_checking_sites_units() {
        let w = Window::new(small());
        let mut city = w.admit(10).await;
        let mut sites: Vec<SitePlace> = std::iter::from_fn(|| city.take_one()).collect();
        assert_eq!((sites.len(), w.free()), (10, 0), "the window is full");
        for s in &mut sites {
            s.now_checking();
        }
        assert_eq!(w.free(), 30, "ten checking sites hold one unit each");
        // Room for seven more crawling sites while the ten check.
        let mut next = w.admit(7).await;
        let started = next.take_one();
        assert!(started.is_some());
        assert_eq!(w.free(), 2);
        sites[0].now_checking();
        assert_eq!(w.free(), 2, "shrinking twice gives nothing more back");
        drop(sites);
        assert_eq!(w.free(), 12);
    }
}
