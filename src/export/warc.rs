//! The fetched pages of a run as a WARC/1.1 file (ISO 28500): a warcinfo record, then a
//! request and a response record per stored page, with block and payload digests. The
//! request record carries the User-Agent the run sent (from its recorded settings). A
//! file named `*.warc.gz` is written in the standard per-record gzip form: each record
//! its own gzip member, so tools can seek to any record.

use super::ExportError;
use rusqlite::{Connection, params};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::Path;

fn record_id(seed: &str) -> String {
    let h = Sha256::digest(seed.as_bytes());
    let x = hex::encode(&h[..16]);
    format!(
        "<urn:uuid:{}-{}-4{}-8{}-{}>",
        &x[0..8],
        &x[8..12],
        &x[13..16],
        &x[17..20],
        &x[20..32]
    )
}

/// Writes one record to `out`, as its own gzip member when `gzip`.
fn write_record(
    out: &mut impl Write,
    gzip: bool,
    headers: &[(&str, String)],
    block: &[u8],
) -> std::io::Result<()> {
    if !gzip {
        return write_plain_record(out, headers, block);
    }
    let mut member = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    write_plain_record(&mut member, headers, block)?;
    out.write_all(&member.finish()?)
}

/// The User-Agent run `run` sent: the one its recorded settings give.
fn run_user_agent(conn: &Connection, run: i64) -> rusqlite::Result<String> {
    let settings: Option<String> = conn
        .query_row("SELECT settings FROM runs WHERE id = ?1", [run], |r| {
            r.get(0)
        })
        .ok();
    Ok(settings
        .and_then(|s| serde_json::from_str::<crate::config::CrawlConfig>(&s).ok())
        .unwrap_or_default()
        .user_agent())
}

fn write_plain_record(
    out: &mut impl Write,
    headers: &[(&str, String)],
    block: &[u8],
) -> std::io::Result<()> {
    write!(out, "WARC/1.1\r\n")?;
    for (k, v) in headers {
        write!(out, "{k}: {v}\r\n")?;
    }
    write!(
        out,
        "WARC-Block-Digest: sha256:{}\r\n",
        hex::encode(Sha256::digest(block))
    )?;
    write!(out, "Content-Length: {}\r\n\r\n", block.len())?;
    out.write_all(block)?;
    out.write_all(b"\r\n\r\n")
}

/// Writes every page with a stored body in `runs` to `path`; returns the number of pages.
pub fn write(conn: &Connection, runs: &[i64], path: &Path) -> Result<usize, ExportError> {
    let gzip = path
        .file_name()
        .is_some_and(|n| n.to_string_lossy().to_ascii_lowercase().ends_with(".gz"));
    let mut staged = super::files::StagedFile::create(path)?;
    let out = staged.writer();
    let now = crate::store::runs::now();
    let info = format!(
        "software: portal-audit/{}\r\nformat: WARC File Format 1.1\r\nruns: {:?}\r\n",
        env!("CARGO_PKG_VERSION"),
        runs
    );
    write_record(
        out,
        gzip,
        &[
            ("WARC-Type", "warcinfo".into()),
            ("WARC-Record-ID", record_id(&format!("info {now}"))),
            ("WARC-Date", now.clone()),
            (
                "WARC-Filename",
                path.file_name()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            ),
            ("Content-Type", "application/warc-fields".into()),
        ],
        info.as_bytes(),
    )?;
    let mut n = 0;
    let mut st = conn.prepare(
        "SELECT f.id, f.final_url, f.status, f.headers, f.started_at, b.zstd FROM fetches f JOIN bodies b ON b.sha256 = f.body_sha256
         WHERE f.run_id = ?1 ORDER BY f.id",
    )?;
    for run in runs {
        let agent = run_user_agent(conn, *run)?;
        let mut rows = st.query(params![run])?;
        while let Some(r) = rows.next()? {
            let (id, url, status, headers, at, zstd): (
                i64,
                String,
                Option<u16>,
                String,
                String,
                Vec<u8>,
            ) = (
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            );
            let body = zstd::decode_all(&zstd[..])
                .map_err(|e| ExportError::Corrupt(format!("fetch {id}: {e}")))?;
            let headers: Vec<(String, String)> = serde_json::from_str(&headers).unwrap_or_default();
            let parsed = url::Url::parse(&url).ok();
            let host = parsed
                .as_ref()
                .and_then(|u| u.host_str())
                .unwrap_or_default()
                .to_string();
            let path_q = parsed.as_ref().map_or_else(
                || "/".to_string(),
                |u| match u.query() {
                    Some(q) => format!("{}?{q}", u.path()),
                    None => u.path().to_string(),
                },
            );
            let request =
                format!("GET {path_q} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: {agent}\r\n\r\n");
            let req_id = record_id(&format!("req {id} {url}"));
            write_record(
                out,
                gzip,
                &[
                    ("WARC-Type", "request".into()),
                    ("WARC-Record-ID", req_id.clone()),
                    ("WARC-Date", at.clone()),
                    ("WARC-Target-URI", url.clone()),
                    ("Content-Type", "application/http;msgtype=request".into()),
                ],
                request.as_bytes(),
            )?;
            // The body is stored decoded from any content encoding, so those headers go.
            let mut http = format!("HTTP/1.1 {} OK\r\n", status.unwrap_or(200)).into_bytes();
            for (k, v) in headers.iter().filter(|(k, _)| {
                !["content-encoding", "transfer-encoding", "content-length"]
                    .contains(&k.to_ascii_lowercase().as_str())
            }) {
                http.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
            }
            http.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
            http.extend_from_slice(&body);
            write_record(
                out,
                gzip,
                &[
                    ("WARC-Type", "response".into()),
                    ("WARC-Record-ID", record_id(&format!("resp {id} {url}"))),
                    ("WARC-Date", at),
                    ("WARC-Target-URI", url),
                    ("WARC-Concurrent-To", req_id),
                    (
                        "WARC-Payload-Digest",
                        format!("sha256:{}", hex::encode(Sha256::digest(&body))),
                    ),
                    ("Content-Type", "application/http;msgtype=response".into()),
                ],
                &http,
            )?;
            n += 1;
        }
    }
    staged.commit()?;
    Ok(n)
}
