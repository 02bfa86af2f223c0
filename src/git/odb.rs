//! A reader of git's object store made for diffing whole histories: pack files
//! (`.idx` version 2 and `.pack`), loose objects and alternates, with a large
//! per-thread cache of resolved objects.
//!
//! libgit2 reads the same packs, but its cache of delta bases is fixed at 16 MB and
//! every read takes one process-wide lock on the pack windows; on histories whose
//! packs have long delta chains (anything `git fast-import` or a busy push wrote) it
//! unpacks the same chains over and over, and two threads barely beat one. Here the
//! indexes and the packs, mapped into memory as git itself maps them, are shared
//! ([`ObjectStore`] is `Sync`), and each worker keeps its own [`Objects`] cache, so
//! threads never wait on each other.
//!
//! Anything this reader does not find (a pack added after it opened, an index
//! version it does not know, an object directory from the environment) is read
//! through libgit2, so the answer is always the repository's.

use std::collections::{HashMap, VecDeque};
use std::fs::File;
use std::io::Read;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use super::{Error, Replacements, Result};

/// A 20-byte object id.
pub type ObjectId = [u8; 20];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Commit,
    Tree,
    Blob,
    Tag,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Commit => "commit",
            Kind::Tree => "tree",
            Kind::Blob => "blob",
            Kind::Tag => "tag",
        }
    }
}

/// An object's contents, shared with the cache.
pub type Data = Rc<Vec<u8>>;

/// The packs and loose-object folders of a repository and its alternates, opened
/// once and shared by every worker thread.
pub struct ObjectStore {
    git_dir: PathBuf,
    packs: Vec<Pack>,
    loose: Vec<PathBuf>,
    access: Access,
    /// Applied to every [`Objects::read`], as git applies them.
    replacements: Replacements,
}

/// How pack bytes are reached.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Access {
    /// Mapped into memory, as git maps them: best when much of a pack is read
    /// (trees and blobs for diffing).
    Mapped,
    /// A positioned read per object: for a walk that reads small objects spread
    /// over the whole pack (commits), where a map would keep every page it touched.
    Read,
}

impl ObjectStore {
    /// Opens the object folders of the repository whose git folder is `git_dir`,
    /// with the packs mapped. A pack or an alternate this reader cannot use is
    /// skipped; its objects are then read through libgit2.
    pub fn open(git_dir: &Path) -> Result<ObjectStore> {
        ObjectStore::open_with(git_dir, Access::Mapped)
    }

    /// Like [`ObjectStore::open`], reading each object with its own positioned
    /// read instead of mapping the packs.
    pub fn open_unmapped(git_dir: &Path) -> Result<ObjectStore> {
        ObjectStore::open_with(git_dir, Access::Read)
    }

    fn open_with(git_dir: &Path, access: Access) -> Result<ObjectStore> {
        let repo = git2::Repository::open(git_dir)?;
        let objects = repo.commondir().join("objects");
        let mut store = ObjectStore {
            git_dir: git_dir.to_path_buf(),
            packs: Vec::new(),
            loose: Vec::new(),
            access,
            replacements: Replacements::load(&repo)?,
        };
        store.add_folder(&objects, 0);
        Ok(store)
    }

    fn add_folder(&mut self, objects: &Path, depth: usize) {
        // git follows alternates five levels deep.
        if depth > 5 || self.loose.iter().any(|d| d == objects) {
            return;
        }
        self.loose.push(objects.to_path_buf());
        if let Ok(entries) = std::fs::read_dir(objects.join("pack")) {
            let mut idx: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "idx"))
                .collect();
            idx.sort();
            let access = self.access;
            self.packs
                .extend(idx.iter().filter_map(|p| Pack::open(p, access)));
        }
        if let Ok(text) = std::fs::read_to_string(objects.join("info/alternates")) {
            for line in text.lines() {
                let line = line.trim();
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                let dir = objects.join(line);
                self.add_folder(&dir, depth + 1);
            }
        }
    }

    /// How many packs this reader reads itself.
    pub fn pack_count(&self) -> usize {
        self.packs.len()
    }

    /// The object folders read: the repository's own, then its alternates'.
    pub fn object_dirs(&self) -> &[PathBuf] {
        &self.loose
    }

    /// The replace refs and grafts in effect.
    pub fn replacements(&self) -> &Replacements {
        &self.replacements
    }
}

/// One `.pack`, mapped or not, with its `.idx` (version 2) mapped.
struct Pack {
    path: PathBuf,
    file: File,
    map: Option<memmap2::Mmap>,
    idx: memmap2::Mmap,
    count: usize,
    /// Where the object data ends: the trailing checksum.
    data_end: u64,
}

const IDX_MAGIC: [u8; 4] = [0xff, b't', b'O', b'c'];
const FANOUT: usize = 8;
const NAMES: usize = FANOUT + 256 * 4;

impl Pack {
    fn open(idx_path: &Path, access: Access) -> Option<Pack> {
        let path = idx_path.with_extension("pack");
        // SAFETY: as for packs below, git writes an index once and never changes
        // it in place.
        let idx = unsafe { memmap2::Mmap::map(&File::open(idx_path).ok()?) }.ok()?;
        if idx.len() < NAMES || idx[..4] != IDX_MAGIC || idx[4..8] != [0, 0, 0, 2] {
            return None;
        }
        let count = be32(&idx, FANOUT + 255 * 4) as usize;
        // names, crc32s and 32-bit offsets, then the two trailing checksums.
        if idx.len() < NAMES + count * 28 + 40 {
            return None;
        }
        let file = File::open(&path).ok()?;
        let map = match access {
            // SAFETY: git never changes a pack file once it is written: it writes
            // new packs beside the old ones and deletes whole files, and a deleted
            // file stays mapped. Only a tool that truncated a pack in place could
            // pull bytes from under the map; git's own commands map packs alike.
            Access::Mapped => Some(unsafe { memmap2::Mmap::map(&file) }.ok()?),
            Access::Read => None,
        };
        let len = match &map {
            Some(map) => map.len() as u64,
            None => file.metadata().ok()?.len(),
        };
        let mut head = [0u8; 12];
        file.read_exact_at(&mut head, 0).ok()?;
        if len < 32 || &head[..4] != b"PACK" || be32(&head, 8) as usize != count {
            return None;
        }
        // The index names the pack it was made for by the pack's checksum, as git
        // checks: a stale index beside a rewritten pack would point at wrong bytes.
        let mut trailer = [0u8; 20];
        file.read_exact_at(&mut trailer, len - 20).ok()?;
        if idx[idx.len() - 40..idx.len() - 20] != trailer {
            return None;
        }
        Some(Pack {
            path,
            file,
            map,
            idx,
            count,
            data_end: len - 20,
        })
    }

    /// The offset of an object in this pack.
    fn find(&self, id: &ObjectId) -> Option<u64> {
        let first = id[0] as usize;
        let lo = if first == 0 {
            0
        } else {
            be32(&self.idx, FANOUT + (first - 1) * 4) as usize
        };
        let hi = (be32(&self.idx, FANOUT + first * 4) as usize).min(self.count);
        let (mut lo, mut hi) = (lo.min(hi), hi);
        let name = |i: usize| &self.idx[NAMES + i * 20..NAMES + i * 20 + 20];
        // Ids are uniformly spread: guess the position from the next two bytes and
        // search a window around it (a few cache lines instead of a dozen far
        // apart), when the window provably holds the id's place.
        let n = hi - lo;
        if n > 64 {
            let key = u16::from_be_bytes([id[1], id[2]]) as usize;
            let guess = lo + ((key * n) >> 16);
            let reach = 2 * n.isqrt() + 16;
            let (wlo, whi) = (guess.saturating_sub(reach).max(lo), (guess + reach).min(hi));
            if (wlo == lo || name(wlo) <= &id[..]) && (whi == hi || name(whi - 1) >= &id[..]) {
                (lo, hi) = (wlo, whi);
            }
        }
        while lo < hi {
            let mid = (lo + hi) / 2;
            match name(mid).cmp(&id[..]) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return self.offset(mid),
            }
        }
        None
    }

    fn offset(&self, i: usize) -> Option<u64> {
        let small = NAMES + self.count * 24;
        let off = be32(&self.idx, small + i * 4);
        if off & 0x8000_0000 == 0 {
            return Some(u64::from(off));
        }
        let at = small + self.count * 4 + (off & 0x7fff_ffff) as usize * 8;
        let bytes = self.idx.get(at..at + 8)?;
        Some(u64::from_be_bytes(bytes.try_into().ok()?))
    }

    fn damaged(&self, offset: u64, message: impl std::fmt::Display) -> Error {
        Error::Damaged {
            path: self.path.display().to_string(),
            message: format!("object at offset {offset}: {message}"),
        }
    }
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// One worker's reader: the shared store, a cache of resolved objects and,
/// opened on first need, libgit2 for what the store does not hold.
pub struct Objects<'s> {
    store: &'s ObjectStore,
    cache: Cache,
    inflater: Inflater,
    buffer: Vec<u8>,
    fallback: Option<git2::Repository>,
    /// The pack that held the last object found, tried first.
    last_pack: usize,
    /// Where recently read objects are, by id: most reads repeat one (a commit's
    /// tree is the next commit's parent tree), and a slot is cheaper than the
    /// index's binary search.
    places: Vec<Option<(ObjectId, usize, u64)>>,
    fallback_reads: usize,
    /// How deep reads of delta bases in other packs are nested.
    depth: usize,
}

const PLACE_SLOTS: usize = 1 << 16;

/// The most bytes of deltas one chain may hold while it is resolved.
const MAX_HELD_DELTAS: usize = 1 << 30;

/// Bytes of resolved objects all workers together keep: git's own default for its
/// delta base cache (`core.deltaBaseCacheLimit`), which its one process keeps.
pub const CACHE_BYTES: usize = 96 << 20;

/// The least each worker keeps, however many there are: below this, fast-import's
/// long delta chains are resolved over and over.
const MIN_WORKER_CACHE: usize = 24 << 20;

/// What each of `workers` threads keeps of resolved objects: a share of
/// [`CACHE_BYTES`], so that together they hold about what git holds (on two cores,
/// 48 MiB each; curl's changed paths then peak under git's memory, for 5% more
/// time than 96 MiB each).
pub fn worker_cache_bytes(workers: usize) -> usize {
    (CACHE_BYTES / workers.max(1)).max(MIN_WORKER_CACHE)
}

impl<'s> Objects<'s> {
    pub fn new(store: &'s ObjectStore) -> Objects<'s> {
        Objects::with_cache(store, CACHE_BYTES)
    }

    /// A reader keeping at most `bytes` of resolved objects.
    pub fn with_cache(store: &'s ObjectStore, bytes: usize) -> Objects<'s> {
        Objects {
            store,
            cache: Cache::new(bytes),
            inflater: Inflater::new(),
            buffer: Vec::new(),
            fallback: None,
            last_pack: 0,
            // A reader that keeps nothing reads each object once (commits in a
            // walk): remembering where they were would only cost memory.
            places: vec![None; if bytes == 0 { 1 } else { PLACE_SLOTS }],
            fallback_reads: 0,
            depth: 0,
        }
    }

    /// An object that must be of `kind`.
    pub fn read_as(&mut self, id: &ObjectId, kind: Kind) -> Result<Data> {
        let (found, data) = self.read(id)?;
        if found != kind {
            return Err(Error::Damaged {
                path: hex(id),
                message: format!("expected a {}, found a {}", kind.name(), found.name()),
            });
        }
        Ok(data)
    }

    /// The object git reads for `id`: its replacement's, when a replace ref names one.
    pub fn read(&mut self, id: &ObjectId) -> Result<(Kind, Data)> {
        let replacements = &self.store.replacements;
        if replacements.is_empty() {
            return self.read_stored(id);
        }
        let shown = replacements.object(crate::history::CommitId(*id))?;
        self.read_stored(&shown.0)
    }

    /// The object stored under `id`, with no replacement.
    pub fn read_stored(&mut self, id: &ObjectId) -> Result<(Kind, Data)> {
        let slot = usize::from(u16::from_le_bytes([id[18], id[19]])) % self.places.len();
        if let Some((known, p, offset)) = self.places[slot]
            && known == *id
        {
            return self.unpack(p, offset);
        }
        let packs = &self.store.packs;
        let order = std::iter::once(self.last_pack)
            .chain((0..packs.len()).filter(|&i| i != self.last_pack));
        for p in order {
            if let Some(offset) = packs.get(p).and_then(|pack| pack.find(id)) {
                self.last_pack = p;
                self.places[slot] = Some((*id, p, offset));
                return self.unpack(p, offset);
            }
        }
        if let Some(found) = self.loose(id)? {
            return Ok(found);
        }
        self.fallback_reads += 1;
        self.through_libgit2(id)
    }

    /// The replace refs and grafts this reader applies.
    pub fn replacements(&self) -> &'s Replacements {
        &self.store.replacements
    }

    /// How many objects were read through libgit2 because the store did not
    /// have them.
    pub fn fallback_reads(&self) -> usize {
        self.fallback_reads
    }

    fn loose(&mut self, id: &ObjectId) -> Result<Option<(Kind, Data)>> {
        let name = hex(id);
        for dir in &self.store.loose {
            let path = dir.join(&name[..2]).join(&name[2..]);
            let Ok(file) = File::open(&path) else {
                continue;
            };
            let (kind, raw) = read_loose(file).map_err(|message| Error::Damaged {
                path: path.display().to_string(),
                message,
            })?;
            return Ok(Some((kind, Rc::new(raw))));
        }
        Ok(None)
    }

    fn through_libgit2(&mut self, id: &ObjectId) -> Result<(Kind, Data)> {
        let repo = match &mut self.fallback {
            Some(repo) => repo,
            slot => slot.insert(git2::Repository::open(&self.store.git_dir)?),
        };
        let oid = git2::Oid::from_bytes(id)?;
        let odb = repo.odb()?;
        let object = odb.read(oid).map_err(|e| match e.code() {
            git2::ErrorCode::NotFound => Error::MissingObject { id: hex(id) },
            _ => Error::Git(e),
        })?;
        let kind = match object.kind() {
            git2::ObjectType::Commit => Kind::Commit,
            git2::ObjectType::Tree => Kind::Tree,
            git2::ObjectType::Blob => Kind::Blob,
            git2::ObjectType::Tag => Kind::Tag,
            _ => return Err(Error::MissingObject { id: hex(id) }),
        };
        Ok((kind, Rc::new(object.data().to_vec())))
    }

    /// The object at `offset` in pack `p`, resolving its chain of deltas from the
    /// nearest cached or whole object.
    fn unpack(&mut self, p: usize, offset: u64) -> Result<(Kind, Data)> {
        let store = self.store;
        let pack = &store.packs[p];
        let mut deltas: Vec<(u64, Vec<u8>)> = Vec::new();
        let mut held = 0usize;
        let mut at = offset;
        let (kind, mut data) = loop {
            if let Some(hit) = self.cache.get(p, at) {
                break hit;
            }
            // git's chains stay far below these; a damaged or hostile pack could
            // loop (a delta whose base is itself) or hold gigabytes of deltas.
            if deltas.len() > 10_000 || deltas.iter().any(|(seen, _)| *seen == at) {
                return Err(pack.damaged(offset, "its chain of deltas loops or never ends"));
            }
            let entry = self.entry(p, at)?;
            held = held.saturating_add(entry.data.len());
            if held > MAX_HELD_DELTAS {
                return Err(pack.damaged(offset, "its chain of deltas holds over 1 GiB"));
            }
            match entry.base {
                Base::Whole(kind) => break (kind, Rc::new(entry.data)),
                Base::Offset(base) => {
                    deltas.push((at, entry.data));
                    at = base;
                }
                Base::Id(id) => {
                    deltas.push((at, entry.data));
                    match pack.find(&id) {
                        Some(base) => at = base,
                        None => {
                            // A base in another pack: a damaged store could make
                            // two packs refer to each other forever.
                            if self.depth >= 16 {
                                return Err(pack
                                    .damaged(offset, "delta bases refer across packs in a loop"));
                            }
                            self.depth += 1;
                            // The base's own bytes: a replace ref changes what
                            // git shows, never what a delta applies to.
                            let base = self.read_stored(&id);
                            self.depth -= 1;
                            break base?;
                        }
                    }
                }
            }
        };
        for (at, delta) in deltas.into_iter().rev() {
            data = Rc::new(apply_delta(&data, &delta).map_err(|m| pack.damaged(at, m))?);
            self.cache.put(p, at, kind, data.clone());
        }
        if !self.cache.has(p, offset) {
            self.cache.put(p, offset, kind, data.clone());
        }
        Ok((kind, data))
    }

    /// One pack entry, inflated: a whole object or a delta against a base.
    fn entry(&mut self, p: usize, offset: u64) -> Result<Entry> {
        let store = self.store;
        let pack = &store.packs[p];
        if offset < 12 || offset >= pack.data_end {
            return Err(pack.damaged(offset, "outside the pack"));
        }
        let Some(map) = &pack.map else {
            return self.entry_unmapped(p, offset);
        };
        let raw = &map[offset as usize..pack.data_end as usize];
        read_entry(&mut self.inflater, raw, offset).map_err(|m| pack.damaged(offset, m))
    }

    /// [`Objects::entry`] for a pack that is not mapped: the entry's head is read
    /// first, then as much of the pack as its inflated size can need.
    fn entry_unmapped(&mut self, p: usize, offset: u64) -> Result<Entry> {
        let store = self.store;
        let pack = &store.packs[p];
        // Most commits and deltas fit in one read of this size, header included.
        let mut head = [0u8; 1024];
        let n = (pack.data_end - offset).min(head.len() as u64) as usize;
        pack.file
            .read_exact_at(&mut head[..n], offset)
            .map_err(|e| pack.damaged(offset, e))?;
        let raw = &head[..n];
        let EntryHeader { base, size, len: i } =
            entry_header(raw, offset).map_err(|m| pack.damaged(offset, m))?;
        let mut data = Vec::new();
        // zlib never makes a stream longer than its input plus a thousandth and
        // a few bytes (deflateBound); a second, larger read covers any other
        // encoder.
        let start = offset + i as u64;
        let available = pack.data_end - start;
        let bound = (size as u64)
            .saturating_add(size as u64 / 1024)
            .saturating_add(64);
        let mut whole = false;
        let in_head = (raw.len() - i) as u64;
        if in_head >= bound.min(available) {
            whole = self.inflater.exact(&raw[i..], size, &mut data);
        }
        for want in [bound, bound.saturating_mul(4).saturating_add(1 << 20)] {
            if whole || in_head == available {
                break;
            }
            let want = want.min(available) as usize;
            self.buffer.resize(want, 0);
            pack.file
                .read_exact_at(&mut self.buffer, start)
                .map_err(|e| pack.damaged(offset, e))?;
            whole = self.inflater.exact(&self.buffer, size, &mut data);
            if want as u64 == available {
                break;
            }
        }
        if !whole {
            return Err(pack.damaged(offset, format!("does not inflate to {size} bytes")));
        }
        Ok(Entry { base, data })
    }
}

/// One pack entry from its bytes in memory: `raw` runs from the entry's first byte
/// to the end of the pack's data, and `offset` is where the entry is in the pack.
pub(super) fn read_entry(
    inflater: &mut Inflater,
    raw: &[u8],
    offset: u64,
) -> std::result::Result<Entry, String> {
    let EntryHeader { base, size, len } = entry_header(raw, offset)?;
    let mut data = Vec::new();
    if !inflater.exact(&raw[len..], size, &mut data) {
        return Err(format!("does not inflate to {size} bytes"));
    }
    Ok(Entry { base, data })
}

/// Inflates zlib streams whose inflated size is known, as a pack entry's header
/// gives it, in one call (libdeflate: about twice as fast as a streaming inflate
/// on the many small objects of a history, whose Huffman tables dominate).
pub struct Inflater {
    raw: std::ptr::NonNull<libdeflate_sys::libdeflate_decompressor>,
}

impl Inflater {
    pub fn new() -> Inflater {
        // SAFETY: allocating a decompressor has no preconditions; a null one
        // means the allocation failed.
        let raw = unsafe { libdeflate_sys::libdeflate_alloc_decompressor() };
        Inflater {
            raw: std::ptr::NonNull::new(raw).expect("memory for a decompressor"),
        }
    }

    /// Inflates the zlib stream at the start of `input` (bytes after it are
    /// ignored) into `out`, replacing what it held: true when the stream is whole,
    /// its checksum right, and it inflates to exactly `size` bytes. A stream that
    /// needs more input than `input` holds, or holds more, is refused.
    pub fn exact(&mut self, input: &[u8], size: usize, out: &mut Vec<u8>) -> bool {
        out.clear();
        // A deflate stream inflates at most 1032 times; a header claiming more is
        // damaged, and nothing that large is ever set aside for it.
        if size > input.len().saturating_mul(1032).saturating_add(64)
            || out.try_reserve_exact(size).is_err()
        {
            return false;
        }
        let mut used = 0usize;
        // SAFETY: `input` is readable for its length and `out` has room for
        // `size` bytes; libdeflate writes at most `size` bytes and, with no
        // place for the output length, succeeds only when it wrote exactly
        // `size`. Only then is the length set.
        let result = unsafe {
            libdeflate_sys::libdeflate_zlib_decompress_ex(
                self.raw.as_ptr(),
                input.as_ptr().cast(),
                input.len(),
                out.as_mut_ptr().cast(),
                size,
                &mut used,
                std::ptr::null_mut(),
            )
        };
        if result != libdeflate_sys::libdeflate_result_LIBDEFLATE_SUCCESS {
            return false;
        }
        // SAFETY: on success libdeflate wrote all `size` bytes.
        unsafe { out.set_len(size) };
        true
    }
}

impl Default for Inflater {
    fn default() -> Inflater {
        Inflater::new()
    }
}

impl Drop for Inflater {
    fn drop(&mut self) {
        // SAFETY: allocated by `libdeflate_alloc_decompressor`, freed once.
        unsafe { libdeflate_sys::libdeflate_free_decompressor(self.raw.as_ptr()) }
    }
}

/// What a pack entry's header says: the object's type and inflated size (varint,
/// four bits in the first byte) and, for a delta, where its base is.
pub(super) struct EntryHeader {
    pub(super) base: Base,
    pub(super) size: usize,
    /// The header's length in bytes: the zlib stream starts there.
    pub(super) len: usize,
}

/// Reads the header of the pack entry at `offset` from its first bytes.
pub(super) fn entry_header(raw: &[u8], offset: u64) -> std::result::Result<EntryHeader, String> {
    let mut i = 0;
    let byte = |i: usize| raw.get(i).copied().ok_or("truncated entry header");
    let first = byte(i)?;
    i += 1;
    let kind = (first >> 4) & 7;
    let mut size = u64::from(first & 15);
    let mut shift = 4;
    let mut more = first & 0x80 != 0;
    while more {
        let b = byte(i)?;
        i += 1;
        if shift > 60 {
            return Err("object size overflows".into());
        }
        size |= u64::from(b & 0x7f) << shift;
        shift += 7;
        more = b & 0x80 != 0;
    }
    let base = match kind {
        1 => Base::Whole(Kind::Commit),
        2 => Base::Whole(Kind::Tree),
        3 => Base::Whole(Kind::Blob),
        4 => Base::Whole(Kind::Tag),
        6 => {
            let mut b = byte(i)?;
            i += 1;
            let mut back = u64::from(b & 0x7f);
            while b & 0x80 != 0 {
                b = byte(i)?;
                i += 1;
                back = back
                    .checked_add(1)
                    .and_then(|x| x.checked_mul(128))
                    .ok_or("delta base offset overflows")?
                    | u64::from(b & 0x7f);
            }
            if back == 0 || back > offset {
                return Err("delta base outside the pack".into());
            }
            Base::Offset(offset - back)
        }
        7 => {
            let id: ObjectId = raw
                .get(i..i + 20)
                .and_then(|s| s.try_into().ok())
                .ok_or("truncated delta base id")?;
            i += 20;
            Base::Id(id)
        }
        other => return Err(format!("unknown entry type {other}")),
    };
    let size = usize::try_from(size).map_err(|_| "object too large")?;
    Ok(EntryHeader { base, size, len: i })
}

/// Output reserved ahead of what is written: a size read from a pack or a delta
/// is only a claim until the data backs it, and a few damaged bytes must not
/// reserve gigabytes. Objects this small (nearly all) get their whole size at once;
/// larger ones grow by doubling, never past their size.
const RESERVE_AHEAD: usize = 16 << 20;

/// Reserves room for `more` bytes in `out`, which must never exceed `limit`.
fn reserve_within(out: &mut Vec<u8>, more: usize, limit: usize) -> std::result::Result<(), String> {
    let need = out.len().saturating_add(more);
    if need <= out.capacity() {
        return Ok(());
    }
    // Double, but never past the limit, nor less than what is needed now.
    let want = out
        .capacity()
        .saturating_mul(2)
        .max(RESERVE_AHEAD)
        .min(limit)
        .max(need);
    out.try_reserve_exact(want - out.len())
        .map_err(|_| format!("cannot hold {want} bytes"))
}

pub(super) struct Entry {
    pub(super) base: Base,
    pub(super) data: Vec<u8>,
}

pub(super) enum Base {
    Whole(Kind),
    Offset(u64),
    Id(ObjectId),
}

/// Rebuilds an object from its base and a git delta (copy and insert
/// instructions after the two sizes). The result's size in the delta's header is
/// checked as it is written, and room for it is reserved as it is.
pub(super) fn apply_delta(base: &[u8], delta: &[u8]) -> std::result::Result<Vec<u8>, &'static str> {
    let mut i = 0;
    let mut size = || -> std::result::Result<usize, &'static str> {
        let mut n: u64 = 0;
        let mut shift = 0;
        loop {
            let b = *delta.get(i).ok_or("truncated delta")?;
            i += 1;
            if shift > 56 {
                return Err("delta size overflows");
            }
            n |= u64::from(b & 0x7f) << shift;
            shift += 7;
            if b & 0x80 == 0 {
                return usize::try_from(n).map_err(|_| "delta size overflows");
            }
        }
    };
    let base_size = size()?;
    let out_size = size()?;
    if base_size != base.len() {
        return Err("delta base has the wrong size");
    }
    let mut out = Vec::new();
    let push = |out: &mut Vec<u8>, piece: &[u8]| {
        if piece.len() > out_size - out.len() {
            return Err("delta writes past its size");
        }
        reserve_within(out, piece.len(), out_size).map_err(|_| "delta result too large")?;
        out.extend_from_slice(piece);
        Ok(())
    };
    while i < delta.len() {
        let op = delta[i];
        i += 1;
        if op & 0x80 != 0 {
            let mut arg = |bit: u8, shift: u32| -> std::result::Result<usize, &'static str> {
                if op & bit == 0 {
                    return Ok(0);
                }
                let b = *delta.get(i).ok_or("truncated copy instruction")?;
                i += 1;
                Ok(usize::from(b) << shift)
            };
            let offset = arg(1, 0)? | arg(2, 8)? | arg(4, 16)? | arg(8, 24)?;
            let mut len = arg(16, 0)? | arg(32, 8)? | arg(64, 16)?;
            if len == 0 {
                len = 0x10000;
            }
            let piece = offset
                .checked_add(len)
                .and_then(|end| base.get(offset..end))
                .ok_or("copy outside the delta base")?;
            push(&mut out, piece)?;
        } else if op != 0 {
            let piece = delta
                .get(i..i + usize::from(op))
                .ok_or("truncated insert instruction")?;
            i += usize::from(op);
            push(&mut out, piece)?;
        } else {
            return Err("reserved delta instruction 0");
        }
    }
    if out.len() != out_size {
        return Err("delta result has the wrong size");
    }
    Ok(out)
}

/// A loose object from its zlib stream: the header first, then exactly the size it
/// gives, so that a small file cannot inflate into gigabytes before its size is
/// checked, and one that holds more or less than its header says is an error.
pub(super) fn read_loose(stream: impl Read) -> std::result::Result<(Kind, Vec<u8>), String> {
    let mut inflate = flate2::read::ZlibDecoder::new(stream);
    let mut head = Vec::new();
    (&mut inflate)
        .take(64)
        .read_to_end(&mut head)
        .map_err(|e| e.to_string())?;
    let nul = head
        .iter()
        .position(|&b| b == 0)
        .ok_or("no object header")?;
    let header = std::str::from_utf8(&head[..nul]).unwrap_or("");
    let (kind, size) = header
        .split_once(' ')
        .ok_or_else(|| format!("bad object header {header:?}"))?;
    let kind = match kind {
        "commit" => Kind::Commit,
        "tree" => Kind::Tree,
        "blob" => Kind::Blob,
        "tag" => Kind::Tag,
        other => return Err(format!("unknown object type {other:?}")),
    };
    let size: usize = size
        .parse()
        .map_err(|_| format!("bad object size {size:?}"))?;
    let mut raw = head.split_off(nul + 1);
    // One byte past the size tells a stream that holds more.
    let more = (size as u64)
        .saturating_add(1)
        .saturating_sub(raw.len() as u64);
    (&mut inflate)
        .take(more)
        .read_to_end(&mut raw)
        .map_err(|e| e.to_string())?;
    if raw.len() != size {
        return Err(format!("object size is not {size}"));
    }
    Ok((kind, raw))
}

pub fn hex(id: &ObjectId) -> String {
    crate::history::CommitId(*id).to_hex()
}

/// Resolved objects by (pack, offset), least recently used dropped first once
/// their bytes pass the budget. Recency is tracked lazily: a queue of (key, tick)
/// where only an entry's latest tick counts.
struct Cache {
    map: HashMap<(usize, u64), (Kind, Data, u64), BuildOffsetHasher>,
    order: VecDeque<((usize, u64), u64)>,
    bytes: usize,
    budget: usize,
    tick: u64,
}

impl Cache {
    fn new(budget: usize) -> Cache {
        Cache {
            map: HashMap::default(),
            order: VecDeque::new(),
            bytes: 0,
            budget,
            tick: 0,
        }
    }

    fn has(&self, p: usize, offset: u64) -> bool {
        self.map.contains_key(&(p, offset))
    }

    fn get(&mut self, p: usize, offset: u64) -> Option<(Kind, Data)> {
        self.tick += 1;
        let tick = self.tick;
        let (kind, data, seen) = self.map.get_mut(&(p, offset))?;
        *seen = tick;
        let found = (*kind, data.clone());
        self.order.push_back(((p, offset), tick));
        self.compact();
        Some(found)
    }

    fn put(&mut self, p: usize, offset: u64, kind: Kind, data: Data) {
        let len = data.len();
        if len > self.budget / 16 {
            return;
        }
        self.tick += 1;
        if let Some((_, old, _)) = self.map.insert((p, offset), (kind, data, self.tick)) {
            self.bytes -= old.len();
        }
        self.bytes += len;
        self.order.push_back(((p, offset), self.tick));
        while self.bytes > self.budget {
            let Some((key, tick)) = self.order.pop_front() else {
                break;
            };
            if self.map.get(&key).is_some_and(|e| e.2 == tick)
                && let Some((_, old, _)) = self.map.remove(&key)
            {
                self.bytes -= old.len();
            }
        }
        self.compact();
    }

    /// Drops stale queue entries once they outnumber the live ones.
    fn compact(&mut self) {
        if self.order.len() < 4 * self.map.len() + 4096 {
            return;
        }
        let map = &self.map;
        self.order
            .retain(|(key, tick)| map.get(key).is_some_and(|e| e.2 == *tick));
    }
}

/// A hasher for (pack, offset) keys: offsets are already spread out, so a
/// multiply and a fold are enough, and much cheaper than SipHash.
#[derive(Default, Clone, Copy)]
struct BuildOffsetHasher;

#[derive(Default)]
struct OffsetHasher(u64);

impl std::hash::BuildHasher for BuildOffsetHasher {
    type Hasher = OffsetHasher;

    fn build_hasher(&self) -> OffsetHasher {
        OffsetHasher(0)
    }
}

impl std::hash::Hasher for OffsetHasher {
    fn finish(&self) -> u64 {
        self.0 ^ (self.0 >> 29)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delta_copies_and_inserts() {
        let base = b"hello, world\n";
        // sizes 13 and 12; copy 7 bytes from 0; insert "there\n".
        let mut delta = vec![13, 13, 0x80 | 0x01 | 0x10, 0, 7, 6];
        delta.extend_from_slice(b"there\n");
        assert_eq!(apply_delta(base, &delta).unwrap(), b"hello, there\n");
    }

    #[test]
    fn bad_deltas_are_errors_not_panics() {
        let base = b"abc";
        for delta in [
            &[][..],
            &[3][..],
            &[4, 1, 1, b'x'][..],
            &[3, 1, 0][..],
            &[3, 5, 0x80 | 0x01 | 0x10, 1, 9][..],
            &[3, 1, 2, b'x'][..],
            &[3, 2, 1, b'x'][..],
            &[3, 1, 0x91, 0xff][..],
            &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff][..],
        ] {
            assert!(apply_delta(base, delta).is_err(), "{delta:?}");
        }
    }

    /// A loose object is inflated only as far as its header's size, and one that
    /// holds more or less is an error.
    #[test]
    fn loose_object_must_hold_its_declared_size() {
        use std::io::Write;
        let dir = tempfile::TempDir::new().unwrap();
        let store = ObjectStore {
            git_dir: dir.path().to_path_buf(),
            packs: Vec::new(),
            loose: vec![dir.path().to_path_buf()],
            access: Access::Read,
            replacements: Replacements::default(),
        };
        let write = |id: &ObjectId, raw: &[u8]| {
            let name = hex(id);
            std::fs::create_dir_all(dir.path().join(&name[..2])).unwrap();
            let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
            z.write_all(raw).unwrap();
            std::fs::write(
                dir.path().join(&name[..2]).join(&name[2..]),
                z.finish().unwrap(),
            )
            .unwrap();
        };
        let (good, long, short) = ([1u8; 20], [2u8; 20], [3u8; 20]);
        write(&good, b"blob 3\0abc");
        write(&long, &[&b"blob 3\0"[..], &[b'x'; 1 << 20]].concat());
        write(&short, b"blob 9\0abc");
        let mut objects = Objects::new(&store);
        let (kind, data) = objects.read(&good).unwrap();
        assert_eq!((kind, &data[..]), (Kind::Blob, &b"abc"[..]));
        for bad in [long, short] {
            let error = objects.read(&bad).expect_err("a wrong size");
            assert!(error.to_string().contains("object size is not"), "{error}");
        }
    }

    fn zlib(raw: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        z.write_all(raw).unwrap();
        z.finish().unwrap()
    }

    /// The largest size a header can give once overflowed a `+ 1` (a panic in a
    /// debug build); it is an object that does not hold its size.
    #[test]
    fn loose_object_of_the_largest_size_is_an_error() {
        let file = zlib(format!("blob {}\0abc", usize::MAX).as_bytes());
        let error = read_loose(&file[..]).expect_err("a wrong size");
        assert!(error.contains("object size is not"), "{error}");
        assert_eq!(
            read_loose(&zlib(b"tree 0\0")[..]).unwrap(),
            (Kind::Tree, Vec::new())
        );
    }

    /// A size in a delta's or an entry's header reserves at most
    /// [`RESERVE_AHEAD`] until written bytes back it.
    #[test]
    fn declared_sizes_reserve_only_what_is_written() {
        let mut out = Vec::new();
        reserve_within(&mut out, 1, 1 << 40).unwrap();
        assert!(out.capacity() <= RESERVE_AHEAD, "{}", out.capacity());
        // A delta of a few bytes that claims a terabyte, then an entry that does.
        let delta = [0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20, 1, b'x'];
        assert_eq!(
            apply_delta(b"", &delta),
            Err("delta result has the wrong size")
        );
        let mut raw = vec![0xb0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02];
        raw.extend_from_slice(&zlib(b"abc"));
        let mut inflater = Inflater::new();
        let error = read_entry(&mut inflater, &raw, 12)
            .err()
            .expect("a wrong size");
        assert!(error.contains("does not inflate to"), "{error}");
    }

    /// Objects larger than the first reservation still inflate and rebuild
    /// whole, and exactly: one byte more or less is an error.
    #[test]
    fn large_objects_grow_past_the_first_reservation() {
        let size = 2 * RESERVE_AHEAD + 5;
        let header = |size: usize| {
            // A blob: type 3, the size's low four bits, then seven at a time.
            let mut h = vec![0x80 | (3 << 4) | (size & 15) as u8];
            let mut rest = size >> 4;
            while rest > 0 {
                h.push((rest & 0x7f) as u8 | if rest > 0x7f { 0x80 } else { 0 });
                rest >>= 7;
            }
            h
        };
        let stream = zlib(&vec![7u8; size]);
        let mut inflater = Inflater::new();
        for declared in [size - 1, size, size + 1] {
            let raw = [header(declared), stream.clone()].concat();
            let read = read_entry(&mut inflater, &raw, 12);
            match read {
                Ok(entry) if declared == size => assert!(entry.data == vec![7u8; size]),
                Err(e) if declared != size => assert!(e.contains("does not inflate"), "{e}"),
                Ok(_) => panic!("{declared} bytes accepted"),
                Err(e) => panic!("{e}"),
            }
        }
        // A delta copying its 64 KiB base over and over, past the reservation.
        let base: Vec<u8> = (0..=u16::MAX).map(|i| i as u8).collect();
        let copies = size / base.len() + 1;
        let mut delta = vec![0x80, 0x80, 0x04];
        let mut n = copies * base.len();
        while n > 0x7f {
            delta.push((n & 0x7f) as u8 | 0x80);
            n >>= 7;
        }
        delta.push(n as u8);
        delta.extend(std::iter::repeat_n(0x80, copies)); // copy 64 KiB from 0
        let out = apply_delta(&base, &delta).unwrap();
        assert_eq!(out.len(), copies * base.len());
        assert!(out.chunks(base.len()).all(|c| c == base));
        // One copy more than the declared size is refused before it is written.
        delta.push(0x80);
        assert_eq!(
            apply_delta(&base, &delta),
            Err("delta writes past its size")
        );
    }

    #[test]
    fn entry_headers_are_read_or_refused() {
        let header = |raw: &[u8], offset| entry_header(raw, offset).map(|h| (h.size, h.len));
        // A commit of 0x95 bytes: 5, then 9 << 4.
        assert_eq!(header(&[0x95, 0x09], 12), Ok((0x95, 2)));
        let ofs = entry_header(&[0x60, 0x05], 12).unwrap();
        assert!(matches!(ofs.base, Base::Offset(7)));
        for (raw, offset) in [
            (&[][..], 12),
            (&[0x95][..], 12),
            (&[0x60, 0x0d][..], 12),
            (&[0x60, 0x00][..], 12),
            (&[0x70, 1, 2, 3][..], 12),
            (&[0x50][..], 12),
            (&[0xff; 12][..], 12),
            (
                &[
                    0x60, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
                ][..],
                u64::MAX,
            ),
        ] {
            assert!(header(raw, offset).is_err(), "{raw:?}");
        }
    }

    #[test]
    fn cache_keeps_recent_objects_within_its_budget() {
        let mut cache = Cache::new(1600);
        for i in 0..100u64 {
            cache.put(0, i, Kind::Blob, Rc::new(vec![0; 100]));
            // Object 0 stays in use, so it stays.
            assert!(cache.get(0, 0).is_some(), "object 0 dropped at {i}");
        }
        assert!(cache.bytes <= 1600);
        assert!(cache.get(0, 99).is_some());
        assert!(cache.get(0, 50).is_none());
    }
}
