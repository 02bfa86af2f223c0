//! Who and what the work was for: initiatives (linked commits and releases, cost of
//! delay, value per goal), teams (collaboration and knowledge sharing) and the cost
//! of failure against the cost of delay.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use super::flow::{FlowKind, PullRequest, kind_of};
use crate::changes::Changes;
use crate::content::{Initiative, Team, ValueFolder};
use crate::history::History;
use crate::releases::Correlation;

const DAY: i64 = 86_400;
const YEAR: i64 = 365 * DAY;

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct InitiativeMetrics {
    pub id: String,
    pub commits: usize,
    pub shipped_commits: usize,
    pub releases: Vec<String>,
    pub first_commit: Option<String>,
    pub last_release: Option<String>,
    pub lead_time: Option<crate::stats::Summary>,
    /// Linked commits merged but not released at the last event.
    pub unreleased_commits: usize,
    /// Value per year, from the estimate (`once` counts as is).
    pub annual_value: Option<f64>,
    /// Estimated: annual value / 365 for each day the oldest unreleased linked commit
    /// has waited.
    pub cost_of_delay: Option<f64>,
    /// The same, at the end of each quarter (of `periods.quarter`, in its order; the
    /// running quarter at the last event).
    pub quarters: Vec<InitiativeAt>,
}

/// An initiative's work at one moment: what had landed, shipped and waited.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct InitiativeAt {
    pub period: String,
    /// The day it is measured on: the quarter's last day, or the last event's.
    pub as_of: String,
    pub commits: usize,
    pub shipped_commits: usize,
    pub unreleased_commits: usize,
    pub cost_of_delay: Option<f64>,
}

/// The cost of delay of all valued initiatives at the end of a quarter.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct DelayAt {
    pub period: String,
    pub as_of: String,
    pub cost_of_delay: f64,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct GoalValue {
    pub goal: String,
    pub initiatives: usize,
    pub annual_value: f64,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct PathKnowledge {
    pub path: String,
    pub changes: usize,
    pub people: usize,
    /// How many people made 80% of the changes in the last 12 months.
    pub people_for_80_percent: usize,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct TeamMetrics {
    pub id: String,
    pub commits: usize,
    /// The people who committed the team's work.
    pub people: usize,
    /// The members `value/teams.yaml` declares.
    pub declared_members: usize,
    /// Share of the team's commits with a `Co-authored-by` trailer.
    pub co_authored_share: Option<f64>,
    /// Share of the team's pull requests whose commits come from more than one person.
    pub multi_author_pull_requests: Option<f64>,
    /// The team's commits that touched paths another team owns.
    pub commits_in_other_teams_paths: Option<usize>,
    pub knowledge: Vec<PathKnowledge>,
    /// Owned paths only one person changed in the last 12 months.
    pub single_person_paths: Vec<String>,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Cost {
    pub currency: Option<String>,
    /// Shares of shipped non-merge commits, over all time.
    pub defect_share: Option<f64>,
    pub debt_share: Option<f64>,
    /// Incident costs: the cost of failure.
    pub incident_cost: f64,
    /// Cost of delay of merged but unreleased work on valued initiatives.
    pub cost_of_delay: f64,
    /// The same at the end of each quarter.
    pub quarters: Vec<DelayAt>,
    /// Always estimates.
    pub estimate: bool,
}

/// Whether a commit is a team's work: its author is a declared member, or it
/// touches a path the team owns. Team pages, team scopes and personal pages all
/// judge by this one rule.
pub fn team_work(
    team: &Team,
    author: &crate::history::Person,
    c: &crate::history::Commit,
    changes: Option<&Changes>,
) -> bool {
    team.members
        .iter()
        .any(|m| m.value.eq_ignore_ascii_case(author.email.trim()))
        || (!team.paths.is_empty() && changes.is_some_and(|ch| ch.touches(&c.id, &team.paths)))
}

/// Whether a commit belongs to an initiative by its `match` rules.
/// What links commits to initiatives besides their messages: the paths they
/// changed, and the pull request each came in (by commit index).
#[derive(Clone, Copy)]
pub struct Links<'a> {
    pub changes: Option<&'a Changes>,
    pub pull_requests: &'a [Option<u32>],
}

/// The commits that count as work: not merges, and inside the built scope; with
/// their positions in the history.
pub fn counted_work<'h>(
    history: &'h History,
    correlation: &'h Correlation,
) -> impl Iterator<Item = (usize, &'h crate::history::Commit)> + 'h {
    let commits = history.commits.iter().enumerate();
    commits.filter(|(k, c)| !c.is_merge() && correlation.counted[*k])
}

/// Whether commit `c` belongs to initiative `i`: in a pull request it names by
/// number, or authored inside its `started` and `finished` days (when it has them)
/// and matched by a rule.
/// `pull_request` is the number of the pull request the commit came in, when known.
pub fn linked(
    i: &Initiative,
    c: &crate::history::Commit,
    pull_request: Option<u32>,
    changes: Option<&Changes>,
) -> bool {
    // A pull request named by number is meant, whatever its dates.
    let named = pull_request
        .or(c.pull_request)
        .is_some_and(|n| i.matching.pull_requests.contains(&n));
    named || (in_dates(i, c) && matches_rules(i, c, pull_request, changes))
}

/// Authored on or after `started` and on or before `finished`.
pub fn in_dates(i: &Initiative, c: &crate::history::Commit) -> bool {
    let t = c.author_time.seconds;
    i.started.is_none_or(|d| t >= d.start_seconds())
        && i.finished.is_none_or(|d| t < d.start_seconds() + DAY)
}

/// Matched by one of the initiative's rules: its trailer, a conventional scope, a
/// path, or a pull request it names.
pub fn matches_rules(
    i: &Initiative,
    c: &crate::history::Commit,
    pull_request: Option<u32>,
    changes: Option<&Changes>,
) -> bool {
    if pull_request
        .or(c.pull_request)
        .is_some_and(|n| i.matching.pull_requests.contains(&n))
    {
        return true;
    }
    let key = i.matching.trailer.as_deref();
    if let Some(key) = key
        && c.trailer_values(key).any(|v| v.eq_ignore_ascii_case(&i.id))
    {
        return true;
    }
    if let Some(conv) = &c.conventional
        && let Some(scope) = &conv.scope
        && i.matching.scopes.iter().any(|s| s == scope)
    {
        return true;
    }
    !i.matching.paths.is_empty() && changes.is_some_and(|ch| ch.touches(&c.id, &i.matching.paths))
}

/// The day a quarter ending at `end` is measured on: its last day, or the last
/// event's while it runs.
fn measured_on(end: i64, now: i64) -> String {
    crate::time::rfc3339(end.min(now + 1) - 1)[..10].to_string()
}

fn annual(i: &Initiative) -> Option<f64> {
    let v = i.value.as_ref()?;
    let amount = v.amount.units();
    Some(match v.per {
        "month" => amount * 12.0,
        "quarter" => amount * 4.0,
        _ => amount,
    })
}

pub fn initiatives(
    history: &History,
    correlation: &Correlation,
    value: &ValueFolder,
    links: Links<'_>,
    now: i64,
    quarters: &[(String, i64)],
    settings: &crate::config::Settings,
) -> Vec<InitiativeMetrics> {
    let Links {
        changes,
        pull_requests,
    } = links;
    value
        .initiatives
        .iter()
        .map(|i| {
            let commits: Vec<usize> = counted_work(history, correlation)
                .filter(|(k, c)| linked(i, c, pull_requests.get(*k).copied().flatten(), changes))
                .map(|(k, _)| k)
                .collect();
            let linked = Linked {
                owners: commits.iter().map(|&k| correlation.owner[k]).collect(),
                commits,
                history,
                correlation,
            };
            let mut releases: Vec<usize> = linked
                .owners
                .iter()
                .flatten()
                .map(|&o| o as usize)
                .collect();
            releases.sort_unstable();
            releases.dedup();
            let waiting: Vec<i64> = linked
                .commits
                .iter()
                .zip(&linked.owners)
                .filter(|(_, o)| o.is_none())
                .map(|(&k, _)| now - history.commits[k].committer_time.seconds)
                .collect();
            let annual_value = annual(i);
            let cost_of_delay = annual_value.map(|v| {
                let oldest = waiting.iter().copied().max().unwrap_or(0).max(0);
                v * oldest as f64 / YEAR as f64
            });
            InitiativeMetrics {
                id: i.id.clone(),
                commits: linked.commits.len(),
                shipped_commits: linked.owners.iter().filter(|o| o.is_some()).count(),
                releases: releases
                    .iter()
                    .map(|&r| correlation.releases[r].tag.clone())
                    .collect(),
                first_commit: linked
                    .commits
                    .iter()
                    .map(|&k| history.commits[k].author_time.seconds)
                    .min()
                    .map(crate::time::rfc3339),
                last_release: releases
                    .last()
                    .map(|&r| crate::time::rfc3339(correlation.releases[r].time)),
                lead_time: crate::stats::summarize(&mut linked.lead_times(settings)),
                unreleased_commits: waiting.len(),
                annual_value,
                cost_of_delay,
                quarters: quarters
                    .iter()
                    .map(|(period, end)| linked.at(period, *end, now, annual_value))
                    .collect(),
            }
        })
        .collect()
}

/// The commits linked to one initiative, with the release that shipped each.
struct Linked<'a> {
    commits: Vec<usize>,
    owners: Vec<Option<u32>>,
    history: &'a History,
    correlation: &'a Correlation,
}

impl Linked<'_> {
    /// Each shipped commit's lead time, as releases count it (baseline and
    /// lead-time start applied).
    fn lead_times(&self, settings: &crate::config::Settings) -> Vec<i64> {
        let shipped = self.commits.iter().zip(&self.owners);
        shipped
            .filter_map(|(&k, o)| {
                let release = &self.correlation.releases[(*o)? as usize];
                let commit = &self.history.commits[k];
                let start = match settings.lead_time_from {
                    crate::config::LeadTimeFrom::Author => commit.author_time.seconds,
                    crate::config::LeadTimeFrom::Committer => commit.committer_time.seconds,
                };
                if settings.baseline.is_some_and(|b| start < b) {
                    return None;
                }
                Some(release.time.saturating_sub(start).max(0))
            })
            .collect()
    }

    /// At a quarter's end (the running quarter's at `now`): what had landed by
    /// then, what had shipped, and what the oldest waiting work cost.
    fn at(&self, period: &str, end: i64, now: i64, annual_value: Option<f64>) -> InitiativeAt {
        let moment = end.min(now + 1);
        let (mut landed, mut shipped, mut oldest) = (0, 0, 0);
        for (&k, o) in self.commits.iter().zip(&self.owners) {
            let landed_at = self.history.commits[k].committer_time.seconds;
            if landed_at >= moment {
                continue;
            }
            landed += 1;
            match o {
                Some(r) if self.correlation.releases[*r as usize].time < moment => shipped += 1,
                _ => oldest = oldest.max(moment - landed_at),
            }
        }
        InitiativeAt {
            period: period.to_string(),
            as_of: measured_on(end, now),
            commits: landed,
            shipped_commits: shipped,
            unreleased_commits: landed - shipped,
            cost_of_delay: annual_value.map(|v| v * oldest as f64 / YEAR as f64),
        }
    }
}

pub fn goal_values(value: &ValueFolder) -> Vec<GoalValue> {
    value
        .goals
        .iter()
        .map(|g| {
            let mine: Vec<&Initiative> = value
                .initiatives
                .iter()
                .filter(|i| i.goal.value == g.id.value)
                .collect();
            GoalValue {
                goal: g.id.value.clone(),
                initiatives: mine.len(),
                annual_value: mine
                    .iter()
                    .filter_map(|i| annual(i))
                    .fold(0.0, |a, b| a + b),
            }
        })
        .collect()
}

pub fn teams(
    history: &History,
    value: &ValueFolder,
    prs: &[PullRequest],
    changes: Option<&Changes>,
    now: i64,
    bots: &[regex::Regex],
) -> Vec<TeamMetrics> {
    let email_of = |c: &crate::history::Commit| history.person(c.author).email.to_ascii_lowercase();
    // Bots (`commits.exclude_authors`) ship work but are not people in team views.
    let is_bot = |c: &crate::history::Commit| {
        let p = history.person(c.author);
        bots.iter()
            .any(|b| b.is_match(&p.name) || b.is_match(&p.email))
    };
    value
        .teams
        .iter()
        .map(|team| {
            let members: BTreeSet<String> = team
                .members
                .iter()
                .map(|m| m.value.to_ascii_lowercase())
                .collect();
            let is_team =
                |c: &crate::history::Commit| team_work(team, history.person(c.author), c, changes);
            let commits: Vec<&crate::history::Commit> = history
                .commits
                .iter()
                .filter(|c| !c.is_merge() && !is_bot(c) && is_team(c))
                .collect();
            let people: BTreeSet<String> = commits.iter().map(|c| email_of(c)).collect();
            let co = commits
                .iter()
                .filter(|c| c.trailer_values("Co-authored-by").next().is_some())
                .count();
            let (multi, team_prs) = multi_author(history, prs, &is_team);
            let foreign = changes
                .map(|ch| in_other_teams_paths(value, team, &commits, &members, ch, &email_of));
            let (knowledge, single) = knowledge(history, team, changes, now, &is_bot);
            TeamMetrics {
                id: team.id.value.clone(),
                commits: commits.len(),
                people: people.len(),
                declared_members: team.members.len(),
                co_authored_share: (!commits.is_empty()).then(|| co as f64 / commits.len() as f64),
                multi_author_pull_requests: (team_prs > 0).then(|| multi as f64 / team_prs as f64),
                commits_in_other_teams_paths: foreign,
                knowledge,
                single_person_paths: single,
            }
        })
        .collect()
}

/// Of a team's merged pull requests, how many more than one person wrote, and how
/// many there are. Only a merged branch shows who wrote a pull request's commits; a
/// squash commit has one author whatever happened, so it is left out.
fn multi_author(
    history: &History,
    prs: &[PullRequest],
    is_team: &dyn Fn(&crate::history::Commit) -> bool,
) -> (usize, usize) {
    let team_prs: Vec<&PullRequest> = prs
        .iter()
        .filter(|p| p.last_commit.is_some())
        .filter(|p| {
            p.commits
                .iter()
                .any(|&c| is_team(&history.commits[c as usize]))
        })
        .collect();
    let authors = |p: &PullRequest| {
        p.commits
            .iter()
            .map(|&c| {
                history
                    .person(history.commits[c as usize].author)
                    .email
                    .to_ascii_lowercase()
            })
            .collect::<BTreeSet<_>>()
            .len()
    };
    let multi = team_prs.iter().filter(|p| authors(p) > 1).count();
    (multi, team_prs.len())
}

/// The team's members' commits that touch paths another team owns.
fn in_other_teams_paths(
    value: &ValueFolder,
    team: &Team,
    commits: &[&crate::history::Commit],
    members: &BTreeSet<String>,
    changes: &Changes,
    email_of: &dyn Fn(&crate::history::Commit) -> String,
) -> usize {
    let others: Vec<&Team> = value
        .teams
        .iter()
        .filter(|t| t.id.value != team.id.value)
        .collect();
    commits
        .iter()
        .filter(|c| members.contains(&email_of(c)))
        .filter(|c| {
            others
                .iter()
                .any(|o| !o.paths.is_empty() && changes.touches(&c.id, &o.paths))
        })
        .count()
}

/// For each owned path: who changed it in the 12 months before `now`.
fn knowledge(
    history: &History,
    team: &Team,
    changes: Option<&Changes>,
    now: i64,
    is_bot: &dyn Fn(&crate::history::Commit) -> bool,
) -> (Vec<PathKnowledge>, Vec<String>) {
    let Some(changes) = changes else {
        return (Vec::new(), Vec::new());
    };
    let mut out = Vec::new();
    let mut single = Vec::new();
    for path in &team.paths {
        let prefix = [path.clone()];
        let mut by_person: HashMap<u32, usize> = HashMap::new();
        for c in history.commits.iter().filter(|c| {
            !c.is_merge()
                && !is_bot(c)
                && c.committer_time.seconds > now - YEAR
                && c.committer_time.seconds <= now
        }) {
            if changes.touches(&c.id, &prefix) {
                *by_person.entry(c.author).or_default() += 1;
            }
        }
        let total: usize = by_person.values().sum();
        let mut counts: Vec<usize> = by_person.values().copied().collect();
        counts.sort_unstable_by(|a, b| b.cmp(a));
        let mut sum = 0;
        let mut needed = 0;
        for n in &counts {
            if sum * 10 >= total * 8 {
                break;
            }
            sum += n;
            needed += 1;
        }
        if by_person.len() == 1 {
            single.push(path.clone());
        }
        out.push(PathKnowledge {
            path: path.clone(),
            changes: total,
            people: by_person.len(),
            people_for_80_percent: needed,
        });
    }
    (out, single)
}

pub fn cost(
    history: &History,
    correlation: &Correlation,
    value: &ValueFolder,
    initiatives: &[InitiativeMetrics],
    currency: Option<String>,
    quarters: &[(String, i64)],
    now: i64,
) -> Cost {
    let mut kinds: BTreeMap<FlowKind, usize> = BTreeMap::new();
    for (i, c) in history.commits.iter().enumerate() {
        if !c.is_merge() && correlation.owner[i].is_some() && correlation.counted[i] {
            *kinds.entry(kind_of(c)).or_default() += 1;
        }
    }
    let total: usize = kinds.values().sum();
    let share =
        |k: FlowKind| (total > 0).then(|| *kinds.get(&k).unwrap_or(&0) as f64 / total as f64);
    Cost {
        currency,
        defect_share: share(FlowKind::Defect),
        debt_share: share(FlowKind::Debt),
        incident_cost: value
            .incidents
            .iter()
            .filter_map(|i| i.cost)
            .map(|c| c.units())
            .fold(0.0, |a, b| a + b),
        cost_of_delay: initiatives
            .iter()
            .filter_map(|i| i.cost_of_delay)
            .fold(0.0, |a, b| a + b),
        quarters: quarters
            .iter()
            .enumerate()
            .map(|(q, (period, end))| DelayAt {
                period: period.clone(),
                as_of: measured_on(*end, now),
                cost_of_delay: initiatives
                    .iter()
                    .filter_map(|i| i.quarters.get(q).and_then(|a| a.cost_of_delay))
                    .fold(0.0, |a, b| a + b),
            })
            .collect(),
        estimate: true,
    }
}
