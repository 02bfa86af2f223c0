//! Stage 6, check references: what the value folder names in the history (tags,
//! commits), and what it asks for that cannot be shown, left out with a caution.

use std::cell::OnceCell;
use std::collections::BTreeMap;

use crate::changes::Changes;
use crate::content::model::Initiative;
use crate::content::{self, CommitMatch};
use crate::error::{Located, Result};
use crate::git::Repository;
use crate::history::{Commit, History};
use crate::metrics::work::{counted_work, linked, matches_rules};
use crate::releases::{self, Correlation};
use crate::report::Scope;
use crate::time::rfc3339;

use super::Options;
use super::config::Configured;

/// The problems (a build refuses them) and cautions (it goes on without), sorted.
pub struct Checked {
    pub problems: Vec<Located>,
    pub cautions: Vec<Located>,
}

pub fn run(
    repo: &Repository,
    history: &History,
    correlation: &Correlation,
    changes: Option<&Changes>,
    config: &Configured,
    value: &content::Loaded,
    options: &Options,
) -> Result<Checked> {
    let mut problems = config.problems.clone();
    // Incidents may name any tag: in a component build, the product's releases too.
    let all_tags = repo.tag_names()?;
    let release_tags: Vec<&str> = all_tags.iter().map(String::as_str).collect();
    // Sorted commit ids, made only when an incident names something that is not a tag.
    let hex = OnceCell::new();
    let by_prefix = |prefix: &str| {
        let hex = hex.get_or_init(|| {
            let mut hex: Vec<String> = history.commits.iter().map(|c| c.id.to_hex()).collect();
            hex.sort_unstable();
            hex
        });
        commit_by_prefix(hex, prefix)
    };
    problems.extend(content::check_history_refs(
        &value.folder,
        &release_tags,
        by_prefix,
    ));
    problems.extend(value.problems.iter().cloned());
    content::sort_problems(&mut problems);

    let mut cautions = content::evidence_warnings(&value.folder);
    if let Some(scope) = &config.scope {
        cautions.extend(dropped_tags(scope, history, correlation, changes));
    }
    for i in value
        .folder
        .initiatives
        .iter()
        .filter(|i| i.started.is_some())
    {
        cautions.extend(early_work(i, history, correlation, changes));
    }
    cautions.extend(unlogged_failures(correlation));
    cautions.extend(uncommitted(repo, config, value, options));
    content::sort_problems(&mut cautions);
    Ok(Checked { problems, cautions })
}

/// A full commit id, or an unambiguous prefix of at least 7 hex digits.
fn commit_by_prefix(sorted_hex: &[String], prefix: &str) -> CommitMatch {
    let prefix = prefix.to_ascii_lowercase();
    if prefix.len() < 7 || prefix.len() > 40 || !prefix.bytes().all(|b| b.is_ascii_hexdigit()) {
        return CommitMatch::None;
    }
    let start = sorted_hex.partition_point(|h| h.as_str() < prefix.as_str());
    let matches = sorted_hex[start..]
        .iter()
        .take(2)
        .filter(|h| h.starts_with(&prefix))
        .count();
    match matches {
        0 => CommitMatch::None,
        1 => CommitMatch::One,
        _ => CommitMatch::Ambiguous,
    }
}

/// A caution at the top of a file.
fn caution(path: &str, message: String) -> Located {
    Located {
        path: path.to_string(),
        line: 1,
        column: 1,
        message,
    }
}

/// `n` with its noun, and the verb forms that agree with it.
fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// A component whose code moved loses the releases of its old home: say which,
/// and where its code seems to have lived.
fn dropped_tags(
    scope: &Scope,
    history: &History,
    correlation: &Correlation,
    changes: Option<&Changes>,
) -> Option<Located> {
    let id = scope.component.as_ref()?;
    if correlation.dropped.is_empty() {
        return None;
    }
    let tags: Vec<&str> = correlation
        .dropped
        .iter()
        .map(|(t, _)| t.as_str())
        .collect();
    let suggestion = changes
        .and_then(|changes| old_home(scope, history, correlation, changes))
        .map(|old| {
            format!(
                "; their commits changed `{old}`: if the code lived there before, add it to the component's `paths`"
            )
        })
        .unwrap_or_default();
    let shown = if tags.len() > 5 {
        format!("{}, … {}", tags[..3].join(", "), tags[tags.len() - 1])
    } else {
        tags.join(", ")
    };
    let n = tags.len();
    Some(caution(
        "valuestory.yaml",
        format!(
            "component {id}: {n} {} ({shown}) {} dropped, since none of {} commits touch {}{suggestion}",
            plural(n, "tag", "tags"),
            plural(n, "was", "were"),
            plural(n, "its", "their"),
            scope.paths.join(", ")
        ),
    ))
}

/// A folder of the same name as one of the component's, elsewhere, that the
/// dropped releases changed most.
fn old_home(
    scope: &Scope,
    history: &History,
    correlation: &Correlation,
    changes: &Changes,
) -> Option<String> {
    let mut found: BTreeMap<String, usize> = BTreeMap::new();
    for p in &scope.paths {
        let name = p
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or_default();
        if name.is_empty() {
            continue;
        }
        let commits = correlation.dropped.iter().flat_map(|(_, c)| c);
        for &c in commits {
            for f in changes.of(&history.commits[c as usize].id) {
                let path = changes.path(f.path);
                let at = if path.starts_with(&format!("{name}/")) {
                    Some(0)
                } else {
                    path.find(&format!("/{name}/")).map(|i| i + 1)
                };
                if let Some(at) = at {
                    *found
                        .entry(path[..at + name.len() + 1].to_string())
                        .or_default() += 1;
                }
            }
        }
    }
    found
        .into_iter()
        .filter(|(p, _)| !scope.paths.contains(p))
        .max_by_key(|(_, n)| *n)
        .map(|(p, _)| p)
}

/// An initiative links only the work inside its dates. Work before `started` that
/// its rules match is worth a look (a scope that existed long before the
/// initiative, say); work after `finished` under the same rules is the
/// maintenance that follows, and is left out without a word.
fn early_work(
    i: &Initiative,
    history: &History,
    correlation: &Correlation,
    changes: Option<&Changes>,
) -> Option<Located> {
    let started = i.started?;
    let outside: Vec<&Commit> = counted_work(history, correlation)
        .filter(|(_, c)| {
            c.author_time.seconds < started.start_seconds()
                && matches_rules(i, c, None, changes)
                && !linked(i, c, None, changes)
        })
        .map(|(_, c)| c)
        .collect();
    let first = outside.iter().map(|c| c.author_time.seconds).min()?;
    let last = outside.iter().map(|c| c.author_time.seconds).max()?;
    let n = outside.len();
    Some(caution(
        &i.path,
        format!(
            "initiative {}: {n} {} authored from {} to {} {} its rules but {} before it started ({started}), so {} not linked",
            i.id,
            plural(n, "commit", "commits"),
            &rfc3339(first)[..10],
            &rfc3339(last)[..10],
            plural(n, "matches", "match"),
            plural(n, "falls", "fall"),
            plural(n, "it is", "they are"),
        ),
    ))
}

/// With the incident log declared complete, what the history suggests and the log
/// does not hold is worth a look.
fn unlogged_failures(correlation: &Correlation) -> impl Iterator<Item = Located> + '_ {
    let unlogged = correlation
        .releases
        .iter()
        .filter(|r| !r.suspected.is_empty() && r.failure_evidence.is_empty());
    unlogged.map(|r| {
        let why: Vec<String> = r.suspected.iter().map(releases::Evidence::describe).collect();
        caution(
            "valuestory.yaml",
            format!(
                "unlogged suspected failure: {} ({}); log an incident, or say in value/overrides.yaml why it did not fail",
                r.tag,
                why.join("; ")
            ),
        )
    })
}

/// Files written (by `init`, say) but not committed: this run reads the revision,
/// which does not have them.
fn uncommitted(
    repo: &Repository,
    config: &Configured,
    value: &content::Loaded,
    options: &Options,
) -> Vec<Located> {
    let Some(workdir) = repo
        .workdir()
        .filter(|_| !options.worktree && options.config.is_none())
    else {
        return Vec::new();
    };
    let mut files = Vec::new();
    if config.text.is_none() && workdir.join("valuestory.yaml").is_file() {
        files.push("valuestory.yaml");
    }
    if !value.sources.keys().any(|p| p.starts_with("value/")) && workdir.join("value").is_dir() {
        files.push("value/");
    }
    let message = format!(
        "in the working tree but not in {}, which this run reads: commit it, or pass --worktree",
        options.rev
    );
    files
        .into_iter()
        .map(|f| caution(f, message.clone()))
        .collect()
}
