//! `/`: the issue list. The filters live in the URL's query string (see `crate::url`), so a view can be
//! shared. The search form is a plain GET form; once hydrated it navigates client-side to the canonical
//! URL of the filters instead (no empty or default parameters).

use domain::query::{IssuePage, IssueQuery, IssueSummary, Sort, Status};
use leptos::ev::SubmitEvent;
use leptos::html;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::params::ParamsMap;

use crate::api::{Snapshot, list_issues};
use crate::components::{Ago, ErrorNotice, Loading, StatusBadge, status_label};
use crate::url::{SORTS, issue_query, issues_href};

/// Characters of an issue's message shown in the list; the full text is in the `title`.
const MESSAGE_CHARS: usize = 160;

#[component]
pub fn IssueListPage() -> impl IntoView {
    let params = use_query_map();
    let query = Memo::new(move |_| params.with(issue_query));
    let issues = Resource::new(move || query.get(), list_issues);
    view! {
        <Title text="Issues" />
        <section class="page issue-list">
            <h1>"Issues"</h1>
            {move || view! { <Filters query=query.get() /> }}
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    let shown = query.get_untracked();
                    match issues.await {
                        Ok(snapshot) => view! { <Results query=shown snapshot /> }.into_any(),
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Filters(query: IssueQuery) -> impl IntoView {
    let without = |clear: fn(&mut IssueQuery)| {
        let mut query = IssueQuery {
            offset: None,
            ..query.clone()
        };
        clear(&mut query);
        issues_href(&query)
    };
    let mut active = Vec::new();
    if let Some(service) = &query.service {
        active.push(("service", service.clone(), without(|q| q.service = None)));
    }
    if let Some(env) = &query.env {
        active.push(("env", env.clone(), without(|q| q.env = None)));
    }
    let hidden = |name: &'static str, value: Option<String>| {
        value.map(|value| view! { <input type="hidden" name=name value=value /> })
    };
    let q_input = NodeRef::<html::Input>::new();
    let status_select = NodeRef::<html::Select>::new();
    let sort_select = NodeRef::<html::Select>::new();
    let navigate = use_navigate();
    let on_submit = {
        let (service, env) = (query.service.clone(), query.env.clone());
        move |ev: SubmitEvent| {
            ev.prevent_default();
            let mut params = ParamsMap::new();
            let fields = [
                ("service", service.clone()),
                ("env", env.clone()),
                ("q", q_input.get().map(|e| e.value())),
                ("status", status_select.get().map(|e| e.value())),
                ("sort", sort_select.get().map(|e| e.value())),
            ];
            for (key, value) in fields {
                if let Some(value) = value {
                    params.insert(key, value);
                }
            }
            navigate(
                &issues_href(&issue_query(&params)),
                NavigateOptions::default(),
            );
        }
    };
    view! {
        <form method="get" action="/" class="filters" role="search" on:submit=on_submit>
            {hidden("service", query.service.clone())}
            {hidden("env", query.env.clone())}
            <label class="search">
                "Search"
                <input
                    node_ref=q_input
                    type="search"
                    name="q"
                    value=query.q.clone().unwrap_or_default()
                    placeholder="Error type or message"
                />
            </label>
            <label>
                "Status"
                <select name="status" node_ref=status_select>
                    <option value="" selected={query.status.is_none()}>
                        "Any"
                    </option>
                    {Status::ALL
                        .into_iter()
                        .map(|status| {
                            view! {
                                <option value=status.as_str() selected={query.status == Some(status)}>
                                    {status_label(status)}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
            <label>
                "Sort by"
                <select name="sort" node_ref=sort_select>
                    {SORTS
                        .into_iter()
                        .map(|sort| {
                            view! {
                                <option value=sort.as_str() selected={query.sort == sort}>
                                    {sort_label(sort)}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
            <button type="submit">"Apply"</button>
        </form>
        {(!active.is_empty())
            .then(|| {
                view! {
                    <ul class="active-filters" aria-label="Active filters">
                        {active
                            .into_iter()
                            .map(|(name, value, href)| {
                                view! {
                                    <li>
                                        {name} ": " <strong>{value.clone()}</strong> " "
                                        <a href=href aria-label=format!("Remove the {name} filter {value}")>
                                            "×"
                                        </a>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
            })}
    }
}

fn sort_label(sort: Sort) -> &'static str {
    match sort {
        Sort::LastSeen => "Last seen",
        Sort::FirstSeen => "First seen",
        Sort::Count => "Events",
    }
}

#[component]
fn Results(query: IssueQuery, snapshot: Snapshot<IssuePage>) -> impl IntoView {
    let Snapshot {
        now,
        data: IssuePage { issues, total },
    } = snapshot;
    if issues.is_empty() {
        let filtered = IssueQuery {
            sort: Sort::default(),
            ..query
        } != IssueQuery::default();
        return if filtered {
            view! {
                <p class="notice">
                    "No issues match these filters. " <a href="/">"Show all issues"</a>
                </p>
            }
            .into_any()
        } else {
            view! { <GettingStarted /> }.into_any()
        };
    }
    let first = query.offset() + 1;
    let last = query.offset() as usize + issues.len();
    let page = |offset: u32| {
        issues_href(&IssueQuery {
            offset: Some(offset),
            ..query.clone()
        })
    };
    let previous = (query.offset() > 0).then(|| page(query.offset().saturating_sub(query.limit())));
    let next = (i64::try_from(last).unwrap_or(i64::MAX) < total)
        .then(|| page(query.offset() + query.limit()));
    view! {
        <table class="issues">
            <caption class="visually-hidden">"Issues"</caption>
            <thead>
                <tr>
                    <th scope="col">"Issue"</th>
                    <th scope="col">"Service / env"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col" class="numeric">"Events"</th>
                    <th scope="col">"First seen"</th>
                    <th scope="col">"Last seen"</th>
                </tr>
            </thead>
            <tbody>
                {issues.into_iter().map(|issue| view! { <IssueRow issue now /> }).collect_view()}
            </tbody>
        </table>
        <nav class="pager" aria-label="Pages">
            <span>{format!("{first}–{last} of {total}")}</span>
            {previous.map(|href| view! { <a href=href>"Previous page"</a> })}
            {next.map(|href| view! { <a href=href>"Next page"</a> })}
        </nav>
    }
    .into_any()
}

#[component]
fn IssueRow(issue: IssueSummary, now: i64) -> impl IntoView {
    let filter = |service: Option<String>, env: Option<String>| {
        issues_href(&IssueQuery {
            service,
            env,
            ..IssueQuery::default()
        })
    };
    let service_href = filter(Some(issue.service.clone()), None);
    let env = (!issue.env.is_empty()).then(|| {
        let href = filter(None, Some(issue.env.clone()));
        view! { " / " <a href=href>{issue.env.clone()}</a> }
    });
    view! {
        <tr>
            <td class="issue-cell">
                <a class="issue-link" href=format!("/issues/{}", issue.id) title=issue.message.clone()>
                    <span class="error-type">{issue.error_type}</span>
                    " "
                    <span class="message">{truncate(&issue.message, MESSAGE_CHARS)}</span>
                </a>
                {issue.culprit.map(|culprit| view! { <code class="culprit">{culprit}</code> })}
            </td>
            <td>
                <a href=service_href>{issue.service}</a>
                {env}
            </td>
            <td>
                <StatusBadge status=issue.status />
            </td>
            <td class="numeric">{issue.count}</td>
            <td>
                <Ago at=issue.first_seen now />
            </td>
            <td>
                <Ago at=issue.last_seen now />
            </td>
        </tr>
    }
}

/// The empty state of a new install: how to send errors here.
#[component]
fn GettingStarted() -> impl IntoView {
    view! {
        <section class="getting-started" aria-labelledby="getting-started">
            <h2 id="getting-started">"No errors yet"</h2>
            <p>
                "Stackprint tracks the errors your services' tracing libraries report. "
                "Point a service at this server, replacing " <code>"<host>"</code>
                " with the address the service can reach it at:"
            </p>
            <h3>"Datadog tracing libraries"</h3>
            <pre>
                <code>"DD_TRACE_AGENT_URL=http://<host>:8126"</code>
            </pre>
            <h3>"OpenTelemetry SDKs"</h3>
            <pre>
                <code>"OTEL_EXPORTER_OTLP_ENDPOINT=http://<host>:4318"</code>
            </pre>
            <p>"Restart the service; its first error shows up here."</p>
        </section>
    }
}

/// The first line of `text`, cut to `max` characters; an ellipsis marks anything left out.
fn truncate(text: &str, max: usize) -> String {
    let line = text.lines().next().unwrap_or_default();
    match line.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", line[..end].trim_end()),
        None if line.len() < text.trim_end().len() => format!("{line} …"),
        None => line.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::truncate;

    #[test]
    fn truncates_messages() {
        let cases = [
            ("division by zero", 10, "division b…"),
            ("short", 10, "short"),
            ("", 10, ""),
            ("first line\nsecond", 80, "first line …"),
            ("trailing newline\n", 80, "trailing newline"),
            ("ééééé", 3, "ééé…"),
        ];
        for (text, max, want) in cases {
            assert_eq!(truncate(text, max), want, "{text:?}");
        }
    }
}
