//! The `portal-audit` command line: flags, config merging, progress and output.
//! Everything else lives in the library.

// A function longer than clippy.toml's threshold does more than one thing.
#![warn(clippy::too_many_lines)]

mod cli;

use std::process::ExitCode;

/// jemalloc rather than the system allocator: a crawl allocates and frees a parse tree,
/// a body and hundreds of small strings per page, and glibc's malloc spent about a fifth
/// of the audit's CPU on that (`results/bench/README.md`).
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options, read once at start-up. Freed pages go back to the OS after about a
/// second (`dirty_decay_ms`) and at once after that (`muzzy_decay_ms:0`); with its
/// 10-second default, the burst of start pages kept a whole-country audit above 100 MB.
/// One arena (`narenas:1`, not four per core): a body is read on a runtime thread,
/// parsed on a parser thread and its record freed by the writer, so with an arena per
/// thread each kept half-empty pages of the others' frees; the census's first 40 s
/// peaked at 248–276 MB with one arena against 273–314 MB, and the CPU-bound bench was
/// no slower (0.76–0.78 ms of CPU a page against 0.80; `results/bench/README.md`).
/// `_RJEM_MALLOC_CONF` in the environment still overrides these.
#[cfg(not(target_env = "msvc"))]
#[unsafe(export_name = "_rjem_malloc_conf")]
static MALLOC_CONF: ConfString =
    ConfString(c"dirty_decay_ms:1000,muzzy_decay_ms:0,narenas:1".as_ptr());

/// A C string pointer that may live in a `static` (jemalloc reads `malloc_conf` as a
/// `const char *`).
#[cfg(not(target_env = "msvc"))]
#[repr(transparent)]
struct ConfString(*const std::ffi::c_char);

// SAFETY: the pointer is to a string literal, immutable for the whole program.
#[cfg(not(target_env = "msvc"))]
unsafe impl Sync for ConfString {}

fn main() -> ExitCode {
    cli::main()
}
