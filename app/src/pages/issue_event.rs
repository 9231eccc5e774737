//! The issue page's event: navigation across the issue's events (latest, newer, older, oldest;
//! `?event=N` in the URL, 0 the latest) and the event itself: where and when it happened, its stack,
//! tags and metrics, and a link to its trace.

use domain::query::{EventDetail, EventPage};
use domain::span::tags;
use leptos::prelude::*;

use crate::api::{Snapshot, issue_event};
use crate::components::{Ago, ErrorNotice, Loading, MetricsTable, StackTrace, TagTable};
use crate::source_api::load_event_source;
use crate::url::IssueState;

#[component]
pub fn EventSection(id: i64, state: Memo<IssueState>) -> impl IntoView {
    let event = Resource::new(
        move || (id, state.get().event),
        |(id, index)| issue_event(id, index),
    );
    view! {
        <section class="event" aria-labelledby="event-heading">
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    let current = state.get_untracked();
                    match event.await {
                        Ok(Snapshot { now, data }) => view! { <EventPanel id current page=data now /> }.into_any(),
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
    .into_any()
}

/// `Latest event`, `Oldest event` or `Event 3 of 12` (newest first).
fn heading(index: u32, total: i64) -> String {
    let last = u32::try_from(total.saturating_sub(1)).unwrap_or(u32::MAX);
    match index {
        0 => "Latest event".to_owned(),
        i if i == last => "Oldest event".to_owned(),
        i => format!("Event {} of {total}", i + 1),
    }
}

#[component]
fn EventPanel(id: i64, current: IssueState, page: EventPage, now: i64) -> impl IntoView {
    let EventPage { events, total } = page;
    let index = current.event;
    let last = u32::try_from(total.saturating_sub(1)).unwrap_or(u32::MAX);
    let Some(event) = events.into_iter().next() else {
        let latest = IssueState {
            event: 0,
            ..current
        }
        .href(id);
        return view! {
            <h2 id="event-heading">"Events"</h2>
            <p class="muted">
                {if total == 0 {
                    "No event of this issue is stored any more.".to_owned()
                } else {
                    format!("This issue has {total} events; there is no event number {}.", index + 1)
                }}
                " "
                {(total > 0).then(|| view! { <a href=latest>"Show the latest"</a> })}
            </p>
        }
        .into_any();
    };
    let link = |to: u32, label: &'static str, rel: Option<&'static str>, enabled: bool| {
        if enabled {
            let href = IssueState {
                event: to,
                ..current
            }
            .href(id);
            view! { <a href=href rel=rel>{label}</a> }.into_any()
        } else {
            view! { <span class="disabled" aria-disabled="true">{label}</span> }.into_any()
        }
    };
    view! {
        <div class="section-head">
            <h2 id="event-heading">{heading(index, total)}</h2>
            <nav class="event-nav" aria-label="Events of this issue">
                {link(0, "Latest", None, index > 0)}
                {link(index.saturating_sub(1), "← Newer", Some("prev"), index > 0)}
                <span class="event-position">{format!("{} of {total}", index + 1)}</span>
                {link(index + 1, "Older →", Some("next"), index < last)}
                {link(last, "Oldest", None, index < last)}
            </nav>
        </div>
        <EventView event now />
    }
    .into_any()
}

/// The trace page with the event's entry span and error span highlighted.
fn trace_href(event: &EventDetail) -> String {
    format!(
        "/traces/{}?entry={}&error={}&issue={}",
        event.trace_id, event.span_id, event.error_span_id, event.issue_id
    )
}

#[component]
fn EventView(event: EventDetail, now: i64) -> impl IntoView {
    let trace = trace_href(&event);
    // Loaded by the browser once hydrated (effects run only there), so GitHub's latency never holds
    // up the page; a plain signal, so no Suspense around the event waits for it.
    let event_id = event.id;
    let source = RwSignal::new(None);
    Effect::new(move |_| {
        leptos::task::spawn_local(async move {
            let loaded = load_event_source(event_id).await;
            // The event may have been navigated away from meanwhile.
            let _ = source.try_set(Some(loaded));
        });
    });
    let source = Signal::from(source);
    // Collapsed: where the error was raised is what identifies it; where it was handled is context.
    let handling = event.handling_stacktrace.map(|stacktrace| {
        let raw = event
            .span_tags
            .get(tags::ERROR_HANDLING_STACK)
            .cloned()
            .unwrap_or_default();
        view! {
            <details class="handling-stack">
                <summary>
                    <h3>"Handled at"</h3>
                </summary>
                <StackTrace stacktrace raw />
            </details>
        }
    });
    let optional = |label: &'static str, value: Option<String>| {
        value.map(|value| {
            view! {
                <dt>{label}</dt>
                <dd>
                    <code>{value}</code>
                </dd>
            }
        })
    };
    view! {
        <dl class="facts">
            <dt>"Seen"</dt>
            <dd>
                <Ago at=event.timestamp now />
            </dd>
            <dt>"Resource"</dt>
            <dd>
                <code>{event.resource}</code>
            </dd>
            <dt>"Operation"</dt>
            <dd>
                <code>{event.operation}</code>
            </dd>
            {optional("Environment", event.env)}
            {optional("Version", event.version)}
            {optional("Host", event.host)}
            {optional("Container", event.container_id)}
            <dt>"Trace id"</dt>
            <dd>
                <code>{event.trace_id.clone()}</code>
                " "
                <a class="view-trace" href=trace>
                    "View trace"
                </a>
            </dd>
            <dt>"Span id"</dt>
            <dd>
                <code>{event.span_id}</code>
            </dd>
        </dl>
        <h3>"Stack trace"</h3>
        <StackTrace stacktrace=event.stacktrace raw=event.stack source />
        {handling}
        <div class="tag-tables">
            <TagTable title="Span tags" tags=event.span_tags />
            <TagTable title="Host tags" tags=event.host_tags />
            <TagTable title="Container tags" tags=event.container_tags />
            <MetricsTable metrics=event.metrics />
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::heading;

    #[test]
    fn headings_say_which_event() {
        assert_eq!(heading(0, 1), "Latest event");
        assert_eq!(heading(0, 5), "Latest event");
        assert_eq!(heading(4, 5), "Oldest event");
        assert_eq!(heading(2, 5), "Event 3 of 5");
    }
}
