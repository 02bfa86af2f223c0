//! What each kind of page gets: one function per page kind, each building its view
//! from `data.json`'s structs and the history. Every number in a view is a
//! [`Fig`] bound to where data.json holds it, written by its unit's one formatter;
//! links are already relative and charts already drawn.

use serde_json::{Value, json};

use super::bind::{Bind, Fig, kind_span};
use super::charts::{self, Point, Scale, Stage};
use super::{escape, markdown};
use crate::history::History;
use crate::metrics::PeriodMetrics;
use crate::releases::Correlation;
use crate::report::Data;
use crate::story::metric::{self, Key, Unit};

const RELEASES: Unit = metric::DEPLOYMENTS.unit;
const COMMITS: Unit = metric::COMMITS;
const RECOVERIES: Unit = Unit::Count {
    one: "recovery",
    many: "recoveries",
};
const PULL_REQUESTS: Unit = Unit::Count {
    one: "pull request",
    many: "pull requests",
};
const PEOPLE: Unit = Unit::Count {
    one: "person",
    many: "people",
};
const MEMBERS: Unit = Unit::Count {
    one: "member",
    many: "members",
};
const DAYS: Unit = Unit::Count {
    one: "day",
    many: "days",
};

/// What every page kind is built from.
pub struct Site<'a> {
    pub data: &'a Data,
    pub history: &'a History,
    pub correlation: &'a Correlation,
    pub bind: Bind,
}

pub fn quarter_slug(label: &str) -> String {
    label.to_ascii_lowercase()
}

fn status(s: crate::content::Status) -> &'static str {
    s.words()
}

/// An initiative's status on the day before `end`, from its dates: done only once
/// finished, in progress once started.
fn status_at(i: &crate::content::Initiative, end: i64) -> &'static str {
    use crate::content::Status;
    let before =
        |d: &Option<crate::content::units::Date>| d.as_ref().map(|d| d.start_seconds() < end);
    let started = before(&i.started) != Some(false);
    match i.status {
        Status::Done | Status::InProgress if !started => "not started",
        Status::Done if before(&i.finished) == Some(false) => "in progress",
        s => status(s),
    }
}

fn day(rfc3339: &str) -> &str {
    rfc3339.get(..10).unwrap_or(rfc3339)
}

impl<'a> Site<'a> {
    pub fn new(data: &'a Data, history: &'a History, correlation: &'a Correlation) -> Self {
        Site {
            data,
            history,
            correlation,
            bind: Bind::new(data),
        }
    }

    pub fn quarters(&self) -> &'a [PeriodMetrics] {
        self.data
            .periods
            .get("quarter")
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The day the history starts: what all-time figures are "since".
    fn since(&self) -> String {
        self.quarters().first().map_or(String::new(), |q| {
            crate::time::rfc3339(q.observed.0)[..10].to_string()
        })
    }

    /// The day of the built revision's last commit or release: what today's
    /// figures are "as of".
    fn as_of(&self) -> String {
        day(&self.data.story.as_of).to_string()
    }

    fn since_period(&self) -> String {
        format!("since:{}", self.since())
    }

    fn as_of_period(&self) -> String {
        format!("asof:{}", self.as_of())
    }

    /// The quarter the executive page and the pack tell, as the story chose it.
    pub fn told(&self) -> Option<usize> {
        let told = self.data.story.told.as_ref()?;
        self.quarters().iter().position(|q| &q.period == told)
    }

    fn so_far(&self, period: &str) -> bool {
        self.data
            .story
            .quarters
            .iter()
            .any(|q| q.period == period && q.state == crate::story::State::SoFar)
    }

    fn money(&self, pointer: String, period: &str) -> Fig {
        self.bind.num(pointer, Unit::Money, period)
    }

    /// The band of one key, with the count it rests on when it has none.
    fn band(
        &self,
        b: Option<&crate::metrics::bands::Band>,
        pointer: String,
        period: &str,
    ) -> Value {
        match b {
            Some(b) => json!({
                "level": b.level.map(|l| l.name()),
                "set": self.data.band_set.name,
                "note": b.note,
                "basis": self.bind.num(format!("{pointer}/basis"), Unit::Number, period),
            }),
            None => Value::Null,
        }
    }

    /// The four keys of quarter `i`, each with its band and a line of detail, and,
    /// with `root`, each tile leading to the list behind it.
    /// Each key tile's change against the quarter before, as the story judged it,
    /// and its line over the quarters up to `i`.
    fn tile_changes(&self, i: usize, tiles: &mut [Value]) {
        let p = self.quarters()[i].period.as_str();
        let keys = [
            Key::Deployments,
            Key::LeadTime,
            Key::ChangeFailureRate,
            Key::RecoveryTime,
        ];
        for (k, (tile, key)) in tiles.iter_mut().zip(keys).enumerate() {
            let id = format!("key-{}-{k}", quarter_slug(p));
            let points: Vec<Point> = self.quarters()[..=i]
                .iter()
                .map(|q| Point {
                    label: q.period.clone(),
                    value: q.value(key),
                    fig: None,
                    so_far: self.so_far(&q.period),
                })
                .collect();
            tile["id"] = json!(id);
            tile["change"] = self.key_change(i, key.field(), key.unit());
            tile["trend"] = json!(charts::mini(
                &points,
                tile["name"].as_str().unwrap_or(""),
                scale(key.unit()),
                &format!("{id}-change")
            ));
        }
    }

    fn keys(&self, i: usize, root: Option<&str>) -> Value {
        let q = &self.quarters()[i];
        let p = q.period.as_str();
        let at = |f: &str| format!("/periods/quarter/{i}/{f}");
        let n = |f: &str, unit: Unit| self.bind.num(at(f), unit, p).html;
        let bands = q.bands.as_ref();
        let band = |b: Option<&crate::metrics::bands::Band>, key: &str| {
            self.band(b, at(&format!("bands/{key}")), p)
        };
        let lead_detail = match q.lead_time {
            Some(_) => format!(
                "median of {}; nine in ten within {}",
                n("lead_time/count", COMMITS),
                n("lead_time/p90_seconds", Unit::Duration)
            ),
            None => "no commits shipped".to_string(),
        };
        let mut failure_detail = format!(
            "{} of {} failed",
            n("failed_deployments", Unit::Number),
            n("deployments", RELEASES)
        );
        // Without recorded incidents, failures are read from reverts and hotfixes.
        if self.data.incidents.is_empty() {
            failure_detail.push_str(" (inferred from reverts and hotfixes)");
        }
        let recovery_detail = match q.recovery_time {
            Some(_) => format!("median of {}", n("recovery_time/count", RECOVERIES)),
            None => "no recovered failures".to_string(),
        };
        let dash = |present: bool, f: &str, unit: Unit| {
            if present {
                n(f, unit)
            } else {
                "–".to_string()
            }
        };
        let mut keys = json!([
            {"name": "Deployment frequency", "value": n("deployments_per_week", Unit::PerWeek),
             "detail": format!("{} on {}", n("deployments", RELEASES), n("deploy_days", DAYS)),
             "band": band(bands.and_then(|b| b.deployment_frequency.as_ref()), "deployment_frequency")},
            {"name": "Lead time for changes", "value": dash(q.lead_time.is_some(), "lead_time/median_seconds", Unit::Duration),
             "detail": lead_detail, "band": band(bands.map(|b| &b.lead_time), "lead_time")},
            {"name": "Change failure rate", "value": dash(q.change_failure_rate.is_some(), "change_failure_rate", Unit::Share),
             "detail": failure_detail, "band": band(bands.map(|b| &b.change_failure_rate), "change_failure_rate")},
            {"name": "Recovery time", "value": dash(q.recovery_time.is_some(), "recovery_time/median_seconds", Unit::Duration),
             "detail": recovery_detail, "band": band(bands.map(|b| &b.recovery_time), "recovery_time")},
        ]);
        if let Some(list) = keys.as_array_mut() {
            self.tile_changes(i, list);
        }
        if let Some(root) = root {
            let quarter = format!("{root}quarters/{}.html", quarter_slug(p));
            let targets = [
                format!("{quarter}#releases"),
                format!("{quarter}#lead-time"),
                format!("{quarter}#failed"),
                format!("{quarter}#incidents"),
            ];
            if let Some(list) = keys.as_array_mut() {
                for (k, href) in list.iter_mut().zip(targets) {
                    k["href"] = json!(href);
                }
            }
        }
        keys
    }

    /// How the key at `field` of quarter `i` changed against the quarter before,
    /// in the story's words: the change and the earlier value when it is large
    /// enough to tell, else that it held steady or could not be compared.
    fn key_change(&self, i: usize, field: &str, unit: Unit) -> Value {
        let story = &self.data.story;
        let period = &self.quarters()[i].period;
        let Some(qi) = story.quarters.iter().position(|q| &q.period == period) else {
            return Value::Null;
        };
        let mine = format!("/periods/quarter/{i}/{field}");
        let Some((k, s)) = story.quarters[qi]
            .changes
            .iter()
            .enumerate()
            .find(|(_, s)| s.refs.iter().any(|r| r == &mine))
        else {
            return Value::Null;
        };
        let Some(before) = i.checked_sub(1).map(|j| &self.quarters()[j].period) else {
            return Value::Null;
        };
        let earlier = self
            .bind
            .num(format!("/periods/quarter/{}/{field}", i - 1), unit, before);
        use crate::story::Tone;
        let html = match (s.tone, s.change) {
            (Tone::Better | Tone::Worse, Some(c)) => format!(
                "{} {} from {} in {}",
                if c < 0.0 { "▼" } else { "▲" },
                self.bind
                    .num(
                        format!("/story/quarters/{qi}/changes/{k}/change"),
                        Unit::Change,
                        period
                    )
                    .html,
                earlier.html,
                escape(before)
            ),
            (Tone::Steady, _) => format!("held steady from {} in {}", earlier.html, escape(before)),
            (Tone::TooFew, _) => format!("too few to compare with {}", escape(before)),
            _ => "not compared: the quarter is still running".to_string(),
        };
        json!({"html": html, "tone": s.tone})
    }

    /// A quarter's sentences (the story's headline for the quarter it tells, else
    /// the quarter's summary) with its changes, and its incidents.
    /// `root` leads from the page to the site's root; `None` (the pack) links nothing.
    fn story(&self, period: &str, root: Option<&str>) -> Value {
        let story = &self.data.story;
        let Some(quarter) = story.quarters.iter().find(|q| q.period == period) else {
            return json!({"lead": [], "changes": [], "incidents": []});
        };
        let qi = story
            .quarters
            .iter()
            .position(|q| q.period == period)
            .unwrap_or(0);
        let (opening, opening_at) = if story.told.as_deref() == Some(period) {
            (&story.headline, "/story/headline".to_string())
        } else {
            (&quarter.summary, format!("/story/quarters/{qi}/summary"))
        };
        let view = |at: &str, k: usize, s: &crate::story::Sentence| json!({"html": self.bind.sentence(s, &format!("{at}/{k}")), "text": s.text, "direction": s.tone, "refs": s.refs});
        let changes_at = format!("/story/quarters/{qi}/changes");
        let previous = story
            .quarters
            .iter()
            .position(|q| q.period == period)
            .and_then(|i| i.checked_sub(1))
            .map(|i| story.quarters[i].period.clone());
        let n = self
            .data
            .narrative
            .quarters
            .iter()
            .position(|q| q.period == period);
        let incidents = n.map_or(Vec::new(), |n| {
            self.data.narrative.quarters[n]
                .incidents
                .iter()
                .enumerate()
                .map(|(m, i)| {
                    let at = |f: &str| format!("/narrative/quarters/{n}/incidents/{m}/{f}");
                    json!({
                        "id": i.id, "title": i.title, "severity": i.severity,
                        "href": root.map(|r| format!("{r}incidents.html#{}", i.id)),
                        "cost": i.cost.map(|_| self.money(at("cost"), period)),
                        "lessons": i.lessons,
                        "duration": i.duration_seconds.map(|_| self.bind.num(at("duration_seconds"), Unit::Duration, period)),
                    })
                })
                .collect()
        });
        // Wins and lessons link to their evidence on the site (not in the pack).
        let linked = |field: &str, list: &[crate::story::Sentence]| -> Vec<Value> {
            list.iter()
                .enumerate()
                .map(|(k, s)| {
                    let mut v = view(&format!("/story/quarters/{qi}/{field}"), k, s);
                    v["href"] = json!(root.zip(s.href.as_ref()).map(|(r, h)| format!("{r}{h}")));
                    v["link"] = json!(s.href.as_deref().map(link_words));
                    v
                })
                .collect()
        };
        json!({
            "lead": opening.iter().enumerate().map(|(k, s)| view(&opening_at, k, s)).collect::<Vec<_>>(),
            "changes": quarter.changes.iter().enumerate().map(|(k, s)| view(&changes_at, k, s)).collect::<Vec<_>>(),
            "wins": linked("wins", &quarter.wins),
            "lessons": linked("lessons", &quarter.lessons),
            "previous": previous,
            "incidents": incidents,
            "cost": n.map(|n| self.money(format!("/narrative/quarters/{n}/incident_cost"), period)),
        })
    }

    /// A key's quarter-by-quarter line and its table, each value bound.
    fn trend(
        &self,
        until: usize,
        name: &str,
        field: &str,
        unit: Unit,
        present: impl Fn(&PeriodMetrics) -> Option<f64>,
    ) -> Value {
        let points: Vec<Point> = self
            .quarters()
            .get(..=until)
            .unwrap_or(&[])
            .iter()
            .enumerate()
            .map(|(i, q)| {
                let value = present(q);
                Point {
                    label: q.period.clone(),
                    value,
                    fig: value.map(|_| {
                        self.bind
                            .num(format!("/periods/quarter/{i}/{field}"), unit, &q.period)
                    }),
                    so_far: self.so_far(&q.period),
                }
            })
            .collect();
        json!({
            "name": name,
            "svg": charts::trend(&points, name, scale(unit)),
            "rows": rows(&points),
        })
    }

    /// The story's sentence about the number at `pointer` in `period`: the
    /// headline's or the quarter's comparison that rests on it, as markup.
    fn sentence_about(&self, period: &str, pointer: &str) -> Option<(String, crate::story::Tone)> {
        let story = &self.data.story;
        let qi = story.quarters.iter().position(|q| q.period == period)?;
        let quarter = &story.quarters[qi];
        let (opening, opening_at) = if story.told.as_deref() == Some(period) {
            (&story.headline, "/story/headline".to_string())
        } else {
            (&quarter.summary, format!("/story/quarters/{qi}/summary"))
        };
        let changes_at = format!("/story/quarters/{qi}/changes");
        opening
            .iter()
            .enumerate()
            .map(|(k, s)| (&opening_at, k, s))
            .chain(
                quarter
                    .changes
                    .iter()
                    .enumerate()
                    .map(|(k, s)| (&changes_at, k, s)),
            )
            // The sentence about this key: it names this quarter's value, and its
            // first number is of the same key (the summary line names them all).
            .find(|(_, _, s)| {
                let field = pointer.splitn(5, '/').nth(4).unwrap_or("");
                s.refs.iter().any(|r| r == pointer)
                    && s.refs
                        .first()
                        .is_some_and(|r| r.splitn(5, '/').nth(4) == Some(field))
                    && !s.refs.iter().any(|r| {
                        r.ends_with("/lead_time/median_seconds")
                            && !pointer.ends_with("/lead_time/median_seconds")
                    })
            })
            .map(|(at, k, s)| (self.bind.sentence(s, &format!("{at}/{k}")), s.tone))
    }

    fn trends(&self) -> Value {
        json!(self.trends_until(self.quarters().len().saturating_sub(1)))
    }

    /// The keys' lines up to quarter `i` (the pack's quarter, or the last).
    fn trends_until(&self, i: usize) -> Vec<Value> {
        vec![
            self.trend(i, "Releases", "deployments", Unit::Number, |q| {
                Some(q.deployments as f64)
            }),
            self.trend(
                i,
                "Median lead time",
                "lead_time/median_seconds",
                Unit::Duration,
                |q| q.lead_time.map(|l| l.median_seconds as f64),
            ),
            self.trend(
                i,
                "Change failure rate",
                "change_failure_rate",
                Unit::Share,
                |q| q.change_failure_rate,
            ),
            self.trend(
                i,
                "Median recovery time",
                "recovery_time/median_seconds",
                Unit::Duration,
                |q| q.recovery_time.map(|r| r.median_seconds as f64),
            ),
        ]
    }

    /// A goal's targets with their measured status, as the story worded them: as
    /// of the built revision, or of the end of the quarter `at` (its index).
    fn goal_progress(&self, goal: &str) -> Value {
        self.goal_progress_at(goal, None)
    }

    fn goal_progress_at(&self, goal: &str, at: Option<usize>) -> Value {
        let list = match at {
            Some(i) => self
                .data
                .story
                .quarters
                .get(i)
                .map_or(&[][..], |q| &q.goals[..]),
            None => &self.data.story.goals[..],
        };
        list.iter()
            .filter(|p| p.goal == goal)
            .map(|p| {
                json!({"html": super::bind::parts(&p.parts), "text": p.text, "status": p.status,
                       "status_words": p.status.words(), "refs": p.refs})
            })
            .collect()
    }

    fn goal_value(&self, goal: &str) -> Option<Fig> {
        // A goal none of whose initiatives carries an estimate has no value to show.
        let k = self
            .data
            .goal_values
            .iter()
            .position(|v| v.goal == goal && v.annual_value > 0.0)?;
        Some(self.money(format!("/goal_values/{k}/annual_value"), "estimate"))
    }

    fn goals(&self) -> Vec<Value> {
        self.data
            .goals
            .iter()
            .map(|g| {
                json!({
                    "id": g.id.value, "title": g.title, "description": g.description, "owner": g.owner,
                    "value": self.goal_value(&g.id.value),
                    "progress": self.goal_progress(&g.id.value),
                    "initiatives": self.data.initiatives.iter().filter(|i| i.goal.value == g.id.value)
                        .map(|i| json!({"id": i.id, "title": i.title, "status": status(i.status)})).collect::<Vec<_>>(),
                })
            })
            .collect()
    }

    /// The goals page: every goal with its measured targets and its initiatives.
    pub fn goals_page(&self) -> Vec<Value> {
        self.goals()
    }

    /// The methodology page: the rules as configured, bound like every number.
    pub fn methodology(&self) -> Value {
        json!({
            "min_change": self.bind.num("/story/rules/min_change", Unit::Share, "rule"),
            "min_points": self.bind.num("/story/rules/min_points", Unit::Number, "rule"),
            "revert_window": self.bind.num("/signals/revert_window_days", DAYS, "rule"),
            "patch_window": self.bind.num("/signals/patch_window_days", DAYS, "rule"),
            "signals": self.data.signals,
        })
    }

    fn case_list(&self) -> Vec<Value> {
        self.data
            .case_studies
            .iter()
            .map(|c| json!({"slug": c.slug, "title": c.title, "date": c.date.to_string(), "summary": c.summary, "featured": c.featured}))
            .collect()
    }

    fn next(&self) -> Value {
        let next = &self.data.story.next;
        let list = |name: &str, l: &[crate::story::Sentence]| {
            l.iter()
                .enumerate()
                .map(|(k, s)| json!({"html": self.bind.sentence(s, &format!("/story/next/{name}/{k}")), "tone": s.tone}))
                .collect::<Vec<_>>()
        };
        json!({"period": next.period, "initiatives": list("initiatives", &next.initiatives),
               "goals": list("goals", &next.goals), "guardrails": list("guardrails", &next.guardrails)})
    }

    /// The valued and linked initiatives at the end of quarter `i`: what had landed,
    /// shipped and waited then, and the cost of delay on that day.
    fn initiatives_at(&self, i: usize) -> Value {
        let data = self.data;
        let Some(delay) = data.cost.quarters.get(i) else {
            return Value::Null;
        };
        let on = format!("asof:{}", delay.as_of);
        let list: Vec<Value> = data
            .initiative_metrics
            .iter()
            .enumerate()
            .filter_map(|(m, metrics)| {
                let at = metrics.quarters.get(i).filter(|a| a.commits > 0)?;
                let initiative = data.initiatives.iter().find(|x| x.id == metrics.id)?;
                let n = |f: &str, unit: Unit| {
                    self.bind.num(format!("/initiative_metrics/{m}/quarters/{i}/{f}"), unit, &on)
                };
                Some(json!({
                    "id": initiative.id, "title": initiative.title,
                    "status": status_at(initiative, self.quarters()[i].span.1),
                    "commits": n("commits", Unit::Number), "shipped": n("shipped_commits", Unit::Number),
                    "unreleased": (at.unreleased_commits > 0).then(|| n("unreleased_commits", COMMITS)),
                    "cost_of_delay": at.cost_of_delay.filter(|c| *c > 0.0).map(|_| n("cost_of_delay", Unit::Money)),
                }))
            })
            .collect();
        json!({
            "as_of": delay.as_of,
            "list": list,
            "cost_of_delay": self.money(format!("/cost/quarters/{i}/cost_of_delay"), &on),
        })
    }

    /// The overview: the story of the quarter told, trends, goals, money, what's next.
    pub fn overview(&self) -> Value {
        let told = self.told();
        let q = told.map(|i| &self.quarters()[i]);
        let where_work_went = format!(
            "{} of shipped commits fixed defects; {} paid down debt",
            self.bind
                .num("/cost/defect_share", Unit::Share, &self.since_period())
                .html,
            self.bind
                .num("/cost/debt_share", Unit::Share, &self.since_period())
                .html,
        );
        json!({
            "latest": q.map(|q| q.period.clone()),
            "latest_label": q.map(|q| if self.so_far(&q.period) { format!("{} (so far)", q.period) } else { q.period.clone() }),
            "latest_slug": q.map(|q| quarter_slug(&q.period)),
            "keys": told.map(|i| self.keys(i, Some(""))),
            "story": q.map(|q| self.story(&q.period, Some(""))),
            "trends": self.trends(),
            "goals": self.goals(),
            // Every figure names its period: the quarter told, "since" the history's
            // start for all-time figures, "as of" the built revision for today's.
            "cost": {
                "failure": told.map(|i| self.money(format!("/periods/quarter/{i}/incident_cost"), &self.quarters()[i].period)),
                "failure_since": self.money("/cost/incident_cost".into(), &self.since_period()),
                "delay": self.money("/cost/cost_of_delay".into(), &self.as_of_period()),
                "work": where_work_went,
            },
            "since": self.since(),
            "as_of": self.as_of(),
            "next": self.next(),
            "case_studies": self.case_list().into_iter().filter(|c| c["featured"] == true).collect::<Vec<_>>(),
            "unreleased": self.bind.num("/unreleased/commit_count", COMMITS, &self.as_of_period()),
        })
    }

    /// Releases in `span`, by index.
    fn released_in(&self, span: (i64, i64)) -> Vec<usize> {
        self.correlation
            .releases
            .iter()
            .enumerate()
            .filter(|(_, r)| r.time >= span.0 && r.time < span.1)
            .map(|(i, _)| i)
            .collect()
    }

    fn release_row(&self, r: usize) -> Value {
        let v = &self.data.releases[r];
        let period = format!("asof:{}", day(&v.time));
        json!({
            "tag": v.tag, "slug": v.slug, "date": day(&v.time),
            "commits": self.bind.num(format!("/releases/{r}/commit_count"), Unit::Number, &period),
            "lead": v.lead_time.map(|_| self.bind.num(format!("/releases/{r}/lead_time/median_seconds"), Unit::Duration, &period)),
            "kind": v.kind.name(), "failed": v.failed,
            "hotfix": v.kind == crate::releases::ReleaseKind::Hotfix,
        })
    }

    /// A lead-time distribution from the buckets at `pointer`.
    fn distribution(
        &self,
        pointer: &str,
        buckets: Option<[usize; 5]>,
        period: &str,
    ) -> (String, Value) {
        let points: Vec<Point> = crate::stats::BUCKETS
            .iter()
            .enumerate()
            .map(|(b, (_, name))| {
                Point::new(
                    *name,
                    buckets.map(|c| c[b] as f64),
                    buckets.map(|_| {
                        self.bind
                            .num(format!("{pointer}/{b}"), Unit::Number, period)
                    }),
                )
            })
            .collect();
        (
            charts::bars(&points, "Commits by lead time", &[]),
            json!(rows(&points)),
        )
    }

    /// One quarter: its keys beside the quarter before, its story, and the lists
    /// behind each key: releases, incidents, lead times, weeks, flow.
    pub fn quarter(&self, i: usize) -> Value {
        let quarters = self.quarters();
        let q = &quarters[i];
        let p = q.period.as_str();
        let at = |f: &str| format!("/periods/quarter/{i}/{f}");
        // The quarter's weeks, cut at its edges so that they sum to its releases,
        // each named by its first day in the quarter; none after the last event.
        let as_of = self.as_of();
        let shown: Vec<(usize, &crate::metrics::WeekSlice)> = q
            .weekly
            .iter()
            .enumerate()
            .filter(|(_, w)| w.from <= as_of)
            .collect();
        let weeks: Vec<Point> = shown
            .iter()
            .map(|&(j, w)| {
                let day = super::human_day(&w.from).unwrap_or_else(|| w.week.clone());
                Point::new(
                    day.rsplit_once(' ').map_or(day.as_str(), |(d, _)| d),
                    Some(w.deployments as f64),
                    Some(
                        self.bind
                            .num(at(&format!("weekly/{j}/deployments")), Unit::Number, p),
                    ),
                )
            })
            .collect();
        let partial: Vec<bool> = shown.iter().map(|(_, w)| w.partial).collect();
        let released = self.released_in(q.span);
        let (distribution, distribution_rows) =
            self.distribution(&at("lead_time/buckets"), q.lead_time.map(|l| l.buckets), p);
        let flow = ["feature", "defect", "debt", "risk", "other"]
            .iter()
            .map(|k| {
                self.bind
                    .num(at(&format!("flow_velocity/{k}")), Unit::Number, p)
            })
            .collect::<Vec<_>>();
        let prev = i.checked_sub(1).map(|j| &quarters[j]);
        // The quarter's incidents are listed once, in their own section below.
        let mut story = self.story(p, Some("../"));
        story["incidents"] = json!([]);
        json!({
            "period": p, "so_far": self.so_far(p),
            "keys": self.keys(i, Some("../")),
            "previous": prev.map(|pq| json!({"period": pq.period, "slug": quarter_slug(&pq.period), "keys": self.keys(i - 1, Some("../"))})),
            "next": quarters.get(i + 1).map(|nq| json!({"period": nq.period, "slug": quarter_slug(&nq.period)})),
            "release_count": self.bind.num(at("deployments"), RELEASES, p),
            "releases": released.iter().map(|&r| self.release_row(r)).collect::<Vec<_>>(),
            "failed_releases": released.iter().filter(|&&r| self.data.releases[r].failed)
                .map(|&r| json!({"tag": self.data.releases[r].tag, "slug": self.data.releases[r].slug})).collect::<Vec<_>>(),
            // The quarter's incidents are listed once, in their own section.
            "incidents": self.data.incidents.iter().enumerate().filter(|(_, inc)| inc.started.0 >= q.span.0 && inc.started.0 < q.span.1)
                .map(|(k, inc)| json!({"id": inc.id.value, "title": inc.title, "severity": inc.severity,
                    "duration": inc.duration_seconds.map(|_| self.bind.num(format!("/incidents/{k}/duration_seconds"), Unit::Duration, p)),
                    "cost": inc.cost.map(|_| self.money(format!("/incidents/{k}/cost"), p)),
                    "lessons": inc.lessons})).collect::<Vec<_>>(),
            "distribution": distribution, "distribution_rows": distribution_rows,
            "story": story,
            "weekly": charts::bars(&weeks, "Releases per week", &partial),
            "weekly_rows": rows(&weeks),
            "flow": flow,
            "flow_time": q.flow_time.map(|_| self.bind.num(at("flow_time/median_seconds"), Unit::Duration, p)),
            "load": self.bind.num(at("flow_load/commits"), Unit::Number, p),
            "rework": q.rework_rate.map(|_| self.bind.num(at("rework_rate"), Unit::Share, p)),
            "initiatives": self.initiatives_at(i),
        })
    }

    pub fn releases(&self) -> Value {
        json!({
            "releases": (0..self.data.releases.len()).rev().map(|r| self.release_row(r)).collect::<Vec<_>>(),
            "unreleased": self.bind.num("/unreleased/commit_count", COMMITS, &self.as_of_period()),
        })
    }

    /// One release: its lead times, why it counts as a hotfix or a failure, its notes.
    pub fn release(&self, index: usize) -> Value {
        let data = self.data;
        let r = &data.releases[index];
        let period = format!("asof:{}", day(&r.time));
        let notes = self.release_notes(index);
        let at = |f: &str| format!("/releases/{index}/{f}");
        let (distribution, distribution_rows) = self.distribution(
            &at("lead_time/buckets"),
            r.lead_time.map(|l| l.buckets),
            &period,
        );
        let evidence = |field: &str, list: &[crate::report::Signal]| -> Vec<String> {
            list.iter()
                .enumerate()
                .map(|(j, s)| {
                    evidence_html(
                        &s.evidence,
                        &self.bind,
                        &at(&format!("{field}/{j}")),
                        &period,
                    )
                })
                .collect()
        };
        let incidents = self.release_incidents(index);
        json!({
            "tag": r.tag, "date": format!("{} {} UTC", day(&r.time), r.time.get(11..16).unwrap_or_default()), "datetime": r.time,
            "commit": r.commit.to_hex()[..12].to_string(), "previous": r.previous,
            "commit_url": data.repository.forge.as_ref().map(|f| f.commit_url(&r.commit.to_hex())),
            "previous_slug": r.previous.as_ref().and_then(|p| data.releases.iter().find(|x| &x.tag == p)).map(|x| x.slug.clone()),
            "commits": self.bind.num(at("commit_count"), COMMITS, &period),
            "kind": r.kind.name(), "failed": r.failed,
            "lead": r.lead_time.map(|_| self.bind.num(at("lead_time/median_seconds"), Unit::Duration, &period)),
            "p90": r.lead_time.map(|_| self.bind.num(at("lead_time/p90_seconds"), Unit::Duration, &period)),
            "clamped": r.lead_time.filter(|l| l.clamped > 0).map(|_| self.bind.num(at("lead_time/clamped"), COMMITS, &period)),
            "distribution": distribution, "distribution_rows": distribution_rows,
            "notes": notes, "hotfix_evidence": evidence("hotfix_evidence", &r.hotfix_evidence),
            "failure_evidence": evidence("failure_evidence", &r.failure_evidence),
            "suspected": evidence("suspected_failures", &r.suspected_failures),
            "overridden": evidence("overridden", &r.overridden),
            "incidents": incidents,
        })
    }

    /// A release's commits grouped by kind, each in a sentence without its
    /// conventional-commit type.
    fn release_notes(&self, index: usize) -> Vec<Value> {
        let data = self.data;
        let rel = &self.correlation.releases[index];
        let mut groups: std::collections::BTreeMap<&'static str, Vec<Value>> = Default::default();
        for &c in &rel.commits {
            let commit = &self.history.commits[c as usize];
            if commit.is_merge() && commit.pull_request.is_some() {
                continue;
            }
            let kind = crate::metrics::flow::kind_of(commit).name();
            groups.entry(kind).or_default().push(json!({
                // What it did, as a sentence: without its conventional-commit type.
                "subject": sentence_case(&crate::message::description(&commit.subject)),
                "id": commit.id.to_hex()[..10].to_string(),
                "url": data.repository.forge.as_ref().map(|f| f.commit_url(&commit.id.to_hex())),
                // Someone left out by `views.personal_exclude` is named nowhere.
                "author": (!data.hidden_people.contains(&commit.author)).then(|| &self.history.person(commit.author).name),
            }));
        }
        let headings = [
            ("feature", "Features"),
            ("defect", "Fixes"),
            ("risk", "Risk and security"),
            ("debt", "Debt paid down"),
            ("other", "Other changes"),
        ];
        headings
            .iter()
            .filter_map(|(k, heading)| {
                groups
                    .get(k)
                    .map(|list| json!({"kind": heading, "commits": list}))
            })
            .collect()
    }

    /// The incidents that name a release: by its tag, or one of its commits by id.
    fn release_incidents(&self, index: usize) -> Vec<Value> {
        let (r, rel) = (
            &self.data.releases[index],
            &self.correlation.releases[index],
        );
        let names = |named: &Option<crate::content::Spot<String>>| {
            named.as_ref().is_some_and(|n| {
                n.value == r.tag
                    || (n.value.len() >= 7
                        && rel.commits.iter().any(|&c| {
                            self.history.commits[c as usize]
                                .id
                                .to_hex()
                                .starts_with(&n.value.to_ascii_lowercase())
                        }))
            })
        };
        self.data
            .incidents
            .iter()
            .filter(|i| names(&i.caused_by) || names(&i.fixed_by))
            .map(|i| json!({"id": i.id.value, "title": i.title}))
            .collect()
    }

    pub fn streams(&self) -> Vec<Value> {
        let data = self.data;
        data.stream_metrics
            .iter()
            .enumerate()
            .filter_map(|(k, m)| {
                let st = data.streams.iter().find(|x| x.id == m.id)?;
                let window = m.window.clone().unwrap_or_else(|| self.as_of_period());
                // One scale for every map of the stream: its longest time fills a bar.
                let longest = [("current", Some(&m.current)), ("future", m.future.as_ref())]
                    .into_iter()
                    .filter_map(|(which, mm)| Some((which, mm?)))
                    .flat_map(|(which, mm)| {
                        mm.stages.iter().enumerate().flat_map(move |(j, x)| {
                            [("process_seconds", x.process_seconds), ("wait_seconds", x.wait_seconds)]
                                .into_iter()
                                .filter_map(move |(f, v)| Some((v?, format!("/stream_metrics/{k}/{which}/stages/{j}/{f}"))))
                        })
                    })
                    .max_by_key(|(v, _)| *v)
                    .map(|(v, at)| (v, self.bind.num(at, Unit::Duration, &window)));
                let map = |mm: &crate::metrics::streams::MapMetrics, which: &str, label: &str| {
                    let at = |f: &str| format!("/stream_metrics/{k}/{which}/{f}");
                    let stages: Vec<Stage> = mm
                        .stages
                        .iter()
                        .enumerate()
                        .map(|(j, x)| Stage {
                            name: x.name.clone(),
                            process: x.process_seconds.map(|s| (s, self.bind.num(at(&format!("stages/{j}/process_seconds")), Unit::Duration, &window))),
                            wait: x.wait_seconds.map(|s| (s, self.bind.num(at(&format!("stages/{j}/wait_seconds")), Unit::Duration, &window))),
                        })
                        .collect();
                    json!({
                        "svg": longest.as_ref().map(|(v, f)| charts::stream_map(&stages, label, (*v, f))),
                        "stages": mm.stages.iter().enumerate().map(|(j, x)| json!({
                            "name": x.name,
                            "source": match (x.measure, x.pull_requests) {
                                (Some(measure), Some(n)) if n > 0 => format!("{}: median of {}", measure.replace('_', " "),
                                    self.bind.num(at(&format!("stages/{j}/pull_requests")), PULL_REQUESTS, &window).html),
                                (Some(_), _) => escape(&x.source.replace('_', " ")),
                                _ => "declared".to_string(),
                            },
                            "process": x.process_seconds.map(|_| self.bind.num(at(&format!("stages/{j}/process_seconds")), Unit::Duration, &window)),
                            "wait": x.wait_seconds.map(|_| self.bind.num(at(&format!("stages/{j}/wait_seconds")), Unit::Duration, &window)),
                            "ca": x.complete_accurate.map(|_| self.bind.num(at(&format!("stages/{j}/complete_accurate")), Unit::Share, &window)),
                        })).collect::<Vec<_>>(),
                        "efficiency": mm.flow_efficiency.map(|_| self.bind.num(at("flow_efficiency"), Unit::Share, &window)),
                        "lead": self.bind.num(at("lead_time_seconds"), Unit::Duration, &window),
                        "rolled": self.bind.num(at("rolled_complete_accurate"), Unit::Share, &window),
                        "bottleneck": mm.bottleneck,
                    })
                };
                let over: Vec<Point> = m
                    .over_time
                    .iter()
                    .enumerate()
                    .map(|(j, v)| Point {
                        label: v.quarter.clone(),
                        value: v.metrics.flow_efficiency,
                        fig: v.metrics.flow_efficiency.map(|_| {
                            self.bind.num(format!("/stream_metrics/{k}/over_time/{j}/metrics/flow_efficiency"), Unit::Share, &v.quarter)
                        }),
                        so_far: self.so_far(&v.quarter),
                    })
                    .collect();
                Some(json!({
                    "id": m.id, "name": st.name, "customer": st.customer, "mode": st.mode.name(),
                    "window": m.window, "current": map(&m.current, "current", "Current state"),
                    "future": m.future.as_ref().map(|f| map(f, "future", "Future state")),
                    "over_time": charts::trend(&over, "Flow efficiency", Scale::Linear),
                    "over_rows": rows(&over),
                    "guardrails": m.guardrails.iter().enumerate().map(|(j, g)| {
                        let unit = g.metric.unit();
                        let at = |f: &str| format!("/stream_metrics/{k}/guardrails/{j}/{f}");
                        json!({"metric": sentence_case(&g.metric.guardrail_name().replace('_', " ")), "within": g.within,
                            "limit": self.bind.num(at("limit"), unit, "limit"),
                            "actual": g.actual.map(|_| self.bind.num(at("actual"), unit, &window))})
                    }).collect::<Vec<_>>(),
                }))
            })
            .collect()
    }

    pub fn initiatives(&self) -> Vec<Value> {
        let data = self.data;
        let as_of = self.as_of_period();
        data.initiatives
            .iter()
            .enumerate()
            .map(|(k, i)| {
                let m = data.initiative_metrics.iter().position(|m| m.id == i.id);
                let mi = |f: &str, unit: Unit| m.map(|m| self.bind.num(format!("/initiative_metrics/{m}/{f}"), unit, &as_of));
                let metrics = m.map(|m| &data.initiative_metrics[m]);
                let value = i.value.as_ref().map(|v| {
                    format!(
                        "{} {} per {} ({} confidence, estimate)",
                        escape(v.kind),
                        self.money(format!("/initiatives/{k}/value/amount"), "estimate").html,
                        escape(v.per),
                        escape(v.confidence)
                    )
                });
                json!({
                    "id": i.id, "title": i.title, "goal": i.goal.value,
                    "goal_title": data.goals.iter().find(|g| g.id.value == i.goal.value).map(|g| g.title.clone()),
                    "stream": i.stream.as_ref().map(|x| x.value.clone()),
                    "stream_name": i.stream.as_ref().and_then(|x| data.streams.iter().find(|s| s.id == x.value)).map(|s| s.name.clone()),
                    "status": status(i.status), "hypothesis": i.hypothesis,
                    "started": i.started.map(|d| d.to_string()), "finished": i.finished.map(|d| d.to_string()),
                    "value": value,
                    "outcomes": i.outcomes.iter().map(|o| json!({"date": o.date.to_string(), "metric": o.metric.replace('_', " "), "value": o.value})).collect::<Vec<_>>(),
                    "commits": mi("commits", Unit::Number), "shipped": mi("shipped_commits", Unit::Number),
                    "lead": metrics.and_then(|m| m.lead_time).and_then(|_| mi("lead_time/median_seconds", Unit::Duration)),
                    "unreleased": metrics.filter(|m| m.unreleased_commits > 0).and_then(|_| mi("unreleased_commits", COMMITS)),
                    "cost_of_delay": metrics.and_then(|m| m.cost_of_delay).and_then(|_| mi("cost_of_delay", Unit::Money)),
                    "as_of": self.as_of(),
                })
            })
            .collect()
    }

    /// What a team shipped in the quarter the story tells: its releases (failed and
    /// hotfix marked), the incidents those releases caused or fixed, and its work
    /// still waiting for a release.
    fn team_work(&self, scope: &str) -> Value {
        let Some(s) = self.data.scopes.iter().position(|s| s.scope == scope) else {
            return Value::Null;
        };
        let part = &self.data.scopes[s];
        let told = self.data.story.told.as_deref();
        let j = part
            .quarters
            .iter()
            .position(|k| Some(k.period.as_str()) == told);
        let quarter = j.map(|j| &part.quarters[j]);
        let releases: Vec<Value> = quarter
            .map(|k| {
                k.releases
                    .iter()
                    .filter_map(|tag| self.data.releases.iter().position(|r| &r.tag == tag))
                    .map(|r| self.release_row(r))
                    .collect()
            })
            .unwrap_or_default();
        let tags: Vec<&String> = quarter
            .map(|k| k.releases.iter().collect())
            .unwrap_or_default();
        let incidents: Vec<Value> = self
            .data
            .incidents
            .iter()
            .filter(|i| {
                [&i.caused_by, &i.fixed_by]
                    .iter()
                    .any(|r| r.as_ref().is_some_and(|r| tags.contains(&&r.value)))
            })
            .map(|i| json!({"id": i.id.value, "title": i.title, "severity": i.severity}))
            .collect();
        json!({
            "period": told,
            "count": j.map(|j| self.bind.num(format!("/scopes/{s}/quarters/{j}/deployments"), RELEASES, told.unwrap_or_default())),
            "releases": releases,
            "incidents": incidents,
            "unreleased": self.bind.num(format!("/scopes/{s}/unreleased_commits"), COMMITS, &self.as_of_period()),
            "as_of": self.as_of(),
        })
    }

    /// A team's keys quarter by quarter from its scope, the running quarter marked
    /// "so far", with a line per key.
    fn team_keys(&self, scope: &str) -> Value {
        let Some(s) = self.data.scopes.iter().position(|s| s.scope == scope) else {
            return json!({"rows": [], "trends": []});
        };
        let part = &self.data.scopes[s];
        let at = |j: usize, f: &str| format!("/scopes/{s}/quarters/{j}/{f}");
        let rows: Vec<Value> = part
            .quarters
            .iter()
            .enumerate()
            .map(|(j, k)| {
                let p = k.period.as_str();
                json!({
                    "period": if self.so_far(p) { format!("{p} (so far)") } else { p.to_string() },
                    "deployments": self.bind.num(at(j, "deployments"), Unit::Number, p),
                    "lead_time": k.lead_time.map(|_| self.bind.num(at(j, "lead_time/median_seconds"), Unit::Duration, p)),
                    "change_failure_rate": k.change_failure_rate.map(|_| self.bind.num(at(j, "change_failure_rate"), Unit::Share, p)),
                    "failed": (k.failed_deployments > 0).then(|| self.bind.num(at(j, "failed_deployments"), Unit::Number, p)),
                    "commits": self.bind.num(at(j, "commits"), Unit::Number, p),
                })
            })
            .collect();
        let line =
            |name: &str,
             field: &str,
             unit: Unit,
             value: &dyn Fn(&crate::metrics::scopes::ScopedKeys) -> Option<f64>| {
                let points: Vec<Point> = part
                    .quarters
                    .iter()
                    .enumerate()
                    .map(|(j, k)| Point {
                        label: k.period.clone(),
                        value: value(k),
                        fig: value(k).map(|_| self.bind.num(at(j, field), unit, &k.period)),
                        so_far: self.so_far(&k.period),
                    })
                    .collect();
                json!({"name": name, "svg": charts::trend(&points, name, scale(unit)), "rows": self::rows(&points)})
            };
        json!({
            "rows": rows,
            "trends": [
                line("Releases", "deployments", Unit::Number, &|k| Some(k.deployments as f64)),
                line("Median lead time", "lead_time/median_seconds", Unit::Duration, &|k| k.lead_time.map(|l| l.median_seconds as f64)),
                line("Change failure rate", "change_failure_rate", Unit::Share, &|k| k.change_failure_rate),
            ],
        })
    }

    pub fn teams(&self) -> Vec<Value> {
        let data = self.data;
        let as_of = self.as_of_period();
        data.teams
            .iter()
            .map(|t| {
                let m = data.team_metrics.iter().position(|m| m.id == t.id.value);
                let tm = |f: &str, unit: Unit| m.map(|m| self.bind.num(format!("/team_metrics/{m}/{f}"), unit, &as_of));
                let metrics = m.map(|m| &data.team_metrics[m]);
                json!({
                    "id": t.id.value, "name": t.name, "paths": t.paths, "member_list": self.members(t),
                    "commits": tm("commits", COMMITS), "people": tm("people", PEOPLE),
                    "members": tm("declared_members", MEMBERS),
                    "co_authored": metrics.and_then(|x| x.co_authored_share).and_then(|_| tm("co_authored_share", Unit::Share)),
                    "multi_author": metrics.and_then(|x| x.multi_author_pull_requests).and_then(|_| tm("multi_author_pull_requests", Unit::Share)),
                    "foreign": metrics.and_then(|x| x.commits_in_other_teams_paths).filter(|n| *n > 0).and_then(|_| tm("commits_in_other_teams_paths", COMMITS)),
                    "knowledge": metrics.map(|x| x.knowledge.iter().enumerate().map(|(j, k)| {
                        let at = |f: &str| self.bind.num(format!("/team_metrics/{}/knowledge/{j}/{f}", m.unwrap_or(0)), Unit::Number, &as_of);
                        json!({"path": k.path, "changes": at("changes"), "people": at("people"), "p80": at("people_for_80_percent")})
                    }).collect::<Vec<_>>()).unwrap_or_default(),
                    "single": metrics.map(|x| x.single_person_paths.clone()).unwrap_or_default(),
                    "keys": self.team_keys(&format!("team:{}", t.id.value)),
                    "work": self.team_work(&format!("team:{}", t.id.value)),
                    "initiatives": data.initiatives.iter().filter(|i| i.owner.as_ref().is_some_and(|o| o.value == t.id.value))
                        .map(|i| json!({"id": i.id, "title": i.title, "status": status(i.status)})).collect::<Vec<_>>(),
                    "as_of": self.as_of(),
                })
            })
            .collect()
    }

    /// The people of the personal view, alphabetical by name, with nothing that
    /// compares them.
    pub fn people(&self) -> Value {
        let people: Vec<Value> = self
            .data
            .people
            .iter()
            .map(|p| json!({"slug": p.slug, "name": p.name, "past": p.past}))
            .collect();
        json!({"people": people, "as_of": self.as_of()})
    }

    /// A person of the personal view, by index into `data.people`: what their
    /// shipped work was linked to, newest quarter first.
    pub fn person(&self, k: usize) -> Value {
        let data = self.data;
        let p = &data.people[k];
        let team = |id: &String| {
            let name = data
                .teams
                .iter()
                .find(|t| &t.id.value == id)
                .map_or(id.as_str(), |t| t.name.as_str());
            json!({"id": id, "name": name})
        };
        let quarters: Vec<Value> = p
            .quarters
            .iter()
            .enumerate()
            .rev()
            .map(|(q, pq)| {
                let at = format!("/people/{k}/quarters/{q}");
                let releases: Vec<Value> = pq.releases.iter().enumerate().map(|(r, rel)| {
                    let release = data.releases.iter().find(|x| x.tag == rel.tag);
                    json!({"tag": rel.tag, "slug": release.map(|x| x.slug.clone()), "date": release.map(|x| day(&x.time).to_string()),
                           "commits": self.bind.num(format!("{at}/releases/{r}/commits"), COMMITS, &pq.period)})
                }).collect();
                let initiatives: Vec<Value> = pq.initiatives.iter().filter_map(|id| data.initiatives.iter().find(|i| &i.id == id))
                    .map(|i| json!({"id": i.id, "title": i.title})).collect();
                let goals: Vec<Value> = pq.goals.iter().filter_map(|id| data.goals.iter().find(|g| &g.id.value == id))
                    .map(|g| json!({"id": g.id.value, "title": g.title})).collect();
                let incidents: Vec<Value> = pq.incidents.iter().filter_map(|x| {
                    let i = data.incidents.iter().find(|i| i.id.value == x.id)?;
                    Some(json!({"id": i.id.value, "title": i.title, "fixed": x.role == crate::metrics::people::IncidentRole::Fixed}))
                }).collect();
                let studies: Vec<Value> = pq.case_studies.iter().filter_map(|s| data.case_studies.iter().find(|c| &c.slug == s))
                    .map(|c| json!({"slug": c.slug, "title": c.title})).collect();
                let co_authors: Vec<Value> = pq.co_authors.iter().filter_map(|s| data.people.iter().find(|x| &x.slug == s))
                    .map(|x| json!({"slug": x.slug, "name": x.name})).collect();
                json!({
                    "period": pq.period, "slug": quarter_slug(&pq.period),
                    "releases": releases, "initiatives": initiatives, "goals": goals,
                    "incidents": incidents, "case_studies": studies, "co_authors": co_authors,
                    "co_authored": (pq.co_authored_commits > 0).then(|| self.bind.num(format!("{at}/co_authored_commits"), COMMITS, &pq.period)),
                    "teams": pq.teams.iter().map(team).collect::<Vec<_>>(),
                })
            })
            .collect();
        json!({
            "slug": p.slug, "name": p.name, "past": p.past,
            "first_commit": p.first_commit, "last_commit": p.last_commit,
            "teams": p.teams.iter().map(team).collect::<Vec<_>>(),
            "quarters": quarters, "as_of": self.as_of(),
        })
    }

    /// A team's members by name, linked to their pages when the personal view is on.
    fn members(&self, t: &crate::content::Team) -> Vec<Value> {
        t.member_names
            .iter()
            .map(|name| {
                let slug = self
                    .data
                    .people
                    .iter()
                    .find(|p| &p.name == name)
                    .map(|p| p.slug.clone());
                json!({"name": name, "slug": slug})
            })
            .collect()
    }

    pub fn case_studies(&self) -> Value {
        json!({"case_studies": self.case_list()})
    }

    /// One case study: its body with computed figures, and its evidence rows.
    pub fn case_study(&self, c: &crate::content::CaseStudy) -> Value {
        // A row that cannot be computed is left out; `check` warns of it.
        let evidence: Vec<Value> = c
            .evidence
            .iter()
            .filter(|e| crate::content::evidence_computable(e))
            .map(|e| {
                let value = |q: &crate::content::units::Quarter| self.evidence_value(e, &q.to_string());
                json!({
                    "label": e.label.clone().unwrap_or_else(|| sentence_case(&e.metric.replace('_', " "))),
                    "scope": e.scope.value,
                    "before": e.before.to_string(), "after": e.after.to_string(),
                    "before_slug": quarter_slug(&e.before.to_string()), "after_slug": quarter_slug(&e.after.to_string()),
                    "before_value": value(&e.before), "after_value": value(&e.after),
                })
            })
            .collect();
        json!({"title": c.title, "date": c.date.to_string(), "summary": c.summary,
               "body": self.figures(&c.body, Some("../")), "evidence": evidence,
               "initiative": c.initiative.as_ref().map(|i| i.value.clone())})
    }

    /// One evidence row's value in `period`, bound, or `no data`.
    fn evidence_value(&self, e: &crate::content::EvidenceQuery, period: &str) -> String {
        let none = || "no data".to_string();
        let Some(key) = Key::named(e.metric) else {
            return none();
        };
        let field = (key.field(), key.unit());
        let scope = e.scope.value.as_str();
        let pointer = if scope == "repository" {
            self.quarters()
                .iter()
                .position(|q| q.period == period)
                .map(|i| format!("/periods/quarter/{i}/{}", field.0))
        } else if let Some(id) = scope.strip_prefix("stream:") {
            let k = self.data.stream_metrics.iter().position(|m| m.id == id);
            k.and_then(|k| {
                let j = self.data.stream_metrics[k]
                    .over_time
                    .iter()
                    .position(|v| v.quarter == period)?;
                Some(format!(
                    "/stream_metrics/{k}/over_time/{j}/metrics/{}",
                    field.0
                ))
            })
        } else {
            let s = self.data.scopes.iter().position(|s| s.scope == scope);
            s.and_then(|s| {
                let j = self.data.scopes[s]
                    .quarters
                    .iter()
                    .position(|k| k.period == period)?;
                Some(format!("/scopes/{s}/quarters/{j}/{}", field.0))
            })
        };
        pointer
            .and_then(|p| self.bind.some(p, field.1, period))
            .map_or_else(none, |f| f.html)
    }

    /// A case study's body with its computed figures, each bound to data.json and
    /// linked to its quarter when `root` is given.
    pub fn figures(&self, body: &str, root: Option<&str>) -> String {
        let quarters = self.quarters();
        markdown::with_figures(body, |f| {
            let period = f.period.to_string();
            let Some(i) = quarters.iter().position(|q| q.period == period) else {
                return format!(
                    "<span class=\"figure\">no data for {}</span>",
                    escape(&period)
                );
            };
            let Some(key) = Key::named(f.metric) else {
                return format!(
                    "<span class=\"figure\">no figure `{}`</span>",
                    escape(f.metric)
                );
            };
            let (field, unit) = (key.field(), key.unit());
            let Some(fig) = self
                .bind
                .some(format!("/periods/quarter/{i}/{field}"), unit, &period)
            else {
                return format!(
                    "<span class=\"figure\">no data for {}</span>",
                    escape(&period)
                );
            };
            let span = fig.html.replacen("class=\"n\"", "class=\"n figure\"", 1);
            match root {
                Some(r) => format!(
                    "<a href=\"{r}quarters/{}.html\">{span}</a>",
                    quarter_slug(&period)
                ),
                None => span,
            }
        })
    }

    pub fn incidents(&self) -> Value {
        let data = self.data;
        json!({
            "incidents": data.incidents.iter().enumerate().rev().map(|(k, i)| {
                let period = crate::metrics::periods::containing(crate::metrics::periods::Kind::Quarter, i.started.0).label;
                json!({
                    "id": i.id.value, "title": i.title, "severity": i.severity, "started": i.started.to_string(),
                    "duration": i.duration_seconds.map(|_| self.bind.num(format!("/incidents/{k}/duration_seconds"), Unit::Duration, &period)),
                    "caused_by": i.caused_by.as_ref().map(|x| x.value.clone()),
                    "caused_slug": i.caused_by.as_ref().and_then(|x| data.releases.iter().find(|r| r.tag == x.value)).map(|r| r.slug.clone()),
                    // A commit named instead of a release: the release that shipped it.
                    "caused_in": i.caused_by.as_ref().filter(|x| x.value.len() >= 7 && x.value.bytes().all(|b| b.is_ascii_hexdigit()))
                        .and_then(|x| data.releases.iter().find(|r| r.commits.iter().any(|c| c.to_hex().starts_with(&x.value.to_ascii_lowercase()))))
                        .map(|r| json!({"tag": r.tag, "slug": r.slug})),
                    "fixed_by": i.fixed_by.as_ref().map(|x| x.value.clone()),
                    "fixed_slug": i.fixed_by.as_ref().and_then(|x| data.releases.iter().find(|r| r.tag == x.value)).map(|r| r.slug.clone()),
                    "cost": i.cost.map(|_| self.money(format!("/incidents/{k}/cost"), &period)),
                    "lessons": i.lessons,
                })
            }).collect::<Vec<_>>(),
            "total": self.money("/cost/incident_cost".into(), &self.since_period()),
            "since": self.since(),
        })
    }

    /// The quarterly business-review pack for quarter `i`: everything measured in
    /// that quarter, as of its end.
    pub fn pack(&self, i: usize) -> Value {
        let data = self.data;
        let quarters = self.quarters();
        let quarter = quarters[i].period.as_str();
        let year_before = crate::story::year_before(quarter)
            .and_then(|label| quarters.iter().position(|p| p.period == label));
        let compare = |name: &str, j: Option<usize>| {
            j.map(|j| json!({"label": name, "period": quarters[j].period, "keys": self.keys(j, None)}))
        };
        let (flow, flow_chart) = self.pack_flow(i);
        let (incidents, studies, streams) = (
            self.pack_incidents(i),
            self.pack_case_studies(i),
            self.pack_streams(i),
        );
        let (goals, table, key_slides) = (
            self.pack_goals(i),
            self.pack_table(i),
            self.pack_key_slides(i),
        );
        let cost_trend = self.pack_cost_trend(i);
        // The quarter's incidents have their own page in the pack.
        let mut pack_story = self.story(quarter, None);
        pack_story["incidents"] = json!([]);
        // Wins and lessons fill their slide in larger type when they are few.
        let said = |f: &str| pack_story[f].as_array().map_or(0, Vec::len);
        pack_story["roomy"] = json!(said("wins") + said("lessons") <= 6);
        json!({
            "quarter": quarter, "keys": self.keys(i, None),
            "previous": compare("The quarter before", i.checked_sub(1)),
            "year_before": compare("A year before", year_before),
            "table": table, "key_slides": key_slides, "flow": flow, "flow_chart": flow_chart,
            "cost_trend": cost_trend,
            "year_before_period": year_before.map(|j| &quarters[j].period),
            "previous_period": i.checked_sub(1).map(|j| &quarters[j].period),
            "story": pack_story, "goals": goals, "streams": streams, "incidents": incidents,
            "case_studies": studies,
            "cost": {"failure": self.money(format!("/periods/quarter/{i}/incident_cost"), quarter),
                     "total_delay": self.money(format!("/cost/quarters/{i}/cost_of_delay"),
                        &data.cost.quarters.get(i).map_or_else(|| self.as_of_period(), |d| format!("asof:{}", d.as_of))),
                     "delay_as_of": data.cost.quarters.get(i).map(|d| d.as_of.clone())},
            "as_of": self.as_of(),
            // What's next belongs to the review of the quarter the story tells.
            "next": (data.story.told.as_deref() == Some(quarter)).then(|| self.next()),
        })
    }

    /// The quarter's incidents, with their duration, cost and lessons.
    fn pack_incidents(&self, i: usize) -> Vec<Value> {
        let data = self.data;
        let quarters = self.quarters();
        let q = &quarters[i];
        let quarter = q.period.as_str();
        let incidents: Vec<Value> = data
            .incidents
            .iter()
            .enumerate()
            .filter(|(_, inc)| inc.started.0 >= q.span.0 && inc.started.0 < q.span.1)
            .map(|(k, inc)| {
                json!({"id": inc.id.value, "title": inc.title, "severity": inc.severity,
                "duration": inc.duration_seconds.map(|_| self.bind.num(format!("/incidents/{k}/duration_seconds"), Unit::Duration, quarter)),
                "cost": inc.cost.map(|_| self.money(format!("/incidents/{k}/cost"), quarter)), "lessons": inc.lessons})
            })
            .collect();
        incidents
    }

    /// The case studies published in the quarter, with their evidence.
    fn pack_case_studies(&self, i: usize) -> Vec<Value> {
        let data = self.data;
        let quarters = self.quarters();
        let q = &quarters[i];
        let studies: Vec<Value> = data
            .case_studies
            .iter()
            .filter(|c| {
                let t = c.date.start_seconds();
                t >= q.span.0 && t < q.span.1
            })
            .map(|c| json!({"title": c.title, "summary": c.summary, "evidence": self.case_study(c)["evidence"]}))
            .collect();
        studies
    }

    /// Each value stream's flow efficiency, then and the quarter before.
    fn pack_streams(&self, i: usize) -> Vec<Value> {
        let data = self.data;
        let quarters = self.quarters();
        let q = &quarters[i];
        let quarter = q.period.as_str();
        let streams: Vec<Value> = data
            .stream_metrics
            .iter()
            .enumerate()
            .filter_map(|(k, m)| {
                let st = data.streams.iter().find(|x| x.id == m.id)?;
                let efficiency = |label: Option<&str>| -> Option<Fig> {
                    let label = label?;
                    let j = m.over_time.iter().position(|v| v.quarter == label)?;
                    m.over_time[j].metrics.flow_efficiency?;
                    Some(self.bind.num(format!("/stream_metrics/{k}/over_time/{j}/metrics/flow_efficiency"), Unit::Share, label))
                };
                let j = m.over_time.iter().position(|v| v.quarter == quarter);
                // Its flow efficiency quarter by quarter, up to this one.
                let over: Vec<Point> = m
                    .over_time
                    .iter()
                    .enumerate()
                    .take_while(|(_, v)| v.quarter.as_str() <= quarter)
                    .map(|(j, v)| Point::new(
                        v.quarter.clone(),
                        v.metrics.flow_efficiency,
                        v.metrics.flow_efficiency.map(|_| self.bind.num(format!("/stream_metrics/{k}/over_time/{j}/metrics/flow_efficiency"), Unit::Share, &v.quarter)),
                    ))
                    .collect();
                Some(json!({"name": st.name,
                    "trend": charts::trend(&over, &format!("{}: flow efficiency", st.name), Scale::Linear),
                    "efficiency": efficiency(Some(quarter)),
                    "before": efficiency(i.checked_sub(1).map(|j| quarters[j].period.as_str())),
                    "lead": j.map(|j| self.bind.num(format!("/stream_metrics/{k}/over_time/{j}/metrics/lead_time_seconds"), Unit::Duration, quarter)),
                    "bottleneck": j.and_then(|j| m.over_time[j].metrics.bottleneck.clone())}))
            })
            .collect();
        streams
    }

    /// Each goal with its progress and its initiatives as of the quarter's end.
    fn pack_goals(&self, i: usize) -> Vec<Value> {
        let data = self.data;
        let quarters = self.quarters();
        let q = &quarters[i];
        let goals: Vec<Value> = data
            .goals
            .iter()
            .map(|g| json!({"title": g.title, "progress": self.goal_progress_at(&g.id.value, Some(i)),
                "value": self.goal_value(&g.id.value),
                "initiatives": data.initiatives.iter().filter(|x| x.goal.value == g.id.value).map(|x| {
                    let m = data.initiative_metrics.iter().position(|m| m.id == x.id);
                    // As of the quarter's end, like everything in the pack.
                    let on = data.cost.quarters.get(i).map_or_else(|| self.as_of_period(), |d| format!("asof:{}", d.as_of));
                    let at = |m: usize, f: &str| self.bind.num(format!("/initiative_metrics/{m}/quarters/{i}/{f}"), Unit::Number, &on).html;
                    json!({"title": x.title, "status": status_at(x, q.span.1),
                        "progress": m.filter(|&m| data.initiative_metrics[m].quarters.get(i).is_some_and(|a| a.commits > 0))
                            .map(|m| format!("{} of {} linked commits shipped by {}", at(m, "shipped_commits"), at(m, "commits"),
                                super::day_html(on.trim_start_matches("asof:")))),
                        "latest_outcome": x.outcomes.iter().rfind(|o| o.date.start_seconds() < q.span.1)
                            .map(|o| format!("{} {} on {}", o.metric.replace('_', " "), o.value, o.date))})
                }).collect::<Vec<_>>()}))
            .collect();
        goals
    }

    /// The summary table: each key a year ago, the quarter before and now.
    fn pack_table(&self, i: usize) -> Vec<Value> {
        let quarters = self.quarters();
        let q = &quarters[i];
        let quarter = q.period.as_str();
        // The summary table: each key a year ago, the quarter before and now.
        let year_before = crate::story::year_before(quarter)
            .and_then(|label| quarters.iter().position(|p| p.period == label));
        let cell = |j: Option<usize>, field: &str, unit: Unit| {
            j.map(|j| {
                self.bind
                    .num(
                        format!("/periods/quarter/{j}/{field}"),
                        unit,
                        &quarters[j].period,
                    )
                    .html
            })
        };
        let table: Vec<Value> = PACK_KEYS
            .iter()
            .map(|&(name, key)| {
                let (field, unit) = (key.field(), key.unit());
                json!({"name": name, "year_before": cell(year_before, field, unit),
                    "previous": cell(i.checked_sub(1), field, unit), "now": cell(Some(i), field, unit),
                    "change": self.key_change(i, field, unit)})
            })
            .collect();
        table
    }

    /// One slide per key: the story's sentence about it as the title, its line.
    fn pack_key_slides(&self, i: usize) -> Vec<Value> {
        let quarters = self.quarters();
        let q = &quarters[i];
        let quarter = q.period.as_str();
        // One slide per key: the story's sentence about it as the title, its line.
        let trends = self.trends_until(i);
        let tiles = self.keys(i, None);
        let key_slides: Vec<Value> = PACK_KEYS
            .iter()
            .zip(trends)
            .enumerate()
            .map(|(k, (&(name, key), t))| {
                let (field, unit) = (key.field(), key.unit());
                use crate::story::Tone;
                let at = format!("/periods/quarter/{i}/{field}");
                // A change worth telling is the slide's title; else the value is,
                // and what the story says about it stands under the chart.
                let (title, note) = match self.sentence_about(quarter, &at) {
                    Some((said, Tone::Better | Tone::Worse | Tone::Steady)) => (said, None),
                    said => (
                        format!("{name}: {} in {}", self.bind.num(at.as_str(), unit, quarter).html, escape(quarter)),
                        said.map(|s| s.0),
                    ),
                };
                json!({"name": name, "title": title, "note": note, "svg": t["svg"], "tile": [tiles[k]]})
            })
            .collect();
        key_slides
    }

    /// Where the work went over the last four quarters, as a table and a chart.
    fn pack_flow(&self, i: usize) -> (Vec<Value>, String) {
        let quarters = self.quarters();
        // Where the work went over the last four quarters.
        let flow: Vec<Value> = (i.saturating_sub(3)..=i)
            .map(|j| {
                let p = &quarters[j].period;
                let kinds: Vec<String> = ["feature", "defect", "debt", "risk", "other"]
                    .iter()
                    .map(|k| {
                        self.bind
                            .num(
                                format!("/periods/quarter/{j}/flow_distribution/{k}"),
                                Unit::Number,
                                p,
                            )
                            .html
                    })
                    .collect();
                json!({"period": p, "kinds": kinds})
            })
            .collect();
        // The same as a chart: each quarter's shipped commits split by kind.
        let kinds = [
            ("feature", crate::metrics::flow::FlowKind::Feature),
            ("defect", crate::metrics::flow::FlowKind::Defect),
            ("debt", crate::metrics::flow::FlowKind::Debt),
            ("risk", crate::metrics::flow::FlowKind::Risk),
            ("other", crate::metrics::flow::FlowKind::Other),
        ];
        let rows: Vec<(String, Vec<(f64, Fig)>)> = (i.saturating_sub(3)..=i)
            .map(|j| {
                let q = &quarters[j];
                let parts = kinds
                    .iter()
                    .map(|(k, kind)| {
                        let f = self.bind.num(
                            format!("/periods/quarter/{j}/flow_distribution/{k}"),
                            Unit::Number,
                            &q.period,
                        );
                        (q.flow_distribution.get(*kind) as f64, f)
                    })
                    .collect();
                (q.period.clone(), parts)
            })
            .collect();
        let flow_chart = charts::stacked(
            &rows,
            &["features", "defects", "debt", "risk", "other"],
            "Shipped commits by kind",
        );
        (flow, flow_chart)
    }

    /// The cost of failure quarter by quarter, up to this one.
    fn pack_cost_trend(&self, i: usize) -> String {
        let quarters = self.quarters();
        // The cost of failure quarter by quarter, up to this one.
        let cost_points: Vec<Point> = quarters[..=i]
            .iter()
            .enumerate()
            .map(|(j, q)| {
                Point::new(
                    q.period.clone(),
                    Some(q.incident_cost),
                    Some(self.money(format!("/periods/quarter/{j}/incident_cost"), &q.period)),
                )
            })
            .collect();
        charts::trend(&cost_points, "Cost of failure", Scale::Linear)
    }
}

/// The four keys as the pack's summary table names them.
const PACK_KEYS: [(&str, Key); 4] = [
    ("Releases", Key::Deployments),
    ("Median lead time", Key::LeadTime),
    ("Change failure rate", Key::ChangeFailureRate),
    ("Median recovery time", Key::RecoveryTime),
];

/// A chart's table fallback: each point's label and its bound value.
fn rows(points: &[Point]) -> Vec<Value> {
    points
        .iter()
        .map(|p| {
            json!({
                "label": if p.so_far { format!("{} (so far)", p.label) } else { p.label.clone() },
                "value": p.fig.as_ref().map_or("–".to_string(), |f| f.html.clone()),
            })
        })
        .collect()
}

/// Words as a sentence or a label starts: their first letter a capital.
/// What a link to a page of this kind says.
fn link_words(href: &str) -> &'static str {
    match href.split('/').next().unwrap_or_default() {
        "initiatives" => "The initiative",
        "streams" => "The value stream",
        "case-studies" => "Read it",
        h if h.starts_with("goals.html") => "The goal",
        h if h.starts_with("incidents.html") => "The incident",
        _ => "Details",
    }
}

fn sentence_case(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Durations are drawn on a log scale, everything else from zero.
fn scale(unit: Unit) -> Scale {
    match unit {
        Unit::Duration => Scale::Duration,
        _ => Scale::Linear,
    }
}

/// Why a release counts as a hotfix or a failure, as markup. What is read from the
/// history alone says so: inferred, not recorded by anyone.
fn evidence_html(e: &crate::releases::Evidence, bind: &Bind, at: &str, period: &str) -> String {
    use crate::releases::{Evidence, Source};
    let inferred = if e.source() == Source::Inferred {
        "inferred: "
    } else {
        ""
    };
    let what = match e {
        Evidence::HotfixTagPattern => "its tag matches the hotfix tag pattern".to_string(),
        Evidence::PatchOfFixes => "a patch release of fixes only".to_string(),
        Evidence::PatchTiming { release, .. } => format!(
            "a patch release {} after {}",
            bind.num(format!("{at}/seconds"), Unit::Duration, period)
                .html,
            kind_span("tag", release)
        ),
        Evidence::FixedByHotfix {
            release, episode, ..
        } => format!(
            "hotfix {} builds on it{}",
            kind_span("tag", release),
            if *episode {
                " (one of the patch releases that together fixed it)"
            } else {
                ""
            }
        ),
        Evidence::RevertedLater {
            release,
            revert,
            reverted,
        } => format!(
            "its commit <code>{}</code> was reverted in {} by <code>{}</code>",
            &reverted.to_hex()[..10],
            kind_span("tag", release),
            &revert.to_hex()[..10]
        ),
        Evidence::Incident { incident } => {
            format!("incident {} names it", kind_span("id", incident))
        }
        Evidence::FixesIncident { incident } => {
            format!("it fixes incident {}", kind_span("id", incident))
        }
        Evidence::Override { note } => format!(
            "set in <code>value/overrides.yaml</code>: {}",
            kind_span("quote", note.trim_end_matches('.'))
        ),
    };
    format!("{inferred}{what}")
}
