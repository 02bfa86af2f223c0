//! Goals across services: a goal in the portfolio's own value folder (beside
//! `portfolio.yaml`, written as a repository's `value/goals.yaml` is), judged for
//! each service by the same rules as the service's own story, and shown as which
//! services have met it, are on track, at risk or have missed it, never as one
//! blended number.

use serde::Serialize;

use super::config::Service;
use super::input::{Quarter, ServiceData};
use crate::content::{Goal, Target};
use crate::story::goals::{Status, delivery_status};

#[derive(Debug, Serialize)]
pub struct GoalView {
    pub id: String,
    pub title: String,
    pub owner: Option<String>,
    pub targets: Vec<TargetView>,
}

#[derive(Debug, Serialize)]
pub struct TargetView {
    pub metric: String,
    /// As written in goals.yaml.
    pub target: String,
    pub by: Option<String>,
    /// Whether the metric is a delivery metric the services' data holds; the
    /// others (business measures) are shown as written.
    pub measured: bool,
    /// Met, on track, at risk and missed, in that order, each with its services.
    pub statuses: Vec<StatusGroup>,
    /// Services with no value for the metric yet.
    pub no_data: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct StatusGroup {
    pub status: &'static str,
    pub services: Vec<String>,
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
    let measured = crate::content::delivery_unit(&t.metric).is_some();
    let mut statuses: Vec<StatusGroup> = STATUSES
        .iter()
        .map(|s| StatusGroup {
            status: s.words(),
            services: Vec::new(),
        })
        .collect();
    let mut no_data: Vec<String> = absent.iter().map(|(s, _)| s.id.clone()).collect();
    if measured {
        for (service, data) in services {
            let values = values(&t.metric, &data.periods.quarter, as_of);
            match delivery_status(t, &values, as_of).filter(|_| !values.is_empty()) {
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
    }
    no_data.sort();
    TargetView {
        metric: t.metric.clone(),
        target: t.target.clone(),
        by: t.by.map(|b| b.to_string()),
        measured,
        statuses,
        no_data: if measured { no_data } else { Vec::new() },
    }
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
