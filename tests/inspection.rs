//! The inspection checks end to end (issue 25): a simulated world whose sites carry
//! footers with and without each identity field (and the traps), homepages with fresh,
//! stale, undated and future-dated lists, columns of each class fresh and stale, and
//! letter lists over two pages with timely, late and overdue letters, is audited; the
//! binary's `export inspection` then equals the world's truth exactly, site by site, and
//! its CSV, xlsx and HTML say the same.

mod common;

use common::*;
use portal_audit::sim::inspection::{Expected, expected};
use portal_audit::sim::world::{World, WorldSpec};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The pages each site's crawl fetched (path, depth), by start URL.
fn fetched(db: &std::path::Path) -> BTreeMap<String, Vec<(String, u32)>> {
    let conn = conn(db);
    let mut st = conn
        .prepare(
            "SELECT s.start_url, f.final_url, f.depth FROM fetches f JOIN sites s ON s.id = f.site_id
             WHERE f.status = 200 AND f.body_sha256 IS NOT NULL",
        )
        .unwrap();
    let mut out: BTreeMap<String, Vec<(String, u32)>> = BTreeMap::new();
    for row in st
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, u32>(2)?,
            ))
        })
        .unwrap()
    {
        let (start, url, depth) = row.unwrap();
        let path = url::Url::parse(&url).unwrap().path().to_string();
        out.entry(start).or_default().push((path, depth));
    }
    out
}

/// What the export says of a site, in the truth's terms.
fn got(site: &Value) -> Expected {
    let c = &site["checks"];
    let s = |v: &Value| -> &'static str {
        match v.as_str().unwrap() {
            "yes" => "yes",
            "no" => "no",
            _ => "unknown",
        }
    };
    let mut stale: Vec<String> = c["freshness"]["stale_columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            url::Url::parse(x["page"].as_str().unwrap())
                .unwrap()
                .path()
                .to_string()
        })
        .collect();
    stale.sort();
    Expected {
        identity: s(&c["identity"]["verdict"]),
        missing: c["identity"]["missing"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| match m.as_str().unwrap() {
                "site_code" => "site_code",
                "organizer" => "organizer",
                _ => "icp",
            })
            .collect(),
        freshness: s(&c["freshness"]["verdict"]),
        age_days: c["freshness"]["age_days"].as_i64(),
        stale_columns: stale,
        future_dated: c["freshness"]["future_dated"].as_array().unwrap().len(),
        replies: s(&c["replies"]["verdict"]),
        letters: c["replies"]["letters"].as_u64().unwrap() as usize,
        late: c["replies"]["late"].as_u64().unwrap() as usize,
        overdue: c["replies"]["overdue"].as_u64().unwrap() as usize,
        domain: s(&c["domain"]["verdict"]),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_inspection_export_equals_the_simulated_worlds_truth() {
    let world = Arc::new(World::generate(WorldSpec {
        cities: 16,
        pages_per_site: 40,
        departments: 2,
        ..Default::default()
    }));
    let (_server, dir, rep) = audit_world(&world, 40).await;
    assert!(!rep.interrupted);
    let db = db(dir.path());
    let out = run_bin(
        vec![
            "export".into(),
            "inspection".into(),
            "--db".into(),
            db.display().to_string(),
            "--format".into(),
            "json".into(),
            "--out".into(),
            "-".into(),
        ],
        dir.path(),
    )
    .await;
    assert!(out.status.success(), "{}", text(&out));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let sites = json["sites"].as_array().unwrap();
    let pages = fetched(&db);
    let site_of = |url: &str| {
        let host = url::Url::parse(url)
            .unwrap()
            .host_str()
            .unwrap()
            .to_string();
        world.sites.iter().find(|s| s.host == host).unwrap()
    };
    let mut wrong = Vec::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for site in sites {
        let url = site["site"].as_str().unwrap();
        let sim = site_of(url);
        let mut g = got(site);
        if site["outcome"] != "ok" {
            // An unreached site is unknown on every check read from its pages.
            assert_eq!(
                (g.identity, g.freshness, g.replies),
                ("unknown", "unknown", "unknown"),
                "{url}"
            );
            continue;
        }
        let portal = sites.iter().find(|p| {
            p["city"] == site["city"] && p["sector"] == "general" && p["outcome"] == "ok"
        });
        let portal_shows_code =
            portal.is_some_and(|p| !p["checks"]["identity"]["site_code"].is_null());
        let want = expected(&world, sim, &pages[url], portal_shows_code);
        // The truth counts one future item per site; the export lists each it read.
        g.future_dated = g.future_dated.min(1);
        for (check, v) in [
            ("identity", want.identity),
            ("freshness", want.freshness),
            ("replies", want.replies),
        ] {
            *seen.entry(format!("{check}={v}")).or_default() += 1;
        }
        if !want.stale_columns.is_empty() {
            *seen.entry("stale".into()).or_default() += 1;
        }
        if want.late > 0 || want.overdue > 0 {
            *seen.entry("late-or-overdue".into()).or_default() += 1;
        }
        if want.future_dated > 0 {
            *seen.entry("future".into()).or_default() += 1;
        }
        if g != want {
            wrong.push(format!("{url}\n  got  {g:?}\n  want {want:?}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} sites differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    // The world exercised every verdict of every check (the test cannot pass vacuously).
    for key in [
        "identity=yes",
        "identity=no",
        "freshness=yes",
        "freshness=no",
        "replies=yes",
        "replies=no",
        "replies=unknown",
        "stale",
        "late-or-overdue",
        "future",
    ] {
        assert!(
            seen.get(key).copied().unwrap_or(0) > 0,
            "no site with {key}: {seen:?}"
        );
    }
}
