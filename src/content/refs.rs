//! What refers to what in the value folder, and to the history: every id is unique,
//! every reference names something that exists.

use std::collections::BTreeSet;

use super::model::*;
use super::yaml::{At, hint};
use crate::error::Located;

fn located(path: &str, spot_at: super::yaml::At, message: String) -> Located {
    Located {
        path: path.to_string(),
        line: spot_at.line.max(1),
        column: spot_at.column.max(1),
        message,
    }
}

fn unique<'a>(
    kind: &str,
    ids: impl Iterator<Item = (&'a str, &'a str, super::yaml::At)>,
    out: &mut Vec<Located>,
) {
    let mut seen = BTreeSet::new();
    for (id, path, at) in ids {
        if !seen.insert(id.to_ascii_lowercase()) {
            out.push(located(path, at, format!("duplicate {kind} id `{id}`")));
        }
    }
}

fn exists(
    path: &str,
    reference: &Spot<String>,
    kind: &str,
    defined_in: &str,
    known: &[&str],
    out: &mut Vec<Located>,
) {
    if !known.contains(&reference.value.as_str()) {
        out.push(located(
            path,
            reference.at,
            format!(
                "unknown {kind} `{}`{}; {kind}s are defined in {defined_in}",
                reference.value,
                hint(&reference.value, known)
            ),
        ));
    }
}

/// References inside the folder: goals, streams, teams, initiatives, evidence scopes.
/// What could not be read at all: references into it are not reported, since the
/// file's own problem already is and would otherwise cascade.
#[derive(Default)]
pub struct Unreadable {
    pub goals: bool,
    pub teams: bool,
    /// File stems of stream and initiative files that did not parse.
    pub streams: Vec<String>,
    pub initiatives: Vec<String>,
}

pub fn check_refs(folder: &ValueFolder, unreadable: &Unreadable) -> Vec<Located> {
    let mut out = Vec::new();
    unique_ids(folder, &mut out);
    let goals: Vec<&str> = folder.goals.iter().map(|g| g.id.value.as_str()).collect();
    let teams: Vec<&str> = folder.teams.iter().map(|t| t.id.value.as_str()).collect();
    let streams: Vec<&str> = folder
        .streams
        .iter()
        .map(|s| s.id.as_str())
        .chain(unreadable.streams.iter().map(String::as_str))
        .collect();
    let initiatives: Vec<&str> = folder
        .initiatives
        .iter()
        .map(|i| i.id.as_str())
        .chain(unreadable.initiatives.iter().map(String::as_str))
        .collect();
    const GOALS: &str = "value/goals.yaml";
    const TEAMS: &str = "value/teams.yaml";
    const STREAMS: &str = "value/streams/";
    const INITIATIVES: &str = "value/initiatives/";
    // A file that did not parse names nothing to check against: say nothing more.
    let goal = |path: &str, g: &Spot<String>, out: &mut Vec<Located>| {
        if !unreadable.goals {
            exists(path, g, "goal", GOALS, &goals, out);
        }
    };
    let team = |path: &str, t: &Spot<String>, out: &mut Vec<Located>| {
        if !unreadable.teams {
            exists(path, t, "team", TEAMS, &teams, out);
        }
    };
    for s in &folder.streams {
        s.goal.iter().for_each(|g| goal(&s.path, g, &mut out));
        s.owner.iter().for_each(|t| team(&s.path, t, &mut out));
    }
    for i in &folder.initiatives {
        goal(&i.path, &i.goal, &mut out);
        if let Some(s) = &i.stream {
            exists(&i.path, s, "value stream", STREAMS, &streams, &mut out);
        }
        i.owner.iter().for_each(|t| team(&i.path, t, &mut out));
    }
    for inc in &folder.incidents {
        if let Some(s) = &inc.stream {
            exists(&inc.path, s, "value stream", STREAMS, &streams, &mut out);
        }
    }
    for c in &folder.case_studies {
        if let Some(i) = &c.initiative {
            exists(
                &c.path,
                i,
                "initiative",
                INITIATIVES,
                &initiatives,
                &mut out,
            );
        }
        let known = |kind: &str, id: &str| match kind {
            "repository" => id.is_empty(),
            "stream" => streams.contains(&id),
            "team" => teams.contains(&id),
            "initiative" => initiatives.contains(&id),
            _ => false,
        };
        out.extend(evidence_problems(c, known));
    }
    out
}

/// An id as defined: the id, its file and where in it.
type Defined = (String, String, At);

/// Each id of goals, teams, incidents, streams and initiatives defined once.
fn unique_ids(folder: &ValueFolder, out: &mut Vec<Located>) {
    let spot = |id: &Spot<String>, path: &str| (id.value.clone(), path.to_string(), id.at);
    let at0 = super::yaml::At { line: 1, column: 1 };
    let file = |id: &str, path: &str| (id.to_string(), path.to_string(), at0);
    let kinds: [(&str, Vec<Defined>); 5] = [
        (
            "goal",
            folder.goals.iter().map(|g| spot(&g.id, &g.path)).collect(),
        ),
        (
            "team",
            folder.teams.iter().map(|t| spot(&t.id, &t.path)).collect(),
        ),
        (
            "incident",
            folder
                .incidents
                .iter()
                .map(|i| spot(&i.id, &i.path))
                .collect(),
        ),
        (
            "value-stream",
            folder
                .streams
                .iter()
                .map(|s| file(&s.id, &s.path))
                .collect(),
        ),
        (
            "initiative",
            folder
                .initiatives
                .iter()
                .map(|i| file(&i.id, &i.path))
                .collect(),
        ),
    ];
    for (kind, ids) in &kinds {
        unique(
            kind,
            ids.iter()
                .map(|(id, path, at)| (id.as_str(), path.as_str(), *at)),
            out,
        );
    }
}

/// A case study's evidence queries: a known scope, and the earlier quarter first.
fn evidence_problems(c: &CaseStudy, known: impl Fn(&str, &str) -> bool) -> Vec<Located> {
    let mut out = Vec::new();
    for e in &c.evidence {
        let scope = &e.scope.value;
        let (kind, id) = scope.split_once(':').unwrap_or((scope.as_str(), ""));
        if !known(kind, id) {
            out.push(located(
                &c.path,
                e.scope.at,
                format!(
                    "unknown evidence scope `{scope}`: expected `repository`, or `stream:`, `team:` or `initiative:` followed by an id defined in the value folder"
                ),
            ));
        }
        if e.after < e.before {
            out.push(located(
                &c.path,
                e.scope.at,
                format!(
                    "evidence compares {} after {}: put the earlier quarter in `before`",
                    e.after, e.before
                ),
            ));
        }
    }
    out
}

/// Incidents' `caused_by` and `fixed_by` must name a release tag or a commit of the
/// history (a full id, or an unambiguous prefix of at least 7 hex digits).
pub fn check_history_refs(
    folder: &ValueFolder,
    tags: &[&str],
    commit_exists: impl Fn(&str) -> CommitMatch,
) -> Vec<Located> {
    let mut out = Vec::new();
    for inc in &folder.incidents {
        for (field, r) in [("caused_by", &inc.caused_by), ("fixed_by", &inc.fixed_by)] {
            let Some(r) = r else { continue };
            if tags.contains(&r.value.as_str()) {
                continue;
            }
            let message = match commit_exists(&r.value) {
                CommitMatch::One => continue,
                CommitMatch::Ambiguous => format!(
                    "`{field}: {}` matches more than one commit; give more of its id",
                    r.value
                ),
                CommitMatch::None => format!(
                    "`{field}: {}` names no release tag and no commit in the history{}",
                    r.value,
                    hint(&r.value, tags)
                ),
            };
            out.push(located(&inc.path, r.at, message));
        }
    }
    for o in &folder.overrides {
        if let Some(r) = &o.release
            && !tags.contains(&r.value.as_str())
        {
            out.push(located(
                &o.path,
                r.at,
                format!(
                    "`release: {}` is not a release tag{}",
                    r.value,
                    hint(&r.value, tags)
                ),
            ));
        }
        if let Some(c) = &o.commit {
            let message = match commit_exists(&c.value) {
                CommitMatch::One => continue,
                CommitMatch::Ambiguous => format!(
                    "`commit: {}` matches more than one commit; give more of its id",
                    c.value
                ),
                CommitMatch::None => {
                    format!("`commit: {}` names no commit in the history", c.value)
                }
            };
            out.push(located(&o.path, c.at, message));
        }
    }
    out
}

pub enum CommitMatch {
    None,
    One,
    Ambiguous,
}
