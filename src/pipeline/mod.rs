//! The stages of a build, in order. [`read`] and [`report`] are the table of
//! contents: each stage is a function of this folder with a named input and
//! output, and every verb that reads a repository (`build`, `check`, `pack`,
//! `diff`, and `serve` through `build`) runs them through here.
//!
//! 1. **read config**: `valuestory.yaml`, the mailmap, a pull-request export, the
//!    component's scope ([`config::Configured`]).
//! 2. **read the value folder**: goals, initiatives, incidents, streams, case
//!    studies and templates, with every problem collected ([`content::Loaded`]).
//! 3. **read history**: the release tags and every commit they and HEAD reach
//!    ([`history::Walked`]).
//! 4. **compute changes**: each commit's changed paths, when a feature needs them
//!    ([`Changes`]).
//! 5. **correlate releases**: which release shipped each commit, and which
//!    releases failed and recovered ([`Correlation`]).
//! 6. **check references**: what the value folder names in the history, and what
//!    it asks for that cannot be shown ([`checks::Checked`]).
//! 7. **map stream history**: each value-stream map as it stood at each release.
//! 8. **compute metrics**, 9. **tell the story**, 10. **build the report**: the
//!    [`Data`] written to `data.json` and rendered ([`report`]).

mod checks;
mod config;
mod history;
mod releases;
mod report;
mod streams;

use std::path::PathBuf;
use std::time::Instant;

use crate::changes::{self, CachePlace, Changes};
use crate::config::Settings;
use crate::content;
use crate::error::{Located, Result};
use crate::git::Repository;
use crate::history::{CommitId, History};
use crate::releases::Correlation;
use crate::render;
use crate::report::Data;
pub use crate::report::Scope;
use crate::site;
use crate::source::{Files, Worktree};

pub use report::report;

/// Which repository and revision, and how to configure the run.
#[derive(Debug, Clone)]
pub struct Options {
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

impl Default for Options {
    fn default() -> Options {
        Options {
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

/// Everything read from the repository: the output of stages 1 to 7, the input of
/// [`report`] and [`render`].
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
    /// Resolves identities that the history does not hold (`Co-authored-by`).
    pub mailmap: crate::git::Mailmap,
    /// How many commits' changes came from the cache and how many were computed.
    pub diff_stats: Option<changes::Stats>,
    /// Where the commits of the history came from.
    pub walk_stats: crate::git::WalkStats,
    pub warnings: Vec<String>,
    /// Every problem in the configuration and the value folder, sorted.
    pub problems: Vec<Located>,
    /// What the value folder asks for that cannot be shown, left out with a
    /// warning: `check` reports them, `--strict` fails on them.
    pub cautions: Vec<Located>,
    pub timings: Timings,
}

/// Stages 1 to 7: everything a build reads, with every problem in the user's files
/// collected rather than stopping at the first.
pub fn read(options: &Options) -> Result<Input> {
    let mut timings = Timings::start();
    let repo = Repository::discover(options.repo.as_deref())?;
    repo.require_full_history()?;
    let head = repo.resolve(&options.rev)?;
    let files = files_of(&repo, head, options)?;
    let config = config::read(&files, options)?;
    timings.lap("read config");
    let value = content::load(&files)?;
    let value = config::with_config_text(value, &config);
    drop(files);
    timings.lap("read the value folder");
    let mut warnings = Vec::new();
    let walked = history::read(&repo, head, &config, options, &mut warnings)?;
    timings.lap("read history");
    let (changes, diff_stats) =
        history::changes(&repo, &walked, &config, &value, options, &mut warnings)?;
    timings.lap("compute changes");
    let correlation = releases::correlate(&repo, head, &walked, changes.as_ref(), &config, &value);
    warnings.extend(correlation.warnings.iter().cloned());
    timings.lap("correlate releases");
    let checked = checks::run(
        &repo,
        &walked.history,
        &correlation,
        changes.as_ref(),
        &config,
        &value,
        options,
    )?;
    timings.lap("check references");
    let mut value = value;
    streams::map_history(
        &repo,
        &walked.history,
        &correlation.graph,
        head,
        &mut value.folder.streams,
    );
    timings.lap("map stream history");
    Ok(Input {
        repo,
        head,
        settings: config.settings,
        history: walked.history,
        correlation,
        value,
        changes,
        pull_requests: config.pull_requests,
        scope: config.scope,
        mailmap: config.mailmap,
        diff_stats,
        walk_stats: walked.stats,
        warnings,
        problems: checked.problems,
        cautions: checked.cautions,
        timings,
    })
}

/// Where the config and the value folder are read from: the working tree, the
/// revision, or `--value-rev` (for `diff`).
fn files_of<'r>(repo: &'r Repository, head: CommitId, options: &Options) -> Result<Files<'r>> {
    Ok(match options.worktree {
        true => Files::Worktree(Worktree::of(repo)?),
        false => Files::Tree {
            repo,
            commit: match &options.value_rev {
                Some(rev) => repo.resolve(rev)?,
                None => head,
            },
        },
    })
}

/// Every page of the site, in memory, from what [`read`] read and [`report`] made
/// of it.
pub fn render(
    input: &Input,
    data: &Data,
    untrusted: bool,
) -> Result<site::Files, render::RenderError> {
    let theme = input.settings.theme.as_deref().unwrap_or("default");
    render::site(
        data,
        &input.history,
        &input.correlation,
        &render::Options {
            theme,
            overrides: &input.value.templates,
            cname: input.settings.cname.as_deref(),
            untrusted,
        },
    )
}

/// Seconds since the start at the end of each stage, and the peak resident memory
/// so far, for `-v`.
#[derive(Debug, Clone)]
pub struct Timings {
    start: Instant,
    pub laps: Vec<Lap>,
}

#[derive(Debug, Clone)]
pub struct Lap {
    pub stage: &'static str,
    pub seconds: f64,
    /// Peak resident set size of the process so far, in bytes, where the system
    /// says (Linux's `VmHWM`).
    pub peak_rss: Option<u64>,
}

impl Timings {
    pub fn start() -> Timings {
        Timings {
            start: Instant::now(),
            laps: Vec::new(),
        }
    }

    pub fn lap(&mut self, stage: &'static str) {
        self.laps.push(Lap {
            stage,
            seconds: self.start.elapsed().as_secs_f64(),
            peak_rss: crate::memory::peak_rss(),
        });
    }
}
