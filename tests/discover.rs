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
