//! Order statistics used by every metric, defined once so that the methodology
//! section can name them exactly.

/// Median and 90th percentile of durations in seconds, and how many fell in each
/// of the [`BUCKETS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct Summary {
    pub median_seconds: i64,
    pub p90_seconds: i64,
    pub count: usize,
    pub buckets: [usize; 5],
}

/// The upper edges of the duration buckets (under an hour, a day, a week, 30 days,
/// and longer), with their names.
pub const BUCKETS: [(i64, &str); 5] = [
    (3_600, "under an hour"),
    (86_400, "under a day"),
    (604_800, "under a week"),
    (2_592_000, "under 30 days"),
    (i64::MAX, "30 days or more"),
];

/// How many of `values` fall in each of the [`BUCKETS`].
pub fn buckets(values: &[i64]) -> [usize; 5] {
    let mut counts = [0; 5];
    for &v in values {
        let i = BUCKETS.iter().position(|(edge, _)| v < *edge).unwrap_or(4);
        counts[i] += 1;
    }
    counts
}

/// `None` for no values. The median of an even count is the mean of the two middle
/// values, rounded down to a whole second; p90 is the nearest-rank percentile (the
/// smallest value with at least 90% of the values at or below it).
pub fn summarize(values: &mut [i64]) -> Option<Summary> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    Some(Summary {
        median_seconds: median_sorted(values),
        p90_seconds: percentile_sorted(values, 90),
        count: values.len(),
        buckets: buckets(values),
    })
}

fn median_sorted(sorted: &[i64]) -> i64 {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        let (a, b) = (sorted[n / 2 - 1] as i128, sorted[n / 2] as i128);
        (a + b).div_euclid(2) as i64
    }
}

/// Nearest rank: the value at 1-based rank ceil(p/100 * n).
fn percentile_sorted(sorted: &[i64], p: usize) -> i64 {
    let n = sorted.len();
    let rank = (p * n).div_ceil(100).max(1);
    sorted[rank - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_even_count_is_mean_of_middle_pair() {
        // sorted: 1 2 3 10 -> (2 + 3) / 2 = 2.5, rounded down to 2
        let s = summarize(&mut [10, 1, 3, 2]).unwrap();
        assert_eq!(s.median_seconds, 2);
        // nearest rank: ceil(0.9 * 4) = 4th value = 10
        assert_eq!(s.p90_seconds, 10);
        assert_eq!(s.count, 4);
    }

    #[test]
    fn p90_of_ten_values_is_the_ninth() {
        let mut v: Vec<i64> = (1..=10).collect();
        let s = summarize(&mut v).unwrap();
        assert_eq!(s.p90_seconds, 9);
        assert_eq!(s.median_seconds, 5); // (5 + 6) / 2 = 5.5 -> 5
    }

    #[test]
    fn empty_has_no_summary() {
        assert!(summarize(&mut []).is_none());
    }
}
