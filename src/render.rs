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
<table>\n<thead><tr><th>Release</th><th>Date</th><th>Commits</th><th>Median lead time</th><th>Kind</th><th>Status</th></tr></thead>\n\
<tbody>\n{rows}</tbody>\n</table>\n</body>\n</html>\n",
        title = escape(&data.title),
        count = data.releases.len(),
        unreleased = data.unreleased.commit_count,
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
