//! QR codes drawn without `<img>`: an element with a CSS background image or a class
//! that names a QR code (`ewm`, `qrcode`, `weixin_img`) is kept as a box, and becomes an
//! image when it closes without an image of its own inside.

use super::MAX_ITEMS;
use super::caption;
use super::facts::{Image, PageFacts};
use super::frame::{Frame, attr, context_attrs, is_qr_token, path_id};
use super::paths::PathId;
use super::text::squash;
use crate::model::link::resolve;
use ego_tree::NodeRef;
use scraper::{Html, Node};
use std::collections::HashMap;
use std::sync::LazyLock;

/// An element that may be a QR code drawn without an `<img>` (a CSS background image, a
/// QR class): an image of its own unless it turns out to hold an `<img>`.
pub(super) struct QrBox {
    pub(super) node: ego_tree::NodeId,
    pub(super) images_at_open: usize,
    pub(super) src: String,
    pub(super) title: String,
    pub(super) attrs: String,
    pub(super) in_link: Option<usize>,
    pub(super) path: PathId,
    /// Drawn by a class of the page's `<style>` (not inline): a picture only when the
    /// element holds no more than a caption's text.
    pub(super) styled: bool,
}

/// The URL of an inline `background(-image): url(…)`, if any.
pub(super) fn background_url(style: &str) -> Option<&str> {
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

/// Notes the element on top of `stack` as a possible QR box (see [`QrBox`]).
pub(super) fn open_qr_box<'a>(
    stack: &mut [Frame<'a>],
    facts: &mut PageFacts,
    node: NodeRef<'a, Node>,
    boxes: &mut Vec<QrBox>,
    styled: &HashMap<String, String>,
) {
    let top = stack.len() - 1;
    let (tag, el) = (stack[top].tag, stack[top].el);
    if matches!(tag, "img" | "html" | "body" | "head") || stack[top].hidden {
        return;
    }
    // An inline background, or one the page's `<style>` gives a class of the element.
    let inline = attr(el, "style").and_then(background_url);
    let bg = inline.or_else(|| {
        if styled.is_empty() {
            return None;
        }
        attr(el, "class")?
            .split_whitespace()
            .find_map(|c| styled.get(c).map(String::as_str))
    });
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
    let is_qr_class = qr_class();
    if bg.is_none() && !is_qr_class {
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
        styled: inline.is_none() && !is_qr_class,
    });
}

/// When a possible QR box ends: an image of its own unless it held an `<img>`.
pub(super) fn close_qr_box(f: &Frame<'_>, facts: &mut PageFacts, boxes: &mut [QrBox], doc: &Html) {
    let Some(k) = f.qr_box else { return };
    let b = &mut boxes[k];
    if facts.images.len() != b.images_at_open || facts.images.len() >= MAX_ITEMS {
        return;
    }
    let Some(node) = doc.tree.get(b.node) else {
        return;
    };
    let (caption, fits) = caption::of_box(node);
    if b.styled && !fits {
        return;
    }
    let borrowed = super::entry::borrowed(node, Some(node));
    facts.images.push(Image {
        url: resolve(facts.base.as_ref(), &b.src),
        src: std::mem::take(&mut b.src),
        alt: String::new(),
        title: std::mem::take(&mut b.title),
        caption,
        borrowed,
        attrs: std::mem::take(&mut b.attrs),
        in_link: b.in_link,
        path: b.path,
    });
}
