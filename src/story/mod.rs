//! The story: from the metrics, what to say, in what order, against what. It picks
//! the quarter the executive page and the pack tell, compares each quarter with the
//! one before and the same quarter a year earlier, and calls a change a rise or a
//! fall only when the data can carry it (the rule is on the methodology page). Its
//! sentences go into data.json with the JSON pointers of the numbers they rest on;
//! templates show them and compose none.

pub mod goals;
pub use crate::metric;
mod next;
mod wins;

use serde::Serialize;

use crate::metrics::PeriodMetrics;
use metric::{Better, KEYS, Key, Metric};

pub use crate::config::StoryRules as Rules;

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
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

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct QuarterStory {
    pub period: String,
    pub state: State,
    /// What the quarter was, and how it compares with the same quarter a year before.
    pub summary: Vec<Sentence>,
    /// How it compares with the quarter before.
    pub changes: Vec<Sentence>,
    /// Each goal target's progress as of the quarter's last day.
    pub goals: Vec<goals::Progress>,
    /// What went well: goals met, initiatives finished, guardrails brought back
    /// within their limits, case studies published, in that order.
    pub wins: Vec<Sentence>,
    /// The lessons the incident log records for the quarter's incidents.
    pub lessons: Vec<Sentence>,
}

/// Whether a quarter can be compared as a whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Ended,
    /// Still running at `as_of`: told as "so far", never compared.
    SoFar,
    /// Ended, but the history starts inside it: never compared.
    Partial,
}

#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Sentence {
    pub text: String,
    pub tone: Tone,
    /// JSON pointers into data.json of the numbers the sentence rests on.
    pub refs: Vec<String>,
    /// The text in parts: words, and each number with where data.json holds it,
    /// so a page can bind every number it shows.
    pub parts: Vec<Part>,
    /// A comparison's relative change (0.25: 25% more), which its text writes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<f64>,
    /// Where the sentence's evidence is, relative to the site's root
    /// (`incidents.html#INC-4`), for the sentences about one thing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub href: Option<String>,
}

/// A piece of a sentence: words, a number from data.json, or a name that is not a
/// number though it may hold digits (a tag, or text someone wrote).
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Part {
    pub text: String,
    /// The JSON pointer into data.json of the number this part writes; `change`
    /// (no leading slash) is the sentence's own `change`.
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    /// The unit it is written in ([`metric::Unit::name`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<&'static str>,
    /// The period the number belongs to: `2026-Q3`, `since:2025-01-06`,
    /// `asof:2026-11-20`, `by:2026-12-31`, or `estimate`, `target`, `limit` for
    /// values someone wrote in the value folder.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// `tag` or `quote` (text from the value folder) for names that are not numbers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<&'static str>,
}

/// A sentence put together part by part.
#[derive(Default)]
pub(crate) struct Words {
    parts: Vec<Part>,
    refs: Vec<String>,
    change: Option<f64>,
    href: Option<String>,
}

impl Words {
    pub(crate) fn new() -> Words {
        Words::default()
    }

    fn part(mut self, text: String, kind: Option<&'static str>) -> Words {
        if text.is_empty() {
            return self;
        }
        if kind.is_none()
            && let Some(last) = self.parts.last_mut()
            && last.pointer.is_none()
            && last.kind.is_none()
        {
            last.text.push_str(&text);
            return self;
        }
        self.parts.push(Part {
            text,
            pointer: None,
            unit: None,
            period: None,
            kind,
        });
        self
    }

    /// Words, which must hold no number from the data.
    pub(crate) fn say(self, text: impl Into<String>) -> Words {
        self.part(text.into(), None)
    }

    /// A release tag.
    pub(crate) fn tag(self, tag: &str) -> Words {
        self.part(tag.to_string(), Some("tag"))
    }

    /// An identifier someone chose (an incident's `INC-4`), shown as written.
    pub(crate) fn id(self, id: &str) -> Words {
        self.part(id.to_string(), Some("id"))
    }

    /// Text someone wrote in the value folder (a title), shown as written.
    pub(crate) fn quote(self, text: &str) -> Words {
        self.part(text.to_string(), Some("quote"))
    }

    /// `value`, written in `unit`, from where `pointer` says data.json holds it.
    pub(crate) fn num(
        self,
        value: f64,
        unit: metric::Unit,
        currency: Option<&str>,
        pointer: String,
        period: &str,
    ) -> Words {
        let mut w = self;
        w.refs.push(pointer.clone());
        w.parts.push(Part {
            text: unit.format_in(value, currency),
            pointer: Some(pointer),
            unit: Some(unit.name()),
            period: Some(period.to_string()),
            kind: None,
        });
        w
    }

    /// The relative change the sentence states, written as `+25%`.
    pub(crate) fn change(mut self, change: f64, period: &str) -> Words {
        self.change = Some(change);
        self.parts.push(Part {
            text: metric::Unit::Change.format(change),
            pointer: Some("change".to_string()),
            unit: Some(metric::Unit::Change.name()),
            period: Some(period.to_string()),
            kind: None,
        });
        self
    }

    /// Where the sentence's evidence is, relative to the site's root.
    pub(crate) fn link(mut self, href: String) -> Words {
        self.href = Some(href);
        self
    }

    /// A number the sentence rests on without writing it.
    pub(crate) fn rests_on(mut self, pointer: String) -> Words {
        self.refs.push(pointer);
        self
    }

    pub(crate) fn tone(self, tone: Tone) -> Sentence {
        let mut refs = Vec::new();
        for r in self.refs {
            if !refs.contains(&r) {
                refs.push(r);
            }
        }
        Sentence {
            text: self.parts.iter().map(|p| p.text.as_str()).collect(),
            tone,
            refs,
            parts: self.parts,
            change: self.change,
            href: self.href,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
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
    /// Where data.json holds the value (or its null).
    at: String,
    points: usize,
    /// Where data.json holds the count of points.
    points_at: String,
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
    // What the value counts, and the references a sentence about it binds.
    let (points, points_at, refs) = match metric.key {
        Key::Deployments | Key::DeploymentsPerWeek => {
            (q.deployments, at("deployments"), vec![at("deployments")])
        }
        Key::ChangeFailureRate => (
            q.deployments,
            at("deployments"),
            vec![
                at("change_failure_rate"),
                at("failed_deployments"),
                at("deployments"),
            ],
        ),
        Key::LeadTime => (
            q.lead_time.map_or(0, |l| l.count),
            at("lead_time/count"),
            nested(q.lead_time.is_some(), "lead_time"),
        ),
        Key::RecoveryTime => (
            q.recovery_time.map_or(0, |r| r.count),
            at("recovery_time/count"),
            nested(q.recovery_time.is_some(), "recovery_time"),
        ),
        Key::FlowTime => (
            q.flow_time.map_or(0, |f| f.count),
            at("flow_time/count"),
            nested(q.flow_time.is_some(), "flow_time"),
        ),
        Key::FailedDeployments | Key::ReworkRate | Key::FlowEfficiency => (
            q.deployments,
            at("deployments"),
            vec![at(metric.key.field())],
        ),
    };
    let (value, value_at) = (q.value(metric.key), at(metric.key.field()));
    Observed {
        period: q.period.clone(),
        value,
        at: value_at,
        points,
        points_at,
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
    let rest = |w: Words| {
        before
            .refs
            .iter()
            .chain(&after.refs)
            .fold(w, |w, r| w.rests_on(r.clone()))
    };
    // The label names what is counted: "Releases rose from 15 in ...".
    let unit = match metric.unit {
        metric::Unit::Count { .. } => metric::Unit::Number,
        unit => unit,
    };
    let show = |w: Words, o: &Observed| match o.value {
        Some(v) => w.num(v, unit, None, o.at.clone(), &o.period),
        None => w.say("–"),
    };
    for o in [before, after] {
        let why = match o.state {
            State::SoFar => "is still running",
            State::Partial => "was only partly observed",
            State::Ended => continue,
        };
        return rest(Words::new().say(format!(
            "{}: not compared, since {} {why}.",
            metric.label, o.period
        )))
        .tone(Tone::Neutral);
    }
    let (Some(b), Some(a)) = (before.value, after.value) else {
        return too_few(metric, before, after, rest(Words::new()));
    };
    if before.points < rules.min_points || after.points < rules.min_points {
        return too_few(metric, before, after, rest(Words::new()));
    }
    let change = if b == 0.0 {
        if a == 0.0 { 0.0 } else { f64::INFINITY }
    } else {
        a / b - 1.0
    };
    if change.abs() < rules.min_change {
        let w = show(
            rest(Words::new()).say(format!("{} held steady: ", metric.label)),
            before,
        )
        .say(format!(" in {}, ", before.period));
        return show(w, after)
            .say(format!(" in {}.", after.period))
            .tone(Tone::Steady);
    }
    let rose = a > b;
    let better = rose == (metric.better == Better::Higher);
    let w = rest(Words::new()).say(format!(
        "{} {} from ",
        metric.label,
        if rose { "rose" } else { "fell" }
    ));
    let w = show(w, before).say(format!(" in {} to ", before.period));
    let w = show(w, after).say(format!(" in {}", after.period));
    // The relative change is the story's own arithmetic on two bound numbers.
    let w = if change.is_finite() {
        w.say(" (").change(change, &after.period).say(")")
    } else {
        w
    };
    w.say(".")
        .tone(if better { Tone::Better } else { Tone::Worse })
}

fn too_few(metric: &Metric, before: &Observed, after: &Observed, w: Words) -> Sentence {
    let points = |w: Words, o: &Observed| match o.points {
        0 => w.say(format!("no {}", plural(metric.points))),
        n => w.num(
            n as f64,
            metric.points,
            None,
            o.points_at.clone(),
            &o.period,
        ),
    };
    let w = points(
        w.say(format!("{}: too few to compare (", metric.label)),
        before,
    )
    .say(format!(" in {}, ", before.period));
    points(w, after)
        .say(format!(" in {}).", after.period))
        .tone(Tone::TooFew)
}

fn plural(unit: metric::Unit) -> &'static str {
    match unit {
        metric::Unit::Count { many, .. } => many,
        _ => "values",
    }
}

/// "2026-Q3: 66 releases; median lead time 10.0 hours; 1 of 66 releases failed
/// (1.5%); median recovery time 30 minutes."
fn summary(q: &PeriodMetrics, index: usize, as_of: i64) -> Sentence {
    let at = |field: &str| format!("/periods/quarter/{index}/{field}");
    let p = q.period.as_str();
    let label = match state(q, as_of) {
        State::SoFar => format!("{} so far", q.period),
        _ => q.period.clone(),
    };
    let mut w = Words::new().say(format!("{label}: ")).num(
        q.deployments as f64,
        metric::DEPLOYMENTS.unit,
        None,
        at("deployments"),
        p,
    );
    if let Some(l) = q.lead_time {
        w = w.say("; median lead time ").num(
            l.median_seconds as f64,
            metric::Unit::Duration,
            None,
            at("lead_time/median_seconds"),
            p,
        );
    }
    if let Some(rate) = q.change_failure_rate {
        w = w
            .say("; ")
            .num(
                q.failed_deployments as f64,
                metric::Unit::Number,
                None,
                at("failed_deployments"),
                p,
            )
            .say(" of ")
            .num(
                q.deployments as f64,
                metric::DEPLOYMENTS.unit,
                None,
                at("deployments"),
                p,
            )
            .say(" failed (")
            .num(
                rate,
                metric::Unit::Share,
                None,
                at("change_failure_rate"),
                p,
            )
            .say(")");
    }
    if let Some(r) = q.recovery_time {
        w = w.say("; median recovery time ").num(
            r.median_seconds as f64,
            metric::Unit::Duration,
            None,
            at("recovery_time/median_seconds"),
            p,
        );
    }
    w.say(".").tone(Tone::Neutral)
}

/// The four quarters ending with `last`, in one sentence: each quarter's releases
/// and failures, bound where data.json holds them.
fn window(quarters: &[PeriodMetrics], last: usize) -> Sentence {
    let first = last.saturating_sub(3);
    let mut w = Words::new().say(format!(
        "From {} to {}, releases: ",
        quarters[first].period, quarters[last].period
    ));
    for (i, q) in quarters.iter().enumerate().take(last + 1).skip(first) {
        if i > first {
            w = w.say(", ");
        }
        w = w
            .num(
                q.deployments as f64,
                metric::Unit::Number,
                None,
                format!("/periods/quarter/{i}/deployments"),
                &q.period,
            )
            .say(format!(" in {} (", q.period))
            .num(
                q.failed_deployments as f64,
                metric::Unit::Number,
                None,
                format!("/periods/quarter/{i}/failed_deployments"),
                &q.period,
            )
            .say(" failed)");
    }
    w.say(".").tone(Tone::Neutral)
}

/// The quarter label a year before `period` (`2026-Q3` → `2025-Q3`).
pub fn year_before(period: &str) -> Option<String> {
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
    let mut stories: Vec<QuarterStory> = (0..quarters.len())
        .map(|i| quarter_story(quarters, i, as_of, &rules))
        .collect();
    let (told, headline) = match headline(quarters, releases, as_of) {
        Some((told, mut lines)) => {
            lines.extend(stories[told].summary.iter().cloned());
            (Some(quarters[told].period.clone()), lines)
        }
        None => (None, Vec::new()),
    };
    let goal_progress = goals::progress(folder, quarters, as_of, currency, "/story/goals");
    // Each quarter's goals as they stood on its last day (the running quarter's
    // today), for its page and its pack.
    for (i, (story, q)) in stories.iter_mut().zip(quarters).enumerate() {
        story.goals = goals::progress(
            folder,
            quarters,
            (q.span.1 - 1).min(as_of),
            currency,
            &format!("/story/quarters/{i}/goals"),
        );
    }
    for i in 0..stories.len() {
        stories[i].wins = wins::wins(quarters, i, &stories, folder, as_of);
        stories[i].lessons = wins::lessons(&quarters[i], folder);
    }
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

/// Quarter `i`'s summary (against the same quarter a year before, when there is
/// one) and its changes against the quarter before.
fn quarter_story(quarters: &[PeriodMetrics], i: usize, as_of: i64, rules: &Rules) -> QuarterStory {
    let q = &quarters[i];
    let against = |p: usize| -> Vec<Sentence> {
        KEYS.iter()
            .map(|m| {
                compare(
                    m,
                    &observe(m, &quarters[p], p, as_of),
                    &observe(m, q, i, as_of),
                    rules,
                )
            })
            .collect()
    };
    let mut summary_lines = vec![summary(q, i, as_of)];
    let year =
        year_before(&q.period).and_then(|label| quarters.iter().position(|p| p.period == label));
    if let Some(y) = year {
        summary_lines.extend(against(y));
    }
    QuarterStory {
        period: q.period.clone(),
        state: state(q, as_of),
        summary: summary_lines,
        changes: i.checked_sub(1).map(against).unwrap_or_default(),
        goals: Vec::new(),
        wins: Vec::new(),
        lessons: Vec::new(),
    }
}

/// The quarter the story tells (the latest that has ended; when it had no release,
/// the last that had; while none has ended, the running one), with the lines that
/// explain a quarter passed over.
fn headline(
    quarters: &[PeriodMetrics],
    releases: &[ReleaseAt<'_>],
    as_of: i64,
) -> Option<(usize, Vec<Sentence>)> {
    let ended = quarters
        .iter()
        .rposition(|q| state(q, as_of) != State::SoFar);
    let with_release = quarters
        .iter()
        .rposition(|q| state(q, as_of) != State::SoFar && q.deployments > 0);
    let (e, r) = match (ended, with_release) {
        (Some(e), Some(r)) => (e, r),
        (Some(e), None) => return Some((e, Vec::new())),
        // No quarter has ended yet: the running one, so far.
        (None, _) => return quarters.len().checked_sub(1).map(|last| (last, Vec::new())),
    };
    // The last release before the quarter that had none ended.
    let end = quarters[e].span.1;
    let last = releases
        .iter()
        .filter(|r| r.time < end)
        .max_by_key(|r| r.time);
    let Some(last) = last.filter(|_| e != r) else {
        return Some((r, Vec::new()));
    };
    let passed_over = Words::new()
        .say(format!(
            "{} had no release; the last was ",
            quarters[e].period
        ))
        .tag(last.tag)
        .say(format!(
            " on {}, so this is the story of the four quarters to {}.",
            date(last.time),
            quarters[r].period
        ))
        .rests_on(format!("/periods/quarter/{e}/deployments"))
        .tone(Tone::Neutral);
    Some((r, vec![passed_over, window(quarters, r)]))
}
