//! Exports over the store: the adoption matrix and its formats, the survey's summary
//! tables and charts, the reviewers' evidence pack, and run diffs. Every number is
//! computed from findings in the store; nothing is entered by hand.

pub mod accounts;
pub mod changes;
pub mod evidence;
mod evidence_checks;
pub mod files;
pub mod formats;
pub(crate) mod inert;
mod inert_css;
pub mod inspection;
pub mod inspection_out;
pub mod links;
pub mod links_out;
pub mod matrix;
mod pack_dir;
pub mod summary;

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error("{path}: {source}")]
    Path {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Sql(#[from] rusqlite::Error),
    #[error("corrupt data in the store: {0}")]
    Corrupt(String),
    #[error("xlsx: {0}")]
    Xlsx(String),
}

impl From<crate::store::bodies::BodyError> for ExportError {
    fn from(e: crate::store::bodies::BodyError) -> Self {
        match e {
            crate::store::bodies::BodyError::Sql(e) => ExportError::Sql(e),
            other => ExportError::Corrupt(other.to_string()),
        }
    }
}
pub mod diff;
pub mod warc;
pub mod xlsx;
