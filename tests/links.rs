//! Link checks and probes end to end (issue 26): a simulated world whose portals link
//! hosts of every outcome (404, 410, a redirect to a 404, a redirect loop, 500, a soft
//! 404 and its trap, a firewall's 403 and challenge, 429, a host slower than the
//! timeout, a closed port, a name that never resolves, a private address, a robots-
//! disallowed path, ftp) is audited by the binary; `export links` equals the world's
//! truth exactly; a re-check an hour later leaves them suspected and one a day later
//! confirms them (the clock set, not slept); 50 portals linking one URL cause one
//! request to it; rounds of probes record exactly what the world serves, and Ctrl-C
//! keeps the finished rounds.

mod common;

use common::*;
use portal_audit::page::inspect::links::LinkOutcome;
use portal_audit::sim::server::Server;
use portal_audit::sim::world::{World, WorldSpec};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// The moment of the first run, as the clock is set for it.
const T0: &str = "2026-12-01T08:00:00Z";

/// A world of `cities` cities, `pages` pages per site and `departments` department
/// sites per city, with hostile hosts or without.
fn world(cities: usize, pages: usize, departments: usize, hostile: bool) -> World {
    World::generate(WorldSpec {
        cities,
        pages_per_site: pages,
        departments,
        hostile,
        ..Default::default()
    })
}

/// Serves `world`, writes its seeds into `dir`, and returns the server and the
/// `--resolve` flags pointing its hosts (dead ones at a closed port) at it.
async fn serve_world(world: &Arc<World>, dir: &Path) -> (Server, Vec<String>) {
    let server = Server::start(world.clone().handler()).await.unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    std::fs::write(dir.join("cities.csv"), world.seeds_csv()).unwrap();
    let mut flags = Vec::new();
    for r in world.resolve_rules(server.addr, closed) {
        flags.push("--resolve".to_string());
        flags.push(r);
    }
    (server, flags)
}

/// Runs the binary in `dir` with `args` (then `resolve`), the clock set to `now`.
async fn bin_at(dir: &Path, now: &str, args: &[&str], resolve: &[String]) -> std::process::Output {
    let mut args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    args.extend(resolve.iter().cloned());
    run_bin_env(args, dir, &[("PORTAL_AUDIT_NOW", now)]).await
}

/// `export links --format FORMAT` into `links.FORMAT`.
async fn export_links_to(dir: &Path, format: &str) {
    let file = format!("links.{format}");
    let args = [
        "export", "links", "--db", "audit.db", "--format", format, "--out", &file,
    ];
    let out = bin_at(dir, T0, &args, &[]).await;
    assert!(out.status.success(), "{}", text(&out));
}

/// `export inspection` as JSON.
async fn inspection_json(dir: &Path) -> Value {
    let args = [
        "export",
        "inspection",
        "--db",
        "audit.db",
        "--format",
        "json",
        "--out",
        "-",
    ];
    let out = bin_at(dir, T0, &args, &[]).await;
    assert!(out.status.success(), "{}", text(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The audit: quiet, no discovery, checks timing out after 2 s (the slow host takes 4).
const RUN: [&str; 16] = [
    "run",
    "--quiet",
    "--no-discover",
    "--seeds",
    "cities.csv",
    "--db",
    "audit.db",
    "--timeout",
    "2s",
    "--retries",
    "1",
    "--rate",
    "40",
    "--max-pages",
    "3",
    "--check-links",
];

/// `export links` as JSON rows, with `extra` flags.
async fn links_json(dir: &Path, extra: &[&str]) -> Vec<Value> {
    let mut args = vec![
        "export", "links", "--db", "audit.db", "--format", "json", "--out", "-",
    ];
    args.extend(extra);
    let out = bin_at(dir, T0, &args, &[]).await;
    assert!(out.status.success(), "{}", text(&out));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    json["links"].as_array().unwrap().clone()
}

fn outcome(v: &Value) -> LinkOutcome {
    LinkOutcome::parse(v["outcome"].as_str().unwrap()).unwrap()
}

fn triples(rows: &[Value]) -> BTreeSet<(String, String, LinkOutcome)> {
    rows.iter()
        .map(|r| {
            (
                r["page"].as_str().unwrap().to_string(),
                r["target"].as_str().unwrap().to_string(),
                outcome(r),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_links_export_equals_the_worlds_truth_and_a_day_later_confirms_them() {
    let world = Arc::new(world(5, 3, 1, true));
    let dir = tempfile::tempdir().unwrap();
    let (_server, resolve) = serve_world(&world, dir.path()).await;
    let mut run: Vec<&str> = RUN.to_vec();
    run.push("homepage");
    let out = bin_at(dir.path(), T0, &run, &resolve).await;
    assert!(out.status.success(), "{}", text(&out));

    let rows = links_json(dir.path(), &[]).await;
    let truth = world.homepage_links_truth(Duration::from_secs(2), &|_| true);
    let got = triples(&rows);
    let missing: Vec<_> = truth.difference(&got).collect();
    let extra: Vec<_> = got.difference(&truth).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:#?}\nextra {extra:#?}"
    );
    // Every kind of failure is there, and the trap (2404 in a title) is not.
    let kinds: BTreeSet<&str> = rows
        .iter()
        .map(|r| r["error"].as_str().unwrap_or(""))
        .map(|e| {
            [
                "HTTP 404",
                "HTTP 410",
                "HTTP 500",
                "HTTP 403",
                "HTTP 429",
                "redirect loop",
                "soft 404",
                "challenge page",
                "timed out",
                "connection failed",
                "DNS",
            ]
            .into_iter()
            .find(|k| e.contains(k))
            .unwrap_or("other")
        })
        .collect();
    assert_eq!(kinds.len(), 11, "{kinds:?}");
    assert!(
        !rows
            .iter()
            .any(|r| r["target"].as_str().unwrap().contains("2404"))
    );
    let broken: BTreeSet<_> = got
        .iter()
        .filter(|t| t.2 == LinkOutcome::Broken)
        .cloned()
        .collect();
    assert!(
        rows.iter()
            .all(|r| outcome(r) != LinkOutcome::Broken || r["state"] == "suspected")
    );

    // An hour later they are still suspected.
    let recheck = [
        "links",
        "recheck",
        "--db",
        "audit.db",
        "--timeout",
        "2s",
        "--retries",
        "1",
        "--rate",
        "40",
    ];
    let out = bin_at(dir.path(), "2026-12-01T09:00:00Z", &recheck, &resolve).await;
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("(0 now confirmed)"), "{}", text(&out));
    assert!(
        links_json(dir.path(), &["--state", "confirmed"])
            .await
            .is_empty()
    );
    // A day after the first check they are confirmed, each first seen at the first run.
    let out = bin_at(dir.path(), "2026-12-02T08:30:00Z", &recheck, &resolve).await;
    assert!(out.status.success(), "{}", text(&out));
    let confirmed = links_json(dir.path(), &["--state", "confirmed"]).await;
    assert_eq!(triples(&confirmed), broken);
    assert!(confirmed.iter().all(|r| {
        r["first_seen"]
            .as_str()
            .unwrap()
            .starts_with("2026-12-01T08:")
    }));

    // The inspection export: a site with a confirmed broken homepage link fails.
    let json = inspection_json(dir.path()).await;
    let mut failed = 0;
    for site in json["sites"].as_array().unwrap() {
        let links = &site["checks"]["links"];
        let home = site["site"].as_str().unwrap();
        let want = broken.iter().filter(|t| t.0 == home).count();
        assert_eq!(links["broken"].as_u64().unwrap() as usize, want, "{home}");
        assert_eq!(
            links["confirmed"].as_u64().unwrap() as usize,
            want,
            "{home}"
        );
        let verdict = if site["outcome"] != "ok" {
            "unknown"
        } else if want > 0 {
            failed += 1;
            "no"
        } else {
            "yes"
        };
        assert_eq!(links["verdict"], verdict, "{home}");
        for l in links["list"].as_array().unwrap() {
            for key in [
                "page",
                "text",
                "target",
                "final_url",
                "status",
                "error",
                "first_seen",
                "state",
            ] {
                assert!(l.get(key).is_some(), "{key} missing in {l}");
            }
        }
        assert_eq!(site["checks"]["reachability"]["verdict"], "unknown");
    }
    assert!(failed >= 5, "{failed}");
    // The summary shows the share of sites with a confirmed broken homepage link.
    let args = [
        "export", "summary", "--db", "audit.db", "--format", "json", "--out", "-",
    ];
    let out = bin_at(dir.path(), T0, &args, &[]).await;
    assert!(out.status.success(), "{}", text(&out));
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    let all = summary_checks_all(&summary);
    let known = json["sites"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["checks"]["links"]["verdict"] != "unknown")
        .count();
    let failing = &all["shares"]["check:links:failing"];
    assert_eq!(failing["yes"].as_u64(), Some(failed), "{all}");
    assert_eq!(failing["known"].as_u64(), Some(known as u64), "{all}");
    let passing = &all["shares"]["check:links"];
    assert_eq!(
        passing["yes"].as_u64(),
        Some(known as u64 - failed),
        "{all}"
    );
    assert_eq!(all["shares"]["check:reachability:failing"]["known"], 0);

    // The evidence pack lists each site's broken links, each opening the archived
    // parent page at the link itself.
    let out = bin_at(
        dir.path(),
        T0,
        &["export", "evidence", "--db", "audit.db", "--out", "pack"],
        &[],
    )
    .await;
    assert!(out.status.success(), "{}", text(&out));
    let city_id = &world.cities[0].id;
    let city =
        std::fs::read_to_string(dir.path().join(format!("pack/city-{city_id}.html"))).unwrap();
    assert!(
        city.contains("confirmed 旧版文章 → http://old.linkcheck.gov.cn/art/0.html"),
        "{city}"
    );
    assert!(!city.contains("=HYPERLINK(\"http"), "escaped");
    let row = city
        .split("<br>")
        .find(|r| r.contains("old.linkcheck.gov.cn/gone/0.html"))
        .expect("the 410 link is listed");
    let link = row
        .split("href=\"")
        .filter_map(|s| s.split('"').next())
        .find(|h| h.contains(".checks.html#check-"))
        .expect("a link to the archived homepage opened at the link");
    let (file, anchor) = link.split_once('#').unwrap();
    let archived = std::fs::read_to_string(dir.path().join("pack").join(file)).unwrap();
    let at = archived
        .find(&format!(" id=\"{anchor}\""))
        .expect("the link carries the anchor");
    let tag_start = archived[..at].rfind('<').unwrap();
    assert!(
        archived[tag_start..].starts_with("<a "),
        "{}",
        &archived[tag_start..at + 40]
    );

    // The CSV neutralises the hostile anchor text; the workbook opens with every row.
    export_links_to(dir.path(), "csv").await;
    let csv = std::fs::read_to_string(dir.path().join("links.csv")).unwrap();
    assert!(csv.contains("HYPERLINK"));
    assert!(
        !csv.lines()
            .any(|l| l.contains(",=HYPERLINK") || l.contains(",\"=HYPERLINK")),
        "{csv}"
    );
    export_links_to(dir.path(), "xlsx").await;
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook(dir.path().join("links.xlsx")).unwrap();
    let sheet = book.worksheet_range("links").unwrap();
    assert_eq!(sheet.rows().count(), confirmed.len() + 1);
}

/// Links of `db` recorded and not yet checked, and those checked.
fn pending_and_checked(db: &Path) -> (i64, i64) {
    let Ok(c) =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
    else {
        return (0, 0);
    };
    c.query_row(
        "SELECT COALESCE(SUM(outcome = 'pending'), 0), COALESCE(SUM(outcome != 'pending'), 0) FROM link_checks",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .unwrap_or((0, 0))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_killed_while_checking_links_exports_no_pending_link_and_its_resume_checks_them_all()
{
    // The links are recorded with their pages, pending, and filled in as they are
    // checked: a kill between the two leaves pending rows, which no export may show.
    let world = Arc::new(world(5, 3, 1, true));
    let dir = tempfile::tempdir().unwrap();
    let (_server, resolve) = serve_world(&world, dir.path()).await;
    let mut run: Vec<String> = RUN.iter().map(|s| s.to_string()).collect();
    let rate = run.iter().position(|a| a == "--rate").unwrap() + 1;
    run[rate] = "1".into(); // a check phase of seconds, to be killed in
    run.push("homepage".into());
    run.extend(resolve.iter().cloned());
    let db = dir.path().join("audit.db");
    let mut child = std::process::Command::new(BIN)
        .args(&run)
        .current_dir(dir.path())
        .env("PORTAL_AUDIT_NOW", T0)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    loop {
        let (pending, checked) = pending_and_checked(&db);
        if pending > 0 && checked > 0 {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none() && std::time::Instant::now() < deadline,
            "the run ended before its checks were half done"
        );
        tokio::time::sleep(Duration::from_millis(15)).await;
    }
    child.kill().unwrap(); // SIGKILL, in the middle of the check phase
    child.wait().unwrap();
    assert!(pending_and_checked(&db).0 > 0, "pending links on record");

    // The links export of the killed run shows what was checked and nothing pending.
    for r in links_json(dir.path(), &[]).await {
        assert!(
            ["broken", "blocked"].contains(&r["outcome"].as_str().unwrap()),
            "{r}"
        );
    }

    // The resume checks every link, and the export equals the world's truth.
    let mut resume: Vec<&str> = RUN.to_vec();
    resume.extend(["homepage", "--resume"]);
    let out = bin_at(dir.path(), T0, &resume, &resolve).await;
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(pending_and_checked(&db).0, 0, "no link left pending");
    let truth = world.homepage_links_truth(Duration::from_secs(2), &|_| true);
    assert_eq!(triples(&links_json(dir.path(), &[]).await), truth);
}

#[tokio::test(flavor = "multi_thread")]
async fn fifty_sites_linking_one_url_cause_one_request_to_it() {
    let world = Arc::new(world(50, 1, 0, false));
    let dir = tempfile::tempdir().unwrap();
    let (server, resolve) = serve_world(&world, dir.path()).await;
    let mut run: Vec<&str> = RUN.to_vec();
    run.push("homepage");
    run[14] = "1"; // --max-pages 1: the homepage alone
    let out = bin_at(dir.path(), T0, &run, &resolve).await;
    assert!(out.status.success(), "{}", text(&out));
    let gets = |host: &str, target: &str| {
        server
            .requests_to(host)
            .iter()
            .filter(|l| l.target == target)
            .count()
    };
    assert_eq!(gets("www.gov.cn", "/"), 1);
    assert_eq!(gets("old.linkcheck.gov.cn", "/loop.html"), 1);
    assert_eq!(gets("old.linkcheck.gov.cn", "/error.html"), 2, "one retry");
    assert_eq!(gets("waf.linkcheck.gov.cn", "/verify.html"), 1);
    assert_eq!(gets("old.linkcheck.gov.cn", "/robots.txt"), 1);
    assert_eq!(
        gets("old.linkcheck.gov.cn", "/private/db.html"),
        0,
        "robots.txt disallows it"
    );
    // Every portal records the shared links, from that one check.
    let conn = conn(&dir.path().join("audit.db"));
    let n: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM link_checks WHERE target = 'http://www.gov.cn/' AND outcome = 'ok'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 50);
}

/// The probes recorded for each start URL: (URL, counted, failed).
fn probe_counts(db: &Path) -> Vec<(String, usize, usize)> {
    let conn = conn(db);
    let mut st = conn
        .prepare(
            "SELECT url, SUM(outcome IN ('ok', 'failed')), SUM(outcome = 'failed') FROM probes
             GROUP BY url HAVING SUM(outcome IN ('ok', 'failed')) > 0 ORDER BY url",
        )
        .unwrap();
    st.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)? as usize,
            r.get::<_, i64>(2)? as usize,
        ))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn rounds_of_probes_record_what_the_world_serves_and_judge_availability() {
    let mut world = world(4, 3, 1, false);
    world.sites[1].traits.dead = true;
    world.sites[2].traits.flaky = true;
    world.sites[5].traits.slow = true;
    let world = Arc::new(world);
    let dir = tempfile::tempdir().unwrap();
    let (_server, resolve) = serve_world(&world, dir.path()).await;
    let probe = [
        "probe",
        "--quiet",
        "--seeds",
        "cities.csv",
        "--db",
        "audit.db",
        "--rounds",
        "20",
        "--interval",
        "0.05",
        "--timeout",
        "2s",
        "--rate",
        "40",
    ];
    let out = bin_at(dir.path(), T0, &probe, &resolve).await;
    assert!(out.status.success(), "{}", text(&out));
    let mut want = world.probe_truth(20);
    want.sort();
    assert_eq!(probe_counts(&dir.path().join("audit.db")), want);
    let conn = conn(&dir.path().join("audit.db"));
    let timed: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM probes WHERE outcome = 'ok' AND ttfb_ms IS NOT NULL AND total_ms >= ttfb_ms AND status = 200",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(timed as usize, 20 * (world.sites.len() - 1) - 6);
    drop(conn);

    // The inspection export judges availability from them: 5 % or more failed is `no`.
    let mut run: Vec<&str> = RUN.to_vec();
    run.push("none");
    let out = bin_at(dir.path(), T0, &run, &resolve).await;
    assert!(
        out.status.success() || out.status.code() == Some(5),
        "{}",
        text(&out)
    );
    let json = inspection_json(dir.path()).await;
    for site in json["sites"].as_array().unwrap() {
        let url = site["site"].as_str().unwrap();
        let r = &site["checks"]["reachability"];
        let (_, probes, failed) = want.iter().find(|w| w.0 == url).unwrap();
        assert_eq!(r["probes"].as_u64().unwrap() as usize, *probes, "{url}");
        assert_eq!(r["failed"].as_u64().unwrap() as usize, *failed, "{url}");
        assert_eq!(
            r["verdict"],
            if *failed > 0 { "no" } else { "yes" },
            "{url}"
        );
        assert_eq!(r["days"], 1);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_interrupted_probe_keeps_every_finished_round() {
    let world = Arc::new(world(2, 3, 1, false));
    let dir = tempfile::tempdir().unwrap();
    let (_server, resolve) = serve_world(&world, dir.path()).await;
    let mut args: Vec<String> = [
        "probe",
        "--quiet",
        "--seeds",
        "cities.csv",
        "--db",
        "audit.db",
        "--rounds",
        "5",
        "--interval",
        "1h",
        "--timeout",
        "15s",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(resolve);
    let mut child = std::process::Command::new(BIN)
        .args(&args)
        .current_dir(dir.path())
        .spawn()
        .unwrap();
    let db = dir.path().join("audit.db");
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let rows = db.exists()
            && rusqlite::Connection::open(&db)
                .and_then(|c| {
                    c.query_row("SELECT COUNT(*) FROM probes", [], |r| r.get::<_, i64>(0))
                })
                .unwrap_or(0)
                > 0;
        if rows {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "no round finished");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    let rounds: i64 = conn(&db)
        .query_row("SELECT COUNT(DISTINCT round) FROM probes", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rounds, 1);
    let rows: i64 = conn(&db)
        .query_row("SELECT COUNT(*) FROM probes", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows as usize, world.sites.len());
}

/// The link checks of a two-page site, checked with `--check-links MODE`: (page,
/// target, outcome) for every row.
async fn two_page_site(mode: &str) -> BTreeSet<(String, String, String)> {
    let server = serve(routes(vec![
        html(
            "www.jia.gov.cn/",
            page(
                "甲市人民政府",
                "<a href=\"/a.html\">政务公开</a><a href=\"/gone.html\">旧栏目</a><a href=\"mailto:x@jia.gov.cn\">信箱</a><a href=\"tel:12345\">12345</a><a href=\"#main\">跳到正文</a>",
            ),
        ),
        html(
            "www.jia.gov.cn/a.html",
            page("政务公开", "<a href=\"/b-gone.html\">旧文件</a>"),
        ),
    ]))
    .await;
    let dir = tempfile::tempdir().unwrap();
    seeds(
        dir.path(),
        &["1,甲市,浙江省,key,east,http://www.jia.gov.cn/,,,,,"],
    );
    let args = [
        "run",
        "--check-links",
        mode,
        "--max-pages",
        "2",
        "--retries",
        "0",
    ];
    let out = audit_bin(&args, dir.path(), &server.resolve_all()).await;
    assert!(out.status.success(), "{}", text(&out));
    text_triples(
        &dir.path().join("audit.db"),
        "SELECT page, target, outcome FROM link_checks",
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn homepage_checks_the_homepages_links_and_all_checks_every_pages() {
    let home = "http://www.jia.gov.cn/";
    let row = |p: &str, t: &str, o: &str| {
        (
            p.to_string(),
            format!("http://www.jia.gov.cn{t}"),
            o.to_string(),
        )
    };
    let homepage: BTreeSet<_> = [
        row(home, "/", "ok"),
        row(home, "/a.html", "ok"),
        row(home, "/gone.html", "broken"),
    ]
    .into();
    assert_eq!(two_page_site("homepage").await, homepage);
    let mut all = homepage.clone();
    all.insert(row("http://www.jia.gov.cn/a.html", "/", "ok"));
    all.insert(row(
        "http://www.jia.gov.cn/a.html",
        "/b-gone.html",
        "broken",
    ));
    assert_eq!(two_page_site("all").await, all);
    assert!(two_page_site("none").await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_link_checks_connection_serves_nothing_after_it_while_pages_keep_theirs_alive() {
    // Thousands of sites check their links for minutes at once: a check's connection is
    // closed after its answer, so a site waiting for its host's next slot holds none.
    let world = Arc::new(world(2, 3, 0, false));
    let dir = tempfile::tempdir().unwrap();
    let (server, resolve) = serve_world(&world, dir.path()).await;
    let mut run: Vec<&str> = RUN.to_vec();
    run.push("homepage");
    let out = bin_at(dir.path(), T0, &run, &resolve).await;
    assert!(out.status.success(), "{}", text(&out));
    let db = dir.path().join("audit.db");
    let fetched: BTreeSet<String> = {
        let c = conn(&db);
        let mut st = c.prepare("SELECT url FROM fetches").unwrap();
        st.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let (mut checks, mut pages) = (0, 0);
    for site in &world.sites {
        let log = server.requests_to(&site.host);
        for (i, req) in log.iter().enumerate() {
            let url = format!("http://{}{}", site.host, req.target);
            let later_on_its_conn = log[i + 1..].iter().any(|l| l.conn == req.conn);
            if req.target == "/robots.txt" || fetched.contains(&url) {
                pages += 1;
            } else {
                checks += 1;
                assert!(!later_on_its_conn, "{url}: its connection served more");
            }
        }
        // robots.txt and the homepage come on one kept-alive connection, which ends
        // with the homepage (a site's largest page: its read buffer is not kept).
        let first_two: Vec<u64> = log.iter().take(2).map(|l| l.conn).collect();
        assert_eq!(first_two[0], first_two[1], "{}: {first_two:?}", site.host);
        assert_eq!(log[1].target, "/", "{}", site.host);
        assert!(
            log[2..].iter().all(|l| l.conn != log[1].conn),
            "{}: the homepage's connection served more",
            site.host
        );
    }
    assert!(
        checks > 100 * world.sites.len(),
        "{checks} checks, {pages} pages"
    );
}
