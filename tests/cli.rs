//! The real binary: exit codes, messages, seeds check, runs, inspect.

mod common;

use common::*;
use portal_audit::sim::server::Reply;

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn broken_seeds_are_listed_with_line_numbers_and_nothing_is_crawled() {
    let dir = tempfile::tempdir().unwrap();
    seeds(
        dir.path(),
        &[
            "1,甲市,浙江省,key,east,http://www.a.gov.cn/,,,,,",
            "1,乙市,浙江省,capital,east,http://www.b.gov.cn/,,,,,",
            "3,丙市,浙江省,key,east",
        ],
    );
    let out = run_bin(
        s(&["run", "--seeds", "cities.csv", "--db", "a.db", "-q"]),
        dir.path(),
    )
    .await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let t = text(&out);
    assert!(t.contains("cities.csv:3: duplicate id `1`"), "{t}");
    assert!(t.contains("cities.csv:3: unknown tier `capital`"), "{t}");
    assert!(t.contains("cities.csv:4: expected 11 columns"), "{t}");
    assert!(
        !dir.path().join("a.db").exists(),
        "nothing may be written for bad seeds"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn run_runs_and_a_busy_database() {
    let server = serve(routes(vec![html(
        "www.a.gov.cn/",
        page(
            "甲市人民政府",
            "<a href=\"http://weibo.com/jia\">政务微博</a>",
        ),
    )]))
    .await;
    let dir = tempfile::tempdir().unwrap();
    seeds(
        dir.path(),
        &["330100,杭州市,浙江省,key,east,http://www.a.gov.cn/,,,,,"],
    );
    let resolve = server.resolve_all();
    let out = run_bin(
        s(&[
            "run",
            "--seeds",
            "cities.csv",
            "--db",
            "r/audit.db",
            "--rate",
            "20",
            "--resolve",
            &resolve,
        ]),
        dir.path(),
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("run 1 completed: 1 cities (0 failed), 1 pages, 1 findings"),
        "{}",
        text(&out)
    );
    let out = run_bin(s(&["runs", "--db", "r/audit.db"]), dir.path()).await;
    let t = text(&out);
    assert!(t.contains("completed") && t.contains("1/1"), "{t}");
    // While another process holds the run lock, a second run refuses at once; readers work.
    let _lock = portal_audit::store::RunLock::acquire(&dir.path().join("r/audit.db")).unwrap();
    let out = run_bin(
        s(&[
            "recheck",
            "杭州",
            "--seeds",
            "cities.csv",
            "--db",
            "r/audit.db",
            "--resolve",
            &resolve,
        ]),
        dir.path(),
    )
    .await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(
        text(&out).contains("another portal-audit run is writing"),
        "{}",
        text(&out)
    );
    let out = run_bin(s(&["runs", "--db", "r/audit.db", "--json"]), dir.path()).await;
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["findings"], 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn unusable_databases_get_clear_errors_and_are_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    seeds(
        dir.path(),
        &["1,甲市,浙江省,key,east,http://www.a.gov.cn/,,,,,"],
    );
    std::fs::write(
        dir.path().join("not.db"),
        b"this is not a database, it is a text file with some words in it......",
    )
    .unwrap();
    let before = std::fs::read(dir.path().join("not.db")).unwrap();
    let out = run_bin(
        s(&["run", "--seeds", "cities.csv", "--db", "not.db", "-q"]),
        dir.path(),
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("not.db is not an SQLite database"),
        "{}",
        text(&out)
    );
    assert_eq!(std::fs::read(dir.path().join("not.db")).unwrap(), before);
    // A newer schema than this binary knows.
    let newer = dir.path().join("newer.db");
    rusqlite::Connection::open(&newer)
        .unwrap()
        .pragma_update(None, "user_version", 99)
        .unwrap();
    let out = run_bin(s(&["runs", "--db", "newer.db"]), dir.path()).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("schema version 99, newer than this portal-audit knows"),
        "{}",
        text(&out)
    );
    let out = run_bin(s(&["runs", "--db", "missing.db"]), dir.path()).await;
    assert!(
        text(&out).contains("no audit database at missing.db"),
        "{}",
        text(&out)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn seeds_check_probe_reports_moved_dead_and_non_html_portals_and_fix_applies_moves() {
    let server = serve(routes(vec![
        html("www.ok.gov.cn/", page("好", "<p>ok</p>")),
        (
            "www.old.gov.cn/".into(),
            Reply::redirect(301, "http://www.new.gov.cn/"),
        ),
        html("www.new.gov.cn/", page("新", "<p>new</p>")),
        (
            "www.pdf.gov.cn/".into(),
            Reply::new(200, "application/pdf", "%PDF-1.4"),
        ),
    ]))
    .await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    seeds(
        dir.path(),
        &[
            "1,甲市,浙江省,key,east,http://www.ok.gov.cn/,,,,,",
            "2,乙市,浙江省,key,east,http://www.old.gov.cn/,,,,,",
            "3,丙市,浙江省,key,east,http://www.dead.gov.cn/,,,,,",
            "4,丁市,浙江省,key,east,http://www.pdf.gov.cn/,,,,,",
        ],
    );
    let args = |fix: bool| {
        let mut v = s(&[
            "seeds",
            "check",
            "--seeds",
            "cities.csv",
            "--probe",
            "--retries",
            "0",
            "--rate",
            "20",
        ]);
        v.push(format!("--resolve=www.dead.gov.cn:*:{closed}"));
        v.push(format!("--resolve={}", server.resolve_all()));
        if fix {
            v.push("--fix".into());
        }
        v
    };
    let out = run_bin(args(false), dir.path()).await;
    let t = text(&out);
    // Not 36 key cities: a problem, reported, and the probe still runs.
    assert!(t.contains("expected exactly 36 key cities, found 4"), "{t}");
    assert!(
        t.contains(
            "moved        2 乙市 http://www.old.gov.cn/ → http://www.new.gov.cn/ (permanent"
        ),
        "{t}"
    );
    assert!(
        t.contains("unreachable  3 丙市 http://www.dead.gov.cn/"),
        "{t}"
    );
    assert!(
        t.contains("not-html     4 丁市 http://www.pdf.gov.cn/ application/pdf"),
        "{t}"
    );
    assert!(
        t.contains("probe: 1 moved, 1 not-html, 1 ok, 1 unreachable"),
        "{t}"
    );
    let unchanged = std::fs::read_to_string(dir.path().join("cities.csv")).unwrap();
    assert!(unchanged.contains("www.old.gov.cn"), "no --fix, no change");
    let out = run_bin(args(true), dir.path()).await;
    assert!(
        text(&out).contains("fixed 2 portal: http://www.old.gov.cn/ → http://www.new.gov.cn/"),
        "{}",
        text(&out)
    );
    let fixed = std::fs::read_to_string(dir.path().join("cities.csv")).unwrap();
    assert!(
        fixed.contains("2,乙市,浙江省,key,east,http://www.new.gov.cn/,,,,,"),
        "{fixed}"
    );
    assert!(
        fixed.contains("3,丙市,浙江省,key,east,http://www.dead.gov.cn/"),
        "dead portals are not changed"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn inspect_json_has_the_documented_shape() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("p.html");
    std::fs::write(&f, page("甲市人民政府", "<div class=\"bdsharebuttonbox\"><a class=\"bds_tsina\" data-cmd=\"tsina\" title=\"分享到新浪微博\"></a></div><a href=\"https://weibo.com/jiashi\">政务微博</a>")).unwrap();
    let out = run_bin(
        s(&[
            "inspect",
            "p.html",
            "--url",
            "http://www.jia.gov.cn/",
            "--json",
        ]),
        dir.path(),
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["url"], "http://www.jia.gov.cn/");
    assert_eq!(v["present"], serde_json::json!(["weibo"]));
    let f0 = &v["findings"][0];
    for k in [
        "channel", "strength", "sector", "rule", "target", "text", "snippet", "path",
    ] {
        assert!(f0.get(k).is_some(), "finding lacks {k}: {f0}");
    }
    assert_eq!(
        v["findings"].as_array().unwrap().len(),
        1,
        "the share button is no finding"
    );
}

/// Issue 25, identity: `inspect` reads who runs the site from the page's footer, in the
/// terminal and in JSON, and says what is missing or disagrees.
#[tokio::test(flavor = "multi_thread")]
async fn inspect_shows_the_sites_identity_from_its_footer() {
    let dir = tempfile::tempdir().unwrap();
    let complete = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>甲市人民政府</title></head><body>\
        <div class=\"footer\"><p>主办单位：甲市人民政府办公室 技术支持：某某科技有限公司 电话：0571-87001234</p>\
        <p><a href=\"https://beian.miit.gov.cn/\">浙ICP备05000001号-1</a> 政府网站标识码：3301000001 浙公网安备 33010202000001号</p>\
        <a href=\"https://bszs.conac.cn/sitename?method=show&id=1\"><img src=\"/i/red.png\"></a>\
        <script id=\"_jiucuo_\" sitecode=\"3301000001\" src=\"https://zfwzgl.www.gov.cn/exposure/jiucuo.js\"></script></div></body></html>";
    std::fs::write(dir.path().join("ok.html"), complete).unwrap();
    let out = run_bin(
        s(&["inspect", "ok.html", "--url", "http://www.jia.gov.cn/"]),
        dir.path(),
    )
    .await;
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(t.contains("identity: yes"), "{t}");
    assert!(
        t.contains("3301000001") && t.contains("甲市人民政府办公室"),
        "{t}"
    );
    assert!(
        !t.contains("某某科技"),
        "技术支持 is not the organiser: {t}"
    );
    // A department footer without an ICP number, whose error-report entry names the portal.
    let partial = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>甲市教育局</title></head><body>\
        <div class=\"footer\"><p>主办：甲市教育局 网站标识码：3301000012</p>\
        <a href=\"http://121.43.68.40/exposure/jiucuo.html?site_code=3301000001&url=www.jia.gov.cn\">我为政府网站找错</a></div></body></html>";
    std::fs::write(dir.path().join("dept.html"), partial).unwrap();
    let out = run_bin(
        s(&[
            "inspect",
            "dept.html",
            "--url",
            "http://jyj.jia.gov.cn/",
            "--json",
        ]),
        dir.path(),
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let id = &v["identity"];
    assert_eq!(id["verdict"], "no", "{id}");
    assert_eq!(id["missing"], serde_json::json!(["icp"]));
    assert_eq!(id["site_code"]["value"], "3301000012");
    assert_eq!(id["error_report"], true);
    assert_eq!(id["error_report_code"], "3301000001");
    assert_eq!(id["inconsistent"].as_array().unwrap().len(), 1, "{id}");
    assert_eq!(id["conac"], false);
}

#[tokio::test(flavor = "multi_thread")]
async fn unwritable_locations_and_broken_rules_get_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    seeds(
        dir.path(),
        &["1,甲市,浙江省,key,east,http://www.a.gov.cn/,,,,,"],
    );
    // /proc refuses new files even to root.
    let out = run_bin(
        s(&[
            "run",
            "--seeds",
            "cities.csv",
            "--db",
            "/proc/portal-audit/audit.db",
            "-q",
        ]),
        dir.path(),
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("/proc/portal-audit"), "{}", text(&out));
    std::fs::write(
        dir.path().join("bad.toml"),
        "version = \"1\"\n\n[[rules]]\nid = \"x\"\nchannel = \"twitter\"\nstrength = \"strong\"\n",
    )
    .unwrap();
    let out = run_bin(
        s(&[
            "run",
            "--seeds",
            "cities.csv",
            "--db",
            "a.db",
            "--rules",
            "bad.toml",
            "-q",
        ]),
        dir.path(),
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    let t = text(&out);
    assert!(
        t.contains("rules file bad.toml, line 5, column") && t.contains("twitter"),
        "{t}"
    );
    std::fs::write(
        dir.path().join("syntax.toml"),
        "version = \"1\"\n[[rules]\n",
    )
    .unwrap();
    let out = run_bin(
        s(&["inspect", "cities.csv", "--rules", "syntax.toml"]),
        dir.path(),
    )
    .await;
    assert!(
        text(&out).contains("rules file syntax.toml, line 2"),
        "{}",
        text(&out)
    );
    assert!(!dir.path().join("a.db").exists(), "bad rules write nothing");
}

#[tokio::test(flavor = "multi_thread")]
async fn eval_exits_non_zero_below_thresholds() {
    let corpus = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus");
    let dir = tempfile::tempdir().unwrap();
    let out = run_bin(
        s(&[
            "eval",
            "--corpus",
            corpus,
            "--min-precision",
            "0.95",
            "--min-recall",
            "0.95",
        ]),
        dir.path(),
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("precision"));
    // A rules file with no hotline rule cannot reach the recall threshold.
    let weak: String = portal_audit::page::detect::rules::DEFAULT_RULES
        .split("[[rules]]")
        .filter(|b| !b.contains("channel = \"hotline\""))
        .collect::<Vec<_>>()
        .join("[[rules]]");
    std::fs::write(dir.path().join("weak.toml"), weak).unwrap();
    let out = run_bin(
        s(&[
            "eval",
            "--corpus",
            corpus,
            "--min-recall",
            "0.95",
            "--rules",
            "weak.toml",
        ]),
        dir.path(),
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
}

/// A stand-in for a Python with Scrapy: it checks the arguments the bench passes, fetches
/// the first portal through the simulated server acting as a proxy, and reports like
/// the real spider does.
#[cfg(unix)]
const FAKE_SCRAPY: &str = r#"#!/bin/bash
set -e
grep -q "class Portals" "$1"
test "$4" = 10000 && test "$5" = 30
host=$(sed -n 2p "$2" | cut -d, -f6 | sed -E 's#^https?://([^/]+)/.*#\1#')
addr=${3#http://}
exec 3<>/dev/tcp/${addr%:*}/${addr##*:}
printf 'GET http://%s/ HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$host" "$host" >&3
reply=$(cat <&3)
case "$reply" in *"HTTP/1.1 200"*"<html"*) ;; *) echo "no page through the proxy" >&2; exit 1;; esac
echo '{"version":"stand-in","pages":4,"wall":0.5,"cpu":0.04,"sys":0.0,"peak_mb":10}'
"#;

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn bench_compares_with_a_scrapy_crawl_of_the_same_server() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let write_script = |name: &str, body: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, body).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        p.to_string_lossy().into_owned()
    };
    let good = write_script("python", FAKE_SCRAPY);
    let bench = |py: &str| {
        s(&[
            "bench",
            "--scenario",
            "unlimited",
            "--cities",
            "3",
            "--scrapy",
            py,
        ])
    };
    let o = run_bin(bench(&good), dir.path()).await;
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(
        out.contains("Scrapy stand-in on the same server just after: pages 4"),
        "{out}"
    );
    assert!(out.contains("10.000 ms per page"), "{out}");
    assert!(
        out.contains("CPU per page, portal-audit ÷ Scrapy: "),
        "{out}"
    );
    assert!(
        out.contains("accuracy against the truth: ") && out.contains("cells (100.00%)"),
        "{out}"
    );

    let broken = write_script(
        "broken-python",
        "#!/bin/sh\necho 'No module named scrapy' >&2\nexit 1\n",
    );
    let o = run_bin(bench(&broken), dir.path()).await;
    let out = text(&o);
    assert!(!o.status.success());
    assert!(out.contains("the Scrapy baseline failed"), "{out}");
    assert!(out.contains("No module named scrapy"), "{out}");
}

/// 22.8: `eval` printed 1.00 for a precision with nothing predicted (tp = fp = 0) and a
/// recall with nothing to find (tp = fn = 0): undefined is `–`, and it fails no threshold.
#[tokio::test]
async fn eval_prints_a_dash_where_precision_or_recall_is_undefined() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir_all(&corpus).unwrap();
    std::fs::write(
        corpus.join("p.html"),
        page("甲市人民政府", "<p>政务公开</p>"),
    )
    .unwrap();
    std::fs::write(
        corpus.join("labels.csv"),
        "file,owner,page_url,channel,label,evidence\np.html,甲市人民政府,https://www.a.gov.cn/,weibo,no,\n",
    )
    .unwrap();
    let out = run_bin(
        s(&[
            "eval",
            "--corpus",
            "corpus",
            "--min-precision",
            "0.9",
            "--min-recall",
            "0.9",
        ]),
        dir.path(),
    )
    .await;
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    let row = t.lines().find(|l| l.starts_with("weibo ")).unwrap();
    let cols: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(cols, ["weibo", "0", "0", "0", "1", "–", "–"], "{t}");
    assert!(!t.contains("1.00"), "{t}");
}
