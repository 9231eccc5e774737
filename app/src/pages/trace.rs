//! `/traces/:trace_id`: every stored span of a trace as a flame graph. The issue page links here with
//! `?entry=<span id>&error=<span id>` (the event's service entry span and the span carrying the error,
//! both highlighted) and `&issue=<id>` (for the way back).

use std::collections::BTreeSet;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::not_found::{NotFoundNotice, mark_not_found};
use crate::api::{TraceView, trace};
use crate::components::{ErrorNotice, FlameGraph, Loading, bounds, format_duration};

#[component]
pub fn TracePage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let trace_id = move || params.with(|p| p.get("trace_id").unwrap_or_default());
    // Blocking, so the server knows the title and the status (404) before it sends the response head.
    let data = Resource::new_blocking(trace_id, |trace_id| async move {
        let found = trace(trace_id).await?;
        if found.is_none() {
            mark_not_found();
        }
        Ok::<_, ServerFnError>(found)
    });
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(Some(data)) => {
                        let (entry, error, issue) = query
                            .with(|q| {
                                (
                                    q.get("entry"),
                                    q.get("error"),
                                    q.get("issue").and_then(|id| id.parse::<i64>().ok()),
                                )
                            });
                        view! { <TraceContent data entry error issue /> }.into_any()
                    }
                    Ok(None) => {
                        view! {
                            <NotFoundNotice
                                title="Trace not found"
                                detail="No trace with this id is stored. Stackprint keeps the traces of error events."
                            />
                        }
                            .into_any()
                    }
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn TraceContent(
    data: TraceView,
    entry: Option<String>,
    error: Option<String>,
    issue: Option<i64>,
) -> impl IntoView {
    let TraceView { trace, stacks } = data;
    let spans = trace.spans;
    let (_, duration) = bounds(&spans);
    let services: BTreeSet<&str> = spans.iter().map(|s| s.service.as_str()).collect();
    let errors = spans.iter().filter(|s| s.error).count();
    let ids: BTreeSet<&str> = spans.iter().map(|s| s.span_id.as_str()).collect();
    let root = spans
        .iter()
        .filter(|s| !ids.contains(s.parent_id.as_str()))
        .min_by_key(|s| s.start)
        .map(|s| match s.resource.as_str() {
            "" => format!("{} · {}", s.service, s.name),
            resource if resource == s.name => format!("{} · {}", s.service, s.name),
            resource => format!("{} · {} {resource}", s.service, s.name),
        });
    let facts = [
        ("Duration", format_duration(duration)),
        ("Spans", spans.len().to_string()),
        ("Services", services.len().to_string()),
        ("Errors", errors.to_string()),
    ];
    let back = issue.map(|id| {
        view! {
            " / "
            <a href=format!("/issues/{id}")>{format!("Issue {id}")}</a>
        }
    });
    let graph = if spans.is_empty() {
        view! { <p class="muted">"This trace has no stored spans."</p> }.into_any()
    } else {
        view! { <FlameGraph spans stacks entry error /> }.into_any()
    };
    view! {
        <Title text=format!("Trace {}", trace.trace_id) />
        <article class="page trace-page">
            <nav class="breadcrumb" aria-label="Breadcrumb">
                <a href="/">"Issues"</a>
                {back}
            </nav>
            <header class="trace-header">
                <h1>"Trace " <code class="trace-id">{trace.trace_id.clone()}</code></h1>
                {root.map(|root| view! { <p class="muted trace-root">{root}</p> })}
                <dl class="trace-facts">
                    {facts
                        .into_iter()
                        .map(|(label, value)| {
                            view! {
                                <div>
                                    <dt>{label}</dt>
                                    <dd>{value}</dd>
                                </div>
                            }
                        })
                        .collect_view()}
                </dl>
            </header>
            {graph}
        </article>
    }
}
