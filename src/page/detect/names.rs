//! The words of file and folder names. Chinese CMSs name files and folders with pinyin
//! initials (`wb.png` 微博, `n_qzxx.html` 区长信箱, `icon-function-wsbsdt1.png` 网上办事大厅,
//! `appewm.png` APP 二维码): for an image, or a link whose only content is an image, they
//! are the only words it has. A word is a whole run of letters, so `gzh` (公众号) is never
//! found inside `cangzhou` (沧州), nor `wx` inside `wxhs`.

/// Affixes that say "a picture or a QR code of" and nothing of what it shows: `wxewm` is
/// `wx` + 二维码, `iconwb` an icon of `wb`.
const PICTURE_AFFIXES: [&str; 10] = [
    "erweima", "qrcode", "ewm", "qr", "code", "icon", "logo", "pic", "img", "btn",
];

/// File names that stand for their folder: `/jgj/jzxx/index.html` is named `jzxx`.
const FOLDER_PAGES: [&str; 4] = ["index", "default", "main", "home"];

/// The name a path or source gives its target: its file name without the extension, or
/// the folder's name when the file is the folder's index page (or there is none).
pub(super) fn own_name(path: &str) -> &str {
    let path = path.split(['?', '#']).next().unwrap_or(path);
    let mut segments = path.rsplit('/').filter(|s| !s.is_empty());
    let Some(last) = segments.next() else {
        return "";
    };
    let stem = last.split('.').next().unwrap_or(last);
    if FOLDER_PAGES.iter().any(|p| stem.eq_ignore_ascii_case(p)) {
        return segments.next().unwrap_or("");
    }
    stem
}

/// The lower-case words of a name (runs of ASCII letters; digits and punctuation split
/// them), each also without a picture affix (`wxewm` → `wxewm`, `wx`).
pub(super) fn words(name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in name
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| !w.is_empty() && w.len() <= 24)
    {
        let w = w.to_ascii_lowercase();
        for a in PICTURE_AFFIXES {
            for bare in [w.strip_prefix(a), w.strip_suffix(a)].into_iter().flatten() {
                if bare.len() >= 2 && !out.iter().any(|o| o == bare) {
                    out.push(bare.to_string());
                }
            }
        }
        if !out.contains(&w) {
            out.push(w);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_names_of_files_and_folders() {
        assert_eq!(own_name("GZCY/n_qzxx.html"), "n_qzxx");
        assert_eq!(own_name("/jgj/jzxx/index.html"), "jzxx");
        assert_eq!(own_name("./fzgn/mobile/"), "mobile");
        assert_eq!(own_name("/zxzx/1558.jhtml?x=1"), "1558");
        assert_eq!(own_name("/"), "");
    }

    #[test]
    fn words_are_whole_runs_of_letters() {
        assert_eq!(words("qzxx-an1"), ["qzxx", "an"]);
        assert_eq!(
            words("icon-function-wsbsdt1"),
            ["icon", "function", "wsbsdt"]
        );
        assert!(words("appewm").contains(&"app".to_string()));
        assert!(words("ios_ewm").contains(&"ios".to_string()));
        assert!(words("wxewm").contains(&"wx".to_string()));
        assert!(!words("cangzhou_logo").contains(&"gzh".to_string()));
        assert!(!words("liuyang").contains(&"liuyan".to_string()));
    }
}
