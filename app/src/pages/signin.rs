//! `/signin`: email and password, posted as a plain form to `/auth/signin` (works without the WASM),
//! and single sign-on when the server has a provider (a plain GET form to `/auth/oidc/start`).
//! A failure comes back as `?error=`; `next` is where to go afterwards.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::account_api::single_sign_on;

#[component]
pub fn SignInPage() -> impl IntoView {
    let query = use_query_map();
    let error = move || query.with(|q| q.get("error"));
    let next = move || {
        query
            .with(|q| q.get("next"))
            .unwrap_or_else(|| "/".to_owned())
    };
    let provider = Resource::new(|| (), |()| single_sign_on());
    view! {
        <Title text="Sign in" />
        <article class="page account-page">
            <h1>"Sign in"</h1>
            {move || error().map(|e| view! { <p class="notice error" role="alert">{e}</p> })}
            <form class="stacked-form" method="post" action="/auth/signin">
                <input type="hidden" name="next" value=next />
                <label>
                    <span>"Email"</span>
                    <input type="email" name="email" autocomplete="username" required />
                </label>
                <label>
                    <span>"Password"</span>
                    <input type="password" name="password" autocomplete="current-password" required />
                </label>
                <div class="form-actions">
                    <button type="submit">"Sign in"</button>
                </div>
            </form>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    provider.await.ok().flatten().map(|name| view! {
                        <form class="stacked-form" method="get" action="/auth/oidc/start">
                            <input type="hidden" name="next" value=next />
                            <div class="form-actions">
                                <button type="submit" class="secondary">"Sign in with " {name}</button>
                            </div>
                        </form>
                    })
                })}
            </Transition>
            <p class="muted">"Accounts are created by an admin; there is no sign-up."</p>
        </article>
    }
}
