//! What the unit tests share.

/// How many cases a property test runs: `PROPTEST_CASES` when set, else `default`.
pub fn property_cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
