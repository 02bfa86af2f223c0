//! Where the files a build reads come from: the git tree at the built revision (the
//! default, so a build never depends on uncommitted edits) or the working tree.
//!
//! Either way a path is resolved whole, every component, links included: a committed
//! link may lead to another place in the repository, but never out of it, and in a
//! working tree never into a git folder (`value/templates/404.html ->
//! ../../.git/config` would otherwise publish the credentials `actions/checkout`
//! keeps there).

use std::path::{Component, Path, PathBuf};

use crate::error::{Error, Result};
use crate::git::Repository;
use crate::history::CommitId;

pub enum Files<'r> {
    Tree {
        repo: &'r Repository,
        commit: CommitId,
    },
    Worktree(Worktree),
}

/// A working tree and the git folders inside or beside it that must never be read.
pub struct Worktree {
    /// Canonical.
    root: PathBuf,
    /// Canonical: the repository's git dir and, for a linked worktree, the common dir.
    git_dirs: Vec<PathBuf>,
}

impl Worktree {
    pub fn of(repo: &Repository) -> Result<Worktree> {
        let root = repo.workdir().ok_or_else(|| {
            Error::Refused(
                "--worktree needs a repository with a working tree; this one is bare".into(),
            )
        })?;
        let canonical =
            |p: &Path| std::fs::canonicalize(p).map_err(|e| Error::io("cannot read", p, e));
        Ok(Worktree {
            root: canonical(root)?,
            git_dirs: vec![canonical(repo.git_dir())?, canonical(repo.common_dir())?],
        })
    }

    /// A plain folder (a portfolio's, beside its `portfolio.yaml`), read as a working
    /// tree is: nothing outside it, nothing in a `.git` inside it.
    pub fn folder(root: &Path) -> Result<Worktree> {
        let root = std::fs::canonicalize(root).map_err(|e| Error::io("cannot read", root, e))?;
        Ok(Worktree {
            root,
            git_dirs: Vec::new(),
        })
    }

    /// The real path of `rel` (relative, `/`-separated), or `None` when nothing is
    /// there; an error when it resolves outside the working tree or into a git dir.
    fn resolve(&self, rel: &str) -> Result<Option<PathBuf>> {
        let full = self.root.join(rel);
        let real = match std::fs::canonicalize(&full) {
            Ok(real) => real,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io("cannot read", &full, e)),
        };
        let refused = |place: &str| Error::Path {
            path: rel.to_string(),
            message: format!("resolves to {}, {place}; refused", real.display()),
        };
        if !real.starts_with(&self.root) {
            return Err(refused("outside the repository"));
        }
        // Any `.git` on the way: the repository's, or a nested clone's.
        let in_git = real
            .strip_prefix(&self.root)
            .is_ok_and(|rest| rest.components().any(|c| c.as_os_str() == ".git"));
        if in_git || self.git_dirs.iter().any(|g| real.starts_with(g)) {
            return Err(refused("inside a git folder"));
        }
        Ok(Some(real))
    }
}

impl Files<'_> {
    /// The bytes of `path` (relative, `/`-separated), or `None` when absent. A file
    /// over `limit` bytes is refused before it is read.
    pub fn read(&self, path: &str, limit: u64) -> Result<Option<Vec<u8>>> {
        match self {
            Files::Tree { repo, commit } => Ok(repo.read_file(*commit, path, limit)?),
            Files::Worktree(tree) => {
                let Some(real) = tree.resolve(path)? else {
                    return Ok(None);
                };
                let meta =
                    std::fs::metadata(&real).map_err(|e| Error::io("cannot read", &real, e))?;
                if !meta.is_file() {
                    return Ok(None);
                }
                if meta.len() > limit {
                    return Err(Error::Git(crate::git::Error::TooLarge {
                        path: path.to_string(),
                        size: meta.len(),
                        limit,
                    }));
                }
                read_limited(&real, limit).map(Some)
            }
        }
    }

    /// The names of the files directly in `dir`, sorted; empty when it is absent. A
    /// linked folder is followed where it stays inside the repository.
    pub fn list(&self, dir: &str) -> Result<Vec<String>> {
        match self {
            Files::Tree { repo, commit } => Ok(repo.list_files(*commit, dir)?),
            Files::Worktree(tree) => {
                let Some(real) = tree.resolve(dir)? else {
                    return Ok(Vec::new());
                };
                if !real.is_dir() {
                    return Ok(Vec::new());
                }
                let entries =
                    std::fs::read_dir(&real).map_err(|e| Error::io("cannot read", &real, e))?;
                let mut names = Vec::new();
                for entry in entries {
                    let entry = entry.map_err(|e| Error::io("cannot read", &real, e))?;
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

/// Reads at most `limit` bytes (the file may grow between the size check and the
/// read), never blocking on anything but a regular file.
pub fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| Error::io("cannot read", path, e))?;
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io("cannot read", path, e))?;
    if bytes.len() as u64 > limit {
        return Err(Error::Refused(format!(
            "{}: grew over {limit} bytes while being read",
            path.display()
        )));
    }
    Ok(bytes)
}

/// Whether a path from a file the user wrote stays inside the repository.
pub fn is_inside(path: &str) -> bool {
    let p = Path::new(path);
    !p.is_absolute()
        && p.components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}
