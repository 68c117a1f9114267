//! The `portal-audit` binary: flags (`args`), one function per command (`commands`,
//! `export`, `review`, `sim`), exit codes. The only place that knows about the terminal
//! and `anyhow`; everything else is the library.
//!
//! Exit codes: 0 done (a run that finished, even with failed sites); 1 `eval` below its
//! thresholds; 2 an operational error (bad seeds, config, rules or database); 3 another
//! run is writing the database; 130 interrupted (the run is marked interrupted;
//! `run --resume` continues it).

mod args;
mod args_links;
mod bench;
mod commands;
mod exit;
mod export;
mod flags;
mod links;
mod review;
mod sim;
mod values;

use anyhow::Result;
use args::{Cli, Command};
use clap::Parser;
use exit::{EXIT_BUSY, EXIT_ERROR};
use std::process::ExitCode;

/// Runs one command.
fn dispatch(cmd: args::Command) -> Result<ExitCode> {
    use args::Command::*;
    match cmd {
        Run(a) => commands::run(a),
        Recheck(a) => commands::recheck(a),
        Runs(a) => commands::runs(a),
        Inspect(a) => commands::inspect(a),
        Eval(a) => commands::eval(a),
        Redetect(a) => commands::redetect(a),
        Seeds(args::SeedsCommand::Check(a)) => commands::seeds_check(a),
        Seeds(args::SeedsCommand::Discover(a)) => commands::seeds_discover(a),
        Export(e) => export::run(e),
        Diff(a) => export::diff(a),
        Review(r) => review::run(r),
        Demo(a) => sim::demo(a),
        Bench(a) => bench::bench(a),
        Sim(args::SimCommand::Serve(a)) => sim::serve(a),
        Links(c) => links::links(c),
        Probe(a) => links::probe(a),
    }
}

/// Parses flags, runs the command, maps errors to exit codes.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    use std::io::IsTerminal;
    // Colour only on a terminal, and never with NO_COLOR (https://no-color.org).
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    // The demo's simulated web fails some sites on purpose: it says so once, itself.
    let quiet_default = if matches!(cli.command, Command::Demo(_)) {
        "error"
    } else {
        "warn"
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(quiet_default)),
        )
        .with_ansi(colour)
        .with_writer(std::io::stderr)
        .init();
    if let Err(e) = portal_audit::config::clock::from_env() {
        eprintln!("portal-audit: error: {e}");
        return ExitCode::from(EXIT_ERROR);
    }
    match dispatch(cli.command) {
        Ok(code) => code,
        Err(e) => {
            // Another run holds the database, whichever command met it (run, redetect …).
            let busy = e.chain().any(|c| {
                matches!(
                    c.downcast_ref::<portal_audit::store::StoreError>(),
                    Some(portal_audit::store::StoreError::Busy { .. })
                ) || matches!(
                    c.downcast_ref::<portal_audit::audit::AuditError>(),
                    Some(portal_audit::audit::AuditError::Store(
                        portal_audit::store::StoreError::Busy { .. }
                    ))
                )
            });
            eprintln!("portal-audit: error: {e:#}");
            ExitCode::from(if busy { EXIT_BUSY } else { EXIT_ERROR })
        }
    }
}
