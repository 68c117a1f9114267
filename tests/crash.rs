//! Crash safety: SIGKILL at several points then `run --resume` equals an uninterrupted
//! run; SIGINT marks the run interrupted; readers work while a run is writing.

mod common;

use common::*;
use portal_audit::sim::server::Server;
use portal_audit::sim::world::{World, WorldSpec};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

/// The kill-and-resume runs: small and fast enough to be killed at several points.
fn args(seeds: &Path, db: &Path, resolve: &str, resume: bool) -> Vec<String> {
    let flags = ["--rate", "6", "--max-pages", "8", "--retries", "0"];
    run_args(seeds, db, resolve, resume, &flags)
}

type Finding = (String, String, String, String, String, String, String);

fn findings(db: &Path) -> BTreeSet<Finding> {
    let c = conn(db);
    let mut st = c
        .prepare("SELECT city_id, sector, channel, strength, rule, target, page_url FROM findings")
        .unwrap();
    st.query_map([], |r| {
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
            r.get(6)?,
        ))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

async fn world() -> (Arc<World>, Server) {
    let world = Arc::new(World::generate(WorldSpec {
        cities: 10,
        pages_per_site: 8,
        departments: 1,
        hostile: false,
        seed: 11,
        discover: false,
    }));
    let server = Server::start(world.clone().handler()).await.unwrap();
    (world, server)
}

/// Waits until the child's run is recorded as running (or the child has ended), so that
/// a kill lands inside the run however slowly a loaded machine starts the process.
fn wait_until_running(db: &Path, child: &mut std::process::Child) {
    for _ in 0..200 {
        if child.try_wait().unwrap().is_some() {
            return;
        }
        let out = Command::new(BIN)
            .args(["runs", "--db", &db.display().to_string()])
            .output()
            .unwrap();
        if String::from_utf8_lossy(&out.stdout).contains("running") {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sigkill_at_several_points_then_resume_equals_an_uninterrupted_run() {
    let (world, server) = world().await;
    let dir = tempfile::tempdir().unwrap();
    let seeds = dir.path().join("cities.csv");
    std::fs::write(&seeds, world.seeds_csv()).unwrap();
    let resolve = server.resolve_all();

    let clean = dir.path().join("clean.db");
    let out = run_bin(args(&seeds, &clean, &resolve, false), dir.path()).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let expected = findings(&clean);
    assert!(!expected.is_empty());

    let db = dir.path().join("killed.db");
    let mut resume = false;
    for (i, after_ms) in [400u64, 900, 650].into_iter().enumerate() {
        let mut child = Command::new(BIN)
            .args(args(&seeds, &db, &resolve, resume))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        wait_until_running(&db, &mut child);
        tokio::time::sleep(Duration::from_millis(after_ms)).await;
        if i == 1 {
            // While the run writes, readers work (WAL).
            let mut listed = String::new();
            for _ in 0..50 {
                let runs = Command::new(BIN)
                    .args(["runs", "--db", &db.display().to_string()])
                    .output()
                    .unwrap();
                assert!(
                    runs.status.success(),
                    "{}",
                    String::from_utf8_lossy(&runs.stderr)
                );
                listed = String::from_utf8_lossy(&runs.stdout).into_owned();
                if listed.contains("running") {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            assert!(listed.contains("running"), "{listed}");
            let m = Command::new(BIN)
                .args([
                    "export",
                    "matrix",
                    "--format",
                    "json",
                    "--out",
                    "-",
                    "--db",
                    &db.display().to_string(),
                ])
                .output()
                .unwrap();
            assert!(
                m.status.success()
                    || String::from_utf8_lossy(&m.stderr).contains("no finished city audit"),
                "{}",
                String::from_utf8_lossy(&m.stderr)
            );
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        resume = true;
    }
    let out = run_bin(args(&seeds, &db, &resolve, true), dir.path()).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let c = conn(&db);
    let ok: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
    let runs: i64 = c
        .query_row("SELECT COUNT(*) FROM runs", [], |r| r.get(0))
        .unwrap();
    assert_eq!(runs, 1, "resume continues the same run");
    let status: String = c
        .query_row("SELECT status FROM runs", [], |r| r.get(0))
        .unwrap();
    assert_eq!(status, "completed");
    let dup: i64 = c
        .query_row(
            "SELECT COUNT(*) FROM (SELECT url FROM fetches GROUP BY url HAVING COUNT(*) > 1)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(dup, 0, "no page fetched twice in the final record");
    let dup_findings: i64 = c
        .query_row("SELECT COUNT(*) - (SELECT COUNT(*) FROM (SELECT DISTINCT city_id, sector, channel, rule, target, page_url, path FROM findings)) FROM findings", [], |r| r.get(0))
        .unwrap();
    assert_eq!(dup_findings, 0, "no finding duplicated");
    assert_eq!(
        findings(&db),
        expected,
        "the resumed run's findings equal an uninterrupted run's"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sigint_interrupts_cleanly_and_resume_completes() {
    let (world, server) = world().await;
    let dir = tempfile::tempdir().unwrap();
    let seeds = dir.path().join("cities.csv");
    std::fs::write(&seeds, world.seeds_csv()).unwrap();
    let resolve = server.resolve_all();
    let db = dir.path().join("a.db");
    let child = Command::new(BIN)
        .args(args(&seeds, &db, &resolve, false))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(700)).await;
    // SAFETY: sending a signal to our own child process.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("continue it with: portal-audit run --resume")
    );
    let status: String = scalar(&db, "SELECT status FROM runs");
    assert_eq!(status, "interrupted");
    let out = run_bin(args(&seeds, &db, &resolve, true), dir.path()).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let status: String = scalar(&db, "SELECT status FROM runs");
    assert_eq!(status, "completed");
    let pending: i64 = scalar(
        &db,
        "SELECT COUNT(*) FROM run_cities WHERE status = 'pending'",
    );
    assert_eq!(pending, 0);
}
