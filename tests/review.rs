//! Reviewers' decisions (issue 15, the part without the review screen): recorded
//! append-only, applied by every export, stale when a recheck changes the evidence, and
//! exchanged as CSV.

mod common;

use common::*;
use portal_audit::export::{formats, matrix, summary};
use portal_audit::sim::server::{Reply, Request};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

#[tokio::test]
async fn decisions_override_exports_keep_their_history_and_go_stale() {
    let grown = Arc::new(AtomicBool::new(false));
    let g = grown.clone();
    let server = serve(Arc::new(move |req: &Request| {
        let body = match req.path() {
            "/" if g.load(Ordering::SeqCst) => {
                "<a href=\"/xmt/\">微博</a><a href=\"https://weibo.com/jiafabu2\">甲市发布</a>"
            }
            "/" => "<a href=\"/xmt/\">微博</a><div class=\"foot\"><p>服务热线：12345</p></div>",
            _ => return Reply::not_found(),
        };
        Reply::html(page("甲市人民政府", body))
    }))
    .await;
    let dir = tempfile::tempdir().unwrap();
    seeds(
        dir.path(),
        &["1,甲市,浙江省,key,east,http://www.jia.gov.cn/,,,,,"],
    );
    let resolve = server.resolve_all();
    let run = |args: &[&str]| {
        let mut v = s(args);
        v.extend(s(&["--db", "audit.db"]));
        v
    };
    let out = audit_bin(&["run"], dir.path(), &resolve).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // The weibo entry is medium evidence: yes, and first in the pending queue.
    let out = run_bin(run(&["review", "list", "--pending"]), dir.path()).await;
    let t = text(&out);
    assert!(t.contains("reviewed 0 /"), "{t}");
    let first = t.lines().find(|l| l.starts_with("| 1 ")).unwrap();
    assert!(
        first.contains("| weibo |") && first.contains("yes on medium evidence only"),
        "{t}"
    );
    // Overturn it, then supersede the decision; both stay in the history.
    for (verdict, reason) in [
        ("no", "the 微博 entry leads to a page without an account"),
        ("no", "checked again: no account"),
    ] {
        let out = run_bin(
            run(&[
                "review",
                "set",
                "甲市",
                "general",
                "weibo",
                verdict,
                "--reason",
                reason,
                "--reviewer",
                "王审",
            ]),
            dir.path(),
        )
        .await;
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    }
    let out = run_bin(
        run(&[
            "review", "set", "甲市", "general", "weibo", "no", "--reason", " ",
        ]),
        dir.path(),
    )
    .await;
    assert_eq!(
        out.status.code(),
        Some(2),
        "a reason is required: {}",
        text(&out)
    );
    let out = run_bin(run(&["review", "history", "甲市"]), dir.path()).await;
    let t = text(&out);
    assert_eq!(
        t.lines()
            .filter(|l| l.contains("general weibo: no (computed yes) by 王审"))
            .count(),
        2,
        "{t}"
    );

    let db = db(dir.path());
    let conn = portal_audit::store::open_ro(&db).unwrap();
    let mut m = matrix::load(&conn, None).unwrap();
    portal_audit::review::apply(&conn, &mut m).unwrap();
    let cell = m.cities[0]
        .cell(
            portal_audit::model::Sector::General,
            &portal_audit::model::ChannelId::new("weibo"),
        )
        .unwrap();
    assert_eq!(
        (cell.value, cell.computed),
        (matrix::Value::No, matrix::Value::Yes)
    );
    let r = cell.review.as_ref().unwrap();
    assert!(!r.stale && r.reason == "checked again: no account" && r.reviewer == "王审");
    // Every format says so.
    let csv = String::from_utf8(formats::matrix_csv(&m)[3..].to_vec()).unwrap();
    assert!(
        csv.lines()
            .next()
            .unwrap()
            .ends_with("computed_value,reviewed,reviewer,review_reason,review_stale,unknown_reason,carried_forward_from")
    );
    let row = csv.lines().find(|l| l.contains(",general,weibo,")).unwrap();
    assert!(
        row.contains(",no,") && row.ends_with(",yes,yes,王审,checked again: no account,no,,"),
        "{row}"
    );
    let json = formats::matrix_json(&m);
    assert_eq!(json["cities"][0]["channels"]["general"]["weibo"], "no");
    let rv = &json["cities"][0]["reviews"]["general"]["weibo"];
    assert_eq!(
        (
            rv["value"].as_str(),
            rv["computed"].as_str(),
            rv["stale"].as_bool()
        ),
        (Some("no"), Some("yes"), Some(false))
    );
    assert!(formats::matrix_md(&m).contains("·ᴿ"));
    // The evidence pack and the workbook say so too.
    let pack = dir.path().join("pack");
    portal_audit::export::evidence::write_pack(&conn, &m, &pack).unwrap();
    let index = std::fs::read_to_string(pack.join("index.html")).unwrap();
    assert!(index.contains("#general-weibo\">·ᴿ</a>"), "{index}");
    let city = std::fs::read_to_string(pack.join("city-1.html")).unwrap();
    assert!(
        city.contains("weibo: no (reviewed by 王审 at ") && city.contains("computed yes)"),
        "{city}"
    );
    let book_path = dir.path().join("m.xlsx");
    portal_audit::export::xlsx::write(
        &m,
        &summary::summarize(&m),
        &portal_audit::export::evidence::findings(&conn, &m).unwrap(),
        &book_path,
    )
    .unwrap();
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&book_path).unwrap();
    let long = book.worksheet_range("long").unwrap();
    let row = long
        .rows()
        .find(|r| r.iter().any(|c| *c == "weibo") && r.iter().any(|c| *c == "王审"))
        .expect("the long sheet names the reviewer");
    assert!(row.iter().any(|c| *c == "checked again: no account"));
    let sm = formats::summary_md(&summary::summarize(&m));
    assert!(sm.contains("0% (0/1, 1 reviewed)"), "{sm}");
    // --computed: the machine's values.
    let out = run_bin(
        run(&[
            "export",
            "matrix",
            "--format",
            "json",
            "--computed",
            "--out",
            "-",
        ]),
        dir.path(),
    )
    .await;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["cities"][0]["channels"]["general"]["weibo"], "yes");
    drop(conn);

    // A recheck that finds an account: the decision still applies, flagged stale.
    grown.store(true, Ordering::SeqCst);
    let out = audit_bin(&["recheck", "甲市"], dir.path(), &resolve).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = run_bin(run(&["review", "list", "--stale"]), dir.path()).await;
    let t = text(&out);
    assert!(
        t.contains("| general | weibo | no | yes |") && t.contains("stale"),
        "{t}"
    );
    // diff says which values are reviewers'.
    let out = run_bin(run(&["diff", "1", "2", "--format", "csv"]), dir.path()).await;
    let t = text(&out);
    assert!(t.contains("evidence,before_reviewed,after_reviewed"), "{t}");
    assert!(
        t.contains(",general,hotline,disappeared,yes,no,") && t.contains(",no,no"),
        "{t}"
    );
    // The hotline number is gone: a cell that changed since the last audit comes right
    // after the uncertain ones in the pending queue.
    let out = run_bin(run(&["review", "list", "--pending"]), dir.path()).await;
    let t = text(&out);
    let first = t.lines().find(|l| l.starts_with("| 1 ")).unwrap();
    assert!(
        first.contains("| hotline |") && first.contains("changed since the last audit"),
        "{t}"
    );

    // Export and import: a broken file is refused whole, a good one recorded.
    let out = run_bin(
        run(&["review", "export", "--out", "decisions.csv"]),
        dir.path(),
    )
    .await;
    assert!(text(&out).contains("2 decisions written"), "{}", text(&out));
    let exported = std::fs::read(dir.path().join("decisions.csv")).unwrap();
    assert!(exported.starts_with(b"\xEF\xBB\xBF"));
    std::fs::write(
        dir.path().join("bad.csv"),
        "city,sector,channel,verdict,reason,reviewer,decided_at\n甲市,general,hotline,yes,confirmed,李,\n丙市,general,weibo,yes,x,李,\n甲市,parks,weibo,yes,x,李,\n甲市,general,twitter,maybe,,李,\n",
    )
    .unwrap();
    let out = run_bin(run(&["review", "import", "bad.csv"]), dir.path()).await;
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    for want in [
        "bad.csv:3: unknown city `丙市`",
        "bad.csv:4: unknown sector `parks`",
        "bad.csv:5: unknown channel `twitter`",
        "bad.csv:5: verdict must be yes or no",
        "bad.csv:5: missing reason",
        "nothing imported",
    ] {
        assert!(t.contains(want), "missing `{want}`: {t}");
    }
    let n: i64 = scalar(&db, "SELECT COUNT(*) FROM decisions");
    assert_eq!(n, 2, "nothing written");
    std::fs::write(
        dir.path().join("good.csv"),
        "\u{feff}city,sector,channel,verdict,reason,reviewer,decided_at\n1,general,hotline,yes,12345 in the footer,李,2026-12-01T08:00:00Z\n",
    )
    .unwrap();
    let out = run_bin(run(&["review", "import", "good.csv"]), dir.path()).await;
    assert!(
        text(&out).contains("1 decisions imported"),
        "{}",
        text(&out)
    );
    let who: String = scalar(
        &db,
        "SELECT reviewer FROM decisions ORDER BY id DESC LIMIT 1",
    );
    assert_eq!(who, "李");
}
