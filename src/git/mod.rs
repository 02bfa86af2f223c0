//! The only module that speaks git2. It opens repositories, reads the history, tags
//! and files valuestory needs, and writes repositories for the demo and the tests,
//! turning every git2 object into the plain types of [`crate::history`] at the edge.

mod commit_cache;
mod diff;
#[doc(hidden)]
pub mod fuzzing;
mod odb;
mod read;
mod write;

use std::path::{Path, PathBuf};

pub use commit_cache::{COMMIT_CACHE_FILE, CommitCache};
pub use diff::{Differ, FileChange, count_lines, is_binary};
pub use odb::{Kind, ObjectStore, Objects};
pub use read::{Mailmap, parse_signature};
pub use write::{Signature, TreeId, Writer};

use crate::history::CommitId;

/// What can go wrong talking to a repository, said so that the user can act on it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}: not a git repository (nor is any parent folder)", path.display())]
    NotARepository { path: PathBuf },
    #[error("{}: the repository has no commits yet; commit something, then build again", path.display())]
    Empty { path: PathBuf },
    #[error(
        "{}: this is a shallow clone, so its history is cut off and every number would be wrong; \
         fetch the full history with `git fetch --unshallow` (in GitHub Actions, give \
         actions/checkout `fetch-depth: 0`)",
        path.display()
    )]
    Shallow { path: PathBuf },
    #[error("revision `{rev}` not found: {message}")]
    RevisionNotFound { rev: String, message: String },
    #[error("object {id} is missing from the repository (is it a partial or corrupt clone?)")]
    MissingObject { id: String },
    #[error("object {id} is not a readable commit: {message}")]
    BadCommit { id: String, message: String },
    #[error("{path}: is a symbolic link to {target}, outside the repository; refused")]
    LinkOutside { path: String, target: String },
    #[error("{path}: damaged: {message}")]
    Damaged { path: String, message: String },
    #[error("git: {0}")]
    Git(#[from] git2::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An open repository, bare or not.
pub struct Repository {
    inner: git2::Repository,
    /// The folder the user named, for messages.
    shown: PathBuf,
}

impl Repository {
    /// Opens the repository at `dir` or around it (searching parent folders), as git
    /// itself does; `None` means the current folder.
    pub fn discover(dir: Option<&Path>) -> Result<Repository> {
        let start = dir.unwrap_or(Path::new("."));
        let inner = git2::Repository::open_ext(
            start,
            git2::RepositoryOpenFlags::empty(),
            std::iter::empty::<&std::ffi::OsStr>(),
        )
        .map_err(|e| match e.code() {
            git2::ErrorCode::NotFound => Error::NotARepository {
                path: start.to_path_buf(),
            },
            _ => Error::Git(e),
        })?;
        let shown = inner
            .workdir()
            .unwrap_or_else(|| inner.path())
            .to_path_buf();
        Ok(Repository { inner, shown })
    }

    /// The folder to name in messages: the work tree, or the git folder when bare.
    pub fn shown_path(&self) -> &Path {
        &self.shown
    }

    pub fn workdir(&self) -> Option<&Path> {
        self.inner.workdir()
    }

    pub fn git_dir(&self) -> &Path {
        self.inner.path()
    }

    pub fn is_shallow(&self) -> bool {
        self.inner.is_shallow()
    }

    /// Fails with the advice to fetch full history when the clone is shallow.
    pub fn require_full_history(&self) -> Result<()> {
        if self.is_shallow() {
            return Err(Error::Shallow {
                path: self.shown.clone(),
            });
        }
        Ok(())
    }

    /// The commit a revision (`HEAD`, a branch, a tag, an id, `main~3`) peels to.
    pub fn resolve(&self, rev: &str) -> Result<CommitId> {
        if rev == "HEAD" || rev.is_empty() {
            match self.inner.head() {
                Ok(_) => {}
                Err(e) if e.code() == git2::ErrorCode::UnbornBranch => {
                    return Err(Error::Empty {
                        path: self.shown.clone(),
                    });
                }
                Err(e) if e.code() == git2::ErrorCode::NotFound => {
                    return Err(Error::Empty {
                        path: self.shown.clone(),
                    });
                }
                Err(e) => return Err(e.into()),
            }
        }
        let object = self
            .inner
            .revparse_single(rev)
            .map_err(|e| Error::RevisionNotFound {
                rev: rev.to_string(),
                message: e.message().to_string(),
            })?;
        let commit = object
            .peel_to_commit()
            .map_err(|e| Error::RevisionNotFound {
                rev: rev.to_string(),
                message: e.message().to_string(),
            })?;
        Ok(to_commit_id(commit.id()))
    }

    /// A file's bytes at a commit's tree, or `None` when the path is absent or not a
    /// file. Symbolic links are followed inside the tree; one that leads outside the
    /// repository is an error.
    pub fn read_file(&self, commit: CommitId, path: &str) -> Result<Option<Vec<u8>>> {
        let tree = self.inner.find_commit(to_oid(commit))?.tree()?;
        let mut current = path.to_string();
        for _ in 0..8 {
            let entry = match tree.get_path(Path::new(&current)) {
                Ok(entry) => entry,
                Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(None),
                Err(e) => return Err(e.into()),
            };
            if entry.kind() != Some(git2::ObjectType::Blob) {
                return Ok(None);
            }
            let blob = self.inner.find_blob(entry.id())?;
            if entry.filemode() != i32::from(git2::FileMode::Link) {
                return Ok(Some(blob.content().to_vec()));
            }
            let target = String::from_utf8_lossy(blob.content()).into_owned();
            current = resolve_link(&current, &target).ok_or_else(|| Error::LinkOutside {
                path: path.to_string(),
                target: target.clone(),
            })?;
        }
        Err(Error::LinkOutside {
            path: path.to_string(),
            target: "a chain of more than 8 links".into(),
        })
    }

    /// The names of the files (blobs and links) directly inside `dir` at a commit,
    /// sorted; empty when the folder does not exist.
    pub fn list_files(&self, commit: CommitId, dir: &str) -> Result<Vec<String>> {
        let tree = self.inner.find_commit(to_oid(commit))?.tree()?;
        let sub = match tree.get_path(Path::new(dir)) {
            _ if dir.is_empty() => tree,
            Ok(entry) if entry.kind() == Some(git2::ObjectType::Tree) => {
                self.inner.find_tree(entry.id())?
            }
            Ok(_) => return Ok(Vec::new()),
            Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e.into()),
        };
        let mut names: Vec<String> = sub
            .iter()
            .filter(|e| e.kind() == Some(git2::ObjectType::Blob))
            .map(|e| String::from_utf8_lossy(e.name_bytes()).into_owned())
            .collect();
        names.sort();
        Ok(names)
    }
}

/// Where a link at `link` pointing to `target` leads, relative to the repository
/// root; `None` when it leaves the repository.
fn resolve_link(link: &str, target: &str) -> Option<String> {
    if target.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = link.split('/').collect();
    parts.pop();
    for part in target.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

pub(crate) fn to_commit_id(oid: git2::Oid) -> CommitId {
    let mut id = [0u8; 20];
    id.copy_from_slice(&oid.as_bytes()[..20]);
    CommitId(id)
}

pub(crate) fn to_oid(id: CommitId) -> git2::Oid {
    git2::Oid::from_bytes(&id.0).expect("20 bytes make an object id")
}
