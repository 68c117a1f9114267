//! A small HTTP/1.1 server on 127.0.0.1 that serves many virtual hosts from one port,
//! with keep-alive, a request log (for politeness tests), and the hostile behaviours
//! the crawler must survive (drip, endless body, reset mid-body, huge headers).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

/// Bytes of request head accepted.
const MAX_HEAD: usize = 64 * 1024;

/// A parsed request.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    /// The Host header without its port, lower-cased.
    pub host: String,
    pub headers: Vec<(String, String)>,
}

impl Request {
    /// The path without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("/")
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// How the body of a reply is sent.
#[derive(Debug, Clone)]
pub enum BodyMode {
    /// All at once with Content-Length.
    Full,
    /// One byte per interval.
    Drip(Duration),
    /// Chunked, never ending.
    Endless,
    /// Half of the body, then the connection is dropped.
    ResetMidway,
}

/// A response.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Wait before answering.
    pub delay: Duration,
    pub mode: BodyMode,
}

impl Reply {
    /// 200 with an HTML body (UTF-8).
    pub fn html(body: impl Into<Vec<u8>>) -> Reply {
        Reply::new(200, "text/html; charset=utf-8", body)
    }

    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.into(),
            delay: Duration::ZERO,
            mode: BodyMode::Full,
        }
    }

    pub fn not_found() -> Reply {
        Reply::new(404, "text/html; charset=utf-8", "<h1>404</h1>")
    }

    /// A redirect to `location`.
    pub fn redirect(status: u16, location: &str) -> Reply {
        let mut r = Reply::new(status, "text/html", "");
        r.headers.push(("Location".into(), location.into()));
        r
    }

    pub fn header(mut self, k: &str, v: &str) -> Reply {
        self.headers.push((k.into(), v.into()));
        self
    }
}

/// One request as logged: which host, which target, when.
#[derive(Debug, Clone)]
pub struct Logged {
    pub host: String,
    pub target: String,
    pub at: Instant,
    /// The connection it came on, numbered as accepted: requests kept alive on one
    /// connection share it.
    pub conn: u64,
}

/// The function that answers requests.
pub type Handler = Arc<dyn Fn(&Request) -> Reply + Send + Sync>;

/// A running server; it stops when dropped.
pub struct Server {
    pub addr: SocketAddr,
    pub log: Arc<Mutex<Vec<Logged>>>,
    stop: CancellationToken,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

impl Server {
    /// Starts serving on a free loopback port.
    pub async fn start(handler: Handler) -> std::io::Result<Server> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let log = Arc::new(Mutex::new(Vec::new()));
        let stop = CancellationToken::new();
        let (l, s) = (log.clone(), stop.clone());
        tokio::spawn(async move {
            let mut conns = 0u64;
            loop {
                tokio::select! {
                    _ = s.cancelled() => break,
                    accepted = listener.accept() => {
                        let Ok((stream, _)) = accepted else { continue };
                        conns += 1;
                        let (h, l, s) = (handler.clone(), l.clone(), s.clone());
                        tokio::spawn(async move {
                            tokio::select! {
                                _ = s.cancelled() => {}
                                _ = serve_conn(stream, conns, h, l) => {}
                            }
                        });
                    }
                }
            }
        });
        Ok(Server { addr, log, stop })
    }

    /// The `--resolve` rule that points every host name at this server.
    pub fn resolve_all(&self) -> String {
        format!("*:*:{}", self.addr)
    }

    /// The logged requests to `host`.
    pub fn requests_to(&self, host: &str) -> Vec<Logged> {
        self.log
            .lock()
            .expect("not poisoned")
            .iter()
            .filter(|l| l.host == host)
            .cloned()
            .collect()
    }

    /// All logged request targets, as `host/target`.
    pub fn targets(&self) -> Vec<String> {
        self.log
            .lock()
            .expect("not poisoned")
            .iter()
            .map(|l| format!("{}{}", l.host, l.target))
            .collect()
    }
}

async fn read_head(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<usize> {
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            return Some(end + 4);
        }
        if buf.len() > MAX_HEAD {
            return None;
        }
        let mut chunk = [0u8; 8192];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        // A TLS handshake (a ClientHello record starts with 0x16): the simulated web
        // speaks plain HTTP only, so the connection is closed at once, as a host with
        // no TLS on its port does, rather than left waiting for a request line.
        if buf.first() == Some(&0x16) {
            return None;
        }
    }
}

fn parse_head(head: &[u8]) -> Option<Request> {
    let text = std::str::from_utf8(head).ok()?;
    let mut lines = text.split("\r\n");
    let mut first = lines.next()?.split_whitespace();
    let method = first.next()?.to_string();
    let mut target = first.next()?.to_string();
    // Absolute form (`GET http://host/path`, as sent to a proxy), which servers must
    // accept (RFC 9112 §3.2.2): served like the origin form it names.
    if let Some(rest) = ["http://", "https://"]
        .iter()
        .find_map(|s| target.strip_prefix(s))
    {
        let path = rest.find('/').map_or("/", |i| &rest[i..]);
        target = path.to_string();
    }
    let mut headers = Vec::new();
    for line in lines.filter(|l| !l.is_empty()) {
        let (k, v) = line.split_once(':')?;
        headers.push((k.trim().to_string(), v.trim().to_string()));
    }
    let host = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("host"))
        .map(|(_, v)| {
            v.rsplit_once(':')
                .map_or(v.as_str(), |(h, p)| {
                    if p.chars().all(|c| c.is_ascii_digit()) {
                        h
                    } else {
                        v
                    }
                })
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    Some(Request {
        method,
        target,
        host,
        headers,
    })
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

async fn serve_conn(
    mut stream: TcpStream,
    conn: u64,
    handler: Handler,
    log: Arc<Mutex<Vec<Logged>>>,
) {
    let _ = stream.set_nodelay(true);
    let mut buf = Vec::new();
    loop {
        let Some(end) = read_head(&mut stream, &mut buf).await else {
            return;
        };
        let Some(req) = parse_head(&buf[..end]) else {
            return;
        };
        buf.drain(..end);
        log.lock().expect("not poisoned").push(Logged {
            host: req.host.clone(),
            target: req.target.clone(),
            at: Instant::now(),
            conn,
        });
        let close = req
            .header("connection")
            .is_some_and(|c| c.eq_ignore_ascii_case("close"));
        let reply = handler(&req);
        if !reply.delay.is_zero() {
            tokio::time::sleep(reply.delay).await;
        }
        let mut head = format!("HTTP/1.1 {} {}\r\n", reply.status, reason(reply.status));
        for (k, v) in &reply.headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        let ok = match reply.mode {
            BodyMode::Full => {
                head.push_str(&format!("Content-Length: {}\r\n\r\n", reply.body.len()));
                let mut out = head.into_bytes();
                if req.method != "HEAD" {
                    out.extend_from_slice(&reply.body);
                }
                stream.write_all(&out).await.is_ok()
            }
            BodyMode::Drip(every) => {
                head.push_str(&format!("Content-Length: {}\r\n\r\n", reply.body.len()));
                if stream.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                for b in &reply.body {
                    tokio::time::sleep(every).await;
                    if stream.write_all(&[*b]).await.is_err() {
                        return;
                    }
                }
                true
            }
            BodyMode::Endless => {
                head.push_str("Transfer-Encoding: chunked\r\n\r\n");
                if stream.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = format!(
                    "{:x}\r\n{}\r\n",
                    64 * 1024,
                    &"<p>endless</p>".repeat(64 * 1024 / 14 + 1)[..64 * 1024]
                );
                loop {
                    if stream.write_all(chunk.as_bytes()).await.is_err() {
                        return;
                    }
                }
            }
            BodyMode::ResetMidway => {
                head.push_str(&format!("Content-Length: {}\r\n\r\n", reply.body.len()));
                let _ = stream.write_all(head.as_bytes()).await;
                let _ = stream.write_all(&reply.body[..reply.body.len() / 2]).await;
                let _ = stream.flush().await;
                let _ = stream.set_zero_linger();
                return;
            }
        };
        if !ok || close {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_in_origin_and_absolute_form() {
        let r = parse_head(b"GET /a?b=1 HTTP/1.1\r\nHost: WWW.X.gov.cn:8080\r\n").unwrap();
        assert_eq!(
            (r.target.as_str(), r.host.as_str()),
            ("/a?b=1", "www.x.gov.cn")
        );
        let r =
            parse_head(b"GET http://www.x.gov.cn/hd/index.html HTTP/1.1\r\nHost: www.x.gov.cn\r\n")
                .unwrap();
        assert_eq!(r.target, "/hd/index.html");
        let r = parse_head(b"GET http://www.x.gov.cn HTTP/1.1\r\nHost: www.x.gov.cn\r\n").unwrap();
        assert_eq!(r.target, "/");
    }
}
