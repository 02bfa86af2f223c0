//! The personal view: for each person, the value their shipped work is linked to,
//! quarter by quarter, so that they can tell their own story. It holds lists and
//! the counts behind them for that person's own page, and nothing that compares
//! people: no lead time, failure rate or pace per person, and people are listed
//! alphabetically by name.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use super::PeriodMetrics;
use super::flow::{FlowKind, kind_of};
use super::work::{Links, linked, team_work};
use crate::content::ValueFolder;
use crate::history::{History, Person};
use crate::releases::Correlation;

/// No commit for this long and a person's page is marked as past.
const PAST_AFTER: i64 = 365 * 86_400;

/// One person's page: who they are (a name, never an email) and what their shipped
/// work was linked to, by quarter.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct PersonWork {
    /// The page's file name under `people/`.
    pub slug: String,
    pub name: String,
    /// The day of their first and last commit (authored or co-authored).
    pub first_commit: String,
    pub last_commit: String,
    /// No commit in the 12 months before the story's `as_of`: the page stays as a
    /// record of what they did.
    pub past: bool,
    /// The teams their shipped work was for, over all quarters.
    pub teams: Vec<String>,
    /// Quarters in which a release shipped their work or a case study credits it,
    /// oldest first.
    pub quarters: Vec<PersonQuarter>,
}

/// What one person's shipped work was linked to in one quarter.
#[derive(Clone, Debug, Default, Serialize, schemars::JsonSchema)]
pub struct PersonQuarter {
    pub period: String,
    /// The releases of the quarter that shipped their commits, in release order.
    pub releases: Vec<PersonRelease>,
    /// Initiative ids, in the value folder's order.
    pub initiatives: Vec<String>,
    /// The goals of those initiatives, in the value folder's order.
    pub goals: Vec<String>,
    /// Incidents their shipped work fixed or named.
    pub incidents: Vec<PersonIncident>,
    /// Case studies (by slug) whose evidence rests on their commits, or that tell
    /// an initiative their work is linked to; filed under the quarter published.
    pub case_studies: Vec<String>,
    /// The people they wrote commits with (`Co-authored-by`), by slug, alphabetical
    /// by name.
    pub co_authors: Vec<String>,
    /// Their shipped commits written with someone else.
    pub co_authored_commits: usize,
    /// Team ids whose work their shipped commits were.
    pub teams: Vec<String>,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct PersonRelease {
    pub tag: String,
    /// Their commits (authored or co-authored) this release first shipped.
    pub commits: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
pub struct PersonIncident {
    pub id: String,
    pub role: IncidentRole,
}

/// How a person's work relates to an incident. Never "caused": incidents their
/// changes caused are not on their page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum IncidentRole {
    /// They wrote the commit named in `fixed_by`, or a fix the release named in
    /// `fixed_by` shipped.
    Fixed,
    /// Their shipped commit names the incident in an `Incident:` trailer.
    Named,
}

/// What [`people`] reads besides the history.
pub struct Inputs<'a> {
    pub value: &'a ValueFolder,
    pub links: Links<'a>,
    pub quarters: &'a [PeriodMetrics],
    pub as_of: i64,
    /// `commits.exclude_authors`: bots, who are not people.
    pub bots: &'a [regex::Regex],
    /// Canonical emails (lowercase) of people who asked to be left out.
    pub exclude: &'a [String],
    /// Resolves a `Co-authored-by` identity through the mailmap.
    pub resolve: &'a dyn Fn(&str, &str) -> Person,
}

/// Everyone whose work shipped or who is credited in a case study, alphabetical by
/// name, with the bots and the excluded left out.
pub fn people(
    history: &History,
    correlation: &Correlation,
    inputs: &Inputs<'_>,
) -> Vec<PersonWork> {
    let mut book = Book::new(inputs);
    // Each commit's people: its author, then its co-authors; None for a bot or an
    // excluded person.
    let credited: Vec<Vec<usize>> = history
        .commits
        .iter()
        .map(|c| {
            if c.is_merge() {
                return Vec::new();
            }
            let author = history.person(c.author);
            let mut who = Vec::new();
            who.extend(book.id(author, c.committer_time.seconds));
            for (name, email) in c
                .trailer_values("Co-authored-by")
                .filter_map(|v| identity(&v))
            {
                let p = (inputs.resolve)(&name, &email);
                if let Some(id) = book.id(&p, c.committer_time.seconds)
                    && !who.contains(&id)
                {
                    who.push(id);
                }
            }
            who
        })
        .collect();
    let fixes = fixing_commits(history, correlation, inputs.value);
    let quarter_of = |t: i64| {
        inputs
            .quarters
            .iter()
            .position(|q| t >= q.span.0 && t < q.span.1)
    };
    let mut work: Vec<BTreeMap<usize, Quarter>> = vec![BTreeMap::new(); book.list.len()];
    for (k, c) in history.commits.iter().enumerate() {
        let who = &credited[k];
        if who.is_empty() || !correlation.counted[k] {
            continue;
        }
        let Some(r) = correlation.owner[k] else {
            continue;
        };
        let release = &correlation.releases[r as usize];
        let Some(q) = quarter_of(release.time) else {
            continue;
        };
        let initiatives: Vec<usize> = inputs
            .value
            .initiatives
            .iter()
            .enumerate()
            .filter(|(_, i)| {
                linked(
                    i,
                    c,
                    inputs.links.pull_requests.get(k).copied().flatten(),
                    inputs.links.changes,
                )
            })
            .map(|(n, _)| n)
            .collect();
        let teams: Vec<usize> = inputs
            .value
            .teams
            .iter()
            .enumerate()
            .filter(|(_, t)| team_work(t, history.person(c.author), c, inputs.links.changes))
            .map(|(n, _)| n)
            .collect();
        let named: Vec<usize> = inputs
            .value
            .incidents
            .iter()
            .enumerate()
            .filter(|(_, i)| {
                c.trailer_values("Incident")
                    .any(|v| v.eq_ignore_ascii_case(&i.id.value))
            })
            .map(|(n, _)| n)
            .collect();
        for &p in who {
            let entry = work[p].entry(q).or_default();
            *entry.releases.entry(r as usize).or_default() += 1;
            entry.initiatives.extend(&initiatives);
            entry.teams.extend(&teams);
            for &i in &named {
                entry.incidents.insert((i, IncidentRole::Named));
            }
            if let Some(list) = fixes.get(&k) {
                for &i in list {
                    entry.incidents.insert((i, IncidentRole::Fixed));
                }
            }
            if who.len() > 1 {
                entry.co_authored += 1;
                entry
                    .co_authors
                    .extend(who.iter().copied().filter(|&o| o != p));
            }
            entry.commits.push(k);
        }
    }
    credit_case_studies(history, correlation, inputs, &mut work, &quarter_of);
    let tags: Vec<&str> = correlation
        .releases
        .iter()
        .map(|r| r.tag.as_str())
        .collect();
    book.finish(work, inputs, &tags)
}

/// A commit's people and what they did, gathered per quarter.
#[derive(Clone, Default)]
struct Quarter {
    releases: BTreeMap<usize, usize>,
    initiatives: BTreeSet<usize>,
    teams: BTreeSet<usize>,
    incidents: BTreeSet<(usize, IncidentRole)>,
    co_authors: BTreeSet<usize>,
    co_authored: usize,
    case_studies: BTreeSet<usize>,
    /// The commits this person is credited with in the quarter.
    commits: Vec<usize>,
}

/// The people met so far, by canonical email.
struct Book<'a> {
    inputs: &'a Inputs<'a>,
    by_email: HashMap<String, usize>,
    /// Name (of their latest commit), email, first and last commit time.
    list: Vec<(String, String, i64, i64, i64)>,
}

impl<'a> Book<'a> {
    fn new(inputs: &'a Inputs<'a>) -> Book<'a> {
        Book {
            inputs,
            by_email: HashMap::new(),
            list: Vec::new(),
        }
    }

    /// The person's number, or None for a bot or someone left out.
    fn id(&mut self, p: &Person, time: i64) -> Option<usize> {
        let email = p.email.trim().to_ascii_lowercase();
        let bot = self
            .inputs
            .bots
            .iter()
            .any(|b| b.is_match(&p.name) || b.is_match(&p.email));
        if bot || self.inputs.exclude.contains(&email) || p.name.trim().is_empty() {
            return None;
        }
        let next = self.list.len();
        let id = *self.by_email.entry(email.clone()).or_insert(next);
        if id == next {
            self.list.push((p.name.clone(), email, time, time, time));
        }
        let entry = &mut self.list[id];
        // The name they used last is the one they go by.
        if time >= entry.4 {
            entry.0 = p.name.clone();
            entry.4 = time;
        }
        entry.2 = entry.2.min(time);
        entry.3 = entry.3.max(time);
        Some(id)
    }

    /// The pages, alphabetical by name, each with a slug unique among them.
    fn finish(
        self,
        work: Vec<BTreeMap<usize, Quarter>>,
        inputs: &Inputs<'_>,
        tags: &[&str],
    ) -> Vec<PersonWork> {
        let mut order: Vec<usize> = (0..self.list.len()).collect();
        order.sort_by(|&a, &b| {
            let (x, y) = (&self.list[a], &self.list[b]);
            alphabetical(&x.0, &y.0).then_with(|| x.1.cmp(&y.1))
        });
        let mut slugs: Vec<String> = vec![String::new(); self.list.len()];
        let mut taken: BTreeSet<String> = BTreeSet::new();
        for &p in &order {
            let base = slug(&self.list[p].0);
            let mut s = base.clone();
            let mut n = 2;
            while !taken.insert(s.clone()) {
                s = format!("{base}-{n}");
                n += 1;
            }
            slugs[p] = s;
        }
        let rank: HashMap<usize, usize> = order.iter().enumerate().map(|(i, &p)| (p, i)).collect();
        let value = inputs.value;
        order
            .iter()
            .filter(|&&p| !work[p].is_empty())
            .map(|&p| {
                let (name, _, first, last, _) = &self.list[p];
                let mut all_teams = BTreeSet::new();
                let quarters = work[p]
                    .iter()
                    .map(|(&q, w)| {
                        all_teams.extend(w.teams.iter().copied());
                        let mut co: Vec<usize> = w.co_authors.iter().copied().collect();
                        co.sort_by_key(|o| rank[o]);
                        let goals: BTreeSet<usize> = w
                            .initiatives
                            .iter()
                            .filter_map(|&i| {
                                let g = &value.initiatives[i].goal.value;
                                value.goals.iter().position(|x| &x.id.value == g)
                            })
                            .collect();
                        PersonQuarter {
                            period: inputs.quarters[q].period.clone(),
                            releases: w
                                .releases
                                .iter()
                                .map(|(&r, &n)| PersonRelease {
                                    tag: tags[r].to_string(),
                                    commits: n,
                                })
                                .collect(),
                            initiatives: w
                                .initiatives
                                .iter()
                                .map(|&i| value.initiatives[i].id.clone())
                                .collect(),
                            goals: goals
                                .iter()
                                .map(|&g| value.goals[g].id.value.clone())
                                .collect(),
                            incidents: w
                                .incidents
                                .iter()
                                .map(|&(i, role)| PersonIncident {
                                    id: value.incidents[i].id.value.clone(),
                                    role,
                                })
                                .collect(),
                            case_studies: w
                                .case_studies
                                .iter()
                                .map(|&c| value.case_studies[c].slug.clone())
                                .collect(),
                            co_authors: co.iter().map(|&o| slugs[o].clone()).collect(),
                            co_authored_commits: w.co_authored,
                            teams: w
                                .teams
                                .iter()
                                .map(|&t| value.teams[t].id.value.clone())
                                .collect(),
                        }
                    })
                    .collect();
                PersonWork {
                    slug: slugs[p].clone(),
                    name: name.clone(),
                    first_commit: day(*first),
                    last_commit: day(*last),
                    past: *last < inputs.as_of - PAST_AFTER,
                    teams: all_teams
                        .iter()
                        .map(|&t| value.teams[t].id.value.clone())
                        .collect(),
                    quarters,
                }
            })
            .collect()
    }
}

fn day(t: i64) -> String {
    crate::time::rfc3339(t)[..10].to_string()
}

/// How names are ordered everywhere people are listed: case and accents aside,
/// then as written.
pub fn alphabetical(a: &str, b: &str) -> std::cmp::Ordering {
    fold(a).cmp(&fold(b)).then_with(|| a.cmp(b))
}

fn fold(s: &str) -> String {
    s.chars().flat_map(char::to_lowercase).collect()
}

/// A file-name-safe form of a name: lowercase ASCII letters and digits joined by
/// `-`; other letters are kept when they are alphanumeric.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "person".to_string()
    } else {
        out
    }
}

/// `Name <email>` from a trailer's value.
fn identity(value: &str) -> Option<(String, String)> {
    let (name, rest) = value.rsplit_once('<')?;
    let email = rest.strip_suffix('>')?.trim();
    let name = name.trim();
    (!name.is_empty() && email.contains('@')).then(|| (name.to_string(), email.to_string()))
}

/// For each commit that fixed incidents, which (by index): the commit an incident
/// names in `fixed_by`, or the fixes (`fix:`, reverts) first shipped by the release
/// it names there.
fn fixing_commits(
    history: &History,
    correlation: &Correlation,
    value: &ValueFolder,
) -> HashMap<usize, Vec<usize>> {
    let mut out: HashMap<usize, Vec<usize>> = HashMap::new();
    for (n, incident) in value.incidents.iter().enumerate() {
        let Some(named) = incident.fixed_by.as_ref().map(|f| f.value.trim()) else {
            continue;
        };
        let commits: Vec<usize> = match correlation.releases.iter().find(|r| r.tag == named) {
            Some(r) => r
                .commits
                .iter()
                .map(|&c| c as usize)
                .filter(|&c| {
                    !history.commits[c].is_merge()
                        && kind_of(&history.commits[c]) == FlowKind::Defect
                })
                .collect(),
            None => history.commit_named(named).into_iter().collect(),
        };
        for c in commits {
            out.entry(c).or_default().push(n);
        }
    }
    out
}

/// Credits each case study to the people whose shipped commits its figures rest
/// on (the commits in an evidence query's scope first shipped in its quarters) or
/// whose work is linked to the initiative it tells; filed under the quarter of its
/// date.
fn credit_case_studies(
    history: &History,
    correlation: &Correlation,
    inputs: &Inputs<'_>,
    work: &mut [BTreeMap<usize, Quarter>],
    quarter_of: &dyn Fn(i64) -> Option<usize>,
) {
    let value = inputs.value;
    for (n, study) in value.case_studies.iter().enumerate() {
        let Some(published) = quarter_of(study.date.start_seconds()) else {
            continue;
        };
        let told = study
            .initiative
            .as_ref()
            .and_then(|i| value.initiatives.iter().position(|x| x.id == i.value));
        for person in work.iter_mut() {
            let credited = person.iter().any(|(&q, w)| {
                told.is_some_and(|i| w.initiatives.contains(&i))
                    || study.evidence.iter().any(|e| {
                        let period = &inputs.quarters[q].period;
                        (&e.before.to_string() == period || &e.after.to_string() == period)
                            && w.commits
                                .iter()
                                .any(|&k| in_scope(&e.scope.value, k, history, correlation, inputs))
                    })
            });
            if credited {
                person.entry(published).or_default().case_studies.insert(n);
            }
        }
    }
}

/// Whether commit `k` is in an evidence query's scope.
fn in_scope(
    scope: &str,
    k: usize,
    history: &History,
    _: &Correlation,
    inputs: &Inputs<'_>,
) -> bool {
    let value = inputs.value;
    let c = &history.commits[k];
    let team = |id: &str| {
        value
            .teams
            .iter()
            .find(|t| t.id.value == id)
            .is_some_and(|t| team_work(t, history.person(c.author), c, inputs.links.changes))
    };
    match scope.split_once(':') {
        None => scope == "repository",
        Some(("team", id)) => team(id),
        Some(("stream", id)) => value
            .streams
            .iter()
            .find(|s| s.id == id)
            .and_then(|s| s.owner.as_ref())
            .is_some_and(|o| team(&o.value)),
        Some(("initiative", id)) => {
            value
                .initiatives
                .iter()
                .find(|i| i.id == id)
                .is_some_and(|i| {
                    linked(
                        i,
                        c,
                        inputs.links.pull_requests.get(k).copied().flatten(),
                        inputs.links.changes,
                    )
                })
        }
        Some(_) => false,
    }
}
