//! The value folder: goals, teams, value-stream maps, initiatives, incidents and case
//! studies, read from the built revision's tree (or the working tree) into typed
//! values, with every problem located. The pure parsers are in [`parse`]; this
//! module finds the files, checks what refers to what, and reads old versions of the
//! maps from history.

pub mod model;
pub mod parse;
pub mod shortcodes;
pub mod units;
pub mod yaml;

mod refs;

use std::collections::BTreeMap;

pub use model::*;
pub use refs::{CommitMatch, check_history_refs, check_refs};

use crate::error::{Located, Result};
use crate::source::Files;

/// Files above this size are refused rather than parsed.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

pub const VALUE_DIR: &str = "value";

/// The parsed folder, every problem found, and the text of each file read (for
/// snippets in error reports).
#[derive(Default)]
pub struct Loaded {
    pub folder: ValueFolder,
    pub problems: Vec<Located>,
    pub sources: BTreeMap<String, String>,
    /// A repository's own templates (`value/templates/*.html`), by name.
    pub templates: Vec<(String, String)>,
}

impl Loaded {
    fn text(&mut self, files: &Files<'_>, path: &str) -> Result<Option<String>> {
        let bytes = match files.read(path, MAX_FILE_BYTES) {
            Ok(Some(b)) => b,
            Ok(None) => return Ok(None),
            Err(e) => match refusal(e) {
                Ok((path, message)) => {
                    self.problem(&path, message);
                    return Ok(None);
                }
                Err(e) => return Err(e),
            },
        };
        match String::from_utf8(bytes) {
            Ok(text) => {
                self.sources.insert(path.to_string(), text.clone());
                Ok(Some(text))
            }
            Err(e) => {
                let valid = e.utf8_error().valid_up_to();
                let bytes = e.into_bytes();
                let line = bytes[..valid].iter().filter(|&&b| b == b'\n').count() as u64 + 1;
                self.problems.push(Located {
                    path: path.to_string(),
                    line,
                    column: 1,
                    message: "is not UTF-8 text".to_string(),
                });
                Ok(None)
            }
        }
    }

    fn problem(&mut self, path: &str, message: String) {
        self.problems.push(Located {
            path: path.to_string(),
            line: 1,
            column: 1,
            message,
        });
    }

    fn take<T>(&mut self, parsed: parse::Parsed<T>, into: &mut Vec<T>) {
        self.problems.extend(parsed.problems);
        into.extend(parsed.items);
    }

    /// One file of the folder, parsed into `into`; whether it was there and gave
    /// nothing but problems.
    fn one<T>(
        &mut self,
        files: &Files<'_>,
        path: &str,
        parse: fn(&str, &str) -> parse::Parsed<T>,
        into: &mut Vec<T>,
    ) -> Result<bool> {
        let Some(text) = self.text(files, path)? else {
            return Ok(false);
        };
        let parsed = parse(path, &text);
        let unreadable = parsed.items.is_empty() && !parsed.problems.is_empty();
        self.take(parsed, into);
        Ok(unreadable)
    }

    /// Every file of a folder with one of `extensions`, each parsed into `into`;
    /// the stems of those that gave nothing.
    fn each<T>(
        &mut self,
        files: &Files<'_>,
        dir: &str,
        extensions: &[&str],
        parse: fn(&str, &str, &str) -> parse::Parsed<T>,
        into: &mut Vec<T>,
    ) -> Result<Vec<String>> {
        let mut empty = Vec::new();
        for (path, stem) in files_in(self, files, dir, extensions)? {
            let Some(text) = self.text(files, &path)? else {
                continue;
            };
            let parsed = parse(&path, &stem, &text);
            if parsed.items.is_empty() {
                empty.push(stem);
            }
            self.take(parsed, into);
        }
        Ok(empty)
    }
}

/// A refusal to read one file or folder, as (path, message) for a located problem;
/// any other error as it was.
pub fn refusal(e: crate::error::Error) -> Result<(String, String)> {
    use crate::error::Error;
    match e {
        Error::Git(crate::git::Error::LinkOutside { path, target }) => Ok((
            path,
            format!("is a symbolic link to {target}, outside the repository; refused"),
        )),
        Error::Git(crate::git::Error::TooLarge { path, size, .. }) => Ok((
            path,
            format!(
                "is {size} bytes; value folder files may be at most {MAX_FILE_BYTES} bytes (1 MiB)"
            ),
        )),
        Error::Path { path, message } => Ok((path, message)),
        e => Err(e),
    }
}

/// Files in `dir` with one of `extensions`, as (path, stem).
fn files_in(
    loaded: &mut Loaded,
    files: &Files<'_>,
    dir: &str,
    extensions: &[&str],
) -> Result<Vec<(String, String)>> {
    let names = match files.list(dir) {
        Ok(names) => names,
        Err(e) => {
            let (path, message) = refusal(e)?;
            loaded.problem(&path, message);
            Vec::new()
        }
    };
    Ok(names
        .into_iter()
        .filter_map(|name| {
            let (stem, ext) = name.rsplit_once('.')?;
            extensions
                .contains(&ext)
                .then(|| (format!("{dir}/{name}"), stem.to_string()))
        })
        .collect())
}

/// Reads and checks the whole value folder. Problems in the files are collected, not
/// returned as errors; only a failure to read at all is an error.
pub fn load(files: &Files<'_>) -> Result<Loaded> {
    let mut loaded = Loaded::default();
    let mut folder = ValueFolder::default();
    let mut unreadable = refs::Unreadable::default();
    let at = |name: &str| format!("{VALUE_DIR}/{name}");
    const YAML: &[&str] = &["yaml", "yml"];
    let goals = &mut folder.goals;
    unreadable.goals = loaded.one(files, &at("goals.yaml"), parse::goals, goals)?;
    loaded.each(
        files,
        &at("measures"),
        YAML,
        parse::measure,
        &mut folder.measures,
    )?;
    unreadable.teams = loaded.one(files, &at("teams.yaml"), parse::teams, &mut folder.teams)?;
    let streams = &mut folder.streams;
    unreadable.streams = loaded.each(files, &at("streams"), YAML, parse::stream, streams)?;
    let initiatives = &mut folder.initiatives;
    unreadable.initiatives = loaded.each(
        files,
        &at("initiatives"),
        YAML,
        parse::initiative,
        initiatives,
    )?;
    let incidents = &mut folder.incidents;
    loaded.one(files, &at("incidents.yaml"), parse::incidents, incidents)?;
    let overrides = &mut folder.overrides;
    loaded.one(files, &at("overrides.yaml"), parse::overrides, overrides)?;
    let incidents = &mut folder.incidents;
    loaded.each(
        files,
        &at("incidents"),
        YAML,
        parse::incident_file,
        incidents,
    )?;
    let case_studies = &mut folder.case_studies;
    loaded.each(
        files,
        &at("case-studies"),
        &["md"],
        parse::case_study,
        case_studies,
    )?;
    for (path, _) in files_in(&mut loaded, files, &at("templates"), &["html"])? {
        if let Some(text) = loaded.text(files, &path)? {
            let name = path.rsplit('/').next().unwrap_or(&path).to_string();
            loaded.templates.push((name, text));
        }
    }
    folder.incidents.sort_by(|a, b| {
        a.started
            .cmp(&b.started)
            .then_with(|| a.id.value.cmp(&b.id.value))
    });
    folder
        .case_studies
        .sort_by(|a, b| b.date.cmp(&a.date).then_with(|| a.slug.cmp(&b.slug)));
    let mut problems = check_refs(&folder, &unreadable);
    problems.extend(target_problems(&folder));
    loaded.problems.append(&mut problems);
    loaded.folder = folder;
    Ok(loaded)
}

/// Problems sorted by file, line and column, each once.
pub fn sort_problems(problems: &mut Vec<Located>) {
    problems.sort_by(|a, b| {
        (&a.path, a.line, a.column, &a.message).cmp(&(&b.path, b.line, b.column, &b.message))
    });
    problems.dedup();
}

/// The evidence metrics kept per team, value stream and initiative; the others
/// exist for the whole repository only.
pub const SCOPED_EVIDENCE: [&str; 3] = ["lead_time", "deployment_frequency", "change_failure_rate"];

/// Whether an evidence row can be computed: any metric for the repository, the
/// scoped ones for a team, stream or initiative.
pub fn evidence_computable(e: &EvidenceQuery) -> bool {
    let stream = e.scope.value.starts_with("stream:");
    match e.metric {
        // Flow efficiency belongs to a value stream's map.
        "flow_efficiency" => stream,
        m => e.scope.value == "repository" || SCOPED_EVIDENCE.contains(&m),
    }
}

/// A warning for each case-study evidence row that cannot be computed, which the
/// site leaves out.
pub fn evidence_warnings(folder: &ValueFolder) -> Vec<Located> {
    folder
        .case_studies
        .iter()
        .flat_map(|c| {
            c.evidence.iter().filter(|e| !evidence_computable(e)).map(|e| Located {
                path: c.path.clone(),
                line: e.scope.at.line,
                column: e.scope.at.column,
                message: if e.metric == "flow_efficiency" {
                    format!(
                        "evidence `flow_efficiency` for `{}` cannot be computed: it belongs to a value stream (`scope: stream:<id>`); the row is left out",
                        e.scope.value
                    )
                } else {
                    format!(
                        "evidence `{}` for `{}` cannot be computed: per team, stream and initiative only {} are kept; the row is left out",
                        e.metric,
                        e.scope.value,
                        SCOPED_EVIDENCE.map(|m| format!("`{m}`")).join(", ")
                    )
                },
            })
        })
        .collect()
}

/// The delivery metrics a goal's target may name, with how their values are
/// written: the same ids as everywhere else (data.json, evidence, CSV).
pub fn delivery_unit(metric: &str) -> Option<MeasureUnit> {
    use crate::metric::Key;
    // Goals name the four keys by their ids only.
    match Key::ALL.into_iter().find(|k| k.id() == metric)? {
        Key::LeadTime | Key::RecoveryTime => Some(MeasureUnit::Duration),
        Key::ChangeFailureRate => Some(MeasureUnit::Percent),
        Key::Deployments => Some(MeasureUnit::Number),
        Key::DeploymentsPerWeek
        | Key::FailedDeployments
        | Key::ReworkRate
        | Key::FlowTime
        | Key::FlowEfficiency => None,
    }
}

/// How a target's values are read: a delivery metric's unit, or its measure's.
pub fn target_unit(folder: &ValueFolder, metric: &str) -> Option<MeasureUnit> {
    delivery_unit(metric).or_else(|| {
        folder
            .measures
            .iter()
            .find(|m| m.id == metric)
            .map(|m| m.unit)
    })
}

/// A measured target whose value does not read in its metric's unit.
fn target_problems(folder: &ValueFolder) -> Vec<Located> {
    let mut out = Vec::new();
    for g in &folder.goals {
        for t in &g.targets {
            let Some(unit) = target_unit(folder, &t.metric) else {
                continue;
            };
            if let Err(message) = unit.parse_value(&t.target) {
                out.push(Located {
                    path: g.path.clone(),
                    line: t.target_at.line,
                    column: t.target_at.column,
                    message: format!("target of `{}`: {message}", t.metric),
                });
            }
        }
    }
    out
}
