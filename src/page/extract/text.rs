//! White space and length handling for the texts extraction keeps: collapsing white
//! space (fast on CJK text), character-safe truncation, and capped appends.

use super::MAX_TEXT;

/// Collapses runs of white space (including U+3000 and &nbsp;) to one space.
pub(crate) fn squash(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_squashed(&mut out, s);
    trim_end_in_place(&mut out);
    out
}

/// Bytes that can start a white-space character: ASCII white space and the lead bytes
/// of U+0085/U+00A0, U+1680, U+2000–U+205F and U+3000.
static SPACE_LEAD: [bool; 256] = {
    let mut t = [false; 256];
    let leads = [
        b' ', b'\t', b'\n', b'\r', 0x0b, 0x0c, 0xc2, 0xe1, 0xe2, 0xe3,
    ];
    let mut i = 0;
    while i < leads.len() {
        t[leads[i] as usize] = true;
        i += 1;
    }
    t
};

/// The index of the first byte at or after `i` that may start white space (a byte below
/// 0x21 or a [`SPACE_LEAD`] lead byte), or `b.len()`. Eight bytes at a time: the usual
/// zero-byte test finds the lowest matching byte exactly (its false positives only ever
/// sit above a true match), and runs of CJK text go by without a per-byte lookup.
fn next_space_lead(b: &[u8], mut i: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let zero_bytes = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    while let Some(chunk) = b.get(i..i + 8) {
        let x = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let below_0x21 = x.wrapping_sub(ONES * 0x21) & !x & HIGHS;
        let leads = zero_bytes(x ^ (ONES * 0xc2))
            | zero_bytes(x ^ (ONES * 0xe1))
            | zero_bytes(x ^ (ONES * 0xe2))
            | zero_bytes(x ^ (ONES * 0xe3));
        let hits = below_0x21 | leads;
        if hits != 0 {
            return i + (hits.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < b.len() && !SPACE_LEAD[b[i] as usize] && b[i] >= 0x21 {
        i += 1;
    }
    i
}

/// The length of the white-space character (Unicode `White_Space`, which includes
/// U+00A0 and U+3000) starting at `b[i]`, or 0. Decided from the bytes: only a few lead
/// bytes can start one, so CJK text is never decoded.
#[inline(always)]
fn space_len(b: &[u8], i: usize) -> usize {
    if !SPACE_LEAD[b[i] as usize] {
        return 0;
    }
    let at = |k: usize| b.get(i + k).copied().unwrap_or(0);
    match b[i] {
        b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c => 1,
        0xc2 if matches!(at(1), 0x85 | 0xa0) => 2,
        0xe1 if at(1) == 0x9a && at(2) == 0x80 => 3,
        0xe2 if at(1) == 0x80 && matches!(at(2), 0x80..=0x8a | 0xa8 | 0xa9 | 0xaf) => 3,
        0xe2 if at(1) == 0x81 && at(2) == 0x9f => 3,
        0xe3 if at(1) == 0x80 && at(2) == 0x80 => 3,
        _ => 0,
    }
}

/// Appends `t` to `buf` with white space collapsed as [`squash`] does, except that a
/// trailing space is kept (so the next append knows a space came before it); callers
/// trim once at the end. Runs of text are copied as slices.
pub(super) fn push_squashed(buf: &mut String, t: &str) {
    let b = t.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        // Stop only at a white-space character (a character boundary); a candidate byte
        // that starts none (a CJK punctuation mark's lead byte) is stepped over.
        loop {
            i = next_space_lead(b, i);
            if i >= b.len() || space_len(b, i) > 0 {
                break;
            }
            i += 1;
        }
        // `i` is at a white-space character or the end: both are char boundaries.
        buf.push_str(&t[start..i]);
        let mut spaced = false;
        while i < b.len() {
            match space_len(b, i) {
                0 => break,
                n => {
                    i += n;
                    spaced = true;
                }
            }
        }
        if spaced && !buf.is_empty() && !buf.ends_with(' ') {
            buf.push(' ');
        }
    }
}

pub(super) fn trim_end_in_place(s: &mut String) {
    if s.ends_with(' ') {
        s.pop();
    }
}

/// The first `n` characters of `s`.
pub(crate) fn truncate_chars(s: &str, n: usize) -> String {
    prefix_chars(s, n).to_string()
}

/// The first `n` characters of `s`, borrowed.
pub(crate) fn prefix_chars(s: &str, n: usize) -> &str {
    if s.len() <= n {
        return s; // n bytes hold at most n characters
    }
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Appends text to a link, form or block text, white space collapsed; `separate` puts
/// a space between this text node and the previous one (blocks), links run on. A text
/// keeps about [`MAX_TEXT`] characters: the rest of a long paragraph is not copied
/// (or scanned by detection), except, with `keep_marked`, text nodes that hold a line or
/// an address (a phone number at the end of a long footer), up to four times as much.
pub(super) fn push_text(buf: &mut String, t: &str, separate: bool, keep_marked: bool) {
    // Bytes, not characters: counting characters on every append would be quadratic.
    let mut cap = MAX_TEXT * 3;
    if buf.len() >= cap {
        if !(keep_marked && buf.len() < cap * 4 && super::marks::has_contact(t)) {
            return;
        }
        cap *= 4;
    }
    if separate && !buf.is_empty() && !buf.ends_with(' ') {
        buf.push(' ');
    }
    let mut room = (cap - buf.len()).min(t.len());
    while !t.is_char_boundary(room) {
        room -= 1;
    }
    push_squashed(buf, &t[..room]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn squash_agrees_with_char_is_whitespace() {
        let reference = |s: &str| {
            s.split(char::is_whitespace)
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        };
        for c in (0..0x3100u32)
            .chain([
                0x205f, 0xfeff, 0x1680, 0x4e2d, 0xff0c, 0x1f600, 0x20000, 0x10ffff,
            ])
            .filter_map(char::from_u32)
        {
            let s = format!(" a{c}{c}b\u{3000}{c}c政{c}");
            assert_eq!(squash(&s), reference(&s), "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn space_lead_scan_agrees_with_the_table() {
        let scalar = |b: &[u8], i: usize| {
            (i..b.len())
                .find(|&k| SPACE_LEAD[b[k] as usize] || b[k] < 0x21)
                .unwrap_or(b.len())
        };
        let fillers: [&[u8]; 3] = [b"x", "政".as_bytes(), "。".as_bytes()];
        for filler in fillers {
            for len in 0..40 {
                let base: Vec<u8> = filler.iter().copied().cycle().take(len).collect();
                assert_eq!(next_space_lead(&base, 0), scalar(&base, 0));
                for at in 0..len {
                    for byte in [
                        0x00, 0x09, 0x0c, 0x20, 0x21, 0x7f, 0x80, 0xc2, 0xe1, 0xe3, 0xe4, 0xff,
                    ] {
                        let mut b = base.clone();
                        b[at] = byte;
                        for from in [0, at.saturating_sub(3), at] {
                            assert_eq!(
                                next_space_lead(&b, from),
                                scalar(&b, from),
                                "{b:x?} from {from}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn squash_and_truncate() {
        assert_eq!(squash("  a \u{3000}\n b\u{a0}c "), "a b c");
        assert_eq!(
            squash("\u{2003}政务\u{85}微博\u{b}é\u{202f}"),
            "政务 微博 é"
        );
        let mut link = String::new();
        push_text(&mut link, " 政民 ", false, false);
        push_text(&mut link, "互动", false, false);
        assert_eq!(link, "政民 互动");
        let mut block = String::new();
        push_text(&mut block, "热线：", true, true);
        push_text(&mut block, "12345", true, true);
        trim_end_in_place(&mut block);
        assert_eq!(block, "热线： 12345");
        assert_eq!(truncate_chars("政务微博", 2), "政务");
    }
}
