#![no_main]
//! A pack entry's header never panics and never puts a delta's base at or after
//! the delta, and an entry inflates to exactly the size its header gives or is an
//! error, never an allocation its bytes do not back.
//!
//! Input: a mode byte, 8 bytes of offset (little-endian), then the entry. With
//! the mode's low bit set, what follows the header is compressed here first, so
//! that the fuzzer reaches the size checks instead of mostly zlib's own.

use std::io::Write;

use valuestory::git::fuzzing::{parse_pack_entry_header, read_pack_entry};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let (head, entry) = rest.split_at(rest.len().min(8));
    let mut offset = [0u8; 8];
    offset[..head.len()].copy_from_slice(head);
    let offset = u64::from_le_bytes(offset);
    let header = parse_pack_entry_header(entry, offset);
    if let Ok(h) = &header {
        assert!(h.len <= entry.len());
        if let Some(base) = h.base_offset {
            assert!(base < offset);
        }
    }
    match header {
        Ok(h) if mode & 1 == 1 => {
            let payload = &entry[h.len..];
            let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
            z.write_all(payload).unwrap();
            let raw = [&entry[..h.len], &z.finish().unwrap()].concat();
            match read_pack_entry(&raw, offset) {
                Ok(out) => assert_eq!(out, payload),
                Err(_) => assert_ne!(h.size, payload.len(), "a whole entry refused"),
            }
        }
        Ok(h) => {
            if let Ok(out) = read_pack_entry(entry, offset) {
                assert_eq!(out.len(), h.size);
            }
        }
        Err(_) => assert!(read_pack_entry(entry, offset).is_err()),
    }
});
