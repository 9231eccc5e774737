//! The top bar's account corner: who is signed in (changes are recorded as them) with their role and
//! a sign-out button, or a link to sign in. Sign-out is a plain form post, so it works without WASM.

use leptos::prelude::*;

use crate::account_api::me;

#[component]
pub fn UserMenu() -> impl IntoView {
    let user = Resource::new(|| (), |()| me());
    view! {
        <div class="user-menu">
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match user.await {
                        Ok(Some(signed_in)) => {
                            view! {
                                <a href="/settings/profile" title="Your profile and sessions">
                                    {signed_in.user.display_name}
                                </a>
                                <span class="role-badge">{signed_in.role.as_str()}</span>
                                <form method="post" action="/auth/signout">
                                    <button type="submit" class="link-button">"Sign out"</button>
                                </form>
                            }
                                .into_any()
                        }
                        _ => view! { <a href="/signin">"Sign in"</a> }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}
