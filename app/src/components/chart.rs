//! Events over time as SVG bars: a small sparkline per issue row, and the issue page's chart whose
//! bars show their bucket's count on hover (and on keyboard focus). Bars scale to the tallest bucket;
//! a bucket with events is always at least a sliver high, so a single event is never invisible.

use leptos::prelude::*;

use super::time::split_utc;

/// Viewbox height of a sparkline.
const SPARK_H: f64 = 20.0;
/// Viewbox height of the chart's bars.
const CHART_H: f64 = 100.0;

/// Bar heights for `counts` in a box `height` tall: proportional to the largest count, at least
/// `min` for any non-zero count.
pub fn bar_heights(counts: &[i64], height: f64, min: f64) -> Vec<f64> {
    let max = counts.iter().copied().max().unwrap_or(0).max(1) as f64;
    counts
        .iter()
        .map(|&c| match c {
            c if c <= 0 => 0.0,
            c => (c as f64 / max * height).max(min),
        })
        .collect()
}

/// `1 h`, `5 min`, `2 days`: a bucket's width.
pub fn format_width(ms: i64) -> String {
    const MINUTE: i64 = 60_000;
    const HOUR: i64 = 60 * MINUTE;
    const DAY: i64 = 24 * HOUR;
    let (n, unit) = if ms % DAY == 0 {
        (ms / DAY, "day")
    } else if ms % HOUR == 0 {
        (ms / HOUR, "h")
    } else {
        (ms / MINUTE, "min")
    };
    match (n, unit) {
        (1, "day") => "1 day".to_owned(),
        (n, "day") => format!("{n} days"),
        (n, unit) => format!("{n} {unit}"),
    }
}

/// An axis label of a bucket start: the time of day for buckets under a day, else the date.
pub fn axis_label(start: i64, bucket_ms: i64) -> String {
    let (date, (h, m, _)) = split_utc(start);
    if bucket_ms >= 24 * 3_600_000 {
        date[5..].to_owned()
    } else {
        format!("{h:02}:{m:02}")
    }
}

/// `2026-11-25 14:00–15:00 UTC`, or the date alone for buckets of whole days.
pub fn bucket_label(start: i64, bucket_ms: i64) -> String {
    let (date, (h, m, _)) = split_utc(start);
    if bucket_ms % (24 * 3_600_000) == 0 {
        let (last, _) = split_utc(start + bucket_ms - 1);
        return if bucket_ms == 24 * 3_600_000 {
            format!("{date} UTC")
        } else {
            format!("{date} – {last} UTC")
        };
    }
    let (_, (eh, em, _)) = split_utc(start + bucket_ms);
    format!("{date} {h:02}:{m:02}–{eh:02}:{em:02} UTC")
}

fn events(n: i64) -> String {
    match n {
        1 => "1 event".to_owned(),
        n => format!("{n} events"),
    }
}

#[component]
pub fn Sparkline(counts: Vec<i64>, bucket_ms: i64) -> impl IntoView {
    let total: i64 = counts.iter().sum();
    let peak = counts.iter().copied().max().unwrap_or(0);
    let label = format!(
        "Trend: {} in {} buckets of {}, at most {} in one",
        events(total),
        counts.len(),
        format_width(bucket_ms),
        peak
    );
    let n = counts.len().max(1);
    let title = label.clone();
    let bars = bar_heights(&counts, SPARK_H, 1.5)
        .into_iter()
        .enumerate()
        .map(|(i, h)| {
            let (y, height, class) = if h == 0.0 {
                (SPARK_H - 0.5, 0.5, "spark-bar empty")
            } else {
                (SPARK_H - h, h, "spark-bar")
            };
            view! {
                <rect class=class x=format!("{i}.15") y=format!("{y:.2}") width="0.7" height=format!("{height:.2}") />
            }
        })
        .collect_view();
    view! {
        <svg
            class="sparkline"
            viewBox=format!("0 0 {n} {SPARK_H}")
            preserveAspectRatio="none"
            role="img"
            aria-label=label
        >
            <title>{title}</title>
            {bars}
        </svg>
    }
}

/// The issue page's chart: `buckets` are the bucket starts, `counts` their events.
#[component]
pub fn BarChart(buckets: Vec<i64>, counts: Vec<i64>, bucket_ms: i64) -> impl IntoView {
    let hovered = RwSignal::new(None::<usize>);
    let n = counts.len().max(1);
    let peak = counts.iter().copied().max().unwrap_or(0);
    let total: i64 = counts.iter().sum();
    let describe = {
        let buckets = buckets.clone();
        let counts = counts.clone();
        move |i: usize| {
            let start = buckets.get(i).copied().unwrap_or_default();
            format!(
                "{}: {}",
                bucket_label(start, bucket_ms),
                events(counts.get(i).copied().unwrap_or(0))
            )
        }
    };
    let describe = StoredValue::new(describe);
    let bars = bar_heights(&counts, CHART_H, 2.0)
        .into_iter()
        .enumerate()
        .map(|(i, h)| {
            let text = describe.with_value(|d| d(i));
            let title = text.clone();
            view! {
                <g
                    class="chart-bucket"
                    class:hovered=move || hovered.get() == Some(i)
                    tabindex="0"
                    role="img"
                    aria-label=text
                    on:mouseenter=move |_| hovered.set(Some(i))
                    on:mouseleave=move |_| hovered.set(None)
                    on:focus=move |_| hovered.set(Some(i))
                    on:blur=move |_| hovered.set(None)
                >
                    <title>{title}</title>
                    <rect class="chart-hit" x=i y="0" width="1" height=CHART_H />
                    <rect
                        class="chart-bar"
                        x=format!("{i}.1")
                        y=format!("{:.2}", CHART_H - h)
                        width="0.8"
                        height=format!("{h:.2}")
                    />
                </g>
            }
        })
        .collect_view();
    let ticks = tick_indices(buckets.len(), 6)
        .into_iter()
        .map(|i| {
            view! {
                <span class="chart-tick" style=anchored(i, n)>
                    {axis_label(buckets[i], bucket_ms)}
                </span>
            }
        })
        .collect_view();
    let tooltip = move || {
        hovered.get().map(|i| {
            view! {
                <div class="chart-tooltip" role="status" style=anchored(i, n)>
                    {describe.with_value(|d| d(i))}
                </div>
            }
        })
    };
    let summary = format!(
        "{} in buckets of {}; the busiest had {}. All times UTC.",
        events(total),
        format_width(bucket_ms),
        peak
    );
    view! {
        <figure class="bar-chart">
            <div class="chart-frame">
                <span class="chart-max" aria-hidden="true">{peak}</span>
                <svg
                    class="chart-svg"
                    viewBox=format!("0 0 {n} {CHART_H}")
                    preserveAspectRatio="none"
                    role="group"
                    aria-label="Events over time"
                >
                    {bars}
                </svg>
                {tooltip}
            </div>
            <div class="chart-axis" aria-hidden="true">{ticks}</div>
            <figcaption class="muted">{summary}</figcaption>
        </figure>
    }
}

/// Places a label over bucket `i` of `n`, shifted by as much of its own width as the bucket is far
/// across, so labels at the edges stay inside the chart.
fn anchored(i: usize, n: usize) -> String {
    let at = (i as f64 + 0.5) / n.max(1) as f64 * 100.0;
    format!("left: {at:.3}%; transform: translateX(-{at:.3}%)")
}

/// About `want` evenly spread indices of `len` buckets, the first always included.
fn tick_indices(len: usize, want: usize) -> Vec<usize> {
    if len == 0 {
        return Vec::new();
    }
    let step = len.div_ceil(want.max(1)).max(1);
    (0..len).step_by(step).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_peak_and_never_vanish() {
        assert_eq!(bar_heights(&[0, 5, 10], 20.0, 1.5), [0.0, 10.0, 20.0]);
        assert_eq!(bar_heights(&[1, 1000], 100.0, 2.0), [2.0, 100.0]);
        assert_eq!(bar_heights(&[0, 0], 20.0, 1.5), [0.0, 0.0]);
        assert!(bar_heights(&[], 20.0, 1.5).is_empty());
    }

    #[test]
    fn widths_and_labels_read_naturally() {
        assert_eq!(format_width(300_000), "5 min");
        assert_eq!(format_width(3_600_000), "1 h");
        assert_eq!(format_width(6 * 3_600_000), "6 h");
        assert_eq!(format_width(86_400_000), "1 day");
        assert_eq!(format_width(2 * 86_400_000), "2 days");
        let start = 1_795_615_200_000; // 2026-11-25 14:00 UTC
        assert_eq!(axis_label(start, 3_600_000), "14:00");
        assert_eq!(axis_label(start, 86_400_000), "11-25");
        assert_eq!(bucket_label(start, 3_600_000), "2026-11-25 14:00–15:00 UTC");
        assert_eq!(
            bucket_label(start - 14 * 3_600_000, 86_400_000),
            "2026-11-25 UTC"
        );
        assert_eq!(
            bucket_label(start - 14 * 3_600_000, 2 * 86_400_000),
            "2026-11-25 – 2026-11-26 UTC"
        );
    }

    #[test]
    fn ticks_spread_over_the_buckets() {
        assert_eq!(tick_indices(24, 6), [0, 4, 8, 12, 16, 20]);
        assert_eq!(tick_indices(3, 6), [0, 1, 2]);
        assert!(tick_indices(0, 6).is_empty());
    }
}
