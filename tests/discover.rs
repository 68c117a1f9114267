//! `seeds discover`: department sites found on portals, written into the seeds file, and
//! the written file round-trips (issue 14, the discovery half that needs no crawl).

mod common;

use common::*;
use portal_audit::sim::server::{Reply, Request};
use std::sync::Arc;

fn portal_pages() -> portal_audit::sim::server::Handler {
    Arc::new(|req: &Request| {
        let body = match (req.host.as_str(), req.path()) {
            // 甲市: a 部门网站 dropdown (with a province's and a district's bureau), a link
            // to its 机构设置 page, a footer of 友情链接 with another city's bureau.
            ("www.jia.gov.cn", "/") => concat!(
                "<div class=\"bmwz\"><span>部门网站</span><select onchange=\"window.open(this.value)\">",
                "<option value=\"\">请选择</option><option value=\"http://jyj.jia.gov.cn/\">市教育局</option>",
                "<option value=\"http://gjj.jia.gov.cn/\">甲市住房公积金管理中心</option>",
                "<option value=\"http://jyt.zj.gov.cn/\">浙江省教育厅</option>",
                "<option value=\"http://edu.xihu.jia.gov.cn/\">西湖区教育局</option></select></div>",
                "<div class=\"nav\"><a href=\"/jgsz/index.html\">机构设置</a></div>",
                "<div class=\"yqlj\">友情链接 <a href=\"http://jyj.yi.gov.cn/\">乙市教育局</a></div>"
            ),
            ("www.jia.gov.cn", "/jgsz/index.html") => concat!(
                "<ul class=\"jg\"><li><a href=\"http://www.jia.gov.cn/zjj/index.html\">市住房和城乡建设局</a></li>",
                "<li><a href=\"http://jtysj.jia.gov.cn/\">市交通运输局</a></li>",
                "<li><a href=\"http://wjw.jia.gov.cn/\">甲市卫生健康委员会</a></li>",
                "<li><a href=\"http://tjj.jia.gov.cn/\">市统计局</a></li></ul>"
            ),
            // 乙市: its menu is written only by JavaScript: nothing to find.
            ("www.yi.gov.cn", "/") => {
                "<div id=\"menu\"></div><script>document.getElementById('menu').innerHTML='<a href=\"http://jyj.yi.gov.cn/\">市教育局</a>'</script>"
            }
            _ => return Reply::not_found(),
        };
        Reply::html(page("人民政府", body))
    })
}

#[tokio::test]
async fn seeds_discover_writes_empty_columns_and_round_trips() {
    let server = serve(portal_pages()).await;
    let dir = tempfile::tempdir().unwrap();
    let seeds = seeds(
        dir.path(),
        &[
            "1,甲市,浙江省,key,east,http://www.jia.gov.cn/,,,,,http://sthjj.jia.gov.cn/",
            "2,乙市,浙江省,key,east,http://www.yi.gov.cn/,,,,,",
        ],
    );
    let args = |write: bool| {
        let mut v = vec![
            "seeds".to_string(),
            "discover".into(),
            "--seeds".into(),
            seeds.display().to_string(),
            "--resolve".into(),
            server.resolve_all(),
        ];
        if write {
            v.push("--write".into());
        }
        v
    };
    let out = run_bin(args(false), dir.path()).await;
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    for want in [
        "education    http://jyj.jia.gov.cn/  ← http://www.jia.gov.cn/ (option `市教育局`)",
        "housing      http://gjj.jia.gov.cn/",
        "housing      http://www.jia.gov.cn/zjj/  ← http://www.jia.gov.cn/jgsz/index.html (a `市住房和城乡建设局`)",
        "transport    http://jtysj.jia.gov.cn/",
        "health       http://wjw.jia.gov.cn/",
        "environment  seeded; none found",
    ] {
        assert!(t.contains(want), "missing `{want}` in:\n{t}");
    }
    for trap in ["jyt.zj.gov.cn", "xihu", "jyj.yi.gov.cn", "tjj.jia.gov.cn"] {
        assert!(
            !t.contains(&format!("{trap}/  ←")) && !t.contains(&format!("{trap}  ←")),
            "{trap}: {t}"
        );
    }
    assert!(t.contains("2 乙市"), "{t}");
    let before = std::fs::read_to_string(&seeds).unwrap();
    assert!(
        t.contains("discover: 2 cities, 5 department sites found"),
        "{t}"
    );
    assert_eq!(
        std::fs::read_to_string(&seeds).unwrap(),
        before,
        "nothing written without --write"
    );

    let out = run_bin(args(true), dir.path()).await;
    let t = text(&out);
    assert!(
        t.contains("wrote 1 housing: http://gjj.jia.gov.cn/;http://www.jia.gov.cn/zjj/"),
        "{t}"
    );
    assert!(t.contains("wrote 1 discovered:"), "{t}");
    assert!(t.contains("5 change(s) written"), "{t}");
    let written = std::fs::read_to_string(&seeds).unwrap();
    assert!(
        written.contains("http://sthjj.jia.gov.cn/"),
        "a seeded column is kept"
    );
    assert!(written.lines().next().unwrap().ends_with(",discovered"));
    // The written file passes `seeds check`, parses with the sites in place, and a second
    // discovery changes nothing.
    let check = run_bin(
        vec![
            "seeds".into(),
            "check".into(),
            "--seeds".into(),
            seeds.display().to_string(),
        ],
        dir.path(),
    )
    .await;
    // It parses (the survey rules on 36 key cities do not hold for two test cities).
    assert!(
        text(&check).contains("2 cities (2 key, 0 prefecture), 6 department sites"),
        "{}",
        text(&check)
    );
    let cities = portal_audit::seeds::load(&seeds).unwrap();
    assert_eq!(
        cities[0].departments[&portal_audit::model::Sector::Housing].len(),
        2,
        "a city with two housing sites"
    );
    let again = run_bin(args(true), dir.path()).await;
    assert!(
        text(&again).contains("0 change(s) written"),
        "{}",
        text(&again)
    );
    assert_eq!(std::fs::read_to_string(&seeds).unwrap(), written);
}

/// Portals that list their departments, department sites with channels of their own, a
/// dead department site, and a city whose menu is written only by JavaScript.
fn audited_world() -> portal_audit::sim::server::Handler {
    Arc::new(|req: &Request| {
        let body = match (req.host.as_str(), req.path()) {
            ("www.jia.gov.cn", "/") => concat!(
                "<div class=\"bmwz\">部门网站<select><option value=\"\">请选择</option>",
                "<option value=\"http://jyj.jia.gov.cn/\">市教育局</option>",
                "<option value=\"http://gjj.jia.gov.cn/\">甲市住房公积金管理中心</option>",
                "<option value=\"http://wjw.jia.gov.cn/\">市卫生健康委员会</option>",
                "<option value=\"http://jyt.zj.gov.cn/\">浙江省教育厅</option></select></div>",
                "<div class=\"nav\"><a href=\"/jgsz/\">机构设置</a><a href=\"/zjj/a.html\">住建动态</a></div>",
                "<div class=\"foot\"><p>12345政务服务便民热线</p></div>"
            ),
            ("www.jia.gov.cn", "/jgsz/") => {
                "<ul><li><a href=\"http://www.jia.gov.cn/zjj/\">市住房和城乡建设局</a></li><li><a href=\"http://edu.xihu.gov.cn/\">西湖区教育局</a></li></ul>"
            }
            ("www.jia.gov.cn", "/zjj/" | "/zjj/a.html") => {
                "<div class=\"xmt\"><a href=\"https://weibo.com/jiazjj\">甲市住建发布</a></div><a href=\"http://www.jia.gov.cn/\">返回甲市人民政府</a>"
            }
            ("jyj.jia.gov.cn", "/") => {
                "<a href=\"/hdjl/jzxx/\">局长信箱</a><div class=\"foot\"><p>教育咨询热线：0571-87654321</p></div><a href=\"http://www.jia.gov.cn/\">返回首页</a>"
            }
            ("gjj.jia.gov.cn", "/") => "<div class=\"foot\"><p>住房公积金服务热线：12329</p></div>",
            ("www.yi.gov.cn", "/") => {
                "<div id=\"menu\"></div><script>document.getElementById('menu').innerHTML='<a href=\"http://jyj.yi.gov.cn/\">市教育局</a>'</script>"
            }
            _ => return Reply::not_found(),
        };
        Reply::html(page("人民政府", body))
    })
}

#[tokio::test]
async fn a_run_crawls_the_department_sites_its_portals_name() {
    use portal_audit::export::{evidence, formats, matrix, summary};
    use portal_audit::model::{ChannelId, Sector};
    let server = serve(audited_world()).await;
    let dir = tempfile::tempdir().unwrap();
    let seeds = seeds(
        dir.path(),
        &[
            "1,甲市,浙江省,key,east,http://www.jia.gov.cn/,,,,,",
            "2,乙市,浙江省,prefecture,east,http://www.yi.gov.cn/,,,,,",
        ],
    );
    let db = db(dir.path());
    let mut cfg = config(&server);
    // The health bureau's host is dead (a closed port).
    cfg.resolve = vec!["wjw.jia.gov.cn:*:127.0.0.1:9".into(), server.resolve_all()];
    let rep = audit(&db, &seeds, all(), cfg.clone()).await;
    let conn = portal_audit::store::open_ro(&db).unwrap();
    let m = matrix::load(&conn, Some(rep.run_id)).unwrap();
    let jia = m.cities.iter().find(|c| c.id == "1").unwrap();
    let v = |s: Sector, ch: &str| jia.value(s, &ChannelId::new(ch));
    let reason = |c: &matrix::CityRow, s: Sector| {
        c.cell(s, &ChannelId::new("weibo"))
            .and_then(|x| x.reason.clone())
    };
    use matrix::Value::*;
    assert_eq!(v(Sector::Education, "consultation"), Yes);
    assert_eq!(v(Sector::Education, "hotline"), Yes);
    assert_eq!(v(Sector::Education, "weibo"), No);
    assert_eq!(
        v(Sector::Housing, "hotline"),
        Yes,
        "the 公积金中心, one of two housing sites"
    );
    assert_eq!(
        v(Sector::Housing, "weibo"),
        Yes,
        "the 住建局 directory of the portal"
    );
    let dbg: Vec<(String, String, String)> = conn
        .prepare("SELECT f.sector, f.page_url, s.sector FROM findings f JOIN sites s ON s.id = f.site_id WHERE f.run_id = ?1 AND f.channel = 'weibo'")
        .unwrap()
        .query_map([rep.run_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        v(Sector::General, "weibo"),
        No,
        "the portal leaves /zjj/ to the department: {dbg:?}"
    );
    assert_eq!(v(Sector::General, "hotline"), Yes);
    assert_eq!(v(Sector::Health, "hotline"), Unknown);
    assert_eq!(reason(jia, Sector::Health).as_deref(), Some("unreachable"));
    assert_eq!(v(Sector::Transport, "weibo"), Unknown);
    assert_eq!(
        reason(jia, Sector::Transport).as_deref(),
        Some("no-site-found")
    );
    let yi = m.cities.iter().find(|c| c.id == "2").unwrap();
    assert_eq!(
        reason(yi, Sector::Education).as_deref(),
        Some("no-site-found")
    );
    // The sites the run crawled, seeded or discovered, with the link that named them.
    let mut st = conn
        .prepare("SELECT sector, start_url, origin, discovered_text FROM sites WHERE run_id = ?1 AND city_id = '1' ORDER BY sector, start_url")
        .unwrap();
    let sites: Vec<(String, String, String, Option<String>)> = st
        .query_map([rep.run_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        sites,
        [
            (
                "education".into(),
                "http://jyj.jia.gov.cn/".into(),
                "discovered".into(),
                Some("option: 市教育局".into())
            ),
            (
                "general".into(),
                "http://www.jia.gov.cn/".into(),
                "seeded".into(),
                None
            ),
            (
                "health".into(),
                "http://wjw.jia.gov.cn/".into(),
                "discovered".into(),
                Some("option: 市卫生健康委员会".into())
            ),
            (
                "housing".into(),
                "http://gjj.jia.gov.cn/".into(),
                "discovered".into(),
                Some("option: 甲市住房公积金管理中心".into())
            ),
            (
                "housing".into(),
                "http://www.jia.gov.cn/zjj/".into(),
                "discovered".into(),
                Some("a: 市住房和城乡建设局".into())
            ),
        ]
    );
    assert!(
        !server
            .targets()
            .iter()
            .any(|t| t.contains("jyt.zj.gov.cn") || t.contains("xihu"))
    );
    // The summary says in how many cities each sector's site was found.
    let s = summary::summarize(&m);
    let md = formats::summary_md(&s);
    assert!(
        md.contains("education: site found in 1/1 key cities"),
        "{md}"
    );
    assert!(
        md.contains("education: site found in 0/1 prefecture-level cities"),
        "{md}"
    );
    assert!(
        md.contains("transport: site found in 0/1 key cities"),
        "{md}"
    );
    // The evidence pack shows each department site and what named it.
    let pack = dir.path().join("pack");
    evidence::write_pack(&conn, &m, &pack).unwrap();
    let city = std::fs::read_to_string(pack.join("city-1.html")).unwrap();
    assert!(
        city.contains("discovered") && city.contains("option: 市教育局 on http://www.jia.gov.cn/"),
        "{city}"
    );
    assert!(city.contains("weibo: unknown (no-site-found)"), "{city}");

    // Redetect with rules that no longer call 市教育局 an education bureau: the discovered
    // site is kept on record, not counted.
    let narrower = portal_audit::page::detect::rules::DEFAULT_RULES.replace(
        "names = [\"教育局\", \"教育体育局\", \"教体局\", \"教育委员会\", \"教委\"]",
        "names = [\"教育委员会\"]",
    );
    assert_ne!(narrower, portal_audit::page::detect::rules::DEFAULT_RULES);
    let det = portal_audit::page::detect::RulesDetector::new(
        portal_audit::page::detect::RuleSet::parse(&narrower, "narrow.toml").unwrap(),
    );
    let re = portal_audit::audit::redetect::redetect(&db, Some(rep.run_id), &det).unwrap();
    let outcome: String = conn
        .query_row(
            "SELECT outcome FROM sites WHERE run_id = ?1 AND sector = 'education'",
            [re.run_id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(outcome, "not-discovered");
    let m2 = matrix::load(&conn, Some(re.run_id)).unwrap();
    let jia2 = m2.cities.iter().find(|c| c.id == "1").unwrap();
    assert_eq!(
        jia2.value(Sector::Education, &ChannelId::new("consultation")),
        Unknown
    );
    assert_eq!(jia2.value(Sector::Housing, &ChannelId::new("hotline")), Yes);

    // --no-discover: only the seeded sites.
    let mut off = cfg;
    off.discover = false;
    let rep2 = audit(&db, &seeds, all(), off).await;
    let n: i64 = scalar(
        &db,
        &format!("SELECT COUNT(*) FROM sites WHERE run_id = {}", rep2.run_id),
    );
    assert_eq!(n, 2);
}
