#![no_main]
//! A loose object never panics, is never inflated past the size its header
//! gives, and reads back as exactly the bytes after its header.
//!
//! Input: a mode byte, then the object. Mode bit 0 clear: the rest is the
//! file's bytes as they are (a zlib stream). Set: the rest is compressed here
//! first, and with bit 1 also set, a valid header (`<type> <size>\0`, the type
//! from bits 2 and 3) is put before it; such an object must read back whole.

use std::io::Write;

use valuestory::git::fuzzing::parse_loose_object;

const KINDS: [&str; 4] = ["commit", "tree", "blob", "tag"];

fn compress(raw: &[u8]) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    z.write_all(raw).unwrap();
    z.finish().unwrap()
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode & 1 == 0 {
        let _ = parse_loose_object(rest);
        return;
    }
    if mode & 2 != 0 {
        let kind = KINDS[usize::from(mode >> 2) & 3];
        let raw = [format!("{kind} {}\0", rest.len()).as_bytes(), rest].concat();
        let (found, out) = parse_loose_object(&compress(&raw)).expect("a whole object");
        assert_eq!((found, &out[..]), (kind, rest));
        return;
    }
    if let Ok((kind, out)) = parse_loose_object(&compress(rest)) {
        let nul = rest.iter().position(|&b| b == 0).expect("a header");
        assert!(rest.starts_with(format!("{kind} ").as_bytes()));
        assert_eq!(out, &rest[nul + 1..]);
    }
});
