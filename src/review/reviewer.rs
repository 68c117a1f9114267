//! Who a decision is by: the name given, else the environment, else the OS account.

use super::ReviewError;

/// An imported row's reviewer: as the file records it, or for a row without one the
/// importer's name.
pub(super) fn row_reviewer(recorded: &str) -> Result<String, ReviewError> {
    Some(recorded.to_string())
        .filter(|r| !r.trim().is_empty())
        .or_else(|| reviewer_name(None))
        .ok_or_else(|| {
            ReviewError::Invalid(
                "a decision has no reviewer and none can be found: pass --reviewer NAME".into(),
            )
        })
}

/// The reviewer's name: `--reviewer`, else `PORTAL_AUDIT_REVIEWER`, else `$USER`
/// (`%USERNAME%`), else the OS account the process runs as (cron and containers set no
/// `$USER`). `None` when none names anybody: a decision is never recorded as `unknown`.
pub fn reviewer_name(given: Option<&str>) -> Option<String> {
    let named = |s: &str| {
        let s = s.trim();
        (!s.is_empty() && s != "unknown").then(|| s.to_string())
    };
    if let Some(g) = given {
        // A name given is used as it is, or refused: never replaced by another.
        return named(g);
    }
    let env = |k: &str| std::env::var(k).ok();
    [env("PORTAL_AUDIT_REVIEWER"), env("USER"), env("USERNAME")]
        .into_iter()
        .flatten()
        .chain(std::iter::once_with(os_account).flatten())
        .find_map(|s| named(&s))
}

/// The name of the OS account this process runs as (its effective uid's passwd entry).
#[cfg(unix)]
fn os_account() -> Option<String> {
    let mut buf = vec![0 as libc::c_char; 4096];
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut out: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: getpwuid_r writes only into `pwd` and `buf` (of the length given) and sets
    // `out` to `&pwd` on success; the name is copied out before `buf` is dropped.
    let rc = unsafe {
        libc::getpwuid_r(
            libc::geteuid(),
            &mut pwd,
            buf.as_mut_ptr(),
            buf.len(),
            &mut out,
        )
    };
    if rc != 0 || out.is_null() || pwd.pw_name.is_null() {
        return None;
    }
    // SAFETY: on success `pw_name` points at a NUL-terminated string inside `buf`.
    let name = unsafe { std::ffi::CStr::from_ptr(pwd.pw_name) };
    name.to_str().ok().map(str::to_string)
}

/// No passwd database to ask.
#[cfg(not(unix))]
fn os_account() -> Option<String> {
    None
}
