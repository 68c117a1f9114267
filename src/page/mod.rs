//! One page, from bytes to findings: pure functions of a fetched body.
//!
//! [`decode`] turns bytes into text, [`extract`] parses it once into `PageFacts`,
//! [`detect`] turns the facts into channel findings and `discover` into department
//! sites. Nothing here touches the network, the database or the clock, so the same code
//! runs on live pages, saved files and stored bodies. May call: `model`.

pub mod decode;
pub mod detect;
pub(crate) mod discover;
pub mod extract;
pub mod inspect;
