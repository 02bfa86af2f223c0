//! Pages: tera 2 templates over view values prepared here, so templates lay out and
//! word things but compute nothing. Templates are embedded in the binary; a theme
//! overrides the shared ones, and a repository's `value/templates/` overrides both.

pub mod bounds;
pub mod charts;
pub mod markdown;
mod pages;
pub mod policy;

pub use pages::{Options, RenderError, pack, site, theme_files, themes};

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
