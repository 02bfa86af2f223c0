//! The story in facts: for each quarter against the one before, what moved, by how
//! much, whether that is good, and which band it moved between; and the incidents,
//! what they cost and what was learned. Templates word them; nothing here writes
//! prose.

use serde::Serialize;

use super::PeriodMetrics;
use super::bands::Level;
use crate::content::ValueFolder;
use crate::metric::Key;

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
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

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct IncidentFact {
    pub id: String,
    pub title: String,
    pub severity: &'static str,
    pub cost: Option<f64>,
    pub lessons: Option<String>,
    pub duration_seconds: Option<i64>,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct QuarterStory {
    pub period: String,
    pub facts: Vec<Fact>,
    pub incidents: Vec<IncidentFact>,
    pub incident_cost: f64,
}

#[derive(Clone, Debug, Default, Serialize, schemars::JsonSchema)]
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

type BandOf = fn(&PeriodMetrics) -> Option<Level>;

/// The facts told of each quarter against the one before: the metric, whether
/// lower is better, and its band.
const FACTS: [(Key, bool, BandOf); 5] = [
    (Key::DeploymentsPerWeek, false, |p| {
        let b = p.bands.as_ref()?;
        b.deployment_frequency.as_ref()?.level
    }),
    (Key::LeadTime, true, |p| p.bands.as_ref()?.lead_time.level),
    (Key::ChangeFailureRate, true, |p| {
        p.bands.as_ref()?.change_failure_rate.level
    }),
    (Key::RecoveryTime, true, |p| {
        p.bands.as_ref()?.recovery_time.level
    }),
    (Key::FlowTime, true, |_| None),
];

pub fn facts(quarters: &[PeriodMetrics], value: &ValueFolder, now: i64) -> Narrative {
    let mut stories = Vec::new();
    for pair in quarters.windows(2) {
        let (prev, cur) = (&pair[0], &pair[1]);
        let facts = FACTS
            .iter()
            .filter_map(|&(key, lower_is_better, band)| {
                fact(key.id(), prev, cur, |p| p.value(key), lower_is_better, band)
            })
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
