//! The selected span of the flame graph: where and how long it ran, its tags and metrics, and for an
//! error its type, message and stack trace.

use domain::query::TraceSpan;
use domain::span::tags;
use domain::stacktrace::Stacktrace;
use leptos::callback::{Callable, Callback};
use leptos::prelude::*;

use super::flame_axis::{format_duration, service_hue};
use super::{MetricsTable, StackTrace, TagTable};

/// `index` is the span's index in the trace; `offset` its start in nanoseconds after the trace's;
/// `parent` the parent's index and name when the parent is in the trace.
#[component]
pub fn SpanDetails(
    index: usize,
    span: TraceSpan,
    offset: i64,
    parent: Option<(usize, String)>,
    is_entry: bool,
    is_error_source: bool,
    stack: Option<Stacktrace>,
    on_select: Callback<usize>,
    on_zoom: Callback<usize>,
) -> impl IntoView {
    let TraceSpan {
        span_id,
        parent_id,
        service,
        name,
        resource,
        duration,
        error,
        mut meta,
        metrics,
        ..
    } = span;
    let error_type = meta.get(tags::ERROR_TYPE).cloned();
    let message = meta
        .get(tags::ERROR_MESSAGE)
        .or_else(|| meta.get(tags::ERROR_MSG_LEGACY))
        .cloned();
    // Shown parsed below rather than as one long tag.
    let raw_stack = meta.remove(tags::ERROR_STACK);
    let badges = [
        (error, "badge span-badge is-error", "Error"),
        (is_entry, "badge span-badge is-entry", "Service entry"),
        (
            is_error_source,
            "badge span-badge is-error-source",
            "Carries the error",
        ),
    ]
    .into_iter()
    .filter(|(on, ..)| *on)
    .map(|(_, class, text)| view! { <span class=class>{text}</span> })
    .collect_view();
    let parent = match parent {
        Some((parent, parent_name)) => view! {
            <button type="button" class="link-button" on:click=move |_| on_select.run(parent)>
                {parent_name}
            </button>
            " "
            <code class="muted">{parent_id}</code>
        }
        .into_any(),
        None if parent_id.is_empty() || parent_id == "0" => "None (root span)".into_any(),
        None => view! {
            <code>{parent_id}</code>
            " (not in this trace)"
        }
        .into_any(),
    };
    let error_view = (error || error_type.is_some() || raw_stack.is_some()).then(|| {
        let stack = match (stack, raw_stack) {
            (Some(stacktrace), raw) => {
                view! { <StackTrace stacktrace raw=raw.unwrap_or_default() /> }.into_any()
            }
            (None, Some(raw)) => view! { <pre class="raw-stack">{raw}</pre> }.into_any(),
            (None, None) => {
                view! { <p class="muted">"No stack trace on this span."</p> }.into_any()
            }
        };
        view! {
            <section class="span-error" aria-labelledby="span-error-title">
                <h3 id="span-error-title">"Error"</h3>
                <p class="span-error-message">
                    <span class="error-type">
                        {error_type.unwrap_or_else(|| "Error flag set".to_owned())}
                    </span>
                    {message.map(|m| view! { ": " <span class="message">{m}</span> })}
                </p>
                {stack}
            </section>
        }
    });
    view! {
        <p class="span-heading">
            <span class="flame-swatch" style=format!("--hue:{}", service_hue(&service)) aria-hidden="true"></span>
            <strong class="span-name">{name.clone()}</strong>
            {badges}
        </p>
        <dl class="facts">
            <dt>"Service"</dt>
            <dd>{service}</dd>
            <dt>"Name"</dt>
            <dd>
                <code>{name}</code>
            </dd>
            <dt>"Resource"</dt>
            <dd>
                <code>{resource}</code>
            </dd>
            <dt>"Start"</dt>
            <dd>
                {match offset {
                    0 => "At the trace start".to_owned(),
                    offset => format!("+{} after the trace start", format_duration(offset)),
                }}
            </dd>
            <dt>"Duration"</dt>
            <dd>{format_duration(duration)}</dd>
            <dt>"Span id"</dt>
            <dd>
                <code class="span-id">{span_id}</code>
            </dd>
            <dt>"Parent"</dt>
            <dd>{parent}</dd>
        </dl>
        <button type="button" class="secondary" on:click=move |_| on_zoom.run(index)>
            "Zoom to this span"
        </button>
        {error_view}
        <TagTable title="Span tags" tags=meta />
        <MetricsTable metrics />
    }
}
