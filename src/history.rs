//! The plain history types everything after `git` works on: commits, identities,
//! times and release tags, owned and free of git2, so release and metric logic can be
//! tested on hand-built values.

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};

/// A SHA-1 object id.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CommitId(pub [u8; 20]);

impl CommitId {
    pub fn to_hex(&self) -> String {
        self.to_string()
    }

    /// Parses 40 hexadecimal digits; anything else is `None`.
    pub fn from_hex(hex: &str) -> Option<CommitId> {
        let bytes = hex.as_bytes();
        if bytes.len() != 40 {
            return None;
        }
        let mut id = [0u8; 20];
        for (i, pair) in bytes.chunks(2).enumerate() {
            let hi = (pair[0] as char).to_digit(16)?;
            let lo = (pair[1] as char).to_digit(16)?;
            id[i] = (hi * 16 + lo) as u8;
        }
        Some(CommitId(id))
    }
}

impl CommitId {
    fn hex_bytes(&self) -> [u8; 40] {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut out = [0u8; 40];
        for (i, b) in self.0.iter().enumerate() {
            out[2 * i] = HEX[(b >> 4) as usize];
            out[2 * i + 1] = HEX[(b & 15) as usize];
        }
        out
    }
}

impl fmt::Display for CommitId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hex = self.hex_bytes();
        f.write_str(std::str::from_utf8(&hex).unwrap_or_default())
    }
}

impl fmt::Debug for CommitId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", &self.to_string()[..12])
    }
}

impl serde::Serialize for CommitId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let hex = self.hex_bytes();
        s.serialize_str(std::str::from_utf8(&hex).unwrap_or_default())
    }
}

impl schemars::JsonSchema for CommitId {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "CommitId".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({"type": "string", "pattern": "^[0-9a-f]{40}$"})
    }
}

/// Object ids are already uniformly distributed, so hashing can just take 8 bytes.
#[derive(Default)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut buf = [0u8; 8];
            buf[..chunk.len()].copy_from_slice(chunk);
            self.0 = self.0.rotate_left(5) ^ u64::from_le_bytes(buf);
        }
    }
}

pub type IdMap<V> = HashMap<CommitId, V, BuildHasherDefault<IdHasher>>;

/// A moment as git records it: seconds since the epoch and the writer's UTC offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GitTime {
    pub seconds: i64,
    pub offset_minutes: i32,
}

impl GitTime {
    pub fn utc(seconds: i64) -> GitTime {
        GitTime {
            seconds,
            offset_minutes: 0,
        }
    }
}

/// Index into [`History::people`].
pub type PersonId = u32;

/// A person after mailmap resolution.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Person {
    pub name: String,
    pub email: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trailer {
    pub key: String,
    pub value: String,
}

/// What a conventional-commit subject (`type(scope)!: text`) says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conventional {
    pub kind: String,
    pub scope: Option<String>,
    pub breaking: bool,
}

/// A commit's parents, read as a slice. Most commits have one, held inline; only
/// merges keep theirs on the heap (on a long history a list per commit was 2.6 MB).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Parents {
    #[default]
    None,
    One(CommitId),
    Many(Box<[CommitId]>),
}

impl std::ops::Deref for Parents {
    type Target = [CommitId];

    fn deref(&self) -> &[CommitId] {
        match self {
            Parents::None => &[],
            Parents::One(p) => std::slice::from_ref(p),
            Parents::Many(list) => list,
        }
    }
}

impl From<Vec<CommitId>> for Parents {
    fn from(list: Vec<CommitId>) -> Parents {
        match list.as_slice() {
            [] => Parents::None,
            [p] => Parents::One(*p),
            _ => Parents::Many(list.into_boxed_slice()),
        }
    }
}

impl<'a> IntoIterator for &'a Parents {
    type Item = &'a CommitId;
    type IntoIter = std::slice::Iter<'a, CommitId>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

#[derive(Clone, Debug)]
pub struct Commit {
    pub id: CommitId,
    /// The commit's root tree (an object id, like a commit id).
    pub tree: CommitId,
    pub parents: Parents,
    pub author: PersonId,
    pub author_time: GitTime,
    pub committer: PersonId,
    pub committer_time: GitTime,
    pub subject: String,
    /// A merge's first body line: the title of the pull request it merged. Only
    /// merges keep it; the rest of a body is not kept (a long history's messages
    /// would be most of what a build holds).
    pub merge_title: Option<Box<str>>,
    /// The message's trailer paragraph as written, or empty; read through
    /// [`Commit::trailer_values`].
    pub trailer_block: Box<str>,
    pub conventional: Option<Box<Conventional>>,
    pub pull_request: Option<u32>,
    /// The commit named by `This reverts commit <id>` in the body.
    pub reverts: Option<CommitId>,
    /// Everything the message says the commit reverts ([`crate::message::reverted`]).
    pub reverted: Box<[crate::message::Reverted]>,
}

impl Commit {
    pub fn is_merge(&self) -> bool {
        self.parents.len() > 1
    }

    /// The values of the trailers named `key` (in any case), in order.
    pub fn trailer_values(&self, key: &str) -> impl Iterator<Item = String> {
        let key = key.to_string();
        crate::message::trailers(&self.trailer_block)
            .into_iter()
            .filter(move |t| t.key.eq_ignore_ascii_case(&key))
            .map(|t| t.value)
    }
}

/// What a tag named and pointed at, peeled through any chain of tag objects.
#[derive(Clone, Debug)]
pub struct Tag {
    pub name: String,
    pub target: TagTarget,
    /// The tagger date of the outermost annotated tag, when it has a tagger.
    pub tagger_time: Option<GitTime>,
    pub annotated: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TagTarget {
    Commit(CommitId),
    /// A blob or tree: not a release, reported as a warning.
    Other(&'static str),
}

/// Every commit reachable from the starting points, in no particular order, with the
/// people they name.
#[derive(Default, Debug)]
pub struct History {
    pub commits: Vec<Commit>,
    pub people: Vec<Person>,
}

impl History {
    pub fn person(&self, id: PersonId) -> &Person {
        &self.people[id as usize]
    }

    /// The one commit whose id starts with `name`, as the value folder names
    /// commits (`caused_by`, `fixed_by`): at least 7 hex digits, in either case,
    /// and no other commit sharing them.
    pub fn commit_named(&self, name: &str) -> Option<usize> {
        let name = name.to_ascii_lowercase();
        if name.len() < 7 || name.len() > 40 || !name.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let mut found = self
            .commits
            .iter()
            .enumerate()
            .filter(|(_, c)| c.id.to_hex().starts_with(&name));
        let (k, _) = found.next()?;
        found.next().is_none().then_some(k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commit(hex: &str) -> Commit {
        Commit {
            id: CommitId::from_hex(hex).unwrap(),
            tree: CommitId([0; 20]),
            parents: Parents::default(),
            author: 0,
            author_time: GitTime::utc(0),
            committer: 0,
            committer_time: GitTime::utc(0),
            subject: String::new(),
            merge_title: None,
            trailer_block: "".into(),
            conventional: None,
            pull_request: None,
            reverts: None,
            reverted: Box::new([]),
        }
    }

    #[test]
    fn a_commit_is_named_by_a_unique_prefix_of_seven_digits_or_more() {
        let history = History {
            commits: vec![
                commit("abcdef0123456789abcdef0123456789abcdef01"),
                commit("abcdef0199999999999999999999999999999999"),
                commit("1234567000000000000000000000000000000000"),
            ],
            people: Vec::new(),
        };
        assert_eq!(history.commit_named("1234567"), Some(2));
        assert_eq!(history.commit_named("ABCDEF012"), Some(0));
        assert_eq!(
            history.commit_named("abcdef0199999999999999999999999999999999"),
            Some(1)
        );
        assert_eq!(history.commit_named("abcdef01"), None, "two share it");
        assert_eq!(history.commit_named("123456"), None, "too short");
        assert_eq!(history.commit_named("1234567g"), None, "not hex");
        assert_eq!(history.commit_named("v1.2.3"), None);
        assert_eq!(history.commit_named("fedcba9"), None);
    }
}
