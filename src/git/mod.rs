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
    #[error("{path}: is {size} bytes; files valuestory reads may be at most {limit} bytes")]
    TooLarge { path: String, size: u64, limit: u64 },
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

    /// The folder shared by all worktrees of the repository (the git dir itself
    /// unless this is a linked worktree).
    pub fn common_dir(&self) -> &Path {
        self.inner.commondir()
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
    /// file. Symbolic links are followed at every step of the path, as a checkout
    /// would; one that leads outside the repository is an error, and so is a file
    /// over `limit` bytes, refused before it is read.
    pub fn read_file(&self, commit: CommitId, path: &str, limit: u64) -> Result<Option<Vec<u8>>> {
        let Some(Found::Blob(id)) = self.find_path(commit, path)? else {
            return Ok(None);
        };
        let (size, _) = self.inner.odb()?.read_header(id)?;
        if size as u64 > limit {
            return Err(Error::TooLarge {
                path: path.to_string(),
                size: size as u64,
                limit,
            });
        }
        Ok(Some(self.inner.find_blob(id)?.content().to_vec()))
    }

    /// The names of the files (blobs and links) directly inside `dir` at a commit,
    /// sorted; empty when the folder does not exist. A linked folder is followed.
    pub fn list_files(&self, commit: CommitId, dir: &str) -> Result<Vec<String>> {
        let sub = match self.find_path(commit, dir)? {
            Some(Found::Tree(id)) => self.inner.find_tree(id)?,
            _ => return Ok(Vec::new()),
        };
        let mut names: Vec<String> = sub
            .iter()
            .filter(|e| e.kind() == Some(git2::ObjectType::Blob))
            .map(|e| String::from_utf8_lossy(e.name_bytes()).into_owned())
            .collect();
        names.sort();
        Ok(names)
    }

    /// What `path` names in a commit's tree, following links in any component.
    fn find_path(&self, commit: CommitId, path: &str) -> Result<Option<Found>> {
        let root = self.inner.find_commit(to_oid(commit))?.tree()?;
        let outside = |target: &str| Error::LinkOutside {
            path: path.to_string(),
            target: target.to_string(),
        };
        // The folders resolved so far, and the components still to walk.
        let mut folders: Vec<(String, git2::Tree<'_>)> = Vec::new();
        let mut pending: std::collections::VecDeque<String> =
            path.split('/').map(str::to_string).collect();
        let mut links = 0;
        let mut last_target: Option<String> = None;
        while let Some(part) = pending.pop_front() {
            match part.as_str() {
                "" | "." => continue,
                ".." => {
                    if folders.pop().is_none() {
                        return Err(outside(last_target.as_deref().unwrap_or(path)));
                    }
                    continue;
                }
                _ => {}
            }
            let here = folders.last().map_or(&root, |(_, t)| t);
            let Some(entry) = here.get_name(&part).map(|e| e.to_owned()) else {
                return Ok(None);
            };
            if entry.filemode() == i32::from(git2::FileMode::Link) {
                links += 1;
                let blob = self.inner.find_blob(entry.id())?;
                let target = String::from_utf8_lossy(blob.content()).into_owned();
                if links > MAX_LINKS {
                    return Err(outside("a chain of more than 8 links"));
                }
                if target.starts_with('/') {
                    return Err(outside(&target));
                }
                for (i, t) in target.split('/').enumerate() {
                    pending.insert(i, t.to_string());
                }
                last_target = Some(target);
                continue;
            }
            match entry.kind() {
                Some(git2::ObjectType::Tree) => {
                    let tree = self.inner.find_tree(entry.id())?;
                    folders.push((part, tree));
                }
                Some(git2::ObjectType::Blob)
                    if pending.iter().all(|p| p.is_empty() || p == ".") =>
                {
                    return Ok(Some(Found::Blob(entry.id())));
                }
                _ => return Ok(None),
            }
        }
        Ok(Some(Found::Tree(
            folders.last().map_or(root.id(), |(_, t)| t.id()),
        )))
    }
}

/// How many links one path may pass through, as for the kernel's 40 (git's own limit
/// for links in a tree is lower).
const MAX_LINKS: usize = 8;

/// What a path names in a tree.
enum Found {
    Blob(git2::Oid),
    Tree(git2::Oid),
}

pub(crate) fn to_commit_id(oid: git2::Oid) -> CommitId {
    let mut id = [0u8; 20];
    id.copy_from_slice(&oid.as_bytes()[..20]);
    CommitId(id)
}

pub(crate) fn to_oid(id: CommitId) -> git2::Oid {
    git2::Oid::from_bytes(&id.0).expect("20 bytes make an object id")
}
