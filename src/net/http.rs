//! One HTTP response as the fetcher reads it: the body up to a cap, the `Retry-After`
//! header, and a reqwest error classified as the store records it.

use crate::net::error::FetchError;
use crate::net::resolve::ResolveError;
use std::time::Duration;

pub(super) async fn read_capped(
    mut resp: reqwest::Response,
    cap: usize,
) -> Result<(Vec<u8>, bool), FetchError> {
    // One allocation of the announced size (within the cap) instead of doubling.
    let announced = resp.content_length().unwrap_or(0).min(cap as u64) as usize;
    let mut body = Vec::with_capacity(announced);
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > cap {
                    body.extend_from_slice(&chunk[..cap - body.len()]);
                    return Ok((body, true));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok((body, false)),
            Err(e) => {
                return Err(match classify(&e) {
                    FetchError::Timeout(m) => FetchError::Timeout(m),
                    other => FetchError::Body(other.to_string()),
                });
            }
        }
    }
}

/// The delay asked by a `Retry-After` header (seconds or an HTTP date), capped.
pub(crate) fn retry_after(headers: &[(String, String)], cap_secs: f64) -> Option<Duration> {
    let value = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("retry-after"))?
        .1
        .trim();
    let secs = if let Ok(s) = value.parse::<f64>() {
        s
    } else {
        let when = httpdate::parse_http_date(value).ok()?;
        when.duration_since(std::time::SystemTime::now())
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0)
    };
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(cap_secs)))
}

/// The whole source chain of an error, as one line.
pub(crate) fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut src = e.source();
    while let Some(s) = src {
        let t = s.to_string();
        if !parts.iter().any(|p| p.contains(&t)) {
            parts.push(t);
        }
        src = s.source();
    }
    parts.join(": ")
}

pub(super) fn classify(e: &reqwest::Error) -> FetchError {
    let text = error_chain(e);
    let mut src: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = src {
        if let Some(r) = s.downcast_ref::<ResolveError>() {
            return match r {
                ResolveError::NonPublic { .. } => FetchError::Refused(r.to_string()),
                ResolveError::Lookup { .. } => FetchError::Dns(r.to_string()),
            };
        }
        if let Some(h) = s.downcast_ref::<hyper::Error>()
            && h.is_parse()
        {
            let what = if h.is_parse_too_large() {
                "the response's headers are too many or too large"
            } else {
                "the response is not well-formed HTTP"
            };
            return FetchError::Protocol(format!("{what} ({text})"));
        }
        src = s.source();
    }
    let lower = text.to_ascii_lowercase();
    if e.is_connect() && !lower.contains("certificate") {
        // Includes a connection or handshake that timed out: the host was not reached.
        FetchError::Connect(text)
    } else if e.is_timeout() {
        FetchError::Timeout(text)
    } else if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake")
    {
        FetchError::Tls(text)
    } else if lower.contains("dns error") || lower.contains("failed to lookup") {
        FetchError::Dns(text)
    } else if e.is_connect() {
        FetchError::Connect(text)
    } else if e.is_body() || e.is_decode() {
        FetchError::Body(text)
    } else if e.is_request() {
        FetchError::Connect(text)
    } else {
        FetchError::Other(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds_date_and_cap() {
        let h = |v: &str| vec![("Retry-After".to_string(), v.to_string())];
        assert_eq!(retry_after(&h("3"), 120.0), Some(Duration::from_secs(3)));
        assert_eq!(
            retry_after(&h("3600"), 120.0),
            Some(Duration::from_secs(120))
        );
        let later = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(30));
        let d = retry_after(&h(&later), 120.0).unwrap();
        assert!(
            d <= Duration::from_secs(30) && d >= Duration::from_secs(28),
            "{d:?}"
        );
        assert_eq!(retry_after(&h("soon"), 120.0), None);
        assert_eq!(retry_after(&[], 120.0), None);
    }
}
