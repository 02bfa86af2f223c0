//! The diff cache file: versioned, checksummed, written to a temporary file and
//! renamed into place, so that a crash mid-write or two builds at once leave either
//! the old file or a new complete one. Anything that does not read back exactly is
//! ignored with a warning and rebuilt, never trusted.

use std::path::Path;

use super::{Change, Changes};
use crate::history::CommitId;

pub const CACHE_FILE: &str = "diffstat.cache";
const MAGIC: &[u8; 8] = b"VSDIFF\0\x01";
const VERSION: u32 = 2;
const NONE: u32 = u32::MAX;

pub fn save(dir: &Path, changes: &Changes) -> std::io::Result<()> {
    let mut out = Vec::with_capacity(64 + changes.commit_count() * 64);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&(changes.paths.len() as u32).to_le_bytes());
    for p in &changes.paths {
        out.extend_from_slice(&(p.len() as u32).to_le_bytes());
        out.extend_from_slice(p.as_bytes());
    }
    // In the order recorded: the cached commits as they were read, then the new
    // ones, newest first.
    out.extend_from_slice(&(changes.commit_count() as u32).to_le_bytes());
    for id in changes.commits() {
        let list = changes.of(id);
        out.extend_from_slice(&id.0);
        out.extend_from_slice(&(list.len() as u32).to_le_bytes());
        for c in list {
            for v in [c.path, c.old_path.unwrap_or(NONE), c.added, c.removed] {
                out.extend_from_slice(&v.to_le_bytes());
            }
            out.push(u8::from(c.binary));
        }
    }
    crate::sealed::write(dir, CACHE_FILE, out)
}

/// The cached changes, or none (with a warning) when the file is damaged or foreign.
pub fn load(dir: &Path, warnings: &mut Vec<String>) -> Changes {
    let path = dir.join(CACHE_FILE);
    let bytes = match crate::sealed::read(&path) {
        Ok(Some(b)) => b,
        Ok(None) => return Changes::default(),
        Err(e) => {
            warnings.push(format!("ignoring the diff cache {}: {e}", path.display()));
            return Changes::default();
        }
    };
    match decode(&bytes) {
        Some(changes) => changes,
        None => {
            warnings.push(format!(
                "ignoring the diff cache {}: it is damaged or not valuestory's; it will be rebuilt",
                path.display()
            ));
            Changes::default()
        }
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let end = self.at.checked_add(n)?;
        let slice = self.bytes.get(self.at..end)?;
        self.at = end;
        Some(slice)
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
}

fn decode(bytes: &[u8]) -> Option<Changes> {
    if bytes.len() < MAGIC.len() + 8 + 8 || &bytes[..MAGIC.len()] != MAGIC {
        return None;
    }
    let body = crate::sealed::body(bytes)?;
    let mut r = Reader {
        bytes: body,
        at: MAGIC.len(),
    };
    if r.u32()? != VERSION {
        return None;
    }
    let mut changes = Changes::default();
    let path_count = r.u32()? as usize;
    for _ in 0..path_count {
        let len = r.u32()? as usize;
        let path = std::str::from_utf8(r.take(len)?).ok()?;
        changes.intern(path);
    }
    if changes.paths.len() != path_count {
        return None;
    }
    let commit_count = r.u32()? as usize;
    let mut list = Vec::new();
    for _ in 0..commit_count {
        let id = CommitId(r.take(20)?.try_into().ok()?);
        let n = r.u32()? as usize;
        list.clear();
        for _ in 0..n {
            let path = r.u32()?;
            let old = r.u32()?;
            let added = r.u32()?;
            let removed = r.u32()?;
            let binary = r.take(1)?[0] != 0;
            if path as usize >= path_count || (old != NONE && old as usize >= path_count) {
                return None;
            }
            list.push(Change {
                path,
                old_path: (old != NONE).then_some(old),
                added,
                removed,
                binary,
            });
        }
        changes.insert_changes(id, &list);
    }
    (r.at == body.len()).then_some(changes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::FileChange;

    fn sample() -> Changes {
        let mut c = Changes::default();
        c.insert(
            CommitId([7; 20]),
            &[
                FileChange {
                    path: "a/b.rs".into(),
                    old_path: Some("a/old.rs".into()),
                    added: 3,
                    removed: 1,
                    binary: false,
                },
                FileChange {
                    path: "logo.png".into(),
                    old_path: None,
                    added: 0,
                    removed: 0,
                    binary: true,
                },
            ],
        );
        c.insert(CommitId([9; 20]), &[]);
        c
    }

    #[test]
    fn cache_round_trips() {
        let dir = tempfile::TempDir::new().unwrap();
        save(dir.path(), &sample()).unwrap();
        let mut warnings = Vec::new();
        let back = load(dir.path(), &mut warnings);
        assert!(warnings.is_empty());
        assert_eq!(back.commit_count(), 2);
        let list = back.of(&CommitId([7; 20]));
        assert_eq!(back.path(list[0].path), "a/b.rs");
        assert_eq!(back.path(list[0].old_path.unwrap()), "a/old.rs");
        assert_eq!((list[0].added, list[0].removed), (3, 1));
        assert!(list[1].binary);
    }

    #[test]
    fn torn_or_foreign_files_are_ignored_with_a_warning() {
        let dir = tempfile::TempDir::new().unwrap();
        save(dir.path(), &sample()).unwrap();
        let path = dir.path().join(CACHE_FILE);
        let full = std::fs::read(&path).unwrap();
        for cut in [0, 5, full.len() / 2, full.len() - 1] {
            std::fs::write(&path, &full[..cut]).unwrap();
            let mut warnings = Vec::new();
            assert!(load(dir.path(), &mut warnings).commit_count() == 0);
            assert_eq!(warnings.len(), 1, "cut at {cut}");
        }
        let mut flipped = full.clone();
        flipped[20] ^= 0xff;
        std::fs::write(&path, &flipped).unwrap();
        let mut warnings = Vec::new();
        assert!(load(dir.path(), &mut warnings).commit_count() == 0);
        std::fs::write(&path, b"some other program's file").unwrap();
        let mut warnings = Vec::new();
        assert!(load(dir.path(), &mut warnings).commit_count() == 0);
        assert!(warnings[0].contains("damaged or not valuestory's"));
    }
}
