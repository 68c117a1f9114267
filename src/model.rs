//! The survey's vocabulary: tiers, regions, sectors, channels and strengths.
//!
//! These enums are shared by every stage (seeds, detection, store, export), so that a
//! typo in a sector or channel name is a compile error, not a silently empty column.

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
            /// Every value, in canonical order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

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

impl Sector {
    /// The five department sectors, in the seeds file's column order.
    pub const DEPARTMENTS: &'static [Sector] = &[
        Sector::Housing,
        Sector::Education,
        Sector::Transport,
        Sector::Health,
        Sector::Environment,
    ];
}

id_enum!(
    /// The seven public service channels the survey audits.
    Channel {
        Weibo => "weibo",
        Wechat => "wechat",
        App => "app",
        ServiceHall => "service_hall",
        Consultation => "consultation",
        Email => "email",
        Hotline => "hotline",
    }
);

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
        for c in Channel::ALL {
            assert_eq!(c.as_str().parse::<Channel>().unwrap(), *c);
        }
        assert!("twitter".parse::<Channel>().unwrap_err().contains("weibo"));
        assert_eq!("key".parse::<Tier>().unwrap(), Tier::Key);
        assert!(!Strength::Weak.counts());
    }
}
