//! The fetched pages of a run as a WARC/1.1 file (ISO 28500): a warcinfo record, then a
//! request and a response record per stored page, with block and payload digests.

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

fn write_record(
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
            let request = format!(
                "GET {path_q} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: portal-audit/{}\r\n\r\n",
                env!("CARGO_PKG_VERSION")
            );
            let req_id = record_id(&format!("req {id} {url}"));
            write_record(
                out,
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
