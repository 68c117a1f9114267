//! Archived evidence pages made inert from the parsed DOM, never with text substitution.
//!
//! A stored body is parsed once (the same way extraction parses it, nesting cut at
//! [`MAX_NESTING`]), every element's attributes are rewritten, and the tree is
//! serialised again, so that no spelling trick (`jAvAsCrIpT&colon;`, `java&#9;script:`,
//! `<img src="x"/onerror=…>`, `&#114;efresh`) can survive: the parser has already
//! decoded what the browser would. What the rewrite does:
//! - every `on*` attribute and `srcdoc` is dropped; `<base>` loses its `href`; meta
//!   `http-equiv` (refresh, cookies, a page's own CSP) and `charset` are renamed away;
//! - a URL attribute whose scheme, after removing white space and control characters,
//!   is not http(s) is dropped (fragments stay; `data:image/…` stays on images, which
//!   the policy below allows);
//! - links keep their http(s) targets (made absolute against the page URL, so a
//!   reviewer's click goes to the original site), but everything that would load
//!   something when the page opens (images, frames, objects, media, stylesheets,
//!   scripts, form targets, inline-style `url()`) is renamed to `data-inert-*`;
//! - `<style>` text loses whatever would load something (`@import`, `url(`, `image-set(`…),
//!   read as a browser reads CSS, escapes decoded (`super::inert_css`); a `style`
//!   attribute that would load anything is renamed away;
//! - `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; …">` is
//!   the first child of `<head>`, so even a missed vector cannot fetch or run anything.
//!
//! No element is removed or added outside `<head>`, so a finding's stored element path
//! still selects its element (paths into `<head>` shift by the [`HEAD_INSERTED`]
//! elements put in front). Evidence elements are given an anchor `id`, so a link to one
//! finding scrolls to its element and highlights it alone.

use crate::page::extract::{MAX_NESTING, limit_nesting};
use html5ever::{Attribute, LocalName, QualName, ns};
use scraper::node::{Element, Text};
use scraper::{Html, Node};
use std::fmt::Write as _;
use url::Url;

/// The policy every archived page carries: nothing is fetched, nothing runs; inline
/// styles and `data:` images are shown.
pub(crate) const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/// Elements put in front of `<head>`'s children: the policy and the charset.
#[cfg(test)]
const HEAD_INSERTED: usize = 2;

/// Attributes that hold a URL (or a list of them), on any element.
const URL_ATTRS: &[&str] = &[
    "href",
    "src",
    "action",
    "formaction",
    "data",
    "poster",
    "background",
    "srcset",
    "imagesrcset",
    "cite",
    "longdesc",
    "usemap",
    "manifest",
    "codebase",
    "classid",
    "archive",
    "code",
    "ping",
    "lowsrc",
    "dynsrc",
    "profile",
    "icon",
    "itemtype",
];

/// SVG animation elements, which can set another attribute (an `href`) to any value.
const SVG_ANIMATIONS: &[&str] = &["animate", "set", "animatetransform", "animatemotion"];

/// How a URL attribute's value reads once white space and control characters are gone.
#[derive(Debug, PartialEq, Eq)]
enum UrlKind {
    Fragment,
    /// http(s), or relative (no scheme).
    Web,
    /// `data:image/…`.
    DataImage,
    /// Any other scheme: `javascript:`, `vbscript:`, `data:` …
    Other,
}

fn url_kind(value: &str) -> UrlKind {
    let compact: String = value
        .chars()
        .filter(|c| !(c.is_whitespace() || c.is_control()))
        .flat_map(char::to_lowercase)
        .collect();
    if compact.starts_with('#') {
        return UrlKind::Fragment;
    }
    let scheme = compact.split_once(':').map(|(s, _)| s).filter(|s| {
        let mut cs = s.chars();
        cs.next().is_some_and(|c| c.is_ascii_alphabetic())
            && cs.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    });
    match scheme {
        None | Some("http" | "https") => UrlKind::Web,
        Some("data") if compact.starts_with("data:image/") => UrlKind::DataImage,
        Some(_) => UrlKind::Other,
    }
}

fn qual(local: &str) -> QualName {
    QualName::new(None, ns!(), LocalName::from(local))
}

fn new_element(name: &str, attrs: &[(&str, &str)]) -> Node {
    Node::Element(Element::new(
        QualName::new(None, ns!(html), LocalName::from(name)),
        attrs
            .iter()
            .map(|(k, v)| Attribute {
                name: qual(k),
                value: (*v).into(),
            })
            .collect(),
    ))
}

/// The attributes an element keeps, rewritten as described in the module docs.
fn rewrite_attrs(
    el: &Element,
    base: Option<&Url>,
) -> Vec<(QualName, html5ever::tendril::StrTendril)> {
    let tag: &str = &el.name.local;
    let navigates = matches!(tag, "a" | "area");
    let image = matches!(tag, "img" | "source" | "input" | "picture");
    let animates_href = SVG_ANIMATIONS.contains(&tag.to_ascii_lowercase().as_str())
        && el.attrs.iter().any(|(k, v)| {
            k.local.as_ref().eq_ignore_ascii_case("attributename")
                && v.to_ascii_lowercase().ends_with("href")
        });
    let http_equiv = tag == "meta" && el.attrs.iter().any(|(k, _)| &*k.local == "http-equiv");
    let mut out = Vec::with_capacity(el.attrs.len());
    for (name, value) in &el.attrs {
        let local: &str = &name.local;
        let lower = local.to_ascii_lowercase();
        let renamed = |v: &str| (qual(&format!("data-inert-{lower}")), v.into());
        if lower.starts_with("on") || lower == "srcdoc" || lower == "formtarget" {
            continue;
        }
        if animates_href && matches!(lower.as_str(), "to" | "from" | "values" | "by") {
            continue;
        }
        match (tag, lower.as_str()) {
            ("base", "href" | "target") => continue,
            ("meta", "http-equiv" | "charset") | ("meta", "content")
                if lower != "content" || http_equiv =>
            {
                out.push(renamed(value));
                continue;
            }
            ("script", "type") => continue, // replaced below
            _ => {}
        }
        if lower == "style" {
            if super::inert_css::loads(value) || value.to_ascii_lowercase().contains("javascript:")
            {
                out.push(renamed(value));
            } else {
                out.push((name.clone(), value.clone()));
            }
            continue;
        }
        if !URL_ATTRS.contains(&lower.as_str()) {
            out.push((name.clone(), value.clone()));
            continue;
        }
        match url_kind(value) {
            UrlKind::Fragment => out.push((name.clone(), value.clone())),
            UrlKind::Other => {}
            UrlKind::DataImage if image && matches!(lower.as_str(), "src" | "srcset") => {
                out.push((name.clone(), value.clone()))
            }
            UrlKind::DataImage => {}
            UrlKind::Web if navigates && lower == "href" => {
                let absolute = base
                    .and_then(|b| b.join(value.trim()).ok())
                    .filter(|u| matches!(u.scheme(), "http" | "https"));
                match absolute {
                    Some(u) => out.push((name.clone(), u.as_str().into())),
                    None => out.push(renamed(value)),
                }
            }
            UrlKind::Web if lower == "ping" => {}
            UrlKind::Web => out.push(renamed(value)),
        }
    }
    if tag == "script" {
        out.push((qual("type"), "text/inert".into()));
    }
    out
}

/// A CSS identifier that matches exactly `s`: every character that is not an ASCII
/// letter, digit, `_` or `-` (and a leading digit or `-`) is written as a hex escape,
/// so a hostile tag name can neither end the rule nor the `<style>` element.
pub(crate) fn css_ident(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for (i, c) in s.chars().enumerate() {
        let plain =
            c.is_ascii_alphabetic() || c == '_' || (i > 0 && (c.is_ascii_digit() || c == '-'));
        if plain {
            out.push(c);
        } else {
            let _ = write!(out, "\\{:x} ", c as u32);
        }
    }
    out
}

/// A quoted CSS string of `s`, with quotes, backslashes, angle brackets, ampersands and
/// control characters escaped.
pub(crate) fn css_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if matches!(c, '"' | '\\' | '<' | '>' | '&') || c.is_control() {
            let _ = write!(out, "\\{:x} ", c as u32);
        } else {
            out.push(c);
        }
    }
    out.push('"');
    out
}

/// A stored element path (`html > body > div#top > a:nth-child(2)`) as a CSS selector
/// that selects exactly that element, every name and id escaped. Steps directly under
/// `<head>` are shifted by `head_shift` elements.
pub(crate) fn css_selector(path: &str, head_shift: usize) -> String {
    let steps: Vec<&str> = path.split(" > ").collect();
    let mut out = String::new();
    for (i, step) in steps.iter().enumerate() {
        if i > 0 {
            out.push_str(" > ");
        }
        let under_head = i == 2 && steps.get(1) == Some(&"head") && steps[0] == "html";
        if let Some((tag, n)) = step
            .rsplit_once(":nth-child(")
            .and_then(|(t, rest)| Some((t, rest.strip_suffix(')')?.parse::<usize>().ok()?)))
        {
            let n = if under_head { n + head_shift } else { n };
            let _ = write!(out, "{}:nth-child({n})", css_ident(tag));
        } else if let Some((tag, id)) = step.split_once('#') {
            let _ = write!(out, "{}[id={}]", css_ident(tag), css_string(id));
        } else {
            out.push_str(&css_ident(step));
        }
    }
    out
}

/// An evidence element to mark in an archived page: its stored path, and the anchor
/// (fragment) a link to this finding opens the page at.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Mark<'a> {
    pub path: &'a str,
    pub anchor: &'a str,
    /// What the finding read there (a link's text, an image's alt or caption), shown in
    /// a box at the foot of the page while the element is the target.
    pub label: &'a str,
}

/// Makes a stored page inert (see the module docs) and marks it: a banner saying what it
/// is, and each element of `marks` given its anchor as `id` (the page's own id, if any,
/// kept as `data-inert-id`), so that `page.html#anchor` scrolls to it and highlights that
/// one element only (`:target`; no script needed). The first mark of an element wins.
/// `page_url` makes link targets absolute.
pub(crate) fn inert_page(
    html: &str,
    page_url: Option<&Url>,
    banner: &str,
    marks: &[Mark<'_>],
) -> String {
    let mut doc = Html::parse_document(limit_nesting(html, MAX_NESTING));
    // Find the marked elements while the tree is as extraction saw it.
    let mut anchors: Vec<(ego_tree::NodeId, &str)> = Vec::new();
    for m in marks {
        let Ok(sel) = scraper::Selector::parse(&css_selector(m.path, 0)) else {
            continue;
        };
        if let Some(el) = doc.select(&sel).next()
            && !anchors.iter().any(|(id, _)| *id == el.id())
        {
            anchors.push((el.id(), m.anchor));
        }
    }
    let ids: Vec<ego_tree::NodeId> = doc.tree.nodes().map(|n| n.id()).collect();
    let mut head = None;
    for id in ids {
        let parent_style = doc
            .tree
            .get(id)
            .and_then(|n| n.parent())
            .and_then(|p| p.value().as_element().map(|e| &*e.name.local == "style"))
            .unwrap_or(false);
        let Some(mut node) = doc.tree.get_mut(id) else {
            continue;
        };
        match node.value() {
            Node::Element(el) => {
                if head.is_none() && &*el.name.local == "head" {
                    head = Some(id);
                }
                let mut attrs = rewrite_attrs(el, page_url);
                if let Some((_, anchor)) = anchors.iter().find(|(n, _)| *n == id) {
                    for (k, _) in attrs.iter_mut().filter(|(k, _)| &*k.local == "id") {
                        *k = qual("data-inert-id");
                    }
                    attrs.push((qual("id"), (*anchor).into()));
                    attrs.push((qual("data-evidence"), "".into()));
                }
                el.attrs = attrs.into_iter().collect();
            }
            Node::Text(t) if parent_style => {
                *t = Text {
                    text: super::inert_css::inert_css(&t.text).into(),
                };
            }
            Node::ProcessingInstruction(_) => {
                *node.value() = Node::Comment(scraper::node::Comment { comment: "".into() });
            }
            _ => {}
        }
    }
    let mut style = format!(
        "body::before{{content:{};display:block;position:sticky;top:0;z-index:2147483647;background:#fff3b0;color:#000;border-bottom:2px solid #c00;padding:6px;font:13px sans-serif;white-space:pre-wrap}}\
         [data-evidence]:target{{outline:4px solid #e00000 !important;outline-offset:2px !important;background:#ffe066 !important;scroll-margin-top:6em}}\
         img[data-evidence]:target,svg[data-evidence]:target,canvas[data-evidence]:target{{outline:6px solid #e00000 !important;outline-offset:4px !important;box-shadow:0 0 0 12px rgba(224,0,0,.3) !important;opacity:1 !important;visibility:visible !important}}\
         body::after{{position:fixed;left:0;right:0;bottom:0;z-index:2147483647;background:#fff3b0;color:#000;border-top:2px solid #c00;padding:6px;font:14px sans-serif;white-space:pre-wrap}}",
        css_string(banner)
    );
    // The targeted element's own words, at the foot of the page: an image's alt or
    // caption is what the finding read, and a picture alone does not show it.
    for m in marks.iter().filter(|m| !m.label.trim().is_empty()) {
        if anchors.iter().any(|(_, a)| *a == m.anchor) {
            let _ = write!(
                style,
                "body:has([id={}]:target)::after{{content:{}}}",
                css_string(m.anchor),
                css_string(&format!("evidence: {}", m.label.trim()))
            );
        }
    }
    if let Some(head) = head
        && let Some(mut h) = doc.tree.get_mut(head)
    {
        h.prepend(new_element("meta", &[("charset", "utf-8")]));
        h.prepend(new_element(
            "meta",
            &[("http-equiv", "Content-Security-Policy"), ("content", CSP)],
        ));
        let mut s = h.append(new_element("style", &[]));
        s.append(Node::Text(Text { text: style.into() }));
    }
    doc.html()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inert(html: &str) -> String {
        inert_page(
            html,
            Url::parse("http://www.jia.gov.cn/a/b.html").ok().as_ref(),
            "b",
            &[],
        )
    }

    /// Every attribute value of the inert output, re-parsed.
    fn attrs(html: &str) -> Vec<(String, String, String)> {
        let doc = Html::parse_document(html);
        doc.tree
            .nodes()
            .filter_map(|n| {
                n.value()
                    .as_element()
                    .map(|e| (e.name.local.to_string(), e))
            })
            .flat_map(|(tag, e)| {
                e.attrs
                    .iter()
                    .map(move |(k, v)| (tag.clone(), k.local.to_string(), v.to_string()))
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    #[test]
    fn scripting_vectors_are_gone_after_parsing() {
        let hostile = concat!(
            "<img src=\"x\"/onerror=alert(1)><img src=\"x\"onerror=alert(2)>",
            "<iframe srcdoc=\"&lt;script&gt;parent.document.title='x'&lt;/script&gt;\"></iframe>",
            "<a href=\"jAvAsCrIpT&colon;alert(3)\">a</a><a href=\"&#106;avascript:alert(4)\">b</a>",
            "<a href=\"java&#9;script:alert(5)\">c</a><a href=\"java\nscript:alert(6)\">d</a>",
            "<a href=\"\x01javascript:alert(7)\">e</a><form action=\"javascript&#58;alert(8)\"><button formaction=\"javascript:x\">f</button></form>",
            "<iframe src=\"data:text/html,<script>alert(9)</script>\"></iframe><object data=\"data:text/html,x\"></object><embed src=\"data:image/svg+xml,x\">",
            "<svg><a xlink:href=\"javascript:alert(10)\"><text>t</text></a><animate attributeName=\"href\" to=\"javascript:alert(11)\"/></svg>",
            "<math href=\"javascript:alert(12)\">m</math><a href=\"vbscript:x\">v</a>",
        );
        let out = inert(hostile);
        for (tag, k, v) in attrs(&out) {
            assert!(!k.starts_with("on"), "{tag} {k}={v}");
            assert_ne!(k, "srcdoc");
            assert!(
                !(url_kind(&v) == UrlKind::Other && URL_ATTRS.contains(&k.as_str())),
                "{tag} {k}={v}"
            );
            let compact: String = v
                .chars()
                .filter(|c| !c.is_whitespace() && !c.is_control())
                .collect();
            assert!(
                !compact.to_ascii_lowercase().contains("javascript:") || k == "content",
                "{tag} {k}={v}"
            );
        }
    }

    #[test]
    fn nothing_loads_when_the_page_opens() {
        let out = inert(concat!(
            "<head><base href=\"http://evil.example/\"><meta http-equiv=\"&#114;efresh\" content=\"0;url=http://evil.example/\">",
            "<link rel=stylesheet href=\"http://evil.example/a.css\"><link rel=prefetch href=\"http://evil.example/p\">",
            "<style>@import url(http://evil.example/b.css); body{background:URL(http://evil.example/c.png)}</style></head>",
            "<body background=\"http://evil.example/bg.png\"><img src=\"http://evil.example/i.png\" srcset=\"http://evil.example/s.png 2x\">",
            "<video poster=\"http://evil.example/v.png\" src=\"http://evil.example/v.mp4\"></video><audio src=\"http://evil.example/a.mp3\"></audio>",
            "<object data=\"http://evil.example/o\"></object><embed src=\"http://evil.example/e\"><input type=image src=\"http://evil.example/in.png\">",
            "<iframe src=\"http://evil.example/f\"></iframe><div style=\"background:url(http://evil.example/d.png)\">d</div>",
            "<svg><image href=\"http://evil.example/svg.png\"/></svg><img src=\"data:image/png;base64,iVBOR\"><a href=\"/x.html\" ping=\"http://evil.example/ping\">x</a></body>"
        ));
        for (tag, k, v) in attrs(&out) {
            if v.contains("evil.example") {
                assert!(k.starts_with("data-inert-"), "{tag} {k}={v} would load");
            }
        }
        assert!(!out.to_ascii_lowercase().contains("@import"));
        let doc = Html::parse_document(&out);
        for st in doc.select(&scraper::Selector::parse("style").unwrap()) {
            let css: String = st.text().collect::<String>().to_ascii_lowercase();
            assert_eq!(
                css.matches("url(").count(),
                css.matches("inert-url(").count(),
                "{css}"
            );
        }
        assert!(
            out.contains("<img src=\"data:image/png;base64,iVBOR\">"),
            "data images stay"
        );
        assert!(
            out.contains("href=\"http://www.jia.gov.cn/x.html\""),
            "links made absolute"
        );
        assert!(!out.contains(" ping="));
        let doc = Html::parse_document(&out);
        let first = doc
            .select(&scraper::Selector::parse("head > :first-child").unwrap())
            .next()
            .unwrap();
        assert_eq!(
            first.value().attr("http-equiv"),
            Some("Content-Security-Policy")
        );
        assert_eq!(first.value().attr("content"), Some(CSP));
        assert!(!out.contains("</meta>"), "HTML elements, not foreign ones");
    }

    #[test]
    fn generated_selectors_are_escaped() {
        let sel = css_selector(
            "html > body > x{}body{background:red!important}x:nth-child(1) > div#a\"]{}</style>",
            2,
        );
        assert!(!sel.contains('<') && !sel.contains('\n'), "{sel}");
        scraper::Selector::parse(&sel).expect("one valid selector");
        let out = inert_page(
            "<p>x</p>",
            None,
            "</style><script>alert(1)</script>\"",
            &[Mark {
                path: "html > body > p:nth-child(1)",
                anchor: "finding-1",
                label: "</style><script>alert(2)</script>",
            }],
        );
        assert!(!out.contains("</style><script>"), "{out}");
        // A hostile tag name still selects its own element and nothing else.
        let html = "<body><x{}body{background:red!important}x>t</x{}body{background:red!important}x><p id=\"a&quot;b\">p</p></body>";
        let out = inert_page(html, None, "b", &[]);
        let doc = Html::parse_document(&out);
        for (path, want) in [
            (
                "html > body > x{}body{background:red!important}x:nth-child(1)",
                "t",
            ),
            ("html > body > p#a\"b", "p"),
        ] {
            let s = scraper::Selector::parse(&css_selector(path, HEAD_INSERTED)).unwrap();
            let got: Vec<String> = doc.select(&s).map(|e| e.text().collect()).collect();
            assert_eq!(got, [want], "{path}");
        }
    }

    #[test]
    fn stored_paths_still_select_their_elements() {
        use crate::page::extract::extract;
        let html = concat!(
            "<html><head><title>t</title><meta http-equiv=\"refresh\" content=\"0;url=/zwfw/\"></head>",
            "<body onload=\"go()\"><script>alert(1)</script><div id=\"1top\"><ul><li><a href=\"javascript:void(0)\" onclick=\"x()\">政务微信</a>",
            "<li><a href=\"https://weibo.com/jia\"><img src=\"/i/wb.png\" alt=\"政务微博\"></a></ul></div>",
            "<table><tr><td><p>服务热线：12345<td><a href=\"/hdjl/\">市长信箱</a></table><p>x<div>unclosed</body></html>"
        );
        let url = Url::parse("http://www.jia.gov.cn/").unwrap();
        let facts = extract(html, Some(&url));
        let out = inert_page(html, Some(&url), "b", &[]);
        let doc = Html::parse_document(&out);
        let mut checked = 0;
        for l in &facts.links {
            let path = facts.path(l.path);
            let s = scraper::Selector::parse(&css_selector(&path, HEAD_INSERTED)).unwrap();
            let hits: Vec<_> = doc.select(&s).collect();
            assert_eq!(hits.len(), 1, "{path}");
            let want_tag = if path.starts_with("html > head") {
                "meta"
            } else {
                "a"
            };
            assert_eq!(&*hits[0].value().name.local, want_tag, "{path}");
            checked += 1;
        }
        assert!(checked >= 4);
    }
}
