//! Files at a revision, read from its tree as git shows it: a replaced commit, tree
//! or blob is read as its replacement (libgit2 reads the original), and a path is
//! followed whole, a link at any step included, as a checkout would. A link never
//! leads out of the tree.

use std::collections::VecDeque;

use super::{Error, Repository, Result, to_commit_id, to_oid};
use crate::history::CommitId;

/// How many links one path may pass through.
const MAX_LINKS: usize = 8;

/// The longest link target followed (Linux's `PATH_MAX`).
const MAX_LINK_BYTES: usize = 4096;

/// What a path names in a tree (replacements applied).
enum Found {
    Blob(git2::Oid),
    Tree(git2::Oid),
}

impl Repository {
    /// A file's bytes at a commit's tree, or `None` when the path is absent or not a
    /// file. A link that leads outside the repository is an error, and so is a file
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

    /// The object git reads for `id`.
    fn replaced(&self, id: git2::Oid) -> Result<git2::Oid> {
        Ok(to_oid(self.replacements.object(to_commit_id(id))?))
    }

    fn root_tree(&self, commit: CommitId) -> Result<git2::Tree<'_>> {
        let shown = self.replacements.object(commit)?;
        let tree = self.inner.find_commit(to_oid(shown))?.tree_id();
        Ok(self.inner.find_tree(self.replaced(tree)?)?)
    }

    /// What `path` names in a commit's tree, following links in any component.
    fn find_path(&self, commit: CommitId, path: &str) -> Result<Option<Found>> {
        let root = self.root_tree(commit)?;
        let outside = |target: &str| Error::LinkOutside {
            path: path.to_string(),
            target: target.to_string(),
        };
        // The folders walked so far, and the components still to walk.
        let mut folders: Vec<git2::Tree<'_>> = Vec::new();
        let mut pending: VecDeque<String> = path.split('/').map(str::to_string).collect();
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
            let here = folders.last().unwrap_or(&root);
            let Some((id, mode, kind)) = here
                .get_name(&part)
                .map(|e| (e.id(), e.filemode(), e.kind()))
            else {
                return Ok(None);
            };
            let id = self.replaced(id)?;
            if mode == i32::from(git2::FileMode::Link) {
                links += 1;
                if links > MAX_LINKS {
                    return Err(outside("a chain of more than 8 links"));
                }
                // A link names a path; a huge one would only cost memory.
                if self.inner.odb()?.read_header(id)?.0 > MAX_LINK_BYTES {
                    return Err(outside("a link target over 4 KiB"));
                }
                let target =
                    String::from_utf8_lossy(self.inner.find_blob(id)?.content()).into_owned();
                if target.starts_with('/') {
                    return Err(outside(&target));
                }
                for (i, t) in target.split('/').enumerate() {
                    pending.insert(i, t.to_string());
                }
                last_target = Some(target);
                continue;
            }
            let last = pending.iter().all(|p| p.is_empty() || p == ".");
            match kind {
                Some(git2::ObjectType::Tree) => folders.push(self.inner.find_tree(id)?),
                Some(git2::ObjectType::Blob) if last => return Ok(Some(Found::Blob(id))),
                _ => return Ok(None),
            }
        }
        Ok(Some(Found::Tree(
            folders.last().map_or(root.id(), |t| t.id()),
        )))
    }
}
