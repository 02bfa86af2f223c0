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
#[derive(Default)]
pub struct CommitCache {
    bytes: Vec<u8>,
    index: IdMap<(usize, usize)>,
    /// Whether commits were added since loading.
    grown: bool,
    /// Whether new commits are worth keeping: not for a cache that will never be
    /// saved (`--no-cache`, or a one-off read).
    keeping: bool,
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
        self.bytes.get(start..start + len)
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
        self.index.insert(id, (self.bytes.len(), data.len()));
        self.bytes.extend_from_slice(data);
        self.grown = true;
    }

    /// Writes the cache to `dir` when commits were added.
    pub fn save(&self, dir: &Path) -> std::io::Result<()> {
        if !self.grown {
            return Ok(());
        }
        let mut records: Vec<(&CommitId, &(usize, usize))> = self.index.iter().collect();
        records.sort_unstable_by_key(|(_, place)| place.0);
        let mut out = Vec::with_capacity(self.bytes.len() + records.len() * 24 + 32);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&VERSION.to_le_bytes());
        out.extend_from_slice(&(records.len() as u32).to_le_bytes());
        for (id, &(start, len)) in records {
            out.extend_from_slice(&id.0);
            out.extend_from_slice(&(len as u32).to_le_bytes());
            out.extend_from_slice(&self.bytes[start..start + len]);
        }
        crate::sealed::write(dir, COMMIT_CACHE_FILE, out)
    }
}

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
        bytes,
        index,
        grown: false,
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
