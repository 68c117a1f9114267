//! The simulated portal web: a local HTTP server with virtual hosts ([`server`]), and a
//! deterministic world of synthetic city portals with known truth ([`world`], `shares`, `pages`),
//! used by tests, the demo and the benchmark so that nothing ever leaves the machine.

pub mod bench;
pub mod inspection;
pub mod inspection_truth;
pub mod links;
pub mod links_truth;
pub(crate) mod pages;
pub mod server;
mod shares;
pub mod truth;
pub(crate) mod web;
pub mod world;
