//! The keys per quarter for one part of the work: a team (its members' commits and
//! those touching its paths, bots left out), a value stream (its owner team's), or
//! an initiative (its linked commits). A release counts for a scope when it shipped
//! at least one of the scope's commits; lead time is over the scope's commits only.

use serde::Serialize;

use super::PeriodMetrics;
use crate::changes::Changes;
use crate::config::{LeadTimeFrom, Settings};
use crate::content::ValueFolder;
use crate::history::History;
use crate::releases::Correlation;
use crate::stats::{self, Summary};

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct ScopedKeys {
    pub period: String,
    pub commits: usize,
    pub deployments: usize,
    pub lead_time: Option<Summary>,
    pub failed_deployments: usize,
    pub change_failure_rate: Option<f64>,
    /// The tags of the quarter's releases that shipped the scope's commits.
    pub releases: Vec<String>,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct ScopedQuarters {
    /// `team:<id>`, `stream:<id>` or `initiative:<id>`.
    pub scope: String,
    pub quarters: Vec<ScopedKeys>,
    /// The scope's commits that no release has shipped yet.
    pub unreleased_commits: usize,
}

/// One scope's quarters, for commits `member` accepts (by index).
fn quarters_of(
    scope: String,
    member: &dyn Fn(usize) -> bool,
    history: &History,
    correlation: &Correlation,
    quarters: &[PeriodMetrics],
    settings: &Settings,
) -> ScopedQuarters {
    let quarters = quarters
        .iter()
        .map(|q| {
            let mut lead = Vec::new();
            let mut deployments = 0;
            let mut failed = 0;
            let mut commits = 0;
            let mut tags = Vec::new();
            for r in correlation
                .releases
                .iter()
                .filter(|r| r.time >= q.span.0 && r.time < q.span.1)
            {
                let mine: Vec<usize> = r
                    .commits
                    .iter()
                    .map(|&c| c as usize)
                    .filter(|&c| {
                        !history.commits[c].is_merge() && correlation.counted[c] && member(c)
                    })
                    .collect();
                if mine.is_empty() {
                    continue;
                }
                deployments += 1;
                tags.push(r.tag.clone());
                failed += usize::from(r.failed());
                commits += mine.len();
                for c in mine {
                    let commit = &history.commits[c];
                    let start = match settings.lead_time_from {
                        LeadTimeFrom::Author => commit.author_time.seconds,
                        LeadTimeFrom::Committer => commit.committer_time.seconds,
                    };
                    if settings.baseline.is_none_or(|b| start >= b) {
                        lead.push(r.time.saturating_sub(start).max(0));
                    }
                }
            }
            ScopedKeys {
                period: q.period.clone(),
                commits,
                deployments,
                lead_time: stats::summarize(&mut lead),
                failed_deployments: failed,
                change_failure_rate: (deployments > 0).then(|| failed as f64 / deployments as f64),
                releases: tags,
            }
        })
        .collect();
    let unreleased_commits = correlation
        .unreleased
        .iter()
        .map(|&c| c as usize)
        .filter(|&c| !history.commits[c].is_merge() && correlation.counted[c] && member(c))
        .count();
    ScopedQuarters {
        scope,
        quarters,
        unreleased_commits,
    }
}

pub fn compute(
    history: &History,
    correlation: &Correlation,
    value: &ValueFolder,
    changes: Option<&Changes>,
    pull_requests: &[Option<u32>],
    quarters: &[PeriodMetrics],
    settings: &Settings,
) -> Vec<ScopedQuarters> {
    let bot = |c: usize| {
        let p = history.person(history.commits[c].author);
        settings
            .exclude_authors
            .iter()
            .any(|b| b.is_match(&p.name) || b.is_match(&p.email))
    };
    let team_member = |team: &crate::content::Team, c: usize| {
        let commit = &history.commits[c];
        !bot(c) && super::work::team_work(team, history.person(commit.author), commit, changes)
    };
    let mut out = Vec::new();
    for team in &value.teams {
        let member = |c: usize| team_member(team, c);
        out.push(quarters_of(
            format!("team:{}", team.id.value),
            &member,
            history,
            correlation,
            quarters,
            settings,
        ));
    }
    for stream in &value.streams {
        let owner = stream
            .owner
            .as_ref()
            .and_then(|o| value.teams.iter().find(|t| t.id.value == o.value));
        if let Some(team) = owner {
            let member = |c: usize| team_member(team, c);
            out.push(quarters_of(
                format!("stream:{}", stream.id),
                &member,
                history,
                correlation,
                quarters,
                settings,
            ));
        }
    }
    for initiative in &value.initiatives {
        let member = |c: usize| {
            super::work::linked(
                initiative,
                &history.commits[c],
                pull_requests.get(c).copied().flatten(),
                changes,
            )
        };
        out.push(quarters_of(
            format!("initiative:{}", initiative.id),
            &member,
            history,
            correlation,
            quarters,
            settings,
        ));
    }
    out
}
