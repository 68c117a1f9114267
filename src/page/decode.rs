//! Turning a fetched body into text: BOM, then the HTTP charset, then a `<meta>`
//! prescan of the first 1024 bytes, then `chardetng` with the `.cn` hint.
//!
//! Chinese government servers often declare nothing or lie (a Tomcat default of
//! UTF-8 over a GBK page, ISO-8859-1 over GB2312). A declared label is believed if the
//! body decodes under it without errors, and a declared (or undeclared) UTF-8 also when
//! its errors are a handful among many valid characters (a CMS that cut a title in the
//! middle of a character): GBK read as UTF-8 fails on nearly every character, so only
//! bytes that really are another encoding fall back. Latin-1 style labels are believed
//! only when nothing better is declared and the detector agrees.

use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};
use regex::bytes::Regex;
use std::borrow::Cow;
use std::sync::LazyLock;

/// Text decoded from a body, with the encoding used and where it was learnt.
#[derive(Debug, Clone)]
pub struct Decoded<'a> {
    /// The text; borrowed from the body when it was UTF-8 already (most pages).
    pub text: Cow<'a, str>,
    pub encoding: &'static Encoding,
    /// `bom`, `http`, `meta` or `detected`.
    pub source: &'static str,
    /// Whether malformed sequences were replaced.
    pub had_errors: bool,
}

/// Malformed sequences tolerated in UTF-8 text: at most one per this many valid
/// multi-byte characters (GBK bytes read as UTF-8 are malformed almost everywhere).
const UTF8_VALID_PER_ERROR: usize = 20;

/// Bytes fed to the encoding detector.
const DETECT_BYTES: usize = 16 * 1024;

static META_CHARSET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i-u)<meta[^>]*?charset\s*=\s*["']?\s*([a-z0-9_:.\-]+)"#).expect("valid regex")
});

/// The charset parameter of a Content-Type header value, if any.
pub(crate) fn header_charset(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches(|c| c == '"' || c == '\''))
    })
}

/// The charset declared by `<meta charset>` or `<meta http-equiv content>` in the first
/// 1024 bytes (WHATWG prescan, simplified). UTF-16 labels mean UTF-8 there.
pub(crate) fn meta_charset(body: &[u8]) -> Option<&'static Encoding> {
    let head = &body[..body.len().min(1024)];
    let caps = META_CHARSET.captures(head)?;
    let enc = Encoding::for_label(&caps[1])?;
    Some(
        if enc == encoding_rs::UTF_16LE || enc == encoding_rs::UTF_16BE {
            UTF_8
        } else {
            enc
        },
    )
}

fn is_latin1_family(enc: &'static Encoding) -> bool {
    enc == WINDOWS_1252 || enc.name() == "ISO-8859-2" || enc.name() == "ISO-8859-15"
}

fn try_decode<'a>(body: &'a [u8], enc: &'static Encoding) -> Option<Cow<'a, str>> {
    if enc == UTF_8 {
        return utf8(body).map(Cow::Borrowed);
    }
    let (text, had_errors) = enc.decode_without_bom_handling(body);
    (!had_errors).then_some(text)
}

/// Malformed sequences and valid multi-byte characters of `body` read as UTF-8.
fn utf8_profile(body: &[u8]) -> (usize, usize) {
    let (mut errors, mut multibyte) = (0, 0);
    let mut rest = body;
    loop {
        let (valid, bad) = match std::str::from_utf8(rest) {
            Ok(_) => (rest.len(), None),
            Err(e) => (
                e.valid_up_to(),
                Some(e.error_len().unwrap_or(rest.len() - e.valid_up_to())),
            ),
        };
        multibyte += rest[..valid].iter().filter(|&&b| b >= 0xC0).count();
        match bad {
            None => return (errors, multibyte),
            Some(n) => {
                errors += 1;
                rest = &rest[valid + n..];
            }
        }
    }
}

/// `body` as UTF-8 with replacement characters, when its malformed sequences are a
/// handful among many valid characters ([`UTF8_VALID_PER_ERROR`]).
fn mostly_utf8(body: &[u8]) -> Option<Cow<'_, str>> {
    let (errors, multibyte) = utf8_profile(body);
    (errors > 0 && multibyte >= errors * UTF8_VALID_PER_ERROR)
        .then(|| String::from_utf8_lossy(body))
}

/// `body` as text if it is valid UTF-8. Most pages are, and checking them is a pass over
/// every byte of the page: the SIMD validator does it several times faster than a
/// byte-wise one on CJK text.
fn utf8(body: &[u8]) -> Option<&str> {
    simdutf8::basic::from_utf8(body).ok()
}

/// Decodes `body`, given the Content-Type header value if there was one.
pub fn decode<'a>(body: &'a [u8], content_type: Option<&str>) -> Decoded<'a> {
    if let Some((enc, bom_len)) = Encoding::for_bom(body) {
        let (text, had_errors) = enc.decode_without_bom_handling(&body[bom_len..]);
        return Decoded {
            text,
            encoding: enc,
            source: "bom",
            had_errors,
        };
    }
    let ascii_only = body.is_ascii();
    let declared = [
        (
            content_type
                .and_then(header_charset)
                .and_then(|l| Encoding::for_label(l.as_bytes())),
            "http",
        ),
        (meta_charset(body), "meta"),
    ];
    for (enc, source) in declared {
        let Some(enc) = enc else { continue };
        if is_latin1_family(enc) && !ascii_only {
            continue; // a server default, rarely true of a Chinese page; let detection decide
        }
        if let Some(text) = try_decode(body, enc) {
            return Decoded {
                text,
                encoding: enc,
                source,
                had_errors: false,
            };
        }
        if enc == UTF_8
            && let Some(text) = mostly_utf8(body)
        {
            return Decoded {
                text,
                encoding: UTF_8,
                source,
                had_errors: true,
            };
        }
    }
    if !ascii_only && let Some(text) = utf8(body) {
        return Decoded {
            text: Cow::Borrowed(text),
            encoding: UTF_8,
            source: "detected",
            had_errors: false,
        };
    }
    if !ascii_only && let Some(text) = mostly_utf8(body) {
        return Decoded {
            text,
            encoding: UTF_8,
            source: "detected",
            had_errors: true,
        };
    }
    // Undeclared non-UTF-8 text on a Chinese government site is GBK/GB18030 in practice;
    // a strict decode settles it cheaply. Anything else goes to the detector.
    if !ascii_only && let Some(text) = try_decode(body, encoding_rs::GB18030) {
        return Decoded {
            text,
            encoding: encoding_rs::GBK,
            source: "detected",
            had_errors: false,
        };
    }
    // The detector converges long before the end of a page; feeding all of it costs.
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    let sample = &body[..body.len().min(DETECT_BYTES)];
    detector.feed(sample, sample.len() == body.len());
    let enc = detector.guess(Some(b"cn"), chardetng::Utf8Detection::Allow);
    let (text, had_errors) = enc.decode_without_bom_handling(body);
    Decoded {
        text,
        encoding: enc,
        source: "detected",
        had_errors,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gbk(s: &str) -> Vec<u8> {
        encoding_rs::GBK.encode(s).0.into_owned()
    }

    const PAGE: &str = "<html><head><title>杭州市人民政府门户网站</title></head><body>政务微博 官方微信 市长信箱 12345政务服务热线</body></html>";

    #[test]
    fn gbk_with_meta_only() {
        let mut body =
            b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\">".to_vec();
        body.extend(gbk(PAGE));
        let d = decode(&body, Some("text/html"));
        assert!(d.text.contains("市长信箱"), "{}", d.text);
        assert_eq!(d.source, "meta");
        assert_eq!(d.encoding, encoding_rs::GBK);
    }

    #[test]
    fn gbk_with_no_charset_anywhere() {
        let body = gbk(PAGE);
        let d = decode(&body, None);
        assert!(d.text.contains("政务服务热线"), "{}", d.text);
        assert_eq!(d.source, "detected");
    }

    #[test]
    fn gbk_under_a_lying_header() {
        for header in ["text/html; charset=UTF-8", "text/html; charset=ISO-8859-1"] {
            let body = gbk(PAGE);
            let d = decode(&body, Some(header));
            assert!(d.text.contains("官方微信"), "{header}: {}", d.text);
        }
    }

    #[test]
    fn utf8_and_bom() {
        let d = decode(PAGE.as_bytes(), Some("text/html;charset=\"utf-8\""));
        assert_eq!(d.source, "http");
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice(PAGE.as_bytes());
        let d = decode(&bom, Some("text/html; charset=gbk"));
        assert_eq!(d.source, "bom");
        assert!(d.text.starts_with("<html>"));
    }

    /// Issue 12.4: one UTF-8 character cut in half made a declared UTF-8 page GBK.
    #[test]
    fn one_truncated_utf8_character_keeps_a_declared_utf8_page_utf8() {
        let mut body = b"<html><head><meta charset=\"utf-8\"><title>".to_vec();
        let title = "关于做好二〇二六年度政务服务工作的通知";
        body.extend_from_slice(&title.as_bytes()[..title.len() - 1]); // the CMS cut it
        body.extend_from_slice(PAGE.as_bytes());
        for header in [Some("text/html; charset=utf-8"), Some("text/html"), None] {
            let d = decode(&body, header);
            assert_eq!(d.encoding, UTF_8, "{header:?}");
            assert!(d.had_errors);
            assert!(d.text.contains("市长信箱") && d.text.contains("政务服务热线"));
        }
        // GBK behind a UTF-8 header is still recognised: it is malformed everywhere.
        let gbk_body = gbk(PAGE);
        let d = decode(&gbk_body, Some("text/html; charset=utf-8"));
        assert!(d.text.contains("市长信箱"), "{}", d.text);
        assert_ne!(d.encoding, UTF_8);
    }

    #[test]
    fn invalid_bytes_never_panic() {
        let d = decode(
            b"<p>\xff\xfe\xfd caf\xe9 \x80</p>",
            Some("text/html; charset=utf-8"),
        );
        assert!(d.text.contains("<p>"));
    }
}
