//! The rules file: its schema, and compiling it once into matchers.
//!
//! Rules are data (`rules/channels.toml`, compiled into the binary, replaceable with
//! `--rules FILE`). All keywords of all rules and vetoes go into one Aho-Corasick
//! automaton; each rule keeps bit masks of its keywords, so matching an element is one
//! scan of its text plus a few bit operations per rule.

mod channels;
mod compile;
mod file;

pub(crate) use channels::survey_channels;
pub use file::{Conditions, DiscoveryRules, ElementKind, VetoAction};

use crate::model::{ChannelId, Channels, Sector, Strength};
use crate::page::inspect::rules::InspectionRules;
use aho_corasick::AhoCorasick;
use channels::channel_table;
use compile::{KnownChannels, Vocabulary};
use regex::Regex;
use sha2::{Digest, Sha256};
use std::path::Path;

/// Keywords or host patterns one list of a rule may hold.
pub(crate) const MAX_LIST: usize = 2_000;
/// Distinct keywords and host patterns of a whole rules file: the matchers are built from
/// them, so their number bounds the time and memory a rules file can cost.
pub(crate) const MAX_PATTERNS: usize = 20_000;
/// Characters of one keyword or host pattern.
pub(crate) const MAX_PATTERN_CHARS: usize = 200;

/// The default rules, compiled into the binary.
pub const DEFAULT_RULES: &str = include_str!("../../../../rules/channels.toml");

/// A rules file that cannot be used, with where the problem is.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    #[error("cannot read rules file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("rules file {path}, line {line}, column {column}: {message}")]
    Syntax {
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("rules file {path}: rule `{rule}`: {message}")]
    Rule {
        path: String,
        rule: String,
        message: String,
    },
}

/// A set of keyword ids as a bit mask.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Mask(pub Vec<u64>);

impl Mask {
    pub(crate) fn with(words: usize) -> Mask {
        Mask(vec![0; words])
    }
    pub fn set(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|w| *w == 0)
    }
    /// Whether the two sets share a keyword.
    #[inline]
    pub(crate) fn meets(&self, other: &Mask) -> bool {
        self.0.iter().zip(&other.0).any(|(a, b)| a & b != 0)
    }
}

/// Compiled conditions.
#[derive(Debug, Clone)]
pub struct Matcher {
    pub element: Option<ElementKind>,
    pub target_host: Vec<String>,
    pub target_host_contains: Vec<String>,
    pub target_host_prefix: Vec<String>,
    pub target_path: Option<Regex>,
    pub scheme: Option<String>,
    pub text_any: Option<Mask>,
    pub text_none: Option<Mask>,
    pub context_any: Option<Mask>,
    pub label_any: Option<Mask>,
    pub label_none: Option<Mask>,
    pub attrs_any: Vec<String>,
    pub number_any: Vec<String>,
    /// Lower-case words, matched whole against the element's name words.
    pub name_any: Vec<String>,
    pub target_host_word: Vec<String>,
    pub own_target: Option<bool>,
    pub other_place: Option<bool>,
    pub textarea: Option<bool>,
    pub login: Option<bool>,
    pub web_target: Option<bool>,
    pub max_label_chars: Option<usize>,
    /// Every host pattern above (exact, contained, prefix), as a mask over
    /// [`RuleSet::hosts`]: a target host that contains none of them cannot match.
    pub host_any: Option<Mask>,
}

impl Matcher {
    /// Whether the matcher looks at a target (so an element without one cannot match).
    pub(crate) fn needs_target(&self) -> bool {
        !self.target_host.is_empty()
            || !self.target_host_contains.is_empty()
            || !self.target_host_prefix.is_empty()
            || !self.target_host_word.is_empty()
            || self.target_path.is_some()
            || self.scheme.is_some()
    }
}

/// A compiled positive rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub channel: ChannelId,
    pub strength: Strength,
    pub when: Matcher,
}

/// A compiled veto.
#[derive(Debug, Clone)]
pub struct Veto {
    pub id: String,
    pub action: VetoAction,
    pub channels: Vec<ChannelId>,
    pub when: Matcher,
}

/// How portal pages are recognised as belonging to a sector section.
#[derive(Debug, Clone)]
pub struct SectorHint {
    pub sector: Sector,
    pub path: Vec<String>,
    pub keywords: Vec<String>,
    /// The department's names (住房和城乡建设局, 住建局 …), longest first.
    pub names: Vec<String>,
}

/// A compiled `[[accounts]]` entry.
#[derive(Debug, Clone)]
pub struct AccountPattern {
    pub channel: ChannelId,
    pub target: Vec<String>,
    pub pattern: Regex,
    pub reserved: Vec<String>,
}

/// The compiled rules: what `crate::page::detect::engine` runs.
#[derive(Debug, Clone)]
pub struct RuleSet {
    pub version: String,
    pub sha256: String,
    /// The channels the rules detect, in export order.
    pub channels: Channels,
    /// How department sites are found on portals.
    pub discovery: DiscoveryRules,
    /// The inspection checks' thresholds and words.
    pub inspection: InspectionRules,
    /// Every sector's department names in one automaton (leftmost-longest), and the
    /// sector of each: a link text is scanned once, not once per name.
    pub department_names: AhoCorasick,
    pub department_sectors: Vec<Sector>,
    pub rules: Vec<Rule>,
    pub vetoes: Vec<Veto>,
    pub sectors: Vec<SectorHint>,
    /// Names of other governments' places (provinces), for `other_place`.
    pub places: Vec<String>,
    /// How account identities are read from link targets, in order.
    pub accounts: Vec<AccountPattern>,
    /// Every keyword, once; masks index into it.
    pub keywords: AhoCorasick,
    pub mask_words: usize,
    /// Every host pattern, once; `Matcher::host_any` indexes into it.
    pub hosts: AhoCorasick,
    pub host_words: usize,
}

/// The built-in rules' `[inspection]` table, read from the rules text once per process.
static BUILTIN_INSPECTION: std::sync::LazyLock<InspectionRules> = std::sync::LazyLock::new(|| {
    toml::from_str::<file::InspectionOnly>(DEFAULT_RULES)
        .expect("the built-in rules have an inspection table")
        .inspection
});

/// The built-in rules' `[inspection]` table (exports judge stored readings with it).
pub fn builtin_inspection() -> InspectionRules {
    BUILTIN_INSPECTION.clone()
}

impl RuleSet {
    /// The rules compiled into the binary.
    pub fn builtin() -> RuleSet {
        RuleSet::parse(DEFAULT_RULES, "<built-in rules>").expect("the built-in rules are valid")
    }

    /// Reads and compiles a rules file.
    pub fn load(path: &Path) -> Result<RuleSet, RulesError> {
        let text = std::fs::read_to_string(path).map_err(|source| RulesError::Read {
            path: path.display().to_string(),
            source,
        })?;
        RuleSet::parse(&text, &path.display().to_string())
    }

    /// Compiles rules from TOML text; `name` is used in messages.
    pub fn parse(text: &str, name: &str) -> Result<RuleSet, RulesError> {
        let file = file::read(text, name)?;
        file::check_limits(&file, name)?;
        let vocabulary = Vocabulary::build(&file, name)?;
        let channels = channel_table(&file.channels, text, name)?;
        let known = KnownChannels {
            channels: &channels,
            text,
            name,
        };
        let rules = compile::rules(&file.rules, &vocabulary, &known)?;
        let vetoes = compile::vetoes(&file.vetoes, &vocabulary, &known)?;
        let accounts = compile::accounts(&file.accounts, &known)?;
        let (department_names, department_sectors) =
            compile::department_names(&file.sectors, name)?;
        Ok(RuleSet {
            version: file.version,
            sha256: hex::encode(Sha256::digest(text.as_bytes())),
            channels,
            rules,
            vetoes,
            sectors: compile::sector_hints(file.sectors),
            discovery: file.discovery,
            inspection: match file.inspection {
                Some(mut table) => {
                    if table.links.is_none() {
                        table.links = builtin_inspection().links;
                    }
                    table
                }
                None => builtin_inspection(),
            },
            department_names,
            department_sectors,
            places: file.places,
            accounts,
            keywords: vocabulary.keywords,
            mask_words: vocabulary.mask_words,
            hosts: vocabulary.hosts,
            host_words: vocabulary.host_words,
        })
    }

    /// The identity of the `channel` account a link target points at (a weibo uid or
    /// screen name, a 公众号's `__biz`, a douyin `sec_uid` …), by the `[[accounts]]`
    /// patterns; `None` when the target is not an account page.
    pub fn account(&self, channel: &ChannelId, target: &url::Url) -> Option<String> {
        let host = target.host_str().unwrap_or_default().to_ascii_lowercase();
        let http = matches!(target.scheme(), "http" | "https");
        let tail = if http {
            &target[url::Position::BeforePath..url::Position::AfterQuery]
        } else {
            &target[url::Position::AfterScheme..url::Position::AfterQuery]
        };
        self.accounts
            .iter()
            .filter(|a| a.channel == *channel)
            .filter(|a| {
                a.target.iter().any(|t| {
                    if http {
                        host == *t
                            || host
                                .strip_suffix(t.as_str())
                                .is_some_and(|h| h.ends_with('.'))
                    } else {
                        target.scheme() == t
                    }
                })
            })
            .find_map(|a| {
                let id = a.pattern.captures(tail)?.name("id")?.as_str();
                (!id.is_empty() && !a.reserved.iter().any(|r| r == id)).then(|| id.to_string())
            })
    }

    /// The keywords found in `text`, as a mask.
    pub(crate) fn scan(&self, text: &str) -> Mask {
        let mut m = Mask::with(self.mask_words);
        for hit in self.keywords.find_overlapping_iter(text) {
            m.set(hit.pattern().as_usize());
        }
        m
    }

    /// The host patterns found in a (lower-case) host, as a mask.
    pub(crate) fn scan_host(&self, host: &str) -> Mask {
        let mut m = Mask::with(self.host_words);
        for hit in self.hosts.find_overlapping_iter(host) {
            m.set(hit.pattern().as_usize());
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_compile() {
        let r = RuleSet::builtin();
        assert!(r.rules.len() > 20);
        assert!(r.channels.len() >= 7);
        for c in r.channels.ids() {
            assert!(r.rules.iter().any(|x| x.channel == *c), "no rule for {c}");
        }
        assert_eq!(r.sha256.len(), 64);
    }

    #[test]
    fn errors_name_line_and_column() {
        let e = RuleSet::parse("version = \"1\"\n[[rules]]\nid = \"x\"\nchannel = \"twitter\"\nstrength = \"strong\"\n", "r.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("r.toml, line 4"), "{e}");
        assert!(e.contains("twitter"), "{e}");
        let e = RuleSet::parse("version = \"1\"\n[[rules]\n", "r.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2"), "{e}");
        let e = RuleSet::parse("version = \"1\"\n[[rules]]\nid = \"x\"\nchannel = \"weibo\"\nstrength = \"strong\"\ntarget_path = \"(\"\n", "r.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("rule `x`: target_path"), "{e}");
    }

    #[test]
    fn huge_keyword_lists_are_refused_quickly() {
        let words: Vec<String> = (0..100_000).map(|i| format!("\"词{i}\"")).collect();
        let text = format!(
            "version = \"1\"\n[[rules]]\nid = \"big\"\nchannel = \"weibo\"\nstrength = \"weak\"\ntext_any = [{}]\n",
            words.join(",")
        );
        let t0 = std::time::Instant::now();
        let e = RuleSet::parse(&text, "r.toml").unwrap_err().to_string();
        assert!(
            e.contains("rule `big`: text_any has 100000 entries (at most 2000)"),
            "{e}"
        );
        assert!(t0.elapsed() < std::time::Duration::from_secs(5));
        // Many rules, each within its cap, are refused on the total.
        let mut text = String::from("version = \"1\"\n");
        for r in 0..12 {
            let words: Vec<String> = (0..1_900).map(|i| format!("\"w{r}x{i}\"")).collect();
            text.push_str(&format!(
                "[[rules]]\nid = \"r{r}\"\nchannel = \"weibo\"\nstrength = \"weak\"\ntext_any = [{}]\n",
                words.join(",")
            ));
        }
        let e = RuleSet::parse(&text, "r.toml").unwrap_err().to_string();
        assert!(
            e.contains("distinct keywords and host patterns (at most 20000)"),
            "{e}"
        );
    }
}
