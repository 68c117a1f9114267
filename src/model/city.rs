//! A city as the audit knows it: its identity, classification and the start URLs of its
//! sites, and how people name it (杭州 for 杭州市). Read from the seeds file by `seeds`.

use super::{Region, Sector, Tier};
use std::collections::BTreeMap;
use url::Url;

/// Whether `c` may stand in a city id: ASCII letters, digits, `-` and `_`. Ids name
/// files and anchors in the exports, so the seeds accept no other character and the
/// evidence pack encodes any other it meets.
pub fn is_id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// One city as seeded: identity, classification and the start URLs of its sites.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct City {
    /// The 6-digit administrative code (or any unique id).
    pub id: String,
    /// The Chinese name, e.g. 杭州市.
    pub name: String,
    pub province: String,
    pub tier: Tier,
    pub region: Region,
    /// Start URL of the whole-of-government portal.
    pub portal: Url,
    /// Start URLs of department sites, by sector (only sectors with at least one URL).
    pub departments: BTreeMap<Sector, Vec<Url>>,
    /// Extra columns after the required ones, by header name.
    pub extra: BTreeMap<String, String>,
}

impl City {
    /// True when `query` names this city: its id, its name, or its name without the
    /// administrative suffix (杭州 for 杭州市).
    pub fn matches(&self, query: &str) -> bool {
        name_matches(&self.id, &self.name, query)
    }
}

/// True when `query` names the city with this id and name: the id, the name, the name
/// without its administrative suffix (杭州 for 杭州市), or an autonomous prefecture's
/// short form (延边, 延边州).
pub fn name_matches(id: &str, name: &str, query: &str) -> bool {
    let q = query.trim();
    if q.is_empty() {
        return false;
    }
    if q == id || q == name || short_name(name) == q {
        return true;
    }
    let stem = q.strip_suffix('州').unwrap_or(q);
    name.ends_with("自治州") && stem.chars().count() >= 2 && name.starts_with(stem)
}

/// A city name without its administrative suffix (市, 地区, 自治州, 盟).
pub(crate) fn short_name(name: &str) -> &str {
    for suffix in ["市", "地区", "盟"] {
        if let Some(s) = name.strip_suffix(suffix)
            && !s.is_empty()
        {
            return s;
        }
    }
    if let Some(pos) = name.find("自治州") {
        // 延边朝鲜族自治州 -> 延边: keep the first two characters before the ethnic name.
        let head = &name[..pos];
        let short: String = head.chars().take(2).collect();
        if !short.is_empty() {
            return &name[..short.len()];
        }
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names() {
        assert_eq!(short_name("杭州市"), "杭州");
        assert_eq!(short_name("大兴安岭地区"), "大兴安岭");
        assert_eq!(short_name("锡林郭勒盟"), "锡林郭勒");
        assert_eq!(short_name("延边朝鲜族自治州"), "延边");
    }
}
