//! One name and one formatter per metric: a [`Metric`] knows its id (the same in
//! data.json, goals, evidence and CSV), its label, its unit and which direction is
//! better, and every number of a unit is written by [`Unit::format`], so a page, the
//! pack and a sentence can never disagree.

use serde::Serialize;

/// What a number measures, and so how it is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Seconds: `45 minutes`, `10.0 hours`, `4.0 days`.
    Duration,
    /// A fraction: `1.5%`.
    Share,
    /// Things counted, with their noun: `1 release`, `66 releases`.
    Count {
        one: &'static str,
        many: &'static str,
    },
    /// Per week: `5.0 / week`.
    PerWeek,
    /// A whole number on its own, as in a table cell under its heading: `66`.
    Number,
    /// A recorded value: `3`, `3.5`, `3.25` (at most two decimals).
    Decimal,
    /// Money: `120,000`, `80.86`; with the currency, see [`Unit::format_in`].
    Money,
    /// A relative change: `+340%`, `-12%`.
    Change,
}

/// Every unit but the counts.
pub const UNCOUNTED: [Unit; 7] = [
    Unit::Duration,
    Unit::Share,
    Unit::PerWeek,
    Unit::Number,
    Unit::Decimal,
    Unit::Money,
    Unit::Change,
];

/// Every unit with a count's noun that pages use, so that a page can name its unit
/// (`data-unit="releases"`) and anyone can format the value again.
pub const COUNTS: [Unit; 12] = [
    RELEASES,
    Unit::Count {
        one: "service",
        many: "services",
    },
    Unit::Count {
        one: "team",
        many: "teams",
    },
    Unit::Count {
        one: "member",
        many: "members",
    },
    Unit::Count {
        one: "commit",
        many: "commits",
    },
    Unit::Count {
        one: "recovery",
        many: "recoveries",
    },
    Unit::Count {
        one: "day",
        many: "days",
    },
    Unit::Count {
        one: "person",
        many: "people",
    },
    Unit::Count {
        one: "incident",
        many: "incidents",
    },
    Unit::Count {
        one: "change",
        many: "changes",
    },
    Unit::Count {
        one: "initiative",
        many: "initiatives",
    },
    Unit::Count {
        one: "pull request",
        many: "pull requests",
    },
];

impl Unit {
    /// The value written in this unit; money without its currency.
    pub fn format(self, value: f64) -> String {
        self.format_in(value, None)
    }

    /// The value written in this unit, money with `currency` when there is one.
    pub fn format_in(self, value: f64, currency: Option<&str>) -> String {
        match self {
            Unit::Duration => duration(value.round() as i64),
            Unit::Share => format!("{:.1}%", value * 100.0),
            Unit::Count { one, many } => {
                let n = value.round() as i64;
                format!("{n} {}", if n == 1 { one } else { many })
            }
            Unit::PerWeek => format!("{value:.1} / week"),
            Unit::Number => format!("{}", value.round() as i64),
            Unit::Decimal => {
                let s = format!("{value:.2}");
                s.trim_end_matches('0').trim_end_matches('.').to_string()
            }
            Unit::Money => money(value, currency),
            Unit::Change => format!("{:+.0}%", value * 100.0),
        }
    }

    /// Its name in a page's `data-unit`: `duration`, `share`, `per_week`, `number`,
    /// `decimal`, `money`, or a count's plural noun (`releases`).
    pub fn name(self) -> &'static str {
        match self {
            Unit::Duration => "duration",
            Unit::Share => "share",
            Unit::Count { many, .. } => many,
            Unit::PerWeek => "per_week",
            Unit::Number => "number",
            Unit::Decimal => "decimal",
            Unit::Money => "money",
            Unit::Change => "change",
        }
    }

    /// The unit a page names, the inverse of [`Unit::name`].
    pub fn named(name: &str) -> Option<Unit> {
        UNCOUNTED
            .into_iter()
            .chain(COUNTS)
            .find(|u| u.name() == name)
    }
}

/// `3.2 days`, `5.0 hours`, `12 minutes`, `1 minute`.
pub fn duration(seconds: i64) -> String {
    let s = seconds as f64;
    if seconds >= 2 * 86_400 {
        format!("{:.1} days", s / 86_400.0)
    } else if seconds >= 2 * 3_600 {
        format!("{:.1} hours", s / 3_600.0)
    } else {
        let minutes = seconds / 60;
        format!("{minutes} minute{}", if minutes == 1 { "" } else { "s" })
    }
}

/// Money: `120,000`, whole units from a hundred up, two decimals below (`62.47`); with the currency when there is
/// one (`USD 120,000`).
pub fn money(v: f64, currency: Option<&str>) -> String {
    // Estimates of a hundred or more are written in whole units: cents of an
    // estimate are noise. Smaller amounts (an average order value) keep theirs.
    // Whole cents first, so 80.996 is 81, not 80 and a hundred cents.
    let cents = if v.abs() >= 100.0 {
        v.abs().round() * 100.0
    } else {
        (v.abs() * 100.0).round()
    };
    let v = v.signum() * cents / 100.0;
    let whole = v.trunc() as i64;
    let digits = whole.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    let sign = if v < 0.0 { "-" } else { "" };
    let frac = (v.fract().abs() * 100.0).round() as i64;
    let amount = if frac == 0 {
        format!("{sign}{out}")
    } else {
        format!("{sign}{out}.{frac:02}")
    };
    match currency {
        Some(c) => format!("{c} {amount}"),
        None => amount,
    }
}

/// Every number valuestory measures per period, by one name each. User files may
/// name a few by older words (`deployment_frequency` in evidence queries,
/// `deploys_per_week` in guardrails); [`Key::named`] reads those too, and nothing
/// else matches metric names as text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Key {
    /// Releases in the period.
    Deployments,
    /// Releases per observed week.
    DeploymentsPerWeek,
    FailedDeployments,
    LeadTime,
    ChangeFailureRate,
    RecoveryTime,
    ReworkRate,
    FlowTime,
    FlowEfficiency,
}

impl Key {
    pub const ALL: [Key; 9] = [
        Key::Deployments,
        Key::DeploymentsPerWeek,
        Key::FailedDeployments,
        Key::LeadTime,
        Key::ChangeFailureRate,
        Key::RecoveryTime,
        Key::ReworkRate,
        Key::FlowTime,
        Key::FlowEfficiency,
    ];

    /// Its name in data.json, goals, evidence and CSV.
    pub fn id(self) -> &'static str {
        match self {
            Key::Deployments => "deployments",
            Key::DeploymentsPerWeek => "deployments_per_week",
            Key::FailedDeployments => "failed_deployments",
            Key::LeadTime => "lead_time",
            Key::ChangeFailureRate => "change_failure_rate",
            Key::RecoveryTime => "recovery_time",
            Key::ReworkRate => "rework_rate",
            Key::FlowTime => "flow_time",
            Key::FlowEfficiency => "flow_efficiency",
        }
    }

    /// Its name as a value-stream guardrail (`deploys_per_week`, the stream files'
    /// word, for the release rate).
    pub fn guardrail_name(self) -> &'static str {
        match self {
            Key::DeploymentsPerWeek => "deploys_per_week",
            other => other.id(),
        }
    }

    /// The metric a user file names: its id, or one of the older words.
    pub fn named(name: &str) -> Option<Key> {
        match name {
            "deployment_frequency" => Some(Key::Deployments),
            "deploys_per_week" => Some(Key::DeploymentsPerWeek),
            _ => Key::ALL.into_iter().find(|k| k.id() == name),
        }
    }

    /// Where its value is inside one period of data.json (a JSON pointer's tail).
    pub fn field(self) -> &'static str {
        match self {
            Key::LeadTime => "lead_time/median_seconds",
            Key::RecoveryTime => "recovery_time/median_seconds",
            Key::FlowTime => "flow_time/median_seconds",
            other => other.id(),
        }
    }

    /// How its values are written.
    pub fn unit(self) -> Unit {
        match self {
            Key::Deployments => RELEASES,
            Key::DeploymentsPerWeek => Unit::PerWeek,
            Key::FailedDeployments => Unit::Number,
            Key::LeadTime | Key::RecoveryTime | Key::FlowTime => Unit::Duration,
            Key::ChangeFailureRate | Key::ReworkRate | Key::FlowEfficiency => Unit::Share,
        }
    }
}

/// Which way is better.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Better {
    Higher,
    Lower,
}

#[derive(Clone, Copy, Debug, Serialize, schemars::JsonSchema)]
pub struct Metric {
    pub key: Key,
    pub id: &'static str,
    /// As a sentence starts with it.
    pub label: &'static str,
    pub unit: Unit,
    pub better: Better,
    /// What its data points are, for "too few to compare": releases, commits, ...
    pub points: Unit,
}

const RELEASES: Unit = Unit::Count {
    one: "release",
    many: "releases",
};

/// Commits counted: `1 commit`, `12 commits`.
pub const COMMITS: Unit = Unit::Count {
    one: "commit",
    many: "commits",
};

pub const DEPLOYMENTS: Metric = Metric {
    key: Key::Deployments,
    id: "deployments",
    label: "Releases",
    unit: RELEASES,
    better: Better::Higher,
    points: RELEASES,
};

pub const LEAD_TIME: Metric = Metric {
    key: Key::LeadTime,
    id: "lead_time",
    label: "Median lead time",
    unit: Unit::Duration,
    better: Better::Lower,
    points: Unit::Count {
        one: "commit",
        many: "commits",
    },
};

pub const CHANGE_FAILURE_RATE: Metric = Metric {
    key: Key::ChangeFailureRate,
    id: "change_failure_rate",
    label: "The change failure rate",
    unit: Unit::Share,
    better: Better::Lower,
    points: RELEASES,
};

pub const RECOVERY_TIME: Metric = Metric {
    key: Key::RecoveryTime,
    id: "recovery_time",
    label: "Median recovery time",
    unit: Unit::Duration,
    better: Better::Lower,
    points: Unit::Count {
        one: "recovery",
        many: "recoveries",
    },
};

/// The four keys, in the order a story tells them.
pub const KEYS: [Metric; 4] = [DEPLOYMENTS, LEAD_TIME, CHANGE_FAILURE_RATE, RECOVERY_TIME];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_unit_is_written_one_way_with_its_plural() {
        assert_eq!(DEPLOYMENTS.unit.format(1.0), "1 release");
        assert_eq!(DEPLOYMENTS.unit.format(66.0), "66 releases");
        assert_eq!(RECOVERY_TIME.points.format(1.0), "1 recovery");
        assert_eq!(Unit::Share.format(0.015), "1.5%");
        assert_eq!(Unit::PerWeek.format(5.04), "5.0 / week");
        assert_eq!(Unit::Duration.format(60.0), "1 minute");
        assert_eq!(Unit::Duration.format(1_800.0), "30 minutes");
        assert_eq!(Unit::Duration.format(36_000.0), "10.0 hours");
        assert_eq!(Unit::Duration.format(4.0 * 86_400.0), "4.0 days");
        assert_eq!(Unit::Number.format(66.0), "66");
        assert_eq!(Unit::Decimal.format(3.10), "3.1");
        assert_eq!(Unit::Money.format_in(80400.0, Some("USD")), "USD 80,400");
        assert_eq!(money(80.996, None), "81");
        assert_eq!(money(80.86, None), "80.86");
        assert_eq!(money(-1234.5, Some("EUR")), "EUR -1,235");
        assert_eq!(money(8715.75, Some("USD")), "USD 8,716");
        assert_eq!(money(99.5, None), "99.50");
    }

    #[test]
    fn every_metric_has_one_name_and_is_found_by_it() {
        for k in Key::ALL {
            assert_eq!(Key::named(k.id()), Some(k));
        }
        for m in KEYS {
            assert_eq!(m.id, m.key.id());
            assert_eq!(m.unit, m.key.unit());
        }
        assert_eq!(
            Key::named("deploys_per_week"),
            Some(Key::DeploymentsPerWeek)
        );
        assert_eq!(Key::named("velocity"), None);
    }

    #[test]
    fn every_unit_is_found_by_its_name() {
        for u in UNCOUNTED.into_iter().chain(COUNTS) {
            assert_eq!(Unit::named(u.name()), Some(u));
        }
        assert_eq!(Unit::named("furlongs"), None);
    }
}
