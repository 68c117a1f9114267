//! The review screen's HTML, built with `maud` (every interpolated string is escaped).

use super::{Params, Position};
use crate::export::evidence::{Failure, FindingRow};
use crate::export::formats::mark;
use crate::export::matrix::{Cell, CityRow, Matrix, Value};
use crate::model::{ChannelDef, Region, Sector, Tier};
use crate::review::Decision;
use crate::review::queue::{Item, State};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use std::collections::BTreeMap;

/// Rows of the matrix on one page.
const ROWS_PER_PAGE: usize = 200;

const STYLE: &str = r#"
body{font:14px/1.4 system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:0;color:#111}
header{background:#1f3a5f;color:#fff;padding:8px 16px;display:flex;gap:24px;align-items:baseline;flex-wrap:wrap}
header a{color:#fff}
main{padding:12px 16px}
table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:2px 6px;vertical-align:top}
th{background:#f3f3f3;font-weight:600}
.grid td{text-align:center;min-width:2.2em}
.grid td.c{text-align:left;white-space:nowrap}
.grid a{text-decoration:none;color:inherit;display:block}
.yes{background:#d7f5d7}.no{background:#fff}.unknown{background:#eee}
.rev{font-weight:700;outline:2px solid #2b6cb0;outline-offset:-2px}.stale{outline:2px dashed #c05621;outline-offset:-2px}
form.filters{display:flex;gap:10px;flex-wrap:wrap;align-items:end;margin:8px 0 12px}
form.filters label{display:flex;flex-direction:column;font-size:12px}
.cellview{display:grid;grid-template-columns:minmax(420px,1fr) minmax(420px,1.3fr);gap:16px}
.evidence{position:sticky;top:8px;height:calc(100vh - 24px)}
.evidence iframe{width:100%;height:100%;border:1px solid #999}
.findings td{font-size:12.5px;overflow-wrap:break-word;max-width:22em}
.findings td.u{overflow-wrap:anywhere;min-width:14em}
.findings td.n{white-space:nowrap}
.findings tr.sel{background:#ffe066}
.findings td:first-child{white-space:nowrap}
.decide{display:flex;gap:12px;flex-wrap:wrap;margin:10px 0}
.decide form{border:1px solid #bbb;padding:8px;border-radius:4px}
.decide input[type=text]{width:22em}
.value{font-size:18px}
header .muted{color:#c9d6e8}
kbd{color:#111;border:1px solid #999;border-radius:3px;padding:0 4px;font-size:12px;background:#fafafa}
.nav{display:flex;gap:16px;align-items:baseline;flex-wrap:wrap}
.muted{color:#666}
"#;

fn layout(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                title { (title) " · portal-audit review" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                (body)
                script src="/app.js" {}
            }
        }
    }
}

/// An error page (the message is escaped like every other text).
pub fn error(message: &str) -> Markup {
    layout(
        "error",
        html! {
            header { strong { "portal-audit review" } }
            main { h1 { "Cannot do that" } p.error { (message) } p { a href="/" { "← matrix" } } }
        },
    )
}

/// A number with thousands separators (2,359).
fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The link to a cell's page, keeping the queue (`q`, a query string) it belongs to.
pub(crate) fn cell_href(
    city: &str,
    sector: Sector,
    channel: &str,
    q: &str,
    finding: Option<i64>,
) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    s.append_pair("c", city)
        .append_pair("s", sector.as_str())
        .append_pair("ch", channel);
    if let Some(f) = finding {
        s.append_pair("f", &f.to_string());
    }
    let mut out = format!("/cell?{}", s.finish());
    if !q.is_empty() {
        out.push('&');
        out.push_str(q);
    }
    out
}

fn select(name: &str, label: &str, current: &str, options: &[(String, String)]) -> Markup {
    html! {
        label {
            (label)
            select name=(name) {
                option value="" { "all" }
                @for (value, text) in options {
                    option value=(value) selected[value == current] { (text) }
                }
            }
        }
    }
}

fn progress_line(progress: (usize, usize)) -> String {
    format!(
        "reviewed {} / {} cells",
        thousands(progress.0),
        thousands(progress.1)
    )
}

/// The matrix page: filters, the progress line, and the cells the filters keep.
pub fn matrix(m: &Matrix, p: &Params, q: &str, items: &[Item], progress: (usize, usize)) -> Markup {
    let channels: Vec<&ChannelDef> = m
        .channels
        .iter()
        .filter(|c| items.iter().any(|i| i.channel == c.id.as_str()))
        .collect();
    // One row per city and sector that has a cell in the view, in queue order.
    let mut rows: Vec<(&str, &str, Sector)> = Vec::new();
    let mut by_cell: BTreeMap<(&str, Sector, &str), &Item> = BTreeMap::new();
    for i in items {
        if !rows
            .iter()
            .any(|(c, _, s)| *c == i.city_id && *s == i.sector)
        {
            rows.push((&i.city_id, &i.city, i.sector));
        }
        by_cell.insert((&i.city_id, i.sector, &i.channel), i);
    }
    let page: usize = p.page.trim().parse().unwrap_or(0);
    let pages = rows.len().div_ceil(ROWS_PER_PAGE).max(1);
    let page = page.min(pages - 1);
    let shown =
        &rows[(page * ROWS_PER_PAGE).min(rows.len())..((page + 1) * ROWS_PER_PAGE).min(rows.len())];
    let page_href = |n: usize| {
        if q.is_empty() {
            format!("/?page={n}")
        } else {
            format!("/?{q}&page={n}")
        }
    };
    let tiers: Vec<(String, String)> = Tier::ALL
        .iter()
        .map(|t| (t.to_string(), t.to_string()))
        .collect();
    let regions: Vec<(String, String)> = Region::ALL
        .iter()
        .map(|r| (r.to_string(), r.to_string()))
        .collect();
    let sectors: Vec<(String, String)> = Sector::ALL
        .iter()
        .map(|s| (s.to_string(), format!("{} {s}", s.name_zh())))
        .collect();
    let chans: Vec<(String, String)> = m
        .channels
        .iter()
        .map(|c| (c.id.to_string(), format!("{} {}", c.name, c.id)))
        .collect();
    let states: Vec<(String, String)> = State::ALL[1..]
        .iter()
        .map(|s| (s.as_str().to_string(), s.as_str().to_string()))
        .collect();
    let first = items.first();
    layout(
        "matrix",
        html! {
            header {
                strong { "portal-audit review" }
                span #progress { (progress_line(progress)) }
                span.muted { "rules " (m.rules_version) }
            }
            main {
                form.filters method="get" action="/" {
                    label { "city" input type="text" name="city" value=(p.city) size="10"; }
                    (select("tier", "tier", &p.tier, &tiers))
                    (select("region", "region", &p.region, &regions))
                    (select("sector", "sector", &p.sector, &sectors))
                    (select("channel", "channel", &p.channel, &chans))
                    (select("state", "state", &p.state, &states))
                    button type="submit" { "Filter" }
                }
                p.nav {
                    span #count { (thousands(items.len())) " cells in this view" }
                    @if let Some(i) = first {
                        a #start href=(cell_href(&i.city_id, i.sector, &i.channel, q, None)) { "Review this queue →" }
                        span.muted { "keys: " kbd { "n" } " next · " kbd { "p" } " previous · " kbd { "c" } " confirm · " kbd { "o" } " overturn" }
                    }
                    @if pages > 1 {
                        span {
                            @if page > 0 { a href=(page_href(page - 1)) { "← rows" } " " }
                            "page " (page + 1) " / " (pages)
                            @if page + 1 < pages { " " a href=(page_href(page + 1)) { "rows →" } }
                        }
                    }
                }
                @if items.is_empty() {
                    p { "No cell matches these filters." }
                } @else {
                    table.grid {
                        tr {
                            th { "city" } th { "sector" }
                            @for c in &channels { th title=(c.name_en) { (c.name) br; span.muted { (c.id) } } }
                        }
                        @for (city_id, city, sector) in shown {
                            tr {
                                td.c { (city_id) " " (city) }
                                td.c { (sector.name_zh()) " " span.muted { (sector) } }
                                @for c in &channels {
                                    @if let Some(i) = by_cell.get(&(*city_id, *sector, c.id.as_str())) {
                                        td class=(cell_class(i)) title=(cell_title(i)) {
                                            a href=(cell_href(city_id, *sector, c.id.as_str(), q, None)) {
                                                (mark(i.value)) @if i.reviewed { "ᴿ" } @if i.stale { "*" }
                                            }
                                        }
                                    } @else {
                                        td {}
                                    }
                                }
                            }
                        }
                    }
                    p.muted { "✓ yes · not found ? unknown · ᴿ reviewed · * stale (the evidence changed since the decision)" }
                }
            }
        },
    )
}

fn cell_class(i: &Item) -> String {
    let mut c = i.value.as_str().to_string();
    if i.stale {
        c.push_str(" stale");
    } else if i.reviewed {
        c.push_str(" rev");
    }
    c
}

fn cell_title(i: &Item) -> String {
    let mut t = format!("computed {}", i.computed.as_str());
    if let Some(s) = i.strength {
        t.push_str(&format!(
            ", best evidence {s} ({} findings)",
            i.finding_count
        ));
    }
    if !i.doubt.describe().is_empty() {
        t.push_str(&format!("; {}", i.doubt.describe()));
    }
    t
}

/// What the cell page shows.
pub(crate) struct CellView<'a> {
    pub matrix: &'a Matrix,
    pub city: &'a CityRow,
    pub cell: &'a Cell,
    pub channel: &'a ChannelDef,
    pub findings: &'a [FindingRow],
    pub selected: Option<i64>,
    /// The archived page of the selected finding, with its anchor.
    pub frame: Option<&'a str>,
    pub failures: &'a [Failure],
    pub history: &'a [Decision],
    /// The queue's query string.
    pub queue: &'a str,
    pub position: Position<'a>,
    pub token: &'a str,
}

/// A decision form: `id` is `confirm` or `overturn` (the keyboard shortcuts find them).
fn decide_form(
    v: &CellView<'_>,
    id: &str,
    verdict: Value,
    label: &str,
    reason: &str,
    key: &str,
) -> Markup {
    let queue: Vec<(String, String)> = url::form_urlencoded::parse(v.queue.as_bytes())
        .into_owned()
        .collect();
    html! {
        form id=(id) method="post" action="/decide" {
            input type="hidden" name="token" value=(v.token);
            input type="hidden" name="c" value=(v.city.id);
            input type="hidden" name="s" value=(v.cell.sector.as_str());
            input type="hidden" name="ch" value=(v.channel.id.as_str());
            input type="hidden" name="verdict" value=(verdict.as_str());
            @for (k, val) in &queue { input type="hidden" name=(k) value=(val); }
            div {
                button type="submit" { (label) " → " (verdict.as_str()) } " " kbd { (key) }
            }
            label {
                "reason "
                input type="text" name="reason" id=(format!("{id}-reason")) value=(reason) required
                    placeholder="why (required)" autocomplete="off";
            }
            label { input type="checkbox" name="advance" value="1" checked; " then the next cell" }
        }
    }
}

/// The cell page: its value, its evidence beside the archived page, and the forms.
pub fn cell(v: &CellView<'_>) -> Markup {
    let c = v.cell;
    let back = if v.queue.is_empty() {
        "/".to_string()
    } else {
        format!("/?{}", v.queue)
    };
    let (confirm, overturn) = match c.computed {
        Value::Yes => ((Value::Yes, "Confirm"), (Value::No, "Overturn")),
        Value::No => ((Value::No, "Confirm"), (Value::Yes, "Overturn")),
        Value::Unknown => ((Value::Yes, "Mark"), (Value::No, "Mark")),
    };
    let confirm_reason = if c.computed == Value::Unknown {
        ""
    } else {
        "evidence checked"
    };
    let title = format!(
        "{} {} · {} · {}",
        v.city.id,
        v.city.name,
        v.cell.sector.name_zh(),
        v.channel.name
    );
    let pos = &v.position;
    layout(
        &title,
        html! {
            header {
                strong { "portal-audit review" }
                a #back href=(back) { "← matrix" }
                span {
                    @match pos.index {
                        Some(i) => { "cell " (i + 1) " / " (thousands(pos.len)) " in this queue" }
                        None => { "not in this queue (" (thousands(pos.len)) " cells)" }
                    }
                }
                @if let Some(p) = pos.prev { a #prev href=(cell_href(&p.city_id, p.sector, &p.channel, v.queue, None)) { "← previous" } }
                @if let Some(n) = pos.next { a #next href=(cell_href(&n.city_id, n.sector, &n.channel, v.queue, None)) { "next →" } }
                span.muted { kbd { "n" } "/" kbd { "p" } " next/previous · " kbd { "c" } " confirm · " kbd { "o" } " overturn · " kbd { "1" } "–" kbd { "9" } " finding" }
            }
            main.cellview {
                div {
                    h1 {
                        (v.city.id) " " (v.city.name) " · "
                        (v.cell.sector.name_zh()) " " span.muted { (v.cell.sector) } " · "
                        (v.channel.name) " " span.muted { (v.channel.id) }
                    }
                    p.muted { (v.city.province) " · " (v.city.tier) " · " (v.city.region) " · audit run " (v.city.audit_run) " · portal " (v.city.status) " · rules " (v.matrix.rules_version) }
                    p.value {
                        "computed: " strong #computed { (c.computed.as_str()) }
                        @if let Some(s) = c.strength { " (best evidence " (s) ", " (c.finding_count) " findings)" }
                        @if let Some(r) = &c.reason { " (" (r) ")" }
                        @if let Some(r) = &c.review {
                            " · reviewed: " strong #reviewed { (r.value.as_str()) } " by " (r.reviewer) " at " (r.decided_at) ": " em { (r.reason) }
                            @if r.stale { " " strong.stale { "stale: the evidence changed since this decision" } }
                        }
                    }
                    div.decide {
                        (decide_form(v, "confirm", confirm.0, confirm.1, confirm_reason, "c"))
                        (decide_form(v, "overturn", overturn.0, overturn.1, "", "o"))
                    }
                    h2 { "Findings" }
                    @if v.findings.is_empty() {
                        p { "No findings." }
                    } @else {
                        table.findings {
                            tr { th { "#" } th { "strength" } th { "rule" } th { "page" } th { "target" } th { "text" } th { "snippet" } th { "fetched" } th { "sha256" } }
                            @for (n, f) in v.findings.iter().enumerate() {
                                tr class=[(v.selected == Some(f.id)).then_some("sel")] id=(format!("row-{}", f.id)) {
                                    td { a.finding href=(cell_href(&v.city.id, c.sector, v.channel.id.as_str(), v.queue, Some(f.id))) data-key=[(n < 9).then(|| (n + 1).to_string())] { "show " (n + 1) } }
                                    td.n { (f.strength) }
                                    td.n { (f.rule) }
                                    td.u { (f.page_url) }
                                    td.u { (f.target) }
                                    td { (f.text) }
                                    td { (f.snippet) }
                                    td.n { (f.fetched_at) }
                                    td title=(f.body_sha256) { (f.body_sha256.get(..12).unwrap_or("")) }
                                }
                            }
                        }
                    }
                    @if !v.failures.is_empty() {
                        h2 { "Site failures" }
                        table {
                            tr { th { "start URL" } th { "outcome" } th { "error" } }
                            @for f in v.failures { tr { td { (f.start_url) } td { (f.outcome) } td { (f.error) } } }
                        }
                    }
                    h2 { "History" }
                    @if v.history.is_empty() {
                        p.muted { "No decision yet." }
                    } @else {
                        ol #history {
                            @for d in v.history {
                                li { (d.decided_at) " " strong { (d.verdict.as_str()) } " (computed " (d.computed) ") by " (d.reviewer) ": " (d.reason) }
                            }
                        }
                    }
                }
                div.evidence {
                    @match v.frame {
                        Some(src) => iframe #page sandbox="" src=(src) title="archived page (inert)" {},
                        None => p.muted { "No archived page for this cell." },
                    }
                }
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separate() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(412), "412");
        assert_eq!(thousands(2359), "2,359");
        assert_eq!(thousands(1234567), "1,234,567");
    }

    #[test]
    fn cell_links_escape_their_values() {
        let h = cell_href("a&b", Sector::General, "we ibo", "state=pending", Some(3));
        assert_eq!(h, "/cell?c=a%26b&s=general&ch=we+ibo&f=3&state=pending");
    }
}
