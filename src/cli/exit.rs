//! The binary's exit codes (README documents them), named once.

/// Exit code for operational errors.
pub const EXIT_ERROR: u8 = 2;
/// Exit code when another run holds the database.
pub const EXIT_BUSY: u8 = 3;
/// Exit code after an interruption.
pub const EXIT_INTERRUPTED: u8 = 130;
/// Exit code when a run stopped because no site could be reached (the network is down).
pub const EXIT_NETWORK_DOWN: u8 = 4;
/// Exit code when a run finished with more cities failed than `--max-failed-share`.
pub const EXIT_TOO_MANY_FAILED: u8 = 5;
