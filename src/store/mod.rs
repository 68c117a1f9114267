//! The audit database: SQLite (bundled), WAL, schema versioned by `PRAGMA user_version`.
//!
//! - [`schema`]: the tables and their migrations.
//! - `writer`: the single writer thread of a run; batched transactions; a crash at
//!   any instant leaves a consistent database (a city is marked done in the same or a
//!   later transaction than all of its pages).
//! - [`runs`]: run bookkeeping (create, resume, finish) and read queries.
//! - [`RunLock`]: an OS lock on the database file itself (so every path to it, through
//!   symlinks or hard links, meets the same lock) held by the one process writing a
//!   run: an overlapping scheduled run refuses at once while readers keep working.

pub(crate) mod bodies;
pub mod links;
pub mod runs;
pub mod schema;
pub(crate) mod writer;

use rusqlite::{Connection, OpenFlags};
use std::fs::File;
use std::path::{Path, PathBuf};

/// Why the database cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path} is not an SQLite database (or is corrupt); nothing was written to it")]
    NotADatabase { path: PathBuf },
    #[error(
        "{path} has schema version {found}, newer than this portal-audit knows ({known}); upgrade portal-audit; nothing was written"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("no audit database at {path}; run `portal-audit run` first")]
    Missing { path: PathBuf },
    #[error("cannot open {path}: {message}")]
    Open { path: PathBuf, message: String },
    #[error(
        "another portal-audit run is writing {path}; wait for it to finish, or use another --db"
    )]
    Busy { path: PathBuf },
    #[error("database {path}: {source}")]
    Sql {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("{0}")]
    Invalid(String),
}

/// Shorthand for results of store operations.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

fn sql_err(path: &Path) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
    move |source| {
        if let rusqlite::Error::SqliteFailure(e, _) = &source
            && e.code == rusqlite::ErrorCode::NotADatabase
        {
            return StoreError::NotADatabase {
                path: path.to_path_buf(),
            };
        }
        StoreError::Sql {
            path: path.to_path_buf(),
            source,
        }
    }
}

fn configure(conn: &Connection, path: &Path) -> Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(sql_err(path))?;
    // Reading the schema version is the first access: it fails on a file that is not SQLite.
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(sql_err(path))?;
    if version > schema::VERSION {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found: version,
            known: schema::VERSION,
        });
    }
    Ok(())
}

/// Whether `table` has a column `column` (a database of an older schema opened read-only
/// lacks the newer ones).
pub(crate) fn has_column(conn: &Connection, table: &str, column: &str) -> rusqlite::Result<bool> {
    let mut st = conn.prepare(&format!("PRAGMA table_info({table})"))?;
    let names = st.query_map([], |r| r.get::<_, String>(1))?;
    for n in names {
        if n? == column {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Page size of new databases, in bytes.
pub(crate) const PAGE_SIZE: i64 = 16 * 1024;

/// Opens an existing database to add to it (reviewers' decisions): a path with no
/// database is refused before anything is created, not answered with a new empty one.
pub fn open_existing_rw(path: &Path) -> Result<Connection> {
    if !path.is_file() {
        return Err(StoreError::Missing {
            path: path.to_path_buf(),
        });
    }
    open_rw(path)
}

/// Opens (creating if needed) the database for writing and migrates it.
pub fn open_rw(path: &Path) -> Result<Connection> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Open {
            path: path.to_path_buf(),
            message: format!("cannot create folder {}: {e}", dir.display()),
        })?;
    }
    let conn = Connection::open(path).map_err(|e| StoreError::Open {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    configure(&conn, path)?;
    // 16 KiB pages for a new database (an existing one keeps its own): a stored page
    // body spans one or two pages instead of four, so a run writes and re-reads far
    // fewer WAL frames (about 10 % less CPU on the polite benchmark).
    conn.pragma_update(None, "page_size", PAGE_SIZE)
        .map_err(sql_err(path))?;
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(sql_err(path))?;
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(sql_err(path))?;
    schema::migrate(&conn).map_err(sql_err(path))?;
    Ok(conn)
}

/// Opens an existing database for reading (works while a run is writing, thanks to WAL).
pub fn open_ro(path: &Path) -> Result<Connection> {
    if !path.exists() {
        return Err(StoreError::Missing {
            path: path.to_path_buf(),
        });
    }
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| StoreError::Open {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    configure(&conn, path)?;
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(sql_err(path))?;
    if version == 0 {
        return Err(StoreError::Missing {
            path: path.to_path_buf(),
        });
    }
    Ok(conn)
}

/// The exclusive right to write runs into one database, held for the life of a run.
///
/// The lock is an `flock` on the database file itself, so `--db a.db`, a symlink to it
/// and a hard link to it all meet the same lock (a lock file beside the path did not).
/// SQLite's own locks are POSIX record locks, which `flock` does not touch; but closing
/// any descriptor of a file drops every POSIX lock the process holds on it, so the
/// descriptor taken here is never closed: it is kept per file (device and inode) for
/// the life of the process and reused, and dropping the lock only unlocks it.
#[derive(Debug)]
pub struct RunLock {
    key: FileKey,
    pub path: PathBuf,
}

/// A file's identity: device and inode.
type FileKey = (u64, u64);

/// A database file this process has opened for locking, and whether it holds the lock.
struct LockSlot {
    file: File,
    held: bool,
}

/// Every database file this process has locked or probed, by identity.
static LOCKS: std::sync::LazyLock<std::sync::Mutex<std::collections::HashMap<FileKey, LockSlot>>> =
    std::sync::LazyLock::new(Default::default);

fn file_key(meta: &std::fs::Metadata) -> FileKey {
    use std::os::unix::fs::MetadataExt;
    (meta.dev(), meta.ino())
}

/// The slot of the database file at `db`, opening (and with `create`, creating) it the
/// first time this process sees that file; `None` when it does not exist.
fn with_slot<T>(
    db: &Path,
    create: bool,
    f: impl FnOnce(FileKey, &mut LockSlot) -> Result<T>,
) -> Result<Option<T>> {
    let open_err = |message: String| StoreError::Open {
        path: db.to_path_buf(),
        message,
    };
    if db.is_dir() {
        return Err(open_err(
            "it is a directory; --db names the database file (e.g. results/audit.db)".into(),
        ));
    }
    let mut map = LOCKS.lock().expect("not poisoned");
    // Known already (by its identity, without opening it again): reuse its descriptor.
    if let Ok(meta) = std::fs::metadata(db)
        && let Some(slot) = map.get_mut(&file_key(&meta))
    {
        return f(file_key(&meta), slot).map(Some);
    }
    if !create && !db.exists() {
        return Ok(None);
    }
    if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| open_err(format!("cannot create folder {}: {e}", dir.display())))?;
    }
    let file = File::options()
        .create(create)
        .truncate(false)
        .read(true)
        .write(true)
        .open(db)
        .map_err(|e| open_err(e.to_string()))?;
    let key = file_key(&file.metadata().map_err(|e| open_err(e.to_string()))?);
    let slot = map.entry(key).or_insert(LockSlot { file, held: false });
    f(key, slot).map(Some)
}

impl RunLock {
    /// Takes the lock at once, or fails with [`StoreError::Busy`]. Creates an empty
    /// database file when there is none (SQLite treats it as a new database).
    pub fn acquire(db: &Path) -> Result<RunLock> {
        let busy = || StoreError::Busy {
            path: db.to_path_buf(),
        };
        let key = with_slot(db, true, |key, slot| {
            if slot.held {
                return Err(busy());
            }
            match slot.file.try_lock() {
                Ok(()) => {
                    slot.held = true;
                    Ok(key)
                }
                Err(std::fs::TryLockError::WouldBlock) => Err(busy()),
                Err(std::fs::TryLockError::Error(e)) => Err(StoreError::Open {
                    path: db.to_path_buf(),
                    message: format!("cannot lock it: {e}"),
                }),
            }
        })?
        .expect("created when missing");
        Ok(RunLock {
            key,
            path: db.to_path_buf(),
        })
    }

    /// Whether some process (this one included) holds the lock now (a run is writing).
    pub fn is_held(db: &Path) -> bool {
        with_slot(db, false, |_, slot| {
            if slot.held {
                return Ok(true);
            }
            Ok(match slot.file.try_lock() {
                Ok(()) => {
                    let _ = slot.file.unlock();
                    false
                }
                Err(_) => true,
            })
        })
        .ok()
        .flatten()
        .unwrap_or(false)
    }
}

impl Drop for RunLock {
    fn drop(&mut self) {
        let mut map = LOCKS.lock().expect("not poisoned");
        if let Some(slot) = map.get_mut(&self.key) {
            let _ = slot.file.unlock();
            slot.held = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_databases_get_large_pages_and_old_ones_keep_theirs() {
        let dir = tempfile::tempdir().unwrap();
        let fresh = dir.path().join("fresh.db");
        let conn = open_rw(&fresh).unwrap();
        let size: i64 = conn
            .query_row("PRAGMA page_size", [], |r| r.get(0))
            .unwrap();
        assert_eq!(size, PAGE_SIZE);

        let old = dir.path().join("old.db");
        let c = Connection::open(&old).unwrap();
        c.execute_batch("PRAGMA page_size = 4096; CREATE TABLE t (x); PRAGMA journal_mode = WAL;")
            .unwrap();
        drop(c);
        let conn = open_rw(&old).unwrap();
        let size: i64 = conn
            .query_row("PRAGMA page_size", [], |r| r.get(0))
            .unwrap();
        assert_eq!(size, 4096);
        let tables: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE name = 'runs'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(tables, 1, "migrated all the same");
    }
}

#[cfg(test)]
mod regression {
    //! Issue 12.6: the one-writer lock was keyed on the path string.
    use super::*;

    #[test]
    fn the_run_lock_is_met_through_symlinks_and_hard_links() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("a.db");
        let held = RunLock::acquire(&db).unwrap();
        let sym = dir.path().join("sym.db");
        std::os::unix::fs::symlink(&db, &sym).unwrap();
        let hard = dir.path().join("hard.db");
        std::fs::hard_link(&db, &hard).unwrap();
        for other in [&db, &sym, &hard] {
            let e = RunLock::acquire(other).unwrap_err();
            assert!(matches!(e, StoreError::Busy { .. }), "{other:?}: {e}");
            assert!(RunLock::is_held(other));
        }
        drop(held);
        assert!(!RunLock::is_held(&hard));
        let again = RunLock::acquire(&hard).unwrap();
        assert!(RunLock::acquire(&sym).is_err());
        drop(again);
        assert!(
            !dir.path().join("a.db.lock").exists(),
            "no lock file beside the database"
        );
    }

    #[test]
    fn a_directory_as_database_is_refused_without_a_stray_file() {
        let dir = tempfile::tempdir().unwrap();
        let e = RunLock::acquire(dir.path()).unwrap_err().to_string();
        assert!(e.contains("is a directory"), "{e}");
        assert!(e.contains(&dir.path().display().to_string()), "{e}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
