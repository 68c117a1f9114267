//! `seeds discover`: find each city's department sites on its portal (the homepage and at
//! most `MAX_LISTING_PAGES` pages that list
//! departments, fetched politely), and optionally write them into the empty sector columns
//! of the seeds file, recording where each came from. A filled column is never changed.

use crate::model::Sector;
use crate::model::city::City;
use crate::model::scope::registrable_domain;
use crate::net::fetch::Fetcher;
use crate::page::decode::decode;
use crate::page::detect::rules::RuleSet;
use crate::page::discover::{CityRef, Discovered, add_unique, discover, listing_pages};
use crate::page::extract::extract;
use std::path::Path;
use std::sync::Arc;
use url::Url;

/// What discovery found for one city.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CityDiscovery {
    pub city_id: String,
    pub city: String,
    /// The department sites found, in the order found.
    pub found: Vec<Discovered>,
    /// The pages read (the portal, then the listing pages).
    pub pages: Vec<String>,
    /// Pages that could not be read, with why.
    pub errors: Vec<String>,
}

/// A change written into the seeds file: city id, column, old value, new value.
pub(crate) type SeedChange = (String, String, String, String);

/// Runs discovery for every city, concurrently across cities and politely per host.
pub async fn discover_all(
    cities: &[City],
    fetcher: Arc<Fetcher>,
    rules: &RuleSet,
) -> Vec<CityDiscovery> {
    let jobs = cities.iter().map(|c| {
        let fetcher = fetcher.clone();
        async move { discover_city(c, &fetcher, rules).await }
    });
    futures_util::future::join_all(jobs).await
}

async fn discover_city(c: &City, fetcher: &Arc<Fetcher>, rules: &RuleSet) -> CityDiscovery {
    let mut out = CityDiscovery {
        city_id: c.id.clone(),
        city: c.name.clone(),
        found: Vec::new(),
        pages: Vec::new(),
        errors: Vec::new(),
    };
    let mut domains = crate::crawl::spec::own_domains(c);
    let mut queue: Vec<Url> = vec![c.portal.clone()];
    let mut first = true;
    while let Some(url) = queue.pop() {
        // The portal may redirect anywhere (it moved); listing pages stay on its domains.
        let any = |_: &Url| true;
        let own = |u: &Url| domains.contains(&registrable_domain(u.host_str().unwrap_or_default()));
        let f = if first {
            fetcher.fetch(&url, &any).await
        } else {
            fetcher.fetch(&url, &own).await
        };
        if let Some(e) = &f.error {
            out.errors.push(format!("{url}: {e}"));
            first = false;
            continue;
        }
        if !f.is_html() {
            out.errors
                .push(format!("{url}: not an HTML page (HTTP {:?})", f.status));
            first = false;
            continue;
        }
        if first {
            let d = registrable_domain(f.final_url.host_str().unwrap_or_default());
            if !domains.contains(&d) {
                domains.push(d);
            }
        }
        out.pages.push(f.final_url.to_string());
        let text = decode(&f.body, f.content_type.as_deref());
        let facts = extract(&text.text, Some(&f.final_url));
        let city = CityRef {
            name: &c.name,
            domains: &domains,
            portal: &f.final_url,
        };
        for d in discover(rules, &facts, &f.final_url, &city) {
            add_unique(&mut out.found, d);
        }
        if first {
            let mut listing = listing_pages(rules, &facts, &city);
            listing.reverse();
            queue.extend(listing);
        }
        first = false;
    }
    out
}

/// Writes the discovered sites into the empty sector columns of the seeds file at `path`
/// (several sites of one sector joined by `;`) and notes in its `discovered` column
/// (added when missing) where each came from and when. A filled column is never touched.
/// Returns every change made.
pub fn write(path: &Path, found: &[CityDiscovery], date: &str) -> std::io::Result<Vec<SeedChange>> {
    let (bom, mut records) = crate::seeds::read_records(path)?;
    let Some(header) = records.first().cloned() else {
        return Ok(Vec::new());
    };
    let col = |name: &str| header.iter().position(|h| h.trim() == name);
    let note_col = match col("discovered") {
        Some(i) => i,
        None => {
            for (i, r) in records.iter_mut().enumerate() {
                r.push(if i == 0 {
                    "discovered".into()
                } else {
                    String::new()
                });
            }
            header.len()
        }
    };
    let mut changes = Vec::new();
    for d in found {
        let Some(row) = records
            .iter_mut()
            .skip(1)
            .find(|r| r.first().map(|v| v.trim()) == Some(d.city_id.as_str()))
        else {
            continue;
        };
        let mut notes = Vec::new();
        for sector in Sector::DEPARTMENTS {
            let Some(ci) = col(sector.as_str()) else {
                continue;
            };
            if !row.get(ci).is_some_and(|v| v.trim().is_empty()) {
                continue; // a seeded URL always wins
            }
            let sites: Vec<&Discovered> = d.found.iter().filter(|f| f.sector == *sector).collect();
            if sites.is_empty() {
                continue;
            }
            let value = sites
                .iter()
                .map(|s| s.url.as_str())
                .collect::<Vec<_>>()
                .join(";");
            changes.push((
                d.city_id.clone(),
                sector.as_str().to_string(),
                String::new(),
                value.clone(),
            ));
            row[ci] = value;
            for s in sites {
                notes.push(format!(
                    "{sector} {} from {} ({}: {})",
                    s.url, s.page_url, s.link_kind, s.text
                ));
            }
        }
        if !notes.is_empty() {
            let old = row[note_col].clone();
            let mut new = old.clone();
            if !new.is_empty() {
                new.push_str(" | ");
            }
            new.push_str(&format!("{date}: {}", notes.join("; ")));
            changes.push((d.city_id.clone(), "discovered".into(), old, new.clone()));
            row[note_col] = new;
        }
    }
    if !changes.is_empty() {
        crate::seeds::write_records(path, bom, &records)?;
    }
    Ok(changes)
}
