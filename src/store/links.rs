//! Link check history: when a broken link was first seen broken, which decides whether
//! it is suspected or confirmed (export and `links recheck` both ask).

use rusqlite::{Connection, params};

/// When a link broken at `checked_at` was first seen broken: the earliest check of the
/// same target on the city's site of the same sector in the unbroken series of broken
/// checks up to it (a check that found it fine ends the series; blocked and unchecked
/// ones say nothing either way).
pub(crate) fn first_broken(
    conn: &Connection,
    city: &str,
    sector: &str,
    target: &str,
    checked_at: &str,
) -> rusqlite::Result<String> {
    let mut st = conn.prepare_cached(
        "SELECT l.outcome, l.checked_at FROM link_checks l JOIN sites s ON s.id = l.site_id
         WHERE l.target = ?1 AND s.city_id = ?2 AND s.sector = ?3 AND l.checked_at <= ?4
         ORDER BY l.checked_at DESC",
    )?;
    let mut rows = st.query(params![target, city, sector, checked_at])?;
    let mut first = checked_at.to_string();
    while let Some(r) = rows.next()? {
        let outcome: String = r.get(0)?;
        match outcome.as_str() {
            "broken" => first = r.get(1)?,
            "ok" => break,
            _ => {}
        }
    }
    Ok(first)
}

/// How long a link must stay broken before `run` confirms it, from its recorded
/// settings (the default for a run that recorded none).
pub(crate) fn confirm_after(conn: &Connection, run: i64) -> rusqlite::Result<chrono::Duration> {
    use rusqlite::OptionalExtension;
    let settings: Option<String> = conn
        .query_row("SELECT settings FROM runs WHERE id = ?1", [run], |r| {
            r.get(0)
        })
        .optional()?;
    let secs = settings
        .and_then(|s| serde_json::from_str::<crate::config::CrawlConfig>(&s).ok())
        .unwrap_or_default()
        .confirm_after_secs;
    Ok(chrono::Duration::milliseconds((secs * 1000.0) as i64))
}

/// The newest run that checked links, if any (none in a database from before links).
pub fn latest_links_run(conn: &Connection) -> rusqlite::Result<Option<i64>> {
    if !super::has_column(conn, "link_checks", "outcome")? {
        return Ok(None);
    }
    conn.query_row("SELECT MAX(run_id) FROM link_checks", [], |r| r.get(0))
}
