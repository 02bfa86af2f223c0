#![no_main]
//! The duration parser never panics, and reads back what it prints.

use valuestory::content::units::Duration;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(d) = Duration::parse(text)
    {
        assert_eq!(Duration::parse(&d.to_string()), Ok(d));
    }
});
