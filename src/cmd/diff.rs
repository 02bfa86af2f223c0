//! `valuestory diff BASE[..HEAD]`: what a pull request changes in the story. The
//! value-folder files it adds, changes (field by field) or removes, the problems it
//! introduces, and how the latest quarter's numbers move when the head's value
//! folder replaces the base's over the same history.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::content::yaml::{self, Node, Value};
use crate::error::{Located, Result};
use crate::git::Repository;
use crate::pipeline::{self, Input, Options};
use crate::source::Files;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Markdown,
    Json,
}

#[derive(Debug, Serialize)]
pub struct FileChange {
    pub path: String,
    /// `added`, `changed` or `removed`.
    pub change: &'static str,
    pub fields: Vec<FieldChange>,
}

#[derive(Debug, Serialize)]
pub struct FieldChange {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct MetricMove {
    pub metric: String,
    pub before: String,
    pub after: String,
}

#[derive(Debug, Serialize)]
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
        Some((b, h)) => (
            b.to_string(),
            if h.is_empty() {
                "HEAD".to_string()
            } else {
                h.to_string()
            },
        ),
        None => (range.to_string(), "HEAD".to_string()),
    };
    let repo = Repository::discover(source.repo.as_deref())?;
    let (base_id, head_id) = (repo.resolve(&base)?, repo.resolve(&head)?);
    let before = value_files(&Files::Tree {
        repo: &repo,
        commit: base_id,
    })?;
    let after = value_files(&Files::Tree {
        repo: &repo,
        commit: head_id,
    })?;
    let mut files = Vec::new();
    let mut paths: Vec<&String> = before.keys().chain(after.keys()).collect();
    paths.sort();
    paths.dedup();
    for path in paths {
        let change = match (before.get(path), after.get(path)) {
            (None, Some(_)) => FileChange {
                path: path.clone(),
                change: "added",
                fields: Vec::new(),
            },
            (Some(_), None) => FileChange {
                path: path.clone(),
                change: "removed",
                fields: Vec::new(),
            },
            (Some(a), Some(b)) if a != b => FileChange {
                path: path.clone(),
                change: "changed",
                fields: compare(path, a, b),
            },
            _ => continue,
        };
        files.push(change);
    }

    let at = |rev: &str, value_rev: Option<&str>| Options {
        rev: rev.to_string(),
        worktree: false,
        value_rev: value_rev.map(str::to_string),
        changes_wanted: true,
        ..source.clone()
    };
    let mut head_input = pipeline::read(&at(&head, None))?;
    let base_input = pipeline::read(&at(&base, None))?;
    // The repository's templates count too, held to `--untrusted` when it is given.
    let templates =
        |input: &Input, rev: &str| crate::cmd::check::template_problems(input, &at(rev, None));
    let mut base_problems = base_input.problems.clone();
    base_problems.extend(templates(&base_input, &base));
    if let Some(p) = templates(&head_input, &head) {
        head_input.problems.push(p);
    }
    let known: Vec<(String, String)> = base_problems
        .iter()
        .map(|p| (p.path.clone(), p.message.clone()))
        .collect();
    let problems: Vec<Located> = head_input
        .problems
        .iter()
        .filter(|p| !known.contains(&(p.path.clone(), p.message.clone())))
        .cloned()
        .collect();
    drop(base_input);

    let mut diff = StoryDiff {
        base,
        head: head.clone(),
        files,
        problems,
        quarter: None,
        metrics: Vec::new(),
        metrics_note: None,
    };
    let old_value = pipeline::read(&at(&head, Some(&diff.base)))?;
    if !head_input.problems.is_empty() {
        diff.metrics_note =
            Some("the head's value folder has problems, so its numbers cannot be computed".into());
        return Ok(diff);
    }
    if !old_value.problems.is_empty() {
        diff.metrics_note = Some(
            "the base's value folder has problems, so there is nothing to compare with".into(),
        );
        return Ok(diff);
    }
    let (new_data, old_data) = (
        pipeline::report(&head_input, &head, None),
        pipeline::report(&old_value, &head, None),
    );
    let Some(quarter) = new_data.narrative.latest.clone() else {
        diff.metrics_note = Some("the history has no quarter yet".into());
        return Ok(diff);
    };
    let find = |d: &crate::report::Data| {
        d.periods
            .get("quarter")
            .and_then(|q| q.iter().find(|p| p.period == quarter))
            .cloned()
    };
    let (Some(new), Some(old)) = (find(&new_data), find(&old_data)) else {
        return Ok(diff);
    };
    let pct = |v: Option<f64>| v.map_or("–".to_string(), |v| format!("{:.1}%", v * 100.0));
    let dur = |v: Option<i64>| v.map_or("–".to_string(), crate::render::human_duration);
    let moves = vec![
        (
            "Change failure rate",
            pct(old.change_failure_rate),
            pct(new.change_failure_rate),
        ),
        (
            "Failed releases",
            old.failed_deployments.to_string(),
            new.failed_deployments.to_string(),
        ),
        (
            "Median recovery time",
            dur(old.recovery_time.map(|r| r.median_seconds)),
            dur(new.recovery_time.map(|r| r.median_seconds)),
        ),
        ("Rework rate", pct(old.rework_rate), pct(new.rework_rate)),
        (
            "Incidents",
            old.incidents.to_string(),
            new.incidents.to_string(),
        ),
        (
            "Incident cost",
            format!("{:.0}", old.incident_cost),
            format!("{:.0}", new.incident_cost),
        ),
    ];
    for m in &new_data.stream_metrics {
        let old_eff = old_data
            .stream_metrics
            .iter()
            .find(|o| o.id == m.id)
            .and_then(|o| o.current.flow_efficiency);
        diff.metrics.push(MetricMove {
            metric: format!("Flow efficiency of the {} stream", m.id),
            before: pct(old_eff),
            after: pct(m.current.flow_efficiency),
        });
    }
    let streams = std::mem::take(&mut diff.metrics);
    diff.metrics = moves
        .into_iter()
        .filter(|(name, _, _)| !name.is_empty())
        .map(|(metric, before, after)| MetricMove {
            metric: metric.to_string(),
            before,
            after,
        })
        .chain(streams)
        .filter(|m| m.before != m.after)
        .collect();
    diff.quarter = Some(quarter);
    Ok(diff)
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
