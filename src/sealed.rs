//! Files valuestory keeps between builds (the diff and commit caches): sealed with
//! a checksum, written to a temporary file and renamed into place, so that a crash
//! mid-write or two builds at once leave either the old file or a new complete one;
//! read back only when whole.

use std::path::Path;

/// A 64-bit hash of 8-byte words (the tail byte by byte) of the body that `parts`
/// make one after the other: enough to catch a torn or foreign file, and fast on a
/// cache of many megabytes.
fn checksum(parts: &[&[u8]]) -> u64 {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ len as u64;
    let mut word = [0u8; 8];
    let mut filled = 0;
    for part in parts {
        let mut rest = *part;
        if filled > 0 {
            let take = rest.len().min(8 - filled);
            word[filled..filled + take].copy_from_slice(&rest[..take]);
            filled += take;
            rest = &rest[take..];
            if filled < 8 {
                continue;
            }
            h = (h.rotate_left(29) ^ u64::from_le_bytes(word)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
        let mut words = rest.chunks_exact(8);
        for w in &mut words {
            let w = u64::from_le_bytes(w.try_into().expect("8 bytes"));
            h = (h.rotate_left(29) ^ w).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
        let tail = words.remainder();
        word[..tail.len()].copy_from_slice(tail);
        filled = tail.len();
    }
    for &b in &word[..filled] {
        h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
    }
    h ^ (h >> 32)
}

/// Appends the checksum of `body` and puts it in `dir/name` whole: written to a
/// temporary file named for this process, then renamed over the old one, so that
/// a crash or two builds at once leave one complete file or the other.
pub fn write(dir: &Path, name: &str, body: Vec<u8>) -> std::io::Result<()> {
    write_parts(dir, name, &[&body])
}

/// [`write`] of the body `parts` make one after the other, without joining them
/// in memory first.
pub fn write_parts(dir: &Path, name: &str, parts: &[&[u8]]) -> std::io::Result<()> {
    use std::io::Write;
    let sum = checksum(parts);
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!("{name}.{}.tmp", std::process::id()));
    let written = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        for part in parts {
            file.write_all(part)?;
        }
        file.write_all(&sum.to_le_bytes())
    })();
    written
        .and_then(|()| std::fs::rename(&tmp, dir.join(name)))
        .inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
}

/// No cache valuestory writes is larger (a million commits' take a few hundred
/// megabytes).
pub const MAX_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// A cache file's bytes, `None` when there is none. Anything but a regular file of
/// plausible size (a FIFO, a device, a sparse or huge file) is an error, found
/// without blocking and before reading.
pub fn read(path: &Path) -> std::io::Result<Option<Vec<u8>>> {
    use std::io::Read;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = match options.open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(std::io::Error::other("it is not a regular file"));
    }
    let len = meta.len();
    if len > MAX_BYTES {
        return Err(std::io::Error::other(format!(
            "it is {len} bytes, more than any cache valuestory writes"
        )));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // Written whole by valuestory, a cache has its blocks; a sparse file is not one.
        if meta.blocks().saturating_mul(512) < len / 2 {
            return Err(std::io::Error::other(
                "it is a sparse file, not one valuestory wrote",
            ));
        }
    }
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(len).read_to_end(&mut bytes)?;
    Ok(Some(bytes))
}

/// The body of a sealed file's bytes, when its checksum holds.
pub fn body(bytes: &[u8]) -> Option<&[u8]> {
    let (body, sum) = bytes.split_at_checked(bytes.len().checked_sub(8)?)?;
    (checksum(&[body]) == u64::from_le_bytes(sum.try_into().ok()?)).then_some(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_written_in_parts_seals_as_the_whole() {
        let body: Vec<u8> = (0..61u8).map(|b| b.wrapping_mul(37)).collect();
        let whole = checksum(&[&body]);
        for a in 0..body.len() {
            for b in a..body.len() {
                let parts = [&body[..a], &body[a..b], &[][..], &body[b..]];
                assert_eq!(checksum(&parts), whole, "split at {a} and {b}");
            }
        }
        assert_ne!(checksum(&[&body[1..]]), whole);

        let dir = tempfile::TempDir::new().unwrap();
        write_parts(dir.path(), "f", &[&body[..13], &body[13..]]).unwrap();
        let read = read(&dir.path().join("f")).unwrap().unwrap();
        assert_eq!(self::body(&read), Some(&body[..]));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
