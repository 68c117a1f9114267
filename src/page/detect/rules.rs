//! The rules file: its schema, and compiling it once into matchers.
//!
//! Rules are data (`rules/channels.toml`, compiled into the binary, replaceable with
//! `--rules FILE`). All keywords of all rules and vetoes go into one Aho-Corasick
//! automaton; each rule keeps bit masks of its keywords, so matching an element is one
//! scan of its text plus a few bit operations per rule.

use crate::model::{ChannelDef, ChannelId, ChannelKind, Channels, Sector, Strength};
use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use regex::Regex;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;

/// Keywords or host patterns one list of a rule may hold.
pub const MAX_LIST: usize = 2_000;
/// Distinct keywords and host patterns of a whole rules file: the matchers are built from
/// them, so their number bounds the time and memory a rules file can cost.
pub const MAX_PATTERNS: usize = 20_000;
/// Characters of one keyword or host pattern.
pub const MAX_PATTERN_CHARS: usize = 200;

/// The default rules, compiled into the binary.
pub const DEFAULT_RULES: &str = include_str!("../../../rules/channels.toml");

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

/// Which element of a page a rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ElementKind {
    #[default]
    Link,
    Image,
    Script,
    Form,
    Phone,
    Email,
}

/// Conditions shared by rules and vetoes; all that are given must hold.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Conditions {
    #[serde(default)]
    pub element: Option<ElementKind>,
    #[serde(default)]
    pub target_host: Vec<String>,
    #[serde(default)]
    pub target_host_contains: Vec<String>,
    #[serde(default)]
    pub target_host_prefix: Vec<String>,
    #[serde(default)]
    pub target_path: Option<String>,
    #[serde(default)]
    pub scheme: Option<String>,
    #[serde(default)]
    pub text_any: Vec<String>,
    #[serde(default)]
    pub text_none: Vec<String>,
    #[serde(default)]
    pub context_any: Vec<String>,
    #[serde(default)]
    pub label_any: Vec<String>,
    #[serde(default)]
    pub label_none: Vec<String>,
    #[serde(default)]
    pub attrs_any: Vec<String>,
    #[serde(default)]
    pub number_any: Vec<String>,
    #[serde(default)]
    pub own_target: Option<bool>,
    /// true: the label names one of the rules' `places` that the owner's name lacks
    /// (another province's account or app on a city page).
    #[serde(default)]
    pub other_place: Option<bool>,
    #[serde(default)]
    pub textarea: Option<bool>,
    /// The element's own text is at most this long: a label, not a headline.
    #[serde(default)]
    pub max_label_chars: Option<usize>,
}

impl Conditions {
    /// Every host pattern of the conditions: exact, contained and prefix.
    fn host_patterns(&self) -> impl Iterator<Item = &String> {
        [
            &self.target_host,
            &self.target_host_contains,
            &self.target_host_prefix,
        ]
        .into_iter()
        .flatten()
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleDef {
    id: String,
    channel: String,
    strength: Strength,
    #[serde(flatten)]
    when: Conditions,
}

/// What a veto does to the findings it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VetoAction {
    /// Never evidence (share buttons, webmail, webmaster phones).
    Drop,
    /// Kept for reviewers as weak evidence (other governments, third-party platforms).
    Weak,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct VetoDef {
    id: String,
    action: VetoAction,
    #[serde(default)]
    channels: Vec<String>,
    #[serde(flatten)]
    when: Conditions,
}

/// One `[[channels]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ChannelFileDef {
    id: String,
    name: String,
    name_en: String,
    kind: ChannelKind,
    group: String,
    /// Position in exports (lower first); file order breaks ties.
    #[serde(default)]
    order: Option<i64>,
}

/// One `[[accounts]]` entry: how an account's identity is read from a link target.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct AccountDef {
    channel: String,
    /// Hosts (equal, or a subdomain of); for non-http schemes (`weixin:`, `alipays:`),
    /// the scheme.
    target: Vec<String>,
    /// A regex on the path and query (for other schemes: everything after `scheme:`)
    /// with a group named `id`.
    pattern: String,
    /// Ids that are the platform's own pages, not accounts (`share`, `p` …).
    #[serde(default)]
    reserved: Vec<String>,
}

/// A compiled `[[accounts]]` entry.
#[derive(Debug, Clone)]
pub struct AccountPattern {
    pub channel: ChannelId,
    pub target: Vec<String>,
    pub pattern: Regex,
    pub reserved: Vec<String>,
}

/// Only the channel table of a rules file (to give files without one the survey's seven).
#[derive(Debug, Deserialize)]
struct ChannelsOnly {
    #[serde(default)]
    channels: Vec<ChannelFileDef>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct SectorDef {
    sector: Sector,
    #[serde(default)]
    path: Vec<String>,
    #[serde(default)]
    keywords: Vec<String>,
    /// The department's names, current and older forms (discovery).
    #[serde(default)]
    names: Vec<String>,
}

/// The `[discovery]` table: how portals name the pages that list departments, and the
/// words that make a department another level's.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct DiscoveryRules {
    /// Link texts of pages that list departments (部门网站, 政府机构, 机构设置 …).
    #[serde(default)]
    pub listing: Vec<String>,
    /// Before a department's name: a higher level (省, 自治区, 国家 …).
    #[serde(default)]
    pub higher: Vec<String>,
    /// Before a department's name: a lower level (区, 县, 旗 …).
    #[serde(default)]
    pub lower: Vec<String>,
    /// Department names that are never a city bureau (厅: a province's).
    #[serde(default)]
    pub never: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    version: String,
    #[serde(default)]
    discovery: DiscoveryRules,
    #[serde(default)]
    channels: Vec<ChannelFileDef>,
    #[serde(default)]
    places: Vec<String>,
    #[serde(default)]
    sectors: Vec<SectorDef>,
    #[serde(default)]
    rules: Vec<RuleDef>,
    #[serde(default)]
    vetoes: Vec<VetoDef>,
    #[serde(default)]
    accounts: Vec<AccountDef>,
}

/// A set of keyword ids as a bit mask.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Mask(pub Vec<u64>);

impl Mask {
    fn with(words: usize) -> Mask {
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
    pub fn meets(&self, other: &Mask) -> bool {
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
    pub own_target: Option<bool>,
    pub other_place: Option<bool>,
    pub textarea: Option<bool>,
    pub max_label_chars: Option<usize>,
    /// Every host pattern above (exact, contained, prefix), as a mask over
    /// [`RuleSet::hosts`]: a target host that contains none of them cannot match.
    pub host_any: Option<Mask>,
}

impl Matcher {
    /// Whether the matcher looks at a target (so an element without one cannot match).
    pub fn needs_target(&self) -> bool {
        !self.target_host.is_empty()
            || !self.target_host_contains.is_empty()
            || !self.target_host_prefix.is_empty()
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

/// The compiled rules: what [`crate::page::detect::engine`] runs.
#[derive(Debug, Clone)]
pub struct RuleSet {
    pub version: String,
    pub sha256: String,
    /// The channels the rules detect, in export order.
    pub channels: Channels,
    /// How department sites are found on portals.
    pub discovery: DiscoveryRules,
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
        let file: RulesFile = toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map(|s| line_col(text, s.start)).unwrap_or((0, 0));
            RulesError::Syntax {
                path: name.to_string(),
                line,
                column,
                message: e.message().to_string(),
            }
        })?;
        let too_big = |rule: &str, message: String| RulesError::Rule {
            path: name.into(),
            rule: rule.into(),
            message,
        };
        let named = file
            .rules
            .iter()
            .map(|r| (&r.id, &r.when))
            .chain(file.vetoes.iter().map(|v| (&v.id, &v.when)));
        for (id, c) in named {
            let lists = [
                ("text_any", &c.text_any),
                ("text_none", &c.text_none),
                ("context_any", &c.context_any),
                ("label_any", &c.label_any),
                ("label_none", &c.label_none),
                ("attrs_any", &c.attrs_any),
                ("number_any", &c.number_any),
                ("target_host", &c.target_host),
                ("target_host_contains", &c.target_host_contains),
                ("target_host_prefix", &c.target_host_prefix),
            ];
            for (list, items) in lists {
                if items.len() > MAX_LIST {
                    return Err(too_big(
                        id,
                        format!("{list} has {} entries (at most {MAX_LIST})", items.len()),
                    ));
                }
                if let Some(w) = items.iter().find(|w| w.chars().count() > MAX_PATTERN_CHARS) {
                    return Err(too_big(
                        id,
                        format!(
                            "{list} has an entry of {} characters (at most {MAX_PATTERN_CHARS}): `{}…`",
                            w.chars().count(),
                            w.chars().take(20).collect::<String>()
                        ),
                    ));
                }
                if items.iter().any(String::is_empty) {
                    return Err(too_big(id, format!("{list} has an empty entry")));
                }
            }
        }
        let mut words: Vec<String> = Vec::new();
        let mut host_patterns: Vec<String> = Vec::new();
        let mut host_index: HashMap<String, usize> = HashMap::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let all_lists = |c: &Conditions| -> Vec<String> {
            [
                &c.text_any,
                &c.text_none,
                &c.context_any,
                &c.label_any,
                &c.label_none,
            ]
            .into_iter()
            .flatten()
            .cloned()
            .collect()
        };
        for c in file
            .rules
            .iter()
            .map(|r| &r.when)
            .chain(file.vetoes.iter().map(|v| &v.when))
        {
            for w in all_lists(c) {
                let key = w.to_lowercase();
                if let std::collections::hash_map::Entry::Vacant(e) = index.entry(key) {
                    e.insert(words.len());
                    words.push(w);
                }
            }
            for h in c.host_patterns() {
                let h = h.to_ascii_lowercase();
                if let std::collections::hash_map::Entry::Vacant(e) = host_index.entry(h.clone()) {
                    e.insert(host_patterns.len());
                    host_patterns.push(h);
                }
            }
        }
        if words.len() + host_patterns.len() > MAX_PATTERNS {
            return Err(too_big(
                "*",
                format!(
                    "{} distinct keywords and host patterns (at most {MAX_PATTERNS})",
                    words.len() + host_patterns.len()
                ),
            ));
        }
        let host_words = host_patterns.len().div_ceil(64).max(1);
        let hosts = AhoCorasick::builder()
            .kind(Some(AhoCorasickKind::DFA))
            .match_kind(MatchKind::Standard)
            .build(&host_patterns)
            .map_err(|e| RulesError::Rule {
                path: name.into(),
                rule: "*".into(),
                message: e.to_string(),
            })?;
        let host_mask = |c: &Conditions| -> Option<Mask> {
            let mut m = Mask::with(host_words);
            let mut any = false;
            for h in c.host_patterns() {
                if let Some(&i) = host_index.get(&h.to_ascii_lowercase()) {
                    m.set(i);
                    any = true;
                }
            }
            any.then_some(m)
        };
        let mask_words = words.len().div_ceil(64).max(1);
        // A DFA: a few hundred keywords make a small one, and every element's label is
        // scanned with it.
        let keywords = AhoCorasick::builder()
            .kind(Some(AhoCorasickKind::DFA))
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&words)
            .map_err(|e| RulesError::Rule {
                path: name.into(),
                rule: "*".into(),
                message: e.to_string(),
            })?;
        let mask_of = |list: &[String]| -> Option<Mask> {
            if list.is_empty() {
                return None;
            }
            let mut m = Mask::with(mask_words);
            for w in list {
                m.set(index[&w.to_lowercase()]);
            }
            Some(m)
        };
        let compile = |id: &str, c: &Conditions| -> Result<Matcher, RulesError> {
            let target_path = match &c.target_path {
                Some(p) => Some(Regex::new(p).map_err(|e| RulesError::Rule {
                    path: name.into(),
                    rule: id.into(),
                    message: format!("target_path: {e}"),
                })?),
                None => None,
            };
            let lower = |v: &[String]| v.iter().map(|s| s.to_ascii_lowercase()).collect::<Vec<_>>();
            Ok(Matcher {
                element: c.element,
                target_host: lower(&c.target_host),
                target_host_contains: lower(&c.target_host_contains),
                target_host_prefix: lower(&c.target_host_prefix),
                target_path,
                scheme: c.scheme.clone(),
                text_any: mask_of(&c.text_any),
                text_none: mask_of(&c.text_none),
                context_any: mask_of(&c.context_any),
                label_any: mask_of(&c.label_any),
                label_none: mask_of(&c.label_none),
                attrs_any: lower(&c.attrs_any),
                number_any: c.number_any.clone(),
                own_target: c.own_target,
                other_place: c.other_place,
                textarea: c.textarea,
                max_label_chars: c.max_label_chars,
                host_any: host_mask(c),
            })
        };
        let channels = channel_table(&file.channels, text, name)?;
        // A channel id a rule or veto names must be in the table: an error with the line
        // and column of the value, as for a syntax error.
        let check = |table: &str, owner: &str, id: &str| -> Result<ChannelId, RulesError> {
            if channels.contains(id) {
                return Ok(ChannelId::new(id));
            }
            let (line, column) = value_position(text, owner, id);
            Err(RulesError::Syntax {
                path: name.to_string(),
                line,
                column,
                message: format!(
                    "{table} `{owner}`: unknown channel `{id}` (the [[channels]] table defines: {})",
                    channels
                        .ids()
                        .map(ChannelId::as_str)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            })
        };
        let mut rules = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for r in &file.rules {
            if !seen.insert(r.id.clone()) {
                return Err(RulesError::Rule {
                    path: name.into(),
                    rule: r.id.clone(),
                    message: "duplicate rule id".into(),
                });
            }
            let mut when = compile(&r.id, &r.when)?;
            when.element.get_or_insert(ElementKind::Link);
            rules.push(Rule {
                id: r.id.clone(),
                channel: check("rule", &r.id, &r.channel)?,
                strength: r.strength,
                when,
            });
        }
        let mut vetoes = Vec::new();
        for v in &file.vetoes {
            vetoes.push(Veto {
                id: v.id.clone(),
                action: v.action,
                channels: v
                    .channels
                    .iter()
                    .map(|c| check("veto", &v.id, c))
                    .collect::<Result<_, _>>()?,
                when: compile(&v.id, &v.when)?,
            });
        }
        let mut accounts = Vec::new();
        for a in &file.accounts {
            let owner = format!("accounts.{}", a.channel);
            let channel = check("account pattern", &a.channel, &a.channel)?;
            let pattern = Regex::new(&a.pattern).map_err(|e| RulesError::Rule {
                path: name.into(),
                rule: owner.clone(),
                message: format!("pattern: {e}"),
            })?;
            if pattern.capture_names().all(|n| n != Some("id")) {
                return Err(RulesError::Rule {
                    path: name.into(),
                    rule: owner,
                    message: "pattern has no group named `id`".into(),
                });
            }
            accounts.push(AccountPattern {
                channel,
                target: a.target.iter().map(|t| t.to_ascii_lowercase()).collect(),
                pattern,
                reserved: a.reserved.clone(),
            });
        }
        let (mut names, mut name_sectors) = (Vec::new(), Vec::new());
        for sd in &file.sectors {
            for n in &sd.names {
                names.push(n.clone());
                name_sectors.push(sd.sector);
            }
        }
        let department_names = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&names)
            .map_err(|e| RulesError::Rule {
                path: name.into(),
                rule: "sectors".into(),
                message: e.to_string(),
            })?;
        Ok(RuleSet {
            version: file.version,
            sha256: hex::encode(Sha256::digest(text.as_bytes())),
            channels,
            rules,
            vetoes,
            sectors: file
                .sectors
                .into_iter()
                .map(|s| {
                    let mut names = s.names;
                    names.sort_by_key(|n| std::cmp::Reverse(n.chars().count()));
                    SectorHint {
                        sector: s.sector,
                        path: s.path,
                        keywords: s.keywords,
                        names,
                    }
                })
                .collect(),
            discovery: file.discovery,
            department_names,
            department_sectors: name_sectors,
            places: file.places,
            accounts,
            keywords,
            mask_words,
            hosts,
            host_words,
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
    pub fn scan(&self, text: &str) -> Mask {
        let mut m = Mask::with(self.mask_words);
        for hit in self.keywords.find_overlapping_iter(text) {
            m.set(hit.pattern().as_usize());
        }
        m
    }

    /// The host patterns found in a (lower-case) host, as a mask.
    pub fn scan_host(&self, host: &str) -> Mask {
        let mut m = Mask::with(self.host_words);
        for hit in self.hosts.find_overlapping_iter(host) {
            m.set(hit.pattern().as_usize());
        }
        m
    }
}

/// The survey's seven channels as the built-in rules define them: what runs recorded
/// before channels were data were audited for.
pub fn survey_channels() -> Channels {
    channel_table(&[], "", "<built-in rules>").expect("the built-in rules are valid")
}

/// The channel table of a rules file: its `[[channels]]` in `order` (file order breaking
/// ties), each id lower-case letters, digits and `_`, unique. A file without a table gets
/// the survey's seven channels of the built-in rules (rules files from before channels
/// were data).
fn channel_table(defs: &[ChannelFileDef], text: &str, name: &str) -> Result<Channels, RulesError> {
    if defs.is_empty() {
        let builtin: ChannelsOnly =
            toml::from_str(DEFAULT_RULES).expect("the built-in rules are valid");
        let seven: Vec<ChannelFileDef> = builtin
            .channels
            .into_iter()
            .filter(|c| c.group == "survey2014")
            .collect();
        return channel_table(&seven, DEFAULT_RULES, "<built-in rules>");
    }
    let mut out: Vec<(i64, usize, ChannelDef)> = Vec::new();
    for (i, d) in defs.iter().enumerate() {
        let bad = |message: String| {
            let (line, column) = value_position(text, &d.id, &d.id);
            RulesError::Syntax {
                path: name.to_string(),
                line,
                column,
                message,
            }
        };
        if d.id.is_empty()
            || !d
                .id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(bad(format!(
                "channel id `{}` must be lower-case letters, digits and `_`",
                d.id
            )));
        }
        if out.iter().any(|(_, _, c)| c.id == *d.id.as_str()) {
            return Err(bad(format!("channel `{}` is defined twice", d.id)));
        }
        out.push((
            d.order.unwrap_or(i64::MAX),
            i,
            ChannelDef {
                id: ChannelId::new(&d.id),
                name: d.name.clone(),
                name_en: d.name_en.clone(),
                kind: d.kind,
                group: d.group.clone(),
            },
        ));
    }
    out.sort_by_key(|(order, i, _)| (*order, *i));
    Ok(Channels(out.into_iter().map(|(_, _, c)| c).collect()))
}

/// Where the value `value` of the table whose `id` is `owner` is written: the line and
/// column of `"value"` after the table's `id = "owner"` line (or of that line).
fn value_position(text: &str, owner: &str, value: &str) -> (usize, usize) {
    let id_line = format!("\"{owner}\"");
    let start = text
        .match_indices(&id_line)
        .map(|(i, _)| i)
        .find(|&i| {
            text[..i]
                .rsplit('\n')
                .next()
                .is_some_and(|l| l.trim_start().starts_with("id"))
        })
        .unwrap_or(0);
    let quoted = format!("\"{value}\"");
    let at = text[start..]
        .find(&quoted)
        .map(|i| start + i)
        .unwrap_or(start);
    line_col(text, at)
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
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
