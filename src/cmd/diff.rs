//! `valuestory diff BASE[..HEAD]`: what a pull request changes in the story. The
//! value-folder files it adds, changes (field by field) or removes, the problems it
//! introduces, and how the latest quarter's numbers move when the head's value
//! folder replaces the base's over the same history.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::content::yaml::{self, Node, Value};
use crate::error::{Located, Result};
use crate::git::Repository;
use crate::metric::Unit;
use crate::metrics::{Median, PeriodMetrics};
use crate::pipeline::{self, Input, Options};
use crate::report::Data;
use crate::source::Files;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Markdown,
    Json,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct FileChange {
    pub path: String,
    /// `added`, `changed` or `removed`.
    pub change: &'static str,
    pub fields: Vec<FieldChange>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct FieldChange {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct MetricMove {
    pub metric: String,
    pub before: String,
    pub after: String,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct StoryDiff {
    pub base: String,
    pub head: String,
    pub files: Vec<FileChange>,
    pub problems: Vec<Located>,
    pub quarter: Option<String>,
    pub metrics: Vec<MetricMove>,
    /// Why no metrics could be compared, when they could not.
    pub metrics_note: Option<String>,
}

const DIRS: [&str; 7] = [
    "value",
    "value/streams",
    "value/initiatives",
    "value/incidents",
    "value/case-studies",
    "value/templates",
    "",
];

/// The config and value-folder files of a tree.
fn value_files(files: &Files<'_>) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    // What cannot be read (a link out, a file too large) is left out here; the
    // problems section names it.
    fn skip<T>(e: crate::error::Error) -> Result<Option<T>> {
        crate::content::refusal(e).map(|_| None)
    }
    for dir in DIRS {
        let names = files.list(dir).map(Some).or_else(skip)?.unwrap_or_default();
        for name in names {
            let path = if dir.is_empty() {
                name.clone()
            } else {
                format!("{dir}/{name}")
            };
            if dir.is_empty() && name != "valuestory.yaml" {
                continue;
            }
            if let Some(bytes) = files
                .read(&path, crate::content::MAX_FILE_BYTES)
                .or_else(skip)?
            {
                out.insert(path, String::from_utf8_lossy(&bytes).into_owned());
            }
        }
    }
    Ok(out)
}

/// Scalar leaves of a YAML tree by path; list items with an `id` are named by it.
fn leaves(node: &Node, prefix: &str, out: &mut BTreeMap<String, String>) {
    match &node.value {
        Value::Map(entries) => {
            for (k, v) in entries {
                let key = k.as_text().unwrap_or_default();
                let path = if prefix.is_empty() {
                    key
                } else {
                    format!("{prefix}.{key}")
                };
                leaves(v, &path, out);
            }
        }
        Value::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                let id = match &item.value {
                    Value::Map(entries) => entries
                        .iter()
                        .find(|(k, _)| {
                            k.as_text().as_deref() == Some("id")
                                || k.as_text().as_deref() == Some("name")
                        })
                        .and_then(|(_, v)| v.as_text()),
                    _ => None,
                };
                let path = match id {
                    Some(id) => format!("{prefix}[{id}]"),
                    None => format!("{prefix}[{i}]"),
                };
                leaves(item, &path, out);
            }
        }
        Value::Null => {
            out.insert(prefix.to_string(), String::new());
        }
        _ => {
            out.insert(prefix.to_string(), node.as_text().unwrap_or_default());
        }
    }
}

fn fields_of(path: &str, text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let (front, body) = if path.ends_with(".md") {
        match crate::content::parse::split_front_matter(text) {
            Some((front, _, body)) => (front.to_string(), Some(body.to_string())),
            None => (String::new(), Some(text.to_string())),
        }
    } else if path.ends_with(".html") {
        (String::new(), Some(text.to_string()))
    } else {
        (text.to_string(), None)
    };
    if let Ok(node) = yaml::parse(path, &front) {
        leaves(&node, "", &mut out);
    } else if !front.is_empty() {
        out.insert("(not valid YAML)".to_string(), String::new());
    }
    if let Some(body) = body {
        out.insert(
            "(body)".to_string(),
            format!("{} lines", body.lines().count()),
        );
        out.insert("(body text)".to_string(), body);
    }
    out
}

fn compare(path: &str, before: &str, after: &str) -> Vec<FieldChange> {
    let (a, b) = (fields_of(path, before), fields_of(path, after));
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .filter(|k| k.as_str() != "(body text)")
        .map(|k| FieldChange {
            field: if k.is_empty() {
                "(value)".into()
            } else {
                k.clone()
            },
            before: a.get(k).cloned(),
            after: b.get(k).cloned(),
        })
        .chain(
            (a.get("(body text)") != b.get("(body text)") && a.get("(body)") == b.get("(body)"))
                .then(|| FieldChange {
                    field: "(body)".into(),
                    before: Some("edited".into()),
                    after: Some("edited".into()),
                }),
        )
        .collect()
}

pub fn run(source: &Options, range: &str) -> Result<StoryDiff> {
    let (base, head) = match range.split_once("..") {
        Some((b, "")) => (b.to_string(), "HEAD".to_string()),
        Some((b, h)) => (b.to_string(), h.to_string()),
        None => (range.to_string(), "HEAD".to_string()),
    };
    let files = file_changes(source, &base, &head)?;
    let at = |rev: &str, value_rev: Option<&str>| Options {
        rev: rev.to_string(),
        worktree: false,
        value_rev: value_rev.map(str::to_string),
        changes_wanted: true,
        ..source.clone()
    };
    let mut head_input = pipeline::read(&at(&head, None))?;
    let problems = {
        let base_input = pipeline::read(&at(&base, None))?;
        // The repository's templates count too, held to `--untrusted` when it is given.
        let templates =
            |input: &Input, rev: &str| crate::cmd::check::template_problems(input, &at(rev, None));
        let mut known = base_input.problems.clone();
        known.extend(templates(&base_input, &base));
        head_input.problems.extend(templates(&head_input, &head));
        let known: Vec<(&str, &str)> = known
            .iter()
            .map(|p| (p.path.as_str(), p.message.as_str()))
            .collect();
        let new = |p: &&Located| !known.contains(&(p.path.as_str(), p.message.as_str()));
        head_input.problems.iter().filter(new).cloned().collect()
    };
    let mut diff = StoryDiff {
        base,
        head: head.clone(),
        files,
        problems,
        quarter: None,
        metrics: Vec::new(),
        metrics_note: None,
    };
    // The base's value folder over the head's history: what the pull request's
    // value files alone change.
    let old_value = pipeline::read(&at(&head, Some(&diff.base)))?;
    let note = if !head_input.problems.is_empty() {
        "the head's value folder has problems, so its numbers cannot be computed"
    } else if !old_value.problems.is_empty() {
        "the base's value folder has problems, so there is nothing to compare with"
    } else {
        let new = pipeline::report(&head_input, &head, None);
        let old = pipeline::report(&old_value, &head, None);
        let Some(quarter) = new.narrative.latest.clone() else {
            diff.metrics_note = Some("the history has no quarter yet".into());
            return Ok(diff);
        };
        if let Some(moves) = metric_moves(&old, &new, &quarter) {
            diff.metrics = moves;
            diff.quarter = Some(quarter);
        }
        return Ok(diff);
    };
    diff.metrics_note = Some(note.into());
    Ok(diff)
}

/// The value-folder files the range adds, removes or changes, field by field.
fn file_changes(source: &Options, base: &str, head: &str) -> Result<Vec<FileChange>> {
    let repo = Repository::discover(source.repo.as_deref())?;
    let tree = |rev: &str| -> Result<BTreeMap<String, String>> {
        let commit = repo.resolve(rev)?;
        value_files(&Files::Tree {
            repo: &repo,
            commit,
        })
    };
    let (before, after) = (tree(base)?, tree(head)?);
    let mut paths: Vec<&String> = before.keys().chain(after.keys()).collect();
    paths.sort();
    paths.dedup();
    let change = |path: &String| {
        let (change, fields) = match (before.get(path), after.get(path)) {
            (None, Some(_)) => ("added", Vec::new()),
            (Some(_), None) => ("removed", Vec::new()),
            (Some(a), Some(b)) if a != b => ("changed", compare(path, a, b)),
            _ => return None,
        };
        Some(FileChange {
            path: path.clone(),
            change,
            fields,
        })
    };
    Ok(paths.into_iter().filter_map(change).collect())
}

/// How the numbers of `quarter` move from `old` to `new`, only those that do;
/// nothing when either lacks the quarter.
fn metric_moves(old: &Data, new: &Data, quarter: &str) -> Option<Vec<MetricMove>> {
    fn find<'d>(d: &'d Data, quarter: &str) -> Option<&'d PeriodMetrics> {
        d.periods
            .get("quarter")?
            .iter()
            .find(|p| p.period == quarter)
    }
    let (n, o) = (find(new, quarter)?, find(old, quarter)?);
    let share = |v: Option<f64>| v.map_or("–".to_string(), |v| Unit::Share.format(v));
    let duration = |v: Option<Median>| {
        v.map_or("–".to_string(), |r| {
            Unit::Duration.format(r.median_seconds as f64)
        })
    };
    let quarter_moves = [
        (
            "Change failure rate",
            share(o.change_failure_rate),
            share(n.change_failure_rate),
        ),
        (
            "Failed releases",
            o.failed_deployments.to_string(),
            n.failed_deployments.to_string(),
        ),
        (
            "Median recovery time",
            duration(o.recovery_time),
            duration(n.recovery_time),
        ),
        ("Rework rate", share(o.rework_rate), share(n.rework_rate)),
        (
            "Incidents",
            o.incidents.to_string(),
            n.incidents.to_string(),
        ),
        (
            "Incident cost",
            format!("{:.0}", o.incident_cost),
            format!("{:.0}", n.incident_cost),
        ),
    ]
    .into_iter()
    .map(|(metric, before, after)| MetricMove {
        metric: metric.to_string(),
        before,
        after,
    });
    let stream_moves = new.stream_metrics.iter().map(|m| {
        let old_efficiency = old.stream_metrics.iter().find(|o| o.id == m.id);
        MetricMove {
            metric: format!("Flow efficiency of the {} stream", m.id),
            before: share(old_efficiency.and_then(|o| o.current.flow_efficiency)),
            after: share(m.current.flow_efficiency),
        }
    });
    let moves = quarter_moves.chain(stream_moves);
    Some(moves.filter(|m| m.before != m.after).collect())
}

impl StoryDiff {
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Json => serde_json::to_string_pretty(self).unwrap_or_default() + "\n",
            Format::Markdown => self.markdown(),
        }
    }

    fn markdown(&self) -> String {
        let code = literal;
        let short = |s: &Option<String>| match s {
            None => "(none)".to_string(),
            Some(v) if v.is_empty() => "(empty)".to_string(),
            Some(v) if v.chars().count() > 60 => {
                literal(&format!("{}…", v.chars().take(60).collect::<String>()))
            }
            Some(v) => literal(v),
        };
        let mut out = format!(
            "## What this change does to the value story\n\nComparing {} with {}.\n\n",
            code(&self.base),
            code(&self.head)
        );
        out.push_str("### The value folder\n\n");
        if self.files.is_empty() {
            out.push_str("No file of the value folder or the configuration changes.\n\n");
        }
        for f in &self.files {
            out.push_str(&format!("- {} {}\n", f.change, code(&f.path)));
            for c in &f.fields {
                out.push_str(&format!(
                    "  - {}: {} → {}\n",
                    code(&c.field),
                    short(&c.before),
                    short(&c.after)
                ));
            }
        }
        if !self.files.is_empty() {
            out.push('\n');
        }
        out.push_str("### Problems\n\n");
        if self.problems.is_empty() {
            out.push_str("No new problems: `valuestory check` passes as before.\n\n");
        } else {
            out.push_str(&format!(
                "This change introduces {} problem{}:\n\n",
                self.problems.len(),
                if self.problems.len() == 1 { "" } else { "s" }
            ));
            for p in &self.problems {
                out.push_str(&format!(
                    "- {}: {}\n",
                    code(&format!("{}:{}:{}", p.path, p.line, p.column)),
                    literal(&p.message)
                ));
            }
            out.push('\n');
        }
        match (&self.quarter, &self.metrics_note) {
            (_, Some(note)) => out.push_str(&format!("### The numbers\n\nNot compared: {note}.\n")),
            (Some(q), None) if self.metrics.is_empty() => {
                out.push_str(&format!("### The numbers\n\nNo number of {q} changes.\n"));
            }
            (Some(q), None) => {
                out.push_str(&format!("### {q}, with this change\n\n| Measure | Before | After |\n| --- | --- | --- |\n"));
                for m in &self.metrics {
                    out.push_str(&format!(
                        "| {} | {} | {} |\n",
                        literal(&m.metric).replace('|', "\\|"),
                        literal(&m.before).replace('|', "\\|"),
                        literal(&m.after).replace('|', "\\|")
                    ));
                }
            }
            (None, None) => {
                out.push_str("### The numbers\n\nNot compared: no quarter to compare.\n")
            }
        }
        out
    }
}

/// Text from the repository as a Markdown code span, so that a pull-request comment
/// shows it as it is: no image, link, mention, heading or HTML that the text brings
/// in. The fence is longer than any run of backticks inside, and line breaks become
/// spaces so the span cannot end the paragraph.
pub fn literal(text: &str) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut longest = 0;
    let mut run = 0;
    for c in flat.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    // A span starting or ending with a backtick needs a space inside its fence.
    let pad = if flat.starts_with('`') || flat.ends_with('`') || longest > 0 {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{flat}{pad}{fence}")
}

#[cfg(test)]
mod tests {
    use super::literal;

    #[test]
    fn repository_text_is_a_code_span_that_cannot_close_early() {
        assert_eq!(
            literal("![x](http://evil/x.png)"),
            "`![x](http://evil/x.png)`"
        );
        assert_eq!(literal("@octocat"), "`@octocat`");
        assert_eq!(literal("a `b` c"), "`` a `b` c ``");
        assert_eq!(literal("``x"), "``` ``x ```");
        assert_eq!(literal("one\n# two\r\n"), "`one # two  `");
    }
}
