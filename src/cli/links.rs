//! `links recheck` and `probe`: the network-side inspection checks run on their own
//! schedule (a day after a run; every hour from cron or a systemd timer).

use super::args_links::{LinksCommand, LinksRecheckArgs, PROBE_TIMEOUT_SECS, ProbeArgs};
use super::commands::{cancel_on_signals_saying, runtime};
use super::exit::EXIT_INTERRUPTED;
use anyhow::Result;
use portal_audit::audit::links::{RecheckLinksOptions, recheck_links};
use portal_audit::audit::probe::{ProbeOptions, probe as run_probe};
use std::process::ExitCode;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Runs a `links` subcommand.
pub fn links(cmd: LinksCommand) -> Result<ExitCode> {
    match cmd {
        LinksCommand::Recheck(a) => recheck(a),
    }
}

fn recheck(a: LinksRecheckArgs) -> Result<ExitCode> {
    let config = a.crawl.merge()?;
    let set = match &a.rules.rules {
        Some(p) => portal_audit::page::detect::rules::RuleSet::load(p)?,
        None => portal_audit::page::detect::rules::RuleSet::builtin(),
    };
    let rules = set.inspection.link_rules().clone();
    let opts = RecheckLinksOptions {
        db: a.store.db.clone(),
        run: a.run,
        config,
        rules,
    };
    let report = runtime()?.block_on(async {
        let token = CancellationToken::new();
        cancel_on_signals_saying(token.clone(), "no re-check is recorded");
        recheck_links(&opts, token).await
    })?;
    if report.interrupted {
        println!("links run {} interrupted: nothing recorded", report.run_id);
        return Ok(ExitCode::from(EXIT_INTERRUPTED));
    }
    println!(
        "links run {} (re-checking run {}): {} suspected links ({} URLs): {} still broken ({} now confirmed), {} fixed, {} blocked or not checked",
        report.run_id,
        report.checked_run,
        report.links,
        report.urls,
        report.still_broken,
        report.confirmed,
        report.fixed,
        report.other
    );
    Ok(ExitCode::SUCCESS)
}

/// `probe`: rounds of availability probes.
pub fn probe(a: ProbeArgs) -> Result<ExitCode> {
    let config = a.crawl.merge()?;
    let opts = ProbeOptions {
        db: a.store.db.clone(),
        seeds: a.seeds.clone(),
        cities: a.cities.clone(),
        rounds: a.rounds.max(1),
        interval: Duration::from_secs_f64(a.interval),
        timeout: Duration::from_secs_f64(a.crawl.timeout.unwrap_or(PROBE_TIMEOUT_SECS)),
        config,
    };
    let quiet = a.quiet;
    let (rounds, interrupted) = runtime()?.block_on(async {
        let token = CancellationToken::new();
        cancel_on_signals_saying(token.clone(), "every finished round is kept");
        run_probe(&opts, token, |r| {
            if !quiet {
                println!(
                    "round {}/{}: {} sites probed, {} failed{}",
                    r.round,
                    opts.rounds,
                    r.sites,
                    r.failed,
                    if r.skipped > 0 {
                        format!(
                            ", {} not probed (robots.txt or the safety rules)",
                            r.skipped
                        )
                    } else {
                        String::new()
                    }
                );
            }
        })
        .await
    })?;
    if interrupted {
        println!(
            "probe interrupted after {} finished rounds (kept)",
            rounds.len()
        );
        return Ok(ExitCode::from(EXIT_INTERRUPTED));
    }
    Ok(ExitCode::SUCCESS)
}
