//! What's next: the quarter after the one told, as the overview and the pack end
//! with it. Initiatives in progress or proposed (with their dates and estimated
//! value), goal targets falling due by its end with their status, and guardrails
//! the latest quarter broke.

use serde::Serialize;

use super::goals::{Progress, Status};
use super::{Sentence, Tone, Words};
use crate::content::{Initiative, Status as Work, ValueFolder};
use crate::metrics::streams::{GuardrailCheck, StreamMetrics};

#[derive(Clone, Debug, Default, Serialize, schemars::JsonSchema)]
pub struct Next {
    /// The coming quarter: the one running at `as_of`.
    pub period: Option<String>,
    pub initiatives: Vec<Sentence>,
    pub goals: Vec<Sentence>,
    pub guardrails: Vec<Sentence>,
}

/// The quarter holding `seconds`, and the first second after it.
fn quarter_of(seconds: i64) -> (String, i64) {
    let date = &crate::time::rfc3339(seconds)[..10];
    let year: i32 = date[..4].parse().unwrap_or(1970);
    let month: u32 = date[5..7].parse().unwrap_or(1);
    let q = (month - 1) / 3 + 1;
    let (ny, nm) = if q == 4 {
        (year + 1, 1)
    } else {
        (year, q * 3 + 1)
    };
    let end =
        crate::time::parse_date_or_datetime(&format!("{ny:04}-{nm:02}-01")).unwrap_or(i64::MAX);
    (format!("{year}-Q{q}"), end)
}

pub fn coming(
    folder: &ValueFolder,
    goals: &[Progress],
    streams: &[StreamMetrics],
    as_of: i64,
    currency: Option<&str>,
) -> Next {
    let (period, end) = quarter_of(as_of);
    let initiatives = folder
        .initiatives
        .iter()
        .enumerate()
        .filter(|(_, i)| matches!(i.status, Work::InProgress | Work::Proposed))
        .map(|(k, i)| open_initiative(k, i, currency))
        .collect();
    let goals = goals
        .iter()
        .filter(|g| g.by_day.is_some_and(|b| b > as_of && b < end))
        .filter(|g| !matches!(g.status, Status::Met | Status::Missed))
        .map(due_goal)
        .collect();
    let guardrails = streams
        .iter()
        .enumerate()
        .flat_map(|(s, m)| {
            let name = folder
                .streams
                .iter()
                .find(|st| st.id == m.id)
                .map_or(m.id.clone(), |st| st.name.clone());
            let passed = m.guardrails.iter().enumerate();
            passed
                .filter(|(_, g)| g.within == Some(false))
                .map(|(k, g)| guardrail_passed(&name, s, m, k, g))
                .collect::<Vec<_>>()
        })
        .collect();
    Next {
        period: Some(period),
        initiatives,
        goals,
        guardrails,
    }
}

/// "“Checkout in one step” (in progress since 2026-07-01), estimated USD 120,000 a
/// year (medium confidence)."
fn open_initiative(k: usize, i: &Initiative, currency: Option<&str>) -> Sentence {
    let state = match (i.status, i.started) {
        (Work::InProgress, Some(d)) => format!("in progress since {d}"),
        (Work::InProgress, None) => "in progress".to_string(),
        _ => "proposed".to_string(),
    };
    let w = Words::new().quote(&i.title).say(format!(" ({state})"));
    let w = match &i.value {
        Some(v) => w
            .say(", estimated ")
            .num(
                v.amount.units(),
                super::metric::Unit::Money,
                currency,
                format!("/initiatives/{k}/value/amount"),
                "estimate",
            )
            .say(format!(
                " {} ({} confidence)",
                match v.per {
                    "year" => "a year",
                    "month" => "a month",
                    _ => "once",
                },
                v.confidence
            )),
        None => w,
    };
    w.say(".").tone(Tone::Neutral)
}

/// "Due by 2026-12-31: " and the goal's progress sentence.
fn due_goal(g: &Progress) -> Sentence {
    let due = format!("Due by {}: ", g.by.as_deref().unwrap_or_default());
    let mut parts = vec![super::Part {
        text: due.clone(),
        pointer: None,
        unit: None,
        period: None,
        kind: None,
    }];
    parts.extend(g.parts.iter().cloned());
    Sentence {
        text: format!("{due}{}", g.text),
        tone: match g.status {
            Status::AtRisk => Tone::Worse,
            _ => Tone::Neutral,
        },
        refs: g.refs.clone(),
        parts,
        change: None,
        href: None,
    }
}

/// "“Checkout”: change failure rate at 12.0%, past its guardrail of 10.0% in
/// 2026-Q3."
fn guardrail_passed(
    name: &str,
    s: usize,
    m: &StreamMetrics,
    k: usize,
    g: &GuardrailCheck,
) -> Sentence {
    let unit = g.metric.unit();
    let window = m.window.as_deref().unwrap_or("the latest quarter");
    let metric = g.metric.guardrail_name().replace('_', " ");
    let w = Words::new().quote(name).say(format!(": {metric} at "));
    let w = match g.actual {
        Some(a) => w.num(
            a,
            unit,
            None,
            format!("/stream_metrics/{s}/guardrails/{k}/actual"),
            window,
        ),
        None => w.say("–"),
    };
    w.say(", past its guardrail of ")
        .num(
            g.limit,
            unit,
            None,
            format!("/stream_metrics/{s}/guardrails/{k}/limit"),
            "limit",
        )
        .say(format!(" in {window}."))
        .tone(Tone::Worse)
}
