//! Unknown URLs, and what `/issues/:id` shows for an unknown id.

use leptos::prelude::*;
use leptos_meta::Title;

/// Sets the HTTP status of the page being rendered on the server to 404; does nothing in the browser.
pub fn mark_not_found() {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(leptos::server_fn::http_export::StatusCode::NOT_FOUND);
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    mark_not_found();
    view! { <NotFoundNotice title="Page not found" detail="There is no page at this address." /> }
}

#[component]
pub fn NotFoundNotice(title: &'static str, detail: &'static str) -> impl IntoView {
    view! {
        <Title text=title />
        <section class="page not-found">
            <h1>{title}</h1>
            <p>{detail}</p>
            <p>
                <a href="/">"Back to the issue list"</a>
            </p>
        </section>
    }
}
