//! Performance bands from the DORA 2023 report (the default), or custom thresholds.
//! A metric resting on too few data points gets no band, and says so.

use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Elite,
    High,
    Medium,
    Low,
}

impl Level {
    /// As data.json and the pages write it: `elite`, `high`, `medium`, `low`.
    pub fn name(self) -> &'static str {
        match self {
            Level::Elite => "elite",
            Level::High => "high",
            Level::Medium => "medium",
            Level::Low => "low",
        }
    }
}

/// A band, or why there is none.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Band {
    pub level: Option<Level>,
    /// How many data points it rests on.
    pub basis: usize,
    pub note: Option<String>,
}

impl Band {
    fn of(level: Level, basis: usize) -> Band {
        Band {
            level: Some(level),
            basis,
            note: None,
        }
    }
    fn too_few(basis: usize, needed: usize, what: &str) -> Band {
        Band {
            level: None,
            basis,
            note: Some(format!(
                "too few data points for a band: {basis} {what}, at least {needed} needed"
            )),
        }
    }
}

/// The least data a band needs.
pub const MIN_LEAD_TIME_COMMITS: usize = 5;
pub const MIN_RELEASES: usize = 3;
pub const MIN_RECOVERIES: usize = 1;

pub use crate::config::Thresholds;

fn below(value: i64, limits: &[i64; 3]) -> Level {
    if value < limits[0] {
        Level::Elite
    } else if value < limits[1] {
        Level::High
    } else if value < limits[2] {
        Level::Medium
    } else {
        Level::Low
    }
}

/// Lead time for changes: elite under a day, high under a week, medium under a
/// month (30 days), else low.
pub fn lead_time(median_seconds: Option<i64>, commits: usize) -> Band {
    lead_time_with(&Thresholds::default(), median_seconds, commits)
}

pub fn lead_time_with(t: &Thresholds, median_seconds: Option<i64>, commits: usize) -> Band {
    match median_seconds {
        Some(m) if commits >= MIN_LEAD_TIME_COMMITS => Band::of(below(m, &t.lead_time), commits),
        _ => Band::too_few(commits, MIN_LEAD_TIME_COMMITS, "commits"),
    }
}

/// Change failure rate: elite up to 5%, high up to 10%, medium up to 15%, else low.
pub fn change_failure_rate(rate: Option<f64>, releases: usize) -> Band {
    change_failure_rate_with(&Thresholds::default(), rate, releases)
}

pub fn change_failure_rate_with(t: &Thresholds, rate: Option<f64>, releases: usize) -> Band {
    let [elite, high, medium] = t.change_failure_rate;
    match rate {
        Some(r) if releases >= MIN_RELEASES => Band::of(
            if r <= elite {
                Level::Elite
            } else if r <= high {
                Level::High
            } else if r <= medium {
                Level::Medium
            } else {
                Level::Low
            },
            releases,
        ),
        _ => Band::too_few(releases, MIN_RELEASES, "releases"),
    }
}

/// Failed deployment recovery time: elite under an hour, high under a day, medium
/// under a week, else low.
pub fn recovery_time(median_seconds: Option<i64>, recoveries: usize) -> Band {
    recovery_time_with(&Thresholds::default(), median_seconds, recoveries)
}

pub fn recovery_time_with(t: &Thresholds, median_seconds: Option<i64>, recoveries: usize) -> Band {
    match median_seconds {
        Some(m) if recoveries >= MIN_RECOVERIES => Band::of(below(m, &t.recovery_time), recoveries),
        _ => Band::too_few(recoveries, MIN_RECOVERIES, "recovered failures"),
    }
}

/// Deployment frequency, from deploy-days (distinct UTC days with a release):
/// elite when the median week has 5 or more (on demand), high when it has at least
/// 1, medium when the median month has at least 1, else low. Needs at least three whole
/// weeks of window.
pub fn deployment_frequency(weekly_deploy_days: &[usize], monthly_deploy_days: &[usize]) -> Band {
    deployment_frequency_with(
        &Thresholds::default(),
        weekly_deploy_days,
        monthly_deploy_days,
    )
}

pub fn deployment_frequency_with(
    t: &Thresholds,
    weekly_deploy_days: &[usize],
    monthly_deploy_days: &[usize],
) -> Band {
    let [elite, high, medium] = t.deployment_frequency;
    // Months hold three or four whole ISO weeks; three is enough.
    let weeks = weekly_deploy_days.len();
    if weeks < 3 {
        return Band::too_few(weeks, 3, "weeks");
    }
    let median = |v: &[usize]| -> f64 {
        let mut s = v.to_vec();
        s.sort_unstable();
        let n = s.len();
        if n == 0 {
            0.0
        } else if n % 2 == 1 {
            s[n / 2] as f64
        } else {
            (s[n / 2 - 1] + s[n / 2]) as f64 / 2.0
        }
    };
    let week = median(weekly_deploy_days);
    let month = median(monthly_deploy_days);
    Band::of(
        if week >= elite {
            Level::Elite
        } else if week >= high {
            Level::High
        } else if month >= medium {
            Level::Medium
        } else {
            Level::Low
        },
        weeks,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3_600;
    const DAY: i64 = 86_400;

    #[test]
    fn thresholds_at_their_edges() {
        assert_eq!(lead_time(Some(DAY - 1), 5).level, Some(Level::Elite));
        assert_eq!(lead_time(Some(DAY), 5).level, Some(Level::High));
        assert_eq!(lead_time(Some(30 * DAY), 5).level, Some(Level::Low));
        assert_eq!(lead_time(Some(1), 4).level, None);
        assert_eq!(
            change_failure_rate(Some(0.05), 20).level,
            Some(Level::Elite)
        );
        assert_eq!(
            change_failure_rate(Some(0.15), 20).level,
            Some(Level::Medium)
        );
        assert_eq!(change_failure_rate(Some(0.151), 20).level, Some(Level::Low));
        assert_eq!(recovery_time(Some(HOUR), 1).level, Some(Level::High));
        assert!(
            change_failure_rate(Some(0.0), 2)
                .note
                .unwrap()
                .contains("2 releases")
        );
    }

    #[test]
    fn deployment_frequency_from_weeks_and_months() {
        assert_eq!(
            deployment_frequency(&[5, 5, 4, 5], &[20]).level,
            Some(Level::Elite)
        );
        assert_eq!(
            deployment_frequency(&[1, 0, 2, 1], &[4]).level,
            Some(Level::High)
        );
        assert_eq!(
            deployment_frequency(&[0, 0, 1, 0], &[1, 1, 0]).level,
            Some(Level::Medium)
        );
        assert_eq!(
            deployment_frequency(&[0, 0, 0, 1], &[0, 1, 0]).level,
            Some(Level::Low)
        );
        assert_eq!(deployment_frequency(&[5], &[5]).level, None);
    }
}
