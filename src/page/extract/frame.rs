//! The walk's open elements: a [`Frame`] per element with what its descendants inherit
//! (the link, form and block they sit in, whether they are hidden), and the helpers
//! that read attributes, element paths and text blocks from the stack of frames.

use super::facts::{Around, PageFacts, TextBlock};
use super::paths::{ElementPaths, PathId};
use super::{MAX_ITEMS, marks};

pub(super) const BLOCK_TAGS: &[&str] = &[
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

pub(super) fn is_block(tag: &str) -> bool {
    BLOCK_TAGS.contains(&tag)
}

/// Whether `tag` is a row of a list or table (see `rows`).
pub(super) fn is_row(tag: &str) -> bool {
    matches!(tag, "li" | "tr")
}

/// Elements whose content is not visible text.
pub(super) fn is_hidden_content(tag: &str) -> bool {
    matches!(
        tag,
        "script" | "style" | "noscript" | "template" | "textarea" | "title" | "head"
    )
}

/// An open element during the walk, with what its descendants inherit.
pub(super) struct Frame<'a> {
    pub(super) tag: &'a str,
    pub(super) el: &'a scraper::node::Element,
    /// Position among the parent's element children (1-based), for `:nth-child`.
    pub(super) nth: usize,
    /// `attrs_summary` of the element, computed on first use.
    pub(super) summary: std::cell::OnceCell<String>,
    pub(super) children: usize,
    /// This element's entry in `facts.blocks`, once it has text.
    pub(super) block: Option<usize>,
    /// Stack index of the innermost block element at or above this one.
    pub(super) block_frame: Option<usize>,
    pub(super) hidden: bool,
    /// The innermost link (index into `facts.links`) at or above this element.
    pub(super) link: Option<usize>,
    /// The innermost form at or above this element.
    pub(super) form: Option<usize>,
    /// This element's step in `facts.paths`, once something needed its path.
    pub(super) path: Option<u32>,
    /// `facts.links.len()` when this element's block was created: the links that may
    /// refer to it.
    pub(super) block_links_from: usize,
    /// This element's entry in the QR boxes waiting for its end tag.
    pub(super) qr_box: Option<usize>,
    /// Stack index of the innermost row (`li`, `tr`) at or above this element.
    pub(super) row_frame: Option<usize>,
    /// This row's entry in `facts.rows`, once it has text or a link.
    pub(super) row: Option<usize>,
    /// The child of this row whose text is being added (see `rows::push_row_text`).
    pub(super) row_cell: usize,
}

impl<'a> Frame<'a> {
    /// The frame of an element opening as the `nth` child of `parent`, at stack depth
    /// `depth`: it inherits its parent's link, form, hidden state and block.
    pub(super) fn open(
        el: &'a scraper::node::Element,
        nth: usize,
        parent: Option<&Frame<'a>>,
        depth: usize,
    ) -> Frame<'a> {
        let tag = el.name();
        Frame {
            tag,
            el,
            nth,
            summary: std::cell::OnceCell::new(),
            children: 0,
            block: None,
            block_frame: if is_block(tag) {
                Some(depth)
            } else {
                parent.and_then(|p| p.block_frame)
            },
            hidden: parent.is_some_and(|p| p.hidden) || is_hidden_content(tag),
            link: parent.and_then(|p| p.link),
            form: parent.and_then(|p| p.form),
            path: None,
            block_links_from: 0,
            qr_box: None,
            row_frame: if is_row(tag) {
                Some(depth)
            } else {
                parent.and_then(|p| p.row_frame)
            },
            row: None,
            row_cell: usize::MAX,
        }
    }

    fn summary(&self) -> &str {
        self.summary.get_or_init(|| attrs_summary(self.el))
    }
}

/// An attribute by name. A linear scan of the element's few attributes compares
/// strings; `Element::attr` would intern the name on every call.
pub(super) fn attr<'a>(el: &'a scraper::node::Element, name: &str) -> Option<&'a str> {
    el.attrs().find(|(k, _)| *k == name).map(|(_, v)| v)
}

/// The path of the top frame of `stack`, adding steps for the frames that have none yet.
pub(super) fn path_id(stack: &mut [Frame<'_>], paths: &mut ElementPaths) -> PathId {
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

pub(super) fn attrs_summary(el: &scraper::node::Element) -> String {
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
pub(super) fn ensure_block(stack: &mut [Frame<'_>], facts: &mut PageFacts) -> Option<usize> {
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
pub(super) fn prune_block(f: &Frame<'_>, facts: &mut PageFacts) {
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

/// `class`/`id`/… of the top frame and its three nearest ancestors.
pub(super) fn context_attrs(stack: &[Frame<'_>]) -> String {
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

/// Class or id tokens that mark a QR-code box.
pub(super) fn is_qr_token(token: &str) -> bool {
    ["ewm", "erweima", "qrcode", "2wm"]
        .iter()
        .any(|p| token.starts_with(p))
        || token == "qr"
        || token.ends_with("ewm")
        || token.ends_with("qrcode")
}
