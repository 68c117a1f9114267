//! The rules file as written: its TOML schema, read with line and column in every
//! error, and the limits that keep a hostile file from costing minutes to compile.

use super::{MAX_LIST, MAX_PATTERN_CHARS, RulesError};
use crate::model::{ChannelKind, Sector, Strength};
use crate::page::inspect::rules::InspectionRules;
use serde::Deserialize;

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
    /// The page itself: what its title and headings say it is, with its text areas and
    /// logins (a page titled 市长信箱 with a text area is the mailbox).
    Page,
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
    /// A word of the element's name: an image's file name, and for a link with no words
    /// of its own its image's file name and its target's own name (`n_qzxx.html`,
    /// `/jzxx/index.html`). Words are whole runs of letters (see `detect::names`).
    #[serde(default)]
    pub name_any: Vec<String>,
    /// A word of the target host: a label that is the word, ends with it (`sczwfw`,
    /// `cdxinfang`) or starts with it before a digit or hyphen. `liuyang` (浏阳) is not
    /// `liuyan` (留言).
    #[serde(default)]
    pub target_host_word: Vec<String>,
    #[serde(default)]
    pub own_target: Option<bool>,
    /// true: the label names one of the rules' `places` that the owner's name lacks
    /// (another province's account or app on a city page).
    #[serde(default)]
    pub other_place: Option<bool>,
    #[serde(default)]
    pub textarea: Option<bool>,
    /// true: the element leads somewhere on the web (an http(s) target), not a
    /// `javascript:;` tab.
    #[serde(default)]
    pub web_target: Option<bool>,
    /// (pages) the page has a password input: a login.
    #[serde(default)]
    pub login: Option<bool>,
    /// The element's own text is at most this long: a label, not a headline.
    #[serde(default)]
    pub max_label_chars: Option<usize>,
}

impl Conditions {
    /// Every host pattern of the conditions: exact, contained and prefix.
    pub(super) fn host_patterns(&self) -> impl Iterator<Item = &String> {
        [
            &self.target_host,
            &self.target_host_contains,
            &self.target_host_prefix,
            &self.target_host_word,
        ]
        .into_iter()
        .flatten()
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RuleDef {
    pub(super) id: String,
    pub(super) channel: String,
    pub(super) strength: Strength,
    #[serde(flatten)]
    pub(super) when: Conditions,
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
pub(super) struct VetoDef {
    pub(super) id: String,
    pub(super) action: VetoAction,
    #[serde(default)]
    pub(super) channels: Vec<String>,
    #[serde(flatten)]
    pub(super) when: Conditions,
}

/// One `[[channels]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ChannelFileDef {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) name_en: String,
    pub(super) kind: ChannelKind,
    pub(super) group: String,
    /// Position in exports (lower first); file order breaks ties.
    #[serde(default)]
    pub(super) order: Option<i64>,
}

/// One `[[accounts]]` entry: how an account's identity is read from a link target.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AccountDef {
    pub(super) channel: String,
    /// Hosts (equal, or a subdomain of); for non-http schemes (`weixin:`, `alipays:`),
    /// the scheme.
    pub(super) target: Vec<String>,
    /// A regex on the path and query (for other schemes: everything after `scheme:`)
    /// with a group named `id`.
    pub(super) pattern: String,
    /// Ids that are the platform's own pages, not accounts (`share`, `p` …).
    #[serde(default)]
    pub(super) reserved: Vec<String>,
}

/// Only the channel table of a rules file (to give files without one the survey's seven).
#[derive(Debug, Deserialize)]
pub(super) struct ChannelsOnly {
    #[serde(default)]
    pub(super) channels: Vec<ChannelFileDef>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SectorDef {
    pub(super) sector: Sector,
    #[serde(default)]
    pub(super) path: Vec<String>,
    #[serde(default)]
    pub(super) keywords: Vec<String>,
    /// The department's names, current and older forms (discovery).
    #[serde(default)]
    pub(super) names: Vec<String>,
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
    /// First path segments of a portal that are a CMS's article or column roots
    /// (`/art/`, `/col/`, `/a/`), never a department's directory.
    #[serde(default)]
    pub article_roots: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RulesFile {
    pub(super) version: String,
    #[serde(default)]
    pub(super) discovery: DiscoveryRules,
    #[serde(default)]
    pub(super) channels: Vec<ChannelFileDef>,
    #[serde(default)]
    pub(super) places: Vec<String>,
    #[serde(default)]
    pub(super) sectors: Vec<SectorDef>,
    #[serde(default)]
    pub(super) rules: Vec<RuleDef>,
    #[serde(default)]
    pub(super) vetoes: Vec<VetoDef>,
    #[serde(default)]
    pub(super) accounts: Vec<AccountDef>,
    /// The inspection checks' thresholds and words; files without the table take the
    /// built-in one.
    #[serde(default)]
    pub(super) inspection: Option<InspectionRules>,
}

/// Only the `[inspection]` table of a rules file (the built-in one, for files without).
#[derive(Debug, Deserialize)]
pub(super) struct InspectionOnly {
    pub(super) inspection: InspectionRules,
}

/// Reads the TOML text; a syntax error names its line and column.
pub(super) fn read(text: &str, name: &str) -> Result<RulesFile, RulesError> {
    toml::from_str(text).map_err(|e| {
        let (line, column) = e.span().map(|s| line_col(text, s.start)).unwrap_or((0, 0));
        RulesError::Syntax {
            path: name.to_string(),
            line,
            column,
            message: e.message().to_string(),
        }
    })
}

/// Refuses lists that are too long, entries that are too long, and empty entries.
pub(super) fn check_limits(file: &RulesFile, name: &str) -> Result<(), RulesError> {
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
            ("name_any", &c.name_any),
            ("target_host_word", &c.target_host_word),
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
    Ok(())
}

/// Where the value `value` of the table whose `id` is `owner` is written: the line and
/// column of `"value"` after the table's `id = "owner"` line (or of that line).
pub(super) fn value_position(text: &str, owner: &str, value: &str) -> (usize, usize) {
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
