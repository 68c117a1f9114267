//! The world served: which reply answers which request. Every page is generated on
//! request from (seed, host, path) by [`pages`], so a world of thousands of sites costs
//! no memory.

use super::pages;
use super::server::{Handler, Reply, Request};
use super::world::World;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// How long a slow host takes per reply: slow beside its neighbours, and a homepage's
/// hundreds of link checks (one at a time per host) still take under a minute.
const SLOW_HOST: Duration = Duration::from_millis(100);

impl World {
    /// Serves the world.
    pub fn handler(self: Arc<Self>) -> Handler {
        let first_seen = Arc::new(std::sync::Mutex::new(std::collections::HashSet::new()));
        let page_requests = Arc::new(std::sync::Mutex::new(HashMap::<usize, u64>::new()));
        Arc::new(move |req: &Request| {
            if let Some(reply) = super::links::answer(req) {
                return reply;
            }
            let Some(&si) = self.by_host.get(&req.host) else {
                // Hosts outside the world (m.*, zwfw.* of a city) answer with a plain page.
                return Reply::html(pages::plain(&req.host));
            };
            let site = &self.sites[si];
            if site.traits.first_429 && first_seen.lock().expect("not poisoned").insert(si) {
                return Reply::new(429, "text/html", "<h1>429 Too Many Requests</h1>")
                    .header("Retry-After", "1");
            }
            if req.path() == "/robots.txt" {
                return if site.traits.robots_error {
                    Reply::new(500, "text/plain", "error")
                } else {
                    Reply::new(
                        200,
                        "text/plain",
                        "User-agent: *\nDisallow: /private/\nDisallow: /search\n",
                    )
                };
            }
            if site.traits.flaky {
                let mut counts = page_requests.lock().expect("not poisoned");
                let n = counts.entry(si).or_default();
                *n += 1;
                if (*n).is_multiple_of(3) {
                    return Reply::new(503, "text/html", "<h1>503 Service Unavailable</h1>");
                }
            }
            let city = &self.cities[site.city];
            let Some(html) = pages::render(&self, site, city, req.path(), req.target.as_str())
            else {
                return Reply::not_found();
            };
            let mut reply = if site.traits.gbk {
                let html = if site.traits.no_charset {
                    html.replace("<meta charset=\"utf-8\">", "")
                } else {
                    html.replace(
                        "<meta charset=\"utf-8\">",
                        "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=gbk\">",
                    )
                };
                Reply::new(200, "text/html", gbk(&html))
            } else {
                Reply::html(html)
            };
            if site.traits.slow {
                reply.delay = SLOW_HOST;
            }
            reply
        })
    }
}

/// `text` in GBK, as `encoding_rs` writes it, with each distinct character encoded once
/// per thread: the encoder's search per ideograph was three quarters of the simulated
/// server's CPU, which shares the benchmark machine with the crawler.
fn gbk(text: &str) -> Vec<u8> {
    thread_local! {
        static CODES: std::cell::RefCell<HashMap<char, Vec<u8>>> = std::cell::RefCell::new(HashMap::new());
    }
    CODES.with(|codes| {
        let mut codes = codes.borrow_mut();
        let mut out = Vec::with_capacity(text.len());
        let mut buf = [0u8; 4];
        for c in text.chars() {
            if c.is_ascii() {
                out.push(c as u8);
                continue;
            }
            let code = codes.entry(c).or_insert_with(|| {
                encoding_rs::GBK
                    .encode(c.encode_utf8(&mut buf))
                    .0
                    .into_owned()
            });
            out.extend_from_slice(code);
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gbk_is_encoding_rs_gbk() {
        let t = "<p>政务微博 12345，市民服务热线。Ω€ 𠀀</p>";
        assert_eq!(gbk(t), encoding_rs::GBK.encode(t).0.into_owned());
    }
}
