//! Detection recall on the ordinary ways Chinese government CMSs draw channels, without
//! giving back precision (issue 24): one test per failure class, each with the general
//! case and the trap it must not catch. The pages are written here, after the patterns
//! studied on authentic pages; none is copied from them.

mod common;

use common::detect_page as detect_at;
use portal_audit::model::Strength;
use portal_audit::page::detect::{Finding, present};

const PORTAL: &str = "http://www.jia.gov.cn/";
const OWNER: &str = "甲市人民政府";

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{title}</title></head><body>{body}<div class=\"footer\"><p>主办单位：甲市人民政府办公室</p></div></body></html>"
    )
}

/// The channels a portal page of 甲市 offers.
fn channels(body: &str) -> Vec<String> {
    present(&detect_at(&page(OWNER, body), PORTAL, OWNER))
        .into_iter()
        .map(|c| c.to_string())
        .collect()
}

#[test]
fn abbreviations_in_file_names_are_the_label_of_image_links_and_qr_images() {
    // General case: pinyin initials as the only words.
    assert_eq!(
        channels(r#"<a href="/gzcy/n_qzxx.html"><img src="/images/qzxx-an1.gif" alt=""></a>"#),
        ["consultation"]
    );
    assert_eq!(
        channels(r#"<a href="/jgj/szxx/index.html"><img src="/upload/2015081015.jpg"></a>"#),
        ["consultation"],
        "a folder named szxx (市长信箱) whose index the image links"
    );
    assert_eq!(
        channels(r#"<a href="/pdcx.jhtml"><img src="/ui/icon-function-wsbsdt1.png"></a>"#),
        ["service_hall"]
    );
    assert_eq!(
        channels(
            r#"<div class="foot"><img src="/images/wxewm.jpg"><img src="/images/wb.png"></div>"#
        ),
        ["wechat", "weibo"]
    );
    assert_eq!(
        channels(r#"<ul class="r"><li><img src="/images/appewm.png"></li></ul>"#),
        ["app"]
    );
    // Traps: words are whole runs of letters; a column of articles is not its index.
    assert_eq!(
        channels(r#"<a href="/cangzhou/"><img src="/images/cangzhou_logo1.png"></a>"#),
        Vec::<String>::new(),
        "gzh inside cangzhou is no word"
    );
    assert_eq!(
        channels(r#"<a href="/zxzx/1558.jhtml"><img src="/upload/slide3.jpg"></a>"#),
        Vec::<String>::new(),
        "an article in the zxzx (最新资讯) column is not the 在线咨询 page"
    );
    assert_eq!(
        channels(r#"<a href="/news/"><img src="/images/wxhs_banner.jpg"></a>"#),
        Vec::<String>::new()
    );
}

#[test]
fn qr_codes_drawn_as_css_backgrounds_take_the_label_beside_them() {
    // Inline style.
    assert_eq!(
        channels(
            r#"<dl class="float"><dd><span>微信</span><div class="pic" style="background:url(/i/code1.jpg) no-repeat"></div><p>扫一扫 关注我们</p></dd></dl>"#
        ),
        ["wechat"]
    );
    // A class styled by the page's own <style>.
    let html = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{OWNER}</title><style>.side .code2 i{{display:block;background-image:url(/r/images/pic2.jpg)}}</style></head><body>\
         <div class=\"side\"><span>官方微博</span><div class=\"code2\"><i></i><p>扫一扫 关注我们</p></div></div></body></html>"
    );
    assert_eq!(present(&detect_at(&html, PORTAL, OWNER)), ["weibo"]);
    // Trap: a background that is decoration, beside a long text, is no picture.
    let html = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{OWNER}</title><style>.banner{{background:url(/r/images/bg.jpg)}}</style></head><body>\
         <span>微信</span><div class=\"banner\">甲市召开全市政务公开工作会议，部署政务新媒体管理和政务微信公众号整改工作</div></body></html>"
    );
    assert_eq!(
        present(&detect_at(&html, PORTAL, OWNER)),
        Vec::<String>::new()
    );
}

#[test]
fn a_pop_up_box_takes_the_label_of_the_entry_that_opens_it() {
    // The entry and its box linked by class (`khd` → `khd_ewm`), the box far away.
    assert_eq!(
        channels(
            r#"<div class="float"><a href="/yj.html">网站导航</a><a class="khd">客户端</a></div>
               <div class="khd_ewm" style="display:none"><img src="/images/pub/a1.png"><p>甲事通（安卓版）</p>
               <img src="/images/pub/a2.png"><p>甲事通（IOS版）</p></div>"#
        ),
        ["app"]
    );
    // Captions that name the app's versions (安卓版, IOS版) say it is the app.
    assert_eq!(
        channels(
            r#"<div class="apps"><img src="/images/pub/b1.png"><p>甲事通（安卓版）</p></div>"#
        ),
        ["app"]
    );
    // The box right after its entry, and the box inside it.
    assert_eq!(
        channels(
            r#"<ul class="xmt"><li><a href="javascript:;">微博</a><div class="pop"><img src="/images/q1.png"><p>甲市发布</p></div></li></ul>"#
        ),
        ["weibo"]
    );
    assert_eq!(
        channels(
            r#"<ul class="xmt"><li>APP<div style="display: none"><img src="/images/q2.png"><p>甲市通</p></div></li></ul>"#
        ),
        ["app"]
    );
    // Trap: the entry's label never overrides the box's own words.
    let fs = detect_at(
        &page(
            OWNER,
            r#"<a class="wx">微信</a><div class="wx_box" style="display:none"><img src="/images/q3.png" alt="甲市人民政府快手号"></div>"#,
        ),
        PORTAL,
        OWNER,
    );
    let got: Vec<String> = present(&fs).into_iter().map(|c| c.to_string()).collect();
    assert_eq!(got, ["kuaishou"], "{fs:#?}");
}

#[test]
fn synonyms_and_the_page_that_is_the_service() {
    for label in ["网上业务", "网上服务大厅", "个人业务办理", "单位业务办理"]
    {
        assert_eq!(
            channels(&format!(r#"<a href="/wsyw/index.jhtml">{label}</a>"#)),
            ["service_hall"],
            "{label}"
        );
    }
    for label in ["意见建议", "我要写信", "我要咨询", "留言板"] {
        assert_eq!(
            channels(&format!(
                r#"<a href="/hd/{}.html">{label}</a>"#,
                label.len()
            )),
            ["consultation"],
            "{label}"
        );
    }
    assert_eq!(
        channels(r#"<a href="/ckm-qa/web">智能问答</a>"#),
        ["consultation"]
    );
    // A page whose title is the service, with its login or its form.
    let hall = page(
        "网上服务大厅-甲市住房公积金管理中心",
        r#"<form action="/login"><input name="u"><input type="password" name="p"><button>登录</button></form>"#,
    );
    let got = present(&detect_at(&hall, "http://gjj.jia.gov.cn/wsdt/", OWNER));
    assert_eq!(got, ["service_hall"]);
    let mailbox = page(
        "市长信箱_甲市人民政府",
        r#"<div id="f"><input name="t"><textarea name="c"></textarea><a onclick="send()">提交</a></div>"#,
    );
    assert_eq!(
        present(&detect_at(&mailbox, "http://www.jia.gov.cn/szxx/", OWNER)),
        ["consultation"]
    );
    // Traps: 意见建议 about the web site; an article about the mailbox with a comment box;
    // a download page of the hall's forms.
    assert_eq!(
        channels(r#"<a href="/public/exposure/zhaocuo.shtml">意见建议</a>"#),
        Vec::<String>::new()
    );
    let article = page(
        "关于市长信箱二〇二五年来信办理情况的通报_甲市人民政府",
        r#"<h1>关于市长信箱二〇二五年来信办理情况的通报</h1><p>正文</p><div class="pl"><textarea></textarea></div>"#,
    );
    assert_eq!(
        present(&detect_at(
            &article,
            "http://www.jia.gov.cn/art/1.html",
            OWNER
        )),
        Vec::<String>::new()
    );
    assert_eq!(
        channels(r#"<a href="/wsywxz/index.jhtml">网上业务下载</a>"#),
        Vec::<String>::new()
    );
}

#[test]
fn a_consultation_form_under_a_heading_that_names_the_channel() {
    let html = page(
        "甲市卫生健康委员会",
        r#"<div class="main"><h2>在线咨询</h2><form action="/save.do"><label>标题</label><input name="title"><label>正文</label><textarea name="body"></textarea><input type="submit" value="提交"></form></div>"#,
    );
    let fs = detect_at(&html, "http://wjw.jia.gov.cn/zxzx/", OWNER);
    assert!(
        fs.iter()
            .any(|f| f.channel == "consultation" && f.strength == Strength::Strong),
        "{fs:#?}"
    );
    // The breadcrumb names it.
    let html = page(
        "甲市交通运输局",
        r#"<div class="dqwz">当前位置：首页 &gt; 互动交流 &gt; 在线咨询</div><div class="m"><input name="t"><textarea></textarea><a onclick="tj()">提交</a></div>"#,
    );
    assert_eq!(
        present(&detect_at(&html, "http://jtj.jia.gov.cn/hdjl/zxzx/", OWNER)),
        ["consultation"]
    );
    let html = page(
        "局长信箱 - 甲市教育局",
        r#"<div><input name="n"><textarea></textarea><button onclick="go()">发送</button></div>"#,
    );
    assert_eq!(
        present(&detect_at(&html, "http://jyj.jia.gov.cn/jzxx/", OWNER)),
        ["consultation"]
    );
    // Trap: a comment box under a news heading is no consultation.
    let html = page(
        "甲市教育局",
        r#"<h2>工作动态</h2><div class="comment"><h3>发表评论</h3><textarea></textarea><button>发表</button></div>"#,
    );
    assert_eq!(
        present(&detect_at(
            &html,
            "http://jyj.jia.gov.cn/gzdt/1.html",
            OWNER
        )),
        Vec::<String>::new()
    );
}

#[test]
fn the_citys_own_accounts_judged_by_the_sites_identity() {
    // The owner known only from the site: host cq.gov.cn, title, 主办 in the footer.
    let html = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>重庆市人民政府网</title></head><body>\
        <div class=\"xmt\"><a href=\"https://weibo.com/cqgov\">重庆发布</a></div>\
        <div class=\"footer\">主办单位：重庆市人民政府办公厅</div></body></html>";
    let fs = detect_at(html, "http://www.cq.gov.cn/", "");
    assert_eq!(present(&fs), ["weibo"], "{fs:#?}");
    // The account's id names the site's host even where the label names no city.
    let html = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>首页</title></head><body>\
        <a href=\"https://weibo.com/cqgov\">四川重庆政务微博联盟</a></body></html>";
    assert_eq!(
        present(&detect_at(html, "http://www.cq.gov.cn/", "")),
        ["weibo"]
    );
    // Trap: another province's account on the same page stays another government's.
    let html = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>重庆市人民政府网</title></head><body>\
        <a href=\"https://weibo.com/scfb\">四川发布</a></body></html>";
    let fs = detect_at(html, "http://www.cq.gov.cn/", "");
    assert_eq!(present(&fs), Vec::<String>::new(), "{fs:#?}");
}

#[test]
fn text_share_blocks_are_share_buttons_whether_icons_or_words() {
    assert_eq!(
        channels(
            r#"<div class="fx">分享到： <a href="javascript:;">微信</a> <a href="javascript:;">微博</a> <a href="javascript:;">QQ空间</a></div>"#
        ),
        Vec::<String>::new()
    );
    assert_eq!(
        channels(
            r#"<div class="fx">分享到：<a href="javascript:;"><img src="/i/wx.png"></a><a href="javascript:;"><img src="/i/wb.png"></a></div>"#
        ),
        Vec::<String>::new()
    );
    // The general case still counts: the city's own entries, no share words.
    assert_eq!(
        channels(
            r#"<div class="xmt">关注我们： <a href="/xmt/wx.html">微信</a> <a href="/xmt/wb.html">微博</a></div>"#
        ),
        ["wechat", "weibo"]
    );
}

#[test]
fn borrowed_captions_never_override_an_images_own_words() {
    let fs = detect_at(
        &page(
            OWNER,
            r#"<div class="xmt"><span>官方微博</span><img src="/images/ks.png" alt="甲市人民政府快手号"></div>"#,
        ),
        PORTAL,
        OWNER,
    );
    let got: Vec<String> = present(&fs).into_iter().map(|c| c.to_string()).collect();
    assert_eq!(got, ["kuaishou"], "{fs:#?}");
    // Its file name speaks too: the picture is the 抖音 account, not the neighbour's 微博.
    assert_eq!(
        channels(r#"<div class="xmt"><span>官方微博</span><img src="/images/douyin.png"></div>"#),
        ["douyin"]
    );
    // The general case: an image with no words of its own takes the label beside it.
    assert_eq!(
        channels(r#"<div class="xmt"><span>官方微博</span><img src="/images/q1.png"></div>"#),
        ["weibo"]
    );
}

#[test]
fn place_names_in_host_names_are_not_channel_words() {
    // 浏阳 (liuyang) is not 留言 (liuyan).
    let html = page(
        "长沙市人民政府",
        r#"<a href="http://www.liuyang.gov.cn/">浏阳市</a><a href="http://liuyan.changsha.gov.cn/">市民留言</a>"#,
    );
    let fs = detect_at(&html, "http://www.changsha.gov.cn/", "长沙市人民政府");
    let consultation: Vec<&Finding> = fs.iter().filter(|f| f.channel == "consultation").collect();
    assert!(
        consultation
            .iter()
            .all(|f| f.target.contains("liuyan.changsha")),
        "{consultation:#?}"
    );
    assert!(
        !consultation.is_empty(),
        "the general case: a 留言 host counts"
    );
}

#[test]
fn targetless_tabs_are_not_the_service_hall_unless_their_box_holds_it() {
    assert_eq!(
        channels(
            r#"<div class="tabs"><a href="javascript:;">个人办事</a><a href="javascript:;">法人办事</a></div><div class="box"><a href="/bszn/1.html">办事指南</a></div>"#
        ),
        Vec::<String>::new()
    );
    assert_eq!(
        channels(
            r#"<div class="tabs"><a href="javascript:;">个人办事</a></div><div class="box"><a href="http://zwfw.jia.gov.cn/grbs/">个人办事</a></div>"#
        ),
        ["service_hall"]
    );
}

#[test]
fn digits_inside_addresses_are_not_phone_numbers() {
    let fs = detect_at(
        &page(
            OWNER,
            "<p>联系邮箱：webmaster@city12345.gov.cn</p><p>网址：http://www.12345.jia.gov.cn/12345/</p>",
        ),
        PORTAL,
        OWNER,
    );
    assert!(fs.iter().all(|f| f.channel != "hotline"), "{fs:#?}");
    assert!(fs.iter().any(|f| f.channel == "email"));
    // The general case beside an address.
    assert_eq!(
        channels("<p>服务热线：12345 邮箱：zx@jia.gov.cn</p>"),
        ["email", "hotline"]
    );
}

#[test]
fn mentions_in_list_titles_are_not_the_sites_channels() {
    let list = r#"<ul class="news"><li><a href="/art/1.html">领导现场接听12345热线</a><span>2026-11-20</span></li>
        <li><a href="/art/2.html">关于12329住房公积金热线恢复业务的通知</a><span>2026-11-19</span></li>
        <li><a href="/art/3.html">市政务微信公众号上线试运行</a><span>2026-11-18</span></li></ul>"#;
    assert_eq!(channels(list), Vec::<String>::new());
    let fs = detect_at(
        &page("甲市住房公积金管理中心", list),
        "http://gjj.jia.gov.cn/",
        OWNER,
    );
    assert_eq!(present(&fs), Vec::<String>::new(), "{fs:#?}");
    // A site search is not consultation; a spacer is never a QR code.
    assert_eq!(
        channels(
            r#"<a href="/search/index.jsp">我要咨询</a><div><img src="/images/spacer.gif"><span>官方微信</span></div>"#
        ),
        Vec::<String>::new()
    );
}

#[test]
fn evidence_shown_first_is_the_real_line_not_the_headline() {
    let html = page(
        "甲市住房公积金管理中心",
        r#"<ul class="news"><li><a href="/art/2.html">12329热线系统升级期间暂停服务</a><span>2026-11-19</span></li></ul>
           <div class="foot"><p>客服电话：12329</p></div>"#,
    );
    let mut fs: Vec<Finding> = detect_at(&html, "http://gjj.jia.gov.cn/", OWNER)
        .into_iter()
        .filter(|f| f.channel == "hotline")
        .collect();
    // The matrix shows a cell's findings strongest first (stable): the first is the line.
    fs.sort_by_key(|f| f.strength);
    let first = fs.first().expect("a hotline finding");
    assert!(first.text.contains("客服电话"), "{fs:#?}");
    assert_eq!(first.strength, Strength::Strong);
    assert!(
        fs.iter()
            .filter(|f| f.snippet.contains("暂停服务"))
            .all(|f| f.strength == Strength::Weak),
        "{fs:#?}"
    );
}
