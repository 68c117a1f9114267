//! The survey's vocabulary: tiers, regions, sectors, channels and strengths.
//!
//! Tiers, regions, sectors and strengths are enums shared by every stage, so that a typo
//! is a compile error. Channels are data (the rules file defines them): [`ChannelId`]
//! and the [`Channels`] table.

pub mod cell_text;
pub mod city;
pub mod link;
pub mod scope;
pub mod terminal;

use std::fmt;
use std::str::FromStr;

/// Generates `as_str`, `Display`, `FromStr` and `ALL` for a fieldless enum whose
/// variants each have one canonical lower-case id.
macro_rules! id_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $id:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every value, in canonical order (not every enum's table is read).
            #[allow(dead_code)]
            pub(crate) const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The canonical id used in files, the database and exports.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $id),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s.trim() {
                    $($id => Ok($name::$variant),)+
                    other => Err(format!(
                        "unknown {} `{}` (expected one of: {})",
                        stringify!($name).to_lowercase(),
                        other,
                        [$($id),+].join(", ")
                    )),
                }
            }
        }
    };
}

id_enum!(
    /// A city's tier in the survey: the 36 key cities or the other prefecture-level units.
    Tier { Key => "key", Prefecture => "prefecture" }
);

id_enum!(
    /// The survey's three economic regions.
    Region { East => "east", Central => "central", West => "west" }
);

id_enum!(
    /// Whose site a page belongs to: the whole-of-government portal or one of five sectors.
    Sector {
        General => "general",
        Housing => "housing",
        Education => "education",
        Transport => "transport",
        Health => "health",
        Environment => "environment",
    }
);

impl Tier {
    /// The tier as the survey's Chinese tables name it.
    pub(crate) fn name_zh(self) -> &'static str {
        match self {
            Tier::Key => "重点城市",
            Tier::Prefecture => "地级城市",
        }
    }
}

impl Region {
    /// The region as the survey's Chinese tables name it.
    pub(crate) fn name_zh(self) -> &'static str {
        match self {
            Region::East => "东部",
            Region::Central => "中部",
            Region::West => "西部",
        }
    }
}

impl Sector {
    /// The survey's Chinese name of the sector (综合服务, 住房 …), for headers people read.
    pub(crate) fn name_zh(self) -> &'static str {
        match self {
            Sector::General => "综合服务",
            Sector::Housing => "住房",
            Sector::Education => "教育",
            Sector::Transport => "交通",
            Sector::Health => "医疗",
            Sector::Environment => "环保",
        }
    }

    /// The five department sectors, in the seeds file's column order.
    pub const DEPARTMENTS: &'static [Sector] = &[
        Sector::Housing,
        Sector::Education,
        Sector::Transport,
        Sector::Health,
        Sector::Environment,
    ];
}

/// A channel's stable id (`weibo`, `service_hall`, `douyin` …): what files, the database
/// and exports use. Channels are data: the rules file's `[[channels]]` table defines them
/// (see [`ChannelDef`]), so no list of channels is compiled into the program.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct ChannelId(String);

impl ChannelId {
    /// The id as written (lower-case by the rules file's validation).
    pub fn new(id: impl Into<String>) -> ChannelId {
        ChannelId(id.into())
    }

    /// The id, as used in files, the database and exports.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ChannelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for ChannelId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<String> for ChannelId {
    fn eq(&self, other: &String) -> bool {
        self.0 == *other
    }
}

impl PartialEq<&str> for ChannelId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

/// What a channel is: an account on a platform, or a service the government runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChannelKind {
    /// Platform accounts (微博, 公众号, 抖音 …): findings carry the account's identity.
    Account,
    /// Halls, forms, mailboxes, lines, apps.
    Service,
}

/// One channel as the rules define it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ChannelDef {
    pub id: ChannelId,
    /// The Chinese label (政务微博).
    pub name: String,
    pub name_en: String,
    pub kind: ChannelKind,
    /// The group it belongs to (`survey2014` for the original seven, `new_media` …).
    pub group: String,
}

/// The ordered channel table of a rule set (and of the runs audited with it).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Channels(pub Vec<ChannelDef>);

impl Channels {
    /// The channels in order.
    pub fn iter(&self) -> impl Iterator<Item = &ChannelDef> {
        self.0.iter()
    }

    /// The ids in order.
    pub fn ids(&self) -> impl Iterator<Item = &ChannelId> {
        self.0.iter().map(|c| &c.id)
    }

    /// The definition of `id`, if the table has it.
    pub fn get(&self, id: &str) -> Option<&ChannelDef> {
        self.0.iter().find(|c| c.id == *id)
    }

    /// Whether the table defines `id`.
    pub fn contains(&self, id: &str) -> bool {
        self.get(id).is_some()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// This table followed by the channels of `other` it lacks (a matrix over runs
    /// audited with different rules).
    pub(crate) fn union(&self, other: &Channels) -> Channels {
        let mut out = self.clone();
        for c in other.iter() {
            if !out.contains(c.id.as_str()) {
                out.0.push(c.clone());
            }
        }
        out
    }

    /// Only the channels `keep` accepts, in order.
    pub(crate) fn filtered(&self, keep: impl Fn(&ChannelDef) -> bool) -> Channels {
        Channels(self.0.iter().filter(|c| keep(c)).cloned().collect())
    }
}

id_enum!(
    /// How much a finding proves. Only `Strong` and `Medium` make a channel present.
    Strength { Strong => "strong", Medium => "medium", Weak => "weak" }
);

impl Strength {
    /// Whether a finding of this strength makes its channel present ("yes").
    pub fn counts(self) -> bool {
        matches!(self, Strength::Strong | Strength::Medium)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        for s in Sector::ALL {
            assert_eq!(s.as_str().parse::<Sector>().unwrap(), *s);
        }
        assert!("north".parse::<Region>().unwrap_err().contains("east"));
        assert_eq!("key".parse::<Tier>().unwrap(), Tier::Key);
        assert!(!Strength::Weak.counts());
    }
}
