//! How a fetch fails: the error kinds the store records, shared by the fetcher and the
//! robots.txt cache (which sits below the fetcher and must not import it).

/// Why a fetch produced no usable response. `kind()` is what the store records.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum FetchError {
    #[error("refused: {0}")]
    Refused(String),
    #[error("redirect leaves the site's scope: {0}")]
    OutOfScope(String),
    #[error("disallowed by robots.txt")]
    RobotsDisallowed,
    #[error("robots.txt unavailable, so the host is treated as disallowing all: {0}")]
    RobotsUnavailable(String),
    #[error("DNS: {0}")]
    Dns(String),
    #[error("connection failed: {0}")]
    Connect(String),
    #[error("TLS: {0}")]
    Tls(String),
    #[error("timed out: {0}")]
    Timeout(String),
    #[error("more than {0} redirects")]
    TooManyRedirects(usize),
    #[error("redirect loop at {0}")]
    RedirectLoop(String),
    #[error("reading the body failed: {0}")]
    Body(String),
    /// The host answered, but not with HTTP a client can read (10,000 headers, a 1 MB
    /// header, a malformed status line): the site is up and broken, not unreachable.
    #[error("protocol error: {0}")]
    Protocol(String),
    #[error("{0}")]
    Other(String),
}

impl FetchError {
    /// A short stable id for the database and reports.
    pub fn kind(&self) -> &'static str {
        match self {
            FetchError::Refused(_) => "refused",
            FetchError::OutOfScope(_) => "out-of-scope",
            FetchError::RobotsDisallowed => "robots-disallowed",
            FetchError::RobotsUnavailable(_) => "blocked-by-robots",
            FetchError::Dns(_) => "dns",
            FetchError::Connect(_) => "connect",
            FetchError::Tls(_) => "tls-error",
            FetchError::Timeout(_) => "timeout",
            FetchError::TooManyRedirects(_) => "too-many-redirects",
            FetchError::RedirectLoop(_) => "redirect-loop",
            FetchError::Body(_) => "body",
            FetchError::Protocol(_) => "protocol-error",
            FetchError::Other(_) => "error",
        }
    }

    /// Whether the host could not be reached at all (so the other scheme is worth a try).
    pub(crate) fn is_unreachable(&self) -> bool {
        matches!(
            self,
            FetchError::Dns(_)
                | FetchError::Connect(_)
                | FetchError::Timeout(_)
                | FetchError::Tls(_)
        )
    }

    pub(crate) fn retryable(&self) -> bool {
        matches!(
            self,
            FetchError::Connect(_) | FetchError::Timeout(_) | FetchError::Body(_)
        )
    }
}

/// A robots.txt-like fetch that failed, and whether it failed at the URL asked for (the
/// host itself) or at a redirect target.
#[derive(Debug, Clone)]
pub struct PlainError {
    pub error: FetchError,
    pub at_start: bool,
}
