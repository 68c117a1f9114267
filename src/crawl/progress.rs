//! Counters of a run and how they are shown: a progress bar on a terminal, one log
//! line every 10 seconds otherwise (cron, systemd).

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// Live counters of a run, updated by the crawl tasks.
#[derive(Debug, Default)]
pub struct Stats {
    pub cities_total: AtomicU64,
    pub cities_done: AtomicU64,
    pub cities_failed: AtomicU64,
    pub sites_ok: AtomicU64,
    pub sites_failed: AtomicU64,
    /// Sites to crawl (the seeded ones from the start, discovered ones as they are
    /// found), those finished, and those being crawled (the window's occupancy).
    pub sites_total: AtomicU64,
    pub sites_done: AtomicU64,
    pub sites_active: AtomicU64,
    /// An upper bound of the pages the run will fetch: every started site's budget,
    /// lowered to its real count when it finishes.
    pub pages_bound: AtomicU64,
    pub pages: AtomicU64,
    pub errors: AtomicU64,
    pub findings: AtomicU64,
    /// Links checked (one per link per page; a URL is fetched once).
    pub link_checks: AtomicU64,
}

impl Stats {
    fn get(v: &AtomicU64) -> u64 {
        v.load(Ordering::Relaxed)
    }

    /// `n` sites with a budget of `budget` pages each will be crawled (known at the
    /// start, so the bound and the ETA cover the sites still waiting for the window).
    pub fn expect_sites(&self, n: u64, budget: u64) {
        self.sites_total.fetch_add(n, Ordering::Relaxed);
        self.pages_bound.fetch_add(n * budget, Ordering::Relaxed);
    }

    /// A site with a budget of `budget` pages starts; `expected` when it was counted by
    /// [`Stats::expect_sites`] already (a discovered site was not).
    pub fn site_started(&self, budget: u64, expected: bool) {
        self.sites_active.fetch_add(1, Ordering::Relaxed);
        if !expected {
            self.expect_sites(1, budget);
        }
    }

    /// A site with a budget of `budget` pages ended after `pages`.
    pub fn site_done(&self, budget: u64, pages: u64) {
        self.sites_done.fetch_add(1, Ordering::Relaxed);
        self.sites_active.fetch_sub(1, Ordering::Relaxed);
        self.pages_bound
            .fetch_sub(budget.saturating_sub(pages), Ordering::Relaxed);
    }

    /// The pages fetched and the budget's upper bound (never below them).
    fn pages_of_bound(&self) -> (u64, u64) {
        let pages = Self::get(&self.pages);
        (pages, Self::get(&self.pages_bound).max(pages))
    }

    /// One line describing the run so far: pages of the upper bound, sites done, the
    /// rate over the last minute and what it leaves to do.
    pub fn line(&self, rate: f64) -> String {
        let (pages, bound) = self.pages_of_bound();
        let eta = if rate > 0.0 && bound > pages {
            let secs = ((bound - pages) as f64 / rate).round() as u64;
            format!(
                "ETA ≤ {}:{:02}:{:02}",
                secs / 3600,
                secs / 60 % 60,
                secs % 60
            )
        } else {
            "ETA –".into()
        };
        let links = match Self::get(&self.link_checks) {
            0 => String::new(),
            n => format!(", links checked {n}"),
        };
        format!(
            "pages {pages}/{bound} ({:.0}%), sites {}/{} done ({} active), {rate:.1} pages/s (last minute), {eta}; cities {}/{} ({} failed), errors {}, findings {}{links}",
            pages as f64 * 100.0 / bound.max(1) as f64,
            Self::get(&self.sites_done),
            Self::get(&self.sites_total),
            Self::get(&self.sites_active),
            Self::get(&self.cities_done),
            Self::get(&self.cities_total),
            Self::get(&self.cities_failed),
            Self::get(&self.errors),
            Self::get(&self.findings),
        )
    }
}

/// The page counts of the last minute, for a rate that follows the run's pace.
#[derive(Debug, Default)]
pub(crate) struct RateWindow {
    samples: std::collections::VecDeque<(Instant, u64)>,
}

impl RateWindow {
    /// The window's span.
    const SPAN: Duration = Duration::from_secs(60);

    /// Notes `pages` at `now`; returns pages per second over the samples of the last
    /// minute.
    pub(crate) fn rate(&mut self, now: Instant, pages: u64) -> f64 {
        self.samples.push_back((now, pages));
        while self
            .samples
            .front()
            .is_some_and(|(t, _)| now.duration_since(*t) > Self::SPAN)
        {
            self.samples.pop_front();
        }
        let (t0, p0) = self.samples.front().copied().expect("just pushed");
        let dt = now.duration_since(t0).as_secs_f64();
        if dt < 0.5 {
            return 0.0;
        }
        pages.saturating_sub(p0) as f64 / dt
    }
}

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressMode {
    /// A bar if stderr is a terminal, log lines otherwise.
    Auto,
    /// Nothing (tests, library use).
    Quiet,
}

/// Shows progress until `done` is cancelled.
pub async fn report(stats: Arc<Stats>, mode: ProgressMode, done: CancellationToken) {
    if mode == ProgressMode::Quiet {
        return;
    }
    let mut window = RateWindow::default();
    let rate = |w: &mut RateWindow| w.rate(Instant::now(), Stats::get(&stats.pages));
    if std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(1);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {msg}")
                .expect("valid template")
                .progress_chars("=> "),
        );
        loop {
            let (pages, bound) = stats.pages_of_bound();
            bar.set_length(bound.max(1));
            bar.set_position(pages);
            bar.set_message(stats.line(rate(&mut window)));
            tokio::select! {
                _ = done.cancelled() => break,
                _ = tokio::time::sleep(Duration::from_millis(200)) => {}
            }
        }
        bar.finish_and_clear();
    } else {
        loop {
            tokio::select! {
                _ = done.cancelled() => break,
                _ = tokio::time::sleep(Duration::from_secs(10)) => {
                    eprintln!("portal-audit: {}", stats.line(rate(&mut window)));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_is_the_last_minutes() {
        let mut w = RateWindow::default();
        let t0 = Instant::now();
        assert_eq!(w.rate(t0, 0), 0.0);
        // 600 pages in the first ten seconds, then 1 page/s for two minutes.
        assert_eq!(w.rate(t0 + Duration::from_secs(10), 600), 60.0);
        let mut r = 0.0;
        for s in 11..=130 {
            r = w.rate(t0 + Duration::from_secs(s), 600 + (s - 10));
        }
        assert!((r - 1.0).abs() < 1e-9, "{r}");
    }

    #[test]
    fn the_line_counts_pages_of_the_bound_and_an_eta() {
        let s = Stats::default();
        s.expect_sites(2, 100);
        s.site_started(100, true);
        s.site_done(100, 20);
        s.site_started(100, true);
        s.pages.store(60, Ordering::Relaxed);
        s.cities_total.store(2, Ordering::Relaxed);
        let line = s.line(2.0);
        assert!(
            line.starts_with(
                "pages 60/120 (50%), sites 1/2 done (1 active), 2.0 pages/s (last minute), ETA ≤ 0:00:30"
            ),
            "{line}"
        );
        // A site still waiting for the window counts in the bound; a discovered one
        // when it starts.
        s.expect_sites(1, 100);
        s.site_started(100, false);
        assert!(
            s.line(2.0)
                .starts_with("pages 60/320 (19%), sites 1/4 done (2 active)")
        );
        assert!(s.line(0.0).contains("ETA –"));
        // Link checks show once there are any.
        assert!(!s.line(0.0).contains("links checked"));
        s.link_checks.store(480, Ordering::Relaxed);
        assert!(s.line(0.0).ends_with(", links checked 480"));
    }
}
