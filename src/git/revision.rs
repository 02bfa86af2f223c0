//! Revisions to commits: libgit2 parses the names (`main`, `v1.2`, an id), and
//! ancestry steps (`~N`, `^N`) follow the parents git shows, with replace refs
//! and grafts applied (libgit2 knows no replace refs).

use super::{Error, Repository, Result, to_commit_id, to_oid};
use crate::history::CommitId;

impl Repository {
    /// The commit a revision (`HEAD`, a branch, a tag, an id, `main~3`) peels to.
    pub fn resolve(&self, rev: &str) -> Result<CommitId> {
        if rev == "HEAD" || rev.is_empty() {
            match self.inner.head() {
                Ok(_) => {}
                Err(e)
                    if matches!(
                        e.code(),
                        git2::ErrorCode::UnbornBranch | git2::ErrorCode::NotFound
                    ) =>
                {
                    return Err(Error::Empty {
                        path: self.shown.clone(),
                    });
                }
                Err(e) => return Err(e.into()),
            }
        }
        // Ancestry steps are taken here, by the parents git shows, which libgit2
        // does not know when replace refs are in effect.
        if let Some((base, steps)) = ancestry_steps(rev) {
            let mut commit = self.peel(rev, base)?;
            for step in steps {
                commit = self.step(rev, commit, step)?;
            }
            return Ok(commit);
        }
        self.peel(rev, rev)
    }

    /// The commit `name` (part of `rev`) names, through libgit2.
    fn peel(&self, rev: &str, name: &str) -> Result<CommitId> {
        let not_found = |e: git2::Error| Error::RevisionNotFound {
            rev: rev.to_string(),
            message: e.message().to_string(),
        };
        let object = self.inner.revparse_single(name).map_err(not_found)?;
        let commit = object.peel_to_commit().map_err(not_found)?;
        Ok(to_commit_id(commit.id()))
    }

    fn step(&self, rev: &str, commit: CommitId, step: Step) -> Result<CommitId> {
        let (first, count) = match step {
            Step::Parent(0) => return Ok(commit),
            Step::Parent(n) => (n - 1, 1),
            Step::Ancestor(n) => (0, n),
        };
        let mut current = commit;
        for i in 0..count {
            let parents = self.parents(current)?;
            let index = if i == 0 { first } else { 0 };
            current = *parents.get(index).ok_or_else(|| Error::RevisionNotFound {
                rev: rev.to_string(),
                message: format!("commit {current} has no parent {}", index + 1),
            })?;
        }
        Ok(current)
    }

    /// A commit's parents as git shows them: grafted, or its replacement's.
    pub(super) fn parents(&self, commit: CommitId) -> Result<Vec<CommitId>> {
        if let Some(parents) = self.replacements.graft(&commit) {
            return Ok(parents.to_vec());
        }
        let shown = self.replacements.object(commit)?;
        let odb = self.inner.odb()?;
        let object = odb.read(to_oid(shown))?;
        let bad = |message: &str| Error::BadCommit {
            id: commit.to_hex(),
            message: message.to_string(),
        };
        if object.kind() != git2::ObjectType::Commit {
            return Err(bad("its replacement is not a commit"));
        }
        super::read::parent_lines(object.data())
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| bad("malformed parent line"))
    }
}

/// One ancestry step: `^N` (the Nth parent, `^0` the commit itself) or `~N`
/// (N first parents back).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    Parent(usize),
    Ancestor(usize),
}

/// `main~2^2` as `main` and its steps; `None` when `rev` does not end in steps.
fn ancestry_steps(rev: &str) -> Option<(&str, Vec<Step>)> {
    let bytes = rev.as_bytes();
    let mut end = bytes.len();
    let mut steps = Vec::new();
    loop {
        let digits = bytes[..end]
            .iter()
            .rev()
            .take_while(|b| b.is_ascii_digit())
            .count();
        let at = end - digits;
        let Some(op) = at.checked_sub(1).map(|i| bytes[i]) else {
            break;
        };
        let n = if digits == 0 {
            1
        } else {
            rev[at..end].parse().ok()?
        };
        match op {
            b'~' => steps.push(Step::Ancestor(n)),
            b'^' => steps.push(Step::Parent(n)),
            _ => break,
        }
        end = at - 1;
    }
    if steps.is_empty() || end == 0 {
        return None;
    }
    steps.reverse();
    Some((&rev[..end], steps))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ancestry_steps_are_split_from_the_name() {
        use Step::*;
        assert_eq!(
            ancestry_steps("main~2^2"),
            Some(("main", vec![Ancestor(2), Parent(2)]))
        );
        assert_eq!(
            ancestry_steps("v1.0^^~"),
            Some(("v1.0", vec![Parent(1), Parent(1), Ancestor(1)]))
        );
        assert_eq!(
            ancestry_steps("abc123~10"),
            Some(("abc123", vec![Ancestor(10)]))
        );
        assert_eq!(ancestry_steps("HEAD^0"), Some(("HEAD", vec![Parent(0)])));
        assert_eq!(ancestry_steps("main"), None);
        assert_eq!(ancestry_steps("v1.2"), None);
        assert_eq!(ancestry_steps("~2"), None);
        assert_eq!(ancestry_steps("main^{commit}"), None);
    }
}
