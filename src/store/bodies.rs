//! Stored page bodies (content-addressed, zstd-compressed), read back as text the way a
//! crawl decoded them: for the evidence pack and for `redetect`.

use crate::page::decode::decode;
use rusqlite::{Connection, OptionalExtension};

/// Why a stored body could not be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum BodyError {
    #[error(transparent)]
    Sql(#[from] rusqlite::Error),
    #[error("stored body {sha} is corrupt: {source}")]
    Corrupt { sha: String, source: std::io::Error },
}

/// The decoded text of the body stored under `sha`, using the response's content type or,
/// failing that, the charset detected at fetch time; `None` when no such body is stored.
pub(crate) fn page_text(
    conn: &Connection,
    sha: &str,
    content_type: Option<&str>,
    charset: Option<&str>,
) -> Result<Option<String>, BodyError> {
    let Some(compressed): Option<Vec<u8>> = conn
        .query_row("SELECT zstd FROM bodies WHERE sha256 = ?1", [sha], |r| {
            r.get(0)
        })
        .optional()?
    else {
        return Ok(None);
    };
    let raw = zstd::decode_all(&compressed[..]).map_err(|source| BodyError::Corrupt {
        sha: sha.to_string(),
        source,
    })?;
    let declared = content_type
        .map(str::to_string)
        .or_else(|| charset.map(|c| format!("text/html; charset={c}")));
    Ok(Some(decode(&raw, declared.as_deref()).text.into_owned()))
}
