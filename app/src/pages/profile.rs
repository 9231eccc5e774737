//! `/settings/profile`: the signed-in user (email, name, role) and their browser sessions, each of
//! the others with "End" (once hydrated). Signing out ends the current one.

use domain::access::SessionView;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::account_api::{end_my_session, me, my_sessions};
use crate::components::{Ago, ErrorNotice, Loading, server_message};

#[component]
pub fn ProfilePage() -> impl IntoView {
    let user = Resource::new(|| (), |()| me());
    let sessions = Resource::new(|| (), |()| my_sessions());
    let end = Action::new(move |id: &i64| {
        let id = *id;
        async move {
            let ended = end_my_session(id).await;
            sessions.refetch();
            ended
        }
    });
    view! {
        <Title text="Profile" />
        <article class="page settings">
            <nav class="breadcrumb" aria-label="Breadcrumb">
                <a href="/settings">"Settings"</a>
            </nav>
            <h1>"Profile"</h1>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match user.await {
                        Ok(Some(s)) => {
                            view! {
                                <dl class="profile">
                                    <dt>"Email"</dt>
                                    <dd>{s.user.email}</dd>
                                    <dt>"Name"</dt>
                                    <dd>{s.user.display_name}</dd>
                                    <dt>"Role"</dt>
                                    <dd>{s.role.as_str()}</dd>
                                </dl>
                            }
                                .into_any()
                        }
                        Ok(None) => view! { <p>"Not signed in."</p> }.into_any(),
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })}
            </Transition>
            <section aria-labelledby="sessions-heading">
                <h2 id="sessions-heading">"Sessions"</h2>
                {move || {
                    end.value()
                        .get()
                        .and_then(Result::err)
                        .map(|e| view! { <p class="notice error">{server_message(&e)}</p> })
                }}
                <Transition fallback=Loading>
                    {move || Suspend::new(async move {
                        match sessions.await {
                            Ok(list) => session_table(list.data, list.now, end).into_any(),
                            Err(error) => view! { <ErrorNotice error /> }.into_any(),
                        }
                    })}
                </Transition>
            </section>
        </article>
    }
}

fn session_table(
    sessions: Vec<SessionView>,
    now: i64,
    end: Action<i64, Result<bool, ServerFnError>>,
) -> impl IntoView {
    if sessions.is_empty() {
        return view! { <p class="empty-state">"Signed in with an API token: no browser session."</p> }
            .into_any();
    }
    let rows = sessions
        .into_iter()
        .map(|s| {
            let id = s.id;
            view! {
                <tr>
                    <td>{s.user_agent.unwrap_or_else(|| "unknown browser".to_owned())}</td>
                    <td><Ago at=s.created_at now /></td>
                    <td><Ago at=s.last_seen_at now /></td>
                    <td class="row-actions">
                        {if s.current {
                            view! { <span class="muted">"this browser"</span> }.into_any()
                        } else {
                            view! {
                                <button type="button" class="secondary danger" on:click=move |_| { end.dispatch(id); }>
                                    "End"
                                </button>
                            }
                                .into_any()
                        }}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="settings-table">
            <thead>
                <tr>
                    <th>"Browser"</th>
                    <th>"Signed in"</th>
                    <th>"Last used"</th>
                    <th></th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}
