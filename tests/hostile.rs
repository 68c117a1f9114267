//! Hostile and broken servers: every fault is recorded with a clear reason, nothing
//! panics or hangs, and the other cities complete.

mod common;

use common::*;
use portal_audit::sim::server::{BodyMode, Reply, Request};
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

fn compressed(kind: &str, size: usize) -> Vec<u8> {
    let zeros = vec![b' '; size];
    match kind {
        "gzip" => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            e.write_all(&zeros).unwrap();
            e.finish().unwrap()
        }
        "deflate" => {
            let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
            e.write_all(&zeros).unwrap();
            e.finish().unwrap()
        }
        _ => {
            let mut out = Vec::new();
            let mut w = brotli::CompressorWriter::new(&mut out, 4096, 9, 22);
            w.write_all(&zeros).unwrap();
            drop(w);
            out
        }
    }
}

fn handler() -> portal_audit::sim::server::Handler {
    let gzip = compressed("gzip", 8 << 20);
    let deflate = compressed("deflate", 8 << 20);
    let br = compressed("br", 8 << 20);
    let many_links: String = (0..100_000)
        .map(|i| format!("<a href=\"/p{i}.html\">p{i}</a>"))
        .collect();
    let deep = format!(
        "{}<a href=\"https://weibo.com/deep\">政务微博</a>{}",
        "<div>".repeat(100_000),
        "</div>".repeat(100_000)
    );
    let mut binary = Vec::with_capacity(300_000);
    let mut x: u32 = 7;
    for _ in 0..300_000 {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        binary.push((x >> 16) as u8);
    }
    Arc::new(move |req: &Request| {
        let host = req.host.as_str();
        let p = req.path();
        let page_ok = || {
            Reply::html(page(
                "正常",
                "<a href=\"https://weibo.com/ok\">政务微博</a>",
            ))
        };
        match host {
            "www.ok.gov.cn" => page_ok(),
            "www.drip.gov.cn" => {
                let mut r = Reply::html(page("慢", "<p>drip</p>"));
                r.mode = BodyMode::Drip(Duration::from_millis(500));
                r
            }
            "www.endless.gov.cn" => {
                let mut r = Reply::html(Vec::new());
                r.mode = BodyMode::Endless;
                r
            }
            "www.gzip.gov.cn" | "www.deflate.gov.cn" | "www.br.gov.cn" => {
                let (enc, body) = match host {
                    "www.gzip.gov.cn" => ("gzip", gzip.clone()),
                    "www.deflate.gov.cn" => ("deflate", deflate.clone()),
                    _ => ("br", br.clone()),
                };
                Reply::html(body).header("Content-Encoding", enc)
            }
            "www.loop.gov.cn" => match p {
                "/" => Reply::redirect(302, "/a"),
                "/a" => Reply::redirect(302, "/b"),
                _ => Reply::redirect(302, "/a"),
            },
            "www.chain.gov.cn" => {
                let n: usize = p.trim_start_matches("/r").parse().unwrap_or(0);
                Reply::redirect(302, &format!("/r{}", n + 1))
            }
            "www.links.gov.cn" if p == "/" => Reply::html(page("链接", &many_links)),
            "www.links.gov.cn" => page_ok(),
            "www.deep.gov.cn" => Reply::html(deep.clone()),
            "www.badutf8.gov.cn" => {
                let mut b =
                    page("坏", "<a href=\"https://weibo.com/bad\">政务微博</a>").into_bytes();
                b.extend_from_slice(b"\xff\xfe\xc3\x28 \xe2\x82");
                Reply::html(b)
            }
            "www.binary.gov.cn" => Reply::new(200, "text/html", binary.clone()),
            "www.reset.gov.cn" => {
                let mut r = Reply::html(page("断", &"<p>正文</p>".repeat(2000)));
                r.mode = BodyMode::ResetMidway;
                r
            }
            "www.bighead.gov.cn" => page_ok().header("X-Padding", &"a".repeat(100 * 1024)),
            _ => Reply::not_found(),
        }
    })
}

const HOSTS: &[&str] = &[
    "ok", "drip", "endless", "gzip", "deflate", "br", "loop", "chain", "links", "deep", "badutf8",
    "binary", "reset", "bighead",
];

#[tokio::test(flavor = "multi_thread")]
async fn every_fault_is_recorded_and_the_other_cities_complete() {
    let server = serve(handler()).await;
    let dir = tempfile::tempdir().unwrap();
    let rows: Vec<String> = HOSTS
        .iter()
        .enumerate()
        .map(|(i, h)| {
            format!(
                "{},{h}市,浙江省,prefecture,east,http://www.{h}.gov.cn/,,,,,",
                100 + i
            )
        })
        .collect();
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    let seeds = seeds(dir.path(), &rows);
    let mut cfg = config(&server);
    cfg.request_timeout_secs = 2.0;
    cfg.max_body_bytes = 1 << 20;
    cfg.max_retries = 1;
    cfg.max_pages = 20;
    cfg.ignore_robots = true;
    let db = db(dir.path());
    let t0 = std::time::Instant::now();
    let rep = audit(&db, &seeds, all(), cfg).await;
    assert!(
        t0.elapsed() < Duration::from_secs(60),
        "no hang: {:?}",
        t0.elapsed()
    );
    assert_eq!(rep.cities as usize, HOSTS.len(), "every city completes");
    let c = conn(&db);
    let start = |h: &str| -> (Option<String>, Option<String>, i64, bool) {
        c.query_row(
            "SELECT error_kind, error, bytes, truncated FROM fetches WHERE url = ?1",
            [format!("http://www.{h}.gov.cn/")],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap()
    };
    let outcome = |h: &str| -> String {
        c.query_row(
            "SELECT outcome FROM sites WHERE start_url = ?1",
            [format!("http://www.{h}.gov.cn/")],
            |r| r.get(0),
        )
        .unwrap()
    };
    // Dripping server: the whole-response timeout fires.
    let (kind, err, ..) = start("drip");
    assert_eq!(kind.as_deref(), Some("timeout"), "{err:?}");
    // Endless body and decompression bombs: cut at the body cap, recorded as truncated.
    for h in ["endless", "gzip", "deflate", "br"] {
        let (kind, err, bytes, truncated) = start(h);
        assert!(kind.is_none(), "{h}: {err:?}");
        assert_eq!((bytes, truncated), (1 << 20, true), "{h}");
    }
    let (kind, err, ..) = start("loop");
    assert_eq!(kind.as_deref(), Some("redirect-loop"), "{err:?}");
    let (kind, err, ..) = start("chain");
    assert_eq!(kind.as_deref(), Some("too-many-redirects"), "{err:?}");
    // 100,000 links: the budget holds.
    let pages: i64 = c
        .query_row(
            "SELECT pages FROM sites WHERE start_url = 'http://www.links.gov.cn/'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(pages, 20);
    // 100,000-deep nesting: parsed (cut at the nesting limit), no stack overflow.
    assert_eq!(outcome("deep"), "ok");
    // Invalid bytes under a UTF-8 header: decoded with replacements; the channel still found.
    assert_eq!(outcome("badutf8"), "ok");
    let found: i64 = c
        .query_row(
            "SELECT COUNT(*) FROM findings WHERE target = 'https://weibo.com/bad'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(found, 1);
    assert_eq!(
        outcome("binary"),
        "ok",
        "binary served as HTML is parsed as garbage, not a crash"
    );
    // A reset mid-body is a body error; on a starved machine the timeout may fire first.
    let (kind, err, ..) = start("reset");
    assert!(
        matches!(kind.as_deref(), Some("body" | "timeout")),
        "{kind:?} {err:?}"
    );
    // A 100 KB response header: accepted by hyper; the page is processed and what is
    // stored of the headers stays bounded (16 KB).
    assert_eq!(outcome("bighead"), "ok");
    let stored: i64 = c
        .query_row(
            "SELECT LENGTH(headers) FROM fetches WHERE url = 'http://www.bighead.gov.cn/'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(stored < 17 * 1024, "{stored} bytes of headers stored");
    assert_eq!(outcome("ok"), "ok");
    let status: String = c
        .query_row("SELECT status FROM runs", [], |r| r.get(0))
        .unwrap();
    assert_eq!(status, "completed");
}

fn tls_server_config(expired: bool) -> rustls::ServerConfig {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(vec!["www.tls.gov.cn".to_string()]).unwrap();
    if expired {
        params.not_before = rcgen::date_time_ymd(2000, 1, 1);
        params.not_after = rcgen::date_time_ymd(2001, 1, 1);
    }
    let cert = params.self_signed(&key).unwrap();
    rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .unwrap()
}

async fn tls_server(expired: bool) -> std::net::SocketAddr {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls_server_config(expired)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut buf = [0u8; 4096];
                let _ = tls.read(&mut buf).await;
                let body = page("安全", "<a href=\"https://weibo.com/tls\">政务微博</a>");
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = tls.write_all(head.as_bytes()).await;
                let _ = tls.write_all(body.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    addr
}

#[tokio::test(flavor = "multi_thread")]
async fn tls_errors_are_recorded_and_insecure_accepts_them() {
    for expired in [false, true] {
        let addr = tls_server(expired).await;
        let dir = tempfile::tempdir().unwrap();
        let seeds = seeds(
            dir.path(),
            &["1,甲市,浙江省,key,east,https://www.tls.gov.cn/,,,,,"],
        );
        let mut cfg = portal_audit::config::CrawlConfig {
            rate: 50.0,
            resolve: vec![format!("www.tls.gov.cn:443:{addr}")],
            max_retries: 0,
            ignore_robots: true,
            request_timeout_secs: 5.0,
            ..Default::default()
        };
        let db = db(dir.path());
        let rep = audit(&db, &seeds, all(), cfg.clone()).await;
        let s = sites(&db, rep.run_id, "1");
        assert_eq!(s[0].1, "tls-error", "expired={expired}: {s:?}");
        assert!(
            s[0].2
                .as_deref()
                .unwrap()
                .to_lowercase()
                .contains("certificate"),
            "{s:?}"
        );
        cfg.insecure = true;
        let rep = audit(&db, &seeds, all(), cfg).await;
        assert_eq!(sites(&db, rep.run_id, "1")[0].1, "ok");
        let insecure: bool = conn(&db)
            .query_row(
                "SELECT insecure FROM runs WHERE id = ?1",
                [rep.run_id],
                |r| r.get(0),
            )
            .unwrap();
        assert!(insecure, "the run records that --insecure was used");
    }
}
