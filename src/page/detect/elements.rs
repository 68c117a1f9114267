//! The things on a page that rules look at ([`Element`]s): links, images, scripts, forms,
//! and the phone numbers and e-mail addresses found in text blocks, each with its label,
//! context and target, borrowed from the page's facts where it can be.

use super::names;
use super::rules::ElementKind;
use crate::page::extract::Around;
use crate::page::extract::marks::email_and_number_marks;
use crate::page::extract::{PageFacts, PathId, SNIPPET_CHARS, prefix_chars};
use regex::Regex;
use std::borrow::Cow;
use std::cell::OnceCell;
use std::collections::HashMap;
use std::sync::LazyLock;
use url::Url;

/// Characters of text before a number or address read as its label.
pub(super) const LABEL_CHARS: usize = 14;
/// A text block longer than this, or one with sentence punctuation, is prose: what it
/// contains is a mention, not a published channel.
pub(super) const PROSE_CHARS: usize = 120;

pub(super) static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)[a-z0-9][a-z0-9._%+\-]*\s?(?:@|＠|#|\(at\)|\[at\]|（at）|\{at\})\s?[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.(?:cn|com|net|org|gov|edu)(?:\.cn)?")
        .expect("valid regex")
});

/// Numbers in ASCII digits (as portals write them); every alternative has a run of at
/// least five digits, which [`email_and_number_marks`] checks first.
pub(super) static PHONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[（(]?0[0-9]{2,3}[)）]?\s?[-－—]?\s?[0-9]{7,8}|[2-9][0-9]{6,7}|1[3-9][0-9]{9}|123[0-9]{2}|96[0-9]{3,4}")
        .expect("valid regex")
});

/// One thing on a page that rules look at. Everything is borrowed from the page's
/// facts where it can be: a homepage has hundreds of elements and few findings.
#[derive(Default)]
pub(super) struct Element<'a> {
    pub(super) kind: ElementKind,
    pub(super) target: Option<&'a Url>,
    /// What the element says: link text/title/alt, image alt/title/caption/file name,
    /// form text, or the label before a number or address.
    pub(super) label: Label<'a>,
    /// The text around the element; see [`Element::context`].
    pub(super) context: &'a str,
    /// Characters of `context` that count (links: a snippet's worth of their block).
    pub(super) context_chars: usize,
    pub(super) attrs: &'a str,
    pub(super) value: Cow<'a, str>,
    pub(super) textarea: bool,
    /// `None` for an external script (whose path is just `script`).
    pub(super) path: Option<PathId>,
    pub(super) prose: bool,
    /// Where the element's name words come from (see [`Element::name_words`]): an image's
    /// source; for a link with no words of its own, its image's source and its target's
    /// path. Empty for everything else.
    pub(super) names: [&'a str; 2],
    /// Words from around the element that rules read only when its own words match no
    /// rule: an image's caption and what it borrows (see `extract::Image::borrowed`).
    pub(super) around: [&'a str; 2],
    /// (pages) a password input: the page is a login.
    pub(super) login: bool,
}

impl Element<'_> {
    pub(super) fn context(&self) -> &str {
        prefix_chars(self.context, self.context_chars)
    }

    /// `label` (the element's own label text) with the words around the element after
    /// it, in `buf`.
    pub(super) fn with_around<'s>(&self, label: &str, buf: &'s mut String) -> &'s str {
        buf.clear();
        buf.push_str(label);
        for a in self.around.iter().filter(|a| !a.is_empty()) {
            buf.push(' ');
            buf.push_str(a);
        }
        buf
    }

    /// Whether the element has words around it (see [`Element::around`]).
    pub(super) fn has_around(&self) -> bool {
        self.around.iter().any(|a| !a.is_empty())
    }

    /// The words of the element's names (`wb`, `qzxx`, `wsbsdt` …).
    pub(super) fn name_words(&self) -> Vec<String> {
        let mut out = Vec::new();
        for n in self.names.iter().filter(|n| !n.is_empty()) {
            for w in names::words(names::own_name(n)) {
                if !out.contains(&w) {
                    out.push(w);
                }
            }
        }
        out
    }
}

/// An element's label: pieces of the facts scanned as one text (joined by spaces), or
/// text made for it.
pub(super) enum Label<'a> {
    Parts([Cow<'a, str>; 4]),
    Made(String),
}

impl Default for Label<'_> {
    fn default() -> Self {
        Label::Made(String::new())
    }
}

impl Label<'_> {
    /// The label as one text, in `buf` when it has to be joined.
    pub(super) fn text<'s>(&'s self, buf: &'s mut String) -> &'s str {
        match self {
            Label::Made(s) => s,
            Label::Parts(parts) => {
                buf.clear();
                for (i, p) in parts.iter().enumerate() {
                    if i > 0 {
                        buf.push(' ');
                    }
                    buf.push_str(p);
                }
                buf
            }
        }
    }
}

pub(super) fn is_prose(text: &str) -> bool {
    text.chars().count() > PROSE_CHARS
        || text.contains('。')
        || text.contains('，') && text.chars().count() > 40
}

/// The file name of an image source, percent-decoded (`%E7%BD%91…png` → `网….png`):
/// portals name QR images and banners after what they show.
pub(super) fn file_name(src: &str) -> Cow<'_, str> {
    let path = src.split(['?', '#']).next().unwrap_or(src);
    let name = path.rsplit('/').next().unwrap_or(path);
    if !name.contains('%') {
        return Cow::Borrowed(name);
    }
    let b = name.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%'
            && let (Some(h), Some(l)) = (
                b.get(i + 1).copied().and_then(hex),
                b.get(i + 2).copied().and_then(hex),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

pub(super) fn joined(parts: &[&str]) -> String {
    let mut out = String::new();
    for p in parts.iter().filter(|p| !p.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(p);
    }
    out
}

/// All elements of a page.
pub(super) fn elements(page: &PageFacts) -> Vec<Element<'_>> {
    let mut out = Vec::with_capacity(page.links.len() + page.images.len() + 8);
    for l in &page.links {
        // A link whose only content is an image with no words: its file name speaks.
        let wordless = l.text.is_empty() && l.title.is_empty() && l.img_alt.is_empty();
        let img_name = if wordless && !l.img_src.is_empty() {
            file_name(&l.img_src)
        } else {
            Cow::Borrowed("")
        };
        let names = if wordless {
            [l.img_src.as_str(), l.url.as_ref().map_or("", Url::path)]
        } else {
            ["", ""]
        };
        out.push(Element {
            kind: ElementKind::Link,
            target: l.url.as_ref(),
            value: if l.text.is_empty() {
                Cow::Owned(joined(&[&l.title, &l.img_alt, &img_name]))
            } else {
                Cow::Borrowed(&l.text)
            },
            label: Label::Parts([
                Cow::Borrowed(&l.text),
                Cow::Borrowed(&l.title),
                Cow::Borrowed(&l.img_alt),
                img_name,
            ]),
            context: page.link_context_full(l),
            context_chars: SNIPPET_CHARS,
            attrs: &l.attrs,
            path: Some(l.path),
            names,
            ..Element::default()
        });
    }
    for i in &page.images {
        // An image in a link is judged by where the link goes (whose app, whose account).
        let target = i
            .in_link
            .and_then(|k| page.links.get(k))
            .and_then(|l| l.url.as_ref())
            .or(i.url.as_ref());
        out.push(Element {
            kind: ElementKind::Image,
            target,
            label: Label::Parts([
                Cow::Borrowed(&i.alt),
                Cow::Borrowed(&i.title),
                file_name(&i.src),
                Cow::Borrowed(""),
            ]),
            context: &i.caption,
            context_chars: usize::MAX,
            attrs: &i.attrs,
            value: Cow::Owned(joined(&[&i.alt, &i.title, &i.caption])),
            path: Some(i.path),
            names: [&i.src, ""],
            around: [&i.caption, &i.borrowed],
            ..Element::default()
        });
    }
    for s in &page.scripts {
        out.push(Element {
            kind: ElementKind::Script,
            target: Some(s),
            label: Label::Made(String::new()),
            context: "",
            context_chars: usize::MAX,
            attrs: "",
            value: Cow::Borrowed(""),
            path: None,
            ..Element::default()
        });
    }
    for f in &page.forms {
        out.push(Element {
            kind: ElementKind::Form,
            target: f.action.as_ref(),
            label: Label::Parts([
                Cow::Borrowed(&f.text),
                Cow::Borrowed(&f.submit_label),
                Cow::Borrowed(""),
                Cow::Borrowed(""),
            ]),
            context: &f.text,
            context_chars: usize::MAX,
            attrs: "",
            value: Cow::Borrowed(&f.submit_label),
            textarea: f.has_textarea,
            path: Some(f.path),
            ..Element::default()
        });
    }
    // Read only when a block holds a number.
    let headlines = OnceCell::new();
    for bi in 0..page.blocks.len() {
        block_elements(page, bi, &headlines, &mut out);
    }
    out.extend(page_element(page));
    out
}

/// Characters a part of a title, or a heading, may have to say what the page is (市长信箱,
/// 网上办事大厅), not what an article is about.
const PAGE_NAME_CHARS: usize = 12;

/// The page itself as an element, when it has a text area or a login.
fn page_element(page: &PageFacts) -> Option<Element<'_>> {
    if page.textareas == 0 && page.password_inputs == 0 {
        return None;
    }
    let label = page_label(page);
    Some(Element {
        kind: ElementKind::Page,
        target: page.base.as_ref(),
        value: Cow::Owned(label.clone()),
        label: Label::Made(label),
        context: &page.title,
        context_chars: SNIPPET_CHARS,
        attrs: "",
        textarea: page.textareas > 0,
        path: None,
        login: page.password_inputs > 0,
        ..Element::default()
    })
}

/// The texts of a page's breadcrumb blocks (`当前位置：首页 > 互动交流 > 在线咨询`).
pub(super) fn breadcrumbs(page: &PageFacts) -> impl Iterator<Item = &str> {
    page.blocks
        .iter()
        .filter(|b| {
            (b.text.contains("位置")
                && (b.text.contains("当前位置")
                    || b.text.contains("您的位置")
                    || b.text.contains("所在位置")))
                || ["crumb", "position", "location", "dqwz", "weizhi"]
                    .iter()
                    .any(|k| b.attrs.contains(k))
        })
        .map(|b| b.text.as_str())
}

/// What a page says it is: the short parts of its title (`市长信箱-甲市人民政府`), its
/// short headings, and the last step of its breadcrumb (`首页 > 互动交流 > 在线咨询`).
fn page_label(page: &PageFacts) -> String {
    let crumb = breadcrumbs(page).next().and_then(|c| {
        c.rsplit(['>', '»', '〉', '›', '＞'])
            .map(str::trim)
            .find(|s| !s.is_empty())
    });
    let parts = page
        .title
        .split(['_', '-', '|', '—', '–', '－', '·', ':', '：'])
        .chain(page.headings.iter().map(String::as_str))
        .chain(crumb)
        .map(str::trim)
        .filter(|p| !p.is_empty() && p.chars().count() <= PAGE_NAME_CHARS);
    let mut out = String::new();
    for p in parts {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(p);
    }
    out
}

/// The texts of links to pages (not `tel:`) that hold a run of five digits, by the block
/// they sit in: a number in such a text is the link's words (`领导现场接听12345热线`, a
/// headline), judged by the link rules, never a number the block publishes.
fn numbered_headlines(page: &PageFacts) -> HashMap<usize, Vec<&str>> {
    let mut out: HashMap<usize, Vec<&str>> = HashMap::new();
    for l in &page.links {
        let Around::Block(b) = l.context else {
            continue;
        };
        let web = l
            .url
            .as_ref()
            .is_some_and(|u| matches!(u.scheme(), "http" | "https"));
        let digits = l
            .text
            .as_bytes()
            .split(|c| !c.is_ascii_digit())
            .any(|run| run.len() >= 5);
        if web && digits {
            out.entry(b).or_default().push(&l.text);
        }
    }
    out
}

/// Whether the match at `start..end` of `text` is part of an e-mail address, a host name
/// or a URL (`webmaster@city12345.gov.cn`, `www.12345.gov.cn`): its run of ASCII
/// characters holds an `@`, a `://`, or a dot followed by a letter.
pub(super) fn in_address(text: &str, start: usize, end: usize) -> bool {
    let is_run = |c: char| c.is_ascii() && !c.is_ascii_whitespace();
    let from = text[..start]
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_run(*c))
        .last()
        .map_or(start, |(i, _)| i);
    let to = text[end..]
        .char_indices()
        .find(|(_, c)| !is_run(*c))
        .map_or(text.len(), |(i, _)| end + i);
    let run = &text[from..to];
    run.contains('@')
        || run.contains("://")
        || run
            .as_bytes()
            .windows(2)
            .any(|w| w[0] == b'.' && w[1].is_ascii_alphabetic())
}

/// The e-mail addresses and phone numbers of a text block, each with the label before it.
fn block_elements<'a>(
    page: &'a PageFacts,
    bi: usize,
    headlines: &OnceCell<HashMap<usize, Vec<&'a str>>>,
    out: &mut Vec<Element<'a>>,
) {
    let b = &page.blocks[bi];
    let (maybe_email, maybe_phone) = email_and_number_marks(&b.text);
    if !maybe_email && !maybe_phone {
        return;
    }
    // A number alone in its block takes its label from a short block right before it
    // (`<div>公积金服务热线<div>12329</div></div>`, `<dt>咨询电话</dt><dd>…</dd>`).
    let previous = bi
        .checked_sub(1)
        .map(|p| page.blocks[p].text.as_str())
        .filter(|t| t.chars().count() <= LABEL_CHARS)
        .unwrap_or("");
    let prose = is_prose(&b.text);
    // A number or address right after a `label：` is a listing (a footer line that
    // also holds commas), whatever the rest of the block reads like.
    let listed = |start: usize| {
        b.text[..start]
            .trim_end_matches(|c: char| c.is_ascii_digit() || "-－—()（） ".contains(c))
            .ends_with(['：', ':'])
    };
    let label_before = |start: usize| {
        let before = &b.text[..start];
        let before = if before.trim().is_empty() {
            previous
        } else {
            before
        };
        let chars: Vec<char> = before.chars().collect();
        let from = chars.len().saturating_sub(LABEL_CHARS);
        chars[from..].iter().collect::<String>()
    };
    for m in EMAIL
        .find_iter(if maybe_email { &b.text } else { "" })
        .take(20)
    {
        out.push(Element {
            kind: ElementKind::Email,
            target: None,
            label: Label::Made(label_before(m.start())),
            context: &b.text,
            context_chars: usize::MAX,
            attrs: &b.attrs,
            value: Cow::Borrowed(m.as_str()),
            path: Some(b.path),
            prose: prose && !listed(m.start()),
            ..Element::default()
        });
    }
    for m in PHONE
        .find_iter(if maybe_phone { &b.text } else { "" })
        .take(20)
    {
        let bytes = b.text.as_bytes();
        let digit_before = m.start() > 0 && bytes[m.start() - 1].is_ascii_digit();
        let digit_after = bytes.get(m.end()).is_some_and(u8::is_ascii_digit);
        if digit_before || digit_after {
            continue; // part of a longer number (a date, an id)
        }
        if is_bare_code(&b.text, m.start(), m.as_str(), page.paths.tag(b.path))
            || in_address(&b.text, m.start(), m.end())
        {
            continue;
        }
        let in_headline = headlines
            .get_or_init(|| numbered_headlines(page))
            .get(&bi)
            .is_some_and(|ts| ts.iter().any(|t| t.contains(m.as_str().trim())));
        out.push(Element {
            kind: ElementKind::Phone,
            target: None,
            label: Label::Made(label_before(m.start())),
            context: &b.text,
            context_chars: usize::MAX,
            attrs: &b.attrs,
            value: Cow::Borrowed(m.as_str().trim()),
            path: Some(b.path),
            prose: in_headline || prose && !listed(m.start()),
            ..Element::default()
        });
    }
}

/// Whether a five-digit match is no line at all: a serial after a year or other
/// number (`2024-12345`, where an area code would start with 0), or the whole content
/// of a table cell (a row number in a long register).
pub(super) fn is_bare_code(text: &str, start: usize, number: &str, tag: &str) -> bool {
    if number.len() != 5 {
        return false;
    }
    let before = text[..start].trim_end_matches(['-', '－', '—']);
    let after_dash = before.len() < start;
    let run: String = before
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .collect();
    // `run` is reversed: an area code's leading 0 is its last character.
    (after_dash && !run.is_empty() && !run.ends_with('0'))
        || (matches!(tag, "td" | "th") && text.trim() == number)
}

/// An obfuscated address written plainly (`zx#x.gov.cn` → `zx@x.gov.cn`).
pub(crate) fn normalize_email(s: &str) -> String {
    let mut out = s.replace(char::is_whitespace, "");
    for pat in ["＠", "#", "(at)", "[at]", "（at）", "{at}", "(AT)", "[AT]"] {
        out = out.replace(pat, "@");
    }
    out
}
