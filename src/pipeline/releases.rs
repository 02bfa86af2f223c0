//! Stage 5, correlate releases: which release shipped each commit, then which
//! releases failed and recovered, from reverts, incidents and overrides.

use std::collections::HashSet;

use crate::changes::{self, Changes};
use crate::content;
use crate::content::model::Override;
use crate::git::{Differ, ObjectStore, Repository};
use crate::history::{Commit, CommitId, History};
use crate::releases::{self, Correlation, RevertPair};

use super::config::Configured;
use super::history::Walked;

pub fn correlate(
    repo: &Repository,
    head: CommitId,
    walked: &Walked,
    changes: Option<&Changes>,
    config: &Configured,
    value: &content::Loaded,
) -> Correlation {
    let (history, settings) = (&walked.history, &config.settings);
    let counts = |c: &Commit| match (&config.scope, changes) {
        (Some(scope), Some(changes)) => changes.touches(&c.id, &scope.paths),
        _ => true,
    };
    let counts = config
        .scope
        .is_some()
        .then_some(&counts as &dyn Fn(&Commit) -> bool);
    let mut correlation = releases::correlate(history, &walked.tags, head, settings, counts);
    let pairs = releases::reverts(history);
    let non_product = non_product_reverts(repo, history, &correlation, changes, config, &pairs);
    let overrides = &value.folder.overrides;
    releases::apply_reverts(
        &mut correlation,
        history,
        settings,
        &pairs,
        &|id| non_product.contains(id),
        &|id| not_a_failure(overrides, id),
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
    releases::apply_incidents(&mut correlation, history, &incidents);
    if settings.incidents_complete {
        releases::only_logged_failures(&mut correlation);
    }
    releases::apply_overrides(&mut correlation, overrides);
    correlation
}

/// Why an override says a revert of this commit shows no failure, if one does.
fn not_a_failure(overrides: &[Override], id: &CommitId) -> Option<String> {
    overrides
        .iter()
        .find(|o| {
            o.not_a_revert_of_failure
                && o.commit
                    .as_ref()
                    .is_some_and(|c| id.to_hex().starts_with(&c.value.to_ascii_lowercase()))
        })
        .map(|o| o.reason.clone())
}

/// Reverted commits that changed only paths outside the product (CI, docs, the
/// website), whose revert shows no production failure. Only a revert that would
/// otherwise fail a release needs them, and when the build has not read every
/// commit's changes, those few commits' paths are read from their trees.
fn non_product_reverts(
    repo: &Repository,
    history: &History,
    correlation: &Correlation,
    changes: Option<&Changes>,
    config: &Configured,
    pairs: &[RevertPair],
) -> HashSet<CommitId> {
    let signals = &config.settings.signals;
    if signals.non_product_paths.is_empty() {
        return HashSet::new();
    }
    let store = match (changes, pairs.is_empty() || !signals.reverts) {
        (None, false) => ObjectStore::open_unmapped(repo.git_dir()).ok(),
        _ => None,
    };
    let mut differ = store.as_ref().map(|s| Differ::with_cache(s, 4 << 20));
    let mut paths_of = |id: &CommitId| -> Option<Vec<String>> {
        if let Some(changes) = changes {
            let paths = changes
                .of(id)
                .iter()
                .map(|f| changes.path(f.path).to_string());
            return Some(paths.collect());
        }
        differ.as_mut()?.changed_paths(*id).ok()
    };
    let would_fail = |p: &&RevertPair| {
        let (by, of) = (correlation.owner[p.revert], correlation.owner[p.reverted]);
        match (by, of) {
            (Some(b), Some(o)) if b > o => {
                let r = &correlation.releases;
                r[b as usize].time - r[o as usize].time <= signals.revert_window
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
                        .all(|p| changes::under(p, &signals.non_product_paths))
            })
        })
        .collect()
}
