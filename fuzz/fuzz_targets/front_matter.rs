#![no_main]
//! The case-study front-matter splitter and parser never panic.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = valuestory::content::parse::split_front_matter(text);
        let _ = valuestory::content::parse::case_study("c.md", "c", text);
    }
});
