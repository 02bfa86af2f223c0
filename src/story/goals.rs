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
use crate::metric::Key;
use crate::metrics::PeriodMetrics;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
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
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Progress {
    pub goal: String,
    pub metric: String,
    pub status: Status,
    /// "Median lead time: 10.0 hours as of 2026-09-30 ..."; what the pages show.
    pub text: String,
    /// JSON pointers into data.json of the values it rests on.
    pub refs: Vec<String>,
    /// The text in parts, each number bound to data.json.
    pub parts: Vec<super::Part>,
    /// The target value, in the measure's unit (seconds, a fraction, money, ...).
    pub target: Option<f64>,
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
    /// The period the value belongs to: its quarter, or `asof:` its day.
    period: String,
}

const DAY: i64 = 86_400;

fn day_of(date: &crate::content::units::Date) -> i64 {
    date.start_seconds()
}

fn show_date(day: i64) -> String {
    crate::time::rfc3339(day)[..10].to_string()
}

/// The unit a value of this target is written in.
fn unit_of(metric: &str, unit: MeasureUnit) -> Unit {
    match unit {
        MeasureUnit::Percent => Unit::Share,
        MeasureUnit::Duration => Unit::Duration,
        MeasureUnit::Number if metric == "deployments" => metric::DEPLOYMENTS.unit,
        MeasureUnit::Number => Unit::Decimal,
        MeasureUnit::Money => Unit::Money,
    }
}

/// The values of a delivery metric: each ended quarter's, on its last day.
fn delivery_series(metric: &str, quarters: &[PeriodMetrics], as_of: i64) -> Vec<Point> {
    quarters
        .iter()
        .enumerate()
        .filter(|(_, q)| state(q, as_of) != State::SoFar)
        .filter_map(|(i, q)| {
            let key = Key::named(metric)?;
            Some(Point {
                day: q.span.1 - DAY,
                value: q.value(key)?,
                at: format!("/periods/quarter/{i}/{}", key.field()),
                period: q.period.clone(),
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

/// The baseline: the last value on or before `baseline_date`, else the first.
fn baseline<'a>(series: &'a [Point], t: &crate::content::Target) -> Option<&'a Point> {
    match t.baseline_date.as_ref().map(day_of) {
        Some(b) => series.iter().rev().find(|p| p.day <= b).or(series.first()),
        None => series.first(),
    }
}

/// The status of a target on a delivery metric over one service's ended quarters,
/// by the same rules as a service's own story: `values` are each ended quarter's
/// last day (seconds) and value, in order. `None` when the target names no
/// delivery metric or does not read.
pub fn delivery_status(
    t: &crate::content::Target,
    values: &[(i64, f64)],
    as_of: i64,
) -> Option<Status> {
    let unit = crate::content::delivery_unit(&t.metric)?;
    let higher = metric::KEYS
        .iter()
        .find(|m| m.id == t.metric)
        .is_some_and(|m| m.better == metric::Better::Higher);
    status_of(t, unit, higher, values, as_of)
}

/// The status of a target on a series of `values` (day in seconds, value) in
/// `unit`, by the story's rules; `None` when the target does not read in `unit`.
pub fn status_of(
    t: &crate::content::Target,
    unit: MeasureUnit,
    higher: bool,
    values: &[(i64, f64)],
    as_of: i64,
) -> Option<Status> {
    let target = unit.parse_value(&t.target).ok()?;
    let series: Vec<Point> = values
        .iter()
        .filter(|(day, _)| *day <= as_of)
        .map(|&(day, value)| Point {
            day,
            value,
            at: String::new(),
            period: String::new(),
        })
        .collect();
    let baseline = baseline(&series, t);
    let by = t.by.as_ref().map(day_of);
    Some(status(&series, target, higher, baseline.map(|b| b.day), by, as_of).0)
}

/// Each goal target's progress as of `as_of`; `at` is where data.json holds the
/// list (`/story/goals`), for the targets the sentences write.
pub fn progress(
    folder: &ValueFolder,
    quarters: &[PeriodMetrics],
    as_of: i64,
    currency: Option<&str>,
    at: &str,
) -> Vec<Progress> {
    let mut out = Vec::new();
    for g in &folder.goals {
        for t in &g.targets {
            let Some(measured) = measured(folder, t, quarters, as_of) else {
                out.push(not_measured(g, t));
                continue;
            };
            let target_at = format!("{at}/{}/target", out.len());
            out.extend(measured.progress(g, t, as_of, currency, target_at));
        }
    }
    out
}

/// What a target's metric measures: its label, unit, direction and values.
struct Measured {
    label: String,
    unit: MeasureUnit,
    higher: bool,
    series: Vec<Point>,
}

/// The values a target's metric has: a delivery metric's, quarter by quarter, or a
/// measure's, as recorded; `None` when nothing measures it.
fn measured(
    folder: &ValueFolder,
    t: &crate::content::Target,
    quarters: &[PeriodMetrics],
    as_of: i64,
) -> Option<Measured> {
    if let Some(unit) = crate::content::delivery_unit(&t.metric) {
        let m = metric::KEYS.iter().find(|m| m.id == t.metric);
        return Some(Measured {
            label: m.map_or(t.metric.clone(), |m| m.label.to_string()),
            unit,
            higher: m.is_some_and(|m| m.better == metric::Better::Higher),
            series: delivery_series(&t.metric, quarters, as_of),
        });
    }
    let (k, m) = folder
        .measures
        .iter()
        .enumerate()
        .find(|(_, m)| m.id == t.metric)?;
    let series = m
        .values
        .iter()
        .enumerate()
        .map(|(j, (date, value))| Point {
            day: day_of(date),
            value: *value,
            at: format!("/measures/{k}/values/{j}/1"),
            period: format!("asof:{date}"),
        })
        .collect();
    Some(Measured {
        label: m.name.clone(),
        unit: m.unit,
        higher: m.higher_is_better,
        series,
    })
}

/// The target as written, since nothing measures it.
fn not_measured(g: &crate::content::Goal, t: &crate::content::Target) -> Progress {
    let said = super::Words::new()
        .say(format!("{}: target ", t.metric.replace('_', " ")))
        .quote(&t.target)
        .say(format!(
            "{}.",
            t.by.map(|b| format!(" by {b}")).unwrap_or_default()
        ))
        .tone(super::Tone::Neutral);
    Progress {
        goal: g.id.value.clone(),
        metric: t.metric.clone(),
        status: Status::NotMeasured,
        text: said.text,
        refs: Vec::new(),
        parts: said.parts,
        target: None,
        by: t.by.map(|b| b.to_string()),
        by_day: t.by.as_ref().map(day_of),
    }
}

impl Measured {
    /// The progress towards target `t`: its status and the sentence that says it,
    /// the target bound at `target_at`; `None` when the target does not read
    /// (`check` reports it).
    fn progress(
        self,
        g: &crate::content::Goal,
        t: &crate::content::Target,
        as_of: i64,
        currency: Option<&str>,
        target_at: String,
    ) -> Option<Progress> {
        let target = self.unit.parse_value(&t.target).ok()?;
        let unit = unit_of(&t.metric, self.unit);
        // Values known on the built revision's day only.
        let series: Vec<Point> = self.series.into_iter().filter(|p| p.day <= as_of).collect();
        let baseline = baseline(&series, t);
        let by = t.by.as_ref().map(day_of);
        let (status, met_on) = status(
            &series,
            target,
            self.higher,
            baseline.map(|b| b.day),
            by,
            as_of,
        );
        let current = series.last();
        let mut w = super::Words::new().say(format!("{}: ", self.label));
        match current {
            Some(c) => {
                w = w
                    .num(c.value, unit, currency, c.at.clone(), &c.period)
                    .say(format!(" as of {}", show_date(c.day)));
            }
            None => w = w.say("no value yet"),
        }
        if let Some(b) = baseline.filter(|b| current.is_some_and(|c| c.day != b.day)) {
            w = w
                .say(", from ")
                .num(b.value, unit, currency, b.at.clone(), &b.period)
                .say(format!(" on {}", show_date(b.day)));
        }
        let target_period = by.map_or("target".to_string(), |b| format!("by:{}", show_date(b)));
        w = w
            .say("; target ")
            .num(target, unit, currency, target_at, &target_period);
        if let Some(by) = by {
            w = w.say(format!(" by {}", show_date(by)));
        }
        w = w.say(match (status, met_on) {
            (Status::Met, Some(day)) => format!(": met on {}.", show_date(day)),
            (s, _) => format!(": {}.", s.words()),
        });
        let said = w.tone(super::Tone::Neutral);
        // The target is the goal's own; the sentence rests on the measured values.
        let refs = said
            .refs
            .iter()
            .filter(|r| !r.starts_with("/story/"))
            .cloned()
            .collect();
        Some(Progress {
            goal: g.id.value.clone(),
            metric: t.metric.clone(),
            status,
            text: said.text,
            refs,
            parts: said.parts,
            target: Some(target),
            by: by.map(show_date),
            by_day: by,
        })
    }
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
                period: String::new(),
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
