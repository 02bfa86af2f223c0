//! How each value-stream map looked at the end of every quarter of the history: the
//! version in the tree of the last first-parent commit of the built revision at that
//! time, so pages can show a map improving.

use crate::content::model::{MapVersion, Stream};
use crate::content::units::Quarter;
use crate::git::Repository;
use crate::history::{CommitId, History};
use crate::releases::Graph;

/// Fills `stream.history` for each stream, reading old trees of `repo`. A version
/// that no longer parses is skipped (it was already reported when it was current).
pub fn map_history(
    repo: &Repository,
    history: &History,
    graph: &Graph,
    head: CommitId,
    streams: &mut [Stream],
) {
    let ends = quarter_ends(history, graph, head);
    for stream in streams.iter_mut() {
        stream.history = versions(repo, stream, &ends);
    }
}

/// The commit current at the end of each quarter of the history: the newest
/// commit of the built revision's first-parent chain at or before it.
fn quarter_ends(history: &History, graph: &Graph, head: CommitId) -> Vec<(Quarter, CommitId)> {
    let Some(&head_index) = graph.index.get(&head) else {
        return Vec::new();
    };
    // The first-parent chain, newest first, with committer times.
    let mut chain = Vec::new();
    let mut at = Some(head_index);
    while let Some(i) = at {
        let commit = &history.commits[i as usize];
        chain.push((commit.committer_time.seconds, commit.id));
        at = graph.first_parent(i);
    }
    let Some(&(oldest, _)) = chain.last() else {
        return Vec::new();
    };
    let newest = chain.iter().map(|(t, _)| *t).max().unwrap_or(oldest);
    let (mut quarter, last) = (Quarter::of(oldest), Quarter::of(newest));
    let mut ends = Vec::new();
    loop {
        let end = quarter.end_seconds();
        if let Some(&(_, id)) = chain.iter().find(|(t, _)| *t < end) {
            ends.push((quarter, id));
        }
        if quarter >= last {
            return ends;
        }
        quarter = quarter.next();
    }
}

/// The versions of one stream's map, each with the quarters it stood for.
fn versions(repo: &Repository, stream: &Stream, ends: &[(Quarter, CommitId)]) -> Vec<MapVersion> {
    let mut versions: Vec<MapVersion> = Vec::new();
    let mut previous_text: Option<String> = None;
    for &(quarter, commit) in ends {
        let Ok(Some(bytes)) = repo.read_file(commit, &stream.path, crate::content::MAX_FILE_BYTES)
        else {
            previous_text = None;
            continue;
        };
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let unchanged = previous_text.as_deref() == Some(text.as_str());
        if unchanged && let Some(v) = versions.last_mut() {
            v.quarters.push(quarter);
            continue;
        }
        let parsed = crate::content::parse::stream(&stream.path, &stream.id, &text);
        previous_text = Some(text);
        let Some(old) = parsed.items.into_iter().next() else {
            continue;
        };
        // Same stages under a changed file (a comment, another field): same version.
        if let Some(v) = versions.last_mut()
            && same_stages(&v.stages, &old.stages)
        {
            v.quarters.push(quarter);
            continue;
        }
        versions.push(MapVersion {
            quarters: vec![quarter],
            commit,
            stages: old.stages,
        });
    }
    versions
}

fn same_stages(a: &[crate::content::model::Stage], b: &[crate::content::model::Stage]) -> bool {
    serde_json::to_string(a).ok() == serde_json::to_string(b).ok()
}
