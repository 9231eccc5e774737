//! The time range of the explorer and the issue page: the last 15 minutes to 30 days, or a custom
//! `from`–`to`. In URLs a preset is `range=1d`; a custom range is `from=2026-11-25T14:00&to=...`
//! (UTC, the format of `<input type="datetime-local">`). The server resolves presets against its
//! own clock, so the page and its data agree.

use domain::explorer::RangeQuery;
use serde::{Deserialize, Serialize};

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// A preset range ending now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Period {
    #[serde(rename = "15m")]
    Minutes15,
    #[serde(rename = "1h")]
    Hour1,
    #[serde(rename = "4h")]
    Hours4,
    #[default]
    #[serde(rename = "1d")]
    Day1,
    #[serde(rename = "7d")]
    Days7,
    #[serde(rename = "30d")]
    Days30,
}

impl Period {
    pub const ALL: [Self; 6] = [
        Self::Minutes15,
        Self::Hour1,
        Self::Hours4,
        Self::Day1,
        Self::Days7,
        Self::Days30,
    ];

    /// The URL value, also the button's text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Minutes15 => "15m",
            Self::Hour1 => "1h",
            Self::Hours4 => "4h",
            Self::Day1 => "1d",
            Self::Days7 => "7d",
            Self::Days30 => "30d",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Minutes15 => "Last 15 minutes",
            Self::Hour1 => "Last hour",
            Self::Hours4 => "Last 4 hours",
            Self::Day1 => "Last day",
            Self::Days7 => "Last 7 days",
            Self::Days30 => "Last 30 days",
        }
    }

    pub fn ms(self) -> i64 {
        match self {
            Self::Minutes15 => 15 * MINUTE,
            Self::Hour1 => HOUR,
            Self::Hours4 => 4 * HOUR,
            Self::Day1 => DAY,
            Self::Days7 => 7 * DAY,
            Self::Days30 => 30 * DAY,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeRange {
    Last(Period),
    /// Unix ms, `from < to`.
    Between {
        from: i64,
        to: i64,
    },
}

impl Default for TimeRange {
    fn default() -> Self {
        Self::Last(Period::default())
    }
}

/// How finely a range is cut: a sparkline needs fewer buckets than the issue page's chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    Sparkline,
    Chart,
}

impl TimeRange {
    /// The range for the API as of `now`. Buckets are at least 5 minutes wide (the finest stored
    /// counts), so short ranges get few of them.
    pub fn resolve(self, now: i64, detail: Detail) -> RangeQuery {
        let span = match self {
            Self::Last(period) => period.ms(),
            Self::Between { from, to } => to - from,
        };
        // `to` is sent for the last periods too: left to the server's clock, the span would grow by
        // the milliseconds until it reads it, enough to double the bucket width of a short range.
        let (from, to) = match self {
            Self::Last(period) => (now - period.ms(), now),
            Self::Between { from, to } => (from, to),
        };
        let wanted: i64 = match detail {
            Detail::Sparkline => 24,
            Detail::Chart => 48,
        };
        let buckets = (span / (5 * MINUTE)).clamp(1, wanted);
        RangeQuery {
            from: Some(from.max(0)),
            to: Some(to),
            buckets: u32::try_from(buckets).ok(),
        }
    }

    /// Reads `range`, or `from` and `to`, from a URL's values; anything else is the default range.
    pub fn from_params(range: Option<&str>, from: Option<&str>, to: Option<&str>) -> Self {
        let custom = from
            .and_then(parse_datetime)
            .zip(to.and_then(parse_datetime));
        match (custom, range.and_then(Period::parse)) {
            (Some((from, to)), _) if from < to => Self::Between { from, to },
            (_, Some(period)) => Self::Last(period),
            _ => Self::default(),
        }
    }

    /// The URL's `(key, value)` pairs for this range; none for the default.
    pub fn params(self) -> Vec<(&'static str, String)> {
        match self {
            range if range == Self::default() => Vec::new(),
            Self::Last(period) => vec![("range", period.as_str().to_owned())],
            Self::Between { from, to } => {
                vec![("from", format_datetime(from)), ("to", format_datetime(to))]
            }
        }
    }

    pub fn label(self) -> String {
        match self {
            Self::Last(period) => period.label().to_owned(),
            Self::Between { from, to } => {
                format!(
                    "{} – {} UTC",
                    format_datetime(from).replace('T', " "),
                    format_datetime(to).replace('T', " ")
                )
            }
        }
    }
}

/// `2026-11-25T14:03` (UTC, minutes) as Unix ms; seconds (`:09`) are accepted too.
pub fn parse_datetime(text: &str) -> Option<i64> {
    let (date, time) = text.trim().split_once('T')?;
    let mut date_parts = date.splitn(3, '-');
    let year: i64 = number(date_parts.next()?, 4)?;
    let month: i64 = number(date_parts.next()?, 2)?;
    let day: i64 = number(date_parts.next()?, 2)?;
    let mut time_parts = time.splitn(3, ':');
    let hour: i64 = number(time_parts.next()?, 2)?;
    let minute: i64 = number(time_parts.next()?, 2)?;
    let second: i64 = match time_parts.next() {
        Some(s) => number(s, 2)?,
        None => 0,
    };
    let valid = (1970..=9999).contains(&year)
        && (1..=12).contains(&month)
        && (1..=days_in_month(year, month)).contains(&day)
        && hour < 24
        && minute < 60
        && second < 60;
    valid.then(|| {
        let days = days_from_civil(year, month, day);
        ((days * 24 + hour) * 60 + minute) * MINUTE + second * 1000
    })
}

/// Unix ms as `2026-11-25T14:03` (UTC), the value of a `datetime-local` input.
pub fn format_datetime(ms: i64) -> String {
    let (date, (h, m, _)) = crate::components::split_utc(ms);
    format!("{date}T{h:02}:{m:02}")
}

fn number(text: &str, digits: usize) -> Option<i64> {
    (text.len() == digits && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

fn days_in_month(year: i64, month: i64) -> i64 {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes_round_trip() {
        let cases = [
            ("1970-01-01T00:00", Some(0)),
            ("2000-02-29T12:30", Some(951_827_400_000)),
            ("2026-11-25T14:03", Some(1_795_615_380_000)),
            ("2026-11-25T14:03:09", Some(1_795_615_389_000)),
            ("2026-02-29T00:00", None),
            ("2026-13-01T00:00", None),
            ("2026-11-25 14:03", None),
            ("2026-11-25T24:00", None),
            ("1969-12-31T23:59", None),
            ("+026-11-25T14:03", None),
            ("", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_datetime(text), want, "{text}");
            if let Some(ms) = want.filter(|ms| ms % MINUTE == 0) {
                assert_eq!(format_datetime(ms), text);
            }
        }
    }

    #[test]
    fn ranges_read_from_the_url() {
        let cases = [
            ((None, None, None), TimeRange::default()),
            ((Some("7d"), None, None), TimeRange::Last(Period::Days7)),
            ((Some("2w"), None, None), TimeRange::default()),
            (
                (
                    Some("7d"),
                    Some("2026-11-25T14:00"),
                    Some("2026-11-25T15:00"),
                ),
                TimeRange::Between {
                    from: 1_795_615_200_000,
                    to: 1_795_618_800_000,
                },
            ),
            // Backwards or half-given custom ranges fall back on the preset.
            (
                (
                    Some("4h"),
                    Some("2026-11-25T15:00"),
                    Some("2026-11-25T14:00"),
                ),
                TimeRange::Last(Period::Hours4),
            ),
            ((None, Some("2026-11-25T15:00"), None), TimeRange::default()),
        ];
        for ((range, from, to), want) in cases {
            let got = TimeRange::from_params(range, from, to);
            assert_eq!(got, want, "{range:?} {from:?} {to:?}");
            let params = got.params();
            let get = |key: &str| {
                params
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map(|(_, v)| v.as_str())
            };
            assert_eq!(
                TimeRange::from_params(get("range"), get("from"), get("to")),
                got
            );
        }
    }

    #[test]
    fn ranges_resolve_to_buckets_of_at_least_five_minutes() {
        let now = 1_800_000_000_000;
        let cases = [
            (
                TimeRange::Last(Period::Minutes15),
                Detail::Sparkline,
                now - 15 * MINUTE,
                now,
                3,
            ),
            (
                TimeRange::Last(Period::Hour1),
                Detail::Chart,
                now - HOUR,
                now,
                12,
            ),
            (
                TimeRange::Last(Period::Day1),
                Detail::Sparkline,
                now - DAY,
                now,
                24,
            ),
            (
                TimeRange::Last(Period::Days7),
                Detail::Chart,
                now - 7 * DAY,
                now,
                48,
            ),
            (
                TimeRange::Between {
                    from: 1_000,
                    to: 1_000 + 2 * HOUR,
                },
                Detail::Chart,
                1_000,
                1_000 + 2 * HOUR,
                24,
            ),
        ];
        for (range, detail, from, to, buckets) in cases {
            let got = range.resolve(now, detail);
            assert_eq!(
                (got.from, got.to, got.buckets),
                (Some(from), Some(to), Some(buckets)),
                "{range:?}"
            );
        }
    }
}
