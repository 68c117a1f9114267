//! Cheap tests of what a text may hold (an e-mail address, a phone number, a channel
//! word), run before the expensive ones: detection skips blocks without them, and
//! extraction keeps the blocks that have them when a page is too long to keep whole.

use aho_corasick::AhoCorasick;
use std::sync::LazyLock;

/// The digits every phone pattern starts with at least.
const PHONE_DIGITS: usize = 5;

/// Whether `b` holds a run of at least [`PHONE_DIGITS`] ASCII digits. Such a run covers
/// one of every fifth byte, so only those are probed (CJK text has few digits) and a
/// run is measured only around a probe that hits one.
pub(crate) fn has_phone_run(b: &[u8]) -> bool {
    let mut probe = PHONE_DIGITS - 1;
    while probe < b.len() {
        if b[probe].is_ascii_digit() {
            let before = b[..probe]
                .iter()
                .rev()
                .take_while(|c| c.is_ascii_digit())
                .count();
            let after = b[probe..].iter().take_while(|c| c.is_ascii_digit()).count();
            if before + after >= PHONE_DIGITS {
                return true;
            }
            // This run ends before the next probe could reach its end.
            probe += after;
        }
        probe += PHONE_DIGITS;
    }
    false
}

/// A block's text: whether it may hold an e-mail address (`@`, `#`, `＠` or an
/// `at)`-style spelling) and whether it has a run of digits a phone number needs.
pub(crate) fn email_and_number_marks(text: &str) -> (bool, bool) {
    // Searchers built once: building one per call costs more than most searches.
    static FULLWIDTH_AT: LazyLock<memchr::memmem::Finder<'static>> =
        LazyLock::new(|| memchr::memmem::Finder::new("＠".as_bytes()));
    static AT: LazyLock<memchr::memmem::Finder<'static>> =
        LazyLock::new(|| memchr::memmem::Finder::new(b"at"));
    let b = text.as_bytes();
    let email = memchr::memchr2(b'@', b'#', b).is_some()
        || FULLWIDTH_AT.find(b).is_some()
        || AT.find_iter(b).any(|i| {
            matches!(b.get(i + 2), Some(b')' | b']' | b'}'))
                || b[i + 2..].starts_with("）".as_bytes())
        });
    (email, has_phone_run(b))
}

/// Words that make a text block worth keeping on a page too long to keep whole: where
/// channels, lines and owners are named.
const KEEP_WORDS: &[&str] = &[
    "热线",
    "电话",
    "邮箱",
    "信箱",
    "微博",
    "微信",
    "公众号",
    "客户端",
    "办事",
    "咨询",
    "投诉",
    "地址",
    "主办",
    "承办",
    "联系",
    "二维码",
    "扫一扫",
    "APP",
    "手机",
    "留言",
    "服务",
    "小程序",
    "抖音",
    "视频号",
    "头条",
    "快手",
];

static KEEP: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(KEEP_WORDS)
        .expect("valid patterns")
});

/// Whether a text may hold a line or an address: a phone-length digit run or an e-mail
/// mark (the evidence that lives in running text).
pub(crate) fn has_contact(text: &str) -> bool {
    let (email, phone) = email_and_number_marks(text);
    email || phone
}

/// Whether a text may be evidence: it has a phone-length digit run, an e-mail mark, or
/// a channel, line or owner word.
pub(crate) fn matters(text: &str) -> bool {
    let (email, phone) = email_and_number_marks(text);
    email || phone || KEEP.is_match(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_marks() {
        assert_eq!(email_and_number_marks("热线：0571-12345"), (false, true));
        assert_eq!(email_and_number_marks("2023-05-01 发布"), (false, false));
        assert!(email_and_number_marks("zx#x.gov.cn").0);
        assert!(email_and_number_marks("zx＠x.gov.cn").0);
        assert!(email_and_number_marks("zx(at)x.gov.cn").0);
        assert!(email_and_number_marks("zx（at）x.gov.cn").0);
        assert!(!email_and_number_marks("data（a）").0);
        assert!(!email_and_number_marks("ends with at").0);
    }

    #[test]
    fn phone_runs_are_found_wherever_they_sit() {
        let longest_run = |b: &[u8]| {
            b.split(|c| !c.is_ascii_digit())
                .map(<[u8]>::len)
                .max()
                .unwrap_or(0)
        };
        // Every placement of runs of 1 to 7 digits in texts of up to 14 bytes.
        for len in 0..=14usize {
            for start in 0..=len {
                for run in 1..=7usize.min(len - start) {
                    for second in [0usize, 3, 4, 6] {
                        let mut b = vec![b'x'; len];
                        b[start..start + run].fill(b'7');
                        if second > 0 && start + run + 1 + second <= len {
                            let s2 = start + run + 1;
                            b[s2..s2 + second].fill(b'1');
                        }
                        assert_eq!(
                            has_phone_run(&b),
                            longest_run(&b) >= PHONE_DIGITS,
                            "{}",
                            String::from_utf8_lossy(&b)
                        );
                    }
                }
            }
        }
        assert!(has_phone_run("电话：１２３ 0571-87654321".as_bytes()));
        assert!(!has_phone_run("２０２３年１２月 第1234期".as_bytes()));
    }

    #[test]
    fn what_matters() {
        assert!(matters("服务热线：12345"));
        assert!(matters("主办：甲市人民政府"));
        assert!(!matters("2024-05-01 公示 第3期"));
    }
}
