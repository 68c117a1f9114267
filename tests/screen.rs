//! The review screen (`review serve`, issue 15): the token, decisions posted through its
//! forms changing the exports, hostile page text escaped, loopback only, and a reviewer
//! going through a queue with the keyboard in a real headless Chromium (WebDriver).

mod common;

use common::*;
use portal_audit::export::matrix;
use portal_audit::screen::{self, Screen, ServeOptions, TOKEN_HEADER};
use portal_audit::sim::server::{Reply, Request};
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

/// A city whose portal's weibo link text is hostile markup, and a second city, audited.
async fn audited() -> (tempfile::TempDir, PathBuf) {
    let server = serve(Arc::new(move |req: &Request| {
        let body = match (req.host.as_str(), req.path()) {
            ("www.jia.gov.cn", "/") => concat!(
                "<div class=\"xmt\"><a href=\"https://weibo.com/jiafabu\">&lt;script&gt;alert('x')&lt;/script&gt;甲市发布 政务微博</a></div>",
                "<div class=\"foot\"><p>服务热线：12345</p></div>"
            ),
            ("www.yi.gov.cn", "/") => "<div class=\"foot\"><p>市长信箱 <a href=\"/hdjl/\">写信</a></p></div>",
            _ => return Reply::not_found(),
        };
        Reply::html(page("人民政府", body))
    }))
    .await;
    let dir = tempfile::tempdir().unwrap();
    seeds(
        dir.path(),
        &[
            "1,甲市,浙江省,key,east,http://www.jia.gov.cn/,,,,,",
            "2,乙市,四川省,prefecture,west,http://www.yi.gov.cn/,,,,,",
        ],
    );
    let out = audit_bin(&["run"], dir.path(), &server.resolve_all()).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let db = dir.path().join("audit.db");
    (dir, db)
}

async fn start(db: &Path) -> Screen {
    screen::start(ServeOptions {
        db: db.to_path_buf(),
        port: 0,
        reviewer: "tester".into(),
    })
    .await
    .unwrap()
}

const FORM: &str = "application/x-www-form-urlencoded";

fn encode(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// `export summary --computed --format FMT` of the database.
async fn computed_summary(db: &Path, fmt: &str) -> std::process::Output {
    run_bin(
        s(&[
            "export",
            "summary",
            "--computed",
            "--format",
            fmt,
            "--out",
            "-",
            "--db",
            "audit.db",
        ]),
        db.parent().unwrap(),
    )
    .await
}

/// Posts a decision form to the screen at `base`, with a cookie or none.
async fn post_form(
    http: &reqwest::Client,
    base: &str,
    cookie: Option<&str>,
    pairs: &[(&str, &str)],
) -> reqwest::Response {
    let mut rq = http
        .post(format!("{base}/decide"))
        .header("content-type", FORM)
        .body(encode(pairs));
    if let Some(c) = cookie {
        rq = rq.header("cookie", c);
    }
    rq.send().await.unwrap()
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn value(db: &Path, city: &str, channel: &str) -> (matrix::Value, matrix::Value) {
    let conn = conn(db);
    let mut m = matrix::load(&conn, None).unwrap();
    portal_audit::review::apply(&conn, &mut m).unwrap();
    let c = m.cities.iter().find(|c| c.id == city).unwrap();
    let cell = c
        .cell(
            portal_audit::model::Sector::General,
            &portal_audit::model::ChannelId::new(channel),
        )
        .unwrap();
    (cell.value, cell.computed)
}

#[tokio::test]
async fn the_screen_needs_its_token_and_decisions_posted_through_it_change_the_matrix() {
    let (_dir, db) = audited().await;
    let sc = start(&db).await;
    let base = format!("http://{}", sc.addr);
    let http = client();
    // Nothing without the token, a wrong one, or another Host.
    for (path, tok) in [("/", None), ("/", Some("0".repeat(48))), ("/app.js", None)] {
        let mut rq = http.get(format!("{base}{path}"));
        if let Some(t) = tok {
            rq = rq.header(TOKEN_HEADER, t);
        }
        assert_eq!(rq.send().await.unwrap().status(), 403, "{path}");
    }
    let rebound = http
        .get(format!("{base}/"))
        .header("host", format!("attacker.example:{}", sc.addr.port()))
        .header(TOKEN_HEADER, &sc.token)
        .send()
        .await
        .unwrap();
    assert_eq!(rebound.status(), 403, "DNS rebinding is refused");
    // The printed URL sets a cookie and drops the token from the address.
    let r = http.get(sc.url()).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/");
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let cookie = cookie.split(';').next().unwrap().to_string();
    let home = http
        .get(format!("{base}/?channel=weibo"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(home.status(), 200);
    assert!(
        home.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
    );
    let html = home.text().await.unwrap();
    assert!(html.contains("reviewed 0 / "), "{html}");
    assert!(html.contains("政务微博"), "Chinese labels next to the ids");

    // The hostile finding text is shown as text.
    let cell = format!("{base}/cell?c=1&s=general&ch=weibo&state=pending");
    let page = http
        .get(&cell)
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("&lt;script&gt;alert("), "{page}");
    assert!(!page.contains("<script>alert("), "finding text is escaped");
    let frame = page
        .split("<iframe")
        .nth(1)
        .expect("the archived page beside the findings");
    assert!(frame.contains("sandbox=\"\""), "{frame}");
    let src = frame
        .split("src=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    assert!(
        src.starts_with("/page/") && src.contains("#finding-"),
        "{src}"
    );
    let archived = http
        .get(format!("{base}{}", src.split('#').next().unwrap()))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    let csp = archived.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("sandbox"),
        "{csp}"
    );
    let archived = archived.text().await.unwrap();
    let anchor = src.split('#').nth(1).unwrap();
    assert!(
        archived.contains(&format!("id=\"{anchor}\"")),
        "the finding's element is marked"
    );
    assert!(!archived.contains("<script>alert("));

    // A decision posted with the cookie alone (a page in the same browser) is refused.
    let form = [
        ("c", "1"),
        ("s", "general"),
        ("ch", "weibo"),
        ("verdict", "no"),
        ("reason", "the account is the province's"),
        ("state", "pending"),
        ("advance", "1"),
    ];
    let r = post_form(&http, &base, Some(&cookie), &form).await;
    assert_eq!(r.status(), 403);
    assert_eq!(value(&db, "1", "weibo").0, matrix::Value::Yes);
    // With the form's token it is recorded, and the screen goes on to the next pending cell.
    let mut with_token = form.to_vec();
    with_token.push(("token", &sc.token));
    let r = post_form(&http, &base, Some(&cookie), &with_token).await;
    assert_eq!(r.status(), 303);
    let next = r.headers()["location"].to_str().unwrap();
    assert!(
        next.starts_with("/cell?") && next.contains("state=pending") && !next.contains("ch=weibo&"),
        "{next}"
    );
    assert_eq!(
        value(&db, "1", "weibo"),
        (matrix::Value::No, matrix::Value::Yes)
    );
    // A decision without a reason is refused with a message, nothing recorded.
    let mut no_reason = with_token.clone();
    no_reason.retain(|(k, _)| *k != "reason");
    no_reason.push(("reason", " "));
    no_reason.retain(|(k, v)| !(*k == "verdict" && *v == "no"));
    no_reason.push(("verdict", "yes"));
    let r = post_form(&http, &base, None, &no_reason).await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("reason is required"));
    assert_eq!(value(&db, "1", "weibo").0, matrix::Value::No);
    // The exports show it, and the screen counts it.
    let out = run_bin(
        s(&[
            "export", "matrix", "--format", "csv", "--out", "-", "--db", "audit.db",
        ]),
        db.parent().unwrap(),
    )
    .await;
    let csv = String::from_utf8_lossy(&out.stdout).into_owned();
    let row = csv
        .lines()
        .find(|l| l.starts_with("1,") && l.contains(",general,weibo,"))
        .unwrap();
    assert!(
        row.contains(",no,") && row.contains("the account is the province's"),
        "{row}"
    );
    let home = http
        .get(format!("{base}/"))
        .header(TOKEN_HEADER, &sc.token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("reviewed 1 / "), "{home}");
    // `--computed` measures the machine against the reviewers: one yes overturned.
    let out = computed_summary(&db, "md").await;
    let md = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(md.contains("## Agreement with the reviewers"), "{md}");
    assert!(
        md.contains("| weibo | 0 | 1 | 0 | 0 | 0 | 0 | 0.0% |"),
        "{md}"
    );
    let out = computed_summary(&db, "json").await;
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["agreement"][0]["yes_overturned"], 1, "{json}");
    sc.stop();
}

#[tokio::test]
async fn the_screen_listens_on_loopback_only() {
    let (_dir, db) = audited().await;
    let sc = start(&db).await;
    assert_eq!(sc.addr.ip(), std::net::Ipv4Addr::LOCALHOST);
    assert!(
        sc.url()
            .starts_with(&format!("http://127.0.0.1:{}/?token=", sc.addr.port()))
    );
    // Not on the IPv6 loopback nor any other address of this machine.
    assert!(
        tokio::net::TcpStream::connect(("::1", sc.addr.port()))
            .await
            .is_err()
    );
    for ip in local_addresses() {
        assert!(
            tokio::net::TcpStream::connect((ip, sc.addr.port()))
                .await
                .is_err(),
            "reachable on {ip}"
        );
    }
    // The binary prints the URL with a token; a missing database is an error.
    let out = run_bin(
        s(&["review", "serve", "--db", "missing.db", "--port", "0"]),
        db.parent().unwrap(),
    )
    .await;
    assert_ne!(out.status.code(), Some(0));
    assert!(text(&out).contains("missing.db"), "{}", text(&out));
    sc.stop();
}

/// This machine's non-loopback IPv4 addresses (from /proc/net/fib_trie).
fn local_addresses() -> Vec<std::net::Ipv4Addr> {
    let trie = std::fs::read_to_string("/proc/net/fib_trie").unwrap_or_default();
    let lines: Vec<&str> = trie.lines().collect();
    let mut out = Vec::new();
    for w in lines.windows(2) {
        if w[1].contains("/32 host LOCAL")
            && let Some(ip) = w[0]
                .trim()
                .trim_start_matches("|-- ")
                .parse::<std::net::Ipv4Addr>()
                .ok()
            && !ip.is_loopback()
            && !out.contains(&ip)
        {
            out.push(ip);
        }
    }
    out
}

/// A minimal WebDriver client over chromedriver (W3C protocol).
struct Driver {
    http: reqwest::Client,
    base: String,
    session: String,
    _child: ChildGuard,
    _profile: tempfile::TempDir,
}

struct ChildGuard(std::process::Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Driver {
    /// Starts chromedriver and a headless Chromium session; `None` when either is missing
    /// (a failure in CI, which installs both: `PORTAL_AUDIT_REQUIRE_BROWSER`).
    async fn start() -> Option<Driver> {
        let have = |b: &str| Path::new(b).exists();
        if !have("/usr/bin/chromedriver") || !have("/usr/bin/chromium") {
            assert!(
                std::env::var_os("PORTAL_AUDIT_REQUIRE_BROWSER").is_none(),
                "chromium and chromium-driver are required here"
            );
            eprintln!("skipped: chromium or chromedriver not installed");
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = std::process::Command::new("/usr/bin/chromedriver")
            .arg(format!("--port={port}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let child = ChildGuard(child);
        let http = client();
        let base = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            if http.get(format!("{base}/status")).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let profile = tempfile::tempdir().unwrap();
        let caps = serde_json::json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                         "--no-first-run", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                         "--window-size=1400,900",
                         format!("--user-data-dir={}", profile.path().display())]
            }
        }}});
        let v: serde_json::Value = http
            .post(format!("{base}/session"))
            .header("content-type", "application/json")
            .body(caps.to_string())
            .send()
            .await
            .unwrap()
            .text()
            .await
            .map(|t| serde_json::from_str(&t).unwrap())
            .unwrap();
        let session = v["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no WebDriver session: {v}"))
            .to_string();
        Some(Driver {
            http,
            base,
            session,
            _child: child,
            _profile: profile,
        })
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: serde_json::Value,
    ) -> serde_json::Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let rq = self.http.request(method, url);
        let rq = if body.is_null() {
            rq
        } else {
            rq.header("content-type", "application/json")
                .body(body.to_string())
        };
        let t = rq.send().await.unwrap().text().await.unwrap();
        let v: serde_json::Value = serde_json::from_str(&t).unwrap();
        assert!(v["value"].get("error").is_none(), "{path}: {v}");
        v["value"].clone()
    }

    /// Runs `js` in the page (WebDriver's script, outside the page's CSP) and returns
    /// its value.
    async fn script(&self, js: &str) -> serde_json::Value {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            serde_json::json!({"script": js, "args": []}),
        )
        .await
    }

    async fn goto(&self, url: &str) {
        self.call(
            reqwest::Method::POST,
            "/url",
            serde_json::json!({"url": url}),
        )
        .await;
    }

    async fn find(&self, css: &str) -> String {
        let v = self
            .call(
                reqwest::Method::POST,
                "/element",
                serde_json::json!({"using": "css selector", "value": css}),
            )
            .await;
        v.as_object()
            .and_then(|o| o.values().next())
            .and_then(|x| x.as_str())
            .unwrap_or_else(|| panic!("no element {css}"))
            .to_string()
    }

    async fn click(&self, css: &str) {
        let el = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{el}/click"),
            serde_json::json!({}),
        )
        .await;
    }

    /// Types `keys` as a user would, into whatever has the focus.
    async fn keys(&self, keys: &str) {
        let mut actions = Vec::new();
        for k in keys.chars() {
            actions.push(serde_json::json!({"type": "keyDown", "value": k.to_string()}));
            actions.push(serde_json::json!({"type": "keyUp", "value": k.to_string()}));
        }
        self.call(
            reqwest::Method::POST,
            "/actions",
            serde_json::json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]}),
        )
        .await;
    }

    /// A string the session answers for `path` (an attribute, a style, a text, the URL).
    async fn get_str(&self, path: &str) -> String {
        self.call(reqwest::Method::GET, path, serde_json::Value::Null)
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    async fn attr(&self, css: &str, name: &str) -> String {
        let el = self.find(css).await;
        self.get_str(&format!("/element/{el}/attribute/{name}"))
            .await
    }

    async fn css(&self, el: &str, property: &str) -> String {
        self.get_str(&format!("/element/{el}/css/{property}")).await
    }

    async fn back(&self) {
        self.call(reqwest::Method::POST, "/back", serde_json::json!({}))
            .await;
    }

    async fn url(&self) -> String {
        self.get_str("/url").await
    }

    async fn text(&self, css: &str) -> String {
        let el = self.find(css).await;
        self.get_str(&format!("/element/{el}/text")).await
    }

    /// Waits until the page's URL satisfies `ok`.
    async fn wait_for(&self, ok: impl Fn(&str) -> bool) -> String {
        for _ in 0..100 {
            let u = self.url().await;
            if ok(&u) {
                return u;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("the page never got there: {}", self.url().await);
    }

    async fn quit(self) {
        let _ = self
            .http
            .delete(format!("{}/session/{}", self.base, self.session))
            .send()
            .await;
    }
}

#[tokio::test]
async fn a_reviewer_overturns_a_cell_with_the_keyboard_in_a_real_browser() {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let (_dir, db) = audited().await;
    let sc = start(&db).await;
    driver.goto(&sc.url()).await;
    driver.wait_for(|u| !u.contains("token=")).await;
    assert!(driver.text("#progress").await.starts_with("reviewed 0 / "));
    // Filter to one channel.
    driver
        .click("select[name=channel] option[value=weibo]")
        .await;
    driver.click("form.filters button[type=submit]").await;
    driver.wait_for(|u| u.contains("channel=weibo")).await;
    // Open 甲市's cell.
    driver
        .click("table.grid a[href^='/cell?c=1&s=general&ch=weibo']")
        .await;
    driver.wait_for(|u| u.contains("/cell?")).await;
    assert_eq!(driver.text("#computed").await, "yes");
    // Beside it, the archived page opens at the finding: that element alone highlighted.
    let frame = driver.attr("iframe#page", "src").await;
    let anchor = frame.split('#').nth(1).unwrap().to_string();
    driver.goto(&format!("http://{}{frame}", sc.addr)).await;
    let marked = driver.find(&format!("[id='{anchor}']")).await;
    assert_eq!(driver.css(&marked, "outline-style").await, "solid");
    let other = driver
        .find(&format!("[data-evidence]:not([id='{anchor}'])"))
        .await;
    assert_eq!(
        driver.css(&other, "outline-style").await,
        "none",
        "only the clicked finding"
    );
    driver.back().await;
    driver.wait_for(|u| u.contains("/cell?")).await;
    // The overturn shortcut puts the cursor in the reason box; Enter submits.
    driver.keys("o").await;
    driver
        .keys("the account belongs to the province\u{E007}")
        .await;
    driver
        .wait_for(|u| u.contains("/cell?") && !u.contains("c=1&s=general&ch=weibo"))
        .await;
    let out = run_bin(
        s(&[
            "export", "matrix", "--format", "json", "--out", "-", "--db", "audit.db",
        ]),
        db.parent().unwrap(),
    )
    .await;
    let json: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    let city = json["cities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "1")
        .unwrap();
    let review = &city["reviews"]["general"]["weibo"];
    assert_eq!(review["value"], "no", "{city}");
    assert_eq!(review["computed"], "yes");
    assert_eq!(review["reason"], "the account belongs to the province");
    assert_eq!(review["reviewer"], "tester");
    // Back on the matrix, the progress line counts it.
    driver.goto(&format!("http://{}/", sc.addr)).await;
    assert!(driver.text("#progress").await.starts_with("reviewed 1 / "));
    driver.quit().await;
    sc.stop();
}

/// 22.8: the evidence pack's findings table wrapped rule names letter by letter, and a
/// highlighted image showed a thin outline and not what the finding read. In Chromium:
/// the rule stays on one line, the image has a thick outline, and the foot of the page
/// shows the image's alt.
#[tokio::test(flavor = "multi_thread")]
async fn evidence_tables_read_well_and_a_highlighted_image_shows_its_caption() {
    let long = format!("https://weibo.com/{}", "x".repeat(400));
    let server = serve(routes(vec![
        html(
            "www.a.gov.cn/",
            page(
                "甲市人民政府",
                &format!(
                    "<a href=\"{long}\">甲市发布 {}</a><div class=\"ewm\"><img src=\"/images/wx_qr.png\" alt=\"甲市发布微信公众号\" width=\"120\" height=\"120\"></div>",
                    "很长的链接文字".repeat(30)
                ),
            ),
        ),
        ("www.a.gov.cn/images/wx_qr.png".into(), Reply::new(200, "image/png", vec![0u8; 64])),
    ]))
    .await;
    let dir = tempfile::tempdir().unwrap();
    let seeds = seeds(
        dir.path(),
        &["1,甲市,浙江省,key,east,http://www.a.gov.cn/,,,,,"],
    );
    let db = db(dir.path());
    audit(&db, &seeds, all(), config(&server)).await;
    let conn = portal_audit::store::open_ro(&db).unwrap();
    let m = matrix::load(&conn, None).unwrap();
    let pack = dir.path().join("pack");
    portal_audit::export::evidence::write_pack(&conn, &m, &pack).unwrap();
    let city = pack.join(portal_audit::export::evidence::city_file("1"));
    let Some(driver) = Driver::start().await else {
        return;
    };
    driver.goto(&format!("file://{}", city.display())).await;
    let rules = driver
        .script("return [...document.querySelectorAll('td.n')].filter(td => td.cellIndex === 1).map(td => { const r = document.createRange(); r.selectNodeContents(td); return [td.textContent, r.getClientRects().length, td.getBoundingClientRect().width]; });")
        .await;
    let rules = rules.as_array().unwrap();
    assert!(!rules.is_empty(), "no findings table");
    for r in rules {
        let (name, h, w) = (
            r[0].as_str().unwrap(),
            r[1].as_f64().unwrap(),
            r[2].as_f64().unwrap(),
        );
        assert!(h < 30.0, "{name} wraps: {h}px tall, {w}px wide");
        assert!(
            w > 7.0 * name.len() as f64 * 0.8,
            "{name} squeezed to {w}px"
        );
    }
    // The wechat QR finding's archived page, opened at its element.
    let href = driver
        .script("const a = [...document.querySelectorAll('a')].find(a => a.href.includes('pages/') && a.closest('tr') && a.closest('tr').textContent.includes('wechat')); return a ? a.href : '';")
        .await;
    let href = href.as_str().unwrap().to_string();
    assert!(
        href.contains('#'),
        "no archived page link for the wechat finding: {href}"
    );
    driver.goto(&href).await;
    let seen = driver
        .script("const t = document.querySelector(':target'); const s = t && getComputedStyle(t); return [t ? t.tagName : '', s ? s.outlineWidth : '', s ? s.outlineStyle : '', getComputedStyle(document.body, '::after').content];")
        .await;
    assert_eq!(seen[0], "IMG", "{seen}");
    assert_eq!(
        (seen[1].as_str(), seen[2].as_str()),
        (Some("6px"), Some("solid")),
        "{seen}"
    );
    assert!(
        seen[3].as_str().unwrap().contains("甲市发布微信公众号"),
        "the caption is not shown: {seen}"
    );
}

/// 22.6: the summary's charts and tables in Chromium, with every built-in channel
/// (seventeen since the inclusion group): the labels are Chinese, no two channel labels
/// under the bars overlap, and no header breaks inside a word.
#[tokio::test(flavor = "multi_thread")]
async fn the_summary_reads_in_chinese_and_stays_readable_at_every_channel() {
    let server = serve(routes(vec![html(
        "www.a.gov.cn/",
        page(
            "甲市人民政府",
            "<a href=\"https://weibo.com/jiashi\">甲市发布</a>",
        ),
    )]))
    .await;
    let dir = tempfile::tempdir().unwrap();
    let seeds = seeds(
        dir.path(),
        &["1,甲市,浙江省,key,east,http://www.a.gov.cn/,,,,,"],
    );
    let db = db(dir.path());
    audit(&db, &seeds, all(), config(&server)).await;
    let conn = portal_audit::store::open_ro(&db).unwrap();
    let m = matrix::load(&conn, None).unwrap();
    assert_eq!(m.channels.len(), 17);
    let s = portal_audit::export::summary::summarize(&m);
    let file = dir.path().join("summary.html");
    std::fs::write(&file, portal_audit::export::formats::summary_html(&s)).unwrap();
    let Some(driver) = Driver::start().await else {
        return;
    };
    driver.goto(&format!("file://{}", file.display())).await;
    let seen = driver
        .script(r#"
let names = [], overlaps = 0;
for (const svg of document.querySelectorAll('svg')) {
  const h = Number(svg.getAttribute('height'));
  const labels = [...svg.querySelectorAll('text')].filter(t => Number(t.getAttribute('y')) > h - 40 && Number(t.getAttribute('y')) < h - 14 && t.getAttribute('text-anchor') === 'middle');
  const boxes = labels.map(t => t.getBoundingClientRect());
  for (let i = 1; i < boxes.length; i++) if (boxes[i].left < boxes[i - 1].right) overlaps++;
  names.push(...labels.map(t => t.textContent));
}
const wrapped = [...document.querySelectorAll('th')].filter(th => { const r = document.createRange(); r.selectNodeContents(th); return r.getClientRects().length > 1; }).map(th => th.textContent);
return [names, overlaps, wrapped, document.querySelector('h2 + table, table') ? document.body.innerText.includes('重点城市') : false];
"#)
        .await;
    let names: Vec<&str> = seen[0]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"政务微博") && names.contains(&"政务抖音"),
        "{names:?}"
    );
    assert_eq!(seen[1], 0, "channel labels overlap: {seen}");
    assert_eq!(seen[2], serde_json::json!([]), "headers wrap: {seen}");
    assert_eq!(seen[3], true, "tiers in Chinese: {seen}");
}
