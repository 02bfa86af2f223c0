//! The small value types people write by hand in the value folder: durations
//! (`90m`, `4h`, `1d 4h`, `1.5w`), percentages (`85%`), money (`120000`, `$120,000`,
//! `120k`, `EUR 1.2M`), dates (`2025-03-01`), date-times (ISO 8601, UTC unless an
//! offset is given) and quarters (`2025-Q3`). Each parses with a message that says
//! what was expected, never panics, and prints in a form it parses back.

use std::fmt;

/// A span of time in whole seconds.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, schemars::JsonSchema,
)]
#[serde(transparent)]
pub struct Duration(pub i64);

const UNITS: [(char, i64); 5] = [
    ('w', 604_800),
    ('d', 86_400),
    ('h', 3_600),
    ('m', 60),
    ('s', 1),
];

/// The longest duration accepted: 100 years, far beyond any real stage or guardrail.
pub const MAX_DURATION: i64 = 100 * 365 * 86_400;

impl Duration {
    /// One or more `<number><unit>` parts (units w, d, h, m, s), optionally separated
    /// by spaces; numbers may have a decimal point.
    pub fn parse(text: &str) -> Result<Duration, String> {
        let expected = || {
            format!(
                "invalid duration `{}`: expected a number and a unit (w, d, h, m or s), such as 90m, 4h, 2d, 1w or 1d 4h",
                text.trim()
            )
        };
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        if compact.is_empty() {
            return Err(expected());
        }
        let mut total: f64 = 0.0;
        let mut number = String::new();
        for c in compact.chars() {
            if c.is_ascii_digit() || c == '.' {
                number.push(c);
                continue;
            }
            let unit = UNITS
                .iter()
                .find(|(u, _)| *u == c.to_ascii_lowercase())
                .ok_or_else(expected)?;
            if number.is_empty()
                || number.chars().filter(|c| *c == '.').count() > 1
                || number == "."
            {
                return Err(expected());
            }
            let value: f64 = number.parse().map_err(|_| expected())?;
            total += value * unit.1 as f64;
            number.clear();
        }
        if !number.is_empty() {
            return Err(expected());
        }
        if !total.is_finite() || total > MAX_DURATION as f64 {
            return Err(format!(
                "duration `{}` is longer than 100 years",
                text.trim()
            ));
        }
        Ok(Duration(total.round() as i64))
    }
}

impl fmt::Display for Duration {
    /// Whole units, largest first: `1d 4h`, `90s` as `1m 30s`, zero as `0m`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            return f.write_str("0m");
        }
        let mut left = self.0;
        let mut parts = Vec::new();
        for (unit, size) in UNITS {
            if left >= size {
                parts.push(format!("{}{unit}", left / size));
                left %= size;
            }
        }
        f.write_str(&parts.join(" "))
    }
}

/// A share, stored as a fraction (0.85 for 85%).
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd, serde::Serialize, schemars::JsonSchema)]
#[serde(transparent)]
pub struct Percent(pub f64);

impl Percent {
    /// `85%`, `12.5 %`; from 0% to 100%.
    pub fn parse(text: &str) -> Result<Percent, String> {
        let t = text.trim();
        let Some(number) = t.strip_suffix('%') else {
            return Err(format!(
                "invalid percentage `{t}`: write it with a percent sign, such as 85%"
            ));
        };
        let value: f64 = number.trim().parse().map_err(|_| {
            format!("invalid percentage `{t}`: expected a number before the %, such as 85%")
        })?;
        if !(0.0..=100.0).contains(&value) {
            return Err(format!("percentage `{t}` must be between 0% and 100%"));
        }
        Ok(Percent(value / 100.0))
    }
}

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Up to four decimals, trailing zeros dropped: 0.125 -> 12.5%.
        let mut s = format!("{:.4}", self.0 * 100.0);
        while s.ends_with('0') {
            s.pop();
        }
        if s.ends_with('.') {
            s.pop();
        }
        write!(f, "{s}%")
    }
}

/// An amount of money in the configured currency, in whole cents; serialized as a
/// number of currency units (`1250` or `1250.5`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Money(pub i64);

impl serde::Serialize for Money {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0 % 100 == 0 {
            s.serialize_i64(self.0 / 100)
        } else {
            s.serialize_f64(self.units())
        }
    }
}

impl Money {
    /// A number with optional thousands separators, decimals, a `k` or `M` suffix and
    /// a leading currency sign or code: `120000`, `$120,000.50`, `120k`, `EUR 1.2M`.
    pub fn parse(text: &str) -> Result<Money, String> {
        let t = text.trim();
        let expected = || {
            format!(
                "invalid amount `{t}`: expected a number such as 120000, 120k, 1.5M or $120,000"
            )
        };
        let rest = t
            .trim_start_matches(|c: char| c.is_alphabetic() || "$€£¥".contains(c))
            .trim();
        let (number, scale) = match rest.chars().last() {
            Some('k' | 'K') => (&rest[..rest.len() - 1], 1_000.0),
            Some('M') => (&rest[..rest.len() - 1], 1_000_000.0),
            _ => (rest, 1.0),
        };
        let digits: String = number.chars().filter(|c| *c != ',' && *c != '_').collect();
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit() || c == '.') {
            return Err(expected());
        }
        let value: f64 = digits.parse().map_err(|_| expected())?;
        let cents = (value * scale * 100.0).round();
        if !cents.is_finite() || cents > 1e17 {
            return Err(format!("amount `{t}` is too large"));
        }
        Ok(Money(cents as i64))
    }

    pub fn units(&self) -> f64 {
        self.0 as f64 / 100.0
    }
}

impl fmt::Display for Money {
    /// `120000` or `120000.50`: what [`Money::parse`] reads back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 % 100 == 0 {
            write!(f, "{}", self.0 / 100)
        } else {
            write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
        }
    }
}

/// A calendar date, without a time or a time zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub jiff::civil::Date);

impl Date {
    pub fn parse(text: &str) -> Result<Date, String> {
        let t = text.trim();
        if t.len() != 10 {
            return Err(format!(
                "invalid date `{t}`: expected YYYY-MM-DD, such as 2025-03-01"
            ));
        }
        t.parse::<jiff::civil::Date>().map(Date).map_err(|_| {
            format!(
                "invalid date `{t}`: expected a real day written YYYY-MM-DD, such as 2025-03-01"
            )
        })
    }

    /// Midnight UTC at the start of the day, in seconds since the epoch.
    pub fn start_seconds(&self) -> i64 {
        jiff::tz::TimeZone::UTC
            .to_timestamp(self.0.to_datetime(jiff::civil::Time::midnight()))
            .map(|t| t.as_second())
            .unwrap_or(0)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl serde::Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// An instant, in seconds since the epoch; read as UTC unless an offset is given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime(pub i64);

impl DateTime {
    pub fn parse(text: &str) -> Result<DateTime, String> {
        let t = text.trim();
        if t.len() < 10 {
            return Err(format!(
                "invalid date-time `{t}`: expected ISO 8601, such as 2025-05-02T10:14:00Z"
            ));
        }
        crate::time::parse_date_or_datetime(t).map(DateTime)
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::time::rfc3339(self.0))
    }
}

impl serde::Serialize for DateTime {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A calendar quarter such as `2025-Q3`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quarter {
    pub year: i16,
    pub quarter: u8,
}

impl Quarter {
    pub fn parse(text: &str) -> Result<Quarter, String> {
        let t = text.trim();
        let bad = || format!("invalid quarter `{t}`: expected YYYY-QN, such as 2025-Q3");
        let (year, q) = t.split_once(['-', ' ']).ok_or_else(bad)?;
        let q = q.strip_prefix(['Q', 'q']).ok_or_else(bad)?;
        let year: i16 = year.parse().map_err(|_| bad())?;
        let quarter: u8 = q.parse().map_err(|_| bad())?;
        if !(1..=4).contains(&quarter) || !(1970..=9999).contains(&year) {
            return Err(bad());
        }
        Ok(Quarter { year, quarter })
    }

    /// The quarter holding an instant.
    pub fn of(seconds: i64) -> Quarter {
        let date = jiff::tz::TimeZone::UTC
            .to_datetime(
                jiff::Timestamp::from_second(seconds).unwrap_or(jiff::Timestamp::UNIX_EPOCH),
            )
            .date();
        Quarter {
            year: date.year(),
            quarter: ((date.month() - 1) / 3 + 1) as u8,
        }
    }

    pub fn start_seconds(&self) -> i64 {
        let month = (self.quarter as i8 - 1) * 3 + 1;
        jiff::civil::Date::new(self.year, month, 1)
            .map(|d| Date(d).start_seconds())
            .unwrap_or(0)
    }

    pub fn next(&self) -> Quarter {
        if self.quarter == 4 {
            Quarter {
                year: self.year + 1,
                quarter: 1,
            }
        } else {
            Quarter {
                year: self.year,
                quarter: self.quarter + 1,
            }
        }
    }

    /// The first second after the quarter.
    pub fn end_seconds(&self) -> i64 {
        self.next().start_seconds()
    }
}

impl fmt::Display for Quarter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-Q{}", self.year, self.quarter)
    }
}

impl serde::Serialize for Quarter {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A hand-written serialization, described by hand: `$name`, and the schema its text
/// or number keeps to.
macro_rules! described {
    ($ty:ty, $name:literal, $schema:tt) => {
        impl schemars::JsonSchema for $ty {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                $name.into()
            }
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!($schema)
            }
        }
    };
}

described!(Money, "Money", {
    "description": "An amount in the value folder's currency: whole units, or with cents.",
    "type": "number"
});
described!(Date, "Date", {"type": "string", "format": "date"});
described!(DateTime, "DateTime", {"type": "string", "format": "date-time"});
described!(Quarter, "Quarter", {"type": "string", "pattern": "^[0-9]{4}-Q[1-4]$"});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_every_unit() {
        assert_eq!(Duration::parse("90m").unwrap(), Duration(5_400));
        assert_eq!(Duration::parse("4h").unwrap(), Duration(14_400));
        assert_eq!(Duration::parse("2d").unwrap(), Duration(172_800));
        assert_eq!(Duration::parse("1w").unwrap(), Duration(604_800));
        assert_eq!(Duration::parse("1d 4h").unwrap(), Duration(100_800));
        assert_eq!(Duration::parse("1.5d").unwrap(), Duration(129_600));
        assert_eq!(Duration(5_400).to_string(), "1h 30m");
        for bad in ["", "5", "h", "2x", "1..5d", "-2d", "d2"] {
            assert!(Duration::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn percentages_need_the_sign_and_a_range() {
        assert_eq!(Percent::parse("85%").unwrap(), Percent(0.85));
        assert_eq!(Percent::parse("12.5 %").unwrap().to_string(), "12.5%");
        assert!(Percent::parse("85").unwrap_err().contains("percent sign"));
        assert!(Percent::parse("120%").is_err());
    }

    #[test]
    fn money_in_the_forms_people_write() {
        assert_eq!(Money::parse("120000").unwrap(), Money(12_000_000));
        assert_eq!(Money::parse("$120,000.50").unwrap(), Money(12_000_050));
        assert_eq!(Money::parse("120k").unwrap(), Money(12_000_000));
        assert_eq!(Money::parse("EUR 1.2M").unwrap(), Money(120_000_000));
        assert!(Money::parse("lots").is_err());
        assert!(Money::parse("-5").is_err());
    }

    #[test]
    fn dates_and_quarters() {
        assert_eq!(Date::parse("2025-03-01").unwrap().to_string(), "2025-03-01");
        assert!(Date::parse("2025-02-30").is_err());
        assert!(Date::parse("2025-3-1").is_err());
        assert_eq!(
            DateTime::parse("2025-05-02T12:14:00+02:00")
                .unwrap()
                .to_string(),
            "2025-05-02T10:14:00Z"
        );
        let q = Quarter::parse("2025-Q3").unwrap();
        assert_eq!(q.to_string(), "2025-Q3");
        assert_eq!(
            crate::time::rfc3339(q.start_seconds()),
            "2025-07-01T00:00:00Z"
        );
        assert_eq!(
            crate::time::rfc3339(q.end_seconds()),
            "2025-10-01T00:00:00Z"
        );
        assert_eq!(Quarter::of(q.end_seconds() - 1), q);
        assert!(Quarter::parse("2025-Q5").is_err());
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        // PROPTEST_CASES=100000 runs the long version (see the README).
        #![proptest_config(ProptestConfig { cases: crate::testing::property_cases(2_000), failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn parsers_never_panic(text in any::<String>()) {
            let _ = Duration::parse(&text);
            let _ = Percent::parse(&text);
            let _ = Money::parse(&text);
            let _ = Date::parse(&text);
            let _ = DateTime::parse(&text);
            let _ = Quarter::parse(&text);
        }

        #[test]
        fn parsers_never_panic_on_near_misses(text in "[0-9.,:%kKMT Z$€+-]{0,24}[wdhmsQ%]?") {
            let _ = Duration::parse(&text);
            let _ = Percent::parse(&text);
            let _ = Money::parse(&text);
            let _ = Date::parse(&text);
            let _ = DateTime::parse(&text);
            let _ = Quarter::parse(&text);
        }

        #[test]
        fn duration_round_trips(seconds in 0i64..MAX_DURATION) {
            let d = Duration(seconds);
            prop_assert_eq!(Duration::parse(&d.to_string()), Ok(d));
        }

        #[test]
        fn percent_round_trips(ten_thousandths in 0u32..=1_000_000) {
            let printed = Percent(ten_thousandths as f64 / 1_000_000.0).to_string();
            let again = Percent::parse(&printed).unwrap().to_string();
            prop_assert_eq!(again, printed);
        }

        #[test]
        fn money_round_trips(cents in 0i64..1_000_000_000_000) {
            prop_assert_eq!(Money::parse(&Money(cents).to_string()), Ok(Money(cents)));
        }

        #[test]
        fn dates_round_trip(days in 0i64..40_000, second in 0i64..86_400) {
            let date = jiff::civil::Date::new(1970, 1, 1).unwrap() + jiff::Span::new().days(days);
            let d = Date(date);
            prop_assert_eq!(Date::parse(&d.to_string()), Ok(d));
            let t = DateTime(d.start_seconds() + second);
            prop_assert_eq!(DateTime::parse(&t.to_string()), Ok(t));
            let q = Quarter::of(t.0);
            prop_assert_eq!(Quarter::parse(&q.to_string()), Ok(q));
            prop_assert!(q.start_seconds() <= t.0 && t.0 < q.end_seconds());
        }
    }
}
