//! Delivery metrics, as pure functions over the history, the releases and the value
//! folder: the DORA keys and rework rate per week, month, quarter and year with
//! their bands, flow metrics, value-stream flow efficiency, and the narrative facts
//! the pages turn into sentences. Every definition is in the README's methodology.

pub mod bands;
pub mod flow;
pub mod narrative;
pub mod periods;
pub mod streams;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::content::ValueFolder;
use crate::history::{CommitId, History};
use crate::releases::{Correlation, Evidence};
use crate::stats::{self, Summary};
use bands::Band;
use flow::{FlowKind, PullRequest};
use periods::{Kind, Period};

/// Median (and count) of durations, for metrics without a p90.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Median {
    pub median_seconds: i64,
    pub count: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct Bands {
    pub deployment_frequency: Option<Band>,
    pub lead_time: Band,
    pub change_failure_rate: Band,
    pub recovery_time: Band,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct KindCounts {
    pub feature: usize,
    pub defect: usize,
    pub debt: usize,
    pub risk: usize,
    pub other: usize,
}

impl KindCounts {
    fn add(&mut self, kind: FlowKind) {
        match kind {
            FlowKind::Feature => self.feature += 1,
            FlowKind::Defect => self.defect += 1,
            FlowKind::Debt => self.debt += 1,
            FlowKind::Risk => self.risk += 1,
            FlowKind::Other => self.other += 1,
        }
    }
    pub fn total(&self) -> usize {
        self.feature + self.defect + self.debt + self.risk + self.other
    }
    pub fn get(&self, kind: FlowKind) -> usize {
        match kind {
            FlowKind::Feature => self.feature,
            FlowKind::Defect => self.defect,
            FlowKind::Debt => self.debt,
            FlowKind::Risk => self.risk,
            FlowKind::Other => self.other,
        }
    }
}

/// Work merged but not yet released at the end of a period.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Load {
    pub commits: usize,
    pub median_age_seconds: Option<i64>,
    pub oldest_age_seconds: Option<i64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct PeriodMetrics {
    pub period: String,
    pub start: String,
    pub end: String,
    pub deployments: usize,
    pub deploy_days: usize,
    pub lead_time: Option<Summary>,
    pub change_failure_rate: Option<f64>,
    pub failed_deployments: usize,
    pub recovery_time: Option<Median>,
    pub rework_rate: Option<f64>,
    pub hotfixes: usize,
    pub bands: Option<Bands>,
    /// Shipped non-merge commits by kind.
    pub flow_distribution: KindCounts,
    /// Shipped items (pull requests where known, else commits) by kind.
    pub flow_velocity: KindCounts,
    /// First commit to release, per pull request shipped in the period.
    pub flow_time: Option<Summary>,
    pub flow_load: Load,
    pub incidents: usize,
    pub incident_cost: f64,
    #[serde(skip)]
    pub span: (i64, i64),
}

/// A release's recovery: from failure to fix.
#[derive(Clone, Debug, Serialize)]
pub struct Recovery {
    pub release: String,
    pub started: i64,
    pub recovered: Option<i64>,
    pub seconds: Option<i64>,
}

#[derive(Serialize)]
pub struct Metrics {
    pub periods: BTreeMap<&'static str, Vec<PeriodMetrics>>,
    pub pull_request_count: usize,
    pub recoveries: Vec<Recovery>,
    pub streams: Vec<streams::StreamMetrics>,
    pub narrative: narrative::Narrative,
    #[serde(skip)]
    pub pull_requests: Vec<PullRequest>,
}

/// Recovery per failed release: from the earliest `started` of the incidents naming
/// it (else the release time) to the latest `resolved` when all are resolved (else
/// the release that fixed it: the hotfix building on it, or the release shipping the
/// revert). Without either end it is still open.
pub fn recoveries(correlation: &Correlation, value: &ValueFolder) -> Vec<Recovery> {
    let time_of = |tag: &str| {
        correlation
            .releases
            .iter()
            .find(|r| r.tag == tag)
            .map(|r| r.time)
    };
    correlation
        .releases
        .iter()
        .filter(|r| r.failed())
        .map(|r| {
            let incidents: Vec<_> = value
                .incidents
                .iter()
                .filter(|i| {
                    r.failure_evidence.contains(&Evidence::Incident {
                        incident: i.id.value.clone(),
                    })
                })
                .collect();
            let started = incidents
                .iter()
                .map(|i| i.started.0)
                .min()
                .unwrap_or(r.time);
            let resolved =
                if !incidents.is_empty() && incidents.iter().all(|i| i.resolved.is_some()) {
                    incidents
                        .iter()
                        .filter_map(|i| i.resolved.map(|t| t.0))
                        .max()
                } else {
                    None
                };
            let fixed = r
                .failure_evidence
                .iter()
                .filter_map(|e| match e {
                    Evidence::FixedByHotfix { release }
                    | Evidence::RevertedLater { release, .. } => time_of(release),
                    _ => None,
                })
                .min();
            let recovered = resolved.or(fixed);
            Recovery {
                release: r.tag.clone(),
                started,
                recovered,
                seconds: recovered.map(|end| (end - started).max(0)),
            }
        })
        .collect()
}

/// Everything, for every period kind from the first commit to the last event.
pub fn compute(
    history: &History,
    correlation: &Correlation,
    value: &ValueFolder,
    head: CommitId,
) -> Metrics {
    let head_index = correlation.graph.index.get(&head).copied();
    let (prs, _pr_of) = flow::pull_requests(history, correlation, head_index);
    let recoveries = recoveries(correlation, value);
    // Periods run from the first commit landing (author dates can be older: work
    // imported or rebased) to the last commit or release.
    let first = history
        .commits
        .iter()
        .map(|c| c.committer_time.seconds)
        .min();
    let last = history
        .commits
        .iter()
        .map(|c| c.committer_time.seconds)
        .chain(correlation.releases.iter().map(|r| r.time))
        .max();
    let mut periods = BTreeMap::new();
    if let (Some(first), Some(last)) = (first, last) {
        // Releases before the first commit (clock skew) still fall in a period.
        let first = correlation
            .releases
            .iter()
            .map(|r| r.time)
            .min()
            .map_or(first, |t| t.min(first));
        for kind in Kind::ALL {
            let list = periods::between(kind, first, last)
                .into_iter()
                .map(|p| period_metrics(&p, history, correlation, value, &prs, &recoveries))
                .collect();
            periods.insert(kind.name(), list);
        }
    }
    let streams = streams::compute(
        value,
        history,
        correlation,
        &prs,
        periods.get("quarter").map(Vec::as_slice).unwrap_or(&[]),
        last.unwrap_or(0),
    );
    let narrative = narrative::facts(
        periods.get("quarter").map(Vec::as_slice).unwrap_or(&[]),
        value,
        last.unwrap_or(0),
    );
    Metrics {
        periods,
        pull_request_count: prs.len(),
        recoveries,
        streams,
        narrative,
        pull_requests: prs,
    }
}

fn ratio(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

fn period_metrics(
    p: &Period,
    history: &History,
    correlation: &Correlation,
    value: &ValueFolder,
    prs: &[PullRequest],
    recoveries: &[Recovery],
) -> PeriodMetrics {
    let inside = |t: i64| t >= p.start && t < p.end;
    let releases: Vec<(usize, &crate::releases::Release)> = correlation
        .releases
        .iter()
        .enumerate()
        .filter(|(_, r)| inside(r.time))
        .collect();
    let deployments = releases.len();
    let mut days: Vec<i64> = releases.iter().map(|(_, r)| periods::day(r.time)).collect();
    days.sort_unstable();
    days.dedup();
    let mut lead: Vec<i64> = releases
        .iter()
        .flat_map(|(_, r)| r.lead_times.iter().copied())
        .collect();
    let lead_time = stats::summarize(&mut lead);
    let failed = releases.iter().filter(|(_, r)| r.failed()).count();
    let hotfixes = releases
        .iter()
        .filter(|(_, r)| r.kind == crate::releases::ReleaseKind::Hotfix)
        .count();
    let mut rec: Vec<i64> = recoveries
        .iter()
        .filter(|rc| releases.iter().any(|(_, r)| r.tag == rc.release))
        .filter_map(|rc| rc.seconds)
        .collect();
    let recovery_time = stats::summarize(&mut rec).map(|s| Median {
        median_seconds: s.median_seconds,
        count: s.count,
    });

    let mut distribution = KindCounts::default();
    let mut velocity = KindCounts::default();
    let mut flow_times = Vec::new();
    let owner_time =
        |c: u32| correlation.owner[c as usize].map(|o| correlation.releases[o as usize].time);
    for (ri, r) in &releases {
        let _ = ri;
        for &c in &r.commits {
            let commit = &history.commits[c as usize];
            if !commit.is_merge() {
                distribution.add(flow::kind_of(commit));
            }
        }
    }
    let mut in_pr = std::collections::HashSet::new();
    for pr in prs {
        for &c in &pr.commits {
            in_pr.insert(c);
        }
        in_pr.insert(pr.merge);
        if let Some(t) = owner_time(pr.merge)
            && inside(t)
        {
            velocity.add(pr.kind);
            flow_times.push((t - pr.started).max(0));
        }
    }
    for (_, r) in &releases {
        for &c in &r.commits {
            let commit = &history.commits[c as usize];
            if !commit.is_merge() && !in_pr.contains(&c) {
                velocity.add(flow::kind_of(commit));
            }
        }
    }
    let flow_time = stats::summarize(&mut flow_times);

    // Load at the end of the period: merged before it, released after it (or not).
    let mut ages: Vec<i64> = history
        .commits
        .iter()
        .enumerate()
        .filter(|(i, c)| {
            !c.is_merge()
                && c.committer_time.seconds < p.end
                && owner_time(*i as u32).is_none_or(|t| t >= p.end)
        })
        .map(|(_, c)| p.end - c.committer_time.seconds)
        .collect();
    ages.sort_unstable();
    let flow_load = Load {
        commits: ages.len(),
        median_age_seconds: stats::summarize(&mut ages.clone()).map(|s| s.median_seconds),
        oldest_age_seconds: ages.last().copied(),
    };

    let incidents: Vec<_> = value
        .incidents
        .iter()
        .filter(|i| inside(i.started.0))
        .collect();
    let incident_cost = incidents
        .iter()
        .filter_map(|i| i.cost)
        .map(|c| c.units())
        .sum();

    let change_failure_rate = ratio(failed, deployments);
    let bands = (p.kind != Kind::Week).then(|| {
        let deployment_frequency = Some(deploy_band(p, correlation));
        Bands {
            deployment_frequency,
            lead_time: bands::lead_time(
                lead_time.map(|s| s.median_seconds),
                lead_time.map_or(0, |s| s.count),
            ),
            change_failure_rate: bands::change_failure_rate(change_failure_rate, deployments),
            recovery_time: bands::recovery_time(
                recovery_time.map(|s| s.median_seconds),
                recovery_time.map_or(0, |s| s.count),
            ),
        }
    });
    PeriodMetrics {
        period: p.label.clone(),
        start: crate::time::rfc3339(p.start),
        end: crate::time::rfc3339(p.end),
        deployments,
        deploy_days: days.len(),
        lead_time,
        change_failure_rate,
        failed_deployments: failed,
        recovery_time,
        rework_rate: ratio(hotfixes, deployments),
        hotfixes,
        bands,
        flow_distribution: distribution,
        flow_velocity: velocity,
        flow_time,
        flow_load,
        incidents: incidents.len(),
        incident_cost,
        span: (p.start, p.end),
    }
}

/// Deploy-days in each ISO week and each month that lies entirely inside the period.
fn deploy_band(p: &Period, correlation: &Correlation) -> Band {
    let days: std::collections::BTreeSet<i64> = correlation
        .releases
        .iter()
        .filter(|r| r.time >= p.start && r.time < p.end)
        .map(|r| periods::day(r.time))
        .collect();
    let count = |kind: Kind| -> Vec<usize> {
        periods::between(kind, p.start, p.end - 1)
            .into_iter()
            .filter(|w| w.start >= p.start && w.end <= p.end)
            .map(|w| {
                days.range(periods::day(w.start)..periods::day(w.end))
                    .count()
            })
            .collect()
    };
    bands::deployment_frequency(&count(Kind::Week), &count(Kind::Month))
}
