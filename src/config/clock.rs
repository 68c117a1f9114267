//! The run's clock. Every time the tool records (a fetch, a link check, a probe) is
//! read here, so that tests can set the clock instead of sleeping: a link broken in two
//! checks a day apart is confirmed, and a test makes that day pass by setting
//! `PORTAL_AUDIT_NOW` for the second run.

use chrono::{DateTime, Utc};
use std::sync::OnceLock;

/// How far the clock is set from the system's: set once, by [`set_now`].
static OFFSET: OnceLock<chrono::Duration> = OnceLock::new();

/// The environment variable that sets the clock (RFC 3339) for the whole process.
pub const NOW_VAR: &str = "PORTAL_AUDIT_NOW";

/// The current time: the system's, or the time set by [`set_now`] advanced by the time
/// elapsed since.
pub fn now() -> DateTime<Utc> {
    let t = Utc::now();
    OFFSET.get().map_or(t, |d| t + *d)
}

/// Sets the clock to `t` for the rest of the process (the first call wins).
pub fn set_now(t: DateTime<Utc>) {
    let _ = OFFSET.set(t - Utc::now());
}

/// Sets the clock from [`NOW_VAR`] when it is present; an unreadable value is an error
/// naming it.
pub fn from_env() -> Result<(), String> {
    match std::env::var(NOW_VAR) {
        Ok(v) => {
            let t = DateTime::parse_from_rfc3339(v.trim())
                .map_err(|e| format!("{NOW_VAR}=`{v}` is not an RFC 3339 time: {e}"))?;
            set_now(t.with_timezone(&Utc));
            Ok(())
        }
        Err(_) => Ok(()),
    }
}
