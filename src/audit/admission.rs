//! How many sites a run keeps active at once, and the gate that admits them.
//!
//! A site's crawl holds its frontier, its seen sets, a connection and the pages in
//! flight; a census of 14,000 sites started at once held all of that for every site. The
//! run admits cities in seed order while the window has room for their sites, and each
//! site gives its place back the moment it is recorded, so the next city starts as one
//! finishes and memory is set by the window, not by the seed list. Politeness stays per
//! host ([`crate::net::politeness`]): sites on one host share one gate whatever the
//! window.

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

/// Memory an active site holds whatever its budget: above all its keep-alive
/// connection's buffers (about three quarters: the census bench took 45 KB a site more
/// with keep-alive than without), then its frontier, the links of its last page waiting
/// to be merged and its records on their way to the writer.
pub(crate) const SITE_BYTES: u64 = 56 << 10;

/// Memory an active site holds per page of its budget: the hashes of the links and
/// findings it has seen (8 bytes each), its queue's growth.
pub(crate) const SITE_BYTES_PER_PAGE: u64 = 128;

/// The smallest window: a city's portal and its five departments together.
pub(crate) const MIN_SITES: usize = 1 + Sector::DEPARTMENTS.len();

/// How many sites may be active at once: `max_active_sites` when set, otherwise as many
/// as the memory budget holds by [`SITE_BYTES`] and [`SITE_BYTES_PER_PAGE`] above
/// [`BASE_BYTES`], never fewer than [`MIN_SITES`].
pub(crate) fn window_size(cfg: &CrawlConfig) -> usize {
    if cfg.max_active_sites > 0 {
        return cfg.max_active_sites.max(MIN_SITES);
    }
    let budget = cfg.memory_budget_mb.saturating_mul(1 << 20);
    let per_site = SITE_BYTES + SITE_BYTES_PER_PAGE * cfg.max_pages as u64;
    let sites = budget.saturating_sub(BASE_BYTES) / per_site;
    usize::try_from(sites).unwrap_or(usize::MAX).max(MIN_SITES)
}

/// The places of the window.
#[derive(Clone)]
pub(crate) struct Window {
    places: Arc<Semaphore>,
    size: usize,
}

impl Window {
    /// A window of `size` places.
    pub(crate) fn new(size: usize) -> Window {
        Window {
            places: Arc::new(Semaphore::new(size)),
            size,
        }
    }

    /// How many places it has.
    pub(crate) fn size(&self) -> usize {
        self.size
    }

    /// Waits until the window has room for `sites` sites (at most the whole window) and
    /// takes their places. Only the run's admission loop waits here, so cities are
    /// admitted in seed order.
    pub(crate) async fn admit(&self, sites: usize) -> Places {
        let n = u32::try_from(sites.clamp(1, self.size)).unwrap_or(u32::MAX);
        let permit = self
            .places
            .clone()
            .acquire_many_owned(n)
            .await
            .expect("the window's semaphore is never closed");
        Places(Some(permit))
    }

    /// Places free now.
    #[cfg(test)]
    pub(crate) fn free(&self) -> usize {
        self.places.available_permits()
    }
}

/// The places a city holds: one for each of its sites, taken as each starts and given
/// back when it is recorded.
pub(crate) struct Places(Option<OwnedSemaphorePermit>);

impl Places {
    /// One place for a site starting now, when the city still holds one; a site found
    /// beyond what the city reserved runs without (the window overflows by it).
    pub(crate) fn take_one(&mut self) -> Option<OwnedSemaphorePermit> {
        let held = self.0.as_mut()?;
        if held.num_permits() > 1 {
            return held.split(1);
        }
        self.0.take()
    }

    /// Gives back the places no site will use (the reservation for departments that
    /// discovery did not find).
    pub(crate) fn release_rest(&mut self) {
        self.0 = None;
    }
}

/// How many places a city asks for: its seeded sites, and with discovery one for each
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
        assert_eq!(window_size(&cfg), MIN_SITES, "never below a city's sites");
        cfg.max_active_sites = 5000;
        assert_eq!(window_size(&cfg), 5000);
        cfg.max_active_sites = 0;
        cfg.memory_budget_mb = 330;
        cfg.max_pages = 10;
        let per = SITE_BYTES + 10 * SITE_BYTES_PER_PAGE;
        assert_eq!(window_size(&cfg) as u64, (200 << 20) / per);
        // The default budget holds a census's window and a whole country's sites.
        let default = CrawlConfig::default();
        assert!(window_size(&default) >= 2_004, "{}", window_size(&default));
        let census = CrawlConfig {
            max_pages: 10,
            ..CrawlConfig::default()
        };
        assert!(window_size(&census) <= 2_400, "{}", window_size(&census));
        // More pages per site, fewer sites.
        cfg.max_pages = 60;
        assert!((window_size(&cfg) as u64) < (200 << 20) / per);
        cfg.memory_budget_mb = 1;
        assert_eq!(window_size(&cfg), MIN_SITES);
    }

    #[tokio::test]
    async fn places_come_back_as_sites_end_and_the_rest_on_release() {
        let w = Window::new(10);
        let mut city = w.admit(4).await;
        assert_eq!(w.free(), 6);
        let a = city.take_one().unwrap();
        let b = city.take_one().unwrap();
        drop(a);
        assert_eq!(w.free(), 7);
        city.release_rest();
        assert_eq!(w.free(), 9);
        assert!(city.take_one().is_none(), "nothing left to take");
        drop(b);
        assert_eq!(w.free(), 10);
        // A city asking for more than the window takes the whole window.
        let all = w.admit(50).await;
        assert_eq!(w.free(), 0);
        drop(all);
        assert_eq!(w.free(), 10);
    }
}
