//! Goals across services: a goal in the portfolio's own value folder (beside
//! `portfolio.yaml`, written as a repository's `value/goals.yaml` is), judged for
//! each service by the same rules as the service's own story, and shown as which
//! services have met it, are on track, at risk or have missed it, never as one
//! blended number.

use serde::Serialize;

use super::config::Service;
use super::input::{Quarter, ServiceData};
use crate::content::{Goal, Target};
use crate::story::goals::{Status, delivery_status, status_of};

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct GoalView {
    pub id: String,
    pub title: String,
    pub owner: Option<String>,
    pub targets: Vec<TargetView>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct TargetView {
    pub metric: String,
    /// As written in goals.yaml.
    pub target: String,
    pub by: Option<String>,
    /// Whether anything measures it: a delivery metric (every service's data holds
    /// it), or a business measure some service records. A target nothing measures
    /// is shown as written.
    pub measured: bool,
    /// Met, on track, at risk and missed, in that order, each with its services.
    pub statuses: Vec<StatusGroup>,
    /// Services with no value for the metric yet.
    pub no_data: Vec<String>,
    pub no_data_count: usize,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct StatusGroup {
    pub status: &'static str,
    pub services: Vec<String>,
    pub count: usize,
}

const STATUSES: [Status; 4] = [Status::Met, Status::OnTrack, Status::AtRisk, Status::Missed];
const DAY: i64 = 86_400;

/// Every goal's targets, judged for every service as of `as_of` (seconds).
pub fn views(
    goals: &[Goal],
    services: &[(Service, ServiceData)],
    absent: &[super::model::Absent],
    as_of: i64,
) -> Vec<GoalView> {
    goals
        .iter()
        .map(|g| GoalView {
            id: g.id.value.clone(),
            title: g.title.clone(),
            owner: g.owner.clone(),
            targets: g
                .targets
                .iter()
                .map(|t| target(t, services, absent, as_of))
                .collect(),
        })
        .collect()
}

fn target(
    t: &Target,
    services: &[(Service, ServiceData)],
    absent: &[super::model::Absent],
    as_of: i64,
) -> TargetView {
    let delivery = crate::content::delivery_unit(&t.metric).is_some();
    fn recorded<'d>(data: &'d ServiceData, metric: &str) -> Option<&'d super::input::MeasureData> {
        data.measures.iter().find(|m| m.id == metric)
    }
    let measured = delivery
        || services
            .iter()
            .any(|(_, d)| recorded(d, &t.metric).is_some());
    let mut statuses: Vec<StatusGroup> = STATUSES
        .iter()
        .map(|s| StatusGroup {
            status: s.words(),
            services: Vec::new(),
            count: 0,
        })
        .collect();
    let mut no_data: Vec<String> = absent.iter().map(|(s, _)| s.id.clone()).collect();
    if measured {
        for (service, data) in services {
            let status = match (delivery, recorded(data, &t.metric)) {
                (true, _) => {
                    let values = values(&t.metric, &data.periods.quarter, as_of);
                    delivery_status(t, &values, as_of).filter(|_| !values.is_empty())
                }
                (false, Some(m)) => measure_status(t, m, as_of),
                (false, None) => None,
            };
            match status {
                Some(status) => {
                    let at = STATUSES.iter().position(|s| *s == status).unwrap_or(2);
                    statuses[at].services.push(service.id.clone());
                }
                None => no_data.push(service.id.clone()),
            }
        }
    }
    for group in &mut statuses {
        group.services.sort();
        group.count = group.services.len();
    }
    no_data.sort();
    if !measured {
        no_data.clear();
    }
    TargetView {
        metric: t.metric.clone(),
        target: t.target.clone(),
        by: t.by.map(|b| b.to_string()),
        measured,
        statuses,
        no_data_count: no_data.len(),
        no_data,
    }
}

/// A target on a business measure, judged on the values one service recorded by
/// `as_of`, by the story's rules; `None` when it recorded none, or when the target
/// does not read in the measure's unit.
fn measure_status(t: &Target, m: &super::input::MeasureData, as_of: i64) -> Option<Status> {
    use crate::content::MeasureUnit;
    let unit = match m.unit.as_str() {
        "percent" => MeasureUnit::Percent,
        "money" => MeasureUnit::Money,
        "duration" => MeasureUnit::Duration,
        _ => MeasureUnit::Number,
    };
    let values: Vec<(i64, f64)> = m
        .values
        .iter()
        .filter_map(|(day, v)| Some((crate::time::parse_date_or_datetime(day).ok()?, *v)))
        .filter(|(day, _)| *day <= as_of)
        .collect();
    if values.is_empty() {
        return None;
    }
    status_of(t, unit, m.higher_is_better, &values, as_of)
}

/// A delivery metric's value in each quarter that ended by `as_of`, on the
/// quarter's last day, as a service's own story takes them.
fn values(metric: &str, quarters: &[Quarter], as_of: i64) -> Vec<(i64, f64)> {
    quarters
        .iter()
        .filter_map(|q| {
            let end = crate::time::parse_date_or_datetime(&q.end).ok()?;
            if end > as_of {
                return None;
            }
            let value = match metric {
                "lead_time" => q.lead_time.as_ref()?.median_seconds as f64,
                "recovery_time" => q.recovery_time.as_ref()?.median_seconds as f64,
                "change_failure_rate" => q.change_failure_rate?,
                "deployments" => q.deployments as f64,
                _ => return None,
            };
            Some((end - DAY, value))
        })
        .collect()
}
