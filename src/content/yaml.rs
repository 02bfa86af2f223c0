//! YAML as a tree of located nodes, and a reader that turns a mapping into typed
//! fields while collecting every problem (wrong type, missing or unknown field, with a
//! "did you mean" hint) instead of stopping at the first, so that `valuestory check`
//! can report them all.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use crate::error::Located;

/// Turns a serde-saphyr error into `path:line:col: message`.
pub fn serde_error(path: &str, error: &serde_saphyr::Error) -> Located {
    let (line, column) = error
        .location()
        .map_or((1, 1), |l| (l.line().max(1), l.column().max(1)));
    let rendered = error.without_snippet().to_string();
    // The rendered text may add its own location; keep the first sentence.
    let mut message = rendered
        .lines()
        .next()
        .unwrap_or("invalid YAML")
        .trim()
        .to_string();
    // Advice about parser options is for programmers, not for the user.
    if let Some(at) = message.find(", set DuplicateKeyPolicy") {
        message.truncate(at);
    }
    // The location is given separately; drop serde's own copy of it.
    if let Some(at) = message.rfind(" at line ") {
        message.truncate(at);
    }
    Located {
        path: path.to_string(),
        line,
        column,
        message: with_hint(message),
    }
}

/// Adds "did you mean" to serde's `unknown field `x`, expected one of `a`, `b``.
fn with_hint(message: String) -> String {
    let Some(rest) = message.strip_prefix("unknown field `") else {
        return message;
    };
    let Some((field, expected)) = rest.split_once("`, expected one of ") else {
        return message;
    };
    let known: Vec<&str> = expected
        .split(", ")
        .map(|k| k.trim().trim_matches('`'))
        .collect();
    let hint = hint(field, &known);
    let listed: Vec<String> = known.iter().map(|k| format!("`{k}`")).collect();
    format!(
        "unknown field `{field}`{hint}; expected one of {}",
        listed.join(", ")
    )
}

/// Where a node starts: 1-based line and column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct At {
    pub line: u64,
    pub column: u64,
}

#[derive(Clone, Debug)]
pub struct Node {
    pub value: Value,
    pub at: At,
}

#[derive(Clone, Debug)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl Value {
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "nothing",
            Value::Bool(_) => "a boolean",
            Value::Int(_) | Value::Float(_) => "a number",
            Value::Str(_) => "text",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

impl Node {
    /// Scalars as the text the user wrote them as (numbers and booleans included).
    pub fn as_text(&self) -> Option<String> {
        match &self.value {
            Value::Str(s) => Some(s.clone()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(f.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Node, D::Error> {
        let spanned = Spanned::<Value>::deserialize(d)?;
        Ok(Node {
            at: At {
                line: spanned.referenced.line(),
                column: spanned.referenced.column(),
            },
            value: spanned.value,
        })
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(i64::try_from(v).map_or(Value::Float(v as f64), Value::Int))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Str(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Node>()? {
            items.push(item);
        }
        Ok(Value::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Vec::new();
        while let Some((k, v)) = map.next_entry::<Node, Node>()? {
            entries.push((k, v));
        }
        Ok(Value::Map(entries))
    }
}

/// Parses YAML text into a located tree; an empty document is `Null`.
pub fn parse(path: &str, text: &str) -> Result<Node, Located> {
    if text.trim().is_empty() {
        return Ok(Node {
            value: Value::Null,
            at: At { line: 1, column: 1 },
        });
    }
    serde_saphyr::from_str::<Node>(text).map_err(|e| serde_error(path, &e))
}

/// Collects located problems for one file.
pub struct Problems<'p> {
    pub path: &'p str,
    pub list: Vec<Located>,
}

impl<'p> Problems<'p> {
    pub fn new(path: &'p str) -> Problems<'p> {
        Problems {
            path,
            list: Vec::new(),
        }
    }

    pub fn add(&mut self, at: At, message: impl Into<String>) {
        self.list.push(Located {
            path: self.path.to_string(),
            line: at.line.max(1),
            column: at.column.max(1),
            message: message.into(),
        });
    }
}

/// Reads the fields of one mapping. Each accessor records what it was asked for, so
/// [`Fields::finish`] can report every other key as unknown, with the nearest known
/// name as a hint.
pub struct Fields<'n> {
    entries: Vec<(&'n str, &'n Node, &'n Node)>,
    known: Vec<&'static str>,
    /// Required fields found missing, reported by `finish` unless a misspelt key
    /// already explains them.
    missing: Vec<&'static str>,
    pub at: At,
    what: &'static str,
}

impl<'n> Fields<'n> {
    /// `None` (with a problem recorded) when `node` is not a mapping.
    pub fn of(
        node: &'n Node,
        what: &'static str,
        problems: &mut Problems<'_>,
    ) -> Option<Fields<'n>> {
        let Value::Map(entries) = &node.value else {
            problems.add(
                node.at,
                format!(
                    "expected {what} as a mapping of fields, found {}",
                    node.value.kind()
                ),
            );
            return None;
        };
        let mut list: Vec<(&'n str, &'n Node, &'n Node)> = Vec::new();
        for (k, v) in entries {
            match &k.value {
                Value::Str(name) => {
                    if list.iter().any(|(n, _, _)| *n == name.as_str()) {
                        problems.add(k.at, format!("duplicate field `{name}`"));
                        continue;
                    }
                    list.push((name.as_str(), k, v));
                }
                other => problems.add(
                    k.at,
                    format!("field names must be text, found {}", other.kind()),
                ),
            }
        }
        Some(Fields {
            entries: list,
            known: Vec::new(),
            missing: Vec::new(),
            at: node.at,
            what,
        })
    }

    /// The node of field `name`, if present and not null.
    pub fn get(&mut self, name: &'static str) -> Option<&'n Node> {
        self.known.push(name);
        self.entries
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|(_, _, v)| *v)
            .filter(|v| !matches!(v.value, Value::Null))
    }

    /// Like [`Fields::get`], recording a problem when the field is missing.
    /// Like [`Fields::get`]; a missing field is reported by [`Fields::finish`].
    pub fn require(
        &mut self,
        name: &'static str,
        _problems: &mut Problems<'_>,
    ) -> Option<&'n Node> {
        let node = self.get(name);
        if node.is_none() && !self.missing.contains(&name) {
            self.missing.push(name);
        }
        node
    }

    /// Whether a key that is not `name` looks like a misspelling of it.
    pub fn misspelt(&self, name: &str) -> bool {
        self.entries
            .iter()
            .any(|(key, _, _)| *key != name && !self.known.contains(key) && close(key, name))
    }

    pub fn text(&mut self, name: &'static str, problems: &mut Problems<'_>) -> Option<String> {
        self.get(name).and_then(|n| text(n, problems))
    }

    pub fn required_text(
        &mut self,
        name: &'static str,
        problems: &mut Problems<'_>,
    ) -> Option<String> {
        self.require(name, problems).and_then(|n| text(n, problems))
    }

    /// A field parsed by `parse`, whose error message is located at the value.
    pub fn parsed<T>(
        &mut self,
        name: &'static str,
        problems: &mut Problems<'_>,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Option<T> {
        let node = self.get(name)?;
        parse_node(node, problems, parse)
    }

    pub fn required_parsed<T>(
        &mut self,
        name: &'static str,
        problems: &mut Problems<'_>,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Option<T> {
        let node = self.require(name, problems)?;
        parse_node(node, problems, parse)
    }

    /// A list of texts; a single text is taken as a list of one.
    pub fn texts(&mut self, name: &'static str, problems: &mut Problems<'_>) -> Vec<(String, At)> {
        let Some(node) = self.get(name) else {
            return Vec::new();
        };
        match &node.value {
            Value::Seq(items) => items
                .iter()
                .filter_map(|n| text(n, problems).map(|t| (t, n.at)))
                .collect(),
            _ => text(node, problems)
                .map(|t| vec![(t, node.at)])
                .unwrap_or_default(),
        }
    }

    /// The items of a list field.
    pub fn list(&mut self, name: &'static str, problems: &mut Problems<'_>) -> Vec<&'n Node> {
        let Some(node) = self.get(name) else {
            return Vec::new();
        };
        match &node.value {
            Value::Seq(items) => items.iter().collect(),
            other => {
                problems.add(
                    node.at,
                    format!("`{name}` must be a list, found {}", other.kind()),
                );
                Vec::new()
            }
        }
    }

    pub fn boolean(&mut self, name: &'static str, problems: &mut Problems<'_>) -> Option<bool> {
        let node = self.get(name)?;
        match node.value {
            Value::Bool(b) => Some(b),
            ref other => {
                problems.add(
                    node.at,
                    format!("`{name}` must be true or false, found {}", other.kind()),
                );
                None
            }
        }
    }

    /// One of `choices`, with a hint when it is close to one.
    pub fn choice(
        &mut self,
        name: &'static str,
        choices: &'static [&'static str],
        problems: &mut Problems<'_>,
    ) -> Option<&'static str> {
        let node = self.get(name)?;
        let value = text(node, problems)?;
        match choices.iter().find(|c| **c == value) {
            Some(c) => Some(*c),
            None => {
                problems.add(
                    node.at,
                    format!(
                        "`{name}` cannot be `{value}`{}; expected one of {}",
                        hint(&value, choices),
                        quoted(choices)
                    ),
                );
                None
            }
        }
    }

    /// Reports every missing required field (unless a misspelt key explains it) and
    /// every field nobody asked for.
    pub fn finish(self, problems: &mut Problems<'_>) {
        for name in &self.missing {
            if !self.misspelt(name) {
                problems.add(
                    self.at,
                    format!("{} is missing the field `{name}`", self.what),
                );
            }
        }
        for (name, key, _) in &self.entries {
            if !self.known.contains(name) {
                problems.add(
                    key.at,
                    format!(
                        "unknown field `{name}` in {}{}; expected one of {}",
                        self.what,
                        hint(name, &self.known),
                        quoted(&self.known)
                    ),
                );
            }
        }
    }
}

pub fn text(node: &Node, problems: &mut Problems<'_>) -> Option<String> {
    match &node.value {
        Value::Str(s) => Some(s.clone()),
        Value::Int(_) | Value::Float(_) | Value::Bool(_) => node.as_text(),
        other => {
            problems.add(node.at, format!("expected text, found {}", other.kind()));
            None
        }
    }
}

fn parse_node<T>(
    node: &Node,
    problems: &mut Problems<'_>,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Option<T> {
    let Some(raw) = node.as_text() else {
        problems.add(
            node.at,
            format!("expected a value, found {}", node.value.kind()),
        );
        return None;
    };
    match parse(&raw) {
        Ok(v) => Some(v),
        Err(message) => {
            problems.add(node.at, message);
            None
        }
    }
}

/// Whether `word` is within a typo or two of `known`.
fn close(word: &str, known: &str) -> bool {
    strsim::damerau_levenshtein(word, known) <= 2.max(known.len() / 3)
}

/// ` (did you mean `x`?)` when a known name is close to `word`, else nothing.
pub fn hint(word: &str, known: &[&str]) -> String {
    known
        .iter()
        .filter(|k| close(word, k))
        .map(|k| (strsim::damerau_levenshtein(word, k), *k))
        .min()
        .map(|(_, k)| format!(" (did you mean `{k}`?)"))
        .unwrap_or_default()
}

pub fn quoted(names: &[&str]) -> String {
    let mut unique: Vec<&str> = Vec::new();
    for n in names {
        if !unique.contains(n) {
            unique.push(n);
        }
    }
    unique
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_carry_their_location() {
        let node = parse("x.yaml", "a: 1\nlist:\n  - { name: b, wait: 2d }\n").unwrap();
        let Value::Map(entries) = &node.value else {
            panic!()
        };
        let (key, list) = &entries[1];
        assert_eq!(key.at, At { line: 2, column: 1 });
        let Value::Seq(items) = &list.value else {
            panic!()
        };
        let Value::Map(item) = &items[0].value else {
            panic!()
        };
        assert_eq!(
            item[1].0.at,
            At {
                line: 3,
                column: 16
            }
        );
        assert_eq!(item[1].1.as_text().unwrap(), "2d");
    }

    #[test]
    fn unknown_fields_are_all_reported_with_hints() {
        let node = parse("s.yaml", "name: x\nproces: 2h\nwiat: 1d\n").unwrap();
        let mut problems = Problems::new("s.yaml");
        let mut f = Fields::of(&node, "a stage", &mut problems).unwrap();
        f.required_text("name", &mut problems);
        f.get("process");
        f.get("wait");
        f.finish(&mut problems);
        let messages: Vec<String> = problems.list.iter().map(|p| p.to_string()).collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(
            messages[0].starts_with(
                "s.yaml:2:1: unknown field `proces` in a stage (did you mean `process`?)"
            ),
            "{}",
            messages[0]
        );
        assert!(
            messages[1].contains("did you mean `wait`"),
            "{}",
            messages[1]
        );
    }
}
