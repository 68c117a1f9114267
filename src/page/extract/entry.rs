//! The words a picture borrows from outside itself: the label beside its QR box
//! (`<span>微信</span><div class=ewm>…扫一扫 关注我们</div>`), and the entry that opens the
//! pop-up box it sits in (`<a class=khd>客户端</a>` … `<div class=khd_ewm
//! style="display:none"><img src=ewm.png><p>蓉慧通（安卓版）</p></div>`). Detection reads
//! them only when the picture's own words name no channel, so a neighbour never overrides
//! what an image says of itself.

use super::caption::{beside, read};
use super::frame::{attr, is_qr_token};
use ego_tree::NodeRef;
use scraper::Node;

/// Characters an entry's label may have: 客户端, 官方微信, 手机APP.
const ENTRY_CHARS: usize = 10;
/// Ancestors of a picture searched for the box it sits in.
const BOX_DEPTH: usize = 4;
/// Elements of the page compared with a box's class when looking for its entry.
const SEARCH_NODES: usize = 20_000;

/// Class and id words that say how a box is shown, not what it holds.
const GENERIC: [&str; 44] = [
    "box", "pop", "popup", "layer", "hide", "hidden", "show", "tc", "tanchu", "dialog", "modal",
    "ewm", "erweima", "qrcode", "qr", "code", "img", "pic", "con", "cont", "content", "wrap",
    "div", "float", "floating", "fixed", "left", "right", "top", "bottom", "fl", "fr", "clearfix",
    "active", "on", "cur", "item", "list", "main", "inner", "outer", "bg", "icon", "hover",
];

fn tokens(value: &str) -> impl Iterator<Item = String> + '_ {
    value
        .split(|c: char| c.is_whitespace() || c == '_' || c == '-')
        .map(|t| {
            t.trim_end_matches(|c: char| c.is_ascii_digit())
                .to_ascii_lowercase()
        })
        .filter(|t| t.len() >= 2)
}

fn class_and_id(node: NodeRef<'_, Node>) -> String {
    let Some(el) = node.value().as_element() else {
        return String::new();
    };
    [attr(el, "class"), attr(el, "id")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether the element is a box that shows on demand: hidden by its inline style or
/// named so by its class (`hide`, `pop`, `layer`), or a QR box (`khd_ewm`).
fn is_pop_up_box(node: NodeRef<'_, Node>) -> bool {
    let Some(el) = node.value().as_element() else {
        return false;
    };
    let style = attr(el, "style").unwrap_or_default().to_ascii_lowercase();
    let style: String = style.split_whitespace().collect();
    style.contains("display:none")
        || style.contains("visibility:hidden")
        || tokens(&class_and_id(node)).any(|t| {
            matches!(
                t.as_str(),
                "hide" | "hidden" | "pop" | "popup" | "layer" | "tanchu" | "dialog" | "modal"
            ) || is_qr_token(&t)
        })
}

/// A short label of an element with no picture of its own, or nothing.
fn entry_label(node: NodeRef<'_, Node>) -> Option<String> {
    if node
        .descendants()
        .take(40)
        .any(|n| n.value().as_element().is_some_and(|e| e.name() == "img"))
    {
        return None;
    }
    let (text, _) = read(node, ENTRY_CHARS + 1);
    let text = if text.is_empty() {
        node.value()
            .as_element()
            .and_then(|e| attr(e, "title"))
            .unwrap_or_default()
            .trim()
            .to_string()
    } else {
        text
    };
    // Words, not an arrow or a bullet.
    (text.chars().any(char::is_alphanumeric) && text.chars().count() <= ENTRY_CHARS).then_some(text)
}

/// The entry that opens `pop`: the element just before it, the element it sits in (its
/// own words outside the box), or an element named by the box's class
/// (`khd` for `khd_ewm`).
fn opener(pop: NodeRef<'_, Node>) -> Option<String> {
    if let Some(label) = pop
        .prev_siblings()
        .filter(|n| n.value().is_element())
        .take(2)
        .find_map(entry_label)
    {
        return Some(label);
    }
    if let Some(parent) = pop.parent() {
        let own: String = parent
            .children()
            .filter_map(|c| c.value().as_text().map(|t| t.trim().to_string()))
            .collect();
        if own.chars().any(char::is_alphanumeric) && own.chars().count() <= ENTRY_CHARS {
            return Some(own);
        }
    }
    let names: Vec<String> = tokens(&class_and_id(pop))
        .filter(|t| !GENERIC.contains(&t.as_str()) && !is_qr_token(t))
        .collect();
    if names.is_empty() {
        return None;
    }
    let root = pop.ancestors().last()?;
    // A substring test on the raw attributes first: most elements name nothing alike.
    let may_name = |n: NodeRef<'_, Node>| {
        n.value().as_element().is_some_and(|e| {
            [attr(e, "class"), attr(e, "id")]
                .into_iter()
                .flatten()
                .any(|v| names.iter().any(|w| v.contains(w.as_str())))
        })
    };
    root.descendants()
        .take(SEARCH_NODES)
        .filter(|n| may_name(*n))
        .filter(|n| n.id() != pop.id() && !pop.ancestors().any(|a| a.id() == n.id()))
        .filter(|n| tokens(&class_and_id(*n)).any(|t| names.contains(&t)))
        .find_map(entry_label)
}

/// What the picture at `node` (an `<img>`, or a QR box drawn without one) borrows: the
/// entry of the pop-up box it sits in, or else the short label beside its own box (see
/// `caption::of_image_in_box`; a QR box is its own box).
pub(super) fn borrowed<'a>(node: NodeRef<'a, Node>, own_box: Option<NodeRef<'a, Node>>) -> String {
    let boxes = std::iter::once(node).chain(node.ancestors().take(BOX_DEPTH));
    if let Some(pop) = boxes.filter(|n| is_pop_up_box(*n)).find_map(opener) {
        return pop;
    }
    own_box.map(beside).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::Html;

    fn first(doc: &Html, pred: impl Fn(NodeRef<'_, Node>) -> bool) -> NodeRef<'_, Node> {
        doc.tree.nodes().find(|n| pred(*n)).expect("the node")
    }

    fn img_borrowed(html: &str, src: &str) -> String {
        let doc = Html::parse_document(html);
        let img = first(&doc, |n| {
            n.value()
                .as_element()
                .is_some_and(|e| e.name() == "img" && attr(e, "src") == Some(src))
        });
        borrowed(img, super::super::caption::of_image_in_box(img).1)
    }

    #[test]
    fn a_pop_up_box_borrows_its_entry_by_class() {
        let html = r#"<div class="float"><a href="/yj.html">意见建议</a><a class="khd">客户端</a>
            <a href="/yd.html">移动服务</a></div>
            <div class="khd_ewm" style="display:none"><img src="/i/ewm.png"><p>甲通（安卓版）</p>
            <img src="/i/ios_ewm.png"><p>甲通（IOS版）</p></div>"#;
        assert!(img_borrowed(html, "/i/ewm.png").contains("客户端"));
    }

    #[test]
    fn a_pop_up_box_borrows_the_entry_before_it_or_around_it() {
        let html = r#"<ul><li><a href="javascript:;">微信</a><div class="pop"><img src="/i/a.png"><p>甲市发布</p></div></li>
            <li>微博<div style="display: none"><img src="/i/b.png"></div></li></ul>"#;
        assert!(img_borrowed(html, "/i/a.png").contains("微信"));
        assert!(img_borrowed(html, "/i/b.png").contains("微博"));
    }

    #[test]
    fn an_arrow_is_no_entry() {
        let html = r#"<div><span class="t">APP下载</span><span class="arrow">▼</span>
            <div class="detail" style="display:none"><img src="/i/q.jpg"></div></div>"#;
        assert_eq!(img_borrowed(html, "/i/q.jpg"), "APP下载");
    }

    #[test]
    fn a_visible_picture_in_a_list_borrows_nothing_from_far_away() {
        let list = "<li><a href=/a.html>关于开展政务公开日活动的通知</a></li>".repeat(5);
        let html = format!(
            r#"<div class="wx">官方微信</div><div><ul>{list}</ul><img src="/i/n.png"></div>"#
        );
        assert_eq!(img_borrowed(&html, "/i/n.png"), "");
    }
}
