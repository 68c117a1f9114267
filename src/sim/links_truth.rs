//! The world's truth for link checks and probes: what a run's `export links` must list
//! (every broken or blocked link of every reached site's homepage) and what rounds of
//! probes must record, computed from the world's definition (its pages and hosts), not
//! from the crawler.

use super::links::expected;
use super::pages;
use super::world::World;
use crate::page::inspect::links::LinkOutcome;
use std::collections::BTreeSet;
use std::time::Duration;
use url::Url;

/// One link a links export lists: its page, its target, its outcome.
pub type LinkTruth = (String, String, LinkOutcome);

/// Paths the world's robots.txt disallows.
const DISALLOWED: [&str; 2] = ["/private/", "/search"];

/// The links of a page as the simulated web writes them: the `href` of an `<a>` or an
/// `<area>`, an `<option>`'s `value` and an `<iframe>`'s `src` (entities `&amp;`
/// decoded, empty ones dropped; a stylesheet's `<link href>` is no link).
fn hrefs(html: &str) -> Vec<String> {
    // What a script writes is no link of the page as served.
    let mut html = html.to_string();
    while let Some(a) = html.find("<script>") {
        let Some(b) = html[a..].find("</script>") else {
            break;
        };
        html.replace_range(a..a + b + 9, "");
    }
    let html = html.as_str();
    let mut out = Vec::new();
    for (tags, attr) in [
        (&["a", "area"][..], "href=\""),
        (&["option"][..], "value=\""),
        (&["iframe"][..], "src=\""),
    ] {
        let mut at = 0;
        while let Some(i) = html[at..].find(attr) {
            let start = at + i + attr.len();
            let Some(end) = html[start..].find('"') else {
                break;
            };
            at = start + end;
            let tag = html[..start]
                .rfind('<')
                .map(|t| {
                    html[t + 1..start]
                        .split(|c: char| c.is_whitespace())
                        .next()
                        .unwrap_or_default()
                })
                .unwrap_or_default();
            if end > 0 && tags.contains(&tag) {
                out.push(html[start..at].replace("&amp;", "&"));
            }
        }
    }
    out
}

impl World {
    /// What checking `url` finds, requests timing out after `timeout`.
    fn link_outcome(&self, url: &Url, timeout: Duration) -> LinkOutcome {
        if let Some(Some(o)) = expected(url, timeout) {
            return o;
        }
        let Some(&si) = url.host_str().and_then(|h| self.by_host.get(h)) else {
            return LinkOutcome::Ok; // a host outside the world answers a plain page
        };
        let site = &self.sites[si];
        let path = url.path();
        if site.traits.dead {
            LinkOutcome::Broken
        } else if site.traits.robots_error || DISALLOWED.iter().any(|d| path.starts_with(d)) {
            LinkOutcome::NotChecked
        } else {
            let target = match url.query() {
                Some(q) => format!("{path}?{q}"),
                None => path.to_string(),
            };
            match pages::render(self, site, &self.cities[site.city], path, &target) {
                Some(_) => LinkOutcome::Ok,
                None => LinkOutcome::Broken,
            }
        }
    }

    /// The broken and blocked links of the homepage of every site the run audited
    /// (`audited`: by host; in a discovery world, a department is audited only when its
    /// portal was reached and named it), as (page, target, outcome), with link checks
    /// timing out after `timeout`.
    pub fn homepage_links_truth(
        &self,
        timeout: Duration,
        audited: &dyn Fn(&str) -> bool,
    ) -> BTreeSet<LinkTruth> {
        let mut out = BTreeSet::new();
        for site in &self.sites {
            if site.traits.dead || site.traits.robots_error || !audited(&site.host) {
                continue;
            }
            let home = Url::parse(&format!("http://{}/", site.host)).expect("a host");
            let city = &self.cities[site.city];
            let html = pages::render(self, site, city, "/", "/").expect("a homepage");
            for href in hrefs(&html) {
                let Some(url) = crate::model::link::resolve(Some(&home), &href) else {
                    continue; // a fragment of the page, javascript:
                };
                if ["mailto", "tel", "sms", "data"].contains(&url.scheme()) {
                    continue;
                }
                let outcome = self.link_outcome(&url, timeout);
                if matches!(outcome, LinkOutcome::Broken | LinkOutcome::Blocked) {
                    out.insert((home.to_string(), url.to_string(), outcome));
                }
            }
        }
        out
    }

    /// What `rounds` rounds of probes record for each seeded site's start URL, on a
    /// server that served nothing before: (URL, probes counted, failed). A site whose
    /// robots.txt fails is not probed (not counted); a dead one fails every probe; a
    /// flaky one every third.
    pub fn probe_truth(&self, rounds: usize) -> Vec<(String, usize, usize)> {
        self.sites
            .iter()
            .filter(|s| !s.traits.robots_error)
            .map(|s| {
                let failed = if s.traits.dead {
                    rounds
                } else if s.traits.flaky {
                    rounds / 3
                } else {
                    0
                };
                (format!("http://{}/", s.host), rounds, failed)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn what_a_script_writes_is_no_link() {
        assert_eq!(
            super::hrefs(
                "<script>x.innerHTML='<a href=\"/jyj/\">局</a>';</script><a href=\"/b\">b</a>"
            ),
            ["/b"]
        );
    }

    #[test]
    fn hrefs_are_read_as_written() {
        assert_eq!(
            super::hrefs(
                "<link href=\"/css/main.css\"><a href=\"/a?x=1&amp;y=2\">a</a><a class=\"b\" href=\"#top\"><option value=\"\">-</option><option value=\"/d\">d</option>"
            ),
            ["/a?x=1&y=2", "#top", "/d"]
        );
    }
}
