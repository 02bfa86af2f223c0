//! Releases tagged in the same second, in the order defined for them: a release
//! whose commit is a proper ancestor of another's comes first; otherwise the
//! smaller name. Release tools for monorepos (changesets, lerna, release-please)
//! tag dozens of packages on one commit in one second, many times over, and a
//! history dated past 2100 is clamped into one second, so a group can hold
//! thousands of releases.
//!
//! The order is Kahn's algorithm taking the smallest name among the releases that
//! are ready. It needs only enough ancestry edges that their transitive closure
//! is the ancestry among the group's commits: each commit's nearest group commits
//! below it, found in one walk over the commits between the group's lowest
//! generation and its commits, parents first. That is O((s + k) log k) for a group
//! of k releases whose commits' ancestors down to the lowest of them number s,
//! where comparing every pair took O(k³) walks.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

/// The order of one group of same-second releases, as positions into the group:
/// `commits[i]` is the commit of the group's i-th release, the group sorted by
/// name. `parents` gives a commit's parents and `generation` each commit's
/// generation (one more than its highest parent's, 1 for a root), so that an
/// ancestor always has a lower one.
pub fn by_ancestry<'g>(
    commits: &[u32],
    parents: impl Fn(u32) -> &'g [u32],
    generation: &[u32],
) -> Vec<usize> {
    // The group's distinct commits, densely numbered, with the releases on each.
    let mut dense: HashMap<u32, usize> = HashMap::new();
    let mut releases_at: Vec<Vec<usize>> = Vec::new();
    for (i, &c) in commits.iter().enumerate() {
        let d = *dense.entry(c).or_insert_with(|| {
            releases_at.push(Vec::new());
            releases_at.len() - 1
        });
        releases_at[d].push(i);
    }
    let below = nearest_below(&dense, parents, generation);
    // Kahn's algorithm over commits, releasing a commit's releases by name once
    // every group commit below it has had all of its releases placed.
    let mut waiting: Vec<usize> = below.iter().map(Vec::len).collect();
    let mut above: Vec<Vec<usize>> = vec![Vec::new(); releases_at.len()];
    for (d, list) in below.iter().enumerate() {
        for &b in list {
            above[b].push(d);
        }
    }
    let mut unplaced: Vec<usize> = releases_at.iter().map(Vec::len).collect();
    let mut ready: BinaryHeap<Reverse<usize>> = (0..releases_at.len())
        .filter(|&d| waiting[d] == 0)
        .flat_map(|d| releases_at[d].iter().map(|&i| Reverse(i)))
        .collect();
    let mut order = Vec::with_capacity(commits.len());
    while let Some(Reverse(i)) = ready.pop() {
        order.push(i);
        let d = dense[&commits[i]];
        unplaced[d] -= 1;
        if unplaced[d] > 0 {
            continue;
        }
        for &a in &above[d] {
            waiting[a] -= 1;
            if waiting[a] == 0 {
                ready.extend(releases_at[a].iter().map(|&i| Reverse(i)));
            }
        }
    }
    order
}

/// For each group commit (by its dense number), the nearest group commits that
/// are its proper ancestors: those reached first on some path down its parents.
fn nearest_below<'g>(
    dense: &HashMap<u32, usize>,
    parents: impl Fn(u32) -> &'g [u32],
    generation: &[u32],
) -> Vec<Vec<usize>> {
    // No group commit lies below the lowest generation among them.
    let floor = dense
        .keys()
        .map(|&c| generation[c as usize])
        .min()
        .unwrap_or(0);
    let mut seen: HashMap<u32, Vec<usize>> = HashMap::new();
    let mut stack: Vec<u32> = dense.keys().copied().collect();
    let mut walked: Vec<u32> = Vec::new();
    while let Some(c) = stack.pop() {
        if generation[c as usize] < floor || seen.contains_key(&c) {
            continue;
        }
        seen.insert(c, Vec::new());
        walked.push(c);
        stack.extend_from_slice(parents(c));
    }
    // Parents first: a parent's generation is lower than its child's.
    walked.sort_unstable_by_key(|&c| (generation[c as usize], c));
    let mut below = vec![Vec::new(); dense.len()];
    for c in walked {
        let mut reached: Vec<usize> = parents(c)
            .iter()
            .filter_map(|p| seen.get(p))
            .flatten()
            .copied()
            .collect();
        reached.sort_unstable();
        reached.dedup();
        // A group commit stands for everything below it.
        let near = match dense.get(&c) {
            Some(&d) => {
                below[d] = reached;
                vec![d]
            }
            None => reached,
        };
        seen.insert(c, near);
    }
    below
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The order as it was defined first: repeatedly the first release by name
    /// whose commit has no unplaced release on a proper ancestor.
    fn reference(commits: &[u32], parents: &[Vec<u32>]) -> Vec<usize> {
        let reaches = |from: u32, to: u32| {
            let mut stack = vec![from];
            let mut seen = std::collections::HashSet::new();
            while let Some(c) = stack.pop() {
                if c == to {
                    return true;
                }
                if seen.insert(c) {
                    stack.extend(&parents[c as usize]);
                }
            }
            false
        };
        let k = commits.len();
        let before =
            |a: usize, b: usize| commits[a] != commits[b] && reaches(commits[b], commits[a]);
        let mut placed = vec![false; k];
        let mut order = Vec::new();
        while order.len() < k {
            let next = (0..k)
                .find(|&b| !placed[b] && (0..k).all(|a| placed[a] || a == b || !before(a, b)))
                .expect("ancestry has no cycle");
            placed[next] = true;
            order.push(next);
        }
        order
    }

    fn generations(parents: &[Vec<u32>]) -> Vec<u32> {
        let mut generation = vec![0; parents.len()];
        // Parents have lower numbers here.
        for c in 0..parents.len() {
            generation[c] = 1 + parents[c]
                .iter()
                .map(|&p| generation[p as usize])
                .max()
                .unwrap_or(0);
        }
        generation
    }

    /// A history of `n` commits where commit `c`'s parents are among the commits
    /// before it (none, one, or a merge of two).
    fn history(n: usize) -> impl Strategy<Value = Vec<Vec<u32>>> {
        let choices = proptest::collection::vec((any::<u8>(), any::<u32>(), any::<u32>()), n);
        choices.prop_map(|choices| {
            choices
                .iter()
                .enumerate()
                .map(|(c, &(kind, a, b))| match (c, kind % 8) {
                    (0, _) | (_, 0) => Vec::new(),
                    (_, 1 | 2) => {
                        let (a, b) = (a % c as u32, b % c as u32);
                        if a == b { vec![a] } else { vec![a, b] }
                    }
                    _ => vec![c as u32 - 1 - a % (c as u32).min(3)],
                })
                .collect()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: crate::testing::property_cases(500), failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn the_order_is_the_one_defined(
            (parents, commits) in (1usize..40).prop_flat_map(|n| {
                (history(n), proptest::collection::vec(0..n as u32, 1..30))
            })
        ) {
            let generation = generations(&parents);
            let fast = by_ancestry(&commits, |c| parents[c as usize].as_slice(), &generation);
            prop_assert_eq!(fast, reference(&commits, &parents));
        }
    }

    #[test]
    fn many_tags_on_few_commits_go_ancestors_first_then_by_name() {
        // A line of three commits, 0 <- 1 <- 2, tagged out of order by name.
        let parents = vec![vec![], vec![0], vec![1]];
        let generation = generations(&parents);
        // Releases (sorted by name): a@2, b@0, c@1, d@0.
        let order = by_ancestry(
            &[2, 0, 1, 0],
            |c| parents[c as usize].as_slice(),
            &generation,
        );
        assert_eq!(order, [1, 3, 2, 0]);
    }
}
