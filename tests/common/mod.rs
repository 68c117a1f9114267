//! Shared helpers for integration tests: a local world of virtual hosts, seeds files,
//! fast crawl settings, and queries of the resulting database.
#![allow(dead_code)]

use portal_audit::audit::{self, AuditOptions, AuditReport, RunMode};
use portal_audit::config::CrawlConfig;
use portal_audit::crawl::progress::ProgressMode;
use portal_audit::page::detect::RulesDetector;
use portal_audit::sim::server::{Handler, Reply, Request, Server};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

pub const HEADER: &str =
    "id,name,province,tier,region,portal,housing,education,transport,health,environment";

/// A page with a title and body, as Chinese government pages look (UTF-8).
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body><div class=\"header\"><a href=\"/\">首页</a></div>{body}\
         <div class=\"footer\"><p>主办：{title} 网站标识码 3301000001</p></div></body></html>"
    )
}

/// Detection on one saved page of `owner` at `url`, as a crawl would run it.
pub fn detect_page(html: &str, url: &str, owner: &str) -> Vec<portal_audit::page::detect::Finding> {
    portal_audit::page::detect::eval::detect_bytes(
        html.as_bytes(),
        Some("text/html; charset=utf-8"),
        &url::Url::parse(url).unwrap(),
        owner,
        &RulesDetector::builtin(),
    )
}

/// A handler serving fixed replies by `host/target`; everything else is 404.
pub fn routes(pairs: Vec<(String, Reply)>) -> Handler {
    let map: HashMap<String, Reply> = pairs.into_iter().collect();
    Arc::new(move |req: &Request| {
        map.get(&format!("{}{}", req.host, req.target))
            .cloned()
            .unwrap_or_else(Reply::not_found)
    })
}

/// `host/target` → HTML reply.
pub fn html(key: &str, body: String) -> (String, Reply) {
    (key.to_string(), Reply::html(body))
}

/// Starts a server with `handler`.
pub async fn serve(handler: Handler) -> Server {
    Server::start(handler)
        .await
        .expect("can bind a loopback port")
}

/// Writes a seeds file with rows of `id,name,province,tier,region,portal,h,e,t,he,en`.
pub fn seeds(dir: &Path, rows: &[&str]) -> PathBuf {
    let p = dir.join("cities.csv");
    let mut text = format!("{HEADER}\n");
    for r in rows {
        text.push_str(r);
        text.push('\n');
    }
    std::fs::write(&p, text).unwrap();
    p
}

/// Fast, polite-enough settings pointing every host at `server`.
pub fn config(server: &Server) -> CrawlConfig {
    CrawlConfig {
        rate: 50.0,
        resolve: vec![server.resolve_all()],
        backoff_base_secs: 0.02,
        connect_timeout_secs: 2.0,
        request_timeout_secs: 5.0,
        // Link checks have tests of their own (tests/links.rs); elsewhere they would
        // only add the dense homepages' uncrawled links to every run.
        check_links: portal_audit::config::CheckLinks::None,
        ..Default::default()
    }
}

/// Runs an audit with the built-in rules.
pub async fn audit(db: &Path, seeds: &Path, mode: RunMode, config: CrawlConfig) -> AuditReport {
    audit_with(db, seeds, mode, config, CancellationToken::new())
        .await
        .expect("the audit runs")
}

pub async fn audit_with(
    db: &Path,
    seeds: &Path,
    mode: RunMode,
    config: CrawlConfig,
    cancel: CancellationToken,
) -> Result<AuditReport, audit::AuditError> {
    audit_detector(db, seeds, mode, config, cancel, RulesDetector::builtin()).await
}

/// An audit with the rules of `detector`.
pub async fn audit_detector(
    db: &Path,
    seeds: &Path,
    mode: RunMode,
    config: CrawlConfig,
    cancel: CancellationToken,
    detector: RulesDetector,
) -> Result<AuditReport, audit::AuditError> {
    let opts = AuditOptions {
        db: db.to_path_buf(),
        seeds: seeds.to_path_buf(),
        mode,
        config,
        progress: ProgressMode::Quiet,
    };
    audit::run(&opts, Arc::new(detector), cancel).await
}

pub fn all() -> RunMode {
    RunMode::Run { cities: vec![] }
}

pub fn db(dir: &Path) -> PathBuf {
    dir.join("audit.db")
}

pub fn conn(db: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(db).unwrap()
}

/// `(city, sector, channel)` of the strong/medium findings of a run, sorted, unique.
pub fn present(db: &Path, run: i64) -> Vec<(String, String, String)> {
    let c = conn(db);
    let mut st = c
        .prepare("SELECT DISTINCT city_id, sector, channel FROM findings WHERE run_id = ?1 AND strength IN ('strong','medium') ORDER BY 1,2,3")
        .unwrap();
    st.query_map([run], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// The rows of `sql` (three text columns, no parameters) as a set.
pub fn text_triples(db: &Path, sql: &str) -> std::collections::BTreeSet<(String, String, String)> {
    let c = conn(db);
    let mut st = c.prepare(sql).unwrap();
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// `(sector, outcome, error)` of a city's sites in a run.
pub fn sites(db: &Path, run: i64, city: &str) -> Vec<(String, String, Option<String>)> {
    let c = conn(db);
    let mut st = c
        .prepare("SELECT sector, outcome, error FROM sites WHERE run_id = ?1 AND city_id = ?2 ORDER BY id")
        .unwrap();
    st.query_map(rusqlite::params![run, city], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

/// One value from the database.
pub fn scalar<T: rusqlite::types::FromSql>(db: &Path, sql: &str) -> T {
    conn(db).query_row(sql, [], |r| r.get(0)).unwrap()
}

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_portal-audit");

/// Runs the binary with `args` in `cwd`, off the async runtime's threads.
pub async fn run_bin(args: Vec<String>, cwd: &Path) -> std::process::Output {
    run_bin_env(args, cwd, &[]).await
}

/// [`run_bin`] with environment variables set (`PORTAL_AUDIT_NOW` sets its clock).
pub async fn run_bin_env(
    args: Vec<String>,
    cwd: &Path,
    env: &[(&str, &str)],
) -> std::process::Output {
    let cwd = cwd.to_path_buf();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(BIN)
            .args(&args)
            .envs(env)
            .current_dir(cwd)
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

/// The arguments of a quiet `portal-audit run` with `flags` on `seeds` into `db`, every
/// host resolved by `resolve`, continuing the interrupted run when `resume`.
pub fn run_args(
    seeds: &Path,
    db: &Path,
    resolve: &str,
    resume: bool,
    flags: &[&str],
) -> Vec<String> {
    let mut v: Vec<String> = ["run", "--quiet"]
        .iter()
        .chain(flags)
        .map(|s| s.to_string())
        .collect();
    v.extend([
        "--seeds".into(),
        seeds.display().to_string(),
        "--db".into(),
        db.display().to_string(),
        "--resolve".into(),
        resolve.into(),
    ]);
    if resume {
        v.push("--resume".into());
    }
    if !flags.contains(&"--check-links") {
        v.extend(["--check-links".into(), "none".into()]);
    }
    v
}

/// Standard output and error of a finished process, as one text.
/// Runs `portal-audit CMD…` (`run`, `recheck CITY`) in `dir` on its `cities.csv` into
/// `audit.db`, quietly, without discovery, every host resolved by `resolve`.
pub async fn audit_bin(cmd: &[&str], dir: &Path, resolve: &str) -> std::process::Output {
    let mut args: Vec<String> = cmd.iter().map(|c| c.to_string()).collect();
    for a in [
        "--quiet",
        "--no-discover",
        "--seeds",
        "cities.csv",
        "--db",
        "audit.db",
        "--resolve",
        resolve,
    ] {
        args.push(a.to_string());
    }
    run_bin(args, dir).await
}

/// The `all` row of the summary's first inspection-check table (`export summary` JSON).
pub fn summary_checks_all(summary: &serde_json::Value) -> serde_json::Value {
    summary["checks"][0]["rows"]
        .as_array()
        .expect("check tables")
        .iter()
        .find(|r| r["group"] == "all")
        .expect("the all row")
        .clone()
}

pub fn text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Opens `file` in headless Chromium (when installed, as in CI) and returns the DOM it
/// ends with, after `virtual_ms` of virtual time for timers and load events; `None`
/// without Chromium.
pub fn chromium_dom(file: &Path, virtual_ms: u32) -> Option<(String, String)> {
    let bin = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            std::process::Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })?;
    let profile = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            &format!("--virtual-time-budget={virtual_ms}"),
            &format!("--user-data-dir={}", profile.path().display()),
            "--dump-dom",
        ])
        .arg(format!("file://{}", file.display()))
        .output()
        .unwrap();
    Some((
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

/// Serves `world` and audits it (its dead hosts on a closed port), `pages` per site.
pub async fn audit_world(
    world: &Arc<portal_audit::sim::world::World>,
    pages: usize,
) -> (Server, tempfile::TempDir, portal_audit::audit::AuditReport) {
    let server = Server::start(world.clone().handler()).await.unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let seeds = dir.path().join("cities.csv");
    std::fs::write(&seeds, world.seeds_csv()).unwrap();
    let mut cfg = config(&server);
    cfg.resolve = world.resolve_rules(server.addr, closed);
    cfg.rate = 40.0;
    cfg.max_pages = pages;
    cfg.max_retries = 1;
    let rep = audit(&db(dir.path()), &seeds, all(), cfg).await;
    (server, dir, rep)
}
