//! Detection quality measured on labelled pages: our own corpus (asserted) and the shared
//! authentic pages (measured and printed; asserted loosely when present); then one test
//! per failure class found on portals the rules had never seen (issue 17).

mod common;

use common::detect_page as detect;
use portal_audit::model::Strength;
use portal_audit::page::detect::eval::{detect_bytes, evaluate, ratio_label};
use portal_audit::page::detect::{RulesDetector, present};
use std::path::Path;
use url::Url;

#[test]
fn own_corpus_precision_is_at_least_098_and_recall_095_per_channel() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let report = evaluate(&dir, &RulesDetector::builtin()).unwrap();
    assert!(report.pages >= 120, "{} pages", report.pages);
    let departments = std::fs::read_dir(&dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.file_name().to_string_lossy().starts_with('d'))
        })
        .count();
    assert!(departments >= 50, "{departments} department pages");
    for d in &report.disagreements {
        eprintln!(
            "disagreement: {} {}: labelled {}, detected {} {:?}",
            d.file, d.channel, d.label, d.detected, d.findings
        );
    }
    for (channel, c) in &report.per_channel {
        eprintln!(
            "{channel:<13} precision {} recall {} ({c:?})",
            ratio_label(c.precision()),
            ratio_label(c.recall())
        );
        assert!(c.tp > 0, "{channel} has no positive page in the corpus");
        assert!(
            c.precision().is_some_and(|p| p >= 0.98) && c.recall().is_some_and(|r| r >= 0.95),
            "{channel}: {c:?}\n{:#?}",
            report.disagreements
        );
    }
}

/// The shared authentic pages (`../shared/realpages`, `../shared/realpages2`), when
/// present: precision ≥ 0.98 and recall ≥ 0.95 over the survey's seven (issue 24).
#[test]
fn shared_authentic_pages_reach_the_targets_when_present() {
    for corpus in ["../shared/realpages", "../shared/realpages2"] {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(corpus);
        if !dir.join("labels.csv").exists() {
            eprintln!("{corpus} not present: skipped");
            continue;
        }
        let report = evaluate(&dir, &RulesDetector::builtin()).unwrap();
        let o = report.overall();
        eprintln!(
            "{corpus}: precision {} recall {}; disagreements: {:#?}",
            ratio_label(o.precision()),
            ratio_label(o.recall()),
            report.disagreements
        );
        assert!(
            o.precision().is_some_and(|p| p >= 0.98) && o.recall().is_some_and(|r| r >= 0.95),
            "{corpus}: {o:?}"
        );
    }
}

fn page(body: &str) -> String {
    format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>甲市人民政府</title></head><body>{body}<div class=\"footer\"><p>主办：甲市人民政府办公室</p></div></body></html>"
    )
}

fn channels(html: &str) -> Vec<String> {
    present(&detect(html, "http://www.jia.gov.cn/", "甲市人民政府"))
        .into_iter()
        .map(|c| c.to_string())
        .collect()
}

#[test]
fn section_navigation_is_a_hint_not_the_channel() {
    let nav = page(
        "<ul class=\"nav\"><li><a href=\"/zwfw/\">政务服务</a></li><li><a href=\"/bsfw/\">办事服务</a></li><li><a href=\"/hdjl/\">互动交流</a></li>\
         <li><a href=\"/zmhd/\">政民互动</a></li><li><a href=\"/gzcy/\">公众参与</a></li><li><a href=\"/xmt/\">新媒体</a></li><li><a href=\"/wsfw/\">网上服务</a></li></ul>",
    );
    let findings = detect(&nav, "http://www.jia.gov.cn/", "甲市人民政府");
    assert_eq!(present(&findings), Vec::<String>::new(), "{findings:#?}");
    assert!(
        findings
            .iter()
            .any(|f| f.rule.ends_with("section-hint") && f.strength == Strength::Weak),
        "section links are kept as hints for reviewers: {findings:#?}"
    );
    let specific = page(
        "<ul class=\"nav\"><li><a href=\"/bsdt/\">网上办事大厅</a></li><li><a href=\"/hdjl/szxx/\">市长信箱</a></li><li><a href=\"/hdjl/zxzx/\">在线咨询</a></li></ul>",
    );
    assert_eq!(channels(&specific), ["consultation", "service_hall"]);
}

#[test]
fn image_captions_are_the_images_own_words_not_a_containers_text() {
    let list: String = (0..10)
        .map(|i| {
            format!(
                "<li><a href=\"/art/{i}.html\">关于加强政务微博和政务微信管理工作的通知{i}</a></li>"
            )
        })
        .collect();
    let slide = page(&format!(
        "<div class=\"focus\"><div class=\"pic\"><a href=\"/art/0.html\"><img src=\"/upload/slide0.jpg\"></a></div><ul>{list}</ul></div>"
    ));
    assert_eq!(channels(&slide), Vec::<String>::new());
    let qr =
        page("<div class=\"ewm\"><img src=\"/images/qr2.png\"><p>扫一扫关注甲市发布微信</p></div>");
    assert_eq!(channels(&qr), ["wechat"]);
}

#[test]
fn other_governments_channels_are_weak_on_images_too() {
    let html = page(
        "<div class=\"foot-apps\"><a href=\"http://app.www.gov.cn/download/Chinese.html\"><img src=\"/images/gwy.png\" alt=\"国务院客户端\"></a>\
         <a href=\"https://app.zj.gov.cn/download\"><img src=\"/images/zjapp.png\" alt=\"浙江政务APP下载\"></a>\
         <a href=\"https://weibo.com/zjfb\"><img src=\"/images/wb.png\" alt=\"浙江发布\"></a></div>",
    );
    let findings = detect(&html, "http://www.jia.gov.cn/", "甲市人民政府");
    assert_eq!(present(&findings), Vec::<String>::new(), "{findings:#?}");
    // The city's own app, drawn the same way, counts.
    let own = page(
        "<a href=\"https://apps.apple.com/cn/app/id1\"><img src=\"/images/app.png\" alt=\"甲市政务APP下载\"></a>",
    );
    assert_eq!(channels(&own), ["app"]);
}

#[test]
fn sector_service_lines_are_hotlines_and_site_lines_are_not() {
    for line in [
        "住房公积金服务热线：12329",
        "咨询电话：(86-574)12329",
        "公积金热线 0574-12329",
        "城建服务热线：12319",
        "交通运输服务监督电话：12328",
        "卫生健康热线：12320",
        "环保举报热线：12369",
        "12345政务服务便民热线",
        "投诉电话：0571-87654321",
    ] {
        let html = page(&format!("<div class=\"foot\"><p>{line}</p></div>"));
        assert_eq!(channels(&html), ["hotline"], "{line}");
    }
    for trap in [
        "违法和不良信息举报电话：0571-12377",
        "网站纠错电话：0571-87001234",
        "传真：0571-87001235",
        "网站联系电话：0571-87001236",
        "技术支持：某某信息技术有限公司 0571-87001237",
        "浙ICP备12345号-1",
        "京公网安备11010502012345号",
        "发布时间：2024-12345",
        "值班电话：0571-87001238",
    ] {
        let html = page(&format!("<div class=\"foot\"><p>{trap}</p></div>"));
        assert_eq!(channels(&html), Vec::<String>::new(), "{trap}");
    }
    // The label in the block before the number.
    for split in [
        "<div class=\"tel\">公积金服务热线<div class=\"num\">12329</div></div>",
        "<dl><dt>咨询电话</dt><dd>0571-87654321</dd></dl>",
    ] {
        assert_eq!(channels(&page(split)), ["hotline"], "{split}");
    }
    let split_fax = page("<dl><dt>传真</dt><dd>0571-87654322</dd></dl>");
    assert_eq!(channels(&split_fax), Vec::<String>::new());
    let fax = page("<a href=\"tel:0571-87001235\">传真</a>");
    assert_eq!(channels(&fax), Vec::<String>::new());
}

#[test]
fn icon_links_to_the_owners_account_are_not_share_buttons() {
    let html =
        page("<a href=\"http://weibo.com/jiagjj\" class=\"shareicon3\" title=\"甲市公积金\"></a>");
    assert_eq!(channels(&html), ["weibo"]);
    for share in [
        "<div class=\"bdsharebuttonbox\"><a href=\"#\" class=\"bds_tsina\" data-cmd=\"tsina\" title=\"分享到新浪微博\"></a></div>",
        "<a href=\"http://service.weibo.com/share/share.php?url=http://www.jia.gov.cn/\" class=\"icon\">微博</a>",
        "<a href=\"https://weibo.com/share/x\" class=\"wb\">微博</a>",
    ] {
        assert_eq!(channels(&page(share)), Vec::<String>::new(), "{share}");
    }
}

#[test]
fn labels_outside_the_img_count() {
    let css = page(
        "<div class=\"follow\"><i class=\"code\" style=\"background-image:url(/images/code1.png)\"></i><span>微信</span><p>扫一扫关注我们</p></div>",
    );
    assert_eq!(channels(&css), ["wechat"]);
    let qr_class =
        page("<div class=\"wx-box\"><div class=\"qrcode-img\"></div><span>政务微信</span></div>");
    assert_eq!(channels(&qr_class), ["wechat"]);
    for link in [
        "<a href=\"/bsdt/\" title=\"网上办事大厅\"><img src=\"/images/b1.png\"></a>",
        "<a href=\"/bsdt/\" aria-label=\"网上办事大厅\"><img src=\"/images/b1.png\"></a>",
        "<a href=\"/bsdt/\"><img src=\"/images/%E7%BD%91%E4%B8%8A%E5%8A%9E%E4%BA%8B%E5%A4%A7%E5%8E%85.png\"></a>",
    ] {
        assert_eq!(channels(&page(link)), ["service_hall"], "{link}");
    }
}

#[test]
fn the_end_of_a_long_page_is_read() {
    let rows: String = (0..14_000)
        .map(|i| {
            format!("<tr><td>{i}</td><td>某某有限公司</td><td>行政许可</td><td>准予许可</td></tr>")
        })
        .collect();
    let html = page(&format!(
        "<table class=\"sgs\">{rows}</table><div class=\"foot\"><p>12345政务服务便民热线</p></div>"
    ));
    assert!(html.len() > 1_000_000);
    let findings = detect(&html, "http://www.jia.gov.cn/", "甲市人民政府");
    assert!(
        findings.iter().any(|f| f.channel == "hotline"
            && f.text.contains("12345")
            && f.snippet.contains("便民热线")),
        "{findings:#?}"
    );
    // A long footer paragraph whose line comes after the first few hundred characters.
    let long = format!(
        "<div class=\"foot\"><p>{}<span>服务热线：0571-12345</span></p></div>",
        "版权所有甲市人民政府，本网站由甲市大数据发展管理局承办，建议使用谷歌浏览器浏览本网站，"
            .repeat(20)
    );
    assert_eq!(channels(&page(&long)), ["hotline"]);
}

#[test]
fn a_veto_does_not_spill_onto_its_neighbour() {
    let html = page(
        "<div class=\"foot\"><p>主办：甲县人民政府办公室，承办：甲县大数据中心，网站联系电话：028-86012277　电子邮箱：zfwz#jia.gov.cn（请将#替换为@）</p></div>",
    );
    let findings = detect(&html, "http://www.jia.gov.cn/", "甲县人民政府");
    let email = findings
        .iter()
        .find(|f| f.channel == "email")
        .expect("the address is found");
    assert_eq!(email.strength, Strength::Strong, "{findings:#?}");
    assert_eq!(present(&findings), ["email"]);
}

#[test]
fn one_bad_byte_does_not_flip_the_charset() {
    let mut body = b"<html><head><meta charset=\"utf-8\"><title>".to_vec();
    let title = "甲市人民政府关于进一步做好政务服务工作的通知";
    body.extend_from_slice(&title.as_bytes()[..title.len() - 1]);
    body.extend_from_slice(
        "</title></head><body><a href=\"/hdjl/szxx/\">市长信箱</a></body></html>".as_bytes(),
    );
    let findings = detect_bytes(
        &body,
        Some("text/html; charset=utf-8"),
        &Url::parse("http://www.jia.gov.cn/").unwrap(),
        "甲市人民政府",
        &RulesDetector::builtin(),
    );
    assert_eq!(present(&findings), ["consultation"]);
}

/// Each of today's channels: every target form counts, every trap does not.
#[test]
fn new_media_channels_and_their_traps() {
    let yes: [(&str, &str); 17] = [
        (
            "douyin",
            "<a href=\"https://www.douyin.com/user/MS4wLjABAAAAjia\">甲市发布</a>",
        ),
        (
            "douyin",
            "<a href=\"https://v.douyin.com/iRNBho6u/\">抖音</a>",
        ),
        (
            "douyin",
            "<div class=\"ewm\"><img src=\"/images/dy.png\"><p>甲市发布抖音号</p></div>",
        ),
        (
            "kuaishou",
            "<a href=\"https://www.kuaishou.com/profile/3xjiashi\">快手号</a>",
        ),
        (
            "kuaishou",
            "<a href=\"https://live.kuaishou.com/profile/jiashi\">快手</a>",
        ),
        (
            "kuaishou",
            "<a href=\"https://v.kuaishou.com/Jx7Ab2\">快手</a>",
        ),
        (
            "toutiao",
            "<a href=\"https://www.toutiao.com/c/user/token/MS4wLjABAAAA/\">头条号</a>",
        ),
        (
            "toutiao",
            "<a href=\"https://m.toutiao.com/profile/1234567/\">头条号</a>",
        ),
        (
            "wechat_channels",
            "<a href=\"https://channels.weixin.qq.com/platform\">视频号</a>",
        ),
        (
            "wechat_channels",
            "<a href=\"https://weixin.qq.com/sph/AbCd12\">视频号</a>",
        ),
        (
            "wechat_channels",
            "<div class=\"ewm\"><img src=\"/images/sph.png\"><p>甲市发布视频号</p></div>",
        ),
        (
            "bilibili",
            "<a href=\"https://space.bilibili.com/1234567\">B站</a>",
        ),
        (
            "bilibili",
            "<div class=\"ewm\"><img src=\"/images/bili.png\" alt=\"甲市发布哔哩哔哩\"></div>",
        ),
        (
            "mini_program",
            "<a href=\"weixin://dl/business/?t=AbCdEf12\">甲市政务服务小程序</a>",
        ),
        (
            "mini_program",
            "<a href=\"https://wxaurl.cn/AbCd12\">小程序</a>",
        ),
        (
            "mini_program",
            "<a href=\"alipays://platformapi/startapp?appId=2021000000000001\">支付宝小程序</a>",
        ),
        (
            "mini_program",
            "<div class=\"ewm\"><img src=\"/images/xcx.png\"><p>扫码进入甲市政务服务小程序</p></div>",
        ),
    ];
    for (want, html) in yes {
        assert_eq!(channels(&page(html)), [want], "{html}");
    }
    // A 视频号 QR is not the 公众号.
    let sph = page("<div class=\"ewm\"><img src=\"/images/sph.png\"><p>微信视频号</p></div>");
    assert_eq!(channels(&sph), ["wechat_channels"]);
    for trap in [
        // share buttons to the platforms
        "<a href=\"https://www.douyin.com/share/video/7345\">分享到抖音</a>",
        "<a href=\"#\" class=\"bds_douyin\" data-cmd=\"douyin\" title=\"分享到抖音\"></a>",
        // another organisation's videos in an article
        "<p>新华社 <a href=\"https://www.douyin.com/video/7312345678901234567\">视频</a></p>",
        "<a href=\"https://www.bilibili.com/video/BV1xx411c7mD\">央视新闻B站视频</a>",
        "<iframe src=\"https://www.ixigua.com/embed?group_id=123\"></iframe>",
        // the province's accounts on a city page
        "<a href=\"https://www.douyin.com/user/MS4wLjABAAAAzj\">浙江发布</a>",
        "<div class=\"ewm\"><img src=\"/images/zjsph.png\"><p>浙江发布视频号</p></div>",
        // commercial mini-programs in adverts, WeChat Pay
        "<div class=\"ad\"><img src=\"/ad/jd.png\" alt=\"京东购物小程序\"></div>",
        "<img src=\"/images/wxpay.png\" alt=\"微信支付\">",
        // mentions in news text
        "<p>近年来，我市积极入驻抖音、快手、今日头条、哔哩哔哩等平台，开通政务视频号和微信小程序，各平台粉丝总数超过百万，群众满意度不断提升。</p>",
    ] {
        assert_eq!(channels(&page(trap)), Vec::<String>::new(), "{trap}");
    }
}
