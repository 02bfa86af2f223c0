//! Pages. Until the tera themes land, the site is one plain index of releases built
//! here, every value escaped.

use crate::report::Data;

pub fn index_html(data: &Data) -> String {
    let mut rows = String::new();
    for r in data.releases.iter().rev() {
        let lead = r
            .lead_time
            .map_or("–".to_string(), |l| human_duration(l.median_seconds));
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            escape(&r.tag),
            escape(&r.time[..10]),
            r.commit_count,
            escape(&lead),
            match r.kind {
                crate::releases::ReleaseKind::Hotfix => "hotfix",
                crate::releases::ReleaseKind::Planned => "planned",
            },
            if r.failed { "failed" } else { "" },
        ));
    }
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<title>{title}: releases</title>\n</head>\n<body>\n<h1>{title}</h1>\n\
<p>{count} releases, {unreleased} commits not yet released. Machine-readable: <a href=\"data.json\">data.json</a>.</p>\n\
{story}\
<table>\n<thead><tr><th>Release</th><th>Date</th><th>Commits</th><th>Median lead time</th><th>Kind</th><th>Status</th></tr></thead>\n\
<tbody>\n{rows}</tbody>\n</table>\n</body>\n</html>\n",
        title = escape(&data.title),
        count = data.releases.len(),
        unreleased = data.unreleased.commit_count,
        story = story_html(data),
    )
}

/// `3.2 days`, `5 hours`, `12 minutes`.
pub fn human_duration(seconds: i64) -> String {
    let s = seconds as f64;
    if seconds >= 2 * 86_400 {
        format!("{:.1} days", s / 86_400.0)
    } else if seconds >= 2 * 3_600 {
        format!("{:.1} hours", s / 3_600.0)
    } else {
        format!("{} minutes", seconds / 60)
    }
}

pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The latest quarter's narrative facts as sentences.
pub fn story_html(data: &Data) -> String {
    let Some(latest) = &data.narrative.latest else {
        return String::new();
    };
    let Some(story) = data.narrative.quarters.iter().find(|q| &q.period == latest) else {
        return String::new();
    };
    let mut out = format!("<h2>{}</h2>\n<ul>\n", escape(latest));
    for f in &story.facts {
        out.push_str(&format!("<li>{}</li>\n", escape(&sentence(f))));
    }
    for i in &story.incidents {
        let cost = i
            .cost
            .map(|c| format!(", costing an estimated {c:.0}"))
            .unwrap_or_default();
        let lessons = i
            .lessons
            .as_deref()
            .map(|l| format!(" What we learned: {l}"))
            .unwrap_or_default();
        out.push_str(&format!(
            "<li>{}</li>\n",
            escape(&format!(
                "Incident {} ({}): {}{cost}.{lessons}",
                i.id, i.severity, i.title
            ))
        ));
    }
    out.push_str("</ul>\n");
    out
}

/// "Median lead time fell from 6.2 days to 3.1 days (-50%), moving from high to elite."
pub fn sentence(f: &crate::metrics::narrative::Fact) -> String {
    let (name, show): (&str, Box<dyn Fn(f64) -> String>) = match f.metric {
        "deployments_per_week" => ("Deployments per week", Box::new(|v| format!("{v:.1}"))),
        "lead_time" => ("Median lead time", Box::new(|v| human_duration(v as i64))),
        "change_failure_rate" => (
            "The change failure rate",
            Box::new(|v| format!("{:.1}%", v * 100.0)),
        ),
        "recovery_time" => (
            "Median recovery time",
            Box::new(|v| human_duration(v as i64)),
        ),
        "flow_time" => ("Median flow time", Box::new(|v| human_duration(v as i64))),
        other => (other, Box::new(|v| format!("{v}"))),
    };
    let verb = if f.current > f.previous {
        "rose"
    } else if f.current < f.previous {
        "fell"
    } else {
        "held"
    };
    let change = f
        .change
        .map(|c| format!(" ({:+.0}%)", c * 100.0))
        .unwrap_or_default();
    let band = match (f.band_before, f.band_after) {
        (Some(a), Some(b)) if a != b => format!(", moving from {} to {}", level(a), level(b)),
        (_, Some(b)) => format!(", {}", level(b)),
        _ => String::new(),
    };
    if verb == "held" {
        return format!("{name} held at {}{band}.", show(f.current));
    }
    format!(
        "{name} {verb} from {} to {}{change}{band} ({}).",
        show(f.previous),
        show(f.current),
        if f.direction == "better" {
            "better"
        } else {
            "worse"
        }
    )
}

fn level(l: crate::metrics::bands::Level) -> &'static str {
    match l {
        crate::metrics::bands::Level::Elite => "elite",
        crate::metrics::bands::Level::High => "high",
        crate::metrics::bands::Level::Medium => "medium",
        crate::metrics::bands::Level::Low => "low",
    }
}
