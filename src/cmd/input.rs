//! What every verb that reads a repository reads: the configuration, the history
//! and its releases, and the value folder, with every problem in the user's files
//! collected rather than stopping at the first.

use std::path::PathBuf;

use crate::changes::{self, CachePlace, Changes};
use crate::config::{self, Settings};
use crate::content::{self, CommitMatch};
use crate::error::{Error, Located, Result};
use crate::git::{CommitCache, Mailmap, Repository};
use crate::history::{CommitId, History, TagTarget};
use crate::releases::{self, Correlation};
use crate::source::{Files, Worktree};

/// Which repository and revision, and how to configure the run.
#[derive(Debug, Clone)]
pub struct Source {
    pub repo: Option<PathBuf>,
    pub rev: String,
    pub worktree: bool,
    pub config: Option<PathBuf>,
    pub tag_pattern: Option<String>,
    /// Build one component of a monorepo: its paths and its tags only.
    pub component: Option<String>,
    /// A pull-request export on this machine (over `pull_requests:` in the config).
    pub pull_requests: Option<PathBuf>,
    pub cache: CachePlace,
    /// Show progress bars (on a terminal, unless quiet).
    pub progress: bool,
    /// Whether to compute per-commit changes when a feature needs them (`check`
    /// does not).
    pub changes_wanted: bool,
    /// Read the config and value folder from this revision instead of `rev` (for
    /// `diff`: the base's value folder over the head's history).
    pub value_rev: Option<String>,
    /// The repository may be a stranger's: hold its templates to the rules of
    /// `--untrusted`.
    pub untrusted: bool,
}

impl Default for Source {
    fn default() -> Source {
        Source {
            repo: None,
            rev: "HEAD".to_string(),
            worktree: false,
            config: None,
            tag_pattern: None,
            component: None,
            pull_requests: None,
            cache: CachePlace::GitDir,
            progress: false,
            changes_wanted: true,
            value_rev: None,
            untrusted: false,
        }
    }
}

pub use crate::report::Scope;

pub struct Input {
    pub repo: Repository,
    pub head: CommitId,
    pub settings: Settings,
    pub history: History,
    pub correlation: Correlation,
    pub value: content::Loaded,
    /// Per-commit changed paths, when a feature needs them.
    pub changes: Option<Changes>,
    /// Merged pull requests from an export, when one was given.
    pub pull_requests: Vec<crate::pull_requests::Exported>,
    pub scope: Option<Scope>,
    /// How many commits' changes came from the cache and how many were computed.
    pub diff_stats: Option<changes::Stats>,
    pub warnings: Vec<String>,
    /// Every problem in the configuration and the value folder, sorted.
    pub problems: Vec<Located>,
    /// What the value folder asks for that cannot be shown, left out with a
    /// warning: `check` reports them, `--strict` fails on them.
    pub cautions: Vec<Located>,
}

/// A mailmap larger than this is refused (the largest public ones are a few
/// hundred kilobytes).
const MAX_MAILMAP_BYTES: u64 = 16 * 1024 * 1024;

pub fn read(source: &Source) -> Result<Input> {
    let repo = Repository::discover(source.repo.as_deref())?;
    repo.require_full_history()?;
    let head = repo.resolve(&source.rev)?;
    let files = match source.worktree {
        true => Files::Worktree(Worktree::of(&repo)?),
        false => Files::Tree {
            repo: &repo,
            commit: match &source.value_rev {
                Some(rev) => repo.resolve(rev)?,
                None => head,
            },
        },
    };
    let mut problems = Vec::new();
    let (settings, config_text) = match load_settings(&files, source) {
        Ok(s) => s,
        Err(Error::Located(l)) => {
            problems.push(l);
            (Settings::default(), None)
        }
        Err(e) => return Err(e),
    };
    let mailmap = match files.read(".mailmap", MAX_MAILMAP_BYTES)? {
        Some(bytes) => Mailmap::parse(&String::from_utf8_lossy(&bytes)),
        None => Mailmap::empty(),
    };
    let mut value = content::load(&files)?;
    // Files written (by `init`, say) but not committed: this run reads the
    // revision, which does not have them.
    let mut uncommitted = Vec::new();
    if !source.worktree
        && source.config.is_none()
        && let Some(workdir) = repo.workdir()
    {
        if config_text.is_none() && workdir.join("valuestory.yaml").is_file() {
            uncommitted.push("valuestory.yaml");
        }
        if !value.sources.keys().any(|p| p.starts_with("value/")) && workdir.join("value").is_dir()
        {
            uncommitted.push("value/");
        }
    }
    if let Some((path, text)) = config_text {
        value.sources.insert(path, text);
    }
    // A pull-request export: named on the command line (a file on this machine),
    // else by `pull_requests:` in the config (a file in the repository).
    let export = match (&source.pull_requests, &settings.pull_requests) {
        (Some(path), _) => Some((
            path.display().to_string(),
            crate::source::read_limited(path, crate::pull_requests::MAX_BYTES)?,
        )),
        (None, Some(path)) => match files.read(path, crate::pull_requests::MAX_BYTES)? {
            Some(bytes) => Some((path.clone(), bytes)),
            None => {
                problems.push(crate::error::Located {
                    path: "valuestory.yaml".into(),
                    line: 1,
                    column: 1,
                    message: format!("`pull_requests: {path}` names no file in the repository"),
                });
                None
            }
        },
        (None, None) => None,
    };
    let pull_requests = match export {
        Some((name, bytes)) => match crate::pull_requests::parse(&name, &bytes) {
            Ok(list) => list,
            Err(l) => {
                problems.push(l);
                Vec::new()
            }
        },
        None => Vec::new(),
    };
    drop(files);

    let mut settings = settings;
    let mut warnings = Vec::new();
    let scope = match &source.component {
        Some(id) => {
            let Some(component) = settings.components.iter().find(|c| &c.id == id).cloned() else {
                let known: Vec<&str> = settings.components.iter().map(|c| c.id.as_str()).collect();
                return Err(Error::Refused(format!(
                    "no component `{id}`{} in the configuration; components are listed under `components:` in valuestory.yaml",
                    content::yaml::hint(id, &known)
                )));
            };
            if let Some(pattern) = component.tag_pattern() {
                settings.tag_pattern = pattern;
            }
            Some(Scope {
                component: Some(component.id),
                paths: component.paths,
            })
        }
        None if !settings.paths.is_empty() => Some(Scope {
            component: None,
            paths: settings.paths.clone(),
        }),
        None => None,
    };

    let tags = repo.tags(|name| settings.tag_pattern.is_match(name))?;
    let mut starts = vec![head];
    starts.extend(tags.iter().filter_map(|t| match t.target {
        TagTarget::Commit(id) => Some(id),
        TagTarget::Other(_) => None,
    }));
    // Raw commits are kept between builds where the diff cache is (`--cache-dir`,
    // `--no-cache`); failing to write them only costs the next build time.
    let cache_dir = changes::cache_dir(&source.cache, repo.git_dir());
    let mut commit_cache = match &cache_dir {
        Some(dir) => CommitCache::load(dir, &mut warnings),
        None => CommitCache::off(),
    };
    let history =
        repo.history_with_progress(&starts, &mailmap, source.progress, &mut commit_cache)?;
    if let Some(dir) = &cache_dir {
        let _ = commit_cache.save(dir);
    }
    drop(commit_cache);

    let needs_changes = scope.is_some()
        || (source.changes_wanted
            && (value.folder.teams.iter().any(|t| !t.paths.is_empty())
                || value
                    .folder
                    .initiatives
                    .iter()
                    .any(|i| !i.matching.paths.is_empty())));
    let mut diff_stats = None;
    let changes = if needs_changes {
        let tree_of: crate::history::IdMap<CommitId> =
            history.commits.iter().map(|c| (c.id, c.tree)).collect();
        let commits: Vec<changes::Job> = history
            .commits
            .iter()
            .filter(|c| !c.is_merge())
            .map(|c| changes::Job {
                commit: c.id,
                tree: c.tree,
                parent_tree: c.parents.first().and_then(|p| tree_of.get(p).copied()),
                time: c.committer_time.seconds,
            })
            .collect();
        let cache = source
            .cache
            .for_replacements(repo.git_dir(), repo.replacements_fingerprint());
        let options = changes::Options {
            cache: &cache,
            progress: source.progress,
        };
        let (changes, stats) = changes::compute(repo.git_dir(), &commits, &options, &mut warnings)?;
        diff_stats = Some(stats);
        Some(changes)
    } else {
        None
    };
    let counts = |c: &crate::history::Commit| match (&scope, &changes) {
        (Some(scope), Some(changes)) => changes.touches(&c.id, &scope.paths),
        _ => true,
    };
    let mut correlation = releases::correlate(
        &history,
        &tags,
        head,
        &settings,
        scope
            .is_some()
            .then_some(&counts as &dyn Fn(&crate::history::Commit) -> bool),
    );
    let incidents: Vec<releases::IncidentRef<'_>> = value
        .folder
        .incidents
        .iter()
        .map(|i| releases::IncidentRef {
            id: &i.id.value,
            caused_by: i.caused_by.as_ref().map(|s| s.value.as_str()),
            fixed_by: i.fixed_by.as_ref().map(|s| s.value.as_str()),
        })
        .collect();
    // Reverts: a reverted commit that changed only paths outside the product (CI,
    // docs, the website) shows no production failure. Those few commits' paths are
    // read from their trees when the build has not read every commit's changes.
    let pairs = releases::reverts(&history);
    let store = match (&changes, pairs.is_empty() || !settings.signals.reverts) {
        (None, false) => crate::git::ObjectStore::open_unmapped(repo.git_dir()).ok(),
        _ => None,
    };
    let mut differ = store
        .as_ref()
        .map(|s| crate::git::Differ::with_cache(s, 4 << 20));
    let mut paths_of = |id: &CommitId| -> Option<Vec<String>> {
        if let Some(changes) = &changes {
            return Some(
                changes
                    .of(id)
                    .iter()
                    .map(|f| changes.path(f.path).to_string())
                    .collect(),
            );
        }
        differ.as_mut()?.changed_paths(*id).ok()
    };
    let non_product_commits: std::collections::HashSet<CommitId> =
        if settings.signals.non_product_paths.is_empty() {
            Default::default()
        } else {
            // Only a revert that would otherwise fail a release needs them.
            let would_fail = |p: &&releases::RevertPair| {
                let (by, of) = (correlation.owner[p.revert], correlation.owner[p.reverted]);
                match (by, of) {
                    (Some(b), Some(o)) if b > o => {
                        let r = &correlation.releases;
                        r[b as usize].time - r[o as usize].time <= settings.signals.revert_window
                    }
                    _ => false,
                }
            };
            pairs
                .iter()
                .filter(would_fail)
                .map(|p| history.commits[p.reverted].id)
                .filter(|id| {
                    paths_of(id).is_some_and(|paths| {
                        !paths.is_empty()
                            && paths
                                .iter()
                                .all(|p| changes::under(p, &settings.signals.non_product_paths))
                    })
                })
                .collect()
        };
    let non_product = |id: &CommitId| non_product_commits.contains(id);
    let overrides = &value.folder.overrides;
    let skip = |id: &CommitId| {
        overrides
            .iter()
            .find(|o| {
                o.not_a_revert_of_failure
                    && o.commit
                        .as_ref()
                        .is_some_and(|c| id.to_hex().starts_with(&c.value.to_ascii_lowercase()))
            })
            .map(|o| o.reason.clone())
    };
    releases::apply_reverts(
        &mut correlation,
        &history,
        &settings,
        &pairs,
        &non_product,
        &skip,
    );
    releases::apply_incidents(&mut correlation, &history, &incidents);
    if settings.incidents_complete {
        releases::only_logged_failures(&mut correlation);
    }
    releases::apply_overrides(&mut correlation, overrides);
    warnings.extend(correlation.warnings.iter().cloned());

    // Incidents may name any tag: in a component build, the product's releases too.
    let all_tags = repo.tag_names()?;
    let release_tags: Vec<&str> = all_tags.iter().map(String::as_str).collect();
    // Sorted commit ids, made only when an incident names something that is not a tag.
    let hex = std::cell::OnceCell::new();
    problems.extend(content::check_history_refs(
        &value.folder,
        &release_tags,
        |prefix| {
            let hex = hex.get_or_init(|| {
                let mut hex: Vec<String> = history.commits.iter().map(|c| c.id.to_hex()).collect();
                hex.sort_unstable();
                hex
            });
            commit_by_prefix(hex, prefix)
        },
    ));
    problems.append(&mut value.problems);
    content::sort_problems(&mut problems);
    let mut cautions = content::evidence_warnings(&value.folder);
    // A component whose code moved loses the releases of its old home: say which,
    // and where its code seems to have lived.
    if let Some(scope) = &scope
        && let Some(id) = &scope.component
        && !correlation.dropped.is_empty()
    {
        let tags: Vec<&str> = correlation
            .dropped
            .iter()
            .map(|(t, _)| t.as_str())
            .collect();
        let mut suggestion = String::new();
        if let Some(changes) = &changes {
            // A folder of the same name elsewhere that the dropped releases changed.
            let mut found: std::collections::BTreeMap<String, usize> = Default::default();
            for p in &scope.paths {
                let name = p
                    .trim_end_matches('/')
                    .rsplit('/')
                    .next()
                    .unwrap_or_default();
                if name.is_empty() {
                    continue;
                }
                for (_, commits) in &correlation.dropped {
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
            }
            if let Some((old, _)) = found
                .iter()
                .filter(|(p, _)| !scope.paths.contains(p))
                .max_by_key(|(_, n)| **n)
            {
                suggestion = format!(
                    "; their commits changed `{old}`: if the code lived there before, add it to the component's `paths`"
                );
            }
        }
        let shown = if tags.len() > 5 {
            format!("{}, … {}", tags[..3].join(", "), tags[tags.len() - 1])
        } else {
            tags.join(", ")
        };
        cautions.push(crate::error::Located {
            path: "valuestory.yaml".to_string(),
            line: 1,
            column: 1,
            message: format!(
                "component {id}: {} ({shown}) {} dropped, since none of {} commits touch {}{suggestion}",
                match tags.len() {
                    1 => "1 tag".to_string(),
                    n => format!("{n} tags"),
                },
                if tags.len() == 1 { "was" } else { "were" },
                if tags.len() == 1 { "its" } else { "their" },
                scope.paths.join(", ")
            ),
        });
    }
    // An initiative links only the work inside its dates. Work before `started`
    // that its rules match is worth a look (a scope that existed long before the
    // initiative, say); work after `finished` under the same rules is the
    // maintenance that follows, and is left out without a word.
    for i in value
        .folder
        .initiatives
        .iter()
        .filter(|i| i.started.is_some())
    {
        let outside: Vec<&crate::history::Commit> = history
            .commits
            .iter()
            .enumerate()
            .filter(|(k, c)| {
                !c.is_merge()
                    && correlation.counted[*k]
                    && i.started
                        .is_some_and(|d| c.author_time.seconds < d.start_seconds())
                    && crate::metrics::work::matches_rules(i, c, None, changes.as_ref())
                    && !crate::metrics::work::linked(i, c, None, changes.as_ref())
            })
            .map(|(_, c)| c)
            .collect();
        if let (Some(first), Some(last)) = (
            outside.iter().map(|c| c.author_time.seconds).min(),
            outside.iter().map(|c| c.author_time.seconds).max(),
        ) {
            cautions.push(crate::error::Located {
                path: i.path.clone(),
                line: 1,
                column: 1,
                message: format!(
                    "initiative {}: {} authored from {} to {} {} its rules but {} before it started ({}), so {} not linked",
                    i.id,
                    match outside.len() {
                        1 => "1 commit".to_string(),
                        n => format!("{n} commits"),
                    },
                    &crate::time::rfc3339(first)[..10],
                    &crate::time::rfc3339(last)[..10],
                    if outside.len() == 1 { "matches" } else { "match" },
                    if outside.len() == 1 { "falls" } else { "fall" },
                    i.started.map_or(String::new(), |d| d.to_string()),
                    if outside.len() == 1 { "it is" } else { "they are" },
                ),
            });
        }
    }
    // With the incident log declared complete, what the history suggests and the
    // log does not hold is worth a look.
    for r in correlation
        .releases
        .iter()
        .filter(|r| !r.suspected.is_empty() && r.failure_evidence.is_empty())
    {
        let why: Vec<String> = r
            .suspected
            .iter()
            .map(releases::Evidence::describe)
            .collect();
        cautions.push(crate::error::Located {
            path: "valuestory.yaml".to_string(),
            line: 1,
            column: 1,
            message: format!(
                "unlogged suspected failure: {} ({}); log an incident, or say in value/overrides.yaml why it did not fail",
                r.tag,
                why.join("; ")
            ),
        });
    }
    cautions.extend(uncommitted.iter().map(|f| crate::error::Located {
        path: f.to_string(),
        line: 1,
        column: 1,
        message: format!(
            "in the working tree but not in {}, which this run reads: commit it, or pass --worktree",
            source.rev
        ),
    }));
    content::sort_problems(&mut cautions);
    if !value.folder.streams.is_empty() {
        content::map_history(
            &repo,
            &history,
            &correlation.graph,
            head,
            &mut value.folder.streams,
        );
    }
    Ok(Input {
        repo,
        head,
        settings,
        history,
        correlation,
        value,
        changes,
        pull_requests,
        scope,
        diff_stats,
        warnings,
        problems,
        cautions,
    })
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

/// The settings, and the config file's path and text when there is one.
fn load_settings(
    files: &Files<'_>,
    source: &Source,
) -> Result<(Settings, Option<(String, String)>)> {
    let (shown, bytes) = match &source.config {
        Some(path) => {
            let bytes = std::fs::read(path).map_err(|e| Error::io("cannot read", path, e))?;
            (path.display().to_string(), Some(bytes))
        }
        None => (
            "valuestory.yaml".to_string(),
            files.read("valuestory.yaml", content::MAX_FILE_BYTES)?,
        ),
    };
    let Some(bytes) = bytes else {
        let settings =
            config::ConfigFile::default().resolve(&shown, source.tag_pattern.as_deref())?;
        return Ok((settings, None));
    };
    let text = String::from_utf8(bytes).map_err(|e| Located {
        path: shown.clone(),
        line: 1,
        column: 1,
        message: format!(
            "not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ),
    })?;
    let settings = config::parse(&shown, &text)?.resolve(&shown, source.tag_pattern.as_deref())?;
    Ok((settings, Some((shown, text))))
}
