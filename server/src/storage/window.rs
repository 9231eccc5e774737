//! Time ranges cut into buckets, answered from the per-issue count tables.
//!
//! Two granularities are stored: hours (`issue_buckets`, kept forever) and 5 minutes
//! (`issue_buckets_5m`, only the last [`FINE_RETENTION_MS`]). A range uses 5-minute counts when its
//! buckets would be narrower than an hour and it starts within the retention; otherwise hours. The
//! range is widened to whole buckets (its start rounded down to a multiple of the bucket width, its
//! end rounded up), so every count over a range is exact at that granularity: an event 10 minutes
//! before `from` counts when it falls in the first bucket.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

pub(super) const FIVE_MINUTES_MS: i64 = 300_000;
pub(super) const HOUR_MS: i64 = 3_600_000;
/// How long 5-minute counts are kept.
pub(super) const FINE_RETENTION_MS: i64 = 48 * HOUR_MS;
/// The range when none is given: the last day.
const DEFAULT_SPAN_MS: i64 = 24 * HOUR_MS;
/// Times past the year 9999 are refused, which keeps all arithmetic far from overflow.
const MAX_TIME_MS: i64 = 253_402_300_799_999;

/// How often a store's writes prune 5-minute counts past retention.
const PRUNE_EVERY_MS: i64 = 10 * 60_000;

/// When a store last pruned 5-minute counts; clones share it.
#[derive(Debug, Clone, Default)]
pub(super) struct PruneClock(Arc<AtomicI64>);

impl PruneClock {
    /// True at most once per [`PRUNE_EVERY_MS`]: the caller prunes then.
    pub fn due(&self, now: i64) -> bool {
        let last = self.0.load(Ordering::Relaxed);
        now - last >= PRUNE_EVERY_MS
            && self
                .0
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
    }
}

/// 5-minute counts older than this go; an hour past retention, so no range still reads them.
pub(super) fn prune_before(now: i64) -> i64 {
    now - FINE_RETENTION_MS - HOUR_MS
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Granularity {
    FiveMinutes,
    Hour,
}

impl Granularity {
    pub fn ms(self) -> i64 {
        match self {
            Self::FiveMinutes => FIVE_MINUTES_MS,
            Self::Hour => HOUR_MS,
        }
    }

    /// The table holding per-issue counts at this granularity (`issue_id`, `bucket`, `count`).
    pub fn table(self) -> &'static str {
        match self {
            Self::FiveMinutes => "issue_buckets_5m",
            Self::Hour => "issue_buckets",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RangeError {
    #[error("`from` must be before `to`")]
    Empty,
    #[error("`from` and `to` must be Unix milliseconds between 0 and year 9999")]
    OutOfRange,
}

/// A time range cut into `count` buckets of `width` ms from `start` (Unix ms).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeWindow {
    pub(super) start: i64,
    pub(super) width: i64,
    pub(super) count: usize,
    pub(super) granularity: Granularity,
    /// Whether the caller asked for a range (`from` or `to`); if not, lists are not filtered by time
    /// and the buckets cover the last day.
    pub(super) explicit: bool,
}

impl TimeWindow {
    /// `buckets` is a target: the widened range may need one more. `to` defaults to `now`, `from` to a
    /// day before `to`.
    pub fn new(
        from: Option<i64>,
        to: Option<i64>,
        buckets: u32,
        now: i64,
    ) -> Result<Self, RangeError> {
        let explicit = from.is_some() || to.is_some();
        let to = to.unwrap_or(now);
        let from = from.unwrap_or(to.saturating_sub(DEFAULT_SPAN_MS).max(0));
        if !(0..=MAX_TIME_MS).contains(&from) || !(0..=MAX_TIME_MS).contains(&to) {
            return Err(RangeError::OutOfRange);
        }
        if from >= to {
            return Err(RangeError::Empty);
        }
        let buckets = i64::from(buckets.max(1));
        let span = to - from;
        let per_bucket = div_ceil(span, buckets);
        let granularity = if per_bucket < HOUR_MS && from >= now - FINE_RETENTION_MS {
            Granularity::FiveMinutes
        } else {
            Granularity::Hour
        };
        let unit = granularity.ms();
        let width = div_ceil(per_bucket, unit).max(1) * unit;
        let start = from.div_euclid(width) * width;
        let count = usize::try_from(div_ceil(to - start, width)).unwrap_or(usize::MAX);
        Ok(Self {
            start,
            width,
            count,
            granularity,
            explicit,
        })
    }

    /// The first millisecond after the last bucket.
    pub fn end(&self) -> i64 {
        self.start + self.width * self.count as i64
    }

    pub fn bucket_ms(&self) -> i64 {
        self.width
    }

    pub fn starts(&self) -> Vec<i64> {
        (0..self.count as i64)
            .map(|i| self.start + i * self.width)
            .collect()
    }

    /// Whether `[first_seen, last_seen]` lies inside the window.
    pub(super) fn covers(&self, first_seen: i64, last_seen: i64) -> bool {
        self.start <= first_seen && last_seen < self.end()
    }
}

/// `a / b` rounded up, for `a >= 0` and `b > 0` (`i64::div_ceil` is unstable).
fn div_ceil(a: i64, b: i64) -> i64 {
    (a + b - 1) / b
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000_000;

    #[test]
    fn windows_widen_to_whole_buckets() {
        let day = 24 * HOUR_MS;
        // (from, to, buckets, now) -> (start, width, count, granularity)
        for (case, from, to, buckets, expected) in [
            (
                "a day on the hour",
                Some(NOW - day),
                Some(NOW),
                24,
                (NOW - day, HOUR_MS, 24, Granularity::Hour),
            ),
            (
                "a day off the hour needs one more bucket",
                Some(NOW - day + 1_000),
                Some(NOW + 1_000),
                24,
                (NOW - day, HOUR_MS, 25, Granularity::Hour),
            ),
            (
                "the last hour in 5-minute buckets",
                Some(NOW - HOUR_MS),
                Some(NOW),
                12,
                (NOW - HOUR_MS, FIVE_MINUTES_MS, 12, Granularity::FiveMinutes),
            ),
            (
                "four hours in 24 buckets of 10 minutes",
                Some(NOW - 4 * HOUR_MS),
                Some(NOW),
                24,
                (
                    NOW - 4 * HOUR_MS,
                    2 * FIVE_MINUTES_MS,
                    24,
                    Granularity::FiveMinutes,
                ),
            ),
            (
                "an old short range falls back to hours",
                Some(1_000),
                Some(5_000),
                24,
                (0, HOUR_MS, 1, Granularity::Hour),
            ),
            (
                "a week in 7 buckets of a day, starting at midnight UTC",
                Some(NOW - 7 * day),
                Some(NOW),
                7,
                (1_799_366_400_000, day, 8, Granularity::Hour),
            ),
        ] {
            let w = TimeWindow::new(from, to, buckets, NOW).expect(case);
            assert_eq!(
                (w.start, w.width, w.count, w.granularity),
                expected,
                "{case}"
            );
            assert!(
                w.start <= from.unwrap_or(0) && w.end() >= to.unwrap_or(0),
                "{case}"
            );
        }
    }

    #[test]
    fn default_window_is_the_last_day() {
        let w = TimeWindow::new(None, None, 24, NOW).expect("window");
        assert!(!w.explicit);
        assert_eq!((w.start, w.end(), w.count), (NOW - 24 * HOUR_MS, NOW, 24));
        assert!(
            TimeWindow::new(Some(NOW - HOUR_MS), None, 24, NOW)
                .expect("from")
                .explicit
        );
    }

    #[test]
    fn bad_ranges_are_refused() {
        assert_eq!(
            TimeWindow::new(Some(5), Some(5), 24, NOW),
            Err(RangeError::Empty)
        );
        assert_eq!(
            TimeWindow::new(Some(-1), Some(5), 24, NOW),
            Err(RangeError::OutOfRange)
        );
        assert_eq!(
            TimeWindow::new(Some(0), Some(i64::MAX), 24, NOW),
            Err(RangeError::OutOfRange)
        );
    }
}
