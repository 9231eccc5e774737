//! A trace as a flame graph: a time axis, one row per depth (children below their parent), spans
//! coloured by service, errors hatched in red, the service entry span and the span carrying the error
//! highlighted, and a details panel for the selected span.
//!
//! The server renders the whole trace, so the first paint needs no WASM; zoom, pan and selection work
//! after hydration. Built for traces of thousands of spans: the layout is computed once; spans are
//! positioned in percent of the whole trace inside a canvas that zoom widens and pan shifts (one style
//! change, no per-span work). The DOM holds only the spans at least a pixel wide in and around the
//! window; that set changes every √2 of zoom and every half window of panning, and the keyed list
//! adds and removes just the spans that came and went.

use std::collections::BTreeMap;

use domain::query::TraceSpan;
use domain::stacktrace::Stacktrace;
use leptos::callback::{Callable, Callback};
use leptos::ev;
use leptos::html;
use leptos::prelude::*;
use leptos::wasm_bindgen::JsCast;
use leptos::web_sys;

use super::flame_axis::{format_duration, ticks};
use super::flame_details::SpanDetails;
use super::flame_layout::{Item, cull, edge_labels, layout};
use super::flame_parts::{
    Legend, Marks, ROW_PX, edge_label, hidden_marker, rect_style, service_legend, span_button,
};
use super::flame_view::{View, min_width};

/// The graph's width until the browser measures it: the server culls with it, and the first render in
/// the browser must match the server's HTML.
const ASSUMED_PX: f64 = 1000.0;
/// Room around the rows for the highlight rings, in pixels (`.flame-track` in the CSS).
const INSET_PX: f64 = 4.0;
/// About one axis label per this many pixels.
const TICK_PX: f64 = 110.0;
/// Share of the window a span reaching in from the left must cover to get its label repeated.
const EDGE_LABEL_MIN: f64 = 0.04;
/// Zoom of one button press or key stroke.
const ZOOM_STEP: f64 = 1.6;

#[derive(Clone, Copy)]
struct Drag {
    pointer: i32,
    x: i32,
    from: View,
    moved: bool,
}

/// `entry` and `error` are span ids: the service entry span and the span carrying the error.
#[component]
pub fn FlameGraph(
    spans: Vec<TraceSpan>,
    stacks: BTreeMap<String, Stacktrace>,
    entry: Option<String>,
    error: Option<String>,
) -> impl IntoView {
    let geometry = layout(&spans);
    let duration = geometry.duration;
    let narrowest = min_width(duration);
    let find = |id: Option<String>| id.and_then(|id| spans.iter().position(|s| s.span_id == id));
    let (entry, error) = (find(entry), find(error));
    let legend = service_legend(&spans);
    let rows = geometry.rows.len();
    let span_count = spans.len();

    let spans = StoredValue::new(spans);
    let geometry = StoredValue::new(geometry);
    let stacks = StoredValue::new(stacks);
    let view = RwSignal::new(View::FULL);
    let px = RwSignal::new(ASSUMED_PX);
    let selected = RwSignal::new(error.or(entry));
    let dragging = RwSignal::new(false);
    let drag = StoredValue::new(None::<Drag>);
    let suppress_click = StoredValue::new(false);
    // The strip the spans are drawn in: its width is the graph's width in pixels.
    let track = NodeRef::<html::Div>::new();

    let view_width = Memo::new(move |_| view.with(|v| v.width()));
    // Changes only now and then while zooming and panning; the spans in the DOM with it.
    let culling = Memo::new(move |_| view.get().culling());
    let items = Memo::new(move |_| geometry.with_value(|g| cull(g, culling.get(), px.get())));
    let edge = Memo::new(move |_| {
        let view = view.get();
        geometry.with_value(|g| edge_labels(g, view, EDGE_LABEL_MIN))
    });
    let tick_list = Memo::new(move |_| ticks(view.get(), duration, (px.get() / TICK_PX) as usize));

    // Browser only (effects do not run on the server): measure the graph, and again on resize.
    let measure = move || {
        if let Some(el) = track.get_untracked()
            && el.client_width() > 0
        {
            px.set(f64::from(el.client_width()));
        }
    };
    Effect::new(move |_| {
        if track.get().is_some() {
            measure();
        }
    });
    Effect::new(move |_| {
        let handle = window_event_listener(ev::resize, move |_| measure());
        on_cleanup(move || handle.remove());
    });

    let select = Callback::new(move |index: usize| selected.set(Some(index)));
    let zoom_to = Callback::new(move |index: usize| {
        let target = geometry.with_value(|g| {
            let p = &g.placed[g.by_span[index]];
            View::fit(p.x, p.w, narrowest)
        });
        view.set(target);
    });
    let zoom_by = move |factor: f64| view.update(|v| *v = v.zoom_at(0.5, factor, narrowest));

    let on_wheel = move |ev: ev::WheelEvent| {
        let scale = match ev.delta_mode() {
            1 => 16.0,
            2 => px.get_untracked(),
            _ => 1.0,
        };
        let (dx, dy) = (ev.delta_x() * scale, ev.delta_y() * scale);
        let current = view.get_untracked();
        if ev.shift_key() || dx.abs() > dy.abs() {
            // Nothing to pan at full width: let the page scroll.
            if current == View::FULL {
                return;
            }
            ev.prevent_default();
            let by = if dx.abs() > dy.abs() { dx } else { dy };
            view.set(current.pan(by / px.get_untracked()));
            return;
        }
        if dy > 0.0 && current == View::FULL {
            return;
        }
        ev.prevent_default();
        let Some(el) = track.get_untracked() else {
            return;
        };
        // Pinch gestures arrive as ctrl+wheel with small deltas.
        let sensitivity = if ev.ctrl_key() { 0.01 } else { 0.002 };
        let anchor = pointer_fraction(&el, ev.page_x());
        view.set(current.zoom_at(anchor, (-dy * sensitivity).exp(), narrowest));
    };

    let on_pointerdown = move |ev: ev::PointerEvent| {
        if ev.button() != 0 {
            return;
        }
        suppress_click.set_value(false);
        drag.set_value(Some(Drag {
            pointer: ev.pointer_id(),
            x: ev.client_x(),
            from: view.get_untracked(),
            moved: false,
        }));
    };
    let on_pointermove = move |ev: ev::PointerEvent| {
        let Some(mut d) = drag.get_value() else {
            return;
        };
        if d.pointer != ev.pointer_id() {
            return;
        }
        let dx = ev.client_x() - d.x;
        if !d.moved {
            // A click that wobbles a little is still a click.
            if dx.abs() < 4 {
                return;
            }
            d.moved = true;
            drag.set_value(Some(d));
            dragging.set(true);
            if let Some(el) = track.get_untracked() {
                _ = el.set_pointer_capture(d.pointer);
            }
        }
        view.set(d.from.pan(-f64::from(dx) / px.get_untracked()));
    };
    let end_drag = move |ev: ev::PointerEvent| {
        let Some(d) = drag.get_value() else {
            return;
        };
        if d.pointer != ev.pointer_id() {
            return;
        }
        drag.set_value(None);
        if d.moved {
            suppress_click.set_value(true);
            dragging.set(false);
            if let Some(el) = track.get_untracked() {
                _ = el.release_pointer_capture(d.pointer);
            }
        }
    };

    let on_keydown = move |ev: ev::KeyboardEvent| {
        if ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
            return;
        }
        let step = if ev.shift_key() { 0.5 } else { 0.1 };
        let current = view.get_untracked();
        let next = match ev.key().as_str() {
            "ArrowLeft" => current.pan(-step),
            "ArrowRight" => current.pan(step),
            "Home" => current.pan(-current.zoom()),
            "End" => current.pan(current.zoom()),
            "+" | "=" => current.zoom_at(0.5, ZOOM_STEP, narrowest),
            "-" | "_" => current.zoom_at(0.5, 1.0 / ZOOM_STEP, narrowest),
            "0" => View::FULL,
            _ => return,
        };
        ev.prevent_default();
        view.set(next);
    };

    // Tabbing to a span outside the window brings it in.
    let on_focusin = move |ev: ev::FocusEvent| {
        let target: web_sys::Element = event_target(&ev);
        let Some(index) = target
            .get_attribute("data-i")
            .and_then(|i| i.parse::<usize>().ok())
        else {
            return;
        };
        let current = view.get_untracked();
        let x = geometry.with_value(|g| g.placed.get(index).map(|p| (p.x, p.w)));
        if let Some((x, w)) = x
            && !current.overlaps(x, w)
        {
            view.set(current.pan((x - current.start) / current.width() - 0.1));
        }
    };

    let render_item = move |item: Item| match item {
        Item::Span(index) => geometry.with_value(|g| {
            let placed = &g.placed[index];
            spans.with_value(|all| {
                let marks = Marks {
                    entry: entry == Some(placed.span),
                    error_source: error == Some(placed.span),
                };
                span_button(
                    index,
                    placed,
                    &all[placed.span],
                    marks,
                    select,
                    suppress_click,
                )
            })
        }),
        Item::Hidden {
            row,
            first,
            count,
            x,
            w,
        } => {
            let only = geometry.with_value(|g| (count == 1).then(|| g.placed[first].span));
            let on_click = move || match only {
                Some(span) => {
                    select.run(span);
                    zoom_to.run(span);
                }
                None => view.set(View::fit(x, w, narrowest)),
            };
            hidden_marker(row, x, w, count, on_click)
        }
    };

    let selection_style = move || {
        selected
            .get()
            .map(|i| {
                geometry.with_value(|g| {
                    let p = &g.placed[g.by_span[i]];
                    rect_style(p.x, p.w, p.row)
                })
            })
            .unwrap_or_default()
    };
    let details = move || {
        let index = selected.get()?;
        let (trace_start, parent) = geometry.with_value(|g| {
            let p = &g.placed[g.by_span[index]];
            (g.start, p.parent.map(|parent| g.placed[parent].span))
        });
        spans.with_value(|all| {
            let span = all[index].clone();
            let offset = span.start.saturating_sub(trace_start);
            let parent = parent.map(|p| (p, all[p].name.clone()));
            let stack = stacks.with_value(|s| s.get(&span.span_id).cloned());
            Some(
                view! {
                    <SpanDetails
                        span
                        offset
                        parent
                        is_entry=entry == Some(index)
                        is_error_source=error == Some(index)
                        stack
                        on_select=select
                        on_zoom=zoom_to
                        index
                    />
                }
                .into_any(),
            )
        })
    };

    let toolbar = view! {
        <div class="flame-toolbar">
            <span class="flame-zoom-buttons">
                <button
                    type="button"
                    aria-label="Zoom in"
                    title="Zoom in (+)"
                    disabled=move || { view_width.get() <= narrowest * (1.0 + 1e-9) }
                    on:click=move |_| zoom_by(ZOOM_STEP)
                >
                    "+"
                </button>
                <button
                    type="button"
                    aria-label="Zoom out"
                    title="Zoom out (−)"
                    disabled=move || { view_width.get() >= 1.0 }
                    on:click=move |_| zoom_by(1.0 / ZOOM_STEP)
                >
                    "−"
                </button>
                <button
                    type="button"
                    title="Show the whole trace (0)"
                    disabled=move || { view_width.get() >= 1.0 }
                    on:click=move |_| view.set(View::FULL)
                >
                    "Reset"
                </button>
            </span>
            <output class="flame-zoom" aria-label="Zoom level" aria-live="off">
                {move || format_zoom(view_width.get())}
            </output>
            <span class="flame-hint">
                "Scroll to zoom, drag or ← → to pan, + − 0 keys to zoom."
            </span>
        </div>
    }
    .into_any();
    let graph = view! {
        <div
            class="flame-viewport"
            class:dragging=move || dragging.get()
            tabindex="0"
            role="group"
            aria-label=format!(
                "Flame graph of {} spans over {}. Arrow keys pan, plus and minus zoom.",
                span_count,
                format_duration(duration),
            )
            on:wheel=on_wheel
            on:pointerdown=on_pointerdown
            on:pointermove=on_pointermove
            on:pointerup=end_drag
            on:pointercancel=end_drag
            on:keydown=on_keydown
            on:focusin=on_focusin
        >
            <div class="flame-axis" aria-hidden="true">
                <div class="flame-track">
                    {move || {
                        tick_list
                            .get()
                            .into_iter()
                            .map(|tick| {
                                view! {
                                    <span class="flame-tick" style=format!("left:{:.4}%", tick.at * 100.0)>
                                        {tick.label}
                                    </span>
                                }
                            })
                            .collect_view()
                    }}
                </div>
            </div>
            <div class="flame-body" style=format!("height:{}px", rows as f64 * ROW_PX + 2.0 * INSET_PX)>
                <div class="flame-track" node_ref=track>
                    <div class="flame-grid" aria-hidden="true">
                        {move || {
                            tick_list
                                .get()
                                .into_iter()
                                .map(|tick| {
                                    view! { <span style=format!("left:{:.4}%", tick.at * 100.0)></span> }
                                })
                                .collect_view()
                        }}
                    </div>
                    <div
                        class="flame-canvas"
                        style:width=move || format!("{:.6}%", 100.0 / view_width.get())
                        style:transform=move || {
                            format!("translateX({:.8}%)", -view.with(|v| v.start) * 100.0)
                        }
                    >
                        <For each=move || items.get() key=Item::key children=render_item />
                        <div
                            class="flame-selection"
                            aria-hidden="true"
                            hidden=move || selected.get().is_none()
                            style=selection_style
                        ></div>
                    </div>
                    <div class="flame-edge-labels" aria-hidden="true">
                        {move || {
                            edge.get()
                                .into_iter()
                                .map(|(index, covers)| {
                                    geometry.with_value(|g| {
                                        let placed = &g.placed[index];
                                        spans.with_value(|all| {
                                            edge_label(&all[placed.span], placed.row, covers)
                                        })
                                    })
                                })
                                .collect_view()
                        }}
                    </div>
                </div>
            </div>
        </div>
    }
    .into_any();

    view! {
        <div class="flame-layout">
            <div class="flame">
                {toolbar}
                <Legend services=legend />
                {graph}
            </div>
            <section
                class="span-details"
                id="span-details"
                role="region"
                aria-labelledby="span-details-title"
            >
                <h2 id="span-details-title">"Span details"</h2>
                {move || {
                    details()
                        .unwrap_or_else(|| {
                            view! {
                                <p class="muted">
                                    "Select a span in the flame graph to see its tags, metrics and error."
                                </p>
                            }
                                .into_any()
                        })
                }}
            </section>
        </div>
    }
}

fn format_zoom(width: f64) -> String {
    let zoom = 1.0 / width;
    if zoom < 10.0 {
        format!("{zoom:.1}×")
    } else {
        format!("{zoom:.0}×")
    }
}

/// Where `page_x` falls across `el`, 0 at its left edge and 1 at its right.
fn pointer_fraction(el: &web_sys::HtmlElement, page_x: i32) -> f64 {
    let mut left = f64::from(el.client_left());
    let mut node = Some(el.clone());
    while let Some(current) = node {
        left += f64::from(current.offset_left());
        node = current
            .offset_parent()
            .and_then(|parent| parent.dyn_into::<web_sys::HtmlElement>().ok());
    }
    (f64::from(page_x) - left) / f64::from(el.client_width().max(1))
}
