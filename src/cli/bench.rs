//! `bench`: the crawler measured on a simulated world, each scenario in a process of
//! its own: wall time against the politeness bound (and, for the census, against the
//! CPU bound: the same world crawled with no rate limit), CPU per page, peak memory and
//! accuracy against the truth.

use super::args::BenchArgs;
use super::sim::closed_port;
use anyhow::{Context, Result, bail};
use portal_audit::config::CheckLinks;
use portal_audit::export::matrix;
use portal_audit::sim::bench::{Usage, children_usage, wait_usage};
use portal_audit::sim::truth::{Comparison, compare};
use portal_audit::sim::world::{World, WorldSpec};
use portal_audit::store::runs::list_runs;
use std::io::BufRead;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{ExitCode, Stdio};
use std::time::Instant;

struct Scenario {
    name: &'static str,
    cities: usize,
    departments: usize,
    rate: f64,
    /// Pages per site (the budget and what each site offers).
    pages: usize,
    /// Whether to measure the CPU bound too (the same world with no rate limit).
    cpu_bound: bool,
    /// Which links the audit checks unless `--check-links` says otherwise.
    check_links: CheckLinks,
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
    let t0 = Instant::now();
    let world = World::generate(wspec.clone());
    let (mut child, addr) = start_server(cities, budget, sc.departments)?;
    println!(
        "world: {} sites drawn and served in {:.1} s (the server generates each page when asked)",
        world.sites.len(),
        t0.elapsed().as_secs_f64()
    );
    let dir = tempfile_dir()?;
    let seeds = dir.join("seeds.csv");
    std::fs::write(&seeds, world.seeds_csv())?;
    let crawl = Crawl {
        world: &world,
        seeds: &seeds,
        addr,
        budget,
        check_links: a.check_links.unwrap_or(sc.check_links),
        args: &a,
    };
    // The CPU bound: the same world with no rate limit, crawled first so the measured
    // run's figures are its own (getrusage sums the children waited for).
    let cpu_bound = if sc.cpu_bound {
        let (_, wall, usage) = crawl.run(&dir.join("unlimited.db"), 10_000.0)?;
        Some((wall, usage.peak_rss))
    } else {
        None
    };
    let db = dir.join("audit.db");
    let (status, wall, own) = crawl.run(&db, sc.rate)?;
    let after = children_usage();
    // The baseline crawls the same server while it is still up, after the audit has
    // been measured (its own usage comes from the script, not from getrusage here).
    let baseline = match (&a.scrapy, status) {
        (Some(python), true) => Some(scrapy_baseline(python, &dir, &seeds, addr, sc.rate, budget)),
        _ => None,
    };
    drop(child.stdin.take());
    let _ = child.kill();
    let _ = child.wait();
    // The server's CPU (it shares the 2 cores with the crawler), when nothing else ran.
    let server_cpu =
        (a.scrapy.is_none() && !sc.cpu_bound).then(|| children_usage().cpu_secs - after.cpu_secs);
    if !status {
        bail!(
            "the audit failed:\n{}",
            std::fs::read_to_string(dir.join("run.log")).unwrap_or_default()
        );
    }
    let conn = portal_audit::store::open_ro(&db)?;
    let cmp = compare(&world, &matrix::load(&conn, None)?);
    let fetched: i64 = conn.query_row("SELECT COUNT(*) FROM fetches", [], |r| r.get(0))?;
    let with_links = busiest_host(&conn)?;
    let pages = list_runs(&conn, false)?
        .first()
        .map_or(0, |r| r.pages as usize);
    let cpu = own.cpu_secs;
    print_report(
        &sc,
        &world,
        &Figures {
            pages,
            fetched,
            wall,
            cpu,
            sys: own.sys_secs,
            peak_rss: own.peak_rss,
            server_cpu,
            cpu_bound,
            with_links,
        },
        baseline,
        &cmp,
    )?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(ExitCode::SUCCESS)
}

/// One audit of the benchmark's world, as a user runs it: `portal-audit run` in a
/// process of its own, so that its CPU time and peak memory can be read when it ends.
struct Crawl<'a> {
    world: &'a World,
    seeds: &'a Path,
    addr: SocketAddr,
    budget: usize,
    check_links: CheckLinks,
    args: &'a BenchArgs,
}

impl Crawl<'_> {
    /// Audits the world into `db` at `rate`; returns whether the run succeeded, its wall
    /// time in seconds and its own CPU and peak memory.
    fn run(&self, db: &Path, rate: f64) -> Result<(bool, f64, Usage)> {
        let log: PathBuf = db.with_file_name("run.log");
        let mut run = std::process::Command::new(std::env::current_exe()?);
        run.args(["run", "--seeds"])
            .arg(self.seeds)
            .arg("--db")
            .arg(db)
            .args(["--rate", &rate.to_string()])
            .args(["--max-pages", &self.budget.to_string()]);
        let links = match self.check_links {
            CheckLinks::None => "none",
            CheckLinks::Homepage => "homepage",
            CheckLinks::All => "all",
        };
        run.args(["--check-links", links]);
        if let Some(n) = self.args.max_active_sites {
            run.args(["--max-active-sites", &n.to_string()]);
        }
        if let Some(mb) = self.args.memory_budget {
            run.args(["--memory-budget", &mb.to_string()]);
        }
        for rule in self.world.resolve_rules(self.addr, closed_port()?) {
            run.args(["--resolve", &rule]);
        }
        run.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log)?);
        let t0 = Instant::now();
        let child = run.spawn()?;
        let (ok, usage) = wait_usage(&child)?;
        Ok((ok, t0.elapsed().as_secs_f64(), usage))
    }
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
                cpu_bound: false,
                check_links: CheckLinks::None,
            },
            "unlimited" => Scenario {
                name: "unlimited",
                cities: 338,
                departments: 0,
                rate: 10_000.0,
                pages: 30,
                cpu_bound: false,
                check_links: CheckLinks::None,
            },
            // The whole country with its department sites: 334 portals and five department
            // hosts of each city's domain, 2,004 sites, 60 pages each at 1 request/s.
            "country" => Scenario {
                name: "country",
                cities: 334,
                departments: 5,
                rate: 1.0,
                pages: 60,
                cpu_bound: false,
                check_links: CheckLinks::None,
            },
            // Every government website still online, as the inspections count them
            // (≈ 14,000): the 337 real cities, then synthetic ones, each with five
            // department sites, 14,004 sites of 10 pages at 1 request/s, with their
            // homepages' links checked as an inspection checks them.
            "census" => Scenario {
                name: "census",
                cities: 2334,
                departments: 5,
                rate: 1.0,
                pages: 10,
                cpu_bound: true,
                check_links: CheckLinks::Homepage,
            },
            other => bail!("unknown scenario `{other}` (polite, unlimited, country, census, all)"),
        })
    }
}

/// `bench --scenario all`: each scenario in a process of its own.
fn bench_all(a: &BenchArgs) -> Result<ExitCode> {
    for s in ["polite", "unlimited", "country", "census"] {
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
    /// The wall time of the same world crawled with no rate limit, and that run's peak
    /// memory.
    cpu_bound: Option<(f64, u64)>,
    /// With link checks: the host with the most requests, its fetches and its checks.
    with_links: Option<(String, usize, usize)>,
}

/// With link checks, the host that took the most requests: (host, crawl fetches, link
/// checks that needed a request of their own), or `None` when no link was checked. A
/// check of a URL the crawl fetched costs nothing; refused and unchecked links none.
fn busiest_host(conn: &rusqlite::Connection) -> Result<Option<(String, usize, usize)>> {
    use std::collections::{HashMap, HashSet};
    let host = |u: &str| {
        url::Url::parse(u)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default()
    };
    let mut fetched: HashSet<String> = HashSet::new();
    let mut per_host: HashMap<String, (usize, usize)> = HashMap::new();
    let mut st = conn.prepare("SELECT url, final_url, attempts FROM fetches")?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        let (url, last, attempts): (String, String, i64) = (r.get(0)?, r.get(1)?, r.get(2)?);
        per_host.entry(host(&url)).or_default().0 += attempts.max(0) as usize;
        fetched.insert(url);
        fetched.insert(last);
    }
    let mut st = conn.prepare(
        "SELECT DISTINCT target FROM link_checks WHERE outcome IN ('ok', 'broken', 'blocked')",
    )?;
    let mut rows = st.query([])?;
    let mut any = false;
    while let Some(r) = rows.next()? {
        any = true;
        let target: String = r.get(0)?;
        if !fetched.contains(&target) {
            per_host.entry(host(&target)).or_default().1 += 1;
        }
    }
    Ok(any
        .then(|| {
            per_host
                .into_iter()
                .max_by_key(|(h, (f, c))| (f + c, h.clone()))
                .map(|(h, (f, c))| (h, f, c))
        })
        .flatten())
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
        cpu_bound,
        ref with_links,
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
    // The politeness bound the CPU bound is compared with: the crawl's with robots.txt,
    // or the busiest host's with its link checks when the run checked links.
    let mut politeness = bound + 1.0 / sc.rate;
    if let Some((host, fetches, checks)) = with_links {
        let with = (fetches + checks) as f64 / sc.rate;
        politeness = politeness.max(with);
        println!(
            "  politeness bound with homepage link checks {with:.2} s (the busiest host, {host}: {fetches} fetches + {checks} link checks ÷ rate), wall/bound {:.3}; link checks added {:.2} s to the crawl's bound",
            wall / with,
            with - bound
        );
    }
    if let Some((cpu_bound, bound_peak)) = cpu_bound {
        let larger = cpu_bound.max(politeness);
        let which = if with_links.is_some() {
            "with robots.txt and link checks"
        } else {
            "with robots.txt"
        };
        println!(
            "  CPU bound {:.2} s (the same world with no rate limit; that run's peak memory {:.1} MB), wall ÷ max(politeness bound {which}, CPU bound) {:.3}",
            cpu_bound,
            bound_peak as f64 / 1e6,
            wall / larger
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
