#![no_main]
//! The tree parser never panics, splits a tree into entries that cover it, and
//! git's tree order between any two entries is a consistent ordering.

use valuestory::git::fuzzing::{compare_tree_entries, parse_tree};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(entries) = parse_tree(data) else {
        return;
    };
    // Each entry: octal mode, a space, the name, a NUL, 20 bytes of id.
    let mut covered = 0;
    for e in &entries {
        assert!(!e.name.contains(&0));
        assert!([0o100644, 0o100755, 0o120000, 0o040000, 0o160000].contains(&e.canonical_mode));
        let digits = data[covered..].iter().position(|&b| b == b' ').unwrap();
        covered += digits + 1 + e.name.len() + 1 + 20;
    }
    assert_eq!(covered, data.len());
    for e in &entries {
        assert_eq!(compare_tree_entries(e, e), std::cmp::Ordering::Equal);
    }
    for pair in entries.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        assert_eq!(
            compare_tree_entries(a, b),
            compare_tree_entries(b, a).reverse()
        );
    }
});
