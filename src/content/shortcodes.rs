//! Computed figures in case-study Markdown: `{{ metric(name="change_failure_rate",
//! period="2025-Q1") }}`. valuestory parses this fixed form itself, with typed
//! arguments and located errors; case-study Markdown is never run as a template,
//! so a pull request cannot bring template code in through it.

use super::units::Quarter;

/// The metrics a figure may show, as data.json names them.
pub const FIGURE_METRICS: [&str; 5] = [
    "deployments",
    "lead_time",
    "change_failure_rate",
    "recovery_time",
    "failed_deployments",
];

/// One `{{ metric(...) }}` in a body: where it is and what it asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Figure {
    /// Byte range of the whole `{{ ... }}` in the body.
    pub start: usize,
    pub end: usize,
    pub metric: &'static str,
    pub period: Quarter,
}

/// Every figure in `body`, or each problem as (byte offset, message).
pub fn figures(body: &str) -> (Vec<Figure>, Vec<(usize, String)>) {
    let mut found = Vec::new();
    let mut problems = Vec::new();
    let mut from = 0;
    while let Some(at) = body[from..].find("{{") {
        let start = from + at;
        let Some(close) = body[start..].find("}}") else {
            problems.push((start, "`{{` without `}}`".to_string()));
            break;
        };
        let end = start + close + 2;
        match figure(&body[start + 2..end - 2]) {
            Ok((metric, period)) => found.push(Figure {
                start,
                end,
                metric,
                period,
            }),
            Err(message) => problems.push((start, message)),
        }
        from = end;
    }
    (found, problems)
}

/// `metric(name="...", period="YYYY-QN")`.
fn figure(inner: &str) -> Result<(&'static str, Quarter), String> {
    let inner = inner.trim();
    let expected = "expected `{{ metric(name=\"lead_time\", period=\"2025-Q1\") }}`";
    let args = inner
        .strip_prefix("metric")
        .map(str::trim_start)
        .and_then(|r| r.strip_prefix('('))
        .and_then(|r| r.strip_suffix(')'))
        .ok_or_else(|| format!("unknown figure `{inner}`; {expected}"))?;
    let mut name = None;
    let mut period = None;
    for arg in args.split(',').map(str::trim).filter(|a| !a.is_empty()) {
        let (key, value) = arg
            .split_once('=')
            .ok_or_else(|| format!("`{arg}`: arguments are written key=\"value\"; {expected}"))?;
        let value = value
            .trim()
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .ok_or_else(|| format!("`{arg}`: the value goes in double quotes"))?;
        match key.trim() {
            "name" => {
                let known = FIGURE_METRICS
                    .iter()
                    .find(|m| **m == value)
                    .ok_or_else(|| {
                        format!(
                            "unknown metric `{value}`{}; expected one of {}",
                            super::yaml::hint(value, &FIGURE_METRICS),
                            FIGURE_METRICS.map(|m| format!("`{m}`")).join(", ")
                        )
                    })?;
                name = Some(*known);
            }
            "period" => period = Some(Quarter::parse(value)?),
            other => return Err(format!("unknown argument `{other}`; {expected}")),
        }
    }
    match (name, period) {
        (Some(n), Some(p)) => Ok((n, p)),
        (None, _) => Err(format!("a figure needs `name`; {expected}")),
        (_, None) => Err(format!("a figure needs `period`; {expected}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_are_found_with_their_place_and_mistakes_located() {
        let body = "One in {{ metric(name=\"change_failure_rate\", period=\"2025-Q1\") }} failed.\n{{ metric(name=\"leadtime\", period=\"2025-Q1\") }} {{ include \"x\" }}";
        let (found, problems) = figures(body);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].metric, "change_failure_rate");
        assert_eq!(found[0].period.to_string(), "2025-Q1");
        assert_eq!(&body[found[0].start..found[0].start + 2], "{{");
        assert_eq!(problems.len(), 2);
        assert!(
            problems[0]
                .1
                .starts_with("unknown metric `leadtime` (did you mean `lead_time`?)"),
            "{problems:?}"
        );
        assert!(
            problems[1].1.starts_with("unknown figure `include \"x\"`"),
            "{problems:?}"
        );
        assert_eq!(
            figures("{{ metric(name=\"lead_time\") }}").1[0]
                .1
                .split(';')
                .next(),
            Some("a figure needs `period`")
        );
        assert_eq!(figures("a {{ b").1[0].0, 2);
    }
}
