//! Whether a site lives where 国办发〔2017〕47号 puts government websites: under
//! `gov.cn`, and a department's site under its portal's registrable domain
//! (`jyj.jia.gov.cn` or `www.jia.gov.cn/jyj/` for the portal `www.jia.gov.cn`).

use super::Verdict;
use crate::model::scope::registrable_domain;
use serde::{Deserialize, Serialize};
use url::Url;

/// The domain check of one site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Domain {
    pub verdict: Verdict,
    /// The host judged (the site's, after a moved start URL).
    pub host: String,
    /// Why the verdict is `no`, naming the host.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub problem: Option<String>,
}

/// Judges `site`; `portal` is its city's portal for a department site, `None` for the
/// portal itself.
pub fn domain(site: &Url, portal: Option<&Url>) -> Domain {
    let host = site
        .host_str()
        .unwrap_or_default()
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let problem = if !(host == "gov.cn" || host.ends_with(".gov.cn")) {
        Some(format!("{host} is not under gov.cn"))
    } else {
        portal.and_then(|p| {
            let portal_domain = registrable_domain(p.host_str().unwrap_or_default());
            (registrable_domain(&host) != portal_domain)
                .then(|| format!("{host} is not under the portal's domain {portal_domain}"))
        })
    };
    Domain {
        verdict: if problem.is_some() {
            Verdict::No
        } else {
            Verdict::Yes
        },
        host,
        problem,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judge(site: &str, portal: Option<&str>) -> (Verdict, Option<String>) {
        let p = portal.map(|p| Url::parse(p).unwrap());
        let d = domain(&Url::parse(site).unwrap(), p.as_ref());
        (d.verdict, d.problem)
    }

    #[test]
    fn portals_and_departments() {
        assert_eq!(judge("http://www.jia.gov.cn/", None).0, Verdict::Yes);
        assert_eq!(
            judge("http://jyj.jia.gov.cn/", Some("http://www.jia.gov.cn/")).0,
            Verdict::Yes
        );
        assert_eq!(
            judge("http://www.jia.gov.cn/jyj/", Some("http://www.jia.gov.cn/")).0,
            Verdict::Yes
        );
        let (v, why) = judge("http://www.jiaedu.cn/", Some("http://www.jia.gov.cn/"));
        assert_eq!(v, Verdict::No);
        assert!(why.unwrap().contains("www.jiaedu.cn"));
        let (v, why) = judge("http://jyj.yi.gov.cn/", Some("http://www.jia.gov.cn/"));
        assert_eq!(v, Verdict::No, "another city's domain");
        assert!(why.unwrap().contains("jia.gov.cn"));
        assert_eq!(judge("http://www.jia.com.cn/", None).0, Verdict::No);
        assert_eq!(judge("http://gov.cn.example.com/", None).0, Verdict::No);
    }
}
