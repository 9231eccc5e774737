//! Times as people read them: relative ("5 min ago") with the exact UTC time on hover.

use leptos::prelude::*;

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// `<time>` showing `at` relative to `now` (both Unix milliseconds), the exact time in its `title`.
#[component]
pub fn Ago(at: i64, now: i64) -> impl IntoView {
    view! {
        <time datetime=iso8601(at) title=exact(at)>
            {relative(at, now)}
        </time>
    }
}

fn relative(at: i64, now: i64) -> String {
    let age = now.saturating_sub(at);
    let (count, unit) = if age < MINUTE {
        return "just now".to_owned();
    } else if age < HOUR {
        (age / MINUTE, "min")
    } else if age < DAY {
        (age / HOUR, "h")
    } else if age < 30 * DAY {
        (age / DAY, "day")
    } else if age < 365 * DAY {
        (age / (30 * DAY), "month")
    } else {
        (age / (365 * DAY), "year")
    };
    let plural = if count != 1 && !matches!(unit, "min" | "h") {
        "s"
    } else {
        ""
    };
    format!("{count} {unit}{plural} ago")
}

/// `2026-11-25 14:03:09 UTC`
pub fn exact(ms: i64) -> String {
    let (date, (h, m, s)) = split_utc(ms);
    format!("{date} {h:02}:{m:02}:{s:02} UTC")
}

/// `2026-11-25T14:03:09Z`, for the `datetime` attribute.
fn iso8601(ms: i64) -> String {
    let (date, (h, m, s)) = split_utc(ms);
    format!("{date}T{h:02}:{m:02}:{s:02}Z")
}

/// The UTC date (`2026-11-25`) and time of day (hours, minutes, seconds) of Unix ms.
pub fn split_utc(ms: i64) -> (String, (i64, i64, i64)) {
    let secs = ms.div_euclid(1000);
    let (days, secs) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, mo, d) = civil_from_days(days);
    (
        format!("{y:04}-{mo:02}-{d:02}"),
        (secs / 3600, secs % 3600 / 60, secs % 60),
    )
}

/// Proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_exact_times() {
        let cases = [
            (0, "1970-01-01 00:00:00 UTC"),
            (951_782_400_000, "2000-02-29 00:00:00 UTC"),
            (1_795_615_389_999, "2026-11-25 14:03:09 UTC"),
            (-1_000, "1969-12-31 23:59:59 UTC"),
        ];
        for (ms, want) in cases {
            assert_eq!(exact(ms), want);
        }
        assert_eq!(iso8601(1_795_615_389_000), "2026-11-25T14:03:09Z");
    }

    #[test]
    fn formats_relative_times() {
        let now = 1_795_615_389_000;
        let cases = [
            (now + 5_000, "just now"),
            (now - 59_999, "just now"),
            (now - MINUTE, "1 min ago"),
            (now - 59 * MINUTE, "59 min ago"),
            (now - 3 * HOUR, "3 h ago"),
            (now - DAY, "1 day ago"),
            (now - 12 * DAY, "12 days ago"),
            (now - 90 * DAY, "3 months ago"),
            (now - 800 * DAY, "2 years ago"),
        ];
        for (at, want) in cases {
            assert_eq!(relative(at, now), want, "{at}");
        }
    }
}
