//! Finding a city's department sites on its portal: a pure function of a page's facts.
//!
//! Portals list their departments in 部门网站 / 网站群 dropdowns (`<option value>`s, which
//! extraction keeps as links), on 政府机构 / 机构设置 pages, in footer link blocks and image
//! maps. A link names a sector's department when its text holds one of the sector's
//! `names` (rules file, `[[sectors]]`); it is the *city's own* department when what comes
//! before the name is the city's name or 市 alone (not 省…, 国家…, a district's or a
//! county's, another city's), the name is no province-level 厅, and the target is under the
//! city's registrable domain, or on a gov.cn site when the text names the city. A department
//! site is its own host, or a top-level directory of the portal (`www.x.gov.cn/jyj/`).

use crate::model::Sector;
use crate::model::city::short_name;
use crate::model::scope::{Area, registrable_domain};
use crate::page::detect::rules::RuleSet;
use crate::page::extract::PageFacts;
use url::Url;

/// Links to pages that list departments fetched per city, at most.
pub(crate) const MAX_LISTING_PAGES: usize = 3;

/// Whose departments are being looked for.
#[derive(Debug, Clone)]
pub struct CityRef<'a> {
    /// 杭州市
    pub name: &'a str,
    /// Registrable domains of the city's sites.
    pub domains: &'a [String],
    /// The portal's start URL (never a department site itself).
    pub portal: &'a Url,
}

/// A department site found on a page, with the evidence for it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Discovered {
    pub sector: Sector,
    /// The site's start URL: its host root, or the portal directory it lives in.
    pub url: Url,
    /// The link text that named it.
    pub text: String,
    /// The page the link was on.
    pub page_url: String,
    /// `option`, `a`, `area` …: how the link was written.
    pub link_kind: String,
}

/// Why a link naming a department is not the city's (for tests and `seeds discover`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NotOwn {
    HigherLevel,
    LowerLevel,
    OtherPlace,
    Foreign,
    NotASite,
}

/// Judges one link: `Ok(sector, start URL)` when it is the city's department site.
pub(crate) fn judge(
    rules: &RuleSet,
    city: &CityRef<'_>,
    text: &str,
    target: &Url,
) -> Option<Result<(Sector, Url), NotOwn>> {
    let d = &rules.discovery;
    let hit = rules.department_names.find(text)?;
    let (sector, at) = (
        rules.department_sectors[hit.pattern().as_usize()],
        hit.start(),
    );
    if d.never.iter().any(|w| text.contains(w.as_str())) {
        return Some(Err(NotOwn::HigherLevel));
    }
    let short = short_name(city.name);
    let before = text[..at].trim();
    let named_city = before.contains(short);
    // What precedes the name once the city's own name (and a lone 市) is taken away.
    let rest = before
        .replace(city.name, "")
        .replace(short, "")
        .trim_start_matches(['市', ' '])
        .trim()
        .to_string();
    if d.higher.iter().any(|w| rest.contains(w.as_str())) {
        return Some(Err(NotOwn::HigherLevel));
    }
    if d.lower
        .iter()
        .any(|w| rest.ends_with(w.as_str()) || rest.contains(w.as_str()))
    {
        return Some(Err(NotOwn::LowerLevel));
    }
    if !rest.is_empty() && rest != "人民政府" {
        return Some(Err(NotOwn::OtherPlace));
    }
    if !matches!(target.scheme(), "http" | "https") {
        return Some(Err(NotOwn::Foreign));
    }
    let host = target.host_str().unwrap_or_default().to_ascii_lowercase();
    let domain = registrable_domain(&host);
    let own = city.domains.contains(&domain);
    // A gov.cn site of its own: named for the city in the text, or named for the sector
    // in its host (`www.hzwsjk.gov.cn` for 市卫生健康委) when the text names no other place.
    let gov_named =
        host.ends_with(".gov.cn") && (named_city || host_names_sector(rules, sector, &domain));
    if !(own || gov_named) {
        return Some(Err(NotOwn::Foreign));
    }
    let portal_host = city
        .portal
        .host_str()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let start = if host != portal_host {
        let mut u = target.clone();
        u.set_path("/");
        u.set_query(None);
        u
    } else {
        // A directory of the portal (`/jyj/`), not a column page about the bureau.
        let first = target
            .path_segments()
            .and_then(|mut s| s.next())
            .unwrap_or_default();
        let dir_like = !first.is_empty()
            && first.len() <= 12
            && first
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            && first.len() >= 2
            && !d
                .article_roots
                .iter()
                .any(|r| r.eq_ignore_ascii_case(first))
            && target.path_segments().is_some_and(|s| s.count() >= 1);
        if !dir_like || target.path() == "/" {
            return Some(Err(NotOwn::NotASite));
        }
        let mut u = target.clone();
        u.set_path(&format!("/{first}/"));
        u.set_query(None);
        u
    };
    Some(Ok((sector, start)))
}

/// Whether the first label of a gov.cn `domain` carries one of the sector's path words
/// (`hzwsjk` holds `wsjk`): a site named for the department.
fn host_names_sector(rules: &RuleSet, sector: Sector, domain: &str) -> bool {
    let label = domain.split('.').next().unwrap_or_default();
    rules
        .sectors
        .iter()
        .filter(|s| s.sector == sector)
        .flat_map(|s| &s.path)
        .any(|p| {
            p.len() >= 3 && p.bytes().all(|b| b.is_ascii_alphabetic()) && label.contains(p.as_str())
        })
}

/// The city's department sites a page names.
pub fn discover(
    rules: &RuleSet,
    page: &PageFacts,
    page_url: &Url,
    city: &CityRef<'_>,
) -> Vec<Discovered> {
    let mut out: Vec<Discovered> = Vec::new();
    for l in &page.links {
        let Some(target) = &l.url else { continue };
        let text = if l.text.is_empty() { &l.title } else { &l.text };
        if text.chars().count() > 30 {
            continue; // a headline, not a department's name
        }
        let Some(Ok((sector, url))) = judge(rules, city, text, target) else {
            continue;
        };
        add_unique(
            &mut out,
            Discovered {
                sector,
                url,
                text: text.clone(),
                page_url: page_url.to_string(),
                link_kind: l.kind.map_or("a", |k| k.as_str()).to_string(),
            },
        );
    }
    out
}

/// Adds `d` unless a site of the same sector and area is there already (the first
/// link naming a site is its evidence); whether it was added.
pub(crate) fn add_unique(found: &mut Vec<Discovered>, d: Discovered) -> bool {
    let area = Area::of_start(&d.url);
    if found
        .iter()
        .any(|x| x.sector == d.sector && Area::of_start(&x.url) == area)
    {
        return false;
    }
    found.push(d);
    true
}

/// Links on a page to the pages that list departments (政府机构, 部门网站 …), on the
/// city's own domains, at most [`MAX_LISTING_PAGES`].
pub(crate) fn listing_pages(rules: &RuleSet, page: &PageFacts, city: &CityRef<'_>) -> Vec<Url> {
    let mut out: Vec<Url> = Vec::new();
    for l in &page.links {
        let Some(u) = &l.url else { continue };
        // The link's own words, or an included frame's title (网站群 frames of links).
        let names = |t: &str| {
            t.chars().count() <= 12
                && rules
                    .discovery
                    .listing
                    .iter()
                    .any(|w| t.contains(w.as_str()))
        };
        if !matches!(u.scheme(), "http" | "https")
            || !(names(&l.text) || names(&l.title))
            || !city
                .domains
                .contains(&registrable_domain(u.host_str().unwrap_or_default()))
            || out.contains(u)
        {
            continue;
        }
        out.push(u.clone());
        if out.len() == MAX_LISTING_PAGES {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judge_text(text: &str, target: &str) -> Option<Result<(Sector, String), NotOwn>> {
        let rules = RuleSet::builtin();
        let portal = Url::parse("http://www.hangzhou.gov.cn/").unwrap();
        let domains = vec!["hangzhou.gov.cn".to_string()];
        let city = CityRef {
            name: "杭州市",
            domains: &domains,
            portal: &portal,
        };
        judge(&rules, &city, text, &Url::parse(target).unwrap())
            .map(|r| r.map(|(s, u)| (s, u.to_string())))
    }

    #[test]
    fn the_citys_own_departments_are_found() {
        for (text, target, sector, start) in [
            (
                "杭州市教育局",
                "http://edu.hangzhou.gov.cn/index.html",
                Sector::Education,
                "http://edu.hangzhou.gov.cn/",
            ),
            (
                "市教育局",
                "http://edu.hangzhou.gov.cn/",
                Sector::Education,
                "http://edu.hangzhou.gov.cn/",
            ),
            (
                "市住建局",
                "http://www.hangzhou.gov.cn/zjj/index.html",
                Sector::Housing,
                "http://www.hangzhou.gov.cn/zjj/",
            ),
            (
                "住房公积金管理中心",
                "http://gjj.hangzhou.gov.cn/",
                Sector::Housing,
                "http://gjj.hangzhou.gov.cn/",
            ),
            (
                "市卫生健康委员会",
                "http://wsjkw.hangzhou.gov.cn/",
                Sector::Health,
                "http://wsjkw.hangzhou.gov.cn/",
            ),
            (
                "市生态环境局",
                "http://epb.hangzhou.gov.cn/",
                Sector::Environment,
                "http://epb.hangzhou.gov.cn/",
            ),
            (
                "市交通运输局",
                "http://jtj.hangzhou.gov.cn/",
                Sector::Transport,
                "http://jtj.hangzhou.gov.cn/",
            ),
            (
                "杭州市环境保护局",
                "http://hbj.hz.gov.cn/",
                Sector::Environment,
                "http://hbj.hz.gov.cn/",
            ),
        ] {
            assert_eq!(
                judge_text(text, target),
                Some(Ok((sector, start.to_string()))),
                "{text} {target}"
            );
        }
    }

    #[test]
    fn ownership_traps() {
        for (text, target, why) in [
            ("省卫健委", "http://wsjkw.zj.gov.cn/", NotOwn::HigherLevel),
            (
                "国家卫生健康委员会",
                "http://www.nhc.gov.cn/",
                NotOwn::HigherLevel,
            ),
            (
                "西湖区教育局",
                "http://edu.xihu.gov.cn/",
                NotOwn::LowerLevel,
            ),
            (
                "杭州市西湖区教育局",
                "http://www.hangzhou.gov.cn/xhjy/",
                NotOwn::LowerLevel,
            ),
            ("淳安县卫健局", "http://wjj.qdh.gov.cn/", NotOwn::LowerLevel),
            (
                "宁波市教育局",
                "http://jyj.ningbo.gov.cn/",
                NotOwn::OtherPlace,
            ),
            ("教育局", "http://www.example.com/", NotOwn::Foreign),
            (
                "市教育局",
                "http://www.hangzhou.gov.cn/col/col1229/index.html",
                NotOwn::NotASite,
            ),
        ] {
            assert_eq!(judge_text(text, target), Some(Err(why)), "{text} {target}");
        }
        // A province's 厅, 教育部 and an unrelated bureau name no city department at all.
        assert_eq!(judge_text("浙江省教育厅", "http://jyt.zj.gov.cn/"), None);
        assert_eq!(judge_text("教育部", "http://www.moe.gov.cn/"), None);
        assert_eq!(judge_text("市统计局", "http://tjj.hangzhou.gov.cn/"), None);
    }

    #[test]
    fn department_on_its_own_gov_cn_domain_and_cms_article_roots() {
        // A gov.cn site named for the sector in its host, listed as the city's 市卫健委.
        assert_eq!(
            judge_text("市卫生健康委", "http://www.hzwsjk.gov.cn/index.html"),
            Some(Ok((
                Sector::Health,
                "http://www.hzwsjk.gov.cn/".to_string()
            )))
        );
        // Traps: a gov.cn host named for nothing of the sector; another city's named one;
        // a portal path that is a CMS's article root.
        assert_eq!(
            judge_text("市卫生健康委", "http://www.zjzwfw.gov.cn/"),
            Some(Err(NotOwn::Foreign))
        );
        assert_eq!(
            judge_text("宁波市卫生健康委", "http://www.nbwsjk.gov.cn/"),
            Some(Err(NotOwn::OtherPlace))
        );
        for root in ["/a/", "/art/", "/col/", "/content/", "/c/"] {
            assert_eq!(
                judge_text(
                    "市教育局",
                    &format!("http://www.hangzhou.gov.cn{root}2026/11/20/art_1.html")
                ),
                Some(Err(NotOwn::NotASite)),
                "{root}"
            );
        }
        assert_eq!(
            judge_text("市教育局", "http://www.hangzhou.gov.cn/jyj/index.html"),
            Some(Ok((
                Sector::Education,
                "http://www.hangzhou.gov.cn/jyj/".to_string()
            )))
        );
    }

    #[test]
    fn a_dropdown_and_a_footer_block_are_read() {
        let html = r#"<div class="bmwz">部门网站<select><option value="">请选择</option>
            <option value="http://edu.hangzhou.gov.cn/">市教育局</option>
            <option value="http://gjj.hangzhou.gov.cn/">杭州住房公积金管理中心</option>
            <option value="http://jyt.zj.gov.cn/">浙江省教育厅</option></select></div>
            <div class="footer-links">相关链接 <a href="http://zjj.hangzhou.gov.cn/">市住建局</a> <a href="http://jyj.ningbo.gov.cn/">宁波市教育局</a>
            <a href="/jgsz/">机构设置</a></div>"#;
        let url = Url::parse("http://www.hangzhou.gov.cn/").unwrap();
        let facts = crate::page::extract::extract(html, Some(&url));
        let rules = RuleSet::builtin();
        let domains = vec!["hangzhou.gov.cn".to_string()];
        let city = CityRef {
            name: "杭州市",
            domains: &domains,
            portal: &url,
        };
        let found: Vec<(Sector, String, String)> = discover(&rules, &facts, &url, &city)
            .into_iter()
            .map(|d| (d.sector, d.url.to_string(), d.link_kind))
            .collect();
        assert_eq!(
            found,
            [
                (
                    Sector::Education,
                    "http://edu.hangzhou.gov.cn/".to_string(),
                    "option".to_string()
                ),
                (
                    Sector::Housing,
                    "http://gjj.hangzhou.gov.cn/".to_string(),
                    "option".to_string()
                ),
                (
                    Sector::Housing,
                    "http://zjj.hangzhou.gov.cn/".to_string(),
                    "a".to_string()
                ),
            ]
        );
        assert_eq!(
            listing_pages(&rules, &facts, &city),
            [Url::parse("http://www.hangzhou.gov.cn/jgsz/").unwrap()]
        );
    }
}
