//! `/issues/:id`: one issue, its latest event (stack trace, tags, metrics) and why its events grouped.

use domain::query::{EventDetail, IssueDetail, IssueQuery, IssueSummary};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::not_found::{NotFoundNotice, mark_not_found};
use crate::api::{Snapshot, issue};
use crate::components::{
    Ago, ErrorNotice, FingerprintTree, Loading, MetricsTable, StackTrace, StatusBadge, TagTable,
};
use crate::url::issues_href;

#[component]
pub fn IssueDetailPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get_str("id").and_then(|id| id.parse::<i64>().ok()));
    // Blocking, so the server knows the title and the status (404) before it sends the response head.
    let detail = Resource::new_blocking(id, |id| async move {
        let found = match id {
            Some(id) => {
                let Snapshot { now, data } = issue(id).await?;
                data.map(|data| Snapshot { now, data })
            }
            None => None,
        };
        if found.is_none() {
            mark_not_found();
        }
        Ok::<_, ServerFnError>(found)
    });
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(Some(snapshot)) => view! { <IssueView snapshot /> }.into_any(),
                    Ok(None) => {
                        view! {
                            <NotFoundNotice
                                title="Issue not found"
                                detail="No issue has this id. It may have been deleted."
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
fn IssueView(snapshot: Snapshot<IssueDetail>) -> impl IntoView {
    let Snapshot { now, data: detail } = snapshot;
    let IssueDetail {
        issue,
        grouping_version,
        fingerprint_tree,
        latest_event,
    } = detail;
    let event = match latest_event {
        Some(event) => view! { <EventView event now /> }.into_any(),
        None => {
            view! { <p class="muted">"No event of this issue is stored any more."</p> }.into_any()
        }
    };
    view! {
        <Title text=format!("{}: {}", issue.error_type, issue.message) />
        <article class="page issue-detail">
            <nav class="breadcrumb" aria-label="Breadcrumb">
                <a href="/">"Issues"</a>
            </nav>
            <IssueHeader issue now />
            <section aria-labelledby="latest-event">
                <h2 id="latest-event">"Latest event"</h2>
                {event}
            </section>
            <section aria-labelledby="why-grouped">
                <h2 id="why-grouped">"Why these events grouped"</h2>
                <p class="muted">
                    "Grouping config " <code>{grouping_version}</code>
                    ". Only contributing components make up the fingerprint; events with the same fingerprint are one issue."
                </p>
                <FingerprintTree root=fingerprint_tree />
            </section>
        </article>
    }
}

#[component]
fn IssueHeader(issue: IssueSummary, now: i64) -> impl IntoView {
    let in_version = |version: Option<String>| version.map(|v| view! { " in " <code>{v}</code> });
    let service_href = issues_href(&IssueQuery {
        service: Some(issue.service.clone()),
        ..IssueQuery::default()
    });
    let env = (!issue.env.is_empty()).then(|| {
        let href = issues_href(&IssueQuery {
            env: Some(issue.env.clone()),
            ..IssueQuery::default()
        });
        view! {
            <dt>"Environment"</dt>
            <dd>
                <a href=href>{issue.env.clone()}</a>
            </dd>
        }
    });
    view! {
        <header class="issue-header">
            <h1>
                <span class="error-type">{issue.error_type}</span>
                <span class="message">{issue.message}</span>
            </h1>
            {issue.culprit.map(|culprit| view! { <code class="culprit">{culprit}</code> })}
            <dl class="facts">
                <dt>"Service"</dt>
                <dd>
                    <a href=service_href>{issue.service}</a>
                </dd>
                {env}
                <dt>"Status"</dt>
                <dd>
                    <StatusBadge status=issue.status />
                </dd>
                <dt>"Events"</dt>
                <dd>{issue.count}</dd>
                <dt>"First seen"</dt>
                <dd>
                    <Ago at=issue.first_seen now />
                    {in_version(issue.first_version)}
                </dd>
                <dt>"Last seen"</dt>
                <dd>
                    <Ago at=issue.last_seen now />
                    {in_version(issue.last_version)}
                </dd>
            </dl>
        </header>
    }
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
        <StackTrace stacktrace=event.stacktrace raw=event.stack />
        <TagTable title="Span tags" tags=event.span_tags />
        <TagTable title="Host tags" tags=event.host_tags />
        <TagTable title="Container tags" tags=event.container_tags />
        <MetricsTable metrics=event.metrics />
    }
}
