//! Putting exports on disk so that a failure (a full disk, an error halfway, a kill)
//! leaves what was there before and nothing else: a file is written beside its place and
//! renamed over it; a folder (the evidence pack) is written as a staging folder beside
//! it and moved into place only once whole.

use super::ExportError;
use std::io::Write;
use std::path::{Path, PathBuf};

/// An I/O error that names its path.
pub(super) fn io(path: &Path, e: std::io::Error) -> ExportError {
    ExportError::Path {
        path: path.to_path_buf(),
        source: e,
    }
}

/// A hidden sibling of `path` for work in progress: same folder (so a rename is atomic),
/// named after the process so that two exports never share one.
fn sibling(path: &Path, what: &str) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "export".into());
    path.with_file_name(format!(".{name}.{what}-{}", std::process::id()))
}

/// A file being written at a temporary path beside `path`; [`StagedFile::commit`] renames
/// it into place, and dropping it uncommitted removes it.
pub struct StagedFile {
    tmp: PathBuf,
    path: PathBuf,
    file: Option<std::io::BufWriter<std::fs::File>>,
}

impl StagedFile {
    /// Starts writing what will become `path`.
    pub fn create(path: &Path) -> Result<StagedFile, ExportError> {
        let tmp = sibling(path, "partial");
        let file = std::fs::File::create(&tmp).map_err(|e| io(&tmp, e))?;
        Ok(StagedFile {
            tmp,
            path: path.to_path_buf(),
            file: Some(std::io::BufWriter::new(file)),
        })
    }

    /// Where the bytes go meanwhile.
    pub fn writer(&mut self) -> &mut std::io::BufWriter<std::fs::File> {
        self.file.as_mut().expect("open until committed")
    }

    /// Flushes the file to disk and renames it into place.
    pub fn commit(mut self) -> Result<(), ExportError> {
        let mut w = self.file.take().expect("open until committed");
        w.flush().map_err(|e| io(&self.tmp, e))?;
        let f = w.into_inner().map_err(|e| io(&self.tmp, e.into_error()))?;
        f.sync_all().map_err(|e| io(&self.tmp, e))?;
        std::fs::rename(&self.tmp, &self.path).map_err(|e| io(&self.path, e))
    }
}

impl Drop for StagedFile {
    fn drop(&mut self) {
        if self.file.is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Writes `bytes` to `path` whole or not at all.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ExportError> {
    let mut f = StagedFile::create(path)?;
    let tmp = f.tmp.clone();
    f.writer().write_all(bytes).map_err(|e| io(&tmp, e))?;
    f.commit()
}

/// A folder being written at a staging path beside `dir`; [`StagedDir::install`] puts it
/// in `dir`'s place, and dropping it uninstalled removes it with everything in it.
pub struct StagedDir {
    staging: PathBuf,
    dir: PathBuf,
    installed: bool,
}

impl StagedDir {
    /// Starts a folder that will become `dir` (whose parent is created if need be).
    pub fn create(dir: &Path) -> Result<StagedDir, ExportError> {
        if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
        }
        let staging = sibling(dir, "staging");
        if staging.exists() {
            // Left by a process of the same id that was killed: ours to clear.
            std::fs::remove_dir_all(&staging).map_err(|e| io(&staging, e))?;
        }
        std::fs::create_dir(&staging).map_err(|e| io(&staging, e))?;
        Ok(StagedDir {
            staging,
            dir: dir.to_path_buf(),
            installed: false,
        })
    }

    /// Writes `name` (a relative path the caller made) into the staging folder, creating
    /// its subfolder.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<(), ExportError> {
        let path = self.staging.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
        }
        std::fs::write(&path, bytes).map_err(|e| io(&path, e))
    }

    /// Puts the finished folder in `dir`'s place. `keep` names the entries of the old
    /// folder that are not the old pack's (a person's files): they are moved into the new
    /// one. The old folder is moved aside first and removed last, so at every moment
    /// `dir` holds either the old folder or the new one.
    pub fn install(mut self, keep: &[String]) -> Result<(), ExportError> {
        if !self.dir.exists() {
            std::fs::rename(&self.staging, &self.dir).map_err(|e| io(&self.dir, e))?;
            self.installed = true;
            return Ok(());
        }
        let old = sibling(&self.dir, "old");
        std::fs::rename(&self.dir, &old).map_err(|e| io(&self.dir, e))?;
        if let Err(e) = std::fs::rename(&self.staging, &self.dir) {
            let _ = std::fs::rename(&old, &self.dir);
            return Err(io(&self.dir, e));
        }
        self.installed = true;
        for name in keep {
            let (from, to) = (old.join(name), self.dir.join(name));
            if let Some(parent) = to.parent() {
                std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
            }
            if !to.exists() {
                std::fs::rename(&from, &to).map_err(|e| io(&from, e))?;
            }
        }
        std::fs::remove_dir_all(&old).map_err(|e| io(&old, e))
    }
}

impl Drop for StagedDir {
    fn drop(&mut self) {
        if !self.installed {
            let _ = std::fs::remove_dir_all(&self.staging);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_uncommitted_file_leaves_the_old_one_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.csv");
        std::fs::write(&path, "old").unwrap();
        {
            let mut f = StagedFile::create(&path).unwrap();
            f.writer().write_all(b"half").unwrap();
        }
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        write_atomic(&path, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_folder_replaces_the_old_one_keeping_what_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let pack = dir.path().join("pack");
        std::fs::create_dir_all(pack.join("pages")).unwrap();
        std::fs::write(pack.join("old.html"), "old").unwrap();
        std::fs::write(pack.join("notes.txt"), "mine").unwrap();
        {
            let s = StagedDir::create(&pack).unwrap();
            s.write("pages/a.html", b"a").unwrap();
        } // dropped: nothing changes
        assert!(pack.join("old.html").exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        let s = StagedDir::create(&pack).unwrap();
        s.write("pages/a.html", b"a").unwrap();
        s.install(&["notes.txt".into()]).unwrap();
        assert!(pack.join("pages/a.html").exists());
        assert!(!pack.join("old.html").exists());
        assert_eq!(
            std::fs::read_to_string(pack.join("notes.txt")).unwrap(),
            "mine"
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
