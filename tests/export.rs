//! Exports over a store built from a local multi-site crawl: matrix (json, csv, md, xlsx),
//! summary shares and denominators, the evidence pack, diffs, and rendering in Chromium.

mod common;

use common::*;
use portal_audit::audit::RunMode;
use portal_audit::export::{diff, evidence, formats, matrix, summary, xlsx};
use portal_audit::sim::server::{Reply, Request};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Three cities: 甲 (key, east) with weibo + hotline on the portal and a WeChat QR on its
/// education bureau; 乙 (prefecture, central) with a mayor's mailbox only (and, after
/// `grow`, a weibo); 丙 (key, west) whose portal is dead.
async fn build(
    dir: &Path,
) -> (
    std::path::PathBuf,
    Arc<AtomicBool>,
    portal_audit::sim::server::Server,
    std::path::PathBuf,
    portal_audit::config::CrawlConfig,
) {
    let grow = Arc::new(AtomicBool::new(false));
    let g = grow.clone();
    let server = serve(Arc::new(move |req: &Request| {
        let body = match (req.host.as_str(), req.path()) {
            ("www.jia.gov.cn", "/") => page("甲市人民政府", "<div id=\"top\"><a href=\"https://weibo.com/jiafabu\"><img src=\"/i/wb.png\" alt=\"甲市发布 政务微博\"></a></div><script>var x=1;</script><p class=\"foot\">服务热线：12345</p>"),
            ("jyj.jia.gov.cn", "/") => page("甲市教育局", "<div class=\"ewm\"><img src=\"/i/zwwx.jpg\"><p>扫一扫关注甲市教育政务微信</p></div>"),
            ("www.yi.gov.cn", "/") if g.load(Ordering::SeqCst) => page("乙市人民政府", "<a href=\"/hd/\">市长信箱</a><a href=\"https://weibo.com/yishi\">官方微博</a>"),
            ("www.yi.gov.cn", "/") => page("乙市人民政府", "<a href=\"/hd/\">市长信箱</a>"),
            ("www.yi.gov.cn", "/hd/") => page("市长信箱", "<p>写信</p>"),
            _ => return Reply::not_found(),
        };
        Reply::html(body)
    }))
    .await;
    let seeds = seeds(
        dir,
        &[
            "110000,甲市,北京市,key,east,http://www.jia.gov.cn/,,http://jyj.jia.gov.cn/,,,",
            "140200,乙市,山西省,prefecture,central,http://www.yi.gov.cn/,,,,,",
            "650100,丙市,新疆维吾尔自治区,key,west,http://www.bing.gov.cn/,,,,,",
        ],
    );
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let mut cfg = config(&server);
    cfg.resolve = vec![format!("www.bing.gov.cn:*:{closed}"), server.resolve_all()];
    cfg.max_retries = 0;
    // Seeded sites only: discovery has its own tests (tests/discover.rs).
    cfg.discover = false;
    let db = db(dir);
    audit(&db, &seeds, all(), cfg.clone()).await;
    (db, grow, server, seeds, cfg)
}

#[tokio::test(flavor = "multi_thread")]
async fn matrix_summary_evidence_and_diff() {
    let dir = tempfile::tempdir().unwrap();
    let (db, grow, _server, seeds, cfg) = build(dir.path()).await;
    let conn = conn(&db);
    let m = matrix::load(&conn, None).unwrap();

    // JSON: exactly the expected cells, including unknown for the dead portal.
    let json = formats::matrix_json(&m);
    let cells = |id: &str, sector: &str| -> Vec<String> {
        let c = json["cities"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap();
        [
            "weibo",
            "wechat",
            "app",
            "service_hall",
            "consultation",
            "email",
            "hotline",
        ]
        .iter()
        .map(|ch| c["channels"][sector][ch].as_str().unwrap().to_string())
        .collect()
    };
    assert_eq!(
        cells("110000", "general"),
        ["yes", "no", "no", "no", "no", "no", "yes"]
    );
    assert_eq!(
        cells("110000", "education"),
        ["no", "yes", "no", "no", "no", "no", "no"]
    );
    assert_eq!(
        cells("140200", "general"),
        ["no", "no", "no", "no", "yes", "no", "no"]
    );
    assert_eq!(cells("650100", "general"), ["unknown"; 7]);
    let jia = json["cities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "110000")
        .unwrap();
    assert_eq!(
        jia["channels"].as_object().unwrap().len(),
        2,
        "general + education only"
    );
    for k in [
        "id",
        "name",
        "province",
        "tier",
        "region",
        "audit_run",
        "status",
        "channels",
    ] {
        assert!(jia.get(k).is_some(), "{k}");
    }
    assert!(json.get("generated_at").is_some() && json.get("rules_version").is_some());

    // Summary: shares over known cells, with denominators; 丙 (key) is unknown.
    let s = summary::summarize(&m);
    let weibo = |t: usize, r: usize| {
        s.tables[t].rows[r].shares[&portal_audit::model::ChannelId::new("weibo")].label()
    };
    assert_eq!(weibo(0, 0), "100% (1/1)", "key cities: 甲 yes, 丙 unknown");
    assert_eq!(weibo(0, 1), "0% (0/1)");
    assert_eq!(weibo(0, 2), "50% (1/2)");
    assert_eq!(weibo(1, 2), "– (0/0)", "west: only 丙, unknown");
    let md = formats::summary_md(&s);
    assert!(md.contains("| 重点城市 | 100% (1/1) |"), "{md}");

    // CSV: BOM, then round-trips through a CSV reader.
    let csv_bytes = formats::matrix_csv(&m);
    assert!(csv_bytes.starts_with(b"\xEF\xBB\xBF"));
    let mut r = csv::Reader::from_reader(&csv_bytes[3..]);
    assert_eq!(
        r.headers().unwrap().iter().collect::<Vec<_>>(),
        formats::MATRIX_CSV_HEADER
    );
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), m.channels.len() * (2 + 1 + 1));
    let wb = rows
        .iter()
        .find(|r| &r[0] == "110000" && &r[5] == "general" && &r[6] == "weibo")
        .unwrap();
    assert_eq!(
        (&wb[1], &wb[7], &wb[8], &wb[10]),
        ("甲市", "yes", "strong", "https://weibo.com/jiafabu")
    );

    // xlsx opens and holds the sheets.
    let x = dir.path().join("m.xlsx");
    xlsx::write(&m, &s, &evidence::findings(&conn, &m).unwrap(), &x).unwrap();
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&x).unwrap();
    assert_eq!(
        book.sheet_names(),
        ["matrix", "long", "summary", "调查表", "findings"]
    );
    // 22.7: the survey's layout, shares as numbers with their denominators beside.
    let survey = book.worksheet_range("调查表").unwrap();
    let rows: Vec<Vec<calamine::Data>> = survey.rows().map(|r| r.to_vec()).collect();
    assert_eq!(
        rows[0][0].to_string(),
        "政府门户网站：各渠道开通城市比例（按城市类型）"
    );
    assert_eq!(
        (
            rows[1][0].to_string(),
            rows[1][1].to_string(),
            rows[1][2].to_string()
        ),
        ("城市组".into(), "政务微博".into(), "开通/已知".into())
    );
    assert_eq!(rows[2][0].to_string(), "重点城市");
    assert_eq!(rows[2][1], calamine::Data::Float(1.0), "a number, not text");
    assert_eq!(rows[2][2].to_string(), "1/1");
    // Percent format, frozen city columns and fitted widths, as the workbook stores them.
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&x).unwrap()).unwrap();
    let xml = |zip: &mut zip::ZipArchive<std::fs::File>, name: &str| {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut zip.by_name(name).unwrap(), &mut s).unwrap();
        s
    };
    let styles = xml(&mut zip, "xl/styles.xml");
    assert!(styles.contains("formatCode=\"0%\""), "{styles}");
    let matrix_xml = xml(&mut zip, "xl/worksheets/sheet1.xml");
    assert!(
        matrix_xml.contains("xSplit=\"2\" ySplit=\"1\""),
        "{matrix_xml}"
    );
    assert!(matrix_xml.contains("<col "), "column widths: {matrix_xml}");
    let long = book.worksheet_range("long").unwrap();
    assert_eq!(long.height(), 1 + 4 * m.channels.len());
    let wide = book.worksheet_range("matrix").unwrap();
    assert_eq!(wide.get_value((1, 0)).unwrap().to_string(), "110000");

    // Evidence pack: a page per city; every yes links to an archived page that exists
    // and highlights its element; no active script anywhere.
    let pack = dir.path().join("pack");
    assert_eq!(evidence::write_pack(&conn, &m, &pack).unwrap().cities, 3);
    let index = std::fs::read_to_string(pack.join("index.html")).unwrap();
    for id in ["110000", "140200", "650100"] {
        assert!(pack.join(format!("city-{id}.html")).exists());
    }
    assert!(
        index.contains("href=\"city-110000.html#general-weibo\">✓</a>"),
        "{index}"
    );
    let city = std::fs::read_to_string(pack.join("city-110000.html")).unwrap();
    let section = city.split("id=\"general-weibo\"").nth(1).unwrap();
    let link = section
        .split("href=\"pages/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    // The link names the finding; its element, alone, carries that anchor.
    let (file, fragment) = link.split_once('#').expect("a fragment naming the finding");
    assert!(fragment.starts_with("finding-"), "{link}");
    let archived = std::fs::read_to_string(pack.join("pages").join(file)).unwrap();
    assert!(archived.contains("Archived copy (inert) of http://www.jia.gov.cn/"));
    let doc = scraper::Html::parse_document(&archived);
    let marked: Vec<_> = doc
        .select(&scraper::Selector::parse(&format!("[id=\"{fragment}\"]")).unwrap())
        .collect();
    assert_eq!(marked.len(), 1, "{fragment}");
    assert_eq!(&*marked[0].value().name.local, "a");
    assert!(marked[0].value().attr("data-evidence").is_some());
    assert!(archived.contains("[data-evidence]:target{outline"));
    for sc in doc.select(&scraper::Selector::parse("script").unwrap()) {
        assert_eq!(
            sc.value().attr("type"),
            Some("text/inert"),
            "active script in an archived page"
        );
    }
    let dead = std::fs::read_to_string(pack.join("city-650100.html")).unwrap();
    assert!(dead.contains("unreachable"), "failures are listed");
    assert!(
        std::fs::read(pack.join("findings.csv"))
            .unwrap()
            .starts_with(b"\xEF\xBB\xBF")
    );

    // Chromium renders the summary and the index (when installed, as in CI).
    render_check(&pack.join("index.html"), "甲市");
    let html = dir.path().join("summary.html");
    std::fs::write(&html, formats::summary_html(&s)).unwrap();
    render_check(&html, "政务服务渠道开通情况");

    // A recheck that finds a new channel shows in the diff.
    grow.store(true, Ordering::SeqCst);
    let first_run = m.cities[0].audit_run;
    let re = audit(
        &db,
        &seeds,
        RunMode::Recheck {
            city: "乙市".into(),
        },
        cfg,
    )
    .await;
    let after = matrix::load(&conn, Some(re.run_id)).unwrap();
    let changes = diff::diff(&matrix::load(&conn, Some(first_run)).unwrap(), &after);
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(
        (
            changes[0].city_id.as_str(),
            changes[0].channel.as_str(),
            changes[0].change
        ),
        ("140200", "weibo", "appeared")
    );
    assert!(changes[0].evidence.contains("https://weibo.com/yishi"));
    // The default export now takes 乙 from the recheck.
    let latest = matrix::load(&conn, None).unwrap();
    assert_eq!(
        latest
            .cities
            .iter()
            .find(|c| c.id == "140200")
            .unwrap()
            .audit_run,
        re.run_id
    );
    let prev = diff::previous(&conn, re.run_id).unwrap();
    assert_eq!(diff::diff(&prev, &after).len(), 1);
}

/// Renders `file` in headless Chromium and checks the DOM holds `needle`.
fn render_check(file: &Path, needle: &str) {
    let Some((dom, stderr)) = chromium_dom(file, 1000) else {
        eprintln!(
            "chromium not installed: render check of {} skipped",
            file.display()
        );
        return;
    };
    assert!(
        dom.contains(needle),
        "Chromium did not render {}: {stderr}",
        file.display()
    );
    assert!(
        dom.contains("</table>") || dom.contains("<svg"),
        "no table or chart in the rendered DOM"
    );
}
