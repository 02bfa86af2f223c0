//! Which release shipped each commit, and what kind of release it was.
//!
//! A release is a tag matching the configured pattern whose target peels to a commit.
//! Releases are ordered by (time, ancestry, name), and a commit belongs to the first
//! release in that order whose tagged commit reaches it: `git rev-list TAG --not
//! EARLIER_TAGS...` for every release, computed here in one pass over the graph by
//! propagating the smallest release index from children to parents in topological
//! order.

mod order;

use std::collections::BinaryHeap;

use crate::config::{LeadTimeFrom, Settings};
use crate::history::{Commit, CommitId, History, IdMap, Tag, TagTarget};
use crate::stats::{self, Summary};

const NONE: u32 = u32::MAX;

/// The commit graph as indices into [`History::commits`], with a topological order.
pub struct Graph {
    pub index: IdMap<u32>,
    parent_start: Vec<u32>,
    parent_list: Vec<u32>,
    /// Children before parents; among commits that are ready, the newest committer
    /// time first (`git rev-list --date-order`).
    pub order: Vec<u32>,
}

impl Graph {
    pub fn new(history: &History) -> Graph {
        let n = history.commits.len();
        let mut index: IdMap<u32> = IdMap::default();
        index.reserve(n);
        for (i, c) in history.commits.iter().enumerate() {
            index.insert(c.id, i as u32);
        }
        let mut parent_start = Vec::with_capacity(n + 1);
        let mut parent_list = Vec::with_capacity(n + n / 8);
        let mut children = vec![0u32; n];
        for c in &history.commits {
            parent_start.push(parent_list.len() as u32);
            for p in &c.parents {
                // Parents outside the history (a cut-off graft) are not followed.
                if let Some(&pi) = index.get(p) {
                    parent_list.push(pi);
                    children[pi as usize] += 1;
                }
            }
        }
        parent_start.push(parent_list.len() as u32);
        let mut graph = Graph {
            index,
            parent_start,
            parent_list,
            order: Vec::with_capacity(n),
        };
        let key = |i: u32| {
            let c = &history.commits[i as usize];
            (c.committer_time.seconds, c.id, i)
        };
        let mut ready: BinaryHeap<(i64, CommitId, u32)> = (0..n as u32)
            .filter(|&i| children[i as usize] == 0)
            .map(key)
            .collect();
        while let Some((_, _, i)) = ready.pop() {
            graph.order.push(i);
            for &p in graph.parents(i) {
                children[p as usize] -= 1;
                if children[p as usize] == 0 {
                    ready.push(key(p));
                }
            }
        }
        graph
    }

    pub fn parents(&self, i: u32) -> &[u32] {
        let (a, b) = (
            self.parent_start[i as usize] as usize,
            self.parent_start[i as usize + 1] as usize,
        );
        &self.parent_list[a..b]
    }

    pub fn first_parent(&self, i: u32) -> Option<u32> {
        self.parents(i).first().copied()
    }

    /// Each commit's generation: 1 for a root, else one more than its highest
    /// parent's, so that an ancestor always has a lower one.
    pub fn generations(&self) -> Vec<u32> {
        let mut generation = vec![0; self.order.len()];
        // `order` has children before parents: backwards, parents come first.
        for &c in self.order.iter().rev() {
            let highest = self
                .parents(c)
                .iter()
                .map(|&p| generation[p as usize])
                .max();
            generation[c as usize] = 1 + highest.unwrap_or(0);
        }
        generation
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn versions_are_read_from_the_end_of_the_tag() {
        assert_eq!(super::semver("v1.2.3"), Some((1, 2, 3)));
        assert_eq!(super::semver("1.2"), Some((1, 2, 0)));
        assert_eq!(super::semver("s3-v1.2.1"), Some((1, 2, 1)));
        assert_eq!(super::semver("notify-v0.10.0"), Some((0, 10, 0)));
        assert_eq!(super::semver("v1.2.3-rc.1"), None);
        assert_eq!(super::semver("release"), None);
    }

    #[test]
    fn each_evidence_names_its_reason_as_data_json_does() {
        use super::{Evidence, Source};
        use crate::history::CommitId;
        let all = [
            Evidence::HotfixTagPattern,
            Evidence::PatchOfFixes,
            Evidence::PatchTiming {
                release: "v1".into(),
                seconds: 1,
            },
            Evidence::FixedByHotfix {
                release: "v1".into(),
                episode: false,
                by: Source::Logged,
            },
            Evidence::RevertedLater {
                release: "v1".into(),
                revert: CommitId([1; 20]),
                reverted: CommitId([2; 20]),
            },
            Evidence::Incident {
                incident: "i".into(),
            },
            Evidence::FixesIncident {
                incident: "i".into(),
            },
            Evidence::Override { note: "n".into() },
        ];
        for e in all {
            let json = serde_json::to_value(&e).unwrap();
            assert_eq!(json["reason"], e.reason(), "{e:?}");
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReleaseKind {
    Planned,
    Hotfix,
}

impl ReleaseKind {
    /// As data.json writes it.
    pub fn name(self) -> &'static str {
        match self {
            ReleaseKind::Planned => "planned",
            ReleaseKind::Hotfix => "hotfix",
        }
    }
}

/// Why a release counts as a hotfix or as failed: the facts, so pages can show them.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, schemars::JsonSchema)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Evidence {
    /// The tag matches `releases.hotfix_tag_pattern`.
    HotfixTagPattern,
    /// A semver patch bump whose shipped commits are all fixes or reverts (release
    /// chores aside).
    PatchOfFixes,
    /// A semver patch release within the patch window of the release it patches.
    PatchTiming { release: String, seconds: i64 },
    /// A later hotfix release builds on this one. `episode`: one of several patch
    /// releases of the same line inside the window, which together end one failure.
    FixedByHotfix {
        release: String,
        episode: bool,
        #[serde(skip)]
        by: Source,
    },
    /// A later release reverts one of this release's commits.
    RevertedLater {
        release: String,
        revert: CommitId,
        reverted: CommitId,
    },
    /// An incident names this release (or one of its commits) in `caused_by`.
    Incident { incident: String },
    /// An incident names this release in `fixed_by`.
    FixesIncident { incident: String },
    /// `value/overrides.yaml` says so, for this reason.
    Override { note: String },
}

/// Where a signal comes from: someone logged it (an incident, a hotfix tag), the
/// history suggests it, or an override in the value folder sets it.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    serde::Serialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Logged,
    #[default]
    Inferred,
    Override,
}

impl Evidence {
    /// Its `reason` in data.json, by which evidence is listed.
    pub fn reason(&self) -> &'static str {
        match self {
            Evidence::HotfixTagPattern => "hotfix_tag_pattern",
            Evidence::PatchOfFixes => "patch_of_fixes",
            Evidence::PatchTiming { .. } => "patch_timing",
            Evidence::FixedByHotfix { .. } => "fixed_by_hotfix",
            Evidence::RevertedLater { .. } => "reverted_later",
            Evidence::Incident { .. } => "incident",
            Evidence::FixesIncident { .. } => "fixes_incident",
            Evidence::Override { .. } => "override",
        }
    }

    /// In words, for `check`: "its commit 0123456789 was reverted in v1.2.1".
    pub fn describe(&self) -> String {
        match self {
            Evidence::HotfixTagPattern => "its tag matches the hotfix tag pattern".into(),
            Evidence::PatchOfFixes => "a patch release of fixes only".into(),
            Evidence::PatchTiming { release, seconds } => format!(
                "a patch release {} after {release}",
                crate::metric::duration(*seconds)
            ),
            Evidence::FixedByHotfix { release, .. } => format!("hotfix {release} builds on it"),
            Evidence::RevertedLater {
                release,
                revert,
                reverted,
            } => format!(
                "its commit {} was reverted in {release} by {}",
                &reverted.to_hex()[..10],
                &revert.to_hex()[..10]
            ),
            Evidence::Incident { incident } => format!("incident {incident} names it"),
            Evidence::FixesIncident { incident } => format!("it fixes incident {incident}"),
            Evidence::Override { note } => format!("overridden: {note}"),
        }
    }

    pub fn source(&self) -> Source {
        match self {
            Evidence::HotfixTagPattern
            | Evidence::Incident { .. }
            | Evidence::FixesIncident { .. } => Source::Logged,
            Evidence::PatchOfFixes
            | Evidence::PatchTiming { .. }
            | Evidence::RevertedLater { .. } => Source::Inferred,
            Evidence::FixedByHotfix { by, .. } => *by,
            Evidence::Override { .. } => Source::Override,
        }
    }
}

/// The strongest source among a hotfix's evidence: logged over override over
/// inferred.
fn strongest(list: &[Evidence]) -> Source {
    let sources: Vec<Source> = list.iter().map(Evidence::source).collect();
    if sources.contains(&Source::Logged) {
        Source::Logged
    } else if sources.contains(&Source::Override) {
        Source::Override
    } else {
        Source::Inferred
    }
}

#[derive(Clone, Debug)]
pub struct Release {
    pub tag: String,
    pub commit: CommitId,
    /// Seconds since the epoch: tagger date of an annotated tag, else committer date.
    pub time: i64,
    pub annotated: bool,
    /// Index in the release order of the release this one builds on.
    pub previous: Option<usize>,
    /// Indices into [`History::commits`], newest first.
    pub commits: Vec<u32>,
    pub lead_time: Option<LeadTime>,
    /// The lead time of each commit that has one (after the baseline), clamped at 0.
    pub lead_times: Vec<i64>,
    pub kind: ReleaseKind,
    pub hotfix_evidence: Vec<Evidence>,
    pub failure_evidence: Vec<Evidence>,
    /// Failures the history suggests but the incident log, declared complete,
    /// does not hold: they count for nothing and `check` warns of them.
    pub suspected: Vec<Evidence>,
    /// Evidence an override set aside, with the override.
    pub overridden: Vec<Evidence>,
    /// For a patch release inside an episode: the episode's first release, which
    /// anything this release fixes is charged to.
    pub fixes: Option<usize>,
}

impl Release {
    /// The release a hotfix repairs: its episode's first, else the one it builds on.
    pub fn repairs(&self) -> Option<usize> {
        self.fixes.or(self.previous)
    }
}

impl Release {
    pub fn failed(&self) -> bool {
        !self.failure_evidence.is_empty()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct LeadTime {
    pub median_seconds: i64,
    pub p90_seconds: i64,
    /// How many commits were authored after the release (clock skew) and count as 0.
    pub clamped: usize,
    pub count: usize,
    /// Commits under an hour, a day, a week, 30 days, and longer ([`crate::stats::BUCKETS`]).
    pub buckets: [usize; 5],
}

/// Releases in order, commit membership, and what was never released.
pub struct Correlation {
    pub graph: Graph,
    pub releases: Vec<Release>,
    /// Commits reachable from the built revision that no release reaches, newest first.
    pub unreleased: Vec<u32>,
    /// Per commit: index of the release that first shipped it, if any.
    pub owner: Vec<Option<u32>>,
    /// Per commit: whether it counts (false outside the paths of a scoped build).
    pub counted: Vec<bool>,
    /// In a scoped build, the tags dropped because none of their commits count,
    /// with the commits they shipped.
    pub dropped: Vec<(String, Vec<u32>)>,
    pub warnings: Vec<String>,
}

/// Correlates `history` (everything reachable from `head` and the release tags) with
/// the `tags` that `settings.tag_pattern` accepted.
///
/// With `counts`, only the commits it accepts count (monorepo scoping): they are
/// still assigned by reachability over the whole graph, then the others are left
/// out, and releases left with no commit are dropped.
pub fn correlate(
    history: &History,
    tags: &[Tag],
    head: CommitId,
    settings: &Settings,
    counts: Option<&dyn Fn(&Commit) -> bool>,
) -> Correlation {
    let graph = Graph::new(history);
    let mut warnings = Vec::new();
    let mut releases = Vec::new();
    for tag in tags {
        let commit = match &tag.target {
            TagTarget::Commit(id) => *id,
            TagTarget::Other(kind) => {
                warnings.push(format!(
                    "tag {} points at a {kind}, not a commit; it is not a release",
                    tag.name
                ));
                continue;
            }
        };
        let Some(&ci) = graph.index.get(&commit) else {
            warnings.push(format!(
                "tag {}: its commit was not read; skipped",
                tag.name
            ));
            continue;
        };
        let time = tag
            .tagger_time
            .map(|t| t.seconds)
            .unwrap_or(history.commits[ci as usize].committer_time.seconds);
        releases.push(Release {
            tag: tag.name.clone(),
            commit,
            time,
            annotated: tag.annotated,
            previous: None,
            commits: Vec::new(),
            lead_time: None,
            lead_times: Vec::new(),
            kind: ReleaseKind::Planned,
            hotfix_evidence: Vec::new(),
            failure_evidence: Vec::new(),
            suspected: Vec::new(),
            overridden: Vec::new(),
            fixes: None,
        });
    }
    order_releases(&mut releases, &graph);

    // The first release (smallest index) reaching each commit, children to parents.
    let n = history.commits.len();
    let mut owner = vec![NONE; n];
    let mut tagged: Vec<Vec<u32>> = vec![Vec::new(); n];
    for (ri, r) in releases.iter().enumerate() {
        let ci = graph.index[&r.commit];
        owner[ci as usize] = owner[ci as usize].min(ri as u32);
        tagged[ci as usize].push(ri as u32);
    }
    let mut reachable = vec![false; n];
    if let Some(&h) = graph.index.get(&head) {
        reachable[h as usize] = true;
    }
    for &c in &graph.order {
        let (o, r) = (owner[c as usize], reachable[c as usize]);
        for &p in graph.parents(c) {
            let p = p as usize;
            owner[p] = owner[p].min(o);
            reachable[p] |= r;
        }
    }
    let mut unreleased = Vec::new();
    for &c in &graph.order {
        match owner[c as usize] {
            NONE if reachable[c as usize] => unreleased.push(c),
            NONE => {}
            o => releases[o as usize].commits.push(c),
        }
    }
    let mut counted = vec![true; n];
    let mut dropped = Vec::new();
    if let Some(counts) = counts {
        for (c, flag) in counted.iter_mut().enumerate() {
            *flag = counts(&history.commits[c]);
        }
        let keep = |c: &u32| counted[*c as usize];
        unreleased.retain(keep);
        for r in releases.iter_mut() {
            let all = r.commits.clone();
            r.commits.retain(keep);
            if r.commits.is_empty() {
                dropped.push((r.tag.clone(), all));
            }
        }
        // Renumber the releases that still ship something.
        let mut renumber = vec![NONE; releases.len()];
        let mut kept = Vec::new();
        for (i, r) in releases.into_iter().enumerate() {
            if !r.commits.is_empty() {
                renumber[i] = kept.len() as u32;
                kept.push(r);
            }
        }
        releases = kept;
        for o in owner.iter_mut().filter(|o| **o != NONE) {
            *o = renumber[*o as usize];
        }
        for list in tagged.iter_mut() {
            list.retain_mut(|r| {
                *r = renumber[*r as usize];
                *r != NONE
            });
        }
    }

    for ri in 0..releases.len() {
        releases[ri].previous = previous_release(ri, &releases, &graph, &tagged);
        let (summary, values) = lead_time(&releases[ri], history, settings);
        releases[ri].lead_time = summary;
        releases[ri].lead_times = values;
    }
    classify(&mut releases, history, settings);

    Correlation {
        graph,
        releases,
        unreleased,
        owner: owner
            .into_iter()
            .map(|o| (o != NONE).then_some(o))
            .collect(),
        counted,
        dropped,
        warnings,
    }
}

/// Sorts by time; releases at the same second go ancestors first, then by name
/// ([`order::by_ancestry`]).
fn order_releases(releases: &mut Vec<Release>, graph: &Graph) {
    releases.sort_by(|a, b| a.time.cmp(&b.time).then_with(|| a.tag.cmp(&b.tag)));
    let mut generation: Option<Vec<u32>> = None;
    let mut start = 0;
    while start < releases.len() {
        let end = start + releases[start..].partition_point(|r| r.time == releases[start].time);
        if end - start > 1 {
            let generation = generation.get_or_insert_with(|| graph.generations());
            let commits: Vec<u32> = releases[start..end]
                .iter()
                .map(|r| graph.index[&r.commit])
                .collect();
            let order = order::by_ancestry(&commits, |c| graph.parents(c), generation);
            let mut slots: Vec<Option<Release>> = releases.drain(start..end).map(Some).collect();
            let sorted = order.into_iter().filter_map(|i| slots[i].take());
            releases.splice(start..start, sorted);
        }
        start = end;
    }
}

/// The release this one builds on: the latest earlier release found walking back
/// along first parents from the release's own commit.
fn previous_release(
    ri: usize,
    releases: &[Release],
    graph: &Graph,
    tagged: &[Vec<u32>],
) -> Option<usize> {
    let mut at = Some(graph.index[&releases[ri].commit]);
    while let Some(c) = at {
        let best = tagged[c as usize]
            .iter()
            .map(|&r| r as usize)
            .filter(|&r| r < ri)
            .max();
        if best.is_some() {
            return best;
        }
        at = graph.first_parent(c);
    }
    None
}

fn lead_time(
    release: &Release,
    history: &History,
    settings: &Settings,
) -> (Option<LeadTime>, Vec<i64>) {
    let mut clamped = 0;
    let mut values: Vec<i64> = release
        .commits
        .iter()
        .filter_map(|&c| {
            let commit = &history.commits[c as usize];
            let start = match settings.lead_time_from {
                LeadTimeFrom::Author => commit.author_time.seconds,
                LeadTimeFrom::Committer => commit.committer_time.seconds,
            };
            if settings.baseline.is_some_and(|b| start < b) {
                return None;
            }
            let lead = release.time - start;
            if lead < 0 {
                clamped += 1;
            }
            Some(lead.max(0))
        })
        .collect();
    let Some(Summary {
        median_seconds,
        p90_seconds,
        count,
        buckets,
    }) = stats::summarize(&mut values)
    else {
        return (None, values);
    };
    let summary = LeadTime {
        median_seconds,
        p90_seconds,
        clamped,
        count,
        buckets,
    };
    (Some(summary), values)
}

/// Marks hotfix releases (by tag pattern; a patch bump of only fixes, release
/// chores aside; a patch release soon after the release it patches) and the
/// releases they fix as failed. Patch releases of one line inside the window form
/// one episode: the release they patch failed once, and recovered at the last.
/// Reverts are read later, by [`apply_reverts`]; incidents by [`apply_incidents`].
fn classify(releases: &mut [Release], history: &History, settings: &Settings) {
    let signals = &settings.signals;
    let versions: Vec<Option<(u64, u64, u64)>> = releases.iter().map(|r| semver(&r.tag)).collect();
    // Per release: the release its patch timing fixes, the episode's first.
    let mut fixes: Vec<Option<(usize, bool)>> = vec![None; releases.len()];
    for ri in 0..releases.len() {
        let mut evidence = Vec::new();
        if settings
            .hotfix_tag_pattern
            .as_ref()
            .is_some_and(|p| p.is_match(&releases[ri].tag))
        {
            evidence.push(Evidence::HotfixTagPattern);
        }
        let prev_version = releases[ri].previous.and_then(|p| versions[p]);
        if signals.patch_of_fixes
            && let (Some(v), Some(pv)) = (versions[ri], prev_version)
        {
            let patch_bump = v.0 == pv.0 && v.1 == pv.1 && v.2 > pv.2;
            if patch_bump && only_fixes(&releases[ri].commits, history, &signals.release_chore) {
                evidence.push(Evidence::PatchOfFixes);
            }
        }
        // The release this one patches: the latest earlier one of the same x.y
        // with a lower patch number.
        let patched = versions[ri].filter(|v| v.2 > 0).and_then(|v| {
            (0..ri)
                .rev()
                .find(|&p| versions[p].is_some_and(|pv| pv.0 == v.0 && pv.1 == v.1 && pv.2 < v.2))
        });
        if signals.patch_timing
            && let Some(p) = patched
        {
            // An episode: when the patched release is itself a timed patch, the
            // failure is its episode's first release's, and the window runs from it.
            let base = match fixes[p] {
                Some((base, true)) => base,
                _ => p,
            };
            let seconds = releases[ri].time - releases[base].time;
            if (0..=signals.patch_window).contains(&seconds) {
                evidence.push(Evidence::PatchTiming {
                    release: releases[base].tag.clone(),
                    seconds,
                });
                fixes[ri] = Some((base, true));
            }
        }
        releases[ri].fixes = fixes[ri].map(|f| f.0);
        if !evidence.is_empty() {
            releases[ri].kind = ReleaseKind::Hotfix;
            let by = strongest(&evidence);
            releases[ri].hotfix_evidence = evidence;
            let (target, episode) = match fixes[ri] {
                Some(f) => (Some(f.0), f.1),
                None => (releases[ri].previous, false),
            };
            if let Some(t) = target {
                let tag = releases[ri].tag.clone();
                releases[t].failure_evidence.push(Evidence::FixedByHotfix {
                    release: tag,
                    episode,
                    by,
                });
            }
        }
    }
}

/// A revert and the commit it undoes, by index into [`History::commits`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RevertPair {
    pub revert: usize,
    pub reverted: usize,
}

/// Every revert in the history matched to the commit it undoes: by git's
/// `This reverts commit` line, by a reverted pull request's number, or by the
/// reverted subject's description (the latest earlier commit with it).
pub fn reverts(history: &History) -> Vec<RevertPair> {
    use crate::message::{Reverted, description};
    use std::collections::{HashMap, HashSet};
    // First the reverts (few), then an index of only what they name.
    let wanted: Vec<(usize, &[Reverted])> = history
        .commits
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.reverted.is_empty())
        .map(|(i, c)| (i, &c.reverted[..]))
        .collect();
    if wanted.is_empty() {
        return Vec::new();
    }
    let named = wanted.iter().flat_map(|(_, w)| w.iter());
    let ids: HashSet<CommitId> = named
        .clone()
        .filter_map(|w| match w {
            Reverted::Commit(id) => Some(*id),
            _ => None,
        })
        .collect();
    let numbers: HashSet<u32> = named
        .clone()
        .filter_map(|w| match w {
            Reverted::PullRequest(n) => Some(*n),
            _ => None,
        })
        .collect();
    let descriptions: HashSet<&str> = named
        .filter_map(|w| match w {
            Reverted::Description(d) => Some(d.as_str()),
            _ => None,
        })
        .collect();
    let reverting: HashSet<usize> = wanted.iter().map(|(i, _)| *i).collect();
    let mut by_id: HashMap<CommitId, usize> = HashMap::new();
    let mut by_pr: HashMap<u32, Vec<usize>> = HashMap::new();
    let mut by_description: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, c) in history.commits.iter().enumerate() {
        if ids.contains(&c.id) {
            by_id.insert(c.id, i);
        }
        if reverting.contains(&i) {
            continue;
        }
        if let Some(n) = c.pull_request
            && numbers.contains(&n)
        {
            by_pr.entry(n).or_default().push(i);
        }
        if !descriptions.is_empty() && !c.is_merge() {
            let d = description(&c.subject);
            if descriptions.contains(d.as_str()) {
                by_description.entry(d).or_default().push(i);
            }
        }
    }
    let mut pairs = Vec::new();
    for (i, what) in wanted {
        let time = history.commits[i].committer_time.seconds;
        // The latest candidate no later than the revert, never itself.
        let latest = |list: Option<&Vec<usize>>| -> Option<usize> {
            list?
                .iter()
                .copied()
                .filter(|&k| k != i && history.commits[k].committer_time.seconds <= time)
                .max_by_key(|&k| (history.commits[k].committer_time.seconds, k))
        };
        let found = what.iter().find_map(|w| match w {
            Reverted::Commit(id) => by_id.get(id).copied().filter(|&k| k != i),
            Reverted::PullRequest(n) => latest(by_pr.get(n)),
            Reverted::Description(d) => latest(by_description.get(d)),
        });
        if let Some(k) = found {
            pairs.push(RevertPair {
                revert: i,
                reverted: k,
            });
        }
    }
    pairs
}

/// Why a revert did not fail a release, for the methodology and tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RevertReading {
    /// The reverted commit shipped in an earlier release, and the revert shipped
    /// within the window: that release failed.
    Failure,
    /// The reverted work never shipped before the revert: rework.
    Rework,
    /// The revert shipped after the window: a removal.
    Removal,
    /// Only paths that do not reach production changed.
    NotProduct,
    /// The revert has not shipped, or the rule is off, or an override says so.
    Ignored,
}

/// Adds the failures reverts show. `non_product(commit)` says whether a commit
/// changed only paths that do not reach production; `skip` gives the reason of an
/// override that says a revert commit shows no failure.
pub fn apply_reverts(
    correlation: &mut Correlation,
    history: &History,
    settings: &Settings,
    pairs: &[RevertPair],
    non_product: &dyn Fn(&CommitId) -> bool,
    skip: &dyn Fn(&CommitId) -> Option<String>,
) -> Vec<(RevertPair, RevertReading)> {
    let mut readings = Vec::new();
    for &pair in pairs {
        let revert = &history.commits[pair.revert];
        let by = correlation.owner[pair.revert];
        let of = correlation.owner[pair.reverted];
        let overridden = skip(&revert.id);
        let reading = match (by, of) {
            _ if !settings.signals.reverts => RevertReading::Ignored,
            (None, _) => RevertReading::Ignored,
            (Some(_), None) => RevertReading::Rework,
            (Some(b), Some(o)) if b <= o => RevertReading::Rework,
            // Reverting a revert lands the work again: no failure of the release
            // that shipped the first revert.
            _ if pairs.iter().any(|p| p.revert == pair.reverted) => RevertReading::Rework,
            (Some(b), Some(o)) => {
                let (b, o) = (b as usize, o as usize);
                let releases = &correlation.releases;
                if releases[b].time - releases[o].time > settings.signals.revert_window {
                    RevertReading::Removal
                } else if non_product(&history.commits[pair.reverted].id) {
                    RevertReading::NotProduct
                } else {
                    RevertReading::Failure
                }
            }
        };
        if reading == RevertReading::Failure
            && let (Some(b), Some(o)) = (by, of)
        {
            let release = correlation.releases[b as usize].tag.clone();
            let e = Evidence::RevertedLater {
                release,
                revert: revert.id,
                reverted: history.commits[pair.reverted].id,
            };
            let r = &mut correlation.releases[o as usize];
            // An override says this revert shows no failure: set aside, with it.
            match &overridden {
                Some(note) => {
                    let note = Evidence::Override { note: note.clone() };
                    for e in [e, note] {
                        if !r.overridden.contains(&e) {
                            r.overridden.push(e);
                        }
                    }
                }
                None if !r.failure_evidence.contains(&e) => r.failure_evidence.push(e),
                None => {}
            }
        }
        let reading = if overridden.is_some() {
            RevertReading::Ignored
        } else {
            reading
        };
        readings.push((pair, reading));
    }
    for r in correlation.releases.iter_mut() {
        r.failure_evidence
            .sort_by(|a, b| a.reason().cmp(b.reason()).then_with(|| a.cmp(b)));
        r.failure_evidence.dedup();
    }
    readings
}

/// `v1.2.3` or `1.2` as (major, minor, patch); pre-release or other names give None.
pub fn semver(tag: &str) -> Option<(u64, u64, u64)> {
    // The version is the tag's last run of digits and dots, so a prefix with digits
    // in it (`s3-v1.2.0`) does not get in the way.
    let end = tag.len();
    let start = tag
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_digit() || *c == '.')
        .last()
        .map(|(i, _)| i)?;
    let version = &tag[start..end];
    if version.starts_with('.') {
        return None;
    }
    let mut parts = version.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    let patch = match parts.next() {
        Some(p) => p.parse().ok()?,
        None => 0,
    };
    if parts.next().is_some() {
        return None;
    }
    Some((major, minor, patch))
}

/// At least one non-merge commit that is no release chore, and every such commit a
/// fix or revert.
fn only_fixes(commits: &[u32], history: &History, chore: &regex::Regex) -> bool {
    let mut any = false;
    for &c in commits {
        let commit = &history.commits[c as usize];
        if commit.is_merge() || chore.is_match(&commit.subject) {
            continue;
        }
        any = true;
        let kind = commit.conventional.as_ref().map(|c| c.kind.as_str());
        let is_fix =
            matches!(kind, Some("fix" | "revert" | "hotfix")) || !commit.reverted.is_empty();
        if !is_fix {
            return false;
        }
    }
    any
}

/// With the incident log declared complete, failures come only from it (and from
/// overrides): what the history alone suggests moves to `suspected`, where `check`
/// warns of it as an unlogged suspected failure.
pub fn only_logged_failures(correlation: &mut Correlation) {
    for r in correlation.releases.iter_mut() {
        let (kept, suspected): (Vec<Evidence>, Vec<Evidence>) =
            std::mem::take(&mut r.failure_evidence)
                .into_iter()
                .partition(|e| e.source() != Source::Inferred);
        r.failure_evidence = kept;
        r.suspected = suspected;
    }
}

/// Applies `value/overrides.yaml`: a release set to failed gains the override as
/// its evidence; set to not failed, its evidence is set aside (and shown beside
/// the override); a kind sets hotfix or planned the same way. Overrides of
/// reverts are read by [`apply_reverts`].
pub fn apply_overrides(correlation: &mut Correlation, overrides: &[crate::content::Override]) {
    let mut planned = Vec::new();
    let mut hotfixes = Vec::new();
    for o in overrides {
        let Some(tag) = &o.release else { continue };
        let Some(r) = correlation.releases.iter_mut().find(|r| r.tag == tag.value) else {
            continue; // `check` reports a tag that is no release.
        };
        let note = Evidence::Override {
            note: o.reason.clone(),
        };
        match o.failed {
            Some(true) => {
                r.failure_evidence.push(note.clone());
            }
            Some(false) => {
                r.overridden.append(&mut r.failure_evidence);
                r.overridden.append(&mut r.suspected);
                r.overridden.push(note.clone());
            }
            None => {}
        }
        match o.kind {
            Some("hotfix") => {
                r.kind = ReleaseKind::Hotfix;
                r.hotfix_evidence.push(note);
                if let Some(p) = r.repairs() {
                    hotfixes.push((p, r.tag.clone()));
                }
            }
            Some("planned") => {
                r.kind = ReleaseKind::Planned;
                r.overridden.append(&mut r.hotfix_evidence);
                r.overridden.push(note);
                planned.push(r.tag.clone());
            }
            _ => {}
        }
    }
    // A hotfix fails the release it builds on; one that is no hotfix fixed nothing.
    for (p, tag) in hotfixes {
        let e = Evidence::FixedByHotfix {
            release: tag,
            episode: false,
            by: Source::Override,
        };
        if !correlation.releases[p].failure_evidence.contains(&e) {
            correlation.releases[p].failure_evidence.push(e);
        }
    }
    for r in correlation.releases.iter_mut() {
        r.failure_evidence.retain(
            |e| !matches!(e, Evidence::FixedByHotfix { release, .. } if planned.contains(release)),
        );
    }
}

/// What an incident says about releases, for [`apply_incidents`].
pub struct IncidentRef<'a> {
    pub id: &'a str,
    /// A tag, or a commit id or unambiguous prefix.
    pub caused_by: Option<&'a str>,
    pub fixed_by: Option<&'a str>,
}

/// Adds the evidence incidents give: the release named in (or shipping the commit
/// named in) `caused_by` failed; the release named in `fixed_by` is a hotfix.
pub fn apply_incidents(
    correlation: &mut Correlation,
    history: &History,
    incidents: &[IncidentRef<'_>],
) {
    let find = |name: &str| -> Option<usize> {
        if let Some(i) = correlation.releases.iter().position(|r| r.tag == name) {
            return Some(i);
        }
        let ci = history.commit_named(name)?;
        correlation
            .owner
            .get(ci)
            .copied()
            .flatten()
            .map(|o| o as usize)
    };
    let resolved: Vec<(Option<usize>, Option<usize>)> = incidents
        .iter()
        .map(|inc| (inc.caused_by.and_then(find), inc.fixed_by.and_then(find)))
        .collect();
    for (inc, (caused, fixed)) in incidents.iter().zip(resolved.iter().copied()) {
        for (field, named, found) in [
            ("caused_by", inc.caused_by, caused),
            ("fixed_by", inc.fixed_by, fixed),
        ] {
            if let (Some(name), None) = (named, found) {
                correlation.warnings.push(format!(
                    "incident {}: {field} `{name}` is not a release (nor a commit a release shipped), so it counts toward none",
                    inc.id
                ));
            }
        }
        if let Some(r) = caused {
            let e = Evidence::Incident {
                incident: inc.id.to_string(),
            };
            if !correlation.releases[r].failure_evidence.contains(&e) {
                correlation.releases[r].failure_evidence.push(e);
            }
        }
        if let Some(r) = fixed {
            let release = &mut correlation.releases[r];
            release.kind = ReleaseKind::Hotfix;
            let e = Evidence::FixesIncident {
                incident: inc.id.to_string(),
            };
            if !release.hotfix_evidence.contains(&e) {
                release.hotfix_evidence.push(e);
            }
            // As for any hotfix, the release it repairs failed (an episode's first).
            let tag = release.tag.clone();
            let episode = release.fixes.is_some();
            if let Some(p) = release.repairs() {
                // The history may have suggested it already: now it is logged.
                let list = &mut correlation.releases[p].failure_evidence;
                let known = list.iter_mut().find_map(|e| match e {
                    Evidence::FixedByHotfix { release, by, .. } if *release == tag => Some(by),
                    _ => None,
                });
                match known {
                    Some(by) => *by = Source::Logged,
                    None => list.push(Evidence::FixedByHotfix {
                        release: tag,
                        episode,
                        by: Source::Logged,
                    }),
                }
            }
        }
    }
}
