//! How often the simulated world's cities offer each channel: the survey's published
//! shares per tier where it gave them, plausible ones elsewhere, and the regional order
//! in which cities get a channel.

use crate::model::{Region, Tier};

/// Share of cities offering each channel on the portal, per tier. Weibo, WeChat and app
/// are the survey's published figures (key 64/25/72 %; national 44/22/49 %, which gives
/// the prefecture shares); the others are plausible ("consultation was the most mature").
pub(super) fn portal_share(tier: Tier, c: &str) -> f64 {
    match (tier, c) {
        (Tier::Key, "weibo") => 0.64,
        (Tier::Key, "wechat") => 0.25,
        (Tier::Key, "app") => 0.72,
        (Tier::Prefecture, "weibo") => 0.42,
        (Tier::Prefecture, "wechat") => 0.22,
        (Tier::Prefecture, "app") => 0.46,
        (Tier::Key, "service_hall") => 0.92,
        (Tier::Prefecture, "service_hall") => 0.75,
        (Tier::Key, "consultation") => 0.97,
        (Tier::Prefecture, "consultation") => 0.88,
        (Tier::Key, "email") => 0.58,
        (Tier::Prefecture, "email") => 0.45,
        (Tier::Key, "hotline") => 0.83,
        (Tier::Prefecture, "hotline") => 0.66,
        // Today's channels: plausible shares, key cities ahead.
        (Tier::Key, "douyin") => 0.70,
        (Tier::Prefecture, "douyin") => 0.45,
        (Tier::Key, "kuaishou") => 0.30,
        (Tier::Prefecture, "kuaishou") => 0.20,
        (Tier::Key, "toutiao") => 0.50,
        (Tier::Prefecture, "toutiao") => 0.30,
        (Tier::Key, "wechat_channels") => 0.55,
        (Tier::Prefecture, "wechat_channels") => 0.35,
        (Tier::Key, "bilibili") => 0.25,
        (Tier::Prefecture, "bilibili") => 0.10,
        (Tier::Key, "mini_program") => 0.40,
        (Tier::Prefecture, "mini_program") => 0.25,
        // Inclusion features: toolbars are common since 2020, language versions rare.
        (Tier::Key, "accessibility") => 0.90,
        (Tier::Prefecture, "accessibility") => 0.70,
        (Tier::Key, "elder_mode") => 0.70,
        (Tier::Prefecture, "elder_mode") => 0.50,
        (Tier::Key, "english") => 0.60,
        (Tier::Prefecture, "english") => 0.30,
        (Tier::Key, "minority_language") => 0.10,
        (Tier::Prefecture, "minority_language") => 0.05,
        _ => 0.0,
    }
}

/// Share per tier averaged over the five sectors (survey: key 39/12/24 %, prefecture 15/5/16 %).
pub(super) fn sector_share(tier: Tier, c: &str) -> f64 {
    match (tier, c) {
        (Tier::Key, "weibo") => 0.39,
        (Tier::Key, "wechat") => 0.12,
        (Tier::Key, "app") => 0.24,
        (Tier::Prefecture, "weibo") => 0.15,
        (Tier::Prefecture, "wechat") => 0.05,
        (Tier::Prefecture, "app") => 0.16,
        (Tier::Key, "service_hall") => 0.55,
        (Tier::Prefecture, "service_hall") => 0.35,
        (Tier::Key, "consultation") => 0.80,
        (Tier::Prefecture, "consultation") => 0.60,
        (Tier::Key, "email") => 0.50,
        (Tier::Prefecture, "email") => 0.35,
        (Tier::Key, "hotline") => 0.45,
        (Tier::Prefecture, "hotline") => 0.30,
        (Tier::Key, "douyin") => 0.30,
        (Tier::Prefecture, "douyin") => 0.15,
        (Tier::Key, "wechat_channels") => 0.20,
        (Tier::Prefecture, "wechat_channels") => 0.10,
        (Tier::Key, "mini_program") => 0.20,
        (Tier::Prefecture, "mini_program") => 0.10,
        (_, "kuaishou" | "toutiao" | "bilibili") => 0.08,
        (Tier::Key, "accessibility") => 0.50,
        (Tier::Prefecture, "accessibility") => 0.30,
        (Tier::Key, "elder_mode") => 0.30,
        (Tier::Prefecture, "elder_mode") => 0.20,
        (_, "english") => 0.05,
        _ => 0.0,
    }
}

/// East leads, central and west lag (the survey's finding); used to order who gets a channel.
pub(super) fn region_weight(r: Region) -> f64 {
    match r {
        Region::East => 1.0,
        Region::Central => 0.75,
        Region::West => 0.55,
    }
}
