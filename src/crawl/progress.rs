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
    pub pages: AtomicU64,
    pub errors: AtomicU64,
    pub findings: AtomicU64,
}

impl Stats {
    fn get(v: &AtomicU64) -> u64 {
        v.load(Ordering::Relaxed)
    }

    /// One line describing the run so far.
    pub fn line(&self, elapsed: Duration) -> String {
        let pages = Self::get(&self.pages);
        let rate = pages as f64 / elapsed.as_secs_f64().max(0.001);
        format!(
            "cities {}/{} ({} failed), pages {}, errors {}, findings {}, {:.1} pages/s",
            Self::get(&self.cities_done),
            Self::get(&self.cities_total),
            Self::get(&self.cities_failed),
            pages,
            Self::get(&self.errors),
            Self::get(&self.findings),
            rate
        )
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
    let start = Instant::now();
    if std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(Stats::get(&stats.cities_total));
        bar.set_style(
            indicatif::ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {msg}")
                .expect("valid template")
                .progress_chars("=> "),
        );
        loop {
            bar.set_length(Stats::get(&stats.cities_total));
            bar.set_position(Stats::get(&stats.cities_done));
            bar.set_message(stats.line(start.elapsed()));
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
                    eprintln!("portal-audit: {}", stats.line(start.elapsed()));
                }
            }
        }
    }
}
