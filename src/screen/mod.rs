//! The review screen (`review serve`): the matrix with filters, a cell's evidence beside
//! its archived page, and the forms that record decisions, served on 127.0.0.1 only.
//!
//! Every request needs the session's random token: in the first URL's query (which sets
//! a `SameSite=Strict` cookie and redirects to the same URL without it), the cookie, or
//! the `X-Review-Token` header. A request that changes state (a `POST`) needs it in the
//! header or in the form's `token` field, never from the cookie alone, so neither another
//! local user nor a web page open in the same browser can post a decision. The `Host`
//! header must name the loopback address, which defeats DNS rebinding. Pages are
//! server-rendered (`maud` escapes all text) and work without JavaScript; `app.js` adds
//! keyboard shortcuts. Archived pages are the evidence pack's inert copies, served with
//! the same no-fetch, no-script policy and shown in a sandboxed frame. Nothing here
//! fetches the network; decisions are written only through [`crate::review::decide`].

mod guard;
mod pages;

pub use guard::TOKEN_HEADER;

use crate::export::evidence::{self, FindingRow};
use crate::export::matrix::{self, Matrix};
use crate::model::Sector;
use crate::review::queue::{self, Filter};
use crate::review::{self, NewDecision, Verdict};
use axum::Router;
use axum::extract::{Query, State as AxState};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use guard::{Gate, guard, new_token};
use rusqlite::Connection;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// The default port of `review serve`.
pub const DEFAULT_PORT: u16 = 8640;

/// The policy of the screen's own pages: its script and styles only, frames of itself.
const SCREEN_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src data:; frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub db: PathBuf,
    /// 0 picks a free port.
    pub port: u16,
    /// Who the decisions are recorded as.
    pub reviewer: String,
}

/// Why the screen cannot start.
#[derive(Debug, thiserror::Error)]
pub enum ScreenError {
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Bind { port: u16, source: std::io::Error },
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

/// A running review screen.
pub struct Screen {
    /// Where it listens (always 127.0.0.1).
    pub addr: SocketAddr,
    /// The session's token.
    pub token: String,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Screen {
    /// The URL to open: the screen with its token.
    pub fn url(&self) -> String {
        format!("http://{}/?token={}", self.addr, self.token)
    }

    /// Serves until the task ends (it does not on its own).
    pub async fn wait(self) -> std::io::Result<()> {
        self.server
            .await
            .unwrap_or_else(|e| Err(std::io::Error::other(e)))
    }

    /// Stops serving.
    pub fn stop(&self) {
        self.server.abort();
    }
}

struct App {
    conn: Mutex<Connection>,
    /// The token and port the guard checks; pages put the token in their forms.
    gate: Arc<Gate>,
    reviewer: String,
}

type Shared = Arc<App>;

/// Opens the database (it must exist) and starts serving on 127.0.0.1.
pub async fn start(opts: ServeOptions) -> Result<Screen, ScreenError> {
    crate::store::open_ro(&opts.db)?;
    let conn = crate::store::open_existing_rw(&opts.db)?;
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, opts.port))
        .await
        .map_err(|source| ScreenError::Bind {
            port: opts.port,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| ScreenError::Bind {
        port: opts.port,
        source,
    })?;
    let gate = Arc::new(Gate {
        token: new_token(),
        port: addr.port(),
    });
    let app = Arc::new(App {
        conn: Mutex::new(conn),
        gate: gate.clone(),
        reviewer: opts.reviewer,
    });
    let router = Router::new()
        .route("/", get(matrix_page))
        .route("/cell", get(cell_page))
        .route("/page/{sha}", get(archived))
        .route("/app.js", get(script))
        .route("/decide", post(decide))
        .layer(middleware::from_fn_with_state(gate.clone(), guard))
        .with_state(app);
    let server = tokio::spawn(async move { axum::serve(listener, router).await });
    Ok(Screen {
        addr,
        token: gate.token.clone(),
        server,
    })
}

/// Security headers of every page of the screen.
fn page(html: String, csp: &str) -> Response {
    let mut resp = (StatusCode::OK, axum::response::Html(html)).into_response();
    let h = resp.headers_mut();
    for (k, v) in [
        (header::CONTENT_SECURITY_POLICY, csp),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CACHE_CONTROL, "no-store"),
    ] {
        if let Ok(v) = HeaderValue::from_str(v) {
            h.insert(k, v);
        }
    }
    resp
}

fn error_page(status: StatusCode, message: &str) -> Response {
    let mut resp = page(pages::error(message).into_string(), SCREEN_CSP);
    *resp.status_mut() = status;
    resp
}

/// The filters and position a page was asked with (query string or form fields).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub(crate) struct Params {
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub tier: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub sector: String,
    #[serde(default)]
    pub channel: String,
    #[serde(default)]
    pub state: String,
    /// The page of the matrix (0-based; a string, as every field of a form is).
    #[serde(default)]
    pub page: String,
}

impl Params {
    /// The filter these parameters ask for.
    fn filter(&self) -> Result<Filter, String> {
        Filter::parse(
            Some(&self.city),
            Some(&self.tier),
            Some(&self.region),
            Some(&self.sector),
            Some(&self.channel),
            Some(&self.state),
        )
    }

    /// The query string that asks for the same filters.
    fn query(&self) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("city", &self.city),
            ("tier", &self.tier),
            ("region", &self.region),
            ("sector", &self.sector),
            ("channel", &self.channel),
            ("state", &self.state),
        ] {
            if !v.trim().is_empty() {
                q.append_pair(k, v.trim());
            }
        }
        q.finish()
    }
}

/// Which cell a cell page shows, with the queue it was reached from.
#[derive(Debug, Clone, serde::Deserialize)]
pub(crate) struct CellParams {
    #[serde(rename = "c")]
    pub city_id: String,
    #[serde(rename = "s")]
    pub sector: String,
    #[serde(rename = "ch")]
    pub channel: String,
    /// The selected finding.
    #[serde(default)]
    pub f: Option<i64>,
    #[serde(flatten)]
    pub queue: Params,
}

/// The matrix with the decisions applied, and the queue `p` asks for in it.
fn matrix_and_queue(conn: &Connection, p: &Params) -> Result<(Matrix, Vec<queue::Item>), Fail> {
    let filter = p.filter().map_err(bad)?;
    let mut m = matrix::load(conn, None).map_err(internal)?;
    review::apply(conn, &mut m).map_err(internal)?;
    let items = queue::queue_in_store(conn, &m, &filter).map_err(internal)?;
    Ok((m, items))
}

/// The findings made on a stored body and each one's anchor in its archived page.
fn body_anchors(
    conn: &Connection,
    sha: &str,
) -> Result<(Vec<FindingRow>, std::collections::BTreeMap<i64, String>), Fail> {
    let on_body = evidence::body_findings(conn, sha).map_err(internal)?;
    let refs: Vec<&FindingRow> = on_body.iter().collect();
    let anchors = evidence::element_anchors([refs.as_slice()]);
    Ok((on_body, anchors))
}

/// Runs `f` on the database off the async threads.
async fn with_db<T: Send + 'static>(
    app: &Shared,
    f: impl FnOnce(&Connection) -> Result<T, Fail> + Send + 'static,
) -> Result<T, Fail> {
    let app = app.clone();
    tokio::task::spawn_blocking(move || {
        let conn = app.conn.lock().unwrap_or_else(|e| e.into_inner());
        f(&conn)
    })
    .await
    .unwrap_or_else(|e| Err(internal(e)))
}

/// A request that cannot be answered: its status and what to tell the reviewer.
struct Fail(StatusCode, String);

impl IntoResponse for Fail {
    fn into_response(self) -> Response {
        error_page(self.0, &self.1)
    }
}

fn internal(e: impl std::fmt::Display) -> Fail {
    Fail(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
}

fn bad(e: impl std::fmt::Display) -> Fail {
    Fail(StatusCode::BAD_REQUEST, e.to_string())
}

async fn matrix_page(AxState(app): AxState<Shared>, Query(p): Query<Params>) -> Response {
    let out = with_db(&app, move |conn| {
        let (m, items) = matrix_and_queue(conn, &p)?;
        Ok(pages::matrix(&m, &p, &p.query(), &items, queue::progress(&m)).into_string())
    })
    .await;
    match out {
        Ok(html) => page(html, SCREEN_CSP),
        Err(f) => f.into_response(),
    }
}

/// Where a cell stands in its queue: its position, the previous and next cells.
pub(crate) struct Position<'a> {
    pub index: Option<usize>,
    pub len: usize,
    pub prev: Option<&'a queue::Item>,
    pub next: Option<&'a queue::Item>,
}

fn position<'a>(
    items: &'a [queue::Item],
    city: &str,
    sector: Sector,
    channel: &str,
) -> Position<'a> {
    let index = items
        .iter()
        .position(|i| i.city_id == city && i.sector == sector && i.channel == channel);
    let (prev, next) = match index {
        Some(i) => (
            i.checked_sub(1).and_then(|j| items.get(j)),
            items.get(i + 1),
        ),
        None => (None, items.first()),
    };
    Position {
        index,
        len: items.len(),
        prev,
        next,
    }
}

async fn cell_page(AxState(app): AxState<Shared>, Query(p): Query<CellParams>) -> Response {
    let token = app.gate.token.clone();
    let out = with_db(&app, move |conn| {
        let (m, items) = matrix_and_queue(conn, &p.queue)?;
        let sector: Sector = p.sector.parse().map_err(bad)?;
        let city = m
            .cities
            .iter()
            .find(|c| c.id == p.city_id)
            .ok_or_else(|| bad(format!("no audited city `{}`", p.city_id)))?;
        let channel = m
            .channels
            .get(&p.channel)
            .ok_or_else(|| bad(format!("no channel `{}`", p.channel)))?;
        let cell = city
            .cell(sector, &channel.id)
            .ok_or_else(|| bad(format!("{} has no {sector} cell", city.name)))?;
        let findings =
            evidence::cell_findings(conn, city.audit_run, &city.id, sector.as_str(), &p.channel)
                .map_err(internal)?;
        let failures: Vec<evidence::Failure> = evidence::failures(conn, city.audit_run, &city.id)
            .map_err(internal)?
            .into_iter()
            .filter(|f| f.sector == sector.as_str())
            .collect();
        let history =
            review::history(conn, &city.id, Some((sector, &p.channel))).map_err(internal)?;
        let selected =
            p.f.and_then(|id| findings.iter().find(|f| f.id == id))
                .or_else(|| findings.iter().find(|f| Some(f.id) == cell.best_finding))
                .or(findings.first());
        // The anchor of the selected finding in its archived page.
        let frame = match selected {
            Some(f) if !f.body_sha256.is_empty() => {
                let (_, anchors) = body_anchors(conn, &f.body_sha256)?;
                anchors
                    .get(&f.id)
                    .map(|a| format!("/page/{}#{a}", f.body_sha256))
            }
            _ => None,
        };
        let pos = position(&items, &city.id, sector, &p.channel);
        Ok(pages::cell(&pages::CellView {
            matrix: &m,
            city,
            cell,
            channel,
            findings: &findings,
            selected: selected.map(|f| f.id),
            frame: frame.as_deref(),
            failures: &failures,
            history: &history,
            queue: &p.queue.query(),
            position: pos,
            token: &token,
        })
        .into_string())
    })
    .await;
    match out {
        Ok(html) => page(html, SCREEN_CSP),
        Err(f) => f.into_response(),
    }
}

async fn archived(
    AxState(app): AxState<Shared>,
    axum::extract::Path(sha): axum::extract::Path<String>,
) -> Response {
    if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
        return bad("not a body sha256").into_response();
    }
    let out = with_db(&app, move |conn| {
        let (on_body, anchors) = body_anchors(conn, &sha)?;
        let refs: Vec<&FindingRow> = on_body.iter().collect();
        evidence::archived_page(conn, &sha, &refs, &anchors)
            .map_err(internal)?
            .ok_or_else(|| {
                Fail(
                    StatusCode::NOT_FOUND,
                    "no stored page with findings has this sha256".into(),
                )
            })
    })
    .await;
    match out {
        // The archived page's own policy, and a sandbox even if it is opened outside the frame.
        Ok(html) => page(
            html,
            &format!(
                "{}; sandbox; frame-ancestors 'self'",
                crate::export::inert::CSP
            ),
        ),
        Err(f) => f.into_response(),
    }
}

async fn script() -> Response {
    let mut resp = (StatusCode::OK, include_str!("app.js")).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/javascript; charset=utf-8"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    resp
}

/// The decision form.
#[derive(Debug, serde::Deserialize)]
struct DecideForm {
    #[serde(rename = "c")]
    city_id: String,
    #[serde(rename = "s")]
    sector: String,
    #[serde(rename = "ch")]
    channel: String,
    verdict: String,
    #[serde(default)]
    reason: String,
    /// Go on to the next cell of the queue afterwards.
    #[serde(default)]
    advance: Option<String>,
    #[serde(flatten)]
    queue: Params,
}

async fn decide(
    AxState(app): AxState<Shared>,
    form: Result<axum::Form<DecideForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let form = match form {
        Ok(axum::Form(f)) => f,
        Err(e) => return bad(format!("bad decision form: {e}")).into_response(),
    };
    let reviewer = app.reviewer.clone();
    let out = with_db(&app, move |conn| {
        // The next cell is taken from the queue as it was before this decision.
        let (m, items) = matrix_and_queue(conn, &form.queue)?;
        let sector: Sector = form.sector.parse().map_err(bad)?;
        let verdict: Verdict = form.verdict.parse().map_err(bad)?;
        let next = position(&items, &form.city_id, sector, &form.channel)
            .next
            .map(|i| (i.city_id.clone(), i.sector, i.channel.clone()));
        review::decide(
            conn,
            &m,
            &NewDecision {
                city_id: &form.city_id,
                sector,
                channel: &form.channel,
                verdict,
                reason: &form.reason,
                reviewer: &reviewer,
                decided_at: None,
            },
        )
        .map_err(bad)?;
        let q = form.queue.query();
        let to = match (form.advance.is_some(), next) {
            (true, Some((c, s, ch))) => pages::cell_href(&c, s, &ch, &q, None),
            (true, None) => format!("/?{q}"),
            (false, _) => pages::cell_href(&form.city_id, sector, &form.channel, &q, None),
        };
        Ok(to)
    })
    .await;
    match out {
        Ok(to) => Redirect::to(&to).into_response(),
        Err(f) => f.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_parse_and_round_trip() {
        use crate::review::queue::State;
        let p = Params {
            channel: "weibo".into(),
            state: "pending".into(),
            tier: "key".into(),
            ..Params::default()
        };
        let f = p.filter().unwrap();
        assert_eq!(f.state, State::Pending);
        assert_eq!(f.channel.as_deref(), Some("weibo"));
        assert_eq!(p.query(), "tier=key&channel=weibo&state=pending");
        let bad = Params {
            state: "later".into(),
            ..Params::default()
        };
        assert!(bad.filter().is_err());
    }
}
