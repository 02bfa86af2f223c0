//! Release membership, order and lead time, on hand-built histories and against
//! `git rev-list` on random ones.

use std::collections::BTreeSet;

use proptest::prelude::*;
use valuestory::history::CommitId;

use crate::support::*;

#[test]
fn commit_belongs_to_earliest_reaching_release() {
    // a - b - c - d        main; v1.0 on b (t0+1h), v2.0 on d (t0+3h)
    //      \
    //       e              side branch; v1.1 on e, tagged at t0+5h
    let mut repo = TestRepo::new();
    let line = repo.line(None, 4, T0);
    let (a, b, c, d) = (line[0], line[1], line[2], line[3]);
    let e = repo.commit(&[b], "fix: side", T0 + 4 * HOUR);
    repo.main_at(d);
    repo.tag("v1.0", b);
    repo.tag("v2.0", d);
    repo.tag_annotated("v1.1", e, T0 + 5 * HOUR);
    let (out, data) = repo.build(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let data = data.unwrap();
    assert_eq!(tags_in_order(&data), ["v1.0", "v2.0", "v1.1"]);
    // v1.0 ships a and b, newest first; v2.0 only c and d; v1.1 only e.
    assert_eq!(
        ids(&release(&data, "v1.0")["commits"]),
        [b.to_hex(), a.to_hex()]
    );
    assert_eq!(
        ids(&release(&data, "v2.0")["commits"]),
        [d.to_hex(), c.to_hex()]
    );
    assert_eq!(ids(&release(&data, "v1.1")["commits"]), [e.to_hex()]);
    assert_eq!(release(&data, "v1.1")["previous"], "v1.0");
    assert_eq!(release(&data, "v2.0")["previous"], "v1.0");
    assert_eq!(data["unreleased"]["commit_count"], 0);
}

#[test]
fn releases_in_the_same_second_go_ancestor_first_then_by_name() {
    // a - b: "zeta" on a and "alpha" on b are tagged in the same second; zeta's commit
    // is b's ancestor, so it comes first despite its name. "beta" shares b with alpha:
    // same commit, so the name decides.
    let mut repo = TestRepo::new();
    let line = repo.line(None, 2, T0);
    repo.main_at(line[1]);
    let same = T0 + DAY;
    repo.tag_annotated("9.9", line[0], same);
    repo.tag_annotated("1.1", line[1], same);
    repo.tag_annotated("1.2", line[1], same);
    let (_, data) = repo.build(&[]);
    let data = data.unwrap();
    assert_eq!(tags_in_order(&data), ["9.9", "1.1", "1.2"]);
    assert_eq!(release(&data, "1.1")["commit_count"], 1);
    assert_eq!(release(&data, "1.2")["commit_count"], 0);
}

#[test]
fn lead_time_is_release_time_minus_author_time() {
    // Four commits authored at t0, t0+1h, t0+2h, t0+10h; v1.0 tagged at t0+12h.
    // Lead times: 12h, 11h, 10h, 2h. Sorted: 2h 10h 11h 12h.
    // Median = (10h + 11h) / 2 = 10.5h = 37800 s; p90 = rank ceil(3.6) = 4th = 12h.
    let mut repo = TestRepo::new();
    let a = repo.commit(&[], "feat: a", T0);
    let b = repo.commit(&[a], "feat: b", T0 + HOUR);
    let c = repo.commit(&[b], "feat: c", T0 + 2 * HOUR);
    let d = repo.commit(&[c], "feat: d", T0 + 10 * HOUR);
    repo.main_at(d);
    repo.tag_annotated("v1.0", d, T0 + 12 * HOUR);
    let (_, data) = repo.build(&[]);
    let lead = &release(data.as_ref().unwrap(), "v1.0")["lead_time"];
    assert_eq!(lead["median_seconds"], 37_800);
    assert_eq!(lead["p90_seconds"], 12 * HOUR);
    assert_eq!(lead["clamped"], 0);
    assert_eq!(lead["count"], 4);
    assert_eq!(
        release(data.as_ref().unwrap(), "v1.0")["time"],
        "2023-11-15T10:13:20Z"
    );
}

#[test]
fn commits_before_the_baseline_carry_no_lead_time() {
    // Authored 2023-11-14 and 2023-11-16; baseline 2023-11-15 keeps only the second.
    let mut repo = TestRepo::new();
    let a = repo.commit(&[], "feat: old", T0);
    let b = repo.commit(&[a], "feat: new", T0 + 2 * DAY);
    repo.main_at(b);
    repo.tag_annotated("v1.0", b, T0 + 2 * DAY + HOUR);
    let config = repo.root.path().join("config.yaml");
    std::fs::write(&config, "releases:\n  baseline: 2023-11-15\n").unwrap();
    let (out, data) = repo.build(&["--config", config.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let r = release(data.as_ref().unwrap(), "v1.0");
    assert_eq!(r["commit_count"], 2);
    assert_eq!(r["lead_time"]["count"], 1);
    assert_eq!(r["lead_time"]["median_seconds"], HOUR);
}

#[test]
fn release_not_reachable_from_the_built_revision_still_counts() {
    let mut repo = TestRepo::new();
    let main = repo.line(None, 2, T0);
    let side = repo.commit(&[main[0]], "fix: elsewhere", T0 + 5 * HOUR);
    repo.main_at(main[1]);
    repo.tag("v1.0", side);
    let (_, data) = repo.build(&[]);
    let data = data.unwrap();
    assert_eq!(
        ids(&release(&data, "v1.0")["commits"]),
        [side.to_hex(), main[0].to_hex()]
    );
    assert_eq!(ids(&data["unreleased"]["commits"]), [main[1].to_hex()]);
}

#[test]
fn revert_shipped_later_fails_the_release_and_patch_of_fixes_is_a_hotfix() {
    // v1.0.0 ships "feat: x"; v1.1.0 ships its revert, so v1.0.0 failed.
    // v1.1.1 is a patch bump shipping only "fix: y": a hotfix, and v1.1.0 failed.
    let mut repo = TestRepo::new();
    let x = repo.commit(&[], "feat: x", T0);
    repo.tag("v1.0.0", x);
    let revert = repo.commit(
        &[x],
        &format!("Revert \"feat: x\"\n\nThis reverts commit {x}.\n"),
        T0 + HOUR,
    );
    repo.tag("v1.1.0", revert);
    let fix = repo.commit(&[revert], "fix: y", T0 + 2 * HOUR);
    repo.tag("v1.1.1", fix);
    // Ten days later: outside the patch window, and a feature.
    let feature = repo.commit(&[fix], "feat: z", T0 + 240 * HOUR);
    repo.tag("v1.1.2", feature);
    repo.main_at(feature);
    let (_, data) = repo.build(&[]);
    let data = data.unwrap();
    let v100 = release(&data, "v1.0.0");
    assert_eq!(v100["failed"], true);
    assert_eq!(v100["failure_evidence"][0]["reason"], "reverted_later");
    assert_eq!(v100["failure_evidence"][0]["release"], "v1.1.0");
    assert_eq!(v100["failure_evidence"][0]["revert"], revert.to_hex());
    assert_eq!(release(&data, "v1.1.1")["kind"], "hotfix");
    assert_eq!(release(&data, "v1.1.0")["failed"], true);
    assert_eq!(
        release(&data, "v1.1.0")["failure_evidence"][0]["release"],
        "v1.1.1"
    );
    // A patch bump that ships a feature is not a hotfix.
    assert_eq!(release(&data, "v1.1.2")["kind"], "planned");
    assert_eq!(release(&data, "v1.1.1")["failed"], false);
}

#[test]
fn hotfix_tag_pattern_marks_hotfixes() {
    let mut repo = TestRepo::new();
    let line = repo.line(None, 2, T0);
    repo.main_at(line[1]);
    repo.tag("v1.0", line[0]);
    repo.tag("v1.0-hotfix1", line[1]);
    let config = repo.root.path().join("c.yaml");
    std::fs::write(
        &config,
        "releases:\n  tag_pattern: '^v\\d+\\.\\d+(-hotfix\\d+)?$'\n  hotfix_tag_pattern: 'hotfix'\n",
    )
    .unwrap();
    let (out, data) = repo.build(&["--config", config.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let data = data.unwrap();
    assert_eq!(release(&data, "v1.0-hotfix1")["kind"], "hotfix");
    assert_eq!(
        release(&data, "v1.0-hotfix1")["hotfix_evidence"][0]["reason"],
        "hotfix_tag_pattern"
    );
    assert_eq!(release(&data, "v1.0")["failed"], true);
}

/// A random history: each commit's parents are earlier commits (none for a root, up
/// to three for an octopus), tags on random commits, annotated or not, at distinct
/// times. When `skewed`, committer times are a random permutation, so dates run
/// backwards along edges; otherwise they increase along every edge.
#[derive(Debug, Clone)]
struct Plan {
    parents: Vec<Vec<usize>>,
    times: Vec<i64>,
    skewed: bool,
    tags: Vec<(usize, Option<i64>)>,
    head: usize,
}

fn plan() -> impl Strategy<Value = Plan> {
    (2usize..40).prop_flat_map(|n| {
        let parents = (0..n)
            .map(|i| {
                if i == 0 {
                    Just(Vec::new()).boxed()
                } else {
                    // 1 in 12 a new root (an orphan branch), mostly one parent, some
                    // merges and octopus merges.
                    (0usize..12, proptest::collection::vec(0..i, 1..=3))
                        .prop_map(|(roll, mut ps)| {
                            let mut seen = Vec::new();
                            ps.retain(|p| {
                                let new = !seen.contains(p);
                                seen.push(*p);
                                new
                            });
                            match roll {
                                0 => Vec::new(),
                                1..=7 => vec![ps[0]],
                                _ => ps,
                            }
                        })
                        .boxed()
                }
            })
            .collect::<Vec<_>>();
        let shuffled = Just((0..n as i64).collect::<Vec<_>>()).prop_shuffle();
        let tags = proptest::collection::vec((0..n, proptest::option::of(0i64..1000)), 0..8);
        (parents, shuffled, any::<bool>(), tags, 0..n).prop_map(
            move |(parents, shuffled, skewed, tags, head)| Plan {
                parents,
                times: if skewed {
                    shuffled
                } else {
                    (0..n as i64).collect()
                }
                .into_iter()
                .map(|t| T0 + t * HOUR)
                .collect(),
                skewed,
                tags: tags
                    .into_iter()
                    .map(|(c, t)| (c, t.map(|t| T0 + t * HOUR + 1800)))
                    .collect(),
                head,
            },
        )
    })
}

/// `git rev-list POSITIVE --not NEGATIVE...`, computed two ways: as the difference of
/// two positive walks, which is exact, and with `--not` itself, which git limits by
/// commit date and so can get wrong when dates run backwards (it then lists commits
/// that an excluded tag does reach).
fn git_rev_list_not(
    repo: &TestRepo,
    positive: &str,
    negative: &[String],
) -> (BTreeSet<String>, BTreeSet<String>) {
    let walk = |args: Vec<&str>| -> BTreeSet<String> {
        let mut full = vec!["rev-list"];
        full.extend(args);
        repo.git(&full).lines().map(str::to_string).collect()
    };
    let reach = walk(vec![positive]);
    let excluded = if negative.is_empty() {
        BTreeSet::new()
    } else {
        walk(negative.iter().map(String::as_str).collect())
    };
    let exact = reach.difference(&excluded).cloned().collect();
    let mut args = vec![positive];
    if !negative.is_empty() {
        args.push("--not");
        args.extend(negative.iter().map(String::as_str));
    }
    (exact, walk(args))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 120, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn release_commit_sets_match_git_rev_list(plan in plan()) {
        let mut repo = TestRepo::new();
        let mut commits: Vec<CommitId> = Vec::new();
        for (i, ps) in plan.parents.iter().enumerate() {
            let parents: Vec<CommitId> = ps.iter().map(|&p| commits[p]).collect();
            commits.push(repo.commit(&parents, &format!("feat: commit {i}"), plan.times[i]));
        }
        repo.main_at(commits[plan.head]);
        // Distinct annotated times; lightweight tags take their commit's time.
        let mut used = BTreeSet::new();
        let mut expected: Vec<(i64, String, CommitId)> = Vec::new();
        for (k, (c, t)) in plan.tags.iter().enumerate() {
            let name = format!("v{k}.0");
            let time = match t {
                Some(t) if used.insert(*t) => {
                    repo.tag_annotated(&name, commits[*c], *t);
                    *t
                }
                _ => {
                    repo.tag(&name, commits[*c]);
                    plan.times[*c]
                }
            };
            expected.push((time, name, commits[*c]));
        }
        // Times are distinct except tags on one commit, where ancestry cannot decide
        // and the name does.
        expected.sort();
        let (out, data) = repo.build(&[]);
        prop_assert!(out.status.success(), "{}", stderr(&out));
        let data = data.unwrap();
        let order: Vec<String> = expected.iter().map(|(_, n, _)| n.clone()).collect();
        prop_assert_eq!(tags_in_order(&data), order);
        let mut earlier: Vec<String> = Vec::new();
        let check = |name: &str, positive: &str, got: BTreeSet<String>, earlier: &[String]| {
            let (exact, not) = git_rev_list_not(&repo, positive, earlier);
            prop_assert_eq!(&got, &exact, "{}", name);
            if !plan.skewed {
                prop_assert_eq!(&got, &not, "{} (git --not)", name);
            }
            Ok(())
        };
        for (_, name, commit) in &expected {
            let got: BTreeSet<String> = ids(&release(&data, name)["commits"]).into_iter().collect();
            check(name, &commit.to_hex(), got, &earlier)?;
            earlier.push(commit.to_hex());
        }
        let got: BTreeSet<String> = ids(&data["unreleased"]["commits"]).into_iter().collect();
        check("unreleased", &commits[plan.head].to_hex(), got, &earlier)?;
    }
}
