//! Reading history: one pass over the commit graph straight from the object
//! database, parsing each raw commit once, and the tags that may be releases.

use std::borrow::Cow;
use std::collections::HashMap;

use super::commit_cache::CommitCache;
use super::commit_graph::{CommitGraph, Position};
use super::{Error, Repository, Result, to_commit_id};
use crate::history::{Commit, CommitId, GitTime, History, IdMap, Person, PersonId, Tag, TagTarget};
use crate::message;

/// Resolves identities through a `.mailmap` text, as `git log --use-mailmap` does.
/// Holds the text so that each thread can build its own libgit2 mailmap.
#[derive(Clone, Default)]
pub struct Mailmap {
    text: Option<String>,
}

impl Mailmap {
    /// A mailmap from the text of a `.mailmap` file; lines git cannot read are skipped.
    pub fn parse(text: &str) -> Mailmap {
        Mailmap {
            text: Some(text.to_string()),
        }
    }

    pub fn empty() -> Mailmap {
        Mailmap { text: None }
    }

    /// A resolver for one thread (libgit2's mailmap is not shared between threads).
    pub fn resolver(&self) -> Resolver {
        Resolver {
            inner: self
                .text
                .as_deref()
                .and_then(|t| git2::Mailmap::from_buffer(t).ok()),
        }
    }

    /// The real name and email behind one identity.
    pub fn resolve(&self, name: &str, email: &str) -> Person {
        self.resolver().resolve(name, email)
    }
}

pub struct Resolver {
    inner: Option<git2::Mailmap>,
}

impl Resolver {
    /// The real name and email behind one identity.
    pub fn resolve(&self, name: &str, email: &str) -> Person {
        let resolved = self.inner.as_ref().and_then(|map| {
            let sig = git2::Signature::new(name, email, &git2::Time::new(0, 0)).ok()?;
            let real = map.resolve_signature(&sig).ok()?;
            Some(Person {
                name: String::from_utf8_lossy(real.name_bytes()).into_owned(),
                email: String::from_utf8_lossy(real.email_bytes()).into_owned(),
            })
        });
        resolved.unwrap_or_else(|| Person {
            name: name.to_string(),
            email: email.to_string(),
        })
    }
}

/// Interns people: raw identity to resolved person to id.
pub(super) struct People {
    mailmap: Resolver,
    raw: HashMap<Vec<u8>, PersonId>,
    resolved: HashMap<Person, PersonId>,
    pub(super) list: Vec<Person>,
}

impl People {
    pub(super) fn new(mailmap: &Mailmap) -> People {
        People {
            mailmap: mailmap.resolver(),
            raw: HashMap::new(),
            resolved: HashMap::new(),
            list: Vec::new(),
        }
    }

    fn id(&mut self, name: &[u8], email: &[u8]) -> PersonId {
        let mut key = Vec::with_capacity(name.len() + email.len() + 1);
        key.extend_from_slice(name);
        key.push(0);
        key.extend_from_slice(email);
        if let Some(&id) = self.raw.get(&key) {
            return id;
        }
        let person = self.mailmap.resolve(
            &String::from_utf8_lossy(name),
            &String::from_utf8_lossy(email),
        );
        let next = self.list.len() as PersonId;
        let id = *self.resolved.entry(person.clone()).or_insert(next);
        if id == next {
            self.list.push(person);
        }
        self.raw.insert(key, id);
        id
    }

    /// A plain commit from its raw object, with the parents a graft gives it.
    pub(super) fn commit(
        &mut self,
        id: CommitId,
        data: &[u8],
        graft: Option<&[CommitId]>,
    ) -> Result<Commit> {
        let mut raw = RawCommit::parse(data).map_err(|message| Error::BadCommit {
            id: id.to_hex(),
            message: message.to_string(),
        })?;
        if let Some(parents) = graft {
            raw.parents = parents.to_vec();
        }
        let text = decode_message(raw.message, raw.encoding);
        let message = message::parse(&text);
        let (author, author_time) = parse_signature(raw.author);
        let (committer, committer_time) = parse_signature(raw.committer);
        let merge = raw.parents.len() > 1;
        Ok(Commit {
            id,
            tree: raw.tree,
            parents: raw.parents.into(),
            author: self.id(author.0, author.1),
            author_time,
            committer: self.id(committer.0, committer.1),
            committer_time,
            merge_title: (merge && !message.title.is_empty())
                .then(|| message.title.into_boxed_str()),
            subject: message.subject,
            trailer_block: message.trailer_block.into_boxed_str(),
            conventional: message.conventional.map(Box::new),
            pull_request: message.pull_request,
            reverts: message.reverts,
            reverted: message.reverted.into_boxed_slice(),
        })
    }
}

/// Raw commits handed from the walk to the readers and the parser, a chunk at a
/// time.
const BATCH: usize = 128;

/// One commit as git shows it: its id, and the bytes of the object stored under
/// `stored` (its own id, or its replacement's), borrowed from the commit cache or
/// read from the object store; a graft overrides the parents in those bytes.
struct Raw<'c> {
    id: CommitId,
    stored: CommitId,
    /// Not yet read when the commit-graph gave its parents.
    data: Option<Cow<'c, [u8]>>,
    graft: Option<&'c [CommitId]>,
    /// The graph entry whose parents the walk followed, to check against the
    /// object's.
    from_graph: Option<Position>,
}

impl Repository {
    /// The names of all tags, sorted.
    pub fn tag_names(&self) -> Result<Vec<String>> {
        let mut names: Vec<String> = self
            .inner
            .tag_names(None)?
            .iter()
            .filter_map(|n| n.ok().flatten().map(str::to_string))
            .collect();
        names.sort();
        Ok(names)
    }

    /// Every tag whose name `wanted` accepts, peeled to what it finally points at.
    ///
    /// Tag objects are read through the object store of `odb.rs`, as the walk reads
    /// commits: libgit2 would map the whole pack index and fault pages of the pack
    /// around each tag into memory, which on a large history is more than the tags.
    pub fn tags(&self, wanted: impl Fn(&str) -> bool) -> Result<Vec<Tag>> {
        let store = super::ObjectStore::open_unmapped(self.inner.path())?;
        let mut objects = super::Objects::with_cache(&store, 0);
        let mut tags = Vec::new();
        for reference in self.inner.references_glob("refs/tags/*")? {
            let reference = reference?;
            let Some(name) = reference
                .name_bytes()
                .strip_prefix(b"refs/tags/")
                .map(|n| String::from_utf8_lossy(n).into_owned())
            else {
                continue;
            };
            if !wanted(&name) {
                continue;
            }
            let Some(oid) = reference.target() else {
                continue;
            };
            let mut id = to_commit_id(oid);
            let mut tagger_time = None;
            let mut annotated = false;
            // Follow tag objects (a tag of a tag is legal) to the object at the end,
            // each read as git shows it; the commit at the end keeps its own id.
            let mut hops = 0;
            let target = loop {
                let (kind, data) = objects.read(&id.0)?;
                match kind {
                    super::Kind::Tag => {
                        let (target, tagger) =
                            tag_fields(&data).ok_or_else(|| Error::BadCommit {
                                id: id.to_hex(),
                                message: format!("tag {name} has no valid `object` line"),
                            })?;
                        if !annotated {
                            annotated = true;
                            tagger_time = tagger;
                        }
                        id = target;
                        hops += 1;
                        // A chain can only loop through a replace ref.
                        if hops > MAX_TAG_CHAIN {
                            break TagTarget::Other("tag chain too long");
                        }
                    }
                    super::Kind::Commit => break TagTarget::Commit(id),
                    super::Kind::Tree => break TagTarget::Other("tree"),
                    super::Kind::Blob => break TagTarget::Other("blob"),
                }
            };
            tags.push(Tag {
                name,
                target,
                tagger_time,
                annotated,
            });
        }
        tags.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(tags)
    }

    /// Reads every commit reachable from `starts`, each object read and parsed once.
    pub fn history(&self, starts: &[CommitId], mailmap: &Mailmap) -> Result<History> {
        let mut warnings = Vec::new();
        let (history, _) = self.history_with_progress(
            starts,
            mailmap,
            false,
            &mut CommitCache::off(),
            &mut warnings,
        )?;
        Ok(history)
    }

    /// Like [`Repository::history`], with a counter on stderr when `progress`,
    /// taking the commits `cache` holds from it and adding those it does not; and
    /// where the commits came from.
    pub fn history_with_progress(
        &self,
        starts: &[CommitId],
        mailmap: &Mailmap,
        progress: bool,
        cache: &mut CommitCache,
        warnings: &mut Vec<String>,
    ) -> Result<(History, WalkStats)> {
        // The walk reads commits through the object store of `odb.rs`; libgit2 reads
        // only what that store does not hold. For those, libgit2's object cache would
        // keep every raw commit alive for no gain (each is read once), and
        // re-hashing every object costs more than a tenth of the walk; `git log` does
        // not verify either (git fsck does).
        git2::opts::enable_caching(false);
        git2::opts::strict_hash_verification(false);
        let result = self.walk(starts, mailmap, progress, cache, warnings);
        git2::opts::strict_hash_verification(true);
        git2::opts::enable_caching(true);
        let (history, fresh, stats) = result?;
        cache.add(fresh);
        Ok((history, stats))
    }

    /// Walks with the commit-graph when git would use one, and again without it
    /// when the objects disagree with it.
    fn walk(
        &self,
        starts: &[CommitId],
        mailmap: &Mailmap,
        progress: bool,
        cache: &CommitCache,
        warnings: &mut Vec<String>,
    ) -> Result<(History, Fresh, WalkStats)> {
        let store = super::ObjectStore::open_unmapped(self.inner.path())?;
        let graph = match self.commit_graph(&store) {
            Ok(graph) => graph,
            Err(why) => {
                warnings.push(format!("{why}; the history was read without it"));
                None
            }
        };
        let walk = |graph| Walk {
            store: &store,
            graph,
            cache,
            mailmap,
            progress,
        };
        // A graph that disagrees with the objects (parents other than theirs, ids
        // that are not commits) is dropped and the walk done again without it; an
        // error that was not the graph's comes back from the second walk.
        let mut why = None;
        if let Some(graph) = &graph {
            match walk(Some(graph)).run(starts) {
                Ok(Some(walked)) => return Ok(walked),
                Ok(None) => {
                    why = Some(
                        "the commit-graph names other parents for a commit than the commit \
                         does"
                            .to_string(),
                    );
                }
                Err(e) => {
                    why = Some(format!(
                        "reading the history through the commit-graph failed ({e})"
                    ))
                }
            }
        }
        // Without a graph, the walk's parents are the objects' own: it always agrees.
        let walked = walk(None)
            .run(starts)?
            .ok_or_else(|| thread_failed("walking"))?;
        if let Some(why) = why {
            warnings.push(format!(
                "{why}, so the history was read without it; `git commit-graph write \
                 --reachable` writes the graph again"
            ));
        }
        Ok(walked)
    }

    /// The commit-graph git would use here: none with replace refs or grafts in
    /// effect, nor with `core.commitGraph = false`. An error says why a graph that
    /// is there cannot be used.
    fn commit_graph(
        &self,
        store: &super::ObjectStore,
    ) -> std::result::Result<Option<CommitGraph>, String> {
        let enabled = self
            .inner
            .config()
            .and_then(|config| config.get_bool("core.commitGraph"))
            .unwrap_or(true);
        // A shallow clone's cut-off parents are grafts to git.
        if !enabled || !store.replacements().is_empty() || self.is_shallow() {
            return Ok(None);
        }
        let dirs = store.object_dirs();
        if !dirs.iter().any(|dir| has_graph(dir)) {
            return Ok(None);
        }
        CommitGraph::open(dirs).map(Some)
    }
}

/// Where the commits of a walk came from, for `-v`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WalkStats {
    /// Commits whose parents the commit-graph gave, before their objects were read.
    pub from_graph: usize,
    /// Commits taken from the commit cache.
    pub from_cache: usize,
    /// Commits read from the object store.
    pub read: usize,
}

fn has_graph(objects: &std::path::Path) -> bool {
    let info = objects.join("info");
    info.join("commit-graph").exists() || info.join("commit-graphs/commit-graph-chain").exists()
}

/// One walk over the history.
///
/// Without a commit-graph, two threads: this one reads objects and follows
/// parents (the part that cannot be split), the other parses messages and people
/// meanwhile. With one, this thread follows parents through the graph alone and
/// hands the commits it finds to a reader per core, which read their objects; the
/// parser puts the chunks back in the order of the walk.
struct Walk<'a> {
    store: &'a super::ObjectStore,
    graph: Option<&'a CommitGraph>,
    cache: &'a CommitCache,
    mailmap: &'a Mailmap,
    progress: bool,
}

/// Commits found by the walk, numbered in its order, with their objects when they
/// are read.
struct Chunk<'c> {
    number: usize,
    raws: Vec<Raw<'c>>,
}

type Sender<'c> = std::sync::mpsc::SyncSender<Chunk<'c>>;
type Receiver<'c> = std::sync::mpsc::Receiver<Chunk<'c>>;
/// What the parser receives: a chunk, or `None` when a reader failed, so that it
/// stops waiting for the chunk that reader held.
type ToParser<'c> = std::sync::mpsc::SyncSender<Option<Chunk<'c>>>;

/// The readers' end of their queue, dropped by the first reader to stop, however
/// it stops (an error, the parser gone, a panic), so that the walk's next send
/// fails instead of waiting for a reader that will never come.
type Queue<'c> = std::sync::Mutex<Option<Receiver<'c>>>;

/// Held by each reader: unless it finished (the walk done and the queue empty),
/// closes the queue and stops the parser when the reader ends.
struct StopUnlessFinished<'q, 'c> {
    queue: &'q Queue<'c>,
    to_parser: ToParser<'c>,
    finished: bool,
}

impl StopUnlessFinished<'_, '_> {
    fn disarm(&mut self) {
        self.finished = true;
    }
}

impl Drop for StopUnlessFinished<'_, '_> {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        // The parser first: another reader may hold the queue's lock, waiting in
        // `recv` for a chunk the walk will only send once the parser hands back a
        // permit. Once the parser stops, the walk stops, and that reader's `recv`
        // returns.
        let _ = self.to_parser.send(None);
        let mut queue = self
            .queue
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        drop(queue.take());
    }
}

/// Chunks the walk may have sent that the parser has not parsed yet: the parser
/// hands a permit back for each chunk it parses, so chunks waiting for an earlier
/// one never pile up, however slow one reader is.
const WINDOW: usize = 8;

impl<'a> Walk<'a> {
    /// The history and the commits read for the cache; `None` when the graph
    /// named other parents for a commit than its object does.
    fn run(&self, starts: &[CommitId]) -> Result<Option<(History, Fresh, WalkStats)>> {
        let readers = match self.graph {
            Some(_) => std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 8)),
            None => 0,
        };
        let (to_parser, parser_in) = std::sync::mpsc::sync_channel(WINDOW);
        let (to_readers, readers_in) = std::sync::mpsc::sync_channel(WINDOW);
        let queue: Queue = std::sync::Mutex::new(Some(readers_in));
        let (permits_back, permits) = std::sync::mpsc::sync_channel(WINDOW);
        for _ in 0..WINDOW {
            let _ = permits_back.send(());
        }
        let keep = self.cache.keeps();
        let graph = self.graph;
        std::thread::scope(|scope| {
            let parser = scope
                .spawn(move || parse_chunks(parser_in, graph, self.mailmap, keep, &permits_back));
            let queue = &queue;
            let reading: Vec<_> = (0..readers)
                .map(|_| {
                    let mut stop = StopUnlessFinished {
                        queue,
                        to_parser: to_parser.clone(),
                        finished: false,
                    };
                    scope.spawn(move || {
                        let read = read_chunks(self.store, queue, &stop.to_parser);
                        if let Ok((_, true)) = read {
                            stop.disarm();
                        }
                        read.map(|(count, _)| count)
                    })
                })
                .collect();
            if readers == 0 {
                drop(queue.lock().map(|mut queue| queue.take()));
            }
            let bar = self.progress.then(|| {
                let bar = indicatif::ProgressBar::new_spinner();
                bar.set_style(
                    indicatif::ProgressStyle::with_template(
                        "reading history {spinner} {pos} commits",
                    )
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
                );
                bar
            });
            let sink = Sink {
                to_parser,
                to_readers,
                permits,
            };
            let walked = self.follow(starts, sink, bar.as_ref());
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
            let mut read = Ok(0);
            for reader in reading {
                let done = reader
                    .join()
                    .unwrap_or_else(|_| Err(thread_failed("reading")));
                read = read.and_then(|n| done.map(|m| n + m));
            }
            let parsed = parser
                .join()
                .unwrap_or_else(|_| Err(thread_failed("parsing")));
            // The first error is the one to report: the others follow from it.
            let mut stats = walked?;
            stats.read += read?;
            let Some((history, fresh)) = parsed? else {
                return Ok(None);
            };
            Ok(Some((history, fresh, stats)))
        })
    }

    /// Follows parents from `starts`, depth first, sending the commits found on a
    /// chunk at a time.
    fn follow(
        &self,
        starts: &[CommitId],
        sink: Sink<'a>,
        progress: Option<&indicatif::ProgressBar>,
    ) -> Result<WalkStats> {
        let mut objects = super::Objects::with_cache(self.store, 0);
        let replacements = objects.replacements();
        let mut stats = WalkStats::default();
        let mut seen: IdMap<()> = IdMap::default();
        let mut stack: Vec<(CommitId, Option<Position>)> = Vec::new();
        for &start in starts {
            if seen.insert(start, ()).is_none() {
                stack.push((start, None));
            }
        }
        let mut chunk = Chunk {
            number: 0,
            raws: Vec::with_capacity(BATCH),
        };
        let mut parents: Vec<(CommitId, Option<Position>)> = Vec::new();
        let mut positions = Vec::new();
        while let Some((id, position)) = stack.pop() {
            let stored = replacements.object(id)?;
            let graft = replacements.graft(&id);
            parents.clear();
            let mut from_graph = None;
            let data = if let Some(data) = self.cache.get(&stored) {
                stats.from_cache += 1;
                Some(Cow::Borrowed(data))
            } else if let Some(graph) = self.graph
                && let Some(at) = position.or_else(|| graph.find(&id))
                && graph.parents(at, &mut positions)
            {
                stats.from_graph += 1;
                from_graph = Some(at);
                parents.extend(positions.iter().map(|&p| (graph.id(p), Some(p))));
                None
            } else {
                stats.read += 1;
                Some(Cow::Owned(read_commit(&mut objects, id, stored)?))
            };
            match (&data, graft) {
                (_, Some(grafted)) => parents.extend(grafted.iter().map(|&p| (p, None))),
                (Some(data), None) => {
                    for parent in parent_lines(data) {
                        let parent = parent.ok_or_else(|| Error::BadCommit {
                            id: id.to_hex(),
                            message: "malformed parent line".into(),
                        })?;
                        parents.push((parent, None));
                    }
                }
                (None, None) => {} // the graph's, above
            }
            for &(parent, at) in &parents {
                if seen.insert(parent, ()).is_none() {
                    stack.push((parent, at));
                }
            }
            chunk.raws.push(Raw {
                id,
                stored,
                data,
                graft,
                from_graph,
            });
            if let Some(bar) = progress
                && seen.len().is_multiple_of(4096)
            {
                bar.set_position(seen.len() as u64);
            }
            if chunk.raws.len() == BATCH && !sink.send(&mut chunk) {
                return Ok(stats); // a reader or the parser stopped; its error is the one to report
            }
        }
        if !chunk.raws.is_empty() {
            sink.send(&mut chunk);
        }
        Ok(stats)
    }
}

/// Where the walk sends its chunks.
struct Sink<'c> {
    to_parser: ToParser<'c>,
    to_readers: Sender<'c>,
    permits: std::sync::mpsc::Receiver<()>,
}

impl<'c> Sink<'c> {
    /// Sends `chunk` on, to the parser when every object in it is at hand, else
    /// to the readers, once the parser has room for it, and starts the next; false
    /// when the other end has stopped.
    fn send(&self, chunk: &mut Chunk<'c>) -> bool {
        let next = Chunk {
            number: chunk.number + 1,
            raws: Vec::with_capacity(BATCH),
        };
        let full = std::mem::replace(chunk, next);
        if self.permits.recv().is_err() {
            return false;
        }
        match full.raws.iter().all(|raw| raw.data.is_some()) {
            true => self.to_parser.send(Some(full)).is_ok(),
            false => self.to_readers.send(full).is_ok(),
        }
    }
}

/// A reader: reads the objects of the commits in each chunk it takes, and hands
/// the chunk to the parser. Returns how many it read, and whether it finished
/// (the walk done and every chunk taken) rather than stopped.
fn read_chunks<'c>(
    store: &'c super::ObjectStore,
    queue: &Queue<'c>,
    to_parser: &ToParser<'c>,
) -> Result<(usize, bool)> {
    let mut objects = super::Objects::with_cache(store, 0);
    let mut read = 0;
    loop {
        let next = match queue.lock() {
            Ok(queue) => queue.as_ref().map(|chunks| chunks.recv()),
            Err(_) => return Err(thread_failed("reading")),
        };
        let mut chunk = match next {
            Some(Ok(chunk)) => chunk,
            Some(Err(_)) => return Ok((read, true)), // the walk is done
            None => return Ok((read, false)),        // another reader stopped
        };
        for raw in &mut chunk.raws {
            if raw.data.is_none() {
                raw.data = Some(Cow::Owned(read_commit(&mut objects, raw.id, raw.stored)?));
                read += 1;
            }
        }
        if to_parser.send(Some(chunk)).is_err() {
            return Ok((read, false));
        }
    }
}

/// The parser: parses the chunks in the order of the walk, whatever order they
/// arrive in, so that people are numbered as they first appear in it; and checks
/// that each commit whose parents the walk took from the graph has those parents,
/// in that order, in its object: then the walk went exactly where the objects
/// lead, and its order is theirs. `None` when one does not.
fn parse_chunks(
    chunks: std::sync::mpsc::Receiver<Option<Chunk<'_>>>,
    graph: Option<&CommitGraph>,
    mailmap: &Mailmap,
    keep: bool,
    permits: &std::sync::mpsc::SyncSender<()>,
) -> Result<Option<(History, Fresh)>> {
    let mut people = People::new(mailmap);
    let mut commits = Vec::new();
    let mut fresh = Fresh::default();
    let mut early = std::collections::BTreeMap::new();
    let mut next = 0;
    let mut positions = Vec::new();
    for chunk in chunks {
        let Some(chunk) = chunk else {
            return Err(thread_failed("reading")); // the reader's error is reported
        };
        early.insert(chunk.number, chunk.raws);
        while let Some(raws) = early.remove(&next) {
            next += 1;
            for raw in raws {
                let Some(data) = raw.data else {
                    return Err(thread_failed("reading"));
                };
                let commit = people.commit(raw.id, &data, raw.graft)?;
                if let (Some(graph), Some(at)) = (graph, raw.from_graph) {
                    graph.parents(at, &mut positions);
                    let walked = positions.iter().map(|&p| graph.id(p));
                    if !walked.eq(commit.parents.iter().copied()) {
                        return Ok(None);
                    }
                }
                commits.push(commit);
                // Objects read from the object store go to the cache, under their
                // own id: what it holds never depends on replacements.
                if let (true, Cow::Owned(data)) = (keep, data) {
                    fresh.push(raw.stored, &data);
                }
            }
            let _ = permits.send(());
        }
    }
    if !early.is_empty() {
        // The walk stopped early; what stopped it is the error to report.
        return Err(thread_failed("walking"));
    }
    let history = History {
        commits,
        people: people.list,
    };
    Ok(Some((history, fresh)))
}

/// The raw commit stored under `stored`, shown as `id`.
fn read_commit(
    objects: &mut super::Objects<'_>,
    id: CommitId,
    stored: CommitId,
) -> Result<Vec<u8>> {
    let (kind, object) = objects.read_stored(&stored.0)?;
    if kind != super::Kind::Commit {
        return Err(Error::BadCommit {
            id: id.to_hex(),
            message: format!("it is a {}", kind.name()),
        });
    }
    Ok(std::rc::Rc::try_unwrap(object).unwrap_or_else(|shared| shared.to_vec()))
}

fn thread_failed(what: &str) -> Error {
    Error::BadCommit {
        id: String::new(),
        message: format!("the {what} thread failed"),
    }
}

/// Tags of tags followed before giving up.
const MAX_TAG_CHAIN: usize = 64;

/// The object a raw tag names, and its tagger's date when it has a tagger.
fn tag_fields(data: &[u8]) -> Option<(CommitId, Option<GitTime>)> {
    let mut target = None;
    let mut tagger = None;
    for (key, value) in headers(data) {
        match key {
            b"object" => target = header_id(value),
            // A tagger line without a date gives no date, as libgit2 reads it.
            b"tagger" => {
                let dated = value
                    .iter()
                    .rposition(|&b| b == b'>')
                    .is_some_and(|close| value[close..].iter().any(u8::is_ascii_digit));
                tagger = dated.then(|| parse_signature(value).1);
            }
            _ => {}
        }
    }
    Some((target?, tagger))
}

/// Commits read from the object store during a walk, for the commit cache, in the
/// form its file holds them (so that saving it copies nothing).
type Fresh = super::commit_cache::Records;

/// The header lines of a raw commit, as (key, value), up to the blank line before
/// the message: the one reader of commit headers, which the history walk, the
/// revision parser and the tree diff all use. Continuation lines (of `gpgsig`,
/// `mergetag`) are skipped; [`Headers::message`] is what follows the headers.
pub(super) struct Headers<'a> {
    rest: &'a [u8],
    done: bool,
}

pub(super) fn headers(data: &[u8]) -> Headers<'_> {
    Headers {
        rest: data,
        done: false,
    }
}

impl<'a> Headers<'a> {
    /// The message, once the headers are read (empty before).
    pub(super) fn message(&self) -> &'a [u8] {
        if self.done { self.rest } else { b"" }
    }
}

impl<'a> Iterator for Headers<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            let end = memchr::memchr(b'\n', self.rest).unwrap_or(self.rest.len());
            let line = &self.rest[..end];
            self.rest = self.rest.get(end + 1..).unwrap_or(b"");
            if line.is_empty() {
                self.done = true;
                return None;
            }
            if self.rest.is_empty() {
                // The last line of an object without a message.
                self.done = true;
                self.rest = b"";
            }
            if line[0] == b' ' {
                continue; // continuation of a multi-line header (gpgsig, mergetag)
            }
            let space = memchr::memchr(b' ', line).unwrap_or(line.len());
            return Some((&line[..space], line.get(space + 1..).unwrap_or(b"")));
        }
        None
    }
}

/// A 40-digit hex id in a header value.
pub(super) fn header_id(hex: &[u8]) -> Option<CommitId> {
    std::str::from_utf8(hex).ok().and_then(CommitId::from_hex)
}

/// The `parent` lines at the top of a raw commit, which follow its `tree` line.
pub(super) fn parent_lines(data: &[u8]) -> impl Iterator<Item = Option<CommitId>> + '_ {
    headers(data)
        .skip_while(|(key, _)| *key == b"tree")
        .take_while(|(key, _)| *key == b"parent")
        .map(|(_, hex)| header_id(hex))
}

/// The header fields of a raw commit object that valuestory reads.
pub(super) struct RawCommit<'a> {
    tree: CommitId,
    pub(super) parents: Vec<CommitId>,
    author: &'a [u8],
    committer: &'a [u8],
    encoding: Option<&'a [u8]>,
    message: &'a [u8],
}

impl<'a> RawCommit<'a> {
    pub(super) fn parse(data: &'a [u8]) -> Result<RawCommit<'a>, &'static str> {
        let mut raw = RawCommit {
            tree: CommitId([0; 20]),
            parents: Vec::new(),
            author: b"",
            committer: b"",
            encoding: None,
            message: b"",
        };
        let mut lines = headers(data);
        for (key, value) in &mut lines {
            match key {
                b"tree" => raw.tree = header_id(value).ok_or("malformed tree line")?,
                b"parent" => raw
                    .parents
                    .push(header_id(value).ok_or("malformed parent line")?),
                b"author" => raw.author = value,
                b"committer" => raw.committer = value,
                b"encoding" => raw.encoding = Some(value),
                _ => {}
            }
        }
        raw.message = lines.message();
        Ok(raw)
    }
}

/// Dates are kept between 1970 and 2100: a commit dated in the year 9999 (git accepts
/// it) would otherwise stretch the periods over millennia.
pub const LATEST: i64 = 4_102_444_800;

/// Splits `Name <email> 1700000000 +0200` into its parts. A damaged line still
/// gives a person and time zero rather than failing the whole history.
pub fn parse_signature(line: &[u8]) -> ((&[u8], &[u8]), GitTime) {
    let Some(close) = line.iter().rposition(|&b| b == b'>') else {
        return ((trim(line), b""), GitTime::utc(0));
    };
    let open = line[..close]
        .iter()
        .rposition(|&b| b == b'<')
        .unwrap_or(close);
    let name = trim(&line[..open]);
    let email = line.get(open + 1..close).unwrap_or(b"");
    let mut fields = line[close + 1..]
        .split(|&b| b == b' ')
        .filter(|f| !f.is_empty());
    let seconds = fields
        .next()
        .and_then(|s| std::str::from_utf8(s).ok())
        .and_then(|s| s.parse::<i64>().ok())
        .unwrap_or(0)
        .clamp(0, LATEST);
    let offset_minutes = fields.next().map(parse_offset).unwrap_or(0);
    (
        (name, email),
        GitTime {
            seconds,
            offset_minutes,
        },
    )
}

fn parse_offset(tz: &[u8]) -> i32 {
    let (sign, digits) = match tz.first() {
        Some(b'-') => (-1, &tz[1..]),
        Some(b'+') => (1, &tz[1..]),
        _ => (1, tz),
    };
    let Some(value) = std::str::from_utf8(digits)
        .ok()
        .and_then(|d| d.parse::<i32>().ok())
    else {
        return 0;
    };
    sign * ((value / 100) * 60 + value % 100)
}

fn trim(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &bytes[start..end]
}

/// A commit message as text: UTF-8 when it is, Latin-1 when the commit says so (or
/// says nothing and is not UTF-8), replacement characters for anything else.
fn decode_message(bytes: &[u8], encoding: Option<&[u8]>) -> String {
    if let Ok(text) = std::str::from_utf8(bytes) {
        return text.to_string();
    }
    let latin1 = match encoding {
        None => true,
        Some(e) => {
            let e = e.to_ascii_lowercase();
            matches!(
                e.as_slice(),
                b"iso-8859-1" | b"iso8859-1" | b"latin1" | b"latin-1" | b"windows-1252" | b"cp1252"
            )
        }
    };
    if latin1 {
        bytes.iter().map(|&b| b as char).collect()
    } else {
        String::from_utf8_lossy(bytes).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_parts_and_offsets() {
        let ((name, email), time) = parse_signature(b"Ada Lovelace <ada@x.org> 1700000000 -0530");
        assert_eq!(name, b"Ada Lovelace");
        assert_eq!(email, b"ada@x.org");
        assert_eq!(time.seconds, 1_700_000_000);
        assert_eq!(time.offset_minutes, -330);
        let (_, broken) = parse_signature(b"nobody");
        assert_eq!(broken.seconds, 0);
    }

    #[test]
    fn latin1_message_is_decoded_when_declared_or_not_utf8() {
        assert_eq!(decode_message(b"caf\xe9", Some(b"ISO-8859-1")), "café");
        assert_eq!(decode_message(b"caf\xe9", None), "café");
        assert_eq!(
            decode_message(b"caf\xe9", Some(b"Shift_JIS")),
            "caf\u{fffd}"
        );
        assert_eq!(
            decode_message("café".as_bytes(), Some(b"ISO-8859-1")),
            "café"
        );
    }

    #[test]
    fn raw_commit_skips_signature_continuations() {
        let data = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\
parent 0123456789abcdef0123456789abcdef01234567\n\
author A <a@x> 1 +0000\ncommitter C <c@x> 2 +0000\n\
gpgsig -----BEGIN PGP SIGNATURE-----\n \n abc\n -----END PGP SIGNATURE-----\n\nsubject\n";
        let raw = RawCommit::parse(data).unwrap();
        assert_eq!(raw.parents.len(), 1);
        assert_eq!(raw.committer, b"C <c@x> 2 +0000");
        assert_eq!(raw.message, b"subject\n");
    }
}
