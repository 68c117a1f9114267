//! `seeds check`: the survey's rules on top of the seeds format, and an optional probe of
//! every start URL that reports dead, moved and non-HTML portals (and with `--fix`
//! applies permanent redirects to the file).

use crate::model::city::{City, short_name};
use crate::model::scope::registrable_domain;
use crate::model::{Region, Tier};
use crate::net::error::FetchError;
use crate::net::fetch::Fetcher;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use url::Url;

/// The provinces of each region (DOMAIN.md), by their short names.
pub(crate) const REGIONS: &[(Region, &[&str])] = &[
    (
        Region::East,
        &[
            "北京", "天津", "河北", "辽宁", "上海", "江苏", "浙江", "福建", "山东", "广东", "海南",
        ],
    ),
    (
        Region::Central,
        &[
            "山西",
            "吉林",
            "黑龙江",
            "安徽",
            "江西",
            "河南",
            "湖北",
            "湖南",
        ],
    ),
    (
        Region::West,
        &[
            "内蒙古",
            "广西",
            "重庆",
            "四川",
            "贵州",
            "云南",
            "西藏",
            "陕西",
            "甘肃",
            "青海",
            "宁夏",
            "新疆",
        ],
    ),
];

/// The 4 municipalities, 27 provincial capitals and 5 cities specifically designated in
/// the state plan: the survey's 36 key cities.
pub(crate) const KEY_CITIES: &[&str] = &[
    "北京",
    "天津",
    "上海",
    "重庆",
    "石家庄",
    "太原",
    "呼和浩特",
    "沈阳",
    "长春",
    "哈尔滨",
    "南京",
    "杭州",
    "合肥",
    "福州",
    "南昌",
    "济南",
    "郑州",
    "武汉",
    "长沙",
    "广州",
    "南宁",
    "海口",
    "成都",
    "贵阳",
    "昆明",
    "拉萨",
    "西安",
    "兰州",
    "西宁",
    "银川",
    "乌鲁木齐",
    "大连",
    "青岛",
    "宁波",
    "厦门",
    "深圳",
];

/// The region of a province (full or short name).
pub(crate) fn region_of(province: &str) -> Option<Region> {
    REGIONS
        .iter()
        .find(|(_, names)| names.iter().any(|n| province.starts_with(n)))
        .map(|(r, _)| *r)
}

/// Problems with a valid seeds file as a survey list; empty when it is fine.
pub fn survey_problems(cities: &[City]) -> Vec<String> {
    let mut out = Vec::new();
    let keys: Vec<&City> = cities.iter().filter(|c| c.tier == Tier::Key).collect();
    if keys.len() != 36 {
        out.push(format!(
            "expected exactly 36 key cities, found {}",
            keys.len()
        ));
    }
    for k in &keys {
        if !KEY_CITIES.contains(&short_name(&k.name)) {
            out.push(format!(
                "{} ({}) is marked key but is not one of the 36 key cities",
                k.name, k.id
            ));
        }
    }
    for name in KEY_CITIES {
        if cities
            .iter()
            .any(|c| short_name(&c.name) == *name && c.tier != Tier::Key)
        {
            out.push(format!(
                "{name} is one of the 36 key cities but is not marked key"
            ));
        }
    }
    for c in cities {
        match region_of(&c.province) {
            None => out.push(format!(
                "{} ({}): province {} is not mapped to a region",
                c.name, c.id, c.province
            )),
            Some(r) if r != c.region => out.push(format!(
                "{} ({}): province {} is in the {} region, not {}",
                c.name, c.id, c.province, r, c.region
            )),
            _ => {}
        }
    }
    let mut hosts: HashMap<String, &City> = HashMap::new();
    for c in cities {
        let host = c.portal.host_str().unwrap_or_default().to_ascii_lowercase();
        if let Some(other) = hosts.insert(host.clone(), c) {
            out.push(format!(
                "{} ({}) and {} ({}) share the portal host {host}",
                other.name, other.id, c.name, c.id
            ));
        }
    }
    out
}

/// What probing one start URL found.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum ProbeVerdict {
    Ok,
    /// Could not be fetched, with the reason.
    Unreachable(String),
    /// Redirects to another host or scheme; `permanent` when every hop was 301/308.
    Moved {
        to: String,
        permanent: bool,
    },
    /// Answered with an HTTP error.
    HttpError(u16),
    /// Answered, but not with HTML.
    NotHtml(String),
}

/// The probe of one start URL.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Probe {
    pub city_id: String,
    pub city: String,
    /// `portal` or a sector id.
    pub column: String,
    pub url: String,
    pub verdict: ProbeVerdict,
}

/// Fetches every start URL once, concurrently across hosts and politely per host.
pub async fn probe(cities: &[City], fetcher: Arc<Fetcher>) -> Vec<Probe> {
    let mut targets = Vec::new();
    for c in cities {
        targets.push((c, "portal".to_string(), c.portal.clone()));
        for (s, urls) in &c.departments {
            for u in urls {
                targets.push((c, s.as_str().to_string(), u.clone()));
            }
        }
    }
    let futures = targets.into_iter().map(|(c, column, url)| {
        let fetcher = fetcher.clone();
        async move {
            let f = fetcher.fetch(&url, &|_| true).await;
            let verdict = verdict_of(&url, &f);
            Probe {
                city_id: c.id.clone(),
                city: c.name.clone(),
                column,
                url: url.to_string(),
                verdict,
            }
        }
    });
    futures_util::future::join_all(futures).await
}

fn verdict_of(start: &Url, f: &crate::net::fetch::Fetched) -> ProbeVerdict {
    if let Some(e) = &f.error {
        return match e {
            FetchError::OutOfScope(to) => ProbeVerdict::Moved {
                to: to.clone(),
                permanent: false,
            },
            other => ProbeVerdict::Unreachable(other.to_string()),
        };
    }
    let moved =
        f.final_url.host_str() != start.host_str() || f.final_url.scheme() != start.scheme();
    if moved {
        let permanent = !f.redirects.is_empty()
            && f.redirects
                .iter()
                .all(|h| h.status == 301 || h.status == 308);
        // Suggest the new site's root when the redirect lands on a page inside it.
        let mut to = f.final_url.clone();
        if registrable_domain(to.host_str().unwrap_or_default())
            != registrable_domain(start.host_str().unwrap_or_default())
            || to.path() == "/"
            || to.path().ends_with("/index.html")
            || to.path().ends_with("/index.shtml")
        {
            to.set_path("/");
            to.set_query(None);
        }
        return ProbeVerdict::Moved {
            to: to.to_string(),
            permanent,
        };
    }
    match f.status {
        Some(s) if !(200..300).contains(&s) => ProbeVerdict::HttpError(s),
        _ if !f.is_html() => ProbeVerdict::NotHtml(
            f.content_type
                .clone()
                .unwrap_or_else(|| "no content type".into()),
        ),
        _ => ProbeVerdict::Ok,
    }
}

/// Rewrites the seeds file with the permanent moves found by a probe; returns the
/// changes made as `(line, column, old, new)`.
pub fn apply_fixes(
    path: &Path,
    probes: &[Probe],
) -> std::io::Result<Vec<(String, String, String, String)>> {
    let (bom, mut records) = crate::seeds::read_records(path)?;
    let header = records.first().cloned().unwrap_or_default();
    let col = |name: &str| header.iter().position(|h| h.trim() == name);
    let mut changes = Vec::new();
    for p in probes {
        let ProbeVerdict::Moved {
            to,
            permanent: true,
        } = &p.verdict
        else {
            continue;
        };
        let Some(ci) = col(&p.column) else { continue };
        for rec in records.iter_mut().skip(1) {
            if rec.first().map(|v| v.trim()) != Some(p.city_id.as_str()) {
                continue;
            }
            let cell = rec.get(ci).cloned().unwrap_or_default();
            let new_cell = cell
                .split(';')
                .map(|u| if u.trim() == p.url { to.as_str() } else { u })
                .collect::<Vec<_>>()
                .join(";");
            if new_cell != cell && ci < rec.len() {
                rec[ci] = new_cell.clone();
                changes.push((p.city_id.clone(), p.column.clone(), cell, new_cell));
            }
        }
    }
    if !changes.is_empty() {
        crate::seeds::write_records(path, bom, &records)?;
    }
    Ok(changes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_real_seed_list_passes() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds/cities.csv");
        let cities = crate::seeds::load(&path).unwrap();
        assert_eq!(survey_problems(&cities), Vec::<String>::new());
        let keys: Vec<&str> = cities
            .iter()
            .filter(|c| c.tier == Tier::Key)
            .map(|c| short_name(&c.name))
            .collect();
        let mut expected: Vec<&str> = KEY_CITIES.to_vec();
        let mut got = keys.clone();
        expected.sort();
        got.sort();
        assert_eq!(
            got, expected,
            "the key cities are the 4 municipalities, 27 capitals and 5 planned cities"
        );
        assert_eq!(cities.len(), 337);
        // Region counts follow the province mapping.
        for (region, provinces) in REGIONS {
            let n = cities.iter().filter(|c| c.region == *region).count();
            let m = cities
                .iter()
                .filter(|c| provinces.iter().any(|p| c.province.starts_with(p)))
                .count();
            assert_eq!(n, m, "{region}");
        }
        assert!(cities.iter().any(|c| c.name == "三沙市"));
        let kinds: Vec<&str> = cities.iter().map(|c| c.extra["kind"].as_str()).collect();
        assert_eq!(kinds.iter().filter(|k| **k == "自治州").count(), 30);
    }

    #[test]
    fn survey_rules_are_checked() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds/cities.csv");
        let mut cities = crate::seeds::load(&path).unwrap();
        cities[5].tier = Tier::Key;
        cities[6].region = Region::West;
        cities[7].portal = cities[8].portal.clone();
        let p = survey_problems(&cities).join("\n");
        assert!(
            p.contains("expected exactly 36 key cities, found 37"),
            "{p}"
        );
        assert!(p.contains("is marked key but is not one of the 36"), "{p}");
        assert!(p.contains("region, not west"), "{p}");
        assert!(p.contains("share the portal host"), "{p}");
    }
}
