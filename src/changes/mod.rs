//! Changed paths and line counts per commit, for the features that need them (path
//! scoping, components, team ownership and initiatives by path, churn). Computed in
//! parallel over one shared object store, each worker with its own cache of trees
//! and delta bases, and cached by commit id so that a rebuild pays only for new
//! commits.

pub(crate) mod cache;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crate::error::{Error, Result};
use crate::git::{Differ, FileChange, ObjectStore, worker_cache_bytes};
use crate::history::{CommitId, IdMap};

pub use cache::CACHE_FILE;

/// Index into [`Changes::paths`].
pub type PathId = u32;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Change {
    pub path: PathId,
    pub old_path: Option<PathId>,
    pub added: u32,
    pub removed: u32,
    pub binary: bool,
}

/// The changes of many commits, with their paths interned.
#[derive(Default, Debug)]
pub struct Changes {
    pub paths: Vec<String>,
    index: HashMap<String, PathId>,
    /// Every commit's changes, one after another.
    list: Vec<Change>,
    /// Where each commit's changes are in `list`: start and count.
    by_commit: IdMap<(u32, u32)>,
    /// The commits in the order they were recorded, each once.
    order: Vec<CommitId>,
}

impl Changes {
    pub fn path(&self, id: PathId) -> &str {
        &self.paths[id as usize]
    }

    pub fn intern(&mut self, path: &str) -> PathId {
        if let Some(&id) = self.index.get(path) {
            return id;
        }
        let id = self.paths.len() as PathId;
        self.paths.push(path.to_string());
        self.index.insert(path.to_string(), id);
        id
    }

    pub fn insert(&mut self, commit: CommitId, files: &[FileChange]) {
        let changes: Vec<Change> = files
            .iter()
            .map(|f| Change {
                path: self.intern(&f.path),
                old_path: f.old_path.as_deref().map(|p| self.intern(p)),
                added: f.added,
                removed: f.removed,
                binary: f.binary,
            })
            .collect();
        self.insert_changes(commit, &changes);
    }

    /// Records a commit's changes, whose paths are already interned.
    pub fn insert_changes(&mut self, commit: CommitId, changes: &[Change]) {
        let start = self.list.len() as u32;
        self.list.extend_from_slice(changes);
        let place = (start, changes.len() as u32);
        if self.by_commit.insert(commit, place).is_none() {
            self.order.push(commit);
        }
    }

    pub fn of(&self, commit: &CommitId) -> &[Change] {
        match self.by_commit.get(commit) {
            Some(&(start, len)) => &self.list[start as usize..(start + len) as usize],
            None => &[],
        }
    }

    /// Whether the commit's changes are known (perhaps as none at all).
    pub fn has(&self, commit: &CommitId) -> bool {
        self.by_commit.contains_key(commit)
    }

    /// How many commits' changes are known.
    pub fn commit_count(&self) -> usize {
        self.by_commit.len()
    }

    /// The commits with known changes, in the order they were recorded.
    pub fn commits(&self) -> impl Iterator<Item = &CommitId> {
        self.order.iter()
    }

    /// Whether the commit changed a path under one of `prefixes` (a rename counts on
    /// both sides). A prefix ending in `/` names a folder; any other names a file or
    /// a folder.
    pub fn touches(&self, commit: &CommitId, prefixes: &[String]) -> bool {
        self.of(commit).iter().any(|c| {
            under(self.path(c.path), prefixes)
                || c.old_path.is_some_and(|p| under(self.path(p), prefixes))
        })
    }
}

pub fn under(path: &str, prefixes: &[String]) -> bool {
    prefixes.iter().any(|p| {
        let p = p.trim_start_matches("./");
        if p.ends_with('/') {
            path.starts_with(p)
        } else {
            path == p
                || path
                    .strip_prefix(p)
                    .is_some_and(|rest| rest.starts_with('/'))
        }
    })
}

/// Where the cache lives, if anywhere.
#[derive(Clone, Debug, Default)]
pub enum CachePlace {
    /// `<git dir>/valuestory/`.
    #[default]
    GitDir,
    Dir(PathBuf),
    Off,
}

/// The folder of valuestory's caches for the repository at `git_dir`, if any.
pub fn cache_dir(place: &CachePlace, git_dir: &Path) -> Option<PathBuf> {
    match place {
        CachePlace::GitDir => Some(git_dir.join("valuestory")),
        CachePlace::Dir(d) => Some(d.clone()),
        CachePlace::Off => None,
    }
}

impl CachePlace {
    /// Where caches of results per commit id go when replace refs or grafts (named
    /// by their `fingerprint`) show another history: a folder of their own, so that
    /// adding or removing one never serves changes computed for the other history.
    pub fn for_replacements(&self, git_dir: &Path, fingerprint: Option<&str>) -> CachePlace {
        match (fingerprint, cache_dir(self, git_dir)) {
            (Some(fingerprint), Some(dir)) => {
                CachePlace::Dir(dir.join(format!("replaced-{fingerprint}")))
            }
            _ => self.clone(),
        }
    }
}

pub struct Options<'a> {
    pub cache: &'a CachePlace,
    pub progress: bool,
}

/// One commit to diff: its tree against its first parent's.
#[derive(Clone, Copy, Debug)]
pub struct Job {
    pub commit: CommitId,
    pub tree: CommitId,
    pub parent_tree: Option<CommitId>,
    /// Committer time: the jobs are diffed newest first, as `git log` goes, so
    /// that a file's old version in one commit is its new version in the next
    /// one, still in the reader's cache.
    pub time: i64,
}

/// What [`compute`] did, for messages and tests.
#[derive(Debug, Default, Clone, Copy)]
pub struct Stats {
    pub from_cache: usize,
    pub computed: usize,
}

/// The changes of every commit in `commits` (merges should be left out by the
/// caller, as `git log --numstat` leaves them out), from the cache where it has
/// them and from the repository at `git_dir` for the rest.
pub fn compute(
    git_dir: &Path,
    commits: &[Job],
    options: &Options<'_>,
    warnings: &mut Vec<String>,
) -> Result<(Changes, Stats)> {
    let cache_dir = cache_dir(options.cache, git_dir);
    let mut changes = match &cache_dir {
        Some(dir) => cache::load(dir, warnings),
        None => Changes::default(),
    };
    let mut missing: Vec<Job> = commits
        .iter()
        .filter(|j| !changes.has(&j.commit))
        .copied()
        .collect();
    missing.sort_unstable_by_key(|j| std::cmp::Reverse((j.time, j.commit)));
    let stats = Stats {
        from_cache: commits.len() - missing.len(),
        computed: missing.len(),
    };
    if missing.is_empty() {
        return Ok((changes, stats));
    }
    let bar = options.progress.then(|| progress_bar(missing.len()));
    // Packs are read with positioned reads, not mapped: mapped pages count in the
    // process's memory, and on curl mapping saved only 5% of the time for 108 MiB.
    let store = ObjectStore::open_unmapped(git_dir)
        .map_err(|e| Error::Refused(format!("cannot open the repository for diffing: {e}")))?;
    let results = diff_all(&store, &missing, bar.as_ref());
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    for (job, files) in missing.iter().zip(results?) {
        changes.insert(job.commit, &files);
    }
    if let Some(dir) = &cache_dir
        && let Err(e) = cache::save(dir, &changes)
    {
        warnings.push(format!(
            "could not write the diff cache in {}: {e}",
            dir.display()
        ));
    }
    Ok((changes, stats))
}

/// Diffs every job on every thread of rayon's pool. Each worker takes runs of
/// neighbouring commits from a shared counter, so that its own cache holds the
/// trees and blobs the next commits share; only job indices cross threads.
/// The result is in the order of `jobs`.
fn diff_all(
    store: &ObjectStore,
    jobs: &[Job],
    bar: Option<&indicatif::ProgressBar>,
) -> Result<Vec<Vec<FileChange>>> {
    let threads = rayon::current_num_threads().max(1);
    let run = (jobs.len() / (threads * 16)).clamp(32, 2048);
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let per_thread = rayon::broadcast(|_| {
        let mut differ = Differ::with_cache(store, worker_cache_bytes(threads));
        let mut runs: Vec<(usize, Vec<Vec<FileChange>>)> = Vec::new();
        while !failed.load(Ordering::Relaxed) {
            let start = next.fetch_add(run, Ordering::Relaxed);
            if start >= jobs.len() {
                break;
            }
            let end = (start + run).min(jobs.len());
            let mut out = Vec::with_capacity(end - start);
            for job in &jobs[start..end] {
                match differ.changes(job.parent_tree, job.tree) {
                    Ok(files) => out.push(files),
                    Err(e) => {
                        failed.store(true, Ordering::Relaxed);
                        return Err(Error::Refused(format!(
                            "cannot diff commit {}: {e}",
                            job.commit
                        )));
                    }
                }
            }
            let n = done.fetch_add(end - start, Ordering::Relaxed) + end - start;
            if let Some(bar) = bar {
                bar.set_position(n as u64);
            }
            runs.push((start, out));
        }
        Ok(runs)
    });
    let mut runs = Vec::new();
    for r in per_thread {
        runs.extend(r?);
    }
    runs.sort_by_key(|(start, _)| *start);
    Ok(runs.into_iter().flat_map(|(_, out)| out).collect())
}

fn progress_bar(len: usize) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(len as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "diffing commits {bar:30} {pos}/{len} ({eta} left)",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_prefixes_and_file_paths() {
        let p = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(under(
            "services/notify/src/lib.rs",
            &p(&["services/notify/"])
        ));
        assert!(under(
            "services/notify/src/lib.rs",
            &p(&["services/notify"])
        ));
        assert!(!under("services/notifyx/lib.rs", &p(&["services/notify"])));
        assert!(under("README.md", &p(&["README.md"])));
        assert!(!under("README.md.bak", &p(&["README.md"])));
    }
}
