#![no_main]
//! The commit-graph reader never panics on a damaged file, and whatever it takes
//! from one stays inside it: every parent is a position in the graph, and a commit
//! found by its id is the commit at the place found.

use valuestory::git::fuzzing::read_commit_graph;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok((len, commits)) = read_commit_graph(data) else {
        return;
    };
    assert_eq!(commits.len(), len as usize);
    for commit in &commits {
        if let Some((_, found)) = commit.found {
            assert_eq!(found, commit.id);
        }
        for &parent in commit.parents.iter().flatten() {
            assert!(parent < len);
        }
    }
});
