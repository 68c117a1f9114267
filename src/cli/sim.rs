//! `demo`, `bench` and `sim serve`: the simulated web from the command line.

use super::args::{DemoArgs, SimServeArgs, WorldArgs};
use anyhow::{Context, Result};
use portal_audit::audit::{self, AuditOptions, RunMode};
use portal_audit::config::CrawlConfig;
use portal_audit::crawl::progress::ProgressMode;
use portal_audit::export::{evidence, formats, matrix, summary, xlsx};
use portal_audit::page::detect::RulesDetector;
use portal_audit::sim::server::Server;
use portal_audit::sim::truth::compare;
use portal_audit::sim::world::{World, WorldSpec};
use std::io::BufRead;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;
use tokio_util::sync::CancellationToken;

fn spec(w: &WorldArgs) -> WorldSpec {
    WorldSpec {
        cities: w.cities,
        seed: w.seed,
        pages_per_site: w.pages,
        departments: w.departments.min(5),
        hostile: !w.no_hostile,
        discover: w.discover,
    }
}

pub(super) fn closed_port() -> Result<SocketAddr> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?)
}

/// Audits an in-process simulated web and writes all exports.
pub fn demo(a: DemoArgs) -> Result<ExitCode> {
    let t0 = Instant::now();
    // The demo's seeds name no department site: the audit finds them on the portals.
    let world = Arc::new(World::generate(WorldSpec {
        discover: true,
        ..spec(&a.world)
    }));
    std::fs::create_dir_all(&a.out)
        .with_context(|| format!("cannot create {}", a.out.display()))?;
    let seeds = a.out.join("seeds.csv");
    std::fs::write(&seeds, world.seeds_csv())?;
    std::fs::write(a.out.join("truth.csv"), world.truth_csv())?;
    let db = a.out.join("audit.db");
    for f in [
        db.clone(),
        a.out.join("audit.db-wal"),
        a.out.join("audit.db-shm"),
    ] {
        let _ = std::fs::remove_file(f);
    }
    let rt = super::commands::runtime()?;
    let report = rt.block_on(async {
        let server = Server::start(world.clone().handler()).await?;
        let config = CrawlConfig {
            // Fast for a local server: each homepage's ~420 uncrawled links are checked.
            rate: 100.0,
            max_pages: a.world.pages,
            resolve: world.resolve_rules(server.addr, closed_port()?),
            max_retries: 1,
            backoff_base_secs: 0.05,
            connect_timeout_secs: 2.0,
            request_timeout_secs: 10.0,
            ..Default::default()
        };
        println!(
            "{}; served on http://127.0.0.1:{} (host names via --resolve)",
            world.describe(),
            server.addr.port()
        );
        let opts = AuditOptions {
            db: db.clone(),
            seeds: seeds.clone(),
            mode: RunMode::Run { cities: vec![] },
            config,
            progress: ProgressMode::Auto,
        };
        anyhow::Ok(
            audit::run(
                &opts,
                Arc::new(RulesDetector::builtin()),
                CancellationToken::new(),
            )
            .await?,
        )
    })?;
    let conn = portal_audit::store::open_ro(&db)?;
    let m = matrix::load(&conn, None)?;
    write_exports(&conn, &m, report.run_id, &a.out)?;
    let cmp = compare(&world, &m);
    println!(
        "audit: {} cities ({} failed), {} pages, {} findings in {:.1} s",
        report.cities,
        report.cities_failed,
        report.pages,
        report.findings,
        report.elapsed.as_secs_f64()
    );
    // The simulated web makes some hosts dead or robots-blocked on purpose: say so once.
    let failed: Vec<(String, i64)> = conn
        .prepare("SELECT outcome, COUNT(*) FROM sites WHERE run_id = ?1 AND outcome != 'ok' GROUP BY outcome ORDER BY outcome")?
        .query_map([report.run_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    if !failed.is_empty() {
        println!(
            "{} sites failed, as the simulated web makes some hosts fail on purpose ({}); their cells are unknown, listed under Failures on each city's page of {}",
            failed.iter().map(|(_, n)| n).sum::<i64>(),
            failed
                .iter()
                .map(|(o, n)| format!("{n} {o}"))
                .collect::<Vec<_>>()
                .join(", "),
            a.out.join("evidence").display()
        );
    }
    println!(
        "against the truth: {}/{} cells match ({:.1}%){}",
        cmp.matching,
        cmp.cells,
        cmp.accuracy() * 100.0,
        if cmp.mismatches.is_empty() {
            String::new()
        } else {
            format!("; differences:\n  {}", cmp.mismatches.join("\n  "))
        }
    );
    let rows = inspection_rows(&conn, &m)?;
    let fetched = portal_audit::sim::inspection_truth::fetched_pages(&conn, report.run_id)?;
    let (ok, total, wrong) = portal_audit::sim::inspection_truth::compare(&world, &rows, &fetched);
    println!(
        "inspection against the truth: {ok}/{total} reached sites match{}",
        if wrong.is_empty() {
            String::new()
        } else {
            format!("; differences:\n  {}", wrong.join("\n  "))
        }
    );
    write_inspection(&rows, &a.out)?;
    let (ok, total, wrong) = links_against_truth(&conn, &world, &a.out)?;
    println!(
        "links against the truth: {ok}/{total} broken or blocked homepage links found{}",
        if wrong.is_empty() {
            String::new()
        } else {
            format!("; differences:\n  {}", wrong.join("\n  "))
        }
    );
    let d = a.out.display();
    println!(
        "wrote {d}/matrix.{{csv,json,md,xlsx}}, {d}/summary.{{md,html,csv,json}}, {d}/accounts.{{csv,json,md}}, {d}/inspection.{{csv,json,md,html,xlsx}}, {d}/links.{{csv,md}}, {d}/evidence/index.html, {d}/pages.warc.gz, {d}/audit.db, {d}/truth.csv"
    );
    println!("done in {:.1} s", t0.elapsed().as_secs_f64());
    Ok(ExitCode::SUCCESS)
}

/// Writes the links export and compares it with the world's truth: (found, expected,
/// differences).
fn links_against_truth(
    conn: &rusqlite::Connection,
    world: &portal_audit::sim::world::World,
    out: &std::path::Path,
) -> Result<(usize, usize, Vec<String>)> {
    use portal_audit::export::{links, links_out};
    let rows = links::load(conn, &links::LinksFilter::default())?;
    std::fs::write(out.join("links.csv"), links_out::to_csv(&rows))?;
    std::fs::write(out.join("links.md"), links_out::to_md(&rows))?;
    let got: std::collections::BTreeSet<_> = rows
        .iter()
        .map(|r| (r.link.page.clone(), r.link.target.clone(), r.link.outcome))
        .collect();
    let audited: std::collections::BTreeSet<String> = conn
        .prepare("SELECT start_url FROM sites")?
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<Result<_, _>>()?;
    let want = world.homepage_links_truth(std::time::Duration::from_secs(10), &|host| {
        audited.contains(&format!("http://{host}/"))
    });
    let mut wrong: Vec<String> = want
        .difference(&got)
        .map(|t| format!("missing {} on {} ({})", t.1, t.0, t.2.as_str()))
        .collect();
    wrong.extend(
        got.difference(&want)
            .map(|t| format!("unexpected {} on {} ({})", t.1, t.0, t.2.as_str())),
    );
    Ok((want.intersection(&got).count(), want.len(), wrong))
}

/// The inspection checks of the demo's audit, judged with the built-in thresholds.
fn inspection_rows(
    conn: &rusqlite::Connection,
    m: &matrix::Matrix,
) -> Result<Vec<portal_audit::export::inspection::SiteRow>> {
    let rules = portal_audit::page::detect::rules::builtin_inspection();
    let mut rows = portal_audit::export::inspection::load(conn, m, &rules)?;
    portal_audit::review::apply_checks(conn, &mut rows)?;
    Ok(rows)
}

/// Writes the inspection export in all its formats into `out`.
fn write_inspection(
    rows: &[portal_audit::export::inspection::SiteRow],
    out: &std::path::Path,
) -> Result<()> {
    use portal_audit::export::{inspection, inspection_out};
    std::fs::write(out.join("inspection.csv"), inspection_out::to_csv(rows))?;
    std::fs::write(
        out.join("inspection.json"),
        serde_json::to_string_pretty(&inspection::to_json(rows))?,
    )?;
    std::fs::write(out.join("inspection.md"), inspection_out::to_md(rows))?;
    std::fs::write(out.join("inspection.html"), inspection_out::to_html(rows))?;
    xlsx::write_inspection(rows, &out.join("inspection.xlsx"))?;
    Ok(())
}

/// Writes every export of the demo's audit into `out`: the matrix, summary and accounts
/// in all their formats, the evidence pack and a WARC.
fn write_exports(
    conn: &rusqlite::Connection,
    m: &matrix::Matrix,
    run: i64,
    out: &std::path::Path,
) -> Result<()> {
    let mut s = summary::summarize(m);
    s.checks = portal_audit::export::inspection::share_tables(&inspection_rows(conn, m)?);
    std::fs::write(out.join("matrix.csv"), formats::matrix_csv(m))?;
    std::fs::write(
        out.join("matrix.json"),
        serde_json::to_string_pretty(&formats::matrix_json(m))?,
    )?;
    std::fs::write(out.join("matrix.md"), formats::matrix_md(m))?;
    xlsx::write(
        m,
        &s,
        &evidence::findings(conn, m)?,
        &out.join("matrix.xlsx"),
    )?;
    std::fs::write(out.join("summary.md"), formats::summary_md(&s))?;
    std::fs::write(out.join("summary.html"), formats::summary_html(&s))?;
    std::fs::write(out.join("summary.csv"), formats::summary_csv(&s))?;
    std::fs::write(out.join("summary.json"), serde_json::to_string_pretty(&s)?)?;
    let accounts = portal_audit::export::accounts::load(conn, m)?;
    use portal_audit::export::accounts as acc;
    std::fs::write(out.join("accounts.csv"), acc::to_csv(&accounts))?;
    std::fs::write(
        out.join("accounts.json"),
        serde_json::to_string_pretty(&acc::to_json(&accounts))?,
    )?;
    std::fs::write(out.join("accounts.md"), acc::to_md(&accounts, &m.channels))?;
    evidence::write_pack(conn, m, &out.join("evidence"))?;
    portal_audit::export::warc::write(conn, &[run], &out.join("pages.warc.gz"))?;
    Ok(())
}

/// Serves a world until stdin closes.
pub fn serve(a: SimServeArgs) -> Result<ExitCode> {
    let world = Arc::new(World::generate(spec(&a.world)));
    if let Some(out) = &a.out {
        std::fs::create_dir_all(out)?;
        std::fs::write(out.join("seeds.csv"), world.seeds_csv())?;
        std::fs::write(out.join("truth.csv"), world.truth_csv())?;
    }
    let rt = super::commands::runtime()?;
    rt.block_on(async {
        let server = Server::start(world.clone().handler()).await?;
        println!("listening {}", server.addr);
        // A parent that reads only the address (the bench) may close the pipe after it:
        // what follows is for people and must not stop the server.
        let say = |line: String| {
            use std::io::Write;
            let mut out = std::io::stdout();
            let _ = writeln!(out, "{line}").and_then(|_| out.flush());
        };
        say(world.describe());
        if let Some(out) = &a.out {
            let rules: Vec<String> = world
                .resolve_rules(server.addr, closed_port()?)
                .into_iter()
                .map(|r| format!("--resolve '{r}'"))
                .collect();
            say(format!(
                "seeds: {}\naudit it (in another terminal, while this one runs):\n  portal-audit run --seeds {} --db {} {}",
                out.join("seeds.csv").display(),
                out.join("seeds.csv").display(),
                out.join("audit.db").display(),
                rules.join(" ")
            ));
        }
        // Stop when the parent closes our stdin (or dies).
        tokio::task::spawn_blocking(|| {
            let mut sink = String::new();
            while std::io::stdin()
                .lock()
                .read_line(&mut sink)
                .map(|n| n > 0)
                .unwrap_or(false)
            {
                sink.clear();
            }
        })
        .await?;
        drop(server);
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}
