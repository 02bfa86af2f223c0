//! Writing repositories in-process with fixed signatures and dates, so that the demo
//! and the tests get the same commit ids on every run. Lower-level than porcelain on
//! purpose: it can write what real histories contain and porcelain refuses, such as
//! tags without a tagger and messages that are not UTF-8.

use std::path::Path;

use super::{Result, to_commit_id, to_oid};
use crate::history::{CommitId, GitTime};

/// Who wrote something, and when.
#[derive(Clone, Debug)]
pub struct Signature {
    pub name: String,
    pub email: String,
    pub time: GitTime,
}

impl Signature {
    pub fn new(name: &str, email: &str, time: GitTime) -> Signature {
        Signature {
            name: name.to_string(),
            email: email.to_string(),
            time,
        }
    }

    fn raw(&self) -> String {
        let sign = if self.time.offset_minutes < 0 {
            '-'
        } else {
            '+'
        };
        let off = self.time.offset_minutes.abs();
        format!(
            "{} <{}> {} {}{:02}{:02}",
            self.name,
            self.email,
            self.time.seconds,
            sign,
            off / 60,
            off % 60
        )
    }
}

/// A tree written to the repository.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TreeId(git2::Oid);

pub struct Writer {
    repo: git2::Repository,
    empty_tree: git2::Oid,
}

impl Writer {
    /// Creates a repository whose HEAD is the unborn `refs/heads/main`.
    pub fn init(path: &Path, bare: bool) -> Result<Writer> {
        let mut opts = git2::RepositoryInitOptions::new();
        opts.bare(bare).initial_head("main").mkpath(true);
        let repo = git2::Repository::init_opts(path, &opts)?;
        let empty_tree = repo.treebuilder(None)?.write()?;
        Ok(Writer { repo, empty_tree })
    }

    /// Opens an existing repository for writing.
    pub fn open(path: &Path) -> Result<Writer> {
        let repo = git2::Repository::open(path)?;
        let empty_tree = repo.treebuilder(None)?.write()?;
        Ok(Writer { repo, empty_tree })
    }

    pub fn empty_tree(&self) -> TreeId {
        TreeId(self.empty_tree)
    }

    /// `base` with each `(path, Some(bytes))` written and each `(path, None)` removed.
    pub fn tree(&self, base: Option<TreeId>, changes: &[(&str, Option<&[u8]>)]) -> Result<TreeId> {
        let base = self.repo.find_tree(base.map_or(self.empty_tree, |t| t.0))?;
        let mut update = git2::build::TreeUpdateBuilder::new();
        for (path, content) in changes {
            match content {
                Some(bytes) => {
                    let blob = self.repo.blob(bytes)?;
                    update.upsert(*path, blob, git2::FileMode::Blob);
                }
                None => {
                    update.remove(*path);
                }
            }
        }
        Ok(TreeId(update.create_updated(&self.repo, &base)?))
    }

    /// `base` with symbolic links added: `(path, target)`.
    pub fn tree_links(&self, base: Option<TreeId>, links: &[(&str, &str)]) -> Result<TreeId> {
        let base = self.repo.find_tree(base.map_or(self.empty_tree, |t| t.0))?;
        let mut update = git2::build::TreeUpdateBuilder::new();
        for (path, target) in links {
            let blob = self.repo.blob(target.as_bytes())?;
            update.upsert(*path, blob, git2::FileMode::Link);
        }
        Ok(TreeId(update.create_updated(&self.repo, &base)?))
    }

    /// A commit with a UTF-8 message; no reference moves.
    pub fn commit(
        &self,
        tree: TreeId,
        parents: &[CommitId],
        author: &Signature,
        committer: &Signature,
        message: &str,
    ) -> Result<CommitId> {
        self.commit_raw(tree, parents, author, committer, message.as_bytes(), None)
    }

    /// A commit written byte for byte, optionally declaring a message encoding.
    pub fn commit_raw(
        &self,
        tree: TreeId,
        parents: &[CommitId],
        author: &Signature,
        committer: &Signature,
        message: &[u8],
        encoding: Option<&str>,
    ) -> Result<CommitId> {
        let mut raw = format!("tree {}\n", tree.0);
        for p in parents {
            raw.push_str(&format!("parent {p}\n"));
        }
        raw.push_str(&format!(
            "author {}\ncommitter {}\n",
            author.raw(),
            committer.raw()
        ));
        if let Some(enc) = encoding {
            raw.push_str(&format!("encoding {enc}\n"));
        }
        raw.push('\n');
        let mut bytes = raw.into_bytes();
        bytes.extend_from_slice(message);
        let oid = self.repo.odb()?.write(git2::ObjectType::Commit, &bytes)?;
        Ok(to_commit_id(oid))
    }

    /// Points `refs/heads/<branch>` at `id`.
    pub fn set_branch(&self, branch: &str, id: CommitId) -> Result<()> {
        self.repo.reference(
            &format!("refs/heads/{branch}"),
            to_oid(id),
            true,
            "valuestory",
        )?;
        Ok(())
    }

    pub fn set_head_branch(&self, branch: &str) -> Result<()> {
        self.repo.set_head(&format!("refs/heads/{branch}"))?;
        Ok(())
    }

    pub fn detach_head(&self, id: CommitId) -> Result<()> {
        self.repo.set_head_detached(to_oid(id))?;
        Ok(())
    }

    pub fn tag_lightweight(&self, name: &str, id: CommitId) -> Result<()> {
        self.repo
            .reference(&format!("refs/tags/{name}"), to_oid(id), true, "valuestory")?;
        Ok(())
    }

    /// An annotated tag object on a commit; `tagger: None` writes the tagger-less
    /// kind that very old tools made.
    pub fn tag_annotated(
        &self,
        name: &str,
        id: CommitId,
        tagger: Option<&Signature>,
        message: &str,
    ) -> Result<()> {
        self.write_tag(name, to_oid(id), "commit", tagger, message)
    }

    /// An annotated tag object on the tag object `inner` names (a tag of a tag, as
    /// `git tag -a outer inner` writes).
    pub fn tag_of_tag(
        &self,
        name: &str,
        inner: &str,
        tagger: &Signature,
        message: &str,
    ) -> Result<()> {
        let target = self.repo.refname_to_id(&format!("refs/tags/{inner}"))?;
        self.write_tag(name, target, "tag", Some(tagger), message)
    }

    /// A lightweight tag on a new blob holding `content`.
    pub fn tag_blob(&self, name: &str, content: &[u8]) -> Result<()> {
        let blob = self.repo.blob(content)?;
        self.repo
            .reference(&format!("refs/tags/{name}"), blob, true, "valuestory")?;
        Ok(())
    }

    fn write_tag(
        &self,
        name: &str,
        target: git2::Oid,
        kind: &str,
        tagger: Option<&Signature>,
        message: &str,
    ) -> Result<()> {
        let mut raw = format!("object {target}\ntype {kind}\ntag {name}\n");
        if let Some(t) = tagger {
            raw.push_str(&format!("tagger {}\n", t.raw()));
        }
        raw.push('\n');
        raw.push_str(message);
        let oid = self
            .repo
            .odb()?
            .write(git2::ObjectType::Tag, raw.as_bytes())?;
        self.repo
            .reference(&format!("refs/tags/{name}"), oid, true, "valuestory")?;
        Ok(())
    }

    /// Writes the files of `tree` into the work tree and index, as a checkout would.
    pub fn checkout_head(&self) -> Result<()> {
        let mut opts = git2::build::CheckoutBuilder::new();
        opts.force();
        self.repo.checkout_head(Some(&mut opts))?;
        Ok(())
    }
}
