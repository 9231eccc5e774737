//! `/settings/users` (admins): every user with a role select and Disable/Enable, and invitations: a
//! form that makes a link (shown once, with Copy: only its hash is stored) and the pending ones with
//! Delete. The lists render on the server; the controls act once hydrated. The server refuses to
//! demote or disable the last enabled admin and says so here.

use domain::access::{InviteLink, InviteRequest, InviteView, ManagedUser, Role, UserChange};
use leptos::html;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::{
    CopySnippet, ErrorNotice, Loading, server_message, split_utc, use_hydrated,
};
use crate::users_api::{create_invite, delete_invite, list_invites, list_users, update_user};

type Change = Action<(i64, UserChange), Result<ManagedUser, ServerFnError>>;

#[component]
pub fn UsersSettingsPage() -> impl IntoView {
    let users = Resource::new(|| (), |()| list_users());
    let invites = Resource::new(|| (), |()| list_invites());
    let hydrated = use_hydrated();
    let change: Change = Action::new(move |(id, change): &(i64, UserChange)| {
        let (id, change) = (*id, *change);
        async move {
            let changed = update_user(id, change).await;
            users.refetch();
            changed
        }
    });
    let withdraw = Action::new(move |id: &i64| {
        let id = *id;
        async move {
            let deleted = delete_invite(id).await;
            invites.refetch();
            deleted
        }
    });
    let refused = move || {
        let change = change.value().get().and_then(Result::err);
        let withdraw = withdraw.value().get().and_then(Result::err);
        change
            .or(withdraw)
            .map(|e| view! { <p class="notice error" role="alert">{server_message(&e)}</p> })
    };
    view! {
        <Title text="Users" />
        <article class="page settings">
            <nav class="breadcrumb" aria-label="Breadcrumb">
                <a href="/settings">"Settings"</a>
            </nav>
            <h1>"Users"</h1>
            {refused}
            <section aria-labelledby="users-heading">
                <h2 id="users-heading">"Users"</h2>
                <Transition fallback=Loading>
                    {move || Suspend::new(async move {
                        match users.await {
                            Ok(list) => user_table(list, change, hydrated).into_any(),
                            Err(error) => view! { <ErrorNotice error /> }.into_any(),
                        }
                    })}
                </Transition>
            </section>
            <InviteForm hydrated created=Callback::new(move |()| invites.refetch()) />
            <section aria-labelledby="invites-heading">
                <h2 id="invites-heading">"Pending invitations"</h2>
                <Transition fallback=Loading>
                    {move || Suspend::new(async move {
                        match invites.await {
                            Ok(list) => invite_table(list.data, list.now, withdraw, hydrated).into_any(),
                            Err(error) => view! { <ErrorNotice error /> }.into_any(),
                        }
                    })}
                </Transition>
            </section>
        </article>
    }
}

fn role_options(selected: Role) -> impl IntoView {
    Role::ALL
        .into_iter()
        .map(|role| {
            view! {
                <option value=role.as_str() selected=role == selected>
                    {role.as_str()}
                </option>
            }
        })
        .collect_view()
}

fn user_table(users: Vec<ManagedUser>, change: Change, hydrated: Signal<bool>) -> impl IntoView {
    let rows = users
        .into_iter()
        .map(|user| {
            let id = user.id;
            let disabled = user.disabled;
            let role = user.role;
            // A refused change must not stay on screen as if it were made: the select goes back to
            // the stored role. (Re-rendering the same list leaves what the user picked.)
            let select = NodeRef::<html::Select>::new();
            Effect::new(move |_| {
                if let (Some(Err(_)), Some(select)) = (change.value().get(), select.get_untracked())
                {
                    select.set_value(role.as_str());
                }
            });
            let on_role = move |ev| {
                if let Ok(role) = event_target_value(&ev).parse::<Role>() {
                    change.dispatch((
                        id,
                        UserChange {
                            role: Some(role),
                            disabled: None,
                        },
                    ));
                }
            };
            let toggle = move |_| {
                change.dispatch((
                    id,
                    UserChange {
                        role: None,
                        disabled: Some(!disabled),
                    },
                ));
            };
            view! {
                <tr class:muted=disabled>
                    <td>{user.display_name}</td>
                    <td>{user.email.clone()}</td>
                    <td>
                        <select
                            node_ref=select
                            aria-label=format!("Role of {}", user.email)
                            on:change=on_role
                            disabled=move || !hydrated.get()
                        >
                            {role_options(user.role)}
                        </select>
                    </td>
                    <td>{if disabled { "disabled" } else { "active" }}</td>
                    <td class="row-actions">
                        <button
                            type="button"
                            class="secondary"
                            class:danger=!disabled
                            on:click=toggle
                            disabled=move || !hydrated.get()
                        >
                            {if disabled { "Enable" } else { "Disable" }}
                        </button>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="settings-table">
            <thead>
                <tr>
                    <th>"Name"</th>
                    <th>"Email"</th>
                    <th>"Role"</th>
                    <th>"Status"</th>
                    <th></th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

/// The invitation form; a new link shows under it once.
#[component]
fn InviteForm(hydrated: Signal<bool>, created: Callback<()>) -> impl IntoView {
    let email = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Member);
    let invite: Action<InviteRequest, Result<InviteLink, ServerFnError>> =
        Action::new(move |request: &InviteRequest| {
            let request = request.clone();
            async move {
                let link = create_invite(request).await;
                if link.is_ok() {
                    email.set(String::new());
                }
                created.run(());
                link
            }
        });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        invite.dispatch(InviteRequest {
            email: email.get_untracked(),
            role: role.get_untracked(),
        });
    };
    let outcome = move || {
        invite.value().get().map(|result| match result {
            Ok(link) => view! {
                <div class="notice">
                    <p>"Send this link to the person invited. It is shown only now, works once and expires in 7 days."</p>
                    <CopySnippet text=link.url label="invitation link" />
                </div>
            }
            .into_any(),
            Err(e) => view! { <p class="notice error" role="alert">{server_message(&e)}</p> }.into_any(),
        })
    };
    view! {
        <section aria-labelledby="invite-heading">
            <h2 id="invite-heading">"Invite someone"</h2>
            <form class="stacked-form" on:submit=submit>
                <label>
                    <span>"Email"</span>
                    <input
                        type="email"
                        required
                        prop:value=email
                        on:input=move |ev| email.set(event_target_value(&ev))
                    />
                </label>
                <label>
                    <span>"Role"</span>
                    <select on:change=move |ev| {
                        if let Ok(r) = event_target_value(&ev).parse() {
                            role.set(r);
                        }
                    }>{role_options(Role::Member)}</select>
                </label>
                <div class="form-actions">
                    <button type="submit" disabled=move || !hydrated.get() || invite.pending().get()>
                        "Make an invitation link"
                    </button>
                </div>
            </form>
            {outcome}
        </section>
    }
}

fn invite_table(
    invites: Vec<InviteView>,
    now: i64,
    withdraw: Action<i64, Result<(), ServerFnError>>,
    hydrated: Signal<bool>,
) -> impl IntoView {
    if invites.is_empty() {
        return view! { <p class="empty-state">"No pending invitations."</p> }.into_any();
    }
    let rows = invites
        .into_iter()
        .map(|invite| {
            let id = invite.id;
            let expiry = if invite.expires_at <= now {
                view! { <span class="muted">"expired"</span> }.into_any()
            } else {
                view! { <span>{split_utc(invite.expires_at).0}</span> }.into_any()
            };
            view! {
                <tr>
                    <td>{invite.email}</td>
                    <td>{invite.role.as_str()}</td>
                    <td>{invite.invited_by.unwrap_or_else(|| "a former admin".to_owned())}</td>
                    <td>{expiry}</td>
                    <td class="row-actions">
                        <button
                            type="button"
                            class="secondary danger"
                            on:click=move |_| {
                                withdraw.dispatch(id);
                            }
                            disabled=move || !hydrated.get()
                        >
                            "Delete"
                        </button>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="settings-table">
            <thead>
                <tr>
                    <th>"Email"</th>
                    <th>"Role"</th>
                    <th>"Invited by"</th>
                    <th>"Expires"</th>
                    <th></th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}
