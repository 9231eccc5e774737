//! `/settings/intake` (admins): intake tokens, which tracers send when the server runs with
//! `--intake-require-token`. A new token shows once, with Copy; lists show its first characters.

use domain::intake::{CreatedIntakeToken, IntakeTokenRequest, IntakeTokenView};
use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::{Ago, CopySnippet, ErrorNotice, Loading, server_message, use_hydrated};
use crate::intake_api::{create_intake_token, list_intake_tokens, revoke_intake_token};

#[component]
pub fn IntakeSettingsPage() -> impl IntoView {
    let tokens = Resource::new(|| (), |()| list_intake_tokens());
    let hydrated = use_hydrated();
    let revoke = Action::new(move |id: &i64| {
        let id = *id;
        async move {
            let revoked = revoke_intake_token(id).await;
            tokens.refetch();
            revoked
        }
    });
    view! {
        <Title text="Intake tokens" />
        <article class="page settings">
            <nav class="breadcrumb" aria-label="Breadcrumb">
                <a href="/settings">"Settings"</a>
            </nav>
            <h1>"Intake tokens"</h1>
            <p class="muted settings-intro">
                "With " <code>"--intake-require-token"</code>
                ", tracers send one of these: Datadog clients as " <code>"DD-API-KEY"</code>
                ", OpenTelemetry SDKs through "
                <code>"OTEL_EXPORTER_OTLP_HEADERS=Authorization=Bearer spi_…"</code>
                ". A revoked token stops working on every instance within seconds."
            </p>
            <IntakeTokenForm hydrated created=Callback::new(move |()| tokens.refetch()) />
            <section aria-labelledby="intake-tokens-heading">
                <h2 id="intake-tokens-heading">"Tokens"</h2>
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

#[component]
fn IntakeTokenForm(hydrated: Signal<bool>, created: Callback<()>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let create: Action<IntakeTokenRequest, Result<CreatedIntakeToken, ServerFnError>> =
        Action::new(move |request: &IntakeTokenRequest| {
            let request = request.clone();
            async move {
                let token = create_intake_token(request).await;
                if token.is_ok() {
                    name.set(String::new());
                }
                created.run(());
                token
            }
        });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        create.dispatch(IntakeTokenRequest {
            name: name.get_untracked(),
        });
    };
    let outcome = move || {
        create.value().get().map(|result| match result {
            Ok(token) => view! {
                <div class="notice">
                    <p>"Copy the token now: it is shown only once."</p>
                    <CopySnippet text=token.token label="Intake token" />
                </div>
            }
            .into_any(),
            Err(e) => {
                view! { <p class="notice error" role="alert">{server_message(&e)}</p> }.into_any()
            }
        })
    };
    view! {
        <section aria-labelledby="new-intake-token-heading">
            <h2 id="new-intake-token-heading">"New intake token"</h2>
            <form class="stacked-form" on:submit=submit>
                <label>
                    <span>"Name"</span>
                    <input
                        type="text"
                        required
                        maxlength="100"
                        placeholder="checkout hosts"
                        prop:value=name
                        on:input=move |ev| name.set(event_target_value(&ev))
                    />
                </label>
                <div class="form-actions">
                    <button type="submit" disabled=move || !hydrated.get() || create.pending().get()>
                        "Make an intake token"
                    </button>
                </div>
            </form>
            {outcome}
        </section>
    }
}

fn token_table(
    tokens: Vec<IntakeTokenView>,
    now: i64,
    revoke: Action<i64, Result<(), ServerFnError>>,
    hydrated: Signal<bool>,
) -> impl IntoView {
    if tokens.is_empty() {
        return view! { <p class="empty-state">"No intake tokens yet."</p> }.into_any();
    }
    let rows = tokens
        .into_iter()
        .map(|token| {
            let id = token.id;
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
                <tr class:muted=token.revoked>
                    <td>{token.name}</td>
                    <td><code>{format!("{}…", token.prefix)}</code></td>
                    <td>{token.created_by.unwrap_or_else(|| "the CLI".to_owned())}</td>
                    <td><Ago at=token.created_at now /></td>
                    <td>{last_used}</td>
                    <td>{if token.revoked { "revoked" } else { "live" }}</td>
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
                    <th>"Made by"</th>
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
