//! git's commit-graph file, read for the parents of commits so that the history
//! walk can find every commit without inflating one, and then inflate them on every
//! core at once.
//!
//! The file is `objects/info/commit-graph`, or a chain of layers listed in
//! `objects/info/commit-graphs/commit-graph-chain` (written by `git commit-graph
//! write --split`, and by `git fetch` with `fetch.writeCommitGraph`). Each layer
//! holds, for its commits sorted by id: the ids (chunk `OIDL`, found through the
//! fan-out `OIDF`), and each commit's tree, first two parents and generation and
//! date (`CDAT`); a merge with more than two parents lists the rest in `EDGE`. A
//! parent is named by its position, counted over the layers below and this one.
//!
//! Git uses the first object folder that has a graph (the repository's, then its
//! alternates'), and turns the graph off where it would disagree with the objects:
//! with replace refs or grafts in effect, in shallow clones (which valuestory
//! refuses) and with `core.commitGraph = false`. The walk does the same, and it
//! checks that every parent a commit's own object names was walked, so a graph
//! that lies costs a second walk, never a wrong history.
//!
//! The layers are mapped, as git maps them; a walk touches only the pages of the
//! commits it visits. Nothing here trusts the bytes: every chunk is checked against
//! the file's length when a layer is opened, and every position and edge when it
//! is read. A layer that does not check out is not used, nor are the layers above
//! it (git reads a chain the same way).

use std::path::Path;

use crate::history::CommitId;

const SIGNATURE: &[u8; 4] = b"CGPH";
const HEADER: usize = 8;
const CHUNK_ENTRY: usize = 12;
/// The checksum that ends the file.
const TRAILER: usize = 20;
const ID: usize = 20;
/// Tree, two parents, generation and date.
const DATA: usize = ID + 16;
/// A first or second parent that is not there.
const NO_PARENT: u32 = 0x7000_0000;
/// Marks a second parent that is an index into `EDGE`, and the last edge of a merge.
const EDGE_FLAG: u32 = 0x8000_0000;
/// Layers in a chain followed before giving up (git writes a few dozen at most).
const MAX_LAYERS: usize = 512;

/// The bytes of one layer: mapped from its file, or held (for the fuzzer).
enum Bytes {
    Mapped(memmap2::Mmap),
    Held(Vec<u8>),
}

impl std::ops::Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Mapped(map) => map,
            Bytes::Held(bytes) => bytes,
        }
    }
}

/// One layer: where its chunks start, and how many commits the layers below hold.
struct Layer {
    bytes: Bytes,
    count: u32,
    /// Positions before this layer's first commit.
    below: u32,
    fanout: usize,
    ids: usize,
    data: usize,
    /// Start and end of `EDGE`, empty when absent.
    edges: (usize, usize),
}

/// A repository's commit-graph, every layer of it that checked out.
pub struct CommitGraph {
    /// Base first.
    layers: Vec<Layer>,
}

/// Why a layer is not used.
type Refusal = &'static str;

impl Layer {
    /// Checks the header and the chunk table of `bytes`, the layer with `below`
    /// commits in the `bases` layers under it, whose names `base_names` lists.
    fn parse(
        bytes: Bytes,
        bases: usize,
        below: u32,
        base_names: &[[u8; ID]],
    ) -> Result<Layer, Refusal> {
        let len = bytes.len();
        if len < HEADER + CHUNK_ENTRY + TRAILER || &bytes[..4] != SIGNATURE {
            return Err("not a commit-graph file");
        }
        if bytes[4] != 1 {
            return Err("a commit-graph version other than 1");
        }
        if bytes[5] != 1 {
            return Err("a hash other than SHA-1");
        }
        let chunks = usize::from(bytes[6]);
        if usize::from(bytes[7]) != bases {
            return Err("a layer whose base count does not match its chain");
        }
        let table_end = HEADER + (chunks + 1) * CHUNK_ENTRY;
        let end = len - TRAILER;
        if table_end > end {
            return Err("a chunk table past the end of the file");
        }
        let mut found: [Option<(usize, usize)>; 4] = [None; 4];
        let mut base_chunk = None;
        for i in 0..chunks {
            let at = HEADER + i * CHUNK_ENTRY;
            let id = &bytes[at..at + 4];
            let start = be64(&bytes, at + 4);
            let stop = be64(&bytes, at + 4 + CHUNK_ENTRY);
            let (Ok(start), Ok(stop)) = (usize::try_from(start), usize::try_from(stop)) else {
                return Err("a chunk offset past the end of the file");
            };
            if start < table_end || start > stop || stop > end {
                return Err("a chunk offset out of order or past the end of the file");
            }
            let slot = match id {
                b"OIDF" => 0,
                b"OIDL" => 1,
                b"CDAT" => 2,
                b"EDGE" => 3,
                b"BASE" => {
                    base_chunk = Some((start, stop));
                    continue;
                }
                _ => continue, // generation data, Bloom filters: not needed
            };
            if found[slot].is_some() {
                return Err("a chunk listed twice");
            }
            found[slot] = Some((start, stop));
        }
        let [Some(fanout), Some(ids), Some(data), edges] = found else {
            return Err("a missing OIDF, OIDL or CDAT chunk");
        };
        if fanout.1 - fanout.0 != 256 * 4 {
            return Err("a fan-out chunk of the wrong size");
        }
        let mut last = 0;
        for i in 0..256 {
            let n = be32(&bytes, fanout.0 + i * 4);
            if n < last {
                return Err("a fan-out that decreases");
            }
            last = n;
        }
        let count = last;
        let n = count as usize;
        if ids.1 - ids.0 != n * ID || data.1 - data.0 != n * DATA {
            return Err("an id or commit-data chunk that does not fit the commit count");
        }
        if below
            .checked_add(count)
            .is_none_or(|total| total >= NO_PARENT)
        {
            return Err("more commits than positions");
        }
        let edges = edges.unwrap_or((0, 0));
        if (edges.1 - edges.0) % 4 != 0 {
            return Err("an edge chunk of a size not a multiple of four");
        }
        if bases > 0 {
            let Some((start, stop)) = base_chunk else {
                return Err("a layer over others without a BASE chunk");
            };
            let listed = &bytes[start..stop];
            if listed.len() != bases * ID
                || listed.chunks_exact(ID).zip(base_names).any(|(a, b)| a != b)
            {
                return Err("a BASE chunk that does not name the layers under it");
            }
        }
        Ok(Layer {
            bytes,
            count,
            below,
            fanout: fanout.0,
            ids: ids.0,
            data: data.0,
            edges,
        })
    }

    fn id(&self, local: u32) -> CommitId {
        let at = self.ids + local as usize * ID;
        let mut id = [0; ID];
        id.copy_from_slice(&self.bytes[at..at + ID]);
        CommitId(id)
    }

    fn find(&self, id: &CommitId) -> Option<u32> {
        let first = usize::from(id.0[0]);
        let mut lo = match first {
            0 => 0,
            _ => be32(&self.bytes, self.fanout + (first - 1) * 4),
        };
        let mut hi = be32(&self.bytes, self.fanout + first * 4);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let at = self.ids + mid as usize * ID;
            match self.bytes[at..at + ID].cmp(&id.0[..]) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(mid),
            }
        }
        None
    }
}

/// A commit's place in the graph, counted over all its layers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position(u32);

impl Position {
    /// The position `index`, which must be below the graph's [`CommitGraph::len`].
    pub fn at(index: u32) -> Position {
        Position(index)
    }

    pub fn index(self) -> u32 {
        self.0
    }
}

impl CommitGraph {
    /// The graph git would read for the object folders `dirs` (the repository's
    /// own first, then its alternates'), or why none of those there can be used.
    /// As in git, the first folder whose single file or chain checks out gives it.
    pub fn open(dirs: &[impl AsRef<Path>]) -> Result<CommitGraph, String> {
        let mut refused = None;
        for dir in dirs {
            let info = dir.as_ref().join("info");
            let single = info.join("commit-graph");
            if let Ok(file) = std::fs::File::open(&single) {
                match map(&file).and_then(|bytes| Layer::parse(bytes, 0, 0, &[])) {
                    Ok(layer) => {
                        return Ok(CommitGraph {
                            layers: vec![layer],
                        });
                    }
                    Err(why) => {
                        refused.get_or_insert_with(|| format!("{}: {why}", single.display()));
                    }
                }
            }
            let chain = info.join("commit-graphs/commit-graph-chain");
            if let Ok(text) = std::fs::read_to_string(&chain) {
                match CommitGraph::chain(dirs, &text) {
                    Ok(graph) => return Ok(graph),
                    Err(why) => {
                        refused.get_or_insert_with(|| format!("{}: {why}", chain.display()));
                    }
                }
            }
        }
        Err(refused.unwrap_or_else(|| "no commit-graph".into()))
    }

    /// The layers `text` lists, base first, as far as they check out. git looks
    /// for each layer's file in every object folder: a clone sharing another's
    /// objects chains its own layers onto that one's.
    fn chain(dirs: &[impl AsRef<Path>], text: &str) -> Result<CommitGraph, &'static str> {
        let mut layers: Vec<Layer> = Vec::new();
        let mut names: Vec<[u8; ID]> = Vec::new();
        for line in text.lines().take(MAX_LAYERS) {
            let line = line.trim();
            let Some(name) = CommitId::from_hex(line) else {
                break;
            };
            let file = format!("info/commit-graphs/graph-{line}.graph");
            let below = layers.last().map_or(0, |l| l.below + l.count);
            // The first folder whose copy of the layer checks out, as in git.
            let mut opened = Err("a missing layer");
            for dir in dirs {
                let Ok(found) = std::fs::File::open(dir.as_ref().join(&file)) else {
                    continue;
                };
                opened =
                    map(&found).and_then(|bytes| Layer::parse(bytes, layers.len(), below, &names));
                if opened.is_ok() {
                    break;
                }
            }
            match opened {
                Ok(layer) => layers.push(layer),
                Err(why) if layers.is_empty() => return Err(why),
                Err(_) => break,
            }
            names.push(name.0);
        }
        if layers.is_empty() {
            return Err("an empty chain");
        }
        Ok(CommitGraph { layers })
    }

    /// A graph parsed from the bytes of one file, for the fuzzer.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<CommitGraph, String> {
        let layer = Layer::parse(Bytes::Held(bytes), 0, 0, &[])?;
        Ok(CommitGraph {
            layers: vec![layer],
        })
    }

    /// How many commits the graph holds.
    pub fn len(&self) -> u32 {
        self.layers.last().map_or(0, |l| l.below + l.count)
    }

    /// Where `id` is, if the graph holds it.
    pub fn find(&self, id: &CommitId) -> Option<Position> {
        self.layers
            .iter()
            .find_map(|layer| layer.find(id).map(|local| Position(layer.below + local)))
    }

    /// The commit at `at`.
    pub fn id(&self, at: Position) -> CommitId {
        let (layer, local) = self.layer(at);
        layer.id(local)
    }

    fn layer(&self, at: Position) -> (&Layer, u32) {
        // Positions come from `find` or from `parents`, which checks them.
        let i = self.layers.partition_point(|l| l.below <= at.0) - 1;
        let layer = &self.layers[i];
        (layer, at.0 - layer.below)
    }

    /// The parents of the commit at `at`, in order, into `out`; false (and `out`
    /// in any state) when the graph is damaged there.
    pub fn parents(&self, at: Position, out: &mut Vec<Position>) -> bool {
        out.clear();
        let (layer, local) = self.layer(at);
        let bytes = &layer.bytes;
        let entry = layer.data + local as usize * DATA + ID;
        // A parent is in this layer or one under it.
        let end = layer.below + layer.count;
        let mut push = |position: u32| {
            out.push(Position(position));
            position < end
        };
        match (be32(bytes, entry), be32(bytes, entry + 4)) {
            (NO_PARENT, NO_PARENT) => true,
            (NO_PARENT, _) => false,
            (first, NO_PARENT) => push(first),
            (first, second) if second & EDGE_FLAG == 0 => push(first) && push(second),
            (first, edge) => {
                if !push(first) {
                    return false;
                }
                let (start, end) = layer.edges;
                let Some(mut at) = usize::try_from(edge & !EDGE_FLAG)
                    .ok()
                    .and_then(|i| i.checked_mul(4))
                    .and_then(|offset| offset.checked_add(start))
                else {
                    return false;
                };
                while at + 4 <= end {
                    let value = be32(bytes, at);
                    if !push(value & !EDGE_FLAG) {
                        return false;
                    }
                    if value & EDGE_FLAG != 0 {
                        return true;
                    }
                    at += 4;
                }
                false // the list ran off the chunk without its last mark
            }
        }
    }
}

fn map(file: &std::fs::File) -> Result<Bytes, Refusal> {
    // SAFETY: git writes a graph to a temporary file and renames it into place,
    // and never changes one in place (as with packs, see odb.rs); a file deleted
    // while mapped stays readable.
    unsafe { memmap2::Mmap::map(file) }
        .map(Bytes::Mapped)
        .map_err(|_| "a file that cannot be mapped")
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn be64(b: &[u8], at: usize) -> u64 {
    let mut bytes = [0; 8];
    bytes.copy_from_slice(&b[at..at + 8]);
    u64::from_be_bytes(bytes)
}
