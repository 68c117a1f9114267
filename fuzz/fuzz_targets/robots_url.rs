//! robots.txt parsing, URL normalisation, scope and network-safety checks never panic,
//! and a URL that passes the safety check is http(s).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (robots, link) = text.split_once('\n').unwrap_or((&text, "/"));
    if let Ok(robot) = texting_robots_like(robots.as_bytes()) {
        let _ = robot;
    }
    let base = url::Url::parse("http://www.hangzhou.gov.cn/a/b.html").unwrap();
    if let Some(u) = portal_audit::model::link::resolve(Some(&base), link) {
        let n = portal_audit::crawl::frontier::normalize(&u);
        let _ = portal_audit::crawl::frontier::is_non_html(&n);
        let scope = portal_audit::model::scope::Scope::portal(&base, &[]);
        let _ = scope.contains(&n);
        let _ = portal_audit::model::scope::registrable_domain(n.host_str().unwrap_or_default());
        if portal_audit::net::check_target(&n, &[], false).is_ok() {
            assert!(matches!(n.scheme(), "http" | "https"));
        }
        let mut f = portal_audit::crawl::frontier::Frontier::new(3, 5);
        let _ = f.push(&n, 1, link);
    }
});

fn texting_robots_like(bytes: &[u8]) -> Result<(), ()> {
    portal_audit::net::robots::parse_for_fuzzing(bytes);
    Ok(())
}
