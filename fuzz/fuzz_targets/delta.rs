#![no_main]
//! Applying a git delta never panics, never allocates from its header's sizes
//! more than the bytes it writes back, and gives exactly the size it declares.
//!
//! Input: the base's length (2 bytes, little-endian, cut to what is there), the
//! base, then the delta.

use valuestory::git::fuzzing::apply_delta;

/// The delta's second varint: the size of the result.
fn declared_size(delta: &[u8]) -> Option<u64> {
    let mut sizes = [0u64; 2];
    let mut bytes = delta.iter();
    for size in &mut sizes {
        let mut shift = 0;
        loop {
            let b = *bytes.next()?;
            if shift > 56 {
                return None;
            }
            *size |= u64::from(b & 0x7f) << shift;
            shift += 7;
            if b & 0x80 == 0 {
                break;
            }
        }
    }
    Some(sizes[1])
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let n = usize::from(u16::from_le_bytes([data[0], data[1]])).min(data.len() - 2);
    let (base, delta) = data[2..].split_at(n);
    if let Ok(out) = apply_delta(base, delta) {
        assert_eq!(Some(out.len() as u64), declared_size(delta));
    }
});
