//! Wins and lessons: what a quarter achieved and what its incidents taught, as
//! sentences bound to data like every other. Wins come in a fixed order: goal
//! targets met, initiatives finished, guardrails brought back within their limits,
//! case studies published. Lessons are the `lessons` the incident log records for
//! the incidents that started in the quarter.

use super::goals::{Progress, Status};
use super::{Part, QuarterStory, Sentence, State, Tone, Words};
use crate::content::{Status as Work, ValueFolder};
use crate::metrics::PeriodMetrics;

/// Quarter `i`'s wins. `stories` holds every quarter's goals as of its last day.
pub fn wins(
    quarters: &[PeriodMetrics],
    i: usize,
    stories: &[QuarterStory],
    folder: &ValueFolder,
    as_of: i64,
) -> Vec<Sentence> {
    let q = &quarters[i];
    let within = |t: i64| t >= q.span.0 && t < q.span.1;
    let mut out = Vec::new();
    // A target met by the quarter's last day that was not met by the last day of
    // the quarter before.
    for (k, g) in stories[i].goals.iter().enumerate() {
        let before = i
            .checked_sub(1)
            .and_then(|p| stories[p].goals.get(k))
            .map(|g| g.status);
        if g.status == Status::Met && before != Some(Status::Met) {
            let title = folder
                .goals
                .iter()
                .find(|x| x.id.value == g.goal)
                .map_or(g.goal.as_str(), |x| x.title.as_str());
            let lead = Words::new()
                .say("Goal target met for ")
                .quote(title)
                .say(". ")
                .link(format!("goals.html#{}", g.goal));
            out.push(then(lead, g));
        }
    }
    for i in &folder.initiatives {
        let Some(finished) = i.finished.filter(|_| i.status == Work::Done) else {
            continue;
        };
        if within(finished.start_seconds()) {
            let w = Words::new().say("Initiative finished: ").quote(&i.title);
            let w = match i.started {
                Some(s) => w.say(format!(", started {s} and finished {finished}.")),
                None => w.say(format!(", finished {finished}.")),
            };
            out.push(
                w.link(format!("initiatives/{}.html", i.id))
                    .tone(Tone::Better),
            );
        }
    }
    if let Some(before) = i.checked_sub(1).map(|p| &quarters[p])
        && super::state(q, as_of) != State::SoFar
    {
        out.extend(guardrails_back(folder, before, q, i));
    }
    for c in &folder.case_studies {
        if within(c.date.start_seconds()) {
            out.push(
                Words::new()
                    .say("Case study published: ")
                    .quote(&c.title)
                    .say(format!(" ({}).", c.date))
                    .link(format!("case-studies/{}.html", c.slug))
                    .tone(Tone::Better),
            );
        }
    }
    out
}

/// The guardrails passed in the quarter before and kept in this one:
/// "“Checkout”: change failure rate back within its guardrail of 15.0%, at 8.0%
/// in 2026-Q3."
fn guardrails_back(
    folder: &ValueFolder,
    before: &PeriodMetrics,
    q: &PeriodMetrics,
    i: usize,
) -> Vec<Sentence> {
    let mut out = Vec::new();
    for (s, stream) in folder.streams.iter().enumerate() {
        let then = crate::metrics::streams::guardrails(stream, before);
        let now = crate::metrics::streams::guardrails(stream, q);
        for (k, (a, b)) in then.iter().zip(&now).enumerate() {
            let (Some(false), Some(true), Some(actual)) = (a.within, b.within, b.actual) else {
                continue;
            };
            let unit = b.metric.unit();
            let metric = b.metric.guardrail_name().replace('_', " ");
            out.push(
                Words::new()
                    .quote(&stream.name)
                    .say(format!(": {metric} back within its guardrail of "))
                    .num(
                        b.limit,
                        unit,
                        None,
                        format!("/stream_metrics/{s}/guardrails/{k}/limit"),
                        "limit",
                    )
                    .say(", at ")
                    .num(
                        actual,
                        unit,
                        None,
                        format!("/periods/quarter/{i}/{}", b.metric.field()),
                        &q.period,
                    )
                    .say(format!(" in {}, after ", q.period))
                    .num(
                        a.actual.unwrap_or_default(),
                        unit,
                        None,
                        format!("/periods/quarter/{}/{}", i - 1, b.metric.field()),
                        &before.period,
                    )
                    .say(format!(" in {}.", before.period))
                    .link(format!("streams/{}.html", stream.id))
                    .tone(Tone::Better),
            );
        }
    }
    out
}

/// `lead`, then the target's own progress sentence.
fn then(lead: Words, g: &Progress) -> Sentence {
    let lead = lead.tone(Tone::Better);
    let mut parts: Vec<Part> = lead.parts;
    parts.extend(g.parts.iter().cloned());
    Sentence {
        text: format!("{}{}", lead.text, g.text),
        tone: Tone::Better,
        refs: g.refs.clone(),
        parts,
        change: None,
        href: lead.href,
    }
}

/// The quarter's lessons, one per incident that started in it and records one.
pub fn lessons(q: &PeriodMetrics, folder: &ValueFolder) -> Vec<Sentence> {
    folder
        .incidents
        .iter()
        .filter(|i| i.started.0 >= q.span.0 && i.started.0 < q.span.1)
        .filter_map(|i| {
            let lessons = i.lessons.as_deref()?;
            Some(
                Words::new()
                    .id(&i.id.value)
                    .say(" (")
                    .quote(&i.title)
                    .say("): ")
                    .quote(lessons)
                    .link(format!("incidents.html#{}", i.id.value))
                    .tone(Tone::Neutral),
            )
        })
        .collect()
}
