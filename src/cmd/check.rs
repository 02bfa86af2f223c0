//! `valuestory check`: every problem in the configuration and the value folder, in
//! one run, for people (with the line in context), tools (JSON) or GitHub Actions
//! (annotations).

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::error::{Located, Result};
use crate::pipeline::{self, Input, Options};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Github,
}

/// The problems found (errors: a build refuses them) and the warnings (a build goes
/// on, leaving something out), each sorted, and the text of the files they are in.
pub struct Checked {
    pub problems: Vec<Located>,
    pub warnings: Vec<Located>,
    pub sources: BTreeMap<String, String>,
}

/// How much a problem matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

pub fn run(source: &Options) -> Result<Checked> {
    let input = pipeline::read(source)?;
    let mut problems = input.problems.clone();
    problems.extend(template_problems(&input, source));
    Ok(Checked {
        problems,
        warnings: input.cautions.clone(),
        sources: input.value.sources,
    })
}

/// A repository's own templates rendered as a build would render them, so that
/// their errors (a missing or looping include, markup `--untrusted` refuses) show
/// before a build; nothing when the value folder has problems of its own.
pub fn template_problems(input: &Input, source: &Options) -> Option<Located> {
    if !input.problems.is_empty() || input.value.templates.is_empty() {
        return None;
    }
    let data = pipeline::report(input, &source.rev, None);
    pipeline::render(input, &data, source.untrusted)
        .err()
        .map(|e| template_problem(&e, &input.value.templates))
}

/// A rendering error as a problem at its place in the repository's template: where
/// tera points (`--> name:line:col`) or the message says (`line N:`) inside one of
/// them, else at the start of the one it names, else of the first (only an override
/// can break a built-in template).
fn template_problem(e: &crate::render::RenderError, overrides: &[(String, String)]) -> Located {
    let is_override = |n: &str| overrides.iter().any(|(o, _)| o == n);
    let message = format!("template {}: {}", e.template, e.message);
    let at = |path: &str, line: u64, column: u64| Located {
        path: format!("value/templates/{path}"),
        line,
        column,
        message: message.clone(),
    };
    for pointer in e.message.split("--> ").skip(1) {
        let place: String = pointer.chars().take_while(|c| !c.is_whitespace()).collect();
        let mut parts = place.rsplitn(3, ':');
        let (col, line, name) = (parts.next(), parts.next(), parts.next());
        if let (Some(name), Some(Ok(line)), Some(Ok(col))) =
            (name, line.map(str::parse), col.map(str::parse))
            && is_override(name)
        {
            return at(name, line, col);
        }
    }
    let name = e.template.trim_start_matches("value/templates/");
    if is_override(name) {
        return at(name, line_in(&e.message).unwrap_or(1), 1);
    }
    at(overrides.first().map_or(name, |(n, _)| n.as_str()), 1, 1)
}

/// The line a message names, as `line 12:` or `:12:`.
fn line_in(message: &str) -> Option<u64> {
    let at = message.find("line ")? + 5;
    let digits: String = message[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

impl Checked {
    /// Errors, then warnings, each with its severity.
    fn all(&self) -> impl Iterator<Item = (Severity, &Located)> {
        let errors = self.problems.iter().map(|p| (Severity::Error, p));
        errors.chain(self.warnings.iter().map(|p| (Severity::Warning, p)))
    }

    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Human => self.human(),
            Format::Json => {
                #[derive(serde::Serialize, schemars::JsonSchema)]
                struct Item<'a> {
                    #[serde(flatten)]
                    at: &'a Located,
                    severity: Severity,
                }
                let items: Vec<Item<'_>> = self
                    .all()
                    .map(|(severity, at)| Item { at, severity })
                    .collect();
                let mut s = serde_json::to_string_pretty(&items).unwrap_or_else(|_| "[]".into());
                s.push('\n');
                s
            }
            Format::Github => self
                .all()
                .map(|(severity, p)| {
                    format!(
                        "::{} file={},line={},col={}::{}\n",
                        match severity {
                            Severity::Error => "error",
                            Severity::Warning => "warning",
                        },
                        escape_property(&p.path),
                        p.line,
                        p.column,
                        escape_data(&p.message)
                    )
                })
                .collect(),
        }
    }

    /// `path:line:col: message` (`warning: message` for warnings), then the line
    /// with a caret under the column.
    fn human(&self) -> String {
        let mut out = String::new();
        for (severity, p) in self.all() {
            match severity {
                Severity::Error => {
                    let _ = writeln!(out, "{p}");
                }
                Severity::Warning => {
                    let _ = writeln!(
                        out,
                        "{}:{}:{}: warning: {}",
                        p.path, p.line, p.column, p.message
                    );
                }
            }
            let Some(line) = self
                .sources
                .get(&p.path)
                .and_then(|text| text.lines().nth(p.line.saturating_sub(1) as usize))
            else {
                continue;
            };
            let number = p.line.to_string();
            let pad = " ".repeat(number.len());
            let line: String = line
                .chars()
                .map(|c| if c == '\t' { ' ' } else { c })
                .collect();
            let caret = " ".repeat(p.column.saturating_sub(1) as usize);
            let _ = writeln!(out, "{pad} |\n{number} | {line}\n{pad} | {caret}^");
        }
        out
    }
}

/// GitHub workflow commands: `%`, CR and LF escaped in the message...
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// ...and `:` and `,` too in properties.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}
