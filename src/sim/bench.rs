//! Measuring the crawler on a simulated world: wall time against the politeness bound,
//! CPU per page, peak memory and accuracy against the truth.

/// Resource use of this process so far (Linux `getrusage`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Usage {
    /// User + system CPU seconds.
    pub cpu_secs: f64,
    /// System (kernel) CPU seconds alone.
    pub sys_secs: f64,
    /// Peak resident set size in bytes.
    pub peak_rss: u64,
}

/// CPU time of the child processes waited for so far, and the largest peak memory
/// among them.
pub fn children_usage() -> Usage {
    rusage(libc::RUSAGE_CHILDREN)
}

fn rusage(who: libc::c_int) -> Usage {
    // SAFETY: getrusage writes into the zeroed struct we own; `who` is RUSAGE_SELF or
    // RUSAGE_CHILDREN, both always valid.
    let ru = unsafe {
        let mut ru: libc::rusage = std::mem::zeroed();
        libc::getrusage(who, &mut ru);
        ru
    };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    Usage {
        cpu_secs: secs(ru.ru_utime) + secs(ru.ru_stime),
        sys_secs: secs(ru.ru_stime),
        peak_rss: ru.ru_maxrss as u64 * 1024,
    }
}
