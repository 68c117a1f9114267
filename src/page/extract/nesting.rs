//! Cutting absurdly nested documents before parsing (html5ever's scope checks make
//! deep nesting quadratic), with a cheap scan that never allocates per tag.

/// The prefix of `html` before its element nesting first exceeds `max_depth`.
///
/// A cheap scan that counts only elements whose end tag is required, so unclosed
/// `<p>`/`<li>`/`<td>` in real pages do not count; raw-text elements and comments are
/// skipped. Real pages stay far below the limit; hostile ones are cut, not rejected.
pub(crate) fn limit_nesting(html: &str, max_depth: usize) -> &str {
    limit_nesting_counted(html, max_depth, count_lt(html))
}

/// How many `<` a document has: an upper bound on its tags, and so on its nodes.
pub(super) fn count_lt(html: &str) -> usize {
    memchr::memchr_iter(b'<', html.as_bytes()).count()
}

/// [`limit_nesting`] given the document's `<` count.
pub(super) fn limit_nesting_counted(html: &str, max_depth: usize, lt: usize) -> &str {
    let bytes = html.as_bytes();
    // A document with fewer tags than the limit cannot nest deeper than it.
    if lt <= max_depth {
        return html;
    }
    let mut depth = 0usize;
    let mut i = 0;
    let mut name = [0u8; 16];
    while let Some(off) = memchr_lt(&bytes[i..]) {
        let start = i + off;
        let rest = &bytes[start + 1..];
        if rest.starts_with(b"!--") {
            i = match find(&bytes[start..], b"-->") {
                Some(e) => start + e + 3,
                None => return html,
            };
            continue;
        }
        let closing = rest.first() == Some(&b'/');
        let name_start = start + 1 + usize::from(closing);
        let name_len = bytes[name_start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        i = name_start + name_len;
        if name_len == 0 {
            continue;
        }
        // Tag names longer than the buffer are never void, optional-end or raw-text ones.
        let n = name_len.min(name.len());
        for (d, s) in name.iter_mut().zip(&bytes[name_start..name_start + n]) {
            *d = s.to_ascii_lowercase();
        }
        let tag: &[u8] = if name_len > name.len() {
            b"-"
        } else {
            &name[..n]
        };
        let tag_end = match bytes[i..].iter().position(|&b| b == b'>') {
            Some(p) => i + p,
            None => return html,
        };
        let self_closing = tag_end > 0 && bytes[tag_end - 1] == b'/';
        i = tag_end + 1;
        if closing {
            if !end_tag_optional(tag) {
                depth = depth.saturating_sub(1);
            }
            continue;
        }
        if matches!(tag, b"script" | b"style" | b"textarea" | b"xmp" | b"title") {
            let mut close = Vec::with_capacity(tag.len() + 2);
            close.extend_from_slice(b"</");
            close.extend_from_slice(tag);
            i = match find_ci(&bytes[i..], &close) {
                Some(p) => i + p,
                None => return html,
            };
            continue;
        }
        if self_closing || end_tag_optional(tag) {
            continue;
        }
        depth += 1;
        if depth > max_depth {
            return &html[..start];
        }
    }
    html
}

/// Elements whose end tag may be omitted, and void elements: they do not count towards
/// the nesting depth.
fn end_tag_optional(tag: &[u8]) -> bool {
    matches!(
        tag,
        b"p" | b"li"
            | b"dt"
            | b"dd"
            | b"tr"
            | b"td"
            | b"th"
            | b"option"
            | b"optgroup"
            | b"tbody"
            | b"thead"
            | b"tfoot"
            | b"colgroup"
            | b"rb"
            | b"rt"
            | b"rp"
            | b"html"
            | b"head"
            | b"body"
            | b"area"
            | b"base"
            | b"br"
            | b"col"
            | b"embed"
            | b"hr"
            | b"img"
            | b"input"
            | b"link"
            | b"meta"
            | b"param"
            | b"source"
            | b"track"
            | b"wbr"
            | b"basefont"
            | b"bgsound"
            | b"frame"
            | b"keygen"
            | b"image"
            | b"isindex"
            | b"nobr"
    )
}

fn memchr_lt(b: &[u8]) -> Option<usize> {
    memchr::memchr(b'<', b)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

/// `needle` (which starts with `<`) in `hay`, ASCII case-insensitively.
fn find_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memchr_iter(needle[0], hay).find(|&i| {
        hay.get(i..i + needle.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(needle))
    })
}
