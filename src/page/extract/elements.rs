//! What each kind of element contributes when it opens: links (`a`, `area`, `option`,
//! frames, meta refresh, script redirects), images, scripts, forms and their controls,
//! the title, `<base>` and `<meta>`.

use super::facts::{Around, Form, Image, Link, LinkKind, PageFacts};
use super::frame::{Frame, attr, context_attrs, ensure_block, path_id};
use super::text::{squash, truncate_chars};
use super::{MAX_ITEMS, MAX_LINKS, MAX_TEXT};
use crate::model::link::resolve;
use ego_tree::NodeRef;
use regex::Regex;
use scraper::Node;
use std::sync::LazyLock;
use url::Url;

pub(super) static SCRIPT_REDIRECT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?:window\.|document\.|top\.|self\.)?location(?:\.href)?\s*=\s*["']([^"'\s]+)["']|location\.replace\(\s*["']([^"'\s]+)["']\s*\)"#)
        .expect("valid regex")
});

/// What an element contributes when it opens; its frame is the top of `stack`.
pub(super) fn open_element<'a>(
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
        "meta" => open_meta(stack, facts),
        "a" | "area" => open_anchor(stack, facts),
        "option" => open_option(stack, facts),
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
            image_nodes.push((facts.images.len(), node.id()));
            open_image(stack, facts);
        }
        "script" => open_script(stack, facts, node),
        "form" | "textarea" | "input" | "button" => open_form_part(stack, facts),
        "h1" | "h2" | "h3" if facts.headings.len() < MAX_HEADINGS && !stack[top].hidden => {
            let text: String = node
                .descendants()
                .take(64)
                .filter_map(|n| n.value().as_text().map(|t| &**t))
                .collect();
            let text = truncate_chars(&squash(&text), MAX_TEXT);
            if !text.is_empty() {
                facts.headings.push(text);
            }
        }
        _ => {}
    }
}

/// Headings (`h1`–`h3`) kept per page: what the page says it is.
const MAX_HEADINGS: usize = 16;

/// `<meta http-equiv=refresh>` is a link; named metas are kept.
fn open_meta(stack: &mut [Frame<'_>], facts: &mut PageFacts) {
    let el = stack[stack.len() - 1].el;
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

/// `<a href>` and `<area href>`: a link with its title, alt and aria-label, whose
/// descendants' text is its text.
fn open_anchor(stack: &mut [Frame<'_>], facts: &mut PageFacts) {
    let top = stack.len() - 1;
    let (tag, el) = (stack[top].tag, stack[top].el);
    let Some(href) = attr(el, "href") else {
        return;
    };
    let kind = if tag == "a" {
        LinkKind::Anchor
    } else {
        LinkKind::Area
    };
    let Some(i) = add_link(facts, stack, href, kind, true) else {
        return;
    };
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
    super::rows::link_in_row(&mut stack[..top], facts, i);
    // A link's surrounding text is the text of its nearest block, gathered in the one
    // traversal (re-walking each link's block would be quadratic in busy menus).
    facts.links[i].context = match ensure_block(&mut stack[..top], facts) {
        Some(b) => Around::Block(b),
        None => Around::OwnText,
    };
}

/// A dropdown of sites: its values are links (its text is their label).
fn open_option(stack: &mut [Frame<'_>], facts: &mut PageFacts) {
    let top = stack.len() - 1;
    let Some(value) = attr(stack[top].el, "value").map(str::trim) else {
        return;
    };
    if !(value.contains("://") || value.starts_with('/') || value.starts_with("www.")) {
        return;
    }
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

/// An image, with its words given to the link it sits in.
fn open_image(stack: &mut [Frame<'_>], facts: &mut PageFacts) {
    let top = stack.len() - 1;
    let el = stack[top].el;
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
    let path = path_id(stack, &mut facts.paths);
    facts.images.push(Image {
        src: src.to_string(),
        url: resolve(facts.base.as_ref(), src),
        alt,
        title,
        caption: String::new(),
        borrowed: String::new(),
        attrs: context_attrs(stack),
        in_link,
        path,
    });
}

/// An external script is kept; an inline one may redirect the page.
fn open_script<'a>(stack: &mut [Frame<'a>], facts: &mut PageFacts, node: NodeRef<'a, Node>) {
    let el = stack[stack.len() - 1].el;
    // The 我为政府网站找错 script names the site it reports for (`sitecode="…"`).
    if let Some(code) = attr(el, "sitecode")
        && facts.site_code_attrs.len() < 8
    {
        facts.site_code_attrs.push(truncate_chars(code.trim(), 40));
    }
    if let Some(src) = attr(el, "src") {
        if let Some(u) = resolve(facts.base.as_ref(), src) {
            facts.scripts.push(u);
        }
        return;
    }
    let code = gather_script(node);
    // The 党政机关网站标识 is often written by an inline script (`dcs.conac.cn/js/…`).
    if code.contains("conac.cn") {
        facts.conac_script = true;
    }
    if code.contains("location") {
        for caps in SCRIPT_REDIRECT.captures_iter(&code).take(5) {
            if let Some(m) = caps.get(1).or_else(|| caps.get(2)) {
                add_link(facts, stack, m.as_str(), LinkKind::ScriptRedirect, false);
            }
        }
    }
}

/// A form, and what its controls say about it: a text area, a submit label.
fn open_form_part(stack: &mut [Frame<'_>], facts: &mut PageFacts) {
    let top = stack.len() - 1;
    let (tag, el) = (stack[top].tag, stack[top].el);
    match tag {
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
            facts.textareas += 1;
            if let Some(f) = stack[top].form {
                facts.forms[f].has_textarea = true;
            }
        }
        "input" | "button" => {
            let ty = attr(el, "type").unwrap_or_default();
            if ty.eq_ignore_ascii_case("password") {
                facts.password_inputs += 1;
            }
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

pub(super) fn gather_script(node: NodeRef<'_, Node>) -> String {
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
pub(super) fn add_link(
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
