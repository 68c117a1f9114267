//! Tables of the audit database and their migrations (`PRAGMA user_version`).

use rusqlite::Connection;

/// The schema version this binary writes.
pub const VERSION: i64 = 1;

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

/// Brings a database to [`VERSION`], one migration per transaction.
pub fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version < 1 {
        let tx = conn.unchecked_transaction()?;
        tx.execute_batch(V1)?;
        tx.pragma_update(None, "user_version", 1)?;
        tx.commit()?;
    }
    Ok(())
}
