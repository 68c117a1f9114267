//! Network safety: which addresses the crawler may connect to, and how names resolve.
//!
//! The crawler runs inside government networks, so it refuses loopback, private,
//! link-local and other non-public addresses unless the user allowed them, either by an
//! explicit `--resolve` override (whose addresses are trusted) or by `--allow-private`.
//! The check runs on resolved addresses (in `resolve::SafeResolver`) and on IP-literal
//! URLs (in [`check_target`]), at every redirect hop.

pub(crate) mod error;
pub mod fetch;
pub(crate) mod http;
pub(crate) mod politeness;
pub(crate) mod resolve;
pub mod robots;
pub(crate) mod safety;

pub use crate::config::resolve::ResolveRule;
pub(crate) use resolve::SafeResolver;
pub use safety::{check_target, is_public_ip};
