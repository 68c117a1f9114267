//! Channels as data (issue 13): the accounts registry, an old database with the survey's
//! seven channels, and a channel defined only in a rules file flowing through every export.

mod common;

use common::*;
use portal_audit::export::{accounts, diff, evidence, formats, matrix, summary, xlsx};
use portal_audit::page::detect::{RuleSet, RulesDetector};
use portal_audit::sim::server::{Reply, Request};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Two cities: 甲's portal links its weibo on three pages and the province's account;
/// its education bureau links its own account and the same provincial one; 乙 links the
/// provincial account too.
fn world(grown: Arc<AtomicBool>) -> portal_audit::sim::server::Handler {
    Arc::new(move |req: &Request| {
        let province = "<a href=\"https://weibo.com/u/1000000001\">省政府发布</a>";
        let body = match (req.host.as_str(), req.path()) {
            ("www.jia.gov.cn", "/") => format!(
                "<div class=\"nav\"><a href=\"/a.html\">互动交流</a><a href=\"/b.html\">新闻</a></div><div class=\"foot\"><a href=\"https://weibo.com/jiafabu\">甲市发布</a>{province}</div>"
            ),
            ("www.jia.gov.cn", "/a.html" | "/b.html") => {
                "<p>页</p><div class=\"foot\"><a href=\"https://weibo.com/jiafabu?refer=foot\">甲市发布</a></div>"
                    .to_string()
            }
            ("jyj.jia.gov.cn", "/") => {
                let mut b = format!(
                    "<div class=\"xmt\"><a href=\"https://www.douyin.com/user/MS4wjiajy\">甲市教育抖音号</a>{province}</div>"
                );
                if grown.load(Ordering::SeqCst) {
                    b.push_str("<a href=\"https://space.bilibili.com/998877\">甲市教育B站</a>");
                }
                b
            }
            ("www.yi.gov.cn", "/") => format!("<div class=\"foot\">{province}</div>"),
            _ => return Reply::not_found(),
        };
        Reply::html(page("甲市人民政府", &body))
    })
}

#[tokio::test]
async fn accounts_registry_dedups_pages_keeps_sectors_and_flags_shared_accounts() {
    let grown = Arc::new(AtomicBool::new(false));
    let server = serve(world(grown.clone())).await;
    let dir = tempfile::tempdir().unwrap();
    let seeds = seeds(
        dir.path(),
        &[
            "1,甲市,浙江省,prefecture,east,http://www.jia.gov.cn/,,http://jyj.jia.gov.cn/,,,",
            "2,乙市,浙江省,prefecture,east,http://www.yi.gov.cn/,,,,,",
        ],
    );
    let db = db(dir.path());
    let first = audit(&db, &seeds, all(), config(&server)).await;
    let conn = portal_audit::store::open_ro(&db).unwrap();
    let m = matrix::load(&conn, None).unwrap();
    let rows = accounts::load(&conn, &m).unwrap();
    let got: Vec<(String, String, String, String, bool)> = rows
        .iter()
        .map(|r| {
            (
                r.city_id.clone(),
                r.sector.to_string(),
                r.channel.to_string(),
                r.account.clone(),
                r.shared,
            )
        })
        .collect();
    let row = |c: &str, s: &str, ch: &str, a: &str, shared: bool| {
        (
            c.to_string(),
            s.to_string(),
            ch.to_string(),
            a.to_string(),
            shared,
        )
    };
    assert_eq!(
        got,
        [
            row("1", "general", "weibo", "jiafabu", false),
            row("1", "general", "weibo", "1000000001", true),
            row("1", "education", "weibo", "1000000001", true),
            row("1", "education", "douyin", "MS4wjiajy", false),
            row("2", "general", "weibo", "1000000001", true),
        ],
        "{rows:#?}"
    );
    assert!(
        rows.iter()
            .all(|r| r.first_seen_run == first.run_id && r.last_seen_run == first.run_id)
    );
    // The CSV: its header is a contract, one row per account.
    let csv = accounts::to_csv(&rows);
    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    assert!(
        text.starts_with(&accounts::ACCOUNTS_CSV_HEADER.join(",")),
        "{text}"
    );
    assert_eq!(text.lines().count(), 1 + 5);
    let json = accounts::to_json(&rows);
    assert_eq!(json["accounts"].as_array().unwrap().len(), 5);
    assert!(
        accounts::to_md(&rows, &m.channels).contains("| 1 甲市 | 综合服务 | 政务微博 | jiafabu |")
    );

    // A recheck in which the bureau opened a Bilibili account: `diff` reports it.
    grown.store(true, Ordering::SeqCst);
    let re = audit(
        &db,
        &seeds,
        portal_audit::audit::RunMode::Recheck {
            city: "甲市".into(),
        },
        config(&server),
    )
    .await;
    let (a, b) = (
        matrix::load(&conn, Some(first.run_id)).unwrap(),
        matrix::load(&conn, Some(re.run_id)).unwrap(),
    );
    let changes = accounts::changes(&conn, &a, &b).unwrap();
    assert_eq!(changes.len(), 1, "{changes:#?}");
    assert_eq!(
        (changes[0].change, changes[0].channel.as_str()),
        ("account-appeared", "bilibili")
    );
    assert!(changes[0].evidence.contains("998877"));
    let latest = accounts::load(&conn, &matrix::load(&conn, None).unwrap()).unwrap();
    let kept = latest.iter().find(|r| r.account == "jiafabu").unwrap();
    assert_eq!(
        (kept.first_seen_run, kept.last_seen_run),
        (first.run_id, re.run_id)
    );
}

#[tokio::test]
async fn an_old_database_with_seven_channels_exports_as_before() {
    let server = serve(world(Arc::new(AtomicBool::new(false)))).await;
    let dir = tempfile::tempdir().unwrap();
    let seeds = seeds(
        dir.path(),
        &["1,甲市,浙江省,key,east,http://www.jia.gov.cn/,,,,,"],
    );
    let db = db(dir.path());
    audit(&db, &seeds, all(), config(&server)).await;
    // Make it a schema-2 database: no channel table per run, no accounts.
    {
        let c = conn(&db);
        c.execute_batch(
            "DROP INDEX IF EXISTS findings_account; ALTER TABLE findings DROP COLUMN account; ALTER TABLE runs DROP COLUMN channels; DROP TABLE decisions; DROP TABLE page_checks; DROP TABLE link_checks; DROP TABLE probes; ALTER TABLE sites DROP COLUMN origin; ALTER TABLE sites DROP COLUMN discovered_from; ALTER TABLE sites DROP COLUMN discovered_text; DELETE FROM findings WHERE channel NOT IN ('weibo','wechat','app','service_hall','consultation','email','hotline'); UPDATE runs SET settings = json_remove(settings, '$.discover'); PRAGMA user_version = 2;",
        )
        .unwrap();
    }
    let conn = portal_audit::store::open_ro(&db).unwrap();
    let m = matrix::load(&conn, None).unwrap();
    let seven = [
        "weibo",
        "wechat",
        "app",
        "service_hall",
        "consultation",
        "email",
        "hotline",
    ];
    assert_eq!(
        m.channels.ids().map(|c| c.as_str()).collect::<Vec<_>>(),
        seven
    );
    let csv = String::from_utf8(formats::matrix_csv(&m)[3..].to_vec()).unwrap();
    assert!(csv.starts_with(&formats::MATRIX_CSV_HEADER.join(",")));
    assert_eq!(csv.lines().count(), 1 + 7);
    let json = formats::matrix_json(&m);
    let keys: Vec<&String> = json["cities"][0]["channels"]["general"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(keys.len(), 7);
    assert_eq!(json["cities"][0]["channels"]["general"]["weibo"], "yes");
    let md = formats::matrix_md(&m);
    assert!(md.contains("| 城市 | 城市类型 | 地区 | 政务微博 | 政务微信 | 移动客户端 | 网上办事大厅 | 在线咨询 | 电子邮箱 | 服务热线 |"), "{md}");
    assert!(accounts::load(&conn, &m).unwrap().is_empty());
    // Opening it for writing migrates it, its data intact.
    drop(conn);
    let rw = portal_audit::store::open_rw(&db).unwrap();
    let v: i64 = rw
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, portal_audit::store::schema::VERSION);
    let m2 = matrix::load(&rw, None).unwrap();
    assert_eq!(
        m2.channels.len(),
        7,
        "an old run keeps the channels it was audited for"
    );
    // The migrated database takes decisions on its old run.
    portal_audit::review::decide(
        &rw,
        &m2,
        &portal_audit::review::NewDecision {
            city_id: "1",
            sector: portal_audit::model::Sector::General,
            channel: "weibo",
            verdict: portal_audit::review::Verdict::No,
            reason: "checked by hand",
            reviewer: "李",
            decided_at: None,
        },
    )
    .unwrap();
    let mut m3 = matrix::load(&rw, None).unwrap();
    portal_audit::review::apply(&rw, &mut m3).unwrap();
    assert_eq!(
        m3.cities[0].value(
            portal_audit::model::Sector::General,
            &portal_audit::model::ChannelId::new("weibo")
        ),
        matrix::Value::No
    );
}

/// A rules file that adds 小红书 without any code: its own table entry, a rule and an
/// account pattern.
fn with_xiaohongshu() -> RulesDetector {
    let mut text = portal_audit::page::detect::rules::DEFAULT_RULES.to_string();
    text.push_str(
        r#"
[[channels]]
id = "xiaohongshu"
name = "小红书"
name_en = "Xiaohongshu"
kind = "account"
group = "new_media"
order = 170

[[rules]]
id = "xiaohongshu.profile-link"
channel = "xiaohongshu"
strength = "strong"
element = "link"
target_host = ["xiaohongshu.com"]
target_path = "^/user/profile/"

[[accounts]]
channel = "xiaohongshu"
target = ["xiaohongshu.com"]
pattern = "^/user/profile/(?P<id>[0-9a-f]+)"
"#,
    );
    RulesDetector::new(RuleSet::parse(&text, "xhs.toml").unwrap())
}

#[tokio::test]
async fn a_channel_defined_in_a_rules_file_flows_through_every_export() {
    let handler: portal_audit::sim::server::Handler = Arc::new(|req: &Request| match req.path() {
        "/" => Reply::html(page(
            "甲市人民政府",
            "<div class=\"xmt\"><a href=\"https://www.xiaohongshu.com/user/profile/5f1e2d3c\">甲市发布小红书</a><a href=\"https://weibo.com/jiafabu\">甲市发布</a></div>",
        )),
        _ => Reply::not_found(),
    });
    let server = serve(handler).await;
    let dir = tempfile::tempdir().unwrap();
    let seeds = seeds(
        dir.path(),
        &["1,甲市,浙江省,key,east,http://www.jia.gov.cn/,,,,,"],
    );
    let db = db(dir.path());
    let rep = audit_detector(
        &db,
        &seeds,
        all(),
        config(&server),
        Default::default(),
        with_xiaohongshu(),
    )
    .await
    .unwrap();
    let conn = portal_audit::store::open_ro(&db).unwrap();
    let m = matrix::load(&conn, None).unwrap();
    // Its `order` (170) puts it after today's channels, before the inclusion group.
    let ids: Vec<&str> = m.channels.ids().map(|c| c.as_str()).collect();
    let at = |id: &str| ids.iter().position(|c| *c == id).unwrap();
    assert_eq!(at("xiaohongshu"), at("mini_program") + 1, "{ids:?}");
    assert_eq!(at("accessibility"), at("xiaohongshu") + 1, "{ids:?}");
    assert_eq!(
        m.cities[0].value(
            portal_audit::model::Sector::General,
            &portal_audit::model::ChannelId::new("xiaohongshu")
        ),
        matrix::Value::Yes
    );
    let s = summary::summarize(&m);
    let csv = String::from_utf8_lossy(&formats::matrix_csv(&m)).into_owned();
    let json = formats::matrix_json(&m).to_string();
    for (what, out) in [
        ("csv", csv),
        ("json", json),
        ("md", formats::matrix_md(&m)),
        ("summary md", formats::summary_md(&s)),
        (
            "summary csv",
            String::from_utf8_lossy(&formats::summary_csv(&s)).into_owned(),
        ),
        ("summary json", serde_json::to_string(&s).unwrap()),
        ("summary html", formats::summary_html(&s)),
        (
            "accounts",
            String::from_utf8_lossy(&accounts::to_csv(&accounts::load(&conn, &m).unwrap()))
                .into_owned(),
        ),
    ] {
        // Ids in csv and json; people read the channel's Chinese name in md and html.
        let want = if what.contains("md") || what.contains("html") {
            "小红书"
        } else {
            "xiaohongshu"
        };
        assert!(out.contains(want), "{what}: {out}");
    }
    assert!(accounts::to_md(&accounts::load(&conn, &m).unwrap(), &m.channels).contains("5f1e2d3c"));
    let xlsx_path = dir.path().join("m.xlsx");
    xlsx::write(&m, &s, &evidence::findings(&conn, &m).unwrap(), &xlsx_path).unwrap();
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&xlsx_path).unwrap();
    let wide = book.worksheet_range("matrix").unwrap();
    assert!(
        wide.rows()
            .next()
            .unwrap()
            .iter()
            .any(|c| *c == "综合服务·小红书")
    );
    let pack = dir.path().join("pack");
    evidence::write_pack(&conn, &m, &pack).unwrap();
    let index = std::fs::read_to_string(pack.join("index.html")).unwrap();
    assert!(index.contains("小红书"));
    // Selecting columns: the survey's published layout has none of today's channels.
    let mut survey = m.clone();
    survey.select_channels(&[], Some("survey2014")).unwrap();
    assert_eq!(survey.channels.len(), 7);
    assert!(!formats::matrix_md(&survey).contains("小红书"));
    let mut two = m.clone();
    two.select_channels(&["xiaohongshu".into(), "weibo".into()], None)
        .unwrap();
    assert_eq!(
        two.channels.ids().map(|c| c.as_str()).collect::<Vec<_>>(),
        ["weibo", "xiaohongshu"]
    );
    assert!(
        m.clone()
            .select_channels(&["twitter".into()], None)
            .unwrap_err()
            .contains("weibo")
    );
    // diff between the run and itself: nothing.
    let one = matrix::load(&conn, Some(rep.run_id)).unwrap();
    assert!(diff::diff(&one, &one).is_empty());
}
