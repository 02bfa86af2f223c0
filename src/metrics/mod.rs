//! Delivery metrics, as pure functions over the history, the releases and the value
//! folder: the DORA keys and rework rate per week, month, quarter and year with
//! their bands, flow metrics, value-stream flow efficiency, and the narrative facts
//! the pages turn into sentences. Every definition is in the README's methodology.

pub mod bands;
pub mod flow;
pub mod narrative;
pub mod people;
pub mod periods;
pub mod scopes;
pub mod streams;
pub mod work;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::content::ValueFolder;
use crate::history::{CommitId, History};
use crate::metric::Key;
use crate::releases::{Correlation, Evidence, Release, ReleaseKind};
use crate::stats::{self, Summary};
use bands::Band;
use flow::{FlowKind, PullRequest};
use periods::{Kind, Period};

/// Median (and count) of durations, for metrics without a p90.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Median {
    pub median_seconds: i64,
    pub count: usize,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Bands {
    pub deployment_frequency: Option<Band>,
    pub lead_time: Band,
    pub change_failure_rate: Band,
    pub recovery_time: Band,
}

#[derive(Clone, Debug, Default, Serialize, schemars::JsonSchema)]
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
#[derive(Clone, Debug, Default, Serialize, schemars::JsonSchema)]
pub struct Load {
    pub commits: usize,
    pub median_age_seconds: Option<i64>,
    pub oldest_age_seconds: Option<i64>,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct PeriodMetrics {
    pub period: String,
    pub start: String,
    pub end: String,
    /// The part of the period the history covers, from its first commit to its
    /// last event: a first or a running period is only partly observed.
    pub observed_start: String,
    pub observed_end: String,
    pub deployments: usize,
    /// Releases over the weeks the history observed in the period.
    pub deployments_per_week: f64,
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
    /// A quarter's releases week by week, the weeks cut at the quarter's edges.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub weekly: Vec<WeekSlice>,
    #[serde(skip)]
    pub span: (i64, i64),
    /// The part of `span` the history covers: a first or a running period is
    /// only partly observed, and a rate over its whole span would understate it.
    #[serde(skip)]
    pub observed: (i64, i64),
}

/// The part of an ISO week inside a quarter, and the releases in that part.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct WeekSlice {
    pub week: String,
    /// The first and last day of the week inside the quarter.
    pub from: String,
    pub to: String,
    /// The week runs past the quarter's start or end.
    pub partial: bool,
    pub deployments: usize,
}

/// The weeks of `quarter` cut at its edges, with the releases (at `times`) in each.
fn weekly(quarter: &Period, times: &[i64]) -> Vec<WeekSlice> {
    periods::between(Kind::Week, quarter.start, quarter.end - 1)
        .into_iter()
        .map(|w| {
            let (from, to) = (w.start.max(quarter.start), w.end.min(quarter.end));
            WeekSlice {
                week: w.label,
                from: crate::time::rfc3339(from)[..10].to_string(),
                to: crate::time::rfc3339(to - 1)[..10].to_string(),
                partial: (from, to) != (w.start, w.end),
                deployments: times.iter().filter(|&&t| t >= from && t < to).count(),
            }
        })
        .collect()
}

impl PeriodMetrics {
    /// The value of `key` in this period, when there is one.
    pub fn value(&self, key: Key) -> Option<f64> {
        match key {
            Key::Deployments => Some(self.deployments as f64),
            Key::DeploymentsPerWeek => Some(self.deployments_per_week),
            Key::FailedDeployments => Some(self.failed_deployments as f64),
            Key::LeadTime => self.lead_time.map(|l| l.median_seconds as f64),
            Key::ChangeFailureRate => self.change_failure_rate,
            Key::RecoveryTime => self.recovery_time.map(|r| r.median_seconds as f64),
            Key::ReworkRate => self.rework_rate,
            Key::FlowTime => self.flow_time.map(|f| f.median_seconds as f64),
            // A value stream's, from its map, not a period's.
            Key::FlowEfficiency => None,
        }
    }

    /// Weeks observed in the period (at least one), for rates per week.
    pub fn weeks(&self) -> f64 {
        ((self.observed.1 - self.observed.0) as f64 / (7.0 * 86_400.0)).max(1.0)
    }
}

/// A release's recovery: from failure to fix.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Recovery {
    pub release: String,
    pub started: i64,
    pub recovered: Option<i64>,
    pub seconds: Option<i64>,
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct Metrics {
    pub periods: BTreeMap<&'static str, Vec<PeriodMetrics>>,
    pub pull_request_count: usize,
    pub recoveries: Vec<Recovery>,
    pub streams: Vec<streams::StreamMetrics>,
    pub narrative: narrative::Narrative,
    /// The last commit or release: what "ended" and "so far" are relative to.
    pub as_of: i64,
    pub initiatives: Vec<work::InitiativeMetrics>,
    pub goal_values: Vec<work::GoalValue>,
    pub teams: Vec<work::TeamMetrics>,
    pub cost: work::Cost,
    pub scopes: Vec<scopes::ScopedQuarters>,
    /// The personal view's pages, when `views.personal` is on.
    pub people: Vec<people::PersonWork>,
    /// Each commit's pull-request number, when known.
    #[serde(skip)]
    pub pr_numbers: Vec<Option<u32>>,
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
            // The first fix ends the failure; an episode of patch releases ends
            // with its last.
            let single = r
                .failure_evidence
                .iter()
                .filter_map(|e| match e {
                    Evidence::FixedByHotfix {
                        release,
                        episode: false,
                        ..
                    }
                    | Evidence::RevertedLater { release, .. } => time_of(release),
                    _ => None,
                })
                .min();
            let episode = r
                .failure_evidence
                .iter()
                .filter_map(|e| match e {
                    Evidence::FixedByHotfix {
                        release,
                        episode: true,
                        ..
                    } => time_of(release),
                    _ => None,
                })
                .max();
            let fixed = match (single, episode) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
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
    changes: Option<&crate::changes::Changes>,
    export: &[crate::pull_requests::Exported],
    settings: &crate::config::Settings,
) -> Metrics {
    let head_index = correlation.graph.index.get(&head).copied();
    let (mut prs, pr_of) = flow::pull_requests(history, correlation, head_index);
    flow::enrich(&mut prs, export);
    // Each commit's pull request number, for initiatives that name theirs.
    let pr_numbers: Vec<Option<u32>> = pr_of
        .iter()
        .map(|p| p.map(|i| prs[i as usize].number))
        .collect();
    let recoveries = recoveries(correlation, value);
    let facts = facts(history, correlation, &prs, &recoveries);
    let (periods, last) = every_period(history, correlation, value, &prs, &facts, settings);
    let quarters = periods.get("quarter").map(Vec::as_slice).unwrap_or(&[]);
    let streams = streams::compute(
        value,
        history,
        correlation,
        &prs,
        quarters,
        last.unwrap_or(0),
    );
    let narrative = narrative::facts(quarters, value, last.unwrap_or(0));
    let now = last.unwrap_or(0);
    let quarter_ends: Vec<(String, i64)> = quarters
        .iter()
        .map(|q| (q.period.clone(), q.span.1))
        .collect();
    let initiatives = work::initiatives(
        history,
        correlation,
        value,
        work::Links {
            changes,
            pull_requests: &pr_numbers,
        },
        now,
        &quarter_ends,
        settings,
    );
    let goal_values = work::goal_values(value);
    let teams = work::teams(
        history,
        value,
        &prs,
        changes,
        now,
        &settings.exclude_authors,
    );
    let scopes = scopes::compute(
        history,
        correlation,
        value,
        changes,
        &pr_numbers,
        quarters,
        settings,
    );
    let cost = work::cost(
        history,
        correlation,
        value,
        &initiatives,
        settings.currency.clone(),
        &quarter_ends,
        now,
    );
    Metrics {
        people: Vec::new(),
        pr_numbers,
        periods,
        pull_request_count: prs.len(),
        recoveries,
        streams,
        narrative,
        as_of: last.unwrap_or(0),
        initiatives,
        goal_values,
        teams,
        cost,
        scopes,
        pull_requests: prs,
    }
}

/// The periods of every kind, from the first commit landing (author dates can be
/// older: work imported or rebased) or the first release to the last commit or
/// release; and that last moment.
fn every_period(
    history: &History,
    correlation: &Correlation,
    value: &ValueFolder,
    prs: &[PullRequest],
    facts: &Facts,
    settings: &crate::config::Settings,
) -> (BTreeMap<&'static str, Vec<PeriodMetrics>>, Option<i64>) {
    let landed = history.commits.iter().map(|c| c.committer_time.seconds);
    let released = correlation.releases.iter().map(|r| r.time);
    let last = landed.clone().chain(released.clone()).max();
    let mut periods = BTreeMap::new();
    let (Some(first), Some(last)) = (landed.min(), last) else {
        return (periods, last);
    };
    // Releases before the first commit (clock skew) still fall in a period.
    let first = released.min().map_or(first, |t| t.min(first));
    for kind in Kind::ALL {
        let list = periods::between(kind, first, last);
        let mut list = all_periods(
            (&list, (first, last + 1)),
            history,
            correlation,
            value,
            prs,
            facts,
            &settings.bands,
        );
        for p in &mut list {
            p.deployments_per_week = p.deployments as f64 / p.weeks();
        }
        periods.insert(kind.name(), list);
    }
    (periods, Some(last))
}

fn ratio(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// What every period computation needs, worked out once.
struct Facts {
    /// Per commit: release time of the release that shipped it.
    shipped: Vec<Option<i64>>,
    kind: Vec<FlowKind>,
    /// Commits in some pull request (its branch or its merge/squash commit).
    in_pr: Vec<bool>,
    /// Release indices sorted by time.
    by_time: Vec<usize>,
    /// Recovery seconds per release index.
    recovery: Vec<Option<i64>>,
    /// Non-merge commits as (committer time, release time or MAX), by committer time.
    landings: Vec<(i64, i64)>,
}

fn facts(
    history: &History,
    correlation: &Correlation,
    prs: &[PullRequest],
    recoveries: &[Recovery],
) -> Facts {
    let shipped: Vec<Option<i64>> = correlation
        .owner
        .iter()
        .map(|o| o.map(|o| correlation.releases[o as usize].time))
        .collect();
    let mut in_pr = vec![false; history.commits.len()];
    for pr in prs {
        in_pr[pr.merge as usize] = true;
        for &c in &pr.commits {
            in_pr[c as usize] = true;
        }
    }
    let mut by_time: Vec<usize> = (0..correlation.releases.len()).collect();
    by_time.sort_by_key(|&r| (correlation.releases[r].time, r));
    let recovery = correlation
        .releases
        .iter()
        .map(|r| {
            recoveries
                .iter()
                .find(|rc| rc.release == r.tag)
                .and_then(|rc| rc.seconds)
        })
        .collect();
    let mut landings: Vec<(i64, i64)> = history
        .commits
        .iter()
        .zip(&shipped)
        .zip(&correlation.counted)
        .filter(|((c, _), counted)| **counted && !c.is_merge())
        .map(|((c, s), _)| (c.committer_time.seconds, s.unwrap_or(i64::MAX)))
        .collect();
    landings.sort_unstable();
    Facts {
        shipped,
        kind: history.commits.iter().map(flow::kind_of).collect(),
        in_pr,
        by_time,
        recovery,
        landings,
    }
}

/// The metrics of every period in `list` (consecutive, sorted), in one pass over
/// the releases, pull requests and commits.
/// The metrics of each period of `list`, of which the history covers `seen`.
fn all_periods(
    (list, seen): (&[Period], (i64, i64)),
    history: &History,
    correlation: &Correlation,
    value: &ValueFolder,
    prs: &[PullRequest],
    f: &Facts,
    thresholds: &bands::Thresholds,
) -> Vec<PeriodMetrics> {
    let bucket = |t: i64| -> Option<usize> {
        let i = list.partition_point(|p| p.end <= t);
        (i < list.len() && list[i].start <= t).then_some(i)
    };
    let n = list.len();
    let mut releases: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &r in &f.by_time {
        if let Some(b) = bucket(correlation.releases[r].time) {
            releases[b].push(r);
        }
    }
    let mut velocity = vec![KindCounts::default(); n];
    let mut flow_times: Vec<Vec<i64>> = vec![Vec::new(); n];
    for pr in prs
        .iter()
        .filter(|pr| pr.commits.iter().any(|&c| correlation.counted[c as usize]))
    {
        if let Some(t) = f.shipped[pr.merge as usize]
            && let Some(b) = bucket(t)
        {
            velocity[b].add(pr.kind);
            flow_times[b].push((t - pr.started).max(0));
        }
    }
    let loads = loads(list, &f.landings);
    let mut out = Vec::with_capacity(n);
    for (i, p) in list.iter().enumerate() {
        let rels: Vec<&Release> = releases[i]
            .iter()
            .map(|&r| &correlation.releases[r])
            .collect();
        // Commits shipped outside any pull request count as items on their own.
        let mut distribution = KindCounts::default();
        for r in &rels {
            for &c in r
                .commits
                .iter()
                .filter(|&&c| !history.commits[c as usize].is_merge())
            {
                distribution.add(f.kind[c as usize]);
                if !f.in_pr[c as usize] {
                    velocity[i].add(f.kind[c as usize]);
                }
            }
        }
        let mut rec: Vec<i64> = releases[i].iter().filter_map(|&r| f.recovery[r]).collect();
        let recovery_time = stats::summarize(&mut rec).map(|s| Median {
            median_seconds: s.median_seconds,
            count: s.count,
        });
        let observed = (p.start.max(seen.0), p.end.min(seen.1));
        let mut m = period((p, observed), &rels, recovery_time, value, thresholds);
        m.flow_distribution = distribution;
        m.flow_velocity = std::mem::take(&mut velocity[i]);
        m.flow_time = stats::summarize(&mut flow_times[i]);
        m.flow_load = loads[i].clone();
        out.push(m);
    }
    out
}

/// The delivery metrics of period `p` from the releases in it; the flow metrics
/// are the caller's to fill.
fn period(
    (p, observed): (&Period, (i64, i64)),
    rels: &[&Release],
    recovery_time: Option<Median>,
    value: &ValueFolder,
    thresholds: &bands::Thresholds,
) -> PeriodMetrics {
    let deployments = rels.len();
    let mut days: Vec<i64> = rels.iter().map(|r| periods::day(r.time)).collect();
    days.dedup();
    let mut lead: Vec<i64> = rels
        .iter()
        .flat_map(|r| r.lead_times.iter().copied())
        .collect();
    let lead_time = stats::summarize(&mut lead);
    let failed = rels.iter().filter(|r| r.failed()).count();
    let hotfixes = rels
        .iter()
        .filter(|r| r.kind == ReleaseKind::Hotfix)
        .count();
    let incidents: Vec<_> = value
        .incidents
        .iter()
        .filter(|inc| inc.started.0 >= p.start && inc.started.0 < p.end)
        .collect();
    let change_failure_rate = ratio(failed, deployments);
    let bands = (p.kind != Kind::Week).then(|| Bands {
        deployment_frequency: Some(deploy_band(observed, &days, thresholds)),
        lead_time: bands::lead_time_with(
            thresholds,
            lead_time.map(|s| s.median_seconds),
            lead_time.map_or(0, |s| s.count),
        ),
        change_failure_rate: bands::change_failure_rate_with(
            thresholds,
            change_failure_rate,
            deployments,
        ),
        recovery_time: bands::recovery_time_with(
            thresholds,
            recovery_time.map(|s| s.median_seconds),
            recovery_time.map_or(0, |s| s.count),
        ),
    });
    PeriodMetrics {
        period: p.label.clone(),
        start: crate::time::rfc3339(p.start),
        end: crate::time::rfc3339(p.end),
        deployments,
        deployments_per_week: 0.0,
        deploy_days: days.len(),
        lead_time,
        change_failure_rate,
        failed_deployments: failed,
        recovery_time,
        rework_rate: ratio(hotfixes, deployments),
        hotfixes,
        bands,
        flow_distribution: KindCounts::default(),
        flow_velocity: KindCounts::default(),
        flow_time: None,
        flow_load: Load::default(),
        incidents: incidents.len(),
        incident_cost: incidents
            .iter()
            .filter_map(|inc| inc.cost)
            .map(|c| c.units())
            .fold(0.0, |a, b| a + b),
        weekly: match p.kind {
            Kind::Quarter => weekly(p, &rels.iter().map(|r| r.time).collect::<Vec<_>>()),
            _ => Vec::new(),
        },
        observed_start: crate::time::rfc3339(observed.0),
        observed_end: crate::time::rfc3339(observed.1),
        span: (p.start, p.end),
        observed,
    }
}

/// Flow load at each period's end: commits landed before it and released at or
/// after it (or never). A sweep: landings enter in time order, and leave once
/// released.
fn loads(list: &[Period], landings: &[(i64, i64)]) -> Vec<Load> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    let mut active: BTreeMap<i64, usize> = BTreeMap::new();
    let mut size = 0usize;
    let mut leaving: BinaryHeap<Reverse<(i64, i64)>> = BinaryHeap::new();
    let mut next = 0;
    let mut out = Vec::with_capacity(list.len());
    for p in list {
        while next < landings.len() && landings[next].0 < p.end {
            let (landed, released) = landings[next];
            *active.entry(landed).or_default() += 1;
            size += 1;
            leaving.push(Reverse((released, landed)));
            next += 1;
        }
        while let Some(&Reverse((released, landed))) = leaving.peek() {
            if released >= p.end {
                break;
            }
            leaving.pop();
            if let Some(count) = active.get_mut(&landed) {
                *count -= 1;
                if *count == 0 {
                    active.remove(&landed);
                }
            }
            size -= 1;
        }
        let oldest = active.keys().next().map(|&t| p.end - t);
        // Ages sorted ascending are landing times descending: the median by rank.
        let median = (size > 0).then(|| {
            let nth = |k: usize| -> i64 {
                let mut seen = 0;
                for (&t, &c) in active.iter().rev() {
                    seen += c;
                    if seen > k {
                        return p.end - t;
                    }
                }
                0
            };
            if size % 2 == 1 {
                nth(size / 2)
            } else {
                (nth(size / 2 - 1) + nth(size / 2)).div_euclid(2)
            }
        });
        out.push(Load {
            commits: size,
            median_age_seconds: median,
            oldest_age_seconds: oldest,
        });
    }
    out
}

/// The whole UTC days of an observed span, which deploy-days count in: from the
/// start of the first event's day to the end of the last event's.
pub fn observed_days((start, end): (i64, i64)) -> (i64, i64) {
    const DAY: i64 = 86_400;
    (
        start.div_euclid(DAY) * DAY,
        (end + DAY - 1).div_euclid(DAY) * DAY,
    )
}

/// Deploy-days in each ISO week and each month that lies entirely inside the days
/// of the period the history observed: weeks before its first commit, or after its
/// last event, are not weeks without a release.
fn deploy_band(observed: (i64, i64), days: &[i64], thresholds: &bands::Thresholds) -> Band {
    let (start, end) = observed_days(observed);
    if end <= start {
        return bands::deployment_frequency_with(thresholds, &[], &[]);
    }
    let count = |kind: Kind| -> Vec<usize> {
        periods::between(kind, start, end - 1)
            .into_iter()
            .filter(|w| w.start >= start && w.end <= end)
            .map(|w| {
                let (a, b) = (periods::day(w.start), periods::day(w.end));
                days.iter().filter(|&&d| d >= a && d < b).count()
            })
            .collect()
    };
    bands::deployment_frequency_with(thresholds, &count(Kind::Week), &count(Kind::Month))
}
