//! The binary's exit codes (README documents them), named once.

/// Exit code for operational errors.
pub const EXIT_ERROR: u8 = 2;
/// Exit code when another run holds the database.
pub const EXIT_BUSY: u8 = 3;
/// Exit code after an interruption.
pub const EXIT_INTERRUPTED: u8 = 130;
