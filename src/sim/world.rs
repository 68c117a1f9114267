//! A deterministic world of synthetic city portals whose truth is known.
//!
//! [`World::generate`] draws, from a seed, which city offers which channel where
//! (reproducing the survey's published shares per tier), which hosts are dead, slow,
//! GBK-encoded, rate-limited or robots-blocked, and writes the matching seeds and truth
//! files. `sim::web` serves it.

use crate::model::scope::registrable_domain;
use crate::model::{ChannelId, Channels, Region, Sector, Tier};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use super::shares::{portal_share, region_weight, sector_share};

/// The real city list, for realistic names and hosts.
const REAL_SEEDS: &str = include_str!("../../seeds/cities.csv");

/// The channels the simulated world offers: the survey's seven, today's, then the
/// inclusion features (the order the world is drawn in, so a world stays the same from
/// build to build).
pub(crate) const CHANNELS: [&str; 17] = [
    "weibo",
    "wechat",
    "app",
    "service_hall",
    "consultation",
    "email",
    "hotline",
    "douyin",
    "kuaishou",
    "toutiao",
    "wechat_channels",
    "bilibili",
    "mini_program",
    "accessibility",
    "elder_mode",
    "english",
    "minority_language",
];

/// A channel's position in [`CHANNELS`], for per-channel variation of the pages.
pub(crate) fn channel_index(ch: &str) -> u64 {
    CHANNELS.iter().position(|c| *c == ch).unwrap_or(0) as u64
}

/// How a world is drawn.
#[derive(Debug, Clone)]
pub struct WorldSpec {
    pub cities: usize,
    pub seed: u64,
    /// Pages each site offers within the crawl budget (homepage included).
    pub pages_per_site: usize,
    /// Department sites per city (0–5).
    pub departments: usize,
    /// Whether hostile hosts (dead, slow, 429, robots) are included.
    pub hostile: bool,
    /// Department sites are not seeded: the portals list them (in a dropdown, a 机构设置
    /// page, a footer block, an included frame or an image map, among traps), some cities
    /// have a second housing site (住房公积金管理中心), and every sixth city writes its
    /// department menu only with JavaScript (nothing to discover).
    pub discover: bool,
}

impl Default for WorldSpec {
    fn default() -> Self {
        WorldSpec {
            cities: 12,
            seed: 2014,
            pages_per_site: 30,
            departments: 2,
            hostile: true,
            discover: false,
        }
    }
}

/// How a host behaves.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HostTraits {
    pub dead: bool,
    pub gbk: bool,
    /// GBK with no charset anywhere (only detection can tell).
    pub no_charset: bool,
    pub slow: bool,
    pub first_429: bool,
    /// robots.txt answers 500: the whole site is off limits.
    pub robots_error: bool,
    /// Every third request for a page (robots.txt aside) answers 503, as an overloaded
    /// host does: what availability probes catch and a crawl's retries hide.
    pub flaky: bool,
}

/// One site of the world.
#[derive(Debug, Clone)]
pub struct SimSite {
    pub city: usize,
    pub sector: Sector,
    pub host: String,
    pub traits: HostTraits,
    /// The channels this site offers, each with where its evidence is placed.
    pub channels: BTreeMap<&'static str, Placement>,
    /// In a discovery world: whether the portal lists the site where it can be found.
    pub listed: bool,
}

/// Where a channel's evidence sits on a site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// In the homepage's header or footer.
    Home,
    /// On the 互动交流 page, one click deep.
    Interaction,
    /// On the 政务新媒体 page, two clicks deep.
    NewMedia,
}

/// One city of the world.
#[derive(Debug, Clone)]
pub struct SimCity {
    pub id: String,
    pub name: String,
    pub province: String,
    pub tier: Tier,
    pub region: Region,
    /// Registrable domain, e.g. `hangzhou.gov.cn`.
    pub domain: String,
}

/// A generated world.
#[derive(Debug, Clone)]
pub struct World {
    pub spec: WorldSpec,
    pub cities: Vec<SimCity>,
    pub sites: Vec<SimSite>,
    pub(super) by_host: HashMap<String, usize>,
}

/// SplitMix64: a tiny, stable generator (the world must not change with a crate update).
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

/// A stable hash of a string, for per-page generators.
pub(crate) fn hash(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Host prefixes of department sites.
const DEPT_PREFIX: [(Sector, &str); 5] = [
    (Sector::Education, "jyj"),
    (Sector::Health, "wjw"),
    (Sector::Housing, "zjj"),
    (Sector::Transport, "jtj"),
    (Sector::Environment, "sthjj"),
];

/// The department sites of city `ci`: `spec.departments` of them. With fewer than five,
/// each city starts at another one, so the world as a whole covers all five sectors.
fn departments_of(
    spec: &WorldSpec,
    ci: usize,
) -> impl Iterator<Item = &'static (Sector, &'static str)> {
    let first = if spec.departments < DEPT_PREFIX.len() {
        ci % DEPT_PREFIX.len()
    } else {
        0
    };
    DEPT_PREFIX
        .iter()
        .cycle()
        .skip(first)
        .take(spec.departments.min(DEPT_PREFIX.len()))
}

fn real_cities() -> Vec<SimCity> {
    crate::seeds::parse(
        REAL_SEEDS.as_bytes(),
        std::path::Path::new("seeds/cities.csv"),
    )
    .expect("the bundled seeds are valid")
    .into_iter()
    .map(|c| SimCity {
        domain: registrable_domain(c.portal.host_str().unwrap_or_default()),
        id: c.id,
        name: c.name,
        province: c.province,
        tier: c.tier,
        region: c.region,
    })
    .collect()
}

impl World {
    /// Draws a world from `spec`.
    pub fn generate(spec: WorldSpec) -> World {
        let mut rng = Rng::new(spec.seed);
        let real = real_cities();
        // Interleave key and prefecture cities so small worlds have both tiers.
        let (key, pref): (Vec<_>, Vec<_>) = real.into_iter().partition(|c| c.tier == Tier::Key);
        let mut pool = Vec::new();
        let (mut k, mut p) = (key.into_iter(), pref.into_iter());
        loop {
            match (k.next(), p.next(), p.next()) {
                (None, None, _) => break,
                (a, b, c) => pool.extend([a, b, c].into_iter().flatten()),
            }
        }
        let mut cities: Vec<SimCity> = pool.into_iter().take(spec.cities).collect();
        let regions = [Region::East, Region::Central, Region::West];
        for i in cities.len()..spec.cities {
            cities.push(SimCity {
                id: format!("9{i:05}"),
                name: format!("模拟{i}市"),
                province: ["浙江省", "河南省", "四川省"][i % 3].into(),
                tier: Tier::Prefecture,
                region: regions[i % 3],
                domain: format!("sim{i}.gov.cn"),
            });
        }
        let mut sites = Vec::new();
        for (ci, c) in cities.iter().enumerate() {
            sites.push(SimSite {
                city: ci,
                sector: Sector::General,
                host: format!("www.{}", c.domain),
                traits: HostTraits::default(),
                channels: BTreeMap::new(),
                listed: true,
            });
            let listed = !(spec.discover && ci % 6 == 5);
            for (sector, prefix) in departments_of(&spec, ci) {
                sites.push(SimSite {
                    city: ci,
                    sector: *sector,
                    host: format!("{prefix}.{}", c.domain),
                    traits: HostTraits::default(),
                    channels: BTreeMap::new(),
                    listed,
                });
                if spec.discover && *sector == Sector::Housing && ci % 4 == 1 {
                    sites.push(SimSite {
                        city: ci,
                        sector: Sector::Housing,
                        host: format!("gjj.{}", c.domain),
                        traits: HostTraits::default(),
                        channels: BTreeMap::new(),
                        listed,
                    });
                }
            }
        }
        // Adoption: per tier and channel, exactly round(share × n) sites get it,
        // east first on average (weighted random order).
        for general in [true, false] {
            for tier in [Tier::Key, Tier::Prefecture] {
                let idx: Vec<usize> = (0..sites.len())
                    .filter(|&i| {
                        (sites[i].sector == Sector::General) == general
                            && cities[sites[i].city].tier == tier
                    })
                    .collect();
                for ch in CHANNELS {
                    let share = if general {
                        portal_share(tier, ch)
                    } else {
                        sector_share(tier, ch)
                    };
                    let n = (share * idx.len() as f64).round() as usize;
                    let mut order: Vec<(f64, usize)> = idx
                        .iter()
                        .map(|&i| {
                            let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
                            (u.powf(1.0 / region_weight(cities[sites[i].city].region)), i)
                        })
                        .collect();
                    order.sort_by(|a, b| b.0.total_cmp(&a.0));
                    for &(_, i) in order.iter().take(n) {
                        let placement = match rng.below(3) {
                            0 => Placement::Home,
                            1 => Placement::Interaction,
                            _ => Placement::NewMedia,
                        };
                        sites[i].channels.insert(ch, placement);
                    }
                }
            }
        }
        for s in &mut sites {
            s.traits.gbk = rng.chance(0.2);
            s.traits.no_charset = s.traits.gbk && rng.chance(0.3);
            if spec.hostile {
                s.traits.dead = rng.chance(0.03);
                s.traits.slow = rng.chance(0.05);
                s.traits.first_429 = rng.chance(0.05);
                s.traits.robots_error = rng.chance(0.02);
            }
        }
        if spec.hostile && !sites.is_empty() {
            // At least one of each, so small worlds exercise every path.
            let n = sites.len();
            let pick = |k: usize| (k * 7 + 3) % n;
            sites[pick(0)].traits.dead = true;
            sites[pick(1)].traits.first_429 = true;
            sites[pick(2)].traits.slow = true;
            if n > 8 {
                sites[pick(3)].traits.robots_error = true;
            }
        }
        let by_host = sites
            .iter()
            .enumerate()
            .map(|(i, s)| (s.host.clone(), i))
            .collect();
        World {
            spec,
            cities,
            sites,
            by_host,
        }
    }

    /// The seeds file of this world (the engine's format).
    pub fn seeds_csv(&self) -> String {
        let mut out = String::from(
            "id,name,province,tier,region,portal,housing,education,transport,health,environment,kind\n",
        );
        for (ci, c) in self.cities.iter().enumerate() {
            let dept = |sector: Sector| {
                if self.spec.discover {
                    return String::new(); // the portals list them
                }
                self.sites
                    .iter()
                    .filter(|s| s.city == ci && s.sector == sector)
                    .map(|s| format!("http://{}/", s.host))
                    .collect::<Vec<_>>()
                    .join(";")
            };
            let _ = writeln!(
                out,
                "{},{},{},{},{},http://www.{}/,{},{},{},{},{},地级市",
                c.id,
                c.name,
                c.province,
                c.tier,
                c.region,
                c.domain,
                dept(Sector::Housing),
                dept(Sector::Education),
                dept(Sector::Transport),
                dept(Sector::Health),
                dept(Sector::Environment)
            );
        }
        out
    }

    /// The truth of each site × channel of `channels` (the audit's columns): `yes`, `no`
    /// or `unknown` (dead or blocked). A channel the world never draws is `no` wherever
    /// the site can be audited: evidence of it would be a false "yes".
    pub fn truth(
        &self,
        channels: &Channels,
    ) -> BTreeMap<(String, Sector, ChannelId), &'static str> {
        let mut t = BTreeMap::new();
        // A sector a city has no site for is unknown (no department site to audit).
        for c in &self.cities {
            for sector in Sector::DEPARTMENTS {
                for ch in channels.ids() {
                    t.insert((c.id.clone(), *sector, ch.clone()), "unknown");
                }
            }
        }
        // The sites an audit can reach: in a discovery world, only the listed ones.
        let mut by_sector: BTreeMap<(usize, Sector), Vec<&SimSite>> = BTreeMap::new();
        // A portal that cannot be audited lists nothing: its departments stay unfound.
        let portal_down = |city: usize| {
            self.spec.discover
                && self.sites.iter().any(|p| {
                    p.city == city
                        && p.sector == Sector::General
                        && (p.traits.dead || p.traits.robots_error)
                })
        };
        for s in self
            .sites
            .iter()
            .filter(|s| s.listed && (s.sector == Sector::General || !portal_down(s.city)))
        {
            by_sector.entry((s.city, s.sector)).or_default().push(s);
        }
        for ((city, sector), sites) in by_sector {
            let id = &self.cities[city].id;
            for ch in channels.ids().map(ChannelId::as_str) {
                // yes when any site has it; else unknown when any cannot be audited.
                let v = if sites.iter().any(|s| {
                    !(s.traits.dead || s.traits.robots_error) && s.channels.contains_key(ch)
                }) {
                    "yes"
                } else if sites.iter().any(|s| s.traits.dead || s.traits.robots_error) {
                    "unknown"
                } else {
                    "no"
                };
                t.insert((id.clone(), sector, ChannelId::new(ch)), v);
            }
        }
        t
    }

    /// The truth file: `city_id,sector,channel,present`, over the built-in rules' channels.
    pub fn truth_csv(&self) -> String {
        let mut out = String::from("city_id,sector,channel,present\n");
        let channels = crate::page::detect::RuleSet::builtin().channels;
        for ((id, sector, ch), v) in self.truth(&channels) {
            let _ = writeln!(out, "{id},{sector},{ch},{v}");
        }
        out
    }

    /// `--resolve` rules: every host to `live`, dead hosts to `dead` (a closed port).
    pub fn resolve_rules(
        &self,
        live: std::net::SocketAddr,
        dead: std::net::SocketAddr,
    ) -> Vec<String> {
        let mut rules: Vec<String> = self
            .sites
            .iter()
            .filter(|s| s.traits.dead)
            .map(|s| format!("{}:*:{dead}", s.host))
            .collect();
        rules.push(format!("{}:*:{dead}", super::links::CLOSED));
        rules.push(format!("*:*:{live}"));
        rules
    }

    /// What the world contains, in one line: cities by tier and region, sites by sector,
    /// and the hosts that misbehave on purpose.
    pub fn describe(&self) -> String {
        let count = |f: &dyn Fn(&SimCity) -> bool| self.cities.iter().filter(|c| f(c)).count();
        let sectors: Vec<String> = Sector::ALL
            .iter()
            .map(|s| {
                let n = self.sites.iter().filter(|x| x.sector == *s).count();
                format!("{n} {s}")
            })
            .collect();
        let traits =
            |f: &dyn Fn(&HostTraits) -> bool| self.sites.iter().filter(|s| f(&s.traits)).count();
        format!(
            "simulated web: {} cities ({} key, {} prefecture-level; {} east, {} central, {} west), {} sites ({}), {} pages each; hostile hosts: {} dead, {} robots.txt 500, {} first answer 429, {} slow, {} GBK ({} without a charset){}",
            self.cities.len(),
            count(&|c| c.tier == Tier::Key),
            count(&|c| c.tier == Tier::Prefecture),
            count(&|c| c.region == Region::East),
            count(&|c| c.region == Region::Central),
            count(&|c| c.region == Region::West),
            self.sites.len(),
            sectors.join(", "),
            self.spec.pages_per_site,
            traits(&|t| t.dead),
            traits(&|t| t.robots_error),
            traits(&|t| t.first_429),
            traits(&|t| t.slow),
            traits(&|t| t.gbk),
            traits(&|t| t.no_charset),
            if self.spec.discover {
                "; department sites found by discovery, not seeded"
            } else {
                ""
            }
        )
    }

    /// Total pages the world offers within budget (for the politeness bound).
    pub fn pages_per_site(&self) -> usize {
        self.spec.pages_per_site
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_reproduces_published_shares() {
        let spec = WorldSpec {
            cities: 337,
            departments: 5,
            ..Default::default()
        };
        let a = World::generate(spec.clone());
        let b = World::generate(spec);
        assert_eq!(a.seeds_csv(), b.seeds_csv());
        assert_eq!(a.truth_csv(), b.truth_csv());
        let share = |tier: Tier, ch: &str| {
            let sites: Vec<&SimSite> = a
                .sites
                .iter()
                .filter(|s| s.sector == Sector::General && a.cities[s.city].tier == tier)
                .collect();
            sites
                .iter()
                .filter(|s| s.channels.contains_key(&ch))
                .count() as f64
                / sites.len() as f64
        };
        assert!((share(Tier::Key, "weibo") - 0.64).abs() < 0.015);
        assert!((share(Tier::Key, "app") - 0.72).abs() < 0.015);
        assert!((share(Tier::Prefecture, "wechat") - 0.22).abs() < 0.01);
    }
}
