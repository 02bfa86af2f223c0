//! `valuestory.yaml`: what the user wrote ([`ConfigFile`], strict, every key
//! optional) and what the pipeline uses ([`Settings`], regexes compiled and dates
//! resolved), kept apart as ripgrep keeps its low and high arguments.

use regex::Regex;
use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;

use crate::error::Located;

mod schema;

pub const DEFAULT_TAG_PATTERN: &str = r"^v?\d+\.\d+(\.\d+)?$";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConfigFile {
    pub title: Option<String>,
    pub base_url: Option<String>,
    pub cname: Option<String>,
    pub theme: Option<String>,
    /// The repository's web address, for links to commits (`https://host/owner/repo`).
    pub repository_url: Option<Spanned<String>>,
    /// The forge at that address when its host is not one valuestory knows:
    /// `github`, `gitlab`, `bitbucket` or `forgejo` (also for Gitea).
    pub forge: Option<Spanned<String>>,
    pub releases: ReleasesFile,
    pub commits: CommitsFile,
    pub dora: DoraFile,
    pub money: Option<MoneyFile>,
    pub views: ViewsFile,
    pub components: Vec<ComponentFile>,
    pub story: StoryFile,
    /// The incident log is complete: failures come only from it, and what the
    /// history suggests becomes a `check` warning.
    pub incidents_complete: bool,
    /// A pull-request export in the repository (`gh pr list --json ...`).
    pub pull_requests: Option<String>,
}

/// When the story calls a change a rise or a fall.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoryFile {
    /// The smallest relative change, as a fraction (0.1 for 10%).
    pub min_change: Option<Spanned<f64>>,
    /// The fewest data points in each quarter.
    pub min_points: Option<Spanned<usize>>,
}

/// A part of a monorepo with its own folder and its own release tags.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComponentFile {
    pub id: Spanned<String>,
    pub name: Option<String>,
    pub paths: Vec<String>,
    /// Its release tags are this prefix and a version: `notify-v1.2.0`.
    pub tag_prefix: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReleasesFile {
    pub tag_pattern: Option<Spanned<String>>,
    pub baseline: Option<Spanned<String>>,
    pub hotfix_tag_pattern: Option<Spanned<String>>,
    pub lead_time_from: LeadTimeFrom,
    /// Subjects of release chores (version bumps, changelogs), which do not make a
    /// patch release planned work.
    pub release_chore_pattern: Option<Spanned<String>>,
    /// A revert shipped more than this many days after the reverted release is a
    /// removal, not a failure.
    pub revert_window_days: Option<Spanned<u32>>,
    /// A patch release this many days or fewer after the release it patches is a
    /// hotfix.
    pub patch_window_days: Option<Spanned<u32>>,
    /// Reverting changes only under these paths is no production failure.
    pub non_product_paths: Option<Vec<String>>,
    /// Each inferred signal, on or off.
    pub signals: SignalsFile,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SignalsFile {
    pub reverts: bool,
    pub patch_of_fixes: bool,
    pub patch_timing: bool,
}

impl Default for SignalsFile {
    fn default() -> SignalsFile {
        SignalsFile {
            reverts: true,
            patch_of_fixes: true,
            patch_timing: true,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CommitsFile {
    pub exclude_authors: Option<Vec<Spanned<String>>>,
    pub paths: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DoraFile {
    /// `dora-2023` (the default) or `custom`.
    pub bands: Option<Spanned<String>>,
    pub lead_time: Option<LimitsFile>,
    pub change_failure_rate: Option<LimitsFile>,
    pub recovery_time: Option<LimitsFile>,
    pub deployment_frequency: Option<LimitsFile>,
}

/// The limits of the elite, high and medium bands of one metric.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsFile {
    pub elite: crate::content::yaml::Node,
    pub high: crate::content::yaml::Node,
    pub medium: crate::content::yaml::Node,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MoneyFile {
    pub currency: String,
    pub engineer_hour_cost: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ViewsFile {
    pub personal: bool,
    /// Identities (canonical mailmap emails) that get no personal page and appear on
    /// no list of people.
    pub personal_exclude: Vec<Spanned<String>>,
}

/// Which time of a commit its lead time starts from.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeadTimeFrom {
    #[default]
    Author,
    Committer,
}

/// The configuration the pipeline runs with.
#[derive(Debug, Clone)]
pub struct Settings {
    pub title: Option<String>,
    pub base_url: String,
    /// `https://host` when the base URL names its host: where the site is served.
    pub site_origin: Option<String>,
    pub tag_pattern: Regex,
    pub hotfix_tag_pattern: Option<Regex>,
    /// Commits authored before this moment (seconds since the epoch) carry no lead time.
    pub baseline: Option<i64>,
    pub lead_time_from: LeadTimeFrom,
    pub exclude_authors: Vec<Regex>,
    /// Band thresholds: the DORA 2023 report's unless the config says otherwise.
    pub bands: Thresholds,
    /// Only commits touching these path prefixes count (monorepo scoping).
    pub paths: Vec<String>,
    /// The currency of money amounts, when `money` is configured.
    pub currency: Option<String>,
    pub theme: Option<String>,
    pub cname: Option<String>,
    pub components: Vec<Component>,
    /// The story's significance rules.
    pub story: StoryRules,
    /// `repository_url` and `forge`, checked.
    pub forge: Option<crate::forge::Forge>,
    /// How failures and hotfixes are read from the history.
    pub signals: Signals,
    /// Failures come from the incident log only.
    pub incidents_complete: bool,
    /// A pull-request export in the repository, by path.
    pub pull_requests: Option<String>,
    /// The personal view: a page for each person, opt-in.
    pub personal: bool,
    /// Canonical emails, lowercased, of people left out of every list and page.
    pub personal_exclude: Vec<String>,
}

/// How failures and hotfixes are inferred from the history, each rule on or off.
#[derive(Debug, Clone)]
pub struct Signals {
    /// A revert of shipped work, shipped within `revert_window`, fails the release.
    pub reverts: bool,
    /// A semver patch release of fixes only is a hotfix.
    pub patch_of_fixes: bool,
    /// A semver patch release within `patch_window` of the release it patches is a
    /// hotfix.
    pub patch_timing: bool,
    /// Seconds.
    pub revert_window: i64,
    /// Seconds.
    pub patch_window: i64,
    pub non_product_paths: Vec<String>,
    pub release_chore: Regex,
}

/// Release chores: `chore(release): …`, `chore: release …`, version bumps, changelogs.
pub const DEFAULT_RELEASE_CHORE: &str = r"^(chore\(release\)|chore(\([^)]*\))?: *(release|prepare|bump (the )?version|version|changelog)|release: |[Bb]ump version|[Rr]elease v?\d|[Pp]repare (for )?(release|v?\d)|[Uu]pdate (the )?changelog|v?\d+\.\d+\.\d+$)";

/// Paths whose changes do not reach production: CI, docs and the project website.
pub const DEFAULT_NON_PRODUCT_PATHS: [&str; 7] = [
    ".github/",
    ".gitlab-ci.yml",
    ".circleci/",
    "docs/",
    "doc/",
    "website/",
    ".devcontainer/",
];

impl Default for Signals {
    fn default() -> Signals {
        Signals {
            reverts: true,
            patch_of_fixes: true,
            patch_timing: true,
            revert_window: 30 * 86_400,
            patch_window: 7 * 86_400,
            non_product_paths: DEFAULT_NON_PRODUCT_PATHS
                .iter()
                .map(|s| s.to_string())
                .collect(),
            release_chore: Regex::new(DEFAULT_RELEASE_CHORE).expect("the default pattern compiles"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Component {
    pub id: String,
    pub name: String,
    pub paths: Vec<String>,
    pub tag_prefix: Option<String>,
}

impl Component {
    /// Its release tags: the prefix, then a version as the default pattern reads it.
    pub fn tag_pattern(&self) -> Option<Regex> {
        let prefix = self.tag_prefix.as_ref()?;
        Regex::new(&format!(r"^{}v?\d+\.\d+(\.\d+)?$", regex::escape(prefix))).ok()
    }
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            title: None,
            base_url: "/".to_string(),
            site_origin: None,
            tag_pattern: Regex::new(DEFAULT_TAG_PATTERN).expect("the default pattern compiles"),
            hotfix_tag_pattern: None,
            baseline: None,
            lead_time_from: LeadTimeFrom::Author,
            exclude_authors: vec![Regex::new(r"\[bot\]$").expect("the default pattern compiles")],
            bands: Thresholds::default(),
            paths: Vec::new(),
            currency: None,
            theme: None,
            cname: None,
            components: Vec::new(),
            story: StoryRules::default(),
            forge: None,
            signals: Signals::default(),
            incidents_complete: false,
            pull_requests: None,
            personal: false,
            personal_exclude: Vec::new(),
        }
    }
}

/// Parses the text of a configuration file; `path` names it in errors. Every key
/// out of place is reported at once; then the first value of the wrong type.
pub fn parse(path: &str, text: &str) -> Result<ConfigFile, Vec<Located>> {
    let misfits = schema::check(path, text);
    if !misfits.is_empty() {
        return Err(misfits);
    }
    parse_typed(path, text).map_err(|l| vec![l])
}

/// The typed reading alone, which stops at its first problem.
pub(crate) fn parse_typed(path: &str, text: &str) -> Result<ConfigFile, Located> {
    if text.trim().is_empty() {
        return Ok(ConfigFile::default());
    }
    serde_saphyr::from_str(text).map_err(|e| crate::content::yaml::serde_error(path, &e))
}

/// Problems gathered while resolving, so that all are reported at once.
#[derive(Default)]
struct Collected(Vec<Located>);

impl Collected {
    fn ok<T>(&mut self, r: Result<T, Located>) -> Option<T> {
        r.map_err(|e| self.0.push(e)).ok()
    }
}

impl ConfigFile {
    /// Compiles and checks what the file says, reporting every problem; the
    /// `tag_pattern` from the command line wins over the file's.
    pub fn resolve(self, path: &str, tag_pattern: Option<&str>) -> Result<Settings, Vec<Located>> {
        let defaults = Settings::default();
        let mut c = Collected::default();
        let tag_pattern = match (tag_pattern, &self.releases.tag_pattern) {
            (Some(cli), _) => c.ok(Regex::new(cli).map_err(|e| Located {
                path: "--tag-pattern".to_string(),
                line: 1,
                column: 1,
                message: format!(
                    "invalid regular expression `{cli}`: {}",
                    first_line(&e.to_string())
                ),
            })),
            (None, Some(s)) => c.ok(compile(path, s)),
            (None, None) => None,
        };
        let hotfix_tag_pattern = self
            .releases
            .hotfix_tag_pattern
            .as_ref()
            .and_then(|s| c.ok(compile(path, s)));
        let baseline = self.releases.baseline.as_ref().and_then(|s| {
            c.ok(crate::time::parse_date_or_datetime(&s.value).map_err(|m| spanned(path, s, m)))
        });
        let exclude_authors = match &self.commits.exclude_authors {
            Some(list) => list.iter().filter_map(|s| c.ok(compile(path, s))).collect(),
            None => defaults.exclude_authors,
        };
        for p in &self.commits.paths {
            c.ok(check_path(path, p));
        }
        let components = self.components(path, &mut c);
        let bands = c.ok(self.dora.resolve(path));
        let forge = self.forge(path, &mut c);
        let story = self.story(path, &mut c);
        let signals = self.signals(path, &mut c);
        if let Some(p) = &self.pull_requests {
            c.ok(check_path(path, p));
        }
        for e in &self.views.personal_exclude {
            if !e.value.contains('@') {
                c.0.push(spanned(
                    path,
                    e,
                    format!(
                        "`{}` in views.personal_exclude is not an email; list the identity's email as .mailmap resolves it, such as ada@example.com",
                        e.value
                    ),
                ));
            }
        }
        if !c.0.is_empty() {
            return Err(c.0);
        }
        Ok(Settings {
            signals,
            incidents_complete: self.incidents_complete,
            pull_requests: self.pull_requests,
            bands: bands.unwrap_or_default(),
            title: self.title,
            base_url: normalize_base_url(self.base_url.as_deref().unwrap_or("/")),
            site_origin: self.base_url.as_deref().and_then(site_origin),
            tag_pattern: tag_pattern.unwrap_or(defaults.tag_pattern),
            hotfix_tag_pattern,
            baseline,
            lead_time_from: self.releases.lead_time_from,
            exclude_authors,
            paths: self.commits.paths,
            currency: self.money.as_ref().map(|m| m.currency.clone()),
            theme: self.theme,
            cname: self.cname,
            components,
            story,
            forge,
            personal: self.views.personal,
            personal_exclude: self
                .views
                .personal_exclude
                .iter()
                .map(|e| e.value.trim().to_ascii_lowercase())
                .collect(),
        })
    }

    fn components(&self, path: &str, c: &mut Collected) -> Vec<Component> {
        let mut components: Vec<Component> = Vec::new();
        for file in &self.components {
            let id = file.id.value.clone();
            let problem = if let Err(message) = crate::content::parse::check_id(&id) {
                Some(message)
            } else if components.iter().any(|k| k.id == id) {
                Some(format!("duplicate component id `{id}`"))
            } else if file.paths.is_empty() {
                Some(format!(
                    "component `{id}` needs `paths`: the folders it lives in"
                ))
            } else {
                None
            };
            if let Some(message) = problem {
                c.0.push(spanned(path, &file.id, message));
                continue;
            }
            for p in &file.paths {
                c.ok(check_path(path, p));
            }
            components.push(Component {
                name: file.name.clone().unwrap_or_else(|| id.clone()),
                id,
                paths: file.paths.clone(),
                tag_prefix: file.tag_prefix.clone(),
            });
        }
        components
    }

    /// `repository_url` and `forge`, checked.
    fn forge(&self, path: &str, c: &mut Collected) -> Option<crate::forge::Forge> {
        let kind = self.forge.as_ref().and_then(|f| {
            let kind = crate::forge::Kind::parse(&f.value);
            if kind.is_none() {
                c.0.push(spanned(
                    path,
                    f,
                    format!(
                        "unknown forge `{}`; expected `github`, `gitlab`, `bitbucket` or `forgejo`",
                        f.value
                    ),
                ));
            }
            kind
        });
        let u = self.repository_url.as_ref()?;
        let forge = crate::forge::find(Some((&u.value, kind)), None);
        if forge.is_none() {
            c.0.push(spanned(
                path,
                u,
                format!(
                    "`repository_url: {}` is not a web address such as https://github.com/owner/repo, or names a host other than github.com, gitlab.com, bitbucket.org and codeberg.org without `forge:`",
                    u.value
                ),
            ));
        }
        forge
    }

    fn story(&self, path: &str, c: &mut Collected) -> StoryRules {
        let mut story = StoryRules::default();
        if let Some(m) = &self.story.min_change {
            if m.value.is_finite() && (0.0..=10.0).contains(&m.value) {
                story.min_change = m.value;
            } else {
                c.0.push(spanned(
                    path,
                    m,
                    format!(
                        "`story.min_change` is a fraction between 0 and 10 (0.1 for 10%), not {}",
                        m.value
                    ),
                ));
            }
        }
        if let Some(n) = &self.story.min_points {
            if n.value == 0 {
                c.0.push(spanned(path, n, "`story.min_points` is at least 1".into()));
            } else {
                story.min_points = n.value;
            }
        }
        story
    }

    fn signals(&self, path: &str, c: &mut Collected) -> Signals {
        let releases = &self.releases;
        let mut signals = Signals {
            reverts: releases.signals.reverts,
            patch_of_fixes: releases.signals.patch_of_fixes,
            patch_timing: releases.signals.patch_timing,
            ..Signals::default()
        };
        if let Some(p) = &releases.release_chore_pattern
            && let Some(r) = c.ok(compile(path, p))
        {
            signals.release_chore = r;
        }
        if let Some(d) = &releases.revert_window_days {
            signals.revert_window = i64::from(d.value) * 86_400;
        }
        if let Some(d) = &releases.patch_window_days {
            signals.patch_window = i64::from(d.value) * 86_400;
        }
        if let Some(paths) = &releases.non_product_paths {
            for p in paths {
                c.ok(check_path(path, p));
            }
            signals.non_product_paths = paths.clone();
        }
        signals
    }
}

/// A regular expression of the file, compiled.
fn compile(path: &str, s: &Spanned<String>) -> Result<Regex, Located> {
    Regex::new(&s.value).map_err(|e| {
        spanned(
            path,
            s,
            format!(
                "invalid regular expression `{}`: {}",
                s.value,
                first_line(&e.to_string())
            ),
        )
    })
}

/// A path of `commits.paths`, `components` or `pull_requests`: relative, inside
/// the repository.
fn check_path(path: &str, p: &str) -> Result<(), Located> {
    crate::content::parse::check_repo_path(p).map_err(|message| Located {
        path: path.to_string(),
        line: 1,
        column: 1,
        message: format!("`commits.paths` or `components`: {message}"),
    })
}

/// A problem at the place of a value in the file.
fn spanned<T>(path: &str, s: &Spanned<T>, message: String) -> Located {
    Located {
        path: path.to_string(),
        line: s.referenced.line().max(1),
        column: s.referenced.column().max(1),
        message,
    }
}

/// `repo`, `/repo`, `https://x.github.io/repo` all become `/repo/`.
/// The scheme and host of a base URL that names them (`https://example.org` of
/// `https://example.org/docs/`), for absolute links such as the sitemap's.
pub fn site_origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split('/').next().unwrap_or("");
    let valid = |c: char| c.is_ascii_alphanumeric() || ".-:[]".contains(c);
    (matches!(scheme, "http" | "https") && !host.is_empty() && host.chars().all(valid))
        .then(|| format!("{scheme}://{}", host.to_ascii_lowercase()))
}

pub fn normalize_base_url(url: &str) -> String {
    let path = match url.find("://") {
        Some(i) => url[i + 3..].find('/').map_or("/", |j| &url[i + 3 + j..]),
        None => url,
    };
    let trimmed = path.trim_matches('/');
    if trimmed.is_empty() {
        "/".to_string()
    } else {
        format!("/{trimmed}/")
    }
}

fn first_line(s: &str) -> String {
    s.lines()
        .rfind(|l| !l.trim().is_empty())
        .unwrap_or(s)
        .trim()
        .to_string()
}

impl DoraFile {
    /// The thresholds in force, each limit parsed and checked to be in order.
    /// The band set these lines name; `path` names the file in errors.
    pub fn resolve(&self, path: &str) -> Result<Thresholds, Located> {
        use crate::content::units::{Duration, Percent};
        let mut t = Thresholds::default();
        let custom = match &self.bands {
            None => false,
            Some(s) if s.value == "dora-2023" => false,
            Some(s) if s.value == "custom" => true,
            Some(s) => {
                return Err(Located {
                    path: path.to_string(),
                    line: s.referenced.line().max(1),
                    column: s.referenced.column().max(1),
                    message: format!(
                        "`dora.bands` cannot be `{}`; expected `dora-2023` or `custom`",
                        s.value
                    ),
                });
            }
        };
        let given = [
            &self.lead_time,
            &self.change_failure_rate,
            &self.recovery_time,
            &self.deployment_frequency,
        ];
        if !custom {
            if let Some(l) = given.iter().find_map(|g| g.as_ref()) {
                return Err(at_node(
                    path,
                    &l.elite,
                    "band limits need `bands: custom` beside them".into(),
                ));
            }
            return Ok(t);
        }
        let duration = |s: &str| Duration::parse(s).map(|d| d.0 as f64);
        let percent = |s: &str| Percent::parse(s).map(|p| p.0);
        let number = |s: &str| {
            s.trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v >= 0.0)
                .ok_or_else(|| format!("invalid number `{s}`: expected deploy-days, such as 5"))
        };
        if let Some(l) = &self.lead_time {
            let v = l.limits(path, &duration, true)?;
            t.lead_time = [v[0] as i64, v[1] as i64, v[2] as i64];
        }
        if let Some(l) = &self.change_failure_rate {
            t.change_failure_rate = l.limits(path, &percent, true)?;
        }
        if let Some(l) = &self.recovery_time {
            let v = l.limits(path, &duration, true)?;
            t.recovery_time = [v[0] as i64, v[1] as i64, v[2] as i64];
        }
        if let Some(l) = &self.deployment_frequency {
            t.deployment_frequency = l.limits(path, &number, false)?;
        }
        t.id = "custom".into();
        t.name = "custom".into();
        t.source =
            "valuestory.yaml (dora: bands: custom); metrics not given keep DORA 2023's limits"
                .into();
        Ok(t)
    }
}

impl LimitsFile {
    /// The elite, high and medium limits, each parsed, in order: rising when
    /// `ascending` (lower is better), else elite at least high.
    fn limits(
        &self,
        path: &str,
        parse: &dyn Fn(&str) -> Result<f64, String>,
        ascending: bool,
    ) -> Result<[f64; 3], Located> {
        let mut v = [0.0; 3];
        for (i, node) in [&self.elite, &self.high, &self.medium]
            .into_iter()
            .enumerate()
        {
            let text = node.as_text().unwrap_or_default();
            v[i] = parse(&text).map_err(|m| at_node(path, node, m))?;
        }
        let ordered = if ascending {
            v[0] <= v[1] && v[1] <= v[2]
        } else {
            v[0] >= v[1]
        };
        if !ordered {
            let message = "band limits must go from elite to medium in order".into();
            return Err(at_node(path, &self.elite, message));
        }
        Ok(v)
    }
}

fn at_node(path: &str, node: &crate::content::yaml::Node, message: String) -> Located {
    Located {
        path: path.to_string(),
        line: node.at.line.max(1),
        column: node.at.column.max(1),
        message,
    }
}

const HOUR: i64 = 3_600;
const DAY: i64 = 86_400;

/// A band set: the limits of the elite, high and medium bands of each metric
/// (anything beyond medium is low), with its name and where its limits come from.
/// The default is the DORA 2023 report's. Other report years are added only with
/// their limits cited from the report's published table; the 2024 report's
/// clusters are not monotonic in change failure rate, and the 2025 report has no
/// bands at all, only team profiles.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Thresholds {
    /// `dora-2023` or `custom`.
    pub id: String,
    /// As pages name it beside each band: `DORA 2023`, `custom`.
    pub name: String,
    pub source: String,
    /// Lead time under each limit, in seconds.
    pub lead_time: [i64; 3],
    /// Change failure rate at most each limit (a fraction).
    pub change_failure_rate: [f64; 3],
    /// Recovery time under each limit, in seconds.
    pub recovery_time: [i64; 3],
    /// Median deploy-days per week for elite and high, per month for medium.
    pub deployment_frequency: [f64; 3],
}

impl Default for Thresholds {
    fn default() -> Thresholds {
        Thresholds {
            id: "dora-2023".into(),
            name: "DORA 2023".into(),
            source: "DORA, Accelerate State of DevOps Report 2023: the software delivery performance levels".into(),
            lead_time: [DAY, 7 * DAY, 30 * DAY],
            change_failure_rate: [0.05, 0.10, 0.15],
            recovery_time: [HOUR, DAY, 7 * DAY],
            deployment_frequency: [5.0, 1.0, 1.0],
        }
    }
}

/// When a change between two quarters counts as one.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct StoryRules {
    /// The smallest relative change called a rise or a fall (0.10: 10%).
    pub min_change: f64,
    /// The fewest data points in each quarter (releases, commits, recoveries).
    pub min_points: usize,
}

impl Default for StoryRules {
    fn default() -> StoryRules {
        StoryRules {
            min_change: 0.10,
            min_points: 5,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The only problem found.
    fn one(mut problems: Vec<Located>) -> Located {
        assert_eq!(problems.len(), 1, "{problems:?}");
        problems.remove(0)
    }

    #[test]
    fn every_problem_of_the_values_is_reported_at_once() {
        let text = "releases:\n  tag_pattern: '(v'\n  hotfix_tag_pattern: '[x'\nstory:\n  min_points: 0\nforge: svn\n";
        let found: Vec<String> = parse("c.yaml", text)
            .unwrap()
            .resolve("c.yaml", None)
            .unwrap_err()
            .iter()
            .map(|l| format!("{}:{}", l.line, l.message.split(':').next().unwrap_or("")))
            .collect();
        assert_eq!(
            found,
            [
                "2:invalid regular expression `(v`",
                "3:invalid regular expression `[x`",
                "6:unknown forge `svn`; expected `github`, `gitlab`, `bitbucket` or `forgejo`",
                "5:`story.min_points` is at least 1",
            ]
        );
    }

    #[test]
    fn empty_file_gives_defaults() {
        let s = parse("valuestory.yaml", "")
            .unwrap()
            .resolve("valuestory.yaml", None)
            .unwrap();
        assert!(s.tag_pattern.is_match("v1.2.3"));
        assert!(s.tag_pattern.is_match("1.2"));
        assert!(!s.tag_pattern.is_match("v1.2.3-rc.1"));
        assert!(s.exclude_authors[0].is_match("renovate[bot]"));
    }

    #[test]
    fn unknown_key_is_located() {
        let e = parse(
            "valuestory.yaml",
            "title: x\nreleases:\n  tag_patern: 'v.*'\n",
        )
        .map_err(one)
        .unwrap_err();
        assert_eq!((e.line, e.column), (3, 3), "{e}");
        assert!(e.message.contains("tag_patern"), "{e}");
    }

    #[test]
    fn bad_regex_points_at_the_value() {
        let e = parse("c.yaml", "releases:\n  tag_pattern: '(v'\n")
            .unwrap()
            .resolve("c.yaml", None)
            .map_err(one)
            .unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        assert!(e.message.contains("invalid regular expression"), "{e}");
    }

    #[test]
    fn a_base_url_with_its_host_gives_the_sites_origin() {
        assert_eq!(
            site_origin("https://Example.org/docs/").as_deref(),
            Some("https://example.org")
        );
        assert_eq!(
            site_origin("http://localhost:8080").as_deref(),
            Some("http://localhost:8080")
        );
        assert_eq!(site_origin("/repo/"), None);
        assert_eq!(site_origin("ftp://example.org/"), None);
        assert_eq!(site_origin("https://exa mple.org/"), None);
        assert_eq!(site_origin("https:///path"), None);
    }

    #[test]
    fn base_url_is_normalized() {
        assert_eq!(normalize_base_url(""), "/");
        assert_eq!(normalize_base_url("repo"), "/repo/");
        assert_eq!(normalize_base_url("/repo/pr-4"), "/repo/pr-4/");
        assert_eq!(normalize_base_url("https://acme.github.io/repo/"), "/repo/");
    }

    #[test]
    fn story_rules_are_read_and_checked_with_their_place() {
        let s = parse("c.yaml", "story:\n  min_change: 0.25\n  min_points: 3\n")
            .unwrap()
            .resolve("c.yaml", None)
            .unwrap();
        assert_eq!(s.story.min_change, 0.25);
        assert_eq!(s.story.min_points, 3);
        let e = parse("c.yaml", "story:\n  min_points: 0\n")
            .unwrap()
            .resolve("c.yaml", None)
            .map_err(one)
            .unwrap_err();
        assert_eq!(
            (e.line, e.message.as_str()),
            (2, "`story.min_points` is at least 1")
        );
        let e = parse("c.yaml", "story:\n  min_change: -1\n")
            .unwrap()
            .resolve("c.yaml", None)
            .map_err(one)
            .unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        let e = parse("c.yaml", "story:\n  min_chnage: 0.2\n")
            .map_err(one)
            .unwrap_err();
        assert_eq!((e.line, e.column), (2, 3), "{e}");
    }
}
