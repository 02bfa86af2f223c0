//! Which files each commit changed, and how many lines, against its first parent:
//! what `git log --numstat -M` prints. The tree walk skips subtrees whose ids are
//! equal, so the cost follows the size of the change, not of the repository; only
//! changed blobs are read, and line counts are xdiff's, the diff code git uses
//! (ported in [`super::xdiff`]).

use std::collections::HashMap;
use std::rc::Rc;

use super::odb::{self, Data, Kind, ObjectId, ObjectStore, Objects};
use super::{Error, Result};
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

/// One worker's diffing state: its object reader and cache.
pub struct Differ<'s> {
    objects: Objects<'s>,
}

/// Folders nested deeper are refused, so that a damaged tree that contains
/// itself cannot exhaust a worker's stack. Real projects stay far below; git's
/// own limit (`core.maxTreeDepth`) is 2048, which a 2 MiB thread stack cannot
/// hold with this walk's frames in a debug build.
const MAX_TREE_DEPTH: usize = 256;

const GITLINK: u32 = 0o160000;
const TREE: u32 = 0o040000;

/// One side of a changed path: blob (or gitlink) id and mode.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) struct Side {
    pub(super) id: ObjectId,
    pub(super) mode: u32,
}

struct Delta {
    path: String,
    old: Option<Side>,
    new: Option<Side>,
}

impl<'s> Differ<'s> {
    pub fn new(store: &'s ObjectStore) -> Differ<'s> {
        Differ {
            objects: Objects::new(store),
        }
    }

    /// A differ keeping at most `bytes` of resolved objects, for a few commits.
    pub fn with_cache(store: &'s ObjectStore, bytes: usize) -> Differ<'s> {
        Differ {
            objects: Objects::with_cache(store, bytes),
        }
    }

    /// The object reader, for its counters.
    pub fn objects(&mut self) -> &mut Objects<'s> {
        &mut self.objects
    }

    /// The changes between two root trees (`old` is `None` for a root commit):
    /// a commit against its first parent.
    pub fn changes(&mut self, old: Option<CommitId>, new: CommitId) -> Result<Vec<FileChange>> {
        let mut deltas = Vec::new();
        self.walk(old.map(|c| c.0), Some(new.0), "", 0, &mut deltas)?;
        self.count(deltas)
    }

    /// The changes of `commit` against its first parent, reading the commits.
    pub fn changes_of_commit(&mut self, commit: CommitId) -> Result<Vec<FileChange>> {
        let (tree, parent) = self.tree_and_parent(&commit.0)?;
        let old = match parent {
            Some(p) => Some(self.tree_and_parent(&p)?.0),
            None => None,
        };
        self.changes(old.map(CommitId), CommitId(tree))
    }

    /// The paths `commit` changed against its first parent, from its trees alone:
    /// no file is read, so it is cheap enough for a few commits on any history.
    pub fn changed_paths(&mut self, commit: CommitId) -> Result<Vec<String>> {
        let (tree, parent) = self.tree_and_parent(&commit.0)?;
        let old = match parent {
            Some(p) => Some(self.tree_and_parent(&p)?.0),
            None => None,
        };
        let mut deltas = Vec::new();
        self.walk(old, Some(tree), "", 0, &mut deltas)?;
        Ok(deltas.into_iter().map(|d| d.path).collect())
    }

    /// A commit's tree and first parent, from its header lines (or its graft).
    fn tree_and_parent(&mut self, commit: &ObjectId) -> Result<(ObjectId, Option<ObjectId>)> {
        let data = self.objects.read_as(commit, Kind::Commit)?;
        let (tree, parent) = tree_and_parent(&data);
        let tree = tree.ok_or_else(|| Error::BadCommit {
            id: odb::hex(commit),
            message: "no tree line".into(),
        })?;
        let parent = match self.objects.replacements().graft(&CommitId(*commit)) {
            Some(parents) => parents.first().map(|p| p.0),
            None => parent,
        };
        Ok((tree, parent))
    }

    fn tree(&mut self, id: Option<ObjectId>) -> Result<Option<Data>> {
        id.map(|id| self.objects.read_as(&id, Kind::Tree))
            .transpose()
    }

    fn walk(
        &mut self,
        old: Option<ObjectId>,
        new: Option<ObjectId>,
        prefix: &str,
        depth: usize,
        out: &mut Vec<Delta>,
    ) -> Result<()> {
        if old == new {
            return Ok(());
        }
        if depth > MAX_TREE_DEPTH {
            return Err(Error::Damaged {
                path: prefix.to_string(),
                message: format!("folders nested over {MAX_TREE_DEPTH} deep"),
            });
        }
        let a = self.tree(old)?;
        let b = self.tree(new)?;
        let mut a = Entries::of(a.as_deref().map_or(&[][..], Vec::as_slice), old);
        let mut b = Entries::of(b.as_deref().map_or(&[][..], Vec::as_slice), new);
        let (mut x, mut y) = (a.next()?, b.next()?);
        loop {
            let (old_entry, new_entry) = match (x, y) {
                (None, None) => break,
                (Some(e), None) => {
                    x = a.next()?;
                    (Some(e), None)
                }
                (None, Some(e)) => {
                    y = b.next()?;
                    (None, Some(e))
                }
                (Some(p), Some(q)) => match compare_entries(p.name, p.mode, q.name, q.mode) {
                    std::cmp::Ordering::Less => {
                        x = a.next()?;
                        (Some(p), None)
                    }
                    std::cmp::Ordering::Greater => {
                        y = b.next()?;
                        (None, Some(q))
                    }
                    std::cmp::Ordering::Equal => {
                        x = a.next()?;
                        y = b.next()?;
                        (Some(p), Some(q))
                    }
                },
            };
            let old_side = old_entry.map(Entry::side);
            let new_side = new_entry.map(Entry::side);
            if old_side == new_side {
                continue;
            }
            let name = old_entry.or(new_entry).map_or(&[][..], |e| e.name);
            let path = format!("{prefix}{}", String::from_utf8_lossy(name));
            let is_tree = |s: Option<Side>| s.is_some_and(|s| s.mode == TREE);
            if is_tree(old_side) || is_tree(new_side) {
                let old_tree = old_side.filter(|s| s.mode == TREE).map(|s| s.id);
                let new_tree = new_side.filter(|s| s.mode == TREE).map(|s| s.id);
                self.walk(old_tree, new_tree, &format!("{path}/"), depth + 1, out)?;
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

    /// A regular file's contents and spans into `slot`, once; other files are
    /// never compared for similarity and stay empty.
    fn load(&mut self, slot: &mut Option<(Data, Spans)>, side: Side) -> Result<()> {
        if slot.is_none() && side.mode & 0o170000 == 0o100000 {
            let data = self.content(side)?;
            let spans = Spans::of(&data);
            *slot = Some((data, spans));
        }
        Ok(())
    }

    fn content(&mut self, side: Side) -> Result<Data> {
        if side.mode == GITLINK {
            let text = format!("Subproject commit {}\n", odb::hex(&side.id));
            return Ok(Rc::new(text.into_bytes()));
        }
        self.objects.read_as(&side.id, Kind::Blob)
    }

    /// Pairs renames, then counts lines for every change.
    fn count(&mut self, deltas: Vec<Delta>) -> Result<Vec<FileChange>> {
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
                (0, 0, is_binary(&self.content(o)?))
            } else {
                let a = self.content(o)?;
                line_counts(&a, &self.content(n)?)?
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
            let b = self.content(n)?;
            let (binary, lines) = (is_binary(&b), count_lines(&b));
            out.push(FileChange {
                path,
                old_path: None,
                added: if binary { 0 } else { lines },
                removed: 0,
                binary,
            });
        }
        for (path, o) in deleted {
            let a = self.content(o)?;
            let (binary, lines) = (is_binary(&a), count_lines(&a));
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
        &mut self,
        added: &mut Vec<(String, Side)>,
        deleted: &mut Vec<(String, Side)>,
        modified: &mut Vec<(String, Option<String>, Side, Side)>,
    ) -> Result<()> {
        exact_renames(added, deleted, modified);
        self.similar_renames(added, deleted, modified)
    }

    /// Renames between what is left added and deleted, by similarity of contents.
    fn similar_renames(
        &mut self,
        added: &mut Vec<(String, Side)>,
        deleted: &mut Vec<(String, Side)>,
        modified: &mut Vec<(String, Option<String>, Side, Side)>,
    ) -> Result<()> {
        if added.is_empty() || deleted.is_empty() {
            return Ok(());
        }
        // Contents and spans, read when first compared (only regular files are).
        let mut sources: Vec<Option<(Data, Spans)>> = deleted.iter().map(|_| None).collect();
        let mut targets: Vec<Option<(Data, Spans)>> = added.iter().map(|_| None).collect();
        let namesakes = namesakes(added, deleted);
        for &(ti, si) in &namesakes {
            self.load(&mut targets[ti], added[ti].1)?;
            self.load(&mut sources[si], deleted[si].1)?;
        }
        let mut pairs: Vec<(usize, usize)> = namesakes
            .into_iter()
            .filter(|&(ti, si)| estimate(&sources[si], &targets[ti]) >= MIN_BASENAME_SCORE)
            .collect();
        let mut used_target = vec![false; added.len()];
        let mut used_source = vec![false; deleted.len()];
        for &(ti, si) in &pairs {
            used_target[ti] = true;
            used_source[si] = true;
        }
        // git compares the rest only when the matrix is at most 1000 by 1000.
        let left = |used: &[bool]| used.iter().filter(|u| !**u).count();
        let matrix = left(&used_target) * left(&used_source) <= 1_000_000;
        if matrix {
            for (ti, (_, side)) in added.iter().enumerate().filter(|(t, _)| !used_target[*t]) {
                self.load(&mut targets[ti], *side)?;
            }
            for (si, (_, side)) in deleted.iter().enumerate().filter(|(s, _)| !used_source[*s]) {
                self.load(&mut sources[si], *side)?;
            }
        }
        let score = |ti: usize, si: usize| estimate(&sources[si], &targets[ti]);
        let candidates = match matrix {
            true => candidates(added, deleted, &used_target, &used_source, &score),
            false => Vec::new(),
        };
        for (_, ti, si) in candidates.into_iter().take_while(|c| c.0.0 >= MIN_SCORE) {
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

/// How many candidate sources git keeps for each destination.
const CANDIDATES_PER_TARGET: usize = 4;

/// The least similarity of a rename between namesakes: 75%.
const MIN_BASENAME_SCORE: u64 = MIN_SCORE + (MAX_SCORE - MIN_SCORE) / 2;

/// As git's find_basename_matches (git 2.33 on): a file whose name is the only
/// one of its kind among the deleted files and among the added ones is paired
/// with its namesake when they are at least [`MIN_BASENAME_SCORE`] similar, before
/// any other comparison. The candidate (target, source) pairs, in source order.
fn namesakes(added: &[(String, Side)], deleted: &[(String, Side)]) -> Vec<(usize, usize)> {
    // Each file name's one position, or None when it occurs more than once.
    fn unique(paths: &[(String, Side)]) -> HashMap<&str, Option<usize>> {
        let mut out: HashMap<&str, Option<usize>> = HashMap::new();
        for (i, (path, _)) in paths.iter().enumerate() {
            out.entry(file_name(path))
                .and_modify(|seen| *seen = None)
                .or_insert(Some(i));
        }
        out
    }
    let (sources, targets) = (unique(deleted), unique(added));
    let mut pairs = Vec::new();
    for (si, (path, _)) in deleted.iter().enumerate() {
        let name = file_name(path);
        if let (Some(Some(_)), Some(Some(ti))) = (sources.get(name), targets.get(name)) {
            pairs.push((*ti, si));
        }
    }
    pairs
}

/// As git's rename matrix: for each target still unpaired, its best
/// [`CANDIDATES_PER_TARGET`] sources by score, then by the same file name (every
/// source is scored, a size too different scoring 0, and a later source replaces
/// the first of the worst kept only when it is better), then all of them best
/// first, in target and then slot order among equals (git sorts them stably).
fn candidates(
    added: &[(String, Side)],
    deleted: &[(String, Side)],
    used_target: &[bool],
    used_source: &[bool],
    score: &dyn Fn(usize, usize) -> u64,
) -> Vec<((u64, bool), usize, usize)> {
    let mut all = Vec::new();
    for ti in (0..added.len()).filter(|&t| !used_target[t]) {
        let mut slots: Vec<((u64, bool), usize)> = Vec::with_capacity(CANDIDATES_PER_TARGET);
        for si in (0..deleted.len()).filter(|&s| !used_source[s]) {
            let rank = (
                score(ti, si),
                file_name(&deleted[si].0) == file_name(&added[ti].0),
            );
            if slots.len() < CANDIDATES_PER_TARGET {
                slots.push((rank, si));
            } else if let Some(worst) =
                (0..slots.len()).reduce(|w, k| if slots[k].0 < slots[w].0 { k } else { w })
                && rank > slots[worst].0
            {
                slots[worst] = (rank, si);
            }
        }
        all.extend(slots.into_iter().map(|(rank, si)| (rank, ti, si)));
    }
    // Stable: equal ranks stay in target, then slot, order.
    all.sort_by_key(|c| std::cmp::Reverse(c.0));
    all
}

/// Exact renames: the same blob deleted in one place and added in another. As
/// git's find_identical_files: the first unused source in path order, preferring
/// one with the same file name; a link or submodule pairs only with the same mode.
/// The pairs found move from `added` and `deleted` to `modified`.
fn exact_renames(
    added: &mut Vec<(String, Side)>,
    deleted: &mut Vec<(String, Side)>,
    modified: &mut Vec<(String, Option<String>, Side, Side)>,
) {
    let mut by_blob: std::collections::HashMap<ObjectId, Vec<usize>> =
        std::collections::HashMap::new();
    for (i, (_, o)) in deleted.iter().enumerate() {
        by_blob.entry(o.id).or_default().push(i);
    }
    let mut taken = vec![false; deleted.len()];
    let mut still_added = Vec::new();
    let regular = |mode: u32| mode & 0o170000 == 0o100000;
    for (path, n) in std::mem::take(added) {
        let candidates = by_blob.get(&n.id).map_or(&[][..], Vec::as_slice);
        let usable = |&&i: &&usize| {
            let o = deleted[i].1;
            !taken[i] && ((regular(o.mode) && regular(n.mode)) || o.mode == n.mode)
        };
        let best = candidates
            .iter()
            .filter(usable)
            .find(|&&i| file_name(&deleted[i].0) == file_name(&path))
            .or_else(|| candidates.iter().find(usable))
            .copied();
        match best {
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
}

/// A raw commit's tree and first parent, from its header lines.
pub(super) fn tree_and_parent(data: &[u8]) -> (Option<ObjectId>, Option<ObjectId>) {
    let mut tree = None;
    let mut parent = None;
    for (key, hex) in super::read::headers(data) {
        match key {
            b"tree" => tree = parse_hex(hex),
            b"parent" if parent.is_none() => parent = parse_hex(hex),
            _ => {}
        }
    }
    (tree, parent)
}

/// The last component of a path.
fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// One entry of a raw tree object: `<octal mode> <name>\0<20-byte id>`.
#[derive(Clone, Copy)]
pub(super) struct Entry<'a> {
    pub(super) name: &'a [u8],
    pub(super) mode: u32,
    pub(super) id: &'a [u8],
}

impl Entry<'_> {
    pub(super) fn side(self) -> Side {
        let mut id = [0u8; 20];
        id.copy_from_slice(self.id);
        Side {
            id,
            mode: canonical_mode(self.mode),
        }
    }
}

/// git's `canon_mode`: what a mode means, whatever odd bits an old tool wrote.
fn canonical_mode(mode: u32) -> u32 {
    match mode & 0o170000 {
        0o100000 if mode & 0o100 != 0 => 0o100755,
        0o100000 => 0o100644,
        0o120000 => 0o120000,
        0o040000 => TREE,
        _ => GITLINK,
    }
}

/// The entries of a raw tree, in order, each checked for shape.
pub(super) struct Entries<'a> {
    data: &'a [u8],
    tree: Option<ObjectId>,
}

impl<'a> Entries<'a> {
    pub(super) fn of(data: &'a [u8], tree: Option<ObjectId>) -> Entries<'a> {
        Entries { data, tree }
    }

    pub(super) fn next(&mut self) -> Result<Option<Entry<'a>>> {
        if self.data.is_empty() {
            return Ok(None);
        }
        let damaged = || Error::Damaged {
            path: self
                .tree
                .map_or_else(String::new, |t| format!("tree {}", odb::hex(&t))),
            message: "malformed tree entry".into(),
        };
        let space = memchr::memchr(b' ', self.data).ok_or_else(damaged)?;
        let mut mode = 0u32;
        for &c in &self.data[..space] {
            if !(b'0'..=b'7').contains(&c) || mode > 0o7777777 {
                return Err(damaged());
            }
            mode = mode * 8 + u32::from(c - b'0');
        }
        let rest = &self.data[space + 1..];
        let nul = memchr::memchr(0, rest).ok_or_else(damaged)?;
        let id = rest.get(nul + 1..nul + 21).ok_or_else(damaged)?;
        let entry = Entry {
            name: &rest[..nul],
            mode,
            id,
        };
        self.data = &rest[nul + 21..];
        Ok(Some(entry))
    }
}

fn parse_hex(hex: &[u8]) -> Option<ObjectId> {
    let hex = std::str::from_utf8(hex).ok()?;
    CommitId::from_hex(hex).map(|id| id.0)
}

/// git sorts tree entries by name, comparing a tree's name as if it ended in `/`.
pub(super) fn compare_entries(a: &[u8], a_mode: u32, b: &[u8], b_mode: u32) -> std::cmp::Ordering {
    let n = a.len().min(b.len());
    match a[..n].cmp(&b[..n]) {
        std::cmp::Ordering::Equal => {}
        other => return other,
    }
    let next = |name: &[u8], mode: u32| -> u8 {
        match name.get(n) {
            Some(&c) => c,
            None if mode & 0o170000 == TREE => b'/',
            None => 0,
        }
    };
    // The same name on both sides is one entry, whatever its kind.
    if a.len() == b.len() {
        return std::cmp::Ordering::Equal;
    }
    next(a, a_mode).cmp(&next(b, b_mode))
}

/// git's rule: binary when a NUL byte appears in the first 8000 bytes, or when
/// the file is over `core.bigFileThreshold` (512 MiB), which git never diffs.
pub fn is_binary(data: &[u8]) -> bool {
    data.len() > 512 << 20 || data[..data.len().min(8000)].contains(&0)
}

/// Lines in a text, a last line without a newline included.
pub fn count_lines(data: &[u8]) -> u32 {
    let newlines = data.iter().filter(|&&b| b == b'\n').count();
    let partial = usize::from(data.last().is_some_and(|&b| b != b'\n'));
    (newlines + partial) as u32
}

/// (added, removed, binary) between two versions of a file, as git counts them.
fn line_counts(old: &[u8], new: &[u8]) -> Result<(u32, u32, bool)> {
    if is_binary(old) || is_binary(new) {
        return Ok((0, 0, true));
    }
    let (added, removed) = super::xdiff::counts(old, new);
    Ok((added, removed, false))
}

/// A file cut into spans as git's rename detection cuts it (diffcore-delta.c):
/// each line, or 64 bytes of a longer one, hashed with git's rolling hash modulo
/// its prime, with the byte count of every hash. In text, the CR of a CRLF is
/// skipped, as git skips it. Equal hashes of different spans count together, as
/// they do in git, so that scores are git's to the unit.
struct Spans {
    counts: HashMap<u32, u64>,
}

impl Spans {
    fn of(data: &[u8]) -> Spans {
        const HASHBASE: u32 = 107_927;
        let is_text = !is_binary(data);
        let mut counts: HashMap<u32, u64> = HashMap::new();
        let (mut n, mut accum1, mut accum2) = (0u64, 0u32, 0u32);
        for (i, &c) in data.iter().enumerate() {
            if is_text && c == b'\r' && data.get(i + 1) == Some(&b'\n') {
                continue;
            }
            let old1 = accum1;
            accum1 = (accum1 << 7) ^ (accum2 >> 25);
            accum2 = (accum2 << 7) ^ (old1 >> 25);
            accum1 = accum1.wrapping_add(u32::from(c));
            n += 1;
            if n < 64 && c != b'\n' {
                continue;
            }
            let hash = accum1.wrapping_add(accum2.wrapping_mul(0x61)) % HASHBASE;
            *counts.entry(hash).or_insert(0) += n;
            (n, accum1, accum2) = (0, 0, 0);
        }
        if n > 0 {
            let hash = accum1.wrapping_add(accum2.wrapping_mul(0x61)) % HASHBASE;
            *counts.entry(hash).or_insert(0) += n;
        }
        Spans { counts }
    }
}

/// git's MAX_SCORE: a similarity of 100%.
const MAX_SCORE: u64 = 60_000;
/// The least similarity of a rename (`-M`'s default, 50%).
const MIN_SCORE: u64 = 30_000;

/// The similarity score of two files as git's estimate_similarity gives it (0 to
/// [`MAX_SCORE`]): bytes in common over the larger size; 0 unless both are regular
/// files (loaded), or when their sizes differ too much to reach [`MIN_SCORE`].
fn estimate(src: &Option<(Data, Spans)>, dst: &Option<(Data, Spans)>) -> u64 {
    let (Some((src, s)), Some((dst, d))) = (src, dst) else {
        return 0;
    };
    let (src_size, dst_size) = (src.len() as u64, dst.len() as u64);
    let max_size = src_size.max(dst_size);
    let delta = src_size.abs_diff(dst_size);
    if max_size == 0 || max_size * (MAX_SCORE - MIN_SCORE) < delta * MAX_SCORE {
        return 0;
    }
    let copied: u64 = s
        .counts
        .iter()
        .map(|(h, &n)| n.min(d.counts.get(h).copied().unwrap_or(0)))
        .sum();
    copied * MAX_SCORE / max_size
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
