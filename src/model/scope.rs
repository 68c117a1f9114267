//! Which URLs belong to a site: what a site's crawl may fetch and whose findings a page
//! carries.
//!
//! Following the survey's attribution rule (DOMAIN.md): a department site is its own
//! host, and where its start URL has a directory path, only the pages under it; the
//! portal is its registrable domain (by the public suffix list, so `gov.cn` is a
//! suffix) minus the department areas seeded for that city. A start URL that redirects
//! elsewhere adds the target to the scope.

use serde::{Deserialize, Serialize};
use url::Url;

/// The registrable domain of a host (`www.hangzhou.gov.cn` → `hangzhou.gov.cn`); the host
/// itself for IP addresses and names the public suffix list does not know.
pub fn registrable_domain(host: &str) -> String {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[') {
        return host;
    }
    match psl::domain_str(&host) {
        Some(d) => d.to_string(),
        None => host,
    }
}

/// A host, and the path prefix under it (`/` for the whole host).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Area {
    pub host: String,
    pub path_prefix: String,
}

impl Area {
    /// The area a department start URL stands for: its host and its directory.
    pub(crate) fn of_start(url: &Url) -> Area {
        let path = url.path();
        let dir = match path.rfind('/') {
            Some(i) => &path[..=i],
            None => "/",
        };
        Area {
            host: url.host_str().unwrap_or_default().to_ascii_lowercase(),
            path_prefix: dir.to_string(),
        }
    }

    pub fn contains(&self, url: &Url) -> bool {
        url.host_str()
            .is_some_and(|h| h.eq_ignore_ascii_case(&self.host))
            && url.path().starts_with(&self.path_prefix)
    }
}

/// The set of URLs one site's crawl may fetch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Scope {
    /// The whole-of-government portal: its registrable domains minus department areas.
    Portal {
        domains: Vec<String>,
        excluded: Vec<Area>,
    },
    /// A department site: its areas.
    Department { areas: Vec<Area> },
}

impl Scope {
    /// The portal scope of `start`, excluding the department start URLs given.
    pub fn portal(start: &Url, departments: &[&Url]) -> Scope {
        let domain = registrable_domain(start.host_str().unwrap_or_default());
        let excluded = departments
            .iter()
            .map(|u| Area::of_start(u))
            .filter(|a| !(a.path_prefix == "/" && Some(a.host.as_str()) == start.host_str()))
            .collect();
        Scope::Portal {
            domains: vec![domain],
            excluded,
        }
    }

    /// The scope of a department site starting at `start`.
    pub fn department(start: &Url) -> Scope {
        Scope::Department {
            areas: vec![Area::of_start(start)],
        }
    }

    /// Whether `url` is inside this scope.
    pub fn contains(&self, url: &Url) -> bool {
        let Some(host) = url.host_str() else {
            return false;
        };
        match self {
            Scope::Portal { domains, excluded } => {
                let d = registrable_domain(host);
                domains.contains(&d) && !excluded.iter().any(|a| a.contains(url))
            }
            Scope::Department { areas } => areas.iter().any(|a| a.contains(url)),
        }
    }

    /// Admits the final URL of a redirected start URL. Returns true when it was outside
    /// the scope (the site moved).
    /// Leaves a department area found during the crawl to that department's own crawl
    /// (a portal scope only).
    pub(crate) fn exclude(&mut self, area: Area) {
        if let Scope::Portal { excluded, .. } = self
            && !excluded.contains(&area)
        {
            excluded.push(area);
        }
    }

    pub(crate) fn admit_move(&mut self, final_url: &Url) -> bool {
        if self.contains(final_url) {
            return false;
        }
        match self {
            Scope::Portal { domains, .. } => {
                domains.push(registrable_domain(final_url.host_str().unwrap_or_default()))
            }
            Scope::Department { areas } => areas.push(Area::of_start(final_url)),
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn gov_cn_is_a_public_suffix() {
        assert_eq!(registrable_domain("www.hangzhou.gov.cn"), "hangzhou.gov.cn");
        assert_eq!(
            registrable_domain("zwfw.hangzhou.gov.cn"),
            "hangzhou.gov.cn"
        );
        assert_eq!(registrable_domain("www.zj.gov.cn"), "zj.gov.cn");
        assert_eq!(registrable_domain("www.pds.cn"), "pds.cn");
        assert_eq!(registrable_domain("127.0.0.1"), "127.0.0.1");
    }

    #[test]
    fn portal_scope_excludes_department_areas() {
        let start = u("http://www.hangzhou.gov.cn/");
        let edu = u("http://edu.hangzhou.gov.cn/");
        let jtj = u("http://www.hangzhou.gov.cn/jtj/index.html");
        let s = Scope::portal(&start, &[&edu, &jtj]);
        assert!(s.contains(&u("http://zwfw.hangzhou.gov.cn/x")));
        assert!(!s.contains(&u("http://www.zj.gov.cn/")));
        assert!(!s.contains(&u("http://edu.hangzhou.gov.cn/a.html")));
        assert!(!s.contains(&u("http://www.hangzhou.gov.cn/jtj/a.html")));
        assert!(s.contains(&u("http://www.hangzhou.gov.cn/art/a.html")));
    }

    #[test]
    fn department_scope_is_its_host_and_path() {
        let s = Scope::department(&u("http://www.hangzhou.gov.cn/jtj/index.html"));
        assert!(s.contains(&u("http://www.hangzhou.gov.cn/jtj/2024/a.html")));
        assert!(!s.contains(&u("http://www.hangzhou.gov.cn/art/a.html")));
        let s = Scope::department(&u("http://edu.hangzhou.gov.cn/"));
        assert!(s.contains(&u("http://edu.hangzhou.gov.cn/x/y")));
        assert!(!s.contains(&u("http://www.hangzhou.gov.cn/")));
    }

    #[test]
    fn a_moved_portal_joins_the_scope() {
        let mut s = Scope::portal(&u("http://www.old.gov.cn/"), &[]);
        assert!(!s.admit_move(&u("http://www.old.gov.cn/index.html")));
        assert!(s.admit_move(&u("https://www.new.gov.cn/")));
        assert!(s.contains(&u("https://zwfw.new.gov.cn/")));
    }
}
