//! One parse per page: everything the crawler and channel detection need, as owned data.
//!
//! [`extract`] parses the decoded HTML once with `scraper` and walks the tree once
//! (iteratively, so a page nested 100,000 elements deep cannot overflow the stack),
//! collecting links with their text, images with their captions, forms, text blocks,
//! external scripts and in-page redirects. The result, [`PageFacts`], is `Send` and
//! holds no reference to the tree, so detection is a pure function of it.

mod caption;
mod elements;
mod entry;
mod facts;
mod frame;
pub(crate) mod marks;
mod nesting;
mod paths;
mod qr;
mod rows;
mod style;
mod text;

pub(crate) use facts::CELL;
pub use facts::{Around, Form, Image, Link, LinkKind, PageFacts, Row, TextBlock};
pub(crate) use nesting::limit_nesting;
pub use paths::{ElementPaths, PathId};
pub(crate) use text::{prefix_chars, squash, truncate_chars};

use ego_tree::iter::Edge;
use elements::open_element;
use frame::{Frame, ensure_block, prune_block};
use nesting::{count_lt, limit_nesting_counted};
use qr::{QrBox, close_qr_box, open_qr_box};
use scraper::{Html, Node};
use std::collections::HashMap;
use text::{push_text, trim_end_in_place};
use url::Url;

/// Links kept per page; the rest are counted, not kept (hostile pages).
pub(crate) const MAX_LINKS: usize = 10_000;

/// Images and forms kept per page, and text blocks kept whole: past this many blocks,
/// a block is kept only if it may be evidence ([`marks::matters`]), so the footer of a
/// page with a 14,000-row table is still read.
pub(crate) const MAX_ITEMS: usize = 5_000;

/// Characters kept of a text block, a link text or a caption.
pub(crate) const MAX_TEXT: usize = 400;

/// Characters of surrounding text kept as a snippet.
pub(crate) const SNIPPET_CHARS: usize = 200;

/// Bytes of a page's `<style>` sheets read for the classes they draw.
const MAX_SHEET: usize = 256 * 1024;

/// Element nesting parsed; a document nested deeper is cut where it passes this depth
/// (html5ever's scope checks make absurd nesting quadratic).
pub(crate) const MAX_NESTING: usize = 1_000;

/// `Html::parse_document` with the node arena sized for the page up front (about one
/// node per `<`, given as `lt`), so it is not regrown and copied a dozen times.
fn parse(html: &str, lt: usize) -> Html {
    use html5ever::tendril::TendrilSink;
    let mut doc = Html::new_document();
    doc.tree = ego_tree::Tree::with_capacity(Node::Document, lt + 16);
    html5ever::driver::parse_document(scraper::HtmlTreeSink::new(doc), Default::default()).one(html)
}

/// Parses `html` once and extracts the page's facts; links resolve against `page_url`.
pub fn extract(html: &str, page_url: Option<&Url>) -> PageFacts {
    let lt = count_lt(html);
    let doc = parse(limit_nesting_counted(html, MAX_NESTING, lt), lt);
    let mut facts = PageFacts {
        base: page_url.cloned(),
        ..Default::default()
    };
    let mut base_set = false;
    let mut stack: Vec<Frame> = Vec::with_capacity(64);
    let mut image_nodes = Vec::new();
    let mut boxes: Vec<QrBox> = Vec::new();
    // Classes the page's own `<style>` draws with a background image, and the sheet
    // being read.
    let mut styled: HashMap<String, String> = HashMap::new();
    let mut sheet = String::new();
    let mut root_children = 0usize;

    for edge in doc.tree.root().traverse() {
        match edge {
            Edge::Open(node) => match node.value() {
                Node::Element(el) => {
                    let n = match stack.last_mut() {
                        Some(p) => {
                            p.children += 1;
                            p.children
                        }
                        None => {
                            root_children += 1;
                            root_children
                        }
                    };
                    let frame = Frame::open(el, n, stack.last(), stack.len());
                    stack.push(frame);
                    open_qr_box(&mut stack, &mut facts, node, &mut boxes, &styled);
                    rows::open_cell(&mut stack, &mut facts);
                    open_element(
                        &mut stack,
                        &mut facts,
                        node,
                        page_url,
                        &mut base_set,
                        &mut image_nodes,
                    );
                }
                Node::Text(text) => {
                    let Some(top) = stack.last() else { continue };
                    if top.tag == "style" && sheet.len() < MAX_SHEET {
                        sheet.push_str(text);
                    }
                    if top.hidden {
                        continue;
                    }
                    let t: &str = text;
                    if t.trim().is_empty() {
                        continue;
                    }
                    if let Some(li) = top.link {
                        push_text(&mut facts.links[li].text, t, false, false);
                    }
                    if let Some(fi) = top.form {
                        push_text(&mut facts.forms[fi].text, t, false, false);
                    }
                    if top.row_frame.is_some() {
                        rows::push_row_text(&mut stack, &mut facts, t);
                    }
                    // The text belongs to the nearest block ancestor.
                    let Some(idx) = ensure_block(&mut stack, &mut facts) else {
                        continue;
                    };
                    push_text(&mut facts.blocks[idx].text, t, true, true);
                }
                _ => {}
            },
            Edge::Close(node) => {
                if node.value().is_element()
                    && let Some(f) = stack.pop()
                {
                    if f.tag == "style" && !sheet.is_empty() {
                        styled.extend(style::background_classes(&sheet));
                        sheet.clear();
                    }
                    prune_block(&f, &mut facts);
                    close_qr_box(&f, &mut facts, &mut boxes, &doc);
                }
            }
        }
    }

    for l in &mut facts.links {
        trim_end_in_place(&mut l.text);
    }
    for b in &mut facts.blocks {
        trim_end_in_place(&mut b.text);
    }
    for f in &mut facts.forms {
        trim_end_in_place(&mut f.text);
        f.text.truncate(prefix_chars(&f.text, SNIPPET_CHARS).len());
    }
    for (i, id) in image_nodes {
        if let Some(node) = doc.tree.get(id) {
            let (caption, own_box) = caption::of_image_in_box(node);
            facts.images[i].caption = caption;
            facts.images[i].borrowed = entry::borrowed(node, own_box);
        }
    }
    facts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page() -> PageFacts {
        let html = r##"<html><head><title> 杭州市人民政府 </title>
        <meta name="SiteName" content="中国杭州">
        <meta http-equiv="refresh" content="5; URL='/new/'"></head>
        <body><div id="top"><ul><li><a href="/zmhd/" title="互动">政民<b>互动</b></a></li>
        <li><a href="http://weibo.com/hangzhou" class="wb"><img src="/i/wb.png" alt="政务微博"></a></li></ul></div>
        <div class="ewm"><img src="/i/zwwx.jpg"><p>扫一扫关注政务微信</p></div>
        <form action="/liuyan/save"><label>留言内容</label><textarea></textarea><input type="submit" value="提交"></form>
        <p class="footer">服务热线：<span>0571-12345</span> 邮箱：zx#hangzhou.gov.cn</p>
        <script>if(mobile){window.location.href="/m/index.html";}</script>
        <script src="https://widget.weibo.com/weiboshow/index.php"></script>
        <iframe src="/frame/side.html"></iframe><a href="javascript:void(0)">微信</a><a href="#top">top</a>
        </body></html>"##;
        extract(
            html,
            Some(&Url::parse("http://www.hangzhou.gov.cn/index.html").unwrap()),
        )
    }

    #[test]
    fn extracts_links_with_text_titles_and_images() {
        let f = page();
        assert_eq!(f.title, "杭州市人民政府");
        let zmhd = f.links.iter().find(|l| l.href == "/zmhd/").unwrap();
        assert_eq!(zmhd.text, "政民互动");
        assert_eq!(
            zmhd.url.as_ref().unwrap().as_str(),
            "http://www.hangzhou.gov.cn/zmhd/"
        );
        assert_eq!(
            f.path(zmhd.path),
            "html > body > div#top > ul:nth-child(1) > li:nth-child(1) > a:nth-child(1)"
        );
        let wb = f.links.iter().find(|l| l.href.contains("weibo")).unwrap();
        assert_eq!(wb.img_alt, "政务微博");
        assert!(wb.attrs.contains("wb"));
        let js = f
            .links
            .iter()
            .find(|l| l.href.starts_with("javascript"))
            .unwrap();
        assert!(js.url.is_none() && js.text == "微信");
        assert!(!f.links.iter().any(|l| l.href == "#top" && l.url.is_some()));
    }

    #[test]
    fn extracts_redirects_frames_scripts_forms_captions_and_text() {
        let f = page();
        let kinds: Vec<(LinkKind, String)> = f
            .links
            .iter()
            .filter_map(|l| Some((l.kind?, l.url.as_ref()?.path().to_string())))
            .collect();
        assert!(
            kinds.contains(&(LinkKind::MetaRefresh, "/new/".into())),
            "{kinds:?}"
        );
        assert!(kinds.contains(&(LinkKind::ScriptRedirect, "/m/index.html".into())));
        assert!(kinds.contains(&(LinkKind::Iframe, "/frame/side.html".into())));
        assert_eq!(f.scripts[0].host_str(), Some("widget.weibo.com"));
        let qr = f.images.iter().find(|i| i.src.contains("zwwx")).unwrap();
        assert_eq!(qr.caption, "扫一扫关注政务微信");
        assert!(f.forms[0].has_textarea && f.forms[0].submit_label == "提交");
        assert!(f.forms[0].text.contains("留言内容"));
        let footer = f
            .blocks
            .iter()
            .find(|b| b.text.contains("服务热线"))
            .unwrap();
        assert_eq!(
            footer.text,
            "服务热线： 0571-12345 邮箱：zx#hangzhou.gov.cn"
        );
        assert!(!f.blocks.iter().any(|b| b.text.contains("mobile")));
        assert!(f.meta.contains(&("sitename".into(), "中国杭州".into())));
    }

    #[test]
    fn option_values_are_links_of_their_own_kind() {
        let f = extract(
            r#"<div class="bmwz"><span>部门网站</span><select onchange="window.open(this.value)"><option value="">请选择</option><option value="http://jyj.jia.gov.cn/">市教育局</option><option value="/zjj/">市住建局</option><option value="www.jtj.jia.gov.cn">市交通运输局</option><option value="3">三</option></select></div>"#,
            Some(&Url::parse("http://www.jia.gov.cn/").unwrap()),
        );
        let options: Vec<(String, String)> = f
            .links
            .iter()
            .filter(|l| l.kind == Some(LinkKind::Option))
            .map(|l| (l.url.as_ref().unwrap().to_string(), l.text.clone()))
            .collect();
        assert_eq!(
            options,
            [
                ("http://jyj.jia.gov.cn/".to_string(), "市教育局".to_string()),
                (
                    "http://www.jia.gov.cn/zjj/".to_string(),
                    "市住建局".to_string()
                ),
                (
                    "http://www.jtj.jia.gov.cn/".to_string(),
                    "市交通运输局".to_string()
                ),
            ]
        );
        let l = f.links.iter().find(|l| l.text == "市教育局").unwrap();
        assert!(f.link_context(l).contains("部门网站"));
    }

    #[test]
    fn base_href_and_deep_nesting() {
        let f = extract(
            r#"<base href="http://x.gov.cn/sub/"><a href="a.html">a</a>"#,
            Some(&Url::parse("http://y.gov.cn/").unwrap()),
        );
        assert_eq!(
            f.links[0].url.as_ref().unwrap().as_str(),
            "http://x.gov.cn/sub/a.html"
        );
        let deep = format!(
            "{}<a href=/x>x</a>{}",
            "<div>".repeat(100_000),
            "</div>".repeat(100_000)
        );
        let f = extract(&deep, None);
        assert!(f.links.is_empty(), "the link sits below the cut");
        let normal = "<ul><li><p>a<li><div><span>b</span></div></ul>".repeat(2000);
        assert_eq!(limit_nesting(&normal, MAX_NESTING).len(), normal.len());
        assert_eq!(limit_nesting("<div><div><div>x", 2), "<div><div>");
        assert_eq!(
            limit_nesting("<script><div><div><div></script><div>", 2),
            "<script><div><div><div></script><div>"
        );
    }
}
