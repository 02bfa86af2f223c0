//! The tables of `data.json` as CSV files under `data/`, for spreadsheets: one
//! header row, one row per period or item, RFC 4180 quoting. Each table is one
//! row type: its field names are the header, so a column cannot drift from its
//! heading.

use serde::{Serialize, Serializer};

use crate::metrics::PeriodMetrics;
use crate::metrics::bands::{Band, Level};
use crate::report::Data;

/// Text as a cell: text that a spreadsheet would run as a formula (starting with
/// `=`, `+`, `-`, `@`, a tab or a carriage return, as OWASP lists them) gets a
/// leading `'`; numbers stay numbers.
#[derive(Default)]
struct Text(String);

impl Serialize for Text {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let v = &self.0;
        if v.starts_with(['=', '+', '-', '@', '\t', '\r']) && v.parse::<f64>().is_err() {
            s.collect_str(&format_args!("'{v}"))
        } else {
            s.serialize_str(v)
        }
    }
}

/// A number as Rust writes it (`0.25`, `3`, not `3.0`).
struct Number(f64);

impl Serialize for Number {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

#[derive(Serialize)]
struct PeriodRow {
    period: Text,
    start: Text,
    end: Text,
    deployments: usize,
    deploy_days: usize,
    lead_time_median_seconds: Option<i64>,
    lead_time_p90_seconds: Option<i64>,
    lead_time_commits: usize,
    change_failure_rate: Option<Number>,
    failed_deployments: usize,
    recovery_time_median_seconds: Option<i64>,
    recoveries: usize,
    rework_rate: Option<Number>,
    hotfixes: usize,
    band_deployment_frequency: Option<Level>,
    band_lead_time: Option<Level>,
    band_change_failure_rate: Option<Level>,
    band_recovery_time: Option<Level>,
    feature: usize,
    defect: usize,
    debt: usize,
    risk: usize,
    other: usize,
    items_shipped: usize,
    flow_time_median_seconds: Option<i64>,
    flow_load_commits: usize,
    flow_load_oldest_age_seconds: Option<i64>,
    incidents: usize,
    incident_cost: Number,
}

impl PeriodRow {
    fn of(p: &PeriodMetrics) -> PeriodRow {
        let b = p.bands.as_ref();
        let level = |band: Option<&Band>| band.and_then(|b| b.level);
        PeriodRow {
            period: Text(p.period.clone()),
            start: Text(p.start.clone()),
            end: Text(p.end.clone()),
            deployments: p.deployments,
            deploy_days: p.deploy_days,
            lead_time_median_seconds: p.lead_time.map(|l| l.median_seconds),
            lead_time_p90_seconds: p.lead_time.map(|l| l.p90_seconds),
            lead_time_commits: p.lead_time.map_or(0, |l| l.count),
            change_failure_rate: p.change_failure_rate.map(Number),
            failed_deployments: p.failed_deployments,
            recovery_time_median_seconds: p.recovery_time.map(|r| r.median_seconds),
            recoveries: p.recovery_time.map_or(0, |r| r.count),
            rework_rate: p.rework_rate.map(Number),
            hotfixes: p.hotfixes,
            band_deployment_frequency: level(b.and_then(|b| b.deployment_frequency.as_ref())),
            band_lead_time: level(b.map(|b| &b.lead_time)),
            band_change_failure_rate: level(b.map(|b| &b.change_failure_rate)),
            band_recovery_time: level(b.map(|b| &b.recovery_time)),
            feature: p.flow_distribution.feature,
            defect: p.flow_distribution.defect,
            debt: p.flow_distribution.debt,
            risk: p.flow_distribution.risk,
            other: p.flow_distribution.other,
            items_shipped: p.flow_velocity.total(),
            flow_time_median_seconds: p.flow_time.map(|f| f.median_seconds),
            flow_load_commits: p.flow_load.commits,
            flow_load_oldest_age_seconds: p.flow_load.oldest_age_seconds,
            incidents: p.incidents,
            incident_cost: Number(p.incident_cost),
        }
    }
}

#[derive(Serialize)]
struct ReleaseRow {
    tag: Text,
    time: Text,
    commit: String,
    previous: Option<Text>,
    commits: usize,
    lead_time_median_seconds: Option<i64>,
    lead_time_p90_seconds: Option<i64>,
    kind: crate::releases::ReleaseKind,
    failed: bool,
}

#[derive(Serialize)]
struct IncidentRow {
    id: Text,
    title: Text,
    severity: Text,
    started: String,
    resolved: Option<String>,
    caused_by: Option<Text>,
    fixed_by: Option<Text>,
    cost: Option<Number>,
}

/// The rows as CSV text with a header, lines ended by CR LF.
fn table<R: Serialize>(rows: impl IntoIterator<Item = R>) -> String {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    for row in rows {
        w.serialize(row).expect("a row of plain fields serializes");
    }
    let bytes = w.into_inner().expect("writing to memory cannot fail");
    String::from_utf8(bytes).expect("rows of UTF-8 text")
}

/// (file name, contents) for every table.
pub fn tables(data: &Data) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = data
        .periods
        .iter()
        .map(|(kind, periods)| {
            let rows = periods.iter().map(PeriodRow::of);
            (format!("periods-{kind}.csv"), table(rows))
        })
        .collect();
    let releases = data.releases.iter().map(|r| ReleaseRow {
        tag: Text(r.tag.clone()),
        time: Text(r.time.clone()),
        commit: r.commit.to_hex(),
        previous: r.previous.clone().map(Text),
        commits: r.commit_count,
        lead_time_median_seconds: r.lead_time.map(|l| l.median_seconds),
        lead_time_p90_seconds: r.lead_time.map(|l| l.p90_seconds),
        kind: r.kind,
        failed: r.failed,
    });
    out.push(("releases.csv".to_string(), table(releases)));
    let incidents = data.incidents.iter().map(|i| IncidentRow {
        id: Text(i.id.value.clone()),
        title: Text(i.title.clone()),
        severity: Text(i.severity.to_string()),
        started: i.started.to_string(),
        resolved: i.resolved.map(|r| r.to_string()),
        caused_by: i.caused_by.as_ref().map(|s| Text(s.value.clone())),
        fixed_by: i.fixed_by.as_ref().map(|s| Text(s.value.clone())),
        cost: i.cost.map(|c| Number(c.units())),
    });
    out.push(("incidents.csv".to_string(), table(incidents)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Row {
        a: Text,
        b: Text,
        n: Option<Number>,
    }

    #[test]
    fn cells_are_quoted_when_needed_and_formulas_defused() {
        let rows = [
            Row {
                a: Text("plain".into()),
                b: Text("x\ny".into()),
                n: Some(Number(0.25)),
            },
            Row {
                a: Text("a,b".into()),
                b: Text("say \"hi\"".into()),
                n: None,
            },
            Row {
                a: Text("=1+1".into()),
                b: Text("-3".into()),
                n: Some(Number(3.0)),
            },
        ];
        assert_eq!(
            table(rows),
            "a,b,n\r\nplain,\"x\ny\",0.25\r\n\"a,b\",\"say \"\"hi\"\"\",\r\n'=1+1,-3,3\r\n"
        );
    }
}
