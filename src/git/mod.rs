//! The only module that speaks git2. It opens repositories, reads the history, tags
//! and files valuestory needs, and writes repositories for the demo and the tests,
//! turning every git2 object into the plain types of [`crate::history`] at the edge.

mod commit_cache;
mod commit_graph;
mod diff;
#[doc(hidden)]
pub mod fuzzing;
mod odb;
mod read;
mod replace;
mod revision;
mod tree;
mod write;
mod xdiff;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

pub use commit_cache::{COMMIT_CACHE_FILE, CommitCache};
pub use diff::{Differ, FileChange, count_lines, is_binary};
pub use odb::{Kind, ObjectStore, Objects, worker_cache_bytes};
pub use read::{Mailmap, WalkStats, parse_signature};
pub use replace::Replacements;
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
    #[error(
        "{}: this repository stores its objects with SHA-256, which valuestory cannot read yet; \
         build from a SHA-1 copy of it, made with `git init --object-format=sha1 COPY && \
         git -C {} fast-export --all --signed-tags=strip | git -C COPY fast-import` \
         (the same history and tags, under other commit ids)",
        path.display(), path.display()
    )]
    Sha256 { path: PathBuf },
    #[error(
        "{}: this repository stores its references in the reftable format, which valuestory \
         cannot read yet; build from a copy that stores them as files, made with \
         `git clone --mirror --ref-format=files {} COPY`",
        path.display(), path.display()
    )]
    Reftable { path: PathBuf },
    #[error(
        "{}: this repository needs the git extension `extensions.{name}`, which valuestory \
         cannot read yet; build from a clone of it, made with `git clone --mirror {} COPY`",
        path.display(), path.display()
    )]
    Extension { path: PathBuf, name: String },
    #[error(
        "{path}:{line}: valuestory reads grafts only as `<commit id> [<parent id>...]` lines, \
         one space apart, without comments or blank lines; turn the file into replace refs \
         with `git replace --convert-graft-file`"
    )]
    BadGraft { path: String, line: usize },
    #[error(
        "object {id} is replaced more than 5 times over (replace refs in a loop?); \
         list them with `git replace -l` and delete the wrong one with `git replace -d`"
    )]
    ReplaceLoop { id: String },
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
    /// Replace refs and grafts: libgit2 applies no replace refs (and grafts only
    /// where it follows parents itself), so the reads here apply both.
    replacements: Replacements,
}

impl Repository {
    /// Opens the repository at `dir` or around it (searching parent folders), as git
    /// itself does; `None` means the current folder.
    pub fn discover(dir: Option<&Path>) -> Result<Repository> {
        let start = dir.unwrap_or(Path::new("."));
        let inner = git2::Repository::open_ext(
            start,
            git2::RepositoryOpenFlags::empty(),
            std::iter::empty::<&OsStr>(),
        )
        .map_err(|e| match e.code() {
            git2::ErrorCode::NotFound => Error::NotARepository {
                path: start.to_path_buf(),
            },
            _ => unreadable(start).unwrap_or(Error::Git(e)),
        })?;
        let shown = inner
            .workdir()
            .unwrap_or_else(|| inner.path())
            .to_path_buf();
        let replacements = Replacements::load(&inner)?;
        Ok(Repository {
            inner,
            shown,
            replacements,
        })
    }

    /// A short hash of the replace refs and grafts in effect, `None` without any:
    /// results cached by commit id hold only for the history they were made from.
    pub fn replacements_fingerprint(&self) -> Option<&str> {
        self.replacements.fingerprint()
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

    /// The URL of the `origin` remote, as configured.
    pub fn origin_url(&self) -> Option<String> {
        self.inner
            .config()
            .ok()?
            .get_string("remote.origin.url")
            .ok()
    }

    /// The folder shared by all worktrees of the repository (the git dir itself
    /// unless this is a linked worktree).
    pub fn common_dir(&self) -> &Path {
        self.inner.commondir()
    }

    /// Whether the clone is shallow. git keeps the `shallow` file in the common
    /// folder, so a linked worktree of a shallow clone is shallow too; libgit2
    /// looks only in the worktree's own git folder.
    pub fn is_shallow(&self) -> bool {
        self.inner.is_shallow()
            || std::fs::metadata(self.inner.commondir().join("shallow")).is_ok_and(|m| m.len() > 0)
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
}

/// Why libgit2 cannot open the repository around `start`, when it is something
/// valuestory knows it cannot read, said plainly instead of in libgit2's words.
fn unreadable(start: &Path) -> Option<Error> {
    let git_dir = git2::Repository::discover_path(start, std::iter::empty::<&OsStr>()).ok()?;
    // A linked worktree's git folder names the common one, which holds the config.
    let common = match std::fs::read_to_string(git_dir.join("commondir")) {
        Ok(relative) => git_dir.join(relative.trim_end_matches(['\n', '\r'])),
        Err(_) => git_dir.clone(),
    };
    let grafts = replace::graft_file_in(&common);
    if let Ok(text) = std::fs::read(&grafts)
        && let Err(e) = replace::parse_grafts(&grafts, &String::from_utf8_lossy(&text))
    {
        return Some(e);
    }
    let config = git2::Config::open(&common.join("config")).ok()?;
    let path = match git_dir.file_name() {
        Some(name) if name == ".git" => git_dir.parent().unwrap_or(&git_dir).to_path_buf(),
        _ => start.to_path_buf(),
    };
    let setting = |key: &str| config.get_string(key).ok().map(|v| v.to_ascii_lowercase());
    if setting("extensions.objectformat").is_some_and(|f| f != "sha1") {
        return Some(Error::Sha256 { path });
    }
    if setting("extensions.refstorage").is_some_and(|f| f != "files") {
        return Some(Error::Reftable { path });
    }
    // Any other extension libgit2 does not know (it names only the first).
    const KNOWN: [&str; 5] = [
        "noop",
        "objectformat",
        "worktreeconfig",
        "preciousobjects",
        "relativeworktrees",
    ];
    let mut entries = config.entries(Some("^extensions\\.")).ok()?;
    while let Some(Ok(entry)) = entries.next() {
        let name = entry.name().ok()?.to_ascii_lowercase();
        let name = name.strip_prefix("extensions.")?;
        if !KNOWN.contains(&name) {
            return Some(Error::Extension {
                path,
                name: name.to_string(),
            });
        }
    }
    None
}

pub(crate) fn to_commit_id(oid: git2::Oid) -> CommitId {
    let mut id = [0u8; 20];
    id.copy_from_slice(&oid.as_bytes()[..20]);
    CommitId(id)
}

pub(crate) fn to_oid(id: CommitId) -> git2::Oid {
    git2::Oid::from_bytes(&id.0).expect("20 bytes make an object id")
}
