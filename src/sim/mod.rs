//! The simulated portal web: a local HTTP server with virtual hosts, used by tests, the
//! demo and the benchmark so that nothing ever leaves the machine.

pub mod server;
