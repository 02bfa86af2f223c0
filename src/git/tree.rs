//! Files at a revision, read from its tree as git shows it: a replaced commit,
//! tree or blob is read as its replacement (libgit2 reads the original).

use super::{Error, Repository, Result, to_commit_id, to_oid};
use crate::history::CommitId;

/// An entry found at a path: its object (replacement applied), mode and kind.
struct Found {
    id: git2::Oid,
    mode: i32,
    kind: Option<git2::ObjectType>,
}

impl Repository {
    /// A file's bytes at a commit's tree, or `None` when the path is absent or not a
    /// file. Symbolic links are followed inside the tree; one that leads outside the
    /// repository is an error.
    pub fn read_file(&self, commit: CommitId, path: &str) -> Result<Option<Vec<u8>>> {
        let root = self.root_tree(commit)?;
        let mut current = path.to_string();
        for _ in 0..8 {
            let Some(entry) = self.entry_at(&root, &current)? else {
                return Ok(None);
            };
            if entry.kind != Some(git2::ObjectType::Blob) {
                return Ok(None);
            }
            let blob = self.inner.find_blob(entry.id)?;
            if entry.mode != i32::from(git2::FileMode::Link) {
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
        let root = self.root_tree(commit)?;
        let sub = if dir.is_empty() {
            root
        } else {
            match self.entry_at(&root, dir)? {
                Some(entry) if entry.kind == Some(git2::ObjectType::Tree) => {
                    self.inner.find_tree(entry.id)?
                }
                _ => return Ok(Vec::new()),
            }
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

    /// The entry at `path` below `root`, as libgit2's `get_path` finds it (a
    /// trailing slash names a folder), reading each folder on the way as git shows it.
    fn entry_at(&self, root: &git2::Tree<'_>, path: &str) -> Result<Option<Found>> {
        let mut tree = root.clone();
        let mut rest = path;
        loop {
            let (name, tail) = match rest.split_once('/') {
                Some((name, tail)) => (name, Some(tail)),
                None => (rest, None),
            };
            if name.is_empty() {
                return Ok(None);
            }
            let found = match tree.get_name(name) {
                Some(entry) => Found {
                    id: self.replaced(entry.id())?,
                    mode: entry.filemode(),
                    kind: entry.kind(),
                },
                None => return Ok(None),
            };
            let is_tree = found.kind == Some(git2::ObjectType::Tree);
            match tail {
                None => return Ok(Some(found)),
                Some(_) if !is_tree => return Ok(None),
                Some("") => return Ok(Some(found)),
                Some(tail) => {
                    tree = self.inner.find_tree(found.id)?;
                    rest = tail;
                }
            }
        }
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
