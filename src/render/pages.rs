//! Every page of the site: which template renders it and the view it gets. Views are
//! plain JSON values built from `data.json`'s structs and the history, with numbers
//! already formatted, links already relative, and charts already drawn.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde_json::{Value, json};

use super::charts::{self, Point};
use super::{bounds, escape, human_duration, markdown, policy};
use crate::history::History;
use crate::metrics::PeriodMetrics;
use crate::releases::Correlation;
use crate::report::Data;

use crate::embedded;

/// A template that failed, named and located.
#[derive(Debug, thiserror::Error)]
#[error("template {template}: {message}")]
pub struct RenderError {
    pub template: String,
    pub message: String,
}

/// The built-in templates of a theme: the shared ones with the theme's overrides.
fn builtin(theme: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (path, bytes) in embedded::SITE_TEMPLATES {
        out.insert(
            path.to_string(),
            String::from_utf8_lossy(bytes).into_owned(),
        );
    }
    let prefix = format!("{theme}/");
    for (path, bytes) in embedded::SITE_THEMES {
        if let Some(rest) = path.strip_prefix(prefix.as_str())
            && rest.ends_with(".html")
        {
            out.insert(
                rest.to_string(),
                String::from_utf8_lossy(bytes).into_owned(),
            );
        }
    }
    out
}

/// The built-in theme names.
pub fn themes() -> Vec<String> {
    let mut names: Vec<String> = embedded::SITE_THEMES
        .iter()
        .filter_map(|(p, _)| p.split('/').next().map(str::to_string))
        .collect();
    names.dedup();
    names
}

fn theme_file(theme: &str, name: &str) -> Option<&'static [u8]> {
    let path = format!("{theme}/{name}");
    embedded::SITE_THEMES
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, b)| *b)
}

fn engine(theme: &str, overrides: &[(String, String)]) -> Result<tera::Tera, RenderError> {
    let mut templates = builtin(theme);
    for (name, text) in overrides {
        templates.insert(name.clone(), text.clone());
    }
    let mut tera = tera::Tera::default();
    tera.add_raw_templates(templates.iter().map(|(n, t)| (n.as_str(), t.as_str())))
        .map_err(|e| RenderError {
            template: "(loading)".into(),
            message: error_chain(&e),
        })?;
    Ok(tera)
}

pub(super) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    message
}

fn pct(v: Option<f64>) -> String {
    v.map_or("–".into(), |v| format!("{:.1}%", v * 100.0))
}

fn dur(v: Option<i64>) -> String {
    v.map_or("–".into(), human_duration)
}

fn level(b: Option<&crate::metrics::bands::Band>) -> Value {
    match b {
        Some(b) => json!({
            "level": b.level.map(|l| format!("{l:?}").to_ascii_lowercase()),
            "note": b.note,
            "basis": b.basis,
        }),
        None => Value::Null,
    }
}

fn quarter_slug(label: &str) -> String {
    label.to_ascii_lowercase()
}

/// The four keys of one period, formatted, with their bands.
fn keys(p: &PeriodMetrics) -> Value {
    let weeks = p.weeks();
    let b = p.bands.as_ref();
    json!([
        {"name": "Deployment frequency", "value": format!("{:.1} / week", p.deployments as f64 / weeks),
         "detail": format!("{} on {} day{}", crate::story::metric::DEPLOYMENTS.unit.format(p.deployments as f64), p.deploy_days, if p.deploy_days == 1 { "" } else { "s" }),
         "band": level(b.and_then(|b| b.deployment_frequency.as_ref()))},
        {"name": "Lead time for changes", "value": dur(p.lead_time.map(|l| l.median_seconds)),
         "detail": p.lead_time.map_or("no commits shipped".to_string(), |l| format!("median of {}; p90 {}", crate::story::metric::LEAD_TIME.points.format(l.count as f64), human_duration(l.p90_seconds))),
         "band": level(b.map(|b| &b.lead_time))},
        {"name": "Change failure rate", "value": pct(p.change_failure_rate),
         "detail": format!("{} of {} releases failed", p.failed_deployments, p.deployments),
         "band": level(b.map(|b| &b.change_failure_rate))},
        {"name": "Recovery time", "value": dur(p.recovery_time.map(|r| r.median_seconds)),
         "detail": p.recovery_time.map_or("no recovered failures".to_string(), |r| format!("median of {}", crate::story::metric::RECOVERY_TIME.points.format(r.count as f64))),
         "band": level(b.map(|b| &b.recovery_time))},
    ])
}

/// The four keys with each tile leading to the list behind it: the quarter's
/// releases (failed ones marked), its lead-time distribution, the incidents.
/// `root` is the way from the page to the site's root.
fn linked_keys(p: &PeriodMetrics, root: &str, inferred: bool) -> Value {
    let mut keys = keys(p);
    // Without recorded incidents, failures are read from reverts and hotfixes.
    if inferred && let Some(detail) = keys[2]["detail"].as_str() {
        keys[2]["detail"] = json!(format!("{detail} (inferred from reverts and hotfixes)"));
    }
    let quarter = format!("{root}quarters/{}.html", quarter_slug(&p.period));
    let targets = [
        format!("{quarter}#releases"),
        format!("{quarter}#lead-time"),
        format!("{quarter}#releases"),
        format!("{root}incidents.html"),
    ];
    if let Some(list) = keys.as_array_mut() {
        for (k, href) in list.iter_mut().zip(targets) {
            k["href"] = json!(href);
        }
    }
    keys
}

/// A team's (or stream's, or initiative's) keys quarter by quarter, the running
/// quarter marked "so far", with a sparkline per key.
fn team_keys(data: &Data, scope: &str) -> Value {
    let Some(part) = data.scopes.iter().find(|s| s.scope == scope) else {
        return json!({"rows": [], "trends": []});
    };
    let so_far = |period: &str| {
        data.story
            .quarters
            .iter()
            .any(|q| q.period == period && q.state == crate::story::State::SoFar)
    };
    let rows: Vec<Value> = part
        .quarters
        .iter()
        .map(|k| {
            json!({
                "period": if so_far(&k.period) { format!("{} (so far)", k.period) } else { k.period.clone() },
                "deployments": k.deployments,
                "lead_time": dur(k.lead_time.map(|l| l.median_seconds)),
                "change_failure_rate": pct(k.change_failure_rate),
                "failed": k.failed_deployments,
                "commits": k.commits,
            })
        })
        .collect();
    let line = |name: &str, value: &dyn Fn(&crate::metrics::scopes::ScopedKeys) -> Option<f64>| {
        let points: Vec<Point> = part
            .quarters
            .iter()
            .map(|k| Point {
                label: k.period.clone(),
                value: value(k),
                title: k.period.clone(),
            })
            .collect();
        json!({"name": name, "svg": charts::sparkline(&points, name)})
    };
    json!({
        "rows": rows,
        "trends": [
            line("Releases", &|k| Some(k.deployments as f64)),
            line("Median lead time", &|k| k.lead_time.map(|l| l.median_seconds as f64)),
            line("Change failure rate", &|k| k.change_failure_rate),
        ],
    })
}

/// A case study's body with its computed figures, each bound to data.json by
/// `data-ref` and `data-period`, and linked to its quarter when `root` is given.
fn figures_html(data: &Data, body: &str, root: Option<&str>) -> String {
    let quarters = data
        .periods
        .get("quarter")
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    markdown::with_figures(body, |f| {
        let period = f.period.to_string();
        let Some((i, q)) = quarters
            .iter()
            .enumerate()
            .find(|(_, q)| q.period == period)
        else {
            return format!(
                "<span class=\"figure\">no data for {}</span>",
                escape(&period)
            );
        };
        use crate::story::metric;
        let (field, text) = match f.metric {
            "deployments" => (
                "deployments",
                Some(metric::DEPLOYMENTS.unit.format(q.deployments as f64)),
            ),
            "failed_deployments" => ("failed_deployments", Some(q.failed_deployments.to_string())),
            "lead_time" => (
                "lead_time/median_seconds",
                q.lead_time.map(|l| metric::duration(l.median_seconds)),
            ),
            "change_failure_rate" => (
                "change_failure_rate",
                q.change_failure_rate.map(|r| metric::Unit::Share.format(r)),
            ),
            _ => (
                "recovery_time/median_seconds",
                q.recovery_time.map(|r| metric::duration(r.median_seconds)),
            ),
        };
        let Some(text) = text else {
            return format!(
                "<span class=\"figure\">no data for {}</span>",
                escape(&period)
            );
        };
        let span = format!(
            "<span class=\"figure\" data-ref=\"/periods/quarter/{i}/{field}\" data-period=\"{period}\">{}</span>",
            escape(&text)
        );
        match root {
            Some(r) => format!(
                "<a href=\"{r}quarters/{}.html\">{span}</a>",
                quarter_slug(&period)
            ),
            None => span,
        }
    })
}

/// A goal's targets with their measured status, as the story worded them.
fn goal_progress(data: &Data, goal: &str) -> Value {
    data.story
        .goals
        .iter()
        .filter(|p| p.goal == goal)
        .map(|p| json!({"text": p.text, "status": p.status, "status_words": p.status.words(), "refs": p.refs}))
        .collect()
}

/// Commits by lead time, in buckets, for a bar chart and its table.
fn lead_time_buckets(lead_times: impl Iterator<Item = i64>) -> Vec<Point> {
    let edges = [
        (3_600, "< 1 hour"),
        (86_400, "< 1 day"),
        (604_800, "< 1 week"),
        (2_592_000, "< 30 days"),
        (i64::MAX, "30 days +"),
    ];
    let mut counts = [0usize; 5];
    for l in lead_times {
        let i = edges.iter().position(|(e, _)| l < *e).unwrap_or(4);
        counts[i] += 1;
    }
    edges
        .iter()
        .zip(counts)
        .map(|((_, name), n)| Point {
            label: name.to_string(),
            value: Some(n as f64),
            title: format!("{name}: {n} commit{}", if n == 1 { "" } else { "s" }),
        })
        .collect()
}

/// Quarter-by-quarter sparkline of one key, with its table fallback rows.
fn trend(
    quarters: &[PeriodMetrics],
    name: &str,
    value: impl Fn(&PeriodMetrics) -> Option<f64>,
    show: impl Fn(f64) -> String,
) -> Value {
    let points: Vec<Point> = quarters
        .iter()
        .map(|q| {
            let v = value(q);
            Point {
                label: q.period.clone(),
                value: v,
                title: format!("{}: {}", q.period, v.map_or("–".to_string(), &show)),
            }
        })
        .collect();
    json!({
        "name": name,
        "svg": charts::sparkline(&points, name),
        "rows": points.iter().map(|p| json!({"label": p.label, "value": p.value.map_or("–".to_string(), &show)})).collect::<Vec<_>>(),
    })
}

struct Site<'a> {
    data: &'a Data,
    history: &'a History,
    correlation: &'a Correlation,
    money: &'a dyn Fn(f64) -> String,
}

impl Site<'_> {
    fn quarters(&self) -> &[PeriodMetrics] {
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
        self.data
            .story
            .as_of
            .get(..10)
            .unwrap_or_default()
            .to_string()
    }

    /// The quarter the executive page and the pack tell, as the story chose it.
    fn latest(&self) -> Option<&PeriodMetrics> {
        let told = self.data.story.told.as_ref()?;
        self.quarters().iter().find(|q| &q.period == told)
    }

    /// A quarter's sentences (the story's headline for the quarter it tells, else
    /// the quarter's summary) with its changes, and its incidents.
    /// `root` leads from the page to the site's root; `None` (the pack) links nothing.
    fn story(&self, period: &str, root: Option<&str>) -> Value {
        let story = &self.data.story;
        let Some(quarter) = story.quarters.iter().find(|q| q.period == period) else {
            return json!({"sentences": [], "incidents": []});
        };
        let opening = if story.told.as_deref() == Some(period) {
            &story.headline
        } else {
            &quarter.summary
        };
        let view = |s: &crate::story::Sentence| json!({"text": s.text, "direction": s.tone, "refs": s.refs});
        let lead: Vec<Value> = opening.iter().map(view).collect();
        let changes: Vec<Value> = quarter.changes.iter().map(view).collect();
        let sentences: Vec<Value> = lead.iter().chain(&changes).cloned().collect();
        let previous = story
            .quarters
            .iter()
            .position(|q| q.period == period)
            .and_then(|i| i.checked_sub(1))
            .map(|i| story.quarters[i].period.clone());
        let incidents = self
            .data
            .narrative
            .quarters
            .iter()
            .find(|q| q.period == period);
        json!({
            "sentences": sentences, "lead": lead, "changes": changes, "previous": previous,
            "incidents": incidents.map_or(Vec::new(), |story| story.incidents.iter().map(|i| json!({
                "id": i.id, "title": i.title, "severity": i.severity,
                "href": root.map(|r| format!("{r}incidents.html#{}", i.id)),
                "cost": i.cost.map(|c| (self.money)(c)), "lessons": i.lessons,
                "duration": i.duration_seconds.map(human_duration),
            })).collect::<Vec<_>>()),
            "cost": (self.money)(incidents.map_or(0.0, |q| q.incident_cost)),
        })
    }

    fn trends(&self) -> Value {
        let q = self.quarters();
        json!([
            trend(
                q,
                "Deployments",
                |p| Some(p.deployments as f64),
                |v| format!("{v:.0}")
            ),
            trend(
                q,
                "Median lead time",
                |p| p.lead_time.map(|l| l.median_seconds as f64),
                |v| human_duration(v as i64)
            ),
            trend(
                q,
                "Change failure rate",
                |p| p.change_failure_rate,
                |v| format!("{:.1}%", v * 100.0)
            ),
            trend(
                q,
                "Median recovery time",
                |p| p.recovery_time.map(|r| r.median_seconds as f64),
                |v| human_duration(v as i64)
            ),
        ])
    }

    fn release_rows(&self) -> Vec<Value> {
        self.data
            .releases
            .iter()
            .rev()
            .map(|r| {
                json!({
                    "tag": r.tag, "slug": r.slug, "date": &r.time[..10], "commits": r.commit_count,
                    "lead": dur(r.lead_time.map(|l| l.median_seconds)),
                    "kind": format!("{:?}", r.kind).to_ascii_lowercase(), "failed": r.failed,
                })
            })
            .collect()
    }

    fn release_page(&self, index: usize) -> Value {
        let r = &self.data.releases[index];
        let rel = &self.correlation.releases[index];
        let mut groups: BTreeMap<&'static str, Vec<Value>> = BTreeMap::new();
        for &c in &rel.commits {
            let commit = &self.history.commits[c as usize];
            if commit.is_merge() && commit.pull_request.is_some() {
                continue;
            }
            let kind = crate::metrics::flow::kind_of(commit).name();
            groups.entry(kind).or_default().push(json!({
                "subject": commit.subject,
                "id": commit.id.to_hex()[..10].to_string(),
                "url": self.data.repository.forge.as_ref().map(|f| f.commit_url(&commit.id.to_hex())),
                "author": self.history.person(commit.author).name,
            }));
        }
        let order = ["feature", "defect", "risk", "debt", "other"];
        let notes: Vec<Value> = order
            .iter()
            .filter_map(|k| {
                groups
                    .get(k)
                    .map(|list| json!({"kind": k, "commits": list}))
            })
            .collect();
        let points = lead_time_buckets(rel.lead_times.iter().copied());
        let evidence = |list: &[crate::releases::Evidence]| -> Vec<String> {
            list.iter()
                .map(|e| match e {
                    // What is read from the history alone says so: inferred, not
                    // recorded by anyone.
                    crate::releases::Evidence::HotfixTagPattern => {
                        "its tag matches the hotfix tag pattern".to_string()
                    }
                    crate::releases::Evidence::PatchOfFixes => {
                        "inferred: a patch release of fixes only".to_string()
                    }
                    crate::releases::Evidence::FixedByHotfix { release } => {
                        format!("inferred: hotfix {release} builds on it")
                    }
                    crate::releases::Evidence::RevertedLater {
                        release, reverted, ..
                    } => {
                        format!(
                            "inferred: {release} reverts its commit {}",
                            &reverted.to_hex()[..10]
                        )
                    }
                    crate::releases::Evidence::Incident { incident } => {
                        format!("incident {incident} names it")
                    }
                    crate::releases::Evidence::FixesIncident { incident } => {
                        format!("it fixes incident {incident}")
                    }
                })
                .collect()
        };
        let incidents: Vec<Value> = self
            .data
            .incidents
            .iter()
            .filter(|i| {
                i.caused_by.as_ref().is_some_and(|c| c.value == r.tag)
                    || i.fixed_by.as_ref().is_some_and(|c| c.value == r.tag)
            })
            .map(|i| json!({"id": i.id.value, "title": i.title}))
            .collect();
        json!({
            "tag": r.tag, "date": r.time, "commit": r.commit.to_hex(), "previous": r.previous,
            "commit_url": self.data.repository.forge.as_ref().map(|f| f.commit_url(&r.commit.to_hex())),
            "previous_slug": r.previous.as_ref().and_then(|p| self.data.releases.iter().find(|x| &x.tag == p)).map(|x| x.slug.clone()),
            "commits": r.commit_count, "kind": format!("{:?}", r.kind).to_ascii_lowercase(), "failed": r.failed,
            "lead": dur(r.lead_time.map(|l| l.median_seconds)), "p90": dur(r.lead_time.map(|l| l.p90_seconds)),
            "clamped": r.lead_time.map_or(0, |l| l.clamped),
            "distribution": charts::bars(&points, "Lead time distribution"),
            "distribution_rows": points.iter().map(|p| json!({"label": p.label, "value": p.value})).collect::<Vec<_>>(),
            "notes": notes, "hotfix_evidence": evidence(&r.hotfix_evidence), "failure_evidence": evidence(&r.failure_evidence),
            "incidents": incidents,
        })
    }
}

/// Every file of the site but `data.json`: pages, styles, sitemap, 404.
/// How to render a site: the theme, the repository's own templates, and whether
/// they come from someone untrusted.
pub struct Options<'a> {
    pub theme: &'a str,
    /// `value/templates/*.html`, by name.
    pub overrides: &'a [(String, String)],
    pub cname: Option<&'a str>,
    /// The repository may be a stranger's pull request: its templates may not bring
    /// in script, handlers, frames, plugins or a `<base>`.
    pub untrusted: bool,
}

pub fn site(
    data: &Data,
    history: &History,
    correlation: &Correlation,
    options: &Options<'_>,
) -> Result<BTreeMap<String, Vec<u8>>, RenderError> {
    let Options {
        theme,
        overrides,
        cname,
        untrusted,
    } = *options;
    let tera = engine(theme, overrides)?;
    let currency = data.cost.currency.clone();
    let money = move |v: f64| match &currency {
        Some(c) => format!("{c} {}", group(v)),
        None => group(v),
    };
    let s = Site {
        data,
        history,
        correlation,
        money: &money,
    };
    let mut pages: Vec<(String, &str, Value)> = Vec::new();
    let quarters = s.quarters();
    let latest = s.latest();

    let goals: Vec<Value> = data
        .goals
        .iter()
        .map(|g| {
            let value = data.goal_values.iter().find(|v| v.goal == g.id.value).map_or(0.0, |v| v.annual_value);
            json!({
                "id": g.id.value, "title": g.title, "description": g.description, "owner": g.owner,
                "value": money(value),
                "targets": g.targets.iter().map(|t| json!({"metric": t.metric.replace('_', " "), "baseline": t.baseline, "target": t.target, "by": t.by.map(|d| d.to_string())})).collect::<Vec<_>>(),
                "progress": goal_progress(data, &g.id.value),
                "initiatives": data.initiatives.iter().filter(|i| i.goal.value == g.id.value).map(|i| json!({"id": i.id, "title": i.title, "status": status(i.status)})).collect::<Vec<_>>(),
            })
        })
        .collect();
    let case_list: Vec<Value> = data
        .case_studies
        .iter()
        .map(|c| json!({"slug": c.slug, "title": c.title, "date": c.date.to_string(), "summary": c.summary, "featured": c.featured}))
        .collect();
    pages.push((
        "index.html".into(),
        "index.html",
        json!({
            "latest": latest.map(|q| q.period.clone()),
            "latest_label": latest.map(|q| {
                let running = data.story.quarters.iter().any(|s| {
                    s.period == q.period && s.state == crate::story::State::SoFar
                });
                if running { format!("{} (so far)", q.period) } else { q.period.clone() }
            }),
            "latest_slug": latest.map(|q| quarter_slug(&q.period)),
            "keys": latest.map(|q| linked_keys(q, "", data.incidents.is_empty())),
            "story": latest.map(|q| s.story(&q.period, Some(""))),
            "trends": s.trends(),
            "goals": goals,
            // Every figure names its period: the quarter told, "since" the history's
            // start for all-time figures, "as of" the built revision for today's.
            "cost": {
                "failure": latest.map(|q| money(q.incident_cost)),
                "failure_since": money(data.cost.incident_cost),
                "delay": money(data.cost.cost_of_delay),
                "defect_share": pct(data.cost.defect_share),
                "debt_share": pct(data.cost.debt_share),
            },
            "since": s.since(),
            "as_of": s.as_of(),
            "next": data.story.next,
            "case_studies": case_list.iter().filter(|c| c["featured"] == true).cloned().collect::<Vec<_>>(),
            "releases": data.releases.len(),
            "unreleased": data.unreleased.commit_count,
        }),
    ));
    for (i, q) in quarters.iter().enumerate() {
        let prev = i.checked_sub(1).map(|j| &quarters[j]);
        let weeks: Vec<Point> = data
            .periods
            .get("week")
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .filter(|w| w.span.0 >= q.span.0 && w.span.0 < q.span.1)
            .map(|w| Point {
                label: w.period[5..].to_string(),
                value: Some(w.deployments as f64),
                title: format!("{}: {} releases", w.period, w.deployments),
            })
            .collect();
        // The releases the quarter's numbers count, and their commits' lead times.
        let released: Vec<usize> = correlation
            .releases
            .iter()
            .enumerate()
            .filter(|(_, r)| r.time >= q.span.0 && r.time < q.span.1)
            .map(|(i, _)| i)
            .collect();
        let distribution = lead_time_buckets(
            released
                .iter()
                .flat_map(|&r| correlation.releases[r].lead_times.iter().copied()),
        );
        pages.push((
            format!("quarters/{}.html", quarter_slug(&q.period)),
            "quarter.html",
            json!({
                "period": q.period, "keys": linked_keys(q, "../", data.incidents.is_empty()), "previous": prev.map(|p| json!({"period": p.period, "slug": quarter_slug(&p.period), "keys": linked_keys(p, "../", data.incidents.is_empty())})),
                "releases": released.iter().map(|&r| {
                    let v = &data.releases[r];
                    json!({"tag": v.tag, "slug": v.slug, "date": v.time.get(..10).unwrap_or_default(),
                           "failed": v.failed, "hotfix": v.kind == crate::releases::ReleaseKind::Hotfix, "commits": v.commit_count})
                }).collect::<Vec<_>>(),
                "failed_releases": released.iter().filter(|&&r| data.releases[r].failed).map(|&r| json!({"tag": data.releases[r].tag, "slug": data.releases[r].slug})).collect::<Vec<_>>(),
                "incidents": data.incidents.iter().filter(|inc| inc.started.0 >= q.span.0 && inc.started.0 < q.span.1)
                    .map(|inc| json!({"id": inc.id.value, "title": inc.title, "severity": inc.severity})).collect::<Vec<_>>(),
                "distribution": charts::bars(&distribution, "Lead time distribution"),
                "distribution_rows": distribution.iter().map(|p| json!({"label": p.label, "value": p.value})).collect::<Vec<_>>(),
                "next": quarters.get(i + 1).map(|p| json!({"period": p.period, "slug": quarter_slug(&p.period)})),
                "story": s.story(&q.period, Some("../")),
                "weekly": charts::bars(&weeks, "Releases per week"),
                "weekly_rows": weeks.iter().map(|p| json!({"label": p.label, "value": p.value})).collect::<Vec<_>>(),
                "flow": [q.flow_velocity.feature, q.flow_velocity.defect, q.flow_velocity.debt, q.flow_velocity.risk, q.flow_velocity.other],
                "flow_time": dur(q.flow_time.map(|f| f.median_seconds)),
                "load": q.flow_load.commits,
                "rework": pct(q.rework_rate),
            }),
        ));
    }
    pages.push((
        "releases/index.html".into(),
        "releases.html",
        json!({"releases": s.release_rows(), "unreleased": data.unreleased.commit_count}),
    ));
    for (i, r) in data.releases.iter().enumerate() {
        pages.push((
            format!("releases/{}.html", r.slug),
            "release.html",
            s.release_page(i),
        ));
    }
    let streams: Vec<Value> = data
        .stream_metrics
        .iter()
        .filter_map(|m| {
            let st = data.streams.iter().find(|x| x.id == m.id)?;
            let map = |mm: &crate::metrics::streams::MapMetrics, label: &str| {
                let stages: Vec<(String, Option<i64>, Option<i64>)> =
                    mm.stages.iter().map(|x| (x.name.clone(), x.process_seconds, x.wait_seconds)).collect();
                json!({
                    "svg": charts::stream_map(&stages, label, human_duration),
                    "stages": mm.stages.iter().map(|x| json!({"name": x.name, "process": dur(x.process_seconds), "wait": dur(x.wait_seconds), "source": x.source, "ca": x.complete_accurate.map(|c| format!("{:.0}%", c * 100.0))})).collect::<Vec<_>>(),
                    "efficiency": pct(mm.flow_efficiency), "lead": human_duration(mm.lead_time_seconds),
                    "rolled": format!("{:.0}%", mm.rolled_complete_accurate * 100.0), "bottleneck": mm.bottleneck,
                })
            };
            let over: Vec<Point> = m
                .over_time
                .iter()
                .map(|v| Point { label: v.quarter.clone(), value: v.metrics.flow_efficiency.map(|e| e * 100.0), title: format!("{}: {}", v.quarter, pct(v.metrics.flow_efficiency)) })
                .collect();
            Some(json!({
                "id": m.id, "name": st.name, "customer": st.customer, "mode": format!("{:?}", st.mode).to_ascii_lowercase(),
                "window": m.window, "current": map(&m.current, "Current state"),
                "future": m.future.as_ref().map(|f| map(f, "Future state")),
                "over_time": charts::sparkline(&over, "Flow efficiency over time"),
                "over_rows": over.iter().map(|p| json!({"label": p.label, "value": p.title})).collect::<Vec<_>>(),
                "guardrails": m.guardrails.iter().map(|g| json!({"metric": g.metric.replace('_', " "), "within": g.within,
                    "limit": match g.metric { "change_failure_rate" => pct(Some(g.limit)), "deploys_per_week" => format!("{:.1}", g.limit), _ => human_duration(g.limit as i64) },
                    "actual": match g.metric { "change_failure_rate" => pct(g.actual), "deploys_per_week" => g.actual.map_or("–".into(), |a| format!("{a:.1}")), _ => dur(g.actual.map(|a| a as i64)) }})).collect::<Vec<_>>(),
            }))
        })
        .collect();
    collection(
        &mut pages,
        ("streams", "streams.html"),
        ("stream", "stream.html"),
        &streams,
    );
    let initiatives: Vec<Value> = data
        .initiatives
        .iter()
        .map(|i| {
            let m = data.initiative_metrics.iter().find(|m| m.id == i.id);
            json!({
                "id": i.id, "title": i.title, "goal": i.goal.value, "stream": i.stream.as_ref().map(|x| x.value.clone()),
                "status": status(i.status), "hypothesis": i.hypothesis,
                "started": i.started.map(|d| d.to_string()), "finished": i.finished.map(|d| d.to_string()),
                "value": i.value.as_ref().map(|v| format!("{} {} per {} ({} confidence, estimate)", v.kind, money(v.amount.units()), v.per, v.confidence)),
                "outcomes": i.outcomes.iter().map(|o| json!({"date": o.date.to_string(), "metric": o.metric.replace('_', " "), "value": o.value})).collect::<Vec<_>>(),
                "commits": m.map_or(0, |m| m.commits), "shipped": m.map_or(0, |m| m.shipped_commits),
                "releases": m.map_or(0, |m| m.releases.len()), "lead": dur(m.and_then(|m| m.lead_time.map(|l| l.median_seconds))),
                "unreleased": m.map_or(0, |m| m.unreleased_commits),
                "cost_of_delay": m.and_then(|m| m.cost_of_delay).map(&money),
            })
        })
        .collect();
    collection(
        &mut pages,
        ("initiatives", "initiatives.html"),
        ("initiative", "initiative.html"),
        &initiatives,
    );
    pages.push(("goals.html".into(), "goals.html", json!({"goals": goals})));
    let teams: Vec<Value> = data
        .teams
        .iter()
        .map(|t| {
            let m = data.team_metrics.iter().find(|m| m.id == t.id.value);
            json!({
                "id": t.id.value, "name": t.name, "members": t.members.len(), "paths": t.paths,
                "commits": m.map_or(0, |m| m.commits), "people": m.map_or(0, |m| m.people),
                "co_authored": pct(m.and_then(|m| m.co_authored_share)),
                "multi_author": pct(m.and_then(|m| m.multi_author_pull_requests)),
                "foreign": m.and_then(|m| m.commits_in_other_teams_paths),
                "knowledge": m.map(|m| m.knowledge.iter().map(|k| json!({"path": k.path, "changes": k.changes, "people": k.people, "p80": k.people_for_80_percent})).collect::<Vec<_>>()).unwrap_or_default(),
                "single": m.map(|m| m.single_person_paths.clone()).unwrap_or_default(),
                "keys": team_keys(data, &format!("team:{}", t.id.value)),
                "initiatives": data.initiatives.iter().filter(|i| i.owner.as_ref().is_some_and(|o| o.value == t.id.value))
                    .map(|i| json!({"id": i.id, "title": i.title, "status": status(i.status)})).collect::<Vec<_>>(),
            })
        })
        .collect();
    collection(
        &mut pages,
        ("teams", "teams.html"),
        ("team", "team.html"),
        &teams,
    );
    pages.push((
        "case-studies/index.html".into(),
        "case_studies.html",
        json!({"case_studies": case_list}),
    ));
    for c in &data.case_studies {
        // A row that cannot be computed is left out; `check` warns of it.
        let evidence: Vec<Value> = c
            .evidence
            .iter()
            .filter(|e| crate::content::evidence_computable(e))
            .map(|e| {
                let find = |q: &crate::content::units::Quarter| quarters.iter().find(|p| p.period == q.to_string());
                let value = |p: Option<&PeriodMetrics>| -> String {
                    let Some(p) = p else { return "no data".into() };
                    match e.metric {
                        "lead_time" => dur(p.lead_time.map(|l| l.median_seconds)),
                        "deployment_frequency" => format!("{} releases", p.deployments),
                        "change_failure_rate" => pct(p.change_failure_rate),
                        "recovery_time" => dur(p.recovery_time.map(|r| r.median_seconds)),
                        "rework_rate" => pct(p.rework_rate),
                        "flow_time" => dur(p.flow_time.map(|f| f.median_seconds)),
                        _ => "see the value stream".into(),
                    }
                };
                let scoped = e.scope.value == "repository";
                let part = data.scopes.iter().find(|s| s.scope == e.scope.value);
                let stream_efficiency = |q: &crate::content::units::Quarter| -> Option<String> {
                    let id = e.scope.value.strip_prefix("stream:")?;
                    let m = data.stream_metrics.iter().find(|m| m.id == id)?;
                    let at = m.over_time.iter().find(|v| v.quarter == q.to_string())?;
                    Some(pct(at.metrics.flow_efficiency))
                };
                let part_value = |q: &crate::content::units::Quarter| -> String {
                    if e.metric == "flow_efficiency" {
                        return stream_efficiency(q).unwrap_or_else(|| "no data".into());
                    }
                    let Some(k) = part.and_then(|s| s.quarters.iter().find(|k| k.period == q.to_string())) else {
                        return "no data".into();
                    };
                    match e.metric {
                        "lead_time" => dur(k.lead_time.map(|l| l.median_seconds)),
                        "deployment_frequency" => format!("{} releases", k.deployments),
                        "change_failure_rate" => pct(k.change_failure_rate),
                        _ => "no data".into(),
                    }
                };
                json!({
                    "label": e.label.clone().unwrap_or_else(|| e.metric.replace('_', " ")),
                    "scope": e.scope.value,
                    "before": e.before.to_string(), "after": e.after.to_string(),
                    "before_slug": quarter_slug(&e.before.to_string()), "after_slug": quarter_slug(&e.after.to_string()),
                    "before_value": if scoped { value(find(&e.before)) } else { part_value(&e.before) },
                    "after_value": if scoped { value(find(&e.after)) } else { part_value(&e.after) },
                })
            })
            .collect();
        pages.push((
            format!("case-studies/{}.html", c.slug),
            "case_study.html",
            json!({"title": c.title, "date": c.date.to_string(), "summary": c.summary, "body": figures_html(data, &c.body, Some("../")), "evidence": evidence,
                   "initiative": c.initiative.as_ref().map(|i| i.value.clone())}),
        ));
    }
    pages.push((
        "incidents.html".into(),
        "incidents.html",
        json!({"incidents": data.incidents.iter().rev().map(|i| json!({
            "id": i.id.value, "title": i.title, "severity": i.severity, "started": i.started.to_string(),
            "duration": i.resolved.map(|r| human_duration(r.0 - i.started.0)),
            "caused_by": i.caused_by.as_ref().map(|x| x.value.clone()),
            "caused_slug": i.caused_by.as_ref().and_then(|x| data.releases.iter().find(|r| r.tag == x.value)).map(|r| r.slug.clone()),
            "fixed_by": i.fixed_by.as_ref().map(|x| x.value.clone()),
            "fixed_slug": i.fixed_by.as_ref().and_then(|x| data.releases.iter().find(|r| r.tag == x.value)).map(|r| r.slug.clone()),
            "cost": i.cost.map(|c| money(c.units())), "lessons": i.lessons,
        })).collect::<Vec<_>>(), "total": money(data.cost.incident_cost)}),
    ));
    pages.push(("methodology.html".into(), "methodology.html", json!({})));
    pages.push(("value-folder.html".into(), "value_folder.html", json!({})));
    pages.push(("404.html".into(), "404.html", json!({})));

    let base = data.base_url.clone();
    // The navigation names only sections with something in them.
    let sections = json!({
        "streams": !data.streams.is_empty(), "goals": !data.goals.is_empty(),
        "initiatives": !data.initiatives.is_empty(), "teams": !data.teams.is_empty(),
        "case_studies": !data.case_studies.is_empty(), "incidents": !data.incidents.is_empty(),
    });
    let value_folder = sections
        .as_object()
        .is_some_and(|m| m.values().any(|v| v == true));
    let site_values = json!({"title": data.title, "generator": data.generator, "base_url": base,
        "sections": sections, "value_folder": value_folder});
    let rendered: Vec<Result<(String, Vec<u8>), RenderError>> = bounds::watched(|watch| {
        pages
            .par_iter()
            .map(|(path, template, view)| {
                let depth = path.matches('/').count();
                // Relative links work from a file, under any base URL; the 404 page is
                // served at any path, so its links start from the base URL.
                let root = if path == "404.html" {
                    base.clone()
                } else {
                    "../".repeat(depth)
                };
                let mut context = tera::Context::new();
                context.insert("site", &site_values);
                context.insert("root", &root);
                context.insert("page", view);
                context.insert("path", path);
                let html = watch.render(&tera, template, &context)?;
                if untrusted && !overrides.is_empty() {
                    refuse_untrusted(&html, template, overrides)?;
                }
                let html = policy::with_csp(&html, policy::SITE_CSP);
                // A repository's template decides how a page starts; the parser
                // must still find the policy first in its head.
                if !overrides.is_empty() && !policy::policy_leads_head(&html, policy::SITE_CSP) {
                    return Err(RenderError {
                        template: template.to_string(),
                        message: "the page starts so that the Content-Security-Policy cannot be the first element of its <head>; start it with `<!doctype html>`, `<html>` and `<head>`".into(),
                    });
                }
                Ok((path.clone(), html.into_bytes()))
            })
            .collect()
    });
    let mut files = BTreeMap::new();
    for r in rendered {
        let (path, bytes) = r?;
        files.insert(path, bytes);
    }
    let css = theme_file(theme, "style.css")
        .or_else(|| theme_file("default", "style.css"))
        .unwrap_or(b"");
    files.insert("assets/style.css".into(), css.to_vec());
    files.insert(".nojekyll".into(), Vec::new());
    if let Some(cname) = cname {
        files.insert("CNAME".into(), format!("{cname}\n").into_bytes());
    }
    let mut sitemap = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for path in files
        .keys()
        .filter(|p| p.ends_with(".html") && p.as_str() != "404.html")
    {
        sitemap.push_str(&format!(
            "  <url><loc>{}{}</loc></url>\n",
            escape(&base),
            escape(path)
        ));
    }
    sitemap.push_str("</urlset>\n");
    files.insert("sitemap.xml".into(), sitemap.into_bytes());
    Ok(files)
}

/// 120000 -> "120,000"; fractions keep two decimals: the one money formatter.
fn group(v: f64) -> String {
    crate::story::metric::money(v, None)
}

fn status(s: crate::content::Status) -> &'static str {
    match s {
        crate::content::Status::Proposed => "proposed",
        crate::content::Status::InProgress => "in progress",
        crate::content::Status::Paused => "paused",
        crate::content::Status::Done => "done",
        crate::content::Status::Dropped => "dropped",
    }
}

/// Every file a theme is made of (the shared templates, then the theme's own files
/// overriding them), for `valuestory theme export`.
pub fn theme_files(theme: &str) -> Option<BTreeMap<String, Vec<u8>>> {
    if !themes().iter().any(|t| t == theme) {
        return None;
    }
    let mut out: BTreeMap<String, Vec<u8>> = embedded::SITE_TEMPLATES
        .iter()
        .map(|(p, b)| (p.to_string(), b.to_vec()))
        .collect();
    let prefix = format!("{theme}/");
    for (p, b) in embedded::SITE_THEMES {
        if let Some(rest) = p.strip_prefix(prefix.as_str()) {
            out.insert(rest.to_string(), b.to_vec());
        }
    }
    Some(out)
}

/// The quarterly business-review pack: one HTML file with its styles inline and
/// charts as inline SVG, nothing fetched from anywhere.
pub fn pack(
    data: &Data,
    history: &History,
    correlation: &Correlation,
    quarter: &str,
) -> Result<String, RenderError> {
    let tera = engine("print", &[])?;
    let currency = data.cost.currency.clone();
    let money = move |v: f64| match &currency {
        Some(c) => format!("{c} {}", group(v)),
        None => group(v),
    };
    let s = Site {
        data,
        history,
        correlation,
        money: &money,
    };
    let quarters = s.quarters();
    let i = quarters
        .iter()
        .position(|q| q.period == quarter)
        .unwrap_or(0);
    let q = &quarters[i];
    let year_before = {
        let (y, n) = quarter.split_once("-Q").unwrap_or(("0", "1"));
        let label = format!("{}-Q{n}", y.parse::<i32>().unwrap_or(0) - 1);
        quarters.iter().find(|p| p.period == label)
    };
    let compare = |name: &str, other: Option<&PeriodMetrics>| {
        other.map(|o| json!({"label": format!("{name} ({})", o.period), "keys": keys(o)}))
    };
    let incidents: Vec<Value> = data
        .incidents
        .iter()
        .filter(|inc| inc.started.0 >= q.span.0 && inc.started.0 < q.span.1)
        .map(|inc| {
            json!({"id": inc.id.value, "title": inc.title, "severity": inc.severity,
            "duration": inc.resolved.map(|r| human_duration(r.0 - inc.started.0)),
            "cost": inc.cost.map(|c| money(c.units())), "lessons": inc.lessons})
        })
        .collect();
    let studies: Vec<Value> = data
        .case_studies
        .iter()
        .filter(|c| {
            let t = c.date.start_seconds();
            t >= q.span.0 && t < q.span.1
        })
        .map(
            |c| json!({"title": c.title, "summary": c.summary, "body": figures_html(data, &c.body, None)}),
        )
        .collect();
    let streams: Vec<Value> = data
        .stream_metrics
        .iter()
        .filter_map(|m| {
            let st = data.streams.iter().find(|x| x.id == m.id)?;
            let at = m.over_time.iter().find(|v| v.quarter == quarter);
            let before = m.over_time.iter().find(|v| {
                Some(v.quarter.as_str()) == i.checked_sub(1).map(|j| quarters[j].period.as_str())
            });
            Some(json!({"name": st.name,
                "efficiency": pct(at.and_then(|v| v.metrics.flow_efficiency)),
                "before": pct(before.and_then(|v| v.metrics.flow_efficiency)),
                "lead": at.map(|v| human_duration(v.metrics.lead_time_seconds)),
                "bottleneck": at.and_then(|v| v.metrics.bottleneck.clone())}))
        })
        .collect();
    let goals: Vec<Value> = data
        .goals
        .iter()
        .map(|g| json!({"title": g.title, "progress": goal_progress(data, &g.id.value),
            "value": money(data.goal_values.iter().find(|v| v.goal == g.id.value).map_or(0.0, |v| v.annual_value)),
            "initiatives": data.initiatives.iter().filter(|x| x.goal.value == g.id.value).map(|x| {
                let m = data.initiative_metrics.iter().find(|m| m.id == x.id);
                json!({"title": x.title, "status": status(x.status),
                    "progress": m.map(|m| format!("{} of {} linked commits shipped", m.shipped_commits, m.commits)),
                    "latest_outcome": x.outcomes.last().map(|o| format!("{} {} on {}", o.metric.replace('_', " "), o.value, o.date))})
            }).collect::<Vec<_>>()}))
        .collect();
    let css = theme_file("print", "style.css").unwrap_or(b"");
    let methodology = tera
        .render("methodology_body.html", &tera::Context::new())
        .map_err(|e| RenderError {
            template: "methodology_body.html".into(),
            message: error_chain(&e),
        })?;
    let mut context = tera::Context::new();
    context.insert(
        "site",
        &json!({"title": data.title, "generator": data.generator}),
    );
    context.insert("css", &String::from_utf8_lossy(css));
    context.insert(
        "page",
        &json!({
            "quarter": quarter, "keys": keys(q),
            "previous": compare("Previous quarter", i.checked_sub(1).map(|j| &quarters[j])),
            "year_before": compare("A year before", year_before),
            "story": s.story(quarter, None), "goals": goals, "streams": streams, "incidents": incidents,
            "case_studies": studies, "methodology": methodology,
            "cost": {"failure": money(q.incident_cost), "total_delay": money(data.cost.cost_of_delay)},
            "as_of": s.as_of(),
            // What's next belongs to the review of the quarter the story tells.
            "next": (data.story.told.as_deref() == Some(quarter)).then_some(&data.story.next),
        }),
    );
    let html = bounds::watched(|watch| watch.render(&tera, "pack.html", &context))?;
    Ok(policy::with_csp(&html, policy::PACK_CSP))
}

/// Fails on markup an untrusted repository may not add, naming the override it comes
/// from and its line when one holds it, or the page's template and the page's line.
fn refuse_untrusted(
    html: &str,
    template: &str,
    overrides: &[(String, String)],
) -> Result<(), RenderError> {
    let Some(found) = policy::forbidden(html) else {
        return Ok(());
    };
    for (name, text) in overrides {
        if let Some(inside) = policy::forbidden(text) {
            return Err(RenderError {
                template: format!("value/templates/{name}"),
                message: format!(
                    "line {}: {} is not allowed in a repository's templates with --untrusted",
                    inside.line, inside.what
                ),
            });
        }
    }
    Err(RenderError {
        template: template.to_string(),
        message: format!(
            "line {} of the rendered page: {} is not allowed in a repository's templates with --untrusted",
            found.line, found.what
        ),
    })
}

/// A list page (`<plural>/index.html`, its items under `page.<plural>`) and one
/// page per item (`<plural>/<id>.html`, the item under `page.<singular>`).
fn collection(
    pages: &mut Vec<(String, &'static str, Value)>,
    (plural, list_template): (&'static str, &'static str),
    (singular, item_template): (&'static str, &'static str),
    items: &[Value],
) {
    pages.push((
        format!("{plural}/index.html"),
        list_template,
        json!({ plural: items }),
    ));
    for item in items {
        let id = item["id"].as_str().unwrap_or(singular);
        pages.push((
            format!("{plural}/{id}.html"),
            item_template,
            json!({ singular: item }),
        ));
    }
}
