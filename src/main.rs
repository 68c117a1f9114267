//! The `portal-audit` command line: flags, config merging, progress and output.
//! Everything else lives in the library.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main()
}
