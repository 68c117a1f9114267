//! Text from crawled pages and other people's files, on the terminal.
//!
//! A reason, a reviewer's name or a link's text can carry escape sequences (ESC `[2J`,
//! a window title, a hyperlink), BEL, NUL, carriage returns that overwrite a line, or
//! bidirectional overrides that reorder it. [`shown`] writes every such character as a
//! visible `\u{…}` escape, so what a person reads is what is stored.

use std::borrow::Cow;

/// Whether `c` must not reach a terminal raw.
fn hidden(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

/// `s` with control and direction-changing characters escaped, for one line of output.
pub fn shown(s: &str) -> Cow<'_, str> {
    if !s.chars().any(hidden) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| {
                if hidden(c) {
                    c.escape_unicode().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_and_direction_characters_are_escaped() {
        assert_eq!(shown("甲市 ok"), "甲市 ok");
        assert_eq!(shown("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(shown("x\r\ny\u{7}\0"), "x\\u{d}\\u{a}y\\u{7}\\u{0}");
        assert_eq!(shown("\u{202E}txt"), "\\u{202e}txt");
    }
}
