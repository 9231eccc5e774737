//! `/settings`: the settings the signed-in user's role may open. The server enforces the same rules
//! on each page and endpoint; this list only spares people links that would refuse them.

use domain::access::{Access, Role};
use leptos::prelude::*;
use leptos_meta::Title;

use crate::account_api::me;
use crate::components::{ErrorNotice, Loading};

/// Each settings page, what it holds and who may open it.
const SECTIONS: [(&str, &str, &str, Access); 7] = [
    (
        "/settings/profile",
        "Profile and sessions",
        "Your account, your password and the browsers signed in as you.",
        Access::Role(Role::Viewer),
    ),
    (
        "/settings/tokens",
        "API tokens",
        "Tokens for scripts and CI that act as you.",
        Access::Role(Role::Viewer),
    ),
    (
        "/settings/users",
        "Users and invitations",
        "Who may sign in, with which role; invitation links.",
        Access::Role(Role::Admin),
    ),
    (
        "/settings/source",
        "Source code",
        "GitHub repositories whose code stack traces show.",
        Access::Role(Role::Admin),
    ),
    (
        "/settings/intake",
        "Intake tokens",
        "Tokens tracers send when intake requires one.",
        Access::Role(Role::Admin),
    ),
    (
        "/settings/stack-rules",
        "Stack rules",
        "Per service: which frames are its own code, and which events share an issue.",
        Access::Role(Role::Admin),
    ),
    (
        "/settings/audit",
        "Audit log",
        "Who signed in and changed accounts, tokens, repositories and rules, from where.",
        Access::Role(Role::Admin),
    ),
];

#[component]
pub fn SettingsIndexPage() -> impl IntoView {
    let user = Resource::new(|| (), |()| me());
    view! {
        <Title text="Settings" />
        <article class="page settings">
            <h1>"Settings"</h1>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match user.await {
                        Ok(signed_in) => {
                            let role = signed_in.map(|s| s.role);
                            let items = SECTIONS
                                .into_iter()
                                .filter(|(.., access)| access.allows(role))
                                .map(|(href, title, detail, _)| {
                                    view! {
                                        <li>
                                            <a href=href>{title}</a>
                                            <span class="muted">" — " {detail}</span>
                                        </li>
                                    }
                                })
                                .collect_view();
                            view! { <ul class="settings-index">{items}</ul> }.into_any()
                        }
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })}
            </Transition>
        </article>
    }
}
