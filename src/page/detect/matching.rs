//! Whether one compiled [`Matcher`] (a rule's or a veto's conditions) holds for one
//! [`Element`].

use super::elements::Element;
use super::rules::{Mask, Matcher, RuleSet};
use std::borrow::Cow;
use url::Url;

/// Keyword and host-pattern scans of one element, each done at most once.
pub(super) struct Scanned {
    pub(super) label: Mask,
    pub(super) context: Option<Mask>,
    pub(super) host: Option<Mask>,
    /// The words of the element's names ([`Element::names`]).
    pub(super) words: Option<Vec<String>>,
}

impl Scanned {
    /// A new scan of an element whose label scanned as `label`.
    pub(super) fn new(label: Mask) -> Scanned {
        Scanned {
            label,
            context: None,
            host: None,
            words: None,
        }
    }
}

/// Whether a word is a label of `host`: the label itself, its end after a place prefix
/// (`sczwfw`, `cdxinfang`), or its start before a digit or a hyphen (`12345-x`).
pub(super) fn host_has_word(host: &str, word: &str) -> bool {
    host.split('.').any(|label| {
        label == word
            || label.ends_with(word)
            || label
                .strip_prefix(word)
                .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit() || c == '-'))
    })
}

fn host_matches(host: &str, patterns: &[String]) -> bool {
    patterns.iter().any(|p| {
        host == p
            || host
                .strip_suffix(p.as_str())
                .is_some_and(|h| h.ends_with('.'))
    })
}

/// The cheap parts of [`matches`] alone, inlined into the rule loop: the keywords, and
/// whether the element has a name or a target the rule needs. Most rules fail them, and
/// then the full check is not called.
#[inline(always)]
pub(super) fn label_may_match(m: &Matcher, el: &Element<'_>, label: &Mask) -> bool {
    m.text_any.as_ref().is_none_or(|any| any.meets(label))
        && m.label_any.as_ref().is_none_or(|any| any.meets(label))
        && (m.name_any.is_empty() || el.names.iter().any(|n| !n.is_empty()))
        && (el.target.is_some() || !m.needs_target())
}

pub(super) fn matches(
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
        if !m.target_host_word.is_empty()
            && !m.target_host_word.iter().any(|w| host_has_word(&host, w))
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
    if !m.name_any.is_empty() {
        let words = scanned.words.get_or_insert_with(|| el.name_words());
        if !words.iter().any(|w| m.name_any.contains(w)) {
            return false;
        }
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
    if let Some(want) = m.web_target
        && want
            != el
                .target
                .is_some_and(|t| matches!(t.scheme(), "http" | "https"))
    {
        return false;
    }
    if let Some(want) = m.login
        && want != el.login
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

/// Whether a phone number is the service number `service` (12345), alone or after an
/// area code (0571-12345, (86-574)12329), not merely a longer number containing those
/// digits.
pub(super) fn is_service_number(number: &str, service: &str) -> bool {
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

    #[test]
    fn place_names_in_hosts_are_not_channel_words() {
        assert!(host_has_word("www.sczwfw.gov.cn", "zwfw"));
        assert!(host_has_word("zwfw.hangzhou.gov.cn", "zwfw"));
        assert!(host_has_word("www.cdxinfang.gov.cn", "xinfang"));
        assert!(host_has_word("liuyan.x.gov.cn", "liuyan"));
        assert!(
            !host_has_word("www.liuyang.gov.cn", "liuyan"),
            "浏阳 is not 留言"
        );
        assert!(!host_has_word("www.hdjlz.gov.cn", "hdjl"));
    }
}
