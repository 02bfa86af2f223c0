//! Goals with measured progress. A target that names a delivery metric is measured
//! from the ended quarters; one that names a recorded measure, from its values.
//! Its status, as of the built revision (rules on the methodology page):
//! - met: the target was reached on or before `by`;
//! - missed: `by` has passed without it;
//! - on track: a straight line through the baseline (the last value on or before
//!   `baseline_date`, else the first) and the latest value reaches it by `by`;
//! - at risk: otherwise.

use serde::Serialize;

use super::metric::{self, Unit};
use super::{State, state};
use crate::content::{MeasureUnit, ValueFolder};
use crate::metrics::PeriodMetrics;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Met,
    Missed,
    OnTrack,
    AtRisk,
    /// The target names neither a delivery metric nor a recorded measure.
    NotMeasured,
}

impl Status {
    pub fn words(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::Missed => "missed",
            Status::OnTrack => "on track",
            Status::AtRisk => "at risk",
            Status::NotMeasured => "not measured",
        }
    }
}

/// One goal target's progress.
#[derive(Clone, Debug, Serialize)]
pub struct Progress {
    pub goal: String,
    pub metric: String,
    pub status: Status,
    /// "Median lead time: 10.0 hours as of 2026-09-30 ..."; what the pages show.
    pub text: String,
    /// JSON pointers into data.json of the values it rests on.
    pub refs: Vec<String>,
    /// The day the target is due, when it has one.
    pub by: Option<String>,
    #[serde(skip)]
    pub by_day: Option<i64>,
}

/// A value on a day, and where data.json holds it.
#[derive(Clone, Debug)]
struct Point {
    day: i64,
    value: f64,
    at: String,
}

const DAY: i64 = 86_400;

fn day_of(date: &crate::content::units::Date) -> i64 {
    date.start_seconds()
}

fn show_date(day: i64) -> String {
    crate::time::rfc3339(day)[..10].to_string()
}

/// How a value of this target is written.
fn writer(metric: &str, unit: MeasureUnit, currency: Option<&str>) -> impl Fn(f64) -> String {
    let currency = currency.map(str::to_string);
    let deployments = metric == "deployments";
    move |v: f64| match unit {
        MeasureUnit::Percent => Unit::Share.format(v),
        MeasureUnit::Duration => metric::duration(v.round() as i64),
        MeasureUnit::Number if deployments => metric::DEPLOYMENTS.unit.format(v),
        MeasureUnit::Number => trim(v),
        MeasureUnit::Money => metric::money(v, currency.as_deref()),
    }
}

/// `3`, `3.5`, `3.25`: at most two decimals, none when whole.
fn trim(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The values of a delivery metric: each ended quarter's, on its last day.
fn delivery_series(metric: &str, quarters: &[PeriodMetrics], as_of: i64) -> Vec<Point> {
    quarters
        .iter()
        .enumerate()
        .filter(|(_, q)| state(q, as_of) != State::SoFar)
        .filter_map(|(i, q)| {
            let at = |f: &str| format!("/periods/quarter/{i}/{f}");
            let (value, at) = match metric {
                "deployments" => (Some(q.deployments as f64), at("deployments")),
                "lead_time" => (
                    q.lead_time.map(|l| l.median_seconds as f64),
                    at("lead_time/median_seconds"),
                ),
                "change_failure_rate" => (q.change_failure_rate, at("change_failure_rate")),
                _ => (
                    q.recovery_time.map(|r| r.median_seconds as f64),
                    at("recovery_time/median_seconds"),
                ),
            };
            Some(Point {
                day: q.span.1 - DAY,
                value: value?,
                at,
            })
        })
        .collect()
}

/// The status of reaching `target` from `series`, as of `as_of`.
fn status(
    series: &[Point],
    target: f64,
    higher: bool,
    baseline_day: Option<i64>,
    by: Option<i64>,
    as_of: i64,
) -> (Status, Option<i64>) {
    let reached = |v: f64| if higher { v >= target } else { v <= target };
    let deadline = by.map_or(i64::MAX, |b| b + DAY - 1);
    if let Some(p) = series
        .iter()
        .find(|p| p.day <= deadline && reached(p.value))
    {
        return (Status::Met, Some(p.day));
    }
    let Some(by) = by else {
        return (Status::AtRisk, None);
    };
    if deadline < as_of {
        return (Status::Missed, None);
    }
    let since: Vec<&Point> = series
        .iter()
        .filter(|p| baseline_day.is_none_or(|b| p.day >= b))
        .collect();
    let (Some(first), Some(last)) = (since.first(), since.last()) else {
        return (Status::AtRisk, None);
    };
    if last.day <= first.day {
        return (Status::AtRisk, None);
    }
    let slope = (last.value - first.value) / (last.day - first.day) as f64;
    let projected = last.value + slope * (by + DAY - 1 - last.day) as f64;
    if reached(projected) {
        (Status::OnTrack, None)
    } else {
        (Status::AtRisk, None)
    }
}

pub fn progress(
    folder: &ValueFolder,
    quarters: &[PeriodMetrics],
    as_of: i64,
    currency: Option<&str>,
) -> Vec<Progress> {
    let mut out = Vec::new();
    for g in &folder.goals {
        for t in &g.targets {
            let measure = folder
                .measures
                .iter()
                .enumerate()
                .find(|(_, m)| m.id == t.metric);
            let (label, unit, higher, series) =
                if let Some(unit) = crate::content::delivery_unit(&t.metric) {
                    let m = metric::KEYS.iter().find(|m| m.id == t.metric);
                    (
                        m.map_or(t.metric.clone(), |m| m.label.to_string()),
                        unit,
                        m.is_some_and(|m| m.better == metric::Better::Higher),
                        delivery_series(&t.metric, quarters, as_of),
                    )
                } else if let Some((k, m)) = measure {
                    let series = m
                        .values
                        .iter()
                        .enumerate()
                        .map(|(j, (date, value))| Point {
                            day: day_of(date),
                            value: *value,
                            at: format!("/measures/{k}/values/{j}/1"),
                        })
                        .collect();
                    (m.name.clone(), m.unit, m.higher_is_better, series)
                } else {
                    out.push(Progress {
                        goal: g.id.value.clone(),
                        metric: t.metric.clone(),
                        status: Status::NotMeasured,
                        text: format!(
                            "{}: target {}{}.",
                            t.metric.replace('_', " "),
                            t.target,
                            t.by.map(|b| format!(" by {b}")).unwrap_or_default()
                        ),
                        refs: Vec::new(),
                        by: t.by.map(|b| b.to_string()),
                        by_day: t.by.as_ref().map(day_of),
                    });
                    continue;
                };
            let Ok(target) = unit.parse_value(&t.target) else {
                continue; // `check` reports it.
            };
            let show = writer(&t.metric, unit, currency);
            // Values known on the built revision's day only.
            let series: Vec<Point> = series.into_iter().filter(|p| p.day <= as_of).collect();
            // The baseline: the last value on or before `baseline_date`, else the first.
            let baseline = match t.baseline_date.as_ref().map(day_of) {
                Some(b) => series.iter().rev().find(|p| p.day <= b).or(series.first()),
                None => series.first(),
            };
            let by = t.by.as_ref().map(day_of);
            let (status, met_on) =
                status(&series, target, higher, baseline.map(|b| b.day), by, as_of);
            let current = series.last();
            let mut refs: Vec<String> = Vec::new();
            let mut text = format!("{label}: ");
            match current {
                Some(c) => {
                    text.push_str(&format!("{} as of {}", show(c.value), show_date(c.day)));
                    refs.push(c.at.clone());
                }
                None => text.push_str("no value yet"),
            }
            if let Some(b) = baseline.filter(|b| current.is_some_and(|c| c.day != b.day)) {
                text.push_str(&format!(", from {} on {}", show(b.value), show_date(b.day)));
                refs.push(b.at.clone());
            }
            text.push_str(&format!("; target {}", show(target)));
            if let Some(by) = by {
                text.push_str(&format!(" by {}", show_date(by)));
            }
            text.push_str(&match (status, met_on) {
                (Status::Met, Some(day)) => format!(": met on {}.", show_date(day)),
                (s, _) => format!(": {}.", s.words()),
            });
            out.push(Progress {
                goal: g.id.value.clone(),
                metric: t.metric.clone(),
                status,
                text,
                refs,
                by: by.map(show_date),
                by_day: by,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(points: &[(i64, f64)]) -> Vec<Point> {
        points
            .iter()
            .map(|&(d, v)| Point {
                day: d * DAY,
                value: v,
                at: String::new(),
            })
            .collect()
    }

    // Days counted from 0; the target is 3.2 (higher is better) by day 100.
    #[test]
    fn met_when_reached_on_or_before_by() {
        let s = series(&[(0, 2.4), (50, 3.0), (100, 3.2), (120, 2.0)]);
        assert_eq!(
            status(&s, 3.2, true, None, Some(100 * DAY), 200 * DAY),
            (Status::Met, Some(100 * DAY))
        );
    }

    #[test]
    fn missed_once_by_has_passed_without_it() {
        // Reached on day 101, one day late.
        let s = series(&[(0, 2.4), (101, 3.2)]);
        assert_eq!(
            status(&s, 3.2, true, None, Some(100 * DAY), 101 * DAY).0,
            Status::Missed
        );
    }

    #[test]
    fn on_track_when_the_line_since_the_baseline_reaches_it_by_by() {
        // From 2.4 on day 0 to 2.8 on day 50: 0.008 a day, 3.2 on day 100.
        let s = series(&[(0, 2.4), (50, 2.8)]);
        assert_eq!(
            status(&s, 3.2, true, None, Some(100 * DAY), 50 * DAY).0,
            Status::OnTrack
        );
        // From a later baseline the line is flatter: day 40 at 2.75 to day 50 at
        // 2.8 reaches 3.05 on day 100.
        let s = series(&[(0, 2.4), (40, 2.75), (50, 2.8)]);
        assert_eq!(
            status(&s, 3.2, true, Some(40 * DAY), Some(100 * DAY), 50 * DAY).0,
            Status::AtRisk
        );
    }

    #[test]
    fn at_risk_when_the_line_falls_short_or_there_is_one_value() {
        let s = series(&[(0, 2.4), (50, 2.6)]);
        assert_eq!(
            status(&s, 3.2, true, None, Some(100 * DAY), 50 * DAY).0,
            Status::AtRisk
        );
        let s = series(&[(0, 2.4)]);
        assert_eq!(
            status(&s, 3.2, true, None, Some(100 * DAY), 50 * DAY).0,
            Status::AtRisk
        );
    }

    #[test]
    fn lower_is_better_is_reached_from_above() {
        // Lead time 6 weeks down to a day (in days here).
        let s = series(&[(0, 42.0), (30, 2.0), (60, 0.9)]);
        assert_eq!(
            status(&s, 1.0, false, None, Some(90 * DAY), 90 * DAY),
            (Status::Met, Some(60 * DAY))
        );
    }
}
