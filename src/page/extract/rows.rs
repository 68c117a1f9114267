//! List rows: the `<li>` and `<tr>` elements of a page with the text of each of their
//! direct children as a cell (`<li><a>标题</a><span>2026-11-20</span></li>` is the row
//! `标题 | 2026-11-20`). Dated lists (a column's newest item) and letter lists (来信时间,
//! 答复时间 by column) are read from them; the table or list a row sits in groups a
//! header with its rows.

use super::facts::{CELL, PageFacts, Row};
use super::frame::{Frame, path_id};
use super::text::push_squashed;

/// Rows kept per page (a hostile page may have a million).
pub(crate) const MAX_ROWS: usize = 2_000;

/// Bytes of text kept per row.
const MAX_ROW_BYTES: usize = 600;

/// Tags that hold rows: a header row and its rows share the nearest one.
fn is_row_group(tag: &str) -> bool {
    matches!(tag, "table" | "ul" | "ol" | "dl")
}

/// The index in `facts.rows` of the innermost row on the stack, created on first use;
/// `None` outside any row or past [`MAX_ROWS`].
pub(super) fn ensure_row(stack: &mut [Frame<'_>], facts: &mut PageFacts) -> Option<usize> {
    let at = stack.last()?.row_frame?;
    if let Some(i) = stack[at].row {
        return Some(i);
    }
    if facts.rows.len() >= MAX_ROWS {
        return None;
    }
    let group_at = (0..at).rev().find(|&i| is_row_group(stack[i].tag));
    let group = match group_at {
        Some(g) => path_id(&mut stack[..=g], &mut facts.paths),
        None => path_id(&mut stack[..at.max(1)], &mut facts.paths),
    };
    let path = path_id(&mut stack[..=at], &mut facts.paths);
    facts.rows.push(Row {
        text: String::new(),
        link: None,
        group,
        path,
    });
    stack[at].row = Some(facts.rows.len() - 1);
    stack[at].row_cell = usize::MAX;
    stack[at].row
}

/// Adds a text node to the innermost row's cell: the cell of the row's child it sits in,
/// or, directly in the row, a cell of its own.
pub(super) fn push_row_text(stack: &mut [Frame<'_>], facts: &mut PageFacts, t: &str) {
    let Some(at) = stack.last().and_then(|f| f.row_frame) else {
        return;
    };
    let Some(i) = ensure_row(stack, facts) else {
        return;
    };
    let cell = match stack.get(at + 1) {
        Some(child) => child.nth,
        None => 1_000_000 + stack[at].children,
    };
    let text = &mut facts.rows[i].text;
    if text.len() >= MAX_ROW_BYTES {
        return;
    }
    if stack[at].row_cell != cell {
        if stack[at].row_cell != usize::MAX {
            while text.ends_with(' ') {
                text.pop();
            }
            text.push(CELL);
        }
        stack[at].row_cell = cell;
    } else if !text.is_empty() && !text.ends_with([' ', CELL]) {
        text.push(' ');
    }
    let mut room = (MAX_ROW_BYTES - text.len()).min(t.len());
    while !t.is_char_boundary(room) {
        room -= 1;
    }
    push_squashed(text, t[..room].trim_start());
}

/// A table cell opening directly in a row starts a cell, even an empty one, so the
/// cells of a table row keep their columns.
pub(super) fn open_cell(stack: &mut [Frame<'_>], facts: &mut PageFacts) {
    let n = stack.len();
    if n < 2 || stack[n - 2].row_frame != Some(n - 2) || !matches!(stack[n - 1].tag, "td" | "th") {
        return;
    }
    let Some(i) = ensure_row(stack, facts) else {
        return;
    };
    let at = n - 2;
    let text = &mut facts.rows[i].text;
    if stack[at].row_cell != usize::MAX && text.len() < MAX_ROW_BYTES {
        while text.ends_with(' ') {
            text.pop();
        }
        text.push(CELL);
    }
    stack[at].row_cell = stack[n - 1].nth;
}

/// Notes link `li` as the first link of the innermost row.
pub(super) fn link_in_row(stack: &mut [Frame<'_>], facts: &mut PageFacts, li: usize) {
    if let Some(r) = ensure_row(stack, facts) {
        facts.rows[r].link.get_or_insert(li);
    }
}

#[cfg(test)]
mod tests {
    use crate::page::extract::extract;

    fn rows(html: &str) -> Vec<(Vec<String>, Option<String>)> {
        let f = extract(html, Some(&url::Url::parse("http://x.gov.cn/").unwrap()));
        f.rows
            .iter()
            .map(|r| {
                (
                    r.cells().map(str::to_string).collect(),
                    r.link.map(|l| f.links[l].text.clone()),
                )
            })
            .collect()
    }

    #[test]
    fn a_rows_cells_are_its_direct_children() {
        let r = rows(
            r#"<ul><li><h4><a href="/a">标题 一</a></h4>
            <span class="time">
              2026-11-20
            </span></li><li><a href="/b">二</a> [11-19]</li></ul>
            <table><thead><tr><th>标题</th><th>来信时间</th><th>答复时间</th></tr></thead>
            <tbody><tr><td><a href="/c">问</a></td><td>2026-10-01</td><td></td></tr></tbody></table>"#,
        );
        assert_eq!(
            r,
            [
                (
                    vec!["标题 一".into(), "2026-11-20".into()],
                    Some("标题 一".into())
                ),
                (vec!["二".into(), "[11-19]".into()], Some("二".into())),
                (
                    vec!["标题".into(), "来信时间".into(), "答复时间".into()],
                    None
                ),
                (
                    vec!["问".into(), "2026-10-01".into(), String::new()],
                    Some("问".into())
                ),
            ]
        );
        let f = extract(
            "<table><thead><tr><th>a</th></tr></thead><tbody><tr><td>b</td></tr></tbody></table>",
            None,
        );
        assert_eq!(f.rows[0].group, f.rows[1].group, "one table, one group");
    }

    #[test]
    fn nested_rows_keep_their_own_text_and_rows_are_capped() {
        let r = rows("<ul><li>菜单<ul><li><a href=/x>子项</a></li></ul></li></ul>");
        assert_eq!(r[0].0, ["菜单"]);
        assert_eq!(r[1].0, ["子项"]);
        let many = "<li>x</li>".repeat(super::MAX_ROWS + 10);
        let f = extract(&format!("<ul>{many}</ul>"), None);
        assert_eq!(f.rows.len(), super::MAX_ROWS);
    }
}
