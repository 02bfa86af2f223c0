//! The tables of `data.json` as CSV files under `data/`, for spreadsheets: one
//! header row, one row per period or item, RFC 4180 quoting.

use crate::report::Data;

/// One cell: text that a spreadsheet would run as a formula (starting with `=`,
/// `+`, `-`, `@`, a tab or a carriage return, as OWASP lists them) gets a leading
/// `'`; numbers stay numbers. Then RFC 4180 quoting.
fn field(value: &str) -> String {
    let formula =
        value.starts_with(['=', '+', '-', '@', '\t', '\r']) && value.parse::<f64>().is_err();
    let value = if formula {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

fn table(header: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut out = header
        .iter()
        .map(|h| field(h))
        .collect::<Vec<_>>()
        .join(",");
    out.push_str("\r\n");
    for row in rows {
        out.push_str(&row.iter().map(|v| field(v)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

fn band(b: Option<&crate::metrics::bands::Band>) -> String {
    b.and_then(|b| b.level)
        .map(|l| format!("{l:?}").to_ascii_lowercase())
        .unwrap_or_default()
}

/// (file name, contents) for every table.
pub fn tables(data: &Data) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (kind, periods) in &data.periods {
        let header = [
            "period",
            "start",
            "end",
            "deployments",
            "deploy_days",
            "lead_time_median_seconds",
            "lead_time_p90_seconds",
            "lead_time_commits",
            "change_failure_rate",
            "failed_deployments",
            "recovery_time_median_seconds",
            "recoveries",
            "rework_rate",
            "hotfixes",
            "band_deployment_frequency",
            "band_lead_time",
            "band_change_failure_rate",
            "band_recovery_time",
            "feature",
            "defect",
            "debt",
            "risk",
            "other",
            "items_shipped",
            "flow_time_median_seconds",
            "flow_load_commits",
            "flow_load_oldest_age_seconds",
            "incidents",
            "incident_cost",
        ];
        let rows = periods
            .iter()
            .map(|p| {
                let b = p.bands.as_ref();
                vec![
                    p.period.clone(),
                    p.start.clone(),
                    p.end.clone(),
                    p.deployments.to_string(),
                    p.deploy_days.to_string(),
                    opt(p.lead_time.map(|l| l.median_seconds)),
                    opt(p.lead_time.map(|l| l.p90_seconds)),
                    p.lead_time.map_or(0, |l| l.count).to_string(),
                    opt(p.change_failure_rate),
                    p.failed_deployments.to_string(),
                    opt(p.recovery_time.map(|r| r.median_seconds)),
                    p.recovery_time.map_or(0, |r| r.count).to_string(),
                    opt(p.rework_rate),
                    p.hotfixes.to_string(),
                    band(b.and_then(|b| b.deployment_frequency.as_ref())),
                    band(b.map(|b| &b.lead_time)),
                    band(b.map(|b| &b.change_failure_rate)),
                    band(b.map(|b| &b.recovery_time)),
                    p.flow_distribution.feature.to_string(),
                    p.flow_distribution.defect.to_string(),
                    p.flow_distribution.debt.to_string(),
                    p.flow_distribution.risk.to_string(),
                    p.flow_distribution.other.to_string(),
                    p.flow_velocity.total().to_string(),
                    opt(p.flow_time.map(|f| f.median_seconds)),
                    p.flow_load.commits.to_string(),
                    opt(p.flow_load.oldest_age_seconds),
                    p.incidents.to_string(),
                    p.incident_cost.to_string(),
                ]
            })
            .collect();
        out.push((format!("periods-{kind}.csv"), table(&header, rows)));
    }
    let rows = data
        .releases
        .iter()
        .map(|r| {
            vec![
                r.tag.clone(),
                r.time.clone(),
                r.commit.to_hex(),
                opt(r.previous.clone()),
                r.commit_count.to_string(),
                opt(r.lead_time.map(|l| l.median_seconds)),
                opt(r.lead_time.map(|l| l.p90_seconds)),
                format!("{:?}", r.kind).to_ascii_lowercase(),
                r.failed.to_string(),
            ]
        })
        .collect();
    out.push((
        "releases.csv".to_string(),
        table(
            &[
                "tag",
                "time",
                "commit",
                "previous",
                "commits",
                "lead_time_median_seconds",
                "lead_time_p90_seconds",
                "kind",
                "failed",
            ],
            rows,
        ),
    ));
    let rows = data
        .incidents
        .iter()
        .map(|i| {
            vec![
                i.id.value.clone(),
                i.title.clone(),
                i.severity.to_string(),
                i.started.to_string(),
                opt(i.resolved),
                opt(i.caused_by.as_ref().map(|s| s.value.clone())),
                opt(i.fixed_by.as_ref().map(|s| s.value.clone())),
                opt(i.cost.map(|c| c.units())),
            ]
        })
        .collect();
    out.push((
        "incidents.csv".to_string(),
        table(
            &[
                "id",
                "title",
                "severity",
                "started",
                "resolved",
                "caused_by",
                "fixed_by",
                "cost",
            ],
            rows,
        ),
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_when_needed() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(
            table(&["a", "b"], vec![vec!["1".into(), "x\ny".into()]]),
            "a,b\r\n1,\"x\ny\"\r\n"
        );
    }
}
