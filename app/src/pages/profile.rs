//! `/settings/profile`: the signed-in user (email, name, role), a form to change their password (the
//! current one required; their other sessions end) and their browser sessions, each of the others
//! with "End" (once hydrated). Signing out ends the current one.

use domain::access::{PasswordChange, SessionView};
use leptos::prelude::*;
use leptos_meta::Title;

use crate::account_api::{change_my_password, end_my_session, me, my_sessions};
use crate::components::{Ago, ErrorNotice, Loading, server_message, use_hydrated};

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
            <PasswordForm changed=Callback::new(move |()| sessions.refetch()) />
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

/// Changes the password through a server function once hydrated (a password never goes in a URL).
#[component]
fn PasswordForm(changed: Callback<()>) -> impl IntoView {
    let hydrated = use_hydrated();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let change = Action::new(move |change: &PasswordChange| {
        let change = change.clone();
        async move {
            let done = change_my_password(change).await;
            if done.is_ok() {
                current.set(String::new());
                new.set(String::new());
            }
            changed.run(());
            done
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        change.dispatch(PasswordChange {
            current: current.get_untracked(),
            new: new.get_untracked(),
        });
    };
    let outcome = move || {
        change.value().get().map(|result| match result {
            Ok(()) => view! {
                <p class="notice" role="status">"Password changed. Your other sessions were ended."</p>
            }
            .into_any(),
            Err(e) => view! { <p class="notice error" role="alert">{server_message(&e)}</p> }.into_any(),
        })
    };
    view! {
        <section aria-labelledby="password-heading">
            <h2 id="password-heading">"Password"</h2>
            <form class="stacked-form" on:submit=submit>
                <label>
                    <span>"Current password"</span>
                    <input
                        type="password"
                        autocomplete="current-password"
                        required
                        prop:value=current
                        on:input=move |ev| current.set(event_target_value(&ev))
                    />
                </label>
                <label>
                    <span>"New password"</span>
                    <input
                        type="password"
                        autocomplete="new-password"
                        minlength="8"
                        required
                        prop:value=new
                        on:input=move |ev| new.set(event_target_value(&ev))
                    />
                    <small class="muted">"At least 8 characters. Signs out your other browsers."</small>
                </label>
                <div class="form-actions">
                    <button type="submit" disabled=move || !hydrated.get() || change.pending().get()>
                        "Change password"
                    </button>
                </div>
            </form>
            {outcome}
        </section>
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
