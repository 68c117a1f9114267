//! Links as the crawler follows them: an `href` resolved against its page.
//!
//! Shared by extraction (links on a page) and fetching (`Location` headers), so it sits
//! below both.

use url::Url;

/// Resolves a reference against `base`, dropping the fragment; `None` for the
/// unfollowable (`javascript:`, `mailto:` stay resolvable for detection).
pub fn resolve(base: Option<&Url>, href: &str) -> Option<Url> {
    let href = href.trim();
    if href.is_empty() || href.starts_with('#') {
        return None;
    }
    let mut url = match base {
        Some(b) => b.join(href).ok()?,
        None => Url::parse(href).ok()?,
    };
    if url.scheme() == "javascript" {
        return None;
    }
    url.set_fragment(None);
    Some(url)
}
