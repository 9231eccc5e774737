//! `/settings/tokens`: the signed-in user's API tokens (`Authorization: Bearer sp_…`) with Revoke,
//! and for members and admins a form to make one: a name, a role up to their own, a lifetime. A new
//! token shows once, with Copy; lists only ever show its first characters.

use domain::access::{CreatedToken, Role, TokenRequest, TokenView};
use leptos::prelude::*;
use leptos_meta::Title;

use crate::account_api::{create_my_token, me, my_tokens, revoke_my_token};
use crate::components::{
    Ago, CopySnippet, ErrorNotice, Loading, server_message, split_utc, use_hydrated,
};

/// The lifetimes offered, in days; `None`: never expires.
const LIFETIMES: [(Option<u32>, &str); 4] = [
    (Some(30), "30 days"),
    (Some(90), "90 days"),
    (Some(365), "1 year"),
    (None, "never"),
];

#[component]
pub fn TokensSettingsPage() -> impl IntoView {
    let user = Resource::new(|| (), |()| me());
    let tokens = Resource::new(|| (), |()| my_tokens());
    let hydrated = use_hydrated();
    let revoke = Action::new(move |id: &i64| {
        let id = *id;
        async move {
            let revoked = revoke_my_token(id).await;
            tokens.refetch();
            revoked
        }
    });
    view! {
        <Title text="API tokens" />
        <article class="page settings">
            <nav class="breadcrumb" aria-label="Breadcrumb">
                <a href="/settings">"Settings"</a>
            </nav>
            <h1>"API tokens"</h1>
            <p class="muted settings-intro">
                "Scripts and CI send a token as " <code>"Authorization: Bearer sp_…"</code>
                ". It acts as you, with its own role, never above yours."
            </p>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match user.await {
                        Ok(Some(signed_in)) if signed_in.role >= Role::Member => {
                            view! {
                                <TokenForm
                                    hydrated
                                    most=signed_in.role
                                    created=Callback::new(move |()| tokens.refetch())
                                />
                            }
                                .into_any()
                        }
                        Ok(_) => {
                            view! { <p class="muted">"Viewers cannot make tokens; an admin can."</p> }
                                .into_any()
                        }
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })}
            </Transition>
            <section aria-labelledby="tokens-heading">
                <h2 id="tokens-heading">"Your tokens"</h2>
                {move || {
                    revoke
                        .value()
                        .get()
                        .and_then(Result::err)
                        .map(|e| view! { <p class="notice error" role="alert">{server_message(&e)}</p> })
                }}
                <Transition fallback=Loading>
                    {move || Suspend::new(async move {
                        match tokens.await {
                            Ok(list) => token_table(list.data, list.now, revoke, hydrated).into_any(),
                            Err(error) => view! { <ErrorNotice error /> }.into_any(),
                        }
                    })}
                </Transition>
            </section>
        </article>
    }
}

/// The form to make a token with a role up to `most`; the new token shows under it once.
#[component]
fn TokenForm(hydrated: Signal<bool>, most: Role, created: Callback<()>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Viewer);
    let lifetime = RwSignal::new(LIFETIMES[1].0);
    let create: Action<TokenRequest, Result<CreatedToken, ServerFnError>> =
        Action::new(move |request: &TokenRequest| {
            let request = request.clone();
            async move {
                let token = create_my_token(request).await;
                if token.is_ok() {
                    name.set(String::new());
                }
                created.run(());
                token
            }
        });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        create.dispatch(TokenRequest {
            name: name.get_untracked(),
            role: role.get_untracked(),
            expires_days: lifetime.get_untracked(),
        });
    };
    let roles = Role::ALL
        .into_iter()
        .filter(|r| *r <= most)
        .map(
            |r| view! { <option value=r.as_str() selected=r == Role::Viewer>{r.as_str()}</option> },
        )
        .collect_view();
    let lifetimes = LIFETIMES
        .iter()
        .enumerate()
        .map(|(i, (_, label))| view! { <option value=i.to_string() selected=i == 1>{*label}</option> })
        .collect_view();
    let outcome = move || {
        create.value().get().map(|result| match result {
            Ok(token) => view! {
                <div class="notice">
                    <p>"Copy the token now: it is shown only once."</p>
                    <CopySnippet text=token.token label="API token" />
                </div>
            }
            .into_any(),
            Err(e) => {
                view! { <p class="notice error" role="alert">{server_message(&e)}</p> }.into_any()
            }
        })
    };
    view! {
        <section aria-labelledby="new-token-heading">
            <h2 id="new-token-heading">"New token"</h2>
            <form class="stacked-form" on:submit=submit>
                <label>
                    <span>"Name"</span>
                    <input
                        type="text"
                        required
                        maxlength="100"
                        placeholder="ci"
                        prop:value=name
                        on:input=move |ev| name.set(event_target_value(&ev))
                    />
                </label>
                <label>
                    <span>"Role"</span>
                    <select on:change=move |ev| {
                        if let Ok(r) = event_target_value(&ev).parse() {
                            role.set(r);
                        }
                    }>{roles}</select>
                </label>
                <label>
                    <span>"Expires after"</span>
                    <select on:change=move |ev| {
                        if let Some((days, _)) = event_target_value(&ev)
                            .parse::<usize>()
                            .ok()
                            .and_then(|i| LIFETIMES.get(i))
                        {
                            lifetime.set(*days);
                        }
                    }>{lifetimes}</select>
                </label>
                <div class="form-actions">
                    <button type="submit" disabled=move || !hydrated.get() || create.pending().get()>
                        "Make a token"
                    </button>
                </div>
            </form>
            {outcome}
        </section>
    }
}

fn token_table(
    tokens: Vec<TokenView>,
    now: i64,
    revoke: Action<i64, Result<(), ServerFnError>>,
    hydrated: Signal<bool>,
) -> impl IntoView {
    if tokens.is_empty() {
        return view! { <p class="empty-state">"No tokens yet."</p> }.into_any();
    }
    let rows = tokens
        .into_iter()
        .map(|token| {
            let id = token.id;
            let expired = token.expires_at.is_some_and(|at| at <= now);
            let state = match (token.revoked, expired, token.expires_at) {
                (true, _, _) => "revoked".to_owned(),
                (false, true, _) => "expired".to_owned(),
                (false, false, Some(at)) => format!("until {}", split_utc(at).0),
                (false, false, None) => "no expiry".to_owned(),
            };
            let action = (!token.revoked).then(|| {
                view! {
                    <button
                        type="button"
                        class="secondary danger"
                        on:click=move |_| {
                            revoke.dispatch(id);
                        }
                        disabled=move || !hydrated.get()
                    >
                        "Revoke"
                    </button>
                }
            });
            let last_used = match token.last_used_at {
                Some(at) => view! { <Ago at now /> }.into_any(),
                None => view! { <span class="muted">"never"</span> }.into_any(),
            };
            view! {
                <tr class:muted=token.revoked || expired>
                    <td>{token.name}</td>
                    <td><code>{format!("{}…", token.prefix)}</code></td>
                    <td>{token.role.as_str()}</td>
                    <td><Ago at=token.created_at now /></td>
                    <td>{last_used}</td>
                    <td>{state}</td>
                    <td class="row-actions">{action}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="settings-table">
            <thead>
                <tr>
                    <th>"Name"</th>
                    <th>"Token"</th>
                    <th>"Role"</th>
                    <th>"Made"</th>
                    <th>"Last used"</th>
                    <th>"Status"</th>
                    <th></th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}
