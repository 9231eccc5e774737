//! Where each span of a trace goes in the flame graph (computed once per trace), and which of them to
//! draw at a zoom level. Free of Leptos and the DOM. Positions are fractions of the trace's duration:
//! 0 is the earliest span start, 1 the latest span end.

use std::collections::HashMap;

use domain::query::TraceSpan;

use super::flame_view::{Culling, View};

/// One span's place in the graph.
#[derive(Debug, Clone, PartialEq)]
pub struct Placed {
    /// Index into the trace's spans.
    pub span: usize,
    /// Placement index of the parent; `None` for roots and orphans.
    pub parent: Option<usize>,
    /// Depth in the span tree: 0 for roots and for orphans (their parent is not in the trace).
    pub depth: usize,
    /// Display row: below the parent's row, and further down only when a concurrent span already
    /// holds the row, so no two spans of a row overlap.
    pub row: usize,
    /// Start, as a fraction of the trace.
    pub x: f64,
    /// Duration, as a fraction of the trace.
    pub w: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// Unix nanoseconds of the earliest span start.
    pub start: i64,
    /// Nanoseconds from the earliest start to the latest end; at least 1.
    pub duration: i64,
    /// Depth first from the earliest root, children by start time.
    pub placed: Vec<Placed>,
    /// Placement index of each span, by span index.
    pub by_span: Vec<usize>,
    /// Placement indices of each row, left to right.
    pub rows: Vec<Vec<usize>>,
}

/// Earliest start and nanoseconds to the latest end (at least 1) of `spans`.
pub fn bounds(spans: &[TraceSpan]) -> (i64, i64) {
    let start = spans.iter().map(|s| s.start).min().unwrap_or(0);
    let end = spans.iter().map(end_of).max().unwrap_or(start);
    (start, end.saturating_sub(start).max(1))
}

fn end_of(span: &TraceSpan) -> i64 {
    span.start.saturating_add(span.duration.max(0))
}

pub fn layout(spans: &[TraceSpan]) -> Layout {
    let (start, duration) = bounds(spans);
    let mut ids: HashMap<&str, usize> = HashMap::with_capacity(spans.len());
    for (i, span) in spans.iter().enumerate() {
        ids.entry(span.span_id.as_str()).or_insert(i);
    }
    let parent: Vec<Option<usize>> = spans
        .iter()
        .enumerate()
        .map(|(i, s)| ids.get(s.parent_id.as_str()).copied().filter(|&p| p != i))
        .collect();
    let by_time = |a: &usize, b: &usize| spans[*a].start.cmp(&spans[*b].start).then(a.cmp(b));
    let mut children = vec![Vec::new(); spans.len()];
    let mut roots = Vec::new();
    for (i, p) in parent.iter().enumerate() {
        match p {
            Some(p) => children[*p].push(i),
            None => roots.push(i),
        }
    }
    for list in &mut children {
        list.sort_by(by_time);
    }
    roots.sort_by(by_time);
    // Spans in a parent cycle are reachable from no root: the earliest of each cycle becomes one.
    let mut cycle_roots: Vec<usize> = (0..spans.len()).collect();
    cycle_roots.sort_by(by_time);

    let offset = |ns: i64| ns.saturating_sub(start);
    let mut rows = Rows::default();
    let mut placed = Vec::with_capacity(spans.len());
    let mut by_span = vec![usize::MAX; spans.len()];
    let mut stack: Vec<(usize, Option<usize>)> = Vec::new();
    for root in roots.into_iter().chain(cycle_roots) {
        if by_span[root] != usize::MAX {
            continue;
        }
        stack.push((root, None));
        while let Some((i, parent)) = stack.pop() {
            if by_span[i] != usize::MAX {
                continue;
            }
            let (depth, min_row) = parent.map_or((0, 0), |p: usize| {
                let p: &Placed = &placed[p];
                (p.depth + 1, p.row + 1)
            });
            let span = &spans[i];
            let from = offset(span.start);
            let row = rows.place(min_row, from, offset(end_of(span)).max(from + 1));
            by_span[i] = placed.len();
            placed.push(Placed {
                span: i,
                parent,
                depth,
                row,
                x: from as f64 / duration as f64,
                w: span.duration.max(0) as f64 / duration as f64,
            });
            let me = by_span[i];
            stack.extend(children[i].iter().rev().map(|&c| (c, Some(me))));
        }
    }
    let mut row_members = vec![Vec::new(); rows.0.len()];
    for (index, p) in placed.iter().enumerate() {
        row_members[p.row].push(index);
    }
    for members in &mut row_members {
        members.sort_by(|a, b| placed[*a].x.total_cmp(&placed[*b].x).then(a.cmp(b)));
    }
    Layout {
        start,
        duration,
        placed,
        by_span,
        rows: row_members,
    }
}

/// Occupied intervals (half-open, nanoseconds from the trace start) of each row, sorted.
#[derive(Default)]
struct Rows(Vec<Vec<(i64, i64)>>);

impl Rows {
    /// The first row from `min_row` on with `[from, to)` free, which it then takes.
    fn place(&mut self, min_row: usize, from: i64, to: i64) -> usize {
        let mut row = min_row;
        loop {
            if row == self.0.len() {
                self.0.push(Vec::new());
            }
            let taken = &mut self.0[row];
            let at = taken.partition_point(|&(_, end)| end <= from);
            if taken.get(at).is_none_or(|&(start, _)| start >= to) {
                taken.insert(at, (from, to));
                return row;
            }
            row += 1;
        }
    }
}

/// What the graph draws at one zoom level.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Item {
    /// A span at least a pixel wide, by placement index.
    Span(usize),
    /// Neighbouring spans of a row each narrower than a pixel, drawn as one "+N" marker.
    Hidden {
        row: usize,
        /// Placement index of the leftmost.
        first: usize,
        count: usize,
        x: f64,
        w: f64,
    },
}

impl Item {
    /// Stable across zoom levels for a span, so a keyed list only adds and removes what changed.
    pub fn key(&self) -> (bool, usize, usize) {
        match *self {
            Self::Span(index) => (false, index, 0),
            Self::Hidden { first, count, .. } => (true, first, count),
        }
    }
}

/// Culled spans closer than this many pixels share one marker.
const MERGE_PX: f64 = 4.0;

/// The spans to draw for `culling` at `viewport_px` pixels wide, row by row, left to right; runs of
/// spans narrower than a pixel (less than [`MERGE_PX`] apart) become one [`Item::Hidden`] each.
pub fn cull(layout: &Layout, culling: Culling, viewport_px: f64) -> Vec<Item> {
    let Culling { range, width } = culling;
    let pixel = width / viewport_px.max(1.0);
    let mut items = Vec::new();
    for (row, members) in layout.rows.iter().enumerate() {
        // Spans of a row do not overlap: sorted by start, they are sorted by end too.
        let from = members.partition_point(|&i| {
            let p = &layout.placed[i];
            p.x + p.w < range.start
        });
        let mut open: Option<Item> = None;
        for &index in &members[from..] {
            let p = &layout.placed[index];
            if p.x > range.end {
                break;
            }
            if p.w >= pixel {
                items.extend(open.take());
                items.push(Item::Span(index));
                continue;
            }
            match &mut open {
                Some(Item::Hidden { count, x, w, .. }) if p.x - (*x + *w) < MERGE_PX * pixel => {
                    *count += 1;
                    *w = (p.x + p.w).max(*x + *w) - *x;
                }
                _ => {
                    items.extend(open.take());
                    open = Some(Item::Hidden {
                        row,
                        first: index,
                        count: 1,
                        x: p.x,
                        w: p.w,
                    });
                }
            }
        }
        items.extend(open);
    }
    items
}

/// The spans that start left of the window and reach at least `min_visible` (a share of the window)
/// into it: their own labels are out of sight, so the graph repeats them at the window's left edge.
/// Each comes with the share of the window it covers.
pub fn edge_labels(layout: &Layout, view: View, min_visible: f64) -> Vec<(usize, f64)> {
    if view.start <= 0.0 {
        return Vec::new();
    }
    layout
        .rows
        .iter()
        .filter_map(|members| {
            let at = members.partition_point(|&i| {
                let p = &layout.placed[i];
                p.x + p.w <= view.start
            });
            let index = *members.get(at)?;
            let p = &layout.placed[index];
            let covers = ((p.x + p.w).min(view.end) - view.start) / view.width();
            (p.x < view.start && covers >= min_visible).then_some((index, covers))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    const MS: i64 = 1_000_000;

    /// `(id, parent, start ms, duration ms)`.
    fn trace(spans: &[(&str, &str, i64, i64)]) -> Vec<TraceSpan> {
        spans
            .iter()
            .map(|&(id, parent, start, duration)| TraceSpan {
                span_id: id.to_owned(),
                parent_id: parent.to_owned(),
                service: "web".to_owned(),
                name: format!("op-{id}"),
                resource: String::new(),
                start: 1_700_000_000_000 * MS + start * MS,
                duration: duration * MS,
                error: false,
                meta: BTreeMap::new(),
                metrics: BTreeMap::new(),
            })
            .collect()
    }

    /// Every span of the trace at zoom `width`.
    fn full(width: f64) -> Culling {
        Culling {
            range: View::FULL,
            width,
        }
    }

    /// `(span id, depth, row)` in placement order.
    fn shape(layout: &Layout, spans: &[TraceSpan]) -> Vec<(String, usize, usize)> {
        layout
            .placed
            .iter()
            .map(|p| (spans[p.span].span_id.clone(), p.depth, p.row))
            .collect()
    }

    #[test]
    fn places_children_below_parents_depth_first() {
        type Case<'a> = (
            &'a str,
            Vec<(&'a str, &'a str, i64, i64)>,
            Vec<(&'a str, usize, usize)>,
        );
        let cases: [Case; 6] = [
            (
                "children in start order, whatever the input order",
                vec![
                    ("3", "1", 60, 30),
                    ("1", "0", 0, 100),
                    ("2", "1", 10, 40),
                    ("4", "2", 20, 10),
                ],
                vec![("1", 0, 0), ("2", 1, 1), ("4", 2, 2), ("3", 1, 1)],
            ),
            (
                "orphans (parent not in the trace) at depth 0",
                vec![("1", "0", 0, 50), ("5", "999", 60, 20), ("6", "5", 65, 5)],
                vec![("1", 0, 0), ("5", 0, 0), ("6", 1, 1)],
            ),
            (
                "concurrent siblings take the next free row",
                vec![
                    ("1", "0", 0, 100),
                    ("2", "1", 10, 50),
                    ("3", "1", 20, 50),
                    ("4", "1", 80, 10),
                ],
                vec![("1", 0, 0), ("2", 1, 1), ("3", 1, 2), ("4", 1, 1)],
            ),
            (
                "concurrent orphans stack too",
                vec![("1", "", 0, 100), ("2", "", 50, 100)],
                vec![("1", 0, 0), ("2", 0, 1)],
            ),
            (
                "a parent cycle is cut at its earliest span",
                vec![("1", "2", 5, 10), ("2", "1", 0, 20), ("3", "3", 30, 5)],
                vec![("3", 0, 0), ("2", 0, 0), ("1", 1, 1)],
            ),
            (
                "touching spans share a row, zero-length ones still take room",
                vec![
                    ("1", "0", 0, 10),
                    ("2", "0", 10, 10),
                    ("3", "0", 20, 0),
                    ("4", "0", 20, 0),
                ],
                vec![("1", 0, 0), ("2", 0, 0), ("3", 0, 0), ("4", 0, 1)],
            ),
        ];
        for (name, input, want) in cases {
            let spans = trace(&input);
            let layout = layout(&spans);
            let want: Vec<_> = want
                .into_iter()
                .map(|(id, d, r)| (id.to_owned(), d, r))
                .collect();
            assert_eq!(shape(&layout, &spans), want, "{name}");
            for (index, p) in layout.placed.iter().enumerate() {
                assert_eq!(layout.by_span[p.span], index, "{name}");
                if let Some(parent) = p.parent {
                    assert!(
                        layout.placed[parent].row < p.row,
                        "{name}: child above parent"
                    );
                }
            }
        }
    }

    #[test]
    fn rows_never_overlap_and_positions_are_fractions() {
        let spans = trace(&[
            ("1", "0", 0, 200),
            ("2", "1", 0, 100),
            ("3", "1", 50, 100),
            ("4", "1", 90, 100),
            ("5", "3", 60, 10),
        ]);
        let layout = layout(&spans);
        assert_eq!(layout.duration, 200 * MS);
        assert_eq!(layout.start, spans[0].start);
        for members in &layout.rows {
            for pair in members.windows(2) {
                let (a, b) = (&layout.placed[pair[0]], &layout.placed[pair[1]]);
                assert!(a.x + a.w <= b.x + 1e-12, "{a:?} overlaps {b:?}");
            }
        }
        let four = &layout.placed[layout.by_span[3]];
        assert_eq!((four.x, four.w), (0.45, 0.5));
    }

    #[test]
    fn empty_and_degenerate_traces() {
        let empty = layout(&[]);
        assert!(empty.placed.is_empty() && empty.rows.is_empty());
        assert_eq!(empty.duration, 1);
        let one = trace(&[("1", "0", 0, 0)]);
        let single = layout(&one);
        assert_eq!((single.duration, single.placed[0].w), (1, 0.0));
    }

    #[test]
    fn culls_spans_narrower_than_a_pixel_into_markers() {
        // 1000 ms trace: at 800 px a pixel is 1.25 ms; culled spans less than 5 ms apart merge.
        let spans = trace(&[
            ("1", "0", 0, 1000),
            ("2", "1", 0, 300),
            ("3", "1", 400, 0), // sub-pixel...
            ("4", "1", 400, 0), // ...concurrent: row 2, alone
            ("5", "1", 404, 0), // less than 4 pixels after 3: same marker (row 1)
            ("6", "1", 500, 0), // far from it: a marker of its own
            ("7", "1", 600, 2), // wide enough
        ]);
        let layout = layout(&spans);
        let at = |id: usize| layout.by_span[id - 1];
        let items = cull(&layout, full(1.0), 800.0);
        let hidden = |id: usize, count: usize, w: f64| {
            let p = &layout.placed[at(id)];
            (p.row, at(id), count, p.x, w)
        };
        let got: Vec<_> = items
            .iter()
            .map(|item| match *item {
                Item::Span(index) => (usize::MAX, index, 0, 0.0, 0.0),
                Item::Hidden {
                    row,
                    first,
                    count,
                    x,
                    w,
                } => (row, first, count, x, (w * 1e6).round() / 1e6),
            })
            .collect();
        let span = |id: usize| (usize::MAX, at(id), 0, 0.0, 0.0);
        assert_eq!(
            got,
            [
                span(1),
                span(2),
                hidden(3, 2, 0.004),
                hidden(6, 1, 0.0),
                span(7),
                hidden(4, 1, 0.0)
            ]
        );
        // Zoomed in 10×, a pixel is 0.125 ms: every span with a duration shows, zero-length ones stay
        // hidden, each on its own (they are more than 4 pixels apart).
        let zoomed = cull(&layout, full(0.1), 800.0);
        assert_eq!(
            zoomed.iter().filter(|i| matches!(i, Item::Span(_))).count(),
            3
        );
        assert_eq!(
            zoomed
                .iter()
                .filter(|i| matches!(i, Item::Hidden { .. }))
                .count(),
            4
        );
        // Keys of spans do not depend on the zoom.
        assert_eq!(items[0].key(), zoomed[0].key());
    }

    #[test]
    fn culling_a_thousand_sequential_spans_leaves_one_marker() {
        let mut input = vec![("root".to_owned(), "0".to_owned(), 0, 1000)];
        input.extend((0..1000).map(|i| (format!("c{i}"), "root".to_owned(), i, 0)));
        let refs: Vec<_> = input
            .iter()
            .map(|(a, b, s, d)| (a.as_str(), b.as_str(), *s, *d))
            .collect();
        let spans = trace(&refs);
        let layout = layout(&spans);
        let items = cull(&layout, full(1.0), 500.0);
        assert_eq!(items.len(), 2);
        assert!(
            matches!(items[1], Item::Hidden { count: 1000, .. }),
            "{:?}",
            items[1]
        );
    }

    #[test]
    fn culls_spans_outside_the_rendered_range() {
        let spans = trace(&[
            ("1", "0", 0, 1000),
            ("2", "1", 0, 100),
            ("3", "1", 300, 100),
            ("4", "1", 600, 100),
            ("5", "1", 900, 100),
        ]);
        let layout = layout(&spans);
        let at = |id: usize| Item::Span(layout.by_span[id - 1]);
        let culling = Culling {
            range: View {
                start: 0.35,
                end: 0.65,
            },
            width: 0.1,
        };
        assert_eq!(cull(&layout, culling, 1000.0), [at(1), at(3), at(4)]);
    }

    #[test]
    fn repeats_labels_of_spans_reaching_in_from_the_left() {
        let spans = trace(&[
            ("1", "0", 0, 1000),
            ("2", "1", 0, 420),
            ("3", "1", 500, 100),
            ("4", "3", 380, 10),
            ("5", "1", 405, 5),
        ]);
        let layout = layout(&spans);
        let at = |id: usize| layout.by_span[id - 1];
        let got = edge_labels(
            &layout,
            View {
                start: 0.4,
                end: 0.5,
            },
            0.1,
        );
        let rounded: Vec<_> = got
            .iter()
            .map(|&(i, c)| (i, (c * 1e6).round() / 1e6))
            .collect();
        // The root covers the whole window and span 2 a fifth of it; span 4 ends before the window,
        // span 5 starts inside it.
        assert_eq!(rounded, [(at(1), 1.0), (at(2), 0.2)]);
        assert_eq!(
            edge_labels(
                &layout,
                View {
                    start: 0.4,
                    end: 0.5
                },
                0.3
            )
            .len(),
            1
        );
        assert!(edge_labels(&layout, View::FULL, 0.0).is_empty());
    }
}
