//! Flow: what kind of work shipped (feature, defect, debt, risk, other), pull
//! requests and the commits on their branches, and how long they took.

use serde::Serialize;

use crate::history::{Commit, History};
use crate::releases::Correlation;

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum FlowKind {
    Feature,
    Defect,
    Debt,
    Risk,
    Other,
}

impl FlowKind {
    pub const ALL: [FlowKind; 5] = [
        FlowKind::Feature,
        FlowKind::Defect,
        FlowKind::Debt,
        FlowKind::Risk,
        FlowKind::Other,
    ];

    pub fn name(self) -> &'static str {
        match self {
            FlowKind::Feature => "feature",
            FlowKind::Defect => "defect",
            FlowKind::Debt => "debt",
            FlowKind::Risk => "risk",
            FlowKind::Other => "other",
        }
    }
}

/// The kind of a conventional type and scope: feat is a feature; fix and revert are
/// defects; security, and anything scoped `deps`, is risk; refactor, perf, build,
/// ci, chore, test, docs and style are debt.
pub fn kind_of_type(kind: &str, scope: Option<&str>) -> Option<FlowKind> {
    if scope == Some("deps") || kind == "security" || kind == "deps" {
        return Some(FlowKind::Risk);
    }
    Some(match kind {
        "feat" | "feature" => FlowKind::Feature,
        "fix" | "revert" | "hotfix" | "bugfix" => FlowKind::Defect,
        "refactor" | "perf" | "build" | "ci" | "chore" | "test" | "tests" | "docs" | "style" => {
            FlowKind::Debt
        }
        _ => return None,
    })
}

/// A subject without a conventional type, by its keywords: defect words first, then
/// risk, debt and feature words.
pub fn kind_of_subject(subject: &str) -> FlowKind {
    let lower = subject.to_ascii_lowercase();
    if lower.starts_with("revert") {
        return FlowKind::Defect;
    }
    let mut found = [false; 4];
    for token in lower.split(|c: char| !c.is_alphanumeric()) {
        match token {
            "fix" | "fixes" | "fixed" | "bug" | "crash" | "error" | "broken" | "hotfix" => {
                found[0] = true
            }
            "security" | "cve" | "vulnerability" | "vulnerable" | "dependency" | "dependencies"
            | "bump" => found[1] = true,
            "refactor" | "cleanup" | "clean" | "tidy" | "docs" | "readme" | "test" | "tests"
            | "typo" | "lint" | "format" | "logging" => found[2] = true,
            "add" | "adds" | "added" | "implement" | "support" | "new" | "introduce"
            | "feature" | "allow" | "enable" => found[3] = true,
            _ => {}
        }
    }
    [
        FlowKind::Defect,
        FlowKind::Risk,
        FlowKind::Debt,
        FlowKind::Feature,
    ]
    .into_iter()
    .zip(found)
    .find(|(_, hit)| *hit)
    .map_or(FlowKind::Other, |(k, _)| k)
}

pub fn kind_of(commit: &Commit) -> FlowKind {
    if commit.reverts.is_some() {
        return FlowKind::Defect;
    }
    match &commit.conventional {
        Some(c) => kind_of_type(&c.kind, c.scope.as_deref())
            .unwrap_or_else(|| kind_of_subject(&commit.subject)),
        None => kind_of_subject(&commit.subject),
    }
}

/// A pull request: a merge commit with its branch, or a squashed commit.
#[derive(Clone, Debug)]
pub struct PullRequest {
    pub number: u32,
    /// The merge or squash commit.
    pub merge: u32,
    /// The commits of the branch (only the squash commit itself for a squash).
    pub commits: Vec<u32>,
    pub kind: FlowKind,
    /// Author time of its first commit.
    pub started: i64,
    /// Committer time of the merge or squash commit.
    pub merged: i64,
    /// Committer time of its last commit before the merge (merge-commit style only).
    pub last_commit: Option<i64>,
    /// From a pull-request export: when it was opened, first reviewed, and first
    /// committed to.
    pub opened: Option<i64>,
    pub first_review: Option<i64>,
    pub first_commit: Option<i64>,
}

/// Adds what an export knows to the pull requests the history shows, by number.
pub fn enrich(prs: &mut [PullRequest], export: &[crate::pull_requests::Exported]) {
    for pr in prs.iter_mut() {
        if let Ok(k) = export.binary_search_by_key(&pr.number, |e| e.number) {
            let e = &export[k];
            pr.opened = Some(e.opened);
            pr.first_review = e.first_review;
            pr.first_commit = e.first_commit;
        }
    }
}

/// Pull requests and, per commit, the pull request it belongs to. A merge's branch is
/// what its second parent reaches before the mainline (the first-parent chains of
/// the built revision and of the release tags) and before other pull requests.
pub fn pull_requests(
    history: &History,
    correlation: &Correlation,
    head: Option<u32>,
) -> (Vec<PullRequest>, Vec<Option<u32>>) {
    let n = history.commits.len();
    let graph = &correlation.graph;
    let mainline = mainline(correlation, head, n);
    let mut owner: Vec<Option<u32>> = vec![None; n];
    let mut prs = Vec::new();
    // Oldest first, so an older pull request claims its commits before a later merge
    // that also reaches them (a branch merged twice).
    for &m in graph.order.iter().rev() {
        let commit = &history.commits[m as usize];
        let Some(number) = commit.pull_request else {
            continue;
        };
        let index = prs.len() as u32;
        let mut commits = Vec::new();
        if commit.is_merge() {
            let mut stack: Vec<u32> = graph.parents(m).iter().skip(1).copied().collect();
            while let Some(c) = stack.pop() {
                if mainline[c as usize] || owner[c as usize].is_some() {
                    continue;
                }
                owner[c as usize] = Some(index);
                commits.push(c);
                stack.extend_from_slice(graph.parents(c));
            }
        } else {
            commits.push(m);
        }
        owner[m as usize] = Some(index);
        prs.push(pull_request(history, number, m, commits));
    }
    (prs, owner)
}

/// Which of the `n` commits are on the first-parent chains of the releases and of
/// HEAD.
fn mainline(correlation: &Correlation, head: Option<u32>, n: usize) -> Vec<bool> {
    let graph = &correlation.graph;
    let mut mainline = vec![false; n];
    let mut starts: Vec<u32> = correlation
        .releases
        .iter()
        .filter_map(|r| graph.index.get(&r.commit).copied())
        .collect();
    starts.extend(head);
    for s in starts {
        let mut at = Some(s);
        while let Some(c) = at {
            if mainline[c as usize] {
                break;
            }
            mainline[c as usize] = true;
            at = graph.first_parent(c);
        }
    }
    mainline
}

/// Pull request `number`, merged (or squashed) as commit `m`, made of `commits`.
fn pull_request(history: &History, number: u32, m: u32, commits: Vec<u32>) -> PullRequest {
    let commit = &history.commits[m as usize];
    let started = commits
        .iter()
        .map(|&c| history.commits[c as usize].author_time.seconds)
        .min()
        .unwrap_or(commit.author_time.seconds);
    let last_commit = commit
        .is_merge()
        .then(|| {
            commits
                .iter()
                .map(|&c| history.commits[c as usize].committer_time.seconds)
                .max()
        })
        .flatten();
    // The title of a merged pull request is the merge commit's body; its kind
    // comes from there when conventional, else from its first commit.
    let title_kind = commit
        .merge_title
        .as_deref()
        .and_then(crate::message::conventional)
        .and_then(|c| kind_of_type(&c.kind, c.scope.as_deref()));
    let kind = match (commit.is_merge(), title_kind) {
        (false, _) => kind_of(commit),
        (true, Some(k)) => k,
        (true, None) => commits
            .iter()
            .min_by_key(|&&c| history.commits[c as usize].author_time.seconds)
            .map(|&c| kind_of(&history.commits[c as usize]))
            .unwrap_or(FlowKind::Other),
    };
    PullRequest {
        number,
        merge: m,
        commits,
        kind,
        started,
        merged: commit.committer_time.seconds,
        last_commit,
        opened: None,
        first_review: None,
        first_commit: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_from_types_scopes_and_keywords() {
        assert_eq!(kind_of_type("feat", None), Some(FlowKind::Feature));
        assert_eq!(kind_of_type("chore", Some("deps")), Some(FlowKind::Risk));
        assert_eq!(kind_of_type("refactor", None), Some(FlowKind::Debt));
        assert_eq!(kind_of_type("wip", None), None);
        assert_eq!(kind_of_subject("Fix crash in parser"), FlowKind::Defect);
        assert_eq!(kind_of_subject("Update README"), FlowKind::Debt);
        assert_eq!(kind_of_subject("Add dark mode"), FlowKind::Feature);
        assert_eq!(kind_of_subject("Bump serde"), FlowKind::Risk);
        assert_eq!(kind_of_subject("Tweak copy"), FlowKind::Other);
    }
}
