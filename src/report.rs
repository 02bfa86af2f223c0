//! The view model: serializable structs that are the contract with themes and with
//! `data.json`. Nothing here names git2 or a parsing type; one casing, snake_case.

use serde::Serialize;

use crate::changes::Changes;
use crate::content;
use crate::history::{CommitId, History};
use crate::releases::{Correlation, Evidence, LeadTime, ReleaseKind};
use crate::time::rfc3339;

/// data.json's schema version. It changes only when a field is removed or changes
/// meaning; a field added keeps it, so a reader of version N reads every data.json
/// of version N, older or newer. `valuestory schema` prints the schema.
pub const SCHEMA_VERSION: u32 = 1;

/// The JSON Schema of data.json, generated from the types that write it.
pub fn json_schema() -> serde_json::Value {
    schema_of::<Data>("valuestory data.json", "data.json")
}

/// The JSON Schema (draft 2020-12) of what valuestory writes as `T`: a field
/// skipped when empty is optional (not what it would read).
pub fn schema_of<T: schemars::JsonSchema>(title: &str, what: &str) -> serde_json::Value {
    let generator = schemars::generate::SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator();
    let mut schema =
        serde_json::to_value(generator.into_root_schema_for::<T>()).unwrap_or_default();
    if let Some(fields) = schema.as_object_mut() {
        fields.insert("title".into(), title.into());
        fields.insert(
            "description".into(),
            format!(
                "{what}, schema version {SCHEMA_VERSION}, as valuestory {} writes it. The version changes only when a field is removed or changes meaning.",
                env!("CARGO_PKG_VERSION")
            )
            .into(),
        );
    }
    schema
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct Data {
    pub schema_version: u32,
    pub generator: String,
    pub title: String,
    pub base_url: String,
    /// The site's address with its host (`https://example.org/docs/`), when the
    /// base URL or the CNAME gives one; the sitemap needs it.
    pub site_url: Option<String>,
    pub repository: RepositoryInfo,
    /// Set when the build covers one component or some paths only.
    pub scope: Option<Scope>,
    pub releases: Vec<ReleaseView>,
    pub unreleased: Unreleased,
    pub periods: std::collections::BTreeMap<&'static str, Vec<crate::metrics::PeriodMetrics>>,
    pub pull_request_count: usize,
    pub recoveries: Vec<crate::metrics::Recovery>,
    pub stream_metrics: Vec<crate::metrics::streams::StreamMetrics>,
    pub narrative: crate::metrics::narrative::Narrative,
    /// What the pages say, sentence by sentence, with the numbers each rests on.
    pub story: crate::story::Story,
    pub initiative_metrics: Vec<crate::metrics::work::InitiativeMetrics>,
    pub goal_values: Vec<crate::metrics::work::GoalValue>,
    pub team_metrics: Vec<crate::metrics::work::TeamMetrics>,
    pub cost: crate::metrics::work::Cost,
    /// The keys per quarter of each team, stream and initiative.
    pub scopes: Vec<crate::metrics::scopes::ScopedQuarters>,
    pub goals: Vec<content::Goal>,
    /// Business measures and their values (`value/measures/`), by date.
    pub measures: Vec<content::Measure>,
    pub teams: Vec<content::Team>,
    pub streams: Vec<content::Stream>,
    pub initiatives: Vec<content::Initiative>,
    pub incidents: Vec<content::Incident>,
    pub case_studies: Vec<content::CaseStudy>,
    /// The personal view (`views.personal`): one entry per person, alphabetical
    /// by name; empty when the view is off. No email, and nothing that compares
    /// people.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub people: Vec<crate::metrics::people::PersonWork>,
    /// The history's people (by id) left out by `views.personal_exclude`: the pages
    /// name them nowhere. Not written out.
    #[serde(skip)]
    pub hidden_people: Vec<crate::history::PersonId>,
    /// The band set every band was judged by.
    pub band_set: crate::metrics::bands::Thresholds,
    /// How failures and hotfixes were read from the history.
    pub signals: SignalRules,
    pub warnings: Vec<String>,
}

/// What a scoped build covers: one component, or some paths only.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Scope {
    pub component: Option<String>,
    pub paths: Vec<String>,
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct RepositoryInfo {
    pub head: CommitId,
    pub rev: String,
    pub shallow: bool,
    pub commit_count: usize,
    /// Where commits can be seen on the web, when known.
    pub forge: Option<crate::forge::Forge>,
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct ReleaseView {
    pub tag: String,
    pub slug: String,
    pub commit: CommitId,
    pub time: String,
    pub previous: Option<String>,
    pub annotated: bool,
    pub commit_count: usize,
    pub commits: Vec<CommitId>,
    pub lead_time: Option<LeadTime>,
    /// Files changed and lines added and removed by the release's commits, when
    /// changes were computed.
    pub churn: Option<Churn>,
    pub kind: ReleaseKind,
    pub failed: bool,
    pub hotfix_evidence: Vec<Signal>,
    pub failure_evidence: Vec<Signal>,
    /// Failures the history suggests that the incident log, declared complete
    /// (`incidents_complete`), does not hold; they count for nothing.
    pub suspected_failures: Vec<Signal>,
    /// Evidence an override in `value/overrides.yaml` set aside, and the override.
    pub overridden: Vec<Signal>,
}

/// One piece of evidence and where it comes from: `logged` (an incident, a hotfix
/// tag), `inferred` (read from the history) or `override`.
#[derive(Serialize, Clone, Debug, schemars::JsonSchema)]
pub struct Signal {
    #[serde(flatten)]
    pub evidence: Evidence,
    pub source: crate::releases::Source,
}

fn with_sources(list: &[Evidence]) -> Vec<Signal> {
    list.iter()
        .map(|e| Signal {
            evidence: e.clone(),
            source: e.source(),
        })
        .collect()
}

#[derive(Serialize, Clone, Copy, Default, schemars::JsonSchema)]
pub struct Churn {
    pub files: usize,
    pub added: u64,
    pub removed: u64,
}

/// Distinct files and line counts over some commits.
pub fn churn(changes: &Changes, commits: impl Iterator<Item = CommitId>) -> Churn {
    let mut files = std::collections::HashSet::new();
    let mut churn = Churn::default();
    for id in commits {
        for c in changes.of(&id) {
            files.insert(c.path);
            churn.added += u64::from(c.added);
            churn.removed += u64::from(c.removed);
        }
    }
    churn.files = files.len();
    churn
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct Unreleased {
    pub commit_count: usize,
    pub commits: Vec<CommitId>,
}

pub struct Source<'a> {
    pub title: String,
    pub base_url: String,
    pub site_url: Option<String>,
    pub head: CommitId,
    pub rev: String,
    pub history: &'a History,
    pub correlation: &'a Correlation,
    pub value: &'a content::ValueFolder,
    pub changes: Option<&'a Changes>,
    pub metrics: crate::metrics::Metrics,
    pub story: crate::story::Story,
    pub forge: Option<crate::forge::Forge>,
    pub scope: Option<Scope>,
    pub warnings: Vec<String>,
    pub signals: SignalRules,
    pub band_set: crate::metrics::bands::Thresholds,
    /// Canonical emails (lowercase) of people left out of every list.
    pub personal_exclude: Vec<String>,
}

/// How failures and hotfixes were read, as configured: what the methodology states.
#[derive(Serialize, Clone, Debug, schemars::JsonSchema)]
pub struct SignalRules {
    pub reverts: bool,
    pub patch_of_fixes: bool,
    pub patch_timing: bool,
    pub revert_window_days: i64,
    pub patch_window_days: i64,
    pub non_product_paths: Vec<String>,
    pub release_chore_pattern: String,
    pub incidents_complete: bool,
}

impl SignalRules {
    pub fn of(settings: &crate::config::Settings) -> SignalRules {
        let s = &settings.signals;
        SignalRules {
            reverts: s.reverts,
            patch_of_fixes: s.patch_of_fixes,
            patch_timing: s.patch_timing,
            revert_window_days: s.revert_window / 86_400,
            patch_window_days: s.patch_window / 86_400,
            non_product_paths: s.non_product_paths.clone(),
            release_chore_pattern: s.release_chore.as_str().to_string(),
            incidents_complete: settings.incidents_complete,
        }
    }
}

pub fn data(source: Source<'_>) -> Data {
    let Source {
        title,
        base_url,
        site_url,
        head,
        rev,
        history,
        correlation,
        value,
        changes,
        metrics,
        story,
        forge,
        scope,
        warnings,
        signals,
        band_set,
        personal_exclude,
    } = source;
    let ids = |list: &[u32]| -> Vec<CommitId> {
        list.iter()
            .map(|&c| history.commits[c as usize].id)
            .collect()
    };
    let releases = correlation
        .releases
        .iter()
        .map(|r| ReleaseView {
            tag: r.tag.clone(),
            slug: slug(&r.tag),
            commit: r.commit,
            time: rfc3339(r.time),
            previous: r.previous.map(|p| correlation.releases[p].tag.clone()),
            annotated: r.annotated,
            commit_count: r.commits.len(),
            commits: ids(&r.commits),
            lead_time: r.lead_time,
            churn: changes.map(|ch| {
                churn(
                    ch,
                    r.commits.iter().map(|&c| history.commits[c as usize].id),
                )
            }),
            kind: r.kind,
            failed: r.failed(),
            hotfix_evidence: with_sources(&r.hotfix_evidence),
            failure_evidence: with_sources(&r.failure_evidence),
            suspected_failures: with_sources(&r.suspected),
            overridden: with_sources(&r.overridden),
        })
        .collect();
    Data {
        schema_version: SCHEMA_VERSION,
        generator: format!("valuestory {}", env!("CARGO_PKG_VERSION")),
        title,
        base_url,
        site_url,
        repository: RepositoryInfo {
            head,
            rev,
            shallow: false,
            commit_count: history.commits.len(),
            forge,
        },
        scope,
        releases,
        unreleased: Unreleased {
            commit_count: correlation.unreleased.len(),
            commits: ids(&correlation.unreleased),
        },
        periods: metrics.periods,
        pull_request_count: metrics.pull_request_count,
        recoveries: metrics.recoveries,
        stream_metrics: metrics.streams,
        narrative: metrics.narrative,
        story,
        initiative_metrics: metrics.initiatives,
        goal_values: metrics.goal_values,
        team_metrics: metrics.teams,
        cost: metrics.cost,
        scopes: metrics.scopes,
        goals: value.goals.clone(),
        measures: value.measures.clone(),
        teams: named_members(&value.teams, history, &personal_exclude),
        streams: value.streams.clone(),
        initiatives: value.initiatives.clone(),
        incidents: value.incidents.clone(),
        case_studies: value.case_studies.clone(),
        people: metrics.people,
        hidden_people: (0..history.people.len() as crate::history::PersonId)
            .filter(|&p| {
                personal_exclude.contains(&history.person(p).email.trim().to_ascii_lowercase())
            })
            .collect(),
        band_set,
        signals,
        warnings,
    }
}

/// The teams with their members named as their commits name them, never by email.
fn named_members(
    teams: &[content::Team],
    history: &History,
    exclude: &[String],
) -> Vec<content::Team> {
    // The name each email's latest commit carries.
    let mut names: std::collections::HashMap<String, (i64, &str)> =
        std::collections::HashMap::new();
    for c in &history.commits {
        let p = history.person(c.author);
        let at = c.committer_time.seconds;
        let e = names
            .entry(p.email.trim().to_ascii_lowercase())
            .or_insert((at, &p.name));
        if at >= e.0 {
            *e = (at, &p.name);
        }
    }
    teams
        .iter()
        .map(|t| {
            let mut team = t.clone();
            let mut members: Vec<String> = t
                .members
                .iter()
                .map(|m| m.value.trim().to_ascii_lowercase())
                .filter(|e| !exclude.contains(e))
                .map(|e| match names.get(&e) {
                    Some((_, name)) => name.to_string(),
                    None => e.split('@').next().unwrap_or_default().to_string(),
                })
                .collect();
            members.sort_by(|a, b| crate::metrics::people::alphabetical(a, b));
            members.dedup();
            team.member_names = members;
            team
        })
        .collect()
}

/// A file-name-safe form of a tag: ASCII letters, digits, `.`, `_` and `-` kept,
/// everything else `-`.
pub fn slug(tag: &str) -> String {
    let s: String = tag
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect();
    match s.trim_matches('.') {
        "" => "tag".to_string(),
        t => t.to_string(),
    }
}
