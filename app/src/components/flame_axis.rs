//! The flame graph's time axis and labels: round tick times, durations as people read them, and a
//! stable colour per service.

use super::flame_view::View;

/// A time-axis tick: `at` is its place in the window (0 to 1), the label is the time since the trace start.
#[derive(Debug, Clone, PartialEq)]
pub struct Tick {
    pub at: f64,
    pub label: String,
}

/// Ticks at round times (1, 2 or 5 × 10ⁿ ns apart), at most about `target` of them in the window.
pub fn ticks(view: View, duration_ns: i64, target: usize) -> Vec<Tick> {
    let duration = duration_ns.max(1) as f64;
    let from = view.start * duration;
    let span = view.width() * duration;
    let step = nice_step(span / target.max(1) as f64);
    let unit = unit_for(from + span);
    let decimals = decimals(step / unit.0);
    let first = (from / step).ceil() as i64;
    (0..)
        .map(|k| (first + k) as f64 * step)
        .take_while(|&t| t <= from + span * (1.0 + 1e-9))
        .map(|t| Tick {
            at: (t - from) / span,
            label: if t == 0.0 {
                "0".to_owned()
            } else {
                format!("{:.*} {}", decimals, t / unit.0, unit.1)
            },
        })
        .collect()
}

fn nice_step(raw: f64) -> f64 {
    let raw = raw.max(1.0);
    let power = 10f64.powf(raw.log10().floor());
    let mantissa = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .find(|m| m * power >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0);
    mantissa * power
}

fn unit_for(ns: f64) -> (f64, &'static str) {
    if ns >= 1e9 {
        (1e9, "s")
    } else if ns >= 1e6 {
        (1e6, "ms")
    } else if ns >= 1e3 {
        (1e3, "µs")
    } else {
        (1.0, "ns")
    }
}

/// Decimals needed to tell apart values `step` apart.
fn decimals(step: f64) -> usize {
    if step >= 1.0 {
        0
    } else {
        (-step.log10()).ceil().clamp(0.0, 9.0) as usize
    }
}

/// A duration with three significant digits: `850 ns`, `12.3 µs`, `1.50 ms`, `2.00 s`.
pub fn format_duration(ns: i64) -> String {
    let ns = ns.max(0) as f64;
    if ns < 1e3 {
        return format!("{ns:.0} ns");
    }
    let (unit, name) = unit_for(ns);
    let value = ns / unit;
    let digits = if value >= 100.0 {
        0
    } else if value >= 10.0 {
        1
    } else {
        2
    };
    format!("{value:.digits$} {name}")
}

/// The hue of a service's colour: the same for a name in every trace, never red (red marks errors).
pub fn service_hue(service: &str) -> u32 {
    // FNV-1a, identical on the server and in the browser.
    let hash = service.bytes().fold(0x811c_9dc5_u32, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    });
    30 + hash % 300
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: i64 = 1_000_000;

    #[test]
    fn ticks_are_round_times_since_the_trace_start() {
        let labels = |view, duration, target| -> Vec<String> {
            ticks(view, duration, target)
                .into_iter()
                .map(|t| t.label)
                .collect()
        };
        assert_eq!(
            labels(View::FULL, 100 * MS, 5),
            ["0", "20 ms", "40 ms", "60 ms", "80 ms", "100 ms"]
        );
        assert_eq!(
            labels(
                View {
                    start: 0.1,
                    end: 0.2
                },
                10 * MS,
                4
            ),
            ["1.0 ms", "1.5 ms", "2.0 ms"]
        );
        assert_eq!(
            labels(View::FULL, 3_000 * MS, 3),
            ["0", "1 s", "2 s", "3 s"]
        );
        assert_eq!(
            labels(View::FULL, 800, 4),
            ["0", "200 ns", "400 ns", "600 ns", "800 ns"]
        );
        let placed = ticks(
            View {
                start: 0.5,
                end: 1.0,
            },
            100 * MS,
            5,
        );
        assert_eq!(placed[0].label, "50 ms");
        assert!(placed[0].at.abs() < 1e-9 && (placed[5].at - 1.0).abs() < 1e-9);
    }

    #[test]
    fn formats_durations() {
        let cases = [
            (0, "0 ns"),
            (850, "850 ns"),
            (12_345, "12.3 µs"),
            (1_500_000, "1.50 ms"),
            (250_000_000, "250 ms"),
            (2_000_000_000, "2.00 s"),
            (-5, "0 ns"),
        ];
        for (ns, want) in cases {
            assert_eq!(format_duration(ns), want);
        }
    }

    #[test]
    fn service_colours_are_stable_and_never_red() {
        assert_eq!(service_hue("checkout-py"), service_hue("checkout-py"));
        assert_ne!(service_hue("checkout-py"), service_hue("checkout-js"));
        for name in ["", "a", "web", "postgres", "checkout-otel-js", "redis"] {
            assert!((30..330).contains(&service_hue(name)), "{name}");
        }
    }
}
