//! Whose page this is: the names a page's owner goes by, so that an account or a line
//! naming the owner's own place is never judged another government's. The city's name
//! from the seeds is one; the site says the others itself: its `SiteName`, its title
//! (`重庆市人民政府`), the 主办单位 in its footer, and its host (`cq.gov.cn` → `cq`, so
//! `weibo.com/cqgov` on 重庆's portal is 重庆's account).

use super::PageContext;
use crate::model::scope::registrable_domain;
use crate::page::extract::PageFacts;
use crate::page::inspect::identity::organiser;

/// What follows the host's word in a government's own account id: `cqgov`, `cqfb`
/// (发布), `cqzf` (政府), `cqzw` (政务); `cqrb` (日报) is a newspaper's.
const OWN_ACCOUNT_WORDS: [&str; 5] = ["gov", "fb", "fabu", "zf", "zw"];

/// The owner of a page as the page and its context name it.
pub(super) struct Owner {
    /// The city's name, the site's name, the organiser's name.
    names: Vec<String>,
    /// The first label of the site's registrable domain (`cq` for `www.cq.gov.cn`), at
    /// least two letters.
    host_word: String,
}

impl Owner {
    /// The owner of `page` in `ctx`.
    pub(super) fn of(page: &PageFacts, ctx: &PageContext<'_>) -> Owner {
        let mut names = vec![ctx.city_name.to_string()];
        for (k, v) in &page.meta {
            if matches!(k.as_str(), "sitename" | "site_name" | "og:site_name") {
                names.push(v.clone());
            }
        }
        names.extend(
            page.title
                .split(['_', '-', '|', '—', '–', '－', '·'])
                .map(str::trim)
                .filter(|p| p.contains("政府") || p.starts_with("中国"))
                .map(str::to_string),
        );
        for b in page.blocks.iter().rev().take(40) {
            if let Some(name) = organiser(&b.text) {
                names.push(name);
                break;
            }
        }
        names.retain(|n| !n.is_empty());
        let domain = registrable_domain(ctx.page_url.host_str().unwrap_or_default());
        let host_word: String = domain
            .split('.')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        Owner {
            names,
            host_word: if host_word.len() >= 2 && host_word.bytes().all(|b| b.is_ascii_alphabetic())
            {
                host_word
            } else {
                String::new()
            },
        }
    }

    /// Whether one of the owner's names contains `place` (重庆 in 重庆市人民政府).
    pub(super) fn is_named(&self, place: &str) -> bool {
        self.names.iter().any(|n| n.contains(place))
    }

    /// Whether an account id is the site's own by its host's word (`cqgov` on `cq.gov.cn`).
    pub(super) fn owns_account(&self, account: &str) -> bool {
        !self.host_word.is_empty()
            && account
                .to_ascii_lowercase()
                .strip_prefix(&self.host_word)
                .is_some_and(|rest| {
                    !rest.starts_with(|c: char| c.is_ascii_alphabetic())
                        || OWN_ACCOUNT_WORDS.iter().any(|w| rest.starts_with(w))
                })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Sector;
    use crate::page::extract::extract;
    use url::Url;

    fn owner(html: &str, url: &str, city: &str) -> Owner {
        let url = Url::parse(url).unwrap();
        let facts = extract(html, Some(&url));
        let ctx = PageContext {
            page_url: &url,
            sector: Sector::General,
            city_name: city,
            own_domains: &[],
        };
        Owner::of(&facts, &ctx)
    }

    #[test]
    fn the_site_names_its_owner() {
        let o = owner(
            "<title>首页_重庆市人民政府网</title>",
            "http://www.cq.gov.cn/",
            "",
        );
        assert!(o.is_named("重庆"), "the title names the owner");
        let o = owner(
            "<title>首页</title><p>主办单位：重庆市人民政府办公厅 承办：重庆市大数据应用发展管理局</p>",
            "http://www.cq.gov.cn/",
            "",
        );
        assert!(o.is_named("重庆"));
        assert!(!o.is_named("四川"));
        assert!(o.owns_account("cqgov"));
        assert!(o.owns_account("cq12345"));
        assert!(!o.owns_account("cqrb"), "重庆日报 is a newspaper's account");
    }

    #[test]
    fn organisers_and_hosts() {
        assert_eq!(
            organiser("版权所有 主办：甲市人民政府办公室 技术支持：某公司").as_deref(),
            Some("甲市人民政府办公室")
        );
        assert_eq!(organiser("主办单位"), None);
        let o = owner("<p>x</p>", "http://www.12345.gov.cn/", "");
        assert!(!o.owns_account("12345x"), "no word from a host of digits");
    }
}
