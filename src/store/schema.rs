//! Tables of the audit database and their migrations (`PRAGMA user_version`).

use rusqlite::Connection;

/// The schema version this binary writes.
pub const VERSION: i64 = 6;

const V1: &str = r#"
CREATE TABLE runs (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL,              -- run | recheck | redetect
    status        TEXT NOT NULL,              -- running | completed | interrupted
    started_at    TEXT NOT NULL,
    finished_at   TEXT,
    settings      TEXT NOT NULL,              -- JSON of the crawl settings
    seeds_path    TEXT,
    seeds_sha256  TEXT,
    rules_version TEXT,
    rules_sha256  TEXT,
    ignore_robots INTEGER NOT NULL DEFAULT 0,
    insecure      INTEGER NOT NULL DEFAULT 0,
    source_run    INTEGER                     -- the run a redetect re-analysed
);
CREATE TABLE run_cities (
    run_id      INTEGER NOT NULL REFERENCES runs(id),
    city_id     TEXT NOT NULL,
    name        TEXT NOT NULL,
    province    TEXT NOT NULL,
    tier        TEXT NOT NULL,
    region      TEXT NOT NULL,
    portal      TEXT NOT NULL,
    departments TEXT NOT NULL,                -- JSON {sector: [start urls]}
    extra       TEXT NOT NULL,                -- JSON of extra seed columns
    status      TEXT NOT NULL DEFAULT 'pending', -- pending | ok | failed
    finished_at TEXT,
    PRIMARY KEY (run_id, city_id)
);
CREATE TABLE sites (
    id          INTEGER PRIMARY KEY,
    run_id      INTEGER NOT NULL REFERENCES runs(id),
    city_id     TEXT NOT NULL,
    sector      TEXT NOT NULL,
    start_url   TEXT NOT NULL,
    final_url   TEXT,
    scope       TEXT,                         -- JSON of the scope crawled
    outcome     TEXT NOT NULL DEFAULT 'running', -- ok | unreachable | blocked-by-robots | tls-error | refused | http-error | not-html | ...
    error       TEXT,
    moved_to    TEXT,                         -- new registrable domain when the start URL redirected away
    pages       INTEGER NOT NULL DEFAULT 0,
    started_at  TEXT NOT NULL,
    finished_at TEXT
);
CREATE INDEX sites_run_city ON sites(run_id, city_id);
CREATE TABLE fetches (
    id           INTEGER PRIMARY KEY,
    run_id       INTEGER NOT NULL,
    site_id      INTEGER NOT NULL REFERENCES sites(id),
    url          TEXT NOT NULL,
    final_url    TEXT NOT NULL,
    redirects    TEXT NOT NULL,               -- JSON [{url, status}]
    status       INTEGER,
    headers      TEXT NOT NULL,               -- JSON [[name, value]]
    content_type TEXT,
    charset      TEXT,
    bytes        INTEGER NOT NULL,
    truncated    INTEGER NOT NULL,
    started_at   TEXT NOT NULL,
    elapsed_ms   INTEGER NOT NULL,
    attempts     INTEGER NOT NULL,
    depth        INTEGER NOT NULL,
    body_sha256  TEXT,
    error_kind   TEXT,
    error        TEXT
);
CREATE INDEX fetches_site ON fetches(site_id);
CREATE INDEX fetches_run ON fetches(run_id);
CREATE TABLE bodies (
    sha256 TEXT PRIMARY KEY,
    size   INTEGER NOT NULL,
    zstd   BLOB NOT NULL
);
CREATE TABLE links (
    site_id  INTEGER NOT NULL,
    fetch_id INTEGER NOT NULL,               -- the first page the link was seen on
    target   TEXT NOT NULL,
    text     TEXT NOT NULL,
    kind     TEXT NOT NULL,
    in_scope INTEGER NOT NULL                -- one row per distinct (target, text) per site
);
CREATE INDEX links_site ON links(site_id);
CREATE TABLE findings (
    id          INTEGER PRIMARY KEY,
    run_id      INTEGER NOT NULL,
    city_id     TEXT NOT NULL,
    site_id     INTEGER NOT NULL,
    fetch_id    INTEGER NOT NULL,
    sector      TEXT NOT NULL,
    channel     TEXT NOT NULL,
    strength    TEXT NOT NULL,
    rule        TEXT NOT NULL,
    target      TEXT NOT NULL,
    text        TEXT NOT NULL,
    snippet     TEXT NOT NULL,
    page_url    TEXT NOT NULL,
    body_sha256 TEXT,
    path        TEXT NOT NULL
);
CREATE INDEX findings_run_city ON findings(run_id, city_id);
"#;

/// Version 2: links are indexed by the page they were first seen on, not by site. Pages
/// arrive in id order, so the index only grows at its end; the per-site index took
/// inserts from hundreds of interleaved sites all over the tree, and every commit
/// rewrote most of its pages (about half of all database writes in an audit).
const V2: &str = r#"
DROP INDEX IF EXISTS links_site;
CREATE INDEX IF NOT EXISTS links_fetch ON links(fetch_id);
"#;

/// Version 3: channels are data. A run records the channel table its rules defined
/// (JSON `[{id, name, name_en, kind, group}]`), so that it exports with the channels it
/// was audited for; runs from before (NULL) were audited for the survey's seven. A
/// finding of an account channel records the account's identity. A site records whether
/// it was seeded or discovered, and for a discovered one the page and link that named it.
/// Reviewers' decisions on cells are kept, append-only, in `decisions`.
const V3: &str = r#"
ALTER TABLE runs ADD COLUMN channels TEXT;
ALTER TABLE findings ADD COLUMN account TEXT;
ALTER TABLE sites ADD COLUMN origin TEXT NOT NULL DEFAULT 'seeded';
ALTER TABLE sites ADD COLUMN discovered_from TEXT;
ALTER TABLE sites ADD COLUMN discovered_text TEXT;
CREATE TABLE decisions (
    id           INTEGER PRIMARY KEY,
    city_id      TEXT NOT NULL,
    sector       TEXT NOT NULL,
    channel      TEXT NOT NULL,
    verdict      TEXT NOT NULL,               -- yes | no
    reason       TEXT NOT NULL,
    reviewer     TEXT NOT NULL,
    decided_at   TEXT NOT NULL,
    run_id       INTEGER,                     -- the audit the reviewer saw
    computed     TEXT NOT NULL,               -- the cell's computed value then
    finding_ids  TEXT NOT NULL,               -- JSON [id] of the cell's findings then
    evidence     TEXT NOT NULL                -- JSON [[rule, target, body_sha256]]: what it rested on
);
CREATE INDEX decisions_cell ON decisions(city_id, sector, channel, id);
CREATE INDEX IF NOT EXISTS findings_account ON findings(account) WHERE account IS NOT NULL;
"#;

/// Version 4: the inspection checks. Each page that shows anything for them (its
/// footer's identity on a start page, dated list entries, the column it is, letters)
/// records its reading (JSON, `page::inspect::reading::PageReading`); a site's verdicts
/// are judged from its pages' readings when exported.
const V4: &str = r#"
CREATE TABLE page_checks (
    fetch_id INTEGER PRIMARY KEY,
    run_id   INTEGER NOT NULL,
    site_id  INTEGER NOT NULL,
    reading  TEXT NOT NULL
);
CREATE INDEX page_checks_run ON page_checks(run_id, site_id);
"#;

/// Version 5: links and probes. A run checks the links of its sites' homepages (or of
/// every page): one row per link per parent page, with the check's outcome; a run of
/// kind `links` re-checks the broken links of the run it names (`source_run`), rows on
/// the same sites. Availability probes of sites' start URLs are kept apart from runs,
/// one row per probe.
const V5: &str = r#"
CREATE TABLE link_checks (
    id         INTEGER PRIMARY KEY,
    run_id     INTEGER NOT NULL,
    site_id    INTEGER NOT NULL,             -- the site whose page links it
    page       TEXT NOT NULL,                -- the parent page (its final URL)
    homepage   INTEGER NOT NULL,             -- the parent page is the site's start page
    text       TEXT NOT NULL,                -- the link's anchor text
    target     TEXT NOT NULL,
    final_url  TEXT,
    status     INTEGER,
    outcome    TEXT NOT NULL,                -- ok | broken | blocked | refused | not-checked
    error      TEXT,
    checked_at TEXT NOT NULL
);
CREATE INDEX link_checks_run ON link_checks(run_id, site_id);
CREATE INDEX link_checks_target ON link_checks(target);
CREATE TABLE probes (
    id         INTEGER PRIMARY KEY,
    round      TEXT NOT NULL,                -- when the round started
    city_id    TEXT NOT NULL,
    sector     TEXT NOT NULL,
    url        TEXT NOT NULL,                -- the site's start URL
    started_at TEXT NOT NULL,
    status     INTEGER,
    ttfb_ms    INTEGER,                      -- time to the response's headers
    total_ms   INTEGER,                      -- time to the whole body
    bytes      INTEGER NOT NULL,
    outcome    TEXT NOT NULL,                -- ok | failed
    error      TEXT
);
CREATE INDEX probes_url ON probes(url, started_at);
"#;

/// A site's links are recorded with their pages, with the outcome `pending`, and each
/// target's check fills them in: the index finds a site's links to a target.
const V6: &str = r#"
CREATE INDEX link_checks_site_target ON link_checks(site_id, target);
"#;

/// The migrations in order: entry `i` brings a database from version `i` to `i + 1`.
const MIGRATIONS: [&str; VERSION as usize] = [V1, V2, V3, V4, V5, V6];

/// Brings a database to [`VERSION`], one migration per transaction.
pub(crate) fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (to, sql) in (1..).zip(MIGRATIONS).skip(version.max(0) as usize) {
        let tx = conn.unchecked_transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", to)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn indexes(conn: &Connection) -> Vec<String> {
        let mut st = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'links'")
            .unwrap();
        st.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    #[test]
    fn version_1_databases_move_the_links_index_and_keep_their_rows() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(V1).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn.execute(
            "INSERT INTO links (site_id, fetch_id, target, text, kind, in_scope) VALUES (1, 7, 'https://x.gov.cn/', '首页', 'a', 1)",
            [],
        )
        .unwrap();
        assert_eq!(indexes(&conn), ["links_site"]);
        migrate(&conn).unwrap();
        assert_eq!(indexes(&conn), ["links_fetch"]);
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, VERSION);
        let rows: i64 = conn
            .query_row("SELECT count(*) FROM links WHERE fetch_id = 7", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(rows, 1);
        // A fresh database ends the same way, and migrating again changes nothing.
        let fresh = Connection::open_in_memory().unwrap();
        migrate(&fresh).unwrap();
        migrate(&fresh).unwrap();
        assert_eq!(indexes(&fresh), ["links_fetch"]);
    }
}
