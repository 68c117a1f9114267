//! The `[[channels]]` table: which channels a rules file detects, in export order.

use super::file::{ChannelFileDef, ChannelsOnly, value_position};
use super::{DEFAULT_RULES, RulesError};
use crate::model::{ChannelDef, ChannelId, Channels};

/// The survey's seven channels as the built-in rules define them: what runs recorded
/// before channels were data were audited for.
pub(crate) fn survey_channels() -> Channels {
    channel_table(&[], "", "<built-in rules>").expect("the built-in rules are valid")
}

/// The channel table of a rules file: its `[[channels]]` in `order` (file order breaking
/// ties), each id lower-case letters, digits and `_`, unique. A file without a table gets
/// the survey's seven channels of the built-in rules (rules files from before channels
/// were data).
pub(super) fn channel_table(
    defs: &[ChannelFileDef],
    text: &str,
    name: &str,
) -> Result<Channels, RulesError> {
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
