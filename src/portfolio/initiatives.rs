//! Initiatives across services: an initiative in the portfolio's own value folder
//! (beside `portfolio.yaml`, written as a repository's `value/initiatives/` are)
//! is matched by its id to the initiative of the same id in each service's own
//! value folder, and shown service by service: the work each linked to it, what
//! shipped and what waits. Never summed into one figure: each service's count rests
//! on its own match rules.

use serde::Serialize;

use super::config::Service;
use super::input::ServiceData;
use crate::content::Initiative;

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct InitiativeView {
    pub id: String,
    pub title: String,
    /// The portfolio goal it serves.
    pub goal: String,
    /// As the portfolio's file writes it: `proposed`, `in-progress`, `paused`,
    /// `done` or `dropped`.
    pub status: crate::content::Status,
    /// The services whose own value folder has an initiative of this id, by id.
    pub services: Vec<InitiativeWork>,
    /// Services with data and no initiative of this id, by id.
    pub not_linked: Vec<String>,
    /// Services with no data at all, by id.
    pub no_data: Vec<String>,
}

/// One service's work on an initiative, as its own data.json counts it.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct InitiativeWork {
    pub service: String,
    /// Commits its match rules link to the initiative.
    pub commits: usize,
    pub shipped_commits: usize,
    /// Releases that shipped linked commits.
    pub releases: usize,
    /// The tag of the last of them, and when it was released (RFC 3339).
    pub last_release: Option<String>,
    pub last_release_time: Option<String>,
    /// Linked commits merged and not yet released.
    pub unreleased_commits: usize,
    /// The day the service's data.json counted them on.
    pub as_of: Option<String>,
}

/// Each of the portfolio's initiatives, service by service.
pub fn views(
    initiatives: &[Initiative],
    services: &[(Service, ServiceData)],
    absent: &[super::model::Absent],
) -> Vec<InitiativeView> {
    initiatives
        .iter()
        .map(|i| {
            let mut work = Vec::new();
            let mut not_linked = Vec::new();
            for (service, data) in services {
                match data.initiative_metrics.iter().find(|m| m.id == i.id) {
                    Some(m) => work.push(InitiativeWork {
                        service: service.id.clone(),
                        commits: m.commits,
                        shipped_commits: m.shipped_commits,
                        releases: m.releases.len(),
                        last_release: m.releases.last().cloned(),
                        last_release_time: m.last_release.clone(),
                        unreleased_commits: m.unreleased_commits,
                        as_of: data.as_of_day(),
                    }),
                    None => not_linked.push(service.id.clone()),
                }
            }
            work.sort_by(|a, b| a.service.cmp(&b.service));
            not_linked.sort();
            let mut no_data: Vec<String> = absent.iter().map(|(s, _)| s.id.clone()).collect();
            no_data.sort();
            InitiativeView {
                id: i.id.clone(),
                title: i.title.clone(),
                goal: i.goal.value.clone(),
                status: i.status,
                services: work,
                not_linked,
                no_data,
            }
        })
        .collect()
}
