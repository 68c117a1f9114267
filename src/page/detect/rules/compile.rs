//! Compiling the file's rules once: every keyword and host pattern into one automaton
//! each ([`Vocabulary`]), each rule's lists into bit masks over them, channel ids checked
//! against the `[[channels]]` table.

use super::file::{AccountDef, Conditions, RuleDef, SectorDef, VetoDef};
use super::{
    AccountPattern, ElementKind, MAX_PATTERNS, Mask, Matcher, Rule, RulesError, SectorHint, Veto,
};
use crate::model::{ChannelId, Channels, Sector};
use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use regex::Regex;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

/// Every keyword and host pattern of the rules and vetoes, once, with the automata that
/// find them.
pub(super) struct Vocabulary {
    /// Lower-cased keyword → its bit.
    index: HashMap<String, usize>,
    /// Lower-cased host pattern → its bit.
    host_index: HashMap<String, usize>,
    pub(super) keywords: AhoCorasick,
    pub(super) mask_words: usize,
    pub(super) hosts: AhoCorasick,
    pub(super) host_words: usize,
    /// The file's name, for messages.
    name: String,
}

/// The keyword lists of a condition (host patterns apart).
fn keyword_lists(c: &Conditions) -> impl Iterator<Item = &String> {
    [
        &c.text_any,
        &c.text_none,
        &c.context_any,
        &c.label_any,
        &c.label_none,
    ]
    .into_iter()
    .flatten()
}

impl Vocabulary {
    /// Collects and compiles the vocabulary of `rules` and `vetoes`.
    pub(super) fn build(
        file: &super::file::RulesFile,
        name: &str,
    ) -> Result<Vocabulary, RulesError> {
        let mut words: Vec<String> = Vec::new();
        let mut host_patterns: Vec<String> = Vec::new();
        let mut host_index: HashMap<String, usize> = HashMap::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let conditions = file
            .rules
            .iter()
            .map(|r| &r.when)
            .chain(file.vetoes.iter().map(|v| &v.when));
        for c in conditions {
            for w in keyword_lists(c) {
                if let Entry::Vacant(e) = index.entry(w.to_lowercase()) {
                    e.insert(words.len());
                    words.push(w.clone());
                }
            }
            for h in c.host_patterns() {
                let h = h.to_ascii_lowercase();
                if let Entry::Vacant(e) = host_index.entry(h.clone()) {
                    e.insert(host_patterns.len());
                    host_patterns.push(h);
                }
            }
        }
        let error = |message: String| RulesError::Rule {
            path: name.into(),
            rule: "*".into(),
            message,
        };
        if words.len() + host_patterns.len() > MAX_PATTERNS {
            return Err(error(format!(
                "{} distinct keywords and host patterns (at most {MAX_PATTERNS})",
                words.len() + host_patterns.len()
            )));
        }
        let hosts = AhoCorasick::builder()
            .kind(Some(AhoCorasickKind::DFA))
            .match_kind(MatchKind::Standard)
            .build(&host_patterns)
            .map_err(|e| error(e.to_string()))?;
        // A DFA: a few hundred keywords make a small one, and every element's label is
        // scanned with it.
        let keywords = AhoCorasick::builder()
            .kind(Some(AhoCorasickKind::DFA))
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&words)
            .map_err(|e| error(e.to_string()))?;
        Ok(Vocabulary {
            index,
            host_index,
            keywords,
            mask_words: words.len().div_ceil(64).max(1),
            hosts,
            host_words: host_patterns.len().div_ceil(64).max(1),
            name: name.into(),
        })
    }

    /// The mask of a keyword list; `None` for an empty list (no condition).
    fn mask_of(&self, list: &[String]) -> Option<Mask> {
        if list.is_empty() {
            return None;
        }
        let mut m = Mask::with(self.mask_words);
        for w in list {
            m.set(self.index[&w.to_lowercase()]);
        }
        Some(m)
    }

    /// The mask of every host pattern of a condition; `None` when it has none.
    fn host_mask(&self, c: &Conditions) -> Option<Mask> {
        let mut m = Mask::with(self.host_words);
        let mut any = false;
        for h in c.host_patterns() {
            if let Some(&i) = self.host_index.get(&h.to_ascii_lowercase()) {
                m.set(i);
                any = true;
            }
        }
        any.then_some(m)
    }

    /// One rule's or veto's conditions as a matcher.
    fn matcher(&self, id: &str, c: &Conditions) -> Result<Matcher, RulesError> {
        let target_path = match &c.target_path {
            Some(p) => Some(Regex::new(p).map_err(|e| RulesError::Rule {
                path: self.name.clone(),
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
            text_any: self.mask_of(&c.text_any),
            text_none: self.mask_of(&c.text_none),
            context_any: self.mask_of(&c.context_any),
            label_any: self.mask_of(&c.label_any),
            label_none: self.mask_of(&c.label_none),
            attrs_any: lower(&c.attrs_any),
            number_any: c.number_any.clone(),
            name_any: lower(&c.name_any),
            target_host_word: lower(&c.target_host_word),
            own_target: c.own_target,
            other_place: c.other_place,
            textarea: c.textarea,
            login: c.login,
            web_target: c.web_target,
            max_label_chars: c.max_label_chars,
            host_any: self.host_mask(c),
        })
    }
}

/// The channel table a rule's channel ids must come from, and the file's text, so that
/// an unknown id is an error with the line and column of the value.
pub(super) struct KnownChannels<'a> {
    pub(super) channels: &'a Channels,
    pub(super) text: &'a str,
    pub(super) name: &'a str,
}

impl KnownChannels<'_> {
    /// The id, when the table defines it.
    fn check(&self, table: &str, owner: &str, id: &str) -> Result<ChannelId, RulesError> {
        if self.channels.contains(id) {
            return Ok(ChannelId::new(id));
        }
        let (line, column) = super::file::value_position(self.text, owner, id);
        Err(RulesError::Syntax {
            path: self.name.to_string(),
            line,
            column,
            message: format!(
                "{table} `{owner}`: unknown channel `{id}` (the [[channels]] table defines: {})",
                self.channels
                    .ids()
                    .map(ChannelId::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })
    }
}

/// The positive rules, ids unique, links by default.
pub(super) fn rules(
    defs: &[RuleDef],
    vocabulary: &Vocabulary,
    known: &KnownChannels,
) -> Result<Vec<Rule>, RulesError> {
    let mut rules = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for r in defs {
        if !seen.insert(r.id.clone()) {
            return Err(RulesError::Rule {
                path: known.name.into(),
                rule: r.id.clone(),
                message: "duplicate rule id".into(),
            });
        }
        let mut when = vocabulary.matcher(&r.id, &r.when)?;
        when.element.get_or_insert(ElementKind::Link);
        rules.push(Rule {
            id: r.id.clone(),
            channel: known.check("rule", &r.id, &r.channel)?,
            strength: r.strength,
            when,
        });
    }
    Ok(rules)
}

/// The vetoes.
pub(super) fn vetoes(
    defs: &[VetoDef],
    vocabulary: &Vocabulary,
    known: &KnownChannels,
) -> Result<Vec<Veto>, RulesError> {
    defs.iter()
        .map(|v| {
            Ok(Veto {
                id: v.id.clone(),
                action: v.action,
                channels: v
                    .channels
                    .iter()
                    .map(|c| known.check("veto", &v.id, c))
                    .collect::<Result<_, _>>()?,
                when: vocabulary.matcher(&v.id, &v.when)?,
            })
        })
        .collect()
}

/// The account patterns: each a regex with a group named `id`.
pub(super) fn accounts(
    defs: &[AccountDef],
    known: &KnownChannels,
) -> Result<Vec<AccountPattern>, RulesError> {
    let mut accounts = Vec::new();
    for a in defs {
        let owner = format!("accounts.{}", a.channel);
        let channel = known.check("account pattern", &a.channel, &a.channel)?;
        let pattern = Regex::new(&a.pattern).map_err(|e| RulesError::Rule {
            path: known.name.into(),
            rule: owner.clone(),
            message: format!("pattern: {e}"),
        })?;
        if pattern.capture_names().all(|n| n != Some("id")) {
            return Err(RulesError::Rule {
                path: known.name.into(),
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
    Ok(accounts)
}

/// Every sector's department names in one leftmost-longest automaton, and the sector of
/// each name.
pub(super) fn department_names(
    defs: &[SectorDef],
    name: &str,
) -> Result<(AhoCorasick, Vec<Sector>), RulesError> {
    let (mut names, mut sectors) = (Vec::new(), Vec::new());
    for sd in defs {
        for n in &sd.names {
            names.push(n.clone());
            sectors.push(sd.sector);
        }
    }
    let automaton = AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostLongest)
        .build(&names)
        .map_err(|e| RulesError::Rule {
            path: name.into(),
            rule: "sectors".into(),
            message: e.to_string(),
        })?;
    Ok((automaton, sectors))
}

/// The sectors' hints, each sector's names longest first.
pub(super) fn sector_hints(defs: Vec<SectorDef>) -> Vec<SectorHint> {
    defs.into_iter()
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
        .collect()
}
