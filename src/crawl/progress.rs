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
    /// Link targets checked (one per distinct target of a site).
    pub link_checks: AtomicU64,
    /// Whether the run checks links: its work is then its pages and its checks.
    pub checking_links: std::sync::atomic::AtomicBool,
    /// The distinct targets of the sites whose checks have started: over
    /// `sites_targeted`, what a site still to come is expected to check.
    pub link_targets: AtomicU64,
    /// The sites whose checks have started (with none to check, too: a site that
    /// failed checks nothing, and the average counts it).
    pub sites_targeted: AtomicU64,
}

/// A run's requests: pages fetched and link targets checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Work {
    pub pages: u64,
    pub checks: u64,
}

impl Work {
    fn total(self) -> u64 {
        self.pages + self.checks
    }
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

    /// The run's link checks are starting on a site that has `targets` distinct ones.
    pub fn site_targets(&self, targets: u64) {
        self.link_targets.fetch_add(targets, Ordering::Relaxed);
        self.sites_targeted.fetch_add(1, Ordering::Relaxed);
    }

    /// The requests made so far.
    pub(crate) fn done(&self) -> Work {
        Work {
            pages: Self::get(&self.pages),
            checks: Self::get(&self.link_checks),
        }
    }

    /// What the run is expected to request in all: the pages' upper bound, and with link
    /// checks the targets of the sites whose checks have started plus as many per site,
    /// on average, for every site still to come; `None` while checks are on and no site's
    /// targets are known yet (a census spends most of its time checking: an estimate
    /// from its pages alone would be minutes where it is half an hour).
    pub(crate) fn expected(&self) -> Option<Work> {
        let (_, pages) = self.pages_of_bound();
        let done = Self::get(&self.link_checks);
        if !self.checking_links.load(Ordering::Relaxed) {
            return Some(Work {
                pages,
                checks: done,
            });
        }
        let sites = Self::get(&self.sites_targeted);
        if sites == 0 {
            return None;
        }
        let known = Self::get(&self.link_targets);
        let to_come = Self::get(&self.sites_total).saturating_sub(sites);
        let more = (known as f64 / sites as f64 * to_come as f64).round() as u64;
        Some(Work {
            pages,
            checks: (known + more).max(done),
        })
    }

    /// One line describing the run so far: pages of the upper bound, sites done, the
    /// rates over the last minute and what they leave to do; with link checks, the
    /// checks made of those expected.
    pub fn line(&self, rate: Rates) -> String {
        let (pages, bound) = self.pages_of_bound();
        let checking = self.checking_links.load(Ordering::Relaxed);
        let done = self.done();
        let expected = self.expected();
        let left = expected.map(|e| e.total().saturating_sub(done.total()));
        let per_sec = rate.pages + rate.checks;
        let eta = match left {
            Some(left) if per_sec > 0.0 && left > 0 => {
                let secs = (left as f64 / per_sec).round() as u64;
                format!(
                    "ETA {} {}:{:02}:{:02}",
                    if checking { "≈" } else { "≤" },
                    secs / 3600,
                    secs / 60 % 60,
                    secs % 60
                )
            }
            _ => "ETA –".into(),
        };
        let rates = if checking {
            format!("{:.1} pages/s, {:.1} links/s", rate.pages, rate.checks)
        } else {
            format!("{:.1} pages/s", rate.pages)
        };
        let links = match (done.checks, expected) {
            (0, _) if !checking => String::new(),
            (n, Some(e)) if checking => format!(", links checked {n} of ≈{}", e.checks),
            (n, _) => format!(", links checked {n}"),
        };
        format!(
            "pages {pages}/{bound} ({:.0}%), sites {}/{} done ({} active), {rates} (last minute), {eta}; cities {}/{} ({} failed), errors {}, findings {}{links}",
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

/// Pages fetched and links checked per second.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Rates {
    /// Pages fetched per second.
    pub pages: f64,
    /// Link targets checked per second.
    pub checks: f64,
}

/// The requests of the last minute, for rates that follow the run's pace.
#[derive(Debug, Default)]
pub(crate) struct RateWindow {
    samples: std::collections::VecDeque<(Instant, Work)>,
}

impl RateWindow {
    /// The window's span.
    const SPAN: Duration = Duration::from_secs(60);

    /// Notes the requests `done` at `now`; returns their rates over the samples of the
    /// last minute.
    pub(crate) fn rate(&mut self, now: Instant, done: Work) -> Rates {
        self.samples.push_back((now, done));
        while self
            .samples
            .front()
            .is_some_and(|(t, _)| now.duration_since(*t) > Self::SPAN)
        {
            self.samples.pop_front();
        }
        let (t0, w0) = self.samples.front().copied().expect("just pushed");
        let dt = now.duration_since(t0).as_secs_f64();
        if dt < 0.5 {
            return Rates::default();
        }
        Rates {
            pages: done.pages.saturating_sub(w0.pages) as f64 / dt,
            checks: done.checks.saturating_sub(w0.checks) as f64 / dt,
        }
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
    let rate = |w: &mut RateWindow| w.rate(Instant::now(), stats.done());
    // The run's start is the first sample: the first line's rates are over its first
    // ten seconds, not zero.
    rate(&mut window);
    if std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(1);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {msg}")
                .expect("valid template")
                .progress_chars("=> "),
        );
        loop {
            // The bar fills with the run's requests: its pages, and its link checks.
            let made = stats.done().total();
            let all = stats.expected().map_or(made, Work::total);
            bar.set_length(all.max(made).max(1));
            bar.set_position(made);
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

    fn pages(pages: u64) -> Work {
        Work { pages, checks: 0 }
    }

    fn rates(pages: f64) -> Rates {
        Rates { pages, checks: 0.0 }
    }

    #[test]
    fn the_rate_is_the_last_minutes() {
        let mut w = RateWindow::default();
        let t0 = Instant::now();
        assert_eq!(w.rate(t0, pages(0)), Rates::default());
        // 600 pages in the first ten seconds, then 1 page/s and 5 checks/s for two
        // minutes.
        assert_eq!(
            w.rate(t0 + Duration::from_secs(10), pages(600)),
            rates(60.0)
        );
        let mut r = Rates::default();
        for s in 11..=130 {
            let done = Work {
                pages: 600 + (s - 10),
                checks: 5 * (s - 10),
            };
            r = w.rate(t0 + Duration::from_secs(s), done);
        }
        assert!((r.pages - 1.0).abs() < 1e-9, "{r:?}");
        assert!((r.checks - 5.0).abs() < 1e-9, "{r:?}");
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
        let line = s.line(rates(2.0));
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
            s.line(rates(2.0))
                .starts_with("pages 60/320 (19%), sites 1/4 done (2 active)")
        );
        assert!(s.line(Rates::default()).contains("ETA –"));
        assert!(!s.line(Rates::default()).contains("links checked"));
    }

    /// A census with link checks spends most of its time checking: its pages were
    /// fetched in the first minutes, and an ETA from them said a minute where half an
    /// hour was left.
    #[test]
    fn with_link_checks_the_eta_counts_the_checks_to_come() {
        let s = Stats::default();
        s.checking_links.store(true, Ordering::Relaxed);
        s.expect_sites(4, 10);
        for _ in 0..4 {
            s.site_started(10, true);
        }
        s.pages.store(20, Ordering::Relaxed);
        // No site's targets known yet: no estimate, rather than one from pages alone.
        let line = s.line(rates(2.0));
        assert!(line.contains("ETA –"), "{line}");
        assert!(line.contains("links checked 0"), "{line}");
        // Two sites have 300 and 100 targets: the two still to come about 200 each.
        s.site_targets(300);
        s.site_targets(100);
        s.link_checks.store(50, Ordering::Relaxed);
        assert_eq!(
            s.expected(),
            Some(Work {
                pages: 40,
                checks: 800
            })
        );
        // 20 pages and 750 checks left at 1 page/s and 76 checks/s: 10 s.
        let line = s.line(Rates {
            pages: 1.0,
            checks: 76.0,
        });
        assert!(
            line.contains("1.0 pages/s, 76.0 links/s (last minute), ETA ≈ 0:00:10;"),
            "{line}"
        );
        assert!(line.ends_with(", links checked 50 of ≈800"), "{line}");
        // More checks than expected: the estimate never falls below what was done.
        s.link_checks.store(900, Ordering::Relaxed);
        assert_eq!(s.expected().map(|e| e.checks), Some(900));
    }
}
