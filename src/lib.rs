//! portal-audit: audits government web portals for the public service channels they
//! offer, records the evidence in SQLite and exports the adoption matrix.
//!
//! The pipeline, one folder per stage: [`seeds`] → [`audit`] (a run) → [`crawl`] (one
//! site) → [`net`] (fetch, politeness, robots, address safety) → [`page`] (decode,
//! extract, detect, discover) → [`store`]; then [`export`], [`review`] and its [`screen`].
//! [`model`] and [`config`] are the vocabulary every stage shares; [`sim`] is the
//! simulated web of the tests, the demo and the benchmark. See ARCHITECTURE.md.
//!
//! The public surface is what the binary (`src/cli`), the integration tests and the fuzz
//! targets use, and nothing else: a run ([`audit::run`], [`audit::redetect`]), the seeds
//! ([`seeds::parse`], [`seeds::check`], [`seeds::discover`]), one page's analysis
//! ([`page::decode`], [`page::extract`], [`page::detect`]) and the crawl's pure parts
//! ([`crawl::frontier`], [`model::scope`], [`net::check_target`], [`net::robots`]), the
//! store ([`store::open_ro`], [`store::runs`]), every export ([`export`]), reviewers'
//! decisions ([`review`], [`screen`]) and the simulated web ([`sim`]). Every other item
//! is `pub(crate)`.

// A function longer than clippy.toml's threshold does more than one thing.
#![warn(clippy::too_many_lines)]

pub mod audit;
pub mod config;
pub mod crawl;
pub mod export;
pub mod model;
pub mod net;
pub mod page;
pub mod review;
pub mod screen;
pub mod seeds;
pub mod sim;
pub mod store;
