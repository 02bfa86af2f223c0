//! The value folder's typed contents: what people write by hand about goals, teams,
//! value streams, initiatives, incidents and case studies. Serialized as they are
//! into `data.json`; locations stay out of it.

use serde::Serialize;

use super::units::{Date, DateTime, Duration, Money, Percent, Quarter};
use super::yaml::At;

/// A value with the place it was written, for cross-reference errors.
#[derive(Clone, Debug, PartialEq)]
pub struct Spot<T> {
    pub value: T,
    pub at: At,
}

impl<T: Serialize> Serialize for Spot<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(s)
    }
}

/// Written as its value, so described as its value.
impl<T: schemars::JsonSchema> schemars::JsonSchema for Spot<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }
    fn schema_id() -> std::borrow::Cow<'static, str> {
        T::schema_id()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
}

#[derive(Clone, Debug, Default, Serialize, schemars::JsonSchema)]
pub struct ValueFolder {
    pub goals: Vec<Goal>,
    /// Business measures the team records (`value/measures/<id>.yaml`).
    pub measures: Vec<Measure>,
    pub teams: Vec<Team>,
    pub streams: Vec<Stream>,
    pub initiatives: Vec<Initiative>,
    pub incidents: Vec<Incident>,
    pub case_studies: Vec<CaseStudy>,
    /// `value/overrides.yaml`: what people know better than the history says.
    pub overrides: Vec<Override>,
}

/// One correction to what valuestory infers, with the reason people give for it.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Override {
    /// The release it sets, by tag.
    pub release: Option<Spot<String>>,
    /// The revert commit it sets, by id or unambiguous prefix.
    pub commit: Option<Spot<String>>,
    /// The release failed, or did not.
    pub failed: Option<bool>,
    /// The release is a hotfix, or planned.
    pub kind: Option<&'static str>,
    /// The revert named by `commit` shows no failure.
    pub not_a_revert_of_failure: bool,
    pub reason: String,
    #[serde(skip)]
    pub at: At,
    #[serde(skip)]
    pub path: String,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Goal {
    pub id: Spot<String>,
    pub title: String,
    pub description: Option<String>,
    pub owner: Option<String>,
    pub targets: Vec<Target>,
    #[serde(skip)]
    pub path: String,
}

/// What a goal aims at. When `metric` names a delivery metric (`lead_time`,
/// `deployments`, `change_failure_rate`, `recovery_time`) or a recorded measure, its
/// progress is measured; otherwise the values are free text, as the business states
/// them.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Target {
    pub metric: String,
    pub baseline: Option<String>,
    /// From when progress counts (default: the first value).
    pub baseline_date: Option<Date>,
    pub target: String,
    pub by: Option<Date>,
    /// Where `metric` and `target` are written, for problems.
    #[serde(skip)]
    pub metric_at: At,
    #[serde(skip)]
    pub target_at: At,
}

/// How a measure's values are written and read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MeasureUnit {
    /// `3.1%`, kept as a fraction.
    Percent,
    /// `$61.50`, in currency units.
    Money,
    /// A plain number.
    Number,
    /// `4h`, `2d`, in seconds.
    Duration,
}

impl MeasureUnit {
    pub fn parse_value(self, text: &str) -> Result<f64, String> {
        match self {
            MeasureUnit::Percent => Percent::parse(text).map(|p| p.0),
            MeasureUnit::Money => Money::parse(text).map(|m| m.units()),
            MeasureUnit::Duration => Duration::parse(text).map(|d| d.0 as f64),
            MeasureUnit::Number => {
                let t = text.trim().replace([',', '_'], "");
                t.parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| format!("invalid number `{}`", text.trim()))
            }
        }
    }
}

/// A business measure recorded over time: revenue, conversion, satisfaction.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Measure {
    pub id: String,
    pub name: String,
    pub unit: MeasureUnit,
    /// Whether higher values are better.
    pub higher_is_better: bool,
    /// By date, oldest first.
    pub values: Vec<(Date, f64)>,
    #[serde(skip)]
    pub path: String,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Team {
    pub id: Spot<String>,
    pub name: String,
    /// Emails, as written (mailmap resolution happens when matching commits).
    /// Never written out: data.json names members by name.
    #[serde(skip)]
    pub members: Vec<Spot<String>>,
    /// The members by the name their commits carry, alphabetical; a member with no
    /// commit by the part of the email before `@`. Filled in by the report; never
    /// an email, and never someone left out by `views.personal_exclude`.
    #[serde(rename = "members")]
    pub member_names: Vec<String>,
    /// Folder or file prefixes the team owns, relative to the repository root.
    pub paths: Vec<String>,
    #[serde(skip)]
    pub path: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Innovation,
    Stability,
}

impl Mode {
    /// As data.json writes it.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Innovation => "innovation",
            Mode::Stability => "stability",
        }
    }
}

/// Thresholds a value stream is judged against, in its own mode.
#[derive(Clone, Debug, Default, Serialize, schemars::JsonSchema)]
pub struct Guardrails {
    pub change_failure_rate: Option<Percent>,
    pub lead_time: Option<Duration>,
    pub recovery_time: Option<Duration>,
    pub deploys_per_week: Option<f64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Measured {
    /// First commit of a pull request to its opening (with an export), else to its
    /// merge.
    Coding,
    /// Opening to the first review (needs an export).
    Pickup,
    /// First review to the merge (with an export), else last commit to the merge.
    Review,
    /// Merge to the release that shipped it.
    ReleaseWait,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Stage {
    pub name: String,
    pub process: Option<Duration>,
    pub wait: Option<Duration>,
    pub measured: Option<Measured>,
    pub complete_accurate: Option<Percent>,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Stream {
    /// The file name without `.yaml`.
    pub id: String,
    pub name: String,
    pub owner: Option<Spot<String>>,
    pub customer: Option<String>,
    pub goal: Option<Spot<String>>,
    pub mode: Mode,
    pub guardrails: Guardrails,
    pub stages: Vec<Stage>,
    pub future: Option<Vec<Stage>>,
    /// The map as it stood at each quarter end, oldest first (filled from history).
    pub history: Vec<MapVersion>,
    #[serde(skip)]
    pub path: String,
}

/// One version of a value-stream map, and the quarters it was current at the end of.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct MapVersion {
    pub quarters: Vec<Quarter>,
    pub commit: crate::history::CommitId,
    pub stages: Vec<Stage>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Proposed,
    InProgress,
    Paused,
    Done,
    Dropped,
}

impl Status {
    /// As pages write it.
    pub fn words(self) -> &'static str {
        match self {
            Status::Proposed => "proposed",
            Status::InProgress => "in progress",
            Status::Paused => "paused",
            Status::Done => "done",
            Status::Dropped => "dropped",
        }
    }
}

/// How commits are linked to an initiative: any one rule is enough.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Match {
    /// A trailer key: a commit with `<key>: <initiative id>` belongs to it.
    pub trailer: Option<String>,
    /// Conventional-commit scopes.
    pub scopes: Vec<String>,
    /// Path prefixes the commit touches.
    pub paths: Vec<String>,
    /// Pull requests by number: their commits belong to it.
    pub pull_requests: Vec<u32>,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Estimate {
    pub kind: &'static str,
    pub amount: Money,
    pub per: &'static str,
    pub confidence: &'static str,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Outcome {
    pub date: Date,
    pub metric: String,
    pub value: String,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Initiative {
    pub id: String,
    pub title: String,
    pub goal: Spot<String>,
    pub stream: Option<Spot<String>>,
    pub owner: Option<Spot<String>>,
    pub status: Status,
    pub started: Option<Date>,
    pub finished: Option<Date>,
    #[serde(rename = "match")]
    pub matching: Match,
    pub hypothesis: Option<String>,
    pub value: Option<Estimate>,
    pub outcomes: Vec<Outcome>,
    #[serde(skip)]
    pub path: String,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Incident {
    pub id: Spot<String>,
    pub title: String,
    pub started: DateTime,
    pub resolved: Option<DateTime>,
    /// From `started` to `resolved`.
    pub duration_seconds: Option<i64>,
    pub severity: &'static str,
    /// A release tag or a commit id.
    pub caused_by: Option<Spot<String>>,
    pub fixed_by: Option<Spot<String>>,
    pub stream: Option<Spot<String>>,
    pub cost: Option<Money>,
    pub lessons: Option<String>,
    #[serde(skip)]
    pub path: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    Executive,
    Management,
    Team,
}

/// A metric query whose numbers are computed from git, never typed by hand.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct EvidenceQuery {
    pub metric: &'static str,
    /// `repository`, `stream:<id>`, `team:<id>`, `initiative:<id>`.
    pub scope: Spot<String>,
    pub before: Quarter,
    pub after: Quarter,
    pub label: Option<String>,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct CaseStudy {
    pub slug: String,
    pub title: String,
    pub date: Date,
    pub initiative: Option<Spot<String>>,
    pub audience: Vec<Audience>,
    pub summary: String,
    pub featured: bool,
    pub evidence: Vec<EvidenceQuery>,
    /// The Markdown after the front matter.
    pub body: String,
    #[serde(skip)]
    pub path: String,
}

/// Metrics an evidence query may name.
pub const EVIDENCE_METRICS: &[&str] = &[
    "deployment_frequency",
    "lead_time",
    "change_failure_rate",
    "recovery_time",
    "rework_rate",
    "flow_time",
    "flow_efficiency",
];
