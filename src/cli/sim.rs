//! `demo`, `bench` and `sim serve`: the simulated web from the command line.

use super::args::{BenchArgs, DemoArgs, SimServeArgs, WorldArgs};
use anyhow::{Context, Result, bail};
use portal_audit::audit::{self, AuditOptions, RunMode};
use portal_audit::config::CrawlConfig;
use portal_audit::crawl::progress::ProgressMode;
use portal_audit::export::{evidence, formats, matrix, summary, xlsx};
use portal_audit::page::detect::RulesDetector;
use portal_audit::sim::bench::children_usage;
use portal_audit::sim::server::Server;
use portal_audit::sim::truth::{Comparison, compare};
use portal_audit::sim::world::{World, WorldSpec};
use portal_audit::store::runs::list_runs;
use std::io::BufRead;
use std::net::SocketAddr;
use std::process::{ExitCode, Stdio};
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

fn closed_port() -> Result<SocketAddr> {
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
            rate: 20.0,
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
    let d = a.out.display();
    println!(
        "wrote {d}/matrix.{{csv,json,md,xlsx}}, {d}/summary.{{md,html,csv,json}}, {d}/accounts.{{csv,json,md}}, {d}/inspection.{{csv,json,md,html,xlsx}}, {d}/evidence/index.html, {d}/pages.warc.gz, {d}/audit.db, {d}/truth.csv"
    );
    println!("done in {:.1} s", t0.elapsed().as_secs_f64());
    Ok(ExitCode::SUCCESS)
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

struct Scenario {
    name: &'static str,
    cities: usize,
    departments: usize,
    rate: f64,
    /// Pages per site (the budget and what each site offers).
    pages: usize,
}

/// Runs benchmark scenarios, each in a fresh process so peak memory is its own.
pub fn bench(a: BenchArgs) -> Result<ExitCode> {
    if a.scenario == "all" {
        return bench_all(&a);
    }
    let sc = Scenario::named(&a.scenario)?;
    let cities = a.cities.unwrap_or(sc.cities);
    let budget = sc.pages;
    let wspec = WorldSpec {
        cities,
        seed: 2014,
        pages_per_site: budget,
        departments: sc.departments,
        hostile: false,
        discover: false,
    };
    let world = World::generate(wspec.clone());
    let (mut child, addr) = start_server(cities, budget, sc.departments)?;
    let dir = tempfile_dir()?;
    let seeds = dir.join("seeds.csv");
    std::fs::write(&seeds, world.seeds_csv())?;
    let db = dir.join("audit.db");
    let log = dir.join("run.log");
    // The crawler is `portal-audit run` in a process of its own, as a user runs it: its
    // CPU time and peak memory are read when it ends (getrusage of waited-for children;
    // the server child is waited for only afterwards), so neither the server nor this
    // harness counts.
    let mut run = std::process::Command::new(std::env::current_exe()?);
    run.args(["run", "--seeds"])
        .arg(&seeds)
        .arg("--db")
        .arg(&db)
        .args(["--rate", &sc.rate.to_string()])
        .args(["--max-pages", &budget.to_string()]);
    for rule in world.resolve_rules(addr, closed_port()?) {
        run.args(["--resolve", &rule]);
    }
    run.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log)?);
    let before = children_usage();
    let t0 = Instant::now();
    let status = run.status()?;
    let wall = t0.elapsed().as_secs_f64();
    let after = children_usage();
    // The baseline crawls the same server while it is still up, after the audit has
    // been measured (its own usage comes from the script, not from getrusage here).
    let baseline = match (&a.scrapy, status.success()) {
        (Some(python), true) => Some(scrapy_baseline(python, &dir, &seeds, addr, sc.rate, budget)),
        _ => None,
    };
    drop(child.stdin.take());
    let _ = child.kill();
    let _ = child.wait();
    // The server's CPU (it shares the 2 cores with the crawler), when nothing else ran.
    let server_cpu = (a.scrapy.is_none()).then(|| children_usage().cpu_secs - after.cpu_secs);
    if !status.success() {
        bail!(
            "the audit failed ({status}):\n{}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }
    let conn = portal_audit::store::open_ro(&db)?;
    let cmp = compare(&world, &matrix::load(&conn, None)?);
    let fetched: i64 = conn.query_row("SELECT COUNT(*) FROM fetches", [], |r| r.get(0))?;
    let pages = list_runs(&conn, false)?
        .first()
        .map_or(0, |r| r.pages as usize);
    let cpu = after.cpu_secs - before.cpu_secs;
    print_report(
        &sc,
        &world,
        &Figures {
            pages,
            fetched,
            wall,
            cpu,
            sys: after.sys_secs - before.sys_secs,
            peak_rss: after.peak_rss,
            server_cpu,
        },
        baseline,
        &cmp,
    )?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(ExitCode::SUCCESS)
}

impl Scenario {
    /// The scenario of that name.
    fn named(name: &str) -> Result<Scenario> {
        Ok(match name {
            "polite" => Scenario {
                name: "polite",
                cities: 338,
                departments: 0,
                rate: 2.0,
                pages: 30,
            },
            "unlimited" => Scenario {
                name: "unlimited",
                cities: 338,
                departments: 0,
                rate: 10_000.0,
                pages: 30,
            },
            // The whole country with its department sites: 334 portals and five department
            // hosts of each city's domain, 2,004 sites, 60 pages each at 1 request/s.
            "country" => Scenario {
                name: "country",
                cities: 334,
                departments: 5,
                rate: 1.0,
                pages: 60,
            },
            other => bail!("unknown scenario `{other}` (polite, unlimited, country, all)"),
        })
    }
}

/// `bench --scenario all`: each scenario in a process of its own.
fn bench_all(a: &BenchArgs) -> Result<ExitCode> {
    for s in ["polite", "unlimited", "country"] {
        let mut cmd = std::process::Command::new(std::env::current_exe()?);
        cmd.args(["bench", "--scenario", s]);
        if let Some(c) = a.cities {
            cmd.args(["--cities", &c.to_string()]);
        }
        if let Some(py) = &a.scrapy {
            cmd.arg("--scrapy").arg(py);
        }
        let st = cmd.status()?;
        if !st.success() {
            bail!("scenario {s} failed");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Starts the simulated web in a process of its own (its CPU and memory are not the
/// crawler's) and returns it with the address it listens on.
fn start_server(
    cities: usize,
    budget: usize,
    departments: usize,
) -> Result<(std::process::Child, SocketAddr)> {
    let mut child = std::process::Command::new(std::env::current_exe()?)
        .args([
            "sim",
            "serve",
            "--cities",
            &cities.to_string(),
            "--pages",
            &budget.to_string(),
            "--departments",
            &departments.to_string(),
            "--seed",
            "2014",
            "--no-hostile",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().context("child stdout")?).read_line(&mut line)?;
    let addr: SocketAddr = line
        .trim()
        .strip_prefix("listening ")
        .context("the sim server did not start")?
        .parse()?;
    Ok((child, addr))
}

/// What one scenario's run measured.
struct Figures {
    pages: usize,
    fetched: i64,
    wall: f64,
    cpu: f64,
    sys: f64,
    peak_rss: u64,
    server_cpu: Option<f64>,
}

/// Prints a scenario's figures (and the Scrapy baseline's, when it ran).
fn print_report(
    sc: &Scenario,
    world: &World,
    f: &Figures,
    baseline: Option<Result<Baseline>>,
    cmp: &Comparison,
) -> Result<()> {
    let Figures {
        pages,
        fetched,
        wall,
        cpu,
        sys,
        peak_rss,
        server_cpu,
    } = *f;
    let cpu_per_page_ms = cpu * 1000.0 / pages.max(1) as f64;
    let budget = world.pages_per_site();
    let bound = budget as f64 / sc.rate;
    println!(
        "scenario {}: {} sites × {} pages, rate {}/s per host, robots.txt on",
        sc.name,
        world.sites.len(),
        budget,
        sc.rate
    );
    println!(
        "  pages {} (fetches incl. errors {}), wall {:.2} s, {:.0} pages/s",
        pages,
        fetched,
        wall,
        pages as f64 / wall
    );
    if sc.rate < 1000.0 {
        println!(
            "  politeness bound {:.2} s (pages per host ÷ rate; +{:.2} s for robots.txt), wall/bound {:.3}",
            bound,
            1.0 / sc.rate,
            wall / bound
        );
    }
    println!(
        "  CPU {:.2} s ({:.2} s in the kernel), {:.3} ms per page (Scrapy 2.19: 4.1 ms), peak memory {:.1} MB",
        cpu,
        sys,
        cpu_per_page_ms,
        peak_rss as f64 / 1e6
    );
    if let Some(c) = server_cpu {
        println!("  the simulated server's CPU (same 2 cores): {c:.2} s");
    }
    if let Some(b) = baseline {
        let b = b?;
        let theirs = b.cpu * 1000.0 / b.pages.max(1) as f64;
        println!(
            "  Scrapy {} on the same server just after: pages {}, wall {:.1} s, CPU {:.2} s ({:.2} s in the kernel), {:.3} ms per page, peak memory {:.0} MB",
            b.version, b.pages, b.wall, b.cpu, b.sys, theirs, b.peak_mb
        );
        println!(
            "  CPU per page, portal-audit ÷ Scrapy: {:.3} (target ≤ 0.1)",
            cpu_per_page_ms / theirs
        );
    }
    println!(
        "  accuracy against the truth: {}/{} cells ({:.2}%)",
        cmp.matching,
        cmp.cells,
        cmp.accuracy() * 100.0
    );
    for m in cmp.mismatches.iter().take(10) {
        println!("    {m}");
    }
    Ok(())
}

/// What the Scrapy baseline script reports about its own crawl.
#[derive(serde::Deserialize)]
struct Baseline {
    version: String,
    pages: u64,
    wall: f64,
    cpu: f64,
    sys: f64,
    peak_mb: f64,
}

/// The spider of `bench --scrapy`, written next to the seeds when it runs.
const SCRAPY_SPIDER: &str = include_str!("../sim/scrapy_baseline.py");

/// Crawls the benchmark's world with Scrapy through the server as an HTTP proxy.
fn scrapy_baseline(
    python: &std::path::Path,
    dir: &std::path::Path,
    seeds: &std::path::Path,
    addr: SocketAddr,
    rate: f64,
    budget: usize,
) -> Result<Baseline> {
    let script = dir.join("scrapy_baseline.py");
    std::fs::write(&script, SCRAPY_SPIDER)?;
    let out = std::process::Command::new(python)
        .arg(&script)
        .arg(seeds)
        .arg(format!("http://{addr}"))
        .arg(rate.to_string())
        .arg(budget.to_string())
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot run {}", python.display()))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().rev().find(|l| l.starts_with('{'));
    match (out.status.success(), line) {
        (true, Some(line)) => serde_json::from_str(line)
            .with_context(|| format!("unexpected output from the Scrapy baseline: {line}")),
        _ => bail!(
            "the Scrapy baseline failed ({}); is scrapy installed for {}?\n{}",
            out.status,
            python.display(),
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

fn tempfile_dir() -> Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("portal-audit-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
