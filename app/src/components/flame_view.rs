//! The window of the trace the flame graph shows, and its zoom and pan arithmetic. Fractions of the
//! trace's duration throughout: 0 is the trace's start, 1 its end.

/// The narrowest window the graph zooms to, in nanoseconds of trace time...
const MIN_WINDOW_NS: f64 = 1_000.0;
/// ...and in zoom factor: browsers lay out at most ~33 million pixels, the zoomed canvas must stay below.
const MAX_ZOOM: f64 = 5_000.0;
/// Share of the window left free on each side when zooming to a span.
const FIT_MARGIN: f64 = 0.05;

/// The visible window of the trace, as fractions of its duration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct View {
    pub start: f64,
    pub end: f64,
}

impl View {
    pub const FULL: Self = Self {
        start: 0.0,
        end: 1.0,
    };

    pub fn width(self) -> f64 {
        self.end - self.start
    }

    pub fn zoom(self) -> f64 {
        1.0 / self.width()
    }

    /// Zooms by `factor` (above 1 zooms in) keeping the trace time at `anchor` (0 = left edge of the
    /// window, 1 = right edge) where it is, as far as the bounds allow.
    pub fn zoom_at(self, anchor: f64, factor: f64, min_width: f64) -> Self {
        let anchor = anchor.clamp(0.0, 1.0);
        let at = self.start + anchor * self.width();
        let width = (self.width() / factor).clamp(min_width.min(1.0), 1.0);
        Self::clamped(at - anchor * width, width)
    }

    /// Moves the window by `by` window widths (negative: towards the start).
    pub fn pan(self, by: f64) -> Self {
        Self::clamped(self.start + by * self.width(), self.width())
    }

    /// The window showing `[x, x + w)` with a margin on both sides.
    pub fn fit(x: f64, w: f64, min_width: f64) -> Self {
        let width = (w / (1.0 - 2.0 * FIT_MARGIN)).clamp(min_width.min(1.0), 1.0);
        Self::clamped(x + w / 2.0 - width / 2.0, width)
    }

    /// What the DOM should hold for this window: see [`Culling`].
    pub fn culling(self) -> Culling {
        // The tolerances keep float noise from adding a step.
        let width = 2f64
            .powf(((self.width().log2() * 2.0) - 1e-9).ceil() / 2.0)
            .min(1.0);
        let step = width / 2.0;
        let start = ((self.start - width) / step + 1e-9).floor() * step;
        let end = ((self.end + width) / step - 1e-9).ceil() * step;
        Culling {
            range: Self {
                start: start.max(0.0),
                end: end.min(1.0),
            },
            width,
        }
    }

    /// Whether any of `[x, x + w]` is in the window.
    pub fn overlaps(self, x: f64, w: f64) -> bool {
        x <= self.end && x + w >= self.start
    }

    fn clamped(start: f64, width: f64) -> Self {
        let start = start.clamp(0.0, 1.0 - width);
        Self {
            start,
            end: start + width,
        }
    }
}

/// Which spans belong in the DOM: those in `range` (the window and a window width on each side) at
/// least a pixel wide when `width` of the trace fills the graph. The width is the window's rounded up
/// to a power of √2 and the range is rounded out to half widths, so most zoom and pan steps leave
/// both, and so the DOM, unchanged.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Culling {
    pub range: View,
    pub width: f64,
}

/// The narrowest window, as a fraction of a trace lasting `duration_ns`.
pub fn min_width(duration_ns: i64) -> f64 {
    (MIN_WINDOW_NS / duration_ns.max(1) as f64).clamp(1.0 / MAX_ZOOM, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn culling_changes_only_every_so_often() {
        let view = |start, end| View { start, end };
        let cases = [
            (view(0.5, 0.625), view(0.375, 0.75), 0.125),
            // Zooming in a little keeps it.
            (view(0.5, 0.62), view(0.375, 0.75), 0.125),
            // Panning less than half a window keeps the range...
            (view(0.51, 0.635), view(0.375, 0.8125), 0.125),
            (view(0.55, 0.675), view(0.375, 0.8125), 0.125),
            // ...farther moves it.
            (view(0.57, 0.695), view(0.4375, 0.875), 0.125),
            (View::FULL, View::FULL, 1.0),
            (view(0.0, 0.2), view(0.0, 0.5), 0.25),
        ];
        for (window, range, width) in cases {
            let got = window.culling();
            assert!(
                close(got.range, range) && (got.width - width).abs() < 1e-12,
                "{window:?}: {got:?}, want {range:?} at {width}"
            );
        }
    }

    #[test]
    fn zoom_keeps_the_time_under_the_pointer() {
        let cases = [
            // (view, anchor, factor, want)
            (
                View::FULL,
                0.5,
                2.0,
                View {
                    start: 0.25,
                    end: 0.75,
                },
            ),
            (
                View::FULL,
                0.0,
                4.0,
                View {
                    start: 0.0,
                    end: 0.25,
                },
            ),
            (
                View {
                    start: 0.2,
                    end: 0.6,
                },
                0.25,
                2.0,
                View {
                    start: 0.25,
                    end: 0.45,
                },
            ),
            (
                View {
                    start: 0.25,
                    end: 0.75,
                },
                0.5,
                0.5,
                View::FULL,
            ),
            // Zooming out near an edge stays inside the trace.
            (
                View {
                    start: 0.8,
                    end: 1.0,
                },
                0.9,
                0.5,
                View {
                    start: 0.6,
                    end: 1.0,
                },
            ),
            // Never past the narrowest window.
            (
                View::FULL,
                0.5,
                1e9,
                View {
                    start: 0.495,
                    end: 0.505,
                },
            ),
        ];
        for (view, anchor, factor, want) in cases {
            let got = view.zoom_at(anchor, factor, 0.01);
            assert!(
                close(got, want),
                "{view:?} at {anchor} × {factor}: {got:?}, want {want:?}"
            );
            if got.width() > 0.01 && got.start > 0.0 && got.end < 1.0 {
                let before = view.start + anchor * view.width();
                let after = got.start + anchor * got.width();
                assert!((before - after).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn pans_and_fits_within_the_trace() {
        let view = View {
            start: 0.4,
            end: 0.6,
        };
        assert!(close(
            view.pan(0.5),
            View {
                start: 0.5,
                end: 0.7
            }
        ));
        assert!(close(
            view.pan(-10.0),
            View {
                start: 0.0,
                end: 0.2
            }
        ));
        assert!(close(
            view.pan(10.0),
            View {
                start: 0.8,
                end: 1.0
            }
        ));
        assert!(close(View::FULL.pan(1.0), View::FULL));
        assert!(close(
            View::fit(0.5, 0.09, 0.001),
            View {
                start: 0.495,
                end: 0.595
            }
        ));
        assert!(close(
            View::fit(0.0, 0.0, 0.01),
            View {
                start: 0.0,
                end: 0.01
            }
        ));
        assert!(view.overlaps(0.3, 0.2) && view.overlaps(0.5, 0.0) && !view.overlaps(0.1, 0.2));
        assert_eq!(min_width(1_000_000_000), 1.0 / 5_000.0);
        assert_eq!(min_width(10_000), 0.1);
        assert_eq!(min_width(10), 1.0);
    }

    fn close(a: View, b: View) -> bool {
        (a.start - b.start).abs() < 1e-9 && (a.end - b.end).abs() < 1e-9
    }
}
