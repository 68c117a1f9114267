//! One parse per page: everything the crawler and channel detection need, as owned data.
//!
//! [`extract`] parses the decoded HTML once with `scraper` and walks the tree once
//! (iteratively, so a page nested 100,000 elements deep cannot overflow the stack),
//! collecting links with their text, images with their captions, forms, text blocks,
//! external scripts and in-page redirects. The result, [`PageFacts`], is `Send` and
//! holds no reference to the tree, so detection is a pure function of it.

mod caption;
pub mod marks;
mod nesting;
mod paths;
mod text;

pub use nesting::limit_nesting;
pub use paths::{ElementPaths, PathId};
pub use text::{prefix_chars, squash, truncate_chars};

use crate::model::link::resolve;
use ego_tree::NodeRef;
use ego_tree::iter::Edge;
use nesting::{count_lt, limit_nesting_counted};
use regex::Regex;
use scraper::{Html, Node};
use std::sync::LazyLock;
use text::{push_text, trim_end_in_place};
use url::Url;

/// Links kept per page; the rest are counted, not kept (hostile pages).
pub const MAX_LINKS: usize = 10_000;
/// Images and forms kept per page, and text blocks kept whole: past this many blocks,
/// a block is kept only if it may be evidence ([`marks::matters`]), so the footer of a
/// page with a 14,000-row table is still read.
pub const MAX_ITEMS: usize = 5_000;
/// Characters kept of a text block, a link text or a caption.
pub(crate) const MAX_TEXT: usize = 400;
/// Characters of surrounding text kept as a snippet.
pub const SNIPPET_CHARS: usize = 200;
/// Element nesting parsed; a document nested deeper is cut where it passes this depth
/// (html5ever's scope checks make absurd nesting quadratic).
pub const MAX_NESTING: usize = 1_000;

/// How a link was found; all kinds are followed when in scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    Anchor,
    Area,
    Frame,
    Iframe,
    MetaRefresh,
    ScriptRedirect,
    /// An `<option value="URL">` of a `<select>` (部门网站, 网站群 dropdowns).
    Option,
}

impl LinkKind {
    /// Stable id for the database.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkKind::Anchor => "a",
            LinkKind::Area => "area",
            LinkKind::Frame => "frame",
            LinkKind::Iframe => "iframe",
            LinkKind::MetaRefresh => "meta-refresh",
            LinkKind::ScriptRedirect => "script",
            LinkKind::Option => "option",
        }
    }
}

/// A link on a page.
#[derive(Debug, Clone, Default)]
pub struct Link {
    /// The raw `href`/`src`, as written.
    pub href: String,
    /// Resolved absolute URL (fragment removed); `None` for unparsable or `javascript:`.
    pub url: Option<Url>,
    pub kind: Option<LinkKind>,
    /// Visible text inside the link, white space collapsed.
    pub text: String,
    pub title: String,
    /// `alt` of images inside the link (joined), and the first image's source.
    pub img_alt: String,
    pub img_src: String,
    /// `class`/`id`/`onclick`/`data-cmd` of the link and its three nearest ancestors,
    /// lower-cased: how share widgets and site chrome are recognised.
    pub attrs: String,
    /// Where the text around the link is: see [`PageFacts::link_context`].
    pub context: Around,
    /// Where the element is; [`PageFacts::path`] renders it.
    pub path: PathId,
}

/// Which text surrounds a link.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Around {
    /// None (frames, redirects).
    #[default]
    Nothing,
    /// The text of the nearest block, an index into [`PageFacts::blocks`].
    Block(usize),
    /// The link is outside any block: its own text.
    OwnText,
}

/// An image on a page.
#[derive(Debug, Clone, Default)]
pub struct Image {
    pub src: String,
    pub url: Option<Url>,
    pub alt: String,
    pub title: String,
    /// Text of the image's container (and its parent's, if the container has none).
    pub caption: String,
    pub attrs: String,
    /// Index into `links` when the image is inside a link.
    pub in_link: Option<usize>,
    pub path: PathId,
}

/// A form, for detecting consultation and mailbox services.
#[derive(Debug, Clone, Default)]
pub struct Form {
    pub action: Option<Url>,
    pub has_textarea: bool,
    pub submit_label: String,
    /// Text inside the form (labels), ≤ 200 characters.
    pub text: String,
    pub path: PathId,
}

/// Visible text directly under one block element (including its inline children).
#[derive(Debug, Clone, Default)]
pub struct TextBlock {
    pub text: String,
    pub attrs: String,
    pub path: PathId,
}

/// What one parse of a page yields.
#[derive(Debug, Clone, Default)]
pub struct PageFacts {
    pub title: String,
    /// The URL links are resolved against (the page URL or its `<base href>`).
    pub base: Option<Url>,
    pub links: Vec<Link>,
    /// Links beyond [`MAX_LINKS`] that were not kept.
    pub links_dropped: usize,
    pub images: Vec<Image>,
    pub forms: Vec<Form>,
    pub blocks: Vec<TextBlock>,
    /// Sources of external scripts (e.g. a Weibo widget).
    pub scripts: Vec<Url>,
    /// Meta keywords/description, SiteName and similar, for ownership judgements.
    pub meta: Vec<(String, String)>,
    /// The element paths the items above point at.
    pub paths: ElementPaths,
}

impl PageFacts {
    /// The CSS-like path of an element (`html > body > div#top > a:nth-child(2)`).
    pub fn path(&self, id: PathId) -> String {
        self.paths.render(id)
    }

    /// The text around a link: its block's text (or its own, outside any block), at
    /// most [`SNIPPET_CHARS`] characters.
    pub fn link_context<'a>(&'a self, link: &'a Link) -> &'a str {
        prefix_chars(self.link_context_full(link), SNIPPET_CHARS)
    }

    /// The whole text [`PageFacts::link_context`] is cut from.
    pub fn link_context_full<'a>(&'a self, link: &'a Link) -> &'a str {
        match link.context {
            Around::Nothing => "",
            Around::Block(b) => &self.blocks[b].text,
            Around::OwnText => &link.text,
        }
    }
}

const BLOCK_TAGS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "dd",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "section",
    "table",
    "td",
    "th",
    "tr",
    "ul",
    "center",
    "font",
];

fn is_block(tag: &str) -> bool {
    BLOCK_TAGS.contains(&tag)
}

/// Elements whose content is not visible text.
fn is_hidden_content(tag: &str) -> bool {
    matches!(
        tag,
        "script" | "style" | "noscript" | "template" | "textarea" | "title" | "head"
    )
}

static SCRIPT_REDIRECT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?:window\.|document\.|top\.|self\.)?location(?:\.href)?\s*=\s*["']([^"'\s]+)["']|location\.replace\(\s*["']([^"'\s]+)["']\s*\)"#)
        .expect("valid regex")
});

/// An open element during the walk, with what its descendants inherit.
struct Frame<'a> {
    tag: &'a str,
    el: &'a scraper::node::Element,
    /// Position among the parent's element children (1-based), for `:nth-child`.
    nth: usize,
    /// `attrs_summary` of the element, computed on first use.
    summary: std::cell::OnceCell<String>,
    children: usize,
    /// This element's entry in `facts.blocks`, once it has text.
    block: Option<usize>,
    /// Stack index of the innermost block element at or above this one.
    block_frame: Option<usize>,
    hidden: bool,
    /// The innermost link (index into `facts.links`) at or above this element.
    link: Option<usize>,
    /// The innermost form at or above this element.
    form: Option<usize>,
    /// This element's step in `facts.paths`, once something needed its path.
    path: Option<u32>,
    /// `facts.links.len()` when this element's block was created: the links that may
    /// refer to it.
    block_links_from: usize,
    /// This element's entry in the QR boxes waiting for its end tag.
    qr_box: Option<usize>,
}

/// An element that may be a QR code drawn without an `<img>` (a CSS background image, a
/// QR class): an image of its own unless it turns out to hold an `<img>`.
struct QrBox {
    node: ego_tree::NodeId,
    images_at_open: usize,
    src: String,
    title: String,
    attrs: String,
    in_link: Option<usize>,
    path: PathId,
}

/// Class or id tokens that mark a QR-code box.
fn is_qr_token(token: &str) -> bool {
    ["ewm", "erweima", "qrcode", "2wm"]
        .iter()
        .any(|p| token.starts_with(p))
        || token == "qr"
        || token.ends_with("ewm")
        || token.ends_with("qrcode")
}

/// The URL of an inline `background(-image): url(…)`, if any.
fn background_url(style: &str) -> Option<&str> {
    let lower = style.to_ascii_lowercase();
    if !lower.contains("background") {
        return None;
    }
    let start = lower.find("url(")? + 4;
    let end = start + lower[start..].find(')')?;
    Some(
        style[start..end]
            .trim()
            .trim_matches(|c| c == '\'' || c == '"'),
    )
}

impl Frame<'_> {
    fn summary(&self) -> &str {
        self.summary.get_or_init(|| attrs_summary(self.el))
    }
}

/// An attribute by name. A linear scan of the element's few attributes compares
/// strings; `Element::attr` would intern the name on every call.
fn attr<'a>(el: &'a scraper::node::Element, name: &str) -> Option<&'a str> {
    el.attrs().find(|(k, _)| *k == name).map(|(_, v)| v)
}

/// The path of the top frame of `stack`, adding steps for the frames that have none yet.
fn path_id(stack: &mut [Frame<'_>], paths: &mut ElementPaths) -> PathId {
    let start = stack
        .iter()
        .rposition(|f| f.path.is_some())
        .map_or(0, |i| i + 1);
    let mut parent = start.checked_sub(1).and_then(|i| stack[i].path);
    for f in &mut stack[start..] {
        let id = paths.push(parent, f.el, f.nth);
        f.path = Some(id);
        parent = Some(id);
    }
    PathId(parent.unwrap_or(u32::MAX))
}

fn attrs_summary(el: &scraper::node::Element) -> String {
    let mut s = String::new();
    for key in ["class", "id", "onclick", "data-cmd"] {
        if let Some(v) = attr(el, key) {
            if !s.is_empty() {
                s.push(' ');
            }
            for c in v.chars().take(120) {
                s.push(c.to_ascii_lowercase());
            }
        }
    }
    s
}

/// The index in `facts.blocks` of the innermost block element on the stack, creating
/// its entry on first use; `None` outside any block or past the cap.
fn ensure_block(stack: &mut [Frame<'_>], facts: &mut PageFacts) -> Option<usize> {
    let bpos = stack.last()?.block_frame?;
    if let Some(i) = stack[bpos].block {
        return Some(i);
    }
    let path = path_id(&mut stack[..=bpos], &mut facts.paths);
    facts.blocks.push(TextBlock {
        text: String::new(),
        attrs: stack[bpos].summary().to_string(),
        path,
    });
    stack[bpos].block = Some(facts.blocks.len() - 1);
    stack[bpos].block_links_from = facts.links.len();
    stack[bpos].block
}

/// When a block element ends on a page past [`MAX_ITEMS`] blocks, its block is dropped
/// unless it may be evidence (the links in it keep their own text as context).
fn prune_block(f: &Frame<'_>, facts: &mut PageFacts) {
    let Some(i) = f.block else { return };
    if facts.blocks.len() <= MAX_ITEMS
        || i + 1 != facts.blocks.len()
        || marks::matters(&facts.blocks[i].text)
    {
        return;
    }
    facts.blocks.pop();
    for l in &mut facts.links[f.block_links_from..] {
        if l.context == Around::Block(i) {
            l.context = Around::OwnText;
        }
    }
}

/// When a possible QR box ends: an image of its own unless it held an `<img>`.
fn close_qr_box(f: &Frame<'_>, facts: &mut PageFacts, boxes: &mut [QrBox], doc: &Html) {
    let Some(k) = f.qr_box else { return };
    let b = &mut boxes[k];
    if facts.images.len() != b.images_at_open || facts.images.len() >= MAX_ITEMS {
        return;
    }
    let caption = doc
        .tree
        .get(b.node)
        .map(caption::of_box)
        .unwrap_or_default();
    facts.images.push(Image {
        url: resolve(facts.base.as_ref(), &b.src),
        src: std::mem::take(&mut b.src),
        alt: String::new(),
        title: std::mem::take(&mut b.title),
        caption,
        attrs: std::mem::take(&mut b.attrs),
        in_link: b.in_link,
        path: b.path,
    });
}

/// `class`/`id`/… of the top frame and its three nearest ancestors.
fn context_attrs(stack: &[Frame<'_>]) -> String {
    let mut a = String::new();
    for (i, f) in stack.iter().rev().take(4).enumerate() {
        let more = f.summary();
        if i == 0 {
            a.push_str(more);
        } else if !more.is_empty() {
            a.push(' ');
            a.push_str(more);
        }
    }
    a
}

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
    let mut root_children = 0usize;

    for edge in doc.tree.root().traverse() {
        match edge {
            Edge::Open(node) => match node.value() {
                Node::Element(el) => {
                    let tag = el.name();
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
                    let parent = stack.last();
                    let frame = Frame {
                        tag,
                        el,
                        nth: n,
                        summary: std::cell::OnceCell::new(),
                        children: 0,
                        block: None,
                        block_frame: if is_block(tag) {
                            Some(stack.len())
                        } else {
                            parent.and_then(|p| p.block_frame)
                        },
                        hidden: parent.is_some_and(|p| p.hidden) || is_hidden_content(tag),
                        link: parent.and_then(|p| p.link),
                        form: parent.and_then(|p| p.form),
                        path: None,
                        block_links_from: 0,
                        qr_box: None,
                    };
                    stack.push(frame);
                    open_qr_box(&mut stack, &mut facts, node, &mut boxes);
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
            facts.images[i].caption = caption::of_image(node);
        }
    }
    facts
}

/// Notes the element on top of `stack` as a possible QR box (see [`QrBox`]).
fn open_qr_box<'a>(
    stack: &mut [Frame<'a>],
    facts: &mut PageFacts,
    node: NodeRef<'a, Node>,
    boxes: &mut Vec<QrBox>,
) {
    let top = stack.len() - 1;
    let (tag, el) = (stack[top].tag, stack[top].el);
    if matches!(tag, "img" | "html" | "body" | "head") || stack[top].hidden {
        return;
    }
    let bg = attr(el, "style").and_then(background_url);
    // Most classes name nothing of the kind: a single scan rules them out before any
    // lower-casing or splitting.
    static QR_HINT: LazyLock<aho_corasick::AhoCorasick> = LazyLock::new(|| {
        aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build([
                "ewm", "erweima", "qr", "2wm", "weixin", "wechat", "wx", "weibo", "wb",
            ])
            .expect("valid patterns")
    });
    let qr_class = || {
        ["class", "id"].iter().any(|k| {
            attr(el, k).is_some_and(|v| QR_HINT.is_match(v))
                && attr(el, k).is_some_and(|v| {
                    let v = v.to_ascii_lowercase();
                    let tokens = || v.split(|c: char| c.is_whitespace() || c == '-' || c == '_');
                    // `ewm`, `qrcode` …; or a platform and a picture (`weixin_img`, `wx-pic`).
                    tokens().any(is_qr_token)
                        || (tokens()
                            .any(|t| matches!(t, "weixin" | "wechat" | "wx" | "weibo" | "wb"))
                            && tokens().any(|t| matches!(t, "img" | "pic" | "code" | "image")))
                })
        })
    };
    if bg.is_none() && !qr_class() {
        return;
    }
    let path = path_id(stack, &mut facts.paths);
    stack[top].qr_box = Some(boxes.len());
    boxes.push(QrBox {
        node: node.id(),
        images_at_open: facts.images.len(),
        src: bg.unwrap_or_default().to_string(),
        title: squash(
            attr(el, "title")
                .or_else(|| attr(el, "aria-label"))
                .unwrap_or_default(),
        ),
        attrs: context_attrs(stack),
        in_link: stack[top].link,
        path,
    });
}

/// What an element contributes when it opens; its frame is the top of `stack`.
fn open_element<'a>(
    stack: &mut [Frame<'a>],
    facts: &mut PageFacts,
    node: NodeRef<'a, Node>,
    page_url: Option<&Url>,
    base_set: &mut bool,
    image_nodes: &mut Vec<(usize, ego_tree::NodeId)>,
) {
    let top = stack.len() - 1;
    let (tag, el) = (stack[top].tag, stack[top].el);
    match tag {
        "base" if !*base_set => {
            if let Some(h) = attr(el, "href")
                && let Some(b) = resolve(page_url, h)
            {
                facts.base = Some(b);
                *base_set = true;
            }
        }
        "title" if facts.title.is_empty() => {
            facts.title = truncate_chars(&squash(&gather_script(node)), MAX_TEXT);
        }
        "meta" => {
            let equiv = attr(el, "http-equiv").unwrap_or_default();
            if equiv.eq_ignore_ascii_case("refresh")
                && let Some(c) = attr(el, "content")
            {
                let lower = c.to_ascii_lowercase();
                if let Some(i) = lower.find("url=") {
                    let target = c[i + 4..].trim().trim_matches(|ch| ch == '\'' || ch == '"');
                    add_link(facts, stack, target, LinkKind::MetaRefresh, false);
                }
            }
            if let (Some(name), Some(content)) = (attr(el, "name"), attr(el, "content")) {
                facts
                    .meta
                    .push((name.to_ascii_lowercase(), truncate_chars(content, MAX_TEXT)));
            }
        }
        "a" | "area" => {
            if let Some(href) = attr(el, "href") {
                let kind = if tag == "a" {
                    LinkKind::Anchor
                } else {
                    LinkKind::Area
                };
                if let Some(i) = add_link(facts, stack, href, kind, true) {
                    let l = &mut facts.links[i];
                    l.title = squash(attr(el, "title").unwrap_or_default());
                    if tag == "area" {
                        l.text = squash(attr(el, "alt").unwrap_or_default());
                    }
                    if let Some(alt) = attr(el, "alt") {
                        l.img_alt = squash(alt);
                    }
                    if let Some(aria) = attr(el, "aria-label") {
                        l.title = format!("{} {}", l.title, squash(aria)).trim().to_string();
                    }
                    stack[top].link = Some(i);
                    // A link's surrounding text is the text of its nearest block, gathered
                    // in the one traversal (re-walking each link's block would be
                    // quadratic in busy menus).
                    facts.links[i].context = match ensure_block(&mut stack[..top], facts) {
                        Some(b) => Around::Block(b),
                        None => Around::OwnText,
                    };
                }
            }
        }
        "option" => {
            // A dropdown of sites: its values are links (its text is their label).
            if let Some(value) = attr(el, "value").map(str::trim)
                && (value.contains("://") || value.starts_with('/') || value.starts_with("www."))
            {
                let href = if value.starts_with("www.") {
                    format!("http://{value}")
                } else {
                    value.to_string()
                };
                if let Some(i) = add_link(facts, stack, &href, LinkKind::Option, true) {
                    stack[top].link = Some(i);
                    facts.links[i].context = match ensure_block(&mut stack[..top], facts) {
                        Some(b) => Around::Block(b),
                        None => Around::OwnText,
                    };
                }
            }
        }
        "frame" | "iframe" => {
            if let Some(src) = attr(el, "src") {
                let kind = if tag == "frame" {
                    LinkKind::Frame
                } else {
                    LinkKind::Iframe
                };
                if let Some(i) = add_link(facts, stack, src, kind, true) {
                    facts.links[i].title = squash(attr(el, "title").unwrap_or_default());
                }
            }
        }
        "img" if facts.images.len() < MAX_ITEMS => {
            let src = attr(el, "src")
                .or_else(|| attr(el, "data-src"))
                .or_else(|| attr(el, "original"))
                .unwrap_or_default();
            let in_link = stack[top].link;
            let alt = squash(attr(el, "alt").unwrap_or_default());
            let title = squash(
                attr(el, "title")
                    .or_else(|| attr(el, "aria-label"))
                    .unwrap_or_default(),
            );
            if let Some(i) = in_link {
                let l = &mut facts.links[i];
                if l.img_src.is_empty() {
                    l.img_src = src.to_string();
                }
                for t in [&alt, &title] {
                    if !t.is_empty() {
                        if !l.img_alt.is_empty() {
                            l.img_alt.push(' ');
                        }
                        l.img_alt.push_str(t);
                    }
                }
            }
            image_nodes.push((facts.images.len(), node.id()));
            let path = path_id(stack, &mut facts.paths);
            facts.images.push(Image {
                src: src.to_string(),
                url: resolve(facts.base.as_ref(), src),
                alt,
                title,
                caption: String::new(),
                attrs: context_attrs(stack),
                in_link,
                path,
            });
        }
        "script" => {
            if let Some(src) = attr(el, "src") {
                if let Some(u) = resolve(facts.base.as_ref(), src) {
                    facts.scripts.push(u);
                }
            } else {
                let code = gather_script(node);
                if code.contains("location") {
                    for caps in SCRIPT_REDIRECT.captures_iter(&code).take(5) {
                        if let Some(m) = caps.get(1).or_else(|| caps.get(2)) {
                            add_link(facts, stack, m.as_str(), LinkKind::ScriptRedirect, false);
                        }
                    }
                }
            }
        }
        "form" if facts.forms.len() < MAX_ITEMS => {
            let path = path_id(stack, &mut facts.paths);
            stack[top].form = Some(facts.forms.len());
            let action = attr(el, "action").unwrap_or_default();
            facts.forms.push(Form {
                action: if action.trim().is_empty() {
                    facts.base.clone()
                } else {
                    resolve(facts.base.as_ref(), action)
                },
                path,
                ..Default::default()
            });
        }
        "textarea" => {
            if let Some(f) = stack[top].form {
                facts.forms[f].has_textarea = true;
            }
        }
        "input" | "button" => {
            let ty = attr(el, "type").unwrap_or_default();
            if (tag == "button" || ty.eq_ignore_ascii_case("submit"))
                && let Some(f) = stack[top].form
            {
                let label = attr(el, "value").unwrap_or_default();
                if facts.forms[f].submit_label.is_empty() {
                    facts.forms[f].submit_label = squash(label);
                }
            }
        }
        _ => {}
    }
}

fn gather_script(node: NodeRef<'_, Node>) -> String {
    let mut code = String::new();
    for c in node.children() {
        if let Node::Text(t) = c.value() {
            code.push_str(t);
            if code.len() > 64 * 1024 {
                break;
            }
        }
    }
    code
}

/// Adds a link for the element on top of `stack`; its path (and, with `with_attrs`, the
/// attributes around it) are worked out only when the link is kept.
fn add_link(
    facts: &mut PageFacts,
    stack: &mut [Frame<'_>],
    href: &str,
    kind: LinkKind,
    with_attrs: bool,
) -> Option<usize> {
    if facts.links.len() >= MAX_LINKS {
        facts.links_dropped += 1;
        return None;
    }
    let path = path_id(stack, &mut facts.paths);
    let attrs = if with_attrs {
        context_attrs(stack)
    } else {
        String::new()
    };
    let url = resolve(facts.base.as_ref(), href);
    facts.links.push(Link {
        href: truncate_chars(href.trim(), 2000),
        url,
        kind: Some(kind),
        attrs,
        path,
        ..Default::default()
    });
    Some(facts.links.len() - 1)
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
