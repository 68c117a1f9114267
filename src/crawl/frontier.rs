//! A site's crawl frontier: what to fetch next, within the page and depth budget.
//!
//! Links whose anchor text, title or URL suggests a channel or a service section are
//! fetched before ordinary news links, so channel pages are found within budget.
//! URLs are normalised and deduplicated, and at most a few query-string variants of
//! one path are admitted, so calendars and search pages cannot eat the budget.

use aho_corasick::AhoCorasick;
use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};
use std::hash::{BuildHasher, Hash};
use std::sync::LazyLock;
use url::Url;

/// Words that mark a link as leading to a channel or a service section.
const PRIORITY_WORDS: &[&str] = &[
    "互动",
    "交流",
    "新媒体",
    "微博",
    "微信",
    "公众号",
    "抖音",
    "快手",
    "头条",
    "视频号",
    "小程序",
    "客户端",
    "app",
    "手机版",
    "移动",
    "wap",
    "信箱",
    "咨询",
    "信件",
    "来信",
    "问政",
    "留言",
    "办事",
    "服务",
    "联系我们",
    "热线",
    "12345",
    "投诉",
    "政民",
    "weibo",
    "weixin",
    "zmhd",
    "hdjl",
    "xmt",
    "zwfw",
    "wsbs",
    "hudong",
    "lxwm",
    "mobile",
];

/// Anchor texts longer than this are headlines: their words do not raise priority.
const LABEL_CHARS: usize = 12;

/// File extensions that are recorded as links but never fetched.
const NON_HTML_EXTENSIONS: &[&str] = &[
    "pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "wps", "et", "dps", "ofd", "txt", "rtf",
    "zip", "rar", "7z", "gz", "tgz", "tar", "bz2", "xz", "iso", "exe", "msi", "apk", "ipa", "dmg",
    "jpg", "jpeg", "png", "gif", "bmp", "svg", "webp", "ico", "tif", "tiff", "mp3", "mp4", "avi",
    "wmv", "flv", "mov", "mkv", "wav", "swf", "css", "js", "json", "xml", "csv", "ceb", "caj",
];

static PRIORITY: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(PRIORITY_WORDS)
        .expect("valid patterns")
});

/// Normalises a URL for deduplication: fragment dropped, host lower-cased and default
/// port removed (both by the `url` crate), empty query removed.
pub fn normalize(url: &Url) -> Url {
    normalized(url).into_owned()
}

/// [`normalize`], borrowing the URL when it is normal already (as resolved links are).
fn normalized(url: &Url) -> std::borrow::Cow<'_, Url> {
    if url.fragment().is_none() && url.query() != Some("") {
        return std::borrow::Cow::Borrowed(url);
    }
    let mut u = url.clone();
    u.set_fragment(None);
    if u.query() == Some("") {
        u.set_query(None);
    }
    std::borrow::Cow::Owned(u)
}

/// Whether a URL names a document type that is recorded, not fetched.
pub fn is_non_html(url: &Url) -> bool {
    let last = url.path().rsplit('/').next().unwrap_or_default();
    match last.rsplit_once('.') {
        Some((_, ext)) => NON_HTML_EXTENSIONS
            .iter()
            .any(|known| known.eq_ignore_ascii_case(ext)),
        None => false,
    }
}

/// Whether the anchor texts, title, image alt or URL of a link suggest a channel or
/// service page (the texts are not joined: keywords never contain spaces).
pub(crate) fn is_priority(hints: &[&str], url: &Url) -> bool {
    let short = hints
        .iter()
        .flat_map(|h| h.split_whitespace())
        .all(|part| part.chars().count() <= LABEL_CHARS);
    (short && hints.iter().any(|h| PRIORITY.is_match(h))) || PRIORITY.is_match(url.path())
}

/// A URL waiting to be fetched (kept as text: a parsed `Url` per queued link costs
/// several times the memory, and most queued links are never fetched).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Queued {
    url: Box<str>,
    depth: u32,
    priority: bool,
    seq: u64,
}

/// A URL to fetch next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub url: Url,
    pub depth: u32,
    pub priority: bool,
}

impl Ord for Queued {
    fn cmp(&self, other: &Self) -> Ordering {
        // Max-heap: priority links first, then shallower, then earlier discovered.
        self.priority
            .cmp(&other.priority)
            .then_with(|| other.depth.cmp(&self.depth))
            .then_with(|| other.seq.cmp(&self.seq))
    }
}

impl PartialOrd for Queued {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Why a URL was not queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    Seen,
    TooDeep,
    NotHtml,
    QueryVariants,
    /// The queue holds enough ordinary links for the budget.
    Full,
}

/// Keys a crawl has already handled (URLs, link and finding identities), remembered as
/// 64-bit hashes: a site's crawl sees thousands of links, and the strings themselves
/// need not be kept. The hash is seeded per set, so a page cannot craft two links that
/// collide; two distinct keys collide by chance with odds of about 2^-64 per pair.
///
/// Kept as a sorted vector of exact size plus a short unsorted run of recent ones
/// (merged every [`RECENT`] inserts): 8 bytes a key, where a hash table took 9 bytes a
/// bucket at up to twice the buckets, and every site's table doubled at about the same
/// page of a national crawl (2,000 sites, about 1,300 links each).
#[derive(Default)]
pub(crate) struct SeenHashes {
    seed: foldhash::fast::RandomState,
    sorted: Vec<u64>,
    recent: Vec<u64>,
}

/// Keys kept unsorted before they are merged into the sorted run.
const RECENT: usize = 32;

impl SeenHashes {
    /// Records `key`; false when it was recorded before.
    pub fn insert(&mut self, key: impl Hash) -> bool {
        let h = self.seed.hash_one(key);
        self.insert_hash(h)
    }

    #[cfg(test)]
    /// Whether `key` was recorded.
    pub fn contains(&self, key: impl Hash) -> bool {
        self.contains_hash(self.seed.hash_one(key))
    }

    /// `key`'s hash, for a caller that checks and later records the same key.
    fn hash(&self, key: impl Hash) -> u64 {
        self.seed.hash_one(key)
    }

    fn contains_hash(&self, h: u64) -> bool {
        self.recent.contains(&h) || self.sorted.binary_search(&h).is_ok()
    }

    fn insert_hash(&mut self, h: u64) -> bool {
        if self.contains_hash(h) {
            return false;
        }
        if self.recent.capacity() == 0 {
            self.recent.reserve_exact(RECENT);
        }
        self.recent.push(h);
        if self.recent.len() == RECENT {
            // Merge the sorted recent keys in from the back: one pass, no sort of the whole.
            self.recent.sort_unstable();
            let old = self.sorted.len();
            self.sorted.reserve_exact(RECENT);
            self.sorted.resize(old + RECENT, 0);
            let (mut i, mut j) = (old, RECENT);
            for k in (0..old + RECENT).rev() {
                if j == 0 {
                    break;
                }
                if i > 0 && self.sorted[i - 1] > self.recent[j - 1] {
                    self.sorted[k] = self.sorted[i - 1];
                    i -= 1;
                } else {
                    self.sorted[k] = self.recent[j - 1];
                    j -= 1;
                }
            }
            self.recent.clear();
        }
        true
    }

    #[cfg(test)]
    /// How many keys are recorded.
    pub fn len(&self) -> usize {
        self.sorted.len() + self.recent.len()
    }
}

/// Ordinary (not priority) links queued per page of budget; beyond this a site's queue
/// stops growing, so a link-heavy site cannot hold much memory for pages it will never fetch.
const QUEUE_PER_PAGE: usize = 4;

/// The frontier of one site.
pub struct Frontier {
    heap: BinaryHeap<Queued>,
    /// Normalised URLs already queued or fetched.
    seen: SeenHashes,
    ordinary_cap: usize,
    variants: HashMap<String, usize>,
    max_depth: u32,
    max_query_variants: usize,
    seq: u64,
}

impl Frontier {
    pub fn new(max_depth: u32, max_query_variants: usize) -> Self {
        Frontier::with_budget(max_depth, max_query_variants, usize::MAX / QUEUE_PER_PAGE)
    }

    /// A frontier for a site whose crawl fetches at most `max_pages` pages.
    pub(crate) fn with_budget(max_depth: u32, max_query_variants: usize, max_pages: usize) -> Self {
        Frontier {
            heap: BinaryHeap::new(),
            seen: SeenHashes::default(),
            ordinary_cap: max_pages.saturating_mul(QUEUE_PER_PAGE),
            variants: HashMap::new(),
            max_depth,
            max_query_variants,
            seq: 0,
        }
    }

    /// Marks a URL as already handled (a start URL, a redirect target).
    pub(crate) fn mark_seen(&mut self, url: &Url) -> bool {
        self.seen.insert(normalize(url).as_str())
    }

    /// Queues a link found at `depth`; the caller has checked the scope.
    pub fn push(&mut self, url: &Url, depth: u32, hint_text: &str) -> Result<(), Skip> {
        self.push_hints(url, depth, &[hint_text])
    }

    /// [`Frontier::push`] with the link's texts given separately (no joined string).
    pub(crate) fn push_hints(&mut self, url: &Url, depth: u32, hints: &[&str]) -> Result<(), Skip> {
        self.push_ranked(url, depth, is_priority(hints, url))
    }

    /// Whether `url` was queued or fetched already: it never will be again, so a page
    /// waiting to be merged need not keep it.
    pub(crate) fn has_seen(&self, url: &Url) -> bool {
        let url = normalized(url);
        self.seen.contains_hash(self.seen.hash(url.as_str()))
    }

    /// Queues a link whose priority was judged already ([`is_priority`]).
    pub(crate) fn push_ranked(
        &mut self,
        url: &Url,
        depth: u32,
        priority: bool,
    ) -> Result<(), Skip> {
        if depth > self.max_depth {
            return Err(Skip::TooDeep);
        }
        if is_non_html(url) {
            return Err(Skip::NotHtml);
        }
        let url = normalized(url);
        let hash = self.seen.hash(url.as_str());
        if self.seen.contains_hash(hash) {
            return Err(Skip::Seen);
        }
        if !priority && self.heap.len() >= self.ordinary_cap {
            return Err(Skip::Full);
        }
        if url.query().is_some() {
            let key = format!("{}{}", url.host_str().unwrap_or_default(), url.path());
            let n = self.variants.entry(key).or_default();
            if *n >= self.max_query_variants {
                return Err(Skip::QueryVariants);
            }
            *n += 1;
        }
        self.seen.insert_hash(hash);
        self.seq += 1;
        self.heap.push(Queued {
            url: url.as_str().into(),
            depth,
            priority,
            seq: self.seq,
        });
        Ok(())
    }

    /// The next URL to fetch.
    pub(crate) fn pop(&mut self) -> Option<Pending> {
        while let Some(q) = self.heap.pop() {
            // Queued strings came from parsed URLs, so they parse again.
            if let Ok(url) = Url::parse(&q.url) {
                return Some(Pending {
                    url,
                    depth: q.depth,
                    priority: q.priority,
                });
            }
        }
        None
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn channel_links_come_first_then_shallow_then_fifo() {
        let mut f = Frontier::new(3, 5);
        f.push(&u("http://a.gov.cn/news/1.html"), 1, "新闻")
            .unwrap();
        f.push(&u("http://a.gov.cn/news/2.html"), 1, "通知")
            .unwrap();
        f.push(&u("http://a.gov.cn/col/9.html"), 2, "互动交流")
            .unwrap();
        f.push(&u("http://a.gov.cn/news/0.html"), 2, "旧闻")
            .unwrap();
        let order: Vec<String> = std::iter::from_fn(|| f.pop())
            .map(|p| p.url.path().to_string())
            .collect();
        assert_eq!(
            order,
            [
                "/col/9.html",
                "/news/1.html",
                "/news/2.html",
                "/news/0.html"
            ]
        );
    }

    #[test]
    fn seen_hashes_remember_keys_per_set() {
        let mut a = SeenHashes::default();
        assert!(a.insert(("https://x.gov.cn/a", "首页")));
        assert!(!a.insert(("https://x.gov.cn/a", "首页")));
        assert!(a.insert(("https://x.gov.cn/a", "首 页")));
        assert!(a.contains(("https://x.gov.cn/a", "首页")));
        // Past the unsorted run, keys are still found and never recorded twice.
        for i in 0..1000 {
            assert!(a.insert(i));
        }
        for i in 0..1000 {
            assert!(!a.insert(i) && a.contains(i));
        }
        assert!(!a.contains(1000));
        assert_eq!(a.len(), 1002);
        assert!(
            a.sorted.windows(2).all(|w| w[0] < w[1]),
            "the merged run stays sorted"
        );
        assert!(!a.contains("https://x.gov.cn/a"));
        // Each set has its own seed; membership does not leak between sets.
        let b = SeenHashes::default();
        assert!(!b.contains(("https://x.gov.cn/a", "首页")));
        assert!(is_non_html(&u("https://x.gov.cn/f/REPORT.PDF")));
        assert!(is_non_html(&u("https://x.gov.cn/f/a.Docx")));
        assert!(!is_non_html(&u("https://x.gov.cn/f/a.html")));
        assert!(!is_non_html(&u("https://x.gov.cn/f/readme")));
    }

    #[test]
    fn dedup_depth_types_and_query_variants() {
        let mut f = Frontier::new(2, 5);
        assert!(f.push(&u("HTTP://A.gov.cn:80/x#frag"), 1, "").is_ok());
        assert_eq!(f.push(&u("http://a.gov.cn/x"), 1, ""), Err(Skip::Seen));
        assert_eq!(f.push(&u("http://a.gov.cn/y"), 3, ""), Err(Skip::TooDeep));
        assert_eq!(
            f.push(&u("http://a.gov.cn/f.PDF"), 1, ""),
            Err(Skip::NotHtml)
        );
        for d in 1..=5 {
            f.push(&u(&format!("http://a.gov.cn/cal?d={d}")), 1, "")
                .unwrap();
        }
        assert_eq!(
            f.push(&u("http://a.gov.cn/cal?d=6"), 1, ""),
            Err(Skip::QueryVariants)
        );
        assert_eq!(f.len(), 6);
    }
}
