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
    // A letter list's next page (下一页) is the same list: read within the budget.
    for (site, fetched) in &pages {
        let has = |p: &str| fetched.iter().any(|(path, _)| path == p);
        assert_eq!(
            has("/hdjl/xjxd.html"),
            has("/hdjl/xjxd_2.html"),
            "{site}: a letter list without its next page"
        );
    }
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
    // The summary's shares of sites passing each check agree with the rows.
    let out = run_bin(
        [
            "export",
            "summary",
            "--db",
            &db.display().to_string(),
            "--format",
            "json",
            "--out",
            "-",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        dir.path(),
    )
    .await;
    assert!(out.status.success(), "{}", text(&out));
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    let all = summary_checks_all(&summary);
    for check in ["identity", "freshness", "replies", "domain"] {
        let count = |v: &str| {
            sites
                .iter()
                .filter(|s| s["checks"][check]["verdict"] == v)
                .count() as u64
        };
        let share = &all["shares"][format!("check:{check}")];
        assert_eq!(share["yes"].as_u64(), Some(count("yes")), "{check}");
        assert_eq!(
            share["known"].as_u64(),
            Some(count("yes") + count("no")),
            "{check}"
        );
    }
    let by_sector = summary["checks"][2]["rows"].as_array().unwrap();
    assert_eq!(by_sector[0]["group"], "general");
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

/// A portal whose footer, lists and letters carry hostile text, fetched today.
fn hostile_portal() -> Vec<(String, portal_audit::sim::server::Reply)> {
    let today = portal_audit::page::inspect::dates::china_day(chrono::Utc::now());
    let day = |age: i64| {
        (today - chrono::Duration::days(age))
            .format("%Y-%m-%d")
            .to_string()
    };
    let home = format!(
        r#"<!DOCTYPE html><html><head><meta charset="utf-8"><title>甲市人民政府</title></head><body>
        <ul class="news"><li><a href="/n/1.html">&lt;script&gt;alert(1)&lt;/script&gt;=1+1</a><span>{}</span></li>
        <li><a href="/n/2.html">第二条</a><span>{}</span></li></ul>
        <a href="/hdjl/xjxd.html">信件选登</a>
        <div class="footer"><p>主办单位：=HYPERLINK("http://evil.example/")　网站标识码：3301000001　浙ICP备05000001号-1</p></div></body></html>"#,
        day(3),
        day(20)
    );
    let letters = format!(
        r#"<!DOCTYPE html><html><head><meta charset="utf-8"><title>信件选登</title></head><body>
        <table><tr><th>标题</th><th>来信时间</th><th>答复时间</th><th>状态</th></tr>
        <tr><td><a href="/l/1.html">@SUM(1)|| -2+3</a></td><td>{}</td><td>{}</td><td>已办结</td></tr>
        <tr><td><a href="/l/2.html">久拖未复</a></td><td>{}</td><td></td><td>办理中</td></tr></table></body></html>"#,
        day(40),
        day(30),
        day(120)
    );
    vec![
        html("www.jia.gov.cn/", home),
        html("www.jia.gov.cn/hdjl/xjxd.html", letters),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn every_format_says_the_same_and_hostile_text_stays_text() {
    let server = serve(routes(hostile_portal())).await;
    let dir = tempfile::tempdir().unwrap();
    let seeds = seeds(
        dir.path(),
        &["330100,甲市,浙江省,key,east,http://www.jia.gov.cn/,,,,,"],
    );
    let db = db(dir.path());
    audit(&db, &seeds, all(), config(&server)).await;
    let export = |format: &str| {
        let out = dir.path().join(format!("inspection.{format}"));
        let args: Vec<String> = [
            "export",
            "inspection",
            "--db",
            &db.display().to_string(),
            "--format",
            format,
            "--out",
            &out.display().to_string(),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        (args, out)
    };
    let mut files = BTreeMap::new();
    for format in ["json", "csv", "md", "html", "xlsx"] {
        let (args, out) = export(format);
        let o = run_bin(args, dir.path()).await;
        assert!(o.status.success(), "{format}: {}", text(&o));
        files.insert(format, out);
    }
    let json: Value = serde_json::from_slice(&std::fs::read(&files["json"]).unwrap()).unwrap();
    let site = &json["sites"][0];
    assert_eq!(site["city"], "330100");
    assert_eq!(site["site"], "http://www.jia.gov.cn/");
    let c = &site["checks"];
    assert_eq!(c["identity"]["verdict"], "yes");
    assert_eq!(c["identity"]["organizer"]["value"], "=HYPERLINK");
    assert_eq!(c["freshness"]["verdict"], "yes");
    assert_eq!(c["freshness"]["age_days"], 3);
    assert_eq!(c["replies"]["verdict"], "no", "{c:#}");
    assert_eq!(
        (
            c["replies"]["letters"].as_u64(),
            c["replies"]["overdue"].as_u64()
        ),
        (Some(2), Some(1))
    );
    assert_eq!(c["domain"]["verdict"], "yes");
    // The contract's keys, each check with its verdict.
    for (check, keys) in [
        (
            "identity",
            &[
                "verdict",
                "site_code",
                "icp",
                "psb",
                "conac",
                "organizer",
                "error_report",
                "missing",
            ][..],
        ),
        (
            "freshness",
            &["verdict", "newest", "age_days", "item", "stale_columns"][..],
        ),
        (
            "replies",
            &[
                "verdict",
                "letters",
                "replied",
                "median_days",
                "max_days",
                "late",
                "overdue",
            ][..],
        ),
        ("domain", &["verdict"][..]),
    ] {
        for k in keys {
            assert!(c[check].get(*k).is_some(), "{check}.{k} missing: {c:#}");
        }
    }
    // CSV: the same verdicts, and no cell a spreadsheet would run as a formula.
    let csv = std::fs::read_to_string(&files["csv"]).unwrap();
    let mut reader = csv::Reader::from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let row: Vec<String> = reader
        .records()
        .next()
        .unwrap()
        .unwrap()
        .iter()
        .map(String::from)
        .collect();
    let col = |name: &str| row[header.iter().position(|h| h == name).unwrap()].clone();
    assert_eq!(
        (
            col("identity"),
            col("freshness"),
            col("replies"),
            col("domain")
        ),
        ("yes".into(), "yes".into(), "no".into(), "yes".into())
    );
    assert_eq!(col("organizer"), "'=HYPERLINK");
    assert!(
        col("newest_item").starts_with("<script>"),
        "text, escaped only where shown"
    );
    // xlsx, opened as a spreadsheet reads it: strings, never formulas.
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&files["xlsx"]).unwrap();
    let sheet = book.worksheet_range("inspection").unwrap();
    let rows: Vec<Vec<calamine::Data>> = sheet.rows().map(|r| r.to_vec()).collect();
    let xcol = |name: &str| {
        let i = rows[0].iter().position(|h| *h == name).unwrap();
        rows[1][i].clone()
    };
    assert_eq!(
        xcol("organizer"),
        calamine::Data::String("=HYPERLINK".into())
    );
    assert_eq!(xcol("replies").to_string(), "no");
    let formulas = book.worksheet_formula("inspection").unwrap();
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "no formula cells"
    );
    // Markdown: the page's text cannot add a column.
    let md = std::fs::read_to_string(&files["md"]).unwrap();
    let line = md.lines().find(|l| l.contains("甲市")).unwrap();
    assert_eq!(line.matches(" |").count(), 17, "{line}");
    // The evidence pack: each check on the city page, its evidence opening the archived
    // page at its element.
    let pack = dir.path().join("pack");
    let o = run_bin(
        [
            "export",
            "evidence",
            "--db",
            &db.display().to_string(),
            "--out",
            &pack.display().to_string(),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        dir.path(),
    )
    .await;
    assert!(o.status.success(), "{}", text(&o));
    let city = std::fs::read_to_string(pack.join("city-330100.html")).unwrap();
    assert!(city.contains("Inspection checks"), "{city}");
    assert!(
        city.contains("overdue submitted"),
        "the overdue letter is shown"
    );
    assert!(!city.contains("<script>alert"), "escaped");
    let link = city
        .split("href=\"")
        .filter_map(|s| s.split('"').next())
        .find(|h| h.contains(".checks.html#check-"))
        .expect("a link to an archived page opened at the evidence");
    let (file, anchor) = link.split_once('#').unwrap();
    let archived = std::fs::read_to_string(pack.join(file)).unwrap();
    assert!(
        archived.contains(&format!("id=\"{anchor}\"")),
        "the element carries the anchor"
    );
    if let Some((dom, _)) = chromium_dom(&pack.join("city-330100.html"), 500) {
        assert!(dom.contains("Inspection checks") && !dom.contains("<script>alert"));
    }
    // HTML, opened in a browser: the page's text is text, nothing runs.
    let html = std::fs::read_to_string(&files["html"]).unwrap();
    assert!(!html.contains("<script>alert"), "escaped");
    if let Some((dom, _)) = chromium_dom(&files["html"], 500) {
        assert!(!dom.contains("<script>alert"), "{dom}");
        assert!(
            dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;=1+1"),
            "shown as text"
        );
    }
}

/// A portal whose homepage lacks an ICP number and was last updated 40 days ago until
/// `fixed` is set, then has both right.
fn mending_portal(fixed: Arc<std::sync::atomic::AtomicBool>) -> portal_audit::sim::server::Handler {
    Arc::new(move |req: &portal_audit::sim::server::Request| {
        if req.path() != "/" {
            return portal_audit::sim::server::Reply::not_found();
        }
        let today = portal_audit::page::inspect::dates::china_day(chrono::Utc::now());
        let now = fixed.load(std::sync::atomic::Ordering::SeqCst);
        let age = if now { 2 } else { 40 };
        let day = (today - chrono::Duration::days(age)).format("%Y-%m-%d");
        let icp = if now { "浙ICP备05000001号-1" } else { "" };
        portal_audit::sim::server::Reply::html(format!(
            r#"<!DOCTYPE html><html><head><meta charset="utf-8"><title>甲市人民政府</title></head><body>
            <ul><li><a href="/n/1.html">要闻</a><span>{day}</span></li></ul>
            <div class="footer"><p>主办单位：甲市人民政府办公厅　网站标识码：3301000001　{icp}</p></div></body></html>"#
        ))
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn diff_reports_checks_whose_verdict_changed() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let fixed = Arc::new(AtomicBool::new(false));
    let handler = mending_portal(fixed.clone());
    let server = serve(handler).await;
    let dir = tempfile::tempdir().unwrap();
    let seeds = seeds(
        dir.path(),
        &["330100,甲市,浙江省,key,east,http://www.jia.gov.cn/,,,,,"],
    );
    let db = db(dir.path());
    audit(&db, &seeds, all(), config(&server)).await;
    fixed.store(true, Ordering::SeqCst);
    audit(&db, &seeds, all(), config(&server)).await;
    let args: Vec<String> = [
        "diff",
        "1",
        "2",
        "--format",
        "json",
        "--db",
        &db.display().to_string(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let out = run_bin(args, dir.path()).await;
    assert!(out.status.success(), "{}", text(&out));
    let changes: Value = serde_json::from_slice(&out.stdout).unwrap();
    let checks: Vec<(String, String, String, String)> = changes
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["channel"].as_str().unwrap().starts_with("check:"))
        .map(|c| {
            let s = |k: &str| c[k].as_str().unwrap().to_string();
            (s("channel"), s("change"), s("before"), s("after"))
        })
        .collect();
    let want = |ch: &str| {
        (
            ch.to_string(),
            "check-passed".to_string(),
            "no".to_string(),
            "yes".to_string(),
        )
    };
    assert_eq!(checks, [want("check:identity"), want("check:freshness")]);
    // redetect recomputes the checks offline from the stored pages: the same verdicts.
    let o = run_bin(cli(&db, &["redetect", "--run", "2"]), dir.path()).await;
    assert!(o.status.success(), "{}", text(&o));
    let checks_of = |run: &'static str| {
        let args = cli(
            &db,
            &[
                "export",
                "inspection",
                "--format",
                "json",
                "--out",
                "-",
                "--run",
                run,
            ],
        );
        async move {
            let o = run_bin(args, std::path::Path::new(".")).await;
            assert!(o.status.success(), "{}", text(&o));
            let v: Value = serde_json::from_slice(&o.stdout).unwrap();
            v["sites"][0]["checks"].clone()
        }
    };
    let (live, again) = (checks_of("2").await, checks_of("3").await);
    assert_eq!(live, again);
    assert_eq!(again["identity"]["verdict"], "yes");
}

fn cli(db: &std::path::Path, args: &[&str]) -> Vec<String> {
    args.iter()
        .map(|s| s.to_string())
        .chain(["--db".to_string(), db.display().to_string()])
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn reviewers_overturn_a_check_with_a_trail_and_it_turns_stale_when_the_site_changes() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let fixed = Arc::new(AtomicBool::new(false));
    let server = serve(mending_portal(fixed.clone())).await;
    let dir = tempfile::tempdir().unwrap();
    let seeds = seeds(
        dir.path(),
        &["330100,甲市,浙江省,key,east,http://www.jia.gov.cn/,,,,,"],
    );
    let db = db(dir.path());
    audit(&db, &seeds, all(), config(&server)).await;
    let export = |computed: bool| {
        let mut a = cli(
            &db,
            &["export", "inspection", "--format", "json", "--out", "-"],
        );
        if computed {
            a.push("--computed".into());
        }
        a
    };
    // 王审核 sets a check of 甲市's portal to yes.
    let set_check = |check: &'static str, reason: &'static str| {
        let args = [
            "review",
            "set",
            "330100",
            "general",
            check,
            "yes",
            "--reason",
            reason,
            "--reviewer",
            "王审核",
        ];
        run_bin(cli(&db, &args), dir.path())
    };
    let o = set_check(
        "check:freshness",
        "the news list is updated daily; the homepage shows an old block",
    )
    .await;
    assert!(o.status.success(), "{}", text(&o));
    // A check that does not exist is refused, naming the checks.
    let o = set_check("check:speed", "x").await;
    assert!(
        !o.status.success() && text(&o).contains("check:freshness"),
        "{}",
        text(&o)
    );
    let o = run_bin(export(false), dir.path()).await;
    let json: Value = serde_json::from_slice(&o.stdout).unwrap();
    let site = &json["sites"][0];
    assert_eq!(site["checks"]["freshness"]["verdict"], "yes");
    let rv = &site["reviews"]["freshness"];
    assert_eq!(
        (
            rv["computed"].as_str(),
            rv["reviewer"].as_str(),
            rv["stale"].as_bool()
        ),
        (Some("no"), Some("王审核"), Some(false))
    );
    let o = run_bin(export(true), dir.path()).await;
    let computed: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        computed["sites"][0]["checks"]["freshness"]["verdict"], "no",
        "--computed: the machine's"
    );
    // The same trail as a cell's.
    let o = run_bin(cli(&db, &["review", "history", "330100"]), dir.path()).await;
    assert!(
        text(&o).contains("check:freshness") && text(&o).contains("王审核"),
        "{}",
        text(&o)
    );
    // A later audit reads the homepage differently: the decision holds and is stale.
    fixed.store(true, Ordering::SeqCst);
    audit(&db, &seeds, all(), config(&server)).await;
    let o = run_bin(export(false), dir.path()).await;
    let json: Value = serde_json::from_slice(&o.stdout).unwrap();
    let rv = &json["sites"][0]["reviews"]["freshness"];
    assert_eq!(rv["stale"], true, "{json:#}");
    assert_eq!(rv["computed"], "yes");
    // Exported and imported into another database, the decision is the same decision.
    let csv = dir.path().join("decisions.csv");
    let o = run_bin(
        cli(
            &db,
            &["review", "export", "--out", &csv.display().to_string()],
        ),
        dir.path(),
    )
    .await;
    assert!(o.status.success(), "{}", text(&o));
    let o = run_bin(
        cli(&db, &["review", "import", &csv.display().to_string()]),
        dir.path(),
    )
    .await;
    assert!(o.status.success(), "{}", text(&o));
    let n: i64 = scalar(
        &db,
        "SELECT COUNT(*) FROM decisions WHERE channel = 'check:freshness'",
    );
    assert_eq!(n, 1, "importing the same decision again records nothing");
}
