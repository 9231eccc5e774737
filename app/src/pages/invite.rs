//! `/invite?token=…`: where an invitation link leads. The invited person chooses a display name and
//! a password, posted as a plain form to `/auth/invite` (works without the WASM), which creates the
//! account with the invited email and role and signs them in. A refusal comes back as `?error=`.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn InvitePage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.with(|q| q.get("token")).filter(|t| !t.is_empty());
    let error = move || query.with(|q| q.get("error"));
    view! {
        <Title text="Join Stackprint" />
        <article class="page account-page">
            <h1>"Join Stackprint"</h1>
            {move || error().map(|e| view! { <p class="notice error" role="alert">{e}</p> })}
            {move || match token() {
                None => {
                    view! {
                        <p>"This page needs the invitation link an admin sent you (" <code>"/invite?token=…"</code> ")."</p>
                    }
                        .into_any()
                }
                Some(token) => {
                    view! {
                        <p>"You were invited. Choose how others see you and your password; the link works once."</p>
                        <form class="stacked-form" method="post" action="/auth/invite">
                            <input type="hidden" name="token" value=token />
                            <label>
                                <span>"Name"</span>
                                <input type="text" name="display_name" autocomplete="name" maxlength="200" required />
                            </label>
                            <label>
                                <span>"Password"</span>
                                <input type="password" name="password" autocomplete="new-password" minlength="8" required />
                                <small class="muted">"At least 8 characters."</small>
                            </label>
                            <div class="form-actions">
                                <button type="submit">"Create my account"</button>
                            </div>
                        </form>
                    }
                        .into_any()
                }
            }}
        </article>
    }
}
