//! Giving freed heap memory back to the operating system during a run.
//!
//! glibc's allocator keeps memory freed by its threads' arenas for reuse, so a crawl's
//! resident memory only ever grows: the burst of start pages that arrive together, then
//! the steady churn of parse trees, leave free holes that stay resident. The binary puts
//! Rust's heap on jemalloc, which returns pages by itself after a second (`src/main.rs`);
//! glibc's heap still holds what the bundled C libraries (SQLite, zstd) allocate, and all
//! of the heap for library users on the system allocator. Trimming it once a second costs
//! a fraction of a millisecond and keeps a whole-country audit well under its memory
//! budget (see `results/bench/README.md`).

use std::time::Duration;

/// How often freed memory is returned.
const TRIM_EVERY: Duration = Duration::from_secs(1);

/// Returns freed heap memory to the OS now (a no-op where the allocator is not glibc's).
pub(crate) fn release_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists, under its locks;
    // it is safe to call from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Calls [`release_freed`] every second until the task is dropped or aborted.
pub(crate) async fn release_freed_periodically() {
    let mut tick = tokio::time::interval(TRIM_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await; // the first tick is immediate
    loop {
        tick.tick().await;
        release_freed();
    }
}
