//! The pieces of the flame graph: span buttons, "+N" markers, repeated edge labels and the legend.
//! Positions are percentages of the whole trace, so zooming and panning never touch them.

use std::collections::BTreeMap;

use domain::query::TraceSpan;
use leptos::callback::{Callable, Callback};
use leptos::ev;
use leptos::prelude::*;

use super::flame_axis::{format_duration, service_hue};
use super::flame_layout::Placed;

/// Height of a row, in pixels (the CSS draws spans 2 px shorter).
pub const ROW_PX: f64 = 22.0;

/// How a span relates to the error event that led to the trace.
#[derive(Clone, Copy)]
pub struct Marks {
    pub entry: bool,
    pub error_source: bool,
}

pub fn span_button(
    index: usize,
    placed: &Placed,
    span: &TraceSpan,
    marks: Marks,
    select: Callback<usize>,
    suppress_click: StoredValue<bool>,
) -> AnyView {
    let duration = format_duration(span.duration);
    let mut class = String::from("flame-span");
    let mut label = format!("{} {}", span.service, span.name);
    if !span.resource.is_empty() && span.resource != span.name {
        label.push_str(&format!(" {}", span.resource));
    }
    label.push_str(&format!(", {duration}"));
    for (on, class_name, text) in [
        (span.error, " is-error", ", error"),
        (marks.entry, " is-entry", ", service entry"),
        (
            marks.error_source,
            " is-error-source",
            ", carries the error",
        ),
    ] {
        if on {
            class.push_str(class_name);
            label.push_str(text);
        }
    }
    let title = format!(
        "{}\n{}\n{} · {duration}",
        span.name, span.resource, span.service
    );
    let resource = (!span.resource.is_empty() && span.resource != span.name)
        .then(|| view! { <span class="flame-resource">{span.resource.clone()}</span> });
    let target = placed.span;
    let on_click = move |ev: ev::MouseEvent| {
        // The click ending a drag (detail > 0: a pointer, not a key) is not a selection.
        if ev.detail() > 0 && suppress_click.get_value() {
            suppress_click.set_value(false);
            return;
        }
        select.run(target);
    };
    view! {
        <button
            type="button"
            class=class
            data-i=index
            data-span-id=span.span_id.clone()
            style=format!(
                "{};--hue:{}",
                rect_style(placed.x, placed.w, placed.row),
                service_hue(&span.service),
            )
            aria-label=label
            aria-controls="span-details"
            title=title
            on:click=on_click
        >
            {span.error.then_some(view! { <span class="flame-icon" aria-hidden="true">"⚠"</span> })}
            <span class="flame-name">{span.name.clone()}</span>
            {resource}
        </button>
    }
    .into_any()
}

/// The label of a span that starts left of the window, at the window's left edge.
pub fn edge_label(span: &TraceSpan, row: usize, covers: f64) -> impl IntoView + use<> {
    let resource = (!span.resource.is_empty() && span.resource != span.name)
        .then(|| view! { <span class="flame-resource">{span.resource.clone()}</span> });
    view! {
        <div
            class="flame-edge-label"
            style=format!(
                "top:{}px;max-width:{:.4}%;--hue:{}",
                row as f64 * ROW_PX,
                covers * 100.0,
                service_hue(&span.service),
            )
        >
            {span.error.then_some(view! { <span class="flame-icon">"⚠"</span> })}
            <span class="flame-name">{span.name.clone()}</span>
            {resource}
        </div>
    }
}

#[component]
pub fn Legend(services: Vec<(String, usize)>) -> impl IntoView {
    view! {
        <ul class="flame-legend" aria-label="Legend">
            {services
                .into_iter()
                .map(|(service, count)| {
                    let hue = format!("--hue:{}", service_hue(&service));
                    view! {
                        <li>
                            <span class="flame-swatch" style=hue aria-hidden="true"></span>
                            {service}
                            <span class="muted">{format!(" ({count})")}</span>
                        </li>
                    }
                })
                .collect_view()}
            <li>
                <span class="flame-swatch key-error" aria-hidden="true"></span>
                "Error"
            </li>
            <li>
                <span class="flame-swatch key-entry" aria-hidden="true"></span>
                "Service entry"
            </li>
            <li>
                <span class="flame-swatch key-error-source" aria-hidden="true"></span>
                "Carries the error"
            </li>
            <li>
                <span class="flame-swatch key-hidden" aria-hidden="true"></span>
                "+N: spans under a pixel wide"
            </li>
        </ul>
    }
}

/// Services by name with their span counts.
pub fn service_legend(spans: &[TraceSpan]) -> Vec<(String, usize)> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for span in spans {
        *counts.entry(span.service.as_str()).or_default() += 1;
    }
    counts
        .into_iter()
        .map(|(service, count)| (service.to_owned(), count))
        .collect()
}

pub fn rect_style(x: f64, w: f64, row: usize) -> String {
    format!(
        "left:{:.6}%;width:{:.6}%;top:{}px",
        x * 100.0,
        w * 100.0,
        row as f64 * ROW_PX
    )
}

/// Spans too narrow to draw, as one button: `on_click` zooms in on them (or selects a lone one).
pub fn hidden_marker(
    row: usize,
    x: f64,
    w: f64,
    count: usize,
    on_click: impl Fn() + 'static,
) -> AnyView {
    let label = match count {
        1 => "1 span too narrow to show at this zoom; select it".to_owned(),
        n => format!("{n} spans too narrow to show at this zoom; zoom in on them"),
    };
    view! {
        <button
            type="button"
            class="flame-hidden"
            style=rect_style(x, w, row)
            aria-label=label.clone()
            title=label
            on:click=move |_| on_click()
        >
            {format!("+{count}")}
        </button>
    }
    .into_any()
}
