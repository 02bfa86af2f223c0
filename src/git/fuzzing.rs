//! Entry points for the cargo-fuzz targets in `fuzz/`: the object reader, the tree
//! parser and the commit parser, on bytes straight from the fuzzer. Each function
//! calls the code a build runs, not a copy of it, and needs no repository; they
//! are public only so that the fuzz crate, which links the library from outside,
//! can reach them, and are no part of valuestory's interface.

use super::commit_graph::{CommitGraph, Position};
use super::diff::{self, Entries};
use super::odb::{self, Base};
use super::read::{People, RawCommit, parent_lines};
use super::{Mailmap, Result};
use crate::history::{Commit, CommitId, Person};

/// What a pack entry's header says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackEntryHeader {
    /// `commit`, `tree`, `blob` or `tag` for a whole object, `ofs-delta` or
    /// `ref-delta` for a delta.
    pub kind: &'static str,
    /// Where an `ofs-delta`'s base starts in the pack.
    pub base_offset: Option<u64>,
    /// A `ref-delta`'s base.
    pub base_id: Option<[u8; 20]>,
    /// The inflated size.
    pub size: usize,
    /// The header's length: the zlib stream starts there.
    pub len: usize,
}

/// The header of the pack entry at `offset` whose bytes start `raw`.
pub fn parse_pack_entry_header(raw: &[u8], offset: u64) -> Result<PackEntryHeader, String> {
    let header = odb::entry_header(raw, offset)?;
    let (kind, base_offset, base_id) = match header.base {
        Base::Whole(kind) => (kind.name(), None, None),
        Base::Offset(at) => ("ofs-delta", Some(at), None),
        Base::Id(id) => ("ref-delta", None, Some(id)),
    };
    Ok(PackEntryHeader {
        kind,
        base_offset,
        base_id,
        size: header.size,
        len: header.len,
    })
}

/// The pack entry at `offset` read as from a mapped pack whose data ends where
/// `raw` does: its header, then its zlib stream inflated to exactly its size.
pub fn read_pack_entry(raw: &[u8], offset: u64) -> Result<Vec<u8>, String> {
    let mut inflater = odb::Inflater::new();
    odb::read_entry(&mut inflater, raw, offset).map(|entry| entry.data)
}

/// An object rebuilt from its base and a git delta, as a pack's deltas are.
pub fn apply_delta(base: &[u8], delta: &[u8]) -> Result<Vec<u8>, &'static str> {
    odb::apply_delta(base, delta)
}

/// A loose object's type and contents from its file's bytes (a zlib stream of
/// `<type> <size>\0<contents>`).
pub fn parse_loose_object(file: &[u8]) -> Result<(&'static str, Vec<u8>), String> {
    odb::read_loose(file).map(|(kind, data)| (kind.name(), data))
}

/// One entry of a tree object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TreeEntry {
    pub name: Vec<u8>,
    /// The mode as written.
    pub mode: u32,
    /// What the mode means to git (`100644`, `100755`, `120000`, `40000`,
    /// `160000`).
    pub canonical_mode: u32,
    pub id: [u8; 20],
}

/// The entries of a raw tree object, in order, as the diff walk reads them.
pub fn parse_tree(data: &[u8]) -> Result<Vec<TreeEntry>, String> {
    let mut entries = Entries::of(data, None);
    let mut out = Vec::new();
    while let Some(entry) = entries.next().map_err(|e| e.to_string())? {
        let side = entry.side();
        out.push(TreeEntry {
            name: entry.name.to_vec(),
            mode: entry.mode,
            canonical_mode: side.mode,
            id: side.id,
        });
    }
    Ok(out)
}

/// The order in which the diff walk merges two trees' entries, git's tree order.
pub fn compare_tree_entries(a: &TreeEntry, b: &TreeEntry) -> std::cmp::Ordering {
    diff::compare_entries(&a.name, a.mode, &b.name, b.mode)
}

/// Everything valuestory reads from one raw commit object.
#[derive(Debug)]
pub struct ParsedCommit {
    /// The commit as the history holds it, with no mailmap.
    pub commit: Result<Commit, String>,
    /// The people it names, by the ids in `commit`.
    pub people: Vec<Person>,
    /// The parents the history walk follows (`None` for a malformed line).
    pub walked_parents: Vec<Option<CommitId>>,
    /// The parents the header parser found, when it accepts the commit.
    pub header_parents: Option<Vec<CommitId>>,
    /// The tree and first parent the diff reads.
    pub diff_tree: Option<[u8; 20]>,
    pub diff_parent: Option<[u8; 20]>,
}

/// A raw commit read by each of valuestory's commit readers: the history's
/// parser (header, people, dates, message), the walk's parent lines and the
/// diff's tree and first parent.
pub fn parse_commit(data: &[u8]) -> ParsedCommit {
    let mut people = People::new(&Mailmap::empty());
    let commit = people
        .commit(CommitId([0; 20]), data, None)
        .map_err(|e| e.to_string());
    let (diff_tree, diff_parent) = diff::tree_and_parent(data);
    ParsedCommit {
        commit,
        people: people.list,
        walked_parents: parent_lines(data).collect(),
        header_parents: RawCommit::parse(data).ok().map(|raw| raw.parents),
        diff_tree,
        diff_parent,
    }
}

/// One commit of a commit-graph file, as the history walk reads it.
#[derive(Debug)]
pub struct GraphCommit {
    pub id: CommitId,
    /// Where looking `id` up finds it, and the id at that place (a damaged file
    /// whose ids are out of order may not find it).
    pub found: Option<(u32, CommitId)>,
    /// Its parents by position, or `None` when the walk would not take them from
    /// the graph (it then reads the commit).
    pub parents: Option<Vec<u32>>,
}

/// A commit-graph file read as the history walk reads one, every commit in it, or
/// why the file is refused; and how many commits it holds.
pub fn read_commit_graph(file: &[u8]) -> Result<(u32, Vec<GraphCommit>), String> {
    let graph = CommitGraph::from_bytes(file.to_vec())?;
    let mut out = Vec::new();
    let mut parents = Vec::new();
    for at in 0..graph.len() {
        let id = graph.id(Position::at(at));
        let found = graph.find(&id).map(|p| (p.index(), graph.id(p)));
        let taken = graph
            .parents(Position::at(at), &mut parents)
            .then(|| parents.iter().map(|p| p.index()).collect());
        out.push(GraphCommit {
            id,
            found,
            parents: taken,
        });
    }
    Ok((graph.len(), out))
}
