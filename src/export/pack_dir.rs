//! The evidence pack's folder: which folder may take a pack, and writing one so that it
//! replaces the previous pack whole or not at all.

use super::ExportError;
use super::files::{StagedDir, io};
use std::path::Path;

/// The file in a pack's folder that lists the files the pack wrote.
pub const MANIFEST: &str = "evidence-pack.txt";

/// Whether `name`, listed in an old pack's manifest, is a file a pack writes: never a
/// path outside the folder, whatever the manifest says.
fn pack_owns(name: &str) -> bool {
    name == "index.html"
        || name == "findings.csv"
        || (name.starts_with("city-") && name.ends_with(".html") && !name.contains('/'))
        || (name.starts_with("pages/")
            && name.ends_with(".html")
            && name[6..]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.'))
}

/// What an existing folder holds: the earlier pack's files (to be replaced) and
/// everything else (a person's files, kept). A folder that may not take a pack (not
/// empty, and no manifest saying an earlier pack is there) is refused by `old_folder`.
struct OldFolder {
    pack_files: usize,
    others: Vec<String>,
}

/// The entries of `dir` as relative names, the `pages` folder's one by one.
fn entries(dir: &Path) -> Result<Vec<String>, ExportError> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).map_err(|e| io(dir, e))? {
        let e = e.map_err(|e| io(dir, e))?;
        let name = e.file_name().to_string_lossy().into_owned();
        if name == "pages" && e.path().is_dir() {
            for p in std::fs::read_dir(e.path()).map_err(|err| io(&e.path(), err))? {
                let p = p.map_err(|err| io(&e.path(), err))?;
                out.push(format!("pages/{}", p.file_name().to_string_lossy()));
            }
        } else {
            out.push(name);
        }
    }
    Ok(out)
}

fn old_folder(dir: &Path) -> Result<OldFolder, ExportError> {
    if !dir.is_dir() {
        return Err(ExportError::Refused(format!(
            "{} exists and is not a folder; choose a folder with --out",
            dir.display()
        )));
    }
    let all = entries(dir)?;
    if all.is_empty() {
        return Ok(OldFolder {
            pack_files: 0,
            others: Vec::new(),
        });
    }
    let Ok(listed) = std::fs::read_to_string(dir.join(MANIFEST)) else {
        return Err(ExportError::Refused(format!(
            "{} is not empty and holds no evidence pack ({MANIFEST} is missing); choose an empty or new folder with --out",
            dir.display()
        )));
    };
    let listed: std::collections::HashSet<&str> = listed
        .lines()
        .map(str::trim)
        .filter(|l| pack_owns(l))
        .collect();
    let (pack, others): (Vec<String>, Vec<String>) = all
        .into_iter()
        .partition(|n| n == MANIFEST || listed.contains(n.as_str()));
    Ok(OldFolder {
        pack_files: pack.iter().filter(|n| *n != MANIFEST).count(),
        others,
    })
}

/// A pack being written: refuses a folder holding anything but an earlier pack, stages
/// every file, and on [`PackDir::finish`] writes the manifest and puts the pack in place
/// of the earlier one (whose other files are kept).
pub(super) struct PackDir {
    staged: StagedDir,
    others: Vec<String>,
    written: Vec<String>,
}

impl PackDir {
    /// Starts a pack for `dir`; returns it and how many files of an earlier pack it will
    /// replace.
    pub(super) fn open(dir: &Path) -> Result<(PackDir, usize), ExportError> {
        let old = if dir.exists() {
            old_folder(dir)?
        } else {
            OldFolder {
                pack_files: 0,
                others: Vec::new(),
            }
        };
        let staged = StagedDir::create(dir)?;
        Ok((
            PackDir {
                staged,
                others: old.others,
                written: Vec::new(),
            },
            old.pack_files,
        ))
    }

    /// Writes one file of the pack (a name the pack made).
    pub(super) fn write(&mut self, name: &str, bytes: &[u8]) -> Result<(), ExportError> {
        debug_assert!(pack_owns(name), "{name}");
        self.staged.write(name, bytes)?;
        self.written.push(name.to_string());
        Ok(())
    }

    /// Writes the manifest and puts the pack in place; returns the number of files
    /// written (the manifest included).
    pub(super) fn finish(self) -> Result<usize, ExportError> {
        let mut list = self.written.join("\n");
        list.push('\n');
        self.staged.write(MANIFEST, list.as_bytes())?;
        self.staged.install(&self.others)?;
        Ok(self.written.len() + 1)
    }
}
