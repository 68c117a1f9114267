//! Measuring the crawler on a simulated world: wall time against the politeness bound,
//! CPU per page, peak memory and accuracy against the truth.

/// Resource use of the child processes waited for so far (Linux `getrusage`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Usage {
    /// User + system CPU seconds.
    pub cpu_secs: f64,
    /// System (kernel) CPU seconds alone.
    pub sys_secs: f64,
    /// Peak resident set size in bytes (of the largest child).
    pub peak_rss: u64,
}

/// CPU time of the child processes waited for so far, and the largest peak memory
/// among them.
pub fn children_usage() -> Usage {
    // SAFETY: getrusage writes into the zeroed struct we own; RUSAGE_CHILDREN is always
    // valid.
    let ru = unsafe {
        let mut ru: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut ru);
        ru
    };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    Usage {
        cpu_secs: secs(ru.ru_utime) + secs(ru.ru_stime),
        sys_secs: secs(ru.ru_stime),
        peak_rss: ru.ru_maxrss as u64 * 1024,
    }
}

/// Waits for `child` and returns whether it exited successfully, with its own resource
/// use (Linux `wait4`): its CPU and its peak memory alone, not the largest of every child
/// waited for so far. The `Child` must not be waited for again.
pub fn wait_usage(child: &std::process::Child) -> std::io::Result<(bool, Usage)> {
    let pid = libc::pid_t::try_from(child.id()).map_err(std::io::Error::other)?;
    let mut status = 0;
    // SAFETY: wait4 writes into the zeroed struct and the status we own; the pid is our
    // own child, not yet waited for.
    let ru = unsafe {
        let mut ru: libc::rusage = std::mem::zeroed();
        loop {
            if libc::wait4(pid, &mut status, 0, &mut ru) == pid {
                break;
            }
            let e = std::io::Error::last_os_error();
            if e.kind() != std::io::ErrorKind::Interrupted {
                return Err(e);
            }
        }
        ru
    };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    let ok = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
    Ok((
        ok,
        Usage {
            cpu_secs: secs(ru.ru_utime) + secs(ru.ru_stime),
            sys_secs: secs(ru.ru_stime),
            peak_rss: ru.ru_maxrss as u64 * 1024,
        },
    ))
}
