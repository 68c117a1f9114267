//! The gate in front of every route of the review screen: the `Host` must be the
//! screen's own (127.0.0.1 or localhost at its port), a page needs the token (from the
//! printed URL, then a cookie), and a decision needs the token in the request itself
//! (form or header), never from the cookie alone.

use axum::body::Body;
use axum::extract::{Request, State as AxState};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use std::sync::Arc;

/// The header that may carry the token.
pub const TOKEN_HEADER: &str = "x-review-token";

const COOKIE: &str = "review_token";

/// What the gate checks against: the screen's token and port.
pub(super) struct Gate {
    pub(super) token: String,
    pub(super) port: u16,
}

/// Whether a `Host` header names the screen itself: 127.0.0.1 or localhost at its port,
/// or without a port when the screen listens on 80 (clients leave the default port out).
fn host_ok(host: &str, port: u16) -> bool {
    let (name, given) = match host.rsplit_once(':') {
        Some((name, p)) => (name, p.parse::<u16>().ok()),
        None => (host, Some(80)),
    };
    matches!(name, "127.0.0.1" | "localhost") && given == Some(port)
}

/// A new random token for a screen.
pub(super) fn new_token() -> String {
    use rand::Rng;
    let bytes: [u8; 24] = rand::rng().random();
    hex::encode(bytes)
}

/// Compares without stopping at the first difference.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn query_token(query: Option<&str>) -> Option<String> {
    url::form_urlencoded::parse(query?.as_bytes())
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.into_owned())
}

fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_string())
}

fn refused(why: &'static str) -> Response {
    (StatusCode::FORBIDDEN, why).into_response()
}

/// The token and host check in front of every route (see the module docs).
pub(super) async fn guard(AxState(app): AxState<Arc<Gate>>, req: Request, next: Next) -> Response {
    let host_ok = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|h| host_ok(h, app.port));
    if !host_ok {
        return refused("forbidden: unknown Host\n");
    }
    let header_token = req
        .headers()
        .get(TOKEN_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    if req.method() == Method::GET || req.method() == Method::HEAD {
        let from_query = query_token(req.uri().query());
        let ok = [
            from_query.clone(),
            header_token,
            cookie_token(req.headers()),
        ]
        .iter()
        .flatten()
        .any(|t| same(t, &app.token));
        if !ok {
            return refused("forbidden: this screen needs the token printed by `review serve`\n");
        }
        if from_query.is_some() {
            // Keep the token out of the address bar and history: a cookie from now on.
            let rest: Vec<(String, String)> =
                url::form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes())
                    .filter(|(k, _)| k != "token")
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect();
            let mut to = req.uri().path().to_string();
            if !rest.is_empty() {
                to.push('?');
                to.push_str(
                    &url::form_urlencoded::Serializer::new(String::new())
                        .extend_pairs(rest)
                        .finish(),
                );
            }
            let mut resp = Redirect::to(&to).into_response();
            if let Ok(v) = HeaderValue::from_str(&format!(
                "{COOKIE}={}; HttpOnly; SameSite=Strict; Path=/",
                app.token
            )) {
                resp.headers_mut().insert(header::SET_COOKIE, v);
            }
            return resp;
        }
        return next.run(req).await;
    }
    // A state change: the token must come with the request itself, not from the cookie.
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "request too large\n").into_response();
    };
    let form_token = url::form_urlencoded::parse(&bytes)
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.into_owned());
    let ok = [header_token, form_token]
        .iter()
        .flatten()
        .any(|t| same(t, &app.token));
    if !ok {
        return refused(
            "forbidden: a decision needs the token in the form or the X-Review-Token header\n",
        );
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hardening 13: `review serve --port 80` refused its own printed URL, because
    /// clients send `Host: 127.0.0.1` without `:80`.
    #[test]
    fn the_default_port_may_be_left_out_of_the_host() {
        assert!(host_ok("127.0.0.1:8640", 8640) && host_ok("localhost:8640", 8640));
        assert!(
            host_ok("127.0.0.1", 80) && host_ok("localhost", 80) && host_ok("127.0.0.1:80", 80)
        );
        assert!(!host_ok("127.0.0.1", 8640) && !host_ok("127.0.0.1:80", 8640));
        for bad in [
            "evil.example:8640",
            "127.0.0.1.evil:8640",
            "",
            ":8640",
            "127.0.0.1:x",
        ] {
            assert!(!host_ok(bad, 8640), "{bad}");
        }
    }

    #[test]
    fn tokens_are_random_and_compared_whole() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 48);
        assert!(same(&a, &a.clone()));
        assert!(!same(&a, &a[..47]));
        assert!(!same(&a, &b));
    }
}
