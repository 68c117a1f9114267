//! Issue 22: a quarterly audit a survey team can trust. An outage is not an audit, a
//! city whose portal is down keeps its previous values (marked carried forward), a run
//! says what changed, and every export says why a cell is unknown.

mod common;

use common::*;
use portal_audit::sim::server::{Handler, Reply, Request};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A loopback port nothing listens on: connecting to it is refused at once.
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Runs the binary with `args`, `--db audit.db` and the `--resolve` rules in `dir`.
async fn bin(dir: &Path, args: &[&str], resolve: &[String]) -> std::process::Output {
    let mut v: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    v.extend(["--db".into(), "audit.db".into()]);
    for r in resolve {
        v.extend(["--resolve".into(), r.clone()]);
    }
    run_bin(v, dir).await
}

/// `run`/`recheck` as a scheduled job runs it: quiet, seeds `cities.csv`, no discovery.
async fn audit_run(dir: &Path, cmd: &[&str], resolve: &[String]) -> std::process::Output {
    let mut args = cmd.to_vec();
    args.extend(["--quiet", "--no-discover", "--seeds", "cities.csv"]);
    bin(dir, &args, resolve).await
}

/// The matrix CSV's rows for `city` and `channel` in the general sector, as maps.
fn matrix_rows(csv_text: &[u8]) -> Vec<std::collections::HashMap<String, String>> {
    let body = csv_text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(csv_text);
    let mut r = csv::Reader::from_reader(body);
    let header = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            header
                .iter()
                .map(str::to_string)
                .zip(rec.unwrap().iter().map(str::to_string))
                .collect()
        })
        .collect()
}

fn cell<'a>(
    rows: &'a [std::collections::HashMap<String, String>],
    city: &str,
    sector: &str,
    channel: &str,
) -> &'a std::collections::HashMap<String, String> {
    rows.iter()
        .find(|r| r["city_id"] == city && r["sector"] == sector && r["channel"] == channel)
        .unwrap_or_else(|| panic!("no row {city} {sector} {channel}"))
}

/// Exports the matrix as xlsx in `dir` and reads sheet `sheet`: its rows as text, and
/// the index of the column headed `column`.
async fn xlsx_sheet(dir: &Path, sheet: &str, column: &str) -> (Vec<Vec<String>>, usize) {
    let out = bin(
        dir,
        &["export", "matrix", "--format", "xlsx", "--out", "m.xlsx"],
        &[],
    )
    .await;
    assert!(out.status.success(), "{}", text(&out));
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(dir.join("m.xlsx")).unwrap();
    let rows: Vec<Vec<String>> = book
        .worksheet_range(sheet)
        .unwrap()
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    let col = rows[0].iter().position(|h| h == column).unwrap();
    (rows, col)
}

/// 22.1 (a): offline, a run audited every city as failed, exited 0 and blanked last
/// quarter's matrix. It stops early, says the network is down, exits 4, is marked
/// `failed`, and no export takes a value from it.
#[tokio::test]
async fn an_outage_is_not_an_audit() {
    let server = serve(Arc::new(|req: &Request| {
        Reply::html(page(
            "市政府",
            &format!(
                "<a href=\"https://weibo.com/{}\">政务微博</a>",
                req.host.replace('.', "")
            ),
        ))
    }))
    .await;
    let dir = tempfile::tempdir().unwrap();
    let rows: Vec<String> = (0..12)
        .map(|i| format!("{i},城{i}市,浙江省,prefecture,east,http://www.c{i}.gov.cn/,,,,,"))
        .collect();
    seeds(
        dir.path(),
        &rows.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    let out = audit_run(dir.path(), &["run"], &[server.resolve_all()]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let down = format!("*:*:127.0.0.1:{}", closed_port());
    let out = audit_run(dir.path(), &["run"], &[down]).await;
    let t = text(&out);
    assert_eq!(out.status.code(), Some(4), "{t}");
    assert!(
        t.contains("no site could be reached: is the network down?"),
        "{t}"
    );
    let db = dir.path().join("audit.db");
    let status: String = scalar(&db, "SELECT status FROM runs WHERE id = 2");
    assert_eq!(status, "failed");
    let out = bin(dir.path(), &["export", "matrix", "--out", "-"], &[]).await;
    let m = matrix_rows(&out.stdout);
    for i in 0..12 {
        let c = cell(&m, &i.to_string(), "general", "weibo");
        assert_eq!(
            (c["value"].as_str(), c["audit_run"].as_str()),
            ("yes", "1"),
            "{c:?}"
        );
    }
    // Not even the strict latest takes a city from a failed run.
    let out = bin(
        dir.path(),
        &["export", "matrix", "--latest", "--out", "-"],
        &[],
    )
    .await;
    let m = matrix_rows(&out.stdout);
    assert_eq!(cell(&m, "3", "general", "weibo")["audit_run"], "1");
}

/// 22.1 (b, c) and 22.2: a city whose portal is down in a later audit keeps its values,
/// marked carried forward with the date they come from, in every export (`--latest`
/// gives the strict latest); a recheck of it says so loudly and exits non-zero; a run
/// above `--max-failed-share` exits 5; and a finished run prints what changed.
#[tokio::test]
async fn a_city_not_reached_keeps_its_values_and_the_run_says_what_changed() {
    let grown = Arc::new(AtomicBool::new(false));
    let g = grown.clone();
    let server = serve(Arc::new(move |req: &Request| {
        let body = match (req.host.as_str(), g.load(Ordering::SeqCst)) {
            ("www.b.gov.cn", false) => {
                "<a href=\"https://weibo.com/yishi\">乙市发布</a><p>服务热线：12345</p>"
            }
            ("www.b.gov.cn", true) => "<a href=\"https://weibo.com/yishi2026\">乙市发布</a>",
            _ => "<a href=\"https://weibo.com/jiashi\">甲市发布</a>",
        };
        Reply::html(page("市政府", body))
    }))
    .await;
    let dir = tempfile::tempdir().unwrap();
    seeds(
        dir.path(),
        &[
            "1,甲市,浙江省,key,east,http://www.a.gov.cn/,,,,,",
            "2,乙市,浙江省,key,east,http://www.b.gov.cn/,,,,,",
        ],
    );
    let up = server.resolve_all();
    let out = audit_run(dir.path(), &["run"], std::slice::from_ref(&up)).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("0 cities compared"), "{}", text(&out));

    // 甲市's portal goes down: its recheck says so and keeps its row.
    let a_down = format!("www.a.gov.cn:*:127.0.0.1:{}", closed_port());
    let out = audit_run(
        dir.path(),
        &["recheck", "甲市"],
        &[a_down.clone(), up.clone()],
    )
    .await;
    let t = text(&out);
    assert_eq!(out.status.code(), Some(5), "{t}");
    assert!(t.contains("NOT REACHED 1 甲市 (unreachable)"), "{t}");
    assert!(t.contains("carried forward from 20"), "{t}");
    let out = bin(dir.path(), &["export", "matrix", "--out", "-"], &[]).await;
    let m = matrix_rows(&out.stdout);
    let a = cell(&m, "1", "general", "weibo");
    assert_eq!((a["value"].as_str(), a["audit_run"].as_str()), ("yes", "1"));
    assert!(a["carried_forward_from"].starts_with("20"), "{a:?}");
    assert_eq!(
        cell(&m, "2", "general", "weibo")["carried_forward_from"],
        ""
    );
    let out = bin(
        dir.path(),
        &["export", "matrix", "--latest", "--out", "-"],
        &[],
    )
    .await;
    let m = matrix_rows(&out.stdout);
    let a = cell(&m, "1", "general", "weibo");
    assert_eq!(
        (a["value"].as_str(), a["unknown_reason"].as_str()),
        ("unknown", "unreachable"),
        "{a:?}"
    );
    // The mark in every other export.
    let out = bin(
        dir.path(),
        &["export", "matrix", "--format", "json", "--out", "-"],
        &[],
    )
    .await;
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        j["cities"][0]["carried_forward_from"]
            .as_str()
            .unwrap()
            .starts_with("20")
    );
    assert_eq!(j["cities"][0]["failed_audit_run"], 2);
    let out = bin(
        dir.path(),
        &["export", "matrix", "--format", "md", "--out", "-"],
        &[],
    )
    .await;
    assert!(text(&out).contains("| 1 甲市 ↩ 20"), "{}", text(&out));
    let (rows, col) = xlsx_sheet(dir.path(), "matrix", "沿用自").await;
    let row = rows.iter().find(|r| r[0] == "1").unwrap();
    assert!(row[col].starts_with("20"), "{row:?}");
    let out = bin(dir.path(), &["export", "evidence", "--out", "pack"], &[]).await;
    assert!(out.status.success(), "{}", text(&out));
    let index = std::fs::read_to_string(dir.path().join("pack/index.html")).unwrap();
    assert!(index.contains("1 甲市 ↩ 20"), "{index}");

    // A run over the threshold exits 5; one at or under it exits 0. Either way it
    // prints what changed against each city's previous audit.
    grown.store(true, Ordering::SeqCst);
    let out = audit_run(
        dir.path(),
        &["run", "--max-failed-share", "0.4"],
        &[a_down, up.clone()],
    )
    .await;
    let t = text(&out);
    assert_eq!(out.status.code(), Some(5), "{t}");
    assert!(t.contains("1 of 2 cities failed"), "{t}");
    assert!(
        t.contains("(1 cities compared): 0 appeared, 1 disappeared, 0 became unknown; accounts: 1 appeared, 1 disappeared"),
        "{t}"
    );
    assert!(
        t.contains("disappeared: 2 乙市 general hotline (yes → no)"),
        "{t}"
    );
    assert!(
        t.contains("account appeared: 2 乙市 general weibo yishi2026"),
        "{t}"
    );
    assert!(
        t.contains("account disappeared: 2 乙市 general weibo yishi"),
        "{t}"
    );
    assert!(t.contains("NOT REACHED 1 甲市"), "{t}");
    let out = audit_run(dir.path(), &["run"], &[up]).await;
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(
        t.contains("0 appeared, 0 disappeared, 0 became unknown"),
        "{t}"
    );
    // `diff` in Markdown reads in Chinese (22.6).
    let out = bin(dir.path(), &["diff", "1", "3", "--format", "md"], &[]).await;
    let t = text(&out);
    assert!(
        t.contains("| 2 乙市 | 综合服务 | 服务热线 | 消失 | 开通 → 未发现 |"),
        "{t}"
    );
}

/// 22.3: why a cell is unknown appears in every export: the matrix CSV's
/// `unknown_reason`, the JSON's `unknown_reasons`, the notes under Markdown, HTML and
/// summary tables, and the xlsx long sheet.
#[tokio::test]
async fn every_export_says_why_a_cell_is_unknown() {
    let server = serve(Arc::new(|req: &Request| {
        match (req.host.as_str(), req.path()) {
            ("edu.a.gov.cn", "/robots.txt") => {
                Reply::new(200, "text/plain", "User-agent: *\nDisallow: /\n")
            }
            (_, "/robots.txt") => Reply::not_found(),
            ("health.a.gov.cn", _) => Reply::new(500, "text/html", "<p>down</p>"),
            _ => Reply::html(page(
                "甲市",
                "<a href=\"https://weibo.com/jiashi\">甲市发布</a>",
            )),
        }
    }))
    .await;
    let dir = tempfile::tempdir().unwrap();
    seeds(
        dir.path(),
        &[
            "1,甲市,浙江省,key,east,http://www.a.gov.cn/,,http://edu.a.gov.cn/,,http://health.a.gov.cn/,",
        ],
    );
    let out = audit_run(dir.path(), &["run"], &[server.resolve_all()]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = bin(dir.path(), &["export", "matrix", "--out", "-"], &[]).await;
    let m = matrix_rows(&out.stdout);
    assert_eq!(
        cell(&m, "1", "education", "weibo")["unknown_reason"],
        "blocked-by-robots"
    );
    assert_eq!(
        cell(&m, "1", "health", "weibo")["unknown_reason"],
        "http-error"
    );
    assert_eq!(cell(&m, "1", "general", "weibo")["unknown_reason"], "");
    let out = bin(
        dir.path(),
        &["export", "matrix", "--format", "json", "--out", "-"],
        &[],
    )
    .await;
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        j["cities"][0]["unknown_reasons"]["education"]["wechat"],
        "blocked-by-robots"
    );
    let out = bin(
        dir.path(),
        &["export", "matrix", "--format", "md", "--out", "-"],
        &[],
    )
    .await;
    assert!(
        text(&out).contains("- `http-error`: 1 甲市"),
        "{}",
        text(&out)
    );
    let out = bin(
        dir.path(),
        &["export", "summary", "--format", "md", "--out", "-"],
        &[],
    )
    .await;
    assert!(
        text(&out).contains("unknown cells, left out of the shares:")
            && text(&out).contains("blocked-by-robots"),
        "{}",
        text(&out)
    );
    let out = bin(
        dir.path(),
        &["export", "summary", "--format", "html", "--out", "s.html"],
        &[],
    )
    .await;
    assert!(out.status.success());
    let html = std::fs::read_to_string(dir.path().join("s.html")).unwrap();
    assert!(html.contains("http-error"), "{html}");
    let out = bin(dir.path(), &["export", "evidence", "--out", "pack"], &[]).await;
    assert!(out.status.success(), "{}", text(&out));
    let index = std::fs::read_to_string(dir.path().join("pack/index.html")).unwrap();
    assert!(
        index.contains("<code>blocked-by-robots</code>: 1 甲市"),
        "{index}"
    );
    let (long, col) = xlsx_sheet(dir.path(), "long", "unknown_reason").await;
    assert!(long.iter().any(|r| r[col] == "blocked-by-robots"));
}

/// 22.12: WARC request records said `portal-audit/<version>` whatever User-Agent the run
/// sent, and `--warc FILE.warc.gz` wrote plain text. The request record carries the
/// User-Agent the server saw; a `.warc.gz` is one gzip member per record.
#[tokio::test]
async fn warc_records_carry_the_user_agent_sent_and_gz_is_per_record() {
    let seen = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let s2 = seen.clone();
    let server = serve(Arc::new(move |req: &Request| {
        if let Some(ua) = req.header("user-agent") {
            s2.lock().unwrap().push(ua.to_string());
        }
        Reply::html(page(
            "甲市",
            "<a href=\"https://weibo.com/jiashi\">甲市发布</a>",
        ))
    }))
    .await;
    let dir = tempfile::tempdir().unwrap();
    seeds(
        dir.path(),
        &["1,甲市,浙江省,key,east,http://www.a.gov.cn/,,,,,"],
    );
    let agent = "SurveyBot/2.0 (+https://survey.example.org/bot)";
    let out = audit_run(
        dir.path(),
        &["run", "--user-agent", agent],
        &[server.resolve_all()],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(seen.lock().unwrap().iter().all(|u| u == agent));
    for name in ["pages.warc", "pages.warc.gz"] {
        let out = bin(
            dir.path(),
            &["export", "evidence", "--out", "pack", "--warc", name],
            &[],
        )
        .await;
        assert!(out.status.success(), "{}", text(&out));
    }
    let plain = std::fs::read_to_string(dir.path().join("pages.warc")).unwrap();
    assert!(
        plain.contains(&format!("User-Agent: {agent}\r\n")),
        "{plain}"
    );
    let records = plain.matches("WARC/1.1\r\n").count();
    assert!(records >= 3, "warcinfo, request, response: {records}");
    // The gzip form: decoded member by member, the same records, one per member.
    let gz = std::fs::read(dir.path().join("pages.warc.gz")).unwrap();
    let mut rest: &[u8] = &gz;
    let mut members = Vec::new();
    while !rest.is_empty() {
        use std::io::Read;
        let mut d = flate2::bufread::GzDecoder::new(rest);
        let mut text = String::new();
        d.read_to_string(&mut text).unwrap();
        rest = d.into_inner();
        members.push(text);
    }
    assert_eq!(members.len(), records, "one member per record");
    assert!(members.iter().all(|m| m.starts_with("WARC/1.1\r\n")));
    assert!(members[1].contains(&format!("User-Agent: {agent}\r\n")));
}

/// The first progress line of a run of one city served by `handler`, off a terminal,
/// with `args` after `run --no-discover --seeds cities.csv`.
async fn first_progress_line(handler: Handler, args: &[&str]) -> String {
    let server = serve(handler).await;
    let dir = tempfile::tempdir().unwrap();
    seeds(
        dir.path(),
        &["1,甲市,浙江省,key,east,http://www.a.gov.cn/,,,,,"],
    );
    let mut all = vec!["run", "--no-discover", "--seeds", "cities.csv"];
    all.extend_from_slice(args);
    let out = bin(dir.path(), &all, &[server.resolve_all()]).await;
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    t.lines()
        .find(|l| l.starts_with("portal-audit: pages "))
        .unwrap_or_else(|| panic!("no progress line: {t}"))
        .to_string()
}

/// 27: a census with link checks spends most of its time checking, after its pages:
/// the ETA counted pages alone and said a minute where half an hour was left. Off a
/// terminal, the line shows the checks made of those expected and an ETA from both.
#[tokio::test]
async fn progress_with_link_checks_counts_the_checks_to_come() {
    let links: String = (1..=40)
        .map(|i| format!("<a href=\"/p{i}.html\">第{i}页</a>"))
        .collect();
    let home = page("甲市", &links);
    // 41 checks of the site's own host at 3 a second: about 13 s, past the first line.
    let line = first_progress_line(
        Arc::new(move |_: &Request| Reply::html(home.clone())),
        &[
            "--max-pages",
            "1",
            "--rate",
            "3",
            "--check-links",
            "homepage",
        ],
    )
    .await;
    assert!(
        line.starts_with("portal-audit: pages 1/1 (100%), sites 0/1 done (1 active), ")
            && line.contains(" links/s (last minute), ETA ≈ 0:00:")
            && line.contains(", links checked ")
            // The 40 pages and the header's link to the homepage.
            && line.ends_with(" of ≈41"),
        "{line}"
    );
}

/// 22.5: progress counted cities, which all finish at the end. Off a terminal, the line
/// every 10 s counts pages of the budget's upper bound, sites done (and active, the
/// window's occupancy), the rate over the last minute and an ETA.
#[tokio::test]
async fn progress_off_a_terminal_counts_pages_sites_and_an_eta() {
    let line = first_progress_line(
        Arc::new(|req: &Request| {
            let mut r = Reply::html(page("甲市", "<a href=\"/a.html\">政务公开</a>"));
            if req.path() == "/" {
                r.delay = std::time::Duration::from_millis(10_500);
            }
            r
        }),
        &["--max-pages", "5"],
    )
    .await;
    assert!(
        line.starts_with("portal-audit: pages 0/5 (0%), sites 0/1 done (1 active), ")
            && line.contains(" pages/s")
            && line.contains(" (last minute), ETA")
            && line.contains("cities 0/1"),
        "{line}"
    );
}
