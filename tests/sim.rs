//! The simulated web: deterministic, consistent with its truth, and audited exactly.

mod common;

use common::*;
use portal_audit::export::matrix::{self, Value};
use portal_audit::sim::world::{World, WorldSpec};
use std::sync::Arc;

#[test]
fn the_world_is_byte_identical_for_a_seed() {
    let spec = WorldSpec {
        cities: 20,
        ..Default::default()
    };
    let a = Arc::new(World::generate(spec.clone()));
    let b = Arc::new(World::generate(spec));
    let (ha, hb) = (a.clone().handler(), b.clone().handler());
    for site in a.sites.iter().take(12) {
        for target in [
            "/",
            "/news/3.html",
            "/hdjl/index.html",
            "/hdjl/xmt.html",
            "/col/2/index.html",
        ] {
            let req = portal_audit::sim::server::Request {
                method: "GET".into(),
                target: target.into(),
                host: site.host.clone(),
                headers: vec![],
            };
            let (ra, rb) = (ha(&req), hb(&req));
            assert_eq!(ra.body, rb.body, "{}{target}", site.host);
        }
    }
    // A UTF-8 site that answers normally (GBK pages are a third smaller).
    let plain = a
        .sites
        .iter()
        .find(|s| !s.traits.gbk && !s.traits.dead && !s.traits.first_429 && !s.traits.robots_error)
        .unwrap();
    let home = ha(&portal_audit::sim::server::Request {
        method: "GET".into(),
        target: "/".into(),
        host: plain.host.clone(),
        headers: vec![],
    });
    assert!(
        (80_000..=150_000).contains(&home.body.len()),
        "homepage of {} bytes",
        home.body.len()
    );
    let art = ha(&portal_audit::sim::server::Request {
        method: "GET".into(),
        target: "/news/1.html".into(),
        host: plain.host.clone(),
        headers: vec![],
    });
    assert!(
        (15_000..=30_000).contains(&art.body.len()),
        "article of {} bytes",
        art.body.len()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_small_simulated_audit_matches_the_truth_exactly() {
    let world = Arc::new(World::generate(WorldSpec {
        cities: 12,
        pages_per_site: 12,
        departments: 2,
        ..Default::default()
    }));
    let (_server, dir, rep) = audit_world(&world, 12).await;
    let db = db(dir.path());
    assert!(!rep.interrupted);
    let m = matrix::load(&conn(&db), None).unwrap();
    let truth = world.truth(&m.channels);
    let mut wrong = Vec::new();
    let mut counts = std::collections::BTreeMap::new();
    for city in &m.cities {
        for cell in &city.cells {
            let want = truth
                .get(&(city.id.clone(), cell.sector, cell.channel.clone()))
                .copied()
                .unwrap_or("unknown");
            *counts.entry(want).or_insert(0) += 1;
            if cell.value.as_str() != want {
                wrong.push(format!(
                    "{} {} {} {}: got {}, truth {want}",
                    city.id,
                    city.name,
                    cell.sector,
                    cell.channel,
                    cell.value.as_str()
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} cells differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert_eq!(m.cities.len(), 12);
    assert!(
        counts["unknown"] > 0 && counts["yes"] > 0 && counts["no"] > 0,
        "{counts:?}"
    );
    // The dead host is unknown, never no.
    assert!(
        m.cities
            .iter()
            .flat_map(|c| &c.cells)
            .any(|c| c.value == Value::Unknown)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_discovery_world_is_audited_exactly_with_its_department_sites() {
    // Seeds without department sites; portals list them in dropdowns, 机构设置 pages,
    // footer blocks, frames and image maps among traps; two housing sites for some
    // cities; dead department hosts; every sixth city's menu only in JavaScript.
    let world = Arc::new(World::generate(WorldSpec {
        cities: 12,
        pages_per_site: 10,
        departments: 3,
        discover: true,
        ..Default::default()
    }));
    assert!(
        world
            .seeds_csv()
            .lines()
            .skip(1)
            .all(|l| l.contains(",,,,,"))
    );
    let (_server, dir, rep) = audit_world(&world, 10).await;
    let db = db(dir.path());
    let m = matrix::load(&conn(&db), Some(rep.run_id)).unwrap();
    let truth = world.truth(&m.channels);
    let mut wrong = Vec::new();
    let mut no_site = 0;
    for city in &m.cities {
        for cell in &city.cells {
            let want = truth
                .get(&(city.id.clone(), cell.sector, cell.channel.clone()))
                .copied()
                .unwrap_or("unknown");
            if cell.reason.as_deref() == Some("no-site-found") {
                no_site += 1;
            }
            if cell.value.as_str() != want {
                wrong.push(format!(
                    "{} {} {}: got {}, truth {want}",
                    city.id,
                    cell.sector,
                    cell.channel,
                    cell.value.as_str()
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{} wrong: {wrong:#?}", wrong.len());
    assert!(no_site > 0, "the JavaScript-only city has no site found");
    let two: i64 = scalar(
        &db,
        &format!(
            "SELECT COUNT(*) FROM (SELECT city_id FROM sites WHERE run_id = {} AND sector = 'housing' GROUP BY city_id HAVING COUNT(*) = 2)",
            rep.run_id
        ),
    );
    assert!(two > 0, "a city with two housing sites");
    let discovered: i64 = scalar(
        &db,
        &format!(
            "SELECT COUNT(*) FROM sites WHERE run_id = {} AND origin = 'discovered'",
            rep.run_id
        ),
    );
    let portal_up = |city: usize| {
        world.sites.iter().any(|p| {
            p.city == city
                && p.sector == portal_audit::model::Sector::General
                && !(p.traits.dead || p.traits.robots_error)
        })
    };
    let listed = world
        .sites
        .iter()
        .filter(|s| {
            s.sector != portal_audit::model::Sector::General && s.listed && portal_up(s.city)
        })
        .count();
    assert_eq!(
        discovered as usize, listed,
        "every listed department site, and no trap"
    );
}

/// 22.9: the demo wrote only some exports, its world had two of the five sectors, and it
/// did not say what the world held. It writes every export, covers all five sectors, and
/// describes its world in one line.
#[tokio::test]
async fn the_demo_writes_every_export_and_says_what_its_world_holds() {
    let dir = tempfile::tempdir().unwrap();
    let out = common::run_bin(
        ["demo", "--out", "d", "--cities", "10", "--pages", "4"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        dir.path(),
    )
    .await;
    let t = common::text(&out);
    assert!(out.status.success(), "{t}");
    let line = t
        .lines()
        .find(|l| l.starts_with("simulated web: "))
        .unwrap();
    for sector in ["housing", "education", "transport", "health", "environment"] {
        let n: usize = line
            .split(&format!(" {sector}"))
            .next()
            .and_then(|before| before.rsplit(' ').next())
            .and_then(|n| n.trim_start_matches('(').parse().ok())
            .unwrap_or_else(|| panic!("{sector} not counted: {line}"));
        assert!(n > 0, "no {sector} site: {line}");
    }
    assert!(
        line.contains("dead") && line.contains("10 cities"),
        "{line}"
    );
    for f in [
        "matrix.csv",
        "matrix.json",
        "matrix.md",
        "matrix.xlsx",
        "summary.md",
        "summary.html",
        "summary.csv",
        "summary.json",
        "accounts.csv",
        "accounts.json",
        "accounts.md",
        "evidence/index.html",
        "pages.warc.gz",
        "truth.csv",
    ] {
        let p = dir.path().join("d").join(f);
        assert!(
            p.metadata().is_ok_and(|m| m.len() > 0),
            "{f} missing or empty: {t}"
        );
        assert!(t.contains(f.split('/').next().unwrap().split('.').next().unwrap()));
    }
    let summary = std::fs::read_to_string(dir.path().join("d/summary.md")).unwrap();
    for sector in ["住房", "教育", "交通", "医疗", "环保"] {
        assert!(
            summary.contains(&format!("## {sector}部门网站")),
            "{summary}"
        );
    }
}

/// 22.11: `sim serve` printed only its address. With `--out` it prints the seeds file it
/// wrote and a `run` command ready to paste, which audits the simulated web.
#[tokio::test]
async fn sim_serve_prints_its_seeds_and_a_ready_run_command() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(common::BIN)
        .args([
            "sim",
            "serve",
            "--out",
            "w",
            "--cities",
            "3",
            "--pages",
            "3",
            "--no-hostile",
        ])
        .current_dir(dir.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = Vec::new();
    let command = loop {
        let l = lines.next().expect("sim serve ended early").unwrap();
        printed.push(l.clone());
        if let Some(cmd) = l.trim().strip_prefix("portal-audit run ") {
            break cmd.to_string();
        }
    };
    assert!(
        printed.iter().any(|l| l
            == &format!(
                "seeds: {}",
                std::path::Path::new("w").join("seeds.csv").display()
            )),
        "{printed:?}"
    );
    // Paste it (the shell's quotes removed, as a shell would), quietly.
    // The test adds a faster rate than the polite default the command keeps.
    let mut args: Vec<String> = vec!["run".into(), "--quiet".into(), "--rate".into(), "50".into()];
    args.extend(
        command
            .split_whitespace()
            .map(|w| w.trim_matches('\'').to_string()),
    );
    let out = common::run_bin(args, dir.path()).await;
    assert!(out.status.success(), "{}", common::text(&out));
    assert!(
        common::text(&out).contains("run 1 completed: 3 cities (0 failed)"),
        "{}",
        common::text(&out)
    );
    drop(child.stdin.take());
    child.wait().unwrap();
}
