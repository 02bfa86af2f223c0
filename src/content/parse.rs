//! Pure parsers, one per kind of file in the value folder: text in, typed values and
//! every located problem out. Nothing here reads files or knows about git.

use super::model::*;
use super::units::{Date, DateTime, Duration, Money, Percent, Quarter};
use super::yaml::{self, At, Fields, Node, Problems, Value};
use crate::error::Located;

/// What a parser found: the values it could read and every problem.
pub struct Parsed<T> {
    pub items: Vec<T>,
    pub problems: Vec<Located>,
}

fn document(path: &str, text: &str) -> Result<Node, Vec<Located>> {
    yaml::parse(path, text).map_err(|e| vec![e])
}

/// The items of a file that holds a list (goals, teams, incidents).
fn list_items<'n>(node: &'n Node, what: &str, problems: &mut Problems<'_>) -> Vec<&'n Node> {
    match &node.value {
        Value::Seq(items) => items.iter().collect(),
        Value::Null => Vec::new(),
        other => {
            problems.add(
                node.at,
                format!("expected a list of {what}, found {}", other.kind()),
            );
            Vec::new()
        }
    }
}

/// The root of a file holding one item named by its file name (`id`), with the
/// problem of a bad name already recorded; or, when the YAML does not parse, that.
fn named_document<'p, T>(
    path: &'p str,
    id: &str,
    text: &str,
) -> Result<(Node, Problems<'p>), Parsed<T>> {
    let root = document(path, text).map_err(|problems| Parsed {
        items: Vec::new(),
        problems,
    })?;
    let mut problems = Problems::new(path);
    if let Err(message) = check_id(id) {
        problems.add(At { line: 1, column: 1 }, format!("file name: {message}"));
    }
    Ok((root, problems))
}

fn id_text(f: &mut Fields<'_>, problems: &mut Problems<'_>) -> Option<Spot<String>> {
    let node = f.require("id", problems)?;
    let id = yaml::text(node, problems)?;
    if let Err(message) = check_id(&id) {
        problems.add(node.at, message);
        return None;
    }
    Some(Spot {
        value: id,
        at: node.at,
    })
}

/// Ids become file names and URLs: lowercase ASCII letters, digits, `-` and `_`.
pub fn check_id(id: &str) -> Result<(), String> {
    let ok = !id.is_empty()
        && id.len() <= 80
        && id.bytes().all(|b| {
            b.is_ascii_lowercase()
                || b.is_ascii_digit()
                || b == b'-'
                || b == b'_'
                || b.is_ascii_uppercase()
        });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "invalid id `{id}`: use letters, digits, `-` and `_` only (it becomes part of URLs), at most 80 characters"
        ))
    }
}

fn reference(
    f: &mut Fields<'_>,
    name: &'static str,
    problems: &mut Problems<'_>,
) -> Option<Spot<String>> {
    let node = f.get(name)?;
    name_text(node, name, problems)
}

/// A name (a tag, an id) must be written as text: YAML reads `1.10` as the number
/// 1.1 and `0123456` as 123456, which would silently name something else.
fn name_text(node: &Node, name: &str, problems: &mut Problems<'_>) -> Option<Spot<String>> {
    match &node.value {
        Value::Int(_) | Value::Float(_) | Value::Bool(_) => {
            problems.add(
                node.at,
                format!(
                    "`{name}` is read as a number or a boolean; put it in quotes, such as '{}'",
                    node.as_text().unwrap_or_default()
                ),
            );
            None
        }
        _ => yaml::text(node, problems).map(|value| Spot { value, at: node.at }),
    }
}

fn required_reference(
    f: &mut Fields<'_>,
    name: &'static str,
    problems: &mut Problems<'_>,
) -> Option<Spot<String>> {
    let node = f.require(name, problems)?;
    name_text(node, name, problems)
}

/// A path prefix in the repository: relative, `/`-separated, never leaving it.
pub fn check_repo_path(path: &str) -> Result<(), String> {
    if path.is_empty() {
        return Err("an empty path: name a folder such as services/checkout/".into());
    }
    if path.starts_with('/') || path.contains('\\') || path.split('/').any(|p| p == "..") {
        return Err(format!(
            "path `{path}` must be relative to the repository root and stay inside it (no leading /, no ..)"
        ));
    }
    Ok(())
}

fn paths(f: &mut Fields<'_>, name: &'static str, problems: &mut Problems<'_>) -> Vec<String> {
    f.texts(name, problems)
        .into_iter()
        .filter_map(|(p, at)| match check_repo_path(&p) {
            Ok(()) => Some(p),
            Err(message) => {
                problems.add(at, message);
                None
            }
        })
        .collect()
}

pub fn goals(path: &str, text: &str) -> Parsed<Goal> {
    list_file(path, text, "goals", |node, problems| {
        goal(node, path, problems)
    })
}

fn goal(node: &Node, path: &str, problems: &mut Problems<'_>) -> Option<Goal> {
    let mut f = Fields::of(node, "a goal", problems)?;
    let id = id_text(&mut f, problems);
    let title = f.required_text("title", problems);
    let description = f.text("description", problems);
    let owner = f.text("owner", problems);
    let mut targets = Vec::new();
    for t in f.list("targets", problems) {
        let Some(mut tf) = Fields::of(t, "a target", problems) else {
            continue;
        };
        let metric_at = tf.get("metric").map_or(tf.at, |n| n.at);
        let target_at = tf.get("target").map_or(tf.at, |n| n.at);
        let metric = tf.required_text("metric", problems);
        let baseline = tf.text("baseline", problems);
        let baseline_date = tf.parsed("baseline_date", problems, Date::parse);
        let target = tf.required_text("target", problems);
        let by = tf.parsed("by", problems, Date::parse);
        tf.finish(problems);
        if let (Some(metric), Some(target)) = (metric, target) {
            targets.push(Target {
                metric,
                baseline,
                baseline_date,
                target,
                by,
                metric_at,
                target_at,
            });
        }
    }
    f.finish(problems);
    // An item whose id reads is kept even when other fields are wrong, so that
    // what refers to it does not fail too; its problems are already reported.
    if let Some(id) = id {
        let title = title.unwrap_or_else(|| id.value.clone());
        return Some(Goal {
            id,
            title,
            description,
            owner,
            targets,
            path: path.to_string(),
        });
    }
    None
}

pub fn teams(path: &str, text: &str) -> Parsed<Team> {
    list_file(path, text, "teams", |node, problems| {
        team(node, path, problems)
    })
}

fn team(node: &Node, path: &str, problems: &mut Problems<'_>) -> Option<Team> {
    let mut f = Fields::of(node, "a team", problems)?;
    let id = id_text(&mut f, problems);
    let name = f.required_text("name", problems);
    let members: Vec<Spot<String>> = f
        .texts("members", problems)
        .into_iter()
        .filter_map(|(email, at)| {
            let well_formed = email.contains('@')
                && !email.starts_with('@')
                && !email.ends_with('@')
                && !email
                    .chars()
                    .any(|c| c.is_whitespace() || c == '<' || c == '>');
            if well_formed {
                Some(Spot { value: email, at })
            } else {
                problems.add(
                    at,
                    format!(
                        "team member `{email}` is not an email address such as ada@example.com"
                    ),
                );
                None
            }
        })
        .collect();
    let owned = paths(&mut f, "paths", problems);
    f.finish(problems);
    if let Some(id) = id {
        let name = name.unwrap_or_else(|| id.value.clone());
        return Some(Team {
            id,
            name,
            members,
            member_names: Vec::new(),
            paths: owned,
            path: path.to_string(),
        });
    }
    None
}

fn stages(nodes: Vec<&Node>, problems: &mut Problems<'_>) -> Vec<Stage> {
    let mut out: Vec<Stage> = Vec::new();
    for node in nodes {
        let Some(mut f) = Fields::of(node, "a stage", problems) else {
            continue;
        };
        let name = f.required_text("name", problems);
        let process = f.parsed("process", problems, Duration::parse);
        let wait = f.parsed("wait", problems, Duration::parse);
        let measured = f
            .choice(
                "measured",
                &["coding", "pickup", "review", "release_wait"],
                problems,
            )
            .map(|m| match m {
                "coding" => Measured::Coding,
                "pickup" => Measured::Pickup,
                "review" => Measured::Review,
                _ => Measured::ReleaseWait,
            });
        let complete_accurate = f.parsed("complete_accurate", problems, Percent::parse);
        let at = f.at;
        let has_process = f.get("process").is_some() || f.misspelt("process");
        let has_wait = f.get("wait").is_some();
        let misspelt_measured = f.misspelt("measured");
        f.finish(problems);
        if measured.is_some() && (has_process || has_wait) {
            problems.add(at, "a stage is either `measured` from git or given `process` and `wait` times, not both");
        } else if measured.is_none() && !has_process && !misspelt_measured {
            problems.add(at, "a stage needs `process` (and usually `wait`) times, or `measured: coding | pickup | review | release_wait`");
        }
        let Some(name) = name else { continue };
        if out.iter().any(|s| s.name == name) {
            problems.add(at, format!("duplicate stage name `{name}`"));
            continue;
        }
        out.push(Stage {
            name,
            process,
            wait,
            measured,
            complete_accurate,
        });
    }
    out
}

/// `id` is the file name without `.yaml`.
/// `value/measures/<id>.yaml`: a business measure and its recorded values.
pub fn measure(path: &str, id: &str, text: &str) -> Parsed<Measure> {
    let (root, mut problems) = match named_document(path, id, text) {
        Ok(found) => found,
        Err(parsed) => return parsed,
    };
    let Some(mut f) = Fields::of(&root, "a measure", &mut problems) else {
        return Parsed {
            items: Vec::new(),
            problems: problems.list,
        };
    };
    let name = f
        .text("name", &mut problems)
        .unwrap_or_else(|| id.to_string());
    let unit = match f.choice(
        "unit",
        &["percent", "money", "number", "duration"],
        &mut problems,
    ) {
        Some("percent") => Some(MeasureUnit::Percent),
        Some("money") => Some(MeasureUnit::Money),
        Some("number") => Some(MeasureUnit::Number),
        Some("duration") => Some(MeasureUnit::Duration),
        _ => None,
    };
    if f.get("unit").is_none() {
        problems.add(
            f.at,
            "a measure needs `unit`: percent, money, number or duration",
        );
    }
    let direction = f.choice("direction", &["higher", "lower"], &mut problems);
    if f.get("direction").is_none() {
        problems.add(
            f.at,
            "a measure needs `direction`: `higher` or `lower`, whichever is better",
        );
    }
    let mut values: Vec<(Date, f64)> = Vec::new();
    for node in f.list("values", &mut problems) {
        let Some(mut v) = Fields::of(node, "a value (`{date, value}`)", &mut problems) else {
            continue;
        };
        let date = v.required_parsed("date", &mut problems, Date::parse);
        let value = match (unit, v.require("value", &mut problems)) {
            (Some(unit), Some(n)) => parse_node_with(n, &mut problems, |t| unit.parse_value(t)),
            _ => None,
        };
        v.finish(&mut problems);
        if let (Some(date), Some(value)) = (date, value) {
            if values.iter().any(|(d, _)| *d == date) {
                problems.add(node.at, format!("a second value for {date}"));
                continue;
            }
            values.push((date, value));
        }
    }
    f.finish(&mut problems);
    values.sort_by_key(|v| v.0);
    let items = match (unit, direction) {
        (Some(unit), Some(direction)) => vec![Measure {
            id: id.to_string(),
            name,
            unit,
            higher_is_better: direction == "higher",
            values,
            path: path.to_string(),
        }],
        _ => Vec::new(),
    };
    Parsed {
        items,
        problems: problems.list,
    }
}

/// A node's text parsed, or a problem at the node.
fn parse_node_with<T>(
    node: &Node,
    problems: &mut Problems<'_>,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Option<T> {
    let text = yaml::text(node, problems)?;
    match parse(&text) {
        Ok(v) => Some(v),
        Err(message) => {
            problems.add(node.at, message);
            None
        }
    }
}

pub fn stream(path: &str, id: &str, text: &str) -> Parsed<Stream> {
    let (root, mut problems) = match named_document(path, id, text) {
        Ok(found) => found,
        Err(parsed) => return parsed,
    };
    let Some(mut f) = Fields::of(&root, "a value-stream map", &mut problems) else {
        return Parsed {
            items: Vec::new(),
            problems: problems.list,
        };
    };
    let name = f.required_text("name", &mut problems);
    let owner = reference(&mut f, "owner", &mut problems);
    let customer = f.text("customer", &mut problems);
    let goal = reference(&mut f, "goal", &mut problems);
    let mode = match f.choice("mode", &["innovation", "stability"], &mut problems) {
        Some("stability") => Mode::Stability,
        _ => Mode::Innovation,
    };
    let mut guardrails = Guardrails::default();
    if let Some(node) = f.get("guardrails")
        && let Some(mut g) = Fields::of(node, "guardrails", &mut problems)
    {
        guardrails.change_failure_rate =
            g.parsed("change_failure_rate", &mut problems, Percent::parse);
        guardrails.lead_time = g.parsed("lead_time", &mut problems, Duration::parse);
        guardrails.recovery_time = g.parsed("recovery_time", &mut problems, Duration::parse);
        guardrails.deploys_per_week = g.parsed("deploys_per_week", &mut problems, |t| {
            t.trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v >= 0.0)
                .ok_or_else(|| {
                    format!("invalid `deploys_per_week` `{t}`: expected a number such as 5")
                })
        });
        g.finish(&mut problems);
    }
    let stage_nodes = f.list("stages", &mut problems);
    if f.get("stages").is_none() {
        problems.add(f.at, "a value-stream map is missing the field `stages`");
    }
    let current = stages(stage_nodes, &mut problems);
    let future = match f.get("future") {
        Some(node) => Fields::of(node, "the future state", &mut problems).map(|mut ff| {
            let nodes = ff.list("stages", &mut problems);
            ff.finish(&mut problems);
            stages(nodes, &mut problems)
        }),
        None => None,
    };
    f.finish(&mut problems);
    let items = Some(name.unwrap_or_else(|| id.to_string()))
        .map(|name| Stream {
            id: id.to_string(),
            name,
            owner,
            customer,
            goal,
            mode,
            guardrails,
            stages: current,
            future,
            history: Vec::new(),
            path: path.to_string(),
        })
        .into_iter()
        .collect();
    Parsed {
        items,
        problems: problems.list,
    }
}

/// An initiative's `match` rules: which commits are its work.
fn match_rules(node: &Node, problems: &mut Problems<'_>) -> Match {
    let Some(mut m) = Fields::of(node, "`match`", problems) else {
        return Match {
            trailer: None,
            scopes: Vec::new(),
            paths: Vec::new(),
            pull_requests: Vec::new(),
        };
    };
    let trailer = m.text("trailer", problems);
    let scopes = m
        .texts("scopes", problems)
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    let paths = paths(&mut m, "paths", problems);
    let pull_requests = m
        .list("pull_requests", problems)
        .into_iter()
        .filter_map(|n| match &n.value {
            Value::Int(i) if (1..=i64::from(u32::MAX)).contains(i) => Some(*i as u32),
            _ => {
                problems.add(n.at, "a pull request is named by its number, such as 1257");
                None
            }
        })
        .collect();
    m.finish(problems);
    Match {
        trailer,
        scopes,
        paths,
        pull_requests,
    }
}

/// An initiative's `value` estimate.
fn estimate(node: &Node, problems: &mut Problems<'_>) -> Option<Estimate> {
    let mut v = Fields::of(node, "a value estimate", problems)?;
    let kind = v.choice("kind", &["revenue", "cost", "risk", "time"], problems);
    if v.get("kind").is_none() {
        problems.add(v.at, "a value estimate is missing the field `kind`");
    }
    let amount = v.required_parsed("amount", problems, Money::parse);
    let per = v
        .choice("per", &["year", "quarter", "month", "once"], problems)
        .unwrap_or("year");
    let confidence = v
        .choice("confidence", &["low", "medium", "high"], problems)
        .unwrap_or("medium");
    v.finish(problems);
    Some(Estimate {
        kind: kind?,
        amount: amount?,
        per,
        confidence,
    })
}

/// One of an initiative's recorded `outcomes`.
fn outcome(node: &Node, problems: &mut Problems<'_>) -> Option<Outcome> {
    let mut o = Fields::of(node, "an outcome", problems)?;
    let date = o.required_parsed("date", problems, Date::parse);
    let metric = o.required_text("metric", problems);
    let value = o.required_text("value", problems);
    o.finish(problems);
    Some(Outcome {
        date: date?,
        metric: metric?,
        value: value?,
    })
}

pub fn initiative(path: &str, id: &str, text: &str) -> Parsed<Initiative> {
    let (root, mut problems) = match named_document(path, id, text) {
        Ok(found) => found,
        Err(parsed) => return parsed,
    };
    let Some(mut f) = Fields::of(&root, "an initiative", &mut problems) else {
        return Parsed {
            items: Vec::new(),
            problems: problems.list,
        };
    };
    let title = f.required_text("title", &mut problems);
    let goal = required_reference(&mut f, "goal", &mut problems);
    let stream = reference(&mut f, "stream", &mut problems);
    let owner = reference(&mut f, "owner", &mut problems);
    let status = f
        .choice(
            "status",
            &["proposed", "in-progress", "paused", "done", "dropped"],
            &mut problems,
        )
        .map(|s| match s {
            "proposed" => Status::Proposed,
            "in-progress" => Status::InProgress,
            "paused" => Status::Paused,
            "done" => Status::Done,
            _ => Status::Dropped,
        })
        .unwrap_or(Status::InProgress);
    let started = f.parsed("started", &mut problems, Date::parse);
    let finished = f.parsed("finished", &mut problems, Date::parse);
    if let (Some(s), Some(e)) = (started, finished)
        && e < s
    {
        let at = f.get("finished").map_or(f.at, |n| n.at);
        problems.add(at, format!("`finished` ({e}) is before `started` ({s})"));
    }
    let matching = match f.get("match") {
        Some(node) => match_rules(node, &mut problems),
        None => Match {
            trailer: Some("Initiative".into()),
            scopes: Vec::new(),
            paths: Vec::new(),
            pull_requests: Vec::new(),
        },
    };
    let hypothesis = f.text("hypothesis", &mut problems);
    let value = f
        .get("value")
        .and_then(|node| estimate(node, &mut problems));
    let outcomes = f
        .list("outcomes", &mut problems)
        .into_iter()
        .filter_map(|node| outcome(node, &mut problems))
        .collect();
    f.finish(&mut problems);
    let items = match goal {
        Some(goal) => vec![Initiative {
            id: id.to_string(),
            title: title.unwrap_or_else(|| id.to_string()),
            goal,
            stream,
            owner,
            status,
            started,
            finished,
            matching,
            hypothesis,
            value,
            outcomes,
            path: path.to_string(),
        }],
        _ => Vec::new(),
    };
    Parsed {
        items,
        problems: problems.list,
    }
}

fn incident(
    node: &Node,
    path: &str,
    file_id: Option<&str>,
    problems: &mut Problems<'_>,
) -> Option<Incident> {
    let mut f = Fields::of(node, "an incident", problems)?;
    let id = match file_id {
        Some(stem) => match f.get("id") {
            Some(n) => {
                let id = yaml::text(n, problems)?;
                if id != stem {
                    problems.add(n.at, format!("id `{id}` differs from the file name `{stem}`; leave it out or make them match"));
                }
                Some(Spot {
                    value: id,
                    at: n.at,
                })
            }
            None => Some(Spot {
                value: stem.to_string(),
                at: f.at,
            }),
        },
        None => id_text(&mut f, problems),
    };
    let title = f.required_text("title", problems);
    let started = f.required_parsed("started", problems, DateTime::parse);
    let resolved = f.parsed("resolved", problems, DateTime::parse);
    if let (Some(s), Some(r)) = (started, resolved)
        && r < s
    {
        let at = f.get("resolved").map_or(f.at, |n| n.at);
        problems.add(at, format!("`resolved` ({r}) is before `started` ({s})"));
    }
    let severity = f
        .choice("severity", &["sev1", "sev2", "sev3", "sev4"], problems)
        .unwrap_or("sev3");
    let caused_by = reference(&mut f, "caused_by", problems);
    let fixed_by = reference(&mut f, "fixed_by", problems);
    let stream = reference(&mut f, "stream", problems);
    let cost = f.parsed("cost", problems, Money::parse);
    let lessons = f.text("lessons", problems);
    f.finish(problems);
    let started = started?;
    Some(Incident {
        id: id?,
        title: title?,
        duration_seconds: resolved.map(|r| r.0 - started.0),
        started,
        resolved,
        severity,
        caused_by,
        fixed_by,
        stream,
        cost,
        lessons,
        path: path.to_string(),
    })
}

/// `value/overrides.yaml`: corrections to what is inferred, each naming a
/// `release` (with `failed` or `kind`) or a revert `commit` (with
/// `not_a_revert_of_failure: true`), and always a `reason`.
pub fn overrides(path: &str, text: &str) -> Parsed<Override> {
    list_file(path, text, "overrides", |n, problems| {
        override_item(n, path, problems)
    })
}

fn override_item(n: &Node, path: &str, problems: &mut Problems<'_>) -> Option<Override> {
    let mut f = Fields::of(n, "an override", problems)?;
    let at = f.at;
    let release = reference(&mut f, "release", problems);
    let commit = reference(&mut f, "commit", problems);
    let failed = f.boolean("failed", problems);
    let kind = f.choice("kind", &["planned", "hotfix"], problems);
    let not_a_revert_of_failure = f
        .boolean("not_a_revert_of_failure", problems)
        .unwrap_or(false);
    let reason = f.required_text("reason", problems);
    f.finish(problems);
    match (&release, &commit) {
        (Some(_), Some(_)) | (None, None) => {
            problems.add(
                at,
                "an override names one `release` or one `commit`".to_string(),
            );
            return None;
        }
        (Some(_), None) if failed.is_none() && kind.is_none() => {
            problems.add(
                at,
                "an override of a release sets `failed` or `kind`".to_string(),
            );
            return None;
        }
        (None, Some(_)) if !not_a_revert_of_failure => {
            problems.add(
                at,
                "an override of a commit sets `not_a_revert_of_failure: true`".to_string(),
            );
            return None;
        }
        (Some(_), None) if not_a_revert_of_failure => {
            problems.add(
                at,
                "`not_a_revert_of_failure` names a revert `commit`, not a release".to_string(),
            );
            return None;
        }
        (None, Some(_)) if failed.is_some() || kind.is_some() => {
            problems.add(
                at,
                "`failed` and `kind` set a `release`, not a commit".to_string(),
            );
            return None;
        }
        _ => {}
    }
    Some(Override {
        release,
        commit,
        failed,
        kind,
        not_a_revert_of_failure,
        reason: reason?,
        at,
        path: path.to_string(),
    })
}

/// `value/incidents.yaml`: a list of incidents.
pub fn incidents(path: &str, text: &str) -> Parsed<Incident> {
    list_file(path, text, "incidents", |n, problems| {
        incident(n, path, None, problems)
    })
}

/// A YAML file holding a list: each item read by `item`, problems located in it.
fn list_file<T>(
    path: &str,
    text: &str,
    what: &str,
    mut item: impl FnMut(&Node, &mut Problems<'_>) -> Option<T>,
) -> Parsed<T> {
    let mut problems = Problems::new(path);
    let root = match document(path, text) {
        Ok(n) => n,
        Err(problems) => {
            return Parsed {
                items: Vec::new(),
                problems,
            };
        }
    };
    let items = list_items(&root, what, &mut problems)
        .into_iter()
        .filter_map(|n| item(n, &mut problems))
        .collect();
    Parsed {
        items,
        problems: problems.list,
    }
}

/// `value/incidents/<id>.yaml`: one incident, its id the file name.
pub fn incident_file(path: &str, id: &str, text: &str) -> Parsed<Incident> {
    let mut problems = Problems::new(path);
    let root = match document(path, text) {
        Ok(n) => n,
        Err(problems) => {
            return Parsed {
                items: Vec::new(),
                problems,
            };
        }
    };
    let items = incident(&root, path, Some(id), &mut problems)
        .into_iter()
        .collect();
    Parsed {
        items,
        problems: problems.list,
    }
}

/// Splits `---\n<yaml>\n---\n<markdown>`: the front matter, the line it starts on,
/// and the body. `None` when the text does not open with a `---` line.
pub fn split_front_matter(text: &str) -> Option<(&str, u64, &str)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first_end = text.find('\n')?;
    if text[..first_end].trim_end() != "---" {
        return None;
    }
    let rest = &text[first_end + 1..];
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        let trimmed = line.trim_end();
        if trimmed == "---" || trimmed == "..." {
            let yaml = &rest[..offset];
            let body = &rest[offset + line.len()..];
            return Some((yaml, 2, body));
        }
        offset += line.len();
    }
    None
}

/// A case study's `audience`: executive, management or team.
fn audiences(f: &mut Fields<'_>, problems: &mut Problems<'_>) -> Vec<Audience> {
    f.texts("audience", problems)
        .into_iter()
        .filter_map(|(a, at)| match a.as_str() {
            "executive" => Some(Audience::Executive),
            "management" => Some(Audience::Management),
            "team" => Some(Audience::Team),
            _ => {
                problems.add(
                    at,
                    format!(
                        "unknown audience `{a}`{}; expected `executive`, `management` or `team`",
                        yaml::hint(&a, &["executive", "management", "team"])
                    ),
                );
                None
            }
        })
        .collect()
}

/// One of a case study's `evidence` queries.
fn evidence_query(node: &Node, problems: &mut Problems<'_>) -> Option<EvidenceQuery> {
    let mut e = Fields::of(node, "an evidence query", problems)?;
    let metric = e.choice("metric", EVIDENCE_METRICS, problems);
    if e.get("metric").is_none() {
        problems.add(e.at, "an evidence query is missing the field `metric`");
    }
    let scope = match e.get("scope") {
        Some(n) => yaml::text(n, problems).map(|value| Spot { value, at: n.at }),
        None => Some(Spot {
            value: "repository".to_string(),
            at: e.at,
        }),
    };
    let before = e.required_parsed("before", problems, Quarter::parse);
    let after = e.required_parsed("after", problems, Quarter::parse);
    let label = e.text("label", problems);
    e.finish(problems);
    Some(EvidenceQuery {
        metric: metric?,
        scope: scope?,
        before: before?,
        after: after?,
        label,
    })
}

/// Problems in a case study's Markdown body, whose line `n` is line
/// `n + body_line` counted from the front matter's first line: computed figures
/// (checked here so that `check` locates every mistake) and HTML nested too deep.
fn body_problems(body: &str, body_line: u64, problems: &mut Problems<'_>) {
    for (offset, message) in super::shortcodes::figures(body).1 {
        let before = &body[..offset];
        let line = before.matches('\n').count() as u64 + 1;
        let column = before.rfind('\n').map_or(offset, |n| offset - n - 1) + 1;
        let at = At {
            line: body_line + line,
            column: column as u64,
        };
        problems.add(at, message);
    }
    // Raw HTML is located by its line; nesting that Markdown itself makes (quotes in
    // quotes, lists in lists) is found in the HTML it becomes.
    let deep =
        html_too_deep(body).or_else(|| html_too_deep(&markdown_html(body)).map(|(_, d)| (1, d)));
    if let Some((line, depth)) = deep {
        let at = At {
            line: body_line + line as u64,
            column: 1,
        };
        problems.add(
            at,
            format!(
                "HTML nested {depth} elements deep; a case study may nest at most {MAX_HTML_DEPTH} (deeper nesting makes the HTML sanitizer slow)"
            ),
        );
    }
}

pub fn case_study(path: &str, slug: &str, text: &str) -> Parsed<CaseStudy> {
    let mut problems = Problems::new(path);
    if let Err(message) = check_id(slug) {
        problems.add(At { line: 1, column: 1 }, format!("file name: {message}"));
    }
    let Some((front, first_line, body)) = split_front_matter(text) else {
        problems.add(
            At { line: 1, column: 1 },
            "a case study starts with front matter between two `---` lines (title, date, summary, ...)",
        );
        return Parsed {
            items: Vec::new(),
            problems: problems.list,
        };
    };
    let shift = |mut l: Located| {
        l.line += first_line - 1;
        l
    };
    let root = match yaml::parse(path, front) {
        Ok(n) => n,
        Err(e) => {
            return Parsed {
                items: Vec::new(),
                problems: vec![shift(e)],
            };
        }
    };
    let Some(mut f) = Fields::of(&root, "the front matter", &mut problems) else {
        return Parsed {
            items: Vec::new(),
            problems: problems.list.into_iter().map(shift).collect(),
        };
    };
    let title = f.required_text("title", &mut problems);
    let date = f.required_parsed("date", &mut problems, Date::parse);
    let initiative = reference(&mut f, "initiative", &mut problems);
    let audience = audiences(&mut f, &mut problems);
    let summary = f.required_text("summary", &mut problems);
    let featured = f.boolean("featured", &mut problems).unwrap_or(false);
    let mut evidence: Vec<EvidenceQuery> = f
        .list("evidence", &mut problems)
        .into_iter()
        .filter_map(|node| evidence_query(node, &mut problems))
        .collect();
    f.finish(&mut problems);
    let body_line = text[..text.len() - body.len()].matches('\n').count();
    body_problems(body, body_line as u64 + 1 - first_line, &mut problems);
    // Places inside the front matter, counted from the file's first line.
    let in_file = |at: At| At {
        line: at.line + first_line - 1,
        column: at.column,
    };
    let initiative = initiative.map(|i| Spot {
        at: in_file(i.at),
        value: i.value,
    });
    for e in &mut evidence {
        e.scope.at = in_file(e.scope.at);
    }
    let items = match (title, date, summary) {
        (Some(title), Some(date), Some(summary)) => vec![CaseStudy {
            slug: slug.to_string(),
            title,
            date,
            initiative,
            audience,
            summary,
            featured,
            evidence,
            body: body.to_string(),
            path: path.to_string(),
        }],
        _ => Vec::new(),
    };
    Parsed {
        items,
        problems: problems.list.into_iter().map(shift).collect(),
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: crate::testing::property_cases(1_000), failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn every_parser_survives_any_text(text in any::<String>()) {
            let _ = split_front_matter(&text);
            let _ = goals("g.yaml", &text);
            let _ = teams("t.yaml", &text);
            let _ = stream("s.yaml", "s", &text);
            let _ = initiative("i.yaml", "i", &text);
            let _ = incidents("n.yaml", &text);
            let _ = incident_file("n/x.yaml", "x", &text);
            let _ = case_study("c.md", "c", &text);
            let _ = crate::config::parse("valuestory.yaml", &text);
            let _ = crate::message::parse(&text);
        }

        #[test]
        fn every_parser_survives_yaml_shaped_text(text in r#"(---\n)?([a-z_]{1,8}: ?(\[|\{|'|"|-|[0-9a-z%.:]{0,6}|\*a|&a)?\n?  ?){0,12}(---\n)?[a-z ]{0,10}"#) {
            let _ = split_front_matter(&text);
            let _ = goals("g.yaml", &text);
            let _ = stream("s.yaml", "s", &text);
            let _ = case_study("c.md", "c", &text);
            let _ = incidents("n.yaml", &text);
        }

        #[test]
        fn front_matter_round_trips(yaml in "([a-z]{1,6}: [a-z0-9 ]{0,10}\n){0,6}", body in "[a-z# \n]{0,40}") {
            let text = format!("---\n{yaml}---\n{body}");
            let (front, line, rest) = split_front_matter(&text).unwrap();
            prop_assert_eq!(front, yaml.as_str());
            prop_assert_eq!(line, 2);
            prop_assert_eq!(rest, body.as_str());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages<T>(p: &Parsed<T>) -> Vec<String> {
        p.problems.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn stage_with_typo_and_bad_duration_reports_both() {
        let text = "name: Checkout\nstages:\n  - { name: Build, proces: 2h }\n  - { name: Review, process: 3x, wait: 1d }\n";
        let p = stream("value/streams/checkout.yaml", "checkout", text);
        let m = messages(&p);
        assert!(m.iter().any(|m| m.starts_with("value/streams/checkout.yaml:3:20: unknown field `proces` in a stage (did you mean `process`?)")), "{m:?}");
        assert!(
            m.iter()
                .any(|m| m.starts_with("value/streams/checkout.yaml:4:30: invalid duration `3x`")),
            "{m:?}"
        );
    }

    #[test]
    fn front_matter_is_split_and_errors_keep_file_lines() {
        let (yaml, line, body) = split_front_matter("---\ntitle: x\n---\n# Body\n").unwrap();
        assert_eq!((yaml, line, body), ("title: x\n", 2, "# Body\n"));
        assert!(split_front_matter("# no front matter").is_none());
        assert!(split_front_matter("---\nnever closed\n").is_none());
        let p = case_study(
            "c.md",
            "c",
            "---\ntitle: T\ndate: 2025-13-01\nsummary: S\n---\nbody",
        );
        assert_eq!(
            messages(&p),
            [
                "c.md:3:7: invalid date `2025-13-01`: expected a real day written YYYY-MM-DD, such as 2025-03-01"
            ]
        );
    }

    #[test]
    fn incident_resolved_before_started_is_located() {
        let text = "- id: INC-1\n  title: Down\n  started: 2025-05-02T10:00:00Z\n  resolved: 2025-05-01T10:00:00Z\n";
        let p = incidents("value/incidents.yaml", text);
        assert_eq!(p.items.len(), 1);
        assert_eq!(p.problems[0].line, 4);
        assert!(p.problems[0].message.contains("before `started`"));
    }
}

/// A case study's Markdown as HTML, before sanitizing.
pub fn markdown_html(markdown: &str) -> String {
    let mut options = pulldown_cmark::Options::empty();
    options.insert(pulldown_cmark::Options::ENABLE_TABLES);
    options.insert(pulldown_cmark::Options::ENABLE_STRIKETHROUGH);
    let parser = pulldown_cmark::Parser::new_ext(markdown, options);
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, parser);
    html
}

/// How deep raw HTML in a case study may nest. Sanitizing is quadratic in the depth
/// (the parser's stack of open elements is searched at every tag), so 200,000 nested
/// `<div>` would take minutes; real prose needs a few levels.
pub const MAX_HTML_DEPTH: usize = 256;

/// The 1-based line of the body where raw HTML first nests deeper than
/// [`MAX_HTML_DEPTH`], and that depth. One linear pass that counts elements as an
/// HTML parser opens and closes them: void elements and end tags of elements that
/// are not open change nothing, a slash before `>` closes only inside `<svg>` or
/// `<math>` (`<div/>` opens a `div`), and an end tag closes everything opened
/// after its element.
pub fn html_too_deep(body: &str) -> Option<(usize, usize)> {
    const VOID: [&str; 14] = [
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr", "param",
    ];
    let b = body.as_bytes();
    let mut open: Vec<String> = Vec::new();
    let mut counts: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut line = 1;
    // Where the next `>` is, found once for many tags.
    let mut next_gt = 0usize;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\n' => line += 1,
            b'<' => {
                let closing = b.get(i + 1) == Some(&b'/');
                let start = i + 1 + usize::from(closing);
                let mut end = start;
                while end < b.len() && b[end].is_ascii_alphanumeric() {
                    end += 1;
                }
                if end > start && b[start].is_ascii_alphabetic() {
                    let name = body[start..end].to_ascii_lowercase();
                    if next_gt < end {
                        next_gt = memchr::memchr(b'>', &b[end..]).map_or(b.len(), |o| end + o);
                    }
                    let self_closing = next_gt < b.len() && b[next_gt - 1] == b'/';
                    let foreign = counts.get("svg").copied().unwrap_or(0)
                        + counts.get("math").copied().unwrap_or(0)
                        > 0;
                    if closing {
                        if counts.get(&name).copied().unwrap_or(0) > 0 {
                            while let Some(top) = open.pop() {
                                if let Some(c) = counts.get_mut(&top) {
                                    *c -= 1;
                                }
                                if top == name {
                                    break;
                                }
                            }
                        }
                    } else if !(VOID.contains(&name.as_str()) || self_closing && foreign) {
                        *counts.entry(name.clone()).or_default() += 1;
                        open.push(name);
                        if open.len() > MAX_HTML_DEPTH {
                            return Some((line, open.len()));
                        }
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}
