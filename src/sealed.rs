//! Files valuestory keeps between builds (the diff and commit caches): sealed with
//! a checksum, written to a temporary file and renamed into place, so that a crash
//! mid-write or two builds at once leave either the old file or a new complete one;
//! read back only when whole.

use std::path::Path;

/// A 64-bit hash of 8-byte words (the tail byte by byte): enough to catch a
/// torn or foreign file, and fast on a cache of many megabytes.
fn checksum(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ bytes.len() as u64;
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        let w = u64::from_le_bytes(w.try_into().expect("8 bytes"));
        h = (h.rotate_left(29) ^ w).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
    for &b in words.remainder() {
        h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
    }
    h ^ (h >> 32)
}

/// Appends the checksum of `body` and puts it in `dir/name` whole: written to a
/// temporary file named for this process, then renamed over the old one, so that
/// a crash or two builds at once leave one complete file or the other.
pub fn write(dir: &Path, name: &str, mut body: Vec<u8>) -> std::io::Result<()> {
    let sum = checksum(&body);
    body.extend_from_slice(&sum.to_le_bytes());
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!("{name}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, &body)?;
    std::fs::rename(&tmp, dir.join(name)).inspect_err(|_| {
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
    (checksum(body) == u64::from_le_bytes(sum.try_into().ok()?)).then_some(body)
}
