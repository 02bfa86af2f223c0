//! Dates as valuestory reads and writes them: ISO 8601 in, RFC 3339 UTC out.

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;

/// `2025-03-01` (midnight UTC), `2025-03-01T10:00:00` (UTC) or with `Z` or an offset,
/// as seconds since the epoch.
pub fn parse_date_or_datetime(text: &str) -> Result<i64, String> {
    let text = text.trim();
    if let Ok(ts) = text.parse::<Timestamp>() {
        return Ok(ts.as_second());
    }
    if let Ok(dt) = text.parse::<DateTime>()
        && (text.contains('T') || text.contains(' '))
    {
        return TimeZone::UTC
            .to_timestamp(dt)
            .map(|ts| ts.as_second())
            .map_err(|e| format!("invalid date-time `{text}`: {e}"));
    }
    match text.parse::<Date>() {
        Ok(d) => TimeZone::UTC
            .to_timestamp(d.to_datetime(jiff::civil::Time::midnight()))
            .map(|ts| ts.as_second())
            .map_err(|e| format!("invalid date `{text}`: {e}")),
        Err(_) => Err(format!(
            "invalid date `{text}`: expected YYYY-MM-DD or an ISO 8601 date-time such as 2025-03-01T10:00:00Z"
        )),
    }
}

/// `2025-03-01T10:00:00Z`.
pub fn rfc3339(seconds: i64) -> String {
    match Timestamp::from_second(seconds) {
        Ok(ts) => ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        Err(_) => "1970-01-01T00:00:00Z".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_datetimes_parse_as_utc_unless_offset_given() {
        assert_eq!(parse_date_or_datetime("1970-01-02").unwrap(), 86_400);
        assert_eq!(
            parse_date_or_datetime("1970-01-01T01:00:00").unwrap(),
            3_600
        );
        assert_eq!(
            parse_date_or_datetime("1970-01-01T01:00:00Z").unwrap(),
            3_600
        );
        assert_eq!(
            parse_date_or_datetime("1970-01-01T03:00:00+02:00").unwrap(),
            3_600
        );
        assert!(parse_date_or_datetime("2025-02-30").is_err());
        assert!(parse_date_or_datetime("soon").is_err());
    }

    #[test]
    fn rfc3339_is_utc_with_z() {
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
    }
}
