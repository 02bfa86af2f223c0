//! Where the files a build reads come from: the git tree at the built revision (the
//! default, so a build never depends on uncommitted edits) or the working tree.

use std::path::{Component, Path, PathBuf};

use crate::error::{Error, Result};
use crate::git::Repository;
use crate::history::CommitId;

pub enum Files<'r> {
    Tree {
        repo: &'r Repository,
        commit: CommitId,
    },
    Worktree {
        root: PathBuf,
    },
}

impl Files<'_> {
    /// The bytes of `path` (relative, `/`-separated), or `None` when absent.
    pub fn read(&self, path: &str) -> Result<Option<Vec<u8>>> {
        match self {
            Files::Tree { repo, commit } => Ok(repo.read_file(*commit, path)?),
            Files::Worktree { root } => {
                let full = root.join(path);
                let meta = match std::fs::symlink_metadata(&full) {
                    Ok(m) => m,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                    Err(e) => return Err(Error::io("cannot read", &full, e)),
                };
                if meta.file_type().is_symlink() {
                    let real = std::fs::canonicalize(&full)
                        .map_err(|e| Error::io("cannot follow the link", &full, e))?;
                    let root = std::fs::canonicalize(root)
                        .map_err(|e| Error::io("cannot read", root, e))?;
                    if !real.starts_with(&root) {
                        return Err(Error::Refused(format!(
                            "{path}: is a symbolic link leading outside the repository; refused"
                        )));
                    }
                }
                if !full.is_file() {
                    return Ok(None);
                }
                std::fs::read(&full)
                    .map(Some)
                    .map_err(|e| Error::io("cannot read", &full, e))
            }
        }
    }
}

impl Files<'_> {
    /// The names of the files directly in `dir`, sorted; empty when it is absent.
    pub fn list(&self, dir: &str) -> Result<Vec<String>> {
        match self {
            Files::Tree { repo, commit } => Ok(repo.list_files(*commit, dir)?),
            Files::Worktree { root } => {
                let full = root.join(dir);
                let entries = match std::fs::read_dir(&full) {
                    Ok(entries) => entries,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
                    Err(e) => return Err(Error::io("cannot read", &full, e)),
                };
                let mut names = Vec::new();
                for entry in entries {
                    let entry = entry.map_err(|e| Error::io("cannot read", &full, e))?;
                    let kind = entry
                        .file_type()
                        .map_err(|e| Error::io("cannot read", entry.path(), e))?;
                    if kind.is_file() || kind.is_symlink() {
                        names.push(entry.file_name().to_string_lossy().into_owned());
                    }
                }
                names.sort();
                Ok(names)
            }
        }
    }
}

/// Whether a path from a file the user wrote stays inside the repository.
pub fn is_inside(path: &str) -> bool {
    let p = Path::new(path);
    !p.is_absolute()
        && p.components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}
