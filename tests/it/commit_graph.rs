//! The commit-graph file: the walk takes parents from it where git would, reads
//! the same history as without it, and never believes a graph that disagrees with
//! the commits.

use valuestory::git::{CommitCache, Mailmap, Repository, WalkStats};
use valuestory::history::{CommitId, History};

use crate::support::*;

/// A history with a fork, an octopus merge of four parents (whose third and fourth
/// are in the graph's EDGE chunk), a second root merged in, and tags. Returns the
/// starts (main, then the tagged commits) and every commit, oldest first.
fn branchy(repo: &mut TestRepo) -> (Vec<CommitId>, Vec<CommitId>) {
    let trunk = repo.line(None, 6, T0);
    let mut all = trunk.clone();
    let mut sides = Vec::new();
    for i in 0..3 {
        let side = repo.line(Some(trunk[1]), 2, T0 + (10 + i) * HOUR);
        all.extend(&side);
        sides.push(side[1]);
    }
    let root = repo.line(None, 2, T0 + 20 * HOUR);
    all.extend(&root);
    let octopus = repo.commit(
        &[trunk[5], sides[0], sides[1], sides[2]],
        "merge: three sides",
        T0 + 30 * HOUR,
    );
    let merge = repo.commit(&[octopus, root[1]], "merge: the other root", T0 + 31 * HOUR);
    let tip = repo.line(Some(merge), 3, T0 + 32 * HOUR);
    all.extend([octopus, merge]);
    all.extend(&tip);
    repo.main_at(tip[2]);
    repo.tag("v1.0", trunk[3]);
    repo.tag("v2.0", merge);
    (vec![tip[2], trunk[3], merge], all)
}

/// The history as the walk reads it, where its commits came from, and the warnings.
fn walk(repo: &TestRepo, starts: &[CommitId]) -> (History, WalkStats, Vec<String>) {
    let opened = Repository::discover(Some(&repo.path())).unwrap();
    let mut warnings = Vec::new();
    let (history, stats) = opened
        .history_with_progress(
            starts,
            &Mailmap::empty(),
            false,
            &mut CommitCache::off(),
            &mut warnings,
        )
        .unwrap();
    (history, stats, warnings)
}

/// Each commit's id, parents and subject, in the order of the walk.
fn shape(history: &History) -> Vec<(CommitId, Vec<CommitId>, String)> {
    history
        .commits
        .iter()
        .map(|c| (c.id, c.parents.iter().copied().collect(), c.subject.clone()))
        .collect()
}

/// The history without the graph (`core.commitGraph = false`), checked against
/// `git rev-list --parents` of the same starts.
fn truth(repo: &TestRepo, starts: &[CommitId]) -> Vec<(CommitId, Vec<CommitId>, String)> {
    repo.git(&["config", "core.commitGraph", "false"]);
    let (history, stats, warnings) = walk(repo, starts);
    repo.git(&["config", "--unset", "core.commitGraph"]);
    assert_eq!(stats.from_graph, 0);
    assert!(warnings.is_empty(), "{warnings:?}");
    let mut ours: Vec<String> = shape(&history)
        .iter()
        .map(|(id, parents, _)| {
            let mut line = id.to_hex();
            for p in parents {
                line.push(' ');
                line.push_str(&p.to_hex());
            }
            line
        })
        .collect();
    ours.sort();
    let mut args = vec!["rev-list".to_string(), "--parents".to_string()];
    args.extend(starts.iter().map(|s| s.to_hex()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut git: Vec<String> = repo.git(&args).lines().map(str::to_string).collect();
    git.sort();
    assert_eq!(ours, git);
    shape(&history)
}

fn git_dir(repo: &TestRepo) -> std::path::PathBuf {
    repo.path().join(".git")
}

fn graph_file(repo: &TestRepo) -> std::path::PathBuf {
    git_dir(repo).join("objects/info/commit-graph")
}

/// Where the chunk `name` of a commit-graph file starts and ends.
fn chunk(bytes: &[u8], name: &[u8; 4]) -> (usize, usize) {
    let count = bytes[6] as usize;
    for i in 0..count {
        let at = 8 + i * 12;
        if &bytes[at..at + 4] == name {
            let start = u64::from_be_bytes(bytes[at + 4..at + 12].try_into().unwrap());
            let end = u64::from_be_bytes(bytes[at + 16..at + 24].try_into().unwrap());
            return (start as usize, end as usize);
        }
    }
    panic!("no chunk {}", String::from_utf8_lossy(name));
}

/// The position of `id` in a single-file graph.
fn position(bytes: &[u8], id: CommitId) -> u32 {
    let (start, end) = chunk(bytes, b"OIDL");
    let at = bytes[start..end]
        .chunks_exact(20)
        .position(|oid| oid == id.0)
        .expect("the commit is in the graph");
    at as u32
}

/// Writes `parents` (first and second, as the file stores them) for `id`.
fn set_parents(repo: &TestRepo, id: CommitId, first: u32, second: u32) {
    let path = graph_file(repo);
    let mut bytes = std::fs::read(&path).unwrap();
    let at = chunk(&bytes, b"CDAT").0 + position(&bytes, id) as usize * 36 + 20;
    bytes[at..at + 4].copy_from_slice(&first.to_be_bytes());
    bytes[at + 4..at + 8].copy_from_slice(&second.to_be_bytes());
    rewrite(&path, &bytes);
}

/// git writes graphs read-only.
fn rewrite(path: &std::path::Path, bytes: &[u8]) {
    let _ = std::fs::remove_file(path);
    std::fs::write(path, bytes).unwrap();
}

const NO_PARENT: u32 = 0x7000_0000;
const EDGE: u32 = 0x8000_0000;

#[test]
fn walk_through_the_commit_graph_reads_the_same_history() {
    let mut repo = TestRepo::new();
    let (starts, all) = branchy(&mut repo);
    let truth = truth(&repo, &starts);
    assert_eq!(truth.len(), all.len());
    repo.git(&["commit-graph", "write", "--reachable"]);
    assert!(graph_file(&repo).is_file());
    let (history, stats, warnings) = walk(&repo, &starts);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(shape(&history), truth);
    // Every commit's parents came from the graph; every commit was still read
    // once, by a reader, for its message.
    assert_eq!(
        stats,
        WalkStats {
            from_graph: all.len(),
            from_cache: 0,
            read: all.len(),
        }
    );

    // The octopus merge's third and fourth parents are in the EDGE chunk: with its
    // pointer there past the chunk's end, that one commit is read instead.
    let octopus = truth
        .iter()
        .find(|(_, _, subject)| subject == "merge: three sides")
        .unwrap();
    let bytes = std::fs::read(graph_file(&repo)).unwrap();
    set_parents(
        &repo,
        octopus.0,
        position(&bytes, octopus.1[0]),
        EDGE | 1_000,
    );
    let (history, stats, warnings) = walk(&repo, &starts);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(shape(&history), truth);
    assert_eq!(stats.from_graph, all.len() - 1);
}

/// Many chunks of commits, read by several readers and put back in order: the
/// same history, in the same order, as without the graph.
#[test]
fn long_history_through_the_graph_keeps_the_walk_order() {
    let mut repo = TestRepo::new();
    let trunk = repo.line(None, 1_200, T0);
    let side = repo.line(Some(trunk[300]), 400, T0 + HOUR / 2);
    let merge = repo.commit(&[trunk[1_199], side[399]], "merge: side", T0 + 2_000 * HOUR);
    let tip = repo.line(Some(merge), 50, T0 + 2_001 * HOUR);
    repo.main_at(tip[49]);
    repo.tag("v1.0", trunk[600]);
    let starts = [tip[49], trunk[600]];
    repo.git(&["commit-graph", "write", "--reachable"]);
    let truth = truth(&repo, &starts);
    let (history, stats, warnings) = walk(&repo, &starts);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(truth.len(), 1_651);
    assert_eq!(shape(&history), truth);
    assert_eq!(stats.from_graph, truth.len());
    let people: Vec<String> = history.people.iter().map(|p| p.email.clone()).collect();
    repo.git(&["config", "core.commitGraph", "false"]);
    let (without, _, _) = walk(&repo, &starts);
    let before: Vec<String> = without.people.iter().map(|p| p.email.clone()).collect();
    assert_eq!(people, before);
}

/// A reader fails (an object the graph leads to is gone) while the walk reads
/// commits the graph does not hold and sends them straight to the parser, and the
/// other reader waits for work: still an error, never a hang. Found by review,
/// where it hung in 2 of 10 runs; the test runs it 10 times.
#[test]
fn reader_failing_while_the_walk_reads_on_is_an_error_not_a_hang() {
    let mut repo = TestRepo::new();
    let old = repo.line(None, 1_023, T0);
    repo.main_at(old[1_022]);
    repo.git(&["commit-graph", "write", "--reachable"]);
    let new = repo.line(None, 1_200, T0 + 2_000 * HOUR);
    let merge = repo.commit(&[new[1_199], old[1_022]], "merge: old", T0 + 4_000 * HOUR);
    repo.main_at(merge);
    let hex = old[0].to_hex();
    std::fs::remove_file(
        git_dir(&repo)
            .join("objects")
            .join(&hex[..2])
            .join(&hex[2..]),
    )
    .unwrap();
    let path = repo.path();
    let args = [
        "build",
        "--json-only",
        "--no-cache",
        "--repo",
        path.to_str().unwrap(),
        "--out",
        "o",
    ];
    for run in 0..10 {
        let out = valuestory_within(&args, repo.root.path(), std::time::Duration::from_secs(60))
            .unwrap_or_else(|| panic!("run {run} did not finish"));
        assert_eq!(out.status.code(), Some(1), "run {run}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("is missing from the repository"),
            "{}",
            stderr(&out)
        );
    }
}

/// A commit whose object is gone: the build stops with git's error at once, as
/// it does without a graph, instead of waiting on a reader that stopped.
#[test]
fn missing_commit_with_a_graph_is_an_error_not_a_hang() {
    let mut repo = TestRepo::new();
    let line = repo.line(None, 3_000, T0);
    repo.main_at(line[2_999]);
    repo.git(&["commit-graph", "write", "--reachable"]);
    for &gone in &[line[100], line[1_500], line[2_000], line[2_900]] {
        let hex = gone.to_hex();
        let path = git_dir(&repo)
            .join("objects")
            .join(&hex[..2])
            .join(&hex[2..]);
        std::fs::remove_file(path).unwrap();
    }
    for config in [None, Some("false")] {
        if let Some(value) = config {
            repo.git(&["config", "core.commitGraph", value]);
        }
        let path = repo.path();
        let args = [
            "build",
            "--json-only",
            "--no-cache",
            "--repo",
            path.to_str().unwrap(),
            "--out",
            "o",
        ];
        let out = valuestory_within(&args, repo.root.path(), std::time::Duration::from_secs(60))
            .expect("the build finished");
        assert_eq!(out.status.code(), Some(1), "{config:?}");
        assert!(
            stderr(&out).contains("is missing from the repository"),
            "{}",
            stderr(&out)
        );
        assert!(!stderr(&out).contains("commit-graph"), "{}", stderr(&out));
    }
}

#[test]
fn commits_newer_than_the_graph_are_read_for_their_parents() {
    let mut repo = TestRepo::new();
    let (mut starts, all) = branchy(&mut repo);
    repo.git(&["commit-graph", "write", "--reachable"]);
    let fork = repo.line(Some(all[4]), 2, T0 + 40 * HOUR);
    let merge = repo.commit(&[starts[0], fork[1]], "merge: late", T0 + 50 * HOUR);
    repo.main_at(merge);
    starts[0] = merge;
    let truth = truth(&repo, &starts);
    let (history, stats, warnings) = walk(&repo, &starts);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(shape(&history), truth);
    assert_eq!(stats.from_graph, all.len());
    assert_eq!(stats.read, all.len() + 3);
}

#[test]
fn split_graph_chain_is_read_layer_by_layer() {
    let mut repo = TestRepo::new();
    let (mut starts, _) = branchy(&mut repo);
    let split = ["commit-graph", "write", "--reachable", "--split=no-merge"];
    repo.git(&split);
    for round in 0..2 {
        let more = repo.line(Some(starts[0]), 3, T0 + (60 + 10 * round) * HOUR);
        repo.main_at(more[2]);
        starts[0] = more[2];
        repo.git(&split);
    }
    let chain = git_dir(&repo).join("objects/info/commit-graphs");
    let layers: Vec<String> = std::fs::read_to_string(chain.join("commit-graph-chain"))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(layers.len(), 3, "{layers:?}");
    assert!(!graph_file(&repo).exists());
    let truth = truth(&repo, &starts);
    let (history, stats, warnings) = walk(&repo, &starts);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(shape(&history), truth);
    assert_eq!(stats.from_graph, truth.len());

    // A top layer that does not check out is left out, as git leaves it out; the
    // layers under it still give their commits' parents.
    let top = chain.join(format!("graph-{}.graph", layers[2]));
    let bytes = std::fs::read(&top).unwrap();
    rewrite(&top, &bytes[..bytes.len() / 2]);
    let (history, stats, warnings) = walk(&repo, &starts);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(shape(&history), truth);
    assert_eq!(stats.from_graph, truth.len() - 3);
}

#[test]
fn graph_that_names_other_parents_than_the_commits_is_not_believed() {
    let mut repo = TestRepo::new();
    let (starts, all) = branchy(&mut repo);
    // A commit on a branch the walk does not start from, in the graph all the same.
    let elsewhere = repo.commit(&[all[0]], "feat: elsewhere", T0 + 70 * HOUR);
    repo.writer.set_branch("elsewhere", elsewhere).unwrap();
    repo.git(&["commit-graph", "write", "--reachable"]);
    let truth = truth(&repo, &starts);
    let bytes = std::fs::read(graph_file(&repo)).unwrap();
    let pristine = bytes.clone();
    let at = |id| position(&bytes, id);
    let merge = truth
        .iter()
        .find(|(_, _, subject)| subject == "merge: the other root")
        .unwrap();
    let cases = [
        // A merge that lost its second parent: a whole root line goes missing.
        (merge.0, at(merge.1[0]), NO_PARENT),
        // A commit given a second parent it does not have, off the walk.
        (all[2], at(all[1]), at(elsewhere)),
        // A first parent swapped for another commit of the history.
        (all[5], at(all[0]), NO_PARENT),
        // A parent position past the end of the graph.
        (all[3], 4_000, NO_PARENT),
        // The right parents of a merge, in the wrong order: the same commits are
        // walked, but not in git's order.
        (merge.0, at(merge.1[1]), at(merge.1[0])),
    ];
    for (id, first, second) in cases {
        rewrite(&graph_file(&repo), &pristine);
        set_parents(&repo, id, first, second);
        let (history, stats, warnings) = walk(&repo, &starts);
        assert_eq!(shape(&history), truth, "{id}");
        if first == 4_000 {
            // Out of range: that commit is read instead, and the rest agree.
            assert!(warnings.is_empty(), "{warnings:?}");
            assert_eq!(stats.from_graph, truth.len() - 1);
        } else {
            assert_eq!(stats.from_graph, 0, "{id}");
            assert_eq!(warnings.len(), 1, "{warnings:?}");
            assert!(
                warnings[0].contains("the commit-graph names other parents for a commit")
                    && warnings[0].contains("git commit-graph write --reachable"),
                "{warnings:?}"
            );
        }
    }
}

#[test]
fn damaged_graph_file_is_skipped_with_a_warning() {
    let mut repo = TestRepo::new();
    let (starts, _) = branchy(&mut repo);
    repo.git(&["commit-graph", "write", "--reachable"]);
    let truth = truth(&repo, &starts);
    let bytes = std::fs::read(graph_file(&repo)).unwrap();
    let mut wrong_version = bytes.clone();
    wrong_version[4] = 2;
    let mut sha256 = bytes.clone();
    sha256[5] = 2;
    let mut short_ids = bytes.clone();
    let (start, _) = chunk(&bytes, b"OIDL");
    // The fan-out's last count, one more than the ids the OIDL chunk holds.
    let (fanout, _) = chunk(&bytes, b"OIDF");
    let n = u32::from_be_bytes(short_ids[fanout + 1020..fanout + 1024].try_into().unwrap());
    short_ids[fanout + 1020..fanout + 1024].copy_from_slice(&(n + 1).to_be_bytes());
    assert!(start > fanout);
    for (what, damaged) in [
        ("truncated", bytes[..bytes.len() / 3].to_vec()),
        ("empty", Vec::new()),
        ("version 2", wrong_version),
        ("SHA-256", sha256),
        ("counts that do not fit", short_ids),
    ] {
        rewrite(&graph_file(&repo), &damaged);
        let (history, stats, warnings) = walk(&repo, &starts);
        assert_eq!(shape(&history), truth, "{what}");
        assert_eq!(stats.from_graph, 0, "{what}");
        assert_eq!(warnings.len(), 1, "{what}: {warnings:?}");
        assert!(
            warnings[0].contains("info/commit-graph: ")
                && warnings[0].ends_with("the history was read without it"),
            "{what}: {warnings:?}"
        );
    }
}

#[test]
fn replace_refs_and_config_turn_the_graph_off_as_in_git() {
    let mut repo = TestRepo::new();
    let (starts, all) = branchy(&mut repo);
    repo.git(&["commit-graph", "write", "--reachable"]);
    // Graft trunk 4 onto trunk 2: trunk 3 drops out of what main reaches, though
    // the graph still lists it as trunk 4's parent.
    repo.git(&["replace", "--graft", &all[4].to_hex(), &all[2].to_hex()]);
    let truth = truth(&repo, &starts);
    let (history, stats, warnings) = walk(&repo, &starts);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(shape(&history), truth);
    assert_eq!(stats.from_graph, 0);
    let trunk4 = history.commits.iter().find(|c| c.id == all[4]).unwrap();
    assert_eq!(trunk4.parents.iter().copied().collect::<Vec<_>>(), [all[2]]);
}

#[test]
fn grafts_file_turns_the_graph_off_and_no_replace_objects_turns_it_on() {
    let mut repo = TestRepo::new();
    let (starts, all) = branchy(&mut repo);
    repo.git(&["commit-graph", "write", "--reachable"]);
    let grafts = git_dir(&repo).join("info/grafts");
    std::fs::create_dir_all(grafts.parent().unwrap()).unwrap();
    std::fs::write(
        &grafts,
        format!("{} {}\n", all[4].to_hex(), all[2].to_hex()),
    )
    .unwrap();
    let truth = truth(&repo, &starts);
    let (history, stats, _) = walk(&repo, &starts);
    assert_eq!(shape(&history), truth);
    assert_eq!(stats.from_graph, 0);
    std::fs::remove_file(&grafts).unwrap();

    // With replace refs turned off, git reads the graph again, and so does the walk.
    repo.git(&["replace", "--graft", &all[4].to_hex(), &all[2].to_hex()]);
    let (out, data) = repo.build_with(&["-v", "--no-cache"], &[("GIT_NO_REPLACE_OBJECTS", "1")]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(data.unwrap()["repository"]["commit_count"], all.len());
    assert!(
        stderr(&out).contains(&format!("parents of {} from the commit-graph", all.len())),
        "{}",
        stderr(&out)
    );
}

/// A clone sharing another's objects chains its own layer onto the other's
/// layers, whose files are in the other's object folder.
#[test]
fn chain_layers_are_found_in_alternates() {
    let mut repo = TestRepo::new();
    let (starts, _) = branchy(&mut repo);
    repo.writer.set_head_branch("main").unwrap();
    repo.git(&["commit-graph", "write", "--reachable", "--split=no-merge"]);
    let shared = repo.root.path().join("shared");
    git(
        repo.root.path(),
        &[
            "clone",
            "-q",
            "--shared",
            repo.path().to_str().unwrap(),
            shared.to_str().unwrap(),
        ],
    );
    git(
        &shared,
        &[
            "-c",
            "user.name=A",
            "-c",
            "user.email=a@example.com",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "feat: shared",
        ],
    );
    git(
        &shared,
        &["commit-graph", "write", "--reachable", "--split=no-merge"],
    );
    let chain = shared.join(".git/objects/info/commit-graphs");
    let layers = std::fs::read_to_string(chain.join("commit-graph-chain")).unwrap();
    assert_eq!(layers.lines().count(), 2, "{layers}");
    let base = layers.lines().next().unwrap();
    assert!(!chain.join(format!("graph-{base}.graph")).exists());
    let out = valuestory(
        &[
            "build",
            "--json-only",
            "--no-cache",
            "-v",
            "--repo",
            shared.to_str().unwrap(),
            "--out",
            "o",
        ],
        repo.root.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let n = git(&shared, &["rev-list", "--count", "HEAD"])
        .trim()
        .parse::<usize>()
        .unwrap();
    assert!(n > starts.len());
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("parents of {n} from the commit-graph")),
        "{}",
        stderr(&out)
    );
}

#[test]
fn verbose_build_says_where_the_commits_came_from() {
    let mut repo = TestRepo::new();
    let (_, all) = branchy(&mut repo);
    repo.git(&["commit-graph", "write", "--reachable"]);
    let (out, data) = repo.build(&["-v", "--no-cache"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(data.unwrap()["repository"]["commit_count"], all.len());
    let expected = format!(
        "history: {n} commits read, 0 from the cache, parents of {n} from the commit-graph",
        n = all.len()
    );
    assert!(stderr(&out).contains(&expected), "{}", stderr(&out));
}

/// Damaged copies of a real graph file: the reader never panics, and what it
/// takes stays inside the file (the fuzz target `commit_graph` checks the same on
/// any bytes).
#[test]
fn commit_graph_reader_survives_damaged_bytes() {
    let mut repo = TestRepo::new();
    branchy(&mut repo);
    repo.git(&["commit-graph", "write", "--reachable"]);
    let bytes = std::fs::read(graph_file(&repo)).unwrap();
    let (len, commits) = valuestory::git::fuzzing::read_commit_graph(&bytes).unwrap();
    assert_eq!(commits.len(), len as usize);
    assert!(commits.iter().all(|c| c.parents.is_some()));
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..5_000 {
        let mut damaged = bytes.clone();
        for _ in 0..1 + next() % 4 {
            let at = (next() % damaged.len() as u64) as usize;
            damaged[at] = next() as u8;
        }
        if next() % 8 == 0 {
            damaged.truncate((next() % bytes.len() as u64) as usize);
        }
        let Ok((len, commits)) = valuestory::git::fuzzing::read_commit_graph(&damaged) else {
            continue;
        };
        for commit in &commits {
            if let Some((_, found)) = commit.found {
                assert_eq!(found, commit.id);
            }
            assert!(commit.parents.iter().flatten().all(|&p| p < len));
        }
    }
}
