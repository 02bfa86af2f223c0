//! Value-stream maps measured: process and wait per stage (declared, or taken from
//! pull requests for `measured` stages), total lead time, flow efficiency, rolled
//! %C/A, the bottleneck, current against future state, and efficiency over time
//! from the map's history.

use serde::Serialize;

use super::PeriodMetrics;
use super::flow::PullRequest;
use crate::content::{Measured, Stage, ValueFolder};
use crate::history::History;
use crate::metric::Key;
use crate::releases::Correlation;

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct StageTimes {
    pub name: String,
    pub process_seconds: Option<i64>,
    pub wait_seconds: Option<i64>,
    /// Where the times come from: `declared`, or the measure and how many pull
    /// requests it rests on.
    pub source: String,
    /// The measure (`coding`, `review`, `release_wait`) of a measured stage.
    pub measure: Option<&'static str>,
    /// How many pull requests a measured stage's median rests on.
    pub pull_requests: Option<usize>,
    pub complete_accurate: Option<f64>,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct MapMetrics {
    pub stages: Vec<StageTimes>,
    pub process_seconds: i64,
    pub wait_seconds: i64,
    pub lead_time_seconds: i64,
    /// Process over process plus wait; `None` when no stage has a time.
    pub flow_efficiency: Option<f64>,
    /// The product of every stage's %C/A (a stage without one counts as 100%).
    pub rolled_complete_accurate: f64,
    /// The stage with the longest wait.
    pub bottleneck: Option<String>,
    /// Stages measured from git that had no pull requests in the window.
    pub unmeasured: Vec<String>,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct VersionMetrics {
    pub quarter: String,
    pub metrics: MapMetrics,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct StreamMetrics {
    pub id: String,
    /// The window measured stages are taken from (the latest quarter).
    pub window: Option<String>,
    pub current: MapMetrics,
    pub future: Option<MapMetrics>,
    /// Efficiency at the end of each quarter, from the map current then.
    pub over_time: Vec<VersionMetrics>,
    /// Guardrails checked against the latest quarter.
    pub guardrails: Vec<GuardrailCheck>,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct GuardrailCheck {
    /// Named in data.json as the stream file names it (`deploys_per_week`).
    #[serde(serialize_with = "guardrail_name")]
    #[schemars(with = "String")]
    pub metric: Key,
    pub limit: f64,
    pub actual: Option<f64>,
    pub within: Option<bool>,
}

fn guardrail_name<S: serde::Serializer>(key: &Key, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(key.guardrail_name())
}

/// Median seconds of some pull-request durations, with how many.
fn median(mut values: Vec<i64>) -> Option<(i64, usize)> {
    crate::stats::summarize(&mut values).map(|s| (s.median_seconds, s.count))
}

/// Measured stage times from the pull requests merged in `[start, end)`.
struct Measures {
    coding: Option<(i64, usize)>,
    pickup: Option<(i64, usize)>,
    review: Option<(i64, usize)>,
    release_wait: Option<(i64, usize)>,
    /// Pull requests merged in the window, measurable or not.
    merged: usize,
}

fn measures(prs: &[PullRequest], correlation: &Correlation, start: i64, end: i64) -> Measures {
    let merged: Vec<&PullRequest> = prs
        .iter()
        .filter(|p| p.merged >= start && p.merged < end)
        .filter(|p| p.commits.iter().any(|&c| correlation.counted[c as usize]))
        .collect();
    let release_time = |p: &PullRequest| {
        correlation.owner[p.merge as usize].map(|o| correlation.releases[o as usize].time)
    };
    // With an export, coding ends when the pull request opens, pickup runs to the
    // first review and review from it to the merge. From the history alone, a
    // merged branch shows coding (first commit to merge) and review (last commit
    // to merge); a squash commit shows neither, and is left out of both.
    Measures {
        coding: median(
            merged
                .iter()
                .filter_map(|p| match (p.first_commit, p.opened, p.last_commit) {
                    (Some(first), Some(opened), _) => Some((opened - first).max(0)),
                    (_, _, Some(_)) => Some((p.merged - p.started).max(0)),
                    _ => None,
                })
                .collect(),
        ),
        pickup: median(
            merged
                .iter()
                .filter_map(|p| Some((p.first_review? - p.opened?).max(0)))
                .collect(),
        ),
        review: median(
            merged
                .iter()
                .filter_map(|p| match (p.first_review, p.last_commit) {
                    (Some(review), _) if p.opened.is_some() => Some((p.merged - review).max(0)),
                    (_, Some(l)) => Some((p.merged - l).max(0)),
                    _ => None,
                })
                .collect(),
        ),
        merged: merged.len(),
        release_wait: median(
            merged
                .iter()
                .filter_map(|p| release_time(p).map(|t| (t - p.merged).max(0)))
                .collect(),
        ),
    }
}

/// Coding time is hands-on (process); review and release waits are queues (wait).
fn map_metrics(stages: &[Stage], m: &Measures) -> MapMetrics {
    let mut out = Vec::new();
    let mut unmeasured = Vec::new();
    for s in stages {
        let mut measure = None;
        let mut pull_requests = None;
        let (process, wait, source) = match s.measured {
            None => (
                s.process.map(|d| d.0),
                Some(s.wait.map_or(0, |d| d.0)),
                "declared".to_string(),
            ),
            Some(kind) => {
                let (value, name) = match kind {
                    Measured::Coding => (m.coding, "coding"),
                    Measured::Pickup => (m.pickup, "pickup"),
                    Measured::Review => (m.review, "review"),
                    Measured::ReleaseWait => (m.release_wait, "release_wait"),
                };
                measure = Some(name);
                pull_requests = Some(value.map_or(0, |(_, n)| n));
                match value {
                    None => {
                        unmeasured.push(s.name.clone());
                        let why = if m.merged == 0 {
                            "no pull requests".to_string()
                        } else if kind == Measured::Pickup {
                            "needs a pull-request export".to_string()
                        } else {
                            "needs merge commits or a pull-request export".to_string()
                        };
                        (None, None, format!("{name}: {why}"))
                    }
                    Some((v, n)) => {
                        let source = format!("{name}: median of {n} pull requests");
                        if kind == Measured::Coding {
                            (Some(v), Some(0), source)
                        } else {
                            (Some(0), Some(v), source)
                        }
                    }
                }
            }
        };
        out.push(StageTimes {
            name: s.name.clone(),
            process_seconds: process,
            wait_seconds: wait,
            source,
            measure,
            pull_requests,
            complete_accurate: s.complete_accurate.map(|p| p.0),
        });
    }
    let process: i64 = out.iter().filter_map(|s| s.process_seconds).sum();
    let wait: i64 = out.iter().filter_map(|s| s.wait_seconds).sum();
    let bottleneck = out
        .iter()
        .filter(|s| s.wait_seconds.unwrap_or(0) > 0)
        .max_by_key(|s| s.wait_seconds)
        .map(|s| s.name.clone());
    MapMetrics {
        process_seconds: process,
        wait_seconds: wait,
        lead_time_seconds: process + wait,
        flow_efficiency: (process + wait > 0).then(|| process as f64 / (process + wait) as f64),
        rolled_complete_accurate: out
            .iter()
            .map(|s| s.complete_accurate.unwrap_or(1.0))
            .product(),
        bottleneck,
        unmeasured,
        stages: out,
    }
}

pub fn compute(
    value: &ValueFolder,
    _history: &History,
    correlation: &Correlation,
    prs: &[PullRequest],
    quarters: &[PeriodMetrics],
    now: i64,
) -> Vec<StreamMetrics> {
    // The latest quarter that has ended by the last event, else the current one.
    let latest = quarters
        .iter()
        .rev()
        .find(|q| q.span.1 <= now)
        .or(quarters.last());
    value
        .streams
        .iter()
        .map(|stream| {
            let window = latest.map(|q| q.span).unwrap_or((i64::MIN, i64::MAX));
            let m = measures(prs, correlation, window.0, window.1);
            let over_time = stream
                .history
                .iter()
                .flat_map(|v| v.quarters.iter().map(move |q| (q, v)))
                .filter_map(|(q, v)| {
                    let p = quarters.iter().find(|p| p.period == q.to_string())?;
                    let m = measures(prs, correlation, p.span.0, p.span.1);
                    Some(VersionMetrics {
                        quarter: q.to_string(),
                        metrics: map_metrics(&v.stages, &m),
                    })
                })
                .collect();
            let guardrails = latest.map(|q| guardrails(stream, q)).unwrap_or_default();
            StreamMetrics {
                id: stream.id.clone(),
                window: latest.map(|q| q.period.clone()),
                current: map_metrics(&stream.stages, &m),
                future: stream.future.as_ref().map(|f| map_metrics(f, &m)),
                over_time,
                guardrails,
            }
        })
        .collect()
}

/// Each guardrail the stream declares, against the repository's latest quarter.
pub fn guardrails(stream: &crate::content::Stream, q: &PeriodMetrics) -> Vec<GuardrailCheck> {
    let g = &stream.guardrails;
    let mut out = Vec::new();
    let mut check = |metric: Key, limit: Option<f64>| {
        if let Some(limit) = limit {
            let actual = q.value(metric);
            // Higher is better only for the release rate.
            let higher_is_better = metric == Key::DeploymentsPerWeek;
            out.push(GuardrailCheck {
                metric,
                limit,
                actual,
                within: actual.map(|a| {
                    if higher_is_better {
                        a >= limit
                    } else {
                        a <= limit
                    }
                }),
            });
        }
    };
    check(Key::ChangeFailureRate, g.change_failure_rate.map(|p| p.0));
    check(Key::LeadTime, g.lead_time.map(|d| d.0 as f64));
    check(Key::RecoveryTime, g.recovery_time.map(|d| d.0 as f64));
    check(Key::DeploymentsPerWeek, g.deploys_per_week);
    out
}
