//! `/setup`: the first admin, while no account exists. Every page points here until then; the form
//! works only with the one-time link (`/setup?token=…`) the server logged at start.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn SetupPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.with(|q| q.get("token")).filter(|t| !t.is_empty());
    let error = move || query.with(|q| q.get("error"));
    view! {
        <Title text="Set up Stackprint" />
        <article class="page account-page">
            <h1>"Set up Stackprint"</h1>
            {move || error().map(|e| view! { <p class="notice error" role="alert">{e}</p> })}
            {move || match token() {
                None => {
                    view! {
                        <p>
                            "No account exists yet. Open the setup link the server printed in its log when it started ("
                            <code>"/setup?token=…"</code> "), or create the first admin on the server with "
                            <code>"stackprint admin create --email you@example.com --password-stdin"</code> "."
                        </p>
                    }
                        .into_any()
                }
                Some(token) => {
                    view! {
                        <p>"Create the first admin account. This link works once."</p>
                        <form class="stacked-form" method="post" action="/auth/setup">
                            <input type="hidden" name="token" value=token />
                            <label>
                                <span>"Email"</span>
                                <input type="email" name="email" autocomplete="username" required />
                            </label>
                            <label>
                                <span>"Name"</span>
                                <input type="text" name="display_name" autocomplete="name" />
                            </label>
                            <label>
                                <span>"Password"</span>
                                <input type="password" name="password" autocomplete="new-password" minlength="8" required />
                                <small class="muted">"At least 8 characters."</small>
                            </label>
                            <div class="form-actions">
                                <button type="submit">"Create the admin"</button>
                            </div>
                        </form>
                    }
                        .into_any()
                }
            }}
        </article>
    }
}
