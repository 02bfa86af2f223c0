//! Replace refs and grafts, applied as git applies them, so that valuestory counts
//! the history `git log` shows.
//!
//! A replace ref `refs/replace/<id>` makes git read another object wherever `<id>`
//! is read, while the object keeps its id: `git replace --graft` cuts or rejoins a
//! history this way. Setting `GIT_NO_REPLACE_OBJECTS` (or `core.useReplaceRefs =
//! false`) turns them off, and `GIT_REPLACE_REF_BASE` moves them. The older
//! `info/grafts` file (or `GIT_GRAFT_FILE`) gives commits other parents; git still
//! honours it, even with replace refs turned off.

use std::path::{Path, PathBuf};

use super::{Error, Result};
use crate::history::{CommitId, IdMap};

/// How many replacements of replacements git follows before it gives up.
const MAX_DEPTH: usize = 5;

/// The replace refs and grafts in effect for one repository; empty for almost all.
#[derive(Default, Clone)]
pub struct Replacements {
    objects: IdMap<CommitId>,
    grafts: IdMap<Vec<CommitId>>,
    /// A short hash of all of the above, for caches of what depends on it.
    fingerprint: Option<String>,
}

impl Replacements {
    /// The replacements git would apply in `repo`, reading the environment as git does.
    pub fn load(repo: &git2::Repository) -> Result<Replacements> {
        let mut out = Replacements::default();
        let mut seen = String::new();
        if replace_refs_enabled(repo) {
            let base = std::env::var("GIT_REPLACE_REF_BASE")
                .unwrap_or_else(|_| "refs/replace/".to_string());
            for reference in repo.references_glob(&format!("{base}*"))? {
                let reference = reference?;
                let Some(original) = reference
                    .name_bytes()
                    .strip_prefix(base.as_bytes())
                    .and_then(|name| name.get(..40))
                    .and_then(|hex| std::str::from_utf8(hex).ok())
                    .and_then(CommitId::from_hex)
                else {
                    continue; // git warns of a bad replace ref name and skips it
                };
                let Some(target) = reference.resolve()?.target() else {
                    continue;
                };
                let target = super::to_commit_id(target);
                out.objects.insert(original, target);
            }
            let mut pairs: Vec<_> = out.objects.iter().collect();
            pairs.sort();
            for (original, target) in pairs {
                seen.push_str(&format!("replace {original} {target}\n"));
            }
        }
        let path = graft_file(repo);
        if let Ok(text) = std::fs::read(&path) {
            out.grafts = parse_grafts(&path, &String::from_utf8_lossy(&text))?;
            let mut grafts: Vec<_> = out.grafts.iter().collect();
            grafts.sort();
            for (commit, parents) in grafts {
                seen.push_str(&format!("graft {commit}"));
                for parent in parents {
                    seen.push_str(&format!(" {parent}"));
                }
                seen.push('\n');
            }
        }
        if !seen.is_empty() {
            let hash = git2::Oid::hash_object(git2::ObjectType::Blob, seen.as_bytes())?;
            out.fingerprint = Some(hash.to_string()[..16].to_string());
        }
        Ok(out)
    }

    pub fn is_empty(&self) -> bool {
        self.fingerprint.is_none()
    }

    /// A short hash of every replacement and graft, or `None` without any: what
    /// a cache of per-commit results must be kept apart by.
    pub fn fingerprint(&self) -> Option<&str> {
        self.fingerprint.as_deref()
    }

    /// The object git reads when asked for `id`: its replacement's, or its own.
    pub fn object(&self, id: CommitId) -> Result<CommitId> {
        if self.objects.is_empty() {
            return Ok(id);
        }
        let mut current = id;
        for _ in 0..MAX_DEPTH {
            match self.objects.get(&current) {
                Some(&next) => current = next,
                None => return Ok(current),
            }
        }
        Err(Error::ReplaceLoop { id: id.to_hex() })
    }

    /// The parents a graft gives `commit` in place of its own.
    pub fn graft(&self, commit: &CommitId) -> Option<&[CommitId]> {
        if self.grafts.is_empty() {
            return None; // nearly always: no need to hash every id of a walk
        }
        self.grafts.get(commit).map(Vec::as_slice)
    }
}

/// Whether git would read replace refs: not with `GIT_NO_REPLACE_OBJECTS` set
/// (to anything, even nothing) or `core.useReplaceRefs` false.
fn replace_refs_enabled(repo: &git2::Repository) -> bool {
    if std::env::var_os("GIT_NO_REPLACE_OBJECTS").is_some() {
        return false;
    }
    repo.config()
        .and_then(|c| c.get_bool("core.useReplaceRefs"))
        .unwrap_or(true)
}

fn graft_file(repo: &git2::Repository) -> PathBuf {
    match std::env::var_os("GIT_GRAFT_FILE") {
        Some(path) => PathBuf::from(path),
        None => graft_file_in(repo.commondir()),
    }
}

/// Lines of `<commit> [<parent>...]`, ids one space apart. git also skips blank
/// lines and `#` comments, but libgit2 (which opens the repository) refuses a
/// file that has any, so any line but a plain graft is an error here too. The
/// first graft of a commit wins, as in git.
pub(super) fn parse_grafts(path: &Path, text: &str) -> Result<IdMap<Vec<CommitId>>> {
    let mut grafts = IdMap::default();
    for (number, line) in text.split_terminator('\n').enumerate() {
        let ids: Option<Vec<CommitId>> = line.split(' ').map(CommitId::from_hex).collect();
        let Some((commit, parents)) = ids.as_deref().and_then(|ids| ids.split_first()) else {
            return Err(Error::BadGraft {
                path: path.display().to_string(),
                line: number + 1,
            });
        };
        grafts.entry(*commit).or_insert_with(|| parents.to_vec());
    }
    Ok(grafts)
}

/// The grafts file of a repository, which libgit2 reads when it opens one.
pub(super) fn graft_file_in(common_dir: &Path) -> PathBuf {
    common_dir.join("info").join("grafts")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graft_lines_read_as_libgit2_reads_them() {
        let a = "1".repeat(40);
        let b = "2".repeat(40);
        let text = format!("{a}\n{b} {a} {a}\n{a} {b}");
        let grafts = parse_grafts(Path::new("grafts"), &text).unwrap();
        let (a, b) = (
            CommitId::from_hex(&a).unwrap(),
            CommitId::from_hex(&b).unwrap(),
        );
        assert_eq!(grafts[&a], []);
        assert_eq!(grafts[&b], [a, a]);

        for bad in [
            format!("{a}\n{b} x\n"),
            format!("{a}\n# a comment\n"),
            format!("{a}\n\n{b}\n"),
            format!("{a}\n{b}\t{a}\n"),
            format!("{a}\n{b}  {a}\n"),
        ] {
            let e = parse_grafts(Path::new("info/grafts"), &bad).unwrap_err();
            assert!(e.to_string().starts_with("info/grafts:2: "), "{e}");
        }
    }

    #[test]
    fn a_loop_of_replacements_is_an_error() {
        let (a, b) = (CommitId([1; 20]), CommitId([2; 20]));
        let mut r = Replacements::default();
        r.objects.insert(a, b);
        assert_eq!(r.object(a).unwrap(), b);
        assert_eq!(r.object(b).unwrap(), b);
        r.objects.insert(b, a);
        assert!(r.object(a).is_err());
    }
}
