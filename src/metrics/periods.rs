//! Calendar periods in UTC: ISO weeks (from Monday), months, calendar quarters and
//! years, with labels such as `2026-W27`, `2026-07`, `2026-Q3` and `2026`.

use jiff::civil::Date;
use jiff::tz::TimeZone;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Week,
    Month,
    Quarter,
    Year,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Week, Kind::Month, Kind::Quarter, Kind::Year];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Week => "week",
            Kind::Month => "month",
            Kind::Quarter => "quarter",
            Kind::Year => "year",
        }
    }
}

/// One period: `[start, end)` in seconds since the epoch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Period {
    pub kind: Kind,
    pub label: String,
    pub start: i64,
    pub end: i64,
}

fn date_of(seconds: i64) -> Date {
    TimeZone::UTC
        .to_datetime(jiff::Timestamp::from_second(seconds).unwrap_or(jiff::Timestamp::UNIX_EPOCH))
        .date()
}

fn start_of(date: Date) -> i64 {
    TimeZone::UTC
        .to_timestamp(date.to_datetime(jiff::civil::Time::midnight()))
        .map(|t| t.as_second())
        .unwrap_or(0)
}

/// The period of `kind` holding the instant `seconds`.
pub fn containing(kind: Kind, seconds: i64) -> Period {
    let d = date_of(seconds);
    let (first, next, label) = match kind {
        Kind::Week => {
            let monday = d - jiff::Span::new().days(i64::from(d.weekday().to_monday_zero_offset()));
            let iso = d.iso_week_date();
            (
                monday,
                monday + jiff::Span::new().days(7),
                format!("{}-W{:02}", iso.year(), iso.week()),
            )
        }
        Kind::Month => {
            let first = d.first_of_month();
            (
                first,
                first + jiff::Span::new().months(1),
                format!("{}-{:02}", d.year(), d.month()),
            )
        }
        Kind::Quarter => {
            let q = (d.month() - 1) / 3;
            let first = Date::new(d.year(), q * 3 + 1, 1).unwrap_or(d);
            (
                first,
                first + jiff::Span::new().months(3),
                format!("{}-Q{}", d.year(), q + 1),
            )
        }
        Kind::Year => {
            let first = Date::new(d.year(), 1, 1).unwrap_or(d);
            (
                first,
                first + jiff::Span::new().years(1),
                format!("{}", d.year()),
            )
        }
    };
    Period {
        kind,
        label,
        start: start_of(first),
        end: start_of(next),
    }
}

/// Every period of `kind` from the one holding `first` to the one holding `last`,
/// empty ones included.
pub fn between(kind: Kind, first: i64, last: i64) -> Vec<Period> {
    let mut out = Vec::new();
    let mut p = containing(kind, first);
    let last = last.max(first);
    loop {
        let next_start = p.end;
        out.push(p);
        if next_start > last {
            break;
        }
        p = containing(kind, next_start);
    }
    out
}

/// The UTC day number of an instant (days since 1970-01-01).
pub fn day(seconds: i64) -> i64 {
    seconds.div_euclid(86_400)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> i64 {
        crate::time::parse_date_or_datetime(text).unwrap()
    }

    #[test]
    fn iso_weeks_start_on_monday_and_cross_years() {
        // 2026-01-01 is a Thursday in ISO week 2026-W01, which starts Mon 2025-12-29.
        let w = containing(Kind::Week, at("2026-01-01T12:00:00Z"));
        assert_eq!(w.label, "2026-W01");
        assert_eq!(crate::time::rfc3339(w.start), "2025-12-29T00:00:00Z");
        assert_eq!(w.end - w.start, 7 * 86_400);
        // 2027-01-01 (a Friday) still belongs to 2026-W53.
        assert_eq!(containing(Kind::Week, at("2027-01-01")).label, "2026-W53");
    }

    #[test]
    fn quarters_months_and_empty_periods() {
        let q = containing(Kind::Quarter, at("2025-08-15"));
        assert_eq!(
            (q.label.as_str(), crate::time::rfc3339(q.start)),
            ("2025-Q3", "2025-07-01T00:00:00Z".into())
        );
        assert_eq!(crate::time::rfc3339(q.end), "2025-10-01T00:00:00Z");
        let months: Vec<String> = between(Kind::Month, at("2025-11-30"), at("2026-02-01"))
            .into_iter()
            .map(|p| p.label)
            .collect();
        assert_eq!(months, ["2025-11", "2025-12", "2026-01", "2026-02"]);
        assert_eq!(
            between(Kind::Year, at("2025-01-01"), at("2025-01-01")).len(),
            1
        );
    }
}
