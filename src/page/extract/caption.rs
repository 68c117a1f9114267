//! Image captions: the words an image (or a QR box) carries, never a container's whole
//! text. A slide image in a block that also holds a news list must not be captioned
//! with the list: a headline about 政务微博 does not make the slide a Weibo QR code.
//!
//! The caption is, in order: the `figcaption` of the image's `figure`; the text of its
//! container when that container is small (a QR box: `<div><img><p>扫一扫关注</p></div>`);
//! otherwise only the short texts right beside the image (or the link that wraps it).

use super::frame::is_hidden_content;
use super::text::{squash, truncate_chars};
use ego_tree::NodeRef;
use scraper::Node;

/// Characters a caption may have: a label, not a paragraph.
pub(super) const CAPTION_CHARS: usize = 40;
/// Elements a container may hold and still be the image's own box.
const SMALL_BOX_ELEMENTS: usize = 12;
/// Nodes visited when reading a container.
const READ_NODES: usize = 300;

fn is(node: NodeRef<'_, Node>, tag: &str) -> bool {
    node.value().as_element().is_some_and(|e| e.name() == tag)
}

/// The visible text under `node` (at most `max_chars` characters, white space collapsed)
/// and how many elements were seen on the way (`READ_NODES` or more: a big container).
pub(super) fn read(node: NodeRef<'_, Node>, max_chars: usize) -> (String, usize) {
    let mut out = String::new();
    let mut elements = 0;
    for n in node.descendants().skip(1).take(READ_NODES) {
        match n.value() {
            Node::Element(_) => elements += 1,
            Node::Text(t) => {
                let hidden = n
                    .parent()
                    .and_then(|p| p.value().as_element().map(|e| is_hidden_content(e.name())))
                    .unwrap_or(false);
                if !hidden {
                    out.push_str(t);
                    out.push(' ');
                }
            }
            _ => {}
        }
        if out.len() > max_chars * 4 {
            elements = elements.max(READ_NODES);
            break;
        }
    }
    (truncate_chars(&squash(&out), max_chars), elements)
}

/// A text short enough to be a caption, or nothing.
fn short(text: String) -> Option<String> {
    (!text.is_empty() && text.chars().count() <= CAPTION_CHARS).then_some(text)
}

/// The short texts right before and after `child` among its siblings (white space and
/// empty elements skipped, at most two siblings away on each side).
pub(super) fn beside(child: NodeRef<'_, Node>) -> String {
    let mut parts: Vec<String> = Vec::new();
    let sides: [Box<dyn Iterator<Item = NodeRef<'_, Node>>>; 2] = [
        Box::new(child.prev_siblings()),
        Box::new(child.next_siblings()),
    ];
    for side in sides {
        for sib in side.take(2) {
            let text = match sib.value() {
                Node::Text(t) => squash(t),
                // A neighbour holding an image of its own is that image's box: its words
                // are its caption, not this image's.
                Node::Element(e) if e.name() == "img" => break,
                Node::Element(e) if !is_hidden_content(e.name()) => {
                    if sib.descendants().take(READ_NODES).any(|n| is(n, "img")) {
                        break;
                    }
                    read(sib, CAPTION_CHARS + 1).0
                }
                _ => String::new(),
            };
            if text.is_empty() {
                continue;
            }
            if let Some(t) = short(text) {
                parts.push(t);
            }
            break;
        }
    }
    parts.join(" ")
}

/// The caption of the image at `node`.
pub(super) fn of_image(node: NodeRef<'_, Node>) -> String {
    of_image_in_box(node).0
}

/// The caption of the image at `node`, and the image's own box when the caption is that
/// box's text (a small container: `<div><img><p>扫一扫</p></div>`); a label beside the
/// box may then be borrowed (`extract::entry`). `None` when the caption was read beside
/// the image itself, or there is none.
pub(super) fn of_image_in_box(node: NodeRef<'_, Node>) -> (String, Option<NodeRef<'_, Node>>) {
    for anc in node.ancestors().take(3) {
        if is(anc, "figure")
            && let Some(fc) = anc.children().find(|c| is(*c, "figcaption"))
        {
            return (read(fc, CAPTION_CHARS * 2).0, None);
        }
    }
    let mut child = node;
    for anc in node.ancestors().take(2) {
        let (text, elements) = read(anc, CAPTION_CHARS + 1);
        if text.is_empty() {
            child = anc;
            continue;
        }
        if text.chars().count() <= CAPTION_CHARS && elements <= SMALL_BOX_ELEMENTS {
            return (text, Some(anc));
        }
        return (beside(child), None);
    }
    (String::new(), None)
}

/// The caption of a QR box drawn without an `<img>` (a CSS background, a QR class):
/// its own text when short, else what an image there would get; and whether its own
/// text is no longer than a caption (a box drawn by a class of the page's `<style>` is a
/// picture only then).
pub(super) fn of_box(node: NodeRef<'_, Node>) -> (String, bool) {
    let (own, elements) = read(node, CAPTION_CHARS + 1);
    let fits = own.chars().count() <= CAPTION_CHARS;
    match short(own) {
        Some(t) if elements <= SMALL_BOX_ELEMENTS => (t, fits),
        _ => (of_image(node), fits),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::Html;

    fn caption(html: &str) -> String {
        let doc = Html::parse_document(html);
        let img = doc.tree.nodes().find(|n| is(*n, "img")).expect("an image");
        of_image(img)
    }

    #[test]
    fn small_boxes_figures_and_neighbours() {
        assert_eq!(
            caption("<div class=ewm><img src=a.png><p>扫一扫关注政务微信</p></div>"),
            "扫一扫关注政务微信"
        );
        assert_eq!(
            caption("<figure><img src=a.png><figcaption>甲市发布</figcaption></figure>"),
            "甲市发布"
        );
        assert_eq!(
            caption("<div><a href=/x><img src=a.png></a><span>官方微信</span></div>"),
            "官方微信"
        );
    }

    #[test]
    fn a_container_with_a_news_list_is_no_caption() {
        let list: String = (0..12)
            .map(|i| {
                format!("<li><a href=/n{i}.html>关于加强政务微博政务微信管理的通知{i}</a></li>")
            })
            .collect();
        let html = format!(
            "<div class=focus><div class=slide><a href=/s.html><img src=/s1.jpg></a></div><ul>{list}</ul></div>"
        );
        assert_eq!(caption(&html), "");
        let html =
            format!("<div class=focus><a href=/s.html><img src=/s1.jpg></a><ul>{list}</ul></div>");
        assert_eq!(caption(&html), "", "a long neighbour is no caption either");
    }
}
