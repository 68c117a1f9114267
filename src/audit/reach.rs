//! Telling an outage from an audit: when the first portals of many distinct hosts all
//! fail to connect, the network (not the sites) is down, and the run stops instead of
//! recording every city as failed.

use std::collections::HashSet;
use std::sync::Mutex;
use tokio_util::sync::CancellationToken;

/// Portals that must have failed, none reached, before the network is judged down.
pub(crate) const DOWN_AFTER_PORTALS: usize = 10;
/// Distinct hosts among them (many cities' portals share no single point of failure
/// but the network).
pub(crate) const DOWN_AFTER_HOSTS: usize = 5;

/// What the run has seen of its portals so far.
#[derive(Default)]
struct Seen {
    reached: bool,
    unreachable: usize,
    hosts: HashSet<String>,
}

/// Watches the portals' outcomes as they finish; cancels `stop` when the network is down.
pub(crate) struct Reach {
    seen: Mutex<Seen>,
    stop: CancellationToken,
    down: std::sync::atomic::AtomicBool,
}

impl Reach {
    /// A watch that cancels `stop` on an outage.
    pub(crate) fn new(stop: CancellationToken) -> Reach {
        Reach {
            seen: Mutex::new(Seen::default()),
            stop,
            down: Default::default(),
        }
    }

    /// Notes a portal's outcome (`ok`, `unreachable`, …) and host.
    pub(crate) fn portal_done(&self, outcome: &str, host: &str) {
        let mut s = self.seen.lock().expect("never poisoned");
        if s.reached {
            return;
        }
        if outcome != "unreachable" {
            s.reached = true; // a host answered: the network is up
            return;
        }
        s.unreachable += 1;
        s.hosts.insert(host.to_ascii_lowercase());
        if s.unreachable >= DOWN_AFTER_PORTALS && s.hosts.len() >= DOWN_AFTER_HOSTS {
            self.down.store(true, std::sync::atomic::Ordering::SeqCst);
            self.stop.cancel();
        }
    }

    /// Whether the run was stopped because no site could be reached.
    pub(crate) fn network_down(&self) -> bool {
        self.down.load(std::sync::atomic::Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_unreachable_hosts_and_none_reached_is_an_outage() {
        let r = Reach::new(CancellationToken::new());
        for i in 0..DOWN_AFTER_PORTALS {
            assert!(!r.network_down());
            r.portal_done("unreachable", &format!("www.c{i}.gov.cn"));
        }
        assert!(r.network_down() && r.stop.is_cancelled());
    }

    #[test]
    fn one_reached_portal_or_one_host_is_not() {
        let r = Reach::new(CancellationToken::new());
        r.portal_done("http-error", "www.a.gov.cn");
        for i in 0..50 {
            r.portal_done("unreachable", &format!("www.c{i}.gov.cn"));
        }
        assert!(!r.network_down());
        let r = Reach::new(CancellationToken::new());
        for _ in 0..50 {
            r.portal_done("unreachable", "www.same.gov.cn");
        }
        assert!(!r.network_down(), "one dead host is that host");
    }
}
