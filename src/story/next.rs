//! What's next: the quarter after the one told, as the overview and the pack end
//! with it. Initiatives in progress or proposed (with their dates and estimated
//! value), goal targets falling due by its end with their status, and guardrails
//! the latest quarter broke.

use serde::Serialize;

use super::goals::{Progress, Status};
use super::{Sentence, Tone};
use crate::content::{Status as Work, ValueFolder};
use crate::metrics::streams::StreamMetrics;

#[derive(Clone, Debug, Default, Serialize)]
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
    let money = |v: f64| super::metric::money(v, currency);
    let neutral = |text: String, refs: Vec<String>| Sentence {
        text,
        tone: Tone::Neutral,
        refs,
    };
    let initiatives = folder
        .initiatives
        .iter()
        .enumerate()
        .filter(|(_, i)| matches!(i.status, Work::InProgress | Work::Proposed))
        .map(|(k, i)| {
            let state = match (i.status, i.started) {
                (Work::InProgress, Some(d)) => format!("in progress since {d}"),
                (Work::InProgress, None) => "in progress".to_string(),
                _ => "proposed".to_string(),
            };
            let value = i.value.as_ref().map_or(String::new(), |v| {
                format!(
                    ", estimated {} {} ({} confidence)",
                    money(v.amount.units()),
                    match v.per {
                        "year" => "a year",
                        "month" => "a month",
                        _ => "once",
                    },
                    v.confidence
                )
            });
            let refs = if i.value.is_some() {
                vec![format!("/initiatives/{k}/value/amount")]
            } else {
                Vec::new()
            };
            neutral(format!("{} ({state}){value}.", i.title), refs)
        })
        .collect();
    let goals = goals
        .iter()
        .filter(|g| g.by_day.is_some_and(|b| b > as_of && b < end))
        .filter(|g| !matches!(g.status, Status::Met | Status::Missed))
        .map(|g| Sentence {
            text: format!("Due by {}: {}", g.by.as_deref().unwrap_or_default(), g.text),
            tone: match g.status {
                Status::AtRisk => Tone::Worse,
                _ => Tone::Neutral,
            },
            refs: g.refs.clone(),
        })
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
            m.guardrails
                .iter()
                .enumerate()
                .filter(|(_, g)| g.within == Some(false))
                .map(move |(k, g)| {
                    let show = |v: f64| match g.metric {
                        "change_failure_rate" => super::metric::Unit::Share.format(v),
                        "lead_time" | "recovery_time" => super::metric::duration(v.round() as i64),
                        _ => super::metric::Unit::PerWeek.format(v),
                    };
                    Sentence {
                        text: format!(
                            "{name}: {} at {}, past its guardrail of {} in {}.",
                            g.metric.replace('_', " "),
                            g.actual.map_or("–".to_string(), show),
                            show(g.limit),
                            m.window.as_deref().unwrap_or("the latest quarter")
                        ),
                        tone: Tone::Worse,
                        refs: vec![
                            format!("/stream_metrics/{s}/guardrails/{k}/actual"),
                            format!("/stream_metrics/{s}/guardrails/{k}/limit"),
                        ],
                    }
                })
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
