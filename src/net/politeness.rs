//! Per-host politeness: at most one request in flight and at most `rate` request starts
//! per second to each host, slowed further by `Crawl-delay` and by 429/503 answers.
//!
//! Each host gets, lazily, a [`HostGate`]: a governor GCRA limiter with burst 1 (not
//! governor's default burst, which would let a whole quota through at once), a
//! one-permit semaphore held for the whole request, and a slow-down interval that only
//! grows. [`HostPool`] maps lower-cased host names to gates.

use governor::clock::Clock;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// The politeness state of one host.
pub(crate) struct HostGate {
    limiter: DefaultDirectRateLimiter,
    in_flight: Arc<Semaphore>,
    /// Extra spacing (Crawl-delay, Retry-After slow-down) and the earliest next start.
    slow: Mutex<SlowDown>,
    /// The host's last response was large: its connection's read buffer grew to hold it,
    /// so the next request asks to close the connection after it (see `fetch`).
    renew_connection: std::sync::atomic::AtomicBool,
}

#[derive(Default)]
struct SlowDown {
    interval: Duration,
    not_before: Option<Instant>,
}

/// Held while a request to a host is in flight; dropping it lets the next one start.
pub(crate) struct HostTurn {
    _permit: OwnedSemaphorePermit,
}

impl HostGate {
    /// Notes that the host's connection should be renewed after its next request.
    pub(crate) fn renew_connection_later(&self) {
        self.renew_connection
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Whether this request should close its connection after it (and clears the note).
    pub(crate) fn take_renew_connection(&self) -> bool {
        self.renew_connection
            .swap(false, std::sync::atomic::Ordering::Relaxed)
    }

    fn new(interval: Duration) -> Self {
        let quota = Quota::with_period(interval.max(Duration::from_micros(1)))
            .expect("interval is positive")
            .allow_burst(NonZeroU32::MIN);
        HostGate {
            limiter: RateLimiter::direct(quota),
            in_flight: Arc::new(Semaphore::new(1)),
            slow: Mutex::new(SlowDown::default()),
            renew_connection: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Waits until this host may receive a request, and returns the turn to hold
    /// while the request runs.
    pub async fn turn(&self) -> HostTurn {
        let permit = self
            .in_flight
            .clone()
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        let wait_until = self.slow.lock().expect("not poisoned").not_before;
        if let Some(t) = wait_until {
            tokio::time::sleep_until(t).await;
        }
        // Waiting on the runtime's own timer: governor's `until_ready` sleeps on
        // futures-timer, whose helper thread is woken (a futex call and a context
        // switch) each time a delay is created and again when it is dropped.
        while let Err(later) = self.limiter.check() {
            tokio::time::sleep(later.wait_time_from(self.limiter.clock().now())).await;
        }
        {
            let mut slow = self.slow.lock().expect("not poisoned");
            if !slow.interval.is_zero() {
                slow.not_before = Some(Instant::now() + slow.interval);
            }
        }
        HostTurn { _permit: permit }
    }

    /// Spaces requests to this host at least `interval` apart from now on
    /// (Crawl-delay, or the host said it is overloaded). Never speeds a host up.
    pub(crate) fn slow_down(&self, interval: Duration) {
        let mut slow = self.slow.lock().expect("not poisoned");
        if interval > slow.interval {
            slow.interval = interval;
        }
    }

    /// Delays the next request to this host until `until` (Retry-After).
    pub(crate) fn pause_until(&self, until: Instant) {
        let mut slow = self.slow.lock().expect("not poisoned");
        if slow.not_before.is_none_or(|t| t < until) {
            slow.not_before = Some(until);
        }
    }

    /// The current extra spacing, for reporting.
    pub(crate) fn slowed_to(&self) -> Duration {
        self.slow.lock().expect("not poisoned").interval
    }
}

/// All hosts' gates for one run, created on first use.
pub struct HostPool {
    interval: Duration,
    gates: Mutex<HashMap<String, Arc<HostGate>>>,
}

impl HostPool {
    /// A pool whose hosts each allow one request start per `interval`.
    pub fn new(interval: Duration) -> Self {
        HostPool {
            interval,
            gates: Mutex::new(HashMap::new()),
        }
    }

    /// The gate of `host` (case-insensitive).
    pub(crate) fn gate(&self, host: &str) -> Arc<HostGate> {
        let key = host.to_ascii_lowercase();
        let mut gates = self.gates.lock().expect("not poisoned");
        gates
            .entry(key)
            .or_insert_with(|| Arc::new(HostGate::new(self.interval)))
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn spaces_one_host_and_lets_others_proceed() {
        let pool = Arc::new(HostPool::new(Duration::from_millis(100)));
        let start = std::time::Instant::now();
        let mut handles = Vec::new();
        for host in ["a", "a", "a", "b", "b", "b"] {
            let pool = pool.clone();
            handles.push(tokio::spawn(async move {
                let _t = pool.gate(host).turn().await;
                (host, start.elapsed())
            }));
        }
        let mut times: HashMap<&str, Vec<Duration>> = HashMap::new();
        for h in handles {
            let (host, t) = h.await.unwrap();
            times.entry(host).or_default().push(t);
        }
        for (_, mut ts) in times {
            ts.sort();
            for w in ts.windows(2) {
                assert!(w[1] - w[0] >= Duration::from_millis(95), "{ts:?}");
            }
            assert!(*ts.last().unwrap() < Duration::from_millis(290), "{ts:?}");
        }
    }

    #[tokio::test]
    async fn slow_down_widens_spacing() {
        let pool = HostPool::new(Duration::from_millis(10));
        let gate = pool.gate("x");
        gate.slow_down(Duration::from_millis(120));
        let t0 = std::time::Instant::now();
        drop(gate.turn().await);
        drop(gate.turn().await);
        assert!(t0.elapsed() >= Duration::from_millis(115));
        assert_eq!(gate.slowed_to(), Duration::from_millis(120));
    }
}
