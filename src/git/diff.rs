//! Which files each commit changed, and how many lines, against its first parent:
//! what `git log --numstat -M` prints. The tree walk skips subtrees whose ids are
//! equal, so the cost follows the size of the change, not of the repository; only
//! changed blobs are read, and line counts come from libgit2's xdiff, the same
//! diff code git uses.

use std::path::Path;

use super::{Result, to_oid};
use crate::history::CommitId;

/// One file a commit changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileChange {
    pub path: String,
    /// The path before a rename.
    pub old_path: Option<String>,
    pub added: u32,
    pub removed: u32,
    /// Counts are 0 for binary files; git prints `-` for them.
    pub binary: bool,
}

/// A repository opened for diffing, one per worker thread.
pub struct Differ {
    repo: git2::Repository,
}

const GITLINK: i32 = 0o160000;
const TREE: i32 = 0o040000;

/// One side of a changed path: blob (or gitlink) id and mode.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Side {
    id: git2::Oid,
    mode: i32,
}

struct Delta {
    path: String,
    old: Option<Side>,
    new: Option<Side>,
}

impl Differ {
    pub fn open(git_dir: &Path) -> Result<Differ> {
        Ok(Differ {
            repo: git2::Repository::open(git_dir)?,
        })
    }

    /// The changes between two root trees (`old` is `None` for a root commit):
    /// a commit against its first parent.
    pub fn changes(&self, old: Option<CommitId>, new: CommitId) -> Result<Vec<FileChange>> {
        let mut deltas = Vec::new();
        let old = old.map(to_oid);
        self.walk(old, Some(to_oid(new)), "", &mut deltas)?;
        self.count(deltas)
    }

    /// The changes of `commit` against its first parent, reading the commits.
    pub fn changes_of_commit(&self, commit: CommitId) -> Result<Vec<FileChange>> {
        let c = self.repo.find_commit(to_oid(commit))?;
        let old = match c.parent_ids().next() {
            Some(p) => Some(super::to_commit_id(self.repo.find_commit(p)?.tree_id())),
            None => None,
        };
        self.changes(old, super::to_commit_id(c.tree_id()))
    }

    fn walk(
        &self,
        old: Option<git2::Oid>,
        new: Option<git2::Oid>,
        prefix: &str,
        out: &mut Vec<Delta>,
    ) -> Result<()> {
        if old == new {
            return Ok(());
        }
        let a = match old {
            Some(id) => Some(self.repo.find_tree(id)?),
            None => None,
        };
        let b = match new {
            Some(id) => Some(self.repo.find_tree(id)?),
            None => None,
        };
        let (a_len, b_len) = (
            a.as_ref().map_or(0, |t| t.len()),
            b.as_ref().map_or(0, |t| t.len()),
        );
        let entry = |t: &Option<git2::Tree<'_>>, i: usize| -> Option<(Vec<u8>, Side)> {
            let e = t.as_ref()?.get(i)?;
            Some((
                e.name_bytes().to_vec(),
                Side {
                    id: e.id(),
                    mode: e.filemode_raw(),
                },
            ))
        };
        let side = |t: &Option<git2::Tree<'_>>, i: usize| -> Option<(Side, usize)> {
            let e = t.as_ref()?.get(i)?;
            Some((
                Side {
                    id: e.id(),
                    mode: e.filemode_raw(),
                },
                i,
            ))
        };
        let name_of = |t: &Option<git2::Tree<'_>>, i: usize, f: &mut dyn FnMut(&[u8])| {
            if let Some(e) = t.as_ref().and_then(|t| t.get(i)) {
                f(e.name_bytes());
            }
        };
        let (mut i, mut j) = (0, 0);
        while i < a_len || j < b_len {
            let order = match (side(&a, i), side(&b, j)) {
                (Some((x, _)), Some((y, _))) => {
                    let mut ord = std::cmp::Ordering::Equal;
                    name_of(&a, i, &mut |an| {
                        name_of(&b, j, &mut |bn| {
                            ord = compare_entries(an, x.mode, bn, y.mode)
                        });
                    });
                    ord
                }
                (Some(_), None) => std::cmp::Ordering::Less,
                _ => std::cmp::Ordering::Greater,
            };
            let (old_side, new_side, from_a) = match order {
                std::cmp::Ordering::Less => {
                    i += 1;
                    (side(&a, i - 1).map(|s| s.0), None, true)
                }
                std::cmp::Ordering::Greater => {
                    j += 1;
                    (None, side(&b, j - 1).map(|s| s.0), false)
                }
                std::cmp::Ordering::Equal => {
                    i += 1;
                    j += 1;
                    (
                        side(&a, i - 1).map(|s| s.0),
                        side(&b, j - 1).map(|s| s.0),
                        true,
                    )
                }
            };
            if old_side == new_side {
                continue;
            }
            let name = if from_a {
                entry(&a, i - 1)
            } else {
                entry(&b, j - 1)
            };
            let Some((name, _)) = name else { continue };
            let path = format!("{prefix}{}", String::from_utf8_lossy(&name));
            let is_tree = |s: Option<Side>| s.is_some_and(|s| s.mode == TREE);
            if is_tree(old_side) || is_tree(new_side) {
                let old_tree = old_side.filter(|s| s.mode == TREE).map(|s| s.id);
                let new_tree = new_side.filter(|s| s.mode == TREE).map(|s| s.id);
                self.walk(old_tree, new_tree, &format!("{path}/"), out)?;
            }
            let old_file = old_side.filter(|s| s.mode != TREE);
            let new_file = new_side.filter(|s| s.mode != TREE);
            if old_file.is_some() || new_file.is_some() {
                out.push(Delta {
                    path,
                    old: old_file,
                    new: new_file,
                });
            }
        }
        Ok(())
    }

    fn content(&self, side: Side) -> Result<Vec<u8>> {
        if side.mode == GITLINK {
            return Ok(format!("Subproject commit {}\n", side.id).into_bytes());
        }
        Ok(self.repo.find_blob(side.id)?.content().to_vec())
    }

    /// Calls `f` with the contents of `side` without copying a blob.
    fn with_content<T>(&self, side: Side, f: impl FnOnce(&[u8]) -> Result<T>) -> Result<T> {
        if side.mode == GITLINK {
            return f(format!("Subproject commit {}\n", side.id).as_bytes());
        }
        let blob = self.repo.find_blob(side.id)?;
        f(blob.content())
    }

    /// Pairs renames, then counts lines for every change.
    fn count(&self, deltas: Vec<Delta>) -> Result<Vec<FileChange>> {
        let mut modified: Vec<(String, Option<String>, Side, Side)> = Vec::new();
        let mut added: Vec<(String, Side)> = Vec::new();
        let mut deleted: Vec<(String, Side)> = Vec::new();
        for d in deltas {
            match (d.old, d.new) {
                (Some(o), Some(n)) => modified.push((d.path, None, o, n)),
                (None, Some(n)) => added.push((d.path, n)),
                (Some(o), None) => deleted.push((d.path, o)),
                (None, None) => {}
            }
        }
        if !added.is_empty() && !deleted.is_empty() {
            self.find_renames(&mut added, &mut deleted, &mut modified)?;
        }
        let mut out = Vec::with_capacity(modified.len() + added.len() + deleted.len());
        for (path, old_path, o, n) in modified {
            let (added, removed, binary) = if o.id == n.id {
                (0, 0, self.with_content(o, |a| Ok(is_binary(a)))?)
            } else {
                self.with_content(o, |a| self.with_content(n, |b| line_counts(a, b)))?
            };
            out.push(FileChange {
                path,
                old_path,
                added,
                removed,
                binary,
            });
        }
        for (path, n) in added {
            let (binary, lines) = self.with_content(n, |b| Ok((is_binary(b), count_lines(b))))?;
            out.push(FileChange {
                path,
                old_path: None,
                added: if binary { 0 } else { lines },
                removed: 0,
                binary,
            });
        }
        for (path, o) in deleted {
            let (binary, lines) = self.with_content(o, |a| Ok((is_binary(a), count_lines(a))))?;
            out.push(FileChange {
                path,
                old_path: None,
                added: 0,
                removed: if binary { 0 } else { lines },
                binary,
            });
        }
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }

    /// git's rename detection: exact renames (same blob) first, then pairs whose
    /// contents are at least 50% similar, best pairs first.
    fn find_renames(
        &self,
        added: &mut Vec<(String, Side)>,
        deleted: &mut Vec<(String, Side)>,
        modified: &mut Vec<(String, Option<String>, Side, Side)>,
    ) -> Result<()> {
        // Exact renames: the same blob deleted in one place and added in another.
        let mut by_blob: std::collections::HashMap<git2::Oid, Vec<usize>> =
            std::collections::HashMap::new();
        for (i, (_, o)) in deleted.iter().enumerate().rev() {
            by_blob.entry(o.id).or_default().push(i);
        }
        let mut taken = vec![false; deleted.len()];
        let mut still_added = Vec::new();
        for (path, n) in std::mem::take(added) {
            match by_blob.get_mut(&n.id).and_then(|list| list.pop()) {
                Some(i) => {
                    taken[i] = true;
                    let (old_path, o) = deleted[i].clone();
                    modified.push((path, Some(old_path), o, n));
                }
                None => still_added.push((path, n)),
            }
        }
        *added = still_added;
        let mut i = 0;
        deleted.retain(|_| {
            i += 1;
            !taken[i - 1]
        });
        if added.is_empty() || deleted.is_empty() || added.len() * deleted.len() > 1_000_000 {
            return Ok(());
        }
        let sources: Vec<Vec<u8>> = deleted
            .iter()
            .map(|(_, o)| self.content(*o))
            .collect::<Result<_>>()?;
        let targets: Vec<Vec<u8>> = added
            .iter()
            .map(|(_, n)| self.content(*n))
            .collect::<Result<_>>()?;
        let source_spans: Vec<Spans> = sources.iter().map(|s| Spans::of(s)).collect();
        let mut candidates = Vec::new();
        for (ti, t) in targets.iter().enumerate() {
            let target_spans = Spans::of(t);
            for (si, s) in sources.iter().enumerate() {
                if let Some(score) = similarity(s, &source_spans[si], t, &target_spans) {
                    candidates.push((std::cmp::Reverse(score), ti, si));
                }
            }
        }
        candidates.sort();
        let mut used_target = vec![false; added.len()];
        let mut used_source = vec![false; deleted.len()];
        let mut pairs = Vec::new();
        for (_, ti, si) in candidates {
            if !used_target[ti] && !used_source[si] {
                used_target[ti] = true;
                used_source[si] = true;
                pairs.push((ti, si));
            }
        }
        for &(ti, si) in &pairs {
            modified.push((
                added[ti].0.clone(),
                Some(deleted[si].0.clone()),
                deleted[si].1,
                added[ti].1,
            ));
        }
        let mut ti = 0;
        added.retain(|_| {
            ti += 1;
            !used_target[ti - 1]
        });
        let mut si = 0;
        deleted.retain(|_| {
            si += 1;
            !used_source[si - 1]
        });
        Ok(())
    }
}

/// git sorts tree entries by name, comparing a tree's name as if it ended in `/`.
fn compare_entries(a: &[u8], a_mode: i32, b: &[u8], b_mode: i32) -> std::cmp::Ordering {
    let n = a.len().min(b.len());
    match a[..n].cmp(&b[..n]) {
        std::cmp::Ordering::Equal => {}
        other => return other,
    }
    let next = |name: &[u8], mode: i32| -> u8 {
        match name.get(n) {
            Some(&c) => c,
            None if mode == TREE => b'/',
            None => 0,
        }
    };
    // The same name on both sides is one entry, whatever its kind.
    if a.len() == b.len() {
        return std::cmp::Ordering::Equal;
    }
    next(a, a_mode).cmp(&next(b, b_mode))
}

/// git's rule: binary when a NUL byte appears in the first 8000 bytes.
pub fn is_binary(data: &[u8]) -> bool {
    data[..data.len().min(8000)].contains(&0)
}

/// Lines in a text, a last line without a newline included.
pub fn count_lines(data: &[u8]) -> u32 {
    let newlines = data.iter().filter(|&&b| b == b'\n').count();
    let partial = usize::from(data.last().is_some_and(|&b| b != b'\n'));
    (newlines + partial) as u32
}

/// (added, removed, binary) between two versions of a file.
fn line_counts(old: &[u8], new: &[u8]) -> Result<(u32, u32, bool)> {
    if is_binary(old) || is_binary(new) {
        return Ok((0, 0, true));
    }
    let mut opts = git2::DiffOptions::new();
    opts.force_text(true).context_lines(0);
    let patch = git2::Patch::from_buffers(old, None, new, None, Some(&mut opts))?;
    let (_, additions, deletions) = patch.line_stats()?;
    Ok((additions as u32, deletions as u32, false))
}

/// Content split as git's rename detection does: lines, cut at 64 bytes, each
/// hashed, with the bytes per hash.
struct Spans {
    counts: std::collections::HashMap<u64, u64>,
}

impl Spans {
    fn of(data: &[u8]) -> Spans {
        let mut counts = std::collections::HashMap::new();
        let mut start = 0;
        while start < data.len() {
            let mut end = start;
            while end < data.len() && end - start < 64 {
                end += 1;
                if data[end - 1] == b'\n' {
                    break;
                }
            }
            let mut h: u64 = 0xcbf2_9ce4_8422_2325;
            for &b in &data[start..end] {
                h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
            }
            *counts.entry(h).or_insert(0) += (end - start) as u64;
            start = end;
        }
        Spans { counts }
    }
}

/// A similarity score (0 to 60000, git's MAX_SCORE) when at least 50%, as git
/// estimates it: bytes in common over the larger size.
fn similarity(src: &[u8], s: &Spans, dst: &[u8], d: &Spans) -> Option<u64> {
    const MAX_SCORE: u64 = 60_000;
    const MIN_SCORE: u64 = 30_000;
    let (src_size, dst_size) = (src.len() as u64, dst.len() as u64);
    let max_size = src_size.max(dst_size);
    let delta = src_size.abs_diff(dst_size);
    if max_size == 0 || max_size * (MAX_SCORE - MIN_SCORE) < delta * MAX_SCORE {
        return None;
    }
    let copied: u64 = s
        .counts
        .iter()
        .map(|(h, &n)| n.min(d.counts.get(h).copied().unwrap_or(0)))
        .sum();
    let score = copied * MAX_SCORE / max_size;
    (score >= MIN_SCORE).then_some(score)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trees_sort_as_if_ending_in_a_slash() {
        use std::cmp::Ordering::*;
        // "a.rs" (blob) sorts before "a" (tree, compared as "a/") because '.' < '/'.
        assert_eq!(compare_entries(b"a.rs", 0o100644, b"a", TREE), Less);
        assert_eq!(compare_entries(b"a", 0o100644, b"a.rs", 0o100644), Less);
        assert_eq!(compare_entries(b"a", TREE, b"a", 0o100644), Equal);
    }

    #[test]
    fn lines_and_binary_like_git() {
        assert_eq!(count_lines(b""), 0);
        assert_eq!(count_lines(b"a\nb"), 2);
        assert_eq!(count_lines(b"a\nb\n"), 2);
        assert!(is_binary(b"a\0b"));
        assert!(!is_binary(b"\x01\x02 plain control bytes"));
        assert_eq!(
            line_counts(b"a\nb\nc\n", b"a\nB\nc\nd\n").unwrap(),
            (2, 1, false)
        );
    }
}
