//! Who runs a site, as its footer says (国办发〔2017〕47号 requires it on every page): the
//! 网站标识码 (10 characters: a 6-digit region code and 4 digits, or `bm` and 8 digits for
//! central bodies), the ICP备案号 (`浙ICP备05000001号-1`), the 公安机关备案号
//! (`浙公网安备 33010202000001号`), the 党政机关网站标识 (the conac.cn mark, as a link or
//! written by a script), the 主办单位, and the 我为政府网站找错 entry, whose site code must
//! be the footer's. Each value is read only after its own label, so a telephone number, a
//! number inside a URL or a 技术支持 company is never taken for one.

use super::Verdict;
use crate::page::extract::{PageFacts, squash};
use regex::Regex;
use std::sync::LazyLock;

/// Province abbreviations that begin ICP and 公网安备 numbers (蜀, 黔, 滇 … are in use too).
const PROVINCES: &str = "京津沪渝冀晋辽吉黑苏浙皖闽赣鲁豫鄂湘粤琼川蜀贵黔云滇陕秦甘陇青蒙桂藏宁新";

static SITE_CODE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"网站标识码\s*[:：]?\s*((?i:bm)[0-9]{8}|[0-9]{10})(?:[^0-9]|$)")
        .expect("valid regex")
});
static ICP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"[{PROVINCES}]ICP备\s*[0-9]{{6,10}}\s*号(?:\s*-\s*[0-9]{{1,3}})?"
    ))
    .expect("valid regex")
});
static PSB: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"[{PROVINCES}]公网安备\s*[0-9]{{12,14}}(?:\s*号)?"
    ))
    .expect("valid regex")
});
static ERROR_REPORT_CODE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)(?:site_?code)=((?:bm)?[0-9]{8,10})").expect("valid regex"));

/// Characters of an organiser's name read after `主办单位：`.
const ORGANISER_CHARS: usize = 30;

/// One identity field: the value and the element it was read from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Field {
    pub value: String,
    /// The element path (as findings give it).
    pub path: String,
}

/// A site's identity as one page shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Identity {
    pub verdict: Verdict,
    pub site_code: Option<Field>,
    pub icp: Option<Field>,
    pub psb: Option<Field>,
    /// The conac.cn mark: its link, its image or the script that writes it.
    pub conac: bool,
    pub organizer: Option<Field>,
    /// The 我为政府网站找错 entry is on the page.
    pub error_report: bool,
    /// The site code the error-report entry names, when it names one.
    pub error_report_code: Option<String>,
    /// Required fields not found (`site_code`, `organizer`, `icp`).
    pub missing: Vec<String>,
    /// What disagrees (the error-report entry's code against the footer's).
    pub inconsistent: Vec<String>,
}

impl Identity {
    /// The identity of a site whose start page was not read.
    pub fn unknown() -> Identity {
        Identity {
            verdict: Verdict::Unknown,
            site_code: None,
            icp: None,
            psb: None,
            conac: false,
            organizer: None,
            error_report: false,
            error_report_code: None,
            missing: Vec::new(),
            inconsistent: Vec::new(),
        }
    }
}

/// The organiser's name in a footer line (`主办单位：甲市人民政府办公厅 承办：…`).
pub(crate) fn organiser(text: &str) -> Option<String> {
    let at = text.find("主办")?;
    let rest = &text[at..];
    let rest = rest.split_once(['：', ':']).map(|(_, r)| r)?.trim_start();
    let name: String = rest
        .chars()
        .take_while(|c| !c.is_whitespace() && !"，,。；;|（(©".contains(*c))
        .take(ORGANISER_CHARS)
        .collect();
    (name.chars().count() >= 2).then_some(name)
}

/// Whether a 10-character site code is well formed: `bm` and 8 digits, or a 6-digit
/// region code (its first two digits a province's, 11–82) and 4 digits.
fn well_formed(code: &str) -> bool {
    if let Some(rest) = code.strip_prefix("bm").or_else(|| code.strip_prefix("BM")) {
        return rest.len() == 8 && rest.bytes().all(|b| b.is_ascii_digit());
    }
    code.len() == 10
        && code.bytes().all(|b| b.is_ascii_digit())
        && (11..=82).contains(&code[..2].parse::<u32>().unwrap_or(0))
}

/// The identity the page shows. The footer is read from the end of the page backwards,
/// so a site code quoted in an article is not the site's when the footer has its own.
pub fn identity(page: &PageFacts) -> Identity {
    let mut site_code = None;
    let mut icp = None;
    let mut psb = None;
    let mut organizer = None;
    for b in page.blocks.iter().rev() {
        let field = |value: &str| {
            Some(Field {
                value: value.to_string(),
                path: page.path(b.path),
            })
        };
        if site_code.is_none()
            && let Some(c) = SITE_CODE.captures(&b.text)
            && well_formed(&c[1])
        {
            site_code = field(&c[1].to_ascii_lowercase());
        }
        if icp.is_none()
            && let Some(m) = ICP.find(&b.text)
        {
            icp = field(&m.as_str().replace(char::is_whitespace, ""));
        }
        if psb.is_none()
            && let Some(m) = PSB.find(&b.text)
        {
            psb = field(&squash(m.as_str()));
        }
        if organizer.is_none()
            && let Some(name) = organiser(&b.text)
        {
            organizer = field(&name);
        }
    }
    let conac = page.conac_script
        || page.scripts.iter().any(|u| is_conac(u.host_str()))
        || page.links.iter().any(|l| {
            is_conac(l.url.as_ref().and_then(|u| u.host_str())) || l.img_src.contains("conac")
        })
        || page.images.iter().any(|i| i.src.contains("conac"));
    // The error-report entry: its script (with `sitecode`), or a link to its page.
    let report_links = page.links.iter().filter(|l| {
        l.url.as_ref().is_some_and(|u| {
            u.path().contains("jiucuo") || u.host_str() == Some("zfwzgl.www.gov.cn")
        }) || l.text.contains("找错")
    });
    let mut error_report_code = page.site_code_attrs.first().cloned();
    let mut error_report =
        error_report_code.is_some() || page.scripts.iter().any(|u| u.path().contains("jiucuo"));
    for l in report_links {
        error_report = true;
        if error_report_code.is_none() {
            error_report_code = l
                .url
                .as_ref()
                .and_then(|u| ERROR_REPORT_CODE.captures(u.as_str()))
                .map(|c| c[1].to_ascii_lowercase());
        }
    }
    let mut missing = Vec::new();
    for (name, present) in [
        ("site_code", site_code.is_some()),
        ("organizer", organizer.is_some()),
        ("icp", icp.is_some()),
    ] {
        if !present {
            missing.push(name.to_string());
        }
    }
    let mut inconsistent = Vec::new();
    if let (Some(code), Some(report)) = (&site_code, &error_report_code)
        && !code.value.eq_ignore_ascii_case(report)
    {
        inconsistent.push(format!(
            "the error-report entry names site code {report}, the footer {}",
            code.value
        ));
    }
    Identity {
        verdict: if missing.is_empty() && inconsistent.is_empty() {
            Verdict::Yes
        } else {
            Verdict::No
        },
        site_code,
        icp,
        psb,
        conac,
        organizer,
        error_report,
        error_report_code,
        missing,
        inconsistent,
    }
}

fn is_conac(host: Option<&str>) -> bool {
    host.is_some_and(|h| h == "conac.cn" || h.ends_with(".conac.cn"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page::extract::extract;
    use url::Url;

    fn of(html: &str) -> Identity {
        identity(&extract(
            html,
            Some(&Url::parse("http://www.jia.gov.cn/").unwrap()),
        ))
    }

    const FOOTER: &str = r#"<div class="footer"><p>主办：甲市人民政府　承办：甲市人民政府办公室 技术支持：甲市大数据发展管理局</p>
        <p><a href="https://beian.miit.gov.cn/">赣ICP备06000141号</a>　政府网站标识码：3609000002　<a href="http://www.beian.gov.cn/portal/registerSystemInfo?recordcode=36090202000004">赣公网安备 36090202000004号</a></p>
        <div><a href="http://bszs.conac.cn/sitename?method=show&id=0A"><img src="/images/red.png"></a>
        <script id="_jiucuo_" sitecode='3609000002' src='https://zfwzgl.www.gov.cn/exposure/jiucuo.js'></script></div></div>"#;

    #[test]
    fn a_complete_footer() {
        let id = of(FOOTER);
        assert_eq!(id.site_code.as_ref().unwrap().value, "3609000002");
        assert_eq!(id.icp.as_ref().unwrap().value, "赣ICP备06000141号");
        assert_eq!(
            id.psb.as_ref().unwrap().value,
            "赣公网安备 36090202000004号"
        );
        assert_eq!(id.organizer.as_ref().unwrap().value, "甲市人民政府");
        assert!(id.conac && id.error_report);
        assert_eq!(id.error_report_code.as_deref(), Some("3609000002"));
        assert_eq!(id.verdict, Verdict::Yes, "{id:#?}");
        assert!(id.site_code.unwrap().path.contains("p:nth-child(2)"));
    }

    #[test]
    fn the_forms_real_footers_use() {
        let id = of(
            "<p>网站标识码bm01000001　京ICP备05070218号</p><p>主办单位：国务院办公厅　运行维护单位：中国政府网运行中心</p>\
             <script>document.write(unescape(\"%3Cspan id='_ideConac' %3E%3C/span%3E%3Cscript src='http://dcs.conac.cn/js/01/000/0000/1.js'%3E%3C/script%3E\"));</script>\
             <p>京公网安备 110102001220  地址：北京市西城区</p><p>ICP备案编号：京ICP备05083647号-1</p>",
        );
        assert_eq!(id.site_code.unwrap().value, "bm01000001");
        assert_eq!(id.organizer.unwrap().value, "国务院办公厅");
        assert!(id.conac, "written by a script");
        assert_eq!(id.psb.unwrap().value, "京公网安备 110102001220");
        assert_eq!(
            id.icp.unwrap().value,
            "京ICP备05083647号-1",
            "read from the footer's end"
        );
        let id = of(
            "<p>网站标识码 1304000009 </p><p>主办单位： 邯郸市人民政府办公室 </p><p>冀ICP备05029117号-1</p>",
        );
        assert_eq!(id.site_code.unwrap().value, "1304000009");
        assert_eq!(id.organizer.unwrap().value, "邯郸市人民政府办公室");
        assert_eq!(id.verdict, Verdict::Yes);
    }

    #[test]
    fn traps_numbers_in_urls_and_phones_and_technical_support() {
        let id = of(
            "<p>技术支持：某某信息技术有限公司 电话：0795-8819792 网站联系电话：3609000002</p>\
             <p><a href=\"http://www.x.gov.cn/3609000002/index.html\">3609000002</a></p>",
        );
        assert_eq!(id.site_code, None);
        assert_eq!(id.organizer, None, "技术支持 is not the organiser");
        assert_eq!(id.verdict, Verdict::No);
        assert_eq!(id.missing, ["site_code", "organizer", "icp"]);
        // A code that is no region's is not a site code.
        assert_eq!(of("<p>网站标识码：0012345678</p>").site_code, None);
    }

    #[test]
    fn a_department_footer_showing_another_sites_code_is_inconsistent() {
        let html = r#"<p>主办：甲市教育局 浙ICP备05000001号 网站标识码：3301000012</p>
            <a href="http://121.43.68.40/exposure/jiucuo.html?site_code=3301000001&url=www.jia.gov.cn"><img src="/i/jc.png"></a>"#;
        let id = of(html);
        assert!(id.error_report);
        assert_eq!(id.error_report_code.as_deref(), Some("3301000001"));
        assert_eq!(id.verdict, Verdict::No);
        assert_eq!(id.inconsistent.len(), 1, "{id:#?}");
    }
}
