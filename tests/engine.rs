//! The audit engine against local worlds of virtual hosts: politeness, robots.txt,
//! retries, redirects, scope, charsets, budget, failures, recheck and resume.

mod common;

use common::*;
use portal_audit::audit::RunMode;
use portal_audit::sim::server::{Reply, Request};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

fn gaps(server: &portal_audit::sim::server::Server, host: &str) -> Vec<Duration> {
    let mut times: Vec<_> = server.requests_to(host).into_iter().map(|l| l.at).collect();
    times.sort();
    times.windows(2).map(|w| w[1] - w[0]).collect()
}

fn linked_pages(host: &str, n: usize) -> Vec<(String, Reply)> {
    let links: String = (0..n)
        .map(|i| format!("<li><a href=\"/news/{i}.html\">新闻{i}</a></li>"))
        .collect();
    let mut v = vec![html(
        &format!("{host}/"),
        page("首页", &format!("<ul>{links}</ul>")),
    )];
    for i in 0..n {
        v.push(html(
            &format!("{host}/news/{i}.html"),
            page(&format!("新闻{i}"), "<p>正文</p>"),
        ));
    }
    v
}

#[tokio::test]
async fn per_host_rate_is_honoured_while_hosts_proceed_in_parallel() {
    let mut r = linked_pages("www.a.gov.cn", 5);
    r.extend(linked_pages("www.b.gov.cn", 5));
    let server = serve(routes(r)).await;
    let dir = tempfile::tempdir().unwrap();
    let seeds = seeds(
        dir.path(),
        &[
            "1,甲市,浙江省,key,east,http://www.a.gov.cn/,,,,,",
            "2,乙市,浙江省,prefecture,east,http://www.b.gov.cn/,,,,,",
        ],
    );
    let mut cfg = config(&server);
    cfg.rate = 5.0;
    let t0 = std::time::Instant::now();
    let rep = audit(&db(dir.path()), &seeds, all(), cfg).await;
    let wall = t0.elapsed();
    assert_eq!(rep.pages, 12);
    for host in ["www.a.gov.cn", "www.b.gov.cn"] {
        let g = gaps(&server, host);
        assert_eq!(g.len(), 6, "robots.txt + 6 pages on {host}");
        for gap in g {
            assert!(
                gap >= Duration::from_millis(190),
                "{host}: requests {gap:?} apart at 5/s"
            );
        }
    }
    // 7 requests per host at 5/s take ≥ 1.2 s; in parallel the two hosts need no more.
    assert!(
        wall < Duration::from_millis(2200),
        "hosts did not proceed in parallel: {wall:?}"
    );
}

#[tokio::test]
async fn robots_disallow_404_and_500() {
    let mut r = linked_pages("www.a.gov.cn", 3);
    r.push((
        "www.a.gov.cn/robots.txt".into(),
        Reply::new(200, "text/plain", "User-agent: *\nDisallow: /news/1.html\n"),
    ));
    r.extend(linked_pages("www.b.gov.cn", 2)); // robots 404: allow all
    r.extend(linked_pages("www.c.gov.cn", 2));
    r.push((
        "www.c.gov.cn/robots.txt".into(),
        Reply::new(500, "text/plain", "oops"),
    ));
    let server = serve(routes(r)).await;
    let dir = tempfile::tempdir().unwrap();
    let seeds = seeds(
        dir.path(),
        &[
            "1,甲市,浙江省,key,east,http://www.a.gov.cn/,,,,,",
            "2,乙市,浙江省,prefecture,east,http://www.b.gov.cn/,,,,,",
            "3,丙市,浙江省,prefecture,east,http://www.c.gov.cn/,,,,,",
        ],
    );
    let mut cfg = config(&server);
    cfg.max_retries = 0;
    let db = db(dir.path());
    let rep = audit(&db, &seeds, all(), cfg).await;
    let targets = server.targets();
    assert!(
        !targets.contains(&"www.a.gov.cn/news/1.html".to_string()),
        "{targets:?}"
    );
    assert!(targets.contains(&"www.a.gov.cn/news/2.html".to_string()));
    assert!(targets.contains(&"www.b.gov.cn/news/1.html".to_string()));
    assert!(
        !targets
            .iter()
            .any(|t| t.starts_with("www.c.gov.cn/") && !t.ends_with("robots.txt"))
    );
    let c = sites(&db, rep.run_id, "3");
    assert_eq!(c[0].1, "blocked-by-robots");
    assert!(c[0].2.as_deref().unwrap().contains("500"), "{c:?}");
    assert_eq!(sites(&db, rep.run_id, "2")[0].1, "ok");
    assert_eq!(rep.cities_failed, 1);
}

#[tokio::test]
async fn crawl_delay_slows_a_host() {
    let mut r = linked_pages("www.a.gov.cn", 3);
    r.push((
        "www.a.gov.cn/robots.txt".into(),
        Reply::new(
            200,
            "text/plain",
            "User-agent: *\nCrawl-delay: 0.4\nDisallow:\n",
        ),
    ));
    let server = serve(routes(r)).await;
    let dir = tempfile::tempdir().unwrap();
    let seeds = seeds(
        dir.path(),
        &["1,甲市,浙江省,key,east,http://www.a.gov.cn/,,,,,"],
    );
    audit(&db(dir.path()), &seeds, all(), config(&server)).await;
    let g = gaps(&server, "www.a.gov.cn");
    assert_eq!(g.len(), 4);
    for gap in &g[1..] {
        assert!(
            *gap >= Duration::from_millis(390),
            "Crawl-delay 0.4 not honoured: {g:?}"
        );
    }
}

#[tokio::test]
async fn too_many_requests_with_retry_after_then_success() {
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    let server = serve(Arc::new(move |req: &Request| match req.target.as_str() {
        "/" if h.fetch_add(1, Ordering::SeqCst) == 0 => {
            Reply::new(429, "text/html", "slow down").header("Retry-After", "1")
        }
        "/" => Reply::html(page(
            "首页",
            "<a href=\"http://weibo.com/jiashi\">政务微博</a>",
        )),
        _ => Reply::not_found(),
    }))
    .await;
    let dir = tempfile::tempdir().unwrap();
    let seeds = seeds(
        dir.path(),
        &["1,甲市,浙江省,key,east,http://www.a.gov.cn/,,,,,"],
    );
    let db = db(dir.path());
    let rep = audit(&db, &seeds, all(), config(&server)).await;
    let times: Vec<_> = server
        .requests_to("www.a.gov.cn")
        .into_iter()
        .filter(|l| l.target == "/")
        .map(|l| l.at)
        .collect();
    assert_eq!(times.len(), 2);
    assert!(
        times[1] - times[0] >= Duration::from_millis(990),
        "Retry-After not honoured"
    );
    assert_eq!(sites(&db, rep.run_id, "1")[0].1, "ok");
    assert_eq!(
        present(&db, rep.run_id),
        vec![("1".into(), "general".into(), "weibo".into())]
    );
    let attempts: i64 = scalar(
        &db,
        "SELECT attempts FROM fetches WHERE url = 'http://www.a.gov.cn/'",
    );
    assert_eq!(attempts, 2);
}

#[tokio::test]
async fn redirect_chains_moved_portals_and_private_targets() {
    let r = vec![
        (
            "www.old.gov.cn/".to_string(),
            Reply::redirect(301, "http://www.old.gov.cn/index.html"),
        ),
        (
            "www.old.gov.cn/index.html".to_string(),
            Reply::redirect(302, "http://www.new.gov.cn/"),
        ),
        html(
            "www.new.gov.cn/",
            page(
                "新首页",
                "<a href=\"http://zwfw.new.gov.cn/\">网上办事大厅</a><a href=\"/a.html\">a</a><a href=\"/evil\">x</a>",
            ),
        ),
        html("www.new.gov.cn/a.html", page("a", "<p>a</p>")),
        (
            "www.new.gov.cn/evil".to_string(),
            Reply::redirect(302, "http://10.0.0.1/admin"),
        ),
        html("zwfw.new.gov.cn/", page("办事大厅", "<p>hall</p>")),
    ];
    let server = serve(routes(r)).await;
    let dir = tempfile::tempdir().unwrap();
    let seeds = seeds(
        dir.path(),
        &["1,甲市,浙江省,key,east,http://www.old.gov.cn/,,,,,"],
    );
    let db = db(dir.path());
    let mut cfg = config(&server);
    // Name each host explicitly: no wildcard, so nothing else is trusted.
    cfg.resolve = ["www.old.gov.cn", "www.new.gov.cn", "zwfw.new.gov.cn"]
        .iter()
        .map(|h| format!("{h}:80:{}", server.addr))
        .collect();
    let rep = audit(&db, &seeds, all(), cfg).await;
    let c = conn(&db);
    let (outcome, moved, final_url): (String, Option<String>, String) = c
        .query_row(
            "SELECT outcome, moved_to, final_url FROM sites WHERE run_id = ?1",
            [rep.run_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(
        (outcome.as_str(), moved.as_deref(), final_url.as_str()),
        ("ok", Some("new.gov.cn"), "http://www.new.gov.cn/")
    );
    let chain: String = c
        .query_row(
            "SELECT redirects FROM fetches WHERE url = 'http://www.old.gov.cn/'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        chain.contains("\"status\":301") && chain.contains("\"status\":302"),
        "{chain}"
    );
    assert!(
        server.targets().contains(&"zwfw.new.gov.cn/".to_string()),
        "the moved scope includes the new domain"
    );
    let (kind, err): (String, String) = c
        .query_row(
            "SELECT error_kind, error FROM fetches WHERE url = 'http://www.new.gov.cn/evil'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(kind, "refused", "{err}");
    assert!(present(&db, rep.run_id).contains(&(
        "1".into(),
        "general".into(),
        "service_hall".into()
    )));
}

#[tokio::test]
async fn links_to_localhost_are_never_fetched_without_permission() {
    let r = vec![html(
        "www.a.gov.cn/",
        page(
            "首页",
            "<a href=\"http://localhost/secret\">s</a><a href=\"http://127.0.0.1/\">t</a><a href=\"http://2130706433/\">u</a>",
        ),
    )];
    let server = serve(routes(r)).await;
    let dir = tempfile::tempdir().unwrap();
    let seeds = seeds(
        dir.path(),
        &["1,甲市,浙江省,key,east,http://www.a.gov.cn/,,,,,"],
    );
    let mut cfg = config(&server);
    cfg.resolve = vec![format!("www.a.gov.cn:80:{}", server.addr)];
    audit(&db(dir.path()), &seeds, all(), cfg).await;
    assert!(
        server
            .targets()
            .iter()
            .all(|t| t.starts_with("www.a.gov.cn/")),
        "{:?}",
        server.targets()
    );
}

#[tokio::test]
async fn https_start_url_falls_back_to_http() {
    let server = serve(routes(vec![html(
        "www.a.gov.cn/",
        page("首页", "<a href=\"mailto:zx@a.gov.cn\">咨询邮箱</a>"),
    )]))
    .await;
    let dir = tempfile::tempdir().unwrap();
    let seeds = seeds(
        dir.path(),
        &["1,甲市,浙江省,key,east,https://www.a.gov.cn/,,,,,"],
    );
    let db = db(dir.path());
    let mut cfg = config(&server);
    cfg.max_retries = 0;
    let rep = audit(&db, &seeds, all(), cfg).await;
    let s = sites(&db, rep.run_id, "1");
    assert_eq!(s[0].1, "ok", "{s:?}");
    let final_url: String = scalar(&db, "SELECT final_url FROM sites");
    assert_eq!(final_url, "http://www.a.gov.cn/");
    assert!(present(&db, rep.run_id).contains(&("1".into(), "general".into(), "email".into())));
}

fn gbk(s: &str) -> Vec<u8> {
    encoding_rs::GBK.encode(s).0.into_owned()
}

#[tokio::test]
async fn gbk_pages_with_meta_charset_and_with_none() {
    let meta = "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\"><title>甲市人民政府</title></head><body><a href=\"http://weibo.com/jiashi\">甲市发布 政务微博</a><a href=\"/b.html\">乙</a></body></html>";
    let none = "<html><head><title>甲市人民政府 互动</title></head><body><div class=\"foot\">市长信箱 <a href=\"/xx/mayor.html\">市长信箱</a></div><p>服务热线：0571-12345678</p></body></html>";
    let server = serve(routes(vec![
        (
            "www.a.gov.cn/".into(),
            Reply::new(200, "text/html", gbk(meta)),
        ),
        (
            "www.a.gov.cn/b.html".into(),
            Reply::new(200, "text/html; charset=UTF-8", gbk(none)),
        ),
    ]))
    .await;
    let dir = tempfile::tempdir().unwrap();
    let seeds = seeds(
        dir.path(),
        &["1,甲市,浙江省,key,east,http://www.a.gov.cn/,,,,,"],
    );
    let db = db(dir.path());
    let rep = audit(&db, &seeds, all(), config(&server)).await;
    let channels: Vec<String> = present(&db, rep.run_id).into_iter().map(|p| p.2).collect();
    assert_eq!(channels, ["consultation", "hotline", "weibo"]);
    let charsets: Vec<String> = {
        let c = conn(&db);
        let mut st = c
            .prepare("SELECT charset FROM fetches WHERE charset IS NOT NULL ORDER BY id")
            .unwrap();
        st.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert!(charsets.iter().all(|c| c == "GBK"), "{charsets:?}");
}

#[tokio::test]
async fn page_budget_and_depth_limit() {
    let mut r = linked_pages("www.a.gov.cn", 30);
    // A chain b0 → b1 → … on another site, to test depth.
    for i in 0..6 {
        r.push(html(
            &format!(
                "www.b.gov.cn/{}",
                if i == 0 {
                    String::new()
                } else {
                    format!("d{i}.html")
                }
            ),
            page("链", &format!("<a href=\"/d{}.html\">下一页</a>", i + 1)),
        ));
    }
    let server = serve(routes(r)).await;
    let dir = tempfile::tempdir().unwrap();
    let seeds = seeds(
        dir.path(),
        &[
            "1,甲市,浙江省,key,east,http://www.a.gov.cn/,,,,,",
            "2,乙市,浙江省,key,east,http://www.b.gov.cn/,,,,,",
        ],
    );
    let mut cfg = config(&server);
    cfg.max_pages = 10;
    cfg.max_depth = 2;
    let db = db(dir.path());
    let rep = audit(&db, &seeds, all(), cfg).await;
    let a = server
        .requests_to("www.a.gov.cn")
        .into_iter()
        .filter(|l| l.target != "/robots.txt")
        .count();
    assert_eq!(a, 10, "page budget");
    let b: Vec<String> = server
        .requests_to("www.b.gov.cn")
        .into_iter()
        .map(|l| l.target)
        .filter(|t| t != "/robots.txt")
        .collect();
    assert_eq!(b, ["/", "/d1.html", "/d2.html"], "depth 2");
    let pages: i64 = scalar(
        &db,
        &format!(
            "SELECT pages FROM sites WHERE run_id = {} AND city_id = '1'",
            rep.run_id
        ),
    );
    assert_eq!(pages, 10);
}

#[tokio::test]
async fn a_calendar_does_not_eat_the_budget_before_the_channel_page() {
    let server = serve(Arc::new(|req: &Request| {
        let p = req.path();
        if p == "/" {
            let news: String = (0..20).map(|i| format!("<a href=\"/news/{i}.html\">新闻{i}</a>")).collect();
            return Reply::html(page("首页", &format!("<a href=\"/calendar/2024-01-01.html\">日历</a>{news}<a href=\"/hdjl/index.html\">互动交流</a>")));
        }
        if let Some(day) = p.strip_prefix("/calendar/") {
            let n: usize = day.chars().filter(char::is_ascii_digit).collect::<String>().parse().unwrap_or(0);
            return Reply::html(page("日历", &format!("<a href=\"/calendar/{}.html\">后一天</a><a href=\"/calendar/x.html?d={n}\">查询</a>", n + 1)));
        }
        if p == "/hdjl/index.html" {
            return Reply::html(page("互动交流", "<a href=\"/hdjl/szxx.html\">市长信箱</a>"));
        }
        if p == "/hdjl/szxx.html" {
            return Reply::html(page("市长信箱", "<form action=\"/hdjl/save\"><label>留言内容</label><textarea name=c></textarea><input type=submit value=提交></form>"));
        }
        Reply::html(page("新闻", "<p>正文</p>"))
    }))
    .await;
    let dir = tempfile::tempdir().unwrap();
    let seeds = seeds(
        dir.path(),
        &["1,甲市,浙江省,key,east,http://www.a.gov.cn/,,,,,"],
    );
    let mut cfg = config(&server);
    cfg.max_pages = 6;
    cfg.max_depth = 10;
    let db = db(dir.path());
    let rep = audit(&db, &seeds, all(), cfg).await;
    assert!(
        server
            .targets()
            .contains(&"www.a.gov.cn/hdjl/szxx.html".to_string()),
        "{:?}",
        server.targets()
    );
    let rules: Vec<String> = {
        let c = conn(&db);
        let mut st = c
            .prepare("SELECT rule FROM findings WHERE channel = 'consultation'")
            .unwrap();
        st.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert!(
        rules.contains(&"consultation.form".to_string()),
        "{rules:?}"
    );
    assert!(present(&db, rep.run_id).contains(&(
        "1".into(),
        "general".into(),
        "consultation".into()
    )));
}

#[tokio::test]
async fn a_dead_site_is_recorded_while_the_others_complete() {
    let server = serve(routes(linked_pages("www.a.gov.cn", 2))).await;
    let dir = tempfile::tempdir().unwrap();
    let seeds = seeds(
        dir.path(),
        &[
            "1,甲市,浙江省,key,east,http://www.a.gov.cn/,,,,,",
            "2,死市,浙江省,key,east,http://www.dead.gov.cn/,,,,,",
        ],
    );
    let mut cfg = config(&server);
    // A loopback port nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    cfg.resolve = vec![
        format!("www.dead.gov.cn:*:{closed}"),
        format!("www.a.gov.cn:*:{}", server.addr),
    ];
    let db = db(dir.path());
    let rep = audit(&db, &seeds, all(), cfg).await;
    assert_eq!(rep.cities, 2);
    assert_eq!(rep.cities_failed, 1);
    let dead = sites(&db, rep.run_id, "2");
    assert_eq!(dead[0].1, "unreachable", "{dead:?}");
    assert!(
        dead[0].2.as_deref().unwrap().contains("connect"),
        "{dead:?}"
    );
    assert_eq!(sites(&db, rep.run_id, "1")[0].1, "ok");
    let status: String = scalar(&db, "SELECT status FROM runs");
    assert_eq!(status, "completed");
}

#[tokio::test]
async fn recheck_touches_only_its_city() {
    let mut r = linked_pages("www.a.gov.cn", 2);
    r.extend(linked_pages("www.b.gov.cn", 2));
    let server = serve(routes(r)).await;
    let dir = tempfile::tempdir().unwrap();
    let seeds = seeds(
        dir.path(),
        &[
            "330100,杭州市,浙江省,key,east,http://www.a.gov.cn/,,,,,",
            "330200,宁波市,浙江省,key,east,http://www.b.gov.cn/,,,,,",
        ],
    );
    let db = db(dir.path());
    audit(&db, &seeds, all(), config(&server)).await;
    server.log.lock().unwrap().clear();
    let rep = audit(
        &db,
        &seeds,
        RunMode::Recheck {
            city: "宁波".into(),
        },
        config(&server),
    )
    .await;
    assert!(
        server
            .targets()
            .iter()
            .all(|t| t.starts_with("www.b.gov.cn")),
        "{:?}",
        server.targets()
    );
    let (kind, n): (String, i64) = conn(&db)
        .query_row("SELECT kind, (SELECT COUNT(*) FROM run_cities WHERE run_id = runs.id) FROM runs WHERE id = ?1", [rep.run_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    assert_eq!((kind.as_str(), n), ("recheck", 1));
}

#[tokio::test]
async fn resume_after_interruption_does_not_refetch_finished_cities() {
    // City 1 is quick; city 2's pages are slow, so the run is cancelled while it is busy.
    let mut r = linked_pages("www.a.gov.cn", 2);
    r.extend(
        linked_pages("www.b.gov.cn", 6)
            .into_iter()
            .map(|(k, mut v)| {
                v.delay = Duration::from_millis(150);
                (k, v)
            }),
    );
    let server = serve(routes(r)).await;
    let dir = tempfile::tempdir().unwrap();
    let seeds = seeds(
        dir.path(),
        &[
            "1,甲市,浙江省,key,east,http://www.a.gov.cn/,,,,,",
            "2,乙市,浙江省,key,east,http://www.b.gov.cn/,,,,,",
        ],
    );
    let db = db(dir.path());
    let cancel = tokio_util::sync::CancellationToken::new();
    let c2 = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(600)).await;
        c2.cancel();
    });
    let first = audit_with(&db, &seeds, all(), config(&server), cancel)
        .await
        .unwrap();
    assert!(first.interrupted);
    assert_eq!(first.cities, 1, "city 1 finished before the interruption");
    let status: String = scalar(&db, "SELECT status FROM runs");
    assert_eq!(status, "interrupted");
    server.log.lock().unwrap().clear();
    let resumed = audit(&db, &seeds, RunMode::Resume, config(&server)).await;
    assert_eq!(resumed.run_id, first.run_id);
    assert!(
        server.requests_to("www.a.gov.cn").is_empty(),
        "a finished city was fetched again"
    );
    let status: String = scalar(&db, "SELECT status FROM runs");
    assert_eq!(status, "completed");
    // Every page once, no duplicates from the interrupted attempt.
    let dup: i64 = scalar(
        &db,
        "SELECT COUNT(*) FROM (SELECT url FROM fetches GROUP BY run_id, url HAVING COUNT(*) > 1)",
    );
    assert_eq!(dup, 0);
    let pages: i64 = scalar(
        &db,
        "SELECT COUNT(*) FROM fetches WHERE body_sha256 IS NOT NULL",
    );
    assert_eq!(pages, 3 + 7);
    // Links of the interrupted attempt went with its pages: each is recorded once.
    let dup_links: i64 = scalar(
        &db,
        "SELECT COUNT(*) FROM (SELECT 1 FROM links GROUP BY site_id, target, text HAVING COUNT(*) > 1)",
    );
    assert_eq!(dup_links, 0);
    let linked: i64 = scalar(&db, "SELECT COUNT(*) FROM links");
    assert!(linked > 0);
    let ok: i64 = scalar(&db, "SELECT COUNT(*) FROM run_cities WHERE status = 'ok'");
    assert_eq!(ok, 2);
}

#[tokio::test]
async fn a_second_run_on_a_busy_database_refuses_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = db(dir.path());
    let _held = portal_audit::store::RunLock::acquire(&db).unwrap();
    let seeds = seeds(
        dir.path(),
        &["1,甲市,浙江省,key,east,http://www.a.gov.cn/,,,,,"],
    );
    let t0 = std::time::Instant::now();
    let err = audit_with(&db, &seeds, all(), Default::default(), Default::default())
        .await
        .unwrap_err();
    assert!(t0.elapsed() < Duration::from_secs(1));
    assert!(
        err.to_string()
            .contains("another portal-audit run is writing"),
        "{err}"
    );
}

#[tokio::test]
async fn a_dns_failure_is_recorded_without_any_dns_traffic() {
    let server = serve(routes(linked_pages("www.a.gov.cn", 1))).await;
    let dir = tempfile::tempdir().unwrap();
    let long = "x".repeat(70);
    let seeds = seeds(
        dir.path(),
        &[
            "1,甲市,浙江省,key,east,http://www.a.gov.cn/,,,,,",
            &format!("2,乙市,浙江省,key,east,http://www.{long}.gov.cn/,,,,,"),
        ],
    );
    let mut cfg = config(&server);
    cfg.resolve = vec![format!("www.a.gov.cn:*:{}", server.addr)];
    cfg.max_retries = 0;
    let db = db(dir.path());
    let rep = audit(&db, &seeds, all(), cfg).await;
    let s = sites(&db, rep.run_id, "2");
    assert_eq!(s[0].1, "unreachable", "{s:?}");
    assert!(s[0].2.as_deref().unwrap().contains("DNS"), "{s:?}");
    assert_eq!(sites(&db, rep.run_id, "1")[0].1, "ok");
}

#[tokio::test]
async fn a_robots_txt_that_times_out_blocks_the_site() {
    let server = serve(Arc::new(|req: &Request| {
        if req.path() == "/robots.txt" {
            let mut r = Reply::new(200, "text/plain", "User-agent: *\nDisallow:\n");
            r.mode = portal_audit::sim::server::BodyMode::Drip(Duration::from_millis(400));
            return r;
        }
        Reply::html(page("首页", "<p>ok</p>"))
    }))
    .await;
    let dir = tempfile::tempdir().unwrap();
    let seeds = seeds(
        dir.path(),
        &["1,甲市,浙江省,key,east,http://www.a.gov.cn/,,,,,"],
    );
    let mut cfg = config(&server);
    cfg.request_timeout_secs = 1.0;
    cfg.max_retries = 0;
    let db = db(dir.path());
    let rep = audit(&db, &seeds, all(), cfg).await;
    let s = sites(&db, rep.run_id, "1");
    assert_eq!(s[0].1, "blocked-by-robots", "{s:?}");
    assert!(
        !server.targets().contains(&"www.a.gov.cn/".to_string()),
        "nothing fetched but robots.txt"
    );
}

/// Pages are parsed while the next one is fetched, but the order stays meaningful: a
/// channel link found on page N is fetched no later than page N+2, ahead of the plain
/// pages the homepage listed.
#[tokio::test]
async fn a_channel_link_found_on_page_n_is_fetched_as_page_n_plus_2() {
    let mut r = linked_pages("www.a.gov.cn", 10);
    // news/0 (page 2) links the new-media page.
    r.retain(|(k, _)| k != "www.a.gov.cn/news/0.html");
    r.push(html(
        "www.a.gov.cn/news/0.html",
        page(
            "新闻0",
            "<p>正文</p><a href=\"/hdjl/xmt.html\">政务新媒体</a>",
        ),
    ));
    r.push(html(
        "www.a.gov.cn/hdjl/xmt.html",
        page(
            "政务新媒体",
            "<a href=\"https://weibo.com/jiafabu\">甲市发布</a>",
        ),
    ));
    let server = serve(routes(r)).await;
    let dir = tempfile::tempdir().unwrap();
    let seeds = seeds(
        dir.path(),
        &["1,甲市,浙江省,key,east,http://www.a.gov.cn/,,,,,"],
    );
    let mut cfg = config(&server);
    cfg.rate = 20.0;
    audit(&db(dir.path()), &seeds, all(), cfg).await;
    let mut log = server.requests_to("www.a.gov.cn");
    log.sort_by_key(|l| l.at);
    let order: Vec<&str> = log.iter().map(|l| l.target.as_str()).collect();
    // news/0 is page 2 (after the homepage); the page it links is fetched as page 3 when
    // its parse is done before the next choice, and never later than page 4.
    assert_eq!(
        &order[..3],
        ["/robots.txt", "/", "/news/0.html"],
        "{order:?}"
    );
    let at = order.iter().position(|p| *p == "/hdjl/xmt.html").unwrap();
    assert!(at <= 4, "the channel page came as request {at}: {order:?}");
    assert_eq!(order.len(), 13, "every page once: {order:?}");
}

/// A large response grows the kept-alive connection's read buffer for good, so the host's
/// next request closes that connection (a fresh one follows); small pages keep theirs. The
/// start page, a site's largest as a rule, closes its own connection.
#[tokio::test]
async fn a_large_page_renews_its_hosts_connection_once_and_the_start_page_closes_its_own() {
    let seen = Arc::new(std::sync::Mutex::new(Vec::<(String, Option<String>)>::new()));
    let log = seen.clone();
    let big = format!("<p>{}</p>", "政务公开".repeat(6000));
    let server = serve(Arc::new(move |req: &Request| {
        log.lock().unwrap().push((
            req.path().to_string(),
            req.header("connection").map(str::to_ascii_lowercase),
        ));
        match req.path() {
            "/" => Reply::html(page(
                "首页",
                "<a href=\"/a.html\">a</a><a href=\"/b.html\">b</a><a href=\"/c.html\">c</a>",
            )),
            "/a.html" => Reply::html(page("大页", &big)),
            "/b.html" | "/c.html" => Reply::html(page("页", "<p>正文</p>")),
            _ => Reply::not_found(),
        }
    }))
    .await;
    let dir = tempfile::tempdir().unwrap();
    let seeds = seeds(
        dir.path(),
        &["1,甲市,浙江省,key,east,http://www.a.gov.cn/,,,,,"],
    );
    audit(&db(dir.path()), &seeds, all(), config(&server)).await;
    let got = seen.lock().unwrap().clone();
    let close: Vec<&str> = got
        .iter()
        .filter(|(_, c)| c.as_deref() == Some("close"))
        .map(|(p, _)| p.as_str())
        .collect();
    assert_eq!(got.len(), 5, "{got:?}");
    assert_eq!(got[1].0, "/", "{got:?}");
    let large = got.iter().position(|(p, _)| p == "/a.html").unwrap();
    assert!(
        large + 1 < got.len(),
        "a page follows the large one: {got:?}"
    );
    assert_eq!(
        close,
        ["/", got[large + 1].0.as_str()],
        "the start page, and the request after the large page: {got:?}"
    );
}
