//! Inclusion features as channels of their own group (issue 25, the inclusion part): the
//! site's accessibility toolbar, elder mode, English site and minority-language
//! versions, each with the traps real portals carry (news about 无障碍环境建设 or
//! 适老化改造, the national or the province's English site, a 繁體 toggle, "English"
//! in a logo's alt text). Patterns after authentic portals; no page is copied.

mod common;

use common::detect_page;
use portal_audit::page::detect::{RulesDetector, present};

const PORTAL: &str = "http://www.jia.gov.cn/";
const OWNER: &str = "甲市人民政府";

fn page(head: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{OWNER}</title>{head}</head><body>{body}<div class=\"footer\"><p>主办单位：甲市人民政府办公室</p></div></body></html>"
    )
}

/// The inclusion channels the page offers.
fn inclusion(head: &str, body: &str) -> Vec<String> {
    let rules = RulesDetector::builtin();
    let group: Vec<String> = rules
        .rules
        .channels
        .iter()
        .filter(|c| c.group == "inclusion")
        .map(|c| c.id.to_string())
        .collect();
    present(&detect_page(&page(head, body), PORTAL, OWNER))
        .into_iter()
        .map(|c| c.to_string())
        .filter(|c| group.contains(c))
        .collect()
}

#[test]
fn the_rules_define_the_inclusion_group_in_export_order() {
    let rules = RulesDetector::builtin();
    let ids: Vec<&str> = rules
        .rules
        .channels
        .iter()
        .filter(|c| c.group == "inclusion")
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(
        ids,
        [
            "accessibility",
            "elder_mode",
            "english",
            "minority_language"
        ]
    );
}

#[test]
fn toolbar_entries_and_scripts_are_the_accessibility_feature() {
    assert_eq!(
        inclusion(
            "",
            r#"<div class="top"><a href="javascript:void(0)" onclick="aria.start()">网站无障碍</a></div>"#
        ),
        ["accessibility"]
    );
    assert_eq!(
        inclusion("", r#"<a href="/wca.html" id="toolbarCtrl">无障碍浏览</a>"#),
        ["accessibility"]
    );
    assert_eq!(
        inclusion(
            r#"<script defer src="//gov.govwza.cn/dist/aria.js?appid=0f"></script>"#,
            ""
        ),
        ["accessibility"]
    );
    assert_eq!(
        inclusion(r#"<script src="/js/wza/assist.min.js"></script>"#, ""),
        ["accessibility"]
    );
    // Traps: news about 无障碍环境建设; a library whose name only contains "aria".
    assert_eq!(
        inclusion(
            "<script src=\"/js/jquery.min.js\"></script><script src=\"/js/bootstrap-aria-fix.js\"></script>",
            r#"<ul class="news"><li><a href="/art/1.html">我市召开无障碍环境建设推进会</a><span>2026-11-20</span></li><li><a href="/art/2.html">无障碍设施</a></li></ul>"#
        ),
        Vec::<String>::new()
    );
}

#[test]
fn elder_mode_entries_are_the_elder_mode() {
    assert_eq!(
        inclusion(
            "",
            r#"<a href="javascript:void(0)" onclick="aria.oldFixedStart()">关怀版</a>"#
        ),
        ["elder_mode"]
    );
    assert_eq!(
        inclusion("", r#"<a href="http://www.jia.gov.cn/zzb/">长者版</a>"#),
        ["elder_mode"]
    );
    // Traps: 适老化改造 news; the province's 老年服务专区.
    assert_eq!(
        inclusion(
            "",
            r#"<a href="/art/3.html">全市完成适老化改造三千户</a><a href="http://yc.jxzwfww.gov.cn/col/col74328/index.html" title="老年服务专区"><span>老年服务专区</span><p>“适老化”服务，让年长者更贴心</p></a>"#
        ),
        Vec::<String>::new()
    );
}

#[test]
fn the_governments_own_english_site_is_the_english_version() {
    assert_eq!(
        inclusion("", r#"<a href="http://english.jia.gov.cn/">EN</a>"#),
        ["english"]
    );
    assert_eq!(
        inclusion(
            "",
            r#"<a href="/english/309019/index.html" title="English">En</a>"#
        ),
        ["english"]
    );
    assert_eq!(
        inclusion("", r#"<a href="/ywb/index.html">English</a>"#),
        ["english"]
    );
    // Traps: the national and the province's English sites, "English" in a logo's alt,
    // a 繁體 toggle, the English domain named in the footer's text.
    assert_eq!(
        inclusion(
            "",
            r#"<a href="http://english.www.gov.cn/">English</a><a href="http://english.zj.gov.cn/">English</a>
               <a href="/"><img src="/images/logo.png" alt="The People's Government of Jia City English Logo"></a>
               <a href="javascript:zh_tran('t')">繁體</a><p>英文域名：english.jia.gov.cn</p>"#
        ),
        Vec::<String>::new()
    );
}

#[test]
fn minority_language_versions_are_their_own_feature() {
    assert_eq!(
        inclusion("", r#"<a href="http://zw.jia.gov.cn/">藏文版</a>"#),
        ["minority_language"]
    );
    assert_eq!(
        inclusion("", r#"<a href="/mgw/index.html">蒙古文</a>"#),
        ["minority_language"]
    );
    // Traps: a 繁体 toggle; another region's Uyghur site; a headline.
    assert_eq!(
        inclusion(
            "",
            r#"<a href="javascript:jft(1,'t','繁體')">繁体</a><a href="http://uy.xinjiang.gov.cn/">维吾尔文</a><a href="/art/4.html">我市举办藏文信息化建设培训班</a>"#
        ),
        Vec::<String>::new()
    );
}
