//! The one writer of a run: a thread that owns the write connection and applies
//! messages in batched transactions, in the order they were sent.

use super::{Result, StoreError, sql_err};
use crate::page::detect::Finding;
use rusqlite::{Connection, params};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use tokio::sync::{mpsc, oneshot};

/// Messages applied per transaction at most.
const BATCH: usize = 1024;
/// Longest a message waits for its transaction to commit.
const BATCH_WINDOW: std::time::Duration = std::time::Duration::from_millis(200);
/// Messages that may wait for the writer before senders are slowed down (bounds memory).
const QUEUE: usize = 256;

/// A stored body: content-addressed, zstd-compressed.
#[derive(Debug, Clone)]
pub struct BodyRecord {
    pub sha256: String,
    pub size: usize,
    pub zstd: Vec<u8>,
}

/// A link found on a page.
#[derive(Debug, Clone)]
pub(crate) struct LinkRecord {
    pub target: String,
    pub text: String,
    pub kind: &'static str,
    pub in_scope: bool,
}

/// A link of a page to be checked once the site's crawl ends: recorded with the page
/// as `pending`, so a site holds none of its links in memory while it waits for its
/// checks; [`WriterHandle::links_checked`] fills in what the check found.
#[derive(Debug, Clone)]
pub(crate) struct PendingLink {
    pub text: String,
    pub target: String,
}

/// Everything stored about one fetch.
#[derive(Debug, Clone)]
pub(crate) struct PageRecord {
    pub run_id: i64,
    pub site_id: i64,
    pub city_id: String,
    pub url: String,
    pub final_url: String,
    pub redirects_json: String,
    pub status: Option<u16>,
    pub headers_json: String,
    pub content_type: Option<String>,
    pub charset: Option<String>,
    pub bytes: usize,
    pub truncated: bool,
    pub started_at: String,
    pub elapsed_ms: u64,
    pub attempts: u32,
    pub depth: u32,
    pub error_kind: Option<String>,
    pub error: Option<String>,
    pub body: Option<BodyRecord>,
    pub links: Vec<LinkRecord>,
    /// The page's links to check (each target once), when the run checks its links.
    pub link_checks: Vec<PendingLink>,
    pub findings: Vec<Finding>,
    /// The page's inspection reading (JSON), when it shows anything.
    pub reading: Option<String>,
}

/// A site about to be crawled.
#[derive(Debug, Clone)]
pub(crate) struct SiteStart {
    pub run_id: i64,
    pub city_id: String,
    pub sector: String,
    pub start_url: String,
    pub scope_json: String,
    pub started_at: String,
    /// `seeded` or `discovered`.
    pub origin: String,
    /// For a discovered site: the page and the link text that named it.
    pub discovered_from: Option<String>,
    pub discovered_text: Option<String>,
}

/// How a site's crawl ended.
#[derive(Debug, Clone)]
pub(crate) struct SiteEnd {
    pub site_id: i64,
    pub outcome: String,
    pub error: Option<String>,
    pub final_url: Option<String>,
    pub moved_to: Option<String>,
    pub scope_json: String,
    pub pages: usize,
    pub finished_at: String,
}

/// One link of a page and what its check found (a `links recheck` records these whole).
#[derive(Debug, Clone)]
pub(crate) struct LinkCheckRow {
    pub run_id: i64,
    pub site_id: i64,
    pub page: String,
    pub homepage: bool,
    pub text: String,
    pub checked: CheckedTarget,
}

/// What the check of one target found, for every pending link of a site to it.
#[derive(Debug, Clone)]
pub(crate) struct CheckedTarget {
    pub target: String,
    pub final_url: Option<String>,
    pub status: Option<u16>,
    pub outcome: &'static str,
    pub error: Option<String>,
    pub checked_at: String,
}

impl CheckedTarget {
    /// The result's values in the order both `link_checks` statements bind them:
    /// target, final_url, status, outcome, error, checked_at.
    fn sql_values(&self) -> [&dyn rusqlite::ToSql; 6] {
        [
            &self.target,
            &self.final_url,
            &self.status,
            &self.outcome,
            &self.error,
            &self.checked_at,
        ]
    }
}

/// Which of a site's pending targets to read next: in order, after `after`.
#[derive(Debug)]
pub(crate) struct PendingAsk {
    pub run_id: i64,
    pub site_id: i64,
    pub after: String,
    pub limit: usize,
}

enum Msg {
    Site(SiteStart, oneshot::Sender<i64>),
    Page(Box<PageRecord>),
    SiteDone(SiteEnd),
    PendingTargets(PendingAsk, oneshot::Sender<Vec<String>>),
    /// A site's (run id, site id).
    PendingCount((i64, i64), oneshot::Sender<u64>),
    LinksChecked {
        run_id: i64,
        site_id: i64,
        checked: Vec<CheckedTarget>,
    },
    CityDone {
        run_id: i64,
        city_id: String,
        ok: bool,
        at: String,
    },
    Flush(oneshot::Sender<()>),
}

/// The sending side, cloned into every crawl task.
#[derive(Clone)]
pub(crate) struct WriterHandle {
    tx: mpsc::Sender<Msg>,
    failed: Arc<AtomicBool>,
}

/// Raised to a crawl task when the writer has stopped (a database error).
#[derive(Debug, thiserror::Error)]
#[error("the database writer has stopped; see the error above")]
pub(crate) struct WriterGone;

impl WriterHandle {
    /// Sends `msg` to the writer.
    async fn send(&self, msg: Msg) -> Result<(), WriterGone> {
        self.tx.send(msg).await.map_err(|_| WriterGone)
    }

    /// Sends the message `ask` makes with a reply channel, and waits for the reply.
    async fn ask<T>(&self, ask: impl FnOnce(oneshot::Sender<T>) -> Msg) -> Result<T, WriterGone> {
        let (tx, rx) = oneshot::channel();
        self.send(ask(tx)).await?;
        rx.await.map_err(|_| WriterGone)
    }

    /// Inserts a site row and returns its id.
    pub async fn site(&self, s: SiteStart) -> Result<i64, WriterGone> {
        self.ask(|reply| Msg::Site(s, reply)).await
    }

    pub async fn page(&self, p: PageRecord) -> Result<(), WriterGone> {
        self.send(Msg::Page(Box::new(p))).await
    }

    /// The next of a site's distinct pending link targets, in order: read by the writer
    /// itself, so every page sent before is included whether committed or not.
    pub(crate) async fn pending_targets(&self, ask: PendingAsk) -> Result<Vec<String>, WriterGone> {
        self.ask(|reply| Msg::PendingTargets(ask, reply)).await
    }

    /// How many distinct link targets of a site are pending: what its check phase has
    /// to do, for the run's progress (read by the writer, like [`Self::pending_targets`]).
    pub(crate) async fn pending_count(&self, ids: (i64, i64)) -> Result<u64, WriterGone> {
        self.ask(|reply| Msg::PendingCount(ids, reply)).await
    }

    /// Records what checks of a site's pending targets found.
    pub(crate) async fn links_checked(
        &self,
        (run_id, site_id): (i64, i64),
        checked: Vec<CheckedTarget>,
    ) -> Result<(), WriterGone> {
        self.send(Msg::LinksChecked {
            run_id,
            site_id,
            checked,
        })
        .await
    }

    pub(crate) async fn site_done(&self, s: SiteEnd) -> Result<(), WriterGone> {
        self.send(Msg::SiteDone(s)).await
    }

    /// Marks a city done; committed no earlier than every page sent before it.
    pub(crate) async fn city_done(
        &self,
        run_id: i64,
        city_id: &str,
        ok: bool,
    ) -> Result<(), WriterGone> {
        let at = crate::store::runs::now();
        self.send(Msg::CityDone {
            run_id,
            city_id: city_id.to_string(),
            ok,
            at,
        })
        .await
    }

    /// Waits until everything sent so far is committed.
    pub async fn flush(&self) -> Result<(), WriterGone> {
        self.ask(Msg::Flush).await
    }

    /// Whether the writer has failed.
    pub fn failed(&self) -> bool {
        self.failed.load(Ordering::Relaxed)
    }
}

/// The writer thread; [`Writer::finish`] returns the connection when all is written.
pub(crate) struct Writer {
    handle: JoinHandle<(Connection, Result<()>)>,
}

impl Writer {
    /// Starts the writer on `conn`.
    pub fn start(conn: Connection, path: PathBuf) -> (Writer, WriterHandle) {
        let (tx, rx) = mpsc::channel(QUEUE);
        let failed = Arc::new(AtomicBool::new(false));
        let flag = failed.clone();
        let handle = std::thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || {
                let result = run(&conn, rx, &path);
                if result.is_err() {
                    flag.store(true, Ordering::Relaxed);
                }
                (conn, result)
            })
            .expect("can spawn the writer thread");
        (Writer { handle }, WriterHandle { tx, failed })
    }

    /// Waits for the writer to drain (all handles must be dropped first).
    pub fn finish(self) -> (Connection, Result<()>) {
        self.handle
            .join()
            .expect("the writer thread does not panic")
    }
}

fn run(conn: &Connection, mut rx: mpsc::Receiver<Msg>, path: &std::path::Path) -> Result<()> {
    let err = sql_err(path);
    while let Some(first) = rx.blocking_recv() {
        // One transaction for the messages of up to BATCH_WINDOW (a flush ends it at
        // once): fewer, larger transactions cost far less than one per page. Each
        // message is written as it arrives, so the window holds no pages in memory.
        let deadline = std::time::Instant::now() + BATCH_WINDOW;
        let tx = conn.unchecked_transaction().map_err(&err)?;
        let mut flushes = Vec::new();
        let mut written = 0;
        let mut next = Some(first);
        while let Some(msg) = next.take() {
            let flush = matches!(msg, Msg::Flush(_));
            write(&tx, msg, &mut flushes).map_err(&err)?;
            written += 1;
            if flush || written >= BATCH {
                break;
            }
            next = loop {
                match rx.try_recv() {
                    Ok(m) => break Some(m),
                    Err(mpsc::error::TryRecvError::Empty) => {
                        let now = std::time::Instant::now();
                        if now >= deadline {
                            break None;
                        }
                        std::thread::sleep(
                            (deadline - now).min(std::time::Duration::from_millis(5)),
                        );
                    }
                    Err(mpsc::error::TryRecvError::Disconnected) => break None,
                }
            };
        }
        tx.commit().map_err(&err)?;
        for f in flushes {
            let _ = f.send(());
        }
    }
    Ok(())
}

/// Writes one message in the open transaction (a flush is answered after the commit).
fn write(
    tx: &rusqlite::Transaction<'_>,
    msg: Msg,
    flushes: &mut Vec<oneshot::Sender<()>>,
) -> rusqlite::Result<()> {
    match msg {
        Msg::Site(s, reply) => {
            tx.execute(
                "INSERT INTO sites (run_id, city_id, sector, start_url, scope, started_at, origin, discovered_from, discovered_text) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![s.run_id, s.city_id, s.sector, s.start_url, s.scope_json, s.started_at, s.origin, s.discovered_from, s.discovered_text],
            )?;
            // The id is valid on this connection at once; a site need not wait for the
            // commit (if it fails, the writer stops and so does the run).
            let _ = reply.send(tx.last_insert_rowid());
        }
        Msg::Page(p) => insert_page(tx, &p)?,
        Msg::PendingTargets(ask, reply) => {
            let _ = reply.send(pending_targets(tx, &ask)?);
        }
        Msg::PendingCount(ids, reply) => {
            let _ = reply.send(pending_count(tx, ids)?);
        }
        Msg::LinksChecked {
            run_id,
            site_id,
            checked,
        } => update_pending(tx, (run_id, site_id), &checked)?,
        Msg::SiteDone(s) => {
            tx.execute(
                "UPDATE sites SET outcome = ?2, error = ?3, final_url = ?4, moved_to = ?5, scope = ?6, pages = ?7, finished_at = ?8 WHERE id = ?1",
                params![s.site_id, s.outcome, s.error, s.final_url, s.moved_to, s.scope_json, s.pages as i64, s.finished_at],
            )?;
        }
        Msg::CityDone {
            run_id,
            city_id,
            ok,
            at,
        } => {
            tx.execute(
                "UPDATE run_cities SET status = ?3, finished_at = ?4 WHERE run_id = ?1 AND city_id = ?2",
                params![run_id, city_id, if ok { "ok" } else { "failed" }, at],
            )?;
        }
        Msg::Flush(reply) => flushes.push(reply),
    }
    Ok(())
}

/// Inserts link check rows (a run's, or a `links` run's re-checks).
pub(crate) fn insert_link_checks(
    tx: &rusqlite::Connection,
    rows: &[LinkCheckRow],
) -> rusqlite::Result<()> {
    let mut st = tx.prepare_cached(
        "INSERT INTO link_checks (run_id, site_id, page, homepage, text, target, final_url, status, outcome, error, checked_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?;
    for r in rows {
        let link: [&dyn rusqlite::ToSql; 5] =
            [&r.run_id, &r.site_id, &r.page, &r.homepage, &r.text];
        st.execute(rusqlite::params_from_iter(
            link.into_iter().chain(r.checked.sql_values()),
        ))?;
    }
    Ok(())
}

/// A site's distinct pending targets after `ask.after`, in order.
fn pending_targets(tx: &rusqlite::Connection, ask: &PendingAsk) -> rusqlite::Result<Vec<String>> {
    let mut st = tx.prepare_cached(
        "SELECT DISTINCT target FROM link_checks
         WHERE site_id = ?1 AND run_id = ?2 AND outcome = 'pending' AND target > ?3
         ORDER BY target LIMIT ?4",
    )?;
    st.query_map(
        params![ask.site_id, ask.run_id, ask.after, ask.limit as i64],
        |r| r.get(0),
    )?
    .collect()
}

/// How many distinct pending targets a site has.
fn pending_count(
    tx: &rusqlite::Connection,
    (run_id, site_id): (i64, i64),
) -> rusqlite::Result<u64> {
    tx.prepare_cached(
        "SELECT COUNT(DISTINCT target) FROM link_checks
         WHERE site_id = ?1 AND run_id = ?2 AND outcome = 'pending'",
    )?
    .query_row(params![site_id, run_id], |r| r.get(0))
}

/// Fills in the pending links of a site to each checked target.
fn update_pending(
    tx: &rusqlite::Connection,
    (run_id, site_id): (i64, i64),
    checked: &[CheckedTarget],
) -> rusqlite::Result<()> {
    let mut st = tx.prepare_cached(
        "UPDATE link_checks SET final_url = ?4, status = ?5, outcome = ?6, error = ?7, checked_at = ?8
         WHERE site_id = ?1 AND target = ?3 AND run_id = ?2 AND outcome = 'pending'",
    )?;
    for c in checked {
        let site: [&dyn rusqlite::ToSql; 2] = [&site_id, &run_id];
        st.execute(rusqlite::params_from_iter(
            site.into_iter().chain(c.sql_values()),
        ))?;
    }
    Ok(())
}

fn insert_page(tx: &rusqlite::Transaction<'_>, p: &PageRecord) -> rusqlite::Result<()> {
    if let Some(b) = &p.body {
        tx.prepare_cached("INSERT OR IGNORE INTO bodies (sha256, size, zstd) VALUES (?1, ?2, ?3)")?
            .execute(params![b.sha256, b.size as i64, b.zstd])?;
    }
    tx.prepare_cached(
        "INSERT INTO fetches (run_id, site_id, url, final_url, redirects, status, headers, content_type, charset, bytes, truncated, started_at, elapsed_ms, attempts, depth, body_sha256, error_kind, error)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
    )?
    .execute(params![
        p.run_id, p.site_id, p.url, p.final_url, p.redirects_json, p.status, p.headers_json,
        p.content_type, p.charset, p.bytes as i64, p.truncated, p.started_at, p.elapsed_ms as i64,
        p.attempts, p.depth, p.body.as_ref().map(|b| &b.sha256), p.error_kind, p.error
    ])?;
    let fetch_id = tx.last_insert_rowid();
    if let Some(r) = &p.reading {
        tx.prepare_cached(
            "INSERT INTO page_checks (fetch_id, run_id, site_id, reading) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![fetch_id, p.run_id, p.site_id, r])?;
    }
    {
        let mut st = tx.prepare_cached(
            "INSERT INTO links (site_id, fetch_id, target, text, kind, in_scope) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for l in &p.links {
            st.execute(params![
                p.site_id, fetch_id, l.target, l.text, l.kind, l.in_scope
            ])?;
        }
    }
    if !p.link_checks.is_empty() {
        let mut st = tx.prepare_cached(
            "INSERT INTO link_checks (run_id, site_id, page, homepage, text, target, outcome, checked_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', ?7)",
        )?;
        for l in &p.link_checks {
            st.execute(params![
                p.run_id,
                p.site_id,
                p.final_url,
                p.depth == 0,
                l.text,
                l.target,
                p.started_at
            ])?;
        }
    }
    let mut st = tx.prepare_cached(
        "INSERT INTO findings (run_id, city_id, site_id, fetch_id, sector, channel, strength, rule, target, text, snippet, page_url, body_sha256, path, account)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    )?;
    for f in &p.findings {
        st.execute(params![
            p.run_id,
            p.city_id,
            p.site_id,
            fetch_id,
            f.sector.as_str(),
            f.channel.as_str(),
            f.strength.as_str(),
            f.rule,
            f.target,
            f.text,
            f.snippet,
            p.final_url,
            p.body.as_ref().map(|b| &b.sha256),
            f.path,
            f.account
        ])?;
    }
    Ok(())
}

impl From<WriterGone> for StoreError {
    fn from(_: WriterGone) -> Self {
        StoreError::Invalid("the database writer stopped".into())
    }
}
