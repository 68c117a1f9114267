//! `review list|set|history|export|import`: reviewers' decisions on cells.

use super::args::{ReviewCommand, ReviewListArgs, ReviewServeArgs, ReviewSetArgs};
use anyhow::{Context, Result, bail};
use portal_audit::export::matrix;
use portal_audit::model::Sector;
use portal_audit::model::terminal::shown;
use portal_audit::review::queue::{self, Filter, State};
use portal_audit::review::{self, NewDecision, Verdict};
use portal_audit::store;
use std::process::ExitCode;

/// Runs a review subcommand.
pub fn run(cmd: ReviewCommand) -> Result<ExitCode> {
    match cmd {
        ReviewCommand::List(a) => list(a),
        ReviewCommand::Set(a) => set(a),
        ReviewCommand::History(a) => {
            let conn = store::open_ro(&a.store.db)?;
            let m = matrix::load(&conn, None)?;
            let city = find_city(&m, &a.city)?;
            let cell = match (&a.sector, &a.channel) {
                (Some(s), Some(c)) => {
                    Some((s.parse::<Sector>().map_err(anyhow::Error::msg)?, c.as_str()))
                }
                (None, None) => None,
                _ => bail!("give both SECTOR and CHANNEL, or neither"),
            };
            let ds = review::history(&conn, &city, cell)?;
            if ds.is_empty() {
                println!("no decisions on {}", a.city);
            }
            for d in ds {
                println!(
                    "{}  {} {} {}: {} (computed {}) by {}: {}",
                    d.decided_at,
                    d.city_id,
                    d.sector,
                    d.channel,
                    d.verdict.as_str(),
                    d.computed,
                    shown(&d.reviewer),
                    shown(&d.reason)
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        ReviewCommand::Export(a) => {
            let conn = store::open_ro(&a.store.db)?;
            let ds = review::all(&conn)?;
            if let Some(dir) = a.out.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
            }
            portal_audit::export::files::write_atomic(&a.out, &review::to_csv(&ds))
                .with_context(|| format!("cannot write {}", a.out.display()))?;
            println!("{} decisions written to {}", ds.len(), a.out.display());
            Ok(ExitCode::SUCCESS)
        }
        ReviewCommand::Serve(a) => serve(a),
        ReviewCommand::Import(a) => {
            let bytes = std::fs::read(&a.file)
                .with_context(|| format!("cannot read {}", a.file.display()))?;
            let conn = store::open_existing_rw(&a.store.db)?;
            let m = matrix::load(&conn, None)?;
            let r = review::import(&conn, &m, &bytes, &a.file.display().to_string())?;
            print!(
                "{} decisions imported from {}",
                r.imported,
                a.file.display()
            );
            match r.already {
                0 => println!(),
                n => println!("; {n} were recorded already and were skipped"),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn find_city(m: &matrix::Matrix, q: &str) -> Result<String> {
    let hits: Vec<&matrix::CityRow> = m
        .cities
        .iter()
        .filter(|c| portal_audit::model::city::name_matches(&c.id, &c.name, q))
        .collect();
    match hits.as_slice() {
        [c] => Ok(c.id.clone()),
        [] => bail!("no audited city matches `{q}`"),
        _ => bail!("`{q}` names {} cities; use the id", hits.len()),
    }
}

/// The reviewer's name, or an error asking for `--reviewer`: nothing is recorded as
/// made by `unknown`.
fn named_reviewer(given: Option<&str>) -> Result<String> {
    review::reviewer_name(given).context(
        "no reviewer name: pass --reviewer NAME (or set PORTAL_AUDIT_REVIEWER); decisions are never recorded as `unknown`",
    )
}

fn serve(a: ReviewServeArgs) -> Result<ExitCode> {
    let rt = super::commands::runtime()?;
    rt.block_on(async {
        let screen = portal_audit::screen::start(portal_audit::screen::ServeOptions {
            db: a.store.db.clone(),
            port: a.port,
            reviewer: named_reviewer(a.reviewer.as_deref())?,
        })
        .await?;
        println!("review screen: {}", screen.url());
        println!("(127.0.0.1 only; the token is this session's; Ctrl-C stops)");
        use std::io::Write;
        std::io::stdout().flush()?;
        tokio::select! {
            r = screen.wait() => r.context("the review screen stopped")?,
            _ = tokio::signal::ctrl_c() => {}
        }
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(ExitCode::SUCCESS)
}

fn set(a: ReviewSetArgs) -> Result<ExitCode> {
    // A missing database is an error, not a new empty one.
    store::open_ro(&a.store.db)?;
    let conn = store::open_existing_rw(&a.store.db)?;
    let m = matrix::load(&conn, None)?;
    let city = find_city(&m, &a.city)?;
    let sector: Sector = a.sector.parse().map_err(anyhow::Error::msg)?;
    let verdict: Verdict = a.verdict.parse().map_err(anyhow::Error::msg)?;
    let reviewer = named_reviewer(a.reviewer.as_deref())?;
    let id = review::decide(
        &conn,
        &m,
        &NewDecision {
            city_id: &city,
            sector,
            channel: &a.channel,
            verdict,
            reason: &a.reason,
            reviewer: &reviewer,
            decided_at: None,
        },
    )?;
    println!(
        "decision {id}: {city} {sector} {} = {} by {reviewer}",
        a.channel,
        verdict.as_str()
    );
    Ok(ExitCode::SUCCESS)
}

fn list(a: ReviewListArgs) -> Result<ExitCode> {
    let conn = store::open_ro(&a.store.db)?;
    let mut m = matrix::load(&conn, None)?;
    review::apply(&conn, &mut m)?;
    let state = if a.pending {
        State::Pending
    } else if a.stale {
        State::Stale
    } else if a.reviewed {
        State::Reviewed
    } else if a.weak {
        State::Weak
    } else {
        State::All
    };
    let filter = Filter::parse(
        a.city.as_deref(),
        a.tier.as_deref(),
        a.region.as_deref(),
        a.sector.as_deref(),
        a.channel.as_deref(),
        Some(state.as_str()),
    )
    .map_err(anyhow::Error::msg)?;
    let items = queue::queue_in_store(&conn, &m, &filter)?;
    match a.format.as_str() {
        "json" => println!("{}", serde_json::to_string_pretty(&items)?),
        "csv" => {
            use std::io::Write;
            let out = portal_audit::export::formats::csv_with_bom(|w| {
                for i in &items {
                    w.serialize(i);
                }
            });
            std::io::stdout().write_all(&out)?;
        }
        "md" => {
            let (done, total) = queue::progress(&m);
            println!("reviewed {done} / {total} cells\n");
            println!(
                "| city | sector | channel | value | computed | evidence | reviewed | note |\n|---|---|---|---|---|---|---|---|"
            );
            for i in &items {
                println!(
                    "| {} {} | {} | {} | {} | {} | {} ({}) | {} | {} |",
                    i.city_id,
                    shown(&i.city),
                    i.sector,
                    i.channel,
                    i.value.as_str(),
                    i.computed.as_str(),
                    i.strength.map_or("-", |s| s.as_str()),
                    i.finding_count,
                    if i.stale {
                        "stale"
                    } else if i.reviewed {
                        "yes"
                    } else {
                        ""
                    },
                    i.doubt.describe()
                );
            }
        }
        other => bail!("unknown review list format `{other}` (md, csv, json)"),
    }
    Ok(ExitCode::SUCCESS)
}
