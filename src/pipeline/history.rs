//! Stages 3 and 4, read history and compute changes: the release tags, every
//! commit HEAD and they reach, and each commit's changed paths when a feature
//! needs them.

use crate::changes::{self, Changes};
use crate::content;
use crate::error::Result;
use crate::git::{CommitCache, Repository, WalkStats};
use crate::history::{CommitId, History, IdMap, Tag, TagTarget};

use super::Options;
use super::config::Configured;

/// What stage 3 read: the tags that name releases and the history they reach.
pub struct Walked {
    pub tags: Vec<Tag>,
    pub history: History,
    /// Where the commits came from.
    pub stats: WalkStats,
}

pub fn read(
    repo: &Repository,
    head: CommitId,
    config: &Configured,
    options: &Options,
    warnings: &mut Vec<String>,
) -> Result<Walked> {
    let tags = repo.tags(|name| config.settings.tag_pattern.is_match(name))?;
    let mut starts = vec![head];
    starts.extend(tags.iter().filter_map(|t| match t.target {
        TagTarget::Commit(id) => Some(id),
        TagTarget::Other(_) => None,
    }));
    // Raw commits are kept between builds where the diff cache is (`--cache-dir`,
    // `--no-cache`); failing to write them only costs the next build time.
    let cache_dir = changes::cache_dir(&options.cache, repo.git_dir());
    let mut commit_cache = match &cache_dir {
        Some(dir) => CommitCache::load(dir, warnings),
        None => CommitCache::off(),
    };
    let (history, stats) = repo.history_with_progress(
        &starts,
        &config.mailmap,
        options.progress,
        &mut commit_cache,
        warnings,
    )?;
    if let Some(dir) = &cache_dir {
        let _ = commit_cache.save(dir);
    }
    Ok(Walked {
        tags,
        history,
        stats,
    })
}

/// Each non-merge commit's changed paths against its first parent, when a scope,
/// a team's paths or an initiative's paths need them; and how many came from the
/// cache.
pub fn changes(
    repo: &Repository,
    walked: &Walked,
    config: &Configured,
    value: &content::Loaded,
    options: &Options,
    warnings: &mut Vec<String>,
) -> Result<(Option<Changes>, Option<changes::Stats>)> {
    let folder = &value.folder;
    let wanted = config.scope.is_some()
        || (options.changes_wanted
            && (folder.teams.iter().any(|t| !t.paths.is_empty())
                || folder
                    .initiatives
                    .iter()
                    .any(|i| !i.matching.paths.is_empty())));
    if !wanted {
        return Ok((None, None));
    }
    let commits = &walked.history.commits;
    let tree_of: IdMap<CommitId> = commits.iter().map(|c| (c.id, c.tree)).collect();
    let jobs: Vec<changes::Job> = commits
        .iter()
        .filter(|c| !c.is_merge())
        .map(|c| changes::Job {
            commit: c.id,
            tree: c.tree,
            parent_tree: c.parents.first().and_then(|p| tree_of.get(p).copied()),
            time: c.committer_time.seconds,
        })
        .collect();
    let cache = options
        .cache
        .for_replacements(repo.git_dir(), repo.replacements_fingerprint());
    let options = changes::Options {
        cache: &cache,
        progress: options.progress,
    };
    let (changes, stats) = changes::compute(repo.git_dir(), &jobs, &options, warnings)?;
    Ok((Some(changes), Some(stats)))
}
