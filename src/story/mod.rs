//! The story: from the metrics, what to say, in what order, against what. It picks
//! the quarter the executive page and the pack tell, compares each quarter with the
//! one before and the same quarter a year earlier, and calls a change a rise or a
//! fall only when the data can carry it (the rule is on the methodology page). Its
//! sentences go into data.json with the JSON pointers of the numbers they rest on;
//! templates show them and compose none.

pub mod goals;
pub mod metric;
mod next;

use serde::Serialize;

use crate::metrics::PeriodMetrics;
use metric::{Better, KEYS, Metric};

/// When a change between two quarters counts as one.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Rules {
    /// The smallest relative change called a rise or a fall (0.10: 10%).
    pub min_change: f64,
    /// The fewest data points in each quarter (releases, commits, recoveries).
    pub min_points: usize,
}

impl Default for Rules {
    fn default() -> Rules {
        Rules {
            min_change: 0.10,
            min_points: 5,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Story {
    /// The moment the story is told from: the built revision's last commit or
    /// release, whichever is later (never the clock, so builds repeat exactly).
    pub as_of: String,
    pub rules: Rules,
    /// The quarter the executive page and the pack tell: the latest that has ended,
    /// or, when that one had no release, the last that had one.
    pub told: Option<String>,
    /// What the executive page and the pack open with.
    pub headline: Vec<Sentence>,
    /// Each quarter's own story, in the order of `periods.quarter`.
    pub quarters: Vec<QuarterStory>,
    /// Each goal target's progress and status.
    pub goals: Vec<goals::Progress>,
    /// The coming quarter: work in flight, goals falling due, guardrails broken.
    pub next: next::Next,
}

#[derive(Clone, Debug, Serialize)]
pub struct QuarterStory {
    pub period: String,
    pub state: State,
    /// What the quarter was, and how it compares with the same quarter a year before.
    pub summary: Vec<Sentence>,
    /// How it compares with the quarter before.
    pub changes: Vec<Sentence>,
}

/// Whether a quarter can be compared as a whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Ended,
    /// Still running at `as_of`: told as "so far", never compared.
    SoFar,
    /// Ended, but the history starts inside it: never compared.
    Partial,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Sentence {
    pub text: String,
    pub tone: Tone,
    /// JSON pointers into data.json of the numbers the sentence rests on.
    pub refs: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tone {
    Better,
    Worse,
    Steady,
    TooFew,
    Neutral,
}

/// A release, as the story names one.
pub struct ReleaseAt<'a> {
    pub tag: &'a str,
    pub time: i64,
}

/// One metric in one quarter: its value, how many points it rests on, and where
/// data.json holds them.
struct Observed {
    period: String,
    value: Option<f64>,
    points: usize,
    state: State,
    refs: Vec<String>,
}

fn observe(metric: &Metric, q: &PeriodMetrics, index: usize, as_of: i64) -> Observed {
    let at = |field: &str| format!("/periods/quarter/{index}/{field}");
    // A median and its count, or the field itself when it is null.
    let nested = |present: bool, field: &str| match present {
        true => vec![
            at(&format!("{field}/median_seconds")),
            at(&format!("{field}/count")),
        ],
        false => vec![at(field)],
    };
    let (value, points, refs) = match metric.id {
        "deployments" => (
            Some(q.deployments as f64),
            q.deployments,
            vec![at("deployments")],
        ),
        "lead_time" => (
            q.lead_time.map(|l| l.median_seconds as f64),
            q.lead_time.map_or(0, |l| l.count),
            nested(q.lead_time.is_some(), "lead_time"),
        ),
        "change_failure_rate" => (
            q.change_failure_rate,
            q.deployments,
            vec![
                at("change_failure_rate"),
                at("failed_deployments"),
                at("deployments"),
            ],
        ),
        _ => (
            q.recovery_time.map(|r| r.median_seconds as f64),
            q.recovery_time.map_or(0, |r| r.count),
            nested(q.recovery_time.is_some(), "recovery_time"),
        ),
    };
    Observed {
        period: q.period.clone(),
        value,
        points,
        state: state(q, as_of),
        refs,
    }
}

pub(crate) fn state(q: &PeriodMetrics, as_of: i64) -> State {
    if q.span.1 > as_of + 1 {
        State::SoFar
    } else if q.observed.0 > q.span.0 {
        State::Partial
    } else {
        State::Ended
    }
}

/// How `after` compares with `before` under the rules, as a sentence.
fn compare(metric: &Metric, before: &Observed, after: &Observed, rules: &Rules) -> Sentence {
    let refs: Vec<String> = before.refs.iter().chain(&after.refs).cloned().collect();
    // The label names what is counted: "Releases rose from 15 in ...".
    let show = |v: f64| match metric.unit {
        metric::Unit::Count { .. } => format!("{}", v.round() as i64),
        unit => unit.format(v),
    };
    let sentence = |text: String, tone: Tone| Sentence {
        text,
        tone,
        refs: refs.clone(),
    };
    for o in [before, after] {
        let why = match o.state {
            State::SoFar => "is still running",
            State::Partial => "was only partly observed",
            State::Ended => continue,
        };
        return sentence(
            format!("{}: not compared, since {} {why}.", metric.label, o.period),
            Tone::Neutral,
        );
    }
    let (Some(b), Some(a)) = (before.value, after.value) else {
        return too_few(metric, before, after, refs);
    };
    if before.points < rules.min_points || after.points < rules.min_points {
        return too_few(metric, before, after, refs);
    }
    let change = if b == 0.0 {
        if a == 0.0 { 0.0 } else { f64::INFINITY }
    } else {
        a / b - 1.0
    };
    if change.abs() < rules.min_change {
        return sentence(
            format!(
                "{} held steady: {} in {}, {} in {}.",
                metric.label,
                show(b),
                before.period,
                show(a),
                after.period
            ),
            Tone::Steady,
        );
    }
    let rose = a > b;
    let better = rose == (metric.better == Better::Higher);
    let percent = if change.is_finite() {
        format!(" ({:+.0}%)", change * 100.0)
    } else {
        String::new()
    };
    sentence(
        format!(
            "{} {} from {} in {} to {} in {}{percent}.",
            metric.label,
            if rose { "rose" } else { "fell" },
            show(b),
            before.period,
            show(a),
            after.period
        ),
        if better { Tone::Better } else { Tone::Worse },
    )
}

fn too_few(metric: &Metric, before: &Observed, after: &Observed, refs: Vec<String>) -> Sentence {
    Sentence {
        text: format!(
            "{}: too few to compare ({} in {}, {} in {}).",
            metric.label,
            metric.points.format(before.points as f64),
            before.period,
            metric.points.format(after.points as f64),
            after.period
        ),
        tone: Tone::TooFew,
        refs,
    }
}

/// "2026-Q3: 66 releases; median lead time 10.0 hours; 1 of 66 releases failed
/// (1.5%); median recovery time 30 minutes."
fn summary(q: &PeriodMetrics, index: usize, as_of: i64) -> Sentence {
    let at = |field: &str| format!("/periods/quarter/{index}/{field}");
    let mut parts = vec![metric::DEPLOYMENTS.unit.format(q.deployments as f64)];
    let mut refs = vec![at("deployments")];
    if let Some(l) = q.lead_time {
        parts.push(format!(
            "median lead time {}",
            metric::duration(l.median_seconds)
        ));
        refs.push(at("lead_time/median_seconds"));
    }
    if let Some(rate) = q.change_failure_rate {
        parts.push(format!(
            "{} of {} failed ({})",
            q.failed_deployments,
            metric::DEPLOYMENTS.unit.format(q.deployments as f64),
            metric::Unit::Share.format(rate)
        ));
        refs.extend([at("failed_deployments"), at("change_failure_rate")]);
    }
    if let Some(r) = q.recovery_time {
        parts.push(format!(
            "median recovery time {}",
            metric::duration(r.median_seconds)
        ));
        refs.push(at("recovery_time/median_seconds"));
    }
    let label = match state(q, as_of) {
        State::SoFar => format!("{} so far", q.period),
        _ => q.period.clone(),
    };
    Sentence {
        text: format!("{label}: {}.", parts.join("; ")),
        tone: Tone::Neutral,
        refs,
    }
}

/// The four quarters ending with `last`, in one sentence.
fn window(quarters: &[PeriodMetrics], last: usize) -> Sentence {
    let first = last.saturating_sub(3);
    let span = &quarters[first..=last];
    let released: usize = span.iter().map(|q| q.deployments).sum();
    let failed: usize = span.iter().map(|q| q.failed_deployments).sum();
    let mut refs = Vec::new();
    for i in first..=last {
        refs.push(format!("/periods/quarter/{i}/deployments"));
        refs.push(format!("/periods/quarter/{i}/failed_deployments"));
    }
    Sentence {
        text: format!(
            "From {} to {}: {}, {} of them failed.",
            quarters[first].period,
            quarters[last].period,
            metric::DEPLOYMENTS.unit.format(released as f64),
            failed
        ),
        tone: Tone::Neutral,
        refs,
    }
}

/// The quarter label a year before `period` (`2026-Q3` → `2025-Q3`).
fn year_before(period: &str) -> Option<String> {
    let (year, n) = period.split_once("-Q")?;
    Some(format!("{}-Q{n}", year.parse::<i32>().ok()? - 1))
}

/// `2026-08-14`.
fn date(seconds: i64) -> String {
    crate::time::rfc3339(seconds)[..10].to_string()
}

pub fn tell(
    quarters: &[PeriodMetrics],
    releases: &[ReleaseAt<'_>],
    folder: &crate::content::ValueFolder,
    as_of: i64,
    rules: Rules,
    currency: Option<&str>,
    streams: &[crate::metrics::streams::StreamMetrics],
) -> Story {
    let mut stories = Vec::new();
    for (i, q) in quarters.iter().enumerate() {
        let mut summary_lines = vec![summary(q, i, as_of)];
        let mut changes = Vec::new();
        if let Some(y) =
            year_before(&q.period).and_then(|label| quarters.iter().position(|p| p.period == label))
        {
            for m in &KEYS {
                summary_lines.push(compare(
                    m,
                    &observe(m, &quarters[y], y, as_of),
                    &observe(m, q, i, as_of),
                    &rules,
                ));
            }
        }
        if let Some(p) = i.checked_sub(1) {
            for m in &KEYS {
                changes.push(compare(
                    m,
                    &observe(m, &quarters[p], p, as_of),
                    &observe(m, q, i, as_of),
                    &rules,
                ));
            }
        }
        stories.push(QuarterStory {
            period: q.period.clone(),
            state: state(q, as_of),
            summary: summary_lines,
            changes,
        });
    }

    // The latest quarter that has ended; when it had no release, the last that had.
    let ended = quarters
        .iter()
        .rposition(|q| state(q, as_of) != State::SoFar);
    let with_release = quarters
        .iter()
        .rposition(|q| state(q, as_of) != State::SoFar && q.deployments > 0);
    let mut headline = Vec::new();
    let told = match (ended, with_release) {
        (Some(e), Some(r)) => {
            // The last release before the quarter that had none ended.
            let end = quarters[e].span.1;
            if e != r
                && let Some(last) = releases
                    .iter()
                    .filter(|r| r.time < end)
                    .max_by_key(|r| r.time)
            {
                headline.push(Sentence {
                    text: format!(
                        "{} had no release; the last was {} on {}, so this is the story of the four quarters to {}.",
                        quarters[e].period,
                        last.tag,
                        date(last.time),
                        quarters[r].period
                    ),
                    tone: Tone::Neutral,
                    refs: vec![format!("/periods/quarter/{e}/deployments")],
                });
                headline.push(window(quarters, r));
            }
            headline.extend(stories[r].summary.iter().cloned());
            Some(quarters[r].period.clone())
        }
        (Some(e), None) => {
            headline.extend(stories[e].summary.iter().cloned());
            Some(quarters[e].period.clone())
        }
        // No quarter has ended yet: the running one, so far.
        (None, _) if !quarters.is_empty() => {
            let last = quarters.len() - 1;
            headline.extend(stories[last].summary.iter().cloned());
            Some(quarters[last].period.clone())
        }
        _ => None,
    };
    let goal_progress = goals::progress(folder, quarters, as_of, currency);
    Story {
        as_of: crate::time::rfc3339(as_of),
        rules,
        told,
        headline,
        quarters: stories,
        next: next::coming(folder, &goal_progress, streams, as_of, currency),
        goals: goal_progress,
    }
}
