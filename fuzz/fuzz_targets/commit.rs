#![no_main]
//! valuestory's commit readers never panic and agree on what one raw commit
//! says: the history's parser, the parent lines the history walk follows, and
//! the tree and first parent the diff reads.

use valuestory::git::fuzzing::parse_commit;

/// Dates are clamped to 1970..2100 (`git::read::LATEST`).
const LATEST: i64 = 4_102_444_800;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let parsed = parse_commit(data);
    if let Some(header) = &parsed.header_parents
        && let Some(walked) = parsed
            .walked_parents
            .iter()
            .copied()
            .collect::<Option<Vec<_>>>()
    {
        assert!(header.starts_with(&walked), "{header:?} {walked:?}");
    }
    let Ok(commit) = &parsed.commit else {
        assert!(parsed.header_parents.is_none());
        return;
    };
    assert_eq!(Some(&commit.parents), parsed.header_parents.as_ref());
    assert_eq!(parsed.diff_tree.unwrap_or([0; 20]), commit.tree.0);
    assert_eq!(parsed.diff_parent, commit.parents.first().map(|p| p.0));
    assert!((commit.author as usize) < parsed.people.len());
    assert!((commit.committer as usize) < parsed.people.len());
    for time in [commit.author_time, commit.committer_time] {
        assert!((0..=LATEST).contains(&time.seconds));
    }
});
