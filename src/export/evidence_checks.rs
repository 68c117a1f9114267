//! The inspection checks in the evidence pack: on each city page a table per site of
//! each check's verdict with its evidence (the footer's fields, the newest dated entry,
//! the stale columns, the late and overdue letters), each linked to the archived page
//! opened at its element (`pages/<sha>.checks.html#check-N`, made inert like the
//! findings' pages).

use super::formats::esc;
use super::inert::{Mark, inert_page};
use super::inspection::SiteRow;
use rusqlite::Connection;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// One piece of check evidence: the page, the element, and what was read there. A
/// broken link's element is found when its page is archived (`link`: its target).
struct Evidence {
    page: String,
    path: String,
    label: String,
    link: Option<String>,
}

/// The key a broken link's archived place is kept under in [`CheckLinks`].
fn link_key(target: &str) -> String {
    format!("link:{target}")
}

/// A stored page: body sha256, fetch time, content type and charset.
type StoredPage = (String, String, Option<String>, Option<String>);

/// Where each piece of evidence opens: (page URL, element path) → link in the pack.
pub(crate) type CheckLinks = BTreeMap<(String, String), String>;

fn evidence_of(r: &SiteRow) -> Vec<Evidence> {
    let c = &r.checks;
    let mut out = Vec::new();
    if let Some(page) = &c.identity.page {
        let id = &c.identity.identity;
        for f in [&id.site_code, &id.organizer, &id.icp, &id.psb]
            .into_iter()
            .flatten()
        {
            out.push(Evidence {
                page: page.clone(),
                path: f.path.clone(),
                label: f.value.clone(),
                link: None,
            });
        }
    }
    if let Some(i) = &c.freshness.item {
        out.push(Evidence {
            page: i.page.clone(),
            path: i.item.path.clone(),
            label: format!("{} {}", i.item.date, i.item.text),
            link: None,
        });
    }
    for i in &c.freshness.future_dated {
        out.push(Evidence {
            page: i.page.clone(),
            path: i.item.path.clone(),
            label: format!("{} {}", i.item.date, i.item.text),
            link: None,
        });
    }
    for l in &c.replies.evidence {
        out.push(Evidence {
            page: l.page.clone(),
            path: l.letter.path.clone(),
            label: format!("{} {}", l.letter.submitted, l.letter.title),
            link: None,
        });
    }
    for l in &c.links.list {
        out.push(Evidence {
            page: l.page.clone(),
            path: link_key(&l.target),
            label: format!(
                "broken link ({}): {}",
                l.state.map_or("broken", |s| s.as_str()),
                l.error.as_deref().unwrap_or_default()
            ),
            link: Some(l.target.clone()),
        });
    }
    out
}

/// Finds the element of each broken link of `evidence` on the page (the first link to
/// its target), parsing the page once; a link no longer found is left out.
fn place_links(text: &str, page: &str, evidence: &mut Vec<Evidence>) {
    if evidence.iter().all(|e| e.link.is_none()) {
        return;
    }
    let base = url::Url::parse(page).ok();
    let facts = crate::page::extract::extract(text, base.as_ref());
    evidence.retain_mut(|e| {
        let Some(target) = &e.link else { return true };
        match facts
            .links
            .iter()
            .find(|l| l.url.as_ref().is_some_and(|u| u.as_str() == target))
        {
            Some(l) => {
                e.path = facts.path(l.path);
                true
            }
            None => false,
        }
    });
}

/// Writes the archived pages the checks' evidence sits on, each element marked; returns
/// where each piece opens.
pub(crate) fn write_pages(
    conn: &Connection,
    runs: &BTreeMap<String, i64>,
    rows: &[SiteRow],
    pack: &mut super::pack_dir::PackDir,
) -> Result<CheckLinks, super::ExportError> {
    // By stored page: its evidence, each element once.
    let mut by_page: BTreeMap<(i64, String), Vec<Evidence>> = BTreeMap::new();
    for r in rows {
        let Some(&run) = runs.get(&r.city) else {
            continue;
        };
        for e in evidence_of(r) {
            let list = by_page.entry((run, e.page.clone())).or_default();
            if !list.iter().any(|x| x.path == e.path) {
                list.push(e);
            }
        }
    }
    let mut links = CheckLinks::new();
    // The stored pages that have readings, by run and URL: one query per run (looking
    // each page up by URL would scan a run's fetches once per page).
    let mut stored: BTreeMap<(i64, String), StoredPage> = BTreeMap::new();
    let mut wanted: Vec<i64> = by_page.keys().map(|(run, _)| *run).collect();
    wanted.dedup();
    for run in wanted {
        let mut st = conn.prepare(
            "SELECT f.final_url, f.body_sha256, f.started_at, f.content_type, f.charset
             FROM page_checks c JOIN fetches f ON f.id = c.fetch_id
             WHERE c.run_id = ?1 AND f.body_sha256 IS NOT NULL ORDER BY f.id",
        )?;
        let rows = st.query_map([run], |r| {
            Ok((
                r.get::<_, String>(0)?,
                (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?),
            ))
        })?;
        for row in rows {
            let (url, page) = row?;
            stored.entry((run, url)).or_insert(page);
        }
    }
    for ((run, page), mut evidence) in by_page {
        let Some((sha, fetched, ct, charset)) = stored.get(&(run, page.clone())).cloned() else {
            continue;
        };
        let Some(text) =
            crate::store::bodies::page_text(conn, &sha, ct.as_deref(), charset.as_deref())?
        else {
            continue;
        };
        place_links(&text, &page, &mut evidence);
        let anchors: Vec<String> = (0..evidence.len()).map(|i| format!("check-{i}")).collect();
        let marks: Vec<Mark<'_>> = evidence
            .iter()
            .zip(&anchors)
            .map(|(e, a)| Mark {
                path: &e.path,
                anchor: a,
                label: &e.label,
            })
            .collect();
        let banner = format!(
            "Archived copy (inert) of {page} fetched {fetched} · sha256 {sha} · evidence of the inspection checks"
        );
        let html = inert_page(&text, url::Url::parse(&page).ok().as_ref(), &banner, &marks);
        let name = format!("pages/{sha}.checks.html");
        let mut out = b"\xEF\xBB\xBF".to_vec();
        out.extend_from_slice(html.as_bytes());
        pack.write(&name, &out)?;
        for (e, a) in evidence.iter().zip(&anchors) {
            links.insert((page.clone(), e.path.clone()), format!("{name}#{a}"));
            if let Some(target) = &e.link {
                links.insert((page.clone(), link_key(target)), format!("{name}#{a}"));
            }
        }
    }
    Ok(links)
}

/// A link to where a piece of evidence opens, or nothing.
fn open_at(links: &CheckLinks, page: &str, path: &str) -> String {
    links
        .get(&(page.to_string(), path.to_string()))
        .map(|l| format!(" <a href=\"{}\">archived page</a>", esc(l)))
        .unwrap_or_default()
}

/// A check's verdict as shown: the reviewer's, with who, why and what the machine said.
fn verdict_cell(r: &SiteRow, check: &str) -> String {
    let v = r.verdict(check).map_or("unknown", |v| v.as_str());
    match r.reviews.get(check) {
        Some(rv) => format!(
            "{v} (reviewed by {} at {}: {}; computed {}{})",
            esc(&rv.reviewer),
            esc(&rv.decided_at),
            esc(&rv.reason),
            rv.computed.as_str(),
            if rv.stale {
                "; stale: the evidence changed since"
            } else {
                ""
            }
        ),
        None => v.to_string(),
    }
}

/// The city page's section: a table per site, a row per check.
pub(crate) fn section(rows: &[&SiteRow], links: &CheckLinks) -> String {
    if rows.is_empty() {
        return String::new();
    }
    let mut h = String::from("<h2 id=\"checks\">Inspection checks</h2>");
    for r in rows {
        let c = &r.checks;
        let _ = write!(
            h,
            "<h3>{} {}</h3><table><tr><th>check</th><th>verdict</th><th>evidence</th></tr>",
            esc(r.sector.as_str()),
            esc(&r.site)
        );
        h.push_str(&identity_row(r, links));
        let f = &c.freshness;
        let mut ev = match &f.item {
            Some(i) => format!(
                "newest {} ({} days, {}): {}{}<br>",
                i.item.date,
                f.age_days.unwrap_or_default(),
                f.source.unwrap_or(""),
                esc(&i.item.text),
                open_at(links, &i.page, &i.item.path)
            ),
            None => "no dated list entry on the homepage or its columns<br>".to_string(),
        };
        for s in &f.stale_columns {
            let _ = write!(
                ev,
                "stale column {} ({}): newest {}, {} days &gt; {} <a href=\"{}\" rel=\"noreferrer\">page</a><br>",
                esc(&s.name),
                esc(&s.class),
                s.newest,
                s.age_days,
                s.max_days,
                esc(&s.page)
            );
        }
        for i in &f.future_dated {
            let _ = write!(
                ev,
                "future-dated {}: {}{}<br>",
                i.item.date,
                esc(&i.item.text),
                open_at(links, &i.page, &i.item.path)
            );
        }
        let _ = write!(
            h,
            "<tr><td>freshness</td><td>{}</td><td>{ev}</td></tr>",
            f.verdict.as_str()
        );
        let rp = &c.replies;
        let mut ev = format!(
            "{} letters, {} replied, median {} days, longest {} days, {} late, {} overdue<br>",
            rp.letters,
            rp.replied,
            rp.median_days.map(|d| d.to_string()).unwrap_or("–".into()),
            rp.max_days.map(|d| d.to_string()).unwrap_or("–".into()),
            rp.late,
            rp.overdue
        );
        for l in rp.evidence.iter().filter(|l| l.late || l.overdue) {
            let _ = write!(
                ev,
                "{} submitted {}, {} days{}: {}{}<br>",
                if l.late { "late" } else { "overdue" },
                l.letter.submitted,
                l.days,
                l.letter
                    .replied
                    .map(|d| format!(", replied {d}"))
                    .unwrap_or_default(),
                esc(&l.letter.title),
                open_at(links, &l.page, &l.letter.path)
            );
        }
        let _ = write!(
            h,
            "<tr><td>replies</td><td>{}</td><td>{ev}</td></tr>",
            rp.verdict.as_str()
        );
        let _ = write!(
            h,
            "<tr><td>domain</td><td>{}</td><td>{}</td></tr>",
            verdict_cell(r, "domain"),
            esc(c.domain.problem.as_deref().unwrap_or(&c.domain.host))
        );
        h.push_str(&links_rows(r, links));
        h.push_str("</table>");
    }
    h
}

/// The identity row of a site's table: each footer field opening the archived page at it.
fn identity_row(r: &SiteRow, links: &CheckLinks) -> String {
    let c = &r.checks;
    let mut h = String::new();
    let id = &c.identity.identity;
    let mut ev = String::new();
    let page = c.identity.page.as_deref().unwrap_or_default();
    for (name, f) in [
        ("site code", &id.site_code),
        ("organizer", &id.organizer),
        ("ICP", &id.icp),
        ("公安备案", &id.psb),
    ] {
        match f {
            Some(f) => {
                let _ = write!(
                    ev,
                    "{name}: {}{}<br>",
                    esc(&f.value),
                    open_at(links, page, &f.path)
                );
            }
            None => {
                let _ = write!(ev, "{name}: not found<br>");
            }
        }
    }
    for i in &id.inconsistent {
        let _ = write!(ev, "inconsistent: {}<br>", esc(i));
    }
    let _ = write!(
        h,
        "<tr><td>identity</td><td>{}</td><td>{ev}</td></tr>",
        id.verdict.as_str()
    );
    h
}

/// The links and reachability rows of a site's table: every broken link with its page
/// (opened at the link), text, target, error and state; the probes' figures.
fn links_rows(r: &SiteRow, links: &CheckLinks) -> String {
    let c = &r.checks;
    let l = &c.links;
    let mut ev = format!(
        "{} links checked, {} broken ({} confirmed), {} blocked<br>",
        l.checked, l.broken, l.confirmed, l.blocked
    );
    for b in &l.list {
        let _ = write!(
            ev,
            "{} {} → {} ({}{}) on <a href=\"{}\" rel=\"noreferrer\">{}</a>{}<br>",
            b.state.map_or("broken", |s| s.as_str()),
            esc(&b.text),
            esc(&b.target),
            esc(b.error.as_deref().unwrap_or_default()),
            b.first_seen
                .as_deref()
                .map(|f| format!(", first seen {}", esc(f)))
                .unwrap_or_default(),
            esc(&b.page),
            esc(&b.page),
            open_at(links, &b.page, &link_key(&b.target))
        );
    }
    let p = &c.reachability;
    format!(
        "<tr><td>links</td><td>{}</td><td>{ev}</td></tr><tr><td>reachability</td><td>{}</td><td>{} probes over {} days, {} failed</td></tr>",
        verdict_cell(r, "links"),
        verdict_cell(r, "reachability"),
        p.probes,
        p.days,
        p.failed
    )
}
