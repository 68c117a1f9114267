//! The simulated web's links of every outcome a link check can have: hosts that answer
//! 404, 410, a redirect to a 404, a redirect loop, 500 on every try, a soft 404 (and its
//! trap, 2404 in a title), a firewall's 403 and challenge page, 429, a host slower than
//! the check's timeout, a closed port, a name that never resolves, a private address,
//! a robots-disallowed path and a scheme no crawler fetches. Every portal's homepage
//! carries the shared ones (all portals link the same URLs, which a run checks once);
//! the first few cities also link pages of their own there. [`expected`] is what each
//! of these links is, the world's truth for the links export.

use super::server::{Reply, Request};
use crate::page::inspect::links::LinkOutcome;
use std::fmt::Write as _;
use std::time::Duration;
use url::Url;

/// The old site's host: 404, 410, redirects, 500, robots.
pub const OLD: &str = "old.linkcheck.gov.cn";
/// Answers 200 with a page that says it is gone (except its trap).
pub const SOFT: &str = "soft.linkcheck.gov.cn";
/// A firewall: 403 with a challenge page, a 200 challenge, 429.
pub const WAF: &str = "waf.linkcheck.gov.cn";
/// Answers after [`SLOW_LINK`].
pub const SLOW: &str = "slow.linkcheck.gov.cn";
/// Points at a closed port (connection refused).
pub const CLOSED: &str = "closed.linkcheck.gov.cn";
/// How long [`SLOW`] takes to answer.
pub const SLOW_LINK: Duration = Duration::from_secs(4);
/// Cities (by index) whose portals also link pages of their own on [`OLD`] and [`SOFT`].
pub const OWN_LINK_CITIES: usize = 6;

/// The links every portal's homepage carries: (href, text).
const SHARED: [(&str, &str); 14] = [
    ("http://www.gov.cn/", "中国政府网"),
    ("http://old.linkcheck.gov.cn/loop.html", "循环页面"),
    ("http://old.linkcheck.gov.cn/error.html", "维护页面"),
    ("http://old.linkcheck.gov.cn/private/db.html", "内部资料"),
    (
        "http://soft.linkcheck.gov.cn/news/2404.html",
        "第2404次常务会议",
    ),
    ("http://waf.linkcheck.gov.cn/", "数据开放"),
    ("http://waf.linkcheck.gov.cn/verify.html", "统计公报"),
    ("http://waf.linkcheck.gov.cn/busy.html", "年鉴"),
    ("http://slow.linkcheck.gov.cn/", "统计数据"),
    ("http://closed.linkcheck.gov.cn/", "旧版门户"),
    ("http://www.nosuch.invalid/", "已注销网站"),
    ("http://10.20.30.40/oa/", "内网"),
    ("ftp://ftp.linkcheck.gov.cn/pub/", "文件下载"),
    ("#top", "返回顶部"),
];

/// The links block of city `ci`'s portal homepage.
pub fn block(ci: usize) -> String {
    let mut out = String::from("<div class=\"friend-links\"><h4>友情链接</h4>");
    for (href, text) in SHARED {
        let _ = write!(out, "<a href=\"{href}\">{text}</a> ");
    }
    if ci < OWN_LINK_CITIES {
        for (path, text) in [
            ("art", "旧版文章"),
            ("gone", "已撤销栏目"),
            ("moved", "迁移页面"),
        ] {
            let _ = write!(out, "<a href=\"http://{OLD}/{path}/{ci}.html\">{text}</a> ");
        }
        let _ = write!(out, "<a href=\"http://{SOFT}/zt/{ci}.html\">专题页面</a> ");
        // Hostile anchor text: a spreadsheet formula, which every export must neutralise.
        let _ = write!(
            out,
            "<a href=\"http://{OLD}/art/{ci}-x.html\">=HYPERLINK(\"http://evil.example/\",\"点击\")</a> "
        );
    }
    out.push_str("<a href=\"javascript:void(0)\">收藏本站</a></div>");
    out
}

/// The reply of a link host, `None` for other hosts.
pub fn answer(req: &Request) -> Option<Reply> {
    let path = req.path();
    Some(match req.host.as_str() {
        OLD => match path {
            "/robots.txt" => Reply::new(200, "text/plain", "User-agent: *\nDisallow: /private/\n"),
            "/loop.html" => Reply::redirect(302, "/loop.html"),
            "/error.html" => Reply::new(500, "text/html", "<h1>500</h1>"),
            p if p.starts_with("/gone/") => Reply::new(410, "text/html", "<h1>410 Gone</h1>"),
            p if p.starts_with("/moved/") => {
                Reply::redirect(301, &p.replacen("/moved/", "/art/", 1))
            }
            p if p.starts_with("/private/") => Reply::html("<title>内部</title>"),
            _ => Reply::not_found(),
        },
        SOFT => match path {
            "/robots.txt" => Reply::not_found(),
            "/news/2404.html" => Reply::html(
                "<html><head><title>市政府第2404次常务会议_新闻</title></head><body><h1>市政府第2404次常务会议</h1></body></html>",
            ),
            _ => Reply::html(
                "<html><head><title>页面不存在</title></head><body><h1>抱歉，您访问的页面不存在</h1></body></html>",
            ),
        },
        WAF => match path {
            "/robots.txt" => Reply::not_found(),
            "/verify.html" => Reply::html(
                "<html><head><title>安全验证</title></head><body><p>请完成安全验证后继续访问</p></body></html>",
            ),
            "/busy.html" => Reply::new(429, "text/html", "<h1>429</h1>").header("Retry-After", "1"),
            _ => Reply::new(
                403,
                "text/html",
                "<html><head><title>访问被拦截</title></head><body><h1>您的访问已被拦截</h1></body></html>",
            ),
        },
        // Its robots.txt is a static file, served at once; its pages are slow.
        SLOW if path == "/robots.txt" => Reply::not_found(),
        SLOW => {
            let mut r = Reply::html("<title>统计数据</title>");
            r.delay = SLOW_LINK;
            r
        }
        _ => return None,
    })
}

/// What a link of [`block`] is, checked with requests timing out after `timeout`:
/// `None` for a link that is not checked at all (a fragment, `javascript:`) and for
/// links to other hosts (the world's own pages, whose outcome the world's pages decide).
pub fn expected(url: &Url, timeout: Duration) -> Option<Option<LinkOutcome>> {
    use LinkOutcome::*;
    if !matches!(url.scheme(), "http" | "https") {
        return Some(Some(Refused));
    }
    let path = url.path();
    let outcome = match url.host_str()? {
        OLD if path.starts_with("/private/") => NotChecked,
        OLD => Broken,
        SOFT if path == "/news/2404.html" => Ok,
        SOFT => Broken,
        WAF => Blocked,
        SLOW if SLOW_LINK >= timeout => Broken,
        SLOW => Ok,
        CLOSED => Broken,
        "www.nosuch.invalid" => Broken,
        "10.20.30.40" => Refused,
        _ => return None,
    };
    Some(Some(outcome))
}
