//! Applying a [`RuleSet`] to a page's facts: the pure detection function.

use super::rules::{ElementKind, Mask, Matcher, RuleSet, VetoAction};
use super::{Detector, Finding, PageContext};
use crate::extract::marks::email_and_number_marks;
use crate::extract::{PageFacts, PathId, SNIPPET_CHARS, prefix_chars, squash, truncate_chars};
use crate::model::{Sector, Strength};
use crate::scope::registrable_domain;
use regex::Regex;
use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::LazyLock;
use url::Url;

/// Characters of text before a number or address read as its label.
const LABEL_CHARS: usize = 14;
/// A text block longer than this, or one with sentence punctuation, is prose: what it
/// contains is a mention, not a published channel.
const PROSE_CHARS: usize = 120;

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)[a-z0-9][a-z0-9._%+\-]*\s?(?:@|＠|#|\(at\)|\[at\]|（at）|\{at\})\s?[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.(?:cn|com|net|org|gov|edu)(?:\.cn)?")
        .expect("valid regex")
});

/// Numbers in ASCII digits (as portals write them); every alternative has a run of at
/// least five digits, which [`email_and_number_marks`] checks first.
static PHONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[（(]?0[0-9]{2,3}[)）]?\s?[-－—]?\s?[0-9]{7,8}|[2-9][0-9]{6,7}|1[3-9][0-9]{9}|123[0-9]{2}|96[0-9]{3,4}")
        .expect("valid regex")
});

/// One thing on a page that rules look at. Everything is borrowed from the page's
/// facts where it can be: a homepage has hundreds of elements and few findings.
struct Element<'a> {
    kind: ElementKind,
    target: Option<&'a Url>,
    /// What the element says: link text/title/alt, image alt/title/caption/file name,
    /// form text, or the label before a number or address.
    label: Label<'a>,
    /// The text around the element; see [`Element::context`].
    context: &'a str,
    /// Characters of `context` that count (links: a snippet's worth of their block).
    context_chars: usize,
    attrs: &'a str,
    value: Cow<'a, str>,
    textarea: bool,
    /// `None` for an external script (whose path is just `script`).
    path: Option<PathId>,
    prose: bool,
}

impl Element<'_> {
    fn context(&self) -> &str {
        prefix_chars(self.context, self.context_chars)
    }
}

/// An element's label: pieces of the facts scanned as one text (joined by spaces), or
/// text made for it.
enum Label<'a> {
    Parts([Cow<'a, str>; 4]),
    Made(String),
}

impl Label<'_> {
    /// The label as one text, in `buf` when it has to be joined.
    fn text<'s>(&'s self, buf: &'s mut String) -> &'s str {
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

/// Detection by declarative rules: the production [`Detector`].
#[derive(Debug, Clone)]
pub struct RulesDetector {
    pub rules: RuleSet,
}

impl RulesDetector {
    pub fn new(rules: RuleSet) -> Self {
        RulesDetector { rules }
    }

    /// The detector with the built-in rules.
    pub fn builtin() -> Self {
        RulesDetector::new(RuleSet::builtin())
    }
}

impl Detector for RulesDetector {
    fn detect(&self, page: &PageFacts, ctx: &PageContext<'_>) -> Vec<Finding> {
        detect(&self.rules, page, ctx)
    }
    fn version(&self) -> String {
        self.rules.version.clone()
    }
    fn sha256(&self) -> String {
        self.rules.sha256.clone()
    }
}

fn is_prose(text: &str) -> bool {
    text.chars().count() > PROSE_CHARS
        || text.contains('。')
        || text.contains('，') && text.chars().count() > 40
}

/// The file name of an image source, percent-decoded (`%E7%BD%91…png` → `网….png`):
/// portals name QR images and banners after what they show.
fn file_name(src: &str) -> Cow<'_, str> {
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

fn joined(parts: &[&str]) -> String {
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
fn elements(page: &PageFacts) -> Vec<Element<'_>> {
    let mut out = Vec::with_capacity(page.links.len() + page.images.len() + 8);
    for l in &page.links {
        // A link whose only content is an image with no words: its file name speaks.
        let img_name = if l.text.is_empty()
            && l.title.is_empty()
            && l.img_alt.is_empty()
            && !l.img_src.is_empty()
        {
            file_name(&l.img_src)
        } else {
            Cow::Borrowed("")
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
            textarea: false,
            path: Some(l.path),
            prose: false,
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
                Cow::Borrowed(&i.caption),
                file_name(&i.src),
            ]),
            context: &i.caption,
            context_chars: usize::MAX,
            attrs: &i.attrs,
            value: Cow::Owned(joined(&[&i.alt, &i.title, &i.caption])),
            textarea: false,
            path: Some(i.path),
            prose: false,
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
            textarea: false,
            path: None,
            prose: false,
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
            prose: false,
        });
    }
    for b in &page.blocks {
        let (maybe_email, maybe_phone) = email_and_number_marks(&b.text);
        if !maybe_email && !maybe_phone {
            continue;
        }
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
                textarea: false,
                path: Some(b.path),
                prose: prose && !listed(m.start()),
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
            if is_bare_code(&b.text, m.start(), m.as_str(), page.paths.tag(b.path)) {
                continue;
            }
            out.push(Element {
                kind: ElementKind::Phone,
                target: None,
                label: Label::Made(label_before(m.start())),
                context: &b.text,
                context_chars: usize::MAX,
                attrs: &b.attrs,
                value: Cow::Borrowed(m.as_str().trim()),
                textarea: false,
                path: Some(b.path),
                prose: prose && !listed(m.start()),
            });
        }
    }
    out
}

/// Keyword and host-pattern scans of one element, each done at most once.
struct Scanned {
    label: Mask,
    context: Option<Mask>,
    host: Option<Mask>,
}

fn host_matches(host: &str, patterns: &[String]) -> bool {
    patterns.iter().any(|p| {
        host == p
            || host
                .strip_suffix(p.as_str())
                .is_some_and(|h| h.ends_with('.'))
    })
}

/// The keyword part of [`matches`] alone, inlined into the rule loop: most rules fail
/// it, and then the full check is not called.
#[inline(always)]
fn label_may_match(m: &Matcher, label: &Mask) -> bool {
    m.text_any.as_ref().is_none_or(|any| any.meets(label))
        && m.label_any.as_ref().is_none_or(|any| any.meets(label))
}

fn matches(
    m: &Matcher,
    el: &Element<'_>,
    scanned: &mut Scanned,
    rules: &RuleSet,
    own: &dyn Fn(Option<&Url>) -> bool,
    other_place: &dyn Fn() -> bool,
) -> bool {
    if let Some(kind) = m.element
        && kind != el.kind
    {
        return false;
    }
    // Keyword masks first: they are bit tests, and most elements fail them.
    for (any, none) in [(&m.text_any, &m.text_none), (&m.label_any, &m.label_none)] {
        if let Some(any) = any
            && !any.meets(&scanned.label)
        {
            return false;
        }
        if let Some(none) = none
            && none.meets(&scanned.label)
        {
            return false;
        }
    }
    if m.needs_target() {
        let Some(t) = el.target else { return false };
        let host = t.host_str().unwrap_or_default();
        // Hosts of http(s) URLs are lower-case already; other schemes may not be.
        let host: Cow<'_, str> = if host.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(host.to_ascii_lowercase())
        } else {
            Cow::Borrowed(host)
        };
        if let Some(any) = &m.host_any
            && !any.meets(scanned.host.get_or_insert_with(|| rules.scan_host(&host)))
        {
            return false;
        }
        if !m.target_host.is_empty() && !host_matches(&host, &m.target_host) {
            return false;
        }
        if !m.target_host_contains.is_empty()
            && !m
                .target_host_contains
                .iter()
                .any(|p| host.contains(p.as_str()))
        {
            return false;
        }
        if !m.target_host_prefix.is_empty()
            && !m
                .target_host_prefix
                .iter()
                .any(|p| host.starts_with(p.as_str()))
        {
            return false;
        }
        if let Some(re) = &m.target_path
            && !re.is_match(&t[url::Position::BeforePath..url::Position::AfterQuery])
        {
            return false;
        }
        if let Some(s) = &m.scheme
            && t.scheme() != s
        {
            return false;
        }
    }
    if let Some(ctx) = &m.context_any {
        let c = scanned
            .context
            .get_or_insert_with(|| rules.scan(el.context()));
        if !ctx.meets(c) {
            return false;
        }
    }
    if !m.attrs_any.is_empty() && !m.attrs_any.iter().any(|a| el.attrs.contains(a.as_str())) {
        return false;
    }
    if !m.number_any.is_empty() && !m.number_any.iter().any(|n| is_service_number(&el.value, n)) {
        return false;
    }
    if let Some(max) = m.max_label_chars
        && (el.value.chars().count() > max || el.value.contains(['，', '。', '；', '！', '？']))
    {
        return false;
    }
    if let Some(want) = m.textarea
        && want != el.textarea
    {
        return false;
    }
    if let Some(want) = m.own_target
        && want != own(el.target)
    {
        return false;
    }
    if let Some(want) = m.other_place
        && want != other_place()
    {
        return false;
    }
    true
}

/// The sectors a portal page belongs to besides `general`, by URL path segment, title
/// or breadcrumb.
pub fn page_sectors(rules: &RuleSet, page: &PageFacts, url: &Url) -> Vec<Sector> {
    let segments: Vec<String> = url
        .path_segments()
        .map(|s| s.map(str::to_ascii_lowercase).collect())
        .unwrap_or_default();
    let crumbs: String = page
        .blocks
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
        .take(3)
        .collect::<Vec<_>>()
        .join(" ");
    rules
        .sectors
        .iter()
        .filter(|s| {
            segments.iter().any(|seg| s.path.iter().any(|p| p == seg))
                || s.keywords
                    .iter()
                    .any(|k| page.title.contains(k.as_str()) || crumbs.contains(k.as_str()))
        })
        .map(|s| s.sector)
        .collect()
}

/// Runs every rule and veto over every element of the page.
pub fn detect(rules: &RuleSet, page: &PageFacts, ctx: &PageContext<'_>) -> Vec<Finding> {
    let page_domain = registrable_domain(ctx.page_url.host_str().unwrap_or_default());
    let own = |t: Option<&Url>| match t {
        None => true,
        Some(u) if !matches!(u.scheme(), "http" | "https") => u.scheme() == "javascript",
        Some(u) => {
            let d = registrable_domain(u.host_str().unwrap_or_default());
            d == page_domain || ctx.own_domains.contains(&d)
        }
    };
    let mut found: Vec<Finding> = Vec::new();
    let mut seen: HashSet<(crate::model::Channel, String, String)> = HashSet::new();
    let mut label_buf = String::new();
    for el in elements(page) {
        let label_text = el.label.text(&mut label_buf);
        let mut scanned = Scanned {
            label: rules.scan(label_text),
            context: None,
            host: None,
        };
        // The label names a province (or other place) that is not the owner's.
        let other_place = || {
            rules
                .places
                .iter()
                .any(|p| label_text.contains(p.as_str()) && !ctx.city_name.contains(p.as_str()))
        };
        let mut hits = Vec::new();
        for rule in &rules.rules {
            if rule.when.element == Some(el.kind)
                && label_may_match(&rule.when, &scanned.label)
                && matches(&rule.when, &el, &mut scanned, rules, &own, &other_place)
            {
                hits.push(rule);
            }
        }
        if hits.is_empty() {
            continue;
        }
        // The strongest rule per channel for this element.
        hits.sort_by_key(|r| (r.channel, r.strength));
        hits.dedup_by_key(|r| r.channel);
        for rule in hits {
            let mut strength = rule.strength;
            let mut rule_id = rule.id.clone();
            let mut dropped = false;
            for v in &rules.vetoes {
                if !v.channels.is_empty() && !v.channels.contains(&rule.channel) {
                    continue;
                }
                if matches(&v.when, &el, &mut scanned, rules, &own, &other_place) {
                    match v.action {
                        VetoAction::Drop => dropped = true,
                        VetoAction::Weak => {
                            strength = Strength::Weak;
                            rule_id = format!("{}+{}", rule.id, v.id);
                        }
                    }
                }
            }
            if dropped {
                continue;
            }
            if el.prose && strength != Strength::Weak {
                strength = Strength::Weak;
                rule_id = format!("{}+mention", rule.id);
            }
            let target = match (el.target, el.kind) {
                (Some(t), _) => t.to_string(),
                (None, ElementKind::Email) => format!("mailto:{}", normalize_email(&el.value)),
                (None, ElementKind::Phone) => {
                    format!("tel:{}", el.value.replace([' ', '(', ')', '（', '）'], ""))
                }
                (None, _) => String::new(),
            };
            if !seen.insert((rule.channel, rule_id.clone(), target.clone())) {
                continue;
            }
            let text = match el.kind {
                ElementKind::Phone | ElementKind::Email => {
                    format!("{} {}", label_text.trim(), el.value)
                }
                _ => el.value.to_string(),
            };
            found.push(Finding {
                channel: rule.channel,
                sector: ctx.sector,
                strength,
                rule: rule_id,
                target,
                text: truncate_chars(&squash(&text), SNIPPET_CHARS),
                snippet: truncate_chars(&squash(el.context()), SNIPPET_CHARS),
                path: el
                    .path
                    .map_or_else(|| "script".to_string(), |p| page.path(p)),
            });
        }
    }
    if ctx.sector == Sector::General {
        let extra = page_sectors(rules, page, ctx.page_url);
        let base = found.clone();
        for s in extra {
            found.extend(base.iter().cloned().map(|mut f| {
                f.sector = s;
                f
            }));
        }
    }
    found
}

/// Whether a five-digit match is no line at all: a serial after a year or other
/// number (`2024-12345`, where an area code would start with 0), or the whole content
/// of a table cell (a row number in a long register).
fn is_bare_code(text: &str, start: usize, number: &str, tag: &str) -> bool {
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

/// Whether a phone number is the service number `service` (12345), alone or after an
/// area code (0571-12345, (86-574)12329), not merely a longer number containing those
/// digits.
fn is_service_number(number: &str, service: &str) -> bool {
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    let Some(prefix) = digits.strip_suffix(service) else {
        return false;
    };
    if prefix.is_empty() {
        return true;
    }
    // A country code, then an area code of two or three digits (with or without its 0).
    let area = prefix
        .strip_prefix("0086")
        .or_else(|| prefix.strip_prefix("86").filter(|a| a.len() >= 2))
        .unwrap_or(prefix);
    let area = area.strip_prefix('0').unwrap_or(area);
    (2..=3).contains(&area.len())
}

/// An obfuscated address written plainly (`zx#x.gov.cn` → `zx@x.gov.cn`).
pub fn normalize_email(s: &str) -> String {
    let mut out = s.replace(char::is_whitespace, "");
    for pat in ["＠", "#", "(at)", "[at]", "（at）", "{at}", "(AT)", "[AT]"] {
        out = out.replace(pat, "@");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_numbers() {
        assert!(is_service_number("12345", "12345"));
        assert!(is_service_number("0571-12345", "12345"));
        assert!(is_service_number("（0571）12345", "12345"));
        assert!(is_service_number("(86-574)12329", "12329"));
        assert!(is_service_number("0574-12329", "12329"));
        assert!(is_service_number("010-12345", "12345"));
        assert!(!is_service_number("0612-81234567", "12345"));
        assert!(!is_service_number("0612-87712345", "12345"));
    }
}

#[cfg(test)]
mod rule_kinds {
    //! One test per kind of rule and veto, on minimal pages.
    use super::*;
    use crate::extract::extract;
    use crate::model::Channel;

    fn run(html: &str, url: &str, sector: Sector) -> Vec<Finding> {
        let url = Url::parse(url).unwrap();
        let facts = extract(html, Some(&url));
        let own = vec![registrable_domain(url.host_str().unwrap())];
        let ctx = PageContext {
            page_url: &url,
            sector,
            city_name: "甲市",
            own_domains: &own,
        };
        detect(&RuleSet::builtin(), &facts, &ctx)
    }

    fn strongest(fs: &[Finding], ch: Channel) -> Option<(Strength, String)> {
        fs.iter()
            .filter(|f| f.channel == ch)
            .min_by_key(|f| f.strength)
            .map(|f| (f.strength, f.rule.clone()))
    }

    const URL: &str = "http://www.jia.gov.cn/";

    #[test]
    fn target_host_rules_are_strong() {
        let fs = run(
            r#"<a href="https://weibo.com/jia">甲市发布</a><a href="https://apps.apple.com/cn/app/id1">下载</a>"#,
            URL,
            Sector::General,
        );
        assert_eq!(
            strongest(&fs, Channel::Weibo).unwrap(),
            (Strength::Strong, "weibo.account-link".into())
        );
        assert_eq!(strongest(&fs, Channel::App).unwrap().0, Strength::Strong);
    }

    #[test]
    fn script_widgets_count() {
        let fs = run(
            r#"<script src="https://widget.weibo.com/weiboshow/index.php?uid=1"></script>"#,
            URL,
            Sector::General,
        );
        assert_eq!(strongest(&fs, Channel::Weibo).unwrap().1, "weibo.widget");
    }

    #[test]
    fn labelled_entries_are_medium_and_need_a_short_own_label() {
        let fs = run(r#"<a href="/xmt/">微博</a>"#, URL, Sector::General);
        assert_eq!(
            strongest(&fs, Channel::Weibo).unwrap(),
            (Strength::Medium, "weibo.labelled-entry".into())
        );
        let fs = run(
            r#"<a href="http://www.other.com/">微博</a>"#,
            URL,
            Sector::General,
        );
        assert!(
            strongest(&fs, Channel::Weibo).is_none(),
            "not the owner's page"
        );
        let fs = run(
            r#"<a href="/a.html">关于加强政务微博管理工作的通知，请各单位认真贯彻</a>"#,
            URL,
            Sector::General,
        );
        assert!(
            strongest(&fs, Channel::Weibo).is_none(),
            "a headline is no label"
        );
    }

    #[test]
    fn image_captions_and_file_names() {
        let fs = run(
            r#"<div><img src="/i/zwwx.png"><p>扫一扫</p></div>"#,
            URL,
            Sector::General,
        );
        assert_eq!(
            strongest(&fs, Channel::Wechat).unwrap().1,
            "wechat.labelled-qr"
        );
        let fs = run(
            r#"<div><img src="/i/qr.png"><p>关注政务微信</p></div>"#,
            URL,
            Sector::General,
        );
        assert!(strongest(&fs, Channel::Wechat).is_some());
    }

    #[test]
    fn forms_with_a_text_area() {
        let fs = run(
            r#"<form action="/save"><label>留言内容</label><textarea></textarea></form>"#,
            URL,
            Sector::General,
        );
        assert_eq!(
            strongest(&fs, Channel::Consultation).unwrap(),
            (Strength::Strong, "consultation.form".into())
        );
        let fs = run(
            r#"<form action="/search"><input name="q"><input type="submit" value="搜索"></form>"#,
            URL,
            Sector::General,
        );
        assert!(strongest(&fs, Channel::Consultation).is_none());
    }

    #[test]
    fn phones_and_addresses_in_text() {
        let fs = run(
            "<p>服务热线：0571-12345</p><p>电子邮箱：zx#jia.gov.cn</p>",
            URL,
            Sector::General,
        );
        assert_eq!(
            strongest(&fs, Channel::Hotline).unwrap().0,
            Strength::Strong
        );
        let email = fs.iter().find(|f| f.channel == Channel::Email).unwrap();
        assert_eq!(email.target, "mailto:zx@jia.gov.cn");
    }

    #[test]
    fn drop_vetoes() {
        let share = r#"<div class="bdsharebuttonbox"><a class="bds_tsina" data-cmd="tsina" title="分享到新浪微博" href="https://weibo.com/share"></a></div>"#;
        assert!(run(share, URL, Sector::General).is_empty());
        let webmaster = "<p>网站联系电话：0571-87001234</p>";
        assert!(strongest(&run(webmaster, URL, Sector::General), Channel::Hotline).is_none());
        let webmail = r#"<a href="mailto:x@jia.gov.cn">邮箱</a><a href="https://mail.jia.gov.cn/">政务邮箱</a>"#;
        assert_eq!(
            run(webmail, URL, Sector::General)
                .iter()
                .filter(|f| f.channel == Channel::Email)
                .count(),
            1
        );
    }

    #[test]
    fn weak_vetoes_keep_other_governments_for_reviewers() {
        let fs = run(
            r#"<a href="https://weibo.com/chinagov">中国政府网微博</a>"#,
            URL,
            Sector::General,
        );
        let (s, rule) = strongest(&fs, Channel::Weibo).unwrap();
        assert_eq!(s, Strength::Weak);
        assert!(rule.contains("other-government"), "{rule}");
    }

    #[test]
    fn prose_mentions_are_weak() {
        let fs = run(
            "<p>市民可拨打12345市民服务热线反映问题，相关部门将及时处理。各单位要高度重视，认真做好来电办理工作。</p>",
            URL,
            Sector::Education,
        );
        let (s, rule) = strongest(&fs, Channel::Hotline).unwrap();
        assert_eq!(s, Strength::Weak);
        assert!(rule.ends_with("+mention"));
    }

    #[test]
    fn portal_pages_of_a_sector_section_count_for_both() {
        let fs = run(
            r#"<a href="https://weibo.com/jiajy">教育微博</a>"#,
            "http://www.jia.gov.cn/jyj/index.html",
            Sector::General,
        );
        let sectors: Vec<Sector> = fs
            .iter()
            .filter(|f| f.channel == Channel::Weibo)
            .map(|f| f.sector)
            .collect();
        assert_eq!(sectors, [Sector::General, Sector::Education]);
    }
}
