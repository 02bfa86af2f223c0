//! Reading a service's `data.json` for a portfolio: only the fields the portfolio
//! uses, deserialized as the file streams in (the rest is skipped, never held), with
//! errors that name the file and the field.
//!
//! Every field read here has been in data.json since schema version 1, or may be
//! missing, so a data.json from any earlier valuestory reads; one written by a
//! newer schema than this valuestory knows is refused by name.

use std::path::Path;

use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, SeqAccess, Visitor};

use crate::report::SCHEMA_VERSION;

#[derive(Debug, Deserialize)]
pub struct ServiceData {
    pub schema_version: u32,
    #[serde(default)]
    pub title: String,
    /// How many releases the service's history has.
    #[serde(default)]
    pub releases: Count,
    pub periods: Periods,
    /// The work linked to each of the service's initiatives (absent from a data.json
    /// without a value folder).
    #[serde(default)]
    pub initiative_metrics: Vec<InitiativeStat>,
    /// The business measures the service records, with their values.
    #[serde(default)]
    pub measures: Vec<MeasureData>,
    /// Only `as_of`: the moment its story is told from.
    pub story: Option<StoryAsOf>,
}

#[derive(Debug, Deserialize)]
pub struct StoryAsOf {
    pub as_of: Option<String>,
}

impl ServiceData {
    /// The day (`YYYY-MM-DD`) its data is as of, when its data.json says.
    pub fn as_of_day(&self) -> Option<String> {
        let day = self.story.as_ref()?.as_of.as_deref()?.get(..10)?;
        crate::content::units::Date::parse(day).ok()?;
        Some(day.to_string())
    }
}

/// One initiative's linked work in one service.
#[derive(Debug, Deserialize)]
pub struct InitiativeStat {
    pub id: String,
    #[serde(default)]
    pub commits: usize,
    #[serde(default)]
    pub shipped_commits: usize,
    /// The tags of the releases that shipped linked commits, in release order.
    #[serde(default)]
    pub releases: Vec<String>,
    /// When the last of them was released (RFC 3339).
    pub last_release: Option<String>,
    #[serde(default)]
    pub unreleased_commits: usize,
}

/// A business measure a service records, as its value folder writes it.
#[derive(Debug, Deserialize)]
pub struct MeasureData {
    pub id: String,
    /// `percent`, `money`, `number` or `duration`.
    pub unit: String,
    pub higher_is_better: bool,
    /// Day (`YYYY-MM-DD`) and value, oldest first.
    pub values: Vec<(String, f64)>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Periods {
    #[serde(default)]
    pub quarter: Vec<Quarter>,
    #[serde(default)]
    pub week: Vec<Span>,
    #[serde(default)]
    pub month: Vec<Span>,
}

/// A quarter's raw values, from which the portfolio judges the bands again.
#[derive(Debug, Deserialize)]
pub struct Quarter {
    pub period: String,
    pub start: String,
    pub end: String,
    /// The part of the quarter the history covers (absent before valuestory
    /// judged deployment frequency on it; the whole quarter then).
    pub observed_start: Option<String>,
    pub observed_end: Option<String>,
    pub deployments: usize,
    pub lead_time: Option<Stat>,
    pub change_failure_rate: Option<f64>,
    pub recovery_time: Option<Stat>,
}

#[derive(Debug, Deserialize)]
pub struct Stat {
    pub median_seconds: i64,
    pub count: usize,
}

/// A week or a month, and its deploy-days.
#[derive(Debug, Deserialize)]
pub struct Span {
    pub start: String,
    pub end: String,
    pub deploy_days: usize,
}

/// The length of a list, counted as it streams past.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Count(pub usize);

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Count, D::Error> {
        struct Counter;
        impl<'de> Visitor<'de> for Counter {
            type Value = Count;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a list")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Count, A::Error> {
                let mut n = 0;
                while seq.next_element::<IgnoredAny>()?.is_some() {
                    n += 1;
                }
                Ok(Count(n))
            }
        }
        deserializer.deserialize_seq(Counter)
    }
}

/// Reads a data.json from a file.
pub fn read(path: &Path) -> Result<ServiceData, String> {
    let file = std::fs::File::open(path)
        .map_err(|e| format!("{}: cannot read it: {e}", path.display()))?;
    from_reader(std::io::BufReader::new(file), &path.display().to_string())
}

/// Reads a data.json from `reader`, naming it `shown` in errors.
pub fn from_reader(reader: impl std::io::Read, shown: &str) -> Result<ServiceData, String> {
    let mut json = serde_json::Deserializer::from_reader(reader);
    let data: ServiceData = serde_path_to_error::deserialize(&mut json).map_err(|e| {
        let field = e.path().to_string();
        let inner = e.into_inner();
        format!(
            "{shown}:{}:{}: {} (field `{field}`): is it a valuestory data.json?",
            inner.line(),
            inner.column(),
            crate::error::without_json_position(&inner.to_string())
        )
    })?;
    json.end()
        .map_err(|e| format!("{shown}: {e}: more than one JSON document"))?;
    if data.schema_version > SCHEMA_VERSION {
        return Err(format!(
            "{shown}: written with data.json schema version {}, and this valuestory reads up to version {SCHEMA_VERSION}: use a newer valuestory",
            data.schema_version
        ));
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrong_field_is_named_with_its_place() {
        let text = r#"{"schema_version": 1, "periods": {"quarter": [{"period": "2026-Q1", "start": "a", "end": "b", "deployments": "many"}]}}"#;
        let error = from_reader(text.as_bytes(), "svc/data.json").unwrap_err();
        assert!(error.starts_with("svc/data.json:1:"), "{error}");
        assert!(
            error.contains("field `periods.quarter[0].deployments`"),
            "{error}"
        );
        let newer = r#"{"schema_version": 99, "periods": {}}"#;
        let error = from_reader(newer.as_bytes(), "n.json").unwrap_err();
        assert!(error.contains("schema version 99"), "{error}");
    }

    #[test]
    fn releases_are_counted_and_unknown_fields_skipped() {
        let text = r#"{"schema_version": 1, "story": {"x": [1, 2]}, "releases": [{"a": 1}, {"b": [2]}, 3], "periods": {"quarter": []}}"#;
        let data = from_reader(text.as_bytes(), "d.json").unwrap();
        assert_eq!(data.releases, Count(3));
    }
}
