//! Triage on the issue page: the status control (each change recorded as the signed-in user; a plain
//! form before the WASM loads) and the timeline of changes, regressions, assignments and comments.

use domain::explorer::{Activity, ActivityKind, ActivityPage};
use domain::query::Status;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::states::server_message;
use super::status::status_label;
use super::teamwork::{CommentItem, IssueRights};
use super::time::Ago;
use crate::api::{set_statuses, status_form_action, status_form_error};

/// Buttons for the four statuses, the current one pressed. `changed` runs after a change is stored.
///
/// A plain HTML form posting to [`set_statuses_form`]: before and without the WASM the server changes
/// the status and redirects back to the page; once hydrated a click calls [`set_statuses`] in place.
#[component]
pub fn StatusControl(id: i64, status: RwSignal<Status>, changed: Callback<()>) -> impl IntoView {
    let query = use_query_map();
    let change = Action::new(move |to: &Status| {
        let to = *to;
        async move { set_statuses(vec![id], to, None).await.map(|r| (to, r)) }
    });
    Effect::watch(
        move || change.value().get(),
        move |result, _, _| {
            if let Some(Ok((to, result))) = result
                && result.updated.contains(&id)
            {
                status.set(*to);
                changed.run(());
            }
        },
        false,
    );
    let pending = change.pending();
    let message = move || match change.value().get() {
        Some(Err(e)) => Some(view! { <p class="notice error">{server_message(&e)}</p> }.into_any()),
        Some(Ok((_, r))) if r.updated.is_empty() => {
            Some(view! { <p class="notice error">"This issue no longer exists."</p> }.into_any())
        }
        Some(Ok(_)) => None,
        None => query.with(status_form_error).map(|e| {
            view! { <p class="notice error" role="alert">{server_message(&e)}</p> }.into_any()
        }),
    };
    let buttons = Status::ALL
        .into_iter()
        .map(|s| {
            view! {
                <button
                    type="submit"
                    name="status"
                    value=s.as_str()
                    class=format!("status-button status-{}", s.as_str())
                    aria-pressed=move || if status.get() == s { "true" } else { "false" }
                    disabled=move || pending.get()
                    on:click=move |ev| {
                        ev.prevent_default();
                        if status.get_untracked() != s {
                            change.dispatch(s);
                        }
                    }
                >
                    {status_label(s)}
                </button>
            }
        })
        .collect_view();
    view! {
        <form class="status-control" method="post" action=status_form_action()>
            <input type="hidden" name="ids[]" value=id.to_string() />
            <div class="status-buttons" role="group" aria-label="Status">
                {buttons}
            </div>
            {message}
        </form>
    }
    .into_any()
}

/// The issue's history after its first sighting, oldest first: triage entries and comments
/// interleaved by time. `changed` runs after a comment is deleted.
#[component]
pub fn ActivityTimeline(
    page: ActivityPage,
    first_seen: i64,
    first_version: Option<String>,
    now: i64,
    rights: IssueRights,
    changed: Callback<()>,
) -> impl IntoView {
    let first = view! {
        <li class="timeline-item first-seen">
            <span class="timeline-what">
                "First seen"
                {first_version.map(|v| view! { " in " <code>{v}</code> })}
            </span>
            <Ago at=first_seen now />
        </li>
    };
    let ActivityPage { activity, comments } = page;
    let mut entries: Vec<(i64, AnyView)> = activity
        .into_iter()
        .map(|entry| (entry.at, view! { <ActivityItem entry now /> }.into_any()))
        .collect();
    entries.extend(comments.into_iter().map(|comment| {
        let deletable = rights.may_delete(&comment);
        let at = comment.created_at;
        let item = view! { <CommentItem comment now deletable changed /> };
        (at, item.into_any())
    }));
    // Stable: at the same millisecond a change stays before a comment.
    entries.sort_by_key(|(at, _)| *at);
    let items = entries.into_iter().map(|(_, item)| item).collect_view();
    view! {
        <ol class="timeline">
            {first}
            {items}
        </ol>
    }
}

#[component]
fn ActivityItem(entry: Activity, now: i64) -> impl IntoView {
    let who = entry.who().unwrap_or("Stackprint").to_owned();
    let Activity {
        at,
        kind,
        from_status,
        to_status,
        version,
        other_issue,
        assignee,
        ..
    } = entry;
    let other =
        other_issue.map(|id| view! { <a href=format!("/issues/{id}")>{format!("#{id}")}</a> });
    let what = match kind {
        ActivityKind::Regression => view! {
            <span class="badge regressed">"Regressed"</span>
            " an event"
            {version.map(|v| view! { " of " <code>{v}</code> })}
            " reopened it: " {status_label(from_status)} " → " {status_label(to_status)}
        }
        .into_any(),
        ActivityKind::StatusChange => {
            let resolved_in = (to_status == Status::Resolved)
                .then_some(version)
                .flatten()
                .map(|v| view! { " in " <code>{v}</code> });
            view! {
                <strong>{who}</strong>
                " changed the status from " {status_label(from_status)} " to "
                <strong>{status_label(to_status)}</strong>
                {resolved_in}
            }
            .into_any()
        }
        ActivityKind::Merge => {
            view! { <strong>{who}</strong> " merged issue " {other} " into this one" }.into_any()
        }
        ActivityKind::MergedInto => {
            view! { <strong>{who}</strong> " merged this issue into " {other} }.into_any()
        }
        ActivityKind::Unmerge => view! { <strong>{who}</strong> " unmerged " {other} }.into_any(),
        ActivityKind::Assign => {
            let whom = assignee.map_or_else(|| "a user".to_owned(), |u| u.name().to_owned());
            view! { <strong>{who}</strong> " assigned " <strong>{whom}</strong> }.into_any()
        }
        ActivityKind::Unassign => view! { <strong>{who}</strong> " unassigned" }.into_any(),
    };
    view! {
        <li class=format!("timeline-item {}", kind.as_str())>
            <span class="timeline-what">{what}</span>
            <Ago at now />
        </li>
    }
}
