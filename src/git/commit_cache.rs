//! Raw commit objects kept between builds, by id, so that a rebuild reads from
//! the object store only the commits it has not seen: inflating every commit of
//! a long history is most of a build's time, and a commit's bytes never change.
//!
//! One file, `commits.cache`, beside the diff cache: versioned, checksummed,
//! written to a temporary file and renamed into place, so that a crash or two
//! builds at once leave the old file or a new whole one. A file that does not read
//! back exactly is ignored with a warning and rebuilt, never trusted.

use std::path::Path;

use crate::history::{CommitId, IdMap};

pub const COMMIT_CACHE_FILE: &str = "commits.cache";
const MAGIC: &[u8; 8] = b"VSCOMMIT";
const VERSION: u32 = 1;

/// The raw bytes of commits, by id.
///
/// Held as the file holds them, so that saving writes what is there without
/// copying it: the file as it was loaded (its header, then its records), then the
/// records added since. A record is a commit's id, its length (32 bits, little
/// endian) and its bytes.
#[derive(Default)]
pub struct CommitCache {
    loaded: Vec<u8>,
    added: Records,
    /// Where each commit's bytes are: in `loaded`, or past its end in `added`.
    index: IdMap<(usize, usize)>,
    /// How many records `loaded` holds.
    loaded_count: usize,
    /// Whether new commits are worth keeping: not for a cache that will never be
    /// saved (`--no-cache`, or a one-off read).
    keeping: bool,
}

/// Commits in the cache file's record format, one after another.
#[derive(Default)]
pub struct Records {
    bytes: Vec<u8>,
    count: usize,
}

impl Records {
    pub fn push(&mut self, id: CommitId, data: &[u8]) {
        self.bytes.extend_from_slice(&id.0);
        self.bytes
            .extend_from_slice(&(data.len() as u32).to_le_bytes());
        self.bytes.extend_from_slice(data);
        self.count += 1;
    }

    /// Each record's id, and where its bytes start and how long they are.
    fn places(&self) -> impl Iterator<Item = (CommitId, usize, usize)> + '_ {
        let mut at = 0;
        std::iter::from_fn(move || {
            let id = CommitId(self.bytes.get(at..at + 20)?.try_into().ok()?);
            let len = u32::from_le_bytes(self.bytes.get(at + 20..at + 24)?.try_into().ok()?);
            let start = at + 24;
            at = start + len as usize;
            Some((id, start, len as usize))
        })
    }
}

impl CommitCache {
    /// A cache that stays empty: every commit is read from the object store.
    pub fn off() -> CommitCache {
        CommitCache::default()
    }

    /// Whether commits read from the object store should be added.
    pub fn keeps(&self) -> bool {
        self.keeping
    }

    /// The cache in `dir`, or an empty one (with a warning when a file was there
    /// but damaged or foreign).
    pub fn load(dir: &Path, warnings: &mut Vec<String>) -> CommitCache {
        let path = dir.join(COMMIT_CACHE_FILE);
        let empty = CommitCache {
            keeping: true,
            ..CommitCache::default()
        };
        let bytes = match crate::sealed::read(&path) {
            Ok(Some(bytes)) => bytes,
            Ok(None) => return empty,
            Err(e) => {
                warnings.push(format!(
                    "ignoring the commit cache {}: {e}; it will be rebuilt",
                    path.display()
                ));
                return empty;
            }
        };
        decode(bytes).unwrap_or_else(|| {
            warnings.push(format!(
                "ignoring the commit cache {}: it is damaged or not valuestory's; it will be rebuilt",
                path.display()
            ));
            empty
        })
    }

    pub fn get(&self, id: &CommitId) -> Option<&[u8]> {
        let &(start, len) = self.index.get(id)?;
        match start.checked_sub(self.loaded.len()) {
            None => self.loaded.get(start..start + len),
            Some(start) => self.added.bytes.get(start..start + len),
        }
    }

    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    pub fn insert(&mut self, id: CommitId, data: &[u8]) {
        if self.index.contains_key(&id) {
            return;
        }
        let mut one = Records::default();
        one.push(id, data);
        self.add(one);
    }

    /// Adds the commits `records` holds that the cache does not, taking the
    /// buffer over when it is the first added.
    pub fn add(&mut self, records: Records) {
        let base = self.loaded.len() + self.added.bytes.len();
        let fresh = records
            .places()
            .all(|(id, _, _)| !self.index.contains_key(&id));
        if !fresh {
            // Some are known: copy only the others.
            for (id, start, len) in records.places() {
                if !self.index.contains_key(&id) {
                    let data = &records.bytes[start..start + len];
                    let at = self.loaded.len() + self.added.bytes.len() + 24;
                    self.added.push(id, data);
                    self.index.insert(id, (at, len));
                }
            }
            return;
        }
        for (id, start, len) in records.places() {
            self.index.insert(id, (base + start, len));
        }
        if self.added.bytes.is_empty() {
            self.added = records;
        } else {
            self.added.bytes.extend_from_slice(&records.bytes);
            self.added.count += records.count;
        }
    }

    /// Writes the cache to `dir` when commits were added: the file as loaded with
    /// its count of records raised, then the records added.
    pub fn save(&self, dir: &Path) -> std::io::Result<()> {
        if self.added.count == 0 {
            return Ok(());
        }
        let mut header = Vec::with_capacity(16);
        header.extend_from_slice(MAGIC);
        header.extend_from_slice(&VERSION.to_le_bytes());
        let count = self.loaded_count + self.added.count;
        header.extend_from_slice(&(count as u32).to_le_bytes());
        let loaded = self.loaded.get(HEADER..).unwrap_or_default();
        crate::sealed::write_parts(
            dir,
            COMMIT_CACHE_FILE,
            &[&header, loaded, &self.added.bytes],
        )
    }
}

/// Magic, version and the count of records.
const HEADER: usize = 16;

fn decode(mut bytes: Vec<u8>) -> Option<CommitCache> {
    if bytes.len() < MAGIC.len() + 16 || &bytes[..MAGIC.len()] != MAGIC {
        return None;
    }
    let body_len = crate::sealed::body(&bytes)?.len();
    let u32_at = |at: usize| -> Option<u32> {
        Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
    };
    if u32_at(8)? != VERSION {
        return None;
    }
    let count = u32_at(12)? as usize;
    let mut index = IdMap::default();
    index.reserve(count.min(1 << 24));
    let mut at = 16;
    for _ in 0..count {
        let id = CommitId(bytes.get(at..at + 20)?.try_into().ok()?);
        let len = u32_at(at + 20)? as usize;
        let start = at + 24;
        if start.checked_add(len)? > body_len {
            return None;
        }
        index.insert(id, (start, len));
        at = start + len;
    }
    if at != body_len {
        return None;
    }
    bytes.truncate(body_len);
    Some(CommitCache {
        loaded: bytes,
        added: Records::default(),
        index,
        loaded_count: count,
        keeping: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commits_round_trip_and_damage_is_ignored() {
        let dir = tempfile::TempDir::new().unwrap();
        let mut cache = CommitCache::default();
        cache.insert(CommitId([1; 20]), b"tree x\n\nfirst\n");
        cache.insert(CommitId([2; 20]), b"");
        cache.save(dir.path()).unwrap();
        let mut warnings = Vec::new();
        let back = CommitCache::load(dir.path(), &mut warnings);
        assert!(warnings.is_empty());
        assert_eq!(back.len(), 2);
        assert_eq!(
            back.get(&CommitId([1; 20])),
            Some(&b"tree x\n\nfirst\n"[..])
        );
        assert_eq!(back.get(&CommitId([2; 20])), Some(&b""[..]));
        assert_eq!(back.get(&CommitId([3; 20])), None);

        // Records added to a loaded cache: those it knows are left out, the rest
        // saved after the loaded ones, and read back from either part.
        let mut back = back;
        let mut walked = Records::default();
        walked.push(CommitId([3; 20]), b"third");
        walked.push(CommitId([4; 20]), b"fourth");
        back.add(walked);
        let mut again = Records::default();
        again.push(CommitId([1; 20]), b"not the first");
        again.push(CommitId([5; 20]), b"fifth");
        back.add(again);
        assert_eq!(
            back.get(&CommitId([1; 20])),
            Some(&b"tree x\n\nfirst\n"[..])
        );
        assert_eq!(back.get(&CommitId([4; 20])), Some(&b"fourth"[..]));
        assert_eq!(back.get(&CommitId([5; 20])), Some(&b"fifth"[..]));
        back.save(dir.path()).unwrap();
        let back = CommitCache::load(dir.path(), &mut warnings);
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(back.len(), 5);
        for (id, data) in [
            (1, &b"tree x\n\nfirst\n"[..]),
            (2, b""),
            (3, b"third"),
            (4, b"fourth"),
            (5, b"fifth"),
        ] {
            assert_eq!(back.get(&CommitId([id; 20])), Some(data), "{id}");
        }

        let path = dir.path().join(COMMIT_CACHE_FILE);
        let full = std::fs::read(&path).unwrap();
        for cut in [0, 7, full.len() / 2, full.len() - 1] {
            std::fs::write(&path, &full[..cut]).unwrap();
            let mut warnings = Vec::new();
            assert!(CommitCache::load(dir.path(), &mut warnings).is_empty());
            assert_eq!(warnings.len(), 1, "cut at {cut}");
        }
        let mut flipped = full.clone();
        flipped[30] ^= 1;
        std::fs::write(&path, &flipped).unwrap();
        let mut warnings = Vec::new();
        assert!(CommitCache::load(dir.path(), &mut warnings).is_empty());
        assert_eq!(warnings.len(), 1);
    }
}
