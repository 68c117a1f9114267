//! Times one page through decode → extract → detect (and hashing + compression), the
//! per-page CPU work of a crawl, on a simulated homepage, a simulated article and, if
//! given, a saved page. `cargo run --release --example pipeline [FILE]`.

use portal_audit::model::Sector;
use portal_audit::page::decode::decode;
use portal_audit::page::detect::{Detector, PageContext, RulesDetector};
use portal_audit::page::extract::extract;
use portal_audit::sim::server::Request;
use portal_audit::sim::world::{World, WorldSpec};
use sha2::Digest;
use std::sync::Arc;
use std::time::Instant;

fn time(label: &str, body: &[u8], url: &str, det: &RulesDetector) {
    let url = url::Url::parse(url).unwrap();
    let own = vec![portal_audit::model::scope::registrable_domain(
        url.host_str().unwrap(),
    )];
    // PIPELINE_ITERS=3 under `valgrind --tool=callgrind` counts instructions, which
    // unlike times do not vary between runs on a shared machine.
    let n: usize = std::env::var("PIPELINE_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let mut stages = [0f64; 4];
    let mut findings = 0;
    for _ in 0..n {
        let t = Instant::now();
        let d = decode(body, Some("text/html"));
        let t1 = t.elapsed().as_secs_f64();
        let facts = extract(&d.text, Some(&url));
        let t2 = t.elapsed().as_secs_f64();
        let ctx = PageContext {
            page_url: &url,
            sector: Sector::General,
            city_name: "",
            own_domains: &own,
        };
        findings = det.detect(&facts, &ctx).len();
        let t3 = t.elapsed().as_secs_f64();
        let _ = sha2::Sha256::digest(body);
        let _ = zstd::bulk::compress(body, 1).unwrap();
        let t4 = t.elapsed().as_secs_f64();
        stages[0] += t1;
        stages[1] += t2 - t1;
        stages[2] += t3 - t2;
        stages[3] += t4 - t3;
    }
    let ms = |x: f64| x * 1000.0 / n as f64;
    println!(
        "{label:<28} {:>7} bytes: decode {:.3} ms, extract {:.3} ms, detect {:.3} ms, sha256+zstd {:.3} ms, total {:.3} ms ({findings} findings)",
        body.len(),
        ms(stages[0]),
        ms(stages[1]),
        ms(stages[2]),
        ms(stages[3]),
        ms(stages.iter().sum())
    );
}

fn main() {
    let det = RulesDetector::builtin();
    let _ = det.version();
    let world = Arc::new(World::generate(WorldSpec {
        cities: 4,
        ..Default::default()
    }));
    let h = world.clone().handler();
    let host = world.sites[1].host.clone();
    for target in ["/", "/news/1.html"] {
        let r = h(&Request {
            method: "GET".into(),
            target: target.into(),
            host: host.clone(),
            headers: vec![],
        });
        time(
            &format!("simulated {target}"),
            &r.body,
            &format!("http://{host}{target}"),
            &det,
        );
    }
    if let Some(f) = std::env::args().nth(1) {
        let body = std::fs::read(&f).unwrap();
        let url = std::env::args()
            .nth(2)
            .unwrap_or_else(|| "http://www.example.gov.cn/".into());
        time(
            &f.rsplit('/')
                .next()
                .unwrap()
                .chars()
                .take(28)
                .collect::<String>(),
            &body,
            &url,
            &det,
        );
    }
}
