//! The explorer's results: sort links, the bulk status bar (a form that works without the WASM), the
//! table of issues and the pager, and the empty states (a new install; nothing matching).

use std::collections::BTreeSet;

use domain::explorer::IssueRow as Row;
use domain::query::{FacetKey, IssueQuery, Sort, Status};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::{
    ExplorerPage, Snapshot, merge_form_action, merge_issues, set_statuses, status_form_action,
    status_form_error,
};
use crate::components::{
    Ago, GettingStarted, Sparkline, StatusBadge, server_message, status_label, use_hydrated,
};
use crate::range::{Period, TimeRange};
use crate::terms::toggle_facet;
use crate::url::{ListState, SORTS};

/// Characters of an issue's message shown in the list; the full text is in the `title`.
const MESSAGE_CHARS: usize = 160;

/// The rows checked for a bulk change, and the row the keyboard is on.
#[derive(Debug, Clone, Copy)]
pub struct ListSelection {
    pub checked: RwSignal<BTreeSet<i64>>,
    pub cursor: RwSignal<Option<usize>>,
}

impl ListSelection {
    pub fn new() -> Self {
        Self {
            checked: RwSignal::new(BTreeSet::new()),
            cursor: RwSignal::new(None),
        }
    }

    pub fn clear(self) {
        self.checked.set(BTreeSet::new());
        self.cursor.set(None);
    }

    pub fn toggle(self, id: i64) {
        self.checked.update(|c| {
            if !c.remove(&id) {
                c.insert(id);
            }
        });
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
pub fn SortLinks(state: ListState) -> impl IntoView {
    let links = SORTS
        .into_iter()
        .map(|sort| {
            let active = state.sort == sort;
            view! {
                <a
                    href=state.with_sort(sort).href()
                    class:active=active
                    aria-current=active.then_some("true")
                >
                    {sort_label(sort)}
                </a>
            }
        })
        .collect_view();
    view! {
        <nav class="sort-links" aria-label="Sort by">
            <span class="muted">"Sort by"</span>
            {links}
        </nav>
    }
    .into_any()
}

/// The id of the bulk status form, which the rows' checkboxes belong to.
const BULK_FORM: &str = "bulk-status";

/// "Mark as" buttons and "Merge" for the checked rows. `refresh` reloads the list after a change.
///
/// A plain HTML form posting the checked rows to [`set_statuses_form`]: before and without the WASM
/// the server changes them and redirects back to the list; once hydrated a click calls
/// [`set_statuses`] in place, and the buttons are disabled while nothing is checked. "Merge" posts the
/// same form to [`merge_issues_form`] (hydrated: [`merge_issues`]), into the oldest checked issue.
#[component]
pub fn BulkBar(selection: ListSelection, refresh: Callback<()>) -> impl IntoView {
    let query = use_query_map();
    let hydrated = use_hydrated();
    let change = Action::new(move |(ids, status): &(Vec<i64>, Status)| {
        let (ids, status) = (ids.clone(), *status);
        async move { set_statuses(ids, status, None).await.map(|r| (status, r)) }
    });
    // What the latest status change or merge did, or why it failed.
    let note = RwSignal::new(None::<String>);
    Effect::watch(
        move || change.version().get(),
        move |_, _, _| {
            note.set(change.value().get_untracked().map(|outcome| match outcome {
                Ok((status, result)) => {
                    let n = result.updated.len();
                    let issues = if n == 1 { "issue" } else { "issues" };
                    format!("Marked {n} {issues} as {}.", status_label(status))
                }
                Err(e) => server_message(&e),
            }));
            selection.checked.set(BTreeSet::new());
            refresh.run(());
        },
        false,
    );
    let merge = Action::new(move |ids: &Vec<i64>| {
        let ids = ids.clone();
        async move { merge_issues(ids, None).await }
    });
    Effect::watch(
        move || merge.version().get(),
        move |_, _, _| {
            note.set(merge.value().get_untracked().map(|outcome| match outcome {
                Ok(result) => {
                    let n = result.merged.len();
                    let issues = if n == 1 { "issue" } else { "issues" };
                    format!("Merged {n} {issues} into #{}.", result.into)
                }
                Err(e) => server_message(&e),
            }));
            selection.checked.set(BTreeSet::new());
            refresh.run(());
        },
        false,
    );
    let count = move || selection.checked.with(BTreeSet::len);
    let pending = Signal::derive(move || change.pending().get() || merge.pending().get());
    let message = move || {
        note.get().unwrap_or_else(|| {
            query
                .with(status_form_error)
                .map(|e| server_message(&e))
                .unwrap_or_default()
        })
    };
    let buttons = Status::ALL
        .into_iter()
        .map(|status| {
            view! {
                <button
                    type="submit"
                    name="status"
                    value=status.as_str()
                    class="secondary"
                    disabled=move || hydrated.get() && (count() == 0 || pending.get())
                    on:click=move |ev| {
                        ev.prevent_default();
                        let ids: Vec<i64> = selection.checked.with_untracked(|c| c.iter().copied().collect());
                        if !ids.is_empty() {
                            change.dispatch((ids, status));
                        }
                    }
                >
                    {status_label(status)}
                </button>
            }
        })
        .collect_view();
    view! {
        <form
            id=BULK_FORM
            class="bulk-bar"
            method="post"
            action=status_form_action()
            role="group"
            aria-label="Change the status of the selected issues"
        >
            <span class="bulk-count">
                {move || match count() {
                    0 => "Select issues to triage them".to_owned(),
                    n => format!("{n} selected — mark as"),
                }}
            </span>
            {buttons}
            <button
                type="submit"
                formaction=merge_form_action()
                class="secondary merge"
                title="Merge the selected issues into the oldest of them"
                disabled=move || hydrated.get() && (count() < 2 || pending.get())
                on:click=move |ev| {
                    ev.prevent_default();
                    let ids: Vec<i64> = selection.checked.with_untracked(|c| c.iter().copied().collect());
                    if ids.len() >= 2 {
                        merge.dispatch(ids);
                    }
                }
            >
                "Merge"
            </button>
            <span class="bulk-message" role="status">{message}</span>
        </form>
    }
    .into_any()
}

#[component]
pub fn Results(
    state: ListState,
    snapshot: Snapshot<ExplorerPage>,
    selection: ListSelection,
    /// Whether the rows can be checked for a bulk change (members and admins).
    triage: bool,
) -> impl IntoView {
    let Snapshot {
        now,
        data:
            ExplorerPage {
                list,
                any_issues,
                intake,
                search_problem,
            },
    } = snapshot;
    if let Some(problem) = search_problem {
        return view! {
            <p class="notice error" role="alert">
                "Fix the search above: " {problem.message}
            </p>
        }
        .into_any();
    }
    if list.issues.is_empty() {
        return if any_issues {
            view! { <NothingMatches state /> }.into_any()
        } else {
            view! { <GettingStarted intake /> }.into_any()
        };
    }
    let ids: Vec<i64> = list.issues.iter().map(|row| row.summary.id).collect();
    let all_checked = {
        let ids = ids.clone();
        move || {
            selection
                .checked
                .with(|c| ids.iter().all(|id| c.contains(id)))
        }
    };
    let toggle_all = {
        let ids = ids.clone();
        move |_| {
            let check = !selection
                .checked
                .with_untracked(|c| ids.iter().all(|id| c.contains(id)));
            selection.checked.update(|c| {
                for id in &ids {
                    if check {
                        c.insert(*id);
                    } else {
                        c.remove(id);
                    }
                }
            });
        }
    };
    let total = list.total;
    let shown = list.issues.len();
    let bucket_ms = list.bucket_ms;
    let rows = list
        .issues
        .into_iter()
        .enumerate()
        .map(|(index, row)| {
            view! { <IssueRow row index now bucket_ms selection triage state=state.clone() /> }
        })
        .collect_view();
    view! {
        <table class="issues">
            <caption class="visually-hidden">"Issues"</caption>
            <thead>
                <tr>
                {triage
                    .then(|| {
                        view! {
                            <th scope="col" class="select">
                                <input
                                    type="checkbox"
                                    aria-label="Select every issue on this page"
                                    prop:checked=all_checked
                                    on:change=toggle_all
                                />
                            </th>
                        }
                    })}
                    <th scope="col">"Issue"</th>
                    <th scope="col">"Trend"</th>
                    <th scope="col" class="numeric" title="Events in the time range">
                        "Events"
                    </th>
                    <th scope="col">"First seen"</th>
                    <th scope="col">"Last seen"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        <Pager state total shown />
    }
    .into_any()
}

#[component]
fn IssueRow(
    row: Row,
    index: usize,
    now: i64,
    bucket_ms: i64,
    selection: ListSelection,
    triage: bool,
    state: ListState,
) -> impl IntoView {
    let Row {
        summary: issue,
        count_in_range,
        trend,
        regressed,
    } = row;
    let id = issue.id;
    let facet_href = |key: FacetKey, value: &str| {
        state
            .with_search(toggle_facet(&state.search, key, value, false))
            .href()
    };
    let service_href = facet_href(FacetKey::Service, &issue.service);
    let assignee = issue.assignee.map(|user| {
        let href = facet_href(FacetKey::Assignee, &user.email);
        view! {
            " · "
            <a href=href class="assignee" title=format!("Assigned to {}", user.email)>
                {user.name().to_owned()}
            </a>
        }
    });
    let env = (!issue.env.is_empty()).then(|| {
        let href = facet_href(FacetKey::Env, &issue.env);
        view! {
            " · "
            <a href=href class="env">{issue.env.clone()}</a>
        }
    });
    let label = format!(
        "Select {}: {}",
        issue.error_type,
        truncate(&issue.message, 60)
    );
    view! {
        <tr
            id=format!("issue-row-{index}")
            class:cursor=move || selection.cursor.get() == Some(index)
            class:checked=move || selection.checked.with(|c| c.contains(&id))
        >
            {triage
                .then(|| {
                    view! {
                        <td class="select">
                            <input
                                type="checkbox"
                                name="ids[]"
                                value=id.to_string()
                                form=BULK_FORM
                                aria-label=label
                                prop:checked=move || selection.checked.with(|c| c.contains(&id))
                                on:change=move |_| selection.toggle(id)
                            />
                        </td>
                    }
                })}
            <td class="issue-cell">
                <a class="issue-link" href=format!("/issues/{id}") title=issue.message.clone()>
                    <span class="error-type">{issue.error_type}</span>
                    " "
                    <span class="message">{truncate(&issue.message, MESSAGE_CHARS)}</span>
                </a>
                {issue.culprit.map(|culprit| view! { <code class="culprit">{culprit}</code> })}
                <div class="issue-meta">
                    <a href=service_href class="service">{issue.service}</a>
                    {env}
                    {assignee}
                    " "
                    <StatusBadge status=issue.status />
                    {regressed
                        .then(|| {
                            view! {
                                <span class="badge regressed" title="Seen again in a newer version after it was resolved">
                                    "Regressed"
                                </span>
                            }
                        })}
                </div>
            </td>
            <td class="trend">
                <Sparkline counts=trend bucket_ms />
            </td>
            <td class="numeric count" title=format!("{} events in total", issue.count)>
                {count_in_range}
            </td>
            <td class="seen">
                <Ago at=issue.first_seen now />
                {issue
                    .first_version
                    .map(|v| view! { <span class="version" title="Version first seen in">{v}</span> })}
            </td>
            <td class="seen">
                <Ago at=issue.last_seen now />
            </td>
        </tr>
    }
}

#[component]
fn Pager(state: ListState, total: i64, shown: usize) -> impl IntoView {
    let limit = IssueQuery::DEFAULT_LIMIT;
    let first = state.offset + 1;
    let last = state.offset as usize + shown;
    let previous =
        (state.offset > 0).then(|| state.with_offset(state.offset.saturating_sub(limit)).href());
    let next = (i64::try_from(last).unwrap_or(i64::MAX) < total)
        .then(|| state.with_offset(state.offset + limit).href());
    let first_page = (state.offset > limit).then(|| state.with_offset(0).href());
    view! {
        <nav class="pager" aria-label="Pages">
            <span>{format!("{first}–{last} of {total}")}</span>
            {first_page.map(|href| view! { <a href=href>"First page"</a> })}
            {previous.map(|href| view! { <a href=href rel="prev">"Previous page"</a> })}
            {next.map(|href| view! { <a href=href rel="next">"Next page"</a> })}
        </nav>
    }
}

#[component]
fn NothingMatches(state: ListState) -> impl IntoView {
    let wider = (state.range != TimeRange::Last(Period::Days30))
        .then(|| state.with_range(TimeRange::Last(Period::Days30)).href());
    let cleared = (!state.search.is_empty()).then(|| state.with_search("").href());
    view! {
        <div class="notice empty-results">
            <p>
                {if state.search.is_empty() {
                    "No issues had events in this time range.".to_owned()
                } else {
                    format!("No issues match this search in the time range ({}).", state.range.label())
                }}
            </p>
            <p>
                {wider.map(|href| view! { <a href=href>"Look at the last 30 days"</a> " "})}
                {cleared.map(|href| view! { <a href=href>"Clear the search"</a> })}
            </p>
        </div>
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
