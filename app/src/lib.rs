//! Stackprint's web pages. The same components render on the server (`ssr`, inside the axum server) and
//! hydrate in the browser (`hydrate`, through the `frontend` cdylib). Data comes from server functions
//! (`api`) backed by the server's [`backend::Backend`].

pub mod account_api;
pub mod api;
pub mod audit_api;
#[cfg(feature = "ssr")]
pub mod backend;
mod components;
pub mod intake_api;
mod pages;
pub mod range;
pub mod source_api;
pub mod stack_rules_api;
pub mod teamwork_api;
mod terms;
pub mod url;
pub mod users_api;

#[cfg(all(test, feature = "ssr"))]
mod tests;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::{SsrMode, path};

use crate::components::UserMenu;
use crate::pages::{
    AuditSettingsPage, IntakeSettingsPage, InvitePage, IssueDetailPage, IssueListPage, NotFound,
    ProfilePage, SettingsIndexPage, SetupPage, SignInPage, SourceSettingsPage,
    StackRulesSettingsPage, TokensSettingsPage, TracePage, UsersSettingsPage,
};

/// The HTML document around [`App`], rendered only on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let stylesheet = format!("/{}/{}.css", options.site_pkg_dir, options.output_name);
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="stylesheet" href=stylesheet />
                <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Effects run only in the browser, once hydrated: browser tests wait for this mark.
    Effect::new(move |_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "");
        }
    });
    view! {
        <Title formatter=|page: String| format!("{page} · Stackprint") />
        <Router>
            <header class="topbar">
                <A href="/" attr:class="brand">
                    "Stackprint"
                </A>
                <nav aria-label="Main">
                    <A href="/">"Issues"</A>
                    <A href="/settings">"Settings"</A>
                </nav>
                <UserMenu />
            </header>
            <main>
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=IssueListPage ssr=SsrMode::InOrder />
                    <Route path=path!("/issues/:id") view=IssueDetailPage ssr=SsrMode::InOrder />
                    <Route path=path!("/traces/:trace_id") view=TracePage ssr=SsrMode::InOrder />
                    <Route path=path!("/settings") view=SettingsIndexPage ssr=SsrMode::InOrder />
                    <Route path=path!("/settings/profile") view=ProfilePage ssr=SsrMode::InOrder />
                    <Route path=path!("/settings/source") view=SourceSettingsPage ssr=SsrMode::InOrder />
                    <Route path=path!("/signin") view=SignInPage ssr=SsrMode::InOrder />
                    <Route path=path!("/setup") view=SetupPage ssr=SsrMode::InOrder />
                    <Route path=path!("/invite") view=InvitePage ssr=SsrMode::InOrder />
                    <Route path=path!("/settings/users") view=UsersSettingsPage ssr=SsrMode::InOrder />
                    <Route path=path!("/settings/tokens") view=TokensSettingsPage ssr=SsrMode::InOrder />
                    <Route path=path!("/settings/intake") view=IntakeSettingsPage ssr=SsrMode::InOrder />
                    <Route path=path!("/settings/stack-rules") view=StackRulesSettingsPage ssr=SsrMode::InOrder />
                    <Route path=path!("/settings/audit") view=AuditSettingsPage ssr=SsrMode::InOrder />
                </Routes>
            </main>
        </Router>
    }
}
