//! Applying a [`RuleSet`] to a page's facts: the pure detection function.

use super::elements::{Element, breadcrumbs, elements, normalize_email};
use super::matching::{Scanned, label_may_match, matches};
use super::owner::Owner;
use super::rules::{ElementKind, Rule, RuleSet, VetoAction};
use super::{Detector, Finding, PageContext};
use crate::model::scope::registrable_domain;
use crate::model::{ChannelId, Channels, Sector, Strength};
use crate::page::extract::{PageFacts, SNIPPET_CHARS, squash, truncate_chars};
use std::cell::OnceCell;
use std::collections::HashSet;
use url::Url;

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
    fn channels(&self) -> &Channels {
        &self.rules.channels
    }
    fn rule_set(&self) -> Option<&RuleSet> {
        Some(&self.rules)
    }
    fn version(&self) -> String {
        self.rules.version.clone()
    }
    fn sha256(&self) -> String {
        self.rules.sha256.clone()
    }
}

/// The sectors a portal page belongs to besides `general`, by URL path segment, title
/// or breadcrumb.
pub(crate) fn page_sectors(rules: &RuleSet, page: &PageFacts, url: &Url) -> Vec<Sector> {
    let segments: Vec<String> = url
        .path_segments()
        .map(|s| s.map(str::to_ascii_lowercase).collect())
        .unwrap_or_default();
    let crumbs: String = breadcrumbs(page).take(3).collect::<Vec<_>>().join(" ");
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

/// The rules that match an element scanned as `scanned`.
fn rule_hits<'r>(
    rules: &'r RuleSet,
    el: &Element<'_>,
    scanned: &mut Scanned,
    own: &dyn Fn(Option<&Url>) -> bool,
    other_place: &dyn Fn() -> bool,
) -> Vec<&'r Rule> {
    rules
        .rules
        .iter()
        .filter(|rule| {
            rule.when.element == Some(el.kind)
                && label_may_match(&rule.when, el, &scanned.label)
                && matches(&rule.when, el, scanned, rules, own, other_place)
        })
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
    // Whose page it is, read only when a label names a place.
    let owner = OnceCell::new();
    let owner = || owner.get_or_init(|| Owner::of(page, ctx));
    let mut found: Vec<Finding> = Vec::new();
    let mut seen: HashSet<(ChannelId, String, String)> = HashSet::new();
    let mut label_buf = String::new();
    let mut full_buf = String::new();
    for el in elements(page) {
        let label_text = el.label.text(&mut label_buf);
        let mut scanned = Scanned::new(rules.scan(label_text));
        // Vetoes and places read everything the element is shown with.
        let full_text = if el.has_around() {
            el.with_around(label_text, &mut full_buf)
        } else {
            label_text
        };
        // The label names a province (or other place) that is not the owner's, and the
        // target is not an account named for the owner's host (`weibo.com/cqgov`).
        let other_place = || {
            rules
                .places
                .iter()
                .any(|p| full_text.contains(p.as_str()) && !owner().is_named(p))
                && !el.target.is_some_and(|t| {
                    let first = t.path().trim_start_matches('/').split('/').next();
                    first.is_some_and(|a| owner().owns_account(a))
                })
        };
        let mut hits = rule_hits(rules, &el, &mut scanned, &own, &other_place);
        // An element's own words first: the words around it (an image's caption, the
        // entry of its pop-up box) only when its own name no channel, so a neighbour's
        // 官方微博 never overrides an image that says it is the 快手号.
        let mut full = el.has_around().then(|| Scanned::new(rules.scan(full_text)));
        if hits.is_empty()
            && let Some(full) = full.as_mut()
        {
            hits = rule_hits(rules, &el, full, &own, &other_place);
        }
        if hits.is_empty() {
            continue;
        }
        // The strongest rule per channel for this element.
        hits.sort_by(|a, b| (&a.channel, a.strength).cmp(&(&b.channel, b.strength)));
        hits.dedup_by(|a, b| a.channel == b.channel);
        for rule in hits {
            let mut strength = rule.strength;
            let mut rule_id = rule.id.clone();
            let mut dropped = false;
            for v in &rules.vetoes {
                if !v.channels.is_empty() && !v.channels.contains(&rule.channel) {
                    continue;
                }
                let seen_as = full.as_mut().unwrap_or(&mut scanned);
                if matches(&v.when, &el, seen_as, rules, &own, &other_place) {
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
            if !seen.insert((rule.channel.clone(), rule_id.clone(), target.clone())) {
                continue;
            }
            let text = match el.kind {
                ElementKind::Phone | ElementKind::Email => {
                    format!("{} {}", label_text.trim(), el.value)
                }
                _ => el.value.to_string(),
            };
            let account = match (el.target, strength.counts()) {
                (Some(t), true) => rules.account(&rule.channel, t),
                _ => None,
            };
            found.push(Finding {
                account,
                channel: rule.channel.clone(),
                sector: ctx.sector,
                strength,
                rule: rule_id,
                target,
                text: truncate_chars(&squash(&text), SNIPPET_CHARS),
                snippet: truncate_chars(&squash(el.context()), SNIPPET_CHARS),
                path: match (el.path, el.kind) {
                    (Some(p), _) => page.path(p),
                    (None, ElementKind::Page) => "html".to_string(),
                    (None, _) => "script".to_string(),
                },
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

#[cfg(test)]
mod rule_kinds {
    //! One test per kind of rule and veto, on minimal pages.
    use super::*;
    use crate::page::extract::extract;

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

    fn strongest(fs: &[Finding], ch: &str) -> Option<(Strength, String)> {
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
            strongest(&fs, "weibo").unwrap(),
            (Strength::Strong, "weibo.account-link".into())
        );
        assert_eq!(strongest(&fs, "app").unwrap().0, Strength::Strong);
    }

    #[test]
    fn script_widgets_count() {
        let fs = run(
            r#"<script src="https://widget.weibo.com/weiboshow/index.php?uid=1"></script>"#,
            URL,
            Sector::General,
        );
        assert_eq!(strongest(&fs, "weibo").unwrap().1, "weibo.widget");
    }

    #[test]
    fn labelled_entries_are_medium_and_need_a_short_own_label() {
        let fs = run(r#"<a href="/xmt/">微博</a>"#, URL, Sector::General);
        assert_eq!(
            strongest(&fs, "weibo").unwrap(),
            (Strength::Medium, "weibo.labelled-entry".into())
        );
        let fs = run(
            r#"<a href="http://www.other.com/">微博</a>"#,
            URL,
            Sector::General,
        );
        assert!(strongest(&fs, "weibo").is_none(), "not the owner's page");
        let fs = run(
            r#"<a href="/a.html">关于加强政务微博管理工作的通知，请各单位认真贯彻</a>"#,
            URL,
            Sector::General,
        );
        assert!(strongest(&fs, "weibo").is_none(), "a headline is no label");
    }

    #[test]
    fn image_captions_and_file_names() {
        let fs = run(
            r#"<div><img src="/i/zwwx.png"><p>扫一扫</p></div>"#,
            URL,
            Sector::General,
        );
        assert_eq!(strongest(&fs, "wechat").unwrap().1, "wechat.labelled-qr");
        let fs = run(
            r#"<div><img src="/i/qr.png"><p>关注政务微信</p></div>"#,
            URL,
            Sector::General,
        );
        assert!(strongest(&fs, "wechat").is_some());
    }

    #[test]
    fn forms_with_a_text_area() {
        let fs = run(
            r#"<form action="/save"><label>留言内容</label><textarea></textarea></form>"#,
            URL,
            Sector::General,
        );
        assert_eq!(
            strongest(&fs, "consultation").unwrap(),
            (Strength::Strong, "consultation.form".into())
        );
        let fs = run(
            r#"<form action="/search"><input name="q"><input type="submit" value="搜索"></form>"#,
            URL,
            Sector::General,
        );
        assert!(strongest(&fs, "consultation").is_none());
    }

    #[test]
    fn phones_and_addresses_in_text() {
        let fs = run(
            "<p>服务热线：0571-12345</p><p>电子邮箱：zx#jia.gov.cn</p>",
            URL,
            Sector::General,
        );
        assert_eq!(strongest(&fs, "hotline").unwrap().0, Strength::Strong);
        let email = fs.iter().find(|f| f.channel == "email").unwrap();
        assert_eq!(email.target, "mailto:zx@jia.gov.cn");
    }

    #[test]
    fn drop_vetoes() {
        let share = r#"<div class="bdsharebuttonbox"><a class="bds_tsina" data-cmd="tsina" title="分享到新浪微博" href="https://weibo.com/share"></a></div>"#;
        assert!(run(share, URL, Sector::General).is_empty());
        let webmaster = "<p>网站联系电话：0571-87001234</p>";
        assert!(strongest(&run(webmaster, URL, Sector::General), "hotline").is_none());
        let webmail = r#"<a href="mailto:x@jia.gov.cn">邮箱</a><a href="https://mail.jia.gov.cn/">政务邮箱</a>"#;
        assert_eq!(
            run(webmail, URL, Sector::General)
                .iter()
                .filter(|f| f.channel == "email")
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
        let (s, rule) = strongest(&fs, "weibo").unwrap();
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
        let (s, rule) = strongest(&fs, "hotline").unwrap();
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
            .filter(|f| f.channel == "weibo")
            .map(|f| f.sector)
            .collect();
        assert_eq!(sectors, [Sector::General, Sector::Education]);
    }
}
