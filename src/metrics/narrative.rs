//! The story in facts: for each quarter against the one before, what moved, by how
//! much, whether that is good, and which band it moved between; and the incidents,
//! what they cost and what was learned. Templates word them; nothing here writes
//! prose.

use serde::Serialize;

use super::PeriodMetrics;
use super::bands::Level;
use crate::content::ValueFolder;

#[derive(Clone, Debug, Serialize)]
pub struct Fact {
    pub metric: &'static str,
    pub period: String,
    pub previous_period: String,
    pub previous: f64,
    pub current: f64,
    /// current / previous - 1; `None` when the previous value was 0.
    pub change: Option<f64>,
    /// `better`, `worse` or `same`.
    pub direction: &'static str,
    pub band_before: Option<Level>,
    pub band_after: Option<Level>,
}

#[derive(Clone, Debug, Serialize)]
pub struct IncidentFact {
    pub id: String,
    pub title: String,
    pub severity: &'static str,
    pub cost: Option<f64>,
    pub lessons: Option<String>,
    pub duration_seconds: Option<i64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct QuarterStory {
    pub period: String,
    pub facts: Vec<Fact>,
    pub incidents: Vec<IncidentFact>,
    pub incident_cost: f64,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Narrative {
    /// The latest quarter that has ended (by the last commit or release), which the
    /// executive view tells; the current one while none has.
    pub latest: Option<String>,
    pub quarters: Vec<QuarterStory>,
}

fn fact(
    metric: &'static str,
    prev: &PeriodMetrics,
    cur: &PeriodMetrics,
    value: impl Fn(&PeriodMetrics) -> Option<f64>,
    lower_is_better: bool,
    band: impl Fn(&PeriodMetrics) -> Option<Level>,
) -> Option<Fact> {
    let (previous, current) = (value(prev)?, value(cur)?);
    let change = (previous != 0.0).then(|| current / previous - 1.0);
    let direction = if (current - previous).abs() < 1e-9 {
        "same"
    } else if (current < previous) == lower_is_better {
        "better"
    } else {
        "worse"
    };
    Some(Fact {
        metric,
        period: cur.period.clone(),
        previous_period: prev.period.clone(),
        previous,
        current,
        change,
        direction,
        band_before: band(prev),
        band_after: band(cur),
    })
}

pub fn facts(quarters: &[PeriodMetrics], value: &ValueFolder, now: i64) -> Narrative {
    let mut stories = Vec::new();
    for pair in quarters.windows(2) {
        let (prev, cur) = (&pair[0], &pair[1]);
        let band_of = |f: fn(&super::Bands) -> Option<Level>| {
            move |p: &PeriodMetrics| p.bands.as_ref().and_then(f)
        };
        let facts = [
            fact(
                "deployments_per_week",
                prev,
                cur,
                |p| Some(p.deployments as f64 / p.weeks()),
                false,
                band_of(|b| b.deployment_frequency.as_ref().and_then(|d| d.level)),
            ),
            fact(
                "lead_time",
                prev,
                cur,
                |p| p.lead_time.map(|l| l.median_seconds as f64),
                true,
                band_of(|b| b.lead_time.level),
            ),
            fact(
                "change_failure_rate",
                prev,
                cur,
                |p| p.change_failure_rate,
                true,
                band_of(|b| b.change_failure_rate.level),
            ),
            fact(
                "recovery_time",
                prev,
                cur,
                |p| p.recovery_time.map(|r| r.median_seconds as f64),
                true,
                band_of(|b| b.recovery_time.level),
            ),
            fact(
                "flow_time",
                prev,
                cur,
                |p| p.flow_time.map(|f| f.median_seconds as f64),
                true,
                |_| None,
            ),
        ]
        .into_iter()
        .flatten()
        .collect();
        let incidents: Vec<IncidentFact> = value
            .incidents
            .iter()
            .filter(|i| i.started.0 >= cur.span.0 && i.started.0 < cur.span.1)
            .map(|i| IncidentFact {
                id: i.id.value.clone(),
                title: i.title.clone(),
                severity: i.severity,
                cost: i.cost.map(|c| c.units()),
                lessons: i.lessons.clone(),
                duration_seconds: i.resolved.map(|r| r.0 - i.started.0),
            })
            .collect();
        stories.push(QuarterStory {
            period: cur.period.clone(),
            facts,
            incident_cost: incidents
                .iter()
                .filter_map(|i| i.cost)
                .fold(0.0, |a, b| a + b),
            incidents,
        });
    }
    let latest = quarters
        .iter()
        .rev()
        .find(|q| q.span.1 <= now)
        .or(quarters.last())
        .map(|q| q.period.clone());
    Narrative {
        latest,
        quarters: stories,
    }
}
