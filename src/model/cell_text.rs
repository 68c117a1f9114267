//! Text in the CSV files the tool writes, and reads back.
//!
//! A spreadsheet runs a cell that begins with `=`, `+`, `-` or `@` (and, in some, a tab or
//! a carriage return) as a formula: `=HYPERLINK(…)` from a crawled page or `=cmd|…` from
//! somebody's decisions file would run on the reviewer's machine. Every CSV cell the tool
//! writes passes through [`neutralise`] (the OWASP rule: a leading `'`, which spreadsheets
//! show as text and do not display), and every CSV the tool reads back (seeds, decisions)
//! through [`restore`], so a value survives the round trip exactly. A value that already
//! begins with `'` gets one more, so that [`restore`] never strips a quote somebody typed.

use std::borrow::Cow;

/// The first characters that make a spreadsheet read a cell as a formula.
const FORMULA_TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Whether a cell starting with `c` needs a `'` in front (a trigger, or the quote itself).
fn needs_quote(c: char) -> bool {
    FORMULA_TRIGGERS.contains(&c) || c == '\''
}

/// `s` as a CSV cell that no spreadsheet runs as a formula.
pub fn neutralise(s: &str) -> Cow<'_, str> {
    match s.chars().next() {
        Some(c) if needs_quote(c) => Cow::Owned(format!("'{s}")),
        _ => Cow::Borrowed(s),
    }
}

/// The text a cell written by [`neutralise`] stands for: one leading `'` is dropped when
/// what follows it would have needed one. Any other text (a `'` a person typed before a
/// word) is kept as it is.
pub fn restore(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if rest.chars().next().is_some_and(needs_quote) => rest,
        _ => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_triggers_get_a_quote_and_come_back() {
        for s in [
            "=HYPERLINK(\"http://x\"&A1,\"y\")",
            "-2+3",
            "+1",
            "@SUM(1)",
            "\tx",
            "\rx",
            "'",
            "'=x",
            "''",
            "'plain",
        ] {
            let n = neutralise(s);
            assert!(n.starts_with('\''), "{s:?} -> {n:?}");
            assert_eq!(restore(&n), s, "round trip of {s:?}");
        }
    }

    #[test]
    fn ordinary_text_passes_unchanged() {
        for s in [
            "",
            "微博",
            "https://x.gov.cn/",
            "42",
            "a=b",
            " =x",
            "'hello",
        ] {
            assert_eq!(restore(&neutralise(s)), s);
        }
        assert_eq!(neutralise("微博"), "微博");
        assert_eq!(
            restore("'hello"),
            "'hello",
            "a typed quote before a word is kept"
        );
    }
}
