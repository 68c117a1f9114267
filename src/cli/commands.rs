//! What each command does: turn flags into library calls and print the results.

use super::args::{
    EvalArgs, InspectArgs, RecheckArgs, RedetectArgs, RulesArgs, RunArgs, RunsArgs, SeedsCheckArgs,
};
use super::exit::{EXIT_INTERRUPTED, EXIT_NETWORK_DOWN, EXIT_TOO_MANY_FAILED};
use anyhow::{Context, Result, bail};
use portal_audit::audit::{self, AuditOptions, RunMode};
use portal_audit::crawl::progress::ProgressMode;
use portal_audit::model::terminal::shown;
use portal_audit::net::fetch::Fetcher;
use portal_audit::page::detect::eval::{detect_facts, evaluate, facts_of_bytes, ratio_label};
use portal_audit::page::detect::{Detector, RuleSet, RulesDetector, present};
use portal_audit::page::inspect::identity::{Identity, identity};
use portal_audit::store::{self, RunLock};
use std::process::ExitCode;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;
use url::Url;

pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// The detector from `--rules`, or the built-in one.
pub fn detector(rules: &RulesArgs) -> Result<Arc<RulesDetector>> {
    let set = match &rules.rules {
        Some(p) => RuleSet::load(p)?,
        None => RuleSet::builtin(),
    };
    Ok(Arc::new(RulesDetector::new(set)))
}

/// Cancels `token` on the first Ctrl-C or SIGTERM; exits at once on the second.
fn cancel_on_signals(token: CancellationToken) {
    cancel_on_signals_saying(
        token,
        "in-flight pages are dropped, what is recorded stays; continue with `portal-audit run --resume`",
    );
}

/// [`cancel_on_signals`], telling the user `what` happens to the work.
pub fn cancel_on_signals_saying(token: CancellationToken, what: &'static str) {
    tokio::spawn(async move {
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        let wait_term = async {
            match term.as_mut() {
                Some(t) => {
                    t.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = wait_term => {}
        }
        eprintln!("portal-audit: interrupting: {what} (press Ctrl-C again to quit at once)");
        token.cancel();
        let _ = tokio::signal::ctrl_c().await;
        std::process::exit(i32::from(EXIT_INTERRUPTED));
    });
}

fn audit(opts: AuditOptions, rules: &RulesArgs, max_failed_share: f64) -> Result<ExitCode> {
    let det: Arc<dyn Detector> = detector(rules)?;
    let rt = runtime()?;
    let report = rt.block_on(async {
        let token = CancellationToken::new();
        cancel_on_signals(token.clone());
        audit::run(&opts, det, token).await
    })?;
    if report.network_down {
        eprintln!(
            "portal-audit: no site could be reached: is the network down? The portals of many hosts all failed to connect; run {} stopped and is marked failed, so no city's values change (exports keep the previous audits).",
            report.run_id
        );
        return Ok(ExitCode::from(EXIT_NETWORK_DOWN));
    }
    let status = if report.interrupted {
        "interrupted"
    } else {
        "completed"
    };
    println!(
        "run {} {status}: {} cities ({} failed), {} pages, {} findings, {} errors, in {:.1} s",
        report.run_id,
        report.cities,
        report.cities_failed,
        report.pages,
        report.findings,
        report.errors,
        report.elapsed.as_secs_f64()
    );
    if report.interrupted {
        println!(
            "continue it with: portal-audit run --resume --db {}",
            opts.db.display()
        );
        return Ok(ExitCode::from(EXIT_INTERRUPTED));
    }
    let conn = store::open_ro(&opts.db)?;
    print!(
        "{}",
        portal_audit::export::changes::report(&conn, report.run_id)?.to_text(10)
    );
    let failed_share = report.cities_failed as f64 / report.cities.max(1) as f64;
    if report.cities_failed > 0 && failed_share > max_failed_share {
        eprintln!(
            "portal-audit: {} of {} cities failed ({:.0}%, above --max-failed-share {:.0}%): their previous values are kept, marked carried forward; see `portal-audit runs` and the errors in the evidence pack",
            report.cities_failed,
            report.cities,
            failed_share * 100.0,
            max_failed_share * 100.0
        );
        return Ok(ExitCode::from(EXIT_TOO_MANY_FAILED));
    }
    Ok(ExitCode::SUCCESS)
}

/// `run`: audit every seeded city (or a subset) as a new run, or resume one.
pub fn run(a: RunArgs) -> Result<ExitCode> {
    let mode = if a.resume {
        RunMode::Resume
    } else {
        RunMode::Run {
            cities: a.cities.clone(),
        }
    };
    audit_with(mode, &a.audit)
}

/// `recheck`: audit one city again as a run of its own.
pub fn recheck(a: RecheckArgs) -> Result<ExitCode> {
    audit_with(
        RunMode::Recheck {
            city: a.city.clone(),
        },
        &a.audit,
    )
}

fn audit_with(mode: RunMode, a: &super::args::AuditArgs) -> Result<ExitCode> {
    let opts = AuditOptions {
        db: a.store.db.clone(),
        seeds: a.seeds.clone(),
        mode,
        config: {
            let mut c = a.crawl.merge()?;
            if let Some(n) = a.max_active_sites {
                c.max_active_sites = n;
            }
            if let Some(mb) = a.memory_budget {
                c.memory_budget_mb = mb;
            }
            c
        },
        progress: if a.quiet {
            ProgressMode::Quiet
        } else {
            ProgressMode::Auto
        },
    };
    audit(opts, &a.rules, a.max_failed_share)
}

/// `runs`: list the runs of the database.
pub fn runs(a: RunsArgs) -> Result<ExitCode> {
    let conn = store::open_ro(&a.store.db)?;
    let alive = RunLock::is_held(&a.store.db);
    let list = store::runs::list_runs(&conn, alive)?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:>4}  {:<8} {:<24} {:<24} {:<11} {:>9} {:>6} {:>7} {:>8}",
        "id", "kind", "started", "finished", "status", "cities ok", "failed", "pages", "findings"
    );
    for r in list {
        println!(
            "{:>4}  {:<8} {:<24} {:<24} {:<11} {:>9} {:>6} {:>7} {:>8}{}",
            r.id,
            r.kind,
            r.started_at,
            r.finished_at.as_deref().unwrap_or("-"),
            r.status,
            format!("{}/{}", r.cities_ok, r.cities),
            r.cities_failed,
            r.pages,
            r.findings,
            if r.ignore_robots {
                "  (robots ignored)"
            } else {
                ""
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `redetect`: the rules applied again to a stored run, offline, as a new run.
pub fn redetect(a: RedetectArgs) -> Result<ExitCode> {
    let det = detector(&a.rules)?;
    let r = portal_audit::audit::redetect::redetect(&a.store.db, a.run, det.as_ref())?;
    println!(
        "run {} (redetect of run {} with rules {}): {} pages, {} findings",
        r.run_id,
        r.source_run,
        det.version(),
        r.pages,
        r.findings
    );
    Ok(ExitCode::SUCCESS)
}

/// `inspect`: detection on one page (a URL or a saved file), every finding printed.
pub fn inspect(a: InspectArgs) -> Result<ExitCode> {
    let det = detector(&a.rules)?;
    let path = std::path::Path::new(&a.target);
    let (bytes, content_type, url) = if path.is_file() {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let url = match &a.url {
            Some(u) => Url::parse(u).with_context(|| format!("--url {u}"))?,
            None => Url::from_file_path(std::fs::canonicalize(path)?)
                .map_err(|_| anyhow::anyhow!("cannot make a URL of {}", path.display()))?,
        };
        (bytes, None, url)
    } else {
        let url = Url::parse(&a.target)
            .with_context(|| format!("`{}` is neither a file nor a URL", a.target))?;
        let cfg = a.crawl.merge()?;
        let rt = runtime()?;
        let fetched = rt.block_on(async {
            let fetcher = Fetcher::new(&cfg)?;
            anyhow::Ok(fetcher.fetch(&url, &|_| true).await)
        })?;
        if let Some(e) = &fetched.error {
            bail!("fetching {url}: {e}");
        }
        if !fetched.is_html() {
            bail!(
                "{url} answered HTTP {:?} with {:?}, not an HTML page",
                fetched.status,
                fetched.content_type
            );
        }
        (fetched.body, fetched.content_type, fetched.final_url)
    };
    let facts = facts_of_bytes(&bytes, content_type.as_deref(), &url);
    let findings = detect_facts(&facts, &url, &a.owner, det.as_ref());
    let present = present(&findings);
    let id = identity(&facts);
    // The page's lists as the inspection checks read them, against today.
    let today = portal_audit::page::inspect::dates::china_day(chrono::Utc::now());
    let reading = det.rule_set().map(|r| {
        portal_audit::page::inspect::reading::read_page(&r.inspection, &facts, today, false)
    });
    if a.json {
        let v = serde_json::json!({
            "url": url.as_str(),
            "findings": findings.iter().map(|f| serde_json::json!({
                "channel": f.channel, "strength": f.strength, "sector": f.sector, "rule": f.rule,
                "target": f.target, "text": f.text, "snippet": f.snippet, "path": f.path,
            })).collect::<Vec<_>>(),
            "present": present,
            "identity": id,
            "lists": reading,
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("{url}");
    println!("rules {} ({} findings)", det.version(), findings.len());
    for f in &findings {
        println!(
            "  {:<13} {:<7} {:<12} {}",
            f.channel.as_str(),
            f.strength.as_str(),
            f.sector.as_str(),
            f.rule
        );
        println!("      target:  {}", shown(&f.target));
        println!("      text:    {}", shown(&f.text));
        println!("      snippet: {}", shown(&f.snippet));
        println!("      path:    {}", shown(&f.path));
    }
    let names: Vec<&str> = present.iter().map(|c| c.as_str()).collect();
    println!(
        "present: {}",
        if names.is_empty() {
            "(none)".to_string()
        } else {
            names.join(", ")
        }
    );
    print_identity(&id);
    if let Some(r) = &reading {
        print_lists(r);
    }
    Ok(ExitCode::SUCCESS)
}

/// The page's dated entries, column and letters, as the inspection checks read them.
fn print_lists(r: &portal_audit::page::inspect::reading::PageReading) {
    match &r.dated.newest {
        Some(i) => println!(
            "dated entries: {} (newest {} {}  ({}))",
            r.dated.entries,
            i.date,
            shown(&i.text),
            shown(&i.path)
        ),
        None => println!("dated entries: none"),
    }
    for i in &r.dated.future {
        println!("  future-dated: {} {}", i.date, shown(&i.text));
    }
    if let Some(c) = &r.column {
        println!("column: {} ({})", shown(&c.name), c.class);
    }
    if !r.letters.is_empty() {
        let replied = r.letters.iter().filter(|l| l.replied.is_some()).count();
        println!("letters: {} ({replied} with a reply date)", r.letters.len());
    }
}

/// The identity check of one page, a line per field.
fn print_identity(id: &Identity) {
    println!("identity: {}", id.verdict.as_str());
    for (name, field) in [
        ("site code", &id.site_code),
        ("organizer", &id.organizer),
        ("ICP", &id.icp),
        ("公安备案", &id.psb),
    ] {
        match field {
            Some(f) => println!("  {name:<10} {}  ({})", shown(&f.value), shown(&f.path)),
            None => println!("  {name:<10} (not found)"),
        }
    }
    println!("  {:<10} {}", "conac", if id.conac { "yes" } else { "no" });
    let report = match (&id.error_report, &id.error_report_code) {
        (true, Some(code)) => format!("yes (site code {})", shown(code)),
        (true, None) => "yes".to_string(),
        (false, _) => "no".to_string(),
    };
    println!("  {:<10} {report}", "找错");
    if !id.missing.is_empty() {
        println!("  missing: {}", id.missing.join(", "));
    }
    for i in &id.inconsistent {
        println!("  inconsistent: {}", shown(i));
    }
}

/// `eval`: per-channel precision and recall on a labelled corpus.
pub fn eval(a: EvalArgs) -> Result<ExitCode> {
    let det = detector(&a.rules)?;
    let report = evaluate(&a.corpus, det.as_ref())?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("{} pages, rules {}", report.pages, det.version());
        println!(
            "{:<16} {:>4} {:>4} {:>4} {:>4} {:>9} {:>7}",
            "channel", "tp", "fp", "fn", "tn", "precision", "recall"
        );
        // In the rules' channel order; channels the corpus does not label are absent.
        let ordered = det
            .channels()
            .ids()
            .filter_map(|c| report.per_channel.get(c).map(|n| (c, n)));
        for (c, n) in ordered {
            println!(
                "{:<16} {:>4} {:>4} {:>4} {:>4} {:>9} {:>7}",
                c.as_str(),
                n.tp,
                n.fp,
                n.fn_,
                n.tn,
                ratio_label(n.precision()),
                ratio_label(n.recall())
            );
        }
        let o = report.overall();
        println!(
            "{:<16} {:>4} {:>4} {:>4} {:>4} {:>9} {:>7}",
            "all",
            o.tp,
            o.fp,
            o.fn_,
            o.tn,
            ratio_label(o.precision()),
            ratio_label(o.recall())
        );
        if !report.disagreements.is_empty() {
            println!("\ndisagreements:");
            for d in &report.disagreements {
                println!(
                    "  {} {}: labelled {}, detected {}{}",
                    d.file,
                    d.channel.as_str(),
                    if d.label { "yes" } else { "no" },
                    if d.detected { "yes" } else { "no" },
                    if d.evidence.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", d.evidence)
                    }
                );
                for f in &d.findings {
                    println!("      {f}");
                }
            }
        }
    }
    let below = report.per_channel.values().any(|n| {
        // An undefined ratio (nothing predicted, nothing to find) is no failure.
        n.precision().is_some_and(|p| p < a.min_precision)
            || n.recall().is_some_and(|r| r < a.min_recall)
    });
    Ok(if below {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// `seeds discover`: find each city's department sites on its portal.
pub fn seeds_discover(a: super::args::SeedsDiscoverArgs) -> Result<ExitCode> {
    use portal_audit::model::Sector;
    use portal_audit::seeds::discover::{discover_all, write};
    let all = portal_audit::seeds::load(&a.seeds)?;
    let cities: Vec<portal_audit::model::city::City> = if a.cities.is_empty() {
        all.clone()
    } else {
        portal_audit::seeds::select(&all, &a.cities)
            .map_err(anyhow::Error::msg)?
            .into_iter()
            .cloned()
            .collect()
    };
    let rules = detector(&a.rules)?.rules.clone();
    let cfg = a.crawl.merge()?;
    let rt = runtime()?;
    let found = rt
        .block_on(async { anyhow::Ok(discover_all(&cities, Fetcher::new(&cfg)?, &rules).await) })?;
    let mut sites = 0;
    for (d, c) in found.iter().zip(&cities) {
        println!(
            "{} {}  ({} pages read)",
            d.city_id,
            shown(&d.city),
            d.pages.len()
        );
        for e in &d.errors {
            println!("  error: {}", shown(&e.to_string()));
        }
        for sector in Sector::DEPARTMENTS {
            let seeded = c.departments.contains_key(sector);
            let mine: Vec<_> = d.found.iter().filter(|f| f.sector == *sector).collect();
            if mine.is_empty() {
                println!(
                    "  {:<12} {}",
                    sector.as_str(),
                    if seeded {
                        "seeded; none found"
                    } else {
                        "no site found"
                    }
                );
            }
            for f in mine {
                sites += 1;
                println!(
                    "  {:<12} {}  ← {} ({} `{}`){}",
                    sector.as_str(),
                    shown(f.url.as_str()),
                    shown(f.page_url.as_str()),
                    f.link_kind,
                    shown(&f.text),
                    if seeded { "  [seeded column kept]" } else { "" }
                );
            }
        }
    }
    println!(
        "discover: {} cities, {sites} department sites found",
        found.len()
    );
    if a.write {
        let date = chrono::Utc::now().format("%Y-%m-%d").to_string();
        let changes = write(&a.seeds, &found, &date)
            .with_context(|| format!("cannot write {}", a.seeds.display()))?;
        for (id, col, old, new) in &changes {
            if old.is_empty() {
                println!("wrote {id} {col}: {new}");
            } else {
                println!("wrote {id} {col}: {old} → {new}");
            }
        }
        println!(
            "{} change(s) written to {}",
            changes.len(),
            a.seeds.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `seeds check`: validate the seeds file, optionally probe and fix start URLs.
pub fn seeds_check(a: SeedsCheckArgs) -> Result<ExitCode> {
    use portal_audit::seeds::check::{ProbeVerdict, apply_fixes, probe, survey_problems};
    let cities = portal_audit::seeds::load(&a.seeds)?;
    let problems = survey_problems(&cities);
    let keys = cities
        .iter()
        .filter(|c| c.tier == portal_audit::model::Tier::Key)
        .count();
    let depts: usize = cities
        .iter()
        .map(|c| c.departments.values().map(Vec::len).sum::<usize>())
        .sum();
    println!(
        "{}: {} cities ({} key, {} prefecture), {} department sites",
        a.seeds.display(),
        cities.len(),
        keys,
        cities.len() - keys,
        depts
    );
    for p in &problems {
        println!("problem: {p}");
    }
    if !a.probe {
        if problems.is_empty() {
            println!("ok");
        }
        return Ok(if problems.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(super::exit::EXIT_ERROR)
        });
    }
    let cfg = a.crawl.merge()?;
    let rt = runtime()?;
    let probes = rt.block_on(async { anyhow::Ok(probe(&cities, Fetcher::new(&cfg)?).await) })?;
    let mut counts = std::collections::BTreeMap::new();
    for p in &probes {
        let (what, detail) = match &p.verdict {
            ProbeVerdict::Ok => ("ok", String::new()),
            ProbeVerdict::Unreachable(e) => ("unreachable", e.clone()),
            ProbeVerdict::Moved { to, permanent } => (
                "moved",
                format!(
                    "→ {to} ({}; suggest updating the seeds)",
                    if *permanent { "permanent" } else { "temporary" }
                ),
            ),
            ProbeVerdict::HttpError(s) => ("http-error", format!("HTTP {s}")),
            ProbeVerdict::NotHtml(ct) => ("not-html", ct.clone()),
        };
        *counts.entry(what).or_insert(0usize) += 1;
        if what != "ok" {
            println!("{what:<12} {} {} {} {detail}", p.city_id, p.city, p.url);
        }
    }
    println!(
        "probe: {}",
        counts
            .iter()
            .map(|(k, v)| format!("{v} {k}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if a.fix {
        let changes = apply_fixes(&a.seeds, &probes)?;
        for (id, col, old, new) in &changes {
            println!("fixed {id} {col}: {old} → {new}");
        }
        println!(
            "{} change(s) written to {}",
            changes.len(),
            a.seeds.display()
        );
    }
    Ok(if problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(super::exit::EXIT_ERROR)
    })
}
