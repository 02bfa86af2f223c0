//! Where a portfolio's services stand, quarter by quarter: for each key, which
//! services are in which band (judged again from each service's raw values with the
//! portfolio's band set), which have too little data for a band, and which have no
//! data at all. Never an average: DORA's metrics belong to a service, and a blend of
//! services says nothing true about any of them.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rayon::prelude::*;

use serde::Serialize;

use super::config::Service;
use super::input::{Quarter, ServiceData, Span};
use crate::config::{StoryRules, Thresholds};
use crate::metrics::bands::{self, Band, Level};
use crate::metrics::periods::{self, Kind};

/// The four keys, as data.json names them, and as pages name them.
pub const KEYS: [(&str, &str); 4] = [
    ("deployment_frequency", "Deployment frequency"),
    ("lead_time", "Lead time for changes"),
    ("change_failure_rate", "Change failure rate"),
    ("recovery_time", "Failed deployment recovery time"),
];

const LEVELS: [Level; 4] = [Level::Elite, Level::High, Level::Medium, Level::Low];

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Model {
    pub title: String,
    pub band_set: Thresholds,
    /// How many services `portfolio.yaml` lists, and how many teams they name.
    pub service_count: usize,
    pub team_count: usize,
    /// The quarter told in detail: the latest that has ended, unless asked.
    pub told: Option<String>,
    pub services: Vec<ServiceSummary>,
    /// Every quarter any service has, latest first.
    pub quarters: Vec<QuarterView>,
    /// Each team's services in the told quarter.
    pub teams: Vec<TeamView>,
    /// The goals of the portfolio's own value folder, judged for each service.
    pub goals: Vec<super::goals::GoalView>,
    /// The initiatives of the portfolio's own value folder, service by service.
    pub initiatives: Vec<super::initiatives::InitiativeView>,
}

/// The portfolio's own value folder, beside `portfolio.yaml`: goals and
/// initiatives that span services.
#[derive(Debug, Default)]
pub struct Value {
    pub goals: Vec<crate::content::Goal>,
    pub initiatives: Vec<crate::content::Initiative>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct ServiceSummary {
    pub id: String,
    pub name: String,
    pub teams: Vec<String>,
    pub site: Option<String>,
    pub releases: usize,
    /// Of its data.json; none when it had none.
    pub schema_version: Option<u32>,
    /// The day its data.json was told as of (its last commit or release).
    pub as_of: Option<String>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct QuarterView {
    pub period: String,
    pub keys: Vec<Distribution>,
    /// Services with data for this quarter.
    pub with_data: usize,
    /// Services with no data for this quarter, and why.
    pub gaps: Vec<Gap>,
    pub gap_count: usize,
    /// How many gaps of each reason, for the reasons that have any.
    pub gap_counts: Vec<GapCount>,
    /// Services whose band changed since the quarter before, on enough data.
    pub movements: Vec<Movement>,
}

/// One key's services by band.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Distribution {
    pub key: &'static str,
    pub name: &'static str,
    /// Elite, high, medium and low, in that order, each with its services.
    pub levels: Vec<LevelGroup>,
    /// Services with data but too little of it for a band.
    pub too_few: Vec<Unbanded>,
    pub too_few_count: usize,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct LevelGroup {
    pub level: &'static str,
    /// Service ids, alphabetical.
    pub services: Vec<String>,
    pub count: usize,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Unbanded {
    pub service: String,
    pub note: String,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Gap {
    pub service: String,
    pub reason: &'static str,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct GapCount {
    pub reason: &'static str,
    pub count: usize,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Movement {
    pub service: String,
    pub key: &'static str,
    pub from: &'static str,
    pub to: &'static str,
    /// `up` toward elite, `down` toward low.
    pub direction: &'static str,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct TeamView {
    pub team: String,
    pub services: Vec<String>,
    pub service_count: usize,
    pub keys: Vec<Distribution>,
    /// The team's services with no data for the quarter, and why.
    pub gaps: Vec<Gap>,
}

/// The portfolio's data.json: the model, with the schema version (the same as a
/// service's data.json) and what wrote it.
#[derive(Serialize, schemars::JsonSchema)]
pub struct Data<'a> {
    pub schema_version: u32,
    pub generator: String,
    #[serde(flatten)]
    pub model: &'a Model,
}

/// The JSON Schema of the portfolio's data.json, generated from the types that
/// write it (`valuestory schema --portfolio`).
pub fn json_schema() -> serde_json::Value {
    crate::report::schema_of::<Data<'static>>(
        "valuestory portfolio data.json",
        "A portfolio's data.json",
    )
}

impl Model {
    /// The name of the service `id`, as `portfolio.yaml` gives it.
    pub fn name_of(&self, id: &str) -> String {
        self.services
            .iter()
            .find(|s| s.id == id)
            .map_or_else(|| id.to_string(), |s| s.name.clone())
    }
}

/// A service with no data at all, and why.
pub type Absent = (Service, &'static str);

/// Why a service has no data for a quarter.
pub const NO_TAGS: &str = "no release tags";
pub const NOT_IN_HISTORY: &str = "no history in this quarter";
pub const NO_CI_DATA: &str = "no data.json from the CI matrix (its build failed or did not run)";

/// The portfolio of `services` with their data (and the `absent` ones, with why),
/// judged with `band_set`, and its `goals` judged for each service; `told` is the
/// quarter to tell (the latest that ended before `now`, in seconds, when `None`).
pub fn build(
    title: &str,
    (services, absent): (&[(Service, ServiceData)], &[Absent]),
    (band_set, value): (&Thresholds, &Value),
    told: Option<&str>,
    now_seconds: i64,
) -> Model {
    let now = crate::time::rfc3339(now_seconds);
    let now = now.as_str();
    let mut periods: BTreeSet<&str> = BTreeSet::new();
    for (_, data) in services {
        periods.extend(data.periods.quarter.iter().map(|q| q.period.as_str()));
    }
    let bands: Vec<BTreeMap<&str, [Band; 4]>> = services
        .par_iter()
        .map(|(_, data)| {
            let days = DeployDays::of(&data.periods);
            data.periods
                .quarter
                .iter()
                .map(|q| (q.period.as_str(), judge(q, &days, band_set)))
                .collect()
        })
        .collect();
    let mut quarters: Vec<QuarterView> = Vec::new();
    let ordered: Vec<&str> = periods.iter().rev().copied().collect();
    for (i, period) in ordered.iter().enumerate() {
        let previous = ordered.get(i + 1).copied();
        let mut q = quarter(period, previous, services, &bands);
        q.gaps.extend(absent.iter().map(|(s, reason)| Gap {
            service: s.id.clone(),
            reason,
        }));
        q.gaps.sort_by(|a, b| a.service.cmp(&b.service));
        quarters.push(q);
    }
    let told = told.map(str::to_string).or_else(|| {
        let ended: Vec<&Quarter> = services
            .iter()
            .flat_map(|(_, d)| d.periods.quarter.iter())
            .filter(|q| q.end.as_str() <= now)
            .collect();
        ended.iter().map(|q| q.period.clone()).max()
    });
    let teams = told
        .as_deref()
        .and_then(|period| {
            let q = quarters.iter().find(|q| q.period == period)?;
            Some(teams((period, &q.gaps), services, absent, &bands))
        })
        .unwrap_or_default();
    Model {
        title: title.to_string(),
        band_set: band_set.clone(),
        told,
        services: services
            .iter()
            .map(|(s, d)| (s, Some(d)))
            .chain(absent.iter().map(|(s, _)| (s, None)))
            .map(|(s, d)| ServiceSummary {
                id: s.id.clone(),
                name: s.name.clone(),
                teams: s.teams.clone(),
                site: s.site.clone(),
                releases: d.map_or(0, |d| d.releases.0),
                schema_version: d.map(|d| d.schema_version),
                as_of: d.and_then(ServiceData::as_of_day),
            })
            .collect(),
        service_count: services.len() + absent.len(),
        team_count: teams.len(),
        quarters: quarters.into_iter().map(counted).collect(),
        teams,
        goals: super::goals::views(&value.goals, services, absent, now_seconds),
        initiatives: super::initiatives::views(&value.initiatives, services, absent),
    }
}

/// A quarter with its gaps counted, by reason in a fixed order.
fn counted(mut q: QuarterView) -> QuarterView {
    q.gap_count = q.gaps.len();
    q.gap_counts = [NO_TAGS, NOT_IN_HISTORY, NO_CI_DATA]
        .into_iter()
        .map(|reason| GapCount {
            reason,
            count: q.gaps.iter().filter(|g| g.reason == reason).count(),
        })
        .filter(|g| g.count > 0)
        .collect();
    q
}

/// A service's deploy-days by the start of each week and month its data lists.
pub struct DeployDays<'a> {
    weeks: HashMap<&'a str, usize>,
    months: HashMap<&'a str, usize>,
}

impl<'a> DeployDays<'a> {
    pub fn of(periods: &'a super::input::Periods) -> DeployDays<'a> {
        let index = |spans: &'a [Span]| {
            spans
                .iter()
                .map(|s| (s.start.as_str(), s.deploy_days))
                .collect()
        };
        DeployDays {
            weeks: index(&periods.week),
            months: index(&periods.month),
        }
    }
}

/// The four bands of one quarter, from its raw values, as `metrics` judges them.
pub fn judge(q: &Quarter, days: &DeployDays<'_>, t: &Thresholds) -> [Band; 4] {
    let weeks = deploy_days(q, Kind::Week, &days.weeks);
    let months = deploy_days(q, Kind::Month, &days.months);
    [
        bands::deployment_frequency_with(t, &weeks, &months),
        bands::lead_time_with(
            t,
            q.lead_time.as_ref().map(|s| s.median_seconds),
            q.lead_time.as_ref().map_or(0, |s| s.count),
        ),
        bands::change_failure_rate_with(t, q.change_failure_rate, q.deployments),
        bands::recovery_time_with(
            t,
            q.recovery_time.as_ref().map(|s| s.median_seconds),
            q.recovery_time.as_ref().map_or(0, |s| s.count),
        ),
    ]
}

/// Deploy-days of every week (or month) wholly inside the part of the quarter the
/// history observed, as `metrics` counts them (a data.json from before the
/// observed part was written counted the whole quarter).
fn deploy_days(q: &Quarter, kind: Kind, known: &HashMap<&str, usize>) -> Vec<usize> {
    let parse = crate::time::parse_date_or_datetime;
    let start = q.observed_start.as_deref().unwrap_or(&q.start);
    let end = q.observed_end.as_deref().unwrap_or(&q.end);
    let (Ok(start), Ok(end)) = (parse(start), parse(end)) else {
        return Vec::new();
    };
    let (start, end) = crate::metrics::observed_days((start, end));
    if end <= start {
        return Vec::new();
    }
    periods::between(kind, start, end - 1)
        .into_iter()
        .filter(|w| w.start >= start && w.end <= end)
        .map(|w| {
            let key = crate::time::rfc3339(w.start);
            known.get(key.as_str()).copied().unwrap_or(0)
        })
        .collect()
}

fn quarter(
    period: &str,
    previous: Option<&str>,
    services: &[(Service, ServiceData)],
    bands: &[BTreeMap<&str, [Band; 4]>],
) -> QuarterView {
    let mut gaps = Vec::new();
    let mut present: Vec<(usize, &[Band; 4])> = Vec::new();
    for (i, (service, data)) in services.iter().enumerate() {
        match (data.releases.0, bands[i].get(period)) {
            (0, _) => gaps.push(Gap {
                service: service.id.clone(),
                reason: NO_TAGS,
            }),
            (_, None) => gaps.push(Gap {
                service: service.id.clone(),
                reason: NOT_IN_HISTORY,
            }),
            (_, Some(b)) => present.push((i, b)),
        }
    }
    gaps.sort_by(|a, b| a.service.cmp(&b.service));
    let keys = distributions(&present, services);
    let mut movements = Vec::new();
    if let Some(previous) = previous {
        let min_points = StoryRules::default().min_points;
        for &(i, now) in &present {
            let Some(before) = bands[i].get(previous) else {
                continue;
            };
            if services[i].1.releases.0 == 0 {
                continue;
            }
            for (k, (key, _)) in KEYS.iter().enumerate() {
                let (Some(from), Some(to)) = (before[k].level, now[k].level) else {
                    continue;
                };
                // A move on a handful of data points is noise, as the story rules say.
                let enough = before[k].basis >= min_points && now[k].basis >= min_points;
                if from != to && enough {
                    movements.push(Movement {
                        service: services[i].0.id.clone(),
                        key,
                        from: from.name(),
                        to: to.name(),
                        direction: if to < from { "up" } else { "down" },
                    });
                }
            }
        }
        movements.sort_by(|a, b| (a.key, &a.service).cmp(&(b.key, &b.service)));
    }
    QuarterView {
        period: period.to_string(),
        with_data: present.len(),
        keys,
        gaps,
        gap_count: 0,
        gap_counts: Vec::new(),
        movements,
    }
}

fn distributions(
    present: &[(usize, &[Band; 4])],
    services: &[(Service, ServiceData)],
) -> Vec<Distribution> {
    KEYS.iter()
        .enumerate()
        .map(|(k, &(key, name))| {
            let mut levels: Vec<LevelGroup> = LEVELS
                .iter()
                .map(|l| LevelGroup {
                    level: l.name(),
                    services: Vec::new(),
                    count: 0,
                })
                .collect();
            let mut too_few = Vec::new();
            for &(i, b) in present {
                let id = services[i].0.id.clone();
                match b[k].level {
                    Some(level) => levels[LEVELS.iter().position(|l| *l == level).unwrap_or(3)]
                        .services
                        .push(id),
                    None => too_few.push(Unbanded {
                        service: id,
                        note: b[k].note.clone().unwrap_or_default(),
                    }),
                }
            }
            for group in &mut levels {
                group.services.sort();
            }
            too_few.sort_by(|a, b| a.service.cmp(&b.service));
            for group in &mut levels {
                group.count = group.services.len();
            }
            Distribution {
                key,
                name,
                levels,
                too_few_count: too_few.len(),
                too_few,
            }
        })
        .collect()
}

fn teams(
    (period, quarter_gaps): (&str, &[Gap]),
    services: &[(Service, ServiceData)],
    absent: &[Absent],
    bands: &[BTreeMap<&str, [Band; 4]>],
) -> Vec<TeamView> {
    let names: BTreeSet<&str> = services
        .iter()
        .map(|(s, _)| s)
        .chain(absent.iter().map(|(s, _)| s))
        .flat_map(|s| s.teams.iter().map(String::as_str))
        .collect();
    names
        .into_iter()
        .map(|team| {
            let mine: Vec<usize> = (0..services.len())
                .filter(|&i| services[i].0.teams.iter().any(|t| t == team))
                .collect();
            let absent_ids = absent
                .iter()
                .filter(|(s, _)| s.teams.iter().any(|t| t == team))
                .map(|(s, _)| s.id.clone());
            let present: Vec<(usize, &[Band; 4])> = mine
                .iter()
                .filter(|&&i| services[i].1.releases.0 > 0)
                .filter_map(|&i| bands[i].get(period).map(|b| (i, b)))
                .collect();
            let mut ids: Vec<String> = mine.iter().map(|&i| services[i].0.id.clone()).collect();
            ids.extend(absent_ids);
            ids.sort();
            let gaps = quarter_gaps
                .iter()
                .filter(|g| ids.contains(&g.service))
                .map(|g| Gap {
                    service: g.service.clone(),
                    reason: g.reason,
                })
                .collect();
            TeamView {
                team: team.to_string(),
                service_count: ids.len(),
                services: ids,
                keys: distributions(&present, services),
                gaps,
            }
        })
        .collect()
}
