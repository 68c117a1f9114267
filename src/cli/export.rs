//! `export matrix|summary|evidence|accounts|inspection` and `diff`.

use super::args::{DiffArgs, EvidenceArgs, ExportArgs, ExportCommand};
use anyhow::{Context, Result, bail};
use portal_audit::export::{accounts, diff as d, evidence, formats, matrix, summary, warc, xlsx};
use portal_audit::review::queue;
use portal_audit::store;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Runs an export subcommand.
pub fn run(cmd: ExportCommand) -> Result<ExitCode> {
    match cmd {
        ExportCommand::Matrix(a) => export_matrix(a),
        ExportCommand::Summary(a) => export_summary(a),
        ExportCommand::Evidence(a) => export_evidence(a),
        ExportCommand::Accounts(a) => export_accounts(a),
        ExportCommand::Inspection(a) => export_inspection(a),
        ExportCommand::Links(a) => export_links(a),
    }
}

fn export_links(a: super::args::LinksExportArgs) -> Result<ExitCode> {
    use portal_audit::export::{links, links_out};
    let conn = store::open_ro(&a.store.db)?;
    let filter = links::LinksFilter {
        run: a.run,
        city: a.city.clone(),
        state: a.state,
    };
    if a.run.is_none() && links::latest_links_run(&conn)?.is_none() {
        bail!(
            "no link checks in {}: runs check their homepages' links unless --check-links none",
            a.store.db.display()
        );
    }
    let rows = links::load(&conn, &filter)?;
    let name = format!("links.{}", a.format);
    match a.format.as_str() {
        "csv" => write_out(&a.out, &name, &links_out::to_csv(&rows))?,
        "json" => write_out(
            &a.out,
            &name,
            serde_json::to_string_pretty(&links_out::to_json(&rows))?.as_bytes(),
        )?,
        "md" => write_out(&a.out, &name, links_out::to_md(&rows).as_bytes())?,
        "xlsx" => {
            let path = a
                .out
                .clone()
                .unwrap_or_else(|| PathBuf::from("results").join(&name));
            ensure_parent(&path)?;
            xlsx::write_links(&rows, &path)?;
            eprintln!("wrote {}", path.display());
        }
        other => bail!("unknown format `{other}` for links: csv, json, md or xlsx"),
    }
    Ok(ExitCode::SUCCESS)
}

fn write_out(out: &Option<PathBuf>, default: &str, bytes: &[u8]) -> Result<()> {
    let path = out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(default));
    if path == Path::new("-") {
        use std::io::Write;
        std::io::stdout().write_all(bytes)?;
        return Ok(());
    }
    ensure_parent(&path)?;
    portal_audit::export::files::write_atomic(&path, bytes)
        .with_context(|| format!("cannot write {}", path.display()))?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

/// Creates the folder `path` goes in; the error names both.
fn ensure_parent(path: &Path) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| {
            format!(
                "cannot create folder {} for {}",
                dir.display(),
                path.display()
            )
        })?;
    }
    Ok(())
}

fn load(a: &ExportArgs) -> Result<(rusqlite::Connection, matrix::Matrix)> {
    let conn = store::open_ro(&a.store.db)?;
    let which = match (a.run, a.latest) {
        (Some(r), _) => matrix::Audits::Run(r),
        (None, true) => matrix::Audits::Latest,
        (None, false) => matrix::Audits::Reached,
    };
    let mut m = matrix::load_from(&conn, which)?;
    if !a.computed {
        portal_audit::review::apply(&conn, &mut m)?;
    }
    m.select_channels(&a.channels, a.channel_group.as_deref())
        .map_err(anyhow::Error::msg)?;
    if m.cities.is_empty() {
        bail!(
            "no finished city audit in {}{}",
            a.store.db.display(),
            a.run.map(|r| format!(" for run {r}")).unwrap_or_default()
        );
    }
    Ok((conn, m))
}

fn export_matrix(a: ExportArgs) -> Result<ExitCode> {
    let (conn, m) = load(&a)?;
    match a.format.as_str() {
        "csv" => write_out(&a.out, "matrix.csv", &formats::matrix_csv(&m))?,
        "json" => write_out(
            &a.out,
            "matrix.json",
            serde_json::to_string_pretty(&formats::matrix_json(&m))?.as_bytes(),
        )?,
        "md" => write_out(&a.out, "matrix.md", formats::matrix_md(&m).as_bytes())?,
        "xlsx" => {
            let path = a
                .out
                .clone()
                .unwrap_or_else(|| PathBuf::from("results/matrix.xlsx"));
            ensure_parent(&path)?;
            let rows = evidence::findings(&conn, &m)?;
            xlsx::write(&m, &summary::summarize(&m), &rows, &path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("wrote {}", path.display());
        }
        other => bail!("unknown matrix format `{other}` (csv, json, md, xlsx)"),
    }
    Ok(ExitCode::SUCCESS)
}

fn export_summary(a: ExportArgs) -> Result<ExitCode> {
    let (conn, m) = load(&a)?;
    let mut s = summary::summarize(&m);
    s.checks = portal_audit::export::inspection::share_tables(&check_rows(&conn, &m, a.computed)?);
    // The machine's shares are measured against the reviewers: how often they overturned it.
    let agreement = if a.computed {
        let mut reviewed = m.clone();
        portal_audit::review::apply(&conn, &mut reviewed)?;
        Some(queue::agreement(&reviewed))
    } else {
        None
    };
    match a.format.as_str() {
        "md" => {
            let mut md = formats::summary_md(&s);
            if let Some(rows) = &agreement {
                md.push('\n');
                md.push_str(&queue::agreement_md(rows));
            }
            write_out(&a.out, "summary.md", md.as_bytes())?
        }
        "csv" => write_out(&a.out, "summary.csv", &formats::summary_csv(&s))?,
        "json" => {
            let mut v = serde_json::to_value(&s)?;
            if let (Some(rows), Some(obj)) = (&agreement, v.as_object_mut()) {
                obj.insert("agreement".into(), serde_json::to_value(rows)?);
            }
            write_out(
                &a.out,
                "summary.json",
                serde_json::to_string_pretty(&v)?.as_bytes(),
            )?
        }
        "html" => write_out(&a.out, "summary.html", formats::summary_html(&s).as_bytes())?,
        other => bail!("unknown summary format `{other}` (md, csv, json, html)"),
    }
    Ok(ExitCode::SUCCESS)
}

fn export_accounts(a: ExportArgs) -> Result<ExitCode> {
    let (conn, m) = load(&a)?;
    let rows = accounts::load(&conn, &m)?;
    match a.format.as_str() {
        "csv" => write_out(&a.out, "accounts.csv", &accounts::to_csv(&rows))?,
        "json" => write_out(
            &a.out,
            "accounts.json",
            serde_json::to_string_pretty(&accounts::to_json(&rows))?.as_bytes(),
        )?,
        "md" => write_out(
            &a.out,
            "accounts.md",
            accounts::to_md(&rows, &m.channels).as_bytes(),
        )?,
        other => bail!("unknown accounts format `{other}` (csv, json, md)"),
    }
    Ok(ExitCode::SUCCESS)
}

/// The inspection checks of `m`'s audits, reviewers' decisions applied unless `computed`.
fn check_rows(
    conn: &rusqlite::Connection,
    m: &matrix::Matrix,
    computed: bool,
) -> Result<Vec<portal_audit::export::inspection::SiteRow>> {
    let rules = portal_audit::page::detect::rules::builtin_inspection();
    let mut rows = portal_audit::export::inspection::load(conn, m, &rules)?;
    if !computed {
        portal_audit::review::apply_checks(conn, &mut rows)?;
    }
    Ok(rows)
}

fn export_inspection(a: ExportArgs) -> Result<ExitCode> {
    use portal_audit::export::{inspection, inspection_out as out};
    let (conn, m) = load(&a)?;
    let rows = check_rows(&conn, &m, a.computed)?;
    match a.format.as_str() {
        "csv" => write_out(&a.out, "inspection.csv", &out::to_csv(&rows))?,
        "json" => write_out(
            &a.out,
            "inspection.json",
            serde_json::to_string_pretty(&inspection::to_json(&rows))?.as_bytes(),
        )?,
        "md" => write_out(&a.out, "inspection.md", out::to_md(&rows).as_bytes())?,
        "html" => write_out(&a.out, "inspection.html", out::to_html(&rows).as_bytes())?,
        "xlsx" => {
            let path = a
                .out
                .clone()
                .unwrap_or_else(|| PathBuf::from("results/inspection.xlsx"));
            ensure_parent(&path)?;
            portal_audit::export::xlsx::write_inspection(&rows, &path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("wrote {}", path.display());
        }
        other => bail!("unknown inspection format `{other}` (csv, json, md, xlsx, html)"),
    }
    Ok(ExitCode::SUCCESS)
}

fn export_evidence(a: EvidenceArgs) -> Result<ExitCode> {
    let conn = store::open_ro(&a.store.db)?;
    let mut m = matrix::load(&conn, a.run)?;
    portal_audit::review::apply(&conn, &mut m)?;
    if let Some(q) = &a.city {
        m.cities
            .retain(|c| portal_audit::model::city::name_matches(&c.id, &c.name, q));
        if m.cities.is_empty() {
            bail!("no audited city matches `{q}`");
        }
    }
    let r = evidence::write_pack_with(&conn, &m, &check_rows(&conn, &m, false)?, &a.out)?;
    if r.cleared > 0 {
        println!(
            "removed the {} files of the previous pack in {} first",
            r.cleared,
            a.out.display()
        );
    }
    println!(
        "evidence pack: {} ({} cities, {} files); open {}",
        a.out.display(),
        r.cities,
        r.files,
        a.out.join("index.html").display()
    );
    if let Some(w) = &a.warc {
        let mut runs: Vec<i64> = m.cities.iter().map(|c| c.audit_run).collect();
        runs.sort();
        runs.dedup();
        let pages = warc::write(&conn, &runs, w)
            .with_context(|| format!("cannot write {}", w.display()))?;
        println!("WARC: {} ({pages} pages)", w.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// `diff RUN_A RUN_B`.
pub fn diff(a: DiffArgs) -> Result<ExitCode> {
    let conn = store::open_ro(&a.store.db)?;
    for run in [a.run_a, a.run_b] {
        if !store::runs::run_exists(&conn, run)? {
            bail!(
                "no run {run} in {} (`portal-audit runs` lists the runs)",
                a.store.db.display()
            );
        }
    }
    let (mut ma, mut mb) = (
        matrix::load(&conn, Some(a.run_a))?,
        matrix::load(&conn, Some(a.run_b))?,
    );
    portal_audit::review::apply(&conn, &mut ma)?;
    portal_audit::review::apply(&conn, &mut mb)?;
    let mut changes = d::diff(&ma, &mb);
    changes.extend(accounts::changes(&conn, &ma, &mb)?);
    changes.extend(d::check_changes(
        &check_rows(&conn, &ma, false)?,
        &check_rows(&conn, &mb, false)?,
    ));
    match a.format.as_str() {
        // Run B names the channels (one only run A had shows its id).
        "md" => print!("{}", d::to_md(&changes, &mb.channels)),
        "csv" => {
            use std::io::Write;
            std::io::stdout().write_all(&d::to_csv(&changes))?;
        }
        "json" => println!("{}", serde_json::to_string_pretty(&changes)?),
        other => bail!("unknown diff format `{other}` (md, csv, json)"),
    }
    Ok(ExitCode::SUCCESS)
}
