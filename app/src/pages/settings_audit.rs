//! `/settings/audit` (admins): who did what, when and from where, newest first. Filters and paging
//! are plain links and a GET form (`?user=&action=&before=`), so the page works before the WASM
//! loads; `before` is the last entry id shown (keyset paging: new entries never shift a page).

use domain::access::ManagedUser;
use domain::audit::{AuditAction, AuditEntry, AuditPage, AuditQuery};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::audit_api::load_audit_log;
use crate::components::{ErrorNotice, Loading, exact};
use crate::users_api::list_users;

/// The query of the page's URL; unknown or malformed values are ignored.
fn query_of(get: impl Fn(&str) -> Option<String>) -> AuditQuery {
    AuditQuery {
        before: get("before").and_then(|v| v.parse().ok()),
        limit: None,
        user: get("user").and_then(|v| v.parse().ok()),
        action: get("action").and_then(|v| v.parse().ok()),
    }
}

/// The page's URL for `query`.
fn href(query: &AuditQuery) -> String {
    let mut parts = Vec::new();
    if let Some(user) = query.user {
        parts.push(format!("user={user}"));
    }
    if let Some(action) = query.action {
        parts.push(format!("action={action}"));
    }
    if let Some(before) = query.before {
        parts.push(format!("before={before}"));
    }
    match parts.is_empty() {
        true => "/settings/audit".to_owned(),
        false => format!("/settings/audit?{}", parts.join("&")),
    }
}

#[component]
pub fn AuditSettingsPage() -> impl IntoView {
    let url = use_query_map();
    let query = Memo::new(move |_| url.with(|q| query_of(|key| q.get(key))));
    let page = Resource::new(move || query.get(), load_audit_log);
    let users = Resource::new(|| (), |()| list_users());
    view! {
        <Title text="Audit log" />
        <article class="page settings">
            <nav class="breadcrumb" aria-label="Breadcrumb">
                <a href="/settings">"Settings"</a>
            </nav>
            <h1>"Audit log"</h1>
            <p class="muted settings-intro">
                "Sign-ins, account, token, repository and stack rule changes: who, what, when and from where. "
                "The address is the connection's (behind a reverse proxy, the proxy's)."
            </p>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    let users = users.await.unwrap_or_default();
                    filters(query.get_untracked(), users)
                })}
            </Transition>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(page) => entries(page, query.get_untracked()).into_any(),
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })}
            </Transition>
        </article>
    }
}

fn filters(query: AuditQuery, users: Vec<ManagedUser>) -> impl IntoView {
    let user_options = users
        .into_iter()
        .map(|user| {
            let selected = query.user == Some(user.id);
            view! { <option value=user.id.to_string() selected=selected>{user.email}</option> }
        })
        .collect_view();
    let action_options = AuditAction::ALL
        .iter()
        .map(|action| {
            let selected = query.action == Some(*action);
            view! { <option value=action.as_str() selected=selected>{action.as_str()}</option> }
        })
        .collect_view();
    view! {
        <form class="inline-form" method="get" action="/settings/audit" aria-label="Filter">
            <label>
                <span>"User"</span>
                <select name="user">
                    <option value="">"anyone"</option>
                    {user_options}
                </select>
            </label>
            <label>
                <span>"Action"</span>
                <select name="action">
                    <option value="">"any"</option>
                    {action_options}
                </select>
            </label>
            <button type="submit">"Filter"</button>
        </form>
    }
}

fn entries(page: AuditPage, query: AuditQuery) -> impl IntoView {
    if page.entries.is_empty() {
        return view! { <p class="muted">"Nothing recorded matches."</p> }.into_any();
    }
    let rows = page.entries.into_iter().map(entry_row).collect_view();
    let older = page.next_before.map(|before| {
        let next = AuditQuery {
            before: Some(before),
            ..query
        };
        view! { <a class="button" href=href(&next)>"Older entries"</a> }
    });
    let newest = query.before.is_some().then(|| {
        let first = AuditQuery {
            before: None,
            ..query
        };
        view! { <a class="button" href=href(&first)>"Newest"</a> }
    });
    view! {
        <table class="settings-table audit-log">
            <thead>
                <tr>
                    <th scope="col">"When (UTC)"</th>
                    <th scope="col">"Who"</th>
                    <th scope="col">"What"</th>
                    <th scope="col">"Detail"</th>
                    <th scope="col">"From"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        <nav class="pager" aria-label="Pages">
            {newest}
            {older}
        </nav>
    }
    .into_any()
}

fn entry_row(entry: AuditEntry) -> impl IntoView {
    let detail = entry
        .detail
        .iter()
        .map(|(key, value)| format!("{key}: {value}"))
        .collect::<Vec<_>>()
        .join(", ");
    let from = match (&entry.ip, &entry.user_agent) {
        (Some(ip), Some(agent)) => format!("{ip} · {agent}"),
        (Some(ip), None) => ip.clone(),
        (None, Some(agent)) => agent.clone(),
        (None, None) => "—".to_owned(),
    };
    view! {
        <tr>
            <td>{exact(entry.at)}</td>
            <td>{entry.actor.to_string()}</td>
            <td><code>{entry.action.as_str()}</code></td>
            <td>{detail}</td>
            <td class="muted">{from}</td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_round_trip_their_query() {
        let cases = [
            AuditQuery::default(),
            AuditQuery {
                user: Some(3),
                action: Some(AuditAction::TokenCreated),
                before: Some(120),
                limit: None,
            },
        ];
        for query in cases {
            let url = href(&query);
            let pairs: Vec<(String, String)> = url
                .split_once('?')
                .map(|(_, q)| {
                    q.split('&')
                        .filter_map(|p| p.split_once('='))
                        .map(|(k, v)| (k.to_owned(), v.to_owned()))
                        .collect()
                })
                .unwrap_or_default();
            let parsed =
                query_of(|key| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()));
            assert_eq!(parsed, query, "{url}");
        }
        let junk = query_of(|key| (key == "action").then(|| "drop".to_owned()));
        assert_eq!(junk, AuditQuery::default());
    }
}
