//! portal-audit: audits government web portals for the public service channels they
//! offer, records the evidence in SQLite and exports the adoption matrix.
//!
//! The pipeline, one module per stage: [`seeds`] → [`frontier`] and [`politeness`] →
//! [`fetch`] (with [`net`] safety and [`robots`]) → [`decode`] → [`extract`] →
//! [`detect`] → [`store`]; [`crawl`] drives one site, [`audit`] drives a run.
//! See ARCHITECTURE.md.

pub mod audit;
pub mod config;
pub mod crawl;
pub mod decode;
pub mod detect;
pub mod discover;
pub mod export;
pub mod extract;
pub mod fetch;
pub mod frontier;
pub mod memory;
pub mod model;
pub mod net;
pub mod parse;
pub mod politeness;
pub mod progress;
pub mod redetect;
pub mod review;
pub mod robots;
pub mod scope;
pub mod screen;
pub mod seedcheck;
pub mod seeddiscover;
pub mod seeds;
pub mod sim;
pub mod store;
