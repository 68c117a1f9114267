//! Regression tests, one per defect, named after the bug they pin (issue 12: defects an
//! adversarial pass found against the release binary).

mod common;

use common::*;
use portal_audit::export::{evidence, matrix};
use portal_audit::sim::server::{Reply, Request, Server};
use std::sync::Arc;

/// A server that answers every request with a small page and logs it: nothing may
/// ever reach it.
async fn canary() -> Server {
    serve(Arc::new(|_: &Request| Reply::html("<p>canary</p>"))).await
}

/// 12.1: with `--resolve www.ssrf.gov.cn:P:127.0.0.1`, redirects and links to that
/// address at another port (in every spelling), to another port of the same host, and a
/// robots.txt redirecting there, reached a canary server.
#[tokio::test]
async fn resolve_trust_does_not_leak_to_the_address_or_other_ports() {
    let canary = canary().await;
    let c = canary.addr.port();
    // City i's portal redirects to spelling i of the canary's address.
    let spellings = [
        format!("http://127.0.0.1:{c}/ip"),
        format!("http://127.1:{c}/"),
        format!("http://2130706433:{c}/"),
        format!("http://0x7f.1:{c}/"),
        format!("http://0177.0.0.1:{c}/"),
        format!("http://127.0.0.1.:{c}/"),
        format!("http://x@127.0.0.1:{c}/"),
        format!("http:\\\\127.0.0.1:{c}\\a"),
        format!("//127.0.0.1:{c}/rel"),
        format!("http://www.s0.gov.cn:{c}/other-port"),
    ];
    let n = spellings.len();
    let handler = {
        let (spellings, c) = (spellings.clone(), c);
        Arc::new(move |req: &Request| {
            let i: Option<usize> = req
                .host
                .strip_prefix("www.s")
                .and_then(|h| h.strip_suffix(".gov.cn"))
                .and_then(|i| i.parse().ok());
            match (i, req.path()) {
                (Some(i), "/") if i < spellings.len() => Reply::redirect(302, &spellings[i]),
                // A robots.txt that redirects to the canary.
                (Some(i), "/robots.txt") if i == spellings.len() => {
                    Reply::redirect(302, &format!("http://127.0.0.1:{c}/robots.txt"))
                }
                // An in-scope link to another port of a trusted host.
                (Some(_), "/") => Reply::html(page(
                    "丙市",
                    &format!(
                        "<a href=\"http://{}:{c}/other-port\">市长信箱</a>",
                        req.host
                    ),
                )),
                _ => Reply::not_found(),
            }
        })
    };
    let portal = serve(handler).await;
    let p = portal.addr.port();
    let dir = tempfile::tempdir().unwrap();
    let rows: Vec<String> = (0..n + 2)
        .map(|i| {
            format!(
                "{},城{i}市,浙江省,key,east,http://www.s{i}.gov.cn:{p}/,,,,,",
                100 + i
            )
        })
        .collect();
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    let seeds_file = seeds(dir.path(), &rows);
    let db = db(dir.path());
    let mut cfg = config(&portal);
    cfg.resolve = (0..n + 2)
        .map(|i| format!("www.s{i}.gov.cn:{p}:127.0.0.1"))
        .collect();
    let rep = audit(&db, &seeds_file, all(), cfg.clone()).await;
    assert!(
        canary.targets().is_empty(),
        "the canary was reached: {:?}",
        canary.targets()
    );
    for (i, spelling) in spellings.iter().enumerate() {
        let s = sites(&db, rep.run_id, &format!("{}", 100 + i));
        assert_eq!(s[0].1, "refused", "{spelling}: {s:?}");
    }
    let moved: i64 = scalar(
        &db,
        &format!(
            "SELECT COUNT(*) FROM sites WHERE run_id = {} AND moved_to IS NOT NULL",
            rep.run_id
        ),
    );
    assert_eq!(moved, 0);
    let robots = sites(&db, rep.run_id, &format!("{}", 100 + n));
    assert_eq!(robots[0].1, "blocked-by-robots", "{robots:?}");
    let links = sites(&db, rep.run_id, &format!("{}", 101 + n));
    assert_eq!(links[0].1, "ok", "{links:?}");
    let refused: String = scalar(
        &db,
        &format!(
            "SELECT error_kind FROM fetches WHERE url = 'http://www.s{}.gov.cn:{c}/other-port'",
            n + 1
        ),
    );
    assert_eq!(refused, "refused");

    // `inspect URL` and `seeds check --probe` apply the same rules.
    let resolve = format!("www.s0.gov.cn:{p}:127.0.0.1");
    let out = run_bin(
        vec![
            "inspect".into(),
            format!("http://www.s0.gov.cn:{p}/"),
            "--resolve".into(),
            resolve.clone(),
        ],
        dir.path(),
    )
    .await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("refused"), "{}", text(&out));
    let probe_seeds = seeds(
        dir.path(),
        &[&format!(
            "1,甲市,浙江省,key,east,http://www.s0.gov.cn:{p}/,,,,,"
        )],
    );
    let out = run_bin(
        vec![
            "seeds".into(),
            "check".into(),
            "--seeds".into(),
            probe_seeds.display().to_string(),
            "--probe".into(),
            "--resolve".into(),
            resolve,
        ],
        dir.path(),
    )
    .await;
    assert!(text(&out).contains("refused"), "{}", text(&out));
    assert!(canary.targets().is_empty(), "{:?}", canary.targets());
}

/// Serves one site whose robots.txt is `robots`, with a page under `/private/` linked
/// from the homepage; returns the server.
async fn robots_site(robots: impl Fn(usize) -> Reply + Send + Sync + 'static) -> Server {
    let asked = std::sync::atomic::AtomicUsize::new(0);
    serve(Arc::new(move |req: &Request| match req.path() {
        "/robots.txt" => robots(asked.fetch_add(1, std::sync::atomic::Ordering::SeqCst)),
        "/" => Reply::html(page(
            "甲市",
            "<a href=\"/private/a.html\">市长信箱</a><a href=\"/open.html\">公开</a>",
        )),
        "/private/a.html" | "/open.html" => Reply::html(page("页", "<p>x</p>")),
        _ => Reply::not_found(),
    }))
    .await
}

async fn audit_one(server: &Server) -> (std::path::PathBuf, i64, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let seeds = seeds(
        dir.path(),
        &["1,甲市,浙江省,key,east,http://www.a.gov.cn/,,,,,"],
    );
    let db = db(dir.path());
    let rep = audit(&db, &seeds, all(), config(server)).await;
    (db, rep.run_id, dir)
}

/// One city whose portal shows its Weibo account, audited: the database, the run and the
/// folder they sit in.
async fn audit_weibo_city() -> (std::path::PathBuf, i64, tempfile::TempDir) {
    let server = serve(routes(vec![html(
        "www.a.gov.cn/",
        page("甲市", "<a href=\"https://weibo.com/jiashi\">甲市发布</a>"),
    )]))
    .await;
    audit_one(&server).await
}

/// 12.2: a robots.txt answering 429 was taken as "no robots.txt" (allow all).
#[tokio::test]
async fn robots_txt_answering_429_is_not_allow_all() {
    // Always 429, with and without Retry-After: the site is blocked, nothing fetched.
    for with_retry_after in [true, false] {
        let server = robots_site(move |_| {
            let r = Reply::new(429, "text/plain", "slow down");
            if with_retry_after {
                r.header("Retry-After", "0")
            } else {
                r
            }
        })
        .await;
        let (db, run, _dir) = audit_one(&server).await;
        let s = sites(&db, run, "1");
        assert_eq!(s[0].1, "blocked-by-robots", "{s:?}");
        assert!(s[0].2.as_deref().unwrap_or("").contains("429"), "{s:?}");
        assert!(
            server.targets().iter().all(|t| t.ends_with("/robots.txt")),
            "{:?}",
            server.targets()
        );
    }
    // 429 once, then the file: its rules apply.
    let server = robots_site(|n| {
        if n == 0 {
            Reply::new(429, "text/plain", "later").header("Retry-After", "1")
        } else {
            Reply::new(200, "text/plain", "User-agent: *\nDisallow: /private/\n")
        }
    })
    .await;
    let (db, run, _dir) = audit_one(&server).await;
    assert_eq!(sites(&db, run, "1")[0].1, "ok");
    let t = server.targets();
    assert!(t.contains(&"www.a.gov.cn/open.html".to_string()), "{t:?}");
    assert!(!t.iter().any(|x| x.contains("/private/")), "{t:?}");
}

/// 12.3: a robots.txt served as application/octet-stream was ignored.
#[tokio::test]
async fn robots_txt_of_any_content_type_is_obeyed() {
    for ct in ["application/octet-stream", "image/png", "text/html"] {
        let server =
            robots_site(move |_| Reply::new(200, ct, "User-agent: *\nDisallow: /private/\n")).await;
        let (db, run, _dir) = audit_one(&server).await;
        assert_eq!(sites(&db, run, "1")[0].1, "ok");
        let t = server.targets();
        assert!(!t.iter().any(|x| x.contains("/private/")), "{ct}: {t:?}");
        assert!(
            t.contains(&"www.a.gov.cn/open.html".to_string()),
            "{ct}: {t:?}"
        );
    }
}

/// Also: a robots.txt that redirects to a refused or unresolvable target blocks the site.
#[tokio::test]
async fn robots_txt_redirecting_to_a_refused_target_blocks_the_site() {
    for target in [
        "http://10.0.0.1/robots.txt",
        "http://nowhere.invalid/robots.txt",
    ] {
        let server = robots_site(move |_| Reply::redirect(302, target)).await;
        let dir = tempfile::tempdir().unwrap();
        let seeds = seeds(
            dir.path(),
            &["1,甲市,浙江省,key,east,http://www.a.gov.cn/,,,,,"],
        );
        let db = db(dir.path());
        let mut cfg = config(&server);
        cfg.resolve = vec![
            format!("www.a.gov.cn:*:{}", server.addr),
            // An unresolvable name without DNS traffic: a closed port.
            "nowhere.invalid:*:127.0.0.1:9".into(),
        ];
        let rep = audit(&db, &seeds, all(), cfg).await;
        let s = sites(&db, rep.run_id, "1");
        assert_eq!(s[0].1, "blocked-by-robots", "{target}: {s:?}");
        assert!(
            s[0].2.as_deref().unwrap_or("").contains("robots.txt"),
            "{s:?}"
        );
    }
}

/// 12.4: one UTF-8 character cut in half made a declared UTF-8 page GBK, and its
/// channels a wrong "no".
#[tokio::test]
async fn one_truncated_utf8_character_does_not_turn_a_page_into_gbk() {
    let title = "甲市人民政府关于进一步优化政务服务的通知";
    let mut body = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{}",
        ""
    )
    .into_bytes();
    body.extend_from_slice(&title.as_bytes()[..title.len() - 2]);
    body.extend_from_slice(
        "</title></head><body><div class=\"nav\"><a href=\"/hdjl/szxx.html\">市长信箱</a></div><p>主办：甲市人民政府办公室</p></body></html>"
            .as_bytes(),
    );
    let server = serve(routes(vec![(
        "www.a.gov.cn/".into(),
        Reply::new(200, "text/html; charset=UTF-8", body),
    )]))
    .await;
    let (db, run, _dir) = audit_one(&server).await;
    let charset: String = scalar(
        &db,
        "SELECT charset FROM fetches WHERE url = 'http://www.a.gov.cn/'",
    );
    assert_eq!(charset, "UTF-8");
    assert!(present(&db, run).contains(&("1".into(), "general".into(), "consultation".into())));
}

/// 12.5: archived evidence pages ran scripts, navigated away and fetched remote
/// resources when opened; a hostile tag name restyled the page.
#[tokio::test]
async fn archived_pages_are_inert_and_offline_in_chromium() {
    let canary = canary().await;
    let c = format!("http://127.0.0.1:{}", canary.addr.port());
    let hostile = format!(
        r##"<!DOCTYPE html><html><head><title>原始标题</title>
<base href="{c}/base/">
<meta http-equiv="&#114;efresh" content="0;url={c}/refresh">
<link rel="stylesheet" href="{c}/css"><link rel="prefetch" href="{c}/prefetch"><link rel="icon" href="{c}/icon">
<style>@import url({c}/import); .x{{background:url({c}/stylebg)}}</style>
<script>document.title='pwned';new Image().src='{c}/script'</script>
<script src="{c}/scriptsrc"></script>
</head><body onload="new Image().src='{c}/onload'">
<div class="x"><a href="https://weibo.com/jiashi">甲市发布</a></div>
<img src="x"/onerror="new Image().src='{c}/onerror1'"><img src="x"onerror="new Image().src='{c}/onerror2'">
<iframe srcdoc="&lt;script&gt;parent.document.title='pwned';new Image().src='{c}/srcdoc'&lt;/script&gt;"></iframe>
<iframe src="data:text/html,&lt;script&gt;new Image().src='{c}/dataframe'&lt;/script&gt;"></iframe>
<object data="data:text/html,&lt;script&gt;new Image().src='{c}/dataobject'&lt;/script&gt;"></object>
<embed src="data:text/html,&lt;script&gt;new Image().src='{c}/dataembed'&lt;/script&gt;">
<iframe src="{c}/remoteframe"></iframe>
<img src="{c}/img" srcset="{c}/srcset 2x"><svg><image href="{c}/svgimage" width="10" height="10"/><a xlink:href="javascript:alert(1)"><text>t</text></a></svg>
<video poster="{c}/poster" src="{c}/video" autoplay></video><audio src="{c}/audio" autoplay></audio>
<object data="{c}/object"></object><embed src="{c}/embed"><input type="image" src="{c}/inputimage">
<div style="background:url({c}/inlinestyle);width:10px;height:10px">s</div>
<details open ontoggle="new Image().src='{c}/ontoggle'"><summary>d</summary></details>
<svg onload="new Image().src='{c}/svgonload'"></svg>
<a href="jAvAsCrIpT&colon;alert(1)">j</a><a href="&#106;avascript:alert(2)">k</a><a href="java&#9;script:alert(3)">l</a>
<form action="javascript&#58;alert(4)"><button>f</button></form>
<x{{}}body{{background:red!important}}x><a href="https://weibo.com/u/12345">微博</a></x{{}}body{{background:red!important}}x>
<p id="marker">archived-marker</p>
</body></html>"##
    );
    let server = serve(routes(vec![("www.a.gov.cn/".into(), Reply::html(hostile))])).await;
    let (db, _run, dir) = audit_one(&server).await;
    assert!(
        canary.targets().is_empty(),
        "the crawl reached the canary: {:?}",
        canary.targets()
    );
    let conn = portal_audit::store::open_ro(&db).unwrap();
    let m = matrix::load(&conn, None).unwrap();
    let pack = dir.path().join("pack");
    evidence::write_pack(&conn, &m, &pack).unwrap();
    let pages: Vec<std::path::PathBuf> = std::fs::read_dir(pack.join("pages"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(pages.len(), 1, "{pages:?}");
    let archived = std::fs::read_to_string(&pages[0]).unwrap();
    assert!(archived.contains("Content-Security-Policy"));
    // Off the runtime's thread: a request reaching the canary must be answered (and
    // heard), not hang the browser.
    let page = pages[0].clone();
    let opened = tokio::task::spawn_blocking(move || chromium_dom(&page, 3000));
    let Some((dom, stderr)) = opened.await.unwrap() else {
        eprintln!("chromium not installed: the browser half of this test is skipped");
        return;
    };
    assert!(
        dom.contains("archived-marker"),
        "the archived page did not stay open: {dom}\n{stderr}"
    );
    assert!(
        dom.contains("<title>原始标题</title>"),
        "the title changed: {dom}"
    );
    assert_eq!(
        dom.matches("<title>").count(),
        1,
        "a script added a title: {dom}"
    );
    // Give any late request a moment, then check the canary heard nothing.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(
        canary.targets().is_empty(),
        "opening the archived page made requests: {:?}",
        canary.targets()
    );
}

/// 12.6: `--db` through a symlink or a hard link bypassed the one-writer lock.
#[tokio::test]
async fn the_run_lock_holds_through_symlinks_and_hard_links() {
    let server = serve(routes(vec![html(
        "www.a.gov.cn/",
        page("甲市", "<p>x</p>"),
    )]))
    .await;
    let dir = tempfile::tempdir().unwrap();
    seeds(
        dir.path(),
        &["1,甲市,浙江省,key,east,http://www.a.gov.cn/,,,,,"],
    );
    let db = dir.path().join("a.db");
    std::os::unix::fs::symlink(&db, dir.path().join("sym.db")).ok();
    let _held = portal_audit::store::RunLock::acquire(&db).unwrap();
    std::fs::hard_link(&db, dir.path().join("hard.db")).unwrap();
    for other in ["sym.db", "hard.db", "./a.db"] {
        let out = run_bin(
            vec![
                "run".into(),
                "--quiet".into(),
                "--seeds".into(),
                "cities.csv".into(),
                "--db".into(),
                other.into(),
                "--resolve".into(),
                server.resolve_all(),
            ],
            dir.path(),
        )
        .await;
        assert_eq!(out.status.code(), Some(3), "{other}: {}", text(&out));
        assert!(
            text(&out).contains("another portal-audit run is writing"),
            "{}",
            text(&out)
        );
    }
    assert!(server.targets().is_empty(), "nothing was crawled twice");
}

/// Also: an evidence pack written into a folder that holds other files is refused, and
/// a second pack into the same folder replaces the first instead of mixing with it.
#[tokio::test]
async fn evidence_packs_never_mix_with_old_files() {
    let (db, _run, dir) = audit_weibo_city().await;
    let conn = portal_audit::store::open_ro(&db).unwrap();
    let m = matrix::load(&conn, None).unwrap();
    let foreign = dir.path().join("mine");
    std::fs::create_dir_all(&foreign).unwrap();
    std::fs::write(foreign.join("notes.txt"), "my notes").unwrap();
    let e = evidence::write_pack(&conn, &m, &foreign)
        .unwrap_err()
        .to_string();
    assert!(e.contains("not empty") && e.contains("mine"), "{e}");
    assert_eq!(
        std::fs::read_to_string(foreign.join("notes.txt")).unwrap(),
        "my notes"
    );

    let pack = dir.path().join("pack");
    evidence::write_pack(&conn, &m, &pack).unwrap();
    std::fs::write(pack.join("city-999999.html"), "stale").unwrap();
    let manifest = std::fs::read_to_string(pack.join(evidence::MANIFEST)).unwrap();
    std::fs::write(
        pack.join(evidence::MANIFEST),
        format!("{manifest}city-999999.html\n../escape.html\n"),
    )
    .unwrap();
    std::fs::write(dir.path().join("escape.html"), "outside").unwrap();
    let r = evidence::write_pack(&conn, &m, &pack).unwrap();
    assert!(r.cleared >= 3, "{r:?}");
    assert!(
        !pack.join("city-999999.html").exists(),
        "the old pack's page is gone"
    );
    assert!(
        dir.path().join("escape.html").exists(),
        "nothing outside the folder is touched"
    );
    assert!(pack.join("index.html").exists());
}

/// Also: export errors name the file they are about.
#[tokio::test]
async fn export_errors_name_the_path() {
    let server = serve(routes(vec![html(
        "www.a.gov.cn/",
        page("甲市", "<p>x</p>"),
    )]))
    .await;
    let (_db, _run, dir) = audit_one(&server).await;
    std::fs::write(dir.path().join("afile"), "x").unwrap();
    for (what, format) in [("matrix", "csv"), ("matrix", "xlsx"), ("summary", "md")] {
        let out = run_bin(
            vec![
                "export".into(),
                what.into(),
                "--format".into(),
                format.into(),
                "--db".into(),
                "audit.db".into(),
                "--out".into(),
                format!("afile/out.{format}"),
            ],
            dir.path(),
        )
        .await;
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        assert!(
            text(&out).contains("afile"),
            "{what} {format}: {}",
            text(&out)
        );
    }
    let out = run_bin(vec!["runs".into(), "--db".into(), ".".into()], dir.path()).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}

/// Hardening 3: a city id was written into the evidence pack as raw HTML (an id such as
/// `<svg onload=…>` ran in Chromium) and into a file name. However an id reached the
/// database, the pack escapes it and names the city's page with a safe file name.
#[tokio::test]
async fn evidence_pack_escapes_a_hostile_city_id() {
    let (db, _run, dir) = audit_weibo_city().await;
    let hostile = "<svg onload=document.title='pwned'>/../../x";
    {
        let c = conn(&db);
        for table in ["run_cities", "sites", "findings"] {
            c.execute(
                &format!("UPDATE {table} SET city_id = ?1 WHERE city_id = '1'"),
                [hostile],
            )
            .unwrap();
        }
    }
    let conn = portal_audit::store::open_ro(&db).unwrap();
    let m = matrix::load(&conn, None).unwrap();
    assert_eq!(m.cities[0].id, hostile);
    let pack = dir.path().join("pack");
    evidence::write_pack(&conn, &m, &pack).unwrap();
    let file = evidence::city_file(hostile);
    assert!(!file.contains('/') && !file.contains('<'), "{file}");
    assert!(pack.join(&file).is_file(), "{file}");
    for name in ["index.html", file.as_str()] {
        let html = std::fs::read_to_string(pack.join(name)).unwrap();
        assert!(!html.contains("<svg"), "{name} holds the raw id");
        assert!(
            html.contains("&lt;svg onload="),
            "{name} shows the id as text"
        );
    }
    let index = std::fs::read_to_string(pack.join("index.html")).unwrap();
    assert!(index.contains(&format!("href=\"{file}\"")));
    // Nothing was written outside the pack.
    assert!(!dir.path().join("x").exists());
    if let Some((dom, _)) = chromium_dom(&pack.join("index.html"), 1000) {
        assert!(
            dom.contains("<title>Evidence pack</title>"),
            "the id's script ran"
        );
        assert!(!dom.contains("<svg"), "the id became an element");
    }
}

/// Hardening 4: seeds accepted ids such as `../../escape` and `a/b`, which then named
/// files of the evidence pack. `seeds check` (and every command that loads the seeds)
/// refuses them, naming the line.
#[tokio::test]
async fn seeds_refuse_path_like_and_markup_ids_with_their_line() {
    let dir = tempfile::tempdir().unwrap();
    seeds(
        dir.path(),
        &[
            "../../escape,甲市,浙江省,key,east,http://www.a.gov.cn/,,,,,",
            "a/b,乙市,浙江省,key,east,http://www.b.gov.cn/,,,,,",
            "<svg>,丙市,浙江省,key,east,http://www.c.gov.cn/,,,,,",
            "330100,杭州市,浙江省,key,east,http://www.hangzhou.gov.cn/,,,,,",
        ],
    );
    let out = run_bin(
        ["seeds", "check", "--seeds", "cities.csv"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        dir.path(),
    )
    .await;
    let said = text(&out);
    assert_eq!(out.status.code(), Some(2), "{said}");
    for line in ["cities.csv:2:", "cities.csv:3:", "cities.csv:4:"] {
        assert!(said.contains(line), "{line} named: {said}");
    }
    assert!(!said.contains("cities.csv:5:"), "{said}");
    assert!(said.contains("may hold only ASCII letters"), "{said}");
}

/// Hardening 12: `redetect` while another run writes the database exited 2; README
/// documents 3 for a database another run holds.
#[tokio::test]
async fn redetect_on_a_database_another_run_holds_exits_3() {
    let (db, _run, dir) = audit_weibo_city().await;
    let _held = portal_audit::store::RunLock::acquire(&db).unwrap();
    let out = run_bin(
        vec!["redetect".into(), "--db".into(), db.display().to_string()],
        dir.path(),
    )
    .await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
}

/// Survey-ready 4: `diff` of runs that do not exist printed "No changes"; it is an error
/// that names the run.
#[tokio::test]
async fn diff_of_a_run_that_does_not_exist_is_an_error() {
    let (db, run, dir) = audit_weibo_city().await;
    let diff = |a: i64, b: i64| {
        vec![
            "diff".to_string(),
            a.to_string(),
            b.to_string(),
            "--db".into(),
            db.display().to_string(),
        ]
    };
    let out = run_bin(diff(run, 99), dir.path()).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("no run 99"), "{}", text(&out));
    assert!(!text(&out).contains("No changes"), "{}", text(&out));
    let same = run_bin(diff(run, run), dir.path()).await;
    assert!(same.status.success(), "{}", text(&same));
}

/// Survey-ready 10: without `$USER` (cron, containers) a decision was recorded as made
/// by `unknown`. The name falls back to the OS account, and `unknown` is never recorded.
#[tokio::test]
async fn the_reviewer_falls_back_to_the_os_account_and_is_never_unknown() {
    let (db, _run, dir) = audit_weibo_city().await;
    let review = |extra: &[&str]| {
        let mut c = std::process::Command::new(BIN);
        c.args(["review", "set", "甲市", "general", "weibo", "no"])
            .args(["--reason", "checked by hand", "--db"])
            .arg(&db)
            .args(extra)
            .env_remove("USER")
            .env_remove("USERNAME")
            .env_remove("PORTAL_AUDIT_REVIEWER")
            .current_dir(dir.path());
        c.output().unwrap()
    };
    let out = review(&[]);
    assert!(out.status.success(), "{}", text(&out));
    let me = std::process::Command::new("id")
        .arg("-un")
        .output()
        .unwrap();
    let me = String::from_utf8_lossy(&me.stdout).trim().to_string();
    let who: String = scalar(
        &db,
        "SELECT reviewer FROM decisions ORDER BY id DESC LIMIT 1",
    );
    assert_eq!(who, me);
    let out = review(&["--reviewer", "unknown"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("--reviewer"), "{}", text(&out));
    let n: i64 = scalar(&db, "SELECT COUNT(*) FROM decisions");
    assert_eq!(n, 1, "nothing recorded for `unknown`");
}

/// Hardening 2: a link target of 40,000 characters made `export … --format xlsx` fail
/// for the whole database ("String exceeds Excel's limit"). The cell is cut with a
/// visible marker and the workbook opens.
#[tokio::test]
async fn one_long_cell_does_not_abort_the_workbook() {
    let long = format!("https://weibo.com/{}", "a".repeat(40_000));
    let server = serve(routes(vec![html(
        "www.a.gov.cn/",
        page("甲市", &format!("<a href=\"{long}\">甲市发布</a>")),
    )]))
    .await;
    let (db, _run, dir) = audit_one(&server).await;
    let stored: i64 = scalar(&db, "SELECT MAX(LENGTH(target)) FROM findings");
    assert!(stored > 32_767, "the long target was stored: {stored}");
    let x = dir.path().join("m.xlsx");
    let out = run_bin(
        vec![
            "export".into(),
            "matrix".into(),
            "--format".into(),
            "xlsx".into(),
            "--out".into(),
            x.display().to_string(),
            "--db".into(),
            db.display().to_string(),
        ],
        dir.path(),
    )
    .await;
    assert!(out.status.success(), "{}", text(&out));
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&x).unwrap();
    let findings = book.worksheet_range("findings").unwrap();
    let cut = findings
        .rows()
        .flat_map(|r| r.iter().map(|c| c.to_string()))
        .find(|c| c.starts_with("https://weibo.com/aaaa"))
        .expect("the long target is in the findings sheet");
    assert!(cut.encode_utf16().count() <= 32_767, "{}", cut.len());
    assert!(
        cut.ends_with("characters in all]"),
        "{}",
        &cut[cut.len() - 60..]
    );
}

/// Hardening 9: a decisions file cut inside a quoted reason imported the cut reason as if
/// it were whole. It is refused, naming the line where the field opened.
#[tokio::test]
async fn a_truncated_decisions_file_is_refused_with_its_line() {
    let (db, _run, dir) = audit_weibo_city().await;
    let bin = |args: &[&str]| {
        let mut v: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        v.extend(["--db".to_string(), db.display().to_string()]);
        v
    };
    let out = run_bin(
        bin(&[
            "review",
            "set",
            "甲市",
            "general",
            "weibo",
            "no",
            "--reviewer",
            "王审",
            "--reason",
            "the account, \"甲市发布\", belongs to a newspaper",
        ]),
        dir.path(),
    )
    .await;
    assert!(out.status.success(), "{}", text(&out));
    let out = run_bin(
        bin(&["review", "export", "--out", "decisions.csv"]),
        dir.path(),
    )
    .await;
    assert!(out.status.success(), "{}", text(&out));
    let whole = std::fs::read(dir.path().join("decisions.csv")).unwrap();
    let cut_at = whole
        .windows("newspaper".len())
        .position(|w| w == b"newspaper")
        .unwrap();
    std::fs::write(dir.path().join("cut.csv"), &whole[..cut_at]).unwrap();
    let before: i64 = scalar(&db, "SELECT COUNT(*) FROM decisions");
    let out = run_bin(bin(&["review", "import", "cut.csv"]), dir.path()).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("cut.csv:2:"), "{}", text(&out));
    assert!(text(&out).contains("never closed"), "{}", text(&out));
    let after: i64 = scalar(&db, "SELECT COUNT(*) FROM decisions");
    assert_eq!(before, after, "nothing imported");
}
