//! Census scale: a run over more sites than its window admits them all and finishes them
//! all exactly, never more active at once than the window (plus the department sites a
//! portal finds beyond its reservation); sites checking their links make room for more
//! crawling ones; a run killed in the middle of a windowed audit
//! resumes only the sites it had not finished.

mod common;

use common::*;
use portal_audit::export::matrix;
use portal_audit::sim::server::Server;
use portal_audit::sim::truth::compare;
use portal_audit::sim::world::{World, WorldSpec};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The most hosts whose first and last request overlap in time: the sites active at once
/// (each site of these worlds is a host of its own).
fn most_active_at_once(server: &Server, hosts: &[String]) -> usize {
    let mut edges: Vec<(Instant, i32)> = Vec::new();
    for h in hosts {
        let log = server.requests_to(h);
        if let (Some(first), Some(last)) = (log.first(), log.last()) {
            edges.push((first.at, 1));
            edges.push((last.at, -1));
        }
    }
    // At equal instants an end counts before a start.
    edges.sort();
    let (mut now, mut most) = (0i32, 0i32);
    for (_, d) in edges {
        now += d;
        most = most.max(now);
    }
    most as usize
}

fn hosts(world: &World) -> Vec<String> {
    world.sites.iter().map(|s| s.host.clone()).collect()
}

/// Serves `world` and writes its seeds into a new folder.
async fn serve(world: &Arc<World>) -> (Server, tempfile::TempDir, std::path::PathBuf) {
    let server = Server::start(world.clone().handler()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let seeds = dir.path().join("cities.csv");
    std::fs::write(&seeds, world.seeds_csv()).unwrap();
    (server, dir, seeds)
}

/// Audits `world` at 30 requests/s per host with `set` applied to the configuration;
/// every city must finish.
async fn audit_world(
    world: &Arc<World>,
    set: impl FnOnce(&mut portal_audit::config::CrawlConfig),
) -> (Server, tempfile::TempDir, i64) {
    let (server, dir, seeds) = serve(world).await;
    let mut cfg = config(&server);
    cfg.rate = 30.0;
    cfg.max_pages = world.spec.pages_per_site;
    set(&mut cfg);
    let rep = audit(&db(dir.path()), &seeds, all(), cfg).await;
    assert!(!rep.interrupted && !rep.network_down);
    assert_eq!(
        rep.cities as usize,
        world.cities.len(),
        "every city finished"
    );
    (server, dir, rep.run_id)
}

async fn windowed_audit(world: &Arc<World>, window: usize) -> (Server, tempfile::TempDir, i64) {
    audit_world(world, |cfg| cfg.max_active_sites = window).await
}

fn unfinished_sites(db: &Path) -> i64 {
    scalar(
        db,
        "SELECT COUNT(*) FROM sites WHERE finished_at IS NULL OR outcome = 'interrupted'",
    )
}

/// Twelve cities, each a portal and two department sites, of six pages.
fn thirty_six_sites() -> Arc<World> {
    Arc::new(World::generate(WorldSpec {
        cities: 12,
        pages_per_site: 6,
        departments: 2,
        hostile: false,
        seed: 27,
        discover: false,
    }))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_over_more_sites_than_its_window_admits_them_all_and_finishes_them_exactly() {
    let world = thirty_six_sites();
    assert_eq!(world.sites.len(), 36);
    let (server, dir, run) = windowed_audit(&world, 6).await;
    let db = db(dir.path());
    let most = most_active_at_once(&server, &hosts(&world));
    assert!(most <= 6, "{most} sites active at once, window 6");
    assert!(most >= 3, "the window is used: {most} at once");
    assert_eq!(scalar::<i64>(&db, "SELECT COUNT(*) FROM sites"), 36);
    assert_eq!(unfinished_sites(&db), 0);
    let c = conn(&db);
    let cmp = compare(&world, &matrix::load(&c, Some(run)).unwrap());
    assert_eq!(cmp.matching, cmp.cells, "{:?}", cmp.mismatches);
    assert!(cmp.cells > 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_windowed_run_reserves_places_for_the_departments_its_portals_find() {
    // Seeds name only portals: each portal's five departments are found on it, and some
    // cities have a second housing site beyond the reservation.
    let world = Arc::new(World::generate(WorldSpec {
        cities: 8,
        pages_per_site: 20,
        departments: 5,
        hostile: false,
        seed: 5,
        discover: true,
    }));
    let (server, dir, run) = windowed_audit(&world, 6).await;
    let most = most_active_at_once(&server, &hosts(&world));
    // One city at a time: its portal and the five places reserved for what it finds,
    // and at most one site beyond them (the second housing site).
    assert!(most <= 7, "{most} sites active at once, window 6");
    let db = db(dir.path());
    assert_eq!(unfinished_sites(&db), 0);
    let cmp = compare(&world, &matrix::load(&conn(&db), Some(run)).unwrap());
    assert_eq!(cmp.matching, cmp.cells, "{:?}", cmp.mismatches);
}

#[tokio::test(flavor = "multi_thread")]
async fn sites_checking_their_links_give_their_crawl_room_to_the_next_cities() {
    // A budget 1 MB above the run's base: room for 17 crawling sites, or 42 checking
    // their links (which take each site's host seconds at this rate).
    let world = thirty_six_sites();
    let (server, dir, run) = audit_world(&world, |cfg| {
        cfg.memory_budget_mb = 131;
        cfg.check_links = portal_audit::config::CheckLinks::Homepage;
    })
    .await;
    let db = db(dir.path());
    let most = most_active_at_once(&server, &hosts(&world));
    assert!(
        most > 17,
        "{most} of {} sites active at once: checking sites left room for more",
        world.sites.len()
    );
    assert_eq!(unfinished_sites(&db), 0);
    let cmp = compare(&world, &matrix::load(&conn(&db), Some(run)).unwrap());
    assert_eq!(cmp.matching, cmp.cells, "{:?}", cmp.mismatches);
    let pending: i64 = scalar(
        &db,
        "SELECT COUNT(*) FROM link_checks WHERE outcome = 'pending'",
    );
    let checked: i64 = scalar(&db, "SELECT COUNT(*) FROM link_checks WHERE outcome = 'ok'");
    assert_eq!(pending, 0, "every link checked");
    assert!(
        checked > 100 * world.sites.len() as i64,
        "{checked} links checked"
    );
}

/// A windowed run of 6 sites at once, slow enough to be killed in a half-done city.
fn windowed_run(seeds: &Path, db: &Path, resolve: &str, resume: bool) -> Vec<String> {
    let flags = [
        "--rate",
        "5",
        "--max-pages",
        "6",
        "--max-active-sites",
        "6",
        "--retries",
        "0",
    ];
    run_args(seeds, db, resolve, resume, &flags)
}

/// Finished sites of cities not yet done: `(site id, start URL)` → fetches.
fn finished_in_pending_cities(db: &Path) -> BTreeMap<(i64, String), i64> {
    let Ok(c) =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
    else {
        return BTreeMap::new();
    };
    let Ok(mut st) = c.prepare(
        "SELECT s.id, s.start_url, (SELECT COUNT(*) FROM fetches f WHERE f.site_id = s.id)
         FROM sites s JOIN run_cities c ON c.run_id = s.run_id AND c.city_id = s.city_id
         WHERE c.status = 'pending' AND s.finished_at IS NOT NULL AND s.outcome <> 'interrupted'",
    ) else {
        return BTreeMap::new();
    };
    st.query_map([], |r| Ok(((r.get(0)?, r.get(1)?), r.get(2)?)))
        .map(|rows| rows.filter_map(Result::ok).collect())
        .unwrap_or_default()
}

fn findings(db: &Path) -> BTreeSet<(String, String, String, String, String)> {
    let c = conn(db);
    let mut st = c
        .prepare("SELECT city_id, sector, channel, rule, target FROM findings")
        .unwrap();
    st.query_map([], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn resume_in_the_middle_of_a_windowed_run_redoes_only_unfinished_sites() {
    // Departments are found on the portals, so a portal finishes before its departments:
    // the kill lands in a city with finished and unfinished sites.
    let world = Arc::new(World::generate(WorldSpec {
        cities: 6,
        pages_per_site: 6,
        departments: 2,
        hostile: false,
        seed: 41,
        discover: true,
    }));
    let (server, dir, seeds) = serve(&world).await;
    let resolve = server.resolve_all();
    let clean = dir.path().join("clean.db");
    let out = run_bin(windowed_run(&seeds, &clean, &resolve, false), dir.path()).await;
    assert!(out.status.success(), "{}", text(&out));

    let db = dir.path().join("killed.db");
    let mut child = Command::new(BIN)
        .args(windowed_run(&seeds, &db, &resolve, false))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let kept = loop {
        let found = finished_in_pending_cities(&db);
        if !found.is_empty() {
            break found;
        }
        assert!(
            child.try_wait().unwrap().is_none() && Instant::now() < deadline,
            "the run ended before a city was half done"
        );
        tokio::time::sleep(Duration::from_millis(15)).await;
    };
    child.kill().unwrap(); // SIGKILL, in a city with finished and unfinished sites
    child.wait().unwrap();
    // What was committed at the kill (the query above may precede a later commit).
    let kept: BTreeMap<_, _> = finished_in_pending_cities(&db)
        .into_iter()
        .chain(kept)
        .collect();
    let resumed_at = Instant::now();
    let out = run_bin(windowed_run(&seeds, &db, &resolve, true), dir.path()).await;
    assert!(out.status.success(), "{}", text(&out));

    let c = conn(&db);
    for ((id, start), fetches) in &kept {
        let now: i64 = c
            .query_row(
                "SELECT COUNT(*) FROM fetches WHERE site_id = ?1",
                [id],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(now, *fetches, "finished site {start} kept as it was");
        let host = url::Url::parse(start)
            .unwrap()
            .host_str()
            .unwrap()
            .to_string();
        let again = server
            .requests_to(&host)
            .iter()
            .filter(|l| l.at > resumed_at)
            .count();
        assert_eq!(again, 0, "finished site {start} not fetched again");
    }
    assert_eq!(unfinished_sites(&db), 0);
    let dup: i64 = c
        .query_row(
            "SELECT COUNT(*) FROM (SELECT url FROM fetches GROUP BY url HAVING COUNT(*) > 1)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(dup, 0, "no page recorded twice");
    let sites = |db: &Path| text_triples(db, "SELECT city_id, sector, start_url FROM sites");
    assert_eq!(
        sites(&db),
        sites(&clean),
        "every site once, as in a run never killed"
    );
    assert_eq!(findings(&db), findings(&clean));
    let status: String = c
        .query_row("SELECT status FROM runs", [], |r| r.get(0))
        .unwrap();
    assert_eq!(status, "completed");
}
